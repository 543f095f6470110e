"""The audit feedback workbook (审核反馈) the Torch Center sends back to the parks after a quarter's checks.

It reads the working database: feedback belongs to the submissions as checked, and parks must hear about
errors even when the quarter has not (yet) been published. A summary sheet lists every park with findings;
each such park gets a sheet it can fill in and return: a header block (园区全称, 报告期, 反馈截止日期), then one
row per finding with what to do (更正 for errors, 说明 for warnings) and two empty columns for the answer
(更正值, 情况说明). A warning on the same value as an error (same park, quarter and indicator) is not a second
question: it is folded into the error's row as a note. The deadline is `feedback_days` (nhtz.toml) days after
the day the workbook is written, in Beijing time.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable

import duckdb

from nhtz.db import connect
from nhtz.errors import NhtzError, first_line
from nhtz.home import Home
from nhtz.quarters import parse_quarter, quarter_label, require_quarter
from nhtz.report.excel import LINE_HEIGHT, Book, Column, sheet_name, wrapped_lines
from nhtz.report.numbers import BEIJING, beijing_time, chinese_date, submitted_kind
from nhtz.report.output import make_folder, write_atomically
from nhtz.report.wording import SEVERITY_WORDS, official_name, period_words
from nhtz.settings import load_settings
from nhtz.progress import quiet

ACTION_WORDS = {"error": "更正：请核实后在“更正值”栏填写正确数值，并重新报送", "warning": "说明：请在“情况说明”栏说明原因"}
INSTRUCTIONS = (
    "错误：该数值未纳入任何汇总，请核实后在“更正值”栏填写正确数值并重新报送；"
    "警告：数值已保留，请在“情况说明”栏说明原因。请在反馈截止日期前将本表返回火炬中心。"
)
SUMMARY_SHEET = "汇总"

FINDINGS = """
select
    findings.park_id,
    parks.park_name,
    parks.short_name,
    parks.region,
    findings.indicator_code,
    findings.rule_id,
    findings.severity,
    coalesce(indicators.name_zh, findings.indicator_code, '全部指标') as indicator_name,
    findings.value,
    indicators.unit,
    findings.message
