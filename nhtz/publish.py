"""Publication: the checked working database becomes the serving database in one atomic step.

Protocol (docs/quality.md): refuse unless the last check passed for the current build and the working database
is unchanged since; refuse when coverage is below the minimum unless partial publication is allowed; copy the
closed working database to a temporary file beside the serving copy, stamp it with a publication record, verify
it, export the marts as Parquet into a new version folder, switch the `parquet` link to that folder, and finally
`os.replace` the temporary file over `serving/nhtz.duckdb`. Readers that opened the old file keep reading the
old version; nothing half-written is ever visible under the published names.
"""

import fcntl
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import duckdb

from data_quality.gate import working_db_fingerprint
from nhtz import state
from nhtz.db import connect
from nhtz.errors import GateFailed, NhtzError
from nhtz.home import Home
from nhtz.settings import load_settings

PUBLICATION_DDL = """
create schema if not exists audit;
create or replace table audit.publication (
    publish_id integer not null,
    published_at timestamp not null,
    build_at varchar,
    checked_at varchar,
    coverage double,
    allow_partial boolean not null
);
"""
# Parquet versions kept besides the current one: a reader that listed the folder just before the switch
# still finds its files.
KEPT_PARQUET_VERSIONS = 2
VERSIONS_DIR_NAME = "parquet_versions"


def _quiet(_: str) -> None:
    pass


@dataclass
class PublishResult:
    publish_id: int
    published_at: str
    serving_db: Path
    parquet_dir: Path
    table_rows: dict[str, int] = field(default_factory=dict)
    coverage: float | None = None
    partial: bool = False

    def describe(self) -> str:
        partial = " (partial: below the minimum coverage, allowed)" if self.partial else ""
        coverage = f", coverage {self.coverage:.1%}" if self.coverage is not None else ""
        lines = [f"published version {self.publish_id} at {self.published_at}{coverage}{partial}"]
        lines.append(f"  serving database: {self.serving_db}")
        lines.append(f"  parquet copies:   {self.parquet_dir}")
        lines += [f"  {table}: {rows} rows" for table, rows in self.table_rows.items()]
        return "\n".join(lines)


def ensure_publishable(home: Home, allow_partial: bool) -> dict:
    """The last check, when it vouches for the working database as it is now; GateFailed with why otherwise."""
    build = state.last(home, "build")
    last_check = state.last(home, "check")
    if build is None:
        raise GateFailed("nothing to publish: no build recorded; run `nhtz build` and `nhtz check` first")
    if last_check is None:
        raise GateFailed(f"the build of {build['at']} has not been checked; run `nhtz check` first")
    if last_check.get("build_at") != build["at"]:
        raise GateFailed(
            f"the last check ({last_check['at']}) was of an earlier build, not of the build of {build['at']}; "
            "run `nhtz check` first"
        )
    if not last_check.get("passed"):
        failed = ", ".join(last_check.get("failed") or []) or "see `nhtz check`"
        raise GateFailed(f"the publication gate failed ({failed}); the serving copy is unchanged")
    if last_check.get("working_db_fingerprint") != working_db_fingerprint(home):
        raise GateFailed(
            f"the working database changed after the last check ({last_check['at']}); run `nhtz build` and `nhtz check`"
        )
    minimum = load_settings(home).min_coverage
    coverage = last_check.get("coverage")
    if coverage is None:
        raise GateFailed("the last check measured no coverage of active parks; run `nhtz check`")
    if coverage < minimum and not allow_partial:
        raise GateFailed(
            f"only {last_check['n_reported']} of {last_check['n_active']} active parks ({coverage:.1%}) reported "
            f"in {last_check['latest_quarter']}, below the minimum {minimum:.0%}; publish anyway with --allow-partial"
        )
    return last_check


