"""`nhtz report QUARTER`: bulletin-style numbers, the workbook, the HTML page and its narrative.

The report runs on the marts fixture (tests/marts_fixture.py: five parks, 2022Q1–2023Q4) built by dbt, checked and
published once per test session (published_home, tests/conftest.py). Its figures are worked out by hand below from the
fixture's submissions; the formatting rules (nhtz/report/numbers.py) are tested on exact strings.

GDP year to date (亿元), from marts_fixture:

    park                 2022Q2  2022Q4  2023Q2  2023Q4   single quarters 2022Q4 → 2023Q4
    A xiamen_huoju 东部     20      40      22      44      10 → 11
    B guangzhou    东部     40      80      42      84      20 → 21
    C wuhan_donghu 中部     10      20       —      24       5 → 6   (24 − 18)
    D lanzhou      西部      8      16      10      20       4 → 5
    E akesu_alaer  西部      —       —      22      44       — → 11  (joined in 2023)

2023Q4: 216 from 5 parks against 156 from 4: all parks 216/156 − 1 = 38.5 %; like-for-like (A–D) 172/156 − 1 = 10.3 %;
single quarter all parks 54/39 − 1 = 38.5 %, like-for-like 43/39 − 1 = 10.3 %. The set of parks changed (E joined),
so the like-for-like figure comes first.
2023Q2: 96 from 4 parks (C sent nothing) against 78: all parks +23.1 %; like-for-like (A, B, D) 74/68 − 1 = 8.8 %,
single quarter like-for-like (11 + 21 + 5)/(10 + 20 + 4) − 1 = 8.8 %. R&D intensity Σ R&D / Σ GDP: 2023Q2
(1.1 + 1.26 + 0.5 + 0.88)/96 = 3.8958 %, 2022Q2 (1.0 + 1.2 + 0.2 + 0.45)/78 = 3.6538 %: up 0.24 percentage points.
"""

import errno
import html
import re
import shutil
import stat
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import openpyxl
import pytest
from typer.testing import CliRunner

from nhtz.cli import app
from nhtz.errors import NhtzError
from nhtz.home import Home
from nhtz.quarters import describe_quarters, quarter_range
from nhtz.report import write_report
from nhtz.report import page as page_module
from nhtz.report.charts import amount_scale, log_ticks, nice_step, report_figures, round_axis
from nhtz.report.data import load_report_data
from nhtz.report.methodology import METHODOLOGY, read_definitions
from nhtz.report.narrative import build_narrative
from nhtz.report.numbers import (
    beijing_time, count, growth, point_change, points, quantity, rounded, yi_yuan,
)

RAW_FLOAT = re.compile(r"\d+\.\d{3,}")


# ---------------------------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (154855.41, "15.49万亿元"),  # the 154855.41亿元
        (10000.0, "1.00万亿元"),
        (9999.96, "1.00万亿元"),  # rounds up to 1万亿元 at one decimal, so it is written in 万亿元
        (9876.54, "9876.5亿元"),
        (2401.36, "2401.4亿元"),
        (100.0, "100.0亿元"),
        (99.996, "100.0亿元"),
        (64.254, "64.25亿元"),
        (0.5, "0.50亿元"),
        (-12.3, "-12.30亿元"),
        (-0.001, "0.00亿元"),
        (None, "—"),
        (float("nan"), "—"),
    ],
)
def test_amounts_in_yi_and_wan_yi_yuan(value, text):
    assert yi_yuan(value) == text


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (2056873, "件", "205.7万件"),  # the 2056873件
        (115000, "家", "11.5万家"),
        (10000, "人", "1.0万人"),
        (9999.6, "件", "1.0万件"),
        (9999.4, "件", "9999件"),
        (410, "家", "410家"),
        (9.0, "家", "9家"),
        (None, "家", "—"),
    ],
)
def test_counts_in_wan_from_ten_thousand(value, unit, text):
    assert count(value, unit) == text


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (7.7, "%", "7.70%"),
        (498.1818, "件/万人", "498.2件/万人"),
        (0.26351, "吨标准煤/万元", "0.26吨标准煤/万元"),
        (2740.0, "件", "2740件"),
        (216.0, "亿元", "216.0亿元"),
        (39.0, "万吨标准煤", "39.00万吨标准煤"),
    ],
)
def test_quantities_by_unit(value, unit, text):
    assert quantity(value, unit) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(7.06, "增长7.1%"), (-2.34, "下降2.3%"), (0.04, "持平"), (-0.049, "持平"), (300.0, "增长300.0%"),
     (None, "无上年同期可比数据")],
)
def test_growth_with_one_decimal(value, text):
    assert growth(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.1, "提高0.10个百分点"), (0.242, "提高0.24个百分点"), (-0.25, "下降0.25个百分点"), (0.004, "持平"),
     (-0.0007, "持平"), (None, "无上年同期可比数据")],
)
def test_ratio_changes_in_percentage_points(value, text):
    assert point_change(value) == text


