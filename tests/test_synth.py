"""Synthetic submissions: calibration against the published figures, the shape of the truth, and files that
say what the manifest says they say. Expected numbers are the published facts (DOMAIN.md) or read back from
the files with an independent little reader here, never taken from the generator itself."""

import csv
import hashlib
import io
import json
import re
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from nhtz.cli import app
from nhtz.errors import NhtzError
from nhtz.project import SEEDS_DIR
from nhtz.synth import synthetic_truth, write_submissions

SMALL = ("2021Q1", "2022Q4")
FLOWS = ["gdp", "revenue", "industrial_output", "industrial_value_added", "net_profit", "taxes_paid", "exports",
         "rd_expenditure", "tech_contract_turnover", "invention_patents_granted", "energy_consumption"]
STOCKS = ["invention_patents_owned", "high_tech_enterprises", "tech_smes", "gazelle_enterprises", "unicorn_enterprises",
          "employees", "incubators"]


# --- the truth ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def truth():
    return synthetic_truth(2024, "2019Q1", "2026Q3")


def national(truth, code, quarter):
    rows = truth[(truth.indicator_code == code) & (truth.quarter == quarter)]
    return rows.value_ytd.sum(), rows.park_id.nunique()


def value(truth, park_id, code, quarter):
    rows = truth[(truth.park_id == park_id) & (truth.indicator_code == code) & (truth.quarter == quarter)]
    assert len(rows) == 1, (park_id, code, quarter)
    return float(rows.value_ytd.iloc[0])


@pytest.mark.parametrize(
    "quarter, published_gdp, parks",
    [("2019Q4", 122_000, 169), ("2021Q4", 153_000, 169), ("2022Q4", 173_000, 177)],
)
def test_national_gdp_is_within_three_percent_of_the_published_figure(truth, quarter, published_gdp, parks):
    total, n_parks = national(truth, "gdp", quarter)
    assert n_parks == parks
    assert abs(total / published_gdp - 1) < 0.03


def test_2023_first_three_quarters_match_the_published_totals(truth):
    gdp_2023, n_2023 = national(truth, "gdp", "2023Q3")
    revenue_2023, _ = national(truth, "revenue", "2023Q3")
    output_2023, _ = national(truth, "industrial_output", "2023Q3")
    assert n_2023 == 178
    assert abs(gdp_2023 / 123_300 - 1) < 0.03
    assert abs(revenue_2023 / 376_600 - 1) < 0.03
    assert abs(output_2023 / 234_900 - 1) < 0.03
    # +7.11% nominal like for like: the parks that reported in both 2022Q3 and 2023Q3
    gdp = truth[truth.indicator_code == "gdp"].pivot(index="park_id", columns="quarter", values="value_ytd")
    both = gdp[["2022Q3", "2023Q3"]].dropna()
    growth = (both["2023Q3"].sum() / both["2022Q3"].sum() - 1) * 100
    assert 6.1 < growth < 8.1


def test_2021_revenue_rd_and_high_tech_enterprises_match_the_published_totals(truth):
    assert abs(national(truth, "revenue", "2021Q4")[0] / 495_000 - 1) < 0.03
    rd = national(truth, "rd_expenditure", "2021Q4")[0]
    assert 10_000 < rd < 12_000  # "above 1万亿, about 1.1"
    assert abs(national(truth, "high_tech_enterprises", "2021Q4")[0] / 115_000 - 1) < 0.03


