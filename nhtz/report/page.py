"""The HTML report: one self-contained page (plotly.js inlined once, no network) with narrative, charts and tables.

A print stylesheet lays it out for A4 paper: no page break inside a chart, a table row or right after a heading,
table headers repeated on each printed page, and charts scaled to the printed width.
"""

import html
from datetime import datetime, timezone
from pathlib import Path

from nhtz.report.charts import FONT, report_figures
from nhtz.report.data import ReportData, dimension_names
from nhtz.report.narrative import build_narrative
from nhtz.report.numbers import DISPLAY_DIGITS, MISSING, beijing_time, column_kind, is_missing
from nhtz.report.wording import SEVERITY_WORDS, period_words
from nhtz.report.workbook import composite_table, records, with_names

TOP_ROWS = 10

STYLE = f"""
body {{ font-family: {FONT}; margin: 0 auto; max-width: 1180px; padding: 24px 32px; color: #222; line-height: 1.7; }}
h1 {{ font-size: 26px; border-bottom: 3px solid #1f4e79; padding-bottom: 8px; color: #1f4e79; }}
h2 {{ font-size: 20px; color: #1f4e79; margin-top: 36px; border-left: 5px solid #1f4e79; padding-left: 10px; }}
.narrative p {{ text-indent: 2em; font-size: 16px; margin: 10px 0; }}
.meta {{ color: #666; font-size: 13px; }}
table {{ border-collapse: collapse; margin: 12px 0 24px; font-size: 13px; }}
th, td {{ border: 1px solid #c8d3e0; padding: 4px 8px; }}
th {{ background: #ddebf7; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
.chart {{ margin: 8px 0 20px; }}
@page {{ size: A4; margin: 15mm 12mm; }}
@media print {{
  body {{ max-width: none; padding: 0; font-size: 11pt; line-height: 1.5; }}
  h1 {{ font-size: 18pt; }}
  h2 {{ font-size: 14pt; margin-top: 18pt; break-after: avoid; page-break-after: avoid; }}
  .narrative p {{ font-size: 11pt; }}
  .chart {{ break-inside: avoid; page-break-inside: avoid; }}
  .chart .plotly-graph-div {{ width: 100% !important; }}
  table {{ font-size: 9pt; width: 100%; }}
  thead {{ display: table-header-group; }}
  tr {{ break-inside: avoid; page-break-inside: avoid; }}
  th {{ background: #ddebf7 !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
}}
"""


def _cell(value, kind: str) -> tuple[str, bool]:
    """(text, is_number) of one table cell, at the precision the workbook shows."""
    if is_missing(value):
        return MISSING, True
    if kind == "text":
        return html.escape(str(value)), False
    digits = DISPLAY_DIGITS[kind]
    number = round(float(value), digits) + 0.0  # + 0.0 turns −0.0 into 0.0
    if kind == "signed":
        return (f"{int(number):+d}" if int(number) else "0"), True
    if kind == "pct":
        return f"{number:.1f}%", True
    return f"{number:,.{digits}f}", True


