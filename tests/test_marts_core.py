"""The core marts on the hand-made fixture (tests/marts_fixture.py): every number is checked against arithmetic
a person can redo from the fixture's submissions."""

import csv

import pytest

from marts_fixture import EXPECTED, PARKS, QUARTERS, REGIONS, SUBMITTED, YTD
from serving_fixture import copy_home

from nhtz import dbt_runner, state
from nhtz.state import BuildRecord
from nhtz.db import connect
from nhtz.project import SEEDS_DIR

CONTRACT_FCT_COLUMNS = [
    "park_id", "quarter", "year", "quarter_num", "indicator_code", "value_ytd", "value_q", "yoy_ytd_pct",
    "yoy_q_pct", "price_basis", "revision_count", "quality_status", "quarter_end", "yoy_ytd_pp",
    "yoy_reported_real_pct", "two_year_avg_growth_pct", "kind", "quality_note",
]
CONTRACT_AGGREGATE_COLUMNS = [
    "quarter", "indicator_code", "value_ytd", "value_q", "n_parks", "yoy_ytd_pct", "yoy_ytd_pct_lfl",
    "n_parks_lfl", "n_parks_growing",
]
LETTER = {park_id: letter for letter, park_id in PARKS.items()}


@pytest.fixture(scope="module")
def home(built_fixture_home):
    """The fixture built by dbt once per session (tests/conftest.py); only read here."""
    return built_fixture_home


@pytest.fixture(scope="module")
def marts(home):
    """One read-only connection for the module's reads: each new DuckDB instance costs some 25 ms of catalog."""
    with connect(home.working_db, read_only=True) as con:
        yield con


def query(con, sql, *params):
    cursor = con.execute(sql, list(params))
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row)) for row in cursor.fetchall()]


def assert_matches(row, expected, where):
    for column, value in expected.items():
        if value is None:
            assert row[column] is None, f"{where}: {column} = {row[column]}, expected null"
        elif isinstance(value, str):
            assert row[column] == value, f"{where}: {column}"
        else:
            assert row[column] == pytest.approx(value, rel=1e-9, abs=1e-9), f"{where}: {column}"


@pytest.mark.parametrize("key", sorted(EXPECTED["national"]))
def test_national_quarter_matches_hand_arithmetic(marts, key):
    quarter, indicator = key
    rows = query(marts, "select * from marts.national_quarter where quarter = ? and indicator_code = ?", quarter, indicator)
    assert len(rows) == 1
    assert_matches(rows[0], EXPECTED["national"][key], f"national {key}")


@pytest.mark.parametrize("key", sorted(EXPECTED["region"]))
def test_region_quarter_matches_hand_arithmetic(marts, key):
    region, quarter, indicator = key
    rows = query(
        marts,
        "select * from marts.region_quarter where region = ? and quarter = ? and indicator_code = ?",
        region, quarter, indicator,
    )
    if EXPECTED["region"][key] is None:
        assert rows == []
    else:
        assert len(rows) == 1
        assert_matches(rows[0], EXPECTED["region"][key], f"region {key}")


@pytest.mark.parametrize("key", sorted(EXPECTED["park"]))
def test_fct_park_quarter_matches_hand_arithmetic(marts, key):
    letter, quarter, indicator = key
    rows = query(
        marts,
        "select * from marts.fct_park_quarter where park_id = ? and quarter = ? and indicator_code = ?",
        PARKS[letter], quarter, indicator,
    )
    assert len(rows) == 1
    assert_matches(rows[0], EXPECTED["park"][key], f"park {key}")


def _ratio_definitions():
    with open(SEEDS_DIR / "indicators.csv", encoding="utf-8") as f:
        return [(r["indicator_code"], r["numerator"], r["denominator"]) for r in csv.DictReader(f) if r["kind"] == "ratio"]


def test_one_row_per_value_and_per_computable_ratio(marts):
    # every submitted quarter-end value, plus every ratio whose two components the park sent with a denominator > 0
    expected = set(YTD)
    for code, numerator, denominator in _ratio_definitions():
        for letter in PARKS:
            for quarter in QUARTERS:
                den = YTD.get((letter, denominator, quarter))
                if (letter, numerator, quarter) in YTD and den is not None and den > 0:
                    expected.add((letter, code, quarter))
    rows = query(marts, "select park_id, indicator_code, quarter from marts.fct_park_quarter")
    assert {(LETTER[r["park_id"]], r["indicator_code"], r["quarter"]) for r in rows} == expected
    assert len(rows) == len(expected)


def test_values_are_converted_to_the_mart_unit(marts):
    # every value in the mart equals the submitted value times the unit factor, worked out in the fixture
    rows = query(
        marts,
        "select park_id, indicator_code, quarter, value_ytd from marts.fct_park_quarter "
        "where indicator_code in (select indicator_code from reference.indicators where kind in ('flow', 'stock'))",
    )
    for row in rows:
        assert row["value_ytd"] == pytest.approx(YTD[(LETTER[row["park_id"]], row["indicator_code"], row["quarter"])])


