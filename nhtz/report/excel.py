"""The one Excel helper behind both workbooks (the quarterly report and the park feedback workbook).

Sheet names, header styles, column widths, number formats and print setup live here, so the two workbooks
look and print alike: every sheet prints landscape on A4, one page wide, with its title and header rows
repeated on every page and page numbers in the footer. Numbers are stored rounded to the decimals their format
shows (`numbers.rounded`): a cell never holds 57032.94759999996 behind a display of 57,032.95.
"""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import xlsxwriter

from nhtz.report.numbers import is_missing, rounded

BASE = {"font_name": "等线", "font_size": 10, "valign": "top"}
# Excel number formats of the table column kinds; the decimals match numbers.DISPLAY_DIGITS.
NUMBER_FORMATS = {
    "money": "#,##0.00",
    "pct": '0.0"%"',  # the cell holds 12.5 for 12.5 %, as the marts do
    "pp": "0.00",
    "ratio": "#,##0.00",
    "score": "0.00",
    "count": "#,##0",
    "rank": "0",
    "signed": "+0;-0;0",
    "submitted": "#,##0.0000",
}
A4 = 9  # xlsxwriter's paper code
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_MAX = 31
LINE_HEIGHT = 14  # points per line of 10-point text


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    fmt: str | Callable[[dict], str] = "text"  # a format name, or a function of the row giving one
    width: float = 12


def sheet_name(wanted: str, taken: set[str]) -> str:
    """An Excel sheet name: at most 31 characters, none of []:*?/\\, unique in the workbook (`_2`, `_3` …)."""
    base = SHEET_NAME_FORBIDDEN.sub("_", wanted)[: SHEET_NAME_MAX - 3] or "园区"
    name, n = base, 2
    while name in taken:
        name, n = f"{base[: SHEET_NAME_MAX - 5]}_{n}", n + 1
    taken.add(name)
    return name


def wrapped_lines(text: str, per_line: int) -> int:
    """How many lines a wrapped cell needs (Chinese characters per line given), so that its row is set tall
    enough to print the whole text: Excel does not grow rows for wrapped text written by a library."""
    return sum(max(1, -(-len(line) // per_line)) for line in str(text).split("\n"))


class Book:
    """An xlsxwriter workbook with the project's formats; `close()` writes the file."""

    def __init__(self, path: Path):
        self.book = xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": True})
        add = self.book.add_format
        self.formats = {
            "title": add({**BASE, "bold": True, "font_size": 14, "valign": "vcenter"}),
            "note": add({**BASE, "italic": True, "font_color": "#555555"}),
            "header": add({**BASE, "bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                           "valign": "vcenter", "align": "center"}),
            "label": add({**BASE, "bold": True, "bg_color": "#F2F2F2", "border": 1}),
            "answer": add({**BASE, "border": 1, "bg_color": "#FFF9DB", "text_wrap": True}),
            "block": add({**BASE, "border": 1, "text_wrap": True}),
            "text": add(BASE),
            "wrap": add({**BASE, "text_wrap": True}),
            "error": add({**BASE, "font_color": "#C00000", "bold": True}),
            **{kind: add({**BASE, "num_format": number_format}) for kind, number_format in NUMBER_FORMATS.items()},
        }

    def sheet(self, name: str, header_rows: int):
        """A worksheet set up to print: landscape A4, one page wide, rows 1..`header_rows` repeated on every page."""
        sheet = self.book.add_worksheet(name)
        sheet.set_landscape()
        sheet.set_paper(A4)
        sheet.fit_to_pages(1, 0)  # one page wide, as many pages high as the rows need
        sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        sheet.set_footer("&C第 &P 页，共 &N 页")
        sheet.repeat_rows(0, header_rows - 1)
        sheet.freeze_panes(header_rows, 0)
        return sheet

    def titled_table(self, name: str, title: str, note: str, columns: list[Column], rows: list[dict]):
        """A sheet of one table: title (row 1), note (row 2), headers (row 3, repeated when printed), rows."""
        sheet = self.sheet(name, header_rows=3)
        sheet.write(0, 0, title, self.formats["title"])
        sheet.write(1, 0, note, self.formats["note"])
        self.table(sheet, 2, columns, rows)
        if rows:
            sheet.autofilter(2, 0, 2 + len(rows), len(columns) - 1)
        return sheet

    def table(self, sheet, first_row: int, columns: list[Column], rows: list[dict], set_widths: bool = True) -> int:
        """Headers at `first_row`, then the rows; returns the next free row. A second table on a sheet keeps
        the first one's column widths (set_widths=False)."""
        sheet.set_row(first_row, 30)
        for c, column in enumerate(columns):
            sheet.write(first_row, c, column.header, self.formats["header"])
            if set_widths:
                sheet.set_column(c, c, column.width)
        for r, row in enumerate(rows, start=first_row + 1):
            for c, column in enumerate(columns):
                self.cell(sheet, r, c, row.get(column.key), column.fmt(row) if callable(column.fmt) else column.fmt)
        return first_row + 1 + len(rows)

    def cell(self, sheet, row: int, col: int, value, fmt: str) -> None:
        """One value: blank when missing, text as text, a number rounded to the decimals its format shows."""
        style = self.formats[fmt]
        if is_missing(value):
            sheet.write_blank(row, col, None, style)
        elif isinstance(value, str):
            sheet.write_string(row, col, value, style)
        else:
            sheet.write_number(row, col, rounded(value, fmt), style)

    def pairs(self, sheet, first_row: int, pairs: list[tuple[str, str]], span: int, chars_per_line: int) -> int:
        """`label | text` rows (a header block, a glossary): the text merged over columns 1..`span`, wrapped, and
        the row made tall enough to print it; returns the next free row."""
        for r, (label, text) in enumerate(pairs, start=first_row):
            sheet.write_string(r, 0, label, self.formats["label"])
            sheet.merge_range(r, 1, r, span, text, self.formats["block"])
            sheet.set_row(r, LINE_HEIGHT * wrapped_lines(text, chars_per_line))
        return first_row + len(pairs)

    def close(self) -> None:
        self.book.close()
