"""Command-line runs shown in Dagster: a sensor turns each new run record of the home into asset events.

The `nhtz` commands know nothing of Dagster: they write their typed run records (nhtz.state) as they always
do. This sensor reads the last record of each kind, and a record it has not reported yet becomes the asset
events a Dagster run of that step would have emitted (orchestration/defs/cli_runs/events.py). Dagster's sensor
daemon writes them into the instance (`SensorResult.asset_events`), so the UI shows the assets materialised.

Idempotent: the cursor holds a fingerprint of the last record reported of each kind, so a record is reported
once however often the sensor runs. Records the Dagster assets themselves wrote (they call the same library
functions) are the run's own: the run has reported its events, so such a record is only marked seen. A build
record says so itself (`via`); for the others, a record written while a run of this instance was going is
that run's.
"""

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import dagster as dg

from nhtz import state
from nhtz.errors import NhtzError
from nhtz.home import Home
from nhtz.quarters import quarter_range
from orchestration.defs.cli_runs.events import build_events, check_events, ingest_events, publish_events
from orchestration.defs.dbt.assets import nhtz_dbt_models
from orchestration.defs.partitions import (
    ANALYSIS_TIMEZONE,
    FIRST_QUARTER,
    partition_of_quarter,
    quarter_just_ended,
    today_in_beijing,
)
from orchestration.defs.resources import NhtzHomeResource

# the kinds of record, in the order a quarterly run writes them, and the field that says when
RECORD_KINDS = {
    "ingest": (state.IngestRecord, "at"),
    "build": (state.BuildRecord, "finished_at"),
    "check": (state.CheckRecord, "checked_at"),
    "publish": (state.PublishRecord, "published_at"),
}
IN_PROGRESS = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]
# slack around a record's time when matching it with a run's start and end
CLOCK_SLACK = timedelta(seconds=1)


def read_records(home: Home, log) -> dict[str, object]:
    """The last record of each kind the home has; one this nhtz cannot read is left out with a warning."""
    records = {}
    for kind, (record_type, _) in RECORD_KINDS.items():
        try:
            record = state.last(home, record_type)
        except NhtzError as error:
            log.warning(str(error))
            continue
        if record is not None:
            records[kind] = record
    return records


def recorded_at(kind: str, record) -> datetime:
    return getattr(record, RECORD_KINDS[kind][1])


def fingerprint(record) -> str:
    content = json.dumps(dataclasses.asdict(record), sort_keys=True, default=str)
    return hashlib.sha256(content.encode()).hexdigest()[:16]


def written_during_a_dagster_run(instance: dg.DagsterInstance, at: datetime) -> bool:
    """True when a run of this instance was going at `at`."""
    earliest, latest = at - CLOCK_SLACK, at + CLOCK_SLACK
    runs = [
        *instance.get_run_records(filters=dg.RunsFilter(updated_after=earliest)),  # ended (or began) since
        *instance.get_run_records(filters=dg.RunsFilter(statuses=IN_PROGRESS)),
    ]
    now = datetime.now(timezone.utc).timestamp()
    for run in runs:
        started = run.start_time or run.create_timestamp.timestamp()
        ended = run.end_time or now
        if started <= latest.timestamp() and ended >= earliest.timestamp():
            return True
    return False


def made_by_dagster(instance: dg.DagsterInstance, kind: str, record) -> bool:
    if kind == "build":
        return record.via == "dagster"
    return written_during_a_dagster_run(instance, recorded_at(kind, record))


def analysed_quarter(records: Mapping[str, object]) -> str:
    """The quarter the command-line run stands for, as a Dagster run of the job names its partition.

    The gate's quarter when the last check checked the last build (`nhtz run QUARTER` checks QUARTER);
    otherwise the quarter that had last ended when the newest record was written, the one a Dagster run
    started then would analyse.
    """
    check, build = records.get("check"), records.get("build")
    checked_build = check.build.invocation_id if check and check.build else None
    if check and check.quarter and (build is None or build.invocation_id == checked_build):
        return check.quarter
    newest = max(recorded_at(kind, record) for kind, record in records.items())
    return quarter_just_ended(newest.astimezone(ZoneInfo(ANALYSIS_TIMEZONE)).date())


def partition_for(quarter: str) -> str | None:
    """The partition of `quarter`; None for one Dagster has no partition for (not ended yet, before 2019Q1)."""
    if quarter not in quarter_range(FIRST_QUARTER, quarter_just_ended(today_in_beijing())):
        return None
    return partition_of_quarter(quarter)


def events_for(kind: str, record, partition: str | None) -> list:
    if kind == "ingest":
        return ingest_events(record, partition)
    if kind == "build":
        return build_events(record, partition, nhtz_dbt_models.keys)
    if kind == "check":
        return check_events(record, partition)
    return publish_events(record, partition)


def report_cli_runs(context: dg.SensorEvaluationContext, home: Home) -> dg.SensorResult | dg.SkipReason:
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    records = read_records(home, context.log)
    new = {kind: record for kind, record in records.items() if seen.get(kind) != fingerprint(record)}
    if not new:
        return dg.SkipReason(f"no new command-line runs in {home.state}")
    partition = partition_for(analysed_quarter(records))
    events, reported, left = [], [], []
    for kind, record in sorted(new.items(), key=lambda item: recorded_at(*item)):
        if made_by_dagster(context.instance, kind, record):
            left.append(kind)
            continue
        events += events_for(kind, record, partition)
        reported.append(kind)
    cursor = json.dumps({**seen, **{kind: fingerprint(record) for kind, record in new.items()}}, sort_keys=True)
    # the tick starts no run, so Dagster lists it as skipped: the reason says what it did instead
    said = [f"reported the command line's {', '.join(reported)} as {len(events)} asset events"] if reported else []
    if left:
        said.append(f"{', '.join(left)} left to the Dagster {'runs' if len(left) > 1 else 'run'} that wrote "
                    f"{'them' if len(left) > 1 else 'it'}")
    return dg.SensorResult(asset_events=events, cursor=cursor, skip_reason="; ".join(said))


@dg.sensor(
    name="cli_runs_sensor",
    minimum_interval_seconds=30,
    # it only reports what the command line did: it starts no run and writes nothing to the warehouse
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="命令行运行（nhtz ingest/build/check/publish/run）的记录显示为资产物化与检查结果。",
)
def cli_runs_sensor(context: dg.SensorEvaluationContext, nhtz_home: NhtzHomeResource):
    return report_cli_runs(context, nhtz_home.find_home())
