"""The publication gate on the dbt-built marts fixture (tests/marts_fixture.py, tests/conftest.py).

The fixture: five real parks of the registry's 178, 2022Q1–2023Q4, with rule violations the build holds out.
Where a test needs a broken database, it breaks a private copy of the built one with a targeted statement.
Expected numbers come from the fixture's own definition (what was landed, the registry seed), not from the code
under test.
"""

import csv
import errno
import logging
import os
import resource
import signal
import sys
from datetime import datetime, timedelta, timezone

import pytest
from typer.testing import CliRunner

from data_quality.gate import GateResult, check, check_parks, check_reconciliations
from marts_fixture import PARKS, add_observations, landed_rows
from nhtz import state
from nhtz.cli import app
from nhtz.db import connect
from nhtz.errors import GateFailed
from nhtz.home import Home
from nhtz.pipeline import run_quarter
from nhtz.project import SEEDS_DIR
from nhtz.publish import publish
from nhtz.state import BuildIdentity, BuildRecord, CheckRecord, Landing, PublishRecord
from serving_fixture import copy_home

N_LANDED = len(landed_rows())
N_FILES = len({row["file_id"] for row in landed_rows()})


def active_parks_at(day: str) -> set[str]:
    """Registry parks that were national zones on `day`, read straight from the seed."""
    with open(SEEDS_DIR / "park_registry.csv", encoding="utf-8", newline="") as handle:
        return {
            row["park_id"]
            for row in csv.DictReader(handle)
            if row["active_from"] <= day and (not row["active_to"] or row["active_to"] >= day)
        }


def by_name(result):
    return {c.name: c for c in result.checks}


def gate_without_suites(home: Home, quarter: str | None) -> GateResult:
    """The park dimension, coverage and findings part of the gate, without the (slow) GX suites."""
    result = GateResult(checks=[], checked_at=state.now_utc(), build=None, min_coverage=0.9)
    with connect(home.working_db, read_only=True) as con:
        check_parks(con, result, quarter)
    return result


@pytest.fixture(scope="module")
def checked(checked_home, tmp_path_factory):
    """The built fixture checked twice: once for the session (checked_home, tests/conftest.py), whose record this
    module's copy holds, and again here; the second check of the same build must pass as the first did (the first
    check's write of audit.gate_results is no later write)."""
    home = copy_home(checked_home, tmp_path_factory.mktemp("checked") / "home")
    first = state.last(home, CheckRecord)
    return home, first, check(home)


def test_gate_passes_on_the_built_fixture_and_reports_coverage_of_the_latest_quarter(checked):
    home, _, result = checked
    checks = by_name(result)
    assert result.passed, result.describe()
    assert list(checks) == [
        "build finished", "national = Σ parks", "regions add up to national", "blocking expectations",
        "informative expectations", "parks registered", "coverage",
    ]
    build = state.last(home, BuildRecord)
    assert checks["national = Σ parks"].detail == f"dbt test national_equals_sum_of_parks: pass in build {build.short_id}"
    assert checks["regions add up to national"].detail == f"dbt test region_sums_equal_national: pass in build {build.short_id}"
    # 2023Q4: every registry park active at 2023-12-31, five of them reported
    active = active_parks_at("2023-12-31")
    assert (result.coverage.quarter, result.coverage.n_active, result.coverage.n_reported) == ("2023Q4", len(active), 5)
    assert set(result.coverage.missing) == active - set(PARKS.values())
    assert not checks["coverage"].passed and not checks["coverage"].blocking
    share = 5 / len(active)
    assert f"5 of {len(active)} active parks reported in 2023Q4 ({share:.1%}, minimum 90%" in result.describe()