def test_contributions_in_percentage_points():
    assert points(4 / 156 * 100) == "2.56个百分点"
    assert points(-12.1212) == "-12.12个百分点"


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2024, 7, 25, 10, 30, tzinfo=timezone.utc), "2024年7月25日 18:30（北京时间）"),
        (datetime(2024, 12, 31, 16, 5), "2025年1月1日 00:05（北京时间）"),  # naive is UTC; midnight crossed
        (datetime(2024, 3, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")), "2024年3月1日 09:00（北京时间）"),
    ],
)
def test_times_in_beijing_time(moment, text):
    assert beijing_time(moment) == text


@pytest.mark.parametrize(
    ("value", "kind", "stored"),
    [(57032.94759999996, "money", 57032.95), (9.0, "count", 9), (12.3456, "pct", 12.3), (-0.04, "pct", 0.0),
     (0.0099712, "pp", 0.01), (3.6851851, "ratio", 3.69), (2.0, "rank", 2), (None, "money", None),
     (123.45670000000001, "submitted", 123.4567)],
)
def test_workbook_values_are_stored_as_shown(value, kind, stored):
    assert rounded(value, kind) == stored
    assert type(rounded(value, kind)) is type(stored)
    if stored == 0.0:
        assert str(rounded(value, kind)) == "0.0"  # not −0.0


# ---------------------------------------------------------------------------------------------- the narrative


def facts(**changes) -> dict:
    """A quarter of the size the bulletins report: 178 parks, 15.49万亿元 of GDP."""
    national = {
        "gdp": {"name_zh": "园区生产总值", "unit": "亿元", "kind": "flow", "value_ytd": 154855.41, "value_q": 41234.5,
                "yoy_ytd_pct": 7.06, "yoy_ytd_pct_lfl": 7.02, "yoy_q_pct": 6.2, "yoy_q_pct_lfl": 6.15,
                "yoy_ytd_pp": None, "n_parks": 178, "n_parks_lfl": 178, "n_parks_q_lfl": 178,
                "two_year_avg_growth_pct": None},
        "invention_patents_owned": {"name_zh": "有效发明专利拥有量", "unit": "件", "kind": "stock",
                                    "value_ytd": 2056873, "yoy_ytd_pct": 12.04, "n_parks": 178},
        "rd_intensity": {"name_zh": "研发投入强度", "unit": "%", "kind": "ratio", "value_ytd": 7.7004,
                         "yoy_ytd_pct": 1.3, "yoy_ytd_pp": 0.1001, "n_parks": 178},
    }
    base = {
        "year": 2025, "quarter_num": 3, "national": national, "parks_changed": False, "regions": [],
        "fastest_region": None, "top_parks": [], "top_contributors": [], "movers_basis": "yoy", "movers_up": [],
        "movers_down": [], "composite_top": [],
        "findings": {"n_findings": 0, "n_error": 0, "n_warning": 0, "n_parks_error": 0, "n_parks_warning": 0,
                     "top_rules": []},
    }
    base.update(changes)
    return base


