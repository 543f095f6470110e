"""Enterprise microdata: the generator, and the dbt roll-up to park level checked against pandas sums.

One tiny panel (50 enterprises, 2024Q1–2025Q1) goes through dbt three times in this module: the first four
quarters, then the fifth incrementally, and all five as a full refresh into a second database.
"""

import csv
import shutil
from datetime import date

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from nhtz.db import connect
from nhtz.enterprise import is_gazelle, write_enterprise_panel
from nhtz.enterprise.panel import panel_glob
from nhtz.enterprise.rollup import build_enterprise_rollup
from nhtz.errors import NhtzError
from nhtz.project import SEEDS_DIR

SEED = 7
QUARTERS = ["2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1"]
# enterprise column (in its survey unit) -> (indicator in the marts, divisor to the mart unit)
SUMMED = {
    "revenue": ("revenue", 1e4),
    "industrial_output": ("industrial_output", 1e4),
    "industrial_value_added": ("industrial_value_added", 1e4),
    "net_profit": ("net_profit", 1e4),
    "taxes_paid": ("taxes_paid", 1e4),
    "exports": ("exports", 1e4),
    "rd_expenditure": ("rd_expenditure", 1e4),
    "tech_contract_turnover": ("tech_contract_turnover", 1e4),
    "energy_consumption": ("energy_consumption", 1e4),  # 吨标准煤 -> 万吨标准煤
    "invention_patents_granted": ("invention_patents_granted", 1),
    "invention_patents_owned": ("invention_patents_owned", 1),
    "employees": ("employees", 1),
}
COUNTED = {
    "is_high_tech": "high_tech_enterprises",
    "is_tech_sme": "tech_smes",
    "is_gazelle": "gazelle_enterprises",
    "is_unicorn": "unicorn_enterprises",
}


def read_panel(folder) -> pd.DataFrame:
    frames = []
    for path in sorted(folder.glob("quarter=*/part-0.parquet")):
        frame = pq.read_table(path).to_pandas()
        frame["quarter"] = path.parent.name.removeprefix("quarter=")
        frames.append(frame)
    panel = pd.concat(frames, ignore_index=True)
    for column in ("park_id", "industry", "industry_name"):
        panel[column] = panel[column].astype(str)
    return panel


def rolled_up(db_path) -> pd.DataFrame:
    with connect(db_path, read_only=True) as con:
        return con.execute(
            "select park_id, period_year, period_month, indicator_code, value, unit, n_enterprises "
            "from intermediate.int_enterprise_values_rolled_up "
            "order by park_id, period_year, period_month, indicator_code"
        ).df()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("enterprise")
    panel_dir = write_enterprise_panel(root / "panel", n_enterprises=50, start=QUARTERS[0], end=QUARTERS[-1], seed=SEED)

    # the same files arriving one quarter late: four quarters built, then the fifth incrementally
    arriving = root / "arriving"
    for quarter in QUARTERS[:-1]:
        shutil.copytree(panel_dir / f"quarter={quarter}", arriving / f"quarter={quarter}")
    incremental_db = root / "incremental" / "rollup.duckdb"
    incremental_db.parent.mkdir()
    build_enterprise_rollup(incremental_db, panel_glob(arriving), run_dir=root / "dbt_incremental")
    four_quarters = rolled_up(incremental_db)
    shutil.copytree(panel_dir / f"quarter={QUARTERS[-1]}", arriving / f"quarter={QUARTERS[-1]}")
    build_enterprise_rollup(incremental_db, panel_glob(arriving), run_dir=root / "dbt_incremental")

    # all five quarters, now arrived, as a full refresh into a second database of the same name (the database's
    # name names its relations): with the same vars, the three builds share one parse of the project in this
    # process (nhtz.dbt_runner.parsed_project)
    full_db = root / "full" / "rollup.duckdb"
    full_db.parent.mkdir()
    build_enterprise_rollup(full_db, panel_glob(arriving), full_refresh=True, run_dir=root / "dbt_full")
    return {
        "panel": read_panel(panel_dir),
        "four_quarters": four_quarters,
        "incremental": rolled_up(incremental_db),
        "full": rolled_up(full_db),
    }


def test_park_totals_equal_pandas_sums_in_mart_units(built):
    panel, rollup = built["panel"], built["full"]
    for column, (indicator, divisor) in SUMMED.items():
        expected = panel.groupby(["park_id", "year", "period_month"])[column].sum() / divisor
        got = rollup[rollup.indicator_code == indicator].set_index(["park_id", "period_year", "period_month"])["value"]
        assert len(got) == len(expected), indicator
        for key, value in expected.items():
            assert got.loc[key] == pytest.approx(value, rel=1e-9, abs=1e-8), (indicator, key)