def test_held_out_values_leave_the_reconciliation_passing(checked):
    """The fixture's build holds out error values (D's falling revenue YTD, B's value added above its output):
    its reconciliation tests, the one home of national = Σ parks, passed with them held out."""
    home, _, _ = checked
    with connect(home.working_db, read_only=True) as con:
        errors = con.execute(
            "select park_id, quarter, indicator_code from marts.fct_park_quarter where quality_status = 'error' "
            "order by all"
        ).fetchall()
    assert (PARKS["B"], "2023Q4", "industrial_value_added") in errors
    assert (PARKS["D"], "2023Q3", "revenue") in errors
    assert state.last(home, BuildRecord).singular_tests["national_equals_sum_of_parks"] == "pass"


def test_rechecking_the_same_build_passes(checked):
    _, first, again = checked
    assert first.passed and again.passed, again.describe()
    assert first.build == again.build


def test_gate_writes_results_table_and_check_record_keyed_by_the_build_identity(checked):
    home, _, result = checked
    with connect(home.working_db, read_only=True) as con:
        identity = BuildIdentity.current(con)
        rows = con.execute(
            "select check_name, passed, blocking from audit.gate_results where checked_at = "
            "(select max(checked_at) from audit.gate_results) order by check_name"
        ).fetchall()
    assert len(rows) == len(result.checks) == 7
    assert ("national = Σ parks", True, True) in rows
    assert ("coverage", False, False) in rows
    record = state.last(home, CheckRecord)
    assert record.passed is True and record.failed == ()
    assert record.build == identity == result.build
    assert identity.invocation_id == state.last(home, BuildRecord).invocation_id
    # the landing the build read: every value and every file of the fixture
    assert identity.landing == Landing(max_file_id=N_FILES, observations=N_LANDED)
    active = len(active_parks_at("2023-12-31"))
    assert (record.quarter, record.n_active, record.n_reported) == ("2023Q4", active, 5)
    assert record.coverage == round(5 / active, 6)


def test_gate_writes_the_data_docs_site_and_no_scratch_folders(checked):
    home, _, _ = checked
    index = home.gx_docs / "index.html"
    assert "raw.observations" in index.read_text(encoding="utf-8")
    assert not list(home.root.glob(".gx_docs-*"))


def test_coverage_is_measured_for_the_quarter_asked(fixture_home_copy):
    # 2023Q2: akesu_alaer joined on 2023-06-12, so all 178 are active at 2023-06-30; wuhan_donghu (C) sent nothing
    result = gate_without_suites(fixture_home_copy, "2023q2")
    active = active_parks_at("2023-06-30")
    assert PARKS["E"] in active
    assert (result.coverage.quarter, result.coverage.n_active, result.coverage.n_reported) == ("2023Q2", len(active), 4)
    assert PARKS["C"] in result.coverage.missing and PARKS["E"] not in result.coverage.missing
    # 2023Q1: akesu_alaer is not a zone yet; A, B, C and D reported
    earlier = gate_without_suites(fixture_home_copy, "2023Q1")
    assert (earlier.coverage.n_active, earlier.coverage.n_reported) == (len(active_parks_at("2023-03-31")), 4)
    assert len(active_parks_at("2023-03-31")) == len(active) - 1


def test_a_quarter_not_in_the_data_has_no_coverage_to_vouch_for(fixture_home_copy):
    result = gate_without_suites(fixture_home_copy, "2030Q1")
    coverage = by_name(result)["coverage"]
    assert not coverage.passed and not coverage.blocking
    assert coverage.detail == "2030Q1 is not a quarter of the data: no park to cover"


def test_findings_are_counted_by_severity_for_the_quarter_not_blocking(private_fixture_home):
    with connect(private_fixture_home.working_db) as con:
        con.execute("delete from audit.findings")
        con.execute(
            f"""
            insert into audit.findings (park_id, quarter, indicator_code, rule_id, severity, message, value) values
                ('{PARKS["A"]}', '2023Q4', 'gdp', 'R01', 'error', '累计值下降', 2.0),
                ('{PARKS["A"]}', '2023Q4', 'revenue', 'R05', 'warning', '同比增速超过30%', 5.0),
                ('{PARKS["B"]}', '2023Q4', 'gdp', 'R05', 'warning', '同比增速超过30%', 4.0),
                ('{PARKS["B"]}', '2023Q3', 'gdp', 'R05', 'warning', '同比增速超过30%', 2.0)
            """
        )
    result = gate_without_suites(private_fixture_home, None)
    assert result.passed
    assert result.findings == {"error": 1, "warning": 2}
    assert result.findings_all_quarters == {"error": 1, "warning": 3}
    assert "audit findings 2023Q4: error 1, warning 2 (all quarters: error 1, warning 3)" in result.describe()


