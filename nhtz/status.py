"""`nhtz status`: what is landed, built, checked and published, as a short aligned summary a person can read."""

import duckdb

from nhtz import state
from nhtz.db import connect
from nhtz.errors import NhtzError, first_line
from nhtz.home import Home
from nhtz.state import BuildRecord, CheckRecord, Landing, PublishRecord

Line = tuple[str, str]


def describe_status(home: Home) -> str:
    if not home.root.exists():
        raise NhtzError(f"no warehouse at {home.root}: land files with `nhtz ingest FILES --home {home.root}` "
                        f"or make a demo with `nhtz demo --home {home.root}`")
    lines: list[Line] = [("home", str(home.root))]
    lines += landing_lines(home)
    lines += [
        ("last build", _guarded(build_line, home)),
        ("last check", _guarded(check_line, home)),
        ("last publish", _guarded(publish_line, home)),
        ("serving", str(home.serving_db) if home.serving_db.exists() else "not published yet"),
    ]
    width = max(len(label) for label, _ in lines)
    return "\n".join(f"{label:<{width}}  {value}" for label, value in lines)


def landing_lines(home: Home) -> list[Line]:
    if not home.working_db.exists():
        return [("working db", "none yet: nothing landed (nhtz ingest FILES)")]
    try:
        with connect(home.working_db, read_only=True) as con:
            if Landing.read(con).max_file_id is None:
                return [("working db", f"{home.working_db} (nothing landed)")]
            return [("working db", str(home.working_db)), *_landed(con)]
    except duckdb.Error as error:
        return [("working db", f"{home.working_db}: cannot read it ({first_line(error)})")]


def _landed(con: duckdb.DuckDBPyConnection) -> list[Line]:
    landed, distinct_landed, refused, read, rows_landed, quarantined = con.execute(
        """
        select
            count(*) filter (where status = 'landed'),
            count(distinct content_hash) filter (where status = 'landed'),
            count(*) filter (where status = 'refused'),
            coalesce(sum(rows_read), 0),
            coalesce(sum(rows_landed), 0),
            coalesce(sum(rows_quarantined), 0)
        from audit.ingest_log
        """
    ).fetchone()
    values, parks, first, last, periods = con.execute(
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
    # `nhtz ingest --new-vintage` lands the same content again: one file, two vintages
    again = landed - distinct_landed
    vintages = f" ({again} of them again as a new vintage)" if again else ""
    lines = [("files", f"{landed} landed{vintages}, {refused} refused; rows read {read}, landed {rows_landed}, "
                       f"quarantined {quarantined}")]
    if values:
        lines += [
            ("periods", f"{first // 100}-{first % 100:02d} to {last // 100}-{last % 100:02d} ({periods} periods)"),
            ("parks", f"{parks} with values ({values} values)"),
        ]
    return lines


def _guarded(describe, home: Home) -> str:
    """A record this version cannot read is said on its own line; the rest of the status still shows."""
    try:
        return describe(home)
    except NhtzError as error:
        return f"unreadable: {error}"


def build_line(home: Home) -> str:
    record = state.last(home, BuildRecord)
    if record is None:
        return "never"
    counts = f"{record.models} models, {record.tests + record.unit_tests} tests, {record.seconds:.1f} s"
    outcome = f"ok ({counts})" if record.ok else f"FAILED: {record.error}"
    line = f"{state.beijing_time(record.finished_at)}, build {record.short_id}, {outcome}"
    identity, landing = state.working_db_build(home)
    stale = state.build_is_stale(identity, landing)
    if record.ok and stale:
        line += f"; now {stale}"
    return line


def check_line(home: Home) -> str:
    record = state.last(home, CheckRecord)
    if record is None:
        return "never"
    verdict = "passed" if record.passed else f"FAILED ({', '.join(record.failed)})"
    build = f"build {record.build.short_id}" if record.build else "no build"
    coverage = (f", {record.n_reported} of {record.n_active} active parks reported in {record.quarter} "
                f"({record.coverage:.1%})") if record.coverage is not None else ""
    return f"{state.beijing_time(record.checked_at)}, {verdict}, {build}{coverage}"


def publish_line(home: Home) -> str:
    record = state.last(home, PublishRecord)
    if record is None:
        return "never"
    partial = ", partial" if record.partial else ""
    build = (record.build_invocation_id or "none")[:8]
    return f"{state.beijing_time(record.published_at)}, version {record.publish_id}, build {build}{partial}"
