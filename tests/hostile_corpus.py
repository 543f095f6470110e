"""A corpus of hostile submission files, each with the outcome ingestion must give it.

    python tests/hostile_corpus.py OUT      # writes OUT/landing (the submissions) and OUT/elsewhere

Importable: `write_corpus(root)` writes the files and returns the landing folder; `CASES` holds, per file, what
`land_paths` must report (landed / skipped / refused, rows read, landed and quarantined, and the reasons). Every
expectation is worked out by hand from the file's content below, not from the code under test.

The cases: non-finite numbers, Excel error cells, absurd used ranges, conflicts across sheets, duplicate header
columns, UTF-16, a huge cell, symbolic links out of the folder, the refusals and quarantines of docs/ingestion.md,
and the usual suspects (empty files, a renamed PDF, a zip bomb, NUL bytes, 10 000 columns, mixed line endings,
a UTF-8 BOM on GBK text, a header alone, uncalculated formulas, merged cells, hidden sheets, date serials,
impossible negatives, unit slips, 1e308, -0, long and SQL-like park names, look-alike characters).
"""

import os
import random
import struct
import sys
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

import openpyxl
import xlsxwriter

HEADER = ["园区名称", "统计期", "营业收入(亿元)", "园区生产总值(亿元)"]
HEADER_LINE = ",".join(HEADER)
TEN_MIB = 10 * 2**20


@dataclass(frozen=True)
class Expected:
    status: str  # landed, skipped or refused
    read: int = 0
    landed: int = 0
    quarantined: int = 0
    says: str = ""  # refused: part of the one-line reason; landed: part of the file's notes
    reasons: dict = field(default_factory=dict)  # row number (or (sheet, row)) → the exact quarantine reason
    values: tuple = ()  # (park_id, period_month, indicator_code, value) of every value landed, in that order


@dataclass(frozen=True)
class Case:
    name: str
    expected: Expected
    write: Callable[[Path, Path], None]  # (landing folder, a folder outside it)


CASES: list[Case] = []


def case(name: str, expected: Expected):
    def register(write):
        CASES.append(Case(name, expected, write))
        return write

    return register


def _csv(path: Path, lines: list[str], encoding: str = "utf-8") -> None:
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))


def _csv_file(name: str, lines: list[str], expected: Expected) -> None:
    """A case that is a UTF-8 CSV of these lines."""
    CASES.append(Case(name, expected, lambda landing, _: _csv(landing / name, lines)))