def test_facts_of_an_unregistered_park_fail(private_fixture_home):
    with connect(private_fixture_home.working_db) as con:
        con.execute(f"update marts.fct_park_quarter set park_id = 'nowhere_park' where park_id = '{PARKS['E']}'")
    checks = by_name(gate_without_suites(private_fixture_home, None))
    assert not checks["parks registered"].passed and checks["parks registered"].blocking
    assert checks["parks registered"].detail == "1 parks in 2023Q4 facts are not in dim_park: nowhere_park"


def test_landing_faults_and_a_missing_table_fail_blocking_expectations_by_name(private_fixture_home):
    home = private_fixture_home
    with connect(home.working_db) as con:
        # a unit the conversion table does not know, a file whose rows do not add up, a mart gone
        con.execute("update raw.observations set unit = '斤' where file_id = 1 and row_number = 2")
        con.execute("update audit.ingest_log set rows_landed = rows_landed - 1 where file_id = 2")
        con.execute("drop table marts.national_quarter")
    result = check(home)
    checks = by_name(result)
    assert not result.passed
    # none of these writes is a build or an ingest: the build is still the current one
    assert checks["build finished"].passed
    detail = checks["blocking expectations"].detail
    assert detail.startswith("3 of ")
    assert f"raw.observations: expect_column_values_to_be_in_set(unit) (1 of {N_LANDED} rows unexpected, e.g. ['斤'])" in detail
    assert (f"audit.ingest_log: expect_column_values_to_be_in_set(rows_unaccounted) (1 of {N_FILES} rows unexpected, "
            "e.g. [1])") in detail
    assert "marts.national_quarter: table exists (table is missing)" in detail
    assert state.last(home, CheckRecord).failed == ("blocking expectations",)


def test_implausible_growth_is_reported_but_does_not_block(private_fixture_home):
    home = private_fixture_home
    with connect(home.working_db) as con:
        con.execute(
            f"update marts.fct_park_quarter set yoy_ytd_pct = 450 where park_id = '{PARKS['A']}' "
            "and quarter = '2023Q4' and indicator_code in ('gdp', 'revenue', 'employees')"
        )
        n_facts = con.execute("select count(*) from marts.fct_park_quarter").fetchone()[0]
    result = check(home)
    checks = by_name(result)
    assert result.passed, result.describe()
    assert not checks["informative expectations"].passed and not checks["informative expectations"].blocking
    assert (f"marts.fct_park_quarter: expect_column_values_to_be_between(yoy_ytd_pct) (3 of {n_facts} rows "
            "unexpected, e.g. [450.0, 450.0, 450.0])") in checks["informative expectations"].detail


# --- currency of the build: the identity against the landing -----------------------------------------------

LANDING = Landing(max_file_id=7, observations=120)
STARTED = datetime(2024, 7, 25, 2, 0, 0, tzinfo=timezone.utc)  # 10:00:00 Beijing time


def identity(status="ok", command="build", landing=LANDING) -> BuildIdentity:
    return BuildIdentity("0f1e2d3c-aaaa-bbbb-cccc-000000000000", command, status, STARTED, None, landing)


