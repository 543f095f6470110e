"""The MetricFlow semantic layer and `nhtz metrics` on the published marts fixture (tests/marts_fixture.py): the
answers agree with marts.national_quarter and marts.region_quarter (read here with plain SQL), and the ratios are
Σ numerator / Σ denominator worked out by hand from the fixture's submissions."""

import json

import duckdb
import pytest
from typer.testing import CliRunner

from marts_fixture import EXPECTED, PARKS, YTD
from nhtz.cli import app
from nhtz.errors import NhtzError
from nhtz.metrics import SEMANTIC_DIR, open_semantic_layer, read_indicators, semantic_layer_files

INDICATORS = read_indicators()
CODES = [i["indicator_code"] for i in INDICATORS]
FLOWS = [i["indicator_code"] for i in INDICATORS if i["kind"] == "flow"]


def mart_rows(home, table: str, keys: list[str]) -> dict[tuple, dict]:
    con = duckdb.connect(str(home.serving_db), read_only=True)
    try:
        cursor = con.execute(f"select * from marts.{table}")
        columns = [d[0] for d in cursor.description]
        rows = [dict(zip(columns, row)) for row in cursor.fetchall()]
    finally:
        con.close()
    return {tuple(row[k] for k in keys): row for row in rows}


@pytest.fixture(scope="module")
def marts(published_home) -> dict:
    """The marts the answers are compared with, read with plain SQL before the semantic layer opens the file
    (DuckDB refuses a second connection to a file open in the same process with another configuration)."""
    return {
        "national": mart_rows(published_home, "national_quarter", ["quarter", "indicator_code"]),
        "region": mart_rows(published_home, "region_quarter", ["quarter", "region", "indicator_code"]),
    }


@pytest.fixture(scope="module")
def layer(published_home, marts):
    """One parse of the dbt project for the module: every query below runs on the same engine."""
    with open_semantic_layer(published_home) as opened:
        yield opened


def as_dicts(result) -> list[dict]:
    return [dict(zip(result.columns, row)) for row in result.rows]


def close(a, b) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and a == pytest.approx(b, rel=1e-9, abs=1e-9))


def test_the_yaml_is_what_the_dictionary_generates():
    for file_name, text in semantic_layer_files().items():
        assert (SEMANTIC_DIR / file_name).read_text(encoding="utf-8") == text, (
            f"{file_name} is out of date: run `python -m nhtz.metrics`")


def test_every_indicator_is_a_metric_and_ratios_are_sum_over_sum(layer):
    metrics = {m.name: m for m in layer.manifest.metrics}
    assert set(CODES) <= set(metrics) and {f"{c}_n_parks" for c in CODES} <= set(metrics)
    assert {f"{c}_q" for c in FLOWS} <= set(metrics)
    for indicator in INDICATORS:
        metric = metrics[indicator["indicator_code"]]
        if indicator["kind"] == "ratio":
            assert metric.type.value == "ratio"
            assert metric.type_params.numerator.name == f"{indicator['indicator_code']}_numerator"
            assert metric.type_params.denominator.name == f"{indicator['indicator_code']}_denominator"
        else:
            assert metric.type.value == "simple"


def test_mf_validate_configs_passes(layer):
    # the semantic validations and every data-warehouse validation of `mf validate-configs`
    assert layer.validate() == []


def test_metrics_agree_with_national_quarter(layer, marts):
    national = marts["national"]
    answers = as_dicts(layer.answer(CODES + [f"{c}_q" for c in FLOWS]))
    assert [a["quarter"] for a in answers] == sorted({q for q, _ in national})
    compared = 0
    for answer in answers:
        for code in CODES:
            row = national.get((answer["quarter"], code))
            if row is None:  # no usable value at all: no mart row, and no metric value
                assert answer[code] is None and not answer[f"{code}_n_parks"], (answer["quarter"], code)
                continue
            assert close(answer[code], row["value_ytd"]), (answer["quarter"], code)
            assert answer[f"{code}_n_parks"] == row["n_parks"], (answer["quarter"], code)
            if code in FLOWS:
                assert close(answer[f"{code}_q"], row["value_q"]), (answer["quarter"], code)
            compared += 1
    assert compared == len(national)


def test_metrics_by_region_agree_with_region_quarter(layer, marts):
    regional = marts["region"]
    answers = as_dicts(layer.answer(CODES, by="region"))
    compared = 0
    for answer in answers:
        for code in CODES:
            row = regional.get((answer["quarter"], answer["region"], code))
            if row is None:
                assert answer[code] is None, (answer["quarter"], answer["region"], code)
                continue
            assert close(answer[code], row["value_ytd"]), (answer["quarter"], answer["region"], code)
            assert answer[f"{code}_n_parks"] == row["n_parks"]
            compared += 1
    assert compared == len(regional)
    # 东部 industrial value added 2023Q4: guangzhou alone, held out, so no value (EXPECTED: no regional row)
    east = next(a for a in answers if (a["quarter"], a["region"]) == ("2023Q4", "东部"))
    assert EXPECTED["region"][("东部", "2023Q4", "industrial_value_added")] is None
    assert east["industrial_value_added"] is None


