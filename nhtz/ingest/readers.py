"""Reading a submission file into plain tables of cells: every visible sheet of a workbook, or one decoded CSV.

Files come from outside, so every reader is bounded: a file's size, what a workbook unpacks to, how wide a table
is and how many cells a file holds are capped, and a table is read row by row, never by the used range a workbook
declares. A file beyond a cap is refused whole with one line saying which cap and where.
"""

import codecs
import csv
import io
import pickle
import re
import subprocess
import sys
import tempfile
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from nhtz.errors import RefusedFile, first_line
from nhtz.ingest.cells import UncomputedFormula, is_blank

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}
OPENPYXL_SUFFIXES = {".xlsx", ".xlsm"}  # read lazily, row by row; Excel error cells stay visible
TEXT_SUFFIXES = {".csv", ".txt", ".tsv"}
# Tried in this order: UTF-8 (with or without BOM) is unambiguous when it decodes; GB18030 is a superset of GBK.
CSV_ENCODINGS = ("utf-8-sig", "gb18030")
_DELIMITERS = (",", "\t", ";", "|")

# Caps on what one submission may be. A quarterly submission is a few hundred rows and a few dozen columns
# (the whole synthetic history of all 178 parks is 3.6 MB); these are a hundred times that and more, and keep
# the peak memory of a landing run well under 1 GiB.
MAX_FILE_BYTES = 64 * 2**20
MAX_UNPACKED_BYTES = 128 * 2**20  # what a workbook's zip parts unpack to (a zip bomb declares gigabytes)
MAX_COLUMNS = 1_000
MAX_CELLS = 2_000_000  # cells held for one file, blanks inside rows included
# .xls, .xlsb and .ods are read by python-calamine, which holds a sheet as the full rectangle its cells span
# (cells at A1 and XFD1048576 ask for 512 GiB and abort the process): it runs in a child process with this much
# address space, so an absurd sheet ends the child, not the landing run. 512 MiB holds a sheet of 15 million cells.
CHILD_MEMORY_BYTES = 512 * 2**20
CHILD_TIMEOUT_SECONDS = 120

# A formula element in a sheet part (`<f>`, `<f t="shared" …>`, `<x:f>`); `<font>` and `<fill>` do not match.
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")


@dataclass
class SheetTable:
    sheet: str | None  # None for a CSV
    rows: list[list]  # rows[i] is the row a person sees as number i + 1; trailing blank cells trimmed


@dataclass
class SourceFile:
    file_format: str
    encoding: str | None
    tables: list[SheetTable] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def read_source(path: Path, content: bytes) -> SourceFile:
    """The tables in a submission; RefusedFile (one line, for people) when the file is not a table at all."""
    suffix = path.suffix.lower()
    if not content.strip():
        raise RefusedFile("empty file")
    if len(content) > MAX_FILE_BYTES:
        raise RefusedFile(too_large_line(len(content)))
    if suffix in OPENPYXL_SUFFIXES:
        return _read_xlsx(content, suffix)
    if suffix in EXCEL_SUFFIXES:
        return _read_in_child(content, suffix)
    if suffix in TEXT_SUFFIXES:
        return _read_text_table(content)
    raise RefusedFile(f"not a table: {suffix or 'a file without extension'} is not a submission format (.xlsx or .csv)")


def too_large_line(size: int) -> str:
    return f"too large: {size / 2**20:,.1f} MiB (a submission is at most {MAX_FILE_BYTES // 2**20} MiB)"


def column_letter(index: int) -> str:
    """Excel's name of the 0-based column `index`: 0 → A, 25 → Z, 26 → AA, 16383 → XFD.

    (openpyxl has one too, but importing openpyxl takes half a second, and the calamine child must start fast.)
    """
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