def test_named_parks_carry_the_figures_of_the_source_documents(truth):
    donghu_2021 = value(truth, "wuhan_donghu", "gdp", "2021Q4")
    assert donghu_2021 == pytest.approx(2401, abs=0.01)
    assert (donghu_2021 / value(truth, "wuhan_donghu", "gdp", "2020Q4") - 1) * 100 == pytest.approx(16.8, abs=0.01)

    lanzhou_gdp = value(truth, "lanzhou", "gdp", "2021Q4")
    assert lanzhou_gdp == pytest.approx(350.4, abs=0.001)
    assert value(truth, "lanzhou", "rd_expenditure", "2021Q4") / lanzhou_gdp * 100 == pytest.approx(3.2, abs=0.01)
    patents_per_10k = value(truth, "lanzhou", "invention_patents_owned", "2021Q4") / value(truth, "lanzhou", "employees", "2021Q4") * 10_000
    assert patents_per_10k == pytest.approx(49, abs=0.5)
    assert value(truth, "lanzhou", "high_tech_enterprises", "2021Q4") == 410

    assert value(truth, "dalian", "high_tech_enterprises", "2021Q4") > 1000
    assert value(truth, "dalian", "tech_contract_turnover", "2021Q4") == pytest.approx(145, abs=0.001)
    assert value(truth, "dalian", "invention_patents_owned", "2021Q4") == 8000

    assert value(truth, "quzhou", "industrial_output", "2020Q4") == pytest.approx(976.7, abs=0.001)
    assert value(truth, "quzhou", "industrial_output", "2021Q4") == pytest.approx(1340, abs=0.001)


def test_park_sizes_are_heavy_tailed_with_the_known_giants_on_top(truth):
    gdp = truth[(truth.indicator_code == "gdp") & (truth.quarter == "2021Q4")].set_index("park_id").value_ytd.sort_values(ascending=False)
    assert gdp.head(10).sum() / gdp.sum() > 0.25  # ten of 169 parks make over a quarter of the total
    assert gdp.mean() > 1.5 * gdp.median()
    assert {"beijing_zgc", "shanghai_zhangjiang", "shenzhen", "guangzhou", "wuhan_donghu"} <= set(gdp.head(12).index)


def test_year_to_date_flows_never_fall_within_a_year(truth):
    flows = truth[truth.indicator_code.isin(FLOWS)].sort_values(["park_id", "indicator_code", "year", "quarter_num"])
    steps = flows.groupby(["park_id", "indicator_code", "year"]).value_ytd.diff().dropna()
    assert len(steps) > 40_000
    assert (steps >= 0).all()


def test_stocks_grow_smoothly_quarter_on_quarter(truth):
    stocks = truth[truth.indicator_code.isin(STOCKS)].sort_values(["park_id", "indicator_code", "year", "quarter_num"])
    change = stocks.groupby(["park_id", "indicator_code"]).value_ytd.diff().dropna()
    assert (change >= 0).all()
    employees = stocks[stocks.indicator_code == "employees"]
    growth = employees.groupby("park_id").value_ytd.pct_change().dropna()
    assert growth.max() < 0.03  # no jumps: a few percent a year, under 3% in any quarter


def single_quarters(truth, code):
    """National single-quarter values, each park's YTD minus its own previous YTD of the same year."""
    rows = truth[truth.indicator_code == code].sort_values(["park_id", "year", "quarter_num"])
    rows = rows.assign(single=rows.groupby(["park_id", "year"]).value_ytd.diff().fillna(rows.value_ytd))
    return rows.groupby(["year", "quarter_num"]).single.sum()


def test_fourth_quarter_is_the_largest_single_quarter_every_year(truth):
    singles = single_quarters(truth, "gdp")
    for year in range(2019, 2026):
        quarters = singles.loc[year]
        assert quarters.idxmax() == 4, year


def test_2020q1_fell_sharply_and_2020_recovered(truth):
    singles = single_quarters(truth, "gdp")
    yoy_2020q1 = singles.loc[(2020, 1)] / singles.loc[(2019, 1)] - 1
    assert -0.15 <= yoy_2020q1 <= -0.10
    assert singles.loc[(2020, 4)] / singles.loc[(2019, 4)] - 1 > 0.05