def test_ratio_metrics_are_sum_over_sum_worked_by_hand(layer):
    national = {a["quarter"]: a for a in as_dicts(layer.answer(
        ["rd_intensity", "energy_intensity", "revenue_per_employee", "patents_per_10k_employees"]))}
    q4, q3 = national["2023Q4"], national["2023Q3"]
    # R&D / GDP over all five parks: (2.2 + 2.52 + 0.48 + 1.0 + 1.76) / (44 + 84 + 24 + 20 + 44) × 100
    assert q4["rd_intensity"] == pytest.approx(7.96 / 216 * 100)
    # energy: A, B, D only: (19 + 16 + 4) / (44 + 84 + 20), never the mean of 19/44, 16/84 and 4/20
    assert q4["energy_intensity"] == pytest.approx(39 / 148) and q4["energy_intensity_n_parks"] == 3
    assert q4["energy_intensity"] != pytest.approx((19 / 44 + 16 / 84 + 4 / 20) / 3)
    # D's revenue 2023Q3 is in error: (165 + 200 + 90 + 165) 亿元 / (11000 + 20000 + 5000 + 11000) 人 × 10000
    assert q3["revenue_per_employee"] == pytest.approx(620 / 47000 * 10000) and q3["revenue_per_employee_n_parks"] == 4
    assert q4["patents_per_10k_employees"] == pytest.approx(2740 / 55000 * 10000)

    west = {(a["quarter"], a["region"]): a for a in as_dicts(layer.answer(["rd_intensity"], by="region"))}
    # 西部: D (1.0 / 20) and E (1.76 / 44): (1.0 + 1.76) / (20 + 44) × 100
    assert west[("2023Q4", "西部")]["rd_intensity"] == pytest.approx(2.76 / 64 * 100)


def test_by_park_for_one_quarter(layer):
    answers = as_dicts(layer.answer(["gdp"], by="park", quarter="2023Q4"))
    assert {a["park_id"]: a["gdp"] for a in answers} == {
        PARKS[letter]: pytest.approx(YTD[(letter, "gdp", "2023Q4")]) for letter in "ABCDE"}
    assert {a["quarter"] for a in answers} == {"2023Q4"}
    assert next(a for a in answers if a["park_id"] == PARKS["A"])["park_name"] == "厦门火炬高技术产业开发区"


def test_a_quarter_range_and_province(layer):
    answers = as_dicts(layer.answer(["gdp"], by="province", start="2023Q3", end="2023Q4"))
    assert {(a["quarter"], a["province"]): a["gdp"] for a in answers if a["province"] == "湖北省"} == {
        ("2023Q3", "湖北省"): pytest.approx(18), ("2023Q4", "湖北省"): pytest.approx(24)}
    assert {a["quarter"] for a in answers} == {"2023Q3", "2023Q4"}


@pytest.mark.parametrize("call, message", [
    (dict(names=["gpd"]), "unknown metric 'gpd' (closest: gdp"),
    (dict(names=["gdp"], by="county"), "--by 'county': use one of region, province, park"),
    (dict(names=["gdp"], quarter="2023Q4", start="2023Q1"), "give --quarter or --from/--to, not both"),
    (dict(names=["gdp"], start="2023Q4", end="2023Q1"), "quarter range 2023Q4..2023Q1 is empty"),
    (dict(names=[" "]), "name at least one metric"),
])
def test_bad_requests_say_why(layer, call, message):
    with pytest.raises(NhtzError) as refused:
        layer.answer(**call)
    assert message in str(refused.value)


def test_cli_json(published_home):
    outcome = CliRunner().invoke(app, ["metrics", "gdp,rd_intensity", "--quarter", "2023Q4", "--format", "json",
                                       "--home", str(published_home.root)])
    assert outcome.exit_code == 0, outcome.output
    assert json.loads(outcome.stdout) == [{
        "quarter": "2023Q4", "gdp": 216.0, "gdp_n_parks": 5,
        "rd_intensity": pytest.approx(7.96 / 216 * 100), "rd_intensity_n_parks": 5,
    }]
    # the semantic layer let go of the serving file: this process can open it again, read-only as any reader
    con = duckdb.connect(str(published_home.serving_db), read_only=True)
    national_gdp = "select value_ytd from marts.national_quarter where quarter = '2023Q4' and indicator_code = 'gdp'"
    assert con.execute(national_gdp).fetchone() == (216.0,)
    con.close()
    refused = CliRunner().invoke(app, ["metrics", "gdp", "--by", "city", "--home", str(published_home.root)])
    assert refused.exit_code == 1 and refused.stderr.startswith("nhtz: error: --by 'city'")
    assert "Traceback" not in refused.output


def test_nothing_published_yet(tmp_path):
    outcome = CliRunner().invoke(app, ["metrics", "gdp", "--home", str(tmp_path)])
    assert outcome.exit_code == 1 and "nothing is published yet" in outcome.stderr