def _workbook(path: Path, sheets: dict[str, list[list]], hidden: tuple = ()) -> None:
    """An .xlsx written by openpyxl: text cells equal to an Excel error become error cells, `=…` become formulas
    without a calculated value (openpyxl never calculates)."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if title in hidden:
            sheet.sheet_state = "hidden"
    workbook.save(path)


def _rewrite_part(path: Path, part: str, change: Callable[[str], str]) -> None:
    """Edit one XML part of a workbook in place (what a hostile or broken writer would have produced)."""
    with zipfile.ZipFile(path) as source:
        parts = [(info, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in parts:
            if info.filename == part:
                data = change(data.decode("utf-8")).encode("utf-8")
            target.writestr(info, data)


SHEET1 = "xl/worksheets/sheet1.xml"


def _edited_workbook(name: str, rows: list[list], edit: Callable[[str], str], expected: Expected) -> None:
    """A case that is a one-sheet workbook (sheet `data`) whose sheet XML was edited after writing."""
    def write(landing: Path, _) -> None:
        _workbook(landing / name, {"data": [HEADER, *rows]})
        _rewrite_part(landing / name, SHEET1, edit)

    CASES.append(Case(name, expected, write))


# --- 1. numbers that are not finite ----------------------------------------------------------------------------

_csv_file("non_finite.csv", [
        HEADER_LINE, "兰州,2024Q2,inf,5", "大连,2024Q2,-inf,5", "中关村,2024Q2,NaN,5", "苏州,2024Q2,1e400,5",
        "武汉东湖,2024Q2,12,nan", "兰州,2024Q1,7,3.5",
    ], Expected(
    "landed", read=6, landed=1, quarantined=5,
    reasons={
        2: "row 2, column 营业收入(亿元): 'inf' is not a finite number",
        3: "row 3, column 营业收入(亿元): '-inf' is not a finite number",
        4: "row 4, column 营业收入(亿元): 'NaN' is not a finite number",
        5: "row 5, column 营业收入(亿元): '1e400' is not a finite number",
        6: "row 6, column 园区生产总值(亿元): 'nan' is not a finite number",
    },
    values=(("lanzhou", 3, "gdp", 3.5), ("lanzhou", 3, "revenue", 7.0)),
))


_edited_workbook(
    "non_finite.xlsx", [["兰州", "2024Q2", 123456, 5], ["大连", "2024Q2", 20, 8]],
    lambda xml: xml.replace("<v>123456</v>", "<v>1e400</v>"),  # beyond a double
    Expected(
        "landed", read=2, landed=1, quarantined=1,
        reasons={("data", 2): "row 2, column 营业收入(亿元): 'inf' is not a finite number"},
        values=(("dalian", 6, "gdp", 8.0), ("dalian", 6, "revenue", 20.0)),
    ),
)


_edited_workbook(
    "nan_in_a_number_cell.xlsx", [["兰州", "2024Q2", 123456, 5]],
    lambda xml: xml.replace("<v>123456</v>", "<v>NaN</v>"),  # no writer does this
    Expected("refused", says="not a table: a damaged cell on sheet data below row 1 (invalid literal for int()"),
)


# --- 2. Excel error cells --------------------------------------------------------------------------------------

EXCEL_ERRORS = ["#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NUM!", "#NAME?", "#NULL!"]


@case("excel_errors.xlsx", Expected(
    "landed", read=9, landed=1, quarantined=8,
    reasons={
        **{("data", 2 + i): f"row {2 + i}, column 营业收入(亿元) (C{2 + i}): Excel error {error} in the cell"
           for i, error in enumerate(EXCEL_ERRORS)},
        ("data", 9): "row 9, column 园区名称 (A9): Excel error #N/A in the cell",
    },
    values=(("lanzhou", 6, "gdp", 5.0), ("lanzhou", 6, "revenue", 10.0)),
))
def _excel_errors(landing, _):
    rows = [HEADER] + [["大连", "2024Q2", error, 8] for error in EXCEL_ERRORS]
    rows += [["#N/A", "2024Q2", 1, 1], ["兰州", "2024Q2", 10, 5]]
    _workbook(landing / "excel_errors.xlsx", {"data": rows})


_csv_file("excel_error_as_text.csv", [HEADER_LINE, "兰州,2024Q2,#DIV/0!,5", "大连,2024Q2,20,8"], Expected(
    "landed", read=2, landed=1, quarantined=1,
    reasons={2: "row 2, column 营业收入(亿元) (C2): Excel error #DIV/0! in the cell"},
    values=(("dalian", 6, "gdp", 8.0), ("dalian", 6, "revenue", 20.0)),
))


@case("formula_without_value.xlsx", Expected(
    "landed", read=2, landed=1, quarantined=1,
    reasons={("data", 2): "row 2, column 园区生产总值(亿元) (D2): formula =C2/2 has no calculated value "
                          "(open and save the file in Excel or WPS)"},
    values=(("dalian", 6, "gdp", 8.0), ("dalian", 6, "revenue", 20.0)),
))
def _formula_without_value(landing, _):
    _workbook(landing / "formula_without_value.xlsx", {"data": [HEADER, ["兰州", "2024Q2", 10, "=C2/2"],
                                                                ["大连", "2024Q2", 20, 8]]})


@case("formula_with_value.xlsx", Expected(
    "landed", read=1, landed=1, values=(("suzhou", 6, "gdp", 5.0), ("suzhou", 6, "revenue", 10.0))))
def _formula_with_value(landing, _):
    workbook = xlsxwriter.Workbook(landing / "formula_with_value.xlsx")
    sheet = workbook.add_worksheet("data")
    sheet.write_row("A1", HEADER)
    sheet.write_row("A2", ["苏州", "2024Q2", 10])
    sheet.write_formula("D2", "=C2/2", None, 5)  # what Excel saves: the formula and its calculated value
    workbook.close()


# --- 3. absurd used ranges --------------------------------------------------------------------------------------

_edited_workbook(
    "absurd_dimension.xlsx", [["兰州", "2024Q3", 12, 6]],
    lambda xml: xml.replace('<dimension ref="A1:D2"', '<dimension ref="A1:XFD1048576"'),  # declared, not filled
    Expected("landed", read=1, landed=1, values=(("lanzhou", 9, "gdp", 6.0), ("lanzhou", 9, "revenue", 12.0))),
)


def _corner_cell(xml: str) -> str:
    return xml.replace("</sheetData>", '<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row></sheetData>')


_edited_workbook(
    "absurd_corner.xlsx", [["兰州", "2024Q3", 12, 6]],
    _corner_cell,  # python-calamine would ask for 512 GiB here
    Expected("refused", says="too wide: a filled cell at XFD1048576 on sheet data (column 16,384; a submission "
                             "table is at most 1,000 columns wide)"),
)


@case("xlsx_named.xlsb", Expected(
    "refused", says="not a table: not a readable .xlsb workbook (File not found: 'xl/workbook.bin')"))
def _xlsx_named_xlsb(landing, _):
    _workbook(landing / "xlsx_named.xlsb", {"data": [HEADER, ["大连", "2024Q3", 12, 6]]})


def _ods(path: Path, extra_rows: str = "") -> None:
    cells = "".join(f'<table:table-cell office:value-type="string"><text:p>{h}</text:p></table:table-cell>' for h in HEADER)
    row = ('<table:table-cell office:value-type="string"><text:p>大连</text:p></table:table-cell>'
           '<table:table-cell office:value-type="string"><text:p>2024Q3</text:p></table:table-cell>'
           '<table:table-cell office:value-type="float" office:value="30"><text:p>30</text:p></table:table-cell>')
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="data">'
        f"<table:table-row>{cells}</table:table-row><table:table-row>{row}</table:table-row>{extra_rows}"
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", manifest)


@case("small.ods", Expected("landed", read=1, landed=1, values=(("dalian", 9, "revenue", 30.0),)))
def _small_ods(landing, _):
    _ods(landing / "small.ods")


def _far_cell_rows(rows: int) -> str:
    """ODS rows repeated `rows` times, each 16 383 empty cells and a 1 in column XFD."""
    return (f'<table:table-row table:number-rows-repeated="{rows}">'
            '<table:table-cell table:number-columns-repeated="16383"/>'
            '<table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell>'
            "</table:table-row>")


@case("absurd_span.ods", Expected("refused", says="too large: reading the .ods workbook needs more than 512 MiB"))
def _absurd_span_ods(landing, _):
    # 6 000 rows × 16 384 columns = 98 million cells declared in 1 KB: python-calamine fills them in, runs out of
    # its child's 512 MiB and aborts the child, not the run
    _ods(landing / "absurd_span.ods", _far_cell_rows(6000))


@case("absurd_rows.ods", Expected(
    "refused", says="not a table: not a readable .ods workbook (Cell limit exceeded (17179852800 cells requested"))
def _absurd_ods(landing, _):
    # a million rows of 16 384 cells: 17 billion, which python-calamine refuses by itself
    _ods(landing / "absurd_rows.ods", _far_cell_rows(1048573))


# --- 4. conflicts across sheets ---------------------------------------------------------------------------------

@case("conflict_across_sheets.xlsx", Expected(
    "landed", read=3, landed=1, quarantined=2,
    reasons={
        ("一季度报", 2): "row 2: conflicting values for lanzhou 2024-03 revenue on sheet 一季度报 "
                        "(also given in row 2 of sheet 更正)",
        ("更正", 2): "row 2: conflicting values for lanzhou 2024-03 revenue on sheet 更正 (also given in row 2 of sheet 一季度报)",
    },
    values=(("dalian", 3, "revenue", 3.0),),
))
def _conflict_sheets(landing, _):
    header = HEADER[:3]
    _workbook(landing / "conflict_across_sheets.xlsx", {
        "一季度报": [header, ["兰州", "2024Q1", 10]],
        "更正": [header, ["兰州", "2024Q1", 12], ["大连", "2024Q1", 3]],
    })


# --- 5. duplicate header columns --------------------------------------------------------------------------------

_csv_file("duplicate_park_columns.csv", ["园区,园区名称,统计期,营业收入", "兰州,大连,2024Q2,5"], Expected(
    "refused", says="two park columns in the header (row 1: A 园区, B 园区名称): keep one"))


@case("duplicate_period_columns.xlsx", Expected(
    "refused", says="sheet data: two period columns in the header (row 1: B 统计期, C 报告期): keep one"))
def _duplicate_period(landing, _):
    _workbook(landing / "duplicate_period_columns.xlsx",
              {"data": [["园区名称", "统计期", "报告期", "营业收入"], ["兰州", "2024Q1", "2024Q2", 5]]})


@case("duplicate_indicator_columns.csv", Expected(
    "landed", read=2, landed=1, quarantined=1, says="columns C 营业收入(亿元) and D 营业收入(万元) both give revenue",
    reasons={3: "row 3: conflicting values for dalian 2024-06 revenue (columns C 营业收入(亿元) and D 营业收入(万元) differ)"},
    values=(("lanzhou", 6, "revenue", 1.5),),
))
def _duplicate_indicator(landing, _):
    # 1.5 亿元 and 15 000 万元 are one figure; 2 亿元 and 30 000 万元 are not
    _csv(landing / "duplicate_indicator_columns.csv",
         ["园区,统计期,营业收入(亿元),营业收入(万元)", "兰州,2024Q2,1.5,15000", "大连,2024Q2,2,30000"])


# --- 6. UTF-16 ---------------------------------------------------------------------------------------------------

UTF16_TEXT = [HEADER_LINE, "天津滨海,2024Q1,40,20"]


@case("utf16_le_bom.csv", Expected("landed", read=1, landed=1,
                                   values=(("tianjin_binhai", 3, "gdp", 20.0), ("tianjin_binhai", 3, "revenue", 40.0))))
def _utf16_le(landing, _):
    _csv(landing / "utf16_le_bom.csv", UTF16_TEXT, encoding="utf-16")  # Python writes the LE mark FF FE


@case("utf16_be_bom.csv", Expected("landed", read=1, landed=1,
                                   values=(("suzhou", 3, "gdp", 20.0), ("suzhou", 3, "revenue", 40.0))))
def _utf16_be(landing, _):
    text = "\n".join([HEADER_LINE, "苏州,2024Q1,40,20"]) + "\n"
    (landing / "utf16_be_bom.csv").write_bytes(b"\xfe\xff" + text.encode("utf-16-be"))


@case("utf16_le_without_bom.csv", Expected("landed", read=1, landed=1,
                                           values=(("dalian", 3, "gdp", 21.0), ("dalian", 3, "revenue", 41.0))))
def _utf16_no_bom(landing, _):
    text = "\n".join([HEADER_LINE, "大连,2024Q1,41,21"]) + "\n"
    (landing / "utf16_le_without_bom.csv").write_bytes(text.encode("utf-16-le"))


@case("utf16_damaged.csv", Expected(
    "refused", says="cannot decode the CSV: it starts with a UTF-16-LE byte-order mark but it does not decode as UTF-16-LE"))
def _utf16_damaged(landing, _):
    text = "\n".join(UTF16_TEXT) + "\n"
    (landing / "utf16_damaged.csv").write_bytes(b"\xff\xfe" + text.encode("utf-16-le") + b"\x00")  # an odd byte


# --- 7. a huge single cell -----------------------------------------------------------------------------------------

_csv_file("huge_cell.csv", [HEADER_LINE, "兰州,2024Q2," + "x" * TEN_MIB + ",5", "大连,2024Q2,20,8"], Expected(
    "landed", read=2, landed=1, quarantined=1,
    reasons={2: "row 2, column 营业收入(亿元) (C2): cell too long (10,485,760 characters; at most 10,000)"},
    values=(("dalian", 6, "gdp", 8.0), ("dalian", 6, "revenue", 20.0)),
))


_edited_workbook(
    "huge_cell.xlsx", [["苏州", "2024Q2", 20, 8], ["HUGE", "2024Q2", 1, 1]],
    lambda xml: xml.replace(">HUGE<", ">" + "y" * TEN_MIB + "<"),  # openpyxl writes inline strings
    Expected(
        "landed", read=2, landed=1, quarantined=1,
        reasons={("data", 3): "row 3, column 园区名称 (A3): cell too long (10,485,760 characters; at most 10,000)"},
        values=(("suzhou", 6, "gdp", 8.0), ("suzhou", 6, "revenue", 20.0)),
    ),
)


# --- 8. symbolic links -----------------------------------------------------------------------------------------------

@case("link_out.csv", Expected("refused", says="symbolic link to "))
def _link_out(landing, elsewhere):
    target = elsewhere / "secret.csv"
    _csv(target, [HEADER_LINE, "兰州,2023Q4,1,1"])
    os.symlink(target, landing / "link_out.csv")


@case("link_broken.csv", Expected("refused", says="broken symbolic link to nowhere.csv: not read"))
def _link_broken(landing, _):
    os.symlink("nowhere.csv", landing / "link_broken.csv")


@case("link_to_good_file.csv", Expected("skipped"))
def _link_inside(landing, _):
    os.symlink("good_wide.csv", landing / "link_to_good_file.csv")  # followed: its content landed already


_csv_file("good_wide.csv", [HEADER_LINE, "兰州,2023Q4,10.5,5.25", "大连,2023Q4,20,8"], Expected(
    "landed", read=2, landed=2,
    values=(("dalian", 12, "gdp", 8.0), ("dalian", 12, "revenue", 20.0),
            ("lanzhou", 12, "gdp", 5.25), ("lanzhou", 12, "revenue", 10.5)),
))


# --- whole files that are not submissions -------------------------------------------------------------------------

def _file(name: str, content: bytes, expected: Expected) -> None:
    """A case that is just these bytes under this name."""
    CASES.append(Case(name, expected, lambda landing, _: (landing / name).write_bytes(content)))


_file("empty.csv", b"", Expected("refused", says="empty file"))
_file("empty.xlsx", b"", Expected("refused", says="empty file"))
_file("pdf_renamed.xlsx", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n",
      Expected("refused", says="not a table: not a readable .xlsx workbook"))
_file("report.pdf", b"%PDF-1.4\n%%EOF\n",
      Expected("refused", says="not a table: .pdf is not a submission format (.xlsx or .csv)"))
_file("README", "园区名称,统计期,营业收入\n兰州,2024Q2,5\n".encode(),
      Expected("refused", says="not a table: a file without extension is not a submission format"))
_file("binary.csv", random.Random(11).randbytes(4096), Expected("refused", says="not a table: binary content, not a CSV text"))
_file("undecodable.csv", HEADER_LINE.encode() + b"\n\xff\xfe\x80,2024Q2,1,1\n",
      Expected("refused", says="cannot decode the CSV: neither UTF-8 nor GBK/GB18030"))


@case("empty_workbook.xlsx", Expected("refused", says="empty file: the workbook has no filled cell on any sheet"))
def _empty_workbook(landing, _):
    _workbook(landing / "empty_workbook.xlsx", {"Sheet1": []})


def _deflate_repeated(head: bytes, chunk: bytes, times: int, tail: bytes) -> tuple[bytes, int, int]:
    """(raw deflate stream, CRC-32, size) of head + chunk × times + tail, compressing the chunk only once: after a
    full flush the compressor starts afresh, so one compressed chunk can be repeated."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    last = compressor.compress(tail) + compressor.flush()
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(chunk, crc)
    return first + block * times + last, zlib.crc32(tail, crc), len(head) + len(chunk) * times + len(tail)