def test_a_bulletin_sized_quarter_reads_as_a_bulletin():
    economy, innovation, audit = build_narrative(facts())
    # an unchanged set of parks: the growth is like-for-like already, and no second figure is needed
    assert economy == "2025年前三季度，178家国家高新区实现园区生产总值15.49万亿元，同比增长7.1%（其中三季度当季增长6.2%）。"
    assert innovation == (
        "创新投入和创新主体方面，研发投入强度为7.70%，比上年同期提高0.10个百分点；有效发明专利拥有量205.7万件，同比增长12.0%。"
    )
    assert "增长1.3%" not in innovation  # a ratio never changes by a relative rate
    assert audit == "数据审核方面，本期未发现审核问题。"
    assert not any(RAW_FLOAT.search(p) for p in (economy, innovation, audit))


def test_when_parks_changed_the_like_for_like_growth_comes_first_and_once():
    changed = facts(parks_changed=True)
    changed["national"]["gdp"].update(n_parks=178, n_parks_lfl=171, yoy_ytd_pct=9.84, yoy_ytd_pct_lfl=7.02)
    economy = build_narrative(changed)[0]
    assert economy == (
        "2025年前三季度，178家国家高新区实现园区生产总值15.49万亿元，按可比口径（171家上年同期也有数据的园区）"
        "同比增长7.0%（其中三季度当季增长6.2%），按全部报送园区计算增长9.8%。"
    )
    assert " ".join(build_narrative(changed)).count("可比口径") == 1


def test_first_quarter_has_no_separate_single_quarter_and_2021_adds_the_two_year_average():
    first = facts(year=2021, quarter_num=1)
    first["national"]["gdp"]["two_year_avg_growth_pct"] = 5.04
    assert build_narrative(first)[0] == (
        "2021年一季度，178家国家高新区实现园区生产总值15.49万亿元，同比增长7.1%，两年平均增长5.0%。"
    )
    second = facts(year=2021, quarter_num=2)
    second["national"]["gdp"]["two_year_avg_growth_pct"] = 5.04
    assert build_narrative(second)[0] == (
        "2021年上半年，178家国家高新区实现园区生产总值15.49万亿元，同比增长7.1%（其中二季度当季增长6.2%），两年平均增长5.0%。"
    )


def test_a_missing_base_is_said_once_per_paragraph():
    missing = facts()
    missing["national"]["gdp"].update(yoy_ytd_pct=None, yoy_q_pct=None)
    missing["national"]["rd_intensity"]["yoy_ytd_pp"] = None
    economy, innovation, _ = build_narrative(missing)
    assert economy == "2025年前三季度，178家国家高新区实现园区生产总值15.49万亿元（上年同期无可比数据的指标未列增速）。"
    assert innovation.startswith("创新投入和创新主体方面，研发投入强度为7.70%；有效发明专利拥有量205.7万件，同比增长12.0%")
    assert innovation.endswith("（上年同期无可比数据的指标未列增速）。")


@pytest.mark.parametrize("quarter_num, words", [(1, "2025年一季度"), (2, "2025年上半年"), (3, "2025年前三季度"),
                                                (4, "2025年全年")])
def test_quarter_wording(quarter_num, words):
    assert build_narrative(facts(quarter_num=quarter_num))[0].startswith(words + "，178家")


# ---------------------------------------------------------------------------------------------- on the fixture


@pytest.fixture(scope="module")
def published(published_home) -> Home:
    """The marts fixture built by dbt, checked and published once per session (tests/conftest.py); only read here:
    reports are written into folders of their own."""
    return published_home


@pytest.fixture(scope="module")
def report_2023q4(published, tmp_path_factory):
    return write_report(published, "2023Q4", out_dir=tmp_path_factory.mktemp("q4"))


@pytest.fixture(scope="module")
def report_2023q2(published, tmp_path_factory):
    return write_report(published, "2023Q2", out_dir=tmp_path_factory.mktemp("q2"))


def mart_row(home: Home, sql: str, params=()) -> tuple:
    with duckdb.connect(str(home.serving_db), read_only=True) as con:
        return con.execute(sql, list(params)).fetchone()


def narrative_text(html_path: Path) -> str:
    page = html_path.read_text(encoding="utf-8")
    block = re.search(r'<div class="narrative" id="narrative">(.*?)</div>', page, re.S).group(1)
    return html.unescape(re.sub(r"<[^>]+>", "\n", block))


