"""`nhtz report QUARTER`: the workbook, the HTML page and its narrative, checked against the marts they read.

Most tests run on a hand-made serving database (`make_tiny_serving_home`, below) whose numbers can be checked
on paper; one runs the real pipeline on the shared marts fixture; one opens the page in headless Chromium.
"""

import csv
import html
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import openpyxl
import pytest
from typer.testing import CliRunner

from nhtz.cli import app
from nhtz.errors import NhtzError
from nhtz.home import Home
from nhtz.project import PROJECT_ROOT, SEEDS_DIR
from nhtz.quarters import quarter_range
from nhtz.report import build_narrative, write_report
from nhtz.quarters import describe_quarters
from nhtz.report.wording import park_label

# The tiny serving database.
# A hand-made serving database with the CONTRACT.md marts for four parks, small enough to check by hand.
#
# GDP year-to-date (亿元), the figures the report tests recompute on paper:
#
#     park  region  2023Q1  2023Q2  2024Q1  2024Q2
#     P1    东部      40      90      45     100
#     P2    东部      10      25      28      60
#     P3    中部      20      50      12      30
#     P4    西部       —       —       4      10
#
# 2024Q2 national GDP = 200 from 4 parks; last year 165 from 3 parks, so all-parks growth 200/165 − 1 = 21.21 %,
# like-for-like (P1–P3) 190/165 − 1 = 15.15 %. Contributions: P2 35/165 = 21.21 pp, P1 10/165 = 6.06 pp,
# P3 −20/165 = −12.12 pp (they add up to 15.15). GDP ranks 2023Q2: P1 1, P3 2, P2 3; 2024Q2: P1 1, P2 2, P3 3,
# P4 4, so P2 moved up one place and P3 down one. Revenue is 3 × GDP, R&D expenditure is a fixed share of GDP
# (P1 5 %, P2 3 %, P3 2 %, P4 1 %), high-tech enterprises a stock.
#
# The aggregates are filled in with plain SQL here (the fixture's own arithmetic, not the project's models),
# so that the tables agree with each other the way published marts do.

PARKS = [
    # park_id, park_name, short_name, province, city, region
    ("P1", "甲市高新技术产业开发区", "甲高新区", "北京市", "北京市", "东部"),
    ("P2", "乙市高新技术产业开发区", "乙高新区", "江苏省", "南京市", "东部"),
    ("P3", "丙市高新技术产业开发区", "丙高新区", "湖北省", "武汉市", "中部"),
    ("P4", "丁市高新技术产业开发区", "丁高新区", "四川省", "成都市", "西部"),
]
GDP_YTD = {
    "P1": {"2023Q1": 40, "2023Q2": 90, "2024Q1": 45, "2024Q2": 100},
    "P2": {"2023Q1": 10, "2023Q2": 25, "2024Q1": 28, "2024Q2": 60},
    "P3": {"2023Q1": 20, "2023Q2": 50, "2024Q1": 12, "2024Q2": 30},
    "P4": {"2024Q1": 4, "2024Q2": 10},
}
RD_SHARE = {"P1": 0.05, "P2": 0.03, "P3": 0.02, "P4": 0.01}
HIGH_TECH = {"P1": 500, "P2": 300, "P3": 200, "P4": 50}
QUARTERS = ["2023Q1", "2023Q2", "2024Q1", "2024Q2"]


def _fact_rows() -> list[tuple]:
    rows = []
    for park, by_quarter in GDP_YTD.items():
        for quarter, gdp in by_quarter.items():
            year = int(quarter[:4])
            rows.append((park, quarter, "gdp", float(gdp)))
            rows.append((park, quarter, "revenue", 3.0 * gdp))
            rows.append((park, quarter, "rd_expenditure", round(RD_SHARE[park] * gdp, 6)))
            rows.append((park, quarter, "high_tech_enterprises", float(HIGH_TECH[park] + (year - 2023) * 20)))
    return rows


