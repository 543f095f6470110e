"""A real BI client on the serving database: SQLAlchemy through duckdb-engine, the driver Superset and other
Python BI tools use, opened read-only with the settings docs/bi.md gives.

The numbers are the hand-made fixture's (tests/marts_fixture.py): 2023Q4 GDP year to date 厦门火炬 44 (40 a year
before), 广州 84 (80), 武汉东湖 24 (20), 兰州 20 (16), 阿拉尔 44 (its first year); 东部 = 44 + 84 = 128,
中部 = 24, 西部 = 20 + 44 = 64.
"""

import json
import re
import subprocess
import sys
from datetime import date

import duckdb
import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from nhtz.publish import PUBLISHED_AUDIT_TABLES, publish
from nhtz.serving import LOCKED_DOWN_CONFIG
from serving_fixture import copy_home, file_digests

# the published warehouse (fixtures checked_home, published_home of tests/conftest.py): made once per session

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def bi_engine(db, locked: bool = True) -> sa.Engine:
    """The engine docs/bi.md describes: read-only, and (locked) DuckDB's file and extension access off.

    NullPool: a released connection is closed, so a reconnect opens the newest published version.
    """
    connect_args = {"read_only": True}
    if locked:
        connect_args["config"] = dict(LOCKED_DOWN_CONFIG)
    return sa.create_engine(f"duckdb:///{db}", connect_args=connect_args, poolclass=NullPool)


def working_comments(home, table: str) -> tuple[str, dict[str, str]]:
    """A mart's comments as the working database holds them, read with plain DuckDB."""
    schema, name = table.split(".")
    with duckdb.connect(str(home.working_db), read_only=True) as con:
        table_comment = con.execute(
            "select comment from duckdb_tables() where schema_name = ? and table_name = ?", [schema, name]
        ).fetchall()[0][0]
        columns = dict(con.execute(
            "select column_name, comment from duckdb_columns() where schema_name = ? and table_name = ?",
            [schema, name],
        ).fetchall())
    return table_comment, columns


def test_bi_client_lists_only_the_published_schemas(published_home):
    inspector = sa.inspect(bi_engine(published_home.serving_db))
    schemas = inspector.get_schema_names()
    # the database file's own catalog is `nhtz`; `system` and `temp` are DuckDB's built-in ones
    assert {s for s in schemas if s.startswith("nhtz.")} == {"nhtz.audit", "nhtz.main", "nhtz.marts"}
    assert {s.split(".")[0] for s in schemas} == {"nhtz", "system", "temp"}
    assert inspector.get_table_names(schema="main") == [] and inspector.get_view_names(schema="main") == []
    assert "fct_park_quarter" in inspector.get_table_names(schema="marts")
    assert sorted(inspector.get_table_names(schema="audit")) == sorted(PUBLISHED_AUDIT_TABLES)
    assert {"findings", "ingest_log", "quarantine", "revisions", "gate_results", "publication"} <= set(
        PUBLISHED_AUDIT_TABLES
    )


def test_bi_client_reads_the_chinese_comments_through_the_inspector(published_home):
    # one connection for the whole reflection, as a BI tool's schema browser holds one: through the engine itself
    # (NullPool) each of the inspector's calls, two or more per table, would open the database file anew
    with bi_engine(published_home.serving_db).connect() as connection:
        inspector = sa.inspect(connection)
        table_comment, column_comments = working_comments(published_home, "marts.fct_park_quarter")
        assert inspector.get_table_comment("fct_park_quarter", schema="marts")["text"] == table_comment
        columns = {c["name"]: c for c in inspector.get_columns("fct_park_quarter", schema="marts")}
        assert {name: c["comment"] for name, c in columns.items()} == column_comments
        assert CHINESE.search(columns["value_ytd"]["comment"])
        # the time axis: a DATE column a BI tool offers time grains and range filters on
        assert isinstance(columns["quarter_end"]["type"], sa.Date)
        for schema in ("marts", "audit"):
            for table in inspector.get_table_names(schema=schema):
                assert CHINESE.search(inspector.get_table_comment(table, schema=schema)["text"] or ""), table
                uncommented = [c["name"] for c in inspector.get_columns(table, schema=schema) if not c["comment"]]
                assert uncommented == [], (schema, table)


