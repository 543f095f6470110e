"""Read-only queries on the serving database, as `nhtz sql` and BI users run them."""

import csv
import io
import json
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import duckdb

from nhtz.db import connect
from nhtz.errors import NhtzError
from nhtz.home import Home

FORMATS = ("table", "csv", "json")


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple]


def run_query(home: Home, query: str) -> QueryResult:
    if not home.serving_db.exists():
        raise NhtzError(f"nothing is published yet in {home.root}: run `nhtz demo` or `nhtz run QUARTER` first")
    # A read-only connection is what makes the query read-only: DuckDB refuses writes on it.
    with connect(home.serving_db, read_only=True) as con:
        try:
            cursor = con.execute(query)
        except duckdb.Error as error:
            first_line = str(error).strip().splitlines()[0]
            raise NhtzError(f"query failed: {first_line}") from None
        if cursor.description is None:
            return QueryResult([], [])
        columns = [d[0] for d in cursor.description]
        return QueryResult(columns, cursor.fetchall())


def _plain(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _width(text: str) -> int:
    """Display width: CJK characters take two columns in a terminal."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if value == value else "NaN"
    return str(_plain(value))


def format_result(result: QueryResult, output_format: str = "table") -> str:
    if output_format not in FORMATS:
        raise NhtzError(f"unknown format {output_format!r}: use one of {', '.join(FORMATS)}")
    if output_format == "json":
        records = [{c: _plain(v) for c, v in zip(result.columns, row)} for row in result.rows]
        return json.dumps(records, ensure_ascii=False, indent=2)
    if output_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows([[_plain(v) for v in row] for row in result.rows])
        return buffer.getvalue().rstrip("\n")
    cells = [[_cell(v) for v in row] for row in result.rows]
    widths = [max([_width(c)] + [_width(r[i]) for r in cells]) for i, c in enumerate(result.columns)]

    def line(values):
        return "  ".join(v + " " * (w - _width(v)) for v, w in zip(values, widths)).rstrip()

    out = [line(result.columns), line(["-" * w for w in widths])] + [line(r) for r in cells]
    out.append(f"({len(result.rows)} row{'s' if len(result.rows) != 1 else ''})")
    return "\n".join(out)
