"""The Excel workbook of the quarterly report: one sheet per table, Chinese headers, formats by unit.

Cells hold the marts' numbers unrounded; the number formats do the rounding a reader sees
(亿元 two decimals, percentages one decimal, counts whole).
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd
import xlsxwriter

from nhtz.report.data import CONTRIBUTION_INDICATORS, ReportData, dimension_names
from nhtz.report.wording import DIRECTION_WORDS, KIND_WORDS, SEVERITY_WORDS, is_missing, period_words

HEADER_ROW = 2  # row 0: title, row 1: note, row 2: column headers
TOP_CONTRIBUTORS = 20

# Definitions a reader needs beside the indicator dictionary (DOMAIN.md, in the words of the analyses).
DEFINITIONS = (
    ("本年累计 (value_ytd)", "流量指标为1月至季末的累计值；存量与比率指标为季末时点值。"),
    ("单季 (value_q)", "本季累计减上季累计（同一年）；一季度即一季度累计；上季缺数时为空，不作推算。"),
    ("同比增长 (yoy_ytd_pct)", "(本年累计 ÷ 上年同期累计 − 1) × 100，现价计算；上年同期缺数或不大于0时为空。"),
    ("可比口径同比 (yoy_ytd_pct_lfl)", "仅含本期与上年同期均有数据的园区（可比园区）计算的同比增长，剔除园区数量变化的影响。"),
    ("园区数 / 可比园区数", "参与该汇总的园区个数；可比园区数为可比口径所含园区个数。"),
    ("增长园区数", "累计值同比增长的园区个数。"),
    ("拉动 (contribution_pp)", "(园区本年累计 − 上年同期累计) ÷ 可比园区上年同期累计之和 × 100，单位为百分点；可比园区的拉动之和等于可比口径同比增长。"),
    ("全国排名 / 区域排名", "按指标方向排序（越高越好或越低越好），第1名最好，并列取较小名次。"),
    ("百分位", "100 × (参评园区数 − 名次) ÷ (参评园区数 − 1)。"),
    ("排名变化", "正数为名次上升，负数为下降；环比对上一季度，同比对上年同一季度。"),
    ("综合指数", "各指标在当季园区间按最小—最大法换算为0–100分（越低越好的指标反向），维度得分为所含指标的加权和，综合得分为各维度的加权和，权重见评价权重表。"),
    ("比率指标的汇总", "全国和区域的比率一律为 Σ分子 ÷ Σ分母（仅含分子分母都有的园区），不是园区比率的平均。"),
    ("价格口径", "增速均为现价（名义）增速，与国家统计局按可比价格计算的GDP增速不同。"),
    ("审核问题", "错误：数值不纳入任何汇总，需园区更正；警告：数值保留，需园区作出说明。"),
)


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    fmt: str | Callable[[dict], str] = "text"  # a format name, or a function of the row giving one
    width: float = 12


def value_format(unit) -> str:
    """The number format of a value, by the unit it is in."""
    if unit == "%":
        return "pct"
    if unit in ("件", "家", "人"):
        return "count"
    return "money"


def _by_unit(row: dict) -> str:
    return value_format(row.get("unit"))


class _Book:
    def __init__(self, path: Path):
        self.book = xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": True})
        base = {"font_name": "等线", "font_size": 10}
        add = self.book.add_format
        self.formats = {
            "title": add({**base, "bold": True, "font_size": 14}),
            "note": add({**base, "italic": True, "font_color": "#555555"}),
            "header": add({**base, "bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                           "valign": "vcenter", "align": "center"}),
            "text": add(base),
            "money": add({**base, "num_format": "#,##0.00"}),
            "pct": add({**base, "num_format": '0.0"%"'}),
            "pp": add({**base, "num_format": "0.00"}),
            "count": add({**base, "num_format": "#,##0"}),
            "score": add({**base, "num_format": "0.00"}),
            "signed": add({**base, "num_format": "+0;-0;0"}),
        }

    def sheet(self, name: str, title: str, note: str, columns: list[Column], rows: list[dict]):
        sheet = self.book.add_worksheet(name)
        sheet.write(0, 0, title, self.formats["title"])
        sheet.write(1, 0, note, self.formats["note"])
        sheet.set_row(HEADER_ROW, 30)
        self.table(sheet, HEADER_ROW, columns, rows)
        sheet.freeze_panes(HEADER_ROW + 1, 0)
        if rows:
            sheet.autofilter(HEADER_ROW, 0, HEADER_ROW + len(rows), len(columns) - 1)
        return sheet

    def table(self, sheet, first_row: int, columns: list[Column], rows: list[dict], set_widths: bool = True) -> int:
        """Headers at `first_row`, then the rows; returns the next free row. A second table on a sheet keeps
        the first one's column widths (set_widths=False)."""
        for c, column in enumerate(columns):
            sheet.write(first_row, c, column.header, self.formats["header"])
            if set_widths:
                sheet.set_column(c, c, column.width)
        for r, row in enumerate(rows, start=first_row + 1):
            for c, column in enumerate(columns):
                value = row.get(column.key)
                fmt = self.formats[column.fmt(row) if callable(column.fmt) else column.fmt]
                if is_missing(value) or (not isinstance(value, str) and pd.isna(value)):
                    sheet.write_blank(r, c, None, fmt)
                elif isinstance(value, str):
                    sheet.write_string(r, c, value, fmt)
                else:
                    sheet.write_number(r, c, float(value), fmt)
        return first_row + 1 + len(rows)

    def close(self):
        self.book.close()


