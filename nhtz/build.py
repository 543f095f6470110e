"""`nhtz build`: the dbt project (seeds, models, unit tests and data tests) on the working database.

dbt runs in-process through `dbtRunner`, once per build: one `dbt build` covers every layer in DAG order, and a
failure is turned into one line that names the failed node and dbt's first error line.
"""

import json
import os
import re
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from nhtz import state
from nhtz.db import connect
from nhtz.errors import NhtzError
from nhtz.home import Home
from nhtz.project import DBT_PROJECT_DIR

FAILED_STATUSES = ("error", "fail", "runtime error")
MODEL_LAYERS = ("staging", "intermediate", "audit", "marts")


@dataclass(frozen=True)
class BuildResult:
    models: int
    seeds: int
    tests: int
    unit_tests: int
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    models_by_layer: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        warned = f", {len(self.warnings)} warning(s): {', '.join(self.warnings)}" if self.warnings else ", no warnings"
        return (
            f"build: {self.models} models and {self.seeds} seeds built, {self.tests} data tests and "
            f"{self.unit_tests} unit tests passed{warned}, in {self.seconds:.1f} s"
        )


def dbt_target_dir(home: Home) -> Path:
    """Per home, so that parallel builds (test workers) never share dbt's target or partial-parse state."""
    return home.root / "dbt" / "target"


def dbt_log_dir(home: Home) -> Path:
    return home.root / "dbt" / "logs"


def build(
    home: Home, full_refresh: bool = False, say: Callable[[str], None] = lambda _: None, vars: dict | None = None
) -> BuildResult:
    # vars: dbt project variables, e.g. {"enterprise_source": "<parquet glob>"} (docs/scaling.md)
    require_landed_values(home)
    say(f"dbt build on {home.working_db}{' (full refresh)' if full_refresh else ''}")
    started = time.perf_counter()
    outcome = _invoke_dbt_build(home, full_refresh, vars)
    seconds = time.perf_counter() - started

    failure = failure_line(outcome)
    if failure:
        state.record(home, "build", status="failed", error=failure, seconds=round(seconds, 1))
        raise NhtzError(f"build failed: {failure} (log: {dbt_log_dir(home) / 'dbt.log'})")

    result = _summarise(outcome.result.results, seconds)
    say(_layer_summary(result))
    state.record(
        home,
        "build",
        status="ok",
        models=result.models,
        seeds=result.seeds,
        tests=result.tests,
        unit_tests=result.unit_tests,
        warnings=len(result.warnings),
        seconds=round(seconds, 1),
        full_refresh=full_refresh,
    )
    return result


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


@contextmanager
def working_db_env(home: Home):
    """profiles.yml reads NHTZ_DB_PATH; it is set for this call only and restored afterwards."""
    before = os.environ.get("NHTZ_DB_PATH")
    os.environ["NHTZ_DB_PATH"] = str(home.working_db)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("NHTZ_DB_PATH", None)
        else:
            os.environ["NHTZ_DB_PATH"] = before


def _invoke_dbt_build(home: Home, full_refresh: bool, vars: dict | None = None):
    extra = ["--full-refresh"] if full_refresh else []
    if vars:
        extra += ["--vars", json.dumps(vars)]
    return _invoke_dbt(home, ["build", *extra])


def _invoke_dbt(home: Home, command: list[str]):
    """One in-process dbt invocation on this home's working database, with its own target and log folders."""
    from dbt.cli.main import dbtRunner

    args = [
        *command,
        "--project-dir", str(DBT_PROJECT_DIR),
        "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(dbt_target_dir(home)),
        "--log-path", str(dbt_log_dir(home)),
        "--partial-parse",
        "--log-level", "none",
        "--log-level-file", "info",
        "--no-use-colors",
        "--no-version-check",
        "--no-send-anonymous-usage-stats",
    ]
    with working_db_env(home):
        try:
            return dbtRunner().invoke(args)
        finally:
            release_database()


def generate_docs(home: Home, say: Callable[[str], None] = lambda _: None) -> Path:
    """dbt's documentation site of the built warehouse (models, lineage, the Chinese column descriptions) as one
    static HTML file that opens offline."""
    require_landed_values(home)
    say("dbt docs generate (static)")
    outcome = _invoke_dbt(home, ["docs", "generate", "--static"])
    if not outcome.success:
        raise NhtzError(f"dbt docs failed: {_first_line(outcome.exception) if outcome.exception else 'see the log'} "
                        f"(log: {dbt_log_dir(home) / 'dbt.log'})")
    return dbt_target_dir(home) / "static_index.html"


def release_database() -> None:
    """dbt-duckdb keeps its DuckDB instance open in-process after the run; close it so that the working DB can be
    opened again (read-only by the checks, or by another process) right after the build."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    DuckDBConnectionManager.close_all_connections()
    if environment is not None:
        environment.close()


# dbt's messages open with a heading such as "Runtime Error in model x (path)"; the reason is the line after it
_HEADING = re.compile(r"^(\w+ )*Error in \w+ ")


def _first_line(text) -> str:
    lines = [line.strip() for line in str(text or "").splitlines() if line.strip()]
    reasons = [line for line in lines if not _HEADING.match(line)]
    return (reasons or lines or ["no message"])[0]


def failure_line(outcome) -> str | None:
    """One line for people: which node failed and dbt's first error line; None when the build succeeded."""
    if outcome.success:
        return None
    if outcome.exception is not None:
        return f"dbt could not run the project: {_first_line(outcome.exception)}"
    results = getattr(outcome.result, "results", None) or []
    failed = [r for r in results if str(r.status) in FAILED_STATUSES]
    if not failed:
        return "dbt reported failure without a failed node"
    first = failed[0]
    node = first.node
    what = "unit test" if node.resource_type == "unit_test" else node.resource_type
    verb = "failed" if str(first.status) == "fail" else "errored"
    more = f" (and {len(failed) - 1} more failed node(s))" if len(failed) > 1 else ""
    return f"{what} {node.name} {verb}: {_first_line(first.message)}{more}"


def _summarise(results, seconds: float) -> BuildResult:
    kinds = Counter(str(r.node.resource_type) for r in results if str(r.status) != "skipped")
    layers = Counter(
        r.node.fqn[1] if len(r.node.fqn) > 2 and r.node.fqn[1] in MODEL_LAYERS else "other"
        for r in results
        if str(r.node.resource_type) == "model"
    )
    warnings = [r.node.name for r in results if str(r.status) == "warn"]
    return BuildResult(
        models=kinds["model"],
        seeds=kinds["seed"],
        tests=kinds["test"],
        unit_tests=kinds["unit_test"],
        warnings=warnings,
        seconds=seconds,
        models_by_layer=dict(layers),
    )


def _layer_summary(result: BuildResult) -> str:
    layers = ", ".join(f"{layer} {result.models_by_layer[layer]}" for layer in sorted(result.models_by_layer))
    return f"dbt build: models by layer: {layers}"
