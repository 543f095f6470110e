"""Landing: every submission file under HOME/landing/ into raw.observations, the ingest log and quarantine."""

import dagster as dg

from nhtz.ingest import land_paths
from orchestration.defs.partitions import quarterly_partitions
from orchestration.defs.resources import WAREHOUSE_POOL, NhtzHomeResource, failures_for_people

LANDED_SUBMISSIONS = dg.AssetKey("landed_submissions")


def landing_metadata(results) -> dict:
    """What a person wants to see about a landing: how many files and rows, and which files were refused why."""
    landed = [r for r in results if r.status == "landed"]
    refused = [r for r in results if r.status == "refused"]
    skipped = [r for r in results if r.status == "skipped"]
    table = "\n".join(
        ["| file | status | read | landed | quarantined |", "|---|---|---|---|---|"]
        + [f"| {r.file_name} | {r.status} | {r.rows_read} | {r.rows_landed} | {r.rows_quarantined} |" for r in results]
    )
    return {
        "files_landed": len(landed),
        "files_already_landed": len(skipped),
        "files_refused": len(refused),
        "rows_read": sum(r.rows_read for r in landed),
        "rows_landed": sum(r.rows_landed for r in landed),
        "rows_quarantined": sum(r.rows_quarantined for r in landed),
        "refused": dg.MetadataValue.md("\n".join(f"- {r.describe()}" for r in refused) or "none"),
        "files": dg.MetadataValue.md(table),
    }


@dg.asset(
    key=LANDED_SUBMISSIONS,
    group_name="ingestion",
    description="入库：落地文件夹中的报送文件写入 raw.observations、audit.ingest_log 与 audit.quarantine（按内容哈希幂等）。",
    partitions_def=quarterly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
    kinds={"python", "duckdb"},
)
def landed_submissions(context: dg.AssetExecutionContext, nhtz_home: NhtzHomeResource) -> dg.MaterializeResult:
    home = nhtz_home.get_home()
    with failures_for_people():
        results = land_paths(home, [home.landing], say=context.log.info)
    refused = [r for r in results if r.status == "refused"]
    for result in refused:
        # a refused file lands nothing and stops nothing: the other files and the run go on (docs/methodology.md)
        context.log.warning(result.describe())
    return dg.MaterializeResult(metadata=landing_metadata(results))