def test_stocks_and_ratios_have_no_single_quarter_and_growth_is_nominal(marts):
    rows = query(
        marts,
        "select count(*) filter (where value_q is not null and indicator_code in "
        "('employees', 'invention_patents_owned', 'rd_intensity')) as bad_q, "
        "count(*) filter (where price_basis <> 'nominal') as not_nominal from marts.fct_park_quarter",
    )
    assert rows[0] == {"bad_q": 0, "not_nominal": 0}


def test_quality_status_counts(marts):
    # errors: D revenue 2023Q3 (YTD fell), B IVA 2023Q4 (part > whole)
    # derived from an error: D revenue_per_employee 2023Q3 (its revenue), D revenue 2023Q4 (its single quarter
    # would be 60 − 45); B's IVA 2023Q4 feeds no ratio and no later quarter of the fixture
    # warnings: B revenue 2023Q3 (copied from Q2), A energy 2023Q4 (yoy +90 % against +30 % like-for-like)
    rows = query(marts, "select quality_status, count(*) as n from marts.fct_park_quarter group by 1")
    counts = {r["quality_status"]: r["n"] for r in rows}
    assert counts["error"] == 2
    assert counts["derived_from_error"] == 2
    assert counts["warning"] == 2


def test_revisions_keep_every_vintage(marts):
    rows = query(
        marts,
        "select value, is_current, file_name from audit.revisions "
        "where park_id = ? and period = '2023Q4' and indicator_code = 'gdp' order by vintage",
        PARKS["A"],
    )
    assert [(r["value"], r["is_current"]) for r in rows] == EXPECTED["revisions_a_gdp_2023q4"]
    assert rows[1]["file_name"].endswith("_更正.csv")
    # every landed value is one revisions row: the fixture lands one row per submitted value plus the revision
    total = sum(len(values) for indicators in SUBMITTED.values() for _, values in indicators.values())
    assert query(marts, "select count(*) as n from audit.revisions")[0]["n"] == total + 1
    monthly = query(marts, "select period from audit.revisions where park_id = ? and period like '2023-0%'", PARKS["A"])
    assert sorted(r["period"] for r in monthly) == ["2023-01", "2023-02"]


def test_park_month_ytd_is_the_monthly_series(marts):
    rows = query(
        marts,
        "select * from marts.park_month_ytd where park_id = ? and indicator_code = 'gdp' and period = '2023-02'",
        PARKS["A"],
    )
    assert_matches(rows[0], EXPECTED["month_a_gdp_2023_02"], "A gdp 2023-02")
    # quarter-end months are in the monthly view too: 2023-12 is A's revised 44
    rows = query(
        marts,
        "select value_ytd, revision_count from marts.park_month_ytd "
        "where park_id = ? and indicator_code = 'gdp' and period = '2023-12'",
        PARKS["A"],
    )
    assert rows == [{"value_ytd": 44.0, "revision_count": 1}]


def test_region_and_province_totals_add_up_to_national(marts):
    # the fixture's regions: 东部 A, B; 中部 C; 西部 D, E
    rows = query(
        marts,
        "select region, sum(n_parks) as n from marts.region_quarter where quarter = '2023Q4' and indicator_code = 'gdp' "
        "group by region order by region",
    )
    expected = {}
    for letter in PARKS:
        expected[REGIONS[letter]] = expected.get(REGIONS[letter], 0) + 1
    assert {r["region"]: r["n"] for r in rows} == expected
    rows = query(
        marts,
        "select province, value_ytd from marts.province_quarter where quarter = '2023Q4' and indicator_code = 'gdp' "
        "order by province",
    )
    # 福建 A 44, 广东 B 84, 湖北 C 24, 甘肃 D 20, 新疆 E 44
    assert {r["province"]: r["value_ytd"] for r in rows} == pytest.approx(
        {"福建省": 44.0, "广东省": 84.0, "湖北省": 24.0, "甘肃省": 20.0, "新疆维吾尔自治区": 44.0}
    )


