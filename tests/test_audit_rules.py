"""audit.findings, the evaluator of seeds/audit_rules.csv, on the hand fixture and on the fixture with a few more
values landed that trip the remaining rules and sit just inside a tolerance (marts_fixture.RULE_VALUES, landed in
the session's extended_fixture_home together with test_marts_comparison's values of 2012–2013, which touch none of
the parks, indicators and quarters below)."""

import csv
from datetime import date

import pytest

from marts_fixture import EXPECTED, PARKS, QUARTERS
from nhtz.db import connect
from nhtz.project import SEEDS_DIR

LETTER = {park_id: letter for letter, park_id in PARKS.items()}


@pytest.fixture(scope="module")
def fixture_home(built_fixture_home):
    return built_fixture_home


@pytest.fixture(scope="module")
def extra_home(extended_fixture_home):
    """The fixture with marts_fixture.RULE_VALUES landed on top, each as a later file:
    A net_profit 2023Q4 300 (> revenue 220: R03); E rd_expenditure 2023Q4 50 (revises 1.76: rd_intensity 113.6: R04);
    C revenue 2023Q4 89.99 (revises 120: 0.011 % below Q3's 90, inside R01's 0.05 % tolerance); A energy 2024Q1 20
    (+900 % on 2 a year earlier); B exports 2023 0, 0, 5, 5 (a copied zero is not judged, a copied 5 is: R07)."""
    return extended_fixture_home


def findings(home):
    with connect(home.working_db, read_only=True) as con:
        cursor = con.execute("select * from audit.findings")
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]


def fixture_park_findings(home):
    return {
        (LETTER[f["park_id"]], f["quarter"], f["indicator_code"], f["rule_id"]): f
        for f in findings(home)
        if f["park_id"] in LETTER
    }


def rules():
    with open(SEEDS_DIR / "audit_rules.csv", encoding="utf-8") as f:
        return {r["rule_id"]: r for r in csv.DictReader(f)}


def active_parks_at(day: date) -> set[str]:
    with open(SEEDS_DIR / "park_registry.csv", encoding="utf-8") as f:
        return {
            r["park_id"]
            for r in csv.DictReader(f)
            if date.fromisoformat(r["active_from"]) <= day
            and (not r["active_to"] or date.fromisoformat(r["active_to"]) >= day)
        }


QUARTER_END = {q: date(int(q[:4]), int(q[-1]) * 3, 31 if q[-1] in "14" else 30) for q in QUARTERS + ["2024Q1"]}


def test_fixture_findings_are_exactly_the_hand_listed_ones(fixture_home):
    assert set(fixture_park_findings(fixture_home)) == EXPECTED["findings"]


@pytest.mark.parametrize("key", sorted(EXPECTED["messages"]))
def test_messages_carry_the_values_in_chinese(fixture_home, key):
    assert fixture_park_findings(fixture_home)[key]["message"] == EXPECTED["messages"][key]


def test_severity_and_values_come_from_the_rules_table(fixture_home):
    table = rules()
    for finding in findings(fixture_home):
        assert finding["severity"] == table[finding["rule_id"]]["severity"]
    found = fixture_park_findings(fixture_home)
    assert found[("D", "2023Q3", "revenue", "R01")]["value"] == pytest.approx(45.0)
    # energy 2023Q4: A 19 / 10 − 1 = +90 % against the like-for-like (19 + 16 + 4) / (10 + 16 + 4) − 1 = +30 %
    assert found[("A", "2023Q4", "energy_consumption", "R05")]["message"] == (
        "综合能源消费量累计同比增速90.0%，与同期全国可比口径增速30.0%相差超过30.0个百分点"
    )
    assert found[("C", "2023Q2", None, "R08")]["value"] is None


