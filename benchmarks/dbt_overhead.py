"""dbt's cost over the SQL it runs: the compiled models executed straight in DuckDB, in dependency order."""

import json
import shutil
import tempfile
import time
from functools import cache
from pathlib import Path

from benchmarks.harness import Results
from nhtz.db import connect
from nhtz.home import Home

MART_MODELS = ("national_quarter", "park_ranking", "park_growth_contribution")


def _models_in_order(manifest: dict) -> list[dict]:
    models = {k: v for k, v in manifest["nodes"].items() if v["resource_type"] == "model"}
    ordered, seen = [], set()

    def visit(key):
        if key in seen or key not in models:
            return
        seen.add(key)
        for parent in models[key]["depends_on"]["nodes"]:
            visit(parent)
        ordered.append(models[key])

    for key in sorted(models):
        visit(key)
    return ordered


def direct_sql_floor(results: Results, home: Home, workdir: Path, say) -> None:
    """Run each model's compiled select as `create or replace table/view` on a copy of the built database, once (the
    pipeline runs it after each repeat's build)."""
    target = full_build_target(home)
    models = _models_in_order(project_manifest(home))
    say("direct-SQL floor")
    # same file name as the working database: the compiled SQL names its catalog ("nhtz")
    copy = workdir / "floor" / home.working_db.name
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(home.working_db, copy)
    # written as the build writes (nhtz.db.connect: the same row-group size), so the floor reads the same layout
    with connect(copy) as con:
        started = time.perf_counter()
        marts_seconds = 0.0
        for node in models:
            compiled = (target / "compiled" / node["package_name"] / node["original_file_path"]).read_text()
            kind = "view" if node["config"]["materialized"] == "view" else "table"
            node_started = time.perf_counter()
            con.execute(f'create or replace {kind} "{node["schema"]}"."{node["alias"]}" as {compiled}')
            if node["name"] in MART_MODELS:
                marts_seconds += time.perf_counter() - node_started
        results.add("floor: compiled models run straight in DuckDB", time.perf_counter() - started)
        results.add("floor: the same three marts' SQL straight in DuckDB", marts_seconds)
    copy.unlink()


def full_build_target(home: Home) -> Path:
    """The dbt target folder of the home's last build, which must have been a full one: an incremental build's
    compiled SQL covers only the quarters it reprocessed (docs/incremental.md), not the whole warehouse."""
    from nhtz import state
    from nhtz.dbt_runner import home_workspace
    from nhtz.state import BuildRecord

    record = state.last(home, BuildRecord)
    if record is None or not record.full_refresh:
        raise SystemExit(f"the last build of {home.root} was incremental: run nhtz build --full-refresh there first")
    return home_workspace(home).target_dir


def project_manifest(home: Home) -> dict:
    """The project's graph (models, their order and paths), from `dbt parse` in a scratch workspace: a build writes no
    manifest.json (nhtz.dbt_runner.invoke, artifacts=False), and a run in the home's own workspace would remove the
    build's run results. What the graph depends on besides the project is the database's catalog, its file's name
    (parsing opens no database), so it is parsed once for every home of a run, for the floor and the marts alike."""
    return _parsed_graph(home.working_db.name)


@cache
def _parsed_graph(database_file_name: str) -> dict:
    from nhtz import dbt_runner

    with tempfile.TemporaryDirectory(prefix="nhtz-parse-") as scratch:
        workspace = dbt_runner.DbtWorkspace(db_path=Path(scratch) / database_file_name, folder=Path(scratch))
        run = dbt_runner.invoke(workspace, ["parse"])
        if not run.success:
            raise SystemExit(f"dbt could not parse the project for {database_file_name}: {run.failure_line()}")
        return dbt_runner.read_manifest(workspace.target_dir)


def compiled_selects(home: Home, names: tuple[str, ...]) -> dict[str, str]:
    """The compiled select of each named model in the last (full) build, in the order given."""
    target = full_build_target(home)
    nodes = {node["name"]: node for node in _models_in_order(project_manifest(home))}
    return {
        name: (target / "compiled" / nodes[name]["package_name"] / nodes[name]["original_file_path"]).read_text()
        for name in names
    }


def dbt_model_seconds(home: Home, names: tuple[str, ...]) -> float:
    """Execution time dbt itself reports for the named models in the last build."""
    from nhtz.dbt_runner import home_workspace

    run_results = json.loads((home_workspace(home).target_dir / "run_results.json").read_text())
    return sum(r["execution_time"] for r in run_results["results"] if r["unique_id"].split(".")[-1] in names)
