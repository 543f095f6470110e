"""The working database: connections and the landing tables that ingestion writes (dbt owns everything else)."""

import re
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import duckdb

# raw.observations holds one submitted value per row, exactly as submitted but parsed: the number, the unit
# it came in and the period it covers. Unit conversion, quarter selection and vintages are dbt's work.
# Every table and column carries a Chinese comment: audit.ingest_log and audit.quarantine are published as
# they are, and the serving copy takes its comments from here.
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
comment on table audit.ingest_log is '入库日志：每个见到的报送文件一行（整份拒收的文件也记，行数为零）。读入行数 = 入库行数 + 隔离行数。One row per submission file seen.';
comment on column audit.ingest_log.file_id is '文件编号：入库顺序，亦即该文件数据的版次（vintage）。Landing order.';
comment on column audit.ingest_log.file_name is '文件名（报送时的名称）。File name as submitted.';
comment on column audit.ingest_log.file_path is '入库时文件的路径。Path of the file when landed.';
comment on column audit.ingest_log.content_hash is '文件内容的 SHA-256 摘要：同一内容再次入库不产生变化。Content hash; landing it again is a no-op.';
comment on column audit.ingest_log.file_format is '文件格式（xlsx 或 csv）。File format.';
comment on column audit.ingest_log.encoding is 'CSV 的文本编码（utf-8-sig 或 gb18030）；Excel 文件为空。Text encoding of a CSV.';
comment on column audit.ingest_log.layout is '表式：wide（每行一个园区和期别）或 long（每行一个指标值）。Wide or long layout.';
comment on column audit.ingest_log.rows_read is '读入的数据行数。Source rows read.';
comment on column audit.ingest_log.rows_landed is '入库的数据行数。Rows landed.';
comment on column audit.ingest_log.rows_quarantined is '隔离的数据行数（原因见 audit.quarantine）。Rows quarantined.';
comment on column audit.ingest_log.status is '处理结果：landed 入库，refused 整份拒收。landed or refused.';
comment on column audit.ingest_log.message is '说明：拒收原因等。Why a file was refused.';
comment on column audit.ingest_log.landed_at is '入库时间（UTC）。When the file was landed (UTC).';

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
comment on table raw.observations is '原始报送值：每行一个报送的数值，已解析但未换算单位。Submitted values, parsed, not converted.';
comment on column raw.observations.file_id is '来源文件编号（audit.ingest_log.file_id）。Source file.';
comment on column raw.observations.file_name is '来源文件名。Source file name.';
comment on column raw.observations.content_hash is '来源文件内容摘要。Source file content hash.';
comment on column raw.observations.sheet is '来源工作表（CSV 为空）。Source sheet; null for CSV.';
comment on column raw.observations.row_number is '来源行号：打开文件时看到的行号。Row number as a person sees it in the file.';
comment on column raw.observations.park_id is '园区代码（按名录匹配）。Matched park code.';
comment on column raw.observations.park_name_raw is '报送时写的园区名称。Park name as written.';
comment on column raw.observations.period_label is '报送时写的期别，如 2024年1-6月。Period label as written.';
comment on column raw.observations.period_year is '期别所属年份。Year of the period.';
comment on column raw.observations.period_month is '累计截止月份（1-12）。Month the year-to-date figure runs to.';
comment on column raw.observations.indicator_code is '指标代码（见 marts.dim_indicator）。Indicator code.';
comment on column raw.observations.value is '报送的数值（未换算）。The number as submitted.';
comment on column raw.observations.unit is '报送的单位（见单位换算表）。Unit as submitted.';
comment on column raw.observations.vintage is '版次：入库顺序，后到的文件修订先到的。Vintage; a later file revises an earlier one.';
comment on column raw.observations.landed_at is '入库时间（UTC）。When landed (UTC).';

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
comment on table audit.quarantine is '隔离行：不能入库的报送行，附文件、行号和原因；同一文件的其他行照常入库。Rows held back, with file, row and reason.';
comment on column audit.quarantine.file_id is '来源文件编号（audit.ingest_log.file_id）。Source file.';
comment on column audit.quarantine.file_name is '来源文件名。Source file name.';
comment on column audit.quarantine.content_hash is '来源文件内容摘要。Source file content hash.';
comment on column audit.quarantine.sheet is '来源工作表（CSV 为空）。Source sheet; null for CSV.';
comment on column audit.quarantine.row_number is '来源行号：打开文件时看到的行号。Row number as a person sees it in the file.';
comment on column audit.quarantine.reason is '隔离原因。Why the row was held back.';
comment on column audit.quarantine.raw is '读入时的原行（JSON）。The row as read, as JSON.';
comment on column audit.quarantine.quarantined_at is '隔离时间（UTC）。When quarantined (UTC).';
"""


def ensure_landing_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(LANDING_DDL)


# Rows per row group in every table this project writes. DuckDB runs a scan on as many threads as the table has row
# groups, and its default (122 880 rows) makes a 135 000-row table one full group and a tail of 11 700: every query of
# the marts ran mostly on one core of two. At 16 384 such a table is nine groups (5 % more blocks on the demo set),
# and a query run alone gets both cores (docs/architecture.md, "Row groups"). Each writer must use the same size: a
# checkpoint by a connection at the default merges the small groups back into large ones.
ROW_GROUP_SIZE = 16_384


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def sql_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def catalog_name(path: Path | str) -> str:
    """The name DuckDB gives a database file it opens: the file name up to its first dot (nhtz.duckdb is `nhtz`).
    dbt's compiled SQL names that catalog, so the file attached under it reads the same as the file opened."""
    return Path(path).name.lstrip(".").split(".")[0]


def is_plain_catalog_name(name: str) -> bool:
    """Whether DuckDB takes `name` unquoted as a database's name: an identifier, not a reserved word, not one of the
    names it keeps for itself."""
    return bool(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name)) and name.lower() not in _reserved_catalog_names()


@cache
def _reserved_catalog_names() -> frozenset[str]:
    with duckdb.connect() as con:
        keywords = con.execute("select keyword_name from duckdb_keywords() where keyword_category = 'reserved'")
        return frozenset(keyword.lower() for (keyword,) in keywords.fetchall()) | {"main", "memory", "system", "temp"}


def attach_options() -> dict:
    """The options every writer attaches a database file with (dbt's profile gives them to dbt-duckdb)."""
    return {"row_group_size": ROW_GROUP_SIZE}


@contextmanager
def connect(path: Path, read_only: bool = False):
    """A connection that is always closed: DuckDB allows one writer per file.

    A writer attaches the file to an in-memory session (the row-group size is an option of ATTACH, not a setting of
    an open database) and makes it the default catalog: unqualified names mean the file's tables, as before."""
    if read_only:
        con = duckdb.connect(str(path), read_only=True)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect()
    try:
        if not read_only:
            options = ", ".join(f"{name} {value}" for name, value in attach_options().items())
            catalog = sql_identifier(catalog_name(path))
            con.execute(f"attach {sql_literal(str(path))} as {catalog} ({options})")
            con.execute(f"use {catalog}")
        yield con
    finally:
        con.close()


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    # fetchall, not fetchone: DuckDB keeps a result open until a fetch comes back empty, and refuses the
    # connection's next statement while it is
    rows = con.execute(
        "select 1 from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
    ).fetchall()
    return bool(rows)
