"""Landing submission files in the working database: one transaction per file, idempotent on content hash."""

import hashlib
import json
import os
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import islice
from pathlib import Path
from typing import Callable, Iterable

import duckdb
import pyarrow as pa

from nhtz import state
from nhtz.db import connect, ensure_landing_tables
from nhtz.errors import NhtzError, RefusedFile, first_line
from nhtz.home import Home
from nhtz.ingest.readers import MAX_FILE_BYTES, too_large_line
from nhtz.ingest.reference import Reference, load_reference
from nhtz.ingest.submission import ParsedFile, Submission, parse_submission, submission_files
from nhtz.progress import quiet

_TEXT, _INT = pa.string(), pa.int32()
# What varies from row to row; the file's lineage (file_id, file_name, content_hash, vintage, time) is added in SQL.
OBSERVATION_SCHEMA = pa.schema([
    ("sheet", _TEXT), ("row_number", _INT), ("park_id", _TEXT), ("park_name_raw", _TEXT), ("period_label", _TEXT),
    ("period_year", _INT), ("period_month", _INT), ("indicator_code", _TEXT), ("value", pa.float64()), ("unit", _TEXT),
])
QUARANTINE_SCHEMA = pa.schema([("sheet", _TEXT), ("row_number", _INT), ("reason", _TEXT), ("raw", _TEXT)])
# Files held parsed at once: the one being written and the one being read meanwhile.
READ_AHEAD = 2


@dataclass
class FileResult:
    file_name: str
    status: str  # landed, skipped or refused
    rows_read: int = 0
    rows_landed: int = 0
    rows_quarantined: int = 0
    message: str = ""
    file_id: int | None = None
    values_landed: int = 0
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        if self.status == "refused":
            return f"{self.file_name}: refused: {self.message}"
        if self.status == "skipped":
            return f"{self.file_name}: skipped (already landed)"
        return f"{self.file_name}: read {self.rows_read}, landed {self.rows_landed}, quarantined {self.rows_quarantined}"


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _frame(records: list[tuple], schema: pa.Schema) -> pa.Table | None:
    """Rows as one Arrow table, so that a file's values go in with one insert statement."""
    if not records:
        return None
    columns = zip(*records)
    return pa.Table.from_arrays([pa.array(column, type=f.type) for column, f in zip(columns, schema)], schema=schema)


def _observations_frame(parsed: ParsedFile) -> pa.Table | None:
    records = [
        (row.sheet, row.row_number, row.park_id, row.park_name_raw, row.period_label, row.period[0], row.period[1],
         obs.indicator_code, obs.value, obs.unit)
        for row in parsed.rows
        if not row.errors
        for obs in row.values
    ]
    return _frame(records, OBSERVATION_SCHEMA)


def _quarantine_frame(parsed: ParsedFile) -> pa.Table | None:
    records = [
        (row.sheet, row.row_number, "; ".join(row.errors), json.dumps(row.raw, ensure_ascii=False))
        for row in parsed.rows
        if row.errors
    ]
    return _frame(records, QUARANTINE_SCHEMA)


_INSERT_OBSERVATIONS = """
insert into raw.observations by name
select *, $file_id as file_id, $file_name as file_name, $content_hash as content_hash,
    $file_id as vintage, $at as landed_at
from landing_frame
"""
_INSERT_QUARANTINE = """
insert into audit.quarantine by name
select *, $file_id as file_id, $file_name as file_name, $content_hash as content_hash, $at as quarantined_at
from landing_frame
"""


def _insert(con: duckdb.DuckDBPyConnection, statement: str, frame: pa.Table | None, lineage: dict) -> None:
    if frame is not None:
        # DuckDB reads `landing_frame` from this local variable (replacement scan): no view to create and drop.
        landing_frame = frame  # noqa: F841
        con.execute(statement, lineage)


