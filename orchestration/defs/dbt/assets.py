"""The dbt models as assets: one `dbt build` per run, grouped by layer, downstream of the landed submissions.

The build is `nhtz.build.build`, in this process, as `nhtz build` runs it: the same plan (incremental park-level
models, or a full refresh and why), the same one runner (`nhtz.dbt_runner`), the same parsed project and record.
Dagster names what to build (every node of the assets it asked for, their tests with them); once dbt has finished,
each asset built is materialised with the build's identity, and each dbt test Dagster checks reports its result.
A failed build is one line naming the node and dbt's first error, recorded for the publication gate."""

import json
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, dbt_assets

from nhtz.build import BuildResult, build
from orchestration.defs.dbt.resources import nhtz_dbt_project
from orchestration.defs.ingestion.assets import LANDED_SUBMISSIONS
from orchestration.defs.metadata import BUILD_IDENTITY, build_metadata
from orchestration.defs.partitions import quarterly_partitions
from orchestration.defs.resources import WAREHOUSE_POOL, NhtzHomeResource, failures_for_people

# dbt's statuses of a node that did its work, and of a test that passed
BUILT = "success"
PASSED = "pass"
WARNED = "warn"


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


@cache
def dbt_manifest() -> Mapping[str, Any]:
    return json.loads(nhtz_dbt_project().manifest_path.read_text(encoding="utf-8"))


def asset_key_of(unique_id: str) -> dg.AssetKey:
    return nhtz_dbt_translator.get_asset_key(dbt_manifest()["nodes"][unique_id])


def check_key_of(test_unique_id: str) -> dg.AssetCheckKey | None:
    """The check a dbt test is in Dagster, as dagster-dbt makes them: named as the test, on the node it is attached to
    (a generic test's model, or a singular test's one model); a test reading several models is no check."""
    test = dbt_manifest()["nodes"][test_unique_id]
    parents = set(test["depends_on"]["nodes"])
    attached = test.get("attached_node") or (next(iter(parents)) if len(parents) == 1 else None)
    if attached is None or attached not in dbt_manifest()["nodes"]:
        return None
    return dg.AssetCheckKey(asset_key=asset_key_of(attached), name=test["name"])


def dbt_selection(context: dg.AssetExecutionContext) -> tuple[str, ...]:
    """What dbt builds for the assets Dagster asked for: every node, or the chosen models, seeds and tests by name
    (unique within the project). A chosen model brings its tests along, as dbt's build selects them."""
    if not context.is_subset:
        return ("fqn:*",)
    asked = set(context.selected_asset_keys)
    checks = set(context.selected_asset_check_keys)
    names = []
    for unique_id, node in dbt_manifest()["nodes"].items():
        if node["resource_type"] == "test":
            if check_key_of(unique_id) in checks:
                names.append(node["name"])
        elif node["resource_type"] in ("model", "seed", "snapshot") and asset_key_of(unique_id) in asked:
            names.append(node["name"])
    return tuple(sorted(names))


def dbt_run_events(
    context: dg.AssetExecutionContext, result: BuildResult
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """Each asset Dagster asked for that dbt built, in the order dbt finished them (a node after every node it
    reads, the order Dagster wants), with the build's metadata; each asked-for check whose test ran, with its
    result."""
    asked, checks = set(context.selected_asset_keys), set(context.selected_asset_check_keys)
    metadata = build_metadata(result.record)
    for unique_id, status in result.node_statuses.items():
        if unique_id.startswith("test."):
            key = check_key_of(unique_id)
            if key in checks:
                yield dg.AssetCheckResult(
                    asset_key=key.asset_key,
                    check_name=key.name,
                    passed=status == PASSED,
                    severity=dg.AssetCheckSeverity.WARN if status == WARNED else dg.AssetCheckSeverity.ERROR,
                    metadata={BUILD_IDENTITY: result.record.invocation_id, "status": status},
                )
        elif unique_id in dbt_manifest()["nodes"] and status == BUILT and asset_key_of(unique_id) in asked:
            yield dg.MaterializeResult(asset_key=asset_key_of(unique_id), metadata=metadata)


@dbt_assets(
    manifest=nhtz_dbt_project().manifest_path,
    project=nhtz_dbt_project(),
    dagster_dbt_translator=nhtz_dbt_translator,
    partitions_def=quarterly_partitions,
    # dbt rebuilds the whole warehouse, whatever the quarter: a backfill of many quarters builds once.
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
)
def nhtz_dbt_models(context: dg.AssetExecutionContext, nhtz_home: NhtzHomeResource):
    home = nhtz_home.get_home()
    # nothing landed, or a failed build: one line, no traceback (the build has recorded it for the gate)
    with failures_for_people():
        result = build(
            home, say=context.log.info, selection=dbt_selection(context), subset=context.is_subset, via="dagster"
        )
    yield from dbt_run_events(context, result)