class TableLimits:
    """Counts the cells of one file as its rows are read, and refuses the file when a cap is passed."""

    def __init__(self):
        self.cells = 0

    def bounded_row(self, cells: Iterable, row_number: int, sheet: str | None) -> list:
        """A row with its trailing blank cells trimmed; RefusedFile when it is too wide or the file too large."""
        row = cells if isinstance(cells, list) else list(cells)
        while row and is_blank(row[-1]):
            row.pop()
        where = f" on sheet {sheet}" if sheet else ""
        if len(row) > MAX_COLUMNS:
            raise RefusedFile(
                f"too wide: a filled cell at {column_letter(len(row) - 1)}{row_number}{where} "
                f"(column {len(row):,}; a submission table is at most {MAX_COLUMNS:,} columns wide)"
            )
        self.cells += len(row)
        if self.cells > MAX_CELLS:
            raise RefusedFile(f"too large: more than {MAX_CELLS:,} cells (reached at row {row_number}{where})")
        return row


def _has_filled_cell(table: SheetTable) -> bool:
    return any(any(not is_blank(cell) for cell in row) for row in table.rows)


def _workbook_source(suffix: str, tables: list[SheetTable], hidden: list[str]) -> SourceFile:
    # A hidden sheet is not what the park shows as its report (lookup lists, old copies): it is not read.
    notes = [f"hidden sheet {name} not read" for name in hidden]
    tables = [table for table in tables if _has_filled_cell(table)]
    if not tables:
        visible = " visible" if hidden else ""
        raise RefusedFile(f"empty file: the workbook has no filled cell on any{visible} sheet" + (
            f" (hidden, not read: {', '.join(hidden)})" if hidden else ""))
    return SourceFile(file_format=suffix.lstrip("."), encoding=None, tables=tables, notes=notes)


# --- .xlsx and .xlsm: openpyxl, read-only, row by row ---------------------------------------------------------


def _check_unpacked_size(archive: zipfile.ZipFile, suffix: str) -> None:
    """Refuse a workbook whose parts unpack to more than a submission can be: a zip bomb is refused unread.

    Python's zipfile never inflates a part beyond the size its directory declares, so the declared sizes bind.
    """
    parts = archive.infolist()
    total = sum(part.file_size for part in parts)
    if total > MAX_UNPACKED_BYTES:
        largest = max(parts, key=lambda part: part.file_size)
        packed = sum(part.compress_size for part in parts)
        raise RefusedFile(
            f"too large: the {suffix} workbook unpacks to {total / 2**20:,.0f} MiB from {packed / 2**20:,.1f} MiB "
            f"({largest.filename} alone {largest.file_size / 2**20:,.0f} MiB; at most {MAX_UNPACKED_BYTES // 2**20} MiB)"
        )


def _has_formulas(archive: zipfile.ZipFile) -> bool:
    """Whether a sheet part holds a formula element: only then is a second pass needed to find uncalculated ones."""
    for part in archive.infolist():
        name = part.filename.lower()
        if not name.endswith(".xml") or "sheet" not in name.rsplit("/", 1)[-1] or "sharedstrings" in name:
            continue
        with archive.open(part) as stream:
            tail = b""
            while chunk := stream.read(2**20):
                if _FORMULA_TAG.search(tail + chunk):
                    return True
                tail = chunk[-64:]
    return False


def _with_uncomputed_formulas(values: tuple, formulas: tuple) -> list:
    """A row of calculated values where every formula cell without a calculated value is marked as such."""
    row = list(values)
    for index, (value, formula) in enumerate(zip(values, formulas)):
        if value is None and formula is not None:
            row[index] = UncomputedFormula(formula if isinstance(formula, str) else f"={getattr(formula, 'text', '')}")
    return row


def _read_xlsx(content: bytes, suffix: str) -> SourceFile:
    import openpyxl  # imported here: the CSV path and the calamine child do not need it

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            _check_unpacked_size(archive, suffix)
            has_formulas = _has_formulas(archive)
        with warnings.catch_warnings():
            # openpyxl warns about workbook features it does not read (data validation, default styles): noise here
            warnings.simplefilter("ignore")
            values = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            formulas = openpyxl.load_workbook(io.BytesIO(content), read_only=True) if has_formulas else None
            try:
                return _read_worksheets(values, formulas, suffix)
            finally:
                values.close()
                if formulas is not None:
                    formulas.close()
    except RefusedFile:
        raise
    except MemoryError:
        raise RefusedFile(f"too large: the {suffix} workbook does not fit in memory") from None
    except Exception as error:  # any failure of the zip or XML reader refuses this file, never the run
        raise RefusedFile(f"not a table: not a readable {suffix} workbook ({first_line(error)})") from None


