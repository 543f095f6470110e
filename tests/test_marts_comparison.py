"""The comparison marts (park_ranking, park_growth_contribution, park_scorecard, park_composite_index) on a hand fixture.

The shared marts fixture plus five parks of our own in 2012Q2, 2013Q1 and 2013Q2 (quarters the shared fixture does
not touch; marts_fixture.COMPARISON_VALUES), so every number below can be checked with a pencil. They are landed in
the session's extended_fixture_home, built once, together with test_audit_rules' values (marts_fixture.RULE_VALUES:
2023Q4 net profit, R&D and revenue, 2024Q1 energy, 2023 exports), none of which enters a number checked here:

    gdp (亿元)            2012Q2   2013Q1   2013Q2       energy_consumption 2013Q2 (万吨标准煤)
    A beijing_zgc  东部      100       60      120          60  -> energy_intensity 60/120 = 0.5
    B tianjin_binhai 东部    200       30      120          36  -> 36/120 = 0.3
    C wuhan_donghu 中部       80       70      150         150  -> 150/150 = 1.0
    D lanzhou      西部       50       20       90          18  -> 18/90 = 0.2
    E dalian       东北        -        -       10           -

    2013Q2 industrial_output / industrial_value_added: A 100/30, B 80/25, C 50/60 (value added above output:
    audit rule R02 puts C's industrial_value_added in error), D 40/10.

    net_profit (may be negative): A −10 -> 5, B 5 -> 10 from 2012Q2 to 2013Q2: a like-for-like base of −5.
"""

import csv
import re

import pytest
import yaml

from nhtz.db import connect
from nhtz.project import DBT_PROJECT_DIR, SEEDS_DIR

from marts_fixture import PARKS

A, B, C, D, E = "beijing_zgc", "tianjin_binhai", "wuhan_donghu", "lanzhou", "dalian"


@pytest.fixture(scope="module")
def marts(extended_fixture_home):
    with connect(extended_fixture_home.working_db, read_only=True) as con:
        yield con


def one(con, sql, params=()):
    rows = con.execute(sql, params).fetchall()
    assert len(rows) == 1, f"expected one row, got {rows}"
    return rows[0]


def ranking(con, quarter, indicator):
    return {
        row[0]: row[1:]
        for row in con.execute(
            "select park_id, national_rank, national_n, national_percentile, region, regional_rank, regional_n, "
            "rank_change_qoq, rank_change_yoy from marts.park_ranking where quarter = ? and indicator_code = ?",
            [quarter, indicator],
        ).fetchall()
    }


# --- park_ranking -------------------------------------------------------------------------------------------

def test_ranking_shares_the_smaller_rank_on_a_tie(marts):
    # 2013Q2 gdp: C 150 > A 120 = B 120 > D 90 > E 10: C 1, A and B both 2, D 4 (not 3), E 5 of 5
    # percentile 100 × (5 − rank) / 4: C 100, A B 75, D 25, E 0
    got = ranking(marts, "2013Q2", "gdp")
    assert {park: row[:3] for park, row in got.items()} == {
        C: (1, 5, 100.0), A: (2, 5, 75.0), B: (2, 5, 75.0), D: (4, 5, 25.0), E: (5, 5, 0.0),
    }


def test_ranking_within_region(marts):
    # 东部 has A and B tied at 120: both 1 of 2; every other region has one of our parks, 1 of 1
    got = ranking(marts, "2013Q2", "gdp")
    assert {park: row[3:6] for park, row in got.items()} == {
        A: ("东部", 1, 2), B: ("东部", 1, 2), C: ("中部", 1, 1), D: ("西部", 1, 1), E: ("东北", 1, 1),
    }


def test_ranking_puts_the_lowest_first_when_lower_is_better(marts):
    # energy_intensity (direction −1) 2013Q2: D 0.2 < B 0.3 < A 0.5 < C 1.0; E has no energy figure
    got = ranking(marts, "2013Q2", "energy_intensity")
    assert {park: row[0] for park, row in got.items()} == {D: 1, B: 2, A: 3, C: 4}
    assert {park: row[2] for park, row in got.items()} == pytest.approx({D: 100.0, B: 200 / 3, A: 100 / 3, C: 0.0})


def test_ranking_leaves_out_values_in_error(marts):
    # C's industrial value added (60) exceeds its output (50): held out, so A 30, B 25, D 10 rank 1, 2, 3 of 3
    got = ranking(marts, "2013Q2", "industrial_value_added")
    assert {park: row[:2] for park, row in got.items()} == {A: (1, 3), B: (2, 3), D: (3, 3)}


