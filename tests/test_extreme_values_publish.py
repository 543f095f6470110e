"""One park's bad value never stops the run (docs/methodology.md, "Held-out values"): extreme but finite values
for a few parks go through `nhtz ingest → build → check → publish` as real files, and the run publishes with
those values flagged and held out of every aggregate.

Six parks report gdp, revenue, net profit and employees for 2023Q1–2024Q4 as wide CSV files (one per quarter),
with a park's own comparable-price growth beside gdp. Every value is written out below, so each total can be
checked by hand: park k (1..6) reports gdp YTD 10·k·q in quarter q of 2023 and 11·k·q in 2024, revenue 5 × gdp,
net profit 0.5 × gdp (park 6: −2 every quarter, losses are allowed), employees 1000·k.
The extreme values (each in one cell):
    park 1 gdp 2024Q2      1e308            huge but finite: above the gdp ceiling (R09)
    park 2 revenue 2024Q3  × 10⁸            元 typed under a 亿元 header (R09)
    park 3 gdp 2024Q1      0.000000033      a million times below 2023Q4 (R10)
    park 4 net_profit 2024Q4  0             zero is a value, not an error
    park 5 gdp 2024Q4      -1               a negative gdp: the row is quarantined at landing
"""

import csv
import json

import pytest
from typer.testing import CliRunner

from nhtz.cli import app

PARKS = ["中关村科技园区", "天津滨海高新区", "石家庄高新区", "保定高新区", "唐山高新区", "燕郊高新区"]
PARK_IDS = ["beijing_zgc", "tianjin_binhai", "shijiazhuang", "baoding", "tangshan", "yanjiao"]
QUARTERS = [(year, q) for year in (2023, 2024) for q in (1, 2, 3, 4)]


def gdp(k: int, year: int, q: int) -> float:
    return (10 if year == 2023 else 11) * k * q


