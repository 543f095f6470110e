"""Writing a table as the file a park would send: CSV in its encoding, or an Excel workbook.

Files are byte-identical for the same table: xlsxwriter stamps zip entries with a fixed date, and the
workbook's creation date is fixed here rather than taken from the clock.
"""

import csv
import io
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import xlsxwriter

from nhtz.synth import formats as fmt
from nhtz.synth.tables import Style, Table

FIXED_CREATED = datetime(2024, 1, 1, 0, 0, 0)


def _as_text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, Decimal):
        return fmt.plain(cell)
    return str(cell)


def write_csv(path: Path, table: Table, style: Style) -> str:
    """Writes the CSV and returns the encoding used: GBK, or GB18030 for a character GBK lacks."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=style.newline).writerows([[_as_text(c) for c in row] for row in table.rows])
    text = buffer.getvalue()
    encoding = style.encoding or "utf-8"
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        encoding = "gb18030"
        data = text.encode(encoding)
    path.write_bytes(data)
    return encoding


def write_xlsx(path: Path, table: Table, style: Style) -> None:
    workbook = xlsxwriter.Workbook(str(path), {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False})
    workbook.set_properties({"created": FIXED_CREATED, "author": "nhtz synth", "title": style.period_label})
    sheet = workbook.add_worksheet(style.sheet or "Sheet1")
    width = len(table.rows[-1])
    for r, row in enumerate(table.rows):
        if r < table.title_rows and width > 1:
            # exported reports centre the title over the table in a merged cell
            sheet.merge_range(r, 0, r, width - 1, row[0])
            continue
        for c, cell in enumerate(row):
            if cell is None:
                continue
            if isinstance(cell, Decimal):
                sheet.write_number(r, c, float(cell))
            else:
                sheet.write_string(r, c, str(cell))
    sheet.set_column(0, 0, 28)
    workbook.close()


def write_table(path: Path, table: Table, style: Style) -> str | None:
    """Writes the file; returns the CSV encoding actually used (None for a workbook)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if style.file_format == "xlsx":
        write_xlsx(path, table, style)
        return None
    return write_csv(path, table, style)
