"""Held-out values feed nothing (docs/methodology.md, "Held-out values"): the hand fixture with four unit slips landed
on top as later vintages, and every path a value is derived along checked by hand.

The slips (each revises one fixture value):
    A gdp 2023Q2      22 → 2.2e9 亿元     above the gdp ceiling (50 000 亿元): R09
    B revenue 2023Q2  200 → 200 000 亿元  below the revenue ceiling, 2000 × B's 2023Q1 (100): R10
    D gdp 2022Q4      16 → 1e308 亿元     above the ceiling: R09
    C gdp 2023Q4      24 → 0.000024 亿元  1 / 750 000 of C's 2023Q3 (18): R10
"""

import pytest

from marts_fixture import PARKS, add_observations, make_fixture_home
from nhtz.build import build
from nhtz.db import connect

SLIPS = [
    ("A", 2023, 6, "gdp", 2.2e9, "亿元"),
    ("B", 2023, 6, "revenue", 200_000, "亿元"),
    ("D", 2022, 12, "gdp", 1e308, "亿元"),
    ("C", 2023, 12, "gdp", 0.000024, "亿元"),
    ("B", 2023, 3, "gdp", 21, "亿元"),  # an identical resend of B's 2023Q1 gdp: not a revision
]


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = make_fixture_home(tmp_path_factory.mktemp("isolation"))
    add_observations(home, SLIPS)
    build(home)  # the build itself must not fail on any of them
    return home


def one(home, sql, *params):
    with connect(home.working_db, read_only=True) as con:
        cursor = con.execute(sql, list(params))
        columns = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    return [dict(zip(columns, row)) for row in rows]


def park_row(home, letter, quarter, indicator):
    rows = one(
        home,
        "select * from marts.fct_park_quarter where park_id = ? and quarter = ? and indicator_code = ?",
        PARKS[letter], quarter, indicator,
    )
    assert len(rows) == 1, (letter, quarter, indicator)
    return rows[0]


def national(home, quarter, indicator):
    return one(
        home, "select * from marts.national_quarter where quarter = ? and indicator_code = ?", quarter, indicator
    )[0]


def errors(home):
    return {
        (f["park_id"], f["quarter"], f["indicator_code"], f["rule_id"])
        for f in one(home, "select * from audit.findings where severity = 'error'")
    }


def test_each_slip_is_one_error_finding_and_the_value_after_it_is_not_flagged(home):
    found = errors(home)
    assert (PARKS["A"], "2023Q2", "gdp", "R09") in found
    assert (PARKS["B"], "2023Q2", "revenue", "R10") in found
    assert (PARKS["D"], "2022Q4", "gdp", "R09") in found
    assert (PARKS["C"], "2023Q4", "gdp", "R10") in found
    # B's correct 2023Q3 revenue (200) is judged against its plausible reference (2023Q1: 100), not the slip:
    # no magnitude jump and no "YTD fell" from 200 000
    assert not {f for f in found if f[0] == PARKS["B"] and f[1] == "2023Q3"}
    # A's correct 2023Q3 gdp (33) likewise
    assert not {f for f in found if f[0] == PARKS["A"] and f[1] == "2023Q3" and f[2] == "gdp"}


def test_revision_count_counts_vintages_that_changed_the_value(home):
    assert park_row(home, "B", "2023Q1", "gdp")["revision_count"] == 0  # 21 sent again unchanged
    assert park_row(home, "B", "2023Q2", "revenue")["revision_count"] == 1  # 200 → 200 000
    assert park_row(home, "A", "2023Q4", "gdp")["revision_count"] == 1  # the fixture's 40 → 44


def test_magnitude_message_names_the_reference(home):
    (message,) = [
        f["message"] for f in one(home, "select * from audit.findings where rule_id = 'R10' and park_id = ?", PARKS["B"])
    ]
    assert message == "2023Q2营业收入(200000.0亿元)为本园区2023Q1(100.0亿元)的2000.0倍，疑似单位错误"


def test_single_quarter_after_a_held_out_ytd_is_null_and_says_why(home):
    row = park_row(home, "A", "2023Q3", "gdp")  # would be 33 − 2.2e9
    assert row["value_ytd"] == 33.0 and row["value_q"] is None
    assert row["quality_status"] == "derived_from_error"
    assert "上季累计值审核错误" in row["quality_note"]
    held_out = park_row(home, "A", "2023Q2", "gdp")
    assert (held_out["quality_status"], held_out["value_q"], held_out["yoy_ytd_pct"]) == ("error", None, None)


