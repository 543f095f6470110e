"""`nhtz status`: what is loaded, built and published, in a few lines a person can read."""

from nhtz import state
from nhtz.db import connect
from nhtz.home import Home


def _landing_summary(home: Home) -> list[str]:
    if not home.working_db.exists():
        return ["working database: none yet (nothing landed)"]
    with connect(home.working_db, read_only=True) as con:
        has_log = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'audit' and table_name = 'ingest_log'"
        ).fetchone()[0]
        if not has_log:
            return [f"working database: {home.working_db} (nothing landed)"]
        files = con.execute(
            """
            select
                count(*) filter (where status = 'landed'),
                count(*) filter (where status = 'refused'),
                coalesce(sum(rows_read), 0),
                coalesce(sum(rows_landed), 0),
                coalesce(sum(rows_quarantined), 0)
            from audit.ingest_log
            """
        ).fetchone()
        observations = con.execute(
            """
            select
                count(*),
                count(distinct park_id),
                min(period_year * 100 + period_month),
                max(period_year * 100 + period_month),
                count(distinct period_year * 100 + period_month)
            from raw.observations
            """
        ).fetchone()
    lines = [
        f"working database: {home.working_db}",
        f"files: {files[0]} landed, {files[1]} refused; rows read {files[2]}, landed {files[3]}, quarantined {files[4]}",
    ]
    if observations[0]:
        first, last = observations[2], observations[3]
        lines.append(
            f"values: {observations[0]} from {observations[1]} parks, periods {first // 100}-{first % 100:02d} "
            f"to {last // 100}-{last % 100:02d} ({observations[4]} periods)"
        )
    return lines


def _event_line(home: Home, event: str, label: str) -> str:
    entry = state.last(home, event)
    if entry is None:
        return f"{label}: never"
    # the record's own bookkeeping (when, file fingerprints) is for the gate, not for people
    shown = {k: v for k, v in entry.items() if k not in ("event", "at") and "fingerprint" not in k}
    details = ", ".join(f"{k}={v}" for k, v in shown.items() if not isinstance(v, (list, dict)))
    return f"{label}: {entry['at']}" + (f" ({details})" if details else "")


def describe_status(home: Home) -> str:
    lines = [f"home: {home.root}"]
    lines += _landing_summary(home)
    lines.append(_event_line(home, "build", "last build"))
    lines.append(_event_line(home, "check", "last check"))
    lines.append(_event_line(home, "publish", "last publish"))
    lines.append(f"serving database: {home.serving_db if home.serving_db.exists() else 'not published yet'}")
    return "\n".join(lines)
