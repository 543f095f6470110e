"""Settings of one warehouse, from `HOME/nhtz.toml` when present; defaults as docs/methodology.md describes them."""

import tomllib
from dataclasses import dataclass, fields

from nhtz.errors import NhtzError
from nhtz.home import Home


@dataclass(frozen=True)
class Settings:
    # share of active parks that must have reported before `nhtz publish` goes ahead without --allow-partial
    min_coverage: float = 0.90
    # day of the month after quarter end when the scheduled quarterly run starts
    schedule_day: int = 25
    # days a park has to answer its feedback sheet, counted from the day the workbook is written (Beijing time)
    feedback_days: int = 10
    # whether the Dagster schedule and landing sensor start switched on (docs/orchestration.md)
    dagster_automation: bool = False


def load_settings(home: Home) -> Settings:
    path = home.root / "nhtz.toml"
    if not path.exists():
        return Settings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise NhtzError(f"{path}: not valid TOML: {error}") from None
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise NhtzError(f"{path}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return Settings(**data)
