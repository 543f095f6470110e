"""The publication gate: is the working database, as built, fit to become what readers see?

Publication is gated on the pipeline's own integrity (docs/methodology.md, docs/quality.md): a finished build that
is still current, the landing and distribution expectations, the build's own reconciliation tests, a complete park
dimension. One park's bad value never blocks: audit findings are counted, not blocking. Coverage of active parks
in the quarter under analysis is measured here and enforced by `publish`, which alone knows whether the user
allowed a partial publication.

A build is current when the working database's last dbt run is a build that finished cleanly and the landing
watermark it recorded (last ingest-log file id, number of landed values) is the landing now: an ingest after
the build, even within the same second, makes it stale. The check records the identity it checked
(`state.CheckRecord`); `publish` compares identities, never file times.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

import duckdb

from data_quality.suites import ExpectationOutcome, run_suites
from nhtz import state
from nhtz.db import connect
from nhtz.errors import NhtzError, first_line
from nhtz.home import Home
from nhtz.quarters import parse_quarter, quarter_label
from nhtz.settings import load_settings
from nhtz.state import BuildIdentity, BuildRecord, CheckRecord, Landing
from nhtz.progress import quiet

SHOWN_EXAMPLES = 3
# National = Σ parks and regions = national have one home, the project's singular tests, run in every build;
# the gate reports their outcome in the build it checks.
RECONCILIATIONS = {
    "national = Σ parks": "national_equals_sum_of_parks",
    "regions add up to national": "region_sums_equal_national",
}

GATE_RESULTS_DDL = """
create schema if not exists audit;
create table if not exists audit.gate_results (
    check_name varchar not null,
    passed boolean not null,
    blocking boolean not null,
    detail varchar,
    checked_at timestamp not null
);
comment on table audit.gate_results is '发布闸门检查结果：每次 nhtz check 每项检查一行（随服务库发布）。One row per gate check per run.';
comment on column audit.gate_results.check_name is '检查项名称。Check name.';
comment on column audit.gate_results.passed is '是否通过。Whether it passed.';
comment on column audit.gate_results.blocking is '是否阻断发布（未通过即不发布）。Whether a failure blocks publication.';
comment on column audit.gate_results.detail is '检查说明与发现。What was found.';
comment on column audit.gate_results.checked_at is '检查时间（UTC）。When checked (UTC).';
"""


@dataclass(frozen=True)
class GateCheck:
    name: str
    passed: bool
    blocking: bool
    detail: str

    def describe(self) -> str:
        mark = "✓" if self.passed else ("✗" if self.blocking else "!")
        note = "" if self.blocking else " [not blocking]"
        return f"  {mark} {self.name}: {self.detail}{note}"


@dataclass(frozen=True)
class Coverage:
    quarter: str
    n_active: int
    n_reported: int
    missing: list[str]

    @property
    def share(self) -> float:
        return self.n_reported / self.n_active if self.n_active else 0.0


@dataclass
class GateResult:
    checks: list[GateCheck]
    checked_at: datetime
    build: BuildIdentity | None
    min_coverage: float
    coverage: Coverage | None = None
    findings: dict[str, int] = field(default_factory=dict)
    findings_all_quarters: dict[str, int] = field(default_factory=dict)
    expectations: list[ExpectationOutcome] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks if c.blocking)

    @property
    def failed_checks(self) -> list[str]:
        return [c.name for c in self.checks if c.blocking and not c.passed]

    def describe(self) -> str:
        verdict = "PASSED" if self.passed else "FAILED"
        build = f"build {self.build.short_id}" if self.build else "no build"
        lines = [f"publication gate {verdict} (checked {state.beijing_time(self.checked_at)}, {build})"]
        lines += [c.describe() for c in self.checks]
        if self.coverage is not None:
            quarter = self.coverage.quarter
            latest = ", ".join(f"{s} {n}" for s, n in sorted(self.findings.items())) or "none"
            overall = ", ".join(f"{s} {n}" for s, n in sorted(self.findings_all_quarters.items())) or "none"
            lines.append(f"  audit findings {quarter}: {latest} (all quarters: {overall}); see audit.findings")
        if not self.passed:
            lines.append("  the serving copy stays as it is until the gate passes")
        return "\n".join(lines)


# --- the build ---------------------------------------------------------------------------------------------

def check_build_is_current(identity: BuildIdentity | None, landing: Landing, record: BuildRecord | None) -> GateCheck:
    name = "build finished"
    stale = state.build_is_stale(identity, landing)
    if stale:
        detail = stale
        same_build = identity is not None and record is not None and record.invocation_id == identity.invocation_id
        if same_build and record.error:
            detail += f" ({record.error})"
        return GateCheck(name, False, True, detail)
    return GateCheck(
        name, True, True,
        f"build {identity.short_id} of {state.beijing_time(identity.started_at)} succeeded; nothing landed since",
    )


def check_reconciliations(identity: BuildIdentity | None, record: BuildRecord | None) -> list[GateCheck]:
    """The build's own reconciliation tests, as its record has them: nothing is re-queried here."""
    checks = []
    for name, test in RECONCILIATIONS.items():
        if identity is None:
            checks.append(GateCheck(name, False, True, "no build to report on"))
        elif record is None or record.invocation_id != identity.invocation_id:
            found = f"the build record is of build {record.short_id}" if record else "there is no build record"
            checks.append(GateCheck(
                name, False, True,
                f"{found}, not of build {identity.short_id} in the working database: run `nhtz build`",
            ))
        else:
            status = record.singular_tests.get(test)
            if status is None:
                checks.append(GateCheck(name, False, True, f"dbt test {test} did not run in build {identity.short_id}"))
            else:
                detail = f"dbt test {test}: {status} in build {identity.short_id}"
                checks.append(GateCheck(name, status == "pass", True, detail))
    return checks


