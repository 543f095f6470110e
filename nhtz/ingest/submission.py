"""One submission file as ingestion sees it: which files are submissions, and every row of every table parsed."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from nhtz.errors import NhtzError, RefusedFile
from nhtz.ingest.duplicates import settle_duplicates
from nhtz.ingest.layout import SourceRow, plan_table, read_rows
from nhtz.ingest.readers import read_source
from nhtz.ingest.reference import Reference


@dataclass
class ParsedFile:
    file_format: str | None = None
    encoding: str | None = None
    layout: str | None = None
    rows: list[SourceRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def submission_files(paths: Iterable[Path]) -> list[tuple[Path, str]]:
    """(path, name shown) of every submission under the given paths, folders in sorted path order.

    Names starting with `_` or `.` (the generator's `_manifest.json`, editor and OS files) are not submissions.
    """
    found = []
    for given in paths:
        given = Path(given)
        if not given.exists():
            raise NhtzError(f"{given}: no such file or folder")
        if given.is_file():
            found.append((given, given.name))
            continue
        for path in sorted(given.rglob("*")):
            relative = path.relative_to(given)
            if path.is_file() and not any(part.startswith(("_", ".")) for part in relative.parts):
                found.append((path, relative.as_posix()))
    return found


def parse_submission(path: Path, content: bytes, reference: Reference) -> ParsedFile:
    """Every row of every table in the file, parsed and checked; RefusedFile when nothing in it is readable."""
    source = read_source(path, content)
    parsed = ParsedFile(file_format=source.file_format, encoding=source.encoding)
    layouts, refusals = [], []
    for table in source.tables:
        try:
            plan = plan_table(table, reference)
        except RefusedFile as refusal:
            refusals.append(f"sheet {table.sheet}: {refusal}" if table.sheet else str(refusal))
            continue
        layouts.append(plan.layout)
        where = f"sheet {table.sheet}: " if table.sheet and len(source.tables) > 1 else ""
        parsed.notes += [where + note for note in plan.notes]
        parsed.rows += read_rows(table, plan, reference)
    if not layouts:
        raise RefusedFile(refusals[0] if len(refusals) == 1 else "; ".join(refusals))
    # Sheets without a table (说明, 填表说明) are common in exported workbooks: skipping them is not an error.
    parsed.notes += [f"skipped {why}" for why in refusals]
    parsed.layout = "+".join(sorted(set(layouts)))
    settle_duplicates(parsed.rows, reference)
    return parsed