@pytest.mark.parametrize(
    ("built", "landing_now", "stale"),
    [
        (identity(), LANDING, None),
        (None, LANDING, "no build recorded in the working database: run `nhtz build`"),
        # a build killed half-way never marked its row finished
        (identity(status="running"), LANDING,
         "a dbt build started at 2024-07-25 10:00:00 北京时间 (run 0f1e2d3c) after the last successful build did not "
         "finish: run `nhtz build`"),
        (identity(status="failed"), LANDING,
         "the last build (0f1e2d3c, 2024-07-25 10:00:00 北京时间) failed: run `nhtz build` when it is fixed"),
        (identity(command="run"), LANDING,
         "the working database was last written by `dbt run` (0f1e2d3c), not by a build: run `nhtz build`"),
        # one more file landed, even in the same second as the build: stale
        (identity(), Landing(max_file_id=8, observations=121),
         "stale build: files landed after the build 0f1e2d3c of 2024-07-25 10:00:00 北京时间 (120 values, files up "
         "to #7 then, 121 values, files up to #8 now): run `nhtz build`"),
        # a refused file lands no value but is logged: the landing moved all the same
        (identity(), Landing(max_file_id=8, observations=120),
         "stale build: files landed after the build 0f1e2d3c of 2024-07-25 10:00:00 北京时间 (120 values, files up "
         "to #7 then, 120 values, files up to #8 now): run `nhtz build`"),
    ],
)
def test_a_build_is_current_only_when_finished_and_nothing_landed_since(built, landing_now, stale):
    assert state.build_is_stale(built, landing_now) == stale


def test_reconciliations_are_reported_from_the_record_of_the_same_build():
    built = identity()
    record = BuildRecord(status="failed", finished_at=STARTED + timedelta(seconds=9), invocation_id=built.invocation_id,
                         singular_tests={"national_equals_sum_of_parks": "fail"})
    national, regions = check_reconciliations(built, record)
    assert (national.passed, national.blocking) == (False, True)
    assert national.detail == "dbt test national_equals_sum_of_parks: fail in build 0f1e2d3c"
    assert regions.detail == "dbt test region_sums_equal_national did not run in build 0f1e2d3c"
    other = BuildRecord(status="ok", finished_at=STARTED, invocation_id="99999999-0000")
    assert check_reconciliations(built, other)[0].detail == (
        "the build record is of build 99999999, not of build 0f1e2d3c in the working database: run `nhtz build`"
    )


def test_check_of_an_empty_home_fails_and_says_why(tmp_path):
    home = Home(tmp_path)
    result = check(home)
    assert not result.passed
    assert [c.name for c in result.checks] == ["build finished"]
    assert f"✗ build finished: no working database in {tmp_path}: run `nhtz build`" in result.describe()
    assert state.last(home, CheckRecord).passed is False


# --- faults ------------------------------------------------------------------------------------------------

def _files(home: Home) -> dict[str, bytes]:
    return {str(p.relative_to(home.root)): p.read_bytes() for p in home.root.rglob("*")
            if p.is_file() and "dbt" not in p.relative_to(home.root).parts}