# --- expectations ------------------------------------------------------------------------------------------

def check_expectations(outcomes: list[ExpectationOutcome]) -> list[GateCheck]:
    tables = len({o.table for o in outcomes})
    checks = []
    for blocking, name in ((True, "blocking expectations"), (False, "informative expectations")):
        mine = [o for o in outcomes if o.blocking == blocking]
        failed = [o for o in mine if not o.success]
        if failed:
            shown = "; ".join(o.describe() for o in failed[:SHOWN_EXAMPLES])
            more = f"; and {len(failed) - SHOWN_EXAMPLES} more" if len(failed) > SHOWN_EXAMPLES else ""
            detail = f"{len(failed)} of {len(mine)} failed: {shown}{more}"
        else:
            detail = f"{len(mine)} passed over {tables} tables"
        checks.append(GateCheck(name, not failed, blocking, detail))
    return checks


# --- parks and coverage ------------------------------------------------------------------------------------

def quarter_to_check(con: duckdb.DuckDBPyConnection, quarter: str | None) -> str | None:
    """The quarter asked for, else the latest quarter in the data (`nhtz check` alone)."""
    if quarter is not None:
        return quarter_label(*parse_quarter(quarter))
    rows = con.execute("select quarter from marts.park_quarter_coverage order by quarter_end desc limit 1").fetchall()
    return rows[0][0] if rows else None


def measure_coverage(con: duckdb.DuckDBPyConnection, quarter: str) -> Coverage:
    """Parks active at the quarter's end that submitted for it: `marts.park_quarter_coverage`, the one home of
    "active at quarter end"."""
    rows = con.execute(
        """
        select park_id, has_submitted
        from marts.park_quarter_coverage
        where quarter = ? and is_active
        order by park_id
        """,
        [quarter],
    ).fetchall()
    return Coverage(
        quarter=quarter,
        n_active=len(rows),
        n_reported=sum(1 for _, has_submitted in rows if has_submitted),
        missing=[park for park, has_submitted in rows if not has_submitted],
    )


def check_parks_registered(con: duckdb.DuckDBPyConnection, quarter: str) -> GateCheck:
    name = "parks registered"
    unregistered = [
        park
        for (park,) in con.execute(
            """
            select distinct park_id from marts.fct_park_quarter
            where quarter = ? and park_id not in (select park_id from marts.dim_park)
            order by park_id
            """,
            [quarter],
        ).fetchall()
    ]
    missing_from_dim = [
        park
        for (park,) in con.execute(
            """
            select park_id from marts.park_quarter_coverage
            where quarter = ? and is_active and park_id not in (select park_id from marts.dim_park)
            order by park_id
            """,
            [quarter],
        ).fetchall()
    ]
    problems = []
    if unregistered:
        problems.append(
            f"{len(unregistered)} parks in {quarter} facts are not in dim_park: {', '.join(unregistered[:5])}"
        )
    if missing_from_dim:
        problems.append(
            f"{len(missing_from_dim)} registry parks active in {quarter} are missing from dim_park: "
            f"{', '.join(missing_from_dim[:5])}"
        )
    if problems:
        return GateCheck(name, False, True, "; ".join(problems))
    return GateCheck(name, True, True, f"every park active in {quarter} and every reporting park is in dim_park")


def coverage_check(coverage: Coverage, min_coverage: float) -> GateCheck:
    if coverage.n_active == 0:
        return GateCheck("coverage", False, False, f"{coverage.quarter} is not a quarter of the data: no park to cover")
    missing = f"; not reported: {', '.join(coverage.missing[:5])}" if coverage.missing else ""
    more = f" and {len(coverage.missing) - 5} more" if len(coverage.missing) > 5 else ""
    return GateCheck(
        "coverage",
        coverage.share >= min_coverage,
        False,
        f"{coverage.n_reported} of {coverage.n_active} active parks reported in {coverage.quarter} "
        f"({coverage.share:.1%}, minimum {min_coverage:.0%}, enforced by `nhtz publish`){missing}{more}",
    )


