"""Publication: the checked working database becomes the serving database in one atomic step.

Protocol (docs/quality.md, docs/bi.md): refuse unless the last check vouches for the working database as it is
now; refuse when coverage is below the minimum unless partial publication is allowed. Then, under the publish
lock: remove what interrupted publications left behind; build a fresh database beside the serving copy that
holds only the published tables (every mart and the audit tables readers need), with their types, constraints
and every table and column comment; stamp it with a publication record, verify it and make the file read-only
on disk; write every published table as Parquet, comments in its metadata, into a new version folder; put a
real folder `serving/parquet/` holding that version in place; and finally `os.replace` the new file over
`serving/nhtz.duckdb`. Readers that opened the old file keep reading the old version; nothing half-written is
ever visible under the published names. A fault on the way (a full disk, any OS or DuckDB I/O error) is one
line, and the previous publication stays as it was.
"""

import errno
import fcntl
import json
import os
import re
import shutil
import stat
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from nhtz import state
from nhtz.db import connect, sql_identifier, sql_literal
from nhtz.errors import GateFailed, NhtzError, first_line
from nhtz.home import Home
from nhtz.settings import load_settings
from nhtz.state import CheckRecord, PublishRecord
from nhtz.progress import quiet

PUBLISHED_SCHEMAS = ("marts", "audit")
# The audit tables published beside every mart: what readers ask about a published figure. `nhtz explain`
# adds the lineage tables it reads here. audit.publication is not copied: each publication writes its own.
PUBLISHED_AUDIT_TABLES = ("findings", "ingest_log", "quarantine", "revisions", "value_lineage", "gate_results", "publication")
PUBLICATION_TABLE = "audit.publication"

PUBLICATION_DDL = """
create table audit.publication (
    publish_id integer not null,
    published_at timestamp not null,
    build_at varchar,
    checked_at varchar,
    coverage double,
    allow_partial boolean not null
);
comment on table audit.publication is '发布记录：本服务库的发布版本号与发布时间，及其依据的构建和检查。The version marker of this serving copy.';
comment on column audit.publication.publish_id is '发布版本号：每次发布加一。Version number, one more per publication.';
comment on column audit.publication.published_at is '发布时间（UTC）。When published (UTC).';
comment on column audit.publication.build_at is '所发布构建的时间（UTC，ISO 8601）。When the published build ran.';
comment on column audit.publication.checked_at is '放行本次发布的检查时间（UTC，ISO 8601）。When the check that let it through ran.';
comment on column audit.publication.coverage is '最新季度已报送的在册园区占比（0–1）。Share of active parks that reported in the latest quarter.';
comment on column audit.publication.allow_partial is '报送率低于下限时是否经 --allow-partial 发布。Published below the minimum coverage with --allow-partial.';
"""

# Parquet versions kept besides the current one: a reader that read a manifest just before the switch
# still finds its files.
KEPT_PARQUET_VERSIONS = 2
VERSIONS_DIR_NAME = "parquet_versions"
MANIFEST_NAME = "manifest.json"
PARQUET_BATCH_ROWS = 131_072
READ_ONLY_FILE = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH  # 0444: no client can open it for writing
# What an interrupted publication leaves in serving/: a temporary database and its log, a Parquet folder being
# put in place or one being taken away, or (before Parquet folders were real) a temporary link.
_LEFTOVER = re.compile(
    r"^\.(?:(?:nhtz\.duckdb|parquet)\.\d+\.(?P<pid>\d+)\.(?:tmp|old)(?:\.wal)?|parquet-link-(?P<link_pid>\d+))$"
)
# Hard links fail on some file systems; the Parquet folder then gets a copy of the version's files.
_NO_HARD_LINKS = {errno.EXDEV, errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK}


@dataclass
class PublishResult:
    publish_id: int
    published_at: str
    serving_db: Path
    parquet_dir: Path
    table_rows: dict[str, int] = field(default_factory=dict)
    coverage: float | None = None
    partial: bool = False

    def published_when(self) -> str:
        """When it was published, for people: Beijing time (the record keeps UTC)."""
        return state.beijing_time(datetime.fromisoformat(self.published_at))

    def describe(self) -> str:
        partial = " (partial: below the minimum coverage, allowed)" if self.partial else ""
        coverage = f", coverage {self.coverage:.1%}" if self.coverage is not None else ""
        lines = [f"published version {self.publish_id} at {self.published_when()}{coverage}{partial}"]
        lines.append(f"  serving database: {self.serving_db}")
        lines.append(f"  parquet copies:   {self.parquet_dir} ({MANIFEST_NAME} names the version)")
        lines += [f"  {table}: {rows} rows" for table, rows in self.table_rows.items()]
        return "\n".join(lines)


