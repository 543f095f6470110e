"""The HTML report: one self-contained page (plotly.js inlined once, no network) with narrative, charts and tables."""

import html
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from nhtz.report.charts import FONT, report_figures
from nhtz.report.data import ReportData, dimension_names
from nhtz.report.narrative import build_narrative
from nhtz.report.wording import SEVERITY_WORDS, is_missing, period_words
from nhtz.report.workbook import composite_table, value_format

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
"""


def _cell(value, kind: str) -> tuple[str, bool]:
    """(text, is_number) of one table cell."""
    if is_missing(value) or (not isinstance(value, str) and pd.isna(value)):
        return "—", True
    if kind == "money":
        return f"{float(value):,.2f}", True
    if kind == "pct":
        return f"{round(float(value), 1) + 0.0:.1f}%", True  # + 0.0 turns −0.0 into 0.0
    if kind in ("count", "rank"):
        return f"{int(round(float(value))):,}", True
    if kind == "signed":
        return (f"{int(value):+d}" if int(value) else "0"), True
    if kind in ("score", "pp"):
        return f"{float(value):.2f}", True
    return html.escape(str(value)), False


def html_table(columns: list[tuple[str, str, str]], rows: list[dict]) -> str:
    """columns: (header, key, kind); kind `unit` formats by the row's own unit."""
    head = "".join(f"<th>{html.escape(header)}</th>" for header, _, _ in columns)
    body = []
    for row in rows:
        cells = []
        for _, key, kind in columns:
            kind = value_format(row.get("unit")) if kind == "unit" else kind
            text, numeric = _cell(row.get(key), kind)
            cells.append(f'<td class="num">{text}</td>' if numeric else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _records(frame: pd.DataFrame) -> list[dict]:
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def _named(frame: pd.DataFrame, data: ReportData) -> pd.DataFrame:
    return frame.merge(data.indicators[["indicator_code", "name_zh", "unit"]], on="indicator_code", how="left")


GROWTH_COLUMNS = [
    ("本年累计", "value_ytd", "unit"),
    ("累计同比", "yoy_ytd_pct", "pct"),
    ("可比口径同比", "yoy_ytd_pct_lfl", "pct"),
    ("园区数", "n_parks", "count"),
    ("可比园区数", "n_parks_lfl", "count"),
]


def _tables(data: ReportData) -> list[tuple[str, str]]:
    """(heading, table html) in page order."""
    tables = [
        (
            "全国主要指标",
            html_table([("指标", "name_zh", "text"), ("单位", "unit", "text")] + GROWTH_COLUMNS,
                       _records(_named(data.national, data))),
        )
    ]
    key_regions = data.regions[data.regions["indicator_code"].isin(["gdp", "revenue"])]
    tables.append(
        (
            "分区域主要指标",
            html_table([("区域", "region", "text"), ("指标", "name_zh", "text")] + GROWTH_COLUMNS,
                       _records(_named(key_regions, data))),
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
                _records(gdp_rank),
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
                _records(pulls),
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
                _records(composite.head(TOP_ROWS)),
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
        by_rule = by_rule.assign(severity_zh=by_rule["severity"].map(lambda s: SEVERITY_WORDS.get(s, s)))
        rows = _records(by_rule)
    else:
        rows = []
    tables.append(
        (
            "审核问题（按规则）",
            html_table(
                [("级别", "severity_zh", "text"), ("规则", "rule_id", "text"), ("条数", "count", "count"),
                 ("涉及园区", "parks", "count"), ("示例", "message", "text")],
                rows,
            )
            if rows
            else "<p>本期未发现审核问题。</p>",
        )
    )
    return tables


def render_page(data: ReportData, facts: dict) -> str:
    period = period_words(data.year, data.quarter_num)
    title = f"{period}国家高新区经济运行情况分析"
    narrative = "".join(f"<p>{html.escape(p)}</p>" for p in build_narrative(facts))
    charts = []
    for i, (heading, fig) in enumerate(report_figures(data)):
        # plotly.js goes into the page once, with the first chart; the others reuse it.
        div = fig.to_html(full_html=False, include_plotlyjs=(i == 0), config={"displayModeBar": False, "responsive": True})
        charts.append(f'<div class="chart" data-section="{html.escape(heading)}">{div}</div>')
    tables = "".join(f"<h2>{html.escape(heading)}</h2>{table}" for heading, table in _tables(data))
    made = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{html.escape(title)}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
<p class="meta">报告期 {data.quarter}；数据来源：已发布的服务库（marts.*、audit.findings）；金额单位亿元，增速为现价同比；生成于 {made}。</p>
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
