"""Read-only queries on the serving database, as `nhtz sql` and BI users run them.

`nhtz sql` is read-only in fact, not only by the database file's mode (docs/bi.md):
- the serving database is opened read-only with a locked-down DuckDB configuration (no file system or network
  access beyond the database itself, no extension installing or loading, and the configuration locked so that
  nothing can `SET` it back);
- the query is parsed by DuckDB itself and must be exactly one statement of an allowed kind (SELECT and WITH,
  EXPLAIN of one, DESCRIBE, SHOW, SUMMARIZE, PRAGMA table_info); everything else is refused before it runs.
"""

import csv
import io
import json
import re
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from nhtz.errors import NhtzError, first_line
from nhtz.home import Home

FORMATS = ("table", "csv", "json")

# DuckDB settings of every connection `nhtz sql` opens; BI tools are given the same (docs/bi.md).
# lock_configuration comes last: once it is set, no statement can change the ones before it.
LOCKED_DOWN_CONFIG = {
    "enable_external_access": False,  # no read_text/read_csv/read_parquet/COPY/ATTACH on any path
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "lock_configuration": True,
}

# DESCRIBE, SHOW and SUMMARIZE parse as SELECT statements; PRAGMA and EXPLAIN need a second look.
READ_ONLY_PRAGMAS = ("table_info", "show_tables", "show_tables_expanded")
ALLOWED_KINDS = "SELECT, WITH, EXPLAIN, DESCRIBE, SHOW, SUMMARIZE or PRAGMA table_info"
_LEADING_COMMENTS = re.compile(r"^(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*", re.DOTALL)
_PRAGMA_NAME = re.compile(r"pragma\s+(\w+)", re.IGNORECASE)
_EXPLAINED = re.compile(r"explain\s+(?:analy[sz]e\s+)?(.*)", re.IGNORECASE | re.DOTALL)
_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple]


def _statement_text(statement) -> str:
    """The statement as written, without the comments before it."""
    return _LEADING_COMMENTS.sub("", statement.query).strip()


def _first_word(statement) -> str:
    words = _statement_text(statement).split(None, 1)
    return words[0].upper() if words else statement.type.name


def refuse_unless_read_only(con: duckdb.DuckDBPyConnection, query: str) -> None:
    """NhtzError naming what was refused, unless `query` is exactly one read-only statement."""
    try:
        statements = con.extract_statements(query)
    except duckdb.Error as error:
        raise NhtzError(f"query failed: {first_line(error)}") from None
    if len(statements) != 1:
        kinds = ", ".join(_first_word(s) for s in statements) or "nothing"
        raise NhtzError(f"refused: `nhtz sql` runs exactly one statement, got {len(statements)} ({kinds})")
    statement = statements[0]
    if not _is_read_only(con, statement):
        raise NhtzError(
            f"refused: {_first_word(statement)} is not a read-only query; `nhtz sql` runs one {ALLOWED_KINDS}"
        )


def _is_read_only(con: duckdb.DuckDBPyConnection, statement) -> bool:
    kind = statement.type
    if kind == duckdb.StatementType.SELECT:
        return True
    if kind == duckdb.StatementType.PRAGMA:
        # `import database` is a PRAGMA too: only the catalogue pragmas, by name
        name = _PRAGMA_NAME.match(_statement_text(statement))
        return name is not None and name.group(1).lower() in READ_ONLY_PRAGMAS
    if kind == duckdb.StatementType.EXPLAIN:
        # EXPLAIN ANALYZE runs what it explains: it must explain a query
        explained = _EXPLAINED.match(_statement_text(statement))
        if explained is None:
            return False
        try:
            inner = con.extract_statements(explained.group(1))
        except duckdb.Error:
            return False
        return len(inner) == 1 and inner[0].type == duckdb.StatementType.SELECT
    return False


def lock_holder_message(path: Path, error: Exception) -> str | None:
    """DuckDB names the process holding the write lock: say who it is, in one line."""
    holder = _LOCK_HOLDER.search(str(error))
    if holder is None:
        return None
    return (
        f"the serving database {path} is locked: process {holder['pid']} ({holder['program']}) opened it "
        "for writing; readers can open it again when that process closes it (BI tools must open it read-only)"
    )


@contextmanager
def open_serving_db(path: Path):
    """A read-only, locked-down connection to the serving database; always closed."""
    try:
        con = duckdb.connect(str(path), read_only=True, config=dict(LOCKED_DOWN_CONFIG))
    except duckdb.Error as error:
        message = lock_holder_message(path, error) or f"cannot open the serving database {path}: {first_line(error)}"
        raise NhtzError(message) from None
    try:
        yield con
    finally:
        con.close()


def run_query(home: Home, query: str) -> QueryResult:
    if not home.serving_db.exists():
        raise NhtzError(f"nothing is published yet in {home.root}: run `nhtz demo` or `nhtz run QUARTER` first")
    with open_serving_db(home.serving_db) as con:
        refuse_unless_read_only(con, query)
        try:
            cursor = con.execute(query)
            if cursor.description is None:
                return QueryResult([], [])
            columns = [d[0] for d in cursor.description]
            return QueryResult(columns, cursor.fetchall())
        except duckdb.Error as error:
            raise NhtzError(f"query failed: {first_line(error)}") from None


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
