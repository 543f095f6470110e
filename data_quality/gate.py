"""The publication gate: is the working database, as built, fit to become what readers see?

DOMAIN.md "Checks": publication is gated on the pipeline's own integrity (a finished build, contracts,
national = Σ parks, regions = national, a complete park dimension), never on one park's bad value: audit
findings are counted, not blocking. Coverage of active parks is measured here and enforced by `publish`,
which alone knows whether the user allowed a partial publication.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable

import duckdb

from data_quality.suites import ExpectationOutcome, run_suites
from nhtz import state
from nhtz.db import connect
from nhtz.home import Home
from nhtz.settings import load_settings

# The build record's time is written in whole seconds after dbt has closed the database, so the file's
# modification time can be up to a second later than the truncated record; anything beyond is a later write.
BUILD_TIME_SLACK = timedelta(seconds=2)
SHOWN_EXAMPLES = 3

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


def _quiet(_: str) -> None:
    pass


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
    checked_at: str
    build_at: str | None
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
        lines = [f"publication gate {verdict} (checked {self.checked_at}, build {self.build_at or 'none'})"]
        lines += [c.describe() for c in self.checks]
        if self.coverage is not None:
            quarter = self.coverage.quarter
            latest = ", ".join(f"{s} {n}" for s, n in sorted(self.findings.items())) or "none"
            overall = ", ".join(f"{s} {n}" for s, n in sorted(self.findings_all_quarters.items())) or "none"
            lines.append(f"  audit findings {quarter}: {latest} (all quarters: {overall}); see audit.findings")
        if not self.passed:
            lines.append("  the serving copy stays as it is until the gate passes")
        return "\n".join(lines)


def _working_db_files(home: Home) -> list:
    """The database file and, after an interrupted write, the write-ahead log DuckDB left beside it."""
    wal = home.working_db.with_name(home.working_db.name + ".wal")
    return [path for path in (home.working_db, wal) if path.exists()]


def working_db_fingerprint(home: Home) -> str | None:
    """Sizes and modification times: any write to the working database after a check changes it."""
    if not home.working_db.exists():
        return None
    return ";".join(f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in _working_db_files(home))


def _parse_at(text: str) -> datetime:
    at = datetime.fromisoformat(text)
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def _build_failure(build: dict) -> str | None:
    """Why the recorded build failed (nhtz.build and Dagster write status ok or failed, with error); None if ok."""
    if build.get("status") == "ok":
        return None
    return str(build.get("error") or f"build status {build.get('status')!r}")


def check_build_is_current(home: Home, build: dict | None, last_check: dict | None) -> GateCheck:
    name = "build finished"
    if build is None:
        return GateCheck(name, False, True, "no build recorded for this home: run `nhtz build`")
    failure = _build_failure(build)
    if failure:
        return GateCheck(name, False, True, f"the last build ({build['at']}) failed: {failure}")
    if not home.working_db.exists():
        return GateCheck(name, False, True, f"working database {home.working_db} is missing")
    modified = max(datetime.fromtimestamp(p.stat().st_mtime, tz=timezone.utc) for p in _working_db_files(home))
    # A previous check of this same build wrote audit.gate_results; its recorded fingerprint vouches for that write.
    checked_this_build = (
        last_check is not None
        and last_check.get("build_at") == build["at"]
        and last_check.get("working_db_fingerprint") == working_db_fingerprint(home)
    )
    if modified > _parse_at(build["at"]) + BUILD_TIME_SLACK and not checked_this_build:
        return GateCheck(
            name,
            False,
            True,
            f"the working database was written at {modified.isoformat(timespec='seconds')}, after the last "
            f"successful build at {build['at']} (an interrupted build, or files landed since): run `nhtz build`",
        )
    return GateCheck(name, True, True, f"last build at {build['at']} succeeded; working database unchanged since")


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


# Base indicators only: ratios are Σnumerator/Σdenominator, not sums, and are reconciled through their parts.
NATIONAL_AGAINST_PARTS = """
with indicators as (
    select indicator_code from marts.dim_indicator where kind in ('flow', 'stock')
),
parts as ({parts}),
national as (
    select quarter, indicator_code, value_ytd, n_parks
    from marts.national_quarter
    where indicator_code in (select indicator_code from indicators)
),
final as (
    select
        quarter,
        indicator_code,
        national.value_ytd as national_value,
        parts.value_ytd as parts_value,
        national.n_parks as national_n,
        parts.n_parks as parts_n
    from national
    full outer join parts using (quarter, indicator_code)
)
select * from final
"""

PARK_TOTALS = """
    select quarter, indicator_code, sum(value_ytd) as value_ytd, count(*) as n_parks
    from marts.fct_park_quarter
    where quality_status <> 'error' and value_ytd is not null
        and indicator_code in (select indicator_code from indicators)
    group by quarter, indicator_code
