"""A small hand-made warehouse that every marts test can check by hand.

Stable API (other test modules import it; extend, don't rename):
    PARKS                     letter -> park_id (five real parks of seeds/park_registry.csv)
    QUARTERS                  the eight quarters 2022Q1 .. 2023Q4 of the fixture
    SUBMITTED                 what the parks submitted, per park, indicator and period, in the submitted unit
    YTD                       the same in the mart unit, current vintage: YTD[(letter, indicator, quarter)] -> value
    EXPECTED                  numbers worked out by hand (comments show the arithmetic), see below
    landed_rows()             the raw.observations rows as dicts, in landing order (vintage = file_id)
    make_fixture_home(tmp_path) -> Home     working DB with the landing tables and the rows landed (not built)
    add_observations(home, rows)            lands extra rows as new files (later vintages), for rule tests
    build_fixture_home(tmp_path) -> Home    make_fixture_home + nhtz.build.build
    RULE_VALUES, COMPARISON_VALUES          extra values landed on top of the fixture (conftest's
                                            extended_fixture_home, built once for test_audit_rules and
                                            test_marts_comparison, whose docstrings work their numbers out)

The parks:
    A xiamen_huoju 东部 (福建)   everything in 亿元; gdp 2023Q4 first sent as 40, then revised to 44 (two vintages);
                                 energy single quarters 2,3,2,3 | 2,3,2,12 (yoy +90 % in 2023Q4); monthly gdp too
    B guangzhou    东部 (广东)   industrial_value_added 120 > industrial_output 100 in 2023Q4 (error);
                                 revenue YTD 2023Q3 = 2023Q2 = 200 (copied), yoy −33.3 % (warnings)
    C wuhan_donghu 中部 (湖北)   submitted nothing for 2023Q2: its 2023Q3 value_q is null, one missing_submission
    D lanzhou      西部 (甘肃)   submits in 万元, 吨标准煤, 万人; rd_expenditure 2022Q1 = 0 (zero base: yoy null);
                                 revenue YTD falls 50 -> 45 亿元 in 2023Q3 (error)
    E akesu_alaer  西部 (新疆)   national zone from 2023-06-12: reports 2023Q2..Q4 only (never like-for-like);
                                 gdp and patents tie with A in 2023Q2..Q4

The other ~173 active parks of the registry submit nothing: each is a missing_submission warning per quarter.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pyarrow as pa

from nhtz.db import connect, ensure_landing_tables
from nhtz.home import Home

PARKS = {
    "A": "xiamen_huoju",
    "B": "guangzhou",
    "C": "wuhan_donghu",
    "D": "lanzhou",
    "E": "akesu_alaer",
}
REGIONS = {"A": "东部", "B": "东部", "C": "中部", "D": "西部", "E": "西部"}
QUARTERS = ["2022Q1", "2022Q2", "2022Q3", "2022Q4", "2023Q1", "2023Q2", "2023Q3", "2023Q4"]
_Q22, _Q23 = QUARTERS[:4], QUARTERS[4:]


def _series(quarters, values):
    return dict(zip(quarters, values))


# SUBMITTED[letter][indicator] = (unit, {period: value as submitted}); periods are quarters or "YYYY-MM"
SUBMITTED: dict[str, dict[str, tuple[str, dict[str, float]]]] = {
    "A": {
        # single quarters 10 each in 2022, 11 each in 2023; 2023Q4 lands as 40 first and is revised to 44
        "gdp": ("亿元", {**_series(_Q22, [10, 20, 30, 40]), **_series(_Q23, [11, 22, 33, 44]),
                        "2022-01": 3.2, "2022-02": 6.4, "2023-01": 4.0, "2023-02": 8.0}),
        "revenue": ("亿元", {**_series(_Q22, [50, 100, 150, 200]), **_series(_Q23, [55, 110, 165, 220])}),
        "rd_expenditure": ("亿元", {**_series(_Q22, [0.5, 1.0, 1.5, 2.0]), **_series(_Q23, [0.55, 1.1, 1.65, 2.2])}),
        # single quarters 2,3,2,3 | 2,3,2,12
        "energy_consumption": ("万吨标准煤", {**_series(_Q22, [2, 5, 7, 10]), **_series(_Q23, [2, 5, 7, 19])}),
        "employees": ("人", {**_series(_Q22, [10000] * 4), **_series(_Q23, [11000] * 4)}),
        "invention_patents_owned": ("件", {**_series(_Q22, [500] * 4), **_series(_Q23, [550] * 4)}),
    },
    "B": {
        "gdp": ("亿元", {**_series(_Q22, [20, 40, 60, 80]), **_series(_Q23, [21, 42, 63, 84])}),
        "revenue": ("亿元", {**_series(_Q22, [100, 200, 300, 400]), **_series(_Q23, [100, 200, 200, 300])}),
        "industrial_output": ("亿元", {**_series(_Q22, [25, 50, 75, 100]), **_series(_Q23, [25, 50, 75, 100])}),
        "industrial_value_added": ("亿元", {**_series(_Q22, [10, 20, 30, 40]), **_series(_Q23, [10, 20, 30, 120])}),
        "rd_expenditure": ("亿元", {**_series(_Q22, [0.6, 1.2, 1.8, 2.4]), **_series(_Q23, [0.63, 1.26, 1.89, 2.52])}),
        "energy_consumption": ("万吨标准煤", {**_series(_Q22, [4, 8, 12, 16]), **_series(_Q23, [4, 8, 12, 16])}),
        "employees": ("人", {**_series(_Q22, [20000] * 4), **_series(_Q23, [20000] * 4)}),
        "invention_patents_owned": ("件", {**_series(_Q22, [1000] * 4), **_series(_Q23, [1000] * 4)}),
    },
    "C": {
        "gdp": ("亿元", {**_series(_Q22, [5, 10, 15, 20]), "2023Q1": 6, "2023Q3": 18, "2023Q4": 24}),
        "revenue": ("亿元", {**_series(_Q22, [30, 60, 90, 120]), "2023Q1": 30, "2023Q3": 90, "2023Q4": 120}),
        "industrial_output": ("亿元", {**_series(_Q22, [40, 80, 120, 160]), "2023Q1": 44, "2023Q3": 132, "2023Q4": 176}),
        "industrial_value_added": ("亿元", {**_series(_Q22, [10, 20, 30, 40]), "2023Q1": 11, "2023Q3": 33, "2023Q4": 44}),
        "rd_expenditure": ("亿元", {**_series(_Q22, [0.1, 0.2, 0.3, 0.4]), "2023Q1": 0.12, "2023Q3": 0.36, "2023Q4": 0.48}),
        "employees": ("人", {**_series(_Q22, [5000] * 4), "2023Q1": 5000, "2023Q3": 5000, "2023Q4": 5000}),
        "invention_patents_owned": ("件", {**_series(_Q22, [200] * 4), "2023Q1": 240, "2023Q3": 240, "2023Q4": 240}),
    },
    "D": {
        # 万元: gdp 4, 8, 12, 16 | 5, 10, 15, 20 亿元
        "gdp": ("万元", {**_series(_Q22, [40000, 80000, 120000, 160000]),
                        **_series(_Q23, [50000, 100000, 150000, 200000])}),
        # 万元: revenue 20, 40, 60, 80 | 25, 50, 45, 60 亿元 (falls in 2023Q3)
        "revenue": ("万元", {**_series(_Q22, [200000, 400000, 600000, 800000]),
                            **_series(_Q23, [250000, 500000, 450000, 600000])}),
        # 万元: rd 0, 0.45, 0.7, 0.95 | 0.25, 0.5, 0.75, 1.0 亿元
        "rd_expenditure": ("万元", {**_series(_Q22, [0, 4500, 7000, 9500]), **_series(_Q23, [2500, 5000, 7500, 10000])}),
        # 吨标准煤: 1, 2, 3, 4 万吨标准煤 both years
        "energy_consumption": ("吨标准煤", {**_series(_Q22, [10000, 20000, 30000, 40000]),
                                          **_series(_Q23, [10000, 20000, 30000, 40000])}),
        # 万人: 8000 人
        "employees": ("万人", {**_series(_Q22, [0.8] * 4), **_series(_Q23, [0.8] * 4)}),
        "invention_patents_owned": ("件", {**_series(_Q22, [400] * 4), **_series(_Q23, [400] * 4)}),
    },
    "E": {
        "gdp": ("亿元", {"2023Q2": 22, "2023Q3": 33, "2023Q4": 44}),
        "revenue": ("亿元", {"2023Q2": 110, "2023Q3": 165, "2023Q4": 220}),
        "rd_expenditure": ("亿元", {"2023Q2": 0.88, "2023Q3": 1.32, "2023Q4": 1.76}),
        "employees": ("人", {"2023Q2": 11000, "2023Q3": 11000, "2023Q4": 11000}),
        "invention_patents_owned": ("件", {"2023Q2": 550, "2023Q3": 550, "2023Q4": 550}),
    },
}

# the first vintage of A's 2023Q4 gdp, revised by a later file to the 44 above
A_GDP_2023Q4_FIRST_VINTAGE = 40
TO_MART_UNIT = {"亿元": 1, "万元": 0.0001, "人": 1, "万人": 10000, "件": 1, "万吨标准煤": 1, "吨标准煤": 0.0001}

# YTD[(letter, indicator, quarter)]: current value in the mart unit (亿元, 人, 件, 万吨标准煤)
YTD: dict[tuple[str, str, str], float] = {
    (letter, indicator, period): value * TO_MART_UNIT[unit]
    for letter, indicators in SUBMITTED.items()
    for indicator, (unit, values) in indicators.items()
    for period, value in values.items()
    if "Q" in period
}

EXPECTED = {
    # national_quarter[(quarter, indicator)]
    "national": {
        ("2023Q4", "gdp"): {
            "value_ytd": 216.0,  # A 44 + B 84 + C 24 + D 20 + E 44
            "n_parks": 5,
            "value_q": 54.0,  # single quarters A 11 + B 21 + C 6 (24 − 18) + D 5 + E 11 (44 − 33)
            "n_parks_q": 5,
            "last_year_value_ytd": 156.0,  # 2022Q4: A 40 + B 80 + C 20 + D 16
            "yoy_ytd_pct": (216 / 156 - 1) * 100,  # 38.46: E joins, composition changes
            "yoy_ytd_pct_lfl": (172 / 156 - 1) * 100,  # 10.26: A, B, C, D only: 44 + 84 + 24 + 20 = 172
            "n_parks_lfl": 4,
            "n_parks_growing": 4,  # 44 > 40, 84 > 80, 24 > 20, 20 > 16
        },
        ("2023Q3", "gdp"): {
            "value_ytd": 162.0,  # A 33 + B 63 + C 18 + D 15 + E 33
            "n_parks": 5,
            "value_q": 48.0,  # A 11 + B 21 + D 5 + E 11; C has no 2023Q2 YTD, so no single quarter
            "n_parks_q": 4,
            "yoy_ytd_pct": (162 / 117 - 1) * 100,  # 2022Q3: 30 + 60 + 15 + 12 = 117
            "yoy_ytd_pct_lfl": (129 / 117 - 1) * 100,  # 33 + 63 + 18 + 15 = 129
            "n_parks_lfl": 4,
        },
        ("2023Q2", "gdp"): {
            "value_ytd": 96.0,  # A 22 + B 42 + D 10 + E 22 (C missing)
            "n_parks": 4,
            "value_q": 37.0,  # A 11 + B 21 + D 5; E's first quarter has no Q1 YTD to difference
            "n_parks_q": 3,
            "yoy_ytd_pct": (96 / 78 - 1) * 100,  # 2022Q2: 20 + 40 + 10 + 8 = 78
            "yoy_ytd_pct_lfl": (74 / 68 - 1) * 100,  # A, B, D: 22 + 42 + 10 = 74 vs 20 + 40 + 8 = 68
            "n_parks_lfl": 3,
            "n_parks_growing": 3,
        },
        ("2023Q3", "revenue"): {
            # D's 45 is an error (YTD fell from 50): held out of the total
            "value_ytd": 620.0,  # A 165 + B 200 + C 90 + E 165
            "n_parks": 4,
            "yoy_ytd_pct": (620 / 600 - 1) * 100,  # 2022Q3: A 150 + B 300 + C 90 + D 60 = 600
            "yoy_ytd_pct_lfl": (455 / 540 - 1) * 100,  # A, B, C: 165 + 200 + 90 = 455 vs 150 + 300 + 90 = 540
            "n_parks_lfl": 3,
            "n_parks_growing": 1,  # A rose; B fell (200 < 300); C unchanged (90 = 90)
        },
        ("2023Q4", "industrial_value_added"): {
            # B's 120 > its industrial_output 100: error, held out
            "value_ytd": 44.0,  # C only
            "n_parks": 1,
            "yoy_ytd_pct": (44 / 80 - 1) * 100,  # −45: 2022Q4 B 40 + C 40 = 80
            "yoy_ytd_pct_lfl": (44 / 40 - 1) * 100,  # +10: C only
            "n_parks_lfl": 1,
            "n_parks_growing": 1,
        },
        ("2023Q4", "industrial_output"): {
            "value_ytd": 276.0,  # B 100 + C 176 (the whole is not held out, only the part)
            "n_parks": 2,
        },
        ("2023Q4", "rd_intensity"): {
            # Σ rd / Σ gdp × 100 over parks with both: (2.2 + 2.52 + 0.48 + 1.0 + 1.76) / 216 × 100 = 7.96 / 216 × 100
            "value_ytd": 7.96 / 216 * 100,  # 3.685
            "n_parks": 5,
            # 2022Q4: (2.0 + 2.4 + 0.4 + 0.95) / 156 × 100 = 5.75 / 156 × 100 = 3.686
            "yoy_ytd_pct": ((7.96 / 216) / (5.75 / 156) - 1) * 100,
            # A, B, C, D: (2.2 + 2.52 + 0.48 + 1.0) / 172 = 6.2 / 172 against 5.75 / 156
            "yoy_ytd_pct_lfl": ((6.2 / 172) / (5.75 / 156) - 1) * 100,
            "n_parks_lfl": 4,
            "n_parks_growing": 0,  # A 5 % = 5 %, B 3 % = 3 %, C 2 % = 2 %, D 5 % < 5.9375 %
        },
        ("2023Q4", "employees"): {
            "value_ytd": 55000.0,  # 11000 + 20000 + 5000 + 8000 (D: 0.8 万人) + 11000
            "n_parks": 5,
            "value_q": None,  # a stock has no single quarter
            "yoy_ytd_pct": (55000 / 43000 - 1) * 100,  # 2022Q4: 10000 + 20000 + 5000 + 8000
            "yoy_ytd_pct_lfl": (44000 / 43000 - 1) * 100,
            "n_parks_lfl": 4,
            "n_parks_growing": 1,  # only A (10000 -> 11000)
        },
        ("2023Q4", "patents_per_10k_employees"): {
            # (550 + 1000 + 240 + 400 + 550) / 55000 × 10000 = 2740 / 55000 × 10000
            "value_ytd": 2740 / 55000 * 10000,  # 498.18
            "n_parks": 5,
        },
        ("2023Q4", "energy_intensity"): {
            # A, B, D have energy: (19 + 16 + 4) / (44 + 84 + 20) = 39 / 148 吨标准煤/万元
            "value_ytd": 39 / 148,
            "n_parks": 3,
        },
        ("2023Q3", "revenue_per_employee"): {
            # D in error (its revenue): (165 + 200 + 90 + 165) 亿元 / (11000 + 20000 + 5000 + 11000) 人 × 10000 万元/亿元
            "value_ytd": 620 / 47000 * 10000,
            "n_parks": 4,
        },
    },
    # region_quarter[(region, quarter, indicator)]
    "region": {
        ("东部", "2023Q4", "gdp"): {"value_ytd": 128.0, "n_parks": 2, "yoy_ytd_pct": (128 / 120 - 1) * 100},  # A 44 + B 84
        ("中部", "2023Q4", "gdp"): {"value_ytd": 24.0, "n_parks": 1, "yoy_ytd_pct": 20.0},  # C 24 vs 20
        # D 20 + E 44; last year D 16 only; like-for-like D alone 20 / 16
        ("西部", "2023Q4", "gdp"): {
            "value_ytd": 64.0, "n_parks": 2, "yoy_ytd_pct": 300.0, "yoy_ytd_pct_lfl": 25.0, "n_parks_lfl": 1,
        },
        ("东部", "2023Q4", "industrial_value_added"): None,  # B alone, in error: no regional row at all
    },
    # fct_park_quarter[(letter, quarter, indicator)]
    "park": {
        ("A", "2023Q4", "gdp"): {
            "value_ytd": 44.0, "value_q": 11.0, "yoy_ytd_pct": 10.0, "yoy_q_pct": 10.0,  # 44/40, 11/10
            "revision_count": 1, "quality_status": "ok",
        },
        ("A", "2023Q4", "rd_intensity"): {"value_ytd": 5.0, "value_q": None, "revision_count": 1},  # 2.2 / 44 × 100
        ("C", "2023Q3", "gdp"): {"value_ytd": 18.0, "value_q": None, "yoy_ytd_pct": 20.0},  # no 2023Q2 YTD
        ("C", "2023Q4", "gdp"): {"value_q": 6.0, "yoy_q_pct": 20.0},  # 24 − 18 = 6 vs 20 − 15 = 5
        ("D", "2023Q2", "gdp"): {"value_ytd": 10.0, "value_q": 5.0, "yoy_ytd_pct": 25.0},  # 100000 万元 = 10 亿元
        ("D", "2023Q1", "rd_expenditure"): {"value_ytd": 0.25, "yoy_ytd_pct": None},  # base 0 in 2022Q1
        ("D", "2023Q1", "rd_intensity"): {"value_ytd": 5.0, "yoy_ytd_pct": None},  # 0.25 / 5; base 0 / 4 = 0
        ("D", "2023Q4", "employees"): {"value_ytd": 8000.0, "value_q": None},  # 0.8 万人
        ("D", "2023Q4", "energy_consumption"): {"value_ytd": 4.0},  # 40000 吨标准煤
        # an error is never arithmetic: no single quarter on it, none after it, no growth on it as a base
        ("D", "2023Q3", "revenue"): {"value_ytd": 45.0, "value_q": None, "yoy_ytd_pct": None, "quality_status": "error"},
        ("D", "2023Q4", "revenue"): {  # 60 − 45 would use the error: null; YTD growth 60 / 80 − 1 = −25 % stands
            "value_ytd": 60.0, "value_q": None, "yoy_ytd_pct": -25.0, "yoy_q_pct": None,
            "quality_status": "derived_from_error",
        },
        # its revenue is in error: no ratio, the row says why
        ("D", "2023Q3", "revenue_per_employee"): {"value_ytd": None, "quality_status": "derived_from_error"},
        ("D", "2023Q3", "gdp"): {"quality_status": "ok"},
        ("B", "2023Q4", "industrial_value_added"): {"value_ytd": 120.0, "quality_status": "error"},
        ("B", "2023Q4", "industrial_output"): {"value_ytd": 100.0, "quality_status": "ok"},
        ("B", "2023Q3", "revenue"): {"value_q": 0.0, "yoy_ytd_pct": (200 / 300 - 1) * 100, "quality_status": "warning"},
        ("A", "2023Q4", "energy_consumption"): {"value_q": 12.0, "yoy_ytd_pct": 90.0, "quality_status": "warning"},
        ("E", "2023Q2", "gdp"): {"value_ytd": 22.0, "value_q": None, "yoy_ytd_pct": None},
    },
    # the findings on the five fixture parks: (letter, quarter, indicator, rule_id); R08 = missing_submission
    "findings": {
        ("D", "2023Q3", "revenue", "R01"),  # YTD 45 < 50
        ("B", "2023Q4", "industrial_value_added", "R02"),  # 120 > 100
        # R05 judges a park against the quarter's national like-for-like growth, bound 30 points (+0.05 tolerance):
        # B revenue 2023Q3 −33.3 % against 455 / 540 − 1 = −15.7 %: 17.6 points, no warning;
        # B industrial_value_added 2023Q4 is an error: warnings are not judged on held-out values;
        # energy 2023Q4 like-for-like (A, B, D): (19 + 16 + 4) / (10 + 16 + 4) − 1 = +30 %:
        ("A", "2023Q4", "energy_consumption", "R05"),  # +90 %: 60 points away
        # B and D (0 %) are exactly 30 points away: within the tolerance, no warning
        # no R06 (quarter_outlier): it needs 4 earlier single-quarter growth rates, and 2023 has at most 3
        ("B", "2023Q3", "revenue", "R07"),  # YTD 200 = 200
        ("C", "2023Q2", None, "R08"),
    },
    "messages": {
        ("B", "2023Q4", "industrial_value_added", "R02"): "规上工业增加值(120.0亿元)超过规上工业总产值(100.0亿元)",
        ("D", "2023Q3", "revenue", "R01"): "2023Q3营业收入累计值(45.0亿元)低于上季累计值(50.0亿元)",
    },
    # audit.revisions of A's gdp 2023Q4: (value, is_current) in landing order
    "revisions_a_gdp_2023q4": [(40.0, False), (44.0, True)],
    # park_month_ytd: A gdp 2023-02 8.0 against 2022-02 6.4: +25 %
    "month_a_gdp_2023_02": {"value_ytd": 8.0, "yoy_ytd_pct": 25.0},
}


# Values landed on top of the fixture as later files (park letter or park_id, year, month, indicator, value, unit).
# The two lists touch different parks, indicators and quarters, so one build serves both modules that use them.

# test_audit_rules: values that trip the rules the fixture itself does not, or sit just inside a tolerance
RULE_VALUES = [
    ("A", 2023, 12, "net_profit", 300, "亿元"),  # 300 > A's revenue 220: R03
    ("E", 2023, 12, "rd_expenditure", 50, "亿元"),  # revises 1.76: rd_intensity 50 / 44 × 100 = 113.6 > 100: R04
    ("C", 2023, 12, "revenue", 89.99, "亿元"),  # revises 120: below Q3's 90 by 0.011 %, inside the 0.05 % tolerance
    ("A", 2024, 3, "energy_consumption", 20, "万吨标准煤"),  # single quarter 20 vs 2 a year earlier: +900 %
    ("B", 2023, 3, "exports", 0, "亿元"),
    ("B", 2023, 6, "exports", 0, "亿元"),  # zero copied from Q1: not judged
    ("B", 2023, 9, "exports", 5, "亿元"),
    ("B", 2023, 12, "exports", 5, "亿元"),  # 5 = 5: R07
]

# test_marts_comparison: five parks in 2012Q2, 2013Q1 and 2013Q2, quarters the fixture does not touch (its
# docstring has the table); wuhan_donghu and lanzhou are fixture parks C and D, ten years earlier
_ZGC, _BINHAI, _DONGHU, _LANZHOU, _DALIAN = "beijing_zgc", "tianjin_binhai", "wuhan_donghu", "lanzhou", "dalian"
COMPARISON_VALUES = [
    (_ZGC, 2012, 6, "gdp", 100, "亿元"), (_BINHAI, 2012, 6, "gdp", 200, "亿元"),
    (_DONGHU, 2012, 6, "gdp", 80, "亿元"), (_LANZHOU, 2012, 6, "gdp", 50, "亿元"),
    (_ZGC, 2013, 3, "gdp", 60, "亿元"), (_BINHAI, 2013, 3, "gdp", 30, "亿元"),
    (_DONGHU, 2013, 3, "gdp", 70, "亿元"), (_LANZHOU, 2013, 3, "gdp", 20, "亿元"),
    (_ZGC, 2013, 6, "gdp", 120, "亿元"), (_BINHAI, 2013, 6, "gdp", 120, "亿元"),
    (_DONGHU, 2013, 6, "gdp", 150, "亿元"), (_LANZHOU, 2013, 6, "gdp", 90, "亿元"), (_DALIAN, 2013, 6, "gdp", 10, "亿元"),
    (_ZGC, 2013, 6, "energy_consumption", 60, "万吨标准煤"), (_BINHAI, 2013, 6, "energy_consumption", 36, "万吨标准煤"),
    (_DONGHU, 2013, 6, "energy_consumption", 150, "万吨标准煤"),
    (_LANZHOU, 2013, 6, "energy_consumption", 18, "万吨标准煤"),
    (_ZGC, 2013, 6, "industrial_output", 100, "亿元"), (_ZGC, 2013, 6, "industrial_value_added", 30, "亿元"),
    (_BINHAI, 2013, 6, "industrial_output", 80, "亿元"), (_BINHAI, 2013, 6, "industrial_value_added", 25, "亿元"),
    (_DONGHU, 2013, 6, "industrial_output", 50, "亿元"), (_DONGHU, 2013, 6, "industrial_value_added", 60, "亿元"),
    (_LANZHOU, 2013, 6, "industrial_output", 40, "亿元"), (_LANZHOU, 2013, 6, "industrial_value_added", 10, "亿元"),
    (_ZGC, 2012, 6, "net_profit", -10, "亿元"), (_BINHAI, 2012, 6, "net_profit", 5, "亿元"),
    (_ZGC, 2013, 6, "net_profit", 5, "亿元"), (_BINHAI, 2013, 6, "net_profit", 10, "亿元"),
]


def _period_parts(period: str) -> tuple[int, int]:
    if "Q" in period:
        year, quarter = period.split("Q")
        return int(year), int(quarter) * 3
    year, month = period.split("-")
    return int(year), int(month)


def landed_rows() -> list[dict]:
    """raw.observations rows: one file per park and period, files landed period by period, the revision last."""
    files: dict[tuple[int, int, str], list[tuple[str, str, float]]] = {}
    for letter, indicators in SUBMITTED.items():
        for indicator, (unit, values) in indicators.items():
            for period, value in values.items():
                year, month = _period_parts(period)
                submitted = value
                if (letter, indicator, period) == ("A", "gdp", "2023Q4"):
                    submitted = A_GDP_2023Q4_FIRST_VINTAGE
                files.setdefault((year, month, letter), []).append((indicator, unit, submitted))
    batches = [
        (f"{PARKS[letter]}_{year}-{month:02d}.csv", letter, year, month, values)
        for (year, month, letter), values in sorted(files.items())
    ]
    batches.append((f"{PARKS['A']}_2023-12_更正.csv", "A", 2023, 12, [("gdp", "亿元", 44)]))
    return _rows_from_batches(batches, first_file_id=1)


def _rows_from_batches(batches, first_file_id: int) -> list[dict]:
    rows = []
    for file_id, (file_name, letter, year, month, values) in enumerate(batches, start=first_file_id):
        for row_number, (indicator, unit, value) in enumerate(values, start=2):
            rows.append(
                {
                    "file_id": file_id,
                    "file_name": file_name,
                    "content_hash": f"fixture-{file_id}",
                    "sheet": None,
                    "row_number": row_number,
                    "park_id": PARKS.get(letter, letter),
                    "park_name_raw": PARKS.get(letter, letter),
                    "period_label": f"{year}年1-{month}月",
                    "period_year": year,
                    "period_month": month,
                    "indicator_code": indicator,
                    "value": float(value),
                    "unit": unit,
                    "vintage": file_id,
                    "landed_at": datetime(2024, 1, 1, 0, 0, 0),
                }
            )
    return rows


def _land(home: Home, rows: list[dict]) -> None:
    columns = ", ".join(rows[0])
    with connect(home.working_db) as con:
        ensure_landing_tables(con)
        # one insert of all the rows, as Arrow: DuckDB's executemany runs the insert once per row (0.45 s of the
        # 229 fixture rows against 0.1 s, at every home the suite makes)
        con.register("fixture_rows", pa.Table.from_pylist(rows))
        con.execute(f"insert into raw.observations ({columns}) select {columns} from fixture_rows")
        con.unregister("fixture_rows")
        per_file: dict[int, dict] = {}
        for row in rows:
            per_file.setdefault(row["file_id"], {"row": row, "n": 0})["n"] += 1
        con.executemany(
            "insert into audit.ingest_log (file_id, file_name, file_path, content_hash, file_format, encoding, layout, "
            "rows_read, rows_landed, rows_quarantined, status, message, landed_at) "
            "values (?, ?, ?, ?, 'csv', 'utf-8', 'long', ?, ?, 0, 'landed', null, ?)",
            [
                (fid, f["row"]["file_name"], f"landing/{f['row']['file_name']}", f["row"]["content_hash"],
                 f["n"], f["n"], f["row"]["landed_at"])
                for fid, f in per_file.items()
            ],
        )


def make_fixture_home(tmp_path: Path) -> Home:
    """A home whose working DB holds the landing tables and the fixture rows; nothing built yet."""
    home = Home(Path(tmp_path) / "fixture_home").ensure()
    _land(home, landed_rows())
    return home


def add_observations(home: Home, rows: list[tuple[str, int, int, str, float, str]]) -> None:
    """Land extra values, one new file per call, as the latest vintage.

    rows: (park letter or park_id, year, month, indicator_code, value, unit).
    """
    with connect(home.working_db, read_only=True) as con:
        next_id = con.execute("select coalesce(max(file_id), 0) + 1 from audit.ingest_log").fetchone()[0]
    batches = [
        (f"extra_{next_id}_{i}.csv", park, year, month, [(indicator, unit, value)])
        for i, (park, year, month, indicator, value, unit) in enumerate(rows)
    ]
    _land(home, _rows_from_batches(batches, first_file_id=next_id))


def build_fixture_home(tmp_path: Path) -> Home:
    from nhtz.build import build

    home = make_fixture_home(tmp_path)
    build(home)
    return home