def published_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every mart, plus the audit findings the parks are asked about."""
    rows = con.execute(
        """
        select table_schema || '.' || table_name
        from information_schema.tables
        where table_schema = 'marts' or (table_schema = 'audit' and table_name = 'findings')
        order by table_schema desc, table_name
        """
    ).fetchall()
    return [name for (name,) in rows]


def _count_rows(con: duckdb.DuckDBPyConnection, tables: list[str]) -> dict[str, int]:
    return {table: con.execute(f"select count(*) from {table}").fetchall()[0][0] for table in tables}


def _settle_working_db(home: Home) -> None:
    """A left-over write-ahead log means the file alone is not the database: fold it in before copying."""
    wal = home.working_db.with_name(home.working_db.name + ".wal")
    if wal.exists():
        try:
            with connect(home.working_db) as con:
                con.execute("checkpoint")
        except duckdb.Error as error:
            raise NhtzError(f"cannot checkpoint {home.working_db}: {str(error).strip().splitlines()[0]}") from None


def _next_publish_id(home: Home) -> int:
    previous = state.last(home, "publish")
    return int(previous.get("publish_id", 0)) + 1 if previous else 1


def _stamp_and_verify(copy: Path, stamp: tuple, expected_rows: dict[str, int]) -> None:
    with connect(copy) as con:
        con.execute(PUBLICATION_DDL)
        con.execute("insert into audit.publication values (?, ?, ?, ?, ?, ?)", list(stamp))
        found = _count_rows(con, published_tables(con))
    if found != expected_rows:
        differing = sorted(set(found.items()) ^ set(expected_rows.items()))
        raise NhtzError(f"the copy of the working database does not match it ({differing[:3]}); nothing was published")
    # the checkpoint on close is on disk before the file is renamed into place
    with open(copy, "rb") as handle:
        os.fsync(handle.fileno())


def _export_parquet(copy: Path, tables: list[str], target: Path) -> None:
    target.mkdir(parents=True)
    with connect(copy, read_only=True) as con:
        for table in tables:
            destination = str(target / f"{table}.parquet").replace("'", "''")
            con.execute(f"copy (select * from {table}) to '{destination}' (format parquet)")


def _switch_parquet_link(home: Home, version_dir: Path) -> None:
    """Point `serving/parquet` at the new version folder with one atomic rename of a symlink."""
    link = home.parquet_dir
    if link.exists() and not link.is_symlink():
        # a plain folder here is not a published version (nothing links to it): the link takes its place
        shutil.rmtree(link)
    temporary_link = link.with_name(f".parquet-link-{os.getpid()}")
    temporary_link.unlink(missing_ok=True)
    os.symlink(version_dir.relative_to(link.parent), temporary_link)
    os.replace(temporary_link, link)
    versions = sorted(p for p in version_dir.parent.iterdir() if p.is_dir() and p != version_dir)
    for old in versions[: max(0, len(versions) - KEPT_PARQUET_VERSIONS)]:
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def publishing_lock(home: Home):
    """One publication at a time per home: two would race for the version number and the Parquet folder."""
    home.serving_dir.mkdir(parents=True, exist_ok=True)
    with open(home.serving_dir / ".publish.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise NhtzError(f"another publication is running in {home.root}; try again when it has finished") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def publish(home: Home, allow_partial: bool = False, say: Callable[[str], None] = _quiet) -> PublishResult:
    last_check = ensure_publishable(home, allow_partial)
    with publishing_lock(home):
        return publish_serving_copy(home, last_check, allow_partial, say)


def publish_serving_copy(
    home: Home, last_check: dict, allow_partial: bool, say: Callable[[str], None]
) -> PublishResult:
    """Copy, stamp, verify, export and swap in: the steps after the refusals (docs/quality.md)."""
    _settle_working_db(home)
    publish_id = _next_publish_id(home)
    published_at = datetime.now(timezone.utc)
    fingerprint = working_db_fingerprint(home)

    with connect(home.working_db, read_only=True) as con:
        tables = published_tables(con)
        expected_rows = _count_rows(con, tables)
    if not any(t.startswith("marts.") for t in tables):
        raise GateFailed(f"{home.working_db} has no marts to publish; run `nhtz build`")

    copy = home.serving_dir / f".nhtz.duckdb.{publish_id}.{os.getpid()}.tmp"
    version_dir = home.serving_dir / VERSIONS_DIR_NAME / f"{publish_id:06d}"
    linked = False
    try:
        say(f"copying {home.working_db} to a temporary serving copy")
        shutil.copyfile(home.working_db, copy)
        if working_db_fingerprint(home) != fingerprint:
            raise NhtzError(f"{home.working_db} was written while it was being copied; nothing was published")
        stamp = (
            publish_id,
            published_at.replace(tzinfo=None),
            last_check.get("build_at"),
            last_check.get("checked_at", last_check["at"]),
            last_check.get("coverage"),
            allow_partial,
        )
        _stamp_and_verify(copy, stamp, expected_rows)
        say(f"writing {len(tables)} tables as Parquet")
        shutil.rmtree(version_dir, ignore_errors=True)
        _export_parquet(copy, tables, version_dir)
        _switch_parquet_link(home, version_dir)
        linked = True
        os.replace(copy, home.serving_db)
    finally:
        if not linked:
            shutil.rmtree(version_dir, ignore_errors=True)
        copy.unlink(missing_ok=True)
        copy.with_name(copy.name + ".wal").unlink(missing_ok=True)

    coverage = last_check.get("coverage")
    partial = coverage is not None and coverage < load_settings(home).min_coverage
    result = PublishResult(
        publish_id=publish_id,
        published_at=published_at.isoformat(timespec="seconds"),
        serving_db=home.serving_db,
        parquet_dir=home.parquet_dir,
        table_rows=expected_rows,
        coverage=coverage,
        partial=partial,
    )
    state.record(
        home,
        "publish",
        publish_id=publish_id,
        build_at=last_check.get("build_at"),
        checked_at=last_check.get("checked_at"),
        coverage=coverage,
        partial=partial,
        tables=expected_rows,
    )
    say(f"published version {publish_id}")
    return result
