"""The dbt project, built once per process, and the dbt command-line resource that runs it."""

import os
import shutil
import sys
import tempfile
from functools import cache
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject, DbtProjectPreparer
from dagster_shared.record import replace
from dbt.cli.main import dbtRunner

from nhtz.errors import NhtzError
from nhtz.project import DBT_PROJECT_DIR, SEEDS_DIR

# Dagster's own artifacts go beside, not into, the target folder that `nhtz build` uses, so the two fronts
# never overwrite each other's manifest.
DAGSTER_TARGET_PATH = Path("target") / "dagster"


def _project_sources(project_dir: Path) -> list[Path]:
    files = [project_dir / "dbt_project.yml", project_dir / "profiles.yml"]
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


class ParseWhenStale(DbtProjectPreparer):
    """Parses the project whenever the manifest is missing or stale, under `dagster dev` or not.

    The parse writes into a scratch folder and moves manifest.json into place in one rename, so code
    servers and test workers that load the definitions at the same time never read a half-written file.
    """

    def prepare_if_dev(self, project: DbtProject) -> None:
        if self.using_dagster_dev() or manifest_is_stale(project):
            self.prepare(project)

    def prepare(self, project: DbtProject) -> None:
        target = project.project_dir / project.target_path
        target.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".parse-") as scratch:
            outcome = dbtRunner().invoke(
                [
                    "parse",
                    "--quiet",
                    "--project-dir", str(project.project_dir),
                    "--profiles-dir", str(project.profiles_dir),
                    "--target-path", scratch,
                    "--log-path", scratch,
                ]
            )
            if not outcome.success:
                why = " ".join(str(outcome.exception or "see the dbt log").split())
                raise NhtzError(f"dbt could not parse {project.project_dir}: {why}")
            os.replace(Path(scratch) / "manifest.json", project.manifest_path)


@cache
def nhtz_dbt_project() -> DbtProject:
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR, target_path=DAGSTER_TARGET_PATH)
    # DbtProject takes no preparer argument; its default one needs `dbt` on PATH and parses only under
    # `dagster dev`, so tests and `dagster definitions validate` would load a stale or missing manifest.
    project = replace(project, preparer=ParseWhenStale())
    project.prepare_if_dev()
    return project


def dbt_executable() -> str:
    """`dbt` from PATH, else the one installed beside this Python (a virtualenv that is not activated)."""
    return shutil.which("dbt") or str(Path(sys.executable).parent / "dbt")


def dbt_cli_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=nhtz_dbt_project(), dbt_executable=dbt_executable())
