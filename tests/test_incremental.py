"""Incremental park-level models (docs/incremental.md): a build after a landing recomputes only from the earliest
quarter the landing touched, and what it leaves is exactly what a full refresh of the same landing makes.

The hand fixture (tests/marts_fixture.py), already built, then three builds in the same home:
1. nothing new landed: nothing is recomputed and nothing is lost;
2. a new quarter, 2024Q1: A gdp 12 (2023Q1 was 11: +9.0909 %), B gdp 23 (2023Q1 21: +9.5238 %), and A's
   employees 11 000 000 where 2023Q4 had 11 000, a thousandfold slip: R10 must judge it against 2023Q4, a
   reference the magnitude walk carries over from the rows built before;
3. a revision of an old quarter: A revenue 2022Q3 150 -> 160 亿元. Its single quarter becomes 160 - 100 = 60 and
   2022Q4's 200 - 160 = 40; 2023Q3's growth 165 / 160 - 1 = +3.125 % and single-quarter growth
   (165 - 110) / 60 - 1 = -8.3333 %. One model is made to have missed the builds before (its state rows are
   gone, as after a failure): it recomputes every quarter while the others go on from 2022Q3;
4. `dbt run` by hand (no project fingerprint: dbt-duckdb's own materialisation, the reprocessed quarter as a
   subquery) after B's revenue 2023Q3 is revised 200 -> 250 亿元: its single quarter 250 - 200 = 50, 2023Q4's
   300 - 250 = 50, its growth 250 / 300 - 1 = -16.667 %, and the copied-flow warning (R07, YTD 200 = 200) gone.
Then the home is rebuilt with --full-refresh and every table is compared with what the incremental builds left.
"""

import shutil
from pathlib import Path

import duckdb
import pytest
from marts_fixture import PARKS, add_observations
from serving_fixture import copy_home

from nhtz import dbt_runner
from nhtz.build import LANDED_DATA_AND_DOWNSTREAM, build, plan_build, why_full_refresh
from nhtz.db import connect
from nhtz.errors import NhtzError
from nhtz.home import Home

# Tables the builds write that are about the build, not the data
BUILD_BOOKKEEPING = {"build_identity", "incremental_state", "ingest_log", "quarantine", "gate_results"}


@pytest.fixture(scope="module")
def builds(built_fixture_home, tmp_path_factory):
    home = copy_home(built_fixture_home, tmp_path_factory.mktemp("incremental") / "home")
    # the state of a model that has since left the project (its fingerprint is current, so that this build stays
    # incremental): the build forgets it
    fingerprint = plan_build(home).vars["project_fingerprint"]
    with connect(home.working_db) as con:
        con.execute(
            "insert into audit.incremental_state select 'int_gone', 'an earlier build', 0, null, ?, now()", [fingerprint]
        )
    said = {"nothing new": build(home).reprocessed}
    with connect(home.working_db, read_only=True) as con:
        said["rows after nothing new"] = con.execute("select count(*) from marts.fct_park_quarter").fetchone()[0]

    add_observations(home, [
        ("A", 2024, 3, "gdp", 12, "亿元"),
        ("B", 2024, 3, "gdp", 23, "亿元"),
        ("A", 2024, 3, "employees", 11_000_000, "人"),
    ])
    new_quarter = build(home)
    said["new quarter"], said["new quarter's models"] = new_quarter.reprocessed, new_quarter.models_by_layer

    add_observations(home, [("A", 2022, 9, "revenue", 160, "亿元")])
    with connect(home.working_db) as con:
        con.execute("delete from audit.incremental_state where model = 'int_park_quarter_values'")
    said["revision"] = build(home).reprocessed

    add_observations(home, [("B", 2023, 9, "revenue", 250, "亿元")])
    build_by_hand(home)
    said["after dbt by hand"] = plan_build(home).why_full_refresh

    # what the incremental builds left, kept aside; then the same home rebuilt from scratch (in place, so that dbt's
    # parse of the project serves this build too)
    incremental = tmp_path_factory.mktemp("incremental_result") / "nhtz.duckdb"
    shutil.copyfile(home.working_db, incremental)
    build(home, full_refresh=True)
    return incremental, home, said


