"""`nhtz build`: the dbt project (seeds, models, contracts and data tests) on the working database; dbt's unit
tests run from the test suite (`nhtz.dbt_runner.UNIT_TEST_COMMAND`).

The park-level models are incremental (docs/incremental.md): each recomputes from the earliest quarter that
anything landed since its last build touched. `plan_build` decides, for both fronts, when a build must be a full
refresh instead: when asked, on the first build, and when the project (models, macros, seeds, dbt versions) is not
the one the models were last built with.

dbt runs in-process through the one runner (`nhtz.dbt_runner`), once per build: one `dbt build` covers every layer
in DAG order and says one line per finished node. The project's own hooks write the build's identity into the
working database (`audit.build_identity`: dbt's invocation id and the landing watermark it read); the build record
(`state.BuildRecord`, written here and by the Dagster dbt asset alike) adds what dbt's run results say: counts,
the singular tests' outcomes, and on failure one line naming the failed node and dbt's first error line.
"""

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import duckdb

from nhtz import dbt_runner, state
from nhtz.db import connect, table_exists
from nhtz.errors import NhtzError
from nhtz.home import Home
from nhtz.state import BuildIdentity, BuildRecord


@dataclass(frozen=True)
class BuildResult:
    record: BuildRecord
    models_by_layer: dict[str, int] = field(default_factory=dict)
    node_statuses: dict[str, str] = field(default_factory=dict)

    @property
    def reprocessed(self) -> str:
        return self.record.reprocessed

    def describe(self) -> str:
        record = self.record
        warnings = record.warnings
        warned = f", {len(warnings)} warning(s): {', '.join(warnings)}" if warnings else ", no warnings"
        reprocessed = f"; park-level models: {self.reprocessed}" if self.reprocessed else ""
        return (
            f"build {record.short_id}: {record.models} models and {record.seeds} seeds built, "
            f"{record.tests} data tests passed{warned}, in {record.seconds:.1f} s{reprocessed}"
        )


@dataclass(frozen=True)
class BuildPlan:
    """The dbt build both fronts run: its arguments, its vars (with the project's fingerprint, which the
    incremental models record) and whether, and why, it rebuilds the incremental models from scratch.

    `selection`: the dbt nodes Dagster's assets name (`fqn:*` for all of them, or the chosen ones' names), each
    built with its tests; none for `nhtz build`, which builds what landed data can change. `subset`: Dagster asked
    for some of the assets only."""

    vars: dict
    full_refresh: bool
    why_full_refresh: str | None
    selection: tuple[str, ...] = ()
    subset: bool = False

    @property
    def command(self) -> list[str]:
        """`nhtz build`: a full refresh builds everything; otherwise only what landed data can change (the seeds,
        dimensions and time spines depend on the project alone, which the fingerprint vouches is unchanged, and so
        does a view, which holds no rows: its definition is the project's). Dagster: the nodes of the assets it
        asked for."""
        refresh = ["--full-refresh"] if self.full_refresh else []
        if self.selection:
            return [*dbt_runner.BUILD_COMMAND, *refresh, "--select", *self.selection]
        if self.full_refresh:
            return [*dbt_runner.BUILD_COMMAND, *refresh]
        return [*dbt_runner.BUILD_COMMAND, "--select", LANDED_DATA_AND_DOWNSTREAM, "--exclude", VIEWS]

    @property
    def run_vars(self) -> dict:
        """A subset is no baseline for the next incremental build (a model built without the models before it would
        mark landed data as processed that they never gave it): without the fingerprint its models' state rows make
        the next build a full refresh."""
        if not self.subset:
            return self.vars
        return {name: value for name, value in self.vars.items() if name != dbt_runner.FINGERPRINT_VAR}


# every model, test and snapshot downstream of the dbt sources that ingestion writes (raw.observations, the ingest log)
LANDED_DATA_AND_DOWNSTREAM = "source:raw+ source:landing_audit+"
VIEWS = "config.materialized:view"


def plan_build(
    home: Home,
    full_refresh: bool = False,
    vars: dict | None = None,
    selection: tuple[str, ...] = (),
    subset: bool = False,
) -> BuildPlan:
    """Refuses a home where nothing has landed yet. One connection reads what the plan needs: each opening of the
    working database costs some 30 ms (docs/incremental.md, "What a build costs")."""
    # vars: dbt project variables, e.g. {"enterprise_source": "<parquet glob>"} (docs/scaling.md)
    vars = dbt_runner.fingerprinted(vars, dbt_runner.home_workspace(home).project_dir)
    with landed_warehouse(home) as con:
        why = "asked for" if full_refresh else why_full_refresh(con, vars[dbt_runner.FINGERPRINT_VAR])
    return BuildPlan(
        vars=vars, full_refresh=why is not None, why_full_refresh=why, selection=tuple(selection), subset=subset
    )


def why_full_refresh(con: duckdb.DuckDBPyConnection, fingerprint: str) -> str | None:
    """Why the incremental models cannot go on from their last build, or None when they can: each model's
    latest state row (audit.incremental_state) must carry this project's fingerprint."""
    if not table_exists(con, "audit", "incremental_state"):
        return "first build"
    latest = con.execute(
        "select project_fingerprint from audit.incremental_state "
        "qualify row_number() over (partition by model order by recorded_at desc) = 1"
    ).fetchall()
    if not latest:
        return "first build"
    if any(row[0] is None for row in latest):
        return "some models were built on their own since the last build (a Dagster subset, or dbt by hand)"
    if any(row[0] != fingerprint for row in latest):
        return "the project (models, macros, seeds or dbt versions) changed since the last build"
    return None


