"""Period labels as submissions write them, read as (year, month the year-to-date figure runs to).

The zone survey reports flows cumulatively from January, so every label means "January to month m":
`2024年二季度` is 1-6月 (not April-June), `2024年` is the whole year (m = 12).
"""

import re
from datetime import date, datetime, timedelta
from functools import lru_cache

from nhtz.ingest.cells import normalise_text


class UnknownPeriod(ValueError):
    """A period label that none of the accepted forms matches."""


_CHINESE_QUARTER = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_DASHES = "-—–―~至到"

_FORMS: list[tuple[re.Pattern, callable]] = [
    # 2024Q2, 2024q2, 2024-Q2
    (re.compile(r"^(\d{4})-?Q([1-4])$"), lambda y, q: (y, 3 * int(q))),
    # 2024-06, 2024-6, 2024/06, 2024.06
    (re.compile(r"^(\d{4})[-/.](\d{1,2})$"), lambda y, m: (y, int(m))),
    # 2024-06-30, 2024/6/30: a period-end date
    (re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"), lambda y, m, d: (y, int(m))),
    # 202406
    (re.compile(r"^(\d{4})(\d{2})$"), lambda y, m: (y, int(m))),
    # 2024年6月
    (re.compile(r"^(\d{4})年(\d{1,2})月(?:份|末)?$"), lambda y, m: (y, int(m))),
    # 2024年1-6月, 2024年1—6月, 2024年1月-6月, 2024年1至6月
    (re.compile(rf"^(\d{{4}})年0?1月?[{_DASHES}]+(\d{{1,2}})月$"), lambda y, m: (y, int(m))),
    # 2024年上半年
    (re.compile(r"^(\d{4})年上半年$"), lambda y: (y, 6)),
    # 2024年一季度, 2024年第一季度, 2024年1季度
    (re.compile(r"^(\d{4})年第?([一二三四1-4])季度?$"), lambda y, q: (y, 3 * _CHINESE_QUARTER[q])),
    # 2024年前三季度
    (re.compile(r"^(\d{4})年前([二两三2-3])季度$"), lambda y, q: (y, 6 if q in "二两2" else 9)),
    # 2024年, 2024年全年, 2024年度, 2024年年报
    (re.compile(r"^(\d{4})年(?:全年|度|年报|年快报)?$"), lambda y: (y, 12)),
]

# Excel counts days from 1899-12-30; 1990-01-01 to 2100-12-31 are serials 32874 to 73415.
_EXCEL_EPOCH = date(1899, 12, 30)
_EXCEL_SERIALS = range(32874, 73416)

_NOT_FROM_JANUARY = re.compile(rf"^(\d{{4}})年(\d{{1,2}})月?[{_DASHES}]+(\d{{1,2}})月$")


def parse_period(label) -> tuple[int, int]:
    """(year, end month) of a period label or an Excel date cell; UnknownPeriod names the label otherwise."""
    if isinstance(label, (datetime, date)):
        return label.year, label.month
    if isinstance(label, float) and label.is_integer():
        label = int(label)
    if isinstance(label, int) and label in _EXCEL_SERIALS:
        # A date cell that lost its date format shows as a bare number: say so rather than guess the period.
        shown_as = (_EXCEL_EPOCH + timedelta(days=label)).isoformat()
        raise UnknownPeriod(f"unknown period label '{label}' (an Excel date serial for {shown_as}? format the cell as a date)")
    return _parse_period_text(str(label) if label is not None else "")


@lru_cache(maxsize=4096)
def _parse_period_text(label: str) -> tuple[int, int]:
    text = normalise_text(label).upper()
    if not text:
        raise UnknownPeriod("no period given")
    for pattern, read in _FORMS:
        match = pattern.match(text)
        if match:
            year, *rest = match.groups()
            year, month = read(int(year), *rest)
            if not 1 <= month <= 12:
                raise UnknownPeriod(f"period {str(label).strip()!r} has no month {month}")
            if not 1990 <= year <= 2100:
                raise UnknownPeriod(f"period {str(label).strip()!r} has an implausible year {year}")
            return year, month
    if _NOT_FROM_JANUARY.match(text):
        raise UnknownPeriod(f"period {str(label).strip()!r} does not start in January (flows are reported year-to-date)")
    raise UnknownPeriod(f"unknown period label {str(label).strip()!r}")