FACTS_SQL = """
create or replace table marts.fct_park_quarter as
with flows as (
    select
        park_id, quarter, cast(left(quarter, 4) as integer) as year, cast(right(quarter, 1) as integer) as quarter_num,
        indicator_code, value_ytd
    from landed
),
ratios as (
    select n.park_id, n.quarter, n.year, n.quarter_num, 'rd_intensity' as indicator_code,
        n.value_ytd / d.value_ytd * 100 as value_ytd
    from flows as n join flows as d using (park_id, quarter)
    where n.indicator_code = 'rd_expenditure' and d.indicator_code = 'gdp'
),
everything as (select * from flows union all select * from ratios),
final as (
    select
        e.park_id, e.quarter, e.year, e.quarter_num, e.indicator_code, e.value_ytd,
        case when i.kind = 'flow' then
            case when e.quarter_num = 1 then e.value_ytd else e.value_ytd - prev.value_ytd end
        end as value_q,
        case when ly.value_ytd > 0 then (e.value_ytd / ly.value_ytd - 1) * 100 end as yoy_ytd_pct,
        cast(null as double) as yoy_q_pct,
        'nominal' as price_basis,
        0 as revision_count,
        'ok' as quality_status
    from everything as e
    join marts.dim_indicator as i using (indicator_code)
    left join everything as prev
        on prev.park_id = e.park_id and prev.indicator_code = e.indicator_code
        and prev.year = e.year and prev.quarter_num = e.quarter_num - 1
    left join everything as ly
        on ly.park_id = e.park_id and ly.indicator_code = e.indicator_code
        and ly.year = e.year - 1 and ly.quarter_num = e.quarter_num
)
select * from final
"""

# One aggregate table per grouping (national, region, province): sums for amounts and counts, Σ/Σ for the
# R&D intensity, all-parks and like-for-like growth.
AGGREGATE_SQL = """
create or replace table {table} as
with parks as (
    select f.*, p.region, p.province,
        ly.value_ytd as ly_value_ytd,
        lyg.value_ytd as gdp_ytd, lyrd.value_ytd as ly_rd, lygdp.value_ytd as ly_gdp
    from marts.fct_park_quarter as f
    join marts.dim_park as p using (park_id)
    left join marts.fct_park_quarter as ly
        on ly.park_id = f.park_id and ly.indicator_code = f.indicator_code
        and ly.year = f.year - 1 and ly.quarter_num = f.quarter_num
    left join marts.fct_park_quarter as lyg
        on lyg.park_id = f.park_id and lyg.quarter = f.quarter and lyg.indicator_code = 'gdp'
    left join marts.fct_park_quarter as lyrd
        on lyrd.park_id = f.park_id and lyrd.indicator_code = 'rd_expenditure'
        and lyrd.year = f.year - 1 and lyrd.quarter_num = f.quarter_num
    left join marts.fct_park_quarter as lygdp
        on lygdp.park_id = f.park_id and lygdp.indicator_code = 'gdp'
        and lygdp.year = f.year - 1 and lygdp.quarter_num = f.quarter_num
),
sums as (
    select {keys} quarter, indicator_code,
        case when indicator_code = 'rd_intensity'
            then sum(value_ytd * gdp_ytd / 100) / sum(gdp_ytd) * 100 else sum(value_ytd) end as value_ytd,
        sum(value_q) as value_q,
        count(*) as n_parks,
        count(ly_value_ytd) as n_parks_lfl,
        count(*) filter (where value_ytd > ly_value_ytd) as n_parks_growing,
        sum(value_ytd) filter (where ly_value_ytd is not null) as lfl_now,
        sum(ly_value_ytd) as lfl_before,
        sum(ly_rd) as ly_rd, sum(ly_gdp) filter (where ly_rd is not null) as ly_gdp,
        sum(value_ytd * gdp_ytd / 100) filter (where ly_value_ytd is not null) as lfl_rd_now,
        sum(gdp_ytd) filter (where ly_value_ytd is not null) as lfl_gdp_now
    from parks
    group by {keys} quarter, indicator_code
),
with_last_year as (
    select s.*, ly.value_ytd as ly_total
    from sums as s
    left join sums as ly
        on {join_keys} ly.indicator_code = s.indicator_code
        and cast(left(ly.quarter, 4) as integer) = cast(left(s.quarter, 4) as integer) - 1
        and right(ly.quarter, 1) = right(s.quarter, 1)
),
final as (
    select {keys} quarter, indicator_code, value_ytd, value_q, n_parks,
        case when ly_total > 0 then (value_ytd / ly_total - 1) * 100 end as yoy_ytd_pct,
        case when indicator_code = 'rd_intensity' then
                case when ly_rd > 0 then ((lfl_rd_now / lfl_gdp_now) / (ly_rd / ly_gdp) - 1) * 100 end
            when lfl_before > 0 then (lfl_now / lfl_before - 1) * 100 end as yoy_ytd_pct_lfl,
        n_parks_lfl, n_parks_growing
    from with_last_year
)
select * from final
"""