def count_findings(con: duckdb.DuckDBPyConnection, quarter: str | None) -> tuple[dict[str, int], dict[str, int]]:
    """Audit findings by severity: (the quarter, all quarters)."""
    rows = con.execute(
        "select severity, quarter = ? as is_latest, count(*) from audit.findings group by all", [quarter]
    ).fetchall()
    latest: dict[str, int] = {}
    overall: dict[str, int] = {}
    for severity, is_latest, n in rows:
        overall[severity] = overall.get(severity, 0) + n
        if is_latest:
            latest[severity] = latest.get(severity, 0) + n
    return latest, overall


def check_parks(con: duckdb.DuckDBPyConnection, result: GateResult, quarter: str | None) -> None:
    """The park dimension, coverage of the quarter and its findings."""
    try:
        quarter = quarter_to_check(con, quarter)
        if quarter is None:
            result.checks.append(GateCheck("parks registered", False, True, "marts.park_quarter_coverage is empty"))
            return
        result.checks.append(check_parks_registered(con, quarter))
        result.coverage = measure_coverage(con, quarter)
    except duckdb.Error as error:
        detail = f"cannot check parks: {first_line(error)}"
        result.checks.append(GateCheck("parks registered", False, True, detail))
        return
    try:
        result.findings, result.findings_all_quarters = count_findings(con, quarter)
    except duckdb.Error:
        pass  # a missing audit.findings already fails the build; the counts stay empty
    result.checks.append(coverage_check(result.coverage, result.min_coverage))


# --- the check ---------------------------------------------------------------------------------------------

def _write_gate_results(home: Home, result: GateResult) -> None:
    checked_at = result.checked_at.replace(tzinfo=None)
    with connect(home.working_db) as con:
        con.execute(GATE_RESULTS_DDL)
        con.executemany(
            "insert into audit.gate_results values (?, ?, ?, ?, ?)",
            [(c.name, c.passed, c.blocking, c.detail, checked_at) for c in result.checks],
        )


def _check_working_db(home: Home, result: GateResult, quarter: str | None, say: Callable[[str], None]) -> None:
    with connect(home.working_db, read_only=True) as con:
        identity = BuildIdentity.current(con)
        landing = Landing.read(con)
        record = state.last(home, BuildRecord)
        result.build = identity
        result.checks.append(check_build_is_current(identity, landing, record))
        result.checks += check_reconciliations(identity, record)
        say("running the data-quality suites (Great Expectations)")
        result.expectations = run_suites(home, con, say)
        result.checks += check_expectations(result.expectations)
        say("checking the park dimension; measuring coverage")
        check_parks(con, result, quarter)


def check(home: Home, quarter: str | None = None, say: Callable[[str], None] = quiet) -> GateResult:
    """Run the gate on the working database and record the verdict. Coverage is measured for `quarter` (the
    quarter under analysis, `nhtz run QUARTER`), else for the latest quarter in the data."""
    settings = load_settings(home)
    result = GateResult(checks=[], checked_at=state.now_utc(), build=None, min_coverage=settings.min_coverage)
    if not home.working_db.exists():
        detail = f"no working database in {home.root}: run `nhtz build`"
        result.checks.append(GateCheck("build finished", False, True, detail))
    else:
        try:
            _check_working_db(home, result, quarter, say)
            _write_gate_results(home, result)
        except duckdb.Error as error:
            # e.g. another process is writing it, or a killed write left a log DuckDB cannot replay
            detail = f"{home.working_db}: {first_line(error)}"
            result.checks.append(GateCheck("working database readable", False, True, detail))
        except OSError as error:
            # a full disk while writing the Data Docs or the results: one line, and no record of a check that
            # did not finish
            raise NhtzError(f"check stopped: cannot write in {home.root}: {error.strerror or error}") from None
    # a quarter without active parks (not in the data) has no coverage to vouch for
    coverage = result.coverage if result.coverage and result.coverage.n_active else None
    record = CheckRecord(
        checked_at=result.checked_at,
        passed=result.passed,
        build=result.build,
        failed=tuple(result.failed_checks),
        quarter=coverage.quarter if coverage else None,
        n_active=coverage.n_active if coverage else None,
        n_reported=coverage.n_reported if coverage else None,
        coverage=round(coverage.share, 6) if coverage else None,
        findings=result.findings,
    )
    try:
        state.save(home, record)
    except OSError as error:
        raise NhtzError(f"check stopped: cannot write its record in {home.state}: {error.strerror or error}") from None
    say(f"publication gate {'passed' if result.passed else 'failed'}")
    return result
