"""The whole quarterly run on messy synthetic submissions, checked against the generator's truth.

The generator knows every true value and every anomaly it wrote (its manifest); the warehouse knows
neither. After landing, building, checking and publishing, the published marts must give back the
truth, hold out exactly the falling year-to-date values, and national totals must equal the truth summed
over the parks that were not held out.
"""

import json
import re

import pytest
from typer.testing import CliRunner

from nhtz.cli import app
from nhtz.db import connect
from nhtz.home import Home
from nhtz.synth import synthetic_truth, write_submissions

SEED, START, END = 11, "2022Q1", "2023Q4"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    home = Home(tmp_path_factory.mktemp("e2e")).ensure()
    write_submissions(home.landing / "synthetic", start=START, end=END, seed=SEED)
    result = CliRunner().invoke(app, ["run", END, "--home", str(home.root)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((home.landing / "synthetic" / "_manifest.json").read_text())
    truth = synthetic_truth(seed=SEED, start=START, end=END)
    with connect(home.serving_db, read_only=True) as con:
        published = con.sql(
            "select park_id, quarter, indicator_code, value_ytd, quality_status from marts.fct_park_quarter "
            "where indicator_code in (select indicator_code from marts.dim_indicator where kind <> 'ratio')"
        ).df()
        national = con.sql("select * from marts.national_quarter").df()
    return home, result.output, manifest, truth, published, national


def test_published_values_are_the_truth_except_the_falling_ytds(run):
    _, _, manifest, truth, published, _ = run
    falling = {(a["park_id"], a["period"], a["indicator"]): a for a in manifest["anomalies"] if a["kind"] == "falling_ytd"}
    assert falling, "the generator writes at least one falling YTD in any range"
    merged = truth.merge(published, on=["park_id", "quarter", "indicator_code"], how="outer", suffixes=("_true", ""))
    assert merged.value_ytd.notna().all() and merged.value_ytd_true.notna().all(), "a value was lost or invented"
    key = list(zip(merged.park_id, merged.quarter, merged.indicator_code))
    is_falling = [k in falling for k in key]
    ordinary = merged[[not f for f in is_falling]]
    assert (ordinary.value_ytd - ordinary.value_ytd_true).abs().max() < 1e-6
    for (park, quarter, indicator), anomaly in falling.items():
        row = merged[(merged.park_id == park) & (merged.quarter == quarter) & (merged.indicator_code == indicator)].iloc[0]
        assert row.value_ytd == pytest.approx(anomaly["written"])
        assert row.quality_status == "error"


def test_national_gdp_is_the_truth_summed_over_parks_not_held_out(run):
    _, _, _, truth, published, national = run
    held_out = published[published.quality_status == "error"][["park_id", "quarter", "indicator_code"]]
    kept = truth.merge(held_out, how="left", indicator=True).query("_merge == 'left_only'")
    for quarter in ("2022Q4", "2023Q3", "2023Q4"):
        expected = kept[(kept.quarter == quarter) & (kept.indicator_code == "gdp")]
        row = national[(national.quarter == quarter) & (national.indicator_code == "gdp")].iloc[0]
        assert row.value_ytd == pytest.approx(expected.value_ytd.sum(), rel=1e-9)
        assert row.n_parks == len(expected)


def test_run_prints_where_everything_is_and_the_files_exist(run):
    home, output, manifest, *_ = run
    not_landing = [a for a in manifest["anomalies"] if not a["lands"]]
    assert f"{len(manifest['files'])} files landed" in output
    assert f"{len(not_landing)} rows quarantined" in output
    for path in (home.serving_db, home.reports / END / f"nhtz_report_{END}.xlsx", home.reports / END / f"nhtz_report_{END}.html"):
        assert path.exists() and str(path) in output


def test_sql_and_status_read_what_was_published(run):
    home, _, _, _, _, national = run
    gdp = national[(national.quarter == END) & (national.indicator_code == "gdp")].value_ytd.iloc[0]
    result = CliRunner().invoke(
        app,
        ["sql", "--home", str(home.root), "--format", "json",
         f"select value_ytd from marts.national_quarter where quarter = '{END}' and indicator_code = 'gdp'"],
    )
    assert result.exit_code == 0
    assert json.loads(result.output)[0]["value_ytd"] == pytest.approx(gdp)
    status = CliRunner().invoke(app, ["status", "--home", str(home.root)])
    assert re.search(r"^last publish +20", status.output, re.MULTILINE) and "never" not in status.output


def test_sql_refuses_to_write_to_the_serving_copy(run):
    home = run[0]
    result = CliRunner().invoke(app, ["sql", "--home", str(home.root), "delete from marts.dim_park"])
    assert result.exit_code == 1
    # refused before it runs: one line naming what kind of statement it was
    assert result.output.count("\n") == 1 and "refused: DELETE is not a read-only query" in result.output
    assert "Traceback" not in result.output


def test_feedback_lists_the_falling_ytd_for_its_park_and_refuses_unknown_quarters(run, tmp_path):
    home, _, manifest, *_ = run
    from openpyxl import load_workbook

    anomaly = next(a for a in manifest["anomalies"] if a["kind"] == "falling_ytd")
    quarter = anomaly["period"]
    result = CliRunner().invoke(app, ["feedback", quarter, "--home", str(home.root), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    workbook = load_workbook(tmp_path / f"审核反馈_{quarter}.xlsx", read_only=True)
    rows = [row for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)]
    written = [row for row in rows if any(isinstance(c, float) and abs(c - anomaly["written"]) < 1e-6 for c in row)]
    assert written, f"the falling value {anomaly['written']} of {anomaly['park_id']} is not in the feedback"
    assert any("更正" in str(c) for row in written for c in row)
    unknown = CliRunner().invoke(app, ["feedback", "2031Q2", "--home", str(home.root)])
    assert unknown.exit_code == 1
    assert "2031Q2 is not in the built marts; available: 2022Q1–2023Q4 (8 quarters)" in unknown.output


def test_docs_is_one_offline_page_carrying_the_chinese_descriptions(run):
    home = run[0]
    result = CliRunner().invoke(app, ["docs", "--home", str(home.root)])
    assert result.exit_code == 0, result.output
    page = home.root / "dbt" / "target" / "static_index.html"
    assert str(page) in result.output
    text = page.read_text(encoding="utf-8")
    # the manifest and catalog are embedded as JSON, so the Chinese text stands as \\u escapes
    assert json.dumps("园区季度指标事实表")[1:-1] in text
    assert "fct_park_quarter" in text and "park_ranking" in text