def test_rank_changes_are_positive_when_moving_up(marts):
    # 2013Q1: C 70, A 60, B 30, D 20 -> 1, 2, 3, 4;  2012Q2: B 200, A 100, C 80, D 50 -> 1, 2, 3, 4
    # qoq = rank 2013Q1 − rank 2013Q2: C 1−1 = 0, A 2−2 = 0, B 3−2 = +1, D 4−4 = 0, E not ranked -> null
    # yoy = rank 2012Q2 − rank 2013Q2: C 3−1 = +2, A 2−2 = 0, B 1−2 = −1, D 4−4 = 0, E null
    got = ranking(marts, "2013Q2", "gdp")
    assert {park: row[6:8] for park, row in got.items()} == {
        C: (0, 2), A: (0, 0), B: (1, -1), D: (0, 0), E: (None, None),
    }


def test_ranking_on_the_shared_fixture(marts):
    # shared fixture, 2023Q4 gdp: B 84 > A 44 = E 44 > C 24 > D 20 -> 1, 2, 2, 4, 5 of 5
    # percentiles 100, 75, 75, 25, 0; 西部 E 44 before D 20
    # qoq against 2023Q3 (B 63, A 33 = E 33, C 18, D 15 -> 1, 2, 2, 4, 5): no change for anybody
    # yoy against 2022Q4 (B 80, A 40, C 20, D 16 -> 1, 2, 3, 4): B 0, A 0, C 3 − 4 = −1, D 4 − 5 = −1, E null
    got = ranking(marts, "2023Q4", "gdp")
    letter = {park_id: key for key, park_id in PARKS.items()}
    assert {letter[p]: row for p, row in got.items()} == {
        "B": (1, 5, 100.0, "东部", 1, 2, 0, 0),
        "A": (2, 5, 75.0, "东部", 2, 2, 0, 0),
        "E": (2, 5, 75.0, "西部", 1, 2, 0, None),
        "C": (4, 5, 25.0, "中部", 1, 1, 0, -1),
        "D": (5, 5, 0.0, "西部", 2, 2, 0, -1),
    }
    # energy_intensity 2023Q4, lower is better: B 16/84 = 0.190 < D 4/20 = 0.2 < A 19/44 = 0.432
    got = ranking(marts, "2023Q4", "energy_intensity")
    assert {letter[p]: row[0] for p, row in got.items()} == {"B": 1, "D": 2, "A": 3}
    # industrial_value_added 2023Q4: B's 120 is an error, C ranks alone: 1 of 1, percentile 100 by decision
    got = ranking(marts, "2023Q4", "industrial_value_added")
    assert {letter[p]: row[:3] for p, row in got.items()} == {"C": (1, 1, 100.0)}


def test_ranking_is_consistent_everywhere(marts):
    # every ranked value of every quarter: ranks within 1..n, and exactly one field per quarter and indicator
    bad = marts.execute(
        "select count(*) from marts.park_ranking where national_rank not between 1 and national_n "
        "or regional_rank not between 1 and regional_n"
    ).fetchone()[0]
    assert bad == 0
    not_ranked_errors = marts.execute(
        "select count(*) from marts.park_ranking r join marts.fct_park_quarter f using (park_id, quarter, indicator_code) "
        "where f.quality_status = 'error'"
    ).fetchone()[0]
    assert not_ranked_errors == 0


# --- park_growth_contribution -------------------------------------------------------------------------------

def test_contributions_of_like_for_like_parks(marts):
    # 2013Q2 gdp, like-for-like A B C D (E has no 2012Q2): base 100 + 200 + 80 + 50 = 430
    # deltas A +20, B −80, C +70, D +40; contribution = delta / 430 × 100
    got = dict(
        (row[0], row[1:])
        for row in marts.execute(
            "select park_id, delta_ytd, contribution_pp, n_parks_lfl from marts.park_growth_contribution "
            "where quarter = '2013Q2' and indicator_code = 'gdp'"
        ).fetchall()
    )
    assert set(got) == {A, B, C, D}
    assert {p: v[0] for p, v in got.items()} == {A: 20.0, B: -80.0, C: 70.0, D: 40.0}
    assert {p: v[1] for p, v in got.items()} == pytest.approx(
        {A: 4.651162790697675, B: -18.604651162790698, C: 16.27906976744186, D: 9.30232558139535}
    )
    assert {p: v[2] for p, v in got.items()} == {A: 4, B: 4, C: 4, D: 4}


def test_contributions_add_up_to_like_for_like_growth(marts):
    # (120 + 120 + 150 + 90) / 430 − 1 = 50 / 430 = 11.6279… %, while growth over all reporting parks
    # (E's 10 included) is 490 / 430 − 1 = 13.9534… %
    lfl, all_parks = one(
        marts,
        "select yoy_ytd_pct_lfl, yoy_ytd_pct from marts.national_quarter where quarter = '2013Q2' and indicator_code = 'gdp'",
    )
    assert lfl == pytest.approx(50 / 430 * 100)
    assert all_parks == pytest.approx(60 / 430 * 100)
    (total,) = one(
        marts,
        "select sum(contribution_pp) from marts.park_growth_contribution where quarter = '2013Q2' and indicator_code = 'gdp'",
    )
    assert total == pytest.approx(lfl)