def build_by_hand(home: Home) -> None:
    """`dbt run` as a user runs it in the home's dbt workspace: without the project's fingerprint, so no
    incremental model is vouched for and each goes through dbt-duckdb's materialisation (docs/incremental.md).
    On the project as the builds before parsed it, as nhtz's own runs reuse it: vars given to dbt's parse would
    make it parse the whole project again, some ten seconds; the run's vars are what the models see."""
    from dbt.cli.main import dbtRunner

    workspace = dbt_runner.home_workspace(home)
    workspace.write_profile()
    parsed = dbt_runner.parsed_project(workspace, plan_build(home).vars)
    try:
        run = dbtRunner(manifest=parsed).invoke([
            "run", "--select", LANDED_DATA_AND_DOWNSTREAM,
            "--project-dir", str(workspace.project_dir), *workspace.folder_flags(workspace.target_dir),
            *dbt_runner.COMMON_FLAGS, "--quiet",
        ])
    finally:
        dbt_runner.release_database()
    # the message: dbt's exception, or (a run that ended) the nodes that failed
    assert run.success, run.exception or [
        f"{node.node.name}: {node.message}" for node in run.result.results if node.status in dbt_runner.FAILED_STATUSES
    ]


def value(database: Path, park: str, quarter: str, indicator: str, column: str):
    with connect(database, read_only=True) as con:
        rows = con.execute(
            f"select {column} from marts.fct_park_quarter where park_id = ? and quarter = ? and indicator_code = ?",
            [PARKS[park], quarter, indicator],
        ).fetchall()
    return rows[0][0] if rows else None


def test_a_build_with_nothing_new_recomputes_nothing_and_keeps_every_row(builds, built_fixture_home):
    _, _, said = builds
    assert said["nothing new"] == "nothing landed since the last build, no quarter recomputed"
    with connect(built_fixture_home.working_db, read_only=True) as con:
        assert said["rows after nothing new"] == con.execute("select count(*) from marts.fct_park_quarter").fetchone()[0]


def test_a_new_quarter_is_recomputed_alone_and_judged_against_the_carried_reference(builds):
    incremental, _, said = builds
    assert said["new quarter"] == "recomputed from 2024Q1 on (what landed since the last build)"
    assert value(incremental, "A", "2024Q1", "gdp", "value_q") == pytest.approx(12)
    assert value(incremental, "A", "2024Q1", "gdp", "yoy_ytd_pct") == pytest.approx(100 * (12 / 11 - 1))
    assert value(incremental, "B", "2024Q1", "gdp", "yoy_ytd_pct") == pytest.approx(100 * (23 / 21 - 1))
    with connect(incremental, read_only=True) as con:
        slip = con.execute(
            "select rule_id, severity, message from audit.findings "
            "where park_id = ? and quarter = '2024Q1' and indicator_code = 'employees'",
            [PARKS["A"]],
        ).fetchall()
    assert [(rule, severity) for rule, severity, _ in slip] == [("R10", "error")]
    assert "2023Q4" in slip[0][2]
    assert value(incremental, "A", "2024Q1", "employees", "quality_status") == "error"
    # only what landed data can change was built: not the seeds, dimensions and time spines, nor the staging view,
    # which holds no rows (the models below read through it all the same)
    assert said["new quarter's models"] == {"audit": 3, "intermediate": 12, "marts": 10, "semantic": 1}


def test_a_revision_of_an_old_quarter_reaches_every_later_quarter(builds):
    incremental, _, said = builds
    # int_park_quarter_values lost its state: it recomputed every quarter, the others from 2022Q3
    assert said["revision"] == "recomputed from 2022Q3 on (what landed since the last build); 1 model every quarter"
    assert value(incremental, "A", "2022Q3", "revenue", "value_ytd") == pytest.approx(160)
    assert value(incremental, "A", "2022Q3", "revenue", "revision_count") == 1
    assert value(incremental, "A", "2022Q3", "revenue", "value_q") == pytest.approx(60)
    assert value(incremental, "A", "2022Q4", "revenue", "value_q") == pytest.approx(40)
    assert value(incremental, "A", "2023Q3", "revenue", "yoy_ytd_pct") == pytest.approx(3.125)
    assert value(incremental, "A", "2023Q3", "revenue", "yoy_q_pct") == pytest.approx(100 * (55 / 60 - 1))


