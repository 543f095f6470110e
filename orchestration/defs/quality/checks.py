"""Quality as asset checks: the publication gate blocks what is published; audit findings are counted."""

import dagster as dg

from data_quality.gate import check as run_gate
from data_quality.gate import count_findings
from nhtz.db import connect
from orchestration.defs.partitions import run_quarters
from orchestration.defs.resources import WAREHOUSE_POOL, NhtzHomeResource, failures_for_people

FCT_PARK_QUARTER = dg.AssetKey(["marts", "fct_park_quarter"])
AUDIT_FINDINGS = dg.AssetKey(["audit", "findings"])


def gate_metadata(result) -> dict:
    table = "\n".join(
        ["| check | passed | blocking | detail |", "|---|---|---|---|"]
        + [f"| {c.name} | {'yes' if c.passed else 'NO'} | {'yes' if c.blocking else 'no'} | {c.detail} |"
           for c in result.checks]
    )
    metadata = {
        "checks": dg.MetadataValue.md(table),
        "failed_checks": ", ".join(result.failed_checks) or "none",
        "build": result.build.invocation_id if result.build else "none",
    }
    if result.coverage is not None:
        metadata["coverage_quarter"] = result.coverage.quarter
        metadata["parks_reported"] = result.coverage.n_reported
        metadata["parks_active"] = result.coverage.n_active
    return metadata


def gated_quarter(context: dg.AssetCheckExecutionContext) -> str | None:
    """The quarter whose coverage the gate measures, as `nhtz run QUARTER` does: the run's quarter (the last of a
    backfill range); a run without a partition measures the latest quarter in the data."""
    if not (context.has_partition_key or context.has_partition_key_range):
        return None
    return run_quarters(context)[-1]


@dg.asset_check(
    asset=FCT_PARK_QUARTER,
    name="publication_gate",
    description="发布门槛：构建完成、数据契约与期望、全国 = Σ园区、地区合计 = 全国、园区维表完整。失败则不发布。",
    blocking=True,
    pool=WAREHOUSE_POOL,
)
def publication_gate(context: dg.AssetCheckExecutionContext, nhtz_home: NhtzHomeResource) -> dg.AssetCheckResult:
    with failures_for_people():
        result = run_gate(nhtz_home.get_home(), quarter=gated_quarter(context), say=context.log.info)
    if not result.passed:
        context.log.error(result.describe())
    return dg.AssetCheckResult(passed=result.passed, metadata=gate_metadata(result))


@dg.asset_check(
    asset=AUDIT_FINDINGS,
    name="no_error_findings",
    description="审核规则：最新季度有 error 级审核问题的园区值不进入汇总，需园区更正（不阻止发布）。",
    blocking=False,
    pool=WAREHOUSE_POOL,
)
def no_error_findings(context: dg.AssetCheckExecutionContext, nhtz_home: NhtzHomeResource) -> dg.AssetCheckResult:
    home = nhtz_home.get_home()
    with connect(home.working_db, read_only=True) as con:
        latest = con.execute("select max(quarter) from audit.findings").fetchone()[0]
        findings, all_quarters = count_findings(con, latest)
    return dg.AssetCheckResult(
        passed=findings.get("error", 0) == 0,
        # a park's bad value is the park's to correct, not a reason to hold the national figures back
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "latest_quarter": latest or "none",
            "findings_error": findings.get("error", 0),
            "findings_warning": findings.get("warning", 0),
            "all_quarters": dg.MetadataValue.json(all_quarters),
        },
    )