RANKING_SQL = """
create or replace table marts.park_ranking as
with ranked as (
    select f.park_id, f.quarter, f.year, f.quarter_num, f.indicator_code, f.value_ytd, p.region,
        rank() over (partition by f.quarter, f.indicator_code order by f.value_ytd * i.direction desc) as national_rank,
        count(*) over (partition by f.quarter, f.indicator_code) as national_n,
        rank() over (partition by f.quarter, f.indicator_code, p.region
            order by f.value_ytd * i.direction desc) as regional_rank,
        count(*) over (partition by f.quarter, f.indicator_code, p.region) as regional_n
    from marts.fct_park_quarter as f
    join marts.dim_park as p using (park_id)
    join marts.dim_indicator as i using (indicator_code)
),
final as (
    select r.park_id, r.quarter, r.indicator_code, r.value_ytd, r.national_rank, r.national_n,
        case when r.national_n > 1 then 100.0 * (r.national_n - r.national_rank) / (r.national_n - 1) end
            as national_percentile,
        r.region, r.regional_rank, r.regional_n,
        prev.national_rank - r.national_rank as rank_change_qoq,
        ly.national_rank - r.national_rank as rank_change_yoy
    from ranked as r
    left join ranked as prev
        on prev.park_id = r.park_id and prev.indicator_code = r.indicator_code
        and prev.year * 4 + prev.quarter_num = r.year * 4 + r.quarter_num - 1
    left join ranked as ly
        on ly.park_id = r.park_id and ly.indicator_code = r.indicator_code
        and ly.year = r.year - 1 and ly.quarter_num = r.quarter_num
)
select * from final
"""

CONTRIBUTION_SQL = """
create or replace table marts.park_growth_contribution as
with pairs as (
    select f.park_id, f.quarter, f.indicator_code, f.value_ytd - ly.value_ytd as delta_ytd, ly.value_ytd as base
    from marts.fct_park_quarter as f
    join marts.dim_indicator as i using (indicator_code)
    join marts.fct_park_quarter as ly
        on ly.park_id = f.park_id and ly.indicator_code = f.indicator_code
        and ly.year = f.year - 1 and ly.quarter_num = f.quarter_num
    where i.kind = 'flow'
),
final as (
    select park_id, quarter, indicator_code, delta_ytd,
        delta_ytd / sum(base) over (partition by quarter, indicator_code) * 100 as contribution_pp
    from pairs
)
select * from final
"""

# Composite index of 2024Q2 (and the quarters before, so every quarter has one): two dimensions, scores by hand.
COMPOSITE = [
    # park, innovation, quality, composite, rank
    ("P1", 80.0, 90.0, 85.0, 1),
    ("P2", 70.0, 60.0, 65.0, 2),
    ("P3", 40.0, 50.0, 45.0, 3),
    ("P4", 10.0, 20.0, 15.0, 4),
]
FINDINGS = [
    ("P2", "2024Q2", "gdp", "W_YOY_BOUND", "warning", "园区生产总值同比增长140.0%，超过30%的界限，请说明原因", 60.0),
    ("P2", "2024Q2", "revenue", "W_YOY_BOUND", "warning", "营业收入同比增长140.0%，超过30%的界限，请说明原因", 180.0),
    ("P3", "2024Q2", "gdp", "W_YOY_BOUND", "warning", "园区生产总值同比下降40.0%，超过30%的界限，请说明原因", 30.0),
    ("P4", "2024Q2", "rd_expenditure", "E_PART_GT_WHOLE", "error", "研发经费投入大于园区生产总值", 0.1),
    ("P1", "2024Q1", "gdp", "W_YOY_BOUND", "warning", "上一季度的问题，不属于2024Q2", 45.0),
]


