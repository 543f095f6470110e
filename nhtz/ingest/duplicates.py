"""Duplicates within one file: the same park, period and indicator given twice.

Two different values for one key cannot both be the park's report, so every row carrying one of them is
quarantined, naming where else the key was given: the other rows (and their sheets, when a workbook gives it on
two sheets) or the other column of the same row. The same value given twice lands once; a row that brings nothing
new is quarantined as "duplicate of row N" so that rows read = rows landed + rows quarantined still holds.
"""

import math

from nhtz.ingest.layout import Observation, SourceRow
from nhtz.ingest.readers import column_letter
from nhtz.ingest.reference import Reference

_SAME = 1e-9  # relative tolerance: 1 亿元 and 10000 万元 are the same figure


def _where(row: SourceRow, other: SourceRow) -> str:
    return f"row {other.row_number}" + (f" on sheet {other.sheet}" if other.sheet != row.sheet else "")


def _column(obs: Observation) -> str:
    return f"{column_letter(obs.column)} {obs.label}" if obs.column is not None else obs.label


def _distinct_rows(rows) -> list[SourceRow]:
    """The rows in order, each once (rows are compared by identity: two rows are never the same row)."""
    return list({id(row): row for row in rows}.values())


def _conflict_reason(row: SourceRow, key: tuple, given: list[tuple[SourceRow, float, Observation]]) -> str:
    """Why this row is quarantined for a key given with different values: every other place it was given."""
    park_id, (year, month), code = key
    own = [obs for other, _, obs in given if other is row]
    others = _distinct_rows(other for other, _, _ in given if other is not row)
    parts = []
    if len(own) > 1:
        parts.append(f"columns {' and '.join(_column(obs) for obs in own)} differ")
    if others:
        sheets = {other.sheet for other in others}
        if sheets == {row.sheet}:
            parts.append(f"also given in row {', '.join(str(other.row_number) for other in others)}")
        else:
            parts.append("also given in " + ", ".join(
                f"row {other.row_number} of sheet {other.sheet}" for other in others))
    on_sheet = f" on sheet {row.sheet}" if others and {o.sheet for o in others} != {row.sheet} else ""
    return f"conflicting values for {park_id} {year}-{month:02d} {code}{on_sheet} ({'; '.join(parts)})"


def settle_duplicates(rows: list[SourceRow], reference: Reference) -> None:
    """Mark conflicting and identical duplicates in place (as errors on the rows, or by dropping repeated values)."""
    by_key: dict[tuple, list[tuple[SourceRow, float, Observation]]] = {}
    for row in rows:
        if row.errors:
            continue
        for obs in row.values:
            key = (row.park_id, row.period, obs.indicator_code)
            by_key.setdefault(key, []).append((row, obs.value * reference.factor_of[obs.unit], obs))

    for key, given in by_key.items():
        if len(given) == 1:
            continue
        values = [value for _row, value, _obs in given]
        if all(math.isclose(v, values[0], rel_tol=_SAME, abs_tol=1e-12) for v in values):
            continue
        for row in _distinct_rows(row for row, _, _ in given):
            row.fail(None, _conflict_reason(row, key, given))

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
                continue  # the same value twice in one row (two spellings or units of one column)
            else:
                first_row_of[key] = row
                new_values.append(obs)
        if not new_values:
            row.fail(None, f"duplicate of {_where(row, repeated_from)}")
        else:
            row.values = new_values
