"""Synthetic submissions: calibration against the published figures, the shape of the truth, and files that
say what the manifest says they say. Expected numbers are the published figures (docs/synthetic_data.md)
or read back from the files with an independent little reader here, never taken from the generator itself."""

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
# Zones that became national in the 2022–2023 batches: new zones in small and middling cities.
NEW_ZONES = ["chuzhou", "anqing", "xinyang", "xuchang", "ningxiang", "zunyi", "lasa", "kelamayi", "akesu_alaer"]


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


def panel(truth, code):
    """parks × quarters of one indicator's value_ytd."""
    return truth[truth.indicator_code == code].pivot(index="park_id", columns="quarter", values="value_ytd")


def single_quarter_panel(truth, code):
    """parks × quarters of single-quarter values: each park's YTD minus its own previous YTD of the same year."""
    rows = truth[truth.indicator_code == code].sort_values(["park_id", "year", "quarter_num"])
    rows = rows.assign(single=rows.groupby(["park_id", "year"]).value_ytd.diff().fillna(rows.value_ytd))
    return rows.pivot(index="park_id", columns="quarter", values="single")


def like_for_like_growth(values, quarter, base):
    """Σ this year / Σ last year − 1, in %, over the parks with a value in both."""
    both = values[[base, quarter]].dropna()
    return (both[quarter].sum() / both[base].sum() - 1) * 100


@pytest.mark.parametrize(
    "quarter, published_gdp, parks",
    [("2019Q4", 122_000, 169), ("2021Q4", 153_000, 169), ("2022Q4", 173_000, 177)],
)
def test_national_gdp_is_within_two_percent_of_the_published_figure(truth, quarter, published_gdp, parks):
    total, n_parks = national(truth, "gdp", quarter)
    assert n_parks == parks
    assert abs(total / published_gdp - 1) < 0.02


def test_2023_first_three_quarters_match_the_published_totals(truth):
    gdp_2023, n_2023 = national(truth, "gdp", "2023Q3")
    revenue_2023, _ = national(truth, "revenue", "2023Q3")
    output_2023, _ = national(truth, "industrial_output", "2023Q3")
    assert n_2023 == 178
    assert abs(gdp_2023 / 123_300 - 1) < 0.02
    assert abs(revenue_2023 / 376_600 - 1) < 0.02
    assert abs(output_2023 / 234_900 - 1) < 0.02
    # +7.11% nominal like for like: the parks that reported in both 2022Q3 and 2023Q3
    assert 6.1 < like_for_like_growth(panel(truth, "gdp"), "2023Q3", "2022Q3") < 8.1


def test_2021_revenue_rd_and_high_tech_enterprises_match_the_published_totals(truth):
    assert abs(national(truth, "revenue", "2021Q4")[0] / 495_000 - 1) < 0.02
    rd = national(truth, "rd_expenditure", "2021Q4")[0]
    assert 10_000 < rd < 12_000  # "above 1万亿, about 1.1"
    assert abs(national(truth, "high_tech_enterprises", "2021Q4")[0] / 115_000 - 1) < 0.02


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
    gdp = panel(truth, "gdp")["2021Q4"].dropna().sort_values(ascending=False)
    assert gdp.head(10).sum() / gdp.sum() > 0.25  # ten of 169 parks make over a quarter of the total
    assert gdp.mean() > 1.5 * gdp.median()
    assert {"beijing_zgc", "shanghai_zhangjiang", "shenzhen", "guangzhou", "suzhou_sip", "wuhan_donghu"} <= set(gdp.head(10).index)


def test_new_zones_are_sized_like_new_zones(truth):
    gdp = panel(truth, "gdp")
    # 拉萨's whole city made about 740亿 in 2021, 遵义's zone is one of many in a 4 000亿 city
    assert gdp.loc["lasa", "2022Q4"] < 300 and gdp.loc["zunyi", "2022Q4"] < 300
    assert (gdp.loc[NEW_ZONES, "2023Q4"] < 300).all()
    assert (gdp.loc[NEW_ZONES, "2023Q4"] > 10).all()
    # the 2018 upgrades are small too, and the first zones of 1988–1992 much bigger than either
    parks = pd.read_csv(SEEDS_DIR / "park_registry.csv").set_index("park_id")
    gdp_2021 = gdp["2021Q4"].dropna()
    wave = parks.loc[gdp_2021.index, "approved_year"]
    assert gdp_2021[wave == 2018].max() < 500
    assert gdp_2021[wave <= 1992].median() > 4 * gdp_2021[wave >= 2015].median()
    # the new zones together are well under 1% of the 2022 total
    assert gdp.loc[NEW_ZONES, "2022Q4"].sum() / gdp["2022Q4"].sum() < 0.01


def test_the_city_classes_name_cities_of_the_registry():
    from nhtz.synth import calibration as cal

    cities = set(pd.read_csv(SEEDS_DIR / "park_registry.csv").city)
    assert cal.BIG_CITIES <= cities and cal.SMALL_CITIES <= cities  # a misspelt city would silently size nothing
    assert not cal.BIG_CITIES & cal.SMALL_CITIES