def test_narrative_of_2023q4_by_hand(report_2023q4):
    text = narrative_text(report_2023q4.html)
    assert (
        "2023年全年，5家国家高新区实现园区生产总值216.0亿元，按可比口径（4家上年同期也有数据的园区）同比增长10.3%"
        "（其中四季度当季增长10.3%），按全部报送园区计算增长38.5%；"
    ) in text
    # revenue A 220 + B 300 + C 120 + D 60 + E 220 = 920 against 800; output B 100 + C 176 = 276 against 260
    assert "实现营业收入920.0亿元，同比增长15.0%；规上工业总产值276.0亿元，同比增长6.2%" in text
    # R&D 7.96 against 5.75 (+38.4 %); intensity 7.96/216 = 3.685 % against 5.75/156 = 3.686 %: −0.0007 points
    assert "研发经费投入7.96亿元，同比增长38.4%；研发投入强度为3.69%，与上年同期持平；有效发明专利拥有量2740件" in text
    # 东部 128/120, 中部 24/20, 西部 64 against D's 16; like-for-like fastest is 西部, D alone 20/16
    assert "东部地区128.0亿元（同比增长6.7%）、中部地区24.00亿元（同比增长20.0%）和西部地区64.00亿元（同比增长300.0%）" in text
    assert "其中西部地区可比增长最快，增长25.0%（1家园区两期均有数据）" in text
    # official names, never a short form: B 84 first, A and E tie on 44 (both second, E's id sorts first)
    assert (
        "居前3位的是广州高新技术产业开发区（84.00亿元，同比增长5.0%）、阿克苏阿拉尔高新技术产业开发区（44.00亿元）"
        "和厦门火炬高技术产业开发区（44.00亿元，同比增长10.0%）"
    ) in text
    assert "广州高新区" not in text and "厦门火炬高新区" not in text
    # each of A–D grew by 4 over a like-for-like base of 156: 2.56 points each, ties in id order
    assert "拉动最大的是广州高新技术产业开发区（拉动2.56个百分点）、兰州高新技术产业开发区（拉动2.56个百分点）" in text
    assert "位次下降最多的是武汉东湖新技术开发区（下降1位至第4位）和兰州高新技术产业开发区（下降1位至第5位）" in text
    assert text.count("可比口径") == 1
    assert not RAW_FLOAT.search(text), RAW_FLOAT.findall(text)


def test_narrative_of_2023q2_quotes_the_ratio_change_in_points(report_2023q2):
    text = narrative_text(report_2023q2.html)
    assert text.strip().startswith(
        "2023年上半年，4家国家高新区实现园区生产总值96.00亿元，按可比口径（3家上年同期也有数据的园区）同比增长8.8%"
        "（其中二季度当季增长8.8%），按全部报送园区计算增长23.1%"
    )
    assert "研发投入强度为3.90%，比上年同期提高0.24个百分点" in text
    assert not RAW_FLOAT.search(text), RAW_FLOAT.findall(text)


def test_narrative_figures_are_the_marts(published, report_2023q4):
    n_parks, value, growth_all, growth_lfl, n_lfl = mart_row(
        published,
        "select n_parks, value_ytd, yoy_ytd_pct, yoy_ytd_pct_lfl, n_parks_lfl from marts.national_quarter "
        "where quarter = '2023Q4' and indicator_code = 'gdp'",
    )
    assert (n_parks, n_lfl) == (5, 4) and value == pytest.approx(216.0)
    assert growth_all == pytest.approx((216 / 156 - 1) * 100) and growth_lfl == pytest.approx((172 / 156 - 1) * 100)
    text = narrative_text(report_2023q4.html)
    assert f"{n_parks}家国家高新区实现园区生产总值{yi_yuan(value)}" in text
    assert f"按可比口径（{n_lfl}家上年同期也有数据的园区）同比{growth(growth_lfl)}" in text


# ---------------------------------------------------------------------------------------------- workbook


SHEETS = ["全国汇总", "分区域", "园区排名", "增长贡献", "综合评价", "审核问题", "指标说明"]
HEADER_ROW = 3