def test_money_is_in_yi_yuan_and_energy_in_wan_tonnes(built):
    units = built["full"].groupby("indicator_code")["unit"].unique().map(lambda u: list(u))
    assert units["revenue"] == ["亿元"]
    assert units["net_profit"] == ["亿元"]
    assert units["energy_consumption"] == ["万吨标准煤"]
    assert units["employees"] == ["人"]
    assert units["high_tech_enterprises"] == ["家"]
    assert units["invention_patents_owned"] == ["件"]


def test_attribute_counts_equal_enterprises_with_the_attribute(built):
    panel, rollup = built["panel"], built["full"]
    for flag, indicator in COUNTED.items():
        expected = panel.groupby(["park_id", "year", "period_month"])[flag].sum()
        got = rollup[rollup.indicator_code == indicator].set_index(["park_id", "period_year", "period_month"])["value"]
        assert got.sort_index().tolist() == expected.sort_index().astype(float).tolist(), indicator
    # and the total across parks is the plain count of certified enterprises in the files
    latest = panel[panel.quarter == "2025Q1"]
    assert latest["is_high_tech"].sum() > 0  # the tiny panel does hold certified enterprises
    high_tech_2025q1 = built["full"].query("indicator_code == 'high_tech_enterprises' and period_year == 2025")
    assert high_tech_2025q1["value"].sum() == int(latest["is_high_tech"].sum())


def test_n_enterprises_is_the_number_of_reporting_enterprises(built):
    panel, rollup = built["panel"], built["full"]
    expected = panel.groupby(["park_id", "year", "period_month"])["enterprise_id"].nunique()
    got = rollup[rollup.indicator_code == "revenue"].set_index(["park_id", "period_year", "period_month"])
    assert got["n_enterprises"].sort_index().tolist() == expected.sort_index().tolist()
    assert got["n_enterprises"].sum() == len(panel)


def test_incremental_quarter_gives_the_same_table_as_a_full_refresh(built):
    before = built["four_quarters"]
    periods_before = set(zip(before.period_year.tolist(), before.period_month.tolist()))
    assert periods_before == {(2024, 3), (2024, 6), (2024, 9), (2024, 12)}
    incremental, full = built["incremental"], built["full"]
    assert len(incremental) == len(full) == len(built["four_quarters"]) + len(full.query("period_year == 2025"))
    pd.testing.assert_frame_equal(incremental, full)


def test_same_seed_same_panel_other_seed_other_panel(tmp_path):
    first = write_enterprise_panel(tmp_path / "a", n_enterprises=40, start="2023Q3", end="2024Q1", seed=11)
    second = write_enterprise_panel(tmp_path / "b", n_enterprises=40, start="2023Q3", end="2024Q1", seed=11)
    other = write_enterprise_panel(tmp_path / "c", n_enterprises=40, start="2023Q3", end="2024Q1", seed=12)
    for quarter in ("2023Q3", "2023Q4", "2024Q1"):
        a = pq.read_table(first / f"quarter={quarter}" / "part-0.parquet")
        assert a.equals(pq.read_table(second / f"quarter={quarter}" / "part-0.parquet"))
        assert not a.equals(pq.read_table(other / f"quarter={quarter}" / "part-0.parquet"))
    assert sorted(p.name for p in first.iterdir()) == ["quarter=2023Q3", "quarter=2023Q4", "quarter=2024Q1"]


def active_parks(day: date) -> set[str]:
    with open(SEEDS_DIR / "park_registry.csv", encoding="utf-8", newline="") as handle:
        return {
            row["park_id"]
            for row in csv.DictReader(handle)
            if date.fromisoformat(row["active_from"]) <= day
            and (not row["active_to"] or date.fromisoformat(row["active_to"]) >= day)
        }


def test_enterprises_report_only_in_parks_active_at_quarter_end(tmp_path):
    panel = read_panel(write_enterprise_panel(tmp_path / "p", n_enterprises=20_000, start="2022Q1", end="2022Q4"))
    ends = {"2022Q1": date(2022, 3, 31), "2022Q2": date(2022, 6, 30), "2022Q3": date(2022, 9, 30),
            "2022Q4": date(2022, 12, 31)}
    for quarter, day in ends.items():
        parks = set(panel.loc[panel.quarter == quarter, "park_id"])
        assert parks <= active_parks(day), quarter
    # 169 zones until 2022 and 177 at its end: with 20 000 enterprises the new (small) zones get some too
    assert len(set(panel.loc[panel.quarter == "2022Q1", "park_id"])) <= 169
    assert len(set(panel.loc[panel.quarter == "2022Q4", "park_id"])) > 169