@pytest.fixture
def file_size_limit():
    """Writes beyond `limit` bytes fail with EFBIG, as writes on a full disk fail with ENOSPC: a real OS error
    from the kernel, not a stub. SIGXFSZ is ignored so that the write fails instead of ending the process."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    def limit(size: int) -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, hard))

    yield limit
    resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    signal.signal(signal.SIGXFSZ, previous)


class PrintsToStderr(logging.Handler):
    """A handler on the root logger, as a process that configured logging has (Dagster, `logging.basicConfig`):
    it prints every record to the standard error of the moment, which CliRunner captures."""

    def emit(self, record: logging.LogRecord) -> None:
        print(self.format(record), file=sys.stderr)


@pytest.fixture
def logging_configured():
    handler = PrintsToStderr()
    logging.getLogger().addHandler(handler)
    yield
    logging.getLogger().removeHandler(handler)


def test_a_write_failing_in_the_data_docs_is_one_line_and_leaves_no_partial_files(
    checked, file_size_limit, logging_configured
):
    home, _, _ = checked
    before = _files(home)
    file_size_limit(4096)  # every Data Docs page is larger
    outcome = CliRunner().invoke(app, ["check", "--home", str(home.root)])
    file_size_limit(resource.RLIM_INFINITY)
    assert outcome.exit_code == 1
    lines = [line for line in outcome.output.splitlines() if line.startswith("nhtz:")]
    assert lines == [f"nhtz: error: check stopped: cannot write the Data Docs in {home.gx_docs}: "
                     f"{os.strerror(errno.EFBIG)}"], outcome.output
    assert "Traceback" not in outcome.output
    # the previous site, records and databases are as they were; no scratch folder or temporary file is left
    assert _files(home) == before


def test_a_record_that_cannot_be_written_is_one_line_and_leaves_no_temporary_file(private_fixture_home, monkeypatch):
    home = private_fixture_home
    record = home.state / "check.json"
    record.unlink(missing_ok=True)
    record.mkdir()  # the record's name is taken by a folder: the rename onto it fails
    monkeypatch.setattr("data_quality.gate.run_suites", lambda *_: [])  # the suites are not what is tested here
    outcome = CliRunner().invoke(app, ["check", "--home", str(home.root)])
    assert outcome.exit_code == 1
    errors = [line for line in outcome.output.splitlines() if line.startswith("nhtz:")]
    assert errors == [f"nhtz: error: check stopped: cannot write its record in {home.state}: Is a directory"]
    assert "Traceback" not in outcome.output
    assert sorted(p.name for p in home.state.iterdir()) == ["build.json", "check.json"]


# --- check, publish and run go by the build identity -------------------------------------------------------

def test_publication_follows_the_identity_checked_and_run_gates_coverage_on_its_quarter(private_checked_home):
    home = private_checked_home
    first = state.last(home, CheckRecord)  # the session's check of the built fixture (tests/conftest.py)
    assert first.passed
    published = publish(home, allow_partial=True)  # five of 178 parks report: partial by design
    assert state.last(home, PublishRecord).build_invocation_id == first.build.invocation_id
    assert published.publish_id == 1

    # an ingest right after the checked build, within the same second or not: the build is stale
    add_observations(home, [("A", 2023, 12, "exports", 5.0, "亿元")])
    stale = by_name(check(home))["build finished"]
    assert not stale.passed
    assert stale.detail.startswith(f"stale build: files landed after the build {first.build.short_id} ")
    assert f"({N_LANDED} values, files up to #{N_FILES} then, {N_LANDED + 1} values, files up to #{N_FILES + 1} now)" in stale.detail
    with pytest.raises(GateFailed, match=r"^the publication gate failed \(build finished\)"):
        publish(home, allow_partial=True)

    # nhtz run 2023Q2 builds again, checks coverage of 2023Q2 (not of the latest quarter, 2023Q4) and publication
    # stops there: 4 of the 178 parks active at 2023-06-30 reported
    active = len(active_parks_at("2023-06-30"))
    with pytest.raises(GateFailed, match=rf"^only 4 of {active} active parks \(2\.2%\) reported in 2023Q2, below the "
                                         r"minimum 90%; publish anyway with --allow-partial$"):
        run_quarter(home, "2023Q2")
    record = state.last(home, CheckRecord)
    assert record.passed and (record.quarter, record.n_reported, record.n_active) == ("2023Q2", 4, active)
    assert record.build.landing == Landing(max_file_id=N_FILES + 1, observations=N_LANDED + 1)
    assert state.last(home, PublishRecord).publish_id == 1  # nothing published since

    # a build after the last check: the check vouches for the build before it, not for this one. The run's build
    # serves as that build (one build less for the suite) once the session's check of the build before it is
    # made the last check again
    rebuilt = record.build
    assert rebuilt.invocation_id != first.build.invocation_id
    state.save(home, first)
    with pytest.raises(GateFailed, match=rf"changed after the last check .*holds dbt run {rebuilt.short_id} \(ok\), "
                                         rf"the check was of build {first.build.short_id}"):
        publish(home, allow_partial=True)