def sheet_rows(sheet) -> list[dict]:
    """The data rows of a report sheet (header on row 3) as dicts keyed by the Chinese headers."""
    rows = list(sheet.iter_rows(min_row=HEADER_ROW, values_only=True))
    header = rows[0]
    out = []
    for row in rows[1:]:
        if all(v is None for v in row):
            break
        out.append(dict(zip(header, row)))
    return out


@pytest.fixture(scope="module")
def book_2023q4(report_2023q4):
    return openpyxl.load_workbook(report_2023q4.xlsx)


def test_workbook_national_sheet_by_hand(book_2023q4):
    assert book_2023q4.sheetnames == SHEETS
    national = book_2023q4["全国汇总"]
    assert national["A1"].value == "2023年全年国家高新区主要经济指标（全国汇总）"
    rows = {r["指标代码"]: r for r in sheet_rows(national)}
    gdp = rows["gdp"]
    assert (gdp["指标"], gdp["单位"], gdp["本年累计"], gdp["单季"]) == ("园区生产总值", "亿元", 216, 54)
    assert (gdp["累计同比（%）"], gdp["可比口径累计同比（%）"]) == (38.5, 10.3)
    assert (gdp["单季同比（%）"], gdp["可比口径单季同比（%）"]) == (38.5, 10.3)  # 54/39, 43/39
    assert (gdp["园区数"], gdp["可比园区数"], gdp["单季可比园区数"], gdp["增长园区数"]) == (5, 4, 4, 4)
    rd = rows["rd_intensity"]
    # a ratio: its level at two decimals and its change in points; no relative growth is shown
    assert (rd["本年累计"], rd["比率同比增减（百分点）"], rd["累计同比（%）"]) == (3.69, 0.0, None)
    assert rows["industrial_value_added"]["本年累计"] == 44  # B's 120 is an error, held out: C's 44 alone


def test_workbook_cells_are_the_marts_rounded_as_shown(published, book_2023q4):
    with duckdb.connect(str(published.serving_db), read_only=True) as con:
        marts = {
            row[0]: row[1:]
            for row in con.execute(
                "select indicator_code, value_ytd, value_q, yoy_ytd_pct_lfl, n_parks from marts.national_quarter "
                "where quarter = '2023Q4' and kind <> 'ratio'"
            ).fetchall()
        }
    for row in sheet_rows(book_2023q4["全国汇总"]):
        if row["指标代码"] not in marts:
            continue
        value_ytd, value_q, growth_lfl, n_parks = marts[row["指标代码"]]
        digits = 0 if row["单位"] in ("件", "家", "人") else 2
        assert row["本年累计"] == round(value_ytd, digits)
        assert row["单季"] == (None if value_q is None else round(value_q, digits))
        assert row["可比口径累计同比（%）"] == (None if growth_lfl is None else round(growth_lfl, 1))
        assert row["园区数"] == n_parks


def test_workbook_holds_no_raw_floats_and_counts_are_whole(book_2023q4):
    for sheet in book_2023q4:
        for row in sheet.iter_rows(min_row=HEADER_ROW + 1):
            for cell in row:
                if isinstance(cell.value, float):
                    assert cell.value == round(cell.value, 2), (sheet.title, cell.coordinate, cell.value)
                if cell.number_format == "#,##0":
                    assert cell.value is None or isinstance(cell.value, int), (sheet.title, cell.coordinate)


def test_workbook_prints_landscape_one_page_wide_with_headers_repeated(book_2023q4):
    for sheet in book_2023q4:
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert sheet.page_setup.paperSize == 9
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert (sheet.page_setup.fitToWidth or 1) == 1  # an absent fitToWidth is 1 in the file format
        assert sheet.page_setup.fitToHeight == 0
        assert sheet.print_title_rows == "$1:$3"
        assert sheet.freeze_panes == "A4"
    national = book_2023q4["全国汇总"]
    header = [c.value for c in national[HEADER_ROW]]
    gdp = next(r for r in national.iter_rows(min_row=HEADER_ROW + 1) if r[header.index("指标代码")].value == "gdp")
    assert gdp[header.index("本年累计")].number_format == "#,##0.00"
    assert gdp[header.index("累计同比（%）")].number_format == '0.0"%"'
    assert gdp[header.index("园区数")].number_format == "#,##0"