def test_typical_dashboard_queries(published_home):
    with bi_engine(published_home.serving_db).connect() as con:
        scorecard = con.execute(
            sa.text("select park_id, gdp, gdp_yoy_pct from marts.park_scorecard where quarter = :q order by park_id"),
            {"q": "2023Q4"},
        ).all()
        series = con.execute(sa.text(
            "select quarter_end, value_ytd from marts.fct_park_quarter "
            "where park_id = 'xiamen_huoju' and indicator_code = 'gdp' order by quarter_end"
        )).all()
        year_2023 = con.execute(
            sa.text(
                "select count(*) from marts.fct_park_quarter where park_id = 'xiamen_huoju' "
                "and indicator_code = 'gdp' and quarter_end between :start and :end"
            ),
            {"start": date(2023, 1, 1), "end": date(2023, 12, 31)},
        ).scalar_one()
        regions = con.execute(sa.text(
            "select region, value_ytd, n_parks, yoy_ytd_pct from marts.region_quarter "
            "where quarter = '2023Q4' and indicator_code = 'gdp' order by value_ytd desc"
        )).all()

    by_park = {park: (gdp, yoy) for park, gdp, yoy in scorecard}
    assert by_park["xiamen_huoju"] == (44.0, pytest.approx(10.0))  # 44 / 40 − 1
    assert by_park["guangzhou"] == (84.0, pytest.approx(5.0))  # 84 / 80 − 1
    assert by_park["wuhan_donghu"] == (24.0, pytest.approx(20.0))  # 24 / 20 − 1
    assert by_park["lanzhou"] == (20.0, pytest.approx(25.0))  # 20 / 16 − 1
    assert by_park["akesu_alaer"] == (44.0, None)  # no year before
    # one park's series on its time axis: single quarters 10 a quarter in 2022, 11 in 2023, year to date
    assert series == [
        (date(2022, 3, 31), 10.0), (date(2022, 6, 30), 20.0), (date(2022, 9, 30), 30.0), (date(2022, 12, 31), 40.0),
        (date(2023, 3, 31), 11.0), (date(2023, 6, 30), 22.0), (date(2023, 9, 30), 33.0), (date(2023, 12, 31), 44.0),
    ]
    assert year_2023 == 4
    assert [(region, value, n) for region, value, n, _ in regions] == [("东部", 128.0, 2), ("西部", 64.0, 2), ("中部", 24.0, 1)]
    assert [yoy for *_, yoy in regions] == [
        pytest.approx((128 / 120 - 1) * 100), pytest.approx(300.0), pytest.approx(20.0)  # 西部: 64 against 兰州's 16
    ]


def test_bi_connection_cannot_write_and_the_locked_one_reaches_no_files(published_home, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("not published", encoding="utf-8")
    before = file_digests(published_home)
    with bi_engine(published_home.serving_db).connect() as con:
        with pytest.raises(sa.exc.DBAPIError, match="read-only mode"):
            con.execute(sa.text("delete from marts.dim_park"))
    with bi_engine(published_home.serving_db).connect() as con:
        with pytest.raises(sa.exc.DBAPIError, match="file system operations are disabled"):
            con.execute(sa.text(f"select content from read_text('{outside}')"))
    # read_only alone (the minimal Superset setting) keeps the database unwritable but still reads other files:
    # that is what the locked configuration adds
    with bi_engine(published_home.serving_db, locked=False).connect() as con:
        assert con.execute(sa.text(f"select content from read_text('{outside}')")).scalar_one() == "not published"
        with pytest.raises(sa.exc.DBAPIError, match="read-only mode"):
            con.execute(sa.text("delete from marts.dim_park"))
    assert file_digests(published_home) == before


NEW_CLIENT = """
import json, sys
import sqlalchemy as sa
engine = sa.create_engine(f"duckdb:///{sys.argv[1]}", connect_args={"read_only": True, "config": json.loads(sys.argv[2])})
with engine.connect() as con:
    print(con.execute(sa.text("select publish_id from audit.publication")).scalar_one())
"""


def published_version(con) -> int:
    return con.execute(sa.text("select publish_id from audit.publication")).scalar_one()


def test_a_connection_held_open_keeps_its_version_until_it_reconnects(published_home, tmp_path):
    home = copy_home(published_home, tmp_path / "home")  # version 1 published, the coverage minimum lowered
    engine = bi_engine(home.serving_db)
    held = engine.connect()
    try:
        assert published_version(held) == 1
        parks = held.execute(sa.text("select count(*) from marts.dim_park")).scalar_one()
        publish(home)

        # the open connection still reads version 1, whole
        assert published_version(held) == 1
        assert held.execute(sa.text("select count(*) from marts.dim_park")).scalar_one() == parks == 178
        # a client in another process (another BI worker) connecting now gets version 2
        other = subprocess.run(
            [sys.executable, "-c", NEW_CLIENT, str(home.serving_db), json.dumps(LOCKED_DOWN_CONFIG)],
            capture_output=True, text=True, timeout=120,
        )
        assert other.returncode == 0, other.stderr
        assert other.stdout.strip() == "2"
        # DuckDB shares one open database per file within a process: while `held` is open, a new connection of
        # this process gets version 1 as well
        with engine.connect() as again:
            assert published_version(again) == 1
    finally:
        held.close()
    with engine.connect() as reconnected:
        assert published_version(reconnected) == 2
