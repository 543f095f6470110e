"""Quarter labels `YYYYQn` as the marts and the command line write them."""

import re

from nhtz.errors import NhtzError

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


def parse_quarter(text: str) -> tuple[int, int]:
    match = _QUARTER.match(text.strip().upper())
    if not match:
        raise NhtzError(f"quarter {text!r} is not of the form YYYYQn, e.g. 2024Q2")
    return int(match.group(1)), int(match.group(2))


def quarter_label(year: int, quarter_num: int) -> str:
    return f"{year}Q{quarter_num}"


def quarter_range(start: str, end: str) -> list[str]:
    (y0, q0), (y1, q1) = parse_quarter(start), parse_quarter(end)
    if (y0, q0) > (y1, q1):
        raise NhtzError(f"quarter range {start}..{end} is empty: {start} comes after {end}")
    out, y, q = [], y0, q0
    while (y, q) <= (y1, q1):
        out.append(quarter_label(y, q))
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    return out


def previous_quarter(text: str) -> str:
    y, q = parse_quarter(text)
    return quarter_label(y - 1, 4) if q == 1 else quarter_label(y, q - 1)


def describe_quarters(quarters: list[str]) -> str:
    """`2019Q1–2026Q3 (31 quarters)` when contiguous, else the list itself."""
    if not quarters:
        return "none"
    if quarters == quarter_range(quarters[0], quarters[-1]) and len(quarters) > 2:
        return f"{quarters[0]}–{quarters[-1]} ({len(quarters)} quarters)"
    return ", ".join(quarters)


def available_quarters(con) -> list[str]:
    """Quarters the built marts hold, in order (`con` is a DuckDB connection to a built database)."""
    rows = con.execute("select distinct quarter from marts.national_quarter").fetchall()
    return sorted((r[0] for r in rows), key=parse_quarter)


def require_quarter(con, quarter: str, where: str) -> list[str]:
    """The available quarters, or a one-line error naming them when `quarter` is not among them."""
    quarters = available_quarters(con)
    if quarter not in quarters:
        raise NhtzError(f"quarter {quarter} is not in {where}; available: {describe_quarters(quarters)}")
    return quarters
