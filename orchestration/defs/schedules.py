"""The quarterly schedule: the just-ended quarter is analysed on a set day of the month after it ends.

The day is `schedule_day` in the home's nhtz.toml (default 25), read when the code location loads
(orchestration/definitions.py), so that the schedule's cron string and description in the UI both show it.
"""

import calendar
from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg

from nhtz.errors import NhtzError
from orchestration.defs.automation import schedule_status
from orchestration.defs.jobs import quarterly_analysis_job
from orchestration.defs.partitions import (
    ANALYSIS_TIMEZONE,
    partition_of_quarter,
    partition_tags,
    quarter_just_ended,
    today_in_beijing,
)

MONTHS_AFTER_QUARTER_END = (1, 4, 7, 10)
RUN_HOUR = 6
# Any year will do: January, April, July and October have the same length in every year.
A_YEAR = 2001


def run_day(schedule_day: int, year: int, month: int) -> int:
    """The configured day, or the month's last day when the month is shorter (30 in April)."""
    if not 1 <= schedule_day <= 31:
        raise NhtzError(f"schedule_day = {schedule_day} in nhtz.toml is not a day of the month (1–31)")
    return min(schedule_day, calendar.monthrange(year, month)[1])


def schedule_crons(schedule_day: int) -> list[str]:
    """Cron strings that fire at 06:00 on the run day of each month after a quarter end.

    One string when the day exists in all four months; day 31 needs a second one for 30 April.
    """
    months_by_day: dict[int, list[int]] = {}
    for month in MONTHS_AFTER_QUARTER_END:
        months_by_day.setdefault(run_day(schedule_day, A_YEAR, month), []).append(month)
    return [f"0 {RUN_HOUR} {day} {','.join(map(str, months))} *" for day, months in months_by_day.items()]


def schedule_description(schedule_day: int) -> str:
    one_day = len(schedule_crons(schedule_day)) == 1
    shorter, shorter_zh = ("", "") if one_day else (" (30 in April)", "（4 月为 30 日）")
    return (
        f"每季度结束后次月 {schedule_day} 日{shorter_zh} {RUN_HOUR:02d}:00（北京时间）分析刚结束的季度。"
        f"Day {schedule_day}{shorter} of the month after each quarter end, {RUN_HOUR:02d}:00 Beijing time "
        f"(configurable: schedule_day in nhtz.toml; reload the code location after changing it)."
    )


def quarter_due(when: datetime | None) -> str:
    """The quarter a scheduled run at `when` analyses: the last one that ended (now, when tried by hand)."""
    if when is None:
        return quarter_just_ended(today_in_beijing())
    beijing = ZoneInfo(ANALYSIS_TIMEZONE)
    # a time without a zone is read as Beijing time, the schedule's own
    return quarter_just_ended((when.astimezone(beijing) if when.tzinfo else when).date())


def quarterly_schedule(schedule_day: int, automation: bool = False) -> dg.ScheduleDefinition:
    crons = schedule_crons(schedule_day)

    @dg.schedule(
        name="quarterly_schedule",
        job=quarterly_analysis_job,
        cron_schedule=crons[0] if len(crons) == 1 else crons,
        execution_timezone=ANALYSIS_TIMEZONE,
        # off unless nhtz.toml says dagster_automation = true (orchestration/defs/automation.py)
        default_status=schedule_status(automation),
        description=schedule_description(schedule_day),
    )
    def _quarterly_schedule(context: dg.ScheduleEvaluationContext):
        quarter = quarter_due(context.scheduled_execution_time)
        return dg.RunRequest(
            run_key=f"scheduled-{quarter}",
            partition_key=partition_of_quarter(quarter),
            tags={"nhtz/trigger": "schedule", **partition_tags(quarter)},
        )

    return _quarterly_schedule