def make_tiny_serving_home(tmp_path, with_provinces: bool = True) -> Home:
    home = Home(tmp_path / "home").ensure()
    con = duckdb.connect(str(home.serving_db))
    try:
        for schema in ("marts", "audit"):
            con.execute(f"create schema {schema}")
        con.execute(
            "create table marts.dim_park (park_id varchar, park_name varchar, short_name varchar, province varchar, "
            "city varchar, region varchar, approved_year integer, active_from date, active_to date)"
        )
        con.executemany(
            "insert into marts.dim_park values (?, ?, ?, ?, ?, ?, 2000, date '2000-01-01', null)", PARKS
        )
        with (SEEDS_DIR / "indicators.csv").open(encoding="utf-8") as handle:
            indicators = [
                (r["indicator_code"], r["name_zh"], r["name_en"], r["unit"], r["kind"], int(r["direction"]))
                for r in csv.DictReader(handle)
            ]
        con.execute(
            "create table marts.dim_indicator (indicator_code varchar, name_zh varchar, name_en varchar, "
            "unit varchar, kind varchar, direction integer)"
        )
        con.executemany("insert into marts.dim_indicator values (?, ?, ?, ?, ?, ?)", indicators)
        con.execute("create temp table landed (park_id varchar, quarter varchar, indicator_code varchar, value_ytd double)")
        con.executemany("insert into landed values (?, ?, ?, ?)", _fact_rows())
        con.execute(FACTS_SQL)
        con.execute(AGGREGATE_SQL.format(table="marts.national_quarter", keys="", join_keys=""))
        con.execute(AGGREGATE_SQL.format(table="marts.region_quarter", keys="region,", join_keys="ly.region = s.region and"))
        if with_provinces:
            con.execute(
                AGGREGATE_SQL.format(table="marts.province_quarter", keys="province,", join_keys="ly.province = s.province and")
            )
        con.execute(RANKING_SQL)
        con.execute(CONTRIBUTION_SQL)
        con.execute(
            "create table marts.park_composite_index (park_id varchar, quarter varchar, dimension varchar, "
            "dimension_score double, composite_score double, composite_rank integer)"
        )
        for quarter in QUARTERS:
            for park, innovation, quality, composite, rank in COMPOSITE:
                for dimension, score in (("innovation", innovation), ("quality", quality)):
                    con.execute(
                        "insert into marts.park_composite_index values (?, ?, ?, ?, ?, ?)",
                        [park, quarter, dimension, score, composite, rank],
                    )
        con.execute(
            "create table audit.findings (park_id varchar, quarter varchar, indicator_code varchar, rule_id varchar, "
            "severity varchar, message varchar, value double)"
        )
        con.executemany("insert into audit.findings values (?, ?, ?, ?, ?, ?, ?)", FINDINGS)
    finally:
        con.close()
    return home


# ---------------------------------------------------------------------------------------------- helpers


def mart_row(home: Home, sql: str, params=()) -> tuple:
    with duckdb.connect(str(home.serving_db), read_only=True) as con:
        return con.execute(sql, list(params)).fetchone()


def narrative_text(html_path: Path) -> str:
    page = html_path.read_text(encoding="utf-8")
    block = re.search(r'<div class="narrative" id="narrative">(.*?)</div>', page, re.S).group(1)
    return html.unescape(re.sub(r"<[^>]+>", "\n", block))


def sheet_rows(sheet) -> list[dict]:
    """The data rows of a report sheet (header on row 3) as dicts keyed by the Chinese headers."""
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    header = rows[0]
    out = []
    for row in rows[1:]:
        if all(v is None for v in row):
            break
        out.append(dict(zip(header, row)))
    return out


@pytest.fixture(scope="module")
def tiny_report(tmp_path_factory):
    home = make_tiny_serving_home(tmp_path_factory.mktemp("tiny"))
    return home, write_report(home, "2024Q2")


# ---------------------------------------------------------------------------------------------- narrative


def test_narrative_gdp_figure_and_growth_are_the_national_marts(tiny_report):
    home, paths = tiny_report
    text = narrative_text(paths.html)
    found = re.search(
        r"2024年上半年，(\d+)家国家高新区实现园区生产总值([\d.]+)亿元，同比增长([\d.]+)%（可比口径增长([\d.]+)%，(\d+)家可比园区）",
        text,
    )
    assert found, text
    n_parks, value, growth, growth_lfl, n_lfl = found.groups()
    marts = mart_row(
        home,
        "select n_parks, value_ytd, yoy_ytd_pct, yoy_ytd_pct_lfl, n_parks_lfl from marts.national_quarter "
        "where quarter = '2024Q2' and indicator_code = 'gdp'",
    )
    assert int(n_parks) == marts[0]
    assert float(value) == pytest.approx(marts[1], abs=0.005)
    assert float(growth) == pytest.approx(marts[2], abs=0.05)
    assert float(growth_lfl) == pytest.approx(marts[3], abs=0.05)
    assert int(n_lfl) == marts[4]
    # and on paper: 200 from 4 parks; 200/165 − 1 = 21.2 %; like-for-like 190/165 − 1 = 15.2 % over 3 parks
    assert (n_parks, value, growth, growth_lfl, n_lfl) == ("4", "200.00", "21.2", "15.2", "3")


