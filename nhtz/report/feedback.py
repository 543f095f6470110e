"""The audit feedback workbook (审核反馈) the Torch Center sends back to the parks after a quarter's checks.

It reads the working database: feedback belongs to the submissions as checked, and parks must hear about
errors even when the quarter has not (yet) been published. One summary sheet lists every park with findings;
each such park gets its own sheet with what to do per finding: 更正 (correct and resubmit) for errors, 说明
(explain) for warnings.
"""

import re
from pathlib import Path
from typing import Callable

import duckdb
import xlsxwriter

from nhtz.db import connect
from nhtz.errors import NhtzError
from nhtz.home import Home
from nhtz.quarters import parse_quarter, quarter_label, require_quarter

SEVERITY_ZH = {"error": "错误", "warning": "警告"}
ACTION_ZH = {"error": "更正：请核实后重新报送", "warning": "说明：请书面说明原因"}

SUMMARY_COLUMNS = [("园区代码", 16), ("园区名称", 34), ("地区", 8), ("错误数", 8), ("警告数", 8), ("工作表", 16)]
PARK_COLUMNS = [
    ("审核规则", 22), ("严重程度", 10), ("指标", 22), ("数值", 14), ("单位", 12), ("审核说明", 50), ("处理要求", 26),
]

FINDINGS = """
select
    findings.park_id,
    coalesce(parks.park_name, findings.park_id) as park_name,
    coalesce(parks.short_name, findings.park_id) as short_name,
    parks.region,
    findings.rule_id,
    findings.severity,
    coalesce(indicators.name_zh, findings.indicator_code, '') as indicator_name,
    findings.value,
    indicators.unit,
    findings.message
from audit.findings as findings
left join marts.dim_park as parks using (park_id)
left join marts.dim_indicator as indicators using (indicator_code)
where findings.quarter = ?
order by findings.park_id, findings.severity = 'error' desc, findings.rule_id, findings.indicator_code
"""


def _quiet(_: str) -> None:
    pass


def _read_findings(home: Home, quarter: str) -> list[tuple]:
    if not home.working_db.exists():
        raise NhtzError(f"no working database in {home.root}: land submissions and run `nhtz build` first")
    with connect(home.working_db, read_only=True) as con:
        try:
            require_quarter(con, quarter, "the built marts")
            return con.execute(FINDINGS, [quarter]).fetchall()
        except duckdb.Error as error:
            first_line = str(error).strip().splitlines()[0]
            raise NhtzError(
                f"cannot read audit findings from {home.working_db}: {first_line}; run `nhtz build`"
            ) from None


def _sheet_name(short_name: str, taken: set[str]) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = re.sub(r"[\[\]:*?/\\]", "_", short_name)[:28] or "园区"
    name, n = base, 2
    while name in taken:
        name, n = f"{base[:26]}_{n}", n + 1
    taken.add(name)
    return name


def _header(sheet, formats, columns) -> None:
    for col, (title, width) in enumerate(columns):
        sheet.write(0, col, title, formats["header"])
        sheet.set_column(col, col, width)
    sheet.freeze_panes(1, 0)


def write_park_feedback(
    home: Home, quarter: str, out_dir: Path | None = None, say: Callable[[str], None] = _quiet
) -> Path:
    quarter = quarter_label(*parse_quarter(quarter))
    rows = _read_findings(home, quarter)
    folder = Path(out_dir) if out_dir else home.reports / quarter
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"审核反馈_{quarter}.xlsx"

    parks: dict[str, dict] = {}
    for park_id, park_name, short_name, region, *finding in rows:
        park = parks.setdefault(
            park_id, {"name": park_name, "short": short_name, "region": region or "", "findings": []}
        )
        park["findings"].append(finding)

    workbook = xlsxwriter.Workbook(str(path))
    formats = {
        "header": workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}),
        "error": workbook.add_format({"font_color": "#C00000"}),
        "number": workbook.add_format({"num_format": "#,##0.00"}),
        "wrap": workbook.add_format({"text_wrap": True, "valign": "top"}),
    }
    summary = workbook.add_worksheet("汇总")
    _header(summary, formats, SUMMARY_COLUMNS)
    ordered = sorted(
        parks.items(),
        key=lambda item: (
            -sum(f[1] == "error" for f in item[1]["findings"]),
            -sum(f[1] == "warning" for f in item[1]["findings"]),
            item[0],
        ),
    )
    taken = {"汇总"}
    for row, (park_id, park) in enumerate(ordered, start=1):
        park["sheet"] = _sheet_name(park["short"], taken)
        errors = sum(f[1] == "error" for f in park["findings"])
        warnings = sum(f[1] == "warning" for f in park["findings"])
        summary.write_row(row, 0, [park_id, park["name"], park["region"], errors, warnings])
        summary.write_url(row, 5, f"internal:'{park['sheet']}'!A1", string=park["sheet"])
    if not parks:
        summary.write(1, 0, f"{quarter} 无审核发现 (no findings)")

    for park_id, park in ordered:
        sheet = workbook.add_worksheet(park["sheet"])
        _header(sheet, formats, PARK_COLUMNS)
        for row, (rule_id, severity, indicator, value, unit, message) in enumerate(park["findings"], start=1):
            style = formats["error"] if severity == "error" else None
            sheet.write(row, 0, rule_id, style)
            sheet.write(row, 1, SEVERITY_ZH.get(severity, severity), style)
            sheet.write(row, 2, indicator)
            if value is None:
                sheet.write_blank(row, 3, None)
            else:
                sheet.write_number(row, 3, value, formats["number"])
            sheet.write(row, 4, unit or "")
            sheet.write(row, 5, message, formats["wrap"])
            sheet.write(row, 6, ACTION_ZH.get(severity, "说明"))
    workbook.close()
    say(f"park feedback for {quarter}: {len(parks)} parks with findings, {len(rows)} findings → {path}")
    return path