def test_growth_differs_across_parks_and_quarters(truth):
    gdp = panel(truth, "gdp")
    for quarter in ("2022Q1", "2022Q2", "2022Q3", "2022Q4"):
        both = gdp[[f"2021{quarter[4:]}", quarter]].dropna()
        park_growth = (both[quarter] / both.iloc[:, 0] - 1) * 100
        assert len(park_growth) == 169
        assert park_growth.std() > 1.0, quarter  # percentage points across parks
    year_to_date = [like_for_like_growth(gdp, f"2022Q{q}", f"2021Q{q}") for q in range(1, 5)]
    assert max(year_to_date) - min(year_to_date) > 0.1
    singles = single_quarter_panel(truth, "gdp")
    single = [like_for_like_growth(singles, f"2022Q{q}", f"2021Q{q}") for q in range(1, 5)]
    assert max(single) - min(single) > 0.1
    # not every park grows: some fall on the year before in 2022–2023 (a rebound year like 2021Q1 aside)
    falling = [(gdp[q] < gdp[f"{int(q[:4]) - 1}{q[4:]}"]).sum() for q in ("2022Q4", "2023Q1", "2023Q2", "2023Q3", "2023Q4")]
    assert sum(falling) > 0
    # 2020Q1: most parks fell, Hubei's (Wuhan's lockdown) hardest, but not every park by the same amount
    fall_2020q1 = singles["2020Q1"] / singles["2019Q1"] - 1
    assert (fall_2020q1 < 0).mean() > 0.5
    assert fall_2020q1["wuhan_donghu"] < fall_2020q1.median() - 0.1


def test_year_to_date_of_flows_that_cannot_be_negative_never_falls_within_a_year(truth):
    indicators = pd.read_csv(SEEDS_DIR / "indicators.csv", dtype=str)
    never_negative = indicators[(indicators.kind == "flow") & (indicators.can_be_negative == "false")].indicator_code
    assert set(never_negative) == set(FLOWS) - {"net_profit"}
    flows = truth[truth.indicator_code.isin(never_negative)].sort_values(["park_id", "indicator_code", "year", "quarter_num"])
    steps = flows.groupby(["park_id", "indicator_code", "year"]).value_ytd.diff().dropna()
    assert len(steps) > 35_000
    assert (steps >= 0).all()
    assert (flows.value_ytd >= 0).all()


def test_some_parks_make_losses(truth):
    profit = panel(truth, "net_profit")
    negative = (profit < 0).sum().sum()
    assert 0.003 * profit.count().sum() < negative < 0.1 * profit.count().sum()  # some, not many park-quarters
    parks_with_a_loss = (profit < 0).any(axis=1).sum()
    assert 3 <= parks_with_a_loss <= 0.2 * len(profit)  # a few loss-makers and bad quarters, not a loss-making zone system
    assert 0.06 <= national(truth, "net_profit", "2021Q4")[0] / national(truth, "revenue", "2021Q4")[0] <= 0.08


def test_some_stocks_fall_but_the_totals_grow(truth):
    stocks = truth[truth.indicator_code.isin(STOCKS)].sort_values(["park_id", "indicator_code", "year", "quarter_num"])
    change = stocks.assign(step=stocks.groupby(["park_id", "indicator_code"]).value_ytd.pct_change()).dropna(subset=["step"])
    falls = change.groupby("indicator_code").step.apply(lambda s: (s < 0).mean())
    for code in ("employees", "high_tech_enterprises", "tech_smes", "gazelle_enterprises", "incubators"):
        assert 0.01 < falls[code] < 0.3, code  # some quarters fall, most grow
    employees = change[change.indicator_code == "employees"].step
    assert employees.abs().max() < 0.06  # no jumps: a few percent a year, never 6% in one quarter
    for code in STOCKS:
        assert national(truth, code, "2025Q4")[0] > national(truth, code, "2021Q4")[0], code


def test_fourth_quarter_is_the_largest_single_quarter_every_year(truth):
    singles = single_quarter_panel(truth, "gdp").sum()
    for year in range(2019, 2027):
        quarters = {q: singles.get(f"{year}Q{q}") for q in range(1, 5) if f"{year}Q{q}" in singles}
        if len(quarters) == 4:
            assert max(quarters, key=quarters.get) == 4, year


def test_2020q1_fell_sharply_and_2020_recovered(truth):
    singles = single_quarter_panel(truth, "gdp").sum()
    yoy_2020q1 = singles["2020Q1"] / singles["2019Q1"] - 1
    assert -0.15 <= yoy_2020q1 <= -0.10
    assert singles["2020Q4"] / singles["2019Q4"] - 1 > 0.05


