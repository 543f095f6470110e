"""The quarterly schedule: the just-ended quarter is analysed on a set day of the month after it ends."""

import calendar
from datetime import date

import dagster as dg

from nhtz.errors import NhtzError
from nhtz.settings import load_settings
from orchestration.defs.jobs import quarterly_analysis_job
from orchestration.defs.partitions import ANALYSIS_TIMEZONE, quarter_just_ended
from orchestration.defs.resources import NhtzHomeResource

# Every day of the months that follow a quarter end; the day itself comes from the home's nhtz.toml
# (`schedule_day`, default 25) at evaluation time, so changing it needs no redeploy.
MONTHS_AFTER_QUARTER_END = "0 6 * 1,4,7,10 *"


def run_day(schedule_day: int, year: int, month: int) -> int:
    """The configured day, or the month's last day when the month is shorter (30 in April)."""
    if not 1 <= schedule_day <= 31:
        raise NhtzError(f"schedule_day = {schedule_day} in nhtz.toml is not a day of the month (1–31)")
    return min(schedule_day, calendar.monthrange(year, month)[1])


def quarter_due(day: date, schedule_day: int) -> str | None:
    """The quarter a scheduled run on `day` analyses, or None when `day` is not the run day."""
    if day.month not in (1, 4, 7, 10) or day.day != run_day(schedule_day, day.year, day.month):
        return None
    return quarter_just_ended(day)


@dg.schedule(
    job=quarterly_analysis_job,
    cron_schedule=MONTHS_AFTER_QUARTER_END,
    execution_timezone=ANALYSIS_TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="每季度结束后次月的第 schedule_day 日（默认 25 日）分析刚结束的季度。",
)
def quarterly_schedule(context: dg.ScheduleEvaluationContext, nhtz_home: NhtzHomeResource):
    day = context.scheduled_execution_time.date()
    schedule_day = load_settings(nhtz_home.get_home()).schedule_day
    quarter = quarter_due(day, schedule_day)
    if quarter is None:
        return dg.SkipReason(f"{day.isoformat()} is not the run day (day {schedule_day} of Jan/Apr/Jul/Oct)")
    return dg.RunRequest(run_key=f"scheduled-{quarter}", partition_key=quarter, tags={"nhtz/trigger": "schedule"})
