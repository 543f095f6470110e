"""The Excel workbook of the quarterly report: one sheet per table, Chinese headers, formats by unit.

Built with the shared Excel helper (`nhtz.report.excel`): every sheet prints landscape, one page wide, with its
title, note and header rows repeated; cells hold the marts' numbers rounded to the decimals they show (亿元 and
ratios two, growth one, percentage points two, counts whole). Ratio indicators change in percentage points, so
their rows show `yoy_ytd_pp` and leave the relative growth columns empty (docs/methodology.md, "Ratios").
"""

from pathlib import Path

import pandas as pd

from nhtz.report.data import CONTRIBUTION_INDICATORS, ReportData, dimension_names
from nhtz.report.excel import Book, Column
from nhtz.report.methodology import definitions
from nhtz.report.numbers import column_kind
from nhtz.report.wording import DIRECTION_WORDS, KIND_WORDS, SEVERITY_WORDS, official_name, period_words

TOP_CONTRIBUTORS = 20
RELATIVE_GROWTH = ("yoy_ytd_pct", "yoy_ytd_pct_lfl", "yoy_q_pct", "yoy_q_pct_lfl", "two_year_avg_growth_pct")


def _by_unit(row: dict) -> str:
    return column_kind(row.get("unit"))


def records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts with None for missing values; ratio rows without relative growth (they change in points)."""
    if frame.empty:
        return []
    if "kind" in frame.columns:
        is_ratio = frame["kind"].eq("ratio")
        frame = frame.assign(**{c: frame[c].mask(is_ratio) for c in RELATIVE_GROWTH if c in frame.columns})
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def with_names(frame: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """The indicator's Chinese name, unit and kind beside its code; official park names where parks are listed."""
    labels = indicators[["indicator_code", "name_zh", "unit", "kind"]]
    frame = frame.drop(columns=[c for c in ("name_zh", "unit", "kind") if c in frame.columns]).merge(
        labels, on="indicator_code", how="left"
    )
    if "park_id" in frame.columns:
        frame = frame.assign(park_name=[official_name(n, p) for n, p in zip(frame["park_name"], frame["park_id"])])
    return frame


AGGREGATE_COLUMNS = [
    Column("本年累计", "value_ytd", _by_unit, 13),
    Column("单季", "value_q", _by_unit, 12),
    Column("累计同比（%）", "yoy_ytd_pct", "pct", 9),
    Column("可比口径累计同比（%）", "yoy_ytd_pct_lfl", "pct", 10),
    Column("比率同比增减（百分点）", "yoy_ytd_pp", "pp", 10),
    Column("单季同比（%）", "yoy_q_pct", "pct", 9),
    Column("可比口径单季同比（%）", "yoy_q_pct_lfl", "pct", 10),
    Column("园区数", "n_parks", "count", 7),
    Column("可比园区数", "n_parks_lfl", "count", 8),
    Column("单季可比园区数", "n_parks_q_lfl", "count", 8),
    Column("增长园区数", "n_parks_growing", "count", 8),
]
# 2021 growth stands on the slumped 2020 base: 2021 reports add the two-year average growth against 2019
TWO_YEAR_COLUMN = Column("两年平均增长（%）", "two_year_avg_growth_pct", "pct", 9)
TWO_YEAR_AVERAGE_YEAR = 2021
INDICATOR_COLUMNS = [Column("指标", "name_zh", "text", 18), Column("单位", "unit", "text", 9)]
SOURCE_NOTE = "金额单位亿元；增速为现价同比（%）；比率指标的变化为百分点；可比口径仅含两期均有数据的园区。口径见 docs/methodology.md。"


def aggregate_columns(year: int) -> list[Column]:
    return AGGREGATE_COLUMNS + ([TWO_YEAR_COLUMN] if year == TWO_YEAR_AVERAGE_YEAR else [])


def _national_sheet(book: Book, data: ReportData, period: str):
    book.titled_table(
        "全国汇总",
        f"{period}国家高新区主要经济指标（全国汇总）",
        f"来源 marts.national_quarter。{SOURCE_NOTE}",
        INDICATOR_COLUMNS + aggregate_columns(data.year) + [Column("指标代码", "indicator_code", "text", 20)],
        records(with_names(data.national, data.indicators)),
    )


def _region_sheet(book: Book, data: ReportData, period: str):
    regions = records(with_names(data.regions, data.indicators))
    sheet = book.titled_table(
        "分区域",
        f"{period}国家高新区主要经济指标（分区域、分省份）",
        f"来源 marts.region_quarter、marts.province_quarter；区域按国家统计局东部、中部、西部、东北划分。{SOURCE_NOTE}",
        [Column("区域", "region", "text", 8)] + INDICATOR_COLUMNS + aggregate_columns(data.year),
        regions,
    )
    provinces = records(with_names(data.provinces, data.indicators))
    if provinces:
        next_row = 2 + len(regions) + 3
        sheet.write(next_row - 1, 0, f"{period}分省份", book.formats["title"])
        book.table(
            sheet,
            next_row,
            [Column("省份", "province", "text", 8)] + INDICATOR_COLUMNS + aggregate_columns(data.year),
            provinces,
            set_widths=False,
        )