def ensure_publishable(home: Home, allow_partial: bool) -> CheckRecord:
    """The last check, when it vouches for the working database as it is now: the same build identity (dbt's
    invocation id) and the same landing watermark. GateFailed with why otherwise; file times play no part, so the
    check's own write of audit.gate_results is no later write."""
    identity, landing = state.working_db_build(home)
    last_check = state.last(home, CheckRecord)
    if identity is None:
        raise GateFailed("nothing to publish: no build recorded; run `nhtz build` and `nhtz check` first")
    if last_check is None or last_check.build is None:
        raise GateFailed(f"build {identity.short_id} has not been checked; run `nhtz check` first")
    checked = last_check.build
    when = state.beijing_time(last_check.checked_at)
    if checked.invocation_id != identity.invocation_id:
        raise GateFailed(
            f"the working database changed after the last check ({when}): it holds dbt run {identity.short_id} "
            f"({identity.status}), the check was of build {checked.short_id}; run `nhtz build` and `nhtz check`"
        )
    if not last_check.passed:
        failed = ", ".join(last_check.failed) or "see `nhtz check`"
        raise GateFailed(f"the publication gate failed ({failed}); the serving copy is unchanged")
    if landing != checked.landing:
        raise GateFailed(
            f"the working database changed after the last check ({when}): files landed since "
            f"({checked.landing.describe()} then, {landing.describe()} now); run `nhtz build` and `nhtz check`"
        )
    minimum = load_settings(home).min_coverage
    coverage = last_check.coverage
    if coverage is None:
        raise GateFailed("the last check measured no coverage of active parks; run `nhtz check`")
    if coverage < minimum and not allow_partial:
        raise GateFailed(
            f"only {last_check.n_reported} of {last_check.n_active} active parks ({coverage:.1%}) reported "
            f"in {last_check.quarter}, below the minimum {minimum:.0%}; publish anyway with --allow-partial"
        )
    return last_check


def published_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every mart and the published audit tables that the database holds, as `schema.table`."""
    copied = [t for t in PUBLISHED_AUDIT_TABLES if f"audit.{t}" != PUBLICATION_TABLE]
    rows = con.execute(
        """
        select schema_name || '.' || table_name
        from duckdb_tables()
        where database_name = current_database()
            and (schema_name = 'marts' or (schema_name = 'audit' and list_contains(?, table_name)))
        order by schema_name desc, table_name
        """,
        [copied],
    ).fetchall()
    return [name for (name,) in rows]


def _quoted(table: str) -> str:
    return ".".join(sql_identifier(part) for part in table.split(".", 1))


def _count_rows(con: duckdb.DuckDBPyConnection, tables: list[str]) -> dict[str, int]:
    return {table: con.execute(f"select count(*) from {_quoted(table)}").fetchall()[0][0] for table in tables}


@dataclass(frozen=True)
class TableDocs:
    """A table's comment and its columns' comments, in column order."""

    comment: str | None
    columns: dict[str, str | None]


def read_documentation(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, TableDocs]:
    """Table and column comments of every table of `catalog` (an attached database's name)."""
    tables = dict(
        con.execute(
            "select schema_name || '.' || table_name, comment from duckdb_tables() where database_name = ?", [catalog]
        ).fetchall()
    )
    columns: dict[str, dict[str, str | None]] = {}
    for table, column, comment in con.execute(
        """
        select schema_name || '.' || table_name, column_name, comment
        from duckdb_columns()
        where database_name = ?
        order by schema_name, table_name, column_index
        """,
        [catalog],
    ).fetchall():
        columns.setdefault(table, {})[column] = comment
    return {table: TableDocs(comment, columns.get(table, {})) for table, comment in tables.items()}


def comment_statements(docs: dict[str, TableDocs], tables: list[str]) -> list[str]:
    """COMMENT ON statements giving `tables` their comments again: comments do not travel with the rows."""
    statements = []
    for table in tables:
        if docs[table].comment:
            statements.append(f"comment on table {_quoted(table)} is {sql_literal(docs[table].comment)}")
        statements += [
            f"comment on column {_quoted(table)}.{sql_identifier(column)} is {sql_literal(comment)}"
            for column, comment in docs[table].columns.items()
            if comment
        ]
    return statements


def copy_published_tables(working_db: Path, target: Path, tables: list[str]) -> None:
    """A fresh database holding only `tables`, with the working database's types, constraints and comments.

    Raw, staging, intermediate and reference tables stay behind: readers get what is published and nothing else.
    """
    with connect(target) as con:
        con.execute(f"attach {sql_literal(str(working_db))} as work (read_only)")
        definitions = dict(
            con.execute(
                "select schema_name || '.' || table_name, sql from duckdb_tables() where database_name = 'work'"
            ).fetchall()
        )
        docs = read_documentation(con, "work")
        # one transaction: committed one by one, the comments alone take longer than copying the rows
        con.execute("begin transaction")
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"create schema {schema}")
        for table in tables:
            # DuckDB's own definition of the table keeps the contracts' types and not-null constraints
            con.execute(definitions[table])
            con.execute(f"insert into {_quoted(table)} select * from work.{_quoted(table)}")
        comments = comment_statements(docs, tables)
        if comments:
            con.execute(";\n".join(comments))
        con.execute("commit")
        con.execute("detach work")


