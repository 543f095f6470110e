"""`nhtz build`: the dbt project (seeds, models, contracts and data tests) on the working database; dbt's unit
tests run from the test suite (`nhtz.dbt_runner.UNIT_TEST_COMMAND`).

dbt runs in-process through the one runner (`nhtz.dbt_runner`), once per build: one `dbt build` covers every layer
in DAG order and says one line per finished node. The project's own hooks write the build's identity into the
working database (`audit.build_identity`: dbt's invocation id and the landing watermark it read); the build record
(`state.BuildRecord`, written here and by the Dagster dbt asset alike) adds what dbt's run results say: counts,
the singular tests' outcomes, and on failure one line naming the failed node and dbt's first error line.
"""

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import duckdb

from nhtz import dbt_runner, state
from nhtz.db import connect
from nhtz.errors import NhtzError
from nhtz.home import Home
from nhtz.state import BuildIdentity, BuildRecord


@dataclass(frozen=True)
class BuildResult:
    record: BuildRecord
    models_by_layer: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        record = self.record
        warnings = record.warnings
        warned = f", {len(warnings)} warning(s): {', '.join(warnings)}" if warnings else ", no warnings"
        return (
            f"build {record.short_id}: {record.models} models and {record.seeds} seeds built, "
            f"{record.tests} data tests passed{warned}, in {record.seconds:.1f} s"
        )


def build(
    home: Home, full_refresh: bool = False, say: Callable[[str], None] = lambda _: None, vars: dict | None = None
) -> BuildResult:
    # vars: dbt project variables, e.g. {"enterprise_source": "<parquet glob>"} (docs/scaling.md)
    require_landed_values(home)
    workspace = dbt_runner.home_workspace(home)
    say(f"dbt build on {home.working_db}{' (full refresh)' if full_refresh else ''}")
    started = time.perf_counter()
    command = [*dbt_runner.BUILD_COMMAND, *(["--full-refresh"] if full_refresh else [])]
    run = dbt_runner.invoke(workspace, command, vars=vars, say=say)
    record = record_build(
        home, run.run_results, time.perf_counter() - started, error=run.failure_line(), full_refresh=full_refresh
    )
    if not record.ok:
        raise NhtzError(f"build failed: {record.error} (log: {workspace.log_file})")
    layers = run.summary(dbt_runner.read_manifest(workspace.target_dir)).models_by_layer
    say("dbt build: models by layer: " + ", ".join(f"{layer} {layers[layer]}" for layer in sorted(layers)))
    return BuildResult(record=record, models_by_layer=layers)


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
    identity = _identity_of(home, summary.invocation_id)
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
        via=via,
    )
    try:
        return state.save(home, record)
    except OSError as error:
        raise NhtzError(
            f"dbt build {record.short_id} {'finished' if record.ok else 'failed'}, but its record could not be written "
            f"in {home.state}: {error.strerror or error}"
        ) from None


def _identity_of(home: Home, invocation_id: str | None) -> BuildIdentity | None:
    """The identity this build wrote, if the working database has it (a project without the hooks writes none)."""
    if invocation_id is None:
        return None
    try:
        with connect(home.working_db, read_only=True) as con:
            identity = BuildIdentity.current(con)
    except duckdb.Error:
        return None
    return identity if identity and identity.invocation_id == invocation_id else None


def require_landed_values(home: Home) -> None:
    nothing = NhtzError(f"nothing landed yet in {home.root}: run nhtz ingest first")
    if not home.working_db.exists():
        raise nothing
    with connect(home.working_db, read_only=True) as con:
        has_landing = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'raw' and table_name = 'observations'"
        ).fetchone()[0]
        if not has_landing or con.execute("select count(*) from raw.observations").fetchone()[0] == 0:
            raise nothing


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