def _zip_with_deflated_part(path: Path, parts: dict[str, bytes], name: str, deflated: tuple[bytes, int, int]) -> None:
    """A zip holding `parts` (stored) and one part given already deflated (zipfile can only deflate by itself)."""
    entries, body = [], b""
    members = [(n, 0, data, zlib.crc32(data), len(data)) for n, data in parts.items()]
    members.append((name, 8, *deflated))
    for member, method, data, crc, size in members:
        encoded = member.encode()
        entries.append((encoded, method, crc, len(data), size, len(body)))
        body += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x800, method, 0, 0x21, crc, len(data), size, len(encoded), 0)
        body += encoded + data
    directory = b""
    for encoded, method, crc, packed, size, offset in entries:
        directory += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0x800, method, 0, 0x21, crc, packed, size,
                                 len(encoded), 0, 0, 0, 0, 0, offset) + encoded
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(directory), len(body), 0)
    path.write_bytes(body + directory + end)


@case("zip_bomb.xlsx", Expected("refused", says="too large: the .xlsx workbook unpacks to 256 MiB from 0.3 MiB"))
def _zip_bomb(landing, _):
    small = landing / "zip_bomb.xlsx"
    _workbook(small, {"data": [HEADER, ["兰州", "2024Q2", "x", 1]]})
    with zipfile.ZipFile(small) as workbook:
        parts = {n: workbook.read(n) for n in workbook.namelist() if n != "xl/sharedStrings.xml"}
    head = b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
    strings = _deflate_repeated(head, b"A" * 2**20, 256, b"</t></si></sst>")  # 256 MiB unpacked
    _zip_with_deflated_part(small, parts, "xl/sharedStrings.xml", strings)