def _settle_working_db(home: Home) -> None:
    """A left-over write-ahead log means the file alone is not the database: fold it in before copying."""
    wal = home.working_db.with_name(home.working_db.name + ".wal")
    if wal.exists():
        try:
            with connect(home.working_db) as con:
                con.execute("checkpoint")
        except duckdb.Error as error:
            raise NhtzError(f"cannot checkpoint {home.working_db}: {first_line(error)}") from None


def _versions_dir(home: Home) -> Path:
    return home.serving_dir / VERSIONS_DIR_NAME


def _version_folders(home: Home) -> list[Path]:
    folder = _versions_dir(home)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and p.name.isdigit())


def shown_parquet_version(home: Home) -> int | None:
    """The version `serving/parquet` holds: its manifest's, or (older layout) the folder its link points to."""
    link = home.parquet_dir
    if link.is_symlink():
        name = Path(os.readlink(link)).name
        return int(name) if name.isdigit() else None
    try:
        return int(json.loads((link / MANIFEST_NAME).read_text(encoding="utf-8"))["publish_id"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _next_publish_id(home: Home) -> int:
    """One more than any version recorded or written, so a publication whose record was lost is not reused."""
    previous = state.last(home, PublishRecord)
    recorded = previous.publish_id if previous else 0
    written = max((int(p.name) for p in _version_folders(home)), default=0)
    return max(recorded, written) + 1


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _discard(path: Path | None) -> None:
    """Remove a temporary file or folder; one that cannot be removed now goes at the next publication."""
    if path is not None:
        with suppress(OSError):
            _remove(path)


def remove_interrupted_publications(home: Home, lock_taken_at: float, say: Callable[[str], None]) -> list[str]:
    """Remove what a killed or failed publication left behind; run under the publish lock.

    A temporary file or folder goes when the process that made it is gone, or when it is older than the lock
    this publication holds (a publication still running would hold the lock). A version folder goes when it
    has no manifest (its Parquet files were being written) or is newer than the version `serving/parquet`
    shows (it was never switched in).
    """
    removed = []
    for path in sorted(home.serving_dir.iterdir()):
        leftover = _LEFTOVER.match(path.name)
        if leftover is None:
            continue
        pid = int(leftover["pid"] or leftover["link_pid"])
        if not _pid_alive(pid) or path.lstat().st_mtime < lock_taken_at:
            _remove(path)
            removed.append(path.name)
    shown = shown_parquet_version(home)
    for folder in _version_folders(home):
        complete = (folder / MANIFEST_NAME).exists()
        never_shown = shown is None or int(folder.name) > shown
        if never_shown or not (complete or int(folder.name) == shown):
            shutil.rmtree(folder)
            removed.append(f"{VERSIONS_DIR_NAME}/{folder.name}")
    if removed:
        say(f"removed what interrupted publications left: {', '.join(removed)}")
    return removed


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _stamp_and_verify(copy: Path, stamp: tuple, expected_rows: dict[str, int]) -> None:
    with connect(copy) as con:
        con.execute(PUBLICATION_DDL)
        con.execute("insert into audit.publication values (?, ?, ?, ?, ?, ?)", list(stamp))
        present = set(read_documentation(con, con.execute("select current_database()").fetchall()[0][0]))
        found = _count_rows(con, list(expected_rows))
    unexpected = sorted(present - set(expected_rows) - {PUBLICATION_TABLE})
    if found != expected_rows or unexpected:
        differing = sorted(set(found.items()) ^ set(expected_rows.items()))[:3] + unexpected[:3]
        raise NhtzError(f"the serving copy does not match the working database ({differing}); nothing was published")
    # the checkpoint on close is on disk before the file is renamed into place
    _fsync(copy)


def documented_schema(schema: pa.Schema, table: str, docs: TableDocs, publish_id: int) -> pa.Schema:
    """The Arrow schema with the comments: each column's in its field metadata, the table's and all of them in
    the file's key-value metadata (for readers that do not read Arrow field metadata)."""
    fields = [
        f.with_metadata({"comment": docs.columns[f.name]}) if docs.columns.get(f.name) else f for f in schema
    ]
    metadata = {
        "table": table,
        "comment": docs.comment or "",
        "column_comments": json.dumps({c: v or "" for c, v in docs.columns.items()}, ensure_ascii=False),
        "nhtz_publish_id": str(publish_id),
    }
    return pa.schema(fields, metadata=metadata)


def write_documented_parquet(
    con: duckdb.DuckDBPyConnection, table: str, docs: TableDocs, destination: Path, publish_id: int
) -> int:
    """One table as a Parquet file carrying its comments, streamed in batches; returns the rows written."""
    reader = con.sql(f"select * from {_quoted(table)}").to_arrow_reader(PARQUET_BATCH_ROWS)
    schema = documented_schema(reader.schema, table, docs, publish_id)
    rows = 0
    with pq.ParquetWriter(destination, schema) as writer:
        for batch in reader:
            writer.write_batch(pa.RecordBatch.from_arrays(batch.columns, schema=schema))
            rows += batch.num_rows
    os.chmod(destination, READ_ONLY_FILE)
    return rows


def _write_json_atomically(path: Path, data: dict) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    _fsync(temporary)
    os.replace(temporary, path)


def export_parquet(copy: Path, version_dir: Path, publish_id: int, published_at: str) -> dict:
    """Every table of the serving copy as `<schema>.<table>.parquet`, then the manifest, written last: a version
    folder with a manifest is complete."""
    version_dir.mkdir(parents=True)
    manifest = {"publish_id": publish_id, "published_at": published_at, "tables": {}}
    with connect(copy, read_only=True) as con:
        docs = read_documentation(con, con.execute("select current_database()").fetchall()[0][0])
        for table in sorted(docs, key=lambda t: (t.split(".")[0] != "marts", t)):
            file_name = f"{table}.parquet"
            rows = write_documented_parquet(con, table, docs[table], version_dir / file_name, publish_id)
            manifest["tables"][table] = {"file": file_name, "rows": rows, "comment": docs[table].comment or ""}
    _write_json_atomically(version_dir / MANIFEST_NAME, manifest)
    return manifest


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError as error:
        if error.errno not in _NO_HARD_LINKS:
            raise
        shutil.copy2(source, target)


def stage_parquet_folder(home: Home, version_dir: Path, publish_id: int) -> Path:
    """A complete copy of the version folder (hard links: no second copy of the bytes), ready to be renamed in."""
    staged = home.serving_dir / f".parquet.{publish_id}.{os.getpid()}.tmp"
    staged.mkdir()
    for file in sorted(version_dir.iterdir()):
        _link_or_copy(file, staged / file.name)
    return staged


def swap_in_parquet_folder(home: Home, staged: Path, publish_id: int) -> Path | None:
    """`serving/parquet` becomes the staged folder; the previous one (folder or old link) is set aside and
    returned, to be removed once the database is in place or put back if it cannot be."""
    current = home.parquet_dir
    previous = None
    if current.exists() or current.is_symlink():
        previous = home.serving_dir / f".parquet.{publish_id}.{os.getpid()}.old"
        os.rename(current, previous)
    os.rename(staged, current)
    return previous


def _put_back_parquet_folder(home: Home, previous: Path | None, staged: Path) -> None:
    os.rename(home.parquet_dir, staged)
    if previous is not None:
        os.rename(previous, home.parquet_dir)


def prune_parquet_versions(home: Home, current: int) -> None:
    older = [p for p in _version_folders(home) if int(p.name) < current]
    for old in older[: max(0, len(older) - KEPT_PARQUET_VERSIONS)]:
        shutil.rmtree(old, ignore_errors=True)


def publish_fault(error: Exception) -> str:
    """One line for a fault during publication: what failed and where, and that nothing changed."""
    if isinstance(error, OSError):
        reason = error.strerror or (os.strerror(error.errno) if error.errno else str(error))
        where = f": {error.filename}" if error.filename else ""
        what = f"{reason}{where}"
    else:
        what = first_line(error)
    return f"cannot publish: {what}; nothing was published and the serving copy is unchanged"


@contextmanager
def publishing_lock(home: Home):
    """One publication at a time per home: two would race for the version number and the Parquet folder.

    Yields the time the lock was taken: anything a publication left before then is no one's work in progress.
    """
    home.serving_dir.mkdir(parents=True, exist_ok=True)
    with open(home.serving_dir / ".publish.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise NhtzError(f"another publication is running in {home.root}; try again when it has finished") from None
        try:
            yield time.time()
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def publish(home: Home, allow_partial: bool = False, say: Callable[[str], None] = quiet) -> PublishResult:
    last_check = ensure_publishable(home, allow_partial)
    with publishing_lock(home) as lock_taken_at:
        try:
            remove_interrupted_publications(home, lock_taken_at, say)
        except OSError as error:
            raise NhtzError(publish_fault(error)) from None
        return publish_serving_copy(home, last_check, allow_partial, say)


def publish_serving_copy(
    home: Home, last_check: CheckRecord, allow_partial: bool, say: Callable[[str], None]
) -> PublishResult:
    """Copy, stamp, verify, export and swap in: the steps after the refusals (docs/quality.md)."""
    _settle_working_db(home)
    publish_id = _next_publish_id(home)
    published_at = datetime.now(timezone.utc)
    built = state.working_db_build(home)

    with connect(home.working_db, read_only=True) as con:
        tables = published_tables(con)
        expected_rows = _count_rows(con, tables)
    if not any(t.startswith("marts.") for t in tables):
        raise GateFailed(f"{home.working_db} has no marts to publish; run `nhtz build`")

    copy = home.serving_dir / f".nhtz.duckdb.{publish_id}.{os.getpid()}.tmp"
    version_dir = _versions_dir(home) / f"{publish_id:06d}"
    staged = previous = None
    swapped = replaced = False
    try:
        say(f"copying {len(tables)} published tables of {home.working_db} into a new serving copy")
        copy_published_tables(home.working_db, copy, tables)
        if state.working_db_build(home) != built:
            raise NhtzError(f"{home.working_db} was written while it was being copied; nothing was published")
        stamp = (
            publish_id,
            published_at.replace(tzinfo=None),
            last_check.build.started_at.isoformat(timespec="seconds"),
            last_check.checked_at.isoformat(timespec="seconds"),
            last_check.coverage,
            allow_partial,
        )
        _stamp_and_verify(copy, stamp, expected_rows)
        os.chmod(copy, READ_ONLY_FILE)
        say(f"writing {len(tables) + 1} tables as Parquet into {version_dir}")
        export_parquet(copy, version_dir, publish_id, published_at.isoformat(timespec="seconds"))
        staged = stage_parquet_folder(home, version_dir, publish_id)
        previous = swap_in_parquet_folder(home, staged, publish_id)
        swapped = True
        os.replace(copy, home.serving_db)
        replaced = True
    except (OSError, duckdb.Error) as error:
        raise NhtzError(publish_fault(error)) from None
    finally:
        if swapped and not replaced:
            with suppress(OSError):
                _put_back_parquet_folder(home, previous, staged)
                previous = None
        for leftover in (copy, copy.with_name(copy.name + ".wal"), staged, previous):
            _discard(leftover)
        if not replaced:
            _discard(version_dir)
    prune_parquet_versions(home, publish_id)

    coverage = last_check.coverage
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
    try:
        state.save(
            home,
            PublishRecord(
                publish_id=publish_id,
                published_at=published_at,
                build_invocation_id=last_check.build.invocation_id,
                checked_at=last_check.checked_at,
                coverage=coverage,
                partial=partial,
                tables=expected_rows,
            ),
        )
    except OSError as error:
        raise NhtzError(
            f"published version {publish_id}, but could not record it in {home.state}: {error.strerror or error}"
        ) from None
    say(f"published version {publish_id}")
    return result
