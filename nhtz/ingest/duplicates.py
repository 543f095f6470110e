"""Duplicates within one file: the same park, period and indicator given twice.

Two different values for one key cannot both be the park's report, so every row carrying one of them is
quarantined. The same value given twice lands once; a row that brings nothing new is quarantined as
"duplicate of row N" so that rows read = rows landed + rows quarantined still holds.
"""

import math

from nhtz.ingest.layout import SourceRow
from nhtz.ingest.reference import Reference

_SAME = 1e-9  # relative tolerance: 1 亿元 and 10000 万元 are the same figure


def _where(row: SourceRow, other: SourceRow) -> str:
    return f"row {other.row_number}" + (f" on sheet {other.sheet}" if other.sheet != row.sheet else "")


def settle_duplicates(rows: list[SourceRow], reference: Reference) -> None:
    """Mark conflicting and identical duplicates in place (as errors on the rows, or by dropping repeated values)."""
    by_key: dict[tuple, list[tuple[SourceRow, float]]] = {}
    for row in rows:
        if row.errors:
            continue
        for obs in row.values:
            key = (row.park_id, row.period, obs.indicator_code)
            by_key.setdefault(key, []).append((row, obs.value * reference.factor_of[obs.unit]))

    for (park_id, (year, month), code), given in by_key.items():
        if len(given) == 1:
            continue
        values = [value for _row, value in given]
        if all(math.isclose(v, values[0], rel_tol=_SAME, abs_tol=1e-12) for v in values):
            continue
        involved = sorted({row.row_number for row, _ in given})
        for row, _ in given:
            others = ", ".join(str(n) for n in involved if n != row.row_number) or "this row"
            reason = f"conflicting values for {park_id} {year}-{month:02d} {code} (also given in row {others})"
            if not any(reason in error for error in row.errors):
                row.fail(None, reason)

    first_row_of: dict[tuple, SourceRow] = {}
    for row in rows:
        if row.errors or not row.values:
            continue
        new_values, repeated_from = [], None
        for obs in row.values:
            key = (row.park_id, row.period, obs.indicator_code)
            if key in first_row_of and first_row_of[key] is not row:
                repeated_from = repeated_from or first_row_of[key]
            elif key in first_row_of:
                continue  # the same value twice in one row (two spellings of one column)
            else:
                first_row_of[key] = row
                new_values.append(obs)
        if not new_values:
            row.fail(None, f"duplicate of {_where(row, repeated_from)}")
        else:
            row.values = new_values
