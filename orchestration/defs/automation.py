"""Whether the schedule and the landing sensor start switched on: `dagster_automation` in nhtz.toml, default off.

Both start runs that write the warehouse, so a fresh UI must not start them by surprise. The setting is read
when the code location loads and only decides their default: a switch flipped in the UI (or with
`dagster schedule start` / `dagster sensor start`) is kept in DAGSTER_HOME and wins over it.
"""

import dagster as dg

from nhtz.errors import NhtzError
from nhtz.settings import Settings


def automation_on(settings: Settings) -> bool:
    if not isinstance(settings.dagster_automation, bool):
        raise NhtzError(f"dagster_automation = {settings.dagster_automation!r} in nhtz.toml is not true or false")
    return settings.dagster_automation


def schedule_status(on: bool) -> dg.DefaultScheduleStatus:
    return dg.DefaultScheduleStatus.RUNNING if on else dg.DefaultScheduleStatus.STOPPED


def sensor_status(on: bool) -> dg.DefaultSensorStatus:
    return dg.DefaultSensorStatus.RUNNING if on else dg.DefaultSensorStatus.STOPPED