def test_year_to_date_flows_never_fall_and_exits_happen_at_year_end(built):
    panel = built["panel"].sort_values(["enterprise_id", "quarter"])
    same_year = panel.groupby(["enterprise_id", "year"])
    assert (same_year["revenue"].diff().dropna() >= 0).all()
    assert (same_year["invention_patents_granted"].diff().dropna() >= 0).all()
    quarters_present = panel.groupby(["enterprise_id", "year"])["quarter_num"].agg(["min", "max"])
    # an enterprise reporting in 2024 reports through Q4 (all 2024/25 parks are active throughout)
    assert (quarters_present.loc[(slice(None), 2024), "max"] == 4).all()
    assert (panel["revenue"] >= 0).all() and (panel["industrial_value_added"] <= panel["industrial_output"]).all()


def test_gazelle_status_follows_from_the_written_revenues(tmp_path):
    panel = read_panel(write_enterprise_panel(tmp_path / "g", n_enterprises=2_000, start="2019Q1", end="2023Q1", seed=5))
    full_year = panel[panel.quarter_num == 4].pivot(index="enterprise_id", columns="year", values="revenue")
    reported_2019q1 = set(panel.loc[panel.quarter == "2019Q1", "enterprise_id"])
    parks_2019 = set(panel.loc[panel.quarter == "2019Q1", "park_id"])
    firms_2023 = panel[(panel.quarter == "2023Q1") & panel.park_id.isin(parks_2019)].set_index("enterprise_id")
    base = full_year[2019].reindex(firms_2023.index).fillna(0.0)
    last = full_year[2022].reindex(firms_2023.index).fillna(0.0)
    whole_base_year = firms_2023.index.isin(list(reported_2019q1))
    expected = (whole_base_year & (base >= 0) & (last >= 1_000) & (last >= 1.728 * base) & (base > 0)).to_numpy()
    assert firms_2023["is_gazelle"].to_numpy().tolist() == expected.tolist()
    assert 0 < expected.sum() < len(expected) / 4  # some, but gazelles stay a minority


@pytest.mark.parametrize(
    "base, last, whole_year, expected",
    [
        (1_000.0, 1_728.0, True, True),  # exactly 20 % a year for three years
        (1_000.0, 1_700.0, True, False),  # 19.4 % a year
        (500.0, 999.0, True, False),  # fast, but under the 1 000 万元 floor
        (0.0, 5_000.0, True, False),  # no base-year revenue: growth undefined
        (1_000.0, 3_000.0, False, False),  # founded during the base year
    ],
)
def test_gazelle_rule_on_hand_numbers(base, last, whole_year, expected):
    assert bool(is_gazelle([base], [last], [whole_year])[0]) is expected


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_enterprises": 0}, "at least 1"),
        ({"n_enterprises": 2.5}, "whole number"),
        ({"start": "2024Q5"}, "YYYYQn"),
        ({"start": "2025Q1", "end": "2024Q4"}, "is empty"),
    ],
)
def test_bad_panel_arguments_are_refused_with_a_reason(tmp_path, kwargs, message):
    with pytest.raises(NhtzError, match=message):
        write_enterprise_panel(tmp_path / "bad", **({"n_enterprises": 10} | kwargs))


def test_missing_registry_is_named(tmp_path):
    with pytest.raises(NhtzError, match="park registry not found"):
        write_enterprise_panel(tmp_path / "x", n_enterprises=10, registry=tmp_path / "nope.csv")


def test_rollup_refuses_a_source_without_files(tmp_path):
    with pytest.raises(NhtzError, match="no Parquet files match"):
        build_enterprise_rollup(tmp_path / "e.duckdb", str(tmp_path / "empty" / "quarter=*" / "*.parquet"))
    assert not (tmp_path / "e.duckdb").exists()