def build(
    home: Home,
    full_refresh: bool = False,
    say: Callable[[str], None] = lambda _: None,
    vars: dict | None = None,
    selection: tuple[str, ...] = (),
    subset: bool = False,
    via: str = "nhtz",
) -> BuildResult:
    """One dbt build of the home's working database, in this process, recorded (`state.BuildRecord`): `nhtz build`,
    and the Dagster dbt asset with the selection of the assets it runs (`BuildPlan`); `via` names the front."""
    plan = plan_build(home, full_refresh, vars, selection, subset)
    workspace = dbt_runner.home_workspace(home)
    how = f"full refresh: {plan.why_full_refresh}" if plan.full_refresh else "incremental"
    say(f"dbt build on {home.working_db} ({how})")
    started = time.perf_counter()
    run = dbt_runner.invoke(
        workspace, plan.command, vars=plan.run_vars, say=say, artifacts=False, fingerprint=not plan.subset
    )
    record = record_build(
        home,
        run.run_results,
        time.perf_counter() - started,
        error=run.failure_line(),
        full_refresh=plan.full_refresh,
        via=via,
    )
    if not record.ok:
        raise NhtzError(f"build failed: {record.error} (log: {workspace.log_file})")
    summary = run.summary()
    layers = summary.models_by_layer
    say("dbt build: models by layer: " + ", ".join(f"{layer} {layers[layer]}" for layer in sorted(layers)))
    return BuildResult(record=record, models_by_layer=layers, node_statuses=summary.node_statuses)


def reprocessed_quarters(con: duckdb.DuckDBPyConnection, invocation_id: str) -> str:
    """What the park-level models of this build recomputed, in words: every quarter, from a quarter on, or
    nothing (no landing since their last build)."""
    if not table_exists(con, "audit", "incremental_state"):
        return ""
    row = con.execute(
        "select count(*), count(reprocessed_from), min(reprocessed_from) from audit.incremental_state "
        "where invocation_id = ?",
        [invocation_id],
    ).fetchall()
    models, incremental, since = row[0]
    if models == 0:
        return ""
    if incremental == 0:
        return "every quarter recomputed"
    if since >= NOTHING_TO_REPROCESS:
        said = "nothing landed since the last build, no quarter recomputed"
    else:
        said = f"recomputed from {since // 4}Q{since % 4 + 1} on (what landed since the last build)"
    # a model that missed earlier builds (it failed, or was not selected) catches up on every quarter
    catching_up = models - incremental
    return said + (f"; {catching_up} model{'s' if catching_up > 1 else ''} every quarter" if catching_up else "")


# reprocess_since() (macros/incremental/reprocessed_quarters.sql) says "past every quarter" with this index
NOTHING_TO_REPROCESS = 999999


def record_build(
    home: Home,
    run_results: dict | None,
    seconds: float,
    error: str | None = None,
    full_refresh: bool = False,
    via: str = "nhtz",
) -> BuildRecord:
    """The build record of one dbt build, from dbt's run results and the identity the build wrote; `error` is the
    failure line when the build failed. Both fronts (`nhtz build`, the Dagster dbt asset) record through here."""
    summary = dbt_runner.summarise(run_results or {})
    identity, reprocessed = _what_the_build_left(home, summary.invocation_id)
    record = BuildRecord(
        status="failed" if error else "ok",
        finished_at=state.now_utc(),
        invocation_id=summary.invocation_id,
        landing=identity.landing if identity else None,
        seconds=round(seconds, 1),
        models=summary.models,
        seeds=summary.seeds,
        tests=summary.tests,
        unit_tests=summary.unit_tests,
        warnings=summary.warnings,
        singular_tests=summary.singular_tests,
        error=error,
        full_refresh=full_refresh,
        reprocessed=reprocessed,
        via=via,
    )
    try:
        return state.save(home, record)
    except OSError as error:
        raise NhtzError(
            f"dbt build {record.short_id} {'finished' if record.ok else 'failed'}, but its record could not be written "
            f"in {home.state}: {error.strerror or error}"
        ) from None


def _what_the_build_left(home: Home, invocation_id: str | None) -> tuple[BuildIdentity | None, str]:
    """The identity this build wrote, if the working database has it (a project without the hooks writes none),
    and what its park-level models recomputed, in words; read in one connection."""
    if invocation_id is None:
        return None, ""
    try:
        with connect(home.working_db, read_only=True) as con:
            identity = BuildIdentity.current(con)
            if not identity or identity.invocation_id != invocation_id:
                return None, ""
            return identity, reprocessed_quarters(con, invocation_id)
    except duckdb.Error:
        return None, ""


@contextmanager
def landed_warehouse(home: Home) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the working database, which must hold landed values."""
    nothing = NhtzError(f"nothing landed yet in {home.root}: run nhtz ingest first")
    if not home.working_db.exists():
        raise nothing
    with connect(home.working_db, read_only=True) as con:
        if not table_exists(con, "raw", "observations"):
            raise nothing
        if con.execute("select count(*) from raw.observations").fetchone()[0] == 0:
            raise nothing
        yield con


def require_landed_values(home: Home) -> None:
    with landed_warehouse(home):
        pass


def generate_docs(home: Home, say: Callable[[str], None] = lambda _: None) -> Path:
    """dbt's documentation site of the built warehouse (models, lineage, the Chinese column descriptions) as one
    static HTML file that opens offline."""
    require_landed_values(home)
    workspace = dbt_runner.home_workspace(home)
    say("dbt docs generate (static)")
    run = dbt_runner.invoke(workspace, ["docs", "generate", "--static"])
    if not run.success:
        raise NhtzError(f"dbt docs failed: {run.failure_line()} (log: {workspace.log_file})")
    return workspace.target_dir / "static_index.html"