def error_rule_violations(values: pd.DataFrame) -> set[tuple[str, str, str, str]]:
    """The error rules of seeds/audit_rules.csv applied to tidy values (park_id, quarter, year, quarter_num,
    indicator_code, value_ytd), written here from the rules' descriptions: (rule, park, quarter, indicator)."""
    rules = pd.read_csv(SEEDS_DIR / "audit_rules.csv").set_index("rule_id")
    indicators = pd.read_csv(SEEDS_DIR / "indicators.csv", dtype=str)
    never_negative = set(indicators[(indicators.kind == "flow") & (indicators.can_be_negative == "false")].indicator_code)
    found = set()
    flows = values[values.indicator_code.isin(never_negative)].sort_values(["park_id", "indicator_code", "year", "quarter_num"])
    previous = flows.groupby(["park_id", "indicator_code", "year"]).value_ytd.shift()
    falling = flows[previous - flows.value_ytd > rules.loc["R01", "tolerance"] * previous.abs()]
    found |= {("R01", p, q, c) for p, q, c in zip(falling.park_id, falling.quarter, falling.indicator_code)}
    wide = values.pivot_table(index=["park_id", "quarter"], columns="indicator_code", values="value_ytd")
    for rule in ("R02", "R03"):
        part, whole = rules.loc[rule, "indicator_code"], rules.loc[rule, "related_indicator_code"]
        over = wide[wide[part] - wide[whole] > rules.loc[rule, "tolerance"] * wide[whole].abs()]
        found |= {(rule, p, q, part) for p, q in over.index}
    intensity = wide.rd_expenditure / wide.gdp * 100
    found |= {("R04", p, q, "rd_intensity") for p, q in intensity[intensity > rules.loc["R04", "threshold"]].index}
    # R09: above the indicator's plausibility ceiling; R10: 1 000 times above or below the park's own nearest
    # earlier value, both positive, for indicators that cannot be negative
    ceiling = values.indicator_code.map(indicators.set_index("indicator_code").plausibility_ceiling.astype(float))
    over = values[values.value_ytd.abs() > ceiling]
    found |= {("R09", p, q, c) for p, q, c in zip(over.park_id, over.quarter, over.indicator_code)}
    may_be_negative = set(indicators[indicators.can_be_negative == "true"].indicator_code)
    ordered = values[~values.indicator_code.isin(may_be_negative)].sort_values(["park_id", "indicator_code", "year", "quarter_num"])
    earlier = ordered.groupby(["park_id", "indicator_code"]).value_ytd.shift()
    ratio = ordered.value_ytd / earlier
    both_positive = (ordered.value_ytd > 0) & (earlier > 0)
    threshold = rules.loc["R10", "threshold"]
    jumps = ordered[both_positive & ((ratio >= threshold) | (ratio <= 1 / threshold))]
    found |= {("R10", p, q, c) for p, q, c in zip(jumps.park_id, jumps.quarter, jumps.indicator_code)}
    return found


def test_the_truth_breaks_no_error_rule(truth):
    assert error_rule_violations(truth) == set()
    wide = truth[truth.quarter.isin(["2019Q1", "2021Q4", "2024Q3"])].pivot_table(
        index=["park_id", "quarter"], columns="indicator_code", values="value_ytd")
    assert (wide.industrial_value_added < wide.industrial_output).all()
    assert (wide.net_profit < wide.revenue).all()


def test_components_are_consistent_with_their_wholes(truth):
    wide = truth[truth.quarter == "2021Q4"].pivot(index="park_id", columns="indicator_code", values="value_ytd")
    ratio = wide.industrial_value_added.sum() / wide.industrial_output.sum()
    assert 0.25 <= ratio <= 0.30
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


def as_landed(truth: pd.DataFrame, manifest: dict) -> pd.DataFrame:
    """The current values after landing every file: the truth, with the anomalies that land in place of the true value."""
    landing = {(a["park_id"], a["period"], a["indicator"]): a["written"] for a in manifest["anomalies"] if a["lands"]}
    keys = zip(truth.park_id, truth.quarter, truth.indicator_code)
    return truth.assign(value_ytd=[landing.get(key, v) for key, v in zip(keys, truth.value_ytd)])


def test_the_falling_year_to_date_values_are_the_only_error_rule_violations_once_landed(messy):
    _, _, manifest = messy
    landing = [a for a in manifest["anomalies"] if a["lands"]]
    assert landing and {a["kind"] for a in landing} == {"falling_ytd"}
    landed = as_landed(synthetic_truth(2024, *SMALL), manifest)
    assert error_rule_violations(landed) == {("R01", a["park_id"], a["period"], a["indicator"]) for a in landing}


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
    landing = [a for a in manifest["anomalies"] if a["lands"]]
    assert len(landing) == 4
    landed = as_landed(synthetic_truth(2024, "2019Q1", "2026Q3"), manifest)
    assert error_rule_violations(landed) == {("R01", a["park_id"], a["period"], a["indicator"]) for a in landing}
