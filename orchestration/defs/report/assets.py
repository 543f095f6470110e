"""The quarterly analysis report (Excel workbook and HTML page) of each quarter in the run."""

import dagster as dg

from nhtz.report import write_report
from orchestration.defs.partitions import quarterly_partitions, run_quarters
from orchestration.defs.publish.assets import SERVING_COPY
from orchestration.defs.quarter_facts import quarter_facts
from orchestration.defs.resources import NhtzHomeResource, failures_for_people


@dg.asset(
    group_name="report",
    deps=[SERVING_COPY],
    description="季度经济运行分析报告：Excel 工作簿与带图表的 HTML 页面，读自服务库。",
    partitions_def=quarterly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    kinds={"python", "excel", "html"},
)
def quarterly_report(context: dg.AssetExecutionContext, nhtz_home: NhtzHomeResource):
    home = nhtz_home.get_home()
    written = {}
    for quarter in run_quarters(context):
        with failures_for_people():
            paths = write_report(home, quarter, say=context.log.info)
        written[quarter] = {"xlsx": str(paths.xlsx), "html": str(paths.html)}
    last = run_quarters(context)[-1]
    metadata = {
        "reports": dg.MetadataValue.json(written),
        "html": dg.MetadataValue.path(written[last]["html"]),
        "xlsx": dg.MetadataValue.path(written[last]["xlsx"]),
    }
    metadata.update(quarter_facts(home.serving_db, last))
    return dg.MaterializeResult(metadata=metadata)