def test_narrative_regions_parks_movers_and_findings_match_hand_figures(tiny_report):
    _, paths = tiny_report
    text = narrative_text(paths.html)
    # 东部 like-for-like (P1+P2): 160 / (90+25) − 1 = 39.1 %; 中部 30/50 − 1 = −40 %; 西部 has no base year
    assert "东部地区160.00亿元（同比增长39.1%）" in text
    assert "中部地区30.00亿元（同比下降40.0%）" in text
    assert "其中东部地区增长最快，可比口径增长39.1%（2家可比园区）" in text
    # GDP top 3 by value, contributions 35/165 and 10/165 (P3's −20/165 held growth back, so it is not named)
    assert "居前3位的是甲高新区（100.00亿元，同比增长11.1%）、乙高新区（60.00亿元，同比增长140.0%）和丙高新区" in text
    assert "拉动最大的是乙高新区（21.21个百分点）和甲高新区（6.06个百分点）" in text
    assert "与上年同期相比，位次上升最多的是乙高新区（上升1位至第2位）；位次下降最多的是丙高新区（下降1位至第3位）" in text
    assert "甲高新区（85.00分）、乙高新区（65.00分）和丙高新区（45.00分）" in text
    # 2024Q2 findings: 1 error (P4), 3 warnings (P2 twice, P3); P1's 2024Q1 warning is another quarter
    assert "本期共发现审核问题4条，其中错误1条（涉及1家园区" in text
    assert "警告3条（涉及2家园区" in text
    # R&D intensity Σ R&D / Σ GDP = (5 + 1.8 + 0.6 + 0.1) / 200 = 3.75 %
    assert "研发投入强度为3.75%" in text


def _facts(**changes) -> dict:
    facts = {
        "year": 2025,
        "quarter_num": 3,
        "national": {
            "gdp": {"name_zh": "园区生产总值", "unit": "亿元", "value_ytd": 123300.456, "yoy_ytd_pct": -2.34,
                    "yoy_ytd_pct_lfl": None, "n_parks": 178, "n_parks_lfl": None, "n_parks_growing": 80},
            "high_tech_enterprises": {"name_zh": "高新技术企业数", "unit": "家", "value_ytd": 115000.0,
                                      "yoy_ytd_pct": 0.01, "yoy_ytd_pct_lfl": None, "n_parks": 178,
                                      "n_parks_lfl": None, "n_parks_growing": 90},
        },
        "regions": [],
        "fastest_region": None,
        "top_parks": [],
        "top_contributors": [],
        "movers_basis": "qoq",
        "movers_up": [{"name": "某高新区", "rank_change": 12, "national_rank": 7}],
        "movers_down": [],
        "composite_top": [],
        "findings": {"n_findings": 0, "n_error": 0, "n_warning": 0, "n_parks_error": 0, "n_parks_warning": 0,
                     "top_rules": []},
    }
    facts.update(changes)
    return facts


def test_build_narrative_words_a_fall_a_missing_base_and_a_quiet_audit():
    paragraphs = build_narrative(_facts())
    assert paragraphs[0] == "2025年前三季度，178家国家高新区实现园区生产总值123300.46亿元，同比下降2.3%。"
    # growth that rounds to zero is 持平; a stock count is a whole number
    assert "高新技术企业数115000家，同比与上年同期持平" in paragraphs[1]
    assert "与上季度相比，位次上升最多的是某高新区（上升12位至第7位）" in paragraphs[2]
    assert paragraphs[-1] == "数据审核方面，本期未发现审核问题。"
    assert build_narrative(_facts()) == paragraphs  # same figures, same words


@pytest.mark.parametrize("quarter_num, words", [(1, "2025年一季度"), (2, "2025年上半年"), (3, "2025年前三季度"), (4, "2025年全年")])
def test_quarter_wording(quarter_num, words):
    assert build_narrative(_facts(quarter_num=quarter_num))[0].startswith(words + "，178家")


def test_build_narrative_says_once_when_there_is_no_base_year():
    facts = _facts()
    facts["national"]["gdp"]["yoy_ytd_pct"] = None
    assert build_narrative(facts)[0] == (
        "2025年前三季度，178家国家高新区实现园区生产总值123300.46亿元（上年同期无可比数据的指标未列增速）。"
    )
    facts["national"]["high_tech_enterprises"]["yoy_ytd_pct"] = None
    assert build_narrative(facts)[1] == "创新投入和创新主体方面，高新技术企业数115000家（上年同期无可比数据的指标未列增速）。"


