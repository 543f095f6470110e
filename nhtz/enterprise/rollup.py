"""Run the enterprise roll-up models (dbt, in-process) on one DuckDB file, with DuckDB's memory and threads fixed.

The core build (`nhtz.build`) runs the whole project; this runs only the enterprise models and what they
read, with `enterprise_source` set, for the scaling benchmark and the tests.
"""

import glob
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from nhtz import dbt_runner
from nhtz.dbt_runner import DbtWorkspace
from nhtz.errors import NhtzError
from nhtz.progress import quiet

# the enterprise models, the seeds they read, and the seed their relationships test compares with
ENTERPRISE_SELECTION = ["+path:models/enterprise", "indicators"]
DEFAULT_MEMORY_LIMIT = "3GB"
DEFAULT_THREADS = 2


@dataclass(frozen=True)
class RollupRun:
    db_path: Path
    full_refresh: bool
    models: int
    tests: int
    execution_seconds: float  # dbt's own elapsed time for the nodes, without start-up and parsing

    def describe(self) -> str:
        kind = "full refresh" if self.full_refresh else "incremental"
        return f"enterprise roll-up ({kind}) in {self.db_path}: {self.models} models, {self.tests} tests passed"


def rollup_workspace(db_path: Path, run_dir: Path, memory_limit: str, threads: int) -> DbtWorkspace:
    """The roll-up's own DuckDB file, with DuckDB's memory and threads fixed in the profile; its folder keeps the
    profile, the target (partial parsing applies while the vars and the profile stay the same) and the log."""
    return DbtWorkspace(
        db_path=Path(db_path),
        folder=Path(run_dir),
        threads=threads,
        duckdb_settings={"memory_limit": memory_limit, "threads": threads, "preserve_insertion_order": False},
    )


def parse_enterprise_project(
    db_path: Path, source_glob: str, run_dir: Path, memory_limit: str = DEFAULT_MEMORY_LIMIT,
    threads: int = DEFAULT_THREADS,
) -> None:
    """The project parsed with the enterprise vars, as the builds parse it (`dbt_runner.parsed_project`): leaves
    the partial-parse state that later builds in run_dir reuse, in this process or another."""
    workspace = rollup_workspace(db_path, run_dir, memory_limit, threads)
    run_vars = dbt_runner.fingerprinted({"enterprise_source": source_glob}, workspace.project_dir)
    if dbt_runner.parsed_project(workspace, run_vars) is None:  # dbt's own parse says why
        run = dbt_runner.invoke(workspace, ["parse"], vars=run_vars)
        raise NhtzError(f"enterprise roll-up: {run.failure_line()}")


def build_enterprise_rollup(
    db_path: Path,
    source_glob: str,
    full_refresh: bool = False,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    threads: int = DEFAULT_THREADS,
    say: Callable[[str], None] = quiet,
    run_dir: Path | None = None,
) -> RollupRun:
    """`dbt build` of the enterprise models into db_path, reading the Parquet files matched by source_glob."""
    if not glob.glob(source_glob):
        raise NhtzError(f"enterprise source {source_glob}: no Parquet files match")
    run_dir = Path(run_dir or tempfile.mkdtemp(prefix="nhtz-enterprise-dbt-"))
    command = [
        "build",
        "--select", *ENTERPRISE_SELECTION,
        # only tests whose every parent is selected: the core models' tests on the same seeds stay out
        "--indirect-selection", "cautious",
        *(["--full-refresh"] if full_refresh else []),
    ]
    say(f"dbt build of the enterprise roll-up ({'full refresh' if full_refresh else 'incremental'}) -> {db_path}")
    workspace = rollup_workspace(db_path, run_dir, memory_limit, threads)
    run = dbt_runner.invoke(workspace, command, vars={"enterprise_source": source_glob})
    if not run.success:
        raise NhtzError(f"enterprise roll-up: {run.failure_line()}")
    summary = run.summary()
    return RollupRun(
        Path(db_path), full_refresh, summary.models + summary.seeds, summary.tests + summary.unit_tests,
        summary.elapsed_seconds,
    )