def test_components_are_consistent_with_their_wholes(truth):
    wide = truth[truth.quarter == "2021Q4"].pivot(index="park_id", columns="indicator_code", values="value_ytd")
    assert (wide.industrial_value_added < wide.industrial_output).all()
    assert (wide.net_profit < wide.revenue).all()
    ratio = wide.industrial_value_added.sum() / wide.industrial_output.sum()
    assert 0.25 <= ratio <= 0.30
    assert 0.06 <= wide.net_profit.sum() / wide.revenue.sum() <= 0.08
    assert 0.04 <= wide.taxes_paid.sum() / wide.revenue.sum() <= 0.05
    assert 0.10 <= wide.exports.sum() / wide.revenue.dropna().sum() <= 0.20
    assert 0.3 <= wide.energy_consumption.sum() / wide.gdp.sum() <= 0.5  # 万吨 / 亿元 = 吨 / 万元
    assert 2 <= (wide.rd_expenditure / wide.gdp * 100).median() <= 6


def test_the_truth_does_not_depend_on_the_range_asked_for(truth):
    small = synthetic_truth(2024, *SMALL)
    full = truth[truth.quarter.isin(small.quarter.unique())].reset_index(drop=True)
    pd.testing.assert_frame_equal(small.reset_index(drop=True), full)


def test_quarters_outside_the_model_span_are_refused():
    with pytest.raises(NhtzError, match="2019Q1–2030Q4"):
        synthetic_truth(2024, "2018Q4", "2019Q2")
    with pytest.raises(NhtzError, match="YYYYQn"):
        synthetic_truth(2024, "2019-1", "2019Q2")


# --- the files: an independent little reader ------------------------------------------------------------------

def read_table(path: Path, entry: dict) -> list[list]:
    if entry["format"] == "xlsx":
        return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(entry["sheet"]).to_python()
    return list(csv.reader(io.StringIO(path.read_bytes().decode(entry["encoding"]))))


def fold(text) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text)).split())


def as_number(cell) -> float | None:
    if isinstance(cell, (int, float)):
        return float(cell)
    text = fold(cell).replace(",", "")
    return None if text in ("", "-", "—") else float(text)


@pytest.fixture(scope="module")
def seeds():
    indicators = pd.read_csv(SEEDS_DIR / "indicators.csv", dtype=str, keep_default_na=False)
    spelling = {}
    for row in indicators.itertuples():
        for name in [row.indicator_code, row.name_zh, *row.header_spellings.split("|")]:
            spelling[fold(name).casefold()] = row.indicator_code
    parks = pd.read_csv(SEEDS_DIR / "park_registry.csv", dtype=str, keep_default_na=False)
    park_of = {}
    for row in parks.itertuples():
        for name in [row.park_name, row.short_name, *row.aliases.split("|")]:
            park_of.setdefault(fold(name), set()).add(row.park_id)
    factors = pd.read_csv(SEEDS_DIR / "unit_conversions.csv", dtype={"factor": str})
    return {
        "spelling": spelling,
        "park_of": park_of,
        "official": dict(zip(parks.park_id, parks.park_name)),
        "mart_unit": dict(zip(indicators.indicator_code, indicators.unit)),
        "factor": {u: float(f) for u, f in zip(factors.unit, factors.factor)},
    }


def read_values(path: Path, entry: dict, seeds: dict) -> list[tuple[int, str, str, float | None, str]]:
    """(row number, park name, indicator, value in mart units or None, raw cell) for every figure in a file."""
    rows = read_table(path, entry)
    header_at = entry["header_row"] - 1
    header = [fold(h) for h in rows[header_at]]
    out = []
    for offset, row in enumerate(rows[header_at + 1:]):
        number = entry["header_row"] + 1 + offset
        if entry["layout"] == "long":
            cells = [(row[2], row[3], row[4])]
        else:
            cells = [(h, c, None) for h, c in zip(header[2:], row[2:])]
        for label, cell, unit in cells:
            match = re.match(r"^(.*?)\(([^()]*)\)$", fold(label))
            name, header_unit = (match.group(1), match.group(2)) if match else (fold(label), None)
            code = seeds["spelling"][name.casefold()]
            unit = fold(unit) if unit is not None else header_unit or seeds["mart_unit"][code]
            try:
                figure = as_number(cell)
            except ValueError:
                out.append((number, fold(row[0]), code, None, str(cell)))
                continue
            out.append((number, fold(row[0]), code, None if figure is None else figure * seeds["factor"][unit], str(cell)))
    return out


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    out = tmp_path_factory.mktemp("messy")
    result = write_submissions(out, start=SMALL[0], end=SMALL[1], seed=2024)
    manifest = json.loads((out / "_manifest.json").read_text(encoding="utf-8"))
    return out, result, manifest


