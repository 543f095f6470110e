"""The dbt project behind the asset graph: its manifest, parsed in this process whenever the project is newer.

The parse is the one a home's builds reuse (`nhtz.dbt_runner.parsed_project`): the Dagster dbt asset builds through
`nhtz.build.build` in the same process, so a run parses nothing again."""

import os
import tempfile
from dataclasses import replace
from functools import cache
from pathlib import Path

from dagster_dbt import DbtProject

from nhtz import dbt_runner
from nhtz.errors import NhtzError
from nhtz.home import Home
from nhtz.project import DBT_PROJECT_DIR, SEEDS_DIR

# The manifest the asset graph is read from, apart from the target folders of the builds.
DAGSTER_TARGET_PATH = Path("target") / "dagster"


def _project_sources(project_dir: Path) -> list[Path]:
    files = [project_dir / "dbt_project.yml"]
    for folder in ("models", "macros", "tests"):
        files += [p for p in (project_dir / folder).rglob("*") if p.is_file()]
    files += [p for p in SEEDS_DIR.rglob("*.csv")]
    return [p for p in files if p.exists()]


def manifest_is_stale(project: DbtProject) -> bool:
    """True when the manifest is missing or older than any model, macro, test or seed it describes."""
    manifest = project.manifest_path
    if not manifest.exists():
        return True
    built_at = manifest.stat().st_mtime
    return any(p.stat().st_mtime > built_at for p in _project_sources(project.project_dir))


def parse_manifest(project: DbtProject) -> None:
    """The project parsed in-process as a home's builds parse it (a home's workspace in a scratch folder: the same
    database name and settings, the same vars), so that a process that goes on to build (a test worker, a run's process) reuses this parse
    (`nhtz.dbt_runner.parsed_project`) instead of parsing the project again. manifest.json is written into a
    scratch folder (parsing opens no database) and moved into place in one rename: code servers and test workers
    that load the definitions at the same time never read a half-written file."""
    target = project.project_dir / project.target_path
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".parse-") as scratch:
        workspace = replace(dbt_runner.home_workspace(Home(Path(scratch))), project_dir=project.project_dir)
        manifest = dbt_runner.parsed_project(workspace, dbt_runner.fingerprinted(None, project.project_dir))
        if manifest is None:  # dbt's own run says why
            run = dbt_runner.invoke(workspace, ["parse"])
            raise NhtzError(f"dbt could not parse {project.project_dir}: {run.failure_line()}")
        manifest.write(str(workspace.target_dir / "manifest.json"))
        os.replace(workspace.target_dir / "manifest.json", project.manifest_path)


@cache
def nhtz_dbt_project() -> DbtProject:
    project = DbtProject(project_dir=DBT_PROJECT_DIR, target_path=DAGSTER_TARGET_PATH)
    # DbtProject's own preparer parses through a `dbt` on PATH and only under `dagster dev`, so tests and
    # `dagster definitions validate` would load a stale or missing manifest: it is parsed here whenever it is
    # missing or older than the project, under `dagster dev` or not, and prepare_if_dev is not used.
    if manifest_is_stale(project):
        parse_manifest(project)
    return project