@case("columns_10000.csv", Expected(
    "refused", says="too wide: a filled cell at NTP1 (column 10,000; a submission table is at most 1,000 columns wide)"))
def _wide(landing, _):
    header = HEADER[:3] + [f"备注{i}" for i in range(9_997)]
    _csv(landing / "columns_10000.csv", [",".join(header), "兰州,2024Q2,5" + ",1" * 9_997])


_csv_file("no_park_column.csv", ["名称,统计期,营业收入", "兰州,2024Q2,1"],
          Expected("refused", says="no park column in the header (row 1: 名称, 统计期, 营业收入)"))


_csv_file("no_period_column.csv", ["园区,时间,营业收入", "兰州,2024Q2,1"],
          Expected("refused", says="no period column in the header (row 1: 园区, 时间, 营业收入)"))


_csv_file("no_indicator_column.csv", ["园区,统计期,备注", "兰州,2024Q2,无"],
          Expected("refused", says="no indicator column in the header (row 1: 园区, 统计期, 备注)"))


_csv_file("title_only.csv", ["2024年二季度国家高新区主要经济指标", "", "填报单位：某某"], Expected(
    "refused", says="not a table: no header row with a park and a period column in the first 10 rows"))


# --- rows that are quarantined, and files that land ------------------------------------------------------------