def file_hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_same_seed_writes_byte_identical_files_and_another_seed_does_not(tmp_path):
    write_submissions(tmp_path / "a", start="2022Q3", end="2023Q2", seed=7)
    write_submissions(tmp_path / "b", start="2022Q3", end="2023Q2", seed=7)
    write_submissions(tmp_path / "c", start="2022Q3", end="2023Q2", seed=8)
    a, b, c = file_hashes(tmp_path / "a"), file_hashes(tmp_path / "b"), file_hashes(tmp_path / "c")
    assert len(a) > 30
    assert a == b
    assert any(name.endswith(".xlsx") for name in a)
    shared = set(a) & set(c)
    assert not {a[name] for name in shared if not name.startswith("_")} & {c[name] for name in shared}


def test_every_file_is_in_the_manifest_and_reads_as_the_format_it_claims(messy):
    out, result, manifest = messy
    listed = {entry["path"] for entry in manifest["files"]}
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and not p.name.startswith("_")}
    assert listed == on_disk
    assert {p.relative_to(out).as_posix() for p in result.files} == on_disk
    assert {entry["format"] for entry in manifest["files"]} == {"xlsx", "csv"}
    assert {entry["encoding"] for entry in manifest["files"] if entry["format"] == "csv"} == {"utf-8", "utf-8-sig", "gbk"}
    assert {entry["layout"] for entry in manifest["files"]} == {"wide", "long"}
    assert {entry["language"] for entry in manifest["files"]} == {"zh", "en"}
    assert {entry["title_rows"] for entry in manifest["files"]} == {0, 1, 2}
    for entry in manifest["files"]:
        data = (out / entry["path"]).read_bytes()
        if entry["format"] == "xlsx":
            rows = CalamineWorkbook.from_path(str(out / entry["path"])).get_sheet_by_name(entry["sheet"]).to_python()
            assert len(rows) == entry["header_row"] + entry["data_rows"]
        elif entry["encoding"] == "gbk":
            data.decode("gb18030")
            with pytest.raises(UnicodeDecodeError):
                data.decode("utf-8")
        elif entry["encoding"] == "utf-8-sig":
            assert data.startswith(b"\xef\xbb\xbf")
        else:
            assert not data.startswith(b"\xef\xbb\xbf")
            data.decode("utf-8")


def test_files_hold_the_truth_except_where_the_manifest_says_otherwise(messy, seeds):
    out, _, manifest = messy
    truth = synthetic_truth(2024, *SMALL).set_index(["park_id", "quarter", "indicator_code"]).value_ytd
    unknown_rows = {(a["file"], a["row"]) for a in manifest["anomalies"] if a["kind"] == "unknown_park"}
    wrong = {(a["file"], a["row"], a["indicator"]) for a in manifest["anomalies"] if a["kind"] != "unknown_park"}
    wrong |= {(r["file"], r["row"], r["indicator"]) for s in manifest["resubmissions"] for r in s["replaces"]}
    checked, seen_wrong = 0, set()
    for entry in manifest["files"]:
        for row, name, code, figure, raw in read_values(out / entry["path"], entry, seeds):
            if (entry["path"], row) in unknown_rows:
                assert name not in seeds["park_of"]
                continue
            (park_id,) = seeds["park_of"][name]
            key = (park_id, entry["period"], code)
            if (entry["path"], row, code) in wrong:
                seen_wrong.add((entry["path"], row, code))
                assert figure is None or figure != pytest.approx(truth[key], rel=1e-9)
            elif figure is None:
                assert key not in truth.index, (entry["path"], row, code, raw)
            else:
                assert figure == pytest.approx(truth[key], rel=1e-9, abs=1e-9), (entry["path"], row, code, raw)
                checked += 1
    assert seen_wrong == wrong
    assert checked > 20_000


