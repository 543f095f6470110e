"""The serving database as readers meet it: `nhtz sql` read-only in fact, only the published schemas, every
column commented, read-only on disk, a held lock named, and Parquet copies that carry their comments.

Every attack runs through the command line on one published fixture warehouse (`published_home`, tests/conftest.py) and
must exit non-zero with one line, with the working and serving databases and every published Parquet file
byte-identical before and after (sha256).
"""

import json
import os
import re
import stat
import subprocess
import sys

import duckdb
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from nhtz.cli import app
from nhtz.errors import NhtzError
from nhtz.publish import PUBLISHED_AUDIT_TABLES
from nhtz.serving import open_serving_db, refuse_unless_read_only
from serving_fixture import copy_home, file_digests

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def nhtz_sql(home, query: str):
    return CliRunner().invoke(app, ["sql", query, "--home", str(home.root)])


def refused_line(outcome) -> str:
    """The one line a refusal prints; fails on a traceback, a crash or more than one line."""
    assert outcome.exit_code != 0, outcome.output
    assert outcome.exc_info is None or outcome.exc_info[0] is SystemExit, outcome.exc_info
    lines = outcome.output.strip().splitlines()
    assert len(lines) == 1, outcome.output
    assert lines[0].startswith("nhtz: error: ") and "Traceback" not in outcome.output
    return lines[0]


def assert_refused_and_nothing_changed(home, query: str, reason: str) -> str:
    before = file_digests(home)
    line = refused_line(nhtz_sql(home, query))
    assert reason in line, line
    assert file_digests(home) == before
    return line


def scalar(db, sql: str):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()[0][0]


# --- the attacks of issue 12, one test each -------------------------------------------------------------------


def test_attaching_the_working_database_switching_to_it_and_detaching_serving_is_refused(published_home):
    working = published_home.working_db
    assert_refused_and_nothing_changed(
        published_home,
        f"attach '{working}' as work; use work; detach nhtz",
        "refused: `nhtz sql` runs exactly one statement, got 3 (ATTACH, USE, DETACH)",
    )
    assert_refused_and_nothing_changed(
        published_home, f"attach '{working}' as work", "refused: ATTACH is not a read-only query"
    )


def test_reattaching_serving_read_write_and_deleting_parks_is_refused(published_home):
    serving = published_home.serving_db
    assert_refused_and_nothing_changed(
        published_home,
        f"attach '{serving}' as served (read_only false); delete from served.marts.dim_park",
        "got 2 (ATTACH, DELETE)",
    )
    assert_refused_and_nothing_changed(
        published_home, "delete from marts.dim_park", "refused: DELETE is not a read-only query"
    )
    assert scalar(serving, "select count(*) from marts.dim_park") == 178
    assert scalar(serving, "select max(publish_id) from audit.publication") == 1


def test_copy_to_over_a_published_parquet_file_is_refused(published_home):
    target = published_home.parquet_dir / "marts.dim_park.parquet"
    rows_before = pq.read_metadata(target).num_rows
    assert_refused_and_nothing_changed(
        published_home,
        f"copy (select 'x' as park_id) to '{target}' (format parquet)",
        "refused: COPY is not a read-only query",
    )
    assert pq.read_metadata(target).num_rows == rows_before == 178


def test_reading_a_system_file_fails_without_showing_it(published_home):
    line = assert_refused_and_nothing_changed(
        published_home,
        "select * from read_text('/etc/shadow')",
        'query failed: Permission Error: Cannot access file "/etc/shadow" - file system operations are disabled',
    )
    assert "root:" not in line


def test_install_is_refused(published_home):
    assert_refused_and_nothing_changed(published_home, "install httpfs", "refused: INSTALL is not a read-only query")


def test_multiple_statements_are_refused_even_when_each_would_be_allowed(published_home):
    assert_refused_and_nothing_changed(
        published_home,
        "select 1; select count(*) from marts.dim_park",
        "refused: `nhtz sql` runs exactly one statement, got 2 (SELECT, SELECT)",
    )


def test_set_is_refused(published_home):
    assert_refused_and_nothing_changed(
        published_home, "set enable_external_access = true", "refused: SET is not a read-only query"
    )