def _read_worksheets(values, formulas, suffix: str) -> SourceFile:
    limits = TableLimits()
    tables, hidden = [], []
    for sheet in values.worksheets:
        if sheet.sheet_state != "visible":
            hidden.append(sheet.title)
            continue
        # Never the declared used range (<dimension ref="A1:XFD1048576">): only the cells the sheet holds.
        sheet.reset_dimensions()
        rows: Iterable = sheet.iter_rows(values_only=True)
        if formulas is not None:
            formula_sheet = formulas[sheet.title]
            formula_sheet.reset_dimensions()
            rows = map(_with_uncomputed_formulas, rows, formula_sheet.iter_rows(values_only=True))
        table = SheetTable(sheet.title, [])
        try:
            for number, row in enumerate(rows, start=1):
                # rows the sheet does not have come as one shared empty row: a stray cell a million rows down
                # costs a million list entries, not a million rows of cells
                table.rows.append(limits.bounded_row(row, number, sheet.title) if row else row)
        except (ValueError, TypeError, KeyError) as error:  # openpyxl meets a cell its parser cannot read
            raise RefusedFile(
                f"not a table: a damaged cell on sheet {sheet.title} below row {len(table.rows)} ({first_line(error)})"
            ) from None
        tables.append(table)
    return _workbook_source(suffix, tables, hidden)


# --- .xls, .xlsb, .ods: python-calamine in a child process with bounded memory ---------------------------------


def read_with_calamine(content: bytes, suffix: str) -> SourceFile:
    """Every sheet through python-calamine (which shows an Excel error cell as a blank: see docs/ingestion.md)."""
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    # Opened by a file name with its suffix, python-calamine uses that format's reader and says what is wrong
    # (from bytes it tries every format and only says "Cannot detect file format").
    with tempfile.NamedTemporaryFile(suffix=suffix) as copy:
        copy.write(content)
        copy.flush()
        try:
            workbook = CalamineWorkbook.from_path(copy.name)
        except Exception as error:
            raise RefusedFile(f"not a table: not a readable {suffix} workbook ({first_line(error)})") from None
    limits = TableLimits()
    tables, hidden = [], []
    for sheet in workbook.sheets_metadata:
        if sheet.visible != SheetVisibleEnum.Visible:
            hidden.append(sheet.name)
            continue
        try:
            rows = workbook.get_sheet_by_name(sheet.name).to_python(skip_empty_area=False)
        except Exception as error:
            raise RefusedFile(f"not a table: not a readable {suffix} workbook ({first_line(error)})") from None
        tables.append(SheetTable(sheet.name, [limits.bounded_row(row, n, sheet.name) for n, row in enumerate(rows, 1)]))
    return _workbook_source(suffix, tables, hidden)