def test_manifest_lists_each_kind_of_anomaly_with_its_row(messy, seeds):
    out, result, manifest = messy
    kinds = {a["kind"] for a in manifest["anomalies"]}
    assert kinds == {"unknown_park", "text_in_number", "negative_value", "falling_ytd"}
    assert result.anomalies == len(manifest["anomalies"])
    entries = {entry["path"]: entry for entry in manifest["files"]}
    for anomaly in manifest["anomalies"]:
        row = read_table(out / anomaly["file"], entries[anomaly["file"]])[anomaly["row"] - 1]
        if anomaly["kind"] == "unknown_park":
            assert fold(row[0]) == anomaly["name"] and anomaly["name"] not in seeds["park_of"]
            assert anomaly["corrected_by"] is None
        else:
            assert seeds["park_of"][fold(row[0])] == {anomaly["park_id"]}
        if anomaly["kind"] == "text_in_number":
            assert anomaly["written"] in row
        if anomaly["kind"] == "negative_value":
            assert anomaly["indicator"] == "revenue" and anomaly["written"] == -anomaly["true_value"]
        if anomaly["kind"] == "falling_ytd":
            assert anomaly["lands"] and anomaly["corrected_by"] is None
            year, q = anomaly["period"].split("Q")
            previous = synthetic_truth(2024, f"{year}Q{int(q) - 1}", f"{year}Q{int(q) - 1}")
            before = previous[(previous.park_id == anomaly["park_id"]) & (previous.indicator_code == anomaly["indicator"])].value_ytd.iloc[0]
            assert anomaly["written"] < before
        if anomaly["kind"] in ("text_in_number", "negative_value"):
            # corrected by a resubmission that lands later in sorted order
            assert anomaly["corrected_by"] > anomaly["file"]


def test_resubmissions_sort_after_what_they_replace_and_late_reports_skip_their_quarter(messy, seeds):
    out, result, manifest = messy
    assert len(manifest["resubmissions"]) >= 8
    assert result.resubmissions == len(manifest["resubmissions"])
    for resubmission in manifest["resubmissions"]:
        assert Path(resubmission["file"]).name.startswith("zz_resubmission_")
        assert resubmission["replaces"]
        assert all(resubmission["file"] > replaced["file"] for replaced in resubmission["replaces"])
    entries = {entry["path"]: entry for entry in manifest["files"]}
    assert manifest["late"]
    for late in manifest["late"]:
        folder = late["file"].split("/")[0]
        assert folder > late["period"]  # it arrives in a later quarter's folder …
        assert entries[late["file"]]["period"] == late["period"]  # … labelled with its own period
        own_quarter = [e for e in manifest["files"] if e["path"].startswith(late["period"] + "/") and e["kind"] == "batch"]
        assert all(late["park_id"] not in e["parks"] for e in own_quarter)


def test_period_labels_take_every_form(messy):
    _, _, manifest = messy
    labels = {entry["period_label"] for entry in manifest["files"]}
    forms = {
        "YYYYQn": r"^\d{4}Q[1-4]$", "YYYY-MM": r"^\d{4}-\d{2}$", "M月": r"^\d{4}年\d{1,2}月$", "1-M月": r"^\d{4}年1-\d{1,2}月$",
        "named": r"^\d{4}年(一季度|上半年|前三季度)?$", "full-width": r"[０-９]",
    }
    for form, pattern in forms.items():
        assert any(re.search(pattern, label) for label in labels), form