def html_table(columns: list[tuple[str, str, str]], rows: list[dict]) -> str:
    """columns: (header, key, kind); kind `unit` formats by the row's own unit."""
    head = "".join(f"<th>{html.escape(header)}</th>" for header, _, _ in columns)
    body = []
    for row in rows:
        cells = []
        for _, key, kind in columns:
            kind = column_kind(row.get("unit")) if kind == "unit" else kind
            text, numeric = _cell(row.get(key), kind)
            cells.append(f'<td class="num">{text}</td>' if numeric else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


GROWTH_COLUMNS = [
    ("本年累计", "value_ytd", "unit"),
    ("累计同比", "yoy_ytd_pct", "pct"),
    ("可比口径同比", "yoy_ytd_pct_lfl", "pct"),
    ("比率增减（百分点）", "yoy_ytd_pp", "pp"),
    ("单季同比", "yoy_q_pct", "pct"),
    ("园区数", "n_parks", "count"),
    ("可比园区数", "n_parks_lfl", "count"),
]


def _tables(data: ReportData) -> list[tuple[str, str]]:
    """(heading, table html) in page order."""
    tables = [
        (
            "全国主要指标",
            html_table([("指标", "name_zh", "text"), ("单位", "unit", "text")] + GROWTH_COLUMNS,
                       records(with_names(data.national, data.indicators))),
        )
    ]
    key_regions = data.regions[data.regions["indicator_code"].isin(["gdp", "revenue"])]
    tables.append(
        (
            "分区域主要指标",
            html_table([("区域", "region", "text"), ("指标", "name_zh", "text")] + GROWTH_COLUMNS,
                       records(with_names(key_regions, data.indicators))),
        )
    )
    gdp_rank = data.ranking[data.ranking["indicator_code"] == "gdp"].head(TOP_ROWS)
    growth_of = data.park_values[data.park_values["indicator_code"] == "gdp"].set_index("park_id")["yoy_ytd_pct"]
    gdp_rank = gdp_rank.assign(yoy_ytd_pct=gdp_rank["park_id"].map(growth_of))
    tables.append(
        (
            f"园区生产总值前{TOP_ROWS}位",
            html_table(
                [
                    ("全国排名", "national_rank", "rank"), ("园区", "park_name", "text"), ("区域", "region", "text"),
                    ("园区生产总值（亿元）", "value_ytd", "money"), ("累计同比", "yoy_ytd_pct", "pct"),
                    ("区域排名", "regional_rank", "rank"), ("排名变化（同比）", "rank_change_yoy", "signed"),
                ],
                records(with_names(gdp_rank, data.indicators)),
            ),
        )
    )
    pulls = data.contributions[
        (data.contributions["indicator_code"] == "gdp") & data.contributions["contribution_pp"].notna()
    ].head(TOP_ROWS)
    tables.append(
        (
            f"对园区生产总值增长拉动最大的{TOP_ROWS}家园区",
            html_table(
                [
                    ("园区", "park_name", "text"), ("区域", "region", "text"),
                    ("园区生产总值（亿元）", "value_ytd", "money"), ("累计增量（亿元）", "delta_ytd", "money"),
                    ("拉动（百分点）", "contribution_pp", "pp"),
                ],
                records(with_names(pulls, data.indicators)),
            ),
        )
    )
    composite, dimensions = composite_table(data)
    names = dimension_names()
    tables.append(
        (
            f"综合评价前{TOP_ROWS}位",
            html_table(
                [("综合排名", "composite_rank", "rank"), ("园区", "park_name", "text"), ("区域", "region", "text"),
                 ("综合得分", "composite_score", "score")]
                + [(names.get(d, d), f"dim:{d}", "score") for d in dimensions],
                records(composite.head(TOP_ROWS)),
            ),
        )
    )
    findings = data.findings
    if len(findings):
        by_rule = (
            findings.groupby(["severity", "rule_id"], sort=False)
            .agg(count=("rule_id", "size"), parks=("park_id", "nunique"), message=("message", "first"))
            .reset_index()
        )
        rows = records(by_rule.assign(severity_zh=by_rule["severity"].map(lambda s: SEVERITY_WORDS.get(s, s))))
        table = html_table(
            [("级别", "severity_zh", "text"), ("规则", "rule_id", "text"), ("条数", "count", "count"),
             ("涉及园区", "parks", "count"), ("示例", "message", "text")],
            rows,
        )
    else:
        table = "<p>本期未发现审核问题。</p>"
    tables.append(("审核问题（按规则）", table))
    return tables


def render_page(data: ReportData, facts: dict, made: datetime | None = None) -> str:
    period = period_words(data.year, data.quarter_num)
    title = f"{period}国家高新区经济运行情况分析"
    narrative = "".join(f"<p>{html.escape(p)}</p>" for p in build_narrative(facts))
    charts = []
    for i, (heading, fig) in enumerate(report_figures(data)):
        # plotly.js goes into the page once, with the first chart; the others reuse it.
        div = fig.to_html(full_html=False, include_plotlyjs=(i == 0), config={"displayModeBar": False, "responsive": True})
        charts.append(f'<div class="chart" data-section="{html.escape(heading)}">{div}</div>')
    tables = "".join(f"<h2>{html.escape(heading)}</h2>{table}" for heading, table in _tables(data))
    made_at = beijing_time(made or datetime.now(timezone.utc))
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{html.escape(title)}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
<p class="meta">报告期 {data.quarter}；数据来源：已发布的服务库（marts.*、audit.findings）；金额单位亿元，增速为现价同比，
比率指标的变化以百分点计；计算口径见 docs/methodology.md；生成于 {made_at}。</p>
<h2>总体情况</h2>
<div class="narrative" id="narrative">{narrative}</div>
<h2>图表</h2>
{''.join(charts)}
{tables}
</body>
</html>
"""


def write_page(data: ReportData, facts: dict, path: Path) -> Path:
    path.write_text(render_page(data, facts), encoding="utf-8")
    return path