def test_growth_on_a_held_out_base_is_null(home):
    row = park_row(home, "D", "2023Q4", "gdp")  # base 2022Q4 is the 1e308 slip
    assert row["value_ytd"] == 20.0
    assert row["yoy_ytd_pct"] is None and row["quality_status"] == "derived_from_error"
    # D's 2023Q4 single quarter (20 − 15 = 5) stands; its growth base 2022Q4's single quarter is the slip's
    assert row["value_q"] == 5.0 and row["yoy_q_pct"] is None


def test_ratio_with_a_held_out_component_is_not_computed(home):
    row = park_row(home, "A", "2023Q2", "rd_intensity")  # 1.1 / 2.2e9
    assert row["value_ytd"] is None and row["quality_status"] == "derived_from_error"


def test_national_totals_and_like_for_like_leave_the_slips_out(home):
    q2 = national(home, "2023Q2", "gdp")
    assert (q2["value_ytd"], q2["n_parks"]) == (pytest.approx(74.0), 3)  # B 42 + D 10 + E 22
    q3 = national(home, "2023Q3", "gdp")
    # single quarters: B 21 + D 5 + E 11; A's is derived from the slip, C has no 2023Q2
    assert (q3["value_q"], q3["n_parks_q"]) == (pytest.approx(37.0), 3)
    q4 = national(home, "2023Q4", "gdp")
    assert (q4["value_ytd"], q4["n_parks"]) == (pytest.approx(192.0), 4)  # A 44 + B 84 + D 20 + E 44
    assert q4["last_year_value_ytd"] == pytest.approx(140.0)  # 2022Q4: A 40 + B 80 + C 20 (D's slip out)
    # like-for-like: only A and B have usable values in both years: (44 + 84) / (40 + 80) − 1
    assert (q4["yoy_ytd_pct_lfl"], q4["n_parks_lfl"]) == (pytest.approx((128 / 120 - 1) * 100), 2)
    # single quarters 2023Q4: A 11 + B 21 + D 5 + E 11 (C's is the slip's)
    assert (q4["value_q"], q4["n_parks_q"]) == (pytest.approx(48.0), 4)
    revenue = national(home, "2023Q2", "revenue")
    assert (revenue["value_ytd"], revenue["n_parks"]) == (pytest.approx(110 + 50 + 110), 3)  # A, D, E; B out


def test_ranks_contributions_and_composite_leave_the_slips_out(home):
    ranked = one(
        home,
        "select park_id from marts.park_ranking where quarter = '2023Q4' and indicator_code = 'gdp' order by national_rank",
    )
    assert PARKS["C"] not in {r["park_id"] for r in ranked}
    contributions = one(
        home,
        "select park_id, contribution_pp from marts.park_growth_contribution "
        "where quarter = '2023Q4' and indicator_code = 'gdp' order by park_id",
    )
    # A (44 − 40) and B (84 − 80) over the like-for-like base 120
    assert {r["park_id"]: r["contribution_pp"] for r in contributions} == {
        PARKS["A"]: pytest.approx(4 / 120 * 100),
        PARKS["B"]: pytest.approx(4 / 120 * 100),
    }
    scores = one(home, "select min(composite_score) as low, max(composite_score) as high from marts.park_composite_index")
    assert 0 <= scores[0]["low"] <= scores[0]["high"] <= 100


def test_no_published_number_is_arithmetic_on_an_error(home):
    # every error row carries its submitted value only; nothing derived sits beside it
    rows = one(
        home,
        "select count(*) as n from marts.fct_park_quarter where quality_status = 'error' "
        "and (value_q is not null or yoy_ytd_pct is not null or yoy_q_pct is not null or yoy_ytd_pp is not null)",
    )
    assert rows[0]["n"] == 0
    # and no aggregate anywhere reaches the size of a slip
    biggest = one(home, "select max(abs(value_ytd)) as m from marts.national_quarter where indicator_code = 'gdp'")
    assert biggest[0]["m"] < 1000