def test_pragma_other_than_table_info_is_refused(published_home):
    assert_refused_and_nothing_changed(
        published_home, "pragma enable_checkpoint_on_shutdown", "refused: PRAGMA is not a read-only query"
    )


def test_create_temp_is_refused(published_home):
    assert_refused_and_nothing_changed(
        published_home,
        "create temp table scratch as select * from marts.dim_park",
        "refused: CREATE is not a read-only query",
    )


def test_read_parquet_outside_the_serving_folder_fails(published_home, tmp_path):
    elsewhere = tmp_path / "elsewhere.parquet"
    with duckdb.connect() as con:
        con.execute(f"copy (select 42 as answer) to '{elsewhere}' (format parquet)")
    assert_refused_and_nothing_changed(
        published_home,
        f"select * from read_parquet('{elsewhere}')",
        f'query failed: Permission Error: Cannot access file "{elsewhere}" - file system operations are disabled',
    )
    # the published Parquet copies are not read through `nhtz sql` either: the same tables are in the database
    inside = published_home.parquet_dir / "marts.dim_park.parquet"
    assert_refused_and_nothing_changed(
        published_home, f"select count(*) from read_parquet('{inside}')", "file system operations are disabled"
    )


# --- the two layers on their own ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "refusal"),
    [
        ("attach 'x.duckdb' as x", "ATTACH is not"),
        ("detach nhtz", "DETACH is not"),
        ("use marts", "USE is not"),
        ("copy marts.dim_park from 'parks.csv'", "COPY is not"),
        ("reset threads", "RESET is not"),
        ("load httpfs", "LOAD is not"),
        ("call pragma_table_info('marts.dim_park')", "CALL is not"),
        ("export database 'out'", "EXPORT is not"),
        ("import database 'out'", "IMPORT is not"),
        ("checkpoint", "CHECKPOINT is not"),
        ("vacuum", "VACUUM is not"),
        ("insert into marts.dim_park (park_id) values ('x')", "INSERT is not"),
        ("update marts.dim_park set park_name = 'x'", "UPDATE is not"),
        ("create table marts.x as select 1", "CREATE is not"),
        ("create macro twice(x) as 2 * x", "CREATE is not"),
        ("drop table marts.dim_park", "DROP is not"),
        ("alter table marts.dim_park add column x int", "ALTER is not"),
        ("begin transaction", "BEGIN is not"),
        ("set variable x = 1", "SET is not"),
        ("pragma database_size", "PRAGMA is not"),
        ("-- a comment first\nexplain analyze delete from marts.dim_park", "EXPLAIN is not"),
        ("select 1;\nselect 2;\nselect 3", "got 3 (SELECT, SELECT, SELECT)"),
        ("", "got 0 (nothing)"),
    ],
)
def test_only_one_read_only_statement_passes_the_parser_check(query, refusal):
    with duckdb.connect() as con, pytest.raises(NhtzError, match=re.escape(refusal)):
        refuse_unless_read_only(con, query)


@pytest.mark.parametrize(
    "query",
    [
        "select 1",
        "with parks as (select 1 as n) select * from parks",
        "from marts.dim_park",
        "describe marts.dim_park",
        "show all tables",
        "summarize marts.dim_park",
        "pragma table_info('marts.dim_park')",
        "explain select * from marts.dim_park",
        "/* why */ explain analyze select count(*) from marts.dim_park",
        "select 1;",
    ],
)
def test_the_allowed_kinds_pass_the_parser_check(query):
    with duckdb.connect() as con:
        refuse_unless_read_only(con, query)


@pytest.mark.parametrize(
    "query",
    [
        "copy (select 1) to '{tmp}/out.csv'",
        "attach '{tmp}/other.duckdb' as other",
        "select * from read_text('/etc/passwd')",
        "select * from read_csv('/etc/passwd')",
        "select * from glob('/etc/*')",
        "install httpfs",
        "load httpfs",
        "set enable_external_access = true",
        "set lock_configuration = false",
        "reset enable_external_access",
    ],
)
def test_the_locked_connection_refuses_files_extensions_and_settings_by_itself(published_home, tmp_path, query):
    """Behind the parser check, DuckDB's own configuration refuses the same things."""
    before = file_digests(published_home)
    with open_serving_db(published_home.serving_db) as con, pytest.raises(duckdb.Error):
        con.execute(query.format(tmp=tmp_path))
    assert file_digests(published_home) == before
    assert list(tmp_path.iterdir()) == []