_csv_file("nul_bytes.csv", [HEADER_LINE, "兰\x00州,2024Q2,10,5", "大连,2024Q2,20,8"], Expected(
    "landed", read=2, landed=1, quarantined=1,
    reasons={2: "row 2, column 园区名称 (A2): control character U+0000 in the cell (the file may be damaged)"},
    values=(("dalian", 6, "gdp", 8.0), ("dalian", 6, "revenue", 20.0)),
))


@case("mixed_line_endings.csv", Expected(
    "landed", read=3, landed=3,
    values=(("dalian", 3, "revenue", 2.0), ("lanzhou", 3, "revenue", 1.0), ("suzhou", 3, "revenue", 3.0)),
))
def _mixed_endings(landing, _):
    text = "园区名称,统计期,营业收入\r\n兰州,2024Q1,1\n大连,2024Q1,2\r苏州,2024Q1,3\r\n"
    (landing / "mixed_line_endings.csv").write_bytes(text.encode())


@case("bom_on_gbk.csv", Expected(
    "landed", read=1, landed=1, says="a UTF-8 byte-order mark in front of GBK text was dropped",
    values=(("lanzhou", 3, "revenue", 4.0),),
))
def _bom_gbk(landing, _):
    (landing / "bom_on_gbk.csv").write_bytes(b"\xef\xbb\xbf" + "园区名称,统计期,营业收入\n兰州,2024Q1,4\n".encode("gbk"))


