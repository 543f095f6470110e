"""Publication: the checked working database becomes the serving copy that readers and BI tools open."""

import dagster as dg

from nhtz.publish import publish
from orchestration.defs.dbt.assets import nhtz_dbt_models
from orchestration.defs.partitions import quarterly_partitions, run_quarters
from orchestration.defs.quarter_facts import quarter_facts
from orchestration.defs.resources import WAREHOUSE_POOL, NhtzHomeResource, failures_for_people

# What is published: every mart and the audit findings (nhtz.publish.published_tables). Depending on all of
# them puts the blocking publication gate on fct_park_quarter upstream of this asset.
PUBLISHED_SCHEMAS = ("marts", "audit")
SERVING_COPY = dg.AssetKey("serving_copy")


class PublishConfig(dg.Config):
    allow_partial: bool = False
    """Publish even when fewer active parks reported than the minimum share (nhtz.toml `min_coverage`)."""


@dg.asset(
    key=SERVING_COPY,
    group_name="publish",
    deps=[key for key in nhtz_dbt_models.keys if key.path[0] in PUBLISHED_SCHEMAS],
    description="发布：检查通过的工作库原子替换为服务库 serving/nhtz.duckdb，并导出 Parquet。",
    partitions_def=quarterly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
    kinds={"python", "duckdb", "parquet"},
)
def serving_copy(context: dg.AssetExecutionContext, config: PublishConfig, nhtz_home: NhtzHomeResource):
    home = nhtz_home.get_home()
    with failures_for_people():
        result = publish(home, allow_partial=config.allow_partial, say=context.log.info)
    metadata = {
        "publish_id": result.publish_id,
        "published_at": result.published_at,
        "serving_db": dg.MetadataValue.path(str(result.serving_db)),
        "partial": result.partial,
        "table_rows": dg.MetadataValue.json(result.table_rows),
    }
    # the last quarter of the run stands for the run; a backfill's other quarters are in their reports
    metadata.update(quarter_facts(home.serving_db, run_quarters(context)[-1]))
    return dg.MaterializeResult(metadata=metadata)
