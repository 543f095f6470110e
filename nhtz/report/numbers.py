"""Numbers as the zone bulletins write them, in one place (docs/methodology.md, "How figures are written").

Running text: amounts of 1万亿元 or more as `15.49万亿元`, smaller ones in 亿元 with one decimal from 100亿元 up and
two below; counts of 10 000 or more in 万 with one decimal (`205.7万件`); growth with one decimal (`增长7.1%`);
ratios as levels with two decimals and their change in 个百分点 with two decimals. Every function takes a missing
value (None, NaN) and says so instead of printing `nan`.

Tables and workbooks show the marts' numbers at a fixed precision per kind of column (`DISPLAY_DIGITS`), and the
workbook stores them rounded to that precision (`rounded`), so a cell holds what it shows.
"""

import math
from datetime import datetime
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")
WAN = 10_000  # 1万亿元 = 10 000亿元; 1万件 = 10 000件
COUNT_UNITS = ("件", "家", "人", "个")
MISSING = "—"

# Decimals shown (and stored) per kind of table column. `submitted` is a park's own figure as it reached us, on the
# feedback form: to the 万元 (four decimals of 亿元), so that the park recognises the number it sent.
DISPLAY_DIGITS = {
    "money": 2, "pct": 1, "pp": 2, "ratio": 2, "score": 2, "count": 0, "rank": 0, "signed": 0, "submitted": 4,
}


def is_missing(value) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def submitted_kind(unit) -> str:
    """The column kind of a submitted value: counts whole, anything else to four decimals."""
    return "count" if unit in COUNT_UNITS else "submitted"


def column_kind(unit) -> str:
    """The table column kind of a level in this unit: counts whole, ratios (%, 件/万人 …) and amounts two decimals."""
    if unit in COUNT_UNITS:
        return "count"
    if unit == "%" or (isinstance(unit, str) and "/" in unit):
        return "ratio"
    return "money"


def rounded(value, kind: str):
    """The value a cell of this kind stores: rounded to the decimals it shows (an int for counts and ranks)."""
    if is_missing(value) or kind not in DISPLAY_DIGITS:
        return value
    digits = DISPLAY_DIGITS[kind]
    if digits == 0:
        return int(round(float(value)))
    return round(float(value), digits) + 0.0  # + 0.0 turns −0.0 into 0.0


def _fixed(value: float, digits: int) -> str:
    return f"{round(value, digits) + 0.0:.{digits}f}"


def decimal_amount(value: float) -> str:
    """An amount below 1万 of its unit: one decimal from 100 up, two below (350.42, 2401.4)."""
    return _fixed(value, 1) if abs(round(value, 1)) >= 100 else _fixed(value, 2)


def yi_yuan(value) -> str:
    """An amount in 亿元 as running text: `15.49万亿元`, `2401.4亿元`, `64.25亿元`."""
    if is_missing(value):
        return MISSING
    value = float(value)
    if abs(round(value, 1)) >= WAN:
        return f"{_fixed(value / WAN, 2)}万亿元"
    return f"{decimal_amount(value)}亿元"


def count(value, unit: str = "") -> str:
    """A count as running text: `9家`, `9876件`, `205.7万件` (10 000 or more in 万, one decimal)."""
    if is_missing(value):
        return MISSING
    whole = int(round(float(value)))
    if abs(whole) >= WAN:
        return f"{_fixed(whole / WAN, 1)}万{unit}"
    return f"{whole}{unit}"


def quantity(value, unit: str) -> str:
    """Any published level in its mart unit: 亿元 amounts, counts, percentages, other units with decimals."""
    if is_missing(value):
        return MISSING
    if unit == "亿元":
        return yi_yuan(value)
    if unit in COUNT_UNITS:
        return count(value, unit)
    if unit == "%":
        return f"{_fixed(float(value), 2)}%"
    return f"{decimal_amount(float(value))}{unit}"


NO_BASE = "无上年同期可比数据"


def _up_or_down(value, digits: int, up: str, unit: str) -> str:
    """`{up}7.1{unit}` / `下降2.3{unit}` / `持平` once rounded to `digits` decimals."""
    value = round(float(value), digits)
    if value > 0:
        return f"{up}{value:.{digits}f}{unit}"
    if value < 0:
        return f"下降{-value:.{digits}f}{unit}"
    return "持平"


def growth(value) -> str:
    """`增长7.1%` / `下降2.3%` / `持平` (growth that rounds to zero at one decimal)."""
    return NO_BASE if is_missing(value) else _up_or_down(value, 1, "增长", "%")


def point_change(value) -> str:
    """A ratio's change against last year: `提高0.10个百分点` / `下降0.25个百分点` / `持平`."""
    return NO_BASE if is_missing(value) else _up_or_down(value, 2, "提高", "个百分点")


def points(value) -> str:
    """Percentage points as a plain figure: `21.21个百分点` (contributions; the sign is the reader's)."""
    if is_missing(value):
        return MISSING
    return f"{_fixed(float(value), 2)}个百分点"


def score(value) -> str:
    """A 0–100 score with two decimals: `85.00`."""
    return MISSING if is_missing(value) else _fixed(float(value), 2)


def beijing_time(moment: datetime) -> str:
    """A moment as `2024年7月25日 18:30（北京时间）`; a naive datetime is taken to be UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    local = moment.astimezone(BEIJING)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}（北京时间）"


def chinese_date(day) -> str:
    """A date as `2024年8月4日`."""
    return f"{day.year}年{day.month}月{day.day}日"