def test_dbt_by_hand_replaces_the_reprocessed_quarters_as_nhtz_build_does(builds):
    incremental, _, said = builds
    # its models recorded no fingerprint: the next nhtz build is a full refresh
    assert said["after dbt by hand"].startswith("some models were built on their own")
    assert value(incremental, "B", "2023Q3", "revenue", "value_ytd") == pytest.approx(250)
    assert value(incremental, "B", "2023Q3", "revenue", "value_q") == pytest.approx(50)
    assert value(incremental, "B", "2023Q4", "revenue", "value_q") == pytest.approx(50)
    assert value(incremental, "B", "2023Q3", "revenue", "yoy_ytd_pct") == pytest.approx(100 * (250 / 300 - 1))
    with connect(incremental, read_only=True) as con:
        copied = con.execute(
            "select count(*) from audit.findings where park_id = ? and quarter = '2023Q3' and rule_id = 'R07'",
            [PARKS["B"]],
        ).fetchone()[0]
        # one row per model and quarter: the replace deleted what it recomputed
        duplicated = con.execute(
            "select count(*) from (select park_id, quarter, indicator_code from marts.fct_park_quarter "
            "group by all having count(*) > 1)"
        ).fetchone()[0]
    assert (copied, duplicated) == (0, 0)


def both_warehouses(incremental: Path, full: Home) -> duckdb.DuckDBPyConnection:
    """What the incremental builds left (`incremental`) and the full refresh (`full_refresh`), side by side."""
    con = duckdb.connect()
    con.execute(f"attach '{incremental}' as incremental (read_only)")
    con.execute(f"attach '{full.working_db}' as full_refresh (read_only)")
    return con


def test_incremental_builds_leave_what_a_full_refresh_makes(builds):
    incremental, full, _ = builds
    con = both_warehouses(incremental, full)
    tables = con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = 'full_refresh' "
        "and schema_name in ('intermediate', 'marts', 'audit') order by all"
    ).fetchall()
    compared = {}
    for schema, table in tables:
        if table in BUILD_BOOKKEEPING:
            continue
        # every value to the last bit: a sum adds its rows alike in whatever order they come, as the incremental
        # build and the full refresh give them (macros/portable/stable_sum.sql)
        differing = con.execute(
            f"select count(*) from ((from incremental.{schema}.{table} except all from full_refresh.{schema}.{table}) "
            f"union all (from full_refresh.{schema}.{table} except all from incremental.{schema}.{table}))"
        ).fetchone()[0]
        rows = con.execute(f"select count(*) from full_refresh.{schema}.{table}").fetchone()[0]
        compared[f"{schema}.{table}"] = (rows, differing)
    assert {name: differing for name, (_, differing) in compared.items() if differing} == {}
    # the comparison covered the park-level chain, with the new quarter and the revision in it
    assert compared["marts.fct_park_quarter"][0] > 0 and compared["audit.findings"][0] > 0
    assert len(compared) >= 25


def test_incremental_builds_keep_the_comments_a_full_refresh_writes(builds):
    # an incremental build under the same project neither checks nor rewrites comments (macros/persist_docs.sql):
    # the ones the first build wrote must still be there, the same as a full refresh writes them
    incremental, full, _ = builds
    con = both_warehouses(incremental, full)

    def comments(database: str) -> set:
        return set(con.execute(
            "select schema_name, table_name, null, comment from duckdb_tables() where database_name = ? "
            "and comment is not null union all "
            "select schema_name, table_name, column_name, comment from duckdb_columns() where database_name = ? "
            "and comment is not null", [database, database],
        ).fetchall())

    kept = comments("incremental")
    assert kept == comments("full_refresh")
    assert ("marts", "fct_park_quarter", "park_id", "园区代码（见 dim_park）。Park code.") in kept