@pytest.mark.parametrize(
    "short_name, park_name, label",
    [
        ("武汉东湖", "武汉东湖新技术产业开发区", "武汉东湖高新区"),
        ("甲高新区", "甲市高新技术产业开发区", "甲高新区"),
        (None, "某市高新技术产业开发区", "某市高新技术产业开发区"),
        (float("nan"), None, "P9"),
    ],
)
def test_parks_are_named_as_the_analyses_name_them(short_name, park_name, label):
    assert park_label(short_name, park_name, "P9") == label


# ---------------------------------------------------------------------------------------------- workbook


SHEETS = ["全国汇总", "分区域", "园区排名", "增长贡献", "综合评价", "审核问题", "指标说明"]


def test_workbook_has_the_sheets_and_the_marts_numbers(tiny_report):
    home, paths = tiny_report
    book = openpyxl.load_workbook(paths.xlsx)
    assert book.sheetnames == SHEETS
    national = book["全国汇总"]
    assert national["A1"].value == "2024年上半年国家高新区主要经济指标（全国汇总）"
    assert national.freeze_panes == "A4"
    rows = {r["指标代码"]: r for r in sheet_rows(national)}
    marts = mart_row(
        home,
        "select value_ytd, value_q, yoy_ytd_pct, yoy_ytd_pct_lfl, n_parks, n_parks_lfl from marts.national_quarter "
        "where quarter = '2024Q2' and indicator_code = 'gdp'",
    )
    gdp = rows["gdp"]
    assert (gdp["指标"], gdp["单位"]) == ("园区生产总值", "亿元")
    assert gdp["本年累计"] == pytest.approx(marts[0]) == 200.0
    assert gdp["单季"] == pytest.approx(marts[1]) == 200.0 - 89.0  # Q2 alone: 200 − (45+28+12+4)
    assert gdp["累计同比增长"] == pytest.approx(marts[2]) == pytest.approx((200 / 165 - 1) * 100)
    assert gdp["可比口径同比"] == pytest.approx(marts[3]) == pytest.approx((190 / 165 - 1) * 100)
    assert (gdp["园区数"], gdp["可比园区数"]) == (4, 3)
    assert set(rows) == {"gdp", "revenue", "rd_expenditure", "rd_intensity", "high_tech_enterprises"}
    # formats: 亿元 two decimals, % one decimal, counts whole
    header = [c.value for c in national[3]]
    gdp_row = next(r for r in national.iter_rows(min_row=4) if r[header.index("指标代码")].value == "gdp")
    assert gdp_row[header.index("本年累计")].number_format == "#,##0.00"
    assert gdp_row[header.index("累计同比增长")].number_format == '0.0"%"'
    assert gdp_row[header.index("园区数")].number_format == "#,##0"
    hte_row = next(r for r in national.iter_rows(min_row=4) if r[header.index("指标代码")].value == "high_tech_enterprises")
    assert hte_row[header.index("本年累计")].number_format == "#,##0"


def test_workbook_ranking_contribution_composite_and_findings(tiny_report):
    _, paths = tiny_report
    book = openpyxl.load_workbook(paths.xlsx)
    ranking = [r for r in sheet_rows(book["园区排名"]) if r["指标"] == "园区生产总值"]
    assert [(r["园区代码"], r["全国排名"], r["区域排名"], r["排名变化（同比）"]) for r in ranking] == [
        ("P1", 1, 1, 0), ("P2", 2, 2, 1), ("P3", 3, 1, -1), ("P4", 4, 1, None),
    ]
    contributions = [r for r in sheet_rows(book["增长贡献"]) if r["指标"] == "园区生产总值"]
    assert [r["园区代码"] for r in contributions] == ["P2", "P1", "P3"]
    assert [r["拉动（百分点）"] for r in contributions] == pytest.approx([3500 / 165, 1000 / 165, -2000 / 165])
    composite = sheet_rows(book["综合评价"])
    assert [(r["综合排名"], r["园区代码"], r["综合得分"]) for r in composite] == [
        (1, "P1", 85.0), (2, "P2", 65.0), (3, "P3", 45.0), (4, "P4", 15.0),
    ]
    assert composite[0]["创新能力和创业活跃度"] == 80.0 and composite[0]["综合质效和持续创新力"] == 90.0
    findings = sheet_rows(book["审核问题"])
    assert [(r["级别"], r["园区代码"]) for r in findings] == [("错误", "P4"), ("警告", "P2"), ("警告", "P2"), ("警告", "P3")]
    definitions = sheet_rows(book["指标说明"])
    assert len(definitions) == 25  # the indicator dictionary: 18 base indicators and 7 ratios
    regions = book["分区域"]
    provinces_title = [c.value for c in regions["A"] if c.value and "分省份" in str(c.value)]
    assert provinces_title == ["2024年上半年分省份"]


