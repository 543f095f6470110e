"""Typed run records (the last ingest, build, check and publication of a home), keyed by the build identity.

The identity of a build is dbt's `invocation_id`, written into the working database by the project's own hooks
(`macros/record_build.sql`, table `audit.build_identity`) together with the landing watermark the build read. The
records here are what each step leaves for the next: the check names the identity it checked, the publication the
identity it published. Each record is a JSON file in `HOME/state/` (the last one of its kind), written atomically:
a full disk or a killed write leaves the previous record, never half of one.
"""

import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal, TypeVar
from zoneinfo import ZoneInfo

import duckdb
import pydantic

from nhtz.db import connect, table_exists
from nhtz.errors import NhtzError, first_line
from nhtz.home import Home

BEIJING = ZoneInfo("Asia/Shanghai")


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def beijing_time(at: datetime) -> str:
    """Times for people are Beijing time (docs/methodology.md, how figures are written); records keep UTC."""
    return at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S 北京时间")


@dataclass(frozen=True)
class Landing:
    """The landing watermark: any ingest that logs a file or lands a value changes it, even within one second."""

    max_file_id: int | None
    observations: int

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection) -> "Landing":
        if not (table_exists(con, "audit", "ingest_log") and table_exists(con, "raw", "observations")):
            return cls(max_file_id=None, observations=0)
        max_file_id = con.execute("select max(file_id) from audit.ingest_log").fetchone()[0]
        observations = con.execute("select count(*) from raw.observations").fetchone()[0]
        return cls(max_file_id=max_file_id, observations=observations)

    def describe(self) -> str:
        return f"{self.observations} values, files up to #{self.max_file_id or 0}"


@dataclass(frozen=True)
class BuildIdentity:
    """One dbt run as the working database records it. A run that never reached its end stays `running`."""

    invocation_id: str
    command: str
    status: Literal["running", "ok", "failed"]
    started_at: datetime
    finished_at: datetime | None
    landing: Landing

    @property
    def short_id(self) -> str:
        return self.invocation_id[:8]

    @classmethod
    def current(cls, con: duckdb.DuckDBPyConnection) -> "BuildIdentity | None":
        """The last dbt run that wrote the working database; None before the first build."""
        if not table_exists(con, "audit", "build_identity"):
            return None
        row = con.execute(
            """
            select invocation_id, command, status, started_at, finished_at, landing_max_file_id, landing_observations
            from audit.build_identity
            order by started_at desc
            limit 1
            """
        ).fetchone()
        if row is None:
            return None
        invocation_id, command, status, started_at, finished_at, max_file_id, observations = row
        return cls(
            invocation_id=invocation_id,
            command=command,
            status=status,
            started_at=started_at.replace(tzinfo=timezone.utc),
            finished_at=finished_at.replace(tzinfo=timezone.utc) if finished_at else None,
            landing=Landing(max_file_id=max_file_id, observations=observations),
        )



def working_db_build(home: Home) -> tuple[BuildIdentity | None, Landing]:
    """The working database's last dbt run and its landing now (no database: no build, nothing landed)."""
    if not home.working_db.exists():
        return None, Landing(max_file_id=None, observations=0)
    try:
        with connect(home.working_db, read_only=True) as con:
            return BuildIdentity.current(con), Landing.read(con)
    except duckdb.Error as error:
        raise NhtzError(f"cannot read the working database {home.working_db}: {first_line(error)}") from None


def build_is_stale(identity: BuildIdentity | None, landing: Landing) -> str | None:
    """Why the working database is not the finished build of the landing as it is now; None when it is.

    The one rule for "current": the last dbt run that wrote the database is a build that finished cleanly, and
    the landing watermark it recorded is the landing now (an ingest after it, even within one second, moves it)."""
    if identity is None:
        return "no build recorded in the working database: run `nhtz build`"
    when = beijing_time(identity.started_at)
    if identity.status == "running":
        return (f"a dbt {identity.command} started at {when} (run {identity.short_id}) after the last successful "
                "build did not finish: run `nhtz build`")
    if identity.status != "ok":
        return f"the last build ({identity.short_id}, {when}) failed: run `nhtz build` when it is fixed"
    if identity.command != "build":
        return (f"the working database was last written by `dbt {identity.command}` ({identity.short_id}), "
                "not by a build: run `nhtz build`")
    if identity.landing != landing:
        return (f"stale build: files landed after the build {identity.short_id} of {when} "
                f"({identity.landing.describe()} then, {landing.describe()} now): run `nhtz build`")
    return None