_csv_file("header_only.csv", [HEADER_LINE], Expected("landed", read=0, landed=0, says="no data rows below the header (row 1)"))


@case("merged_cells.xlsx", Expected(
    "landed", read=2, landed=1, quarantined=1, reasons={("data", 4): "row 4: no park name"},
    values=(("lanzhou", 3, "gdp", 1.5), ("lanzhou", 3, "revenue", 3.0)),
))
def _merged(landing, _):
    path = landing / "merged_cells.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "data"
    sheet.append(["2024年国家高新区主要经济指标"])
    sheet.append(HEADER)
    sheet.append(["兰州", "2024Q1", 3, 1.5])
    sheet.append([None, "2024Q2", 6, 3])
    sheet.merge_cells("A1:D1")  # a title over the table: harmless
    sheet.merge_cells("A3:A4")  # one park name over two periods: Excel keeps it in A3 only
    workbook.save(path)


@case("hidden_sheet.xlsx", Expected(
    "landed", read=1, landed=1, says="hidden sheet 旧版 not read",
    values=(("suzhou", 12, "gdp", 5.0), ("suzhou", 12, "revenue", 10.0)),
))
def _hidden(landing, _):
    _workbook(landing / "hidden_sheet.xlsx", {
        "报表": [HEADER, ["苏州", "2023Q4", 10, 5]],
        "旧版": [HEADER, ["苏州", "2023Q4", 99, 99]],
    }, hidden=("旧版",))


