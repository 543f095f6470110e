"""Small run records (last ingest, build, check, publish) kept as JSON beside the databases."""

import json
from datetime import datetime, timezone

from nhtz.home import Home


def record(home: Home, event: str, **details) -> dict:
    home.state.mkdir(parents=True, exist_ok=True)
    entry = {"event": event, "at": datetime.now(timezone.utc).isoformat(timespec="seconds"), **details}
    (home.state / f"{event}.json").write_text(json.dumps(entry, ensure_ascii=False, indent=2, default=str))
    return entry


def last(home: Home, event: str) -> dict | None:
    path = home.state / f"{event}.json"
    return json.loads(path.read_text()) if path.exists() else None
