"""Run the enterprise roll-up models (dbt, in-process) on one DuckDB file, with DuckDB's memory and threads fixed.

The core build (`nhtz.build`) runs the whole project; this runs only the enterprise models and what they
read, with `enterprise_source` set, for the scaling benchmark and the tests.
"""

import glob
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from nhtz.build import failure_line
from nhtz.build import release_database
from nhtz.errors import NhtzError
from nhtz.project import DBT_PROJECT_DIR

# the enterprise models, the seeds they read, and the seed their relationships test compares with
ENTERPRISE_SELECTION = ["+path:models/enterprise", "indicators"]
DEFAULT_MEMORY_LIMIT = "3GB"
DEFAULT_THREADS = 2


def _quiet(_: str) -> None:
    pass


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


def write_profile(folder: Path, db_path: Path, memory_limit: str, threads: int) -> Path:
    """A profiles.yml for one run: the project's `nhtz` profile with DuckDB's own limits set explicitly."""
    folder.mkdir(parents=True, exist_ok=True)
    profile = {
        "nhtz": {
            "target": "working",
            "outputs": {
                "working": {
                    "type": "duckdb",
                    "path": str(db_path),
                    "threads": threads,
                    "settings": {"memory_limit": memory_limit, "threads": threads, "preserve_insertion_order": False},
                }
            },
        }
    }
    # JSON is YAML: no need for a YAML writer
    (folder / "profiles.yml").write_text(json.dumps(profile, ensure_ascii=False, indent=2), encoding="utf-8")
    return folder


def _dbt_args(command: str, db_path: Path, source_glob: str, run_dir: Path, memory_limit: str, threads: int) -> list:
    profiles = write_profile(run_dir / "profiles", Path(db_path).resolve(), memory_limit, threads)
    return [
        command,
        "--project-dir", str(DBT_PROJECT_DIR),
        "--profiles-dir", str(profiles),
        # a target folder of its own: other builds may be running on the same project at the same time;
        # kept between runs so that dbt's partial parsing applies when the vars and the profile stay the same
        "--target-path", str(run_dir / "target"),
        "--log-path", str(run_dir / "logs"),
        "--vars", json.dumps({"enterprise_source": source_glob}),
        "--quiet",
        "--no-version-check",
        "--no-send-anonymous-usage-stats",
    ]


def _invoke(args: list):
    from dbt.cli.main import dbtRunner

    try:
        return dbtRunner().invoke(args)
    finally:
        # the same release as the core build: dbt-duckdb would otherwise keep the file open in this process
        release_database()


def parse_enterprise_project(
    db_path: Path, source_glob: str, run_dir: Path, memory_limit: str = DEFAULT_MEMORY_LIMIT,
    threads: int = DEFAULT_THREADS,
) -> None:
    """`dbt parse` with the enterprise vars: leaves the partial-parse state that later builds in run_dir reuse."""
    outcome = _invoke(_dbt_args("parse", db_path, source_glob, Path(run_dir), memory_limit, threads))
    if not outcome.success:
        raise NhtzError(f"enterprise roll-up: {failure_line(outcome)}")


def build_enterprise_rollup(
    db_path: Path,
    source_glob: str,
    full_refresh: bool = False,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    threads: int = DEFAULT_THREADS,
    say: Callable[[str], None] = _quiet,
    run_dir: Path | None = None,
) -> RollupRun:
    """`dbt build` of the enterprise models into db_path, reading the Parquet files matched by source_glob."""
    if not glob.glob(source_glob):
        raise NhtzError(f"enterprise source {source_glob}: no Parquet files match")
    run_dir = Path(run_dir or tempfile.mkdtemp(prefix="nhtz-enterprise-dbt-"))
    args = _dbt_args("build", db_path, source_glob, run_dir, memory_limit, threads) + [
        "--select", *ENTERPRISE_SELECTION,
        # only tests whose every parent is selected: the core models' tests on the same seeds stay out
        "--indirect-selection", "cautious",
    ]
    if full_refresh:
        args.append("--full-refresh")
    say(f"dbt build of the enterprise roll-up ({'full refresh' if full_refresh else 'incremental'}) -> {db_path}")
    outcome = _invoke(args)
    if not outcome.success:
        raise NhtzError(f"enterprise roll-up: {failure_line(outcome)}")
    results = outcome.result.results
    models = sum(1 for r in results if r.node.resource_type in ("model", "seed"))
    tests = sum(1 for r in results if r.node.resource_type in ("test", "unit_test"))
    return RollupRun(Path(db_path), full_refresh, models, tests, outcome.result.elapsed_time)
