"""Period labels and number cells as submissions write them (nhtz.ingest.periods, nhtz.ingest.cells)."""

from datetime import date, datetime

import pytest

from nhtz.ingest import parse_period
from nhtz.ingest.cells import BadNumber, parse_number
from nhtz.ingest.periods import UnknownPeriod
from nhtz.ingest.reference import load_reference, split_unit


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("2024Q2", (2024, 6)),
        ("2024q2", (2024, 6)),
        ("2019Q1", (2019, 3)),
        ("2024-06", (2024, 6)),
        ("2024-6", (2024, 6)),
        ("2024/06", (2024, 6)),
        ("202406", (2024, 6)),
        (202406, (2024, 6)),
        (202409.0, (2024, 9)),
        ("2024年6月", (2024, 6)),
        ("2024年1-6月", (2024, 6)),
        ("2024年1—6月", (2024, 6)),
        ("2024年1月-6月", (2024, 6)),
        ("2024年上半年", (2024, 6)),
        ("2024年一季度", (2024, 3)),
        ("2024年第一季度", (2024, 3)),
        # the zone survey reports year-to-date: 二季度 is January to June
        ("2024年二季度", (2024, 6)),
        ("2024年第四季度", (2024, 12)),
        ("2024年前三季度", (2024, 9)),
        ("2024年1-9月", (2024, 9)),
        ("2024年", (2024, 12)),
        ("2024年全年", (2024, 12)),
        ("2024年度", (2024, 12)),
        ("２０２４年１－６月", (2024, 6)),
        (" 2024年 1-6月 ", (2024, 6)),
        (datetime(2024, 6, 30), (2024, 6)),
        (date(2023, 12, 31), (2023, 12)),
    ],
)
def test_parse_period_reads_every_accepted_form(label, expected):
    assert parse_period(label) == expected


@pytest.mark.parametrize(
    ("label", "reason"),
    [
        ("2024年第五季度", "unknown period label '2024年第五季度'"),
        ("2024", "unknown period label '2024'"),
        ("上半年", "unknown period label '上半年'"),
        ("2024-13", "period '2024-13' has no month 13"),
        ("2024年4-6月", "period '2024年4-6月' does not start in January"),
        ("", "no period given"),
        (None, "no period given"),
    ],
)
def test_parse_period_refuses_unknown_labels_naming_them(label, reason):
    with pytest.raises(UnknownPeriod, match=reason):
        parse_period(label)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1,234.5", 1234.5),
        ("１２３", 123.0),
        ("１，２３４．５", 1234.5),
        ("  98.6 ", 98.6),
        ("12,345,678", 12345678.0),
        ("-2.5", -2.5),
        ("1.5e3", 1500.0),
        (42, 42.0),
        (0.25, 0.25),
        ("0", 0.0),
    ],
)
def test_parse_number_reads_numbers_as_written(cell, expected):
    assert parse_number(cell) == expected


@pytest.mark.parametrize("cell", ["—", "-", "--", "——", "", "  ", "/", None])
def test_parse_number_treats_dashes_and_blanks_as_missing(cell):
    assert parse_number(cell) is None


@pytest.mark.parametrize("cell", ["abc", "1,2", "12%", "1.2.3", "约100", True])
def test_parse_number_refuses_what_is_not_a_number(cell):
    with pytest.raises(BadNumber, match="is not a number"):
        parse_number(cell)


@pytest.mark.parametrize(
    "cell", ["inf", "-inf", "nan", "NaN", "Infinity", "1e400", "-1e400", "１e400", float("nan"), float("inf"), 10**400]
)
def test_parse_number_refuses_what_is_not_finite(cell):
    # NaN is not a blank and infinity is not a figure: both are bad cells, never missing and never landed
    with pytest.raises(BadNumber, match="is not a finite number"):
        parse_number(cell)


def test_parse_number_keeps_the_largest_doubles_and_drops_the_sign_of_zero():
    assert parse_number("1e308") == 1e308
    assert parse_number(" -1.5e308 ") == -1.5e308
    assert str(parse_number("-0")) == "0.0" and str(parse_number(-0.0)) == "0.0"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("营业收入(万元)", ("营业收入", "万元")),
        ("GDP（亿元）", ("GDP", "亿元")),
        ("营业收入 [千元]", ("营业收入", "千元")),
        ("营业收入", ("营业收入", None)),
    ],
)
def test_split_unit_takes_the_unit_out_of_a_header(header, expected):
    assert split_unit(header) == expected


def test_indicator_headers_match_their_spellings():
    reference = load_reference()
    assert reference.indicator_for("GDP").code == "gdp"
    assert reference.indicator_for("gross domestic product").code == "gdp"
    assert reference.indicator_for("R&D经费内部支出").code == "rd_expenditure"
    assert reference.indicator_for("营 业 收 入").code == "revenue"
    assert reference.indicator_for("研发投入强度").kind == "ratio"
    assert reference.indicator_for("备注") is None


def test_park_names_short_names_aliases_and_ids_find_the_same_park():
    reference = load_reference()
    spellings = ["武汉东湖新技术开发区", "武汉东湖", "东湖高新区", "wuhan_donghu", " 东湖 高新区 "]
    assert {reference.park_id_for(name) for name in spellings} == {"wuhan_donghu"}


def test_unknown_park_names_the_three_closest_registry_parks():
    reference = load_reference()
    with pytest.raises(ValueError) as raised:
        reference.park_id_for("武汉东胡高新区")
    message = str(raised.value)
    assert message.startswith("unknown park '武汉东胡高新区' (closest: 武汉东湖新技术开发区, ")
    assert message.count(",") == 2