def test_workbook_ranking_contribution_findings_and_definitions(published, book_2023q4):
    ranking = [r for r in sheet_rows(book_2023q4["园区排名"]) if r["指标"] == "园区生产总值"]
    assert [(r["园区代码"], r["全国排名"], r["排名变化（同比）"]) for r in ranking] == [
        ("guangzhou", 1, 0), ("akesu_alaer", 2, None), ("xiamen_huoju", 2, 0), ("wuhan_donghu", 4, -1),
        ("lanzhou", 5, -1),
    ]
    assert ranking[0]["园区"] == "广州高新技术产业开发区"
    contributions = [r for r in sheet_rows(book_2023q4["增长贡献"]) if r["指标"] == "园区生产总值"]
    assert [r["拉动（百分点）"] for r in contributions] == [2.56] * 4  # 4/156 × 100 each
    findings = sheet_rows(book_2023q4["审核问题"])
    assert len(findings) == mart_row(published, "select count(*) from audit.findings where quarter = '2023Q4'")[0]
    assert (findings[0]["级别"], findings[0]["规则"], findings[0]["数值"]) == ("错误", "R02", 120)
    definitions = book_2023q4["指标说明"]
    rows = sheet_rows(definitions)
    assert len(rows) == mart_row(published, "select count(*) from marts.dim_indicator")[0]
    # the definitions are docs/methodology.md's 口径一览 table, row for row
    terms = [(r[0].value, r[1].value) for r in definitions.iter_rows(min_row=HEADER_ROW + len(rows) + 3) if r[0].value]
    assert terms == read_definitions(METHODOLOGY)
    assert "DOMAIN.md" not in str([c.value for row in definitions.iter_rows() for c in row])


def test_definitions_come_from_the_methodology_table(tmp_path):
    doc = tmp_path / "methodology.md"
    doc.write_text("# M\n\n## 口径一览\n\n| 名称 | 定义 |\n|---|---|\n| `value_ytd` | 本年累计 |\n| 拉动 | 百分点 |\n\n## Next\n| x | y |\n",
                   encoding="utf-8")
    assert read_definitions(doc) == [("value_ytd", "本年累计"), ("拉动", "百分点")]
    doc.write_text("# M\n\nno table\n", encoding="utf-8")
    with pytest.raises(NhtzError, match="has no section `## 口径一览`"):
        read_definitions(doc)


# ---------------------------------------------------------------------------------------------- charts


@pytest.mark.parametrize(("span", "step"), [(216, 50), (38.5, 10), (3.0, 0.5), (0.9, 0.2), (12, 2), (25, 5),
                                            (14, 2.5), (0, 1.0)])
def test_ticks_step_by_round_numbers(span, step):
    assert nice_step(span) == step


def test_round_axis_and_units():
    growth_axis = round_axis([38.46, 10.26, -3.2])
    assert (growth_axis["dtick"], growth_axis["tick0"], growth_axis["tickformat"]) == (10, 0, ",.0f")
    assert growth_axis["range"] == pytest.approx([-10.5, 40.5])  # −10 … 40 and a margin of 5 % of a step
    assert growth_axis["zeroline"] is False
    assert round_axis([1.2, 3.7], include_zero=False)["tickformat"] == ",.1f"  # steps of 0.5 need a decimal
    assert amount_scale([154855.41, 90000]) == (10000, "万亿元")
    assert amount_scale([216.0, 162.0]) == (1, "亿元")
    assert log_ticks([4.0, 84.0]) == ([2.0, 5.0, 10.0, 20.0, 50.0, 100.0], ["2", "5", "10", "20", "50", "100"])
    assert log_ticks([800.0, 12000.0])[1] == ["500", "1,000", "2,000", "5,000", "10,000", "20,000"]