# --- what is allowed answers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # national GDP 2023Q4 of the fixture: 44 + 84 + 24 + 20 + 44
        ("select value_ytd from marts.national_quarter where quarter = '2023Q4' and indicator_code = 'gdp'", "216"),
        ("with p as (select * from marts.dim_park) select count(*) as n from p", "178"),
        ("describe marts.fct_park_quarter", "value_ytd"),
        ("show all tables", "fct_park_quarter"),
        ("summarize marts.dim_park", "park_id"),
        ("pragma table_info('marts.dim_park')", "park_name"),
        ("explain select count(*) from marts.dim_park", "physical_plan"),
    ],
)
def test_read_only_queries_answer(published_home, query, expected):
    outcome = nhtz_sql(published_home, query)
    assert outcome.exit_code == 0, outcome.output
    assert expected in outcome.output


# --- what serving holds ---------------------------------------------------------------------------------------


def test_serving_holds_only_marts_and_audit_with_a_comment_on_every_table_and_column(published_home):
    with duckdb.connect(str(published_home.working_db), read_only=True) as con:
        working_marts = {t for (t,) in con.execute(
            "select 'marts.' || table_name from duckdb_tables() where schema_name = 'marts'"
        ).fetchall()}
        working_comment = con.execute(
            "select comment from duckdb_columns() where schema_name = 'marts' "
            "and table_name = 'fct_park_quarter' and column_name = 'value_ytd'"
        ).fetchall()[0][0]
    with duckdb.connect(str(published_home.serving_db), read_only=True) as con:
        schemas = {s for (s,) in con.execute(
            "select schema_name from duckdb_schemas() where database_name = current_database()"
        ).fetchall()}
        tables = {t: c for t, c in con.execute(
            "select schema_name || '.' || table_name, comment from duckdb_tables() "
            "where database_name = current_database()"
        ).fetchall()}
        columns = con.execute(
            "select schema_name || '.' || table_name, column_name, comment from duckdb_columns() "
            "where database_name = current_database()"
        ).fetchall()
        views = con.execute("select count(*) from duckdb_views() where not internal").fetchall()[0][0]
        park_id_nullable = con.execute(
            "select is_nullable from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'fct_park_quarter' and column_name = 'park_id'"
        ).fetchall()[0][0]

    # DuckDB's own `main` schema always exists; nothing is in it
    assert schemas == {"marts", "audit", "main"}
    assert views == 0
    assert set(tables) == working_marts | {f"audit.{t}" for t in PUBLISHED_AUDIT_TABLES}
    assert len(working_marts) >= 10
    assert [t for t, c in tables.items() if not (c or "").strip()] == []
    assert [t for t, c in tables.items() if not CHINESE.search(c)] == []
    assert [(t, c) for t, c, comment in columns if not (comment or "").strip()] == []
    assert len(columns) > 150
    # comments travelled from the working database, and the contracts' not-null constraints with them
    assert dict(((t, c), comment) for t, c, comment in columns)[("marts.fct_park_quarter", "value_ytd")] == (
        working_comment
    )
    assert park_id_nullable == "NO"