def _ranking_sheet(book: Book, data: ReportData, period: str):
    book.titled_table(
        "园区排名",
        f"{period}国家高新区主要指标园区排名",
        "来源 marts.park_ranking；第1名最好；排名变化正数为上升。",
        INDICATOR_COLUMNS
        + [
            Column("园区", "park_name", "text", 30),
            Column("省份", "province", "text", 8),
            Column("区域", "region", "text", 6),
            Column("本年累计", "value_ytd", _by_unit, 13),
            Column("全国排名", "national_rank", "rank", 7),
            Column("参评园区数", "national_n", "count", 8),
            Column("全国百分位", "national_percentile", "score", 8),
            Column("区域排名", "regional_rank", "rank", 7),
            Column("区域参评数", "regional_n", "count", 8),
            Column("排名变化（环比）", "rank_change_qoq", "signed", 9),
            Column("排名变化（同比）", "rank_change_yoy", "signed", 9),
            Column("园区代码", "park_id", "text", 12),
        ],
        records(with_names(data.ranking, data.indicators)),
    )


def _contribution_sheet(book: Book, data: ReportData, period: str):
    frames = []
    for code in CONTRIBUTION_INDICATORS:
        top = data.contributions[
            (data.contributions["indicator_code"] == code) & data.contributions["contribution_pp"].notna()
        ].head(TOP_CONTRIBUTORS)
        frames.append(top.assign(order=range(1, len(top) + 1)))
    book.titled_table(
        "增长贡献",
        f"{period}对全国增长拉动最大的园区（园区生产总值、营业收入，各前{TOP_CONTRIBUTORS}位）",
        "来源 marts.park_growth_contribution；拉动 = 园区累计增量 ÷ 可比园区上年同期累计之和 × 100（百分点）。",
        INDICATOR_COLUMNS
        + [
            Column("位次", "order", "rank", 5),
            Column("园区", "park_name", "text", 30),
            Column("区域", "region", "text", 6),
            Column("本年累计", "value_ytd", _by_unit, 13),
            Column("累计同比（%）", "yoy_ytd_pct", "pct", 9),
            Column("累计增量", "delta_ytd", _by_unit, 12),
            Column("拉动（百分点）", "contribution_pp", "pp", 10),
            Column("园区代码", "park_id", "text", 12),
        ],
        records(with_names(pd.concat(frames), data.indicators)),
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
        ["park_name", "province", "region", "composite_score", "composite_rank"]
    ]
    table = parks.join(scores[order].rename(columns=lambda d: f"dim:{d}")).reset_index()
    table = table.assign(park_name=[official_name(n, p) for n, p in zip(table["park_name"], table["park_id"])])
    return table.sort_values(["composite_rank", "park_id"]).reset_index(drop=True), order


def _composite_sheet(book: Book, data: ReportData, period: str):
    table, dimensions = composite_table(data)
    names = dimension_names()
    book.titled_table(
        "综合评价",
        f"{period}国家高新区综合评价（综合指数及维度得分）",
        "来源 marts.park_composite_index；各指标当季园区间最小—最大法换算为0–100分，按评价权重加权。",
        [
            Column("综合排名", "composite_rank", "rank", 7),
            Column("园区", "park_name", "text", 30),
            Column("省份", "province", "text", 8),
            Column("区域", "region", "text", 6),
            Column("综合得分", "composite_score", "score", 9),
        ]
        + [Column(names.get(d, d), f"dim:{d}", "score", 12) for d in dimensions]
        + [Column("园区代码", "park_id", "text", 12)],
        records(table),
    )


def _findings_sheet(book: Book, data: ReportData, period: str):
    findings = with_names(data.findings, data.indicators)
    findings = findings.assign(severity_zh=findings["severity"].map(lambda s: SEVERITY_WORDS.get(s, s)))
    book.titled_table(
        "审核问题",
        f"{period}数据审核问题（共{len(findings)}条）",
        "来源 audit.findings；错误：数值不纳入汇总，需园区更正；警告：数值保留，需园区说明。",
        [
            Column("级别", "severity_zh", "text", 6),
            Column("规则", "rule_id", "text", 7),
            Column("园区", "park_name", "text", 30),
            Column("区域", "region", "text", 6),
            Column("指标", "name_zh", "text", 16),
            Column("数值", "value", _by_unit, 12),
            Column("单位", "unit", "text", 9),
            Column("说明", "message", "wrap", 56),
            Column("园区代码", "park_id", "text", 12),
        ],
        records(findings),
    )


def _definitions_sheet(book: Book, data: ReportData, period: str):
    indicators = data.indicators.assign(
        kind_zh=data.indicators["kind"].map(lambda k: KIND_WORDS.get(k, k)),
        direction_zh=data.indicators["direction"].map(lambda d: DIRECTION_WORDS.get(int(d), str(d))),
    )
    rows = records(indicators)
    sheet = book.titled_table(
        "指标说明",
        "指标说明与计算口径",
        "指标来自指标字典（seeds/indicators.csv，发布为 marts.dim_indicator）；计算口径摘自 docs/methodology.md。",
        [
            Column("指标代码", "indicator_code", "text", 24),
            Column("中文名称", "name_zh", "wrap", 18),
            Column("英文名称", "name_en", "wrap", 30),
            Column("单位", "unit", "text", 12),
            Column("类型", "kind_zh", "text", 20),
            Column("方向", "direction_zh", "text", 16),
        ],
        rows,
    )
    first = 2 + len(rows) + 2
    sheet.write(first, 0, "计算口径", book.formats["title"])
    # the definitions span the five columns right of the code column (widths 18 + 30 + 12 + 20 + 16)
    book.pairs(sheet, first + 1, definitions(), span=5, chars_per_line=45)


def write_workbook(data: ReportData, path: Path) -> Path:
    period = period_words(data.year, data.quarter_num)
    book = Book(path)
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