def test_a_build_forgets_the_state_of_models_no_longer_in_the_project(builds):
    incremental, _, _ = builds
    with connect(incremental, read_only=True) as con:
        kept = {row[0] for row in con.execute("select distinct model from audit.incremental_state").fetchall()}
    assert "int_gone" not in kept
    assert {"fct_park_quarter", "int_park_quarter_values", "findings"} <= kept


def test_a_changed_project_a_partial_build_or_a_first_build_is_a_full_refresh(builds, tmp_path):
    _, home, _ = builds
    plan = plan_build(home)
    assert plan.full_refresh is False
    with connect(home.working_db, read_only=True) as con:
        assert why_full_refresh(con, "another fingerprint") == (
            "the project (models, macros, seeds or dbt versions) changed since the last build"
        )
    assert plan_build(home, full_refresh=True).why_full_refresh == "asked for"
    # Dagster running some of the dbt assets passes no fingerprint: their state rows then ask for a full refresh
    assert "project_fingerprint" in plan.run_vars
    subset = plan_build(home, selection=("fct_park_quarter",), subset=True)
    assert "project_fingerprint" not in subset.run_vars
    assert subset.command[-2:] == ["--select", "fct_park_quarter"]
    with connect(home.working_db) as con:
        con.execute(
            "insert into audit.incremental_state select 'fct_park_quarter', 'a subset', 99, null, null, now()"
        )
    with connect(home.working_db, read_only=True) as con:
        assert why_full_refresh(con, plan.vars["project_fingerprint"]).startswith("some models were built on their own")
    fresh = Home(tmp_path / "fresh").ensure()
    with connect(fresh.working_db) as con:
        assert why_full_refresh(con, "any") == "first build"


def test_a_build_tests_what_was_written_since_the_last_successful_build(built_fixture_home, tmp_path):
    """An incremental build's data tests read a park-level model's rows from the earliest quarter that any build
    since the last successful one wrote (docs/incremental.md, "What a build tests"). A duplicate row of
    park_month_ytd in September 2023 (2023Q3) is not what a new quarter's build wrote (it writes 2024Q1 on), so that
    build passes. Once a failed build is on record as having rewritten park_month_ytd from 2023Q3 (what it leaves:
    its identity, failed, and the model's state row), the next build tests from 2023Q3, finds the duplicate and
    fails, and fails again until the row is gone."""
    home = copy_home(built_fixture_home, tmp_path / "home")
    duplicate_of_one_row = (
        "select * from marts.park_month_ytd where year = 2023 and month = 9 and indicator_code = 'gdp' "
        "order by park_id limit 1"
    )
    with connect(home.working_db) as con:
        con.execute(f"insert into marts.park_month_ytd {duplicate_of_one_row}")
    add_observations(home, [("A", 2024, 3, "gdp", 12, "亿元")])
    assert build(home).record.ok

    fingerprint = plan_build(home).vars["project_fingerprint"]
    with connect(home.working_db) as con:
        con.execute(
            "insert into audit.build_identity select 'a failed build', 'build', 'failed', timezone('UTC', now()), "
            "timezone('UTC', now()), max(file_id), (select count(*) from raw.observations), 1 from audit.ingest_log"
        )
        con.execute(
            "insert into audit.incremental_state select 'park_month_ytd', 'a failed build', max(file_id), "
            "2023 * 4 + 2, ?, timezone('UTC', now()) from audit.ingest_log",
            [fingerprint],
        )
    add_observations(home, [("B", 2024, 3, "gdp", 23, "亿元")])
    with pytest.raises(NhtzError, match=r"test unique_combination_park_month_ytd_\w+ failed: Got 1 result"):
        build(home)
    add_observations(home, [("B", 2024, 3, "revenue", 30, "亿元")])
    with pytest.raises(NhtzError, match=r"test unique_combination_park_month_ytd_\w+ failed: Got 1 result"):
        build(home)

    with connect(home.working_db) as con:
        con.execute(
            "delete from marts.park_month_ytd where rowid = (select max(rowid) from marts.park_month_ytd "
            "where year = 2023 and month = 9 and indicator_code = 'gdp' and park_id = (select park_id from ("
            f"{duplicate_of_one_row})))"
        )
    assert build(home).record.ok