def reported(k: int, year: int, q: int) -> dict[str, str]:
    g = gdp(k, year, q)
    row = {
        "园区名称": PARKS[k - 1],
        "统计期": f"{year}Q{q}",
        "园区生产总值(亿元)": repr(g),
        "营业收入(亿元)": repr(5 * g),
        "净利润(亿元)": repr(-2.0 if k == 6 else 0.5 * g),
        "从业人员期末人数(人)": str(1000 * k),
        "GDP增速(%)": "6.5" if year == 2024 else "",
    }
    extreme = {
        (1, 2024, 2): ("园区生产总值(亿元)", "1e308"),
        (2, 2024, 3): ("营业收入(亿元)", repr(5 * g * 1e8)),
        (3, 2024, 1): ("园区生产总值(亿元)", "0.000000033"),
        (4, 2024, 4): ("净利润(亿元)", "0"),
        (5, 2024, 4): ("园区生产总值(亿元)", "-1"),
    }.get((k, year, q))
    if extreme:
        row[extreme[0]] = extreme[1]
    return row


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    root = tmp_path_factory.mktemp("extreme")
    landing = root / "landing"
    landing.mkdir()
    for year, q in QUARTERS:
        rows = [reported(k, year, q) for k in range(1, 7)]
        with open(landing / f"{year}Q{q}_主要指标.csv", "w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    home = root / "home"
    runner = CliRunner()
    steps = [
        ["ingest", str(landing), "--home", str(home)],
        ["build", "--home", str(home)],
        ["check", "--home", str(home)],
        # six parks of 178 is below the coverage minimum: a partial publication is asked for
        ["publish", "--allow-partial", "--home", str(home)],
    ]
    outputs = {}
    for step in steps:
        result = runner.invoke(app, step)
        outputs[step[0]] = result
        assert result.exit_code == 0, (step[0], result.output)
        assert "Traceback" not in result.output
    return home, outputs


def sql(home, query: str) -> list[dict]:
    result = CliRunner().invoke(app, ["sql", "--home", str(home), "--format", "json", query])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_run_publishes(published):
    home, _ = published
    assert (home / "serving" / "nhtz.duckdb").exists()


def test_negative_gdp_is_quarantined_at_landing_with_its_row(published):
    home, _ = published
    rows = sql(home, "select file_name, row_number, reason from audit.quarantine")
    assert [(r["file_name"], r["row_number"]) for r in rows] == [("2024Q4_主要指标.csv", 6)]  # header + park 5
    assert "园区生产总值" in rows[0]["reason"] or "gdp" in rows[0]["reason"]


def test_extreme_values_are_error_findings(published):
    home, _ = published
    rows = sql(home, "select park_id, quarter, indicator_code, rule_id from audit.findings where severity = 'error'")
    found = {(r["park_id"], r["quarter"], r["indicator_code"], r["rule_id"]) for r in rows}
    assert found == {
        ("beijing_zgc", "2024Q2", "gdp", "R09"),
        ("tianjin_binhai", "2024Q3", "revenue", "R09"),
        ("shijiazhuang", "2024Q1", "gdp", "R10"),
    }


def test_national_totals_leave_the_extreme_values_out(published):
    home, _ = published
    rows = sql(
        home,
        "select quarter, value_ytd, n_parks, value_q, n_parks_q from marts.national_quarter "
        "where indicator_code = 'gdp' and quarter like '2024%' order by quarter",
    )
    by_quarter = {r["quarter"]: r for r in rows}
    # 2024Q1: parks 1..6 report 11·k, park 3's is the slip: 11 × (1 + 2 + 4 + 5 + 6) = 198
    assert (by_quarter["2024Q1"]["value_ytd"], by_quarter["2024Q1"]["n_parks"]) == (pytest.approx(198.0), 5)
    # 2024Q2: 22·k, park 1's is 1e308: 22 × (2 + 3 + 4 + 5 + 6) = 440
    assert (by_quarter["2024Q2"]["value_ytd"], by_quarter["2024Q2"]["n_parks"]) == (pytest.approx(440.0), 5)
    # single quarters 2024Q2 (22k − 11k = 11k): park 1's is the slip, park 3's earlier YTD is its slip:
    # 11 × (2 + 4 + 5 + 6) = 187
    assert (by_quarter["2024Q2"]["value_q"], by_quarter["2024Q2"]["n_parks_q"]) == (pytest.approx(187.0), 4)
    # 2024Q3: all six (33k): 33 × 21 = 693; single quarters: park 1's earlier YTD is the slip: 11 × (21 − 1)
    assert by_quarter["2024Q3"]["value_ytd"] == pytest.approx(693.0)
    assert (by_quarter["2024Q3"]["value_q"], by_quarter["2024Q3"]["n_parks_q"]) == (pytest.approx(220.0), 5)
    # 2024Q4: park 5's row is quarantined: 44 × (21 − 5) = 704
    assert (by_quarter["2024Q4"]["value_ytd"], by_quarter["2024Q4"]["n_parks"]) == (pytest.approx(704.0), 5)


def test_revenue_slip_is_held_out_of_revenue_and_its_ratios(published):
    home, _ = published
    revenue = sql(
        home, "select value_ytd, n_parks from marts.national_quarter where quarter = '2024Q3' and indicator_code = 'revenue'"
    )[0]
    assert (revenue["value_ytd"], revenue["n_parks"]) == (pytest.approx(5 * 33 * 19), 5)  # all but park 2
    ratio = sql(
        home,
        "select value_ytd, quality_status from marts.fct_park_quarter "
        "where park_id = 'tianjin_binhai' and quarter = '2024Q3' and indicator_code = 'revenue_per_employee'",
    )[0]
    assert ratio == {"value_ytd": None, "quality_status": "derived_from_error"}


def test_zero_and_losses_are_values(published):
    home, _ = published
    rows = sql(
        home,
        "select park_id, value_ytd, quality_status from marts.fct_park_quarter "
        "where quarter = '2024Q4' and indicator_code = 'net_profit' and park_id in ('baoding', 'yanjiao')",
    )
    assert {r["park_id"]: r["value_ytd"] for r in rows} == {"baoding": 0.0, "yanjiao": -2.0}


def test_reported_comparable_price_growth_is_kept_apart(published):
    home, _ = published
    rows = sql(
        home,
        "select yoy_ytd_pct, yoy_reported_real_pct from marts.fct_park_quarter "
        "where park_id = 'baoding' and quarter = '2024Q3' and indicator_code = 'gdp'",
    )
    # nominal growth computed here: 11·4·3 / 10·4·3 − 1 = 10 %; the park's own comparable-price figure: 6.5 %
    assert rows == [{"yoy_ytd_pct": pytest.approx(10.0), "yoy_reported_real_pct": 6.5}]


def test_scores_stay_within_their_range(published):
    home, _ = published
    rows = sql(
        home,
        "select min(composite_score) as low, max(composite_score) as high, "
        "min(dimension_score) as dlow, max(dimension_score) as dhigh from marts.park_composite_index",
    )
    assert 0 <= rows[0]["low"] <= rows[0]["high"] <= 100
    assert 0 <= rows[0]["dlow"] <= rows[0]["dhigh"] <= 100