def _read_in_child(content: bytes, suffix: str) -> SourceFile:
    command = [sys.executable, "-m", "nhtz.ingest.calamine_child", suffix, str(CHILD_MEMORY_BYTES)]
    try:
        child = subprocess.run(command, input=content, capture_output=True, timeout=CHILD_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        raise RefusedFile(f"too large: the {suffix} workbook took more than {CHILD_TIMEOUT_SECONDS} s to read") from None
    if child.returncode == 0:
        return pickle.loads(child.stdout)  # written by our own child process just now
    said = child.stderr.decode("utf-8", "replace").strip().splitlines() or ["no message"]
    if child.returncode == 2:
        raise RefusedFile(said[-1])
    if child.returncode < 0:  # ended by a signal: python-calamine aborts when an allocation fails
        raise RefusedFile(
            f"too large: reading the {suffix} workbook needs more than {CHILD_MEMORY_BYTES // 2**20} MiB "
            "(its cells span an absurd range; delete the stray cells far from the table)"
        )
    raise RefusedFile(f"not a table: not a readable {suffix} workbook (the reader failed: {said[-1]})")


# --- CSV and other text ---------------------------------------------------------------------------------------

# Byte-order marks, longest first (a UTF-32 LE mark starts with the UTF-16 LE one).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Every byte but the control bytes that do not occur in text: deleting these from a sample leaves the others.
_NOT_BINARY = bytes(b for b in range(256) if b >= 32 or b in b"\t\n\r\x0c\x1a")


def _utf16_without_bom(sample: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when every other byte is mostly NUL (ASCII digits and separators in UTF-16)."""
    even, odd = sample[0::2], sample[1::2]
    if len(sample) < 4:
        return None
    even_nuls, odd_nuls = even.count(0) / len(even), odd.count(0) / max(len(odd), 1)
    if odd_nuls > 0.3 and even_nuls < 0.05:
        return "utf-16-le"
    if even_nuls > 0.3 and odd_nuls < 0.05:
        return "utf-16-be"
    return None


def _decode_as(content: bytes, encoding: str, how: str) -> str:
    try:
        return content.decode(encoding)
    except UnicodeDecodeError as error:
        raise RefusedFile(
            f"cannot decode the CSV: {how} but it does not decode as {encoding.upper()} (at byte {error.start:,})"
        ) from None


def decode_text(content: bytes) -> tuple[str, str]:
    """(text, encoding) of a CSV, or RefusedFile when it is binary or in none of the accepted encodings.

    UTF-8, GBK/GB18030 and UTF-16/32 with a byte-order mark are read; UTF-16 without one is read when its NUL
    bytes say so. A UTF-8 byte-order mark in front of GBK text (some tools add one blindly) is dropped.
    """
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            body = content[len(bom):]
            if encoding != "utf-8":
                return _decode_as(body, encoding, f"it starts with a {encoding.upper()} byte-order mark"), encoding
            try:
                return body.decode("utf-8"), "utf-8-sig"
            except UnicodeDecodeError:
                try:
                    return body.decode("gb18030"), "gb18030 after a utf-8 byte-order mark"
                except UnicodeDecodeError:
                    raise RefusedFile("cannot decode the CSV: a UTF-8 byte-order mark, but neither UTF-8 nor GBK text") from None
    sample = content[:65536]
    utf16 = _utf16_without_bom(sample[: len(sample) // 2 * 2])
    if utf16:
        return _decode_as(content, utf16, "it looks like UTF-16 text without a byte-order mark"), utf16
    # Binary formats are about one byte in eight below 0x20; text with a stray NUL is read (the cell holding it
    # is quarantined), so only a share of control bytes above 5 % means "not text".
    controls = len(sample.translate(None, _NOT_BINARY))
    if controls > len(sample) / 20:
        raise RefusedFile("not a table: binary content, not a CSV text")
    for encoding in CSV_ENCODINGS:
        try:
            return content.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise RefusedFile("cannot decode the CSV: neither UTF-8 nor GBK/GB18030")


def _read_text_table(content: bytes) -> SourceFile:
    text, encoding = decode_text(content)
    delimiter = _delimiter_of(text[:65536].splitlines()[:20])
    limits = TableLimits()
    # A cell may be long (it is quarantined then, not the whole file): csv's default cap is 128 KiB.
    previous_limit = csv.field_size_limit(MAX_FILE_BYTES)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    try:
        for row in reader:
            rows.append(limits.bounded_row(row, len(rows) + 1, None))
    except csv.Error as error:
        raise RefusedFile(f"not a table: unreadable CSV at line {reader.line_num} ({error})") from None
    finally:
        csv.field_size_limit(previous_limit)
    notes = ["a UTF-8 byte-order mark in front of GBK text was dropped"] if encoding.endswith("byte-order mark") else []
    return SourceFile(file_format="csv", encoding=encoding.split()[0], tables=[SheetTable(None, rows)], notes=notes)


def _delimiter_of(lines: list[str]) -> str:
    """The separator used most often in the first lines; a comma when none is used at all."""
    counts = {delimiter: sum(line.count(delimiter) for line in lines) for delimiter in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","
