"""Quarterly partitions: one partition per ENDED quarter, from 2019Q1 to the last quarter that has ended.

A time-window partitions definition, so the set grows by itself: a quarter becomes a partition at 00:00
Beijing time on the day after it ends, with no reload of the code location, and the quarter still in
progress is never offered (a run for it would analyse half a quarter). Dagster names a window by its first
day, so the partition of 2026Q3 is `2026-07-01`; the functions below translate between the two, and runs
carry the quarter in their `nhtz/quarter` tag (docs/orchestration.md).
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import dagster as dg

from nhtz.quarters import parse_quarter, previous_quarter, quarter_label

FIRST_QUARTER = "2019Q1"
# The Torch Center works on Beijing time: "the 25th" is the 25th there, whatever the server's clock says.
ANALYSIS_TIMEZONE = "Asia/Shanghai"
PARTITION_FORMAT = "%Y-%m-%d"
QUARTER_TAG = "nhtz/quarter"


def quarter_containing(day: date) -> str:
    return quarter_label(day.year, (day.month - 1) // 3 + 1)


def quarter_just_ended(day: date) -> str:
    """The last quarter that ended before `day`: the one a quarterly run on that day analyses."""
    return previous_quarter(quarter_containing(day))


def today_in_beijing() -> date:
    return datetime.now(ZoneInfo(ANALYSIS_TIMEZONE)).date()


def partition_of_quarter(quarter: str) -> str:
    """`2026Q3` -> `2026-07-01`, the first day of the quarter, which is how Dagster names its window."""
    year, quarter_num = parse_quarter(quarter)
    return date(year, 3 * quarter_num - 2, 1).strftime(PARTITION_FORMAT)


def quarter_of_partition(partition_key: str) -> str:
    """`2026-07-01` -> `2026Q3`."""
    return quarter_containing(datetime.strptime(partition_key, PARTITION_FORMAT).date())


def partition_tags(quarter: str) -> dict[str, str]:
    """Tags that make a run's quarter readable in the run list, where the partition shows as a date."""
    return {QUARTER_TAG: quarter}


quarterly_partitions = dg.TimeWindowPartitionsDefinition(
    start=partition_of_quarter(FIRST_QUARTER),
    fmt=PARTITION_FORMAT,
    # a window per quarter, opening on the quarter's first day, Beijing time
    cron_schedule="0 0 1 1,4,7,10 *",
    timezone=ANALYSIS_TIMEZONE,
    # the last partition is the last window that has closed: the quarter in progress is not one
    end_offset=0,
)


def run_quarters(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> list[str]:
    """The quarters of this run, as the marts write them: one, or every quarter of a backfill range run at once."""
    return [quarter_of_partition(key) for key in context.partition_keys]