def test_charts_have_chinese_units_round_ticks_and_no_rule_across_bars(published):
    data = load_report_data(published, "2023Q4")
    figures = report_figures(data)
    assert [heading for heading, _ in figures] == ["全国走势", "全国走势", "分区域", "园区分布", "位次变化", "创新与增长"]
    trend = figures[0][1]
    layout = trend.layout
    assert layout.yaxis.title.text == "亿元" and layout.yaxis2.title.text == "同比增长（%）"
    assert layout.yaxis.tickformat == ",.0f" and layout.yaxis.exponentformat == "none"
    assert layout.yaxis.zeroline is False and layout.yaxis2.zeroline is False
    assert layout.yaxis.dtick in (50, 100) and layout.yaxis2.tickmode == "linear"
    regions = figures[2][1]
    # the park counts sit in the category labels, where no marker can cover them
    assert list(regions.data[0].x) == ["东部（2家）", "中部（1家）", "西部（2家）"]
    assert regions.data[0].text is None
    distribution = figures[3][1].layout.yaxis
    assert distribution.type == "log" and list(distribution.ticktext) == ["10", "20", "50", "100"]  # GDP 20 … 84
    for _, figure in figures:
        assert figure.layout.separators == ".,"


# ---------------------------------------------------------------------------------------------- the page


def test_page_is_self_contained_and_prints(report_2023q4):
    page = report_2023q4.html.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", page)  # no CDN, nothing fetched
    assert not re.search(r"<link[^>]+href=", page)
    assert page.count("plotly.js v") == 1  # the library once, not once per chart
    assert page.count('class="chart"') == 6
    assert "@media print" in page and "thead { display: table-header-group; }" in page
    assert "DOMAIN.md" not in page and "docs/methodology.md" in page


def test_page_is_stamped_in_beijing_time(report_2023q4):
    page = report_2023q4.html.read_text(encoding="utf-8")
    stamp = re.search(r"生成于 (\d{4})年(\d+)月(\d+)日 (\d\d):(\d\d)（北京时间）", page)
    assert stamp, "no Beijing time stamp"
    written = datetime(*map(int, stamp.groups()), tzinfo=ZoneInfo("Asia/Shanghai"))
    assert abs(datetime.now(timezone.utc) - written) < timedelta(minutes=30)
    assert "UTC" not in page.split("<h2>")[0]


def test_page_tables_show_the_marts_rounded(report_2023q4):
    page = report_2023q4.html.read_text(encoding="utf-8")
    # 全国主要指标, GDP: 216 亿元, +38.5 %, like-for-like +10.3 %, no points (not a ratio), +38.5 % single quarter
    assert re.search(
        r"<td>园区生产总值</td><td>亿元</td><td class=\"num\">216.00</td><td class=\"num\">38.5%</td>"
        r"<td class=\"num\">10.3%</td><td class=\"num\">—</td><td class=\"num\">38.5%</td>"
        r"<td class=\"num\">5</td><td class=\"num\">4</td>",
        page,
    )
    assert '<td>广州高新技术产业开发区</td><td>东部</td><td class="num">84.00</td><td class="num">5.0%</td>' in page
    tables = page.split("<h2>总体情况</h2>")[1]
    tables = re.sub(r"<script.*?</script>", "", tables, flags=re.S)
    assert not RAW_FLOAT.search(re.sub(r"<div class=\"chart\".*?</div>", "", tables, flags=re.S).replace(",", ""))


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (make test installs it: scripts/install-system-deps.sh)")
def test_page_draws_its_charts_in_headless_chromium(report_2023q4, tmp_path):
    # one page load gives both the drawn page and its screenshot: each load of the page costs seconds of the one
    # core the test's worker has (docs/testing.md)
    shot = tmp_path / "report.png"
    dom = subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=15000",
         "--dump-dom", f"--screenshot={shot}", "--window-size=1280,3000", report_2023q4.html.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout
    drawn = re.findall(r'<div class="chart"[^>]*>.*?(?=<div class="chart"|<h2>)', dom, re.S)
    assert len(drawn) == 6
    assert all('class="main-svg"' in chart for chart in drawn)  # every chart drew its SVG
    assert "2023年全年，5家国家高新区实现园区生产总值216.0亿元" in dom
    # ticks written out in full: no SI suffix such as 200k on any axis
    ticks = re.findall(r'class="[xy]tick"[^>]*>.*?<text[^>]*>([^<]*)</text>', dom, re.S)
    assert ticks and not [t for t in ticks if re.search(r"\d[kMG]$", t)]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 50_000  # a blank page of this size compresses to a few kilobytes


