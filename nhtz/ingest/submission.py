"""One submission file as ingestion sees it: which files are submissions, and every row of every table parsed."""

import os
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


@dataclass
class Submission:
    """A file found under the given paths; `refusal` says why it is not read at all (a link leading outside)."""

    path: Path
    name: str  # as shown: the path relative to the folder it was found in
    refusal: str | None = None


# prefixes of names under a landing folder that are never submissions (see submission_files)
NOT_SUBMISSIONS = ("_", ".", "~$")


def _outside_link(path: Path, root: Path) -> str | None:
    """Why a symbolic link found in a folder is not followed, or None when it stays inside the folder."""
    target = Path(os.path.realpath(path))
    if not target.is_relative_to(root):
        return f"symbolic link to {target}, outside the folder {root}: not read"
    if not target.exists():
        return f"broken symbolic link to {os.readlink(path)}: not read"
    return None


def submission_files(paths: Iterable[Path]) -> list[Submission]:
    """Every submission under the given paths, folders in sorted path order.

    Names starting with `_` or `.` (the generator's `_manifest.json`, editor and OS files) and spreadsheet lock
    files (`~$name.xlsx`, left beside a workbook open in Excel or WPS) are not submissions.
    A symbolic link inside a folder is followed only while it stays inside that folder: a link out of it (or a
    broken one) is listed as refused, so that a landing folder cannot pull in files from elsewhere unnoticed.
    A link to a folder inside is not followed (its files are found where they are).
    """
    found = []
    for given in paths:
        given = Path(given)
        if not given.exists():
            raise NhtzError(f"{given}: no such file or folder")
        if given.is_file():
            found.append(Submission(given, given.name))
            continue
        root = given.resolve()
        for path in sorted(given.rglob("*")):
            relative = path.relative_to(given)
            if any(part.startswith(NOT_SUBMISSIONS) for part in relative.parts):
                continue
            if path.is_symlink():
                refusal = _outside_link(path, root)
                if refusal:
                    found.append(Submission(path, relative.as_posix(), refusal))
                    continue
            if path.is_file():
                found.append(Submission(path, relative.as_posix()))
    return found


def parse_submission(path: Path, content: bytes, reference: Reference) -> ParsedFile:
    """Every row of every table in the file, parsed and checked; RefusedFile when nothing in it is readable."""
    source = read_source(path, content)
    parsed = ParsedFile(file_format=source.file_format, encoding=source.encoding, notes=list(source.notes))
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
        rows = read_rows(table, plan, reference)
        if not rows:
            parsed.notes.append(f"{where}no data rows below the header (row {plan.header_index + 1})")
        parsed.rows += rows
    if not layouts:
        raise RefusedFile(refusals[0] if len(refusals) == 1 else "; ".join(refusals))
    # Sheets without a table (说明, 填表说明) are common in exported workbooks: skipping them is not an error.
    parsed.notes += [f"skipped {why}" for why in refusals]
    parsed.layout = "+".join(sorted(set(layouts)))
    settle_duplicates(parsed.rows, reference)
    return parsed