def test_single_quarter_growth_both_ways_and_percentage_points(marts):
    gdp = query(marts, "select * from marts.national_quarter where quarter = '2023Q4' and indicator_code = 'gdp'")[0]
    # single quarters 2023Q4: A 11 + B 21 + C 6 + D 5 + E 11 = 54 against 2022Q4: A 10 + B 20 + C 5 + D 4 = 39
    assert gdp["yoy_q_pct"] == pytest.approx((54 / 39 - 1) * 100)
    # like-for-like: A, B, C, D have a single quarter in both years: 43 against 39
    assert (gdp["yoy_q_pct_lfl"], gdp["n_parks_q_lfl"]) == (pytest.approx((43 / 39 - 1) * 100), 4)
    assert gdp["yoy_ytd_pp"] is None  # not a ratio
    assert str(gdp["quarter_end"]) == "2023-12-31"
    rd = query(marts, "select * from marts.national_quarter where quarter = '2023Q4' and indicator_code = 'rd_intensity'")[0]
    # 7.96 / 216 × 100 = 3.6852 % against 5.75 / 156 × 100 = 3.6859 %: −0.0007 points, never a relative "growth"
    assert rd["yoy_ytd_pp"] == pytest.approx(7.96 / 216 * 100 - 5.75 / 156 * 100)
    park = query(
        marts,
        "select park_id, yoy_ytd_pp from marts.fct_park_quarter where quarter = '2023Q4' and indicator_code = 'rd_intensity'",
    )
    by_letter = {LETTER[r["park_id"]]: r["yoy_ytd_pp"] for r in park}
    # A 2.2 / 44 = 5 % both years: 0 points; D 1.0 / 20 = 5 % against 0.95 / 16 = 5.9375 %: −0.9375 points
    assert by_letter["A"] == pytest.approx(0.0, abs=1e-12)
    assert by_letter["D"] == pytest.approx(-0.9375)
    assert by_letter["E"] is None  # no 2022


def test_published_columns_follow_the_contract_and_carry_chinese_docs(marts):
    def columns(table):
        rows = query(
            marts,
            "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ? "
            "order by ordinal_position",
            table,
        )
        return [r["column_name"] for r in rows]

    assert columns("fct_park_quarter") == CONTRACT_FCT_COLUMNS
    assert columns("national_quarter")[: len(CONTRACT_AGGREGATE_COLUMNS)] == CONTRACT_AGGREGATE_COLUMNS
    assert columns("region_quarter")[: len(CONTRACT_AGGREGATE_COLUMNS) + 1] == ["region"] + CONTRACT_AGGREGATE_COLUMNS
    comment = query(marts, "select comment from duckdb_tables() where schema_name = 'marts' and table_name = 'fct_park_quarter'")
    assert "园区季度指标事实表" in comment[0]["comment"]
    column_comment = query(
        marts,
        "select comment from duckdb_columns() where schema_name = 'marts' and table_name = 'national_quarter' "
        "and column_name = 'yoy_ytd_pct_lfl'",
    )
    assert "可比口径" in column_comment[0]["comment"]


def test_build_is_recorded(home):
    record = state.last(home, BuildRecord)
    assert record.status == "ok"
    assert record.models >= 14  # 1 staging + 7 intermediate + 2 audit + 5 core marts, plus others' marts
    assert record.unit_tests == 0  # unit tests run from the suite (test_build.py), not in warehouse builds
    # 64 once; 40 when the contracted models' row checks became constraints (docs/marts.md); 31 with one test for
    # a model's row checks instead of one per column (staging, intermediate, fct_park_quarter's relationships); 26
    # with a model's grain and row checks in one test (grain_and_rows: four intermediate or core models, findings);
    # 25 when the landing rows' month, indicator and unit were left to the GX suite of raw.observations alone; 23
    # when int_park_quarter_checked's and int_park_quarter_growth_panel's tests, which could not fail, left; 20 when
    # the national, regional and provincial marts' grains became primary keys; 16 when four intermediate models'
    # row checks became their contracts' constraints and their grains were left to fct_park_quarter's test
    assert record.tests == 16
    # where dbt keeps its partial-parse state is test_build's: this home may have been built on a parse the worker
    # made earlier for another home (nhtz.dbt_runner.parsed_project), which writes none here


def test_a_shared_grain_and_an_unknown_indicator_fail_the_facts_one_test(home, tmp_path):
    """grain_and_rows on fct_park_quarter: park A's 2023Q4 gdp written twice breaks the grain, park B's 2023Q4 gdp
    renamed to an indicator the dictionary lacks breaks the row check; the test returns one row for each."""
    copy = copy_home(home, tmp_path / "home")
    with connect(copy.working_db) as con:
        con.execute(
            "insert into marts.fct_park_quarter select * from marts.fct_park_quarter "
            "where park_id = ? and quarter = '2023Q4' and indicator_code = 'gdp'",
            [PARKS["A"]],
        )
        con.execute(
            "update marts.fct_park_quarter set indicator_code = 'no_such_indicator' "
            "where park_id = ? and quarter = '2023Q4' and indicator_code = 'gdp'",
            [PARKS["B"]],
        )
    run = dbt_runner.invoke(
        dbt_runner.home_workspace(copy), ["test", "--select", "fct_park_quarter,test_name:grain_and_rows"]
    )
    [result] = [r for r in run.run_results["results"] if r["unique_id"].startswith("test.")]
    assert (result["status"], result["failures"]) == ("fail", 2)
    assert run.failure_line().startswith("test grain_and_rows_fct_park_quarter_")