def test_contributions_on_the_shared_fixture(marts):
    # revenue 2023Q3: D's 45 is an error, so like-for-like are A, B, C with base 150 + 300 + 90 = 540;
    # deltas A +15, B −100, C 0; sum −85 / 540 × 100 = −15.74 = (455 / 540 − 1) × 100
    got = {
        row[0]: row[1:]
        for row in marts.execute(
            "select park_id, delta_ytd, contribution_pp from marts.park_growth_contribution "
            "where quarter = '2023Q3' and indicator_code = 'revenue'"
        ).fetchall()
    }
    assert got == {
        PARKS["A"]: pytest.approx((15.0, 15 / 540 * 100)),
        PARKS["B"]: pytest.approx((-100.0, -100 / 540 * 100)),
        PARKS["C"]: pytest.approx((0.0, 0.0)),
    }
    (lfl,) = one(
        marts,
        "select yoy_ytd_pct_lfl from marts.national_quarter where quarter = '2023Q3' and indicator_code = 'revenue'",
    )
    assert sum(v[1] for v in got.values()) == pytest.approx(lfl)
    assert lfl == pytest.approx((455 / 540 - 1) * 100)


def test_contributions_add_up_everywhere(marts):
    pairs = marts.execute(
        "select n.quarter, n.indicator_code, n.yoy_ytd_pct_lfl, sum(c.contribution_pp) "
        "from marts.national_quarter n join marts.park_growth_contribution c using (quarter, indicator_code) "
        "group by all"
    ).fetchall()
    assert len(pairs) > 1
    for quarter, indicator, lfl, total in pairs:
        assert total == pytest.approx(lfl, abs=1e-9), (quarter, indicator)


def test_no_contribution_on_a_base_that_is_not_positive(marts):
    # net_profit 2013Q2: base −10 + 5 = −5 ≤ 0, so no growth rate and no contribution; the deltas stay
    got = marts.execute(
        "select park_id, delta_ytd, contribution_pp, base_ytd_lfl from marts.park_growth_contribution "
        "where quarter = '2013Q2' and indicator_code = 'net_profit' order by park_id"
    ).fetchall()
    assert got == [(A, 15.0, None, -5.0), (B, 5.0, None, -5.0)]
    (lfl,) = one(
        marts,
        "select yoy_ytd_pct_lfl from marts.national_quarter where quarter = '2013Q2' and indicator_code = 'net_profit'",
    )
    assert lfl is None


def test_no_contribution_for_ratios(marts):
    (n,) = one(
        marts,
        "select count(*) from marts.park_growth_contribution c join marts.dim_indicator i using (indicator_code) "
        "where i.kind = 'ratio'",
    )
    assert n == 0


# --- park_scorecard -----------------------------------------------------------------------------------------

def test_scorecard_row_of_a_park(marts):
    # A 2013Q2: gdp 120 (+20 % on 100), energy_intensity 0.5, industrial_value_added 30; values of gdp,
    # energy_consumption, industrial_output, industrial_value_added, net_profit and energy_intensity: 6 reported
    row = one(
        marts,
        "select park_name, short_name, region, province, gdp, gdp_yoy_pct, energy_intensity, industrial_value_added, "
        "revenue, n_indicators_reported, n_indicators_error from marts.park_scorecard "
        "where park_id = ? and quarter = '2013Q2'",
        [A],
    )
    assert row[:4] == ("中关村科技园区", "中关村", "东部", "北京市")
    assert row[4:8] == pytest.approx((120.0, 20.0, 0.5, 30.0))
    assert row[8:] == (None, 6, 0)


def test_scorecard_hides_error_values_and_counts_them(marts):
    # C's industrial_value_added is in error: null in the scorecard, counted once; 4 values remain
    row = one(
        marts,
        "select industrial_value_added, industrial_output, n_indicators_reported, n_indicators_error "
        "from marts.park_scorecard where park_id = ? and quarter = '2013Q2'",
        [C],
    )
    assert row == (None, 50.0, 4, 1)


def test_scorecard_has_one_row_per_park_and_quarter(marts):
    duplicated = marts.execute(
        "select count(*) from (select park_id, quarter from marts.park_scorecard group by all having count(*) > 1)"
    ).fetchone()[0]
    assert duplicated == 0
    (n_rows,) = one(marts, "select count(*) from marts.park_scorecard where quarter = '2013Q2'")
    assert n_rows == 5


