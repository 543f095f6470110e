"""The working database: connections and the landing tables that ingestion writes (dbt owns everything else)."""

from contextlib import contextmanager
from pathlib import Path

import duckdb

# raw.observations holds one submitted value per row, exactly as submitted but parsed: the number, the unit
# it came in and the period it covers. Unit conversion, quarter selection and vintages are dbt's work.
LANDING_DDL = """
create schema if not exists raw;
create schema if not exists audit;

create table if not exists audit.ingest_log (
    file_id integer primary key,
    file_name varchar not null,
    file_path varchar not null,
    content_hash varchar not null,
    file_format varchar,
    encoding varchar,
    layout varchar,
    rows_read integer not null,
    rows_landed integer not null,
    rows_quarantined integer not null,
    status varchar not null,
    message varchar,
    landed_at timestamp not null
);

create table if not exists raw.observations (
    file_id integer not null,
    file_name varchar not null,
    content_hash varchar not null,
    sheet varchar,
    row_number integer not null,
    park_id varchar not null,
    park_name_raw varchar not null,
    period_label varchar not null,
    period_year integer not null,
    period_month integer not null,
    indicator_code varchar not null,
    value double not null,
    unit varchar not null,
    vintage integer not null,
    landed_at timestamp not null
);

create table if not exists audit.quarantine (
    file_id integer,
    file_name varchar not null,
    content_hash varchar,
    sheet varchar,
    row_number integer,
    reason varchar not null,
    raw varchar,
    quarantined_at timestamp not null
);
"""


def ensure_landing_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(LANDING_DDL)


@contextmanager
def connect(path: Path, read_only: bool = False):
    """A connection that is always closed: DuckDB allows one writer per file."""
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        yield con
    finally:
        con.close()
