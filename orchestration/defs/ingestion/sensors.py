"""Watches the landing folder: new or changed submission files start a quarterly run."""

import hashlib
import json
from pathlib import Path

import dagster as dg

from nhtz.ingest.submission import submission_files as landing_submissions
from orchestration.defs.automation import sensor_status
from orchestration.defs.jobs import quarterly_analysis_job
from orchestration.defs.partitions import partition_of_quarter, partition_tags, quarter_just_ended, today_in_beijing
from orchestration.defs.resources import NhtzHomeResource

def submission_files(landing: Path) -> dict[str, str]:
    """Every file under the landing folder that ingestion would read, as ingestion lists them (one rule: every
    format it reads, lock and hidden files left out, no link out of the folder followed), with a signature that
    changes when the file does."""
    if not landing.exists():
        return {}
    files = {}
    for submission in landing_submissions([landing]):
        if submission.refusal is None:
            stat = submission.path.stat()
            files[submission.name] = f"{stat.st_mtime_ns}:{stat.st_size}"
    return files


def new_submissions(seen: dict[str, str], current: dict[str, str]) -> list[str]:
    return sorted(name for name, signature in current.items() if seen.get(name) != signature)


def watch_landing(context: dg.SensorEvaluationContext, nhtz_home: NhtzHomeResource):
    landing = nhtz_home.get_home().landing
    current = submission_files(landing)
    if context.cursor is None:
        # The first look only takes stock: files already waiting when the sensor is switched on are the
        # operator's to run by hand, not a surprise run at start-up.
        context.update_cursor(json.dumps(current))
        return dg.SkipReason(f"started watching {landing}: {len(current)} submission files already there")
    arrived = new_submissions(json.loads(context.cursor), current)
    context.update_cursor(json.dumps(current))
    if not arrived:
        return dg.SkipReason(f"no new submission files in {landing} ({len(current)} seen)")
    quarter = quarter_just_ended(today_in_beijing())
    batch = hashlib.sha256(json.dumps({name: current[name] for name in arrived}).encode()).hexdigest()[:16]
    context.log.info(f"{len(arrived)} new submission file(s): {', '.join(arrived[:10])}")
    return dg.RunRequest(
        run_key=f"landing-{batch}",
        partition_key=partition_of_quarter(quarter),
        tags={"nhtz/trigger": "new_submissions", "nhtz/new_files": str(len(arrived)), **partition_tags(quarter)},
    )


def new_submission_sensor(automation: bool = False) -> dg.SensorDefinition:
    @dg.sensor(
        name="new_submission_sensor",
        job=quarterly_analysis_job,
        minimum_interval_seconds=60,
        # off unless nhtz.toml says dagster_automation = true (orchestration/defs/automation.py)
        default_status=sensor_status(automation),
        description="落地文件夹出现新的或修改过的报送文件时，对刚结束的季度运行一次季度分析。",
    )
    def _new_submission_sensor(context: dg.SensorEvaluationContext, nhtz_home: NhtzHomeResource):
        return watch_landing(context, nhtz_home)

    return _new_submission_sensor