def test_workbook_without_a_province_mart_still_has_regions(tmp_path):
    home = make_tiny_serving_home(tmp_path, with_provinces=False)
    paths = write_report(home, "2024Q2", out_dir=tmp_path / "out")
    assert paths.xlsx.parent == tmp_path / "out"
    regions = sheet_rows(openpyxl.load_workbook(paths.xlsx)["分区域"])
    gdp = {r["区域"]: r["本年累计"] for r in regions if r["指标"] == "园区生产总值"}
    assert gdp == {"东部": 160.0, "中部": 30.0, "西部": 10.0}


# ---------------------------------------------------------------------------------------------- the real pipeline


@pytest.fixture(scope="module")
def built_report(tmp_path_factory):
    """The shared marts fixture (five parks, 2022Q1–2023Q4) built by dbt and published, then reported."""
    from data_quality.gate import check
    from marts_fixture import EXPECTED, build_fixture_home

    from nhtz.publish import publish

    home = build_fixture_home(tmp_path_factory.mktemp("built"))
    gate = check(home)
    assert gate.passed, gate.describe()
    publish(home, allow_partial=True)  # five of 178 parks report: partial by design
    return home, write_report(home, "2023Q4"), EXPECTED


@pytest.mark.xdist_group("report_built")  # one worker, so the fixture is built once
def test_report_on_the_built_marts_quotes_national_gdp(built_report):
    home, paths, expected = built_report
    gdp = expected["national"][("2023Q4", "gdp")]
    text = narrative_text(paths.html)
    found = re.search(
        r"2023年全年，(\d+)家国家高新区实现园区生产总值([\d.]+)亿元，同比增长([\d.]+)%（可比口径增长([\d.]+)%，(\d+)家可比园区）",
        text,
    )
    assert found, text
    n_parks, value, growth, growth_lfl, n_lfl = found.groups()
    # by hand (marts_fixture): 216 from 5 parks; 216/156 − 1 = 38.5 %; like-for-like 172/156 − 1 = 10.3 % over 4
    assert (n_parks, value, growth, growth_lfl, n_lfl) == ("5", "216.00", "38.5", "10.3", "4")
    marts = mart_row(
        home,
        "select n_parks, value_ytd, yoy_ytd_pct, yoy_ytd_pct_lfl from marts.national_quarter "
        "where quarter = '2023Q4' and indicator_code = 'gdp'",
    )
    assert marts[:2] == (gdp["n_parks"], pytest.approx(gdp["value_ytd"]))
    assert float(growth) == pytest.approx(marts[2], abs=0.05)
    assert float(growth_lfl) == pytest.approx(marts[3], abs=0.05)
    # 西部: D 20 + E 44 = 64, +300 % over D's 16 alone; like-for-like D 20/16 = +25 %
    assert "西部地区64.00亿元（同比增长300.0%）" in text


@pytest.mark.xdist_group("report_built")  # one worker, so the fixture is built once
def test_workbook_on_the_built_marts(built_report):
    home, paths, expected = built_report
    book = openpyxl.load_workbook(paths.xlsx)
    assert book.sheetnames == SHEETS
    national = {r["指标代码"]: r for r in sheet_rows(book["全国汇总"])}
    assert national["gdp"]["本年累计"] == pytest.approx(216.0)
    assert national["gdp"]["单季"] == pytest.approx(54.0)  # 11 + 21 + 6 + 5 + 11
    assert national["industrial_value_added"]["本年累计"] == pytest.approx(44.0)  # B's 120 held out as an error
    findings = sheet_rows(book["审核问题"])
    n_findings = mart_row(home, "select count(*) from audit.findings where quarter = '2023Q4'")[0]
    assert len(findings) == n_findings
    # B's part-exceeds-whole error is listed first (errors before warnings) with its message
    assert findings[0]["级别"] == "错误"
    assert any(r["说明"] == expected["messages"][("B", "2023Q4", "industrial_value_added", "R02")] for r in findings)


# ---------------------------------------------------------------------------------------------- errors