@dataclass(frozen=True)
class IngestRecord:
    at: datetime
    files: int
    landed: int
    skipped: int
    refused: int
    rows_quarantined: int


@dataclass(frozen=True)
class BuildRecord:
    """What `nhtz build` (or the Dagster dbt asset) saw of one dbt build, read from dbt's run_results."""

    status: Literal["ok", "failed"]
    finished_at: datetime
    invocation_id: str | None = None  # None when dbt could not start (a project that does not parse)
    landing: Landing | None = None  # the watermark the build recorded in the working database
    seconds: float = 0.0
    models: int = 0
    seeds: int = 0
    tests: int = 0
    unit_tests: int = 0
    warnings: tuple[str, ...] = ()
    # the project's singular tests (dbt_project/tests/) by name, with their status in this build: the
    # reconciliations (national = Σ parks, regions = national) live there and nowhere else
    singular_tests: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    full_refresh: bool = False
    # what the park-level models recomputed, in words (nhtz.build.reprocessed_quarters); "" without them
    reprocessed: str = ""
    via: Literal["nhtz", "dagster"] = "nhtz"

    @property
    def at(self) -> datetime:
        return self.finished_at

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def short_id(self) -> str:
        return (self.invocation_id or "none")[:8]


@dataclass(frozen=True)
class CheckRecord:
    """The verdict of `nhtz check` on one build identity and the landing it was checked against."""

    checked_at: datetime
    passed: bool
    build: BuildIdentity | None
    failed: tuple[str, ...] = ()
    quarter: str | None = None
    n_active: int | None = None
    n_reported: int | None = None
    coverage: float | None = None
    findings: dict[str, int] = field(default_factory=dict)

    @property
    def at(self) -> datetime:
        return self.checked_at


@dataclass(frozen=True)
class PublishRecord:
    publish_id: int
    published_at: datetime
    build_invocation_id: str | None
    checked_at: datetime
    coverage: float | None
    partial: bool
    tables: dict[str, int] = field(default_factory=dict)

    @property
    def at(self) -> datetime:
        return self.published_at


Record = TypeVar("Record", IngestRecord, BuildRecord, CheckRecord, PublishRecord)

# the kinds of record by name, in the order a quarterly run writes them; each is stored as state/<name>.json
KINDS: dict[str, type] = {"ingest": IngestRecord, "build": BuildRecord, "check": CheckRecord, "publish": PublishRecord}


def record_path(home: Home, kind: type) -> Path:
    name = next(name for name, cls in KINDS.items() if cls is kind)
    return home.state / f"{name}.json"


def write_atomically(path: Path, content: bytes) -> None:
    """Temporary file beside the target, flushed, then renamed over it: readers see the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def save(home: Home, record: Record) -> Record:
    """Write the record atomically. An OSError (a full disk) is left to the caller, who knows what it means for
    the step: the previous record stays whole either way."""
    write_atomically(record_path(home, type(record)), pydantic.TypeAdapter(type(record)).dump_json(record, indent=2))
    return record


def last(home: Home, kind: type[Record]) -> Record | None:
    """The last record of this kind; None when there is none. A file this version cannot read is an error."""
    path = record_path(home, kind)
    if not path.exists():
        return None
    try:
        return pydantic.TypeAdapter(kind).validate_json(path.read_bytes())
    except pydantic.ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the record"
        raise NhtzError(
            f"{path} is not a {kind.__name__} this nhtz can read ({where}: {first['msg']}); "
            "run the step again to replace it"
        ) from None