@case("excel_date_serial.xlsx", Expected(
    "landed", read=2, landed=1, quarantined=1,
    reasons={("data", 2): "row 2, column 统计期: unknown period label '45473' "
                          "(an Excel date serial for 2024-06-30? format the cell as a date)"},
    values=(("tianjin_binhai", 6, "gdp", 4.0), ("tianjin_binhai", 6, "revenue", 9.0)),
))
def _date_serial(landing, _):
    _workbook(landing / "excel_date_serial.xlsx", {"data": [
        HEADER, ["天津滨海", 45473, 8, 3], ["天津滨海", datetime(2024, 6, 30), 9, 4]]})


_csv_file("negative_values.csv", ["园区名称,统计期,营业收入(亿元),净利润(亿元)", "兰州,2024Q2,-3,1", "大连,2024Q2,5,-2"], Expected(
    "landed", read=2, landed=1, quarantined=1,
    reasons={2: "row 2, column 营业收入(亿元): negative revenue (-3): 营业收入 cannot be negative"},
    values=(("dalian", 6, "net_profit", -2.0), ("dalian", 6, "revenue", 5.0)),
))


@case("unit_slip_1e8.csv", Expected("landed", read=1, landed=1, values=(("wuhan_donghu", 6, "revenue", 105_000_000_000.0),)))
def _unit_slip(landing, _):
    # 1 050 亿元 typed in 元 under a 亿元 header (×10⁸): lands as submitted; the audit rules hold it out
    _csv(landing / "unit_slip_1e8.csv", ["园区名称,统计期,营业收入(亿元)", "武汉东湖,2024Q2,105000000000"])


_csv_file("value_1e308.csv", ["园区名称,统计期,营业收入(亿元)", "中关村,2024Q2,1e308"],
          Expected("landed", read=1, landed=1, values=(("beijing_zgc", 6, "revenue", 1e308),)))


_csv_file("minus_zero.csv", ["园区名称,统计期,营业收入(亿元)", "中关村,2024Q1,-0"],
          Expected("landed", read=1, landed=1, values=(("beijing_zgc", 3, "revenue", 0.0),)))


LONG_NAME = "高新技术产业开发区" * 40  # 360 characters
UNKNOWN_LONG_NAME = "某某省某某市国家级高新技术产业开发区管理委员会统计科"  # 26 characters, no such park


_csv_file("long_park_names.csv", [
    "园区名称,统计期,营业收入(亿元)", f"{LONG_NAME},2024Q2,1", f"{UNKNOWN_LONG_NAME},2024Q2,1", "兰州,2024Q2,7",
], Expected(
    "landed", read=3, landed=1, quarantined=2,
    reasons={
        2: f"row 2, column 园区名称: no park has a name this long ({LONG_NAME[:80]}… (360 characters))",
        3: "row 3, column 园区名称: unknown park '" + UNKNOWN_LONG_NAME + "' (closest: ",
    },
    values=(("lanzhou", 6, "revenue", 7.0),),
))


SQL_NAMES = ["'; drop table raw.observations; --", "兰州'); delete from audit.ingest_log; --"]