def test_unknown_quarter_names_the_quarters_available(tiny_report):
    home, _ = tiny_report
    with pytest.raises(NhtzError) as error:
        write_report(home, "2030Q1")
    # the fixture has no 2023Q3/Q4, so the quarters are listed one by one
    assert str(error.value) == (
        "quarter 2030Q1 is not in the published marts; available: 2023Q1, 2023Q2, 2024Q1, 2024Q2"
    )
    # a full run of quarters is named by its ends: 2019Q1..2026Q3 is 7 × 4 + 3 = 31 quarters
    assert describe_quarters(quarter_range("2019Q1", "2026Q3")) == "2019Q1–2026Q3 (31 quarters)"


def test_malformed_quarter_and_unpublished_home_are_refused(tmp_path):
    with pytest.raises(NhtzError, match="not of the form YYYYQn"):
        write_report(Home(tmp_path), "2024Q5")
    with pytest.raises(NhtzError, match="nothing is published yet"):
        write_report(Home(tmp_path), "2024Q2")


def test_a_serving_database_missing_a_mart_is_named(tmp_path):
    home = make_tiny_serving_home(tmp_path)
    with duckdb.connect(str(home.serving_db)) as con:
        con.execute("drop table marts.park_composite_index")
    with pytest.raises(NhtzError, match="lacks marts.park_composite_index"):
        write_report(home, "2024Q2")


def test_cli_prints_the_paths_and_one_line_errors(tiny_report, tmp_path):
    home, _ = tiny_report
    runner = CliRunner()
    ok = runner.invoke(app, ["report", "2024q2", "--home", str(home.root), "--out", str(tmp_path)])
    assert ok.exit_code == 0, ok.output
    assert str(tmp_path / "nhtz_report_2024Q2.xlsx") in ok.stdout
    assert (tmp_path / "nhtz_report_2024Q2.html").stat().st_size > 1_000_000  # plotly.js is inside
    bad = runner.invoke(app, ["report", "1999Q1", "--home", str(home.root)])
    assert bad.exit_code == 1
    assert bad.stderr.strip().splitlines()[-1].startswith("nhtz: error: quarter 1999Q1 is not in the published marts")
    assert "Traceback" not in bad.output


# ---------------------------------------------------------------------------------------------- the page


def test_page_is_self_contained(tiny_report):
    _, paths = tiny_report
    page = paths.html.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", page)  # no CDN, nothing fetched
    assert not re.search(r"<link[^>]+href=", page)
    assert page.count("plotly.js v") == 1  # the library once, not once per chart
    assert page.count('class="chart"') == 6


def test_page_tables_show_the_marts_rounded(tiny_report):
    _, paths = tiny_report
    page = paths.html.read_text(encoding="utf-8")
    # 全国主要指标, GDP: 200 亿元, +21.2 %, like-for-like +15.2 %, 4 parks, 3 like-for-like
    assert re.search(
        r"<td>园区生产总值</td><td>亿元</td><td class=\"num\">200.00</td><td class=\"num\">21.2%</td>"
        r"<td class=\"num\">15.2%</td><td class=\"num\">4</td><td class=\"num\">3</td>",
        page,
    )
    # GDP top 10: P2 rose one place (+1), P1 kept its place (0, not +0), P4 has no last year (—)
    assert '<td>乙市高新技术产业开发区</td><td>东部</td><td class="num">60.00</td><td class="num">140.0%</td>' in page
    assert re.search(r"<td>甲市高新技术产业开发区</td>.*?<td class=\"num\">0</td></tr>", page)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (make test installs it: scripts/install-system-deps.sh)")
def test_page_draws_its_charts_in_headless_chromium(tiny_report, tmp_path):
    _, paths = tiny_report
    url = paths.html.as_uri()
    dom = subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile-dom'}", "--virtual-time-budget=15000",
         "--dump-dom", url],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout
    drawn = re.findall(r'<div class="chart"[^>]*>.*?(?=<div class="chart"|<h2>)', dom, re.S)
    assert len(drawn) == 6
    assert all('class="main-svg"' in chart for chart in drawn)  # every chart drew its SVG
    assert "2024年上半年，4家国家高新区实现园区生产总值200.00亿元" in dom
    shot = tmp_path / "report.png"
    subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile-shot'}", "--virtual-time-budget=15000",
         f"--screenshot={shot}", "--window-size=1280,3000", url],
        capture_output=True, timeout=120, check=True,
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 50_000  # a blank page of this size compresses to a few kilobytes