def _write_file(con, result: FileResult, path: Path, content_hash: str, parsed: ParsedFile) -> None:
    """Everything one file leaves behind, in one transaction: all of it lands or none of it does."""
    at = _now()
    file_id = result.file_id
    con.execute("begin transaction")
    try:
        con.execute(
            "insert into audit.ingest_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [file_id, result.file_name, os.path.abspath(path), content_hash, parsed.file_format, parsed.encoding,
             parsed.layout, result.rows_read, result.rows_landed, result.rows_quarantined, result.status,
             result.message or None, at],
        )
        if result.status == "landed":
            lineage = {"file_id": file_id, "file_name": result.file_name, "content_hash": content_hash, "at": at}
            _insert(con, _INSERT_OBSERVATIONS, _observations_frame(parsed), lineage)
            _insert(con, _INSERT_QUARANTINE, _quarantine_frame(parsed), lineage)
        con.execute("commit")
    except BaseException:
        try:
            con.execute("rollback")
        except duckdb.Error:
            pass  # the database dropped the transaction itself (a failed write invalidates it): nothing to undo
        raise


@dataclass
class LandingState:
    """What one landing run knows about the database: the next file_id (= vintage) and the hashes landed."""

    next_file_id: int
    landed_hashes: dict[str, str]  # content hash → name of the latest file that landed it
    refused_hashes: set[str]

    @classmethod
    def read(cls, con) -> "LandingState":
        next_file_id = con.execute("select coalesce(max(file_id), 0) + 1 from audit.ingest_log").fetchone()[0]
        logged = con.execute("select content_hash, status, file_name from audit.ingest_log order by file_id").fetchall()
        return cls(
            next_file_id,
            {h: name for h, status, name in logged if status == "landed"},
            {h for h, status, _ in logged if status == "refused"},
        )


@dataclass
class ReadSubmission:
    """One file read and parsed, before anything is written: `parsed` is None when skipped or refused."""

    path: Path
    file_name: str
    content_hash: str
    parsed: ParsedFile | None = None
    refusal: str | None = None


def _hash_of_text(text: str) -> str:
    """The log's key of a file that was not read (a link not followed, a file that cannot be opened)."""
    return hashlib.sha256(text.encode()).hexdigest()


def _unread(submission: Submission, refusal: str, key: str) -> ReadSubmission:
    return ReadSubmission(submission.path, submission.name, _hash_of_text(key), refusal=refusal)


def read_submission(
    submission: Submission, reference: Reference, landed_hashes: frozenset[str], new_vintage: bool = False
) -> ReadSubmission:
    """Read and parse a file unless its content has landed already (then there is nothing to parse).

    Whatever goes wrong while reading one file refuses that file with one line, and the run goes on.
    """
    if submission.refusal is not None:
        return _unread(submission, submission.refusal, f"{submission.refusal} {submission.path}")
    path = submission.path
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            with path.open("rb") as handle:
                digest = hashlib.file_digest(handle, "sha256").hexdigest()
            return ReadSubmission(path, submission.name, digest, refusal=too_large_line(path.stat().st_size))
        content = path.read_bytes()
    except OSError as error:
        return _unread(submission, f"cannot read the file ({error.strerror or first_line(error)})", f"unreadable {path}")
    read = ReadSubmission(path, submission.name, hashlib.sha256(content).hexdigest())
    if read.content_hash in landed_hashes and not new_vintage:
        return read
    try:
        read.parsed = parse_submission(path, content, reference)
    except RefusedFile as refusal:
        read.refusal = str(refusal)
    except MemoryError:
        read.refusal = "too large: the file does not fit in memory"
    except Exception as error:  # a reader's failure on a hostile file refuses that file, never the run
        read.refusal = f"could not be read ({type(error).__name__}: {first_line(error)})"
    return read


def _land_in_transaction(con, result: FileResult, read: ReadSubmission, parsed: ParsedFile) -> None:
    """Write one file; a full disk or any other write failure is one line naming the file, nothing half-landed."""
    try:
        _write_file(con, result, read.path, read.content_hash, parsed)
    except (duckdb.Error, OSError) as error:
        raise NhtzError(
            f"{read.file_name}: cannot write to the working database ({first_line(error)}); "
            "nothing of this file landed, the files before it did"
        ) from None