# ---------------------------------------------------------------------------------------------- failures


def test_a_full_disk_leaves_no_partial_page(published, tmp_path, monkeypatch):
    """The page writer fails half-way (ENOSPC): one line, the folder holds the whole workbook and nothing else."""

    def half_written(data, facts, path):
        path.write_bytes(b"<!DOCTYPE html><html><body>half a pa")
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(page_module, "write_page", half_written)
    folder = tmp_path / "out"
    result = CliRunner().invoke(app, ["report", "2023Q4", "--home", str(published.root), "--out", str(folder)])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"nhtz: error: cannot write {folder / 'nhtz_report_2023Q4.html'}: No space left on device; "
        "nothing was left behind"
    )
    assert "Traceback" not in result.output
    assert [p.name for p in folder.iterdir()] == ["nhtz_report_2023Q4.xlsx"]
    openpyxl.load_workbook(folder / "nhtz_report_2023Q4.xlsx")  # the workbook that was written is whole


def test_unknown_quarter_names_the_quarters_available(published):
    with pytest.raises(NhtzError) as error:
        write_report(published, "2030Q1")
    assert str(error.value) == "quarter 2030Q1 is not in the published marts; available: 2022Q1–2023Q4 (8 quarters)"
    # a full run of quarters is named by its ends: 2019Q1..2026Q3 is 7 × 4 + 3 = 31 quarters
    assert describe_quarters(quarter_range("2019Q1", "2026Q3")) == "2019Q1–2026Q3 (31 quarters)"


def test_malformed_quarter_and_unpublished_home_are_refused(tmp_path):
    with pytest.raises(NhtzError, match="not of the form YYYYQn"):
        write_report(Home(tmp_path), "2024Q5")
    with pytest.raises(NhtzError, match="nothing is published yet"):
        write_report(Home(tmp_path), "2024Q2")


def test_a_serving_database_missing_a_mart_is_named(published, tmp_path):
    home = Home(tmp_path / "home").ensure()
    shutil.copy(published.serving_db, home.serving_db)
    home.serving_db.chmod(stat.S_IRUSR | stat.S_IWUSR)  # the published file is read-only on disk
    with duckdb.connect(str(home.serving_db)) as con:
        con.execute("drop table marts.province_quarter")
    with pytest.raises(NhtzError, match="lacks marts.province_quarter"):
        write_report(home, "2023Q4")


def test_cli_prints_the_paths(published, tmp_path):
    result = CliRunner().invoke(app, ["report", "2023q4", "--home", str(published.root), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert str(tmp_path / "nhtz_report_2023Q4.xlsx") in result.stdout
    assert (tmp_path / "nhtz_report_2023Q4.html").stat().st_size > 1_000_000  # plotly.js is inside
    bad = CliRunner().invoke(app, ["report", "1999Q1", "--home", str(published.root)])
    assert bad.exit_code == 1
    assert bad.stderr.strip().splitlines()[-1].startswith("nhtz: error: quarter 1999Q1 is not in the published marts")
    assert "Traceback" not in bad.output


def test_version_and_help(tmp_path):
    from importlib.metadata import version

    runner = CliRunner()
    shown = runner.invoke(app, ["--version"])
    assert shown.exit_code == 0 and shown.stdout.strip() == f"nhtz {version('nhtz')}"
    top = runner.invoke(app, ["--help"], terminal_width=200)
    assert "--home DIR" in top.stdout and "NHTZ_HOME" in top.stdout and "./warehouse" in top.stdout
    assert "Examples:" in top.stdout and "nhtz demo --home /tmp/nhtz" in top.stdout
    commands = [command.name or command.callback.__name__ for command in app.registered_commands]
    assert {"demo", "ingest", "build", "check", "publish", "run", "report", "feedback", "sql", "status"} <= set(commands)
    for command in commands:
        shown = runner.invoke(app, [command, "--help"], terminal_width=200)
        assert "Examples:" in shown.stdout and f"nhtz {command}" in shown.stdout, command
