"""Feedback to the parks: the audit findings of each quarter of the run, one sheet per park to correct or explain."""

import dagster as dg

from nhtz.report.feedback import write_park_feedback
from orchestration.defs.partitions import quarterly_partitions, run_quarters
from orchestration.defs.publish.assets import SERVING_COPY
from orchestration.defs.quality.checks import AUDIT_FINDINGS
from orchestration.defs.resources import WAREHOUSE_POOL, NhtzHomeResource, failures_for_people


@dg.asset(
    group_name="report",
    # after publication, as `nhtz run` does it: parks are asked about the figures that were published
    deps=[AUDIT_FINDINGS, SERVING_COPY],
    description="审核反馈：每个季度一份工作簿，每个有审核问题的园区一张表，供园区更正或说明。",
    partitions_def=quarterly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    # reads the working database: a reader too must not meet another run's writer
    pool=WAREHOUSE_POOL,
    kinds={"python", "excel"},
)
def park_feedback(context: dg.AssetExecutionContext, nhtz_home: NhtzHomeResource) -> dg.MaterializeResult:
    home = nhtz_home.get_home()
    with failures_for_people():
        written = {q: str(write_park_feedback(home, q, say=context.log.info)) for q in run_quarters(context)}
    last = run_quarters(context)[-1]
    return dg.MaterializeResult(
        metadata={"workbooks": dg.MetadataValue.json(written), "workbook": dg.MetadataValue.path(written[last])}
    )