def _records(frame: pd.DataFrame | None) -> list[dict]:
    if frame is None or frame.empty:
        return []
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def _with_names(frame: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    labels = indicators[["indicator_code", "name_zh", "unit"]]
    return frame.drop(columns=[c for c in ("name_zh", "unit") if c in frame.columns]).merge(
        labels, on="indicator_code", how="left"
    )


AGGREGATE_COLUMNS = [
    Column("本年累计", "value_ytd", _by_unit, 14),
    Column("单季", "value_q", _by_unit, 14),
    Column("累计同比增长", "yoy_ytd_pct", "pct", 11),
    Column("可比口径同比", "yoy_ytd_pct_lfl", "pct", 11),
    Column("园区数", "n_parks", "count", 8),
    Column("可比园区数", "n_parks_lfl", "count", 9),
    Column("增长园区数", "n_parks_growing", "count", 9),
]
INDICATOR_COLUMNS = [Column("指标", "name_zh", "text", 20), Column("单位", "unit", "text", 10)]


def _national_sheet(book: _Book, data: ReportData, period: str):
    rows = _records(_with_names(data.national, data.indicators))
    book.sheet(
        "全国汇总",
        f"{period}国家高新区主要经济指标（全国汇总）",
        "来源 marts.national_quarter；金额单位亿元，增速为现价同比（%），可比口径仅含两期均有数据的园区。",
        INDICATOR_COLUMNS + AGGREGATE_COLUMNS + [Column("指标代码", "indicator_code", "text", 22)],
        rows,
    )


def _region_sheet(book: _Book, data: ReportData, period: str):
    regions = _records(_with_names(data.regions, data.indicators))
    sheet = book.sheet(
        "分区域",
        f"{period}国家高新区主要经济指标（分区域）",
        "来源 marts.region_quarter" + ("、marts.province_quarter" if data.provinces is not None else "")
        + "；区域按国家统计局东部、中部、西部、东北划分。",
        [Column("区域", "region", "text", 8)] + INDICATOR_COLUMNS + AGGREGATE_COLUMNS,
        regions,
    )
    if data.provinces is not None and not data.provinces.empty:
        next_row = HEADER_ROW + len(regions) + 3
        sheet.write(next_row - 1, 0, f"{period}分省份", book.formats["title"])
        book.table(
            sheet,
            next_row,
            [Column("省份", "province", "text", 8)] + INDICATOR_COLUMNS + AGGREGATE_COLUMNS,
            _records(_with_names(data.provinces, data.indicators)),
            set_widths=False,
        )


def _ranking_sheet(book: _Book, data: ReportData, period: str):
    rows = _records(_with_names(data.ranking, data.indicators))
    book.sheet(
        "园区排名",
        f"{period}国家高新区主要指标园区排名",
        "来源 marts.park_ranking；第1名最好；排名变化正数为上升。",
        INDICATOR_COLUMNS
        + [
            Column("园区", "park_name", "text", 30),
            Column("省份", "province", "text", 8),
            Column("区域", "region", "text", 6),
            Column("本年累计", "value_ytd", _by_unit, 14),
            Column("全国排名", "national_rank", "count", 8),
            Column("参评园区数", "national_n", "count", 9),
            Column("全国百分位", "national_percentile", "score", 9),
            Column("区域排名", "regional_rank", "count", 8),
            Column("区域参评数", "regional_n", "count", 9),
            Column("排名变化（环比）", "rank_change_qoq", "signed", 10),
            Column("排名变化（同比）", "rank_change_yoy", "signed", 10),
            Column("园区代码", "park_id", "text", 10),
        ],
        rows,
    )


def _contribution_sheet(book: _Book, data: ReportData, period: str):
    frames = []
    for code in CONTRIBUTION_INDICATORS:
        top = data.contributions[
            (data.contributions["indicator_code"] == code) & data.contributions["contribution_pp"].notna()
        ].head(TOP_CONTRIBUTORS)
        frames.append(top.assign(order=range(1, len(top) + 1)))
    contributions = pd.concat(frames) if frames else data.contributions
    book.sheet(
        "增长贡献",
        f"{period}对全国增长拉动最大的园区（园区生产总值、营业收入，各前{TOP_CONTRIBUTORS}位）",
        "来源 marts.park_growth_contribution；拉动 = 园区累计增量 ÷ 可比园区上年同期累计之和 × 100（百分点）。",
        INDICATOR_COLUMNS
        + [
            Column("位次", "order", "count", 6),
            Column("园区", "park_name", "text", 30),
            Column("区域", "region", "text", 6),
            Column("本年累计", "value_ytd", _by_unit, 14),
            Column("累计同比增长", "yoy_ytd_pct", "pct", 11),
            Column("累计增量", "delta_ytd", _by_unit, 12),
            Column("拉动（百分点）", "contribution_pp", "pp", 11),
            Column("园区代码", "park_id", "text", 10),
        ],
        _records(_with_names(contributions, data.indicators)),
    )


def composite_table(data: ReportData) -> tuple[pd.DataFrame, list[str]]:
    """One row per park: composite score and rank, one column per dimension score (named in Chinese)."""
    composite = data.composite
    names = dimension_names()
    if composite.empty:
        return composite, []
    scores = composite.pivot_table(index="park_id", columns="dimension", values="dimension_score", aggfunc="first")
    order = [d for d in names if d in scores.columns] + sorted(d for d in scores.columns if d not in names)
    parks = composite.drop_duplicates("park_id").set_index("park_id")[
        ["park_name", "short_name", "province", "region", "composite_score", "composite_rank"]
    ]
    table = parks.join(scores[order].rename(columns=lambda d: f"dim:{d}")).reset_index()
    return table.sort_values(["composite_rank", "park_id"]).reset_index(drop=True), order


def _composite_sheet(book: _Book, data: ReportData, period: str):
    table, dimensions = composite_table(data)
    names = dimension_names()
    book.sheet(
        "综合评价",
        f"{period}国家高新区综合评价（综合指数及维度得分）",
        "来源 marts.park_composite_index；各指标当季园区间最小—最大法换算为0–100分，按评价权重加权。",
        [
            Column("综合排名", "composite_rank", "count", 8),
            Column("园区", "park_name", "text", 30),
            Column("省份", "province", "text", 8),
            Column("区域", "region", "text", 6),
            Column("综合得分", "composite_score", "score", 10),
        ]
        + [Column(names.get(d, d), f"dim:{d}", "score", 14) for d in dimensions]
        + [Column("园区代码", "park_id", "text", 10)],
        _records(table),
    )


def _findings_sheet(book: _Book, data: ReportData, period: str):
    findings = _with_names(data.findings, data.indicators)
    findings = findings.assign(severity_zh=findings["severity"].map(lambda s: SEVERITY_WORDS.get(s, s)))
    book.sheet(
        "审核问题",
        f"{period}数据审核问题（共{len(findings)}条）",
        "来源 audit.findings；错误：数值不纳入汇总，需园区更正；警告：数值保留，需园区说明。",
        [
            Column("级别", "severity_zh", "text", 6),
            Column("规则", "rule_id", "text", 14),
            Column("园区", "park_name", "text", 30),
            Column("区域", "region", "text", 6),
            Column("指标", "name_zh", "text", 18),
            Column("数值", "value", "money", 14),
            Column("说明", "message", "text", 60),
            Column("园区代码", "park_id", "text", 10),
        ],
        _records(findings),
    )


def _definitions_sheet(book: _Book, data: ReportData, period: str):
    indicators = data.indicators.assign(
        kind_zh=data.indicators["kind"].map(lambda k: KIND_WORDS.get(k, k)),
        direction_zh=data.indicators["direction"].map(lambda d: DIRECTION_WORDS.get(int(d), str(d))),
    )
    rows = _records(indicators)
    sheet = book.sheet(
        "指标说明",
        "指标说明与计算口径",
        "来源 marts.dim_indicator；口径见 DOMAIN.md。",
        [
            Column("指标代码", "indicator_code", "text", 26),
            Column("中文名称", "name_zh", "text", 20),
            Column("英文名称", "name_en", "text", 40),
            Column("单位", "unit", "text", 12),
            Column("类型", "kind_zh", "text", 22),
            Column("方向", "direction_zh", "text", 10),
        ],
        rows,
    )
    first = HEADER_ROW + len(rows) + 3
    sheet.write(first - 1, 0, "计算口径", book.formats["title"])
    book.table(
        sheet,
        first,
        [Column("名称", "term", "text"), Column("定义", "meaning", "text")],
        [{"term": term, "meaning": meaning} for term, meaning in DEFINITIONS],
        set_widths=False,
    )


def write_workbook(data: ReportData, path: Path) -> Path:
    period = period_words(data.year, data.quarter_num)
    book = _Book(path)
    try:
        for write_sheet in (
            _national_sheet,
            _region_sheet,
            _ranking_sheet,
            _contribution_sheet,
            _composite_sheet,
            _findings_sheet,
            _definitions_sheet,
        ):
            write_sheet(book, data, period)
    finally:
        book.close()
    return path
