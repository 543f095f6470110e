"""Reading a submission file into plain tables of cells: every sheet of a workbook, or one decoded CSV."""

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook

from nhtz.errors import RefusedFile

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}
TEXT_SUFFIXES = {".csv", ".txt", ".tsv"}
# Tried in this order: UTF-8 (with or without BOM) is unambiguous when it decodes; GB18030 is a superset of GBK.
CSV_ENCODINGS = ("utf-8-sig", "gb18030")
_DELIMITERS = (",", "\t", ";", "|")


@dataclass
class SheetTable:
    sheet: str | None  # None for a CSV
    rows: list[list]  # rows[i] is the row a person sees as number i + 1


@dataclass
class SourceFile:
    file_format: str
    encoding: str | None
    tables: list[SheetTable] = field(default_factory=list)


def read_source(path: Path, content: bytes) -> SourceFile:
    """The tables in a submission; RefusedFile (one line, for people) when the file is not a table at all."""
    suffix = path.suffix.lower()
    if not content.strip():
        raise RefusedFile("empty file")
    if suffix in EXCEL_SUFFIXES:
        return _read_workbook(content, suffix)
    if suffix in TEXT_SUFFIXES:
        return _read_text_table(content)
    raise RefusedFile(f"not a table: {suffix or 'a file without extension'} is not a submission format (.xlsx or .csv)")


def _read_workbook(content: bytes, suffix: str) -> SourceFile:
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        tables = [
            SheetTable(name, workbook.get_sheet_by_name(name).to_python(skip_empty_area=False))
            for name in workbook.sheet_names
        ]
    except (CalamineError, ValueError, OSError) as error:
        raise RefusedFile(f"not a table: not a readable {suffix} workbook ({str(error).splitlines()[0]})") from None
    tables = [table for table in tables if any(any(_filled(cell) for cell in row) for row in table.rows)]
    if not tables:
        raise RefusedFile("empty file: the workbook has no filled cell on any sheet")
    return SourceFile(file_format=suffix.lstrip("."), encoding=None, tables=tables)


def _filled(cell) -> bool:
    return cell is not None and not (isinstance(cell, str) and not cell.strip())


def decode_text(content: bytes) -> tuple[str, str]:
    """(text, encoding) of a CSV, or RefusedFile when it is binary or in none of the accepted encodings."""
    if b"\x00" in content[:4096]:
        raise RefusedFile("not a table: binary content, not a CSV text")
    for encoding in CSV_ENCODINGS:
        try:
            return content.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise RefusedFile("cannot decode the CSV: neither UTF-8 nor GBK/GB18030")


def _read_text_table(content: bytes) -> SourceFile:
    text, encoding = decode_text(content)
    delimiter = _delimiter_of(text.splitlines()[:20])
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise RefusedFile(f"not a table: unreadable CSV ({error})") from None
    return SourceFile(file_format="csv", encoding=encoding, tables=[SheetTable(None, rows)])


def _delimiter_of(lines: list[str]) -> str:
    """The separator used most often in the first lines; a comma when none is used at all."""
    counts = {delimiter: sum(line.count(delimiter) for line in lines) for delimiter in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","