def seed_indicator_codes() -> list[str]:
    """The indicators a scorecard shows: all but the reported comparable-price growth rates (kept in their own
    column of fct_park_quarter)."""
    with open(SEEDS_DIR / "indicators.csv", encoding="utf-8") as seed:
        return [row["indicator_code"] for row in csv.DictReader(seed) if row["kind"] != "reported_growth"]


def test_scorecard_columns_follow_the_indicator_seed(marts):
    codes = seed_indicator_codes()
    assert len(codes) == 25
    expected = [column for code in codes for column in (code, f"{code}_yoy_pct")]

    macro = (DBT_PROJECT_DIR / "macros" / "comparison" / "scorecard_indicators.sql").read_text(encoding="utf-8")
    assert re.findall(r"'(\w+)',", macro) == codes

    spec = yaml.safe_load((DBT_PROJECT_DIR / "models" / "marts" / "comparison" / "park_scorecard.yml").read_text())
    yaml_columns = [column["name"] for column in spec["models"][0]["columns"]]
    built_columns = [row[0] for row in marts.execute("describe marts.park_scorecard").fetchall()]
    assert [c for c in yaml_columns if c in expected] == expected
    assert [c for c in built_columns if c in expected] == expected


# --- park_composite_index -----------------------------------------------------------------------------------
# Weights from the seeds: quality/gdp 0.25, green/energy_intensity 1.00, structure/industrial_value_added 0.40;
# dimensions structure 0.20, green 0.15, quality 0.20 (innovation and openness: none of our values).
# 2013Q2, min–max across our parks only (the shared fixture has no 2013Q2):
#   gdp 10..150: A B (120−10)/140×100 = 78.5714…, C 100, D (90−10)/140×100 = 57.1428…, E 0
#   energy_intensity (lower is better) 0.2..1.0: A (1−0.5)/0.8×100 = 62.5, B 87.5, C 0, D 100
#   industrial_value_added 10..30 (C in error, left out): A 100, B 75, D 0
# Each dimension holds one of these indicators, so dimension score = scaled value. Composite over the
# dimensions the park has:
#   A (0.20×100 + 0.15×62.5 + 0.20×78.5714) / 0.55 = 45.0892857 / 0.55 = 81.98051948
#   B (0.20×75  + 0.15×87.5 + 0.20×78.5714) / 0.55 = 43.8392857 / 0.55 = 79.70779221
#   C (0.15×0 + 0.20×100) / 0.35 = 57.14285714        (no structure score: its only value is in error)
#   D (0.20×0 + 0.15×100 + 0.20×57.1429) / 0.55 = 26.4285714 / 0.55 = 48.05194805
#   E (0.20×0) / 0.20 = 0
# -> ranks A 1, B 2, C 3, D 4, E 5.

def test_composite_scores_and_ranks(marts):
    got = {
        row[0]: row[1:]
        for row in marts.execute(
            "select park_id, any_value(composite_score), any_value(composite_rank), count(*) "
            "from marts.park_composite_index where quarter = '2013Q2' group by park_id"
        ).fetchall()
    }
    assert {p: v[0] for p, v in got.items()} == pytest.approx(
        {A: 81.98051948051948, B: 79.70779220779221, C: 57.142857142857146, D: 48.05194805194805, E: 0.0}
    )
    assert {p: v[1] for p, v in got.items()} == {A: 1, B: 2, C: 3, D: 4, E: 5}
    # rows are dimensions the park has: A B D three, C two, E one
    assert {p: v[2] for p, v in got.items()} == {A: 3, B: 3, C: 2, D: 3, E: 1}


def test_dimension_scores(marts):
    got = {
        (row[0], row[1]): row[2]
        for row in marts.execute(
            "select park_id, dimension, dimension_score from marts.park_composite_index where quarter = '2013Q2'"
        ).fetchall()
    }
    assert got == pytest.approx({
        (A, "structure"): 100.0, (A, "green"): 62.5, (A, "quality"): 110 / 140 * 100,
        (B, "structure"): 75.0, (B, "green"): 87.5, (B, "quality"): 110 / 140 * 100,
        (C, "green"): 0.0, (C, "quality"): 100.0,
        (D, "structure"): 0.0, (D, "green"): 100.0, (D, "quality"): 80 / 140 * 100,
        (E, "quality"): 0.0,
    })


def test_composite_weights_come_from_the_seeds():
    # the models name no weight: every weight is read from evaluation_weights / evaluation_dimensions
    sql = (DBT_PROJECT_DIR / "models" / "marts" / "comparison" / "park_composite_index.sql").read_text(encoding="utf-8")
    assert "ref('evaluation_weights')" in sql and "ref('evaluation_dimensions')" in sql
    assert re.findall(r"\b0\.\d+\b", sql) == []