@case("sql_like_park_names.csv", Expected(
    "landed", read=3, landed=1, quarantined=2,
    reasons={2: f"row 2, column 园区名称: unknown park {SQL_NAMES[0]!r} (closest: ",
             3: f"row 3, column 园区名称: unknown park {SQL_NAMES[1]!r} (closest: "},
    values=(("dalian", 6, "revenue", 6.0),),
))
def _sql_names(landing, _):
    lines = ["园区名称,统计期,营业收入(亿元)"] + ['"' + n.replace('"', '""') + '",2024Q2,1' for n in SQL_NAMES]
    _csv(landing / "sql_like_park_names.csv", lines + ["大连,2024Q2,6"])


@case("unicode_lookalikes.csv", Expected(
    "landed", read=3, landed=2, quarantined=1,
    reasons={4: "row 4, column 园区名称: unknown park 'dаlian' (closest: "},
    values=(("dalian", 3, "revenue", 2.0), ("lanzhou", 3, "revenue", 1.0)),
))
def _lookalikes(landing, _):
    # a zero-width space inside 兰州 and full-width Latin letters are folded away; a Cyrillic а is another letter
    _csv(landing / "unicode_lookalikes.csv",
         ["园区名称,统计期,营业收入(亿元)", "兰\u200b州,2024Q1,1", "ｄａｌｉａｎ,2024Q1,2", "d\u0430lian,2024Q2,3"])


_csv_file("bad_rows.csv", [
        "园区名称,统计期,营业收入(亿元)", "兰州,2024年第五季度,1", "大连,2024Q2,abc", "合计,2024Q2,100", ",2024Q2,1",
        "兰州,2024年4-6月,1", "武汉东胡高新区,2024Q2,1", '苏州,2024Q2,"1,234.5"',
    ], Expected(
    "landed", read=7, landed=1, quarantined=6,
    reasons={
        2: "row 2, column 统计期: unknown period label '2024年第五季度'",
        3: "row 3, column 营业收入(亿元): 'abc' is not a number",
        4: "row 4, column 园区名称: a total row (合计), not a park: totals are computed from the parks",
        5: "row 5: no park name",
        6: "row 6, column 统计期: period '2024年4-6月' does not start in January (flows are reported year-to-date)",
        7: "row 7, column 园区名称: unknown park '武汉东胡高新区' (closest: 武汉东湖新技术开发区, ",
    },
    values=(("suzhou", 6, "revenue", 1234.5),),
))


_csv_file("duplicates_in_file.csv", [
    "园区名称,统计期,营业收入(亿元)", "大连,2024Q3,10", "大连,2024年1-9月,10", "兰州,2024Q3,5", "兰州,2024Q3,6",
], Expected(
    "landed", read=4, landed=1, quarantined=3,
    reasons={3: "row 3: duplicate of row 2",
             4: "row 4: conflicting values for lanzhou 2024-09 revenue (also given in row 5)",
             5: "row 5: conflicting values for lanzhou 2024-09 revenue (also given in row 4)"},
    values=(("dalian", 9, "revenue", 10.0),),
))


_csv_file("unit_problems_long.csv", [
        "park,period,indicator,value,unit", "suzhou,2024Q2,发明专利授权量,5,万元", "suzhou,2024Q2,GDP growth,5,%",
        "suzhou,2024Q2,营业收入,25000,万元",
    ], Expected(
    "landed", read=3, landed=1, quarantined=2,
    reasons={2: "row 2, column value: unit '万元' does not fit invention_patents_granted (measured in 件)",
             3: "row 3, column indicator: unknown indicator 'GDP growth'"},
    values=(("suzhou", 6, "revenue", 25000.0),),
))


def write_corpus(root: Path) -> Path:
    """Write every case under root/landing (and the targets of outward links under root/elsewhere)."""
    landing, elsewhere = Path(root) / "landing", Path(root) / "elsewhere"
    landing.mkdir(parents=True, exist_ok=True)
    elsewhere.mkdir(parents=True, exist_ok=True)
    for each in CASES:
        each.write(landing, elsewhere)
    return landing


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__.splitlines()[2].strip())
    folder = write_corpus(Path(sys.argv[1]))
    print(f"{len(CASES)} hostile files in {folder}")
