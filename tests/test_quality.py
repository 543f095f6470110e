"""The publication gate, on a hand-made working database.

The hand-made database holds every registered park (178) with values a person can add up: park number i
(registry order, 1-based) has gdp year-to-date i in 2024Q1 and 2i in 2024Q2 and employees 100·i in both quarters.
National and regional tables are written by plain group-bys here, so the gate is checked against sums
computed outside it.
"""

import csv
import json
from pathlib import Path

import duckdb
import pytest

from data_quality.gate import GateResult, check, check_build_is_current, check_integrity
from nhtz import state
from nhtz.db import connect, ensure_landing_tables
from nhtz.home import Home
from nhtz.project import SEEDS_DIR

N_PARKS = 178
SUM_1_TO_N = N_PARKS * (N_PARKS + 1) // 2  # 15931


def registry_rows() -> list[dict]:
    with open(SEEDS_DIR / "park_registry.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def make_handmade_home(root: Path, drop_latest_parks: int = 0) -> Home:
    """A working database shaped like a finished build; `drop_latest_parks` parks (the last in registry order)
    have no 2024Q2 values, so coverage is (178 − n) / 178."""
    home = Home(root).ensure()
    seeds = str(SEEDS_DIR).replace("'", "''")
    with connect(home.working_db) as con:
        ensure_landing_tables(con)
        con.execute(
            f"""
            create schema marts;
            create schema reference;
            create table reference.park_registry as
                select * from read_csv('{seeds}/park_registry.csv', header = true, all_varchar = true);
            create table marts.dim_park as
                select park_id, park_name, short_name, province, city, region, approved_year::integer as approved_year,
                    active_from::date as active_from, active_to::date as active_to,
                    row_number() over () as park_number
                from reference.park_registry;
            create table marts.dim_indicator as
                select indicator_code, name_zh, name_en, unit, kind, direction::integer as direction
                from read_csv('{seeds}/indicators.csv', header = true, all_varchar = true);
            create table marts.fct_park_quarter as
                with quarters as (
                    select * from (values ('2024Q1', 2024, 1), ('2024Q2', 2024, 2)) as q (quarter, year, quarter_num)
                ),
                values_by_park as (
                    select park_id, park_number, quarter, year, quarter_num, 'gdp' as indicator_code,
                        park_number * quarter_num::double as value_ytd, park_number::double as value_q
                    from marts.dim_park, quarters
                    union all
                    select park_id, park_number, quarter, year, quarter_num, 'employees', park_number * 100.0, null
                    from marts.dim_park, quarters
                )
                select park_id, quarter, year, quarter_num, indicator_code, value_ytd, value_q,
                    null::double as yoy_ytd_pct, null::double as yoy_q_pct, 'nominal' as price_basis,
                    0 as revision_count, 'ok' as quality_status
                from values_by_park
                where not (quarter = '2024Q2' and park_number > {N_PARKS - drop_latest_parks});
            create schema intermediate;
            create table intermediate.int_park_quarter_values as
                select park_id, quarter, year, quarter_num, indicator_code, value_ytd from marts.fct_park_quarter;
            create table intermediate.int_park_months_current as
                select park_id, year, quarter_num * 3 as month, indicator_code, value_ytd from marts.fct_park_quarter;
            create table audit.findings (
                park_id varchar, quarter varchar, indicator_code varchar, rule_id varchar, severity varchar,
                message varchar, value double
            );
            insert into raw.observations
                select 1, 'a.xlsx', 'h', 'Sheet1', 3, park_id, park_name, '2024年1-6月', 2024, 6, 'gdp', 2.0, '亿元', 1,
                    now()::timestamp
                from marts.dim_park limit 2;
            """
        )
        write_aggregates(con)
    state.record(home, "build", status="ok")
    return home


def write_aggregates(con: duckdb.DuckDBPyConnection) -> None:
    """National and regional tables as plain sums over the non-error park values (what the marts promise)."""
    con.execute(
        """
        create or replace table marts.national_quarter as
            select quarter, indicator_code, sum(value_ytd) as value_ytd, sum(value_q) as value_q,
                count(*) as n_parks, null::double as yoy_ytd_pct, null::double as yoy_ytd_pct_lfl,
                0 as n_parks_lfl, 0 as n_parks_growing
            from marts.fct_park_quarter where quality_status <> 'error'
            group by all;
        create or replace table marts.region_quarter as
            select quarter, region, indicator_code, sum(value_ytd) as value_ytd, sum(value_q) as value_q,
                count(*) as n_parks, null::double as yoy_ytd_pct, null::double as yoy_ytd_pct_lfl,
                0 as n_parks_lfl, 0 as n_parks_growing
            from marts.fct_park_quarter join marts.dim_park using (park_id) where quality_status <> 'error'
            group by all;
        """
    )


def rebuilt(home: Home, sql: str, rebuild_aggregates: bool = True) -> Home:
    """Change the working database and record a new build, as `nhtz build` would after new submissions."""
    with connect(home.working_db) as con:
        con.execute(sql)
        if rebuild_aggregates:
            write_aggregates(con)
    state.record(home, "build", status="ok")
    return home


def by_name(result):
    return {c.name: c for c in result.checks}


def integrity(home: Home) -> GateResult:
    """The gate's own checks without the (slow) GX suites: reconciliation, parks, coverage, findings."""
    result = GateResult(checks=[], checked_at="2024-07-25T00:00:00+00:00", build_at=None, min_coverage=0.9)
    with connect(home.working_db, read_only=True) as con:
        check_integrity(con, result, tolerance=1e-6)
    return result


@pytest.fixture(scope="module")
def passing(tmp_path_factory):
    home = make_handmade_home(tmp_path_factory.mktemp("passing"))
    return home, check(home)


def test_gate_passes_on_consistent_database_and_reports_coverage(passing):
    home, result = passing
    checks = by_name(result)
    assert result.passed, result.describe()
    # 2 quarters × 2 base indicators reconcile
    assert "4 quarter×indicator rows agree" in checks["national = Σ parks"].detail
    assert "4 quarter×indicator rows agree" in checks["regions add up to national"].detail
    assert result.coverage.quarter == "2024Q2"
    assert (result.coverage.n_active, result.coverage.n_reported) == (N_PARKS, N_PARKS)
    assert checks["coverage"].passed and not checks["coverage"].blocking
    assert "178 of 178 active parks reported in 2024Q2" in result.describe()


def test_gate_writes_results_table_and_check_record(passing):
    home, result = passing
    with connect(home.working_db, read_only=True) as con:
        rows = con.execute("select check_name, passed, blocking from audit.gate_results order by check_name").fetchall()
    assert len(rows) == len(result.checks) == 7  # build, 2 × expectations, 2 reconciliations, parks, coverage
    assert ("national = Σ parks", True, True) in rows
    assert ("coverage", True, False) in rows
    record = state.last(home, "check")
    assert record["passed"] is True
    assert record["build_at"] == state.last(home, "build")["at"]
    assert record["n_active"] == N_PARKS and record["coverage"] == 1.0


def test_gate_builds_data_docs(passing):
    home, _ = passing
    index = home.gx_docs / "index.html"
    assert index.exists()
    assert "marts.fct_park_quarter" in index.read_text(encoding="utf-8")


def test_national_differing_from_sum_of_parks_fails_with_the_quarter_and_indicator(tmp_path):
    home = make_handmade_home(tmp_path)
    # national gdp 2024Q2 should be 2 × 15931 = 31862; make it 31863
    rebuilt(home, "select 1", rebuild_aggregates=True)
    with connect(home.working_db) as con:
        con.execute("update marts.national_quarter set value_ytd = value_ytd + 1 where quarter = '2024Q2' and indicator_code = 'gdp'")
    state.record(home, "build", status="ok")
    result = check(home)
    checks = by_name(result)
    assert not result.passed
    assert not checks["national = Σ parks"].passed
    assert "1 of 4 quarter×indicator rows differ: 2024Q2 gdp: national 31863 ≠ Σ parks 31862" in checks[
        "national = Σ parks"
    ].detail
    # the regions still add up to the (wrong) national total? no: they add up to the parks, so they differ too
    assert not checks["regions add up to national"].passed
    assert state.last(home, "check")["failed"] == ["national = Σ parks", "regions add up to national"]


def test_error_values_are_held_out_of_the_reconciliation(tmp_path):
    home = make_handmade_home(tmp_path)
    # park 1's 2024Q2 gdp is an error: national must be 31862 − 2 = 31860 over 177 parks
    rebuilt(home, "update marts.fct_park_quarter set quality_status = 'error' where park_id = "
                  "(select park_id from marts.dim_park where park_number = 1) and quarter = '2024Q2' and indicator_code = 'gdp'")
    with connect(home.working_db, read_only=True) as con:
        national = con.execute(
            "select value_ytd, n_parks from marts.national_quarter where quarter = '2024Q2' and indicator_code = 'gdp'"
        ).fetchall()
    assert national == [(2 * SUM_1_TO_N - 2, N_PARKS - 1)]
    result = integrity(home)
    assert result.passed, result.describe()


def test_national_including_an_error_value_fails(tmp_path):
    home = make_handmade_home(tmp_path)
    with connect(home.working_db) as con:
        con.execute("update marts.fct_park_quarter set quality_status = 'error' where value_ytd = 356 and indicator_code = 'gdp'")
    state.record(home, "build", status="ok")
    result = integrity(home)
    detail = by_name(result)["national = Σ parks"].detail
    # park 178's 2024Q2 gdp (356) is an error but national still counts it: 31862 vs 31506
    assert "2024Q2 gdp: national 31862 ≠ Σ parks 31506" in detail


def test_count_of_parks_must_agree_too(tmp_path):
    home = make_handmade_home(tmp_path)
    with connect(home.working_db) as con:
        con.execute("update marts.national_quarter set n_parks = 177 where quarter = '2024Q1' and indicator_code = 'employees'")
    state.record(home, "build", status="ok")
    detail = by_name(integrity(home))["national = Σ parks"].detail
    assert "2024Q1 employees: national n_parks 177 ≠ Σ parks 178" in detail


def test_blocking_expectation_failure_fails_the_gate(tmp_path):
    home = make_handmade_home(tmp_path)
    rebuilt(home, "insert into marts.fct_park_quarter select * replace ('maybe' as quality_status) "
                  "from marts.fct_park_quarter where quarter = '2024Q1' and indicator_code = 'gdp' limit 1")
    result = check(home)
    checks = by_name(result)
    assert not checks["blocking expectations"].passed
    detail = checks["blocking expectations"].detail
    assert "expect_compound_columns_to_be_unique(park_id+quarter+indicator_code)" in detail
    assert "expect_column_values_to_be_in_set(quality_status) (1 of 713 rows unexpected, e.g. ['maybe'])" in detail


def test_implausible_growth_is_reported_but_does_not_block(tmp_path):
    home = make_handmade_home(tmp_path)
    rebuilt(home, "update marts.fct_park_quarter set yoy_ytd_pct = 450 where quarter = '2024Q2' and value_ytd in (2, 4, 6)"
                  " and indicator_code = 'gdp'")
    result = check(home)
    checks = by_name(result)
    assert result.passed, result.describe()
    assert not checks["informative expectations"].passed
    assert "expect_column_values_to_be_between(yoy_ytd_pct) (3 of 712 rows unexpected" in checks["informative expectations"].detail


def test_low_coverage_is_reported_not_blocking(tmp_path):
    home = make_handmade_home(tmp_path, drop_latest_parks=20)
    result = integrity(home)
    coverage = by_name(result)["coverage"]
    assert result.passed
    assert (result.coverage.n_active, result.coverage.n_reported) == (178, 158)
    assert not coverage.passed and not coverage.blocking
    assert "158 of 178 active parks reported in 2024Q2 (88.8%, minimum 90%" in coverage.detail


def test_facts_of_an_unregistered_park_fail(tmp_path):
    home = make_handmade_home(tmp_path)
    rebuilt(home, "insert into marts.fct_park_quarter select * replace ('nowhere_park' as park_id) "
                  "from marts.fct_park_quarter where quarter = '2024Q2' and indicator_code = 'gdp' and value_ytd = 2")
    # the aggregates were rewritten, so they reconcile: only the park check speaks
    checks = by_name(integrity(home))
    assert not checks["parks registered"].passed
    assert "1 parks in 2024Q2 facts are not in dim_park: nowhere_park" in checks["parks registered"].detail


def test_findings_are_counted_by_severity_not_blocking(tmp_path):
    home = make_handmade_home(tmp_path)
    rebuilt(home, """
        insert into audit.findings values
            ('beijing_zgc', '2024Q2', 'gdp', 'ytd_falls', 'error', '累计值下降', 2.0),
            ('beijing_zgc', '2024Q2', 'revenue', 'yoy_bound', 'warning', '同比增速超过30%', 5.0),
            ('tianjin_binhai', '2024Q2', 'gdp', 'yoy_bound', 'warning', '同比增速超过30%', 4.0),
            ('tianjin_binhai', '2024Q1', 'gdp', 'yoy_bound', 'warning', '同比增速超过30%', 2.0)
    """)
    result = integrity(home)
    assert result.passed
    assert result.findings == {"error": 1, "warning": 2}
    assert result.findings_all_quarters == {"error": 1, "warning": 3}
    assert "audit findings 2024Q2: error 1, warning 2 (all quarters: error 1, warning 3)" in result.describe()


def build_check(home: Home):
    return check_build_is_current(home, state.last(home, "build"), state.last(home, "check"))


def test_no_build_recorded_fails(tmp_path):
    home = make_handmade_home(tmp_path)
    (home.state / "build.json").unlink()
    outcome = build_check(home)
    assert not outcome.passed and outcome.blocking
    assert outcome.detail == "no build recorded for this home: run `nhtz build`"


def test_failed_build_fails(tmp_path):
    home = make_handmade_home(tmp_path)
    state.record(home, "build", status="failed", error="model fct_park_quarter failed")
    outcome = build_check(home)
    assert not outcome.passed
    assert outcome.detail.endswith("failed: model fct_park_quarter failed")


def test_fresh_build_passes(tmp_path):
    home = make_handmade_home(tmp_path)
    assert build_check(home).passed


def test_write_after_the_build_fails_until_rebuilt(tmp_path):
    home = make_handmade_home(tmp_path)
    build = state.last(home, "build")
    build["at"] = "2020-01-01T00:00:00+00:00"  # the build finished long before the file was last written
    (home.state / "build.json").write_text(json.dumps(build))
    outcome = build_check(home)
    assert not outcome.passed
    assert "after the last successful build at 2020-01-01T00:00:00+00:00" in outcome.detail
    state.record(home, "build", status="ok")
    assert build_check(home).passed


def test_rechecking_the_same_build_passes(passing):
    home, _ = passing
    # the first check wrote audit.gate_results after the build: its own record vouches for that write
    again = check(home)
    assert again.passed, again.describe()


def test_missing_mart_fails_with_table_named(tmp_path):
    home = rebuilt(make_handmade_home(tmp_path), "drop table marts.region_quarter", rebuild_aggregates=False)
    result = check(home)
    checks = by_name(result)
    assert not result.passed
    assert "marts.region_quarter: table exists (table is missing)" in checks["blocking expectations"].detail
    assert checks["regions add up to national"].detail.startswith("cannot reconcile: Catalog Error")


def test_check_of_an_empty_home_fails_and_says_why(tmp_path):
    home = Home(tmp_path)
    result = check(home)
    assert not result.passed
    assert [c.name for c in result.checks] == ["build finished"]
    assert "✗ build finished: no build recorded for this home: run `nhtz build`" in result.describe()
    assert state.last(home, "check")["passed"] is False