def write_hand_made_panel(folder) -> None:
    """Two enterprises of park A (xiamen_huoju) through 2023, in 万元: together 60, 120, 180, 240 亿元 revenue."""
    import pyarrow as pa

    for q in range(1, 5):
        quarter = f"2023Q{q}"
        table = pa.table(
            {
                "enterprise_id": ["E1", "E2"],
                "park_id": ["xiamen_huoju", "xiamen_huoju"],
                "industry": ["C", "I"],
                "industry_name": ["制造业", "信息传输、软件和信息技术服务业"],
                "founded_year": [2010, 2018],
                "year": [2023, 2023],
                "quarter_num": [q, q],
                "period_month": [3 * q, 3 * q],
                **{column: [0.0, 0.0] for column, _ in SUMMED.items() if column not in (
                    "revenue", "invention_patents_granted", "invention_patents_owned", "employees")},
                "revenue": [400_000.0 * q, 200_000.0 * q],
                "invention_patents_granted": [0, 0],
                "employees": [6_000, 1_000],
                "invention_patents_owned": [300, 20],
                "is_high_tech": [True, False],
                "is_tech_sme": [False, True],
                "is_gazelle": [False, False],
                "is_unicorn": [False, False],
            }
        )
        (folder / f"quarter={quarter}").mkdir(parents=True)
        pq.write_table(table, folder / f"quarter={quarter}" / "part-0.parquet")


def test_enterprise_totals_replace_submitted_values_in_the_marts(tmp_path):
    """The hook in int_park_months_current: enterprise totals win where they exist, submissions stay elsewhere."""
    from marts_fixture import make_fixture_home

    from nhtz.build import build

    home = make_fixture_home(tmp_path)
    write_hand_made_panel(tmp_path / "panel")
    build(home, vars={"enterprise_source": panel_glob(tmp_path / "panel")})
    with connect(home.working_db, read_only=True) as con:
        fact = con.execute(
            "select park_id, quarter, indicator_code, value_ytd, value_q, yoy_ytd_pct from marts.fct_park_quarter "
            "where park_id in ('xiamen_huoju', 'guangzhou') and quarter like '2023%'"
        ).df().set_index(["park_id", "quarter", "indicator_code"])
    # A submitted revenue 55/110/165/220 亿元 for 2023; the enterprises add up to 60/120/180/240 亿元
    assert fact.loc[("xiamen_huoju", "2023Q4", "revenue"), "value_ytd"] == pytest.approx(240.0)
    assert fact.loc[("xiamen_huoju", "2023Q2", "revenue"), "value_q"] == pytest.approx(60.0)
    # growth against A's submitted 2022Q4 revenue of 200 亿元: 240 / 200 − 1 = 20 %
    assert fact.loc[("xiamen_huoju", "2023Q4", "revenue"), "yoy_ytd_pct"] == pytest.approx(20.0)
    # employees (submitted 11 000) become the enterprises' 7 000; high-tech enterprises appear (A never sent them)
    assert fact.loc[("xiamen_huoju", "2023Q4", "employees"), "value_ytd"] == pytest.approx(7_000)
    assert fact.loc[("xiamen_huoju", "2023Q4", "high_tech_enterprises"), "value_ytd"] == 1
    # what the enterprises don't cover stays as submitted: A's gdp (revised to 44) and all of B
    assert fact.loc[("xiamen_huoju", "2023Q4", "gdp"), "value_ytd"] == pytest.approx(44.0)
    assert fact.loc[("guangzhou", "2023Q4", "revenue"), "value_ytd"] == pytest.approx(300.0)
    # the roll-up's dbt unit test runs here, with the enterprise source that enables it (builds leave unit tests out)
    from nhtz import dbt_runner

    run = dbt_runner.invoke(
        dbt_runner.home_workspace(home),
        ["test", "--select", "test_type:unit,int_enterprise_values_rolled_up"],
        vars={"enterprise_source": panel_glob(tmp_path / "panel")},
    )
    unit_tests = [r for r in run.run_results["results"] if r["unique_id"].startswith("unit_test.")]
    assert [(r["unique_id"].split(".")[-1], r["status"]) for r in unit_tests] == [
        ("int_enterprise_values_rolled_up_sums_and_counts_per_park", "pass")
    ]


def test_a_panel_file_without_a_column_fails_the_build_naming_the_model(tmp_path):
    import pyarrow as pa

    folder = tmp_path / "broken" / "quarter=2024Q1"
    folder.mkdir(parents=True)
    pq.write_table(pa.table({"enterprise_id": ["E1"], "park_id": ["lanzhou"], "year": [2024]}), folder / "part-0.parquet")
    with pytest.raises(NhtzError, match="stg_enterprise__quarterly_reports"):
        build_enterprise_rollup(tmp_path / "e.duckdb", panel_glob(tmp_path / "broken"), run_dir=tmp_path / "dbt")