"""

REGION_TOTALS = """
    select quarter, indicator_code, sum(value_ytd) as value_ytd, sum(n_parks) as n_parks
    from marts.region_quarter
    where indicator_code in (select indicator_code from indicators)
    group by quarter, indicator_code
"""

PARKS_VS_NATIONAL = NATIONAL_AGAINST_PARTS.format(parts=PARK_TOTALS)
REGIONS_VS_NATIONAL = NATIONAL_AGAINST_PARTS.format(parts=REGION_TOTALS)


def _reconcile(con: duckdb.DuckDBPyConnection, name: str, query: str, parts: str, tolerance: float) -> GateCheck:
    try:
        rows = con.execute(query).fetchall()
    except duckdb.Error as error:
        return GateCheck(name, False, True, f"cannot reconcile: {str(error).strip().splitlines()[0]}")
    mismatches = []
    for quarter, indicator, national_value, parts_value, national_n, parts_n in rows:
        if national_value is None or parts_value is None:
            mismatches.append(
                f"{quarter} {indicator}: national {national_value} vs {parts} {parts_value}"
            )
        elif abs(national_value - parts_value) > tolerance * max(abs(parts_value), 1.0):
            mismatches.append(f"{quarter} {indicator}: national {national_value:.6g} ≠ Σ {parts} {parts_value:.6g}")
        elif national_n != parts_n:
            mismatches.append(f"{quarter} {indicator}: national n_parks {national_n} ≠ Σ {parts} {parts_n}")
    if mismatches:
        shown = "; ".join(mismatches[:SHOWN_EXAMPLES])
        return GateCheck(name, False, True, f"{len(mismatches)} of {len(rows)} quarter×indicator rows differ: {shown}")
    return GateCheck(name, True, True, f"{len(rows)} quarter×indicator rows agree (relative tolerance {tolerance:g})")


def _latest_quarter(con: duckdb.DuckDBPyConnection) -> tuple[str, int, int] | None:
    rows = con.execute(
        "select quarter, year, quarter_num from marts.fct_park_quarter order by year desc, quarter_num desc limit 1"
    ).fetchall()
    return rows[0] if rows else None


ACTIVE_PARKS = """
select park_id
from marts.dim_park
where active_from <= last_day(make_date(?, ? * 3, 1))
    and (active_to is null or active_to >= last_day(make_date(?, ? * 3, 1)))
"""


def measure_coverage(con: duckdb.DuckDBPyConnection, quarter: str, year: int, quarter_num: int) -> Coverage:
    """Active parks at the quarter end (dim_park) that have any value in the quarter's facts."""
    rows = con.execute(
        f"""
        with active as ({ACTIVE_PARKS}),
        reported as (select distinct park_id from marts.fct_park_quarter where quarter = ?)
        select active.park_id, reported.park_id is not null as has_reported
        from active left join reported using (park_id)
        order by active.park_id
        """,
        [year, quarter_num, year, quarter_num, quarter],
    ).fetchall()
    return Coverage(
        quarter=quarter,
        n_active=len(rows),
        n_reported=sum(1 for _, has_reported in rows if has_reported),
        missing=[park for park, has_reported in rows if not has_reported],
    )


