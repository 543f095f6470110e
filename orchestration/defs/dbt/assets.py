"""The dbt models as assets: one `dbt build` per run, grouped by layer, downstream of the landed submissions."""

import time
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets
from dagster_dbt.errors import DagsterDbtCliRuntimeError

from nhtz import dbt_runner
from nhtz.build import plan_build, record_build
from orchestration.defs.dbt.resources import dbt_on_workspace, nhtz_dbt_project
from orchestration.defs.ingestion.assets import LANDED_SUBMISSIONS
from orchestration.defs.partitions import quarterly_partitions
from orchestration.defs.resources import WAREHOUSE_POOL, NhtzHomeResource, failures_for_people


def dbt_failure_line(error: DagsterDbtCliRuntimeError, run_results: dict | None = None) -> str:
    """The failed node and dbt's first error line from the run's results, else the error's own first reason."""
    return dbt_runner.failure_line(run_results, str(error))


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
    # the same plan as `nhtz build`: incremental park-level models, or a full refresh and why; nothing landed, no build
    with failures_for_people():
        plan = plan_build(home)
    workspace = dbt_runner.home_workspace(home)
    # Artifacts per home, in one folder: runs are one at a time (dagster.yaml), and dbt's partial parse state
    # carries over from run to run. The results of an earlier run must not be read as this one's.
    workspace.forget_results(workspace.dagster_target_dir)
    context.log.info(f"full refresh: {plan.why_full_refresh}" if plan.full_refresh else "incremental build")
    started = time.perf_counter()
    invocation = dbt_on_workspace(dbt, workspace).cli(
        [*plan.cli_arguments(subset=context.is_subset), *workspace.subprocess_flags()],
        context=context,
        target_path=workspace.dagster_target_dir,
    )
    try:
        yield from invocation.stream()
    except DagsterDbtCliRuntimeError as error:
        # the publication gate reads this record: a failed build must never look like the last good one
        run_results = dbt_runner.read_run_results(workspace.dagster_target_dir)
        record_build(home, run_results, time.perf_counter() - started, error=dbt_failure_line(error, run_results),
                     full_refresh=plan.full_refresh, via="dagster")
        raise
    record_build(home, invocation.get_artifact("run_results.json"), time.perf_counter() - started,
                 full_refresh=plan.full_refresh, via="dagster")
