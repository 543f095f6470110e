"""The quarterly analysis job: land → build → check → publish → report, for one quarter or a range of them.

Its partitions (quarters) are those of the assets it selects (orchestration/defs/partitions.py).
"""

import dagster as dg

from orchestration.defs.resources import WRITER_TAG

quarterly_analysis_job = dg.define_asset_job(
    name="quarterly_analysis",
    selection=dg.AssetSelection.all(),
    description="季度经济运行分析：入库、构建、审核、发布、报告。",
    # one such run at a time: orchestration/dagster.yaml limits runs with this tag to one
    tags=WRITER_TAG,
    # one DuckDB file, one writer: every step runs in the run's own process, one after another
    executor_def=dg.in_process_executor,
)