def check_parks_registered(con: duckdb.DuckDBPyConnection, quarter: str, year: int, quarter_num: int) -> GateCheck:
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
    registry = con.execute(
        "select 1 from information_schema.tables where table_schema = 'reference' and table_name = 'park_registry'"
    ).fetchall()
    missing_from_dim = []
    if registry:
        missing_from_dim = [
            park
            for (park,) in con.execute(
                """
                select park_id from reference.park_registry
                where active_from::date <= last_day(make_date(?, ? * 3, 1))
                    and (active_to is null or active_to::date >= last_day(make_date(?, ? * 3, 1)))
                    and park_id not in (select park_id from marts.dim_park)
                order by park_id
                """,
                [year, quarter_num, year, quarter_num],
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


def count_findings(con: duckdb.DuckDBPyConnection, quarter: str | None) -> tuple[dict[str, int], dict[str, int]]:
    """Audit findings by severity: (the latest quarter, all quarters)."""
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


def check_integrity(con: duckdb.DuckDBPyConnection, result: GateResult, tolerance: float) -> None:
    """Reconciliations, the park dimension, coverage and findings: everything but the GX suites."""
    result.checks.append(_reconcile(con, "national = Σ parks", PARKS_VS_NATIONAL, "parks", tolerance))
    result.checks.append(_reconcile(con, "regions add up to national", REGIONS_VS_NATIONAL, "regions", tolerance))
    try:
        latest = _latest_quarter(con)
        if latest is None:
            result.checks.append(GateCheck("parks registered", False, True, "marts.fct_park_quarter is empty"))
            return
        quarter, year, quarter_num = latest
        result.checks.append(check_parks_registered(con, quarter, year, quarter_num))
        result.coverage = coverage = measure_coverage(con, quarter, year, quarter_num)
    except duckdb.Error as error:
        first_line = str(error).strip().splitlines()[0]
        result.checks.append(GateCheck("parks registered", False, True, f"cannot check parks: {first_line}"))
        return
    try:
        result.findings, result.findings_all_quarters = count_findings(con, quarter)
    except duckdb.Error:
        pass  # a missing audit.findings already fails the suites; the counts stay empty
    missing = f"; not reported: {', '.join(coverage.missing[:5])}" if coverage.missing else ""
    more = f" and {len(coverage.missing) - 5} more" if len(coverage.missing) > 5 else ""
    result.checks.append(
        GateCheck(
            "coverage",
            coverage.share >= result.min_coverage,
            False,
            f"{coverage.n_reported} of {coverage.n_active} active parks reported in {coverage.quarter} "
            f"({coverage.share:.1%}, minimum {result.min_coverage:.0%}, enforced by `nhtz publish`){missing}{more}",
        )
    )


def _write_gate_results(home: Home, result: GateResult) -> None:
    checked_at = _parse_at(result.checked_at).replace(tzinfo=None)
    with connect(home.working_db) as con:
        con.execute(GATE_RESULTS_DDL)
        con.executemany(
            "insert into audit.gate_results values (?, ?, ?, ?, ?)",
            [(c.name, c.passed, c.blocking, c.detail, checked_at) for c in result.checks],
        )


def check(home: Home, say: Callable[[str], None] = _quiet) -> GateResult:
    """Run the suites and integrity checks on the working database and record the verdict."""
    settings = load_settings(home)
    build = state.last(home, "build")
    result = GateResult(
        checks=[check_build_is_current(home, build, state.last(home, "check"))],
        checked_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        build_at=build["at"] if build else None,
        min_coverage=settings.min_coverage,
    )
    if home.working_db.exists():
        try:
            with connect(home.working_db, read_only=True) as con:
                say("running the data-quality suites (Great Expectations)")
                result.expectations = run_suites(home, con, say)
                result.checks += check_expectations(result.expectations)
                say("reconciling national totals with parks and regions; measuring coverage")
                check_integrity(con, result, settings.reconciliation_tolerance)
            _write_gate_results(home, result)
        except duckdb.Error as error:
            # e.g. another process is writing it, or a killed write left a log DuckDB cannot replay
            first_line = str(error).strip().splitlines()[0]
            detail = f"{home.working_db}: {first_line}"
            result.checks.append(GateCheck("working database readable", False, True, detail))
    coverage = result.coverage
    state.record(
        home,
        "check",
        passed=result.passed,
        build_at=result.build_at,
        checked_at=result.checked_at,
        failed=result.failed_checks,
        latest_quarter=coverage.quarter if coverage else None,
        coverage=round(coverage.share, 6) if coverage else None,
        n_active=coverage.n_active if coverage else None,
        n_reported=coverage.n_reported if coverage else None,
        findings=result.findings,
        working_db_fingerprint=working_db_fingerprint(home),
    )
    say(f"publication gate {'passed' if result.passed else 'failed'}")
    return result