def test_serving_is_read_only_on_disk_and_a_default_client_cannot_lock_readers_out(published_home):
    assert stat.S_IMODE(published_home.serving_db.stat().st_mode) == 0o444
    before = file_digests(published_home)
    client = subprocess.Popen(
        [sys.executable, "-c", DEFAULT_CLIENT, str(published_home.serving_db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        said = client.stdout.readline().strip()
        # DuckDB refuses to open a file it may not write for writing; a client that fell back to read-only
        # would be harmless too
        assert (said.startswith("failed:") and "Permission denied" in said) or said == "opened read_only", said
        outcome = nhtz_sql(published_home, "select count(*) as parks from marts.dim_park")
        assert outcome.exit_code == 0, outcome.output
        assert "178" in outcome.output
    finally:
        client.stdin.close()
        client.wait(timeout=60)
    assert file_digests(published_home) == before


# A plain `duckdb.connect(path)`, as the DuckDB CLI and careless scripts open a file: read-write by default.
# Root ignores file modes, so as root the client becomes an ordinary user first, as BI service accounts are.
DEFAULT_CLIENT = """
import os, sys
import duckdb
if os.geteuid() == 0:
    os.setgid(65534)
    os.setuid(65534)
try:
    con = duckdb.connect(sys.argv[1])
except duckdb.Error as error:
    print("failed:", str(error).splitlines()[0], flush=True)
else:
    try:
        con.execute("delete from marts.dim_park")
        print("wrote", flush=True)
    except duckdb.Error:
        print("opened", con.execute("select current_setting('access_mode')").fetchall()[0][0], flush=True)
sys.stdin.read()
"""

LOCK_HOLDER = """
import sys
import duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
sys.stdin.read()
"""


def test_a_write_lock_held_anyway_is_named_in_one_line(published_home, tmp_path):
    home = copy_home(published_home, tmp_path / "home")
    os.chmod(home.serving_db, 0o644)  # someone made the file writable again and opened it read-write
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(home.serving_db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        line = refused_line(nhtz_sql(home, "select count(*) from marts.dim_park"))
        assert line.startswith(f"nhtz: error: the serving database {home.serving_db} is locked: process {holder.pid} (")
        assert "opened it for writing" in line
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    after = nhtz_sql(home, "select count(*) from marts.dim_park")
    assert after.exit_code == 0 and "178" in after.output


# --- Parquet that stands alone --------------------------------------------------------------------------------


def test_parquet_folder_is_real_names_its_version_and_carries_the_chinese_comments(published_home):
    parquet = published_home.parquet_dir
    assert parquet.is_dir() and not parquet.is_symlink()
    manifest = json.loads((parquet / "manifest.json").read_text(encoding="utf-8"))
    version_folder = published_home.serving_dir / "parquet_versions" / "000001"
    assert json.loads((version_folder / "manifest.json").read_text(encoding="utf-8")) == manifest
    assert manifest["publish_id"] == 1

    with duckdb.connect(str(published_home.serving_db), read_only=True) as con:
        served = [t for (t,) in con.execute(
            "select schema_name || '.' || table_name from duckdb_tables() order by 1"
        ).fetchall()]
        rows = {t: con.execute(f"select count(*) from {t}").fetchall()[0][0] for t in served}
        table_comment, column_comment = con.execute(
            "select t.comment, c.comment from duckdb_tables() as t join duckdb_columns() as c using (table_oid) "
            "where t.schema_name = 'marts' and t.table_name = 'fct_park_quarter' and c.column_name = 'value_ytd'"
        ).fetchall()[0]
        facts = sorted(con.execute("select park_id, quarter, indicator_code, value_ytd from marts.fct_park_quarter")
                       .fetchall())

    assert sorted(manifest["tables"]) == served
    for table in served:
        path = parquet / manifest["tables"][table]["file"]
        assert pq.read_metadata(path).num_rows == rows[table] == manifest["tables"][table]["rows"], table
        assert stat.S_IMODE(path.stat().st_mode) == 0o444

    facts_file = parquet / "marts.fct_park_quarter.parquet"
    schema = pq.read_schema(facts_file)
    assert schema.field("value_ytd").metadata[b"comment"].decode() == column_comment
    assert CHINESE.search(column_comment)
    key_value = pq.read_metadata(facts_file).metadata
    assert key_value[b"comment"].decode() == table_comment
    assert json.loads(key_value[b"column_comments"])["value_ytd"] == column_comment
    assert key_value[b"nhtz_publish_id"] == b"1"
    in_parquet = pq.read_table(facts_file, columns=["park_id", "quarter", "indicator_code", "value_ytd"])
    assert sorted(tuple(r.values()) for r in in_parquet.to_pylist()) == facts