from audit.findings as findings
left join marts.dim_park as parks using (park_id)
left join marts.dim_indicator as indicators using (indicator_code)
where findings.quarter = ?
order by findings.park_id, findings.severity = 'error' desc, findings.rule_id, findings.indicator_code
"""

SUMMARY_COLUMNS = [
    Column("园区代码", "park_id", "text", 16),
    Column("园区全称", "park_name", "text", 36),
    Column("区域", "region", "text", 8),
    Column("错误数", "n_error", "count", 8),
    Column("警告数", "n_warning", "count", 8),
    Column("工作表", "sheet", "text", 18),
]
PARK_COLUMNS = [
    Column("序号", "number", "count", 5),
    Column("级别", "severity_zh", "text", 6),
    Column("审核规则", "rule_id", "text", 8),
    Column("指标", "indicator_name", "text", 18),
    Column("报送值", "value", lambda row: submitted_kind(row.get("unit")), 13),
    Column("单位", "unit", "text", 10),
    Column("审核说明", "message", "wrap", 46),
    Column("处理要求", "action", "wrap", 26),
    Column("更正值", "corrected_value", "answer", 12),
    Column("情况说明", "explanation", "answer", 36),
]
# Chinese characters per printed line: the 审核说明 column (width 46), the header blocks merged over the other columns
MESSAGE_CHARS_PER_LINE = 22
SUMMARY_CHARS_PER_LINE = 38
PARK_CHARS_PER_LINE = 80


@dataclass
class ParkFeedback:
    park_id: str
    park_name: str
    short_name: str
    region: str
    rows: list[dict] = field(default_factory=list)  # one per question asked, folded warnings inside
    n_error: int = 0
    n_warning: int = 0
    sheet: str = ""


def read_findings(home: Home, quarter: str) -> list[dict]:
    if not home.working_db.exists():
        raise NhtzError(f"no working database in {home.root}: land submissions and run `nhtz build` first")
    with connect(home.working_db, read_only=True) as con:
        try:
            require_quarter(con, quarter, "the built marts")
            cursor = con.execute(FINDINGS, [quarter])
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row)) for row in cursor.fetchall()]
        except duckdb.Error as error:
            raise NhtzError(
                f"cannot read audit findings from {home.working_db}: {first_line(error)}; run `nhtz build`"
            ) from None


def fold_findings(findings: list[dict]) -> list[ParkFeedback]:
    """Findings grouped by park, a warning on a value that also has an error folded into the error's row.

    The order within a park is the query's: errors first, then by rule. Parks with errors come first in the
    result, then those with the most warnings.
    """
    parks: dict[str, ParkFeedback] = {}
    for finding in findings:
        park = parks.setdefault(
            finding["park_id"],
            ParkFeedback(
                finding["park_id"],
                official_name(finding["park_name"], finding["park_id"]),
                finding["short_name"] or finding["park_id"],
                finding["region"] or "",
            ),
        )
        if finding["severity"] == "error":
            park.n_error += 1
        else:
            park.n_warning += 1
        same_value_error = next(
            (
                row for row in park.rows
                if row["severity"] == "error" and finding["severity"] != "error"
                and finding["indicator_code"] is not None and row["indicator_code"] == finding["indicator_code"]
            ),
            None,
        )
        if same_value_error is not None:
            same_value_error["notes"].append(f"同一数值另有警告（{finding['rule_id']}）：{finding['message']}")
            continue
        park.rows.append({**finding, "notes": []})
    for park in parks.values():
        for number, row in enumerate(park.rows, start=1):
            row["number"] = number
            row["severity_zh"] = SEVERITY_WORDS.get(row["severity"], row["severity"])
            row["action"] = ACTION_WORDS.get(row["severity"], ACTION_WORDS["warning"])
            row["message"] = "\n".join([row["message"], *row["notes"]])
    return sorted(parks.values(), key=lambda p: (-p.n_error, -p.n_warning, p.park_id))


def feedback_deadline(home: Home, today: date | None = None) -> date:
    today = today or datetime.now(BEIJING).date()
    return today + timedelta(days=load_settings(home).feedback_days)


def _summary_sheet(book: Book, parks: list[ParkFeedback], header: list[tuple[str, str]], quarter: str) -> None:
    width = len(SUMMARY_COLUMNS) - 1
    table_row = len(header) + 2
    sheet = book.sheet(SUMMARY_SHEET, header_rows=table_row + 1)
    sheet.write(0, 0, "国家高新区统计数据审核反馈（汇总）", book.formats["title"])
    book.pairs(sheet, 1, header, width, chars_per_line=SUMMARY_CHARS_PER_LINE)
    rows = [
        {"park_id": p.park_id, "park_name": p.park_name, "region": p.region, "n_error": p.n_error,
         "n_warning": p.n_warning}
        for p in parks
    ]
    book.table(sheet, table_row, SUMMARY_COLUMNS, rows)
    for r, park in enumerate(parks, start=table_row + 1):
        sheet.write_url(r, len(SUMMARY_COLUMNS) - 1, f"internal:'{park.sheet}'!A1", string=park.sheet)
    if not parks:
        sheet.write(table_row + 1, 0, f"{quarter} 无审核发现 (no findings)")


def _park_sheet(book: Book, park: ParkFeedback, header: list[tuple[str, str]]) -> None:
    pairs = [("园区全称", park.park_name), ("园区代码", park.park_id), *header]
    table_row = len(pairs) + 2
    sheet = book.sheet(park.sheet, header_rows=table_row + 1)
    sheet.write(0, 0, "统计数据审核反馈表", book.formats["title"])
    book.pairs(sheet, 1, pairs, len(PARK_COLUMNS) - 1, chars_per_line=PARK_CHARS_PER_LINE)
    book.table(sheet, table_row, PARK_COLUMNS, park.rows)
    for r, row in enumerate(park.rows, start=table_row + 1):
        sheet.set_row(r, LINE_HEIGHT * wrapped_lines(row["message"], MESSAGE_CHARS_PER_LINE))


def write_feedback_workbook(path: Path, quarter: str, parks: list[ParkFeedback], deadline: date) -> Path:
    year, quarter_num = parse_quarter(quarter)
    header = [
        ("报告期", f"{quarter}（{period_words(year, quarter_num)}）"),
        ("反馈截止日期", chinese_date(deadline)),
        ("填报说明", INSTRUCTIONS),
    ]
    book = Book(path)
    try:
        taken = {SUMMARY_SHEET}
        for park in parks:
            park.sheet = sheet_name(park.short_name, taken)  # a tab, not running text: the short name fits
        _summary_sheet(book, parks, [*header, ("生成时间", beijing_time(datetime.now(BEIJING)))], quarter)
        for park in parks:
            _park_sheet(book, park, header)
    finally:
        book.close()
    return path


def write_park_feedback(
    home: Home,
    quarter: str,
    out_dir: Path | None = None,
    say: Callable[[str], None] = quiet,
    today: date | None = None,
) -> Path:
    quarter = quarter_label(*parse_quarter(quarter))
    findings = read_findings(home, quarter)
    parks = fold_findings(findings)
    deadline = feedback_deadline(home, today)
    folder = make_folder(Path(out_dir) if out_dir else home.reports / quarter)
    path = write_atomically(
        folder / f"审核反馈_{quarter}.xlsx", lambda temporary: write_feedback_workbook(temporary, quarter, parks, deadline)
    )
    say(f"park feedback for {quarter}: {len(parks)} parks with findings, {len(findings)} findings, "
        f"reply by {deadline.isoformat()} → {path}")
    return path