def write_submission(con, read: ReadSubmission, landing: LandingState, new_vintage: bool = False) -> FileResult:
    """Land a read file (or log its refusal, or skip it when its content has landed before)."""
    landed_before = landing.landed_hashes.get(read.content_hash)
    if landed_before is not None and not new_vintage:
        return FileResult(read.file_name, "skipped", message="already landed (same content)")
    if read.refusal is not None:
        result = FileResult(read.file_name, "refused", message=read.refusal)
        # The same unreadable file left in the landing folder is refused again on every run, but logged once.
        if read.content_hash not in landing.refused_hashes:
            result.file_id = landing.next_file_id
            _land_in_transaction(con, result, read, ParsedFile())
            landing.next_file_id += 1
            landing.refused_hashes.add(read.content_hash)
        return result
    parsed = read.parsed
    if landed_before is not None:
        parsed.notes.insert(0, f"landed again as a new vintage (same content as {landed_before})")
    quarantined = sum(1 for row in parsed.rows if row.errors)
    result = FileResult(
        read.file_name,
        "landed",
        rows_read=len(parsed.rows),
        rows_landed=len(parsed.rows) - quarantined,
        rows_quarantined=quarantined,
        values_landed=sum(len(row.values) for row in parsed.rows if not row.errors),
        notes=parsed.notes,
        message="; ".join(parsed.notes),
        file_id=landing.next_file_id,
    )
    _land_in_transaction(con, result, read, parsed)
    landing.next_file_id += 1
    landing.landed_hashes[read.content_hash] = read.file_name
    return result


def _record_landing(home: Home, results: list[FileResult]) -> None:
    """The run record `nhtz status` and the gate read; a full disk here is one line, the files above stay landed."""
    try:
        state.save(
            home,
            state.IngestRecord(
                at=state.now_utc(),
                files=len(results),
                landed=sum(r.status == "landed" for r in results),
                skipped=sum(r.status == "skipped" for r in results),
                refused=sum(r.status == "refused" for r in results),
                rows_quarantined=sum(r.rows_quarantined for r in results),
            ),
        )
    except OSError as error:
        raise NhtzError(f"{home.state}: cannot record the landing run ({error.strerror}); the files above landed") from None


def land_paths(
    home: Home,
    paths: Iterable[Path],
    say: Callable[[str], None] = quiet,
    reference: Reference | None = None,
    new_vintage: bool = False,
) -> list[FileResult]:
    """Land files and folders of submissions in landing order; one FileResult per submission file.

    Files are read and parsed one ahead in a second thread while the previous one is written: parsing is
    Python, writing mostly waits on DuckDB and the disk, so the two overlap. Writes stay in landing order.

    `new_vintage` lands every file again as a new vintage even when its content has landed before (to restore
    values after a wrong correction); without it, content that has landed is skipped.
    """
    files = submission_files(paths)
    reference = reference or load_reference()
    results = []
    try:
        with connect(home.working_db) as con, ThreadPoolExecutor(max_workers=1) as reader:
            ensure_landing_tables(con)
            landing = LandingState.read(con)
            already_landed = frozenset(landing.landed_hashes)
            to_read = iter(files)
            reads: deque[Future] = deque()

            def read_next() -> None:
                # At most READ_AHEAD files are held parsed at a time: memory stays that of a few files.
                for submission in islice(to_read, READ_AHEAD - len(reads)):
                    reads.append(reader.submit(read_submission, submission, reference, already_landed, new_vintage))

            try:
                read_next()
                while reads:
                    read = reads.popleft().result()
                    read_next()
                    result = write_submission(con, read, landing, new_vintage)
                    say(f"[{len(results) + 1}/{len(files)}] {result.describe()}")
                    results.append(result)
            except BaseException:
                reader.shutdown(cancel_futures=True)  # a failed run does not parse the files it will not land
                raise
    except (duckdb.Error, OSError) as error:
        if isinstance(error.__context__, NhtzError):
            # a file's write failed (disk full), then closing the database failed too: the file's line says more
            raise error.__context__ from None
        raise NhtzError(f"{home.working_db}: cannot open or write the working database ({first_line(error)})") from None
    _record_landing(home, results)
    return results