def test_every_active_park_without_a_submission_is_listed_once_per_quarter(fixture_home):
    # reporters per quarter, from the fixture: C misses 2023Q2, E reports from 2023Q2
    reporters = {q: {"A", "B", "C", "D"} for q in QUARTERS[:5]}
    reporters.update({"2023Q2": {"A", "B", "D", "E"}, "2023Q3": set("ABCDE"), "2023Q4": set("ABCDE")})
    expected = {
        (park_id, quarter)
        for quarter in QUARTERS
        for park_id in active_parks_at(QUARTER_END[quarter]) - {PARKS[letter] for letter in reporters[quarter]}
    }
    missing = {(f["park_id"], f["quarter"]) for f in findings(fixture_home) if f["rule_id"] == "R08"}
    assert missing == expected
    # 177 zones were active at the end of 2022, 178 from 2023Q2 (阿克苏阿拉尔 from 2023-06-12)
    assert sum(1 for park, quarter in missing if quarter == "2022Q4") == 177 - 4
    assert sum(1 for park, quarter in missing if quarter == "2023Q4") == 178 - 5


def test_part_exceeding_whole_ratio_above_and_outlier_rules(extra_home):
    found = fixture_park_findings(extra_home)
    assert found[("A", "2023Q4", "net_profit", "R03")]["message"] == "净利润(300.0亿元)超过营业收入(220.0亿元)"
    # 50 / 44 × 100 = 113.636…: from 100 up messages show one decimal
    assert found[("E", "2023Q4", "rd_intensity", "R04")]["message"] == "研发投入强度(113.6%)超过100.0%"
    # A energy single-quarter growth 2023: 2/2, 3/3, 2/2 → 0 %, 12/3 → +300 %: mean 75, sample sd 150;
    # 2024Q1: 20/2 → +900 %, (900 − 75) / 150 = 5.5 sd
    outlier = found[("A", "2024Q1", "energy_consumption", "R06")]
    assert outlier["value"] == pytest.approx(20.0)
    assert outlier["message"] == (
        "综合能源消费量单季值(20.0万吨标准煤)同比900.0%，偏离本园区此前4个季度单季同比均值(75.0%)5.5个标准差"
    )
    # yoy 20 / 2 − 1 = +900 %, but A is the only park with energy in 2024Q1: the national like-for-like growth is
    # its own, so R05 (a park against the quarter's national growth) has nothing to say
    assert ("A", "2024Q1", "energy_consumption", "R05") not in found


def test_tolerances_and_zero_flows(extra_home):
    found = fixture_park_findings(extra_home)
    # C's revenue 89.99 after 90: a fall of 0.011 %, inside the 0.05 % rounding tolerance of R01
    assert not any(k[0] == "C" and k[2] == "revenue" and k[3] == "R01" for k in found)
    # B's exports: 0 then 0 is not judged as copied; 5 then 5 is
    assert ("B", "2023Q2", "exports", "R07") not in found
    assert ("B", "2023Q4", "exports", "R07") in found


def test_errors_are_held_out_of_aggregates_and_taint_their_ratios(extra_home):
    with connect(extra_home.working_db, read_only=True) as con:
        status = dict(
            con.execute(
                "select indicator_code, quality_status from marts.fct_park_quarter where park_id = ? and quarter = '2023Q4' "
                "and indicator_code in ('net_profit', 'profit_margin', 'revenue')",
                [PARKS["A"]],
            ).fetchall()
        )
        rd = con.execute(
            "select value_ytd, n_parks from marts.national_quarter where quarter = '2023Q4' and indicator_code = 'rd_intensity'"
        ).fetchone()
    # the ratio is not computed from an error: it stays as a row that says why
    assert status == {"net_profit": "error", "profit_margin": "derived_from_error", "revenue": "ok"}
    # E's rd_intensity is in error: (2.2 + 2.52 + 0.48 + 1.0) / (44 + 84 + 24 + 20) × 100 over A, B, C, D
    assert rd == (pytest.approx(6.2 / 172 * 100), 4)
