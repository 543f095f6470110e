"""The dbt models as assets: one `dbt build` per run, grouped by layer, downstream of the landed submissions."""

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets
from dagster_dbt.errors import DagsterDbtCliRuntimeError

from nhtz import state
from nhtz.build import require_landed_values
from nhtz.build import working_db_env
from nhtz.build import dbt_target_dir
from nhtz.home import Home
from orchestration.defs.dbt.resources import nhtz_dbt_project
from orchestration.defs.ingestion.assets import LANDED_SUBMISSIONS
from orchestration.defs.partitions import quarterly_partitions
from orchestration.defs.resources import WAREHOUSE_POOL, NhtzHomeResource, failures_for_people


def dagster_target_dir(home: Home) -> Path:
    """Beside `nhtz build`'s target folder in the same home, so neither overwrites the other's state."""
    return dbt_target_dir(home).parent / "dagster"


def dbt_failure_line(error: DagsterDbtCliRuntimeError) -> str:
    """The first error dbt logged (dagster-dbt lists them under a heading), else the error's first line."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    heading = "Errors parsed from dbt logs:"
    if heading in lines and lines.index(heading) + 1 < len(lines):
        return lines[lines.index(heading) + 1]
    return lines[0] if lines else "dbt build failed"


class NhtzDbtTranslator(DagsterDbtTranslator):
    """Keys read like the tables (`marts/fct_park_quarter`), groups are the layers, and every dbt source
    (raw.observations and the ingest log and quarantine) is what `landed_submissions` writes."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return LANDED_SUBMISSIONS
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        # models/<layer>/...: staging, intermediate, audit, marts (and enterprise when it is switched on)
        fqn = dbt_resource_props["fqn"]
        return fqn[1] if len(fqn) > 2 else "dbt"


nhtz_dbt_translator = NhtzDbtTranslator(
    # three sources map to the one asset that lands them
    settings=DagsterDbtTranslatorSettings(enable_duplicate_source_asset_keys=True)
)


@dbt_assets(
    manifest=nhtz_dbt_project().manifest_path,
    project=nhtz_dbt_project(),
    dagster_dbt_translator=nhtz_dbt_translator,
    partitions_def=quarterly_partitions,
    # dbt rebuilds the whole warehouse, whatever the quarter: a backfill of many quarters builds once.
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
)
def nhtz_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, nhtz_home: NhtzHomeResource):
    home = nhtz_home.get_home()
    with failures_for_people():
        require_landed_values(home)
    started = time.perf_counter()
    try:
        with working_db_env(home):
            # Artifacts per home, in one folder: runs are one at a time (dagster.yaml), and dbt's partial
            # parse state carries over from run to run.
            yield from dbt.cli(["build"], context=context, target_path=dagster_target_dir(home)).stream()
    except DagsterDbtCliRuntimeError as error:
        # the publication gate reads this record: a failed build must never look like the last good one
        state.record(home, "build", status="failed", error=dbt_failure_line(error), via="dagster")
        raise
    state.record(
        home, "build", status="ok", via="dagster", run_id=context.run.run_id, seconds=round(time.perf_counter() - started, 1)
    )
