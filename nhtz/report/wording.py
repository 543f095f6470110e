"""How the report writes periods and numbers in Chinese, as the Torch Center's analyses do."""

import math

# Flows are year-to-date, so a quarter is named by the span it covers.
PERIOD_WORDS = {1: "一季度", 2: "上半年", 3: "前三季度", 4: "全年"}
SEVERITY_WORDS = {"error": "错误", "warning": "警告"}
KIND_WORDS = {"flow": "流量（年初至季末累计）", "stock": "存量（季末时点数）", "ratio": "比率（由分子分母计算）"}
DIRECTION_WORDS = {1: "越高越好", -1: "越低越好"}


def period_words(year: int, quarter_num: int) -> str:
    return f"{year}年{PERIOD_WORDS[quarter_num]}"


def is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def amount(value, digits: int = 2) -> str:
    """A figure as printed in the narrative: fixed decimals, no thousands separator, so it reads back exactly."""
    if is_missing(value):
        return "—"
    return f"{float(value):.{digits}f}"


def count(value) -> str:
    if is_missing(value):
        return "—"
    return f"{int(round(float(value)))}"


def growth(value, digits: int = 1) -> str:
    """`增长7.1%` / `下降2.3%` / `与上年同期持平`; a missing base says so instead of guessing."""
    if is_missing(value):
        return "增速无上年同期可比数据"
    rounded = round(float(value), digits)
    if rounded > 0:
        return f"增长{rounded:.{digits}f}%"
    if rounded < 0:
        return f"下降{-rounded:.{digits}f}%"
    return "与上年同期持平"


def park_label(short_name, park_name, park_id) -> str:
    """How the analyses name a park: `武汉东湖高新区` from the registry's short name `武汉东湖`."""
    if isinstance(short_name, str) and short_name:
        return short_name if short_name.endswith(("高新区", "开发区", "园区", "工业园", "科技城")) else f"{short_name}高新区"
    return park_name if isinstance(park_name, str) and park_name else park_id


def rank_move(value) -> str:
    if is_missing(value) or int(value) == 0:
        return "位次不变"
    value = int(value)
    return f"上升{value}位" if value > 0 else f"下降{-value}位"
