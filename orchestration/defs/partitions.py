"""Quarterly partitions: one partition per analysed quarter, keyed `YYYYQn` as the marts write quarters."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import dagster as dg

from nhtz.quarters import previous_quarter, quarter_label, quarter_range

FIRST_QUARTER = "2019Q1"
# The Torch Center works on Beijing time: "the 25th" is the 25th there, whatever the server's clock says.
ANALYSIS_TIMEZONE = "Asia/Shanghai"


def quarter_containing(day: date) -> str:
    return quarter_label(day.year, (day.month - 1) // 3 + 1)


def quarter_just_ended(day: date) -> str:
    """The last quarter that ended before `day`: the one a quarterly run on that day analyses."""
    return previous_quarter(quarter_containing(day))


def today_in_beijing() -> date:
    return datetime.now(ZoneInfo(ANALYSIS_TIMEZONE)).date()


def analysable_quarters(today: date) -> list[str]:
    # The current quarter is included so that a code location loaded during a quarter already has the
    # partition its run will need right after the quarter ends.
    return quarter_range(FIRST_QUARTER, quarter_containing(today))


quarterly_partitions = dg.StaticPartitionsDefinition(analysable_quarters(today_in_beijing()))