def test_tidy_files_are_one_wide_utf8_csv_per_quarter_in_mart_units(tmp_path, seeds):
    result = write_submissions(tmp_path, start="2022Q3", end="2022Q4", seed=2024, clean=True)
    manifest = json.loads((tmp_path / "_manifest.json").read_text(encoding="utf-8"))
    assert [p.relative_to(tmp_path).as_posix() for p in result.files] == [
        "2022Q3/国家高新区主要经济指标_2022Q3.csv", "2022Q4/国家高新区主要经济指标_2022Q4.csv"]
    assert manifest["anomalies"] == [] and manifest["resubmissions"] == [] and manifest["late"] == []
    with (tmp_path / "2022Q4/国家高新区主要经济指标_2022Q4.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:4] == ["园区名称", "统计期", "园区生产总值(亿元)", "营业收入(亿元)"]
    assert len(rows) == 1 + 177
    assert {r[1] for r in rows[1:]} == {"2022Q4"}
    assert {r[0] for r in rows[1:]} <= set(seeds["official"].values())
    donghu = next(r for r in rows if r[0] == "武汉东湖新技术开发区")
    truth = synthetic_truth(2024, "2022Q4", "2022Q4")
    expected = truth[(truth.park_id == "wuhan_donghu") & (truth.indicator_code == "revenue")].value_ytd.iloc[0]
    assert float(donghu[3]) == expected
    assert sum(float(r[2]) for r in rows[1:]) == pytest.approx(truth[truth.indicator_code == "gdp"].value_ytd.sum(), abs=1e-6)


def test_writing_again_replaces_the_previous_set_and_a_foreign_folder_is_refused(tmp_path):
    write_submissions(tmp_path / "set", start="2022Q1", end="2022Q4", clean=True)
    write_submissions(tmp_path / "set", start="2022Q4", end="2022Q4", clean=True)
    assert sorted(p.name for p in (tmp_path / "set").iterdir()) == ["2022Q4", "_manifest.json"]
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(NhtzError, match="not empty"):
        write_submissions(tmp_path / "mine", start="2022Q4", end="2022Q4")
    assert (tmp_path / "mine" / "notes.txt").read_text(encoding="utf-8") == "keep me"
    with pytest.raises(NhtzError, match="is a file"):
        write_submissions(tmp_path / "mine" / "notes.txt", start="2022Q4", end="2022Q4")


def test_cli_writes_tidy_files_and_reports_bad_quarters_in_one_line(tmp_path):
    runner = CliRunner()
    done = runner.invoke(app, ["synth", "--out", str(tmp_path / "o"), "--from", "2023Q1", "--to", "2023Q2", "--clean"])
    assert done.exit_code == 0, done.output
    assert "wrote 2 tidy submission files" in done.output and "178 parks × 2 quarters" in done.output
    refused = runner.invoke(app, ["synth", "--out", str(tmp_path / "p"), "--from", "2023Q3", "--to", "2023Q1"])
    assert refused.exit_code == 1
    assert "comes after" in refused.output and "Traceback" not in refused.output


def test_full_default_set(tmp_path):
    lines = []
    result = write_submissions(tmp_path, say=lines.append)
    manifest = json.loads((tmp_path / "_manifest.json").read_text(encoding="utf-8"))
    assert result.n_quarters == 31 and len(lines) == 31 and lines[0].startswith("2019Q1:")
    assert 200 <= len(result.files) <= 400
    reported = {}
    for entry in manifest["files"]:
        if entry["kind"] in ("batch", "late"):
            reported.setdefault(entry["period"], set()).update(entry["parks"])
    assert len(reported["2019Q1"]) == 169 and len(reported["2021Q4"]) == 169
    assert len(reported["2022Q3"]) == 173 and len(reported["2022Q4"]) == 177 and len(reported["2026Q3"]) == 178
    assert result.n_parks == 178
    assert 10 <= result.anomalies <= 40
