"""Generated against published, and the shape of the truth: the tables of docs/synthetic_data.md
(`python -m nhtz.synth.comparison [SEED]`)."""

import sys

import pandas as pd

from nhtz.synth import calibration as cal
from nhtz.synth.reference import load_base_indicators
from nhtz.synth.truth import synthetic_truth


def _total(truth: pd.DataFrame, code: str, quarter: str) -> tuple[float, int]:
    rows = truth[(truth.indicator_code == code) & (truth.quarter == quarter)]
    return float(rows.value_ytd.sum()), int(rows.park_id.nunique())


def _park(truth: pd.DataFrame, park_id: str, code: str, quarter: str) -> float:
    rows = truth[(truth.park_id == park_id) & (truth.indicator_code == code) & (truth.quarter == quarter)]
    return float(rows.value_ytd.iloc[0])


def published_comparison(seed: int = 2024) -> pd.DataFrame:
    """One row per published figure: what it is, the published value, the generated value, the difference in %."""
    truth = synthetic_truth(seed, "2019Q1", "2026Q3")
    p = cal.PUBLISHED
    rows = []

    def add(figure, unit, published, generated, parks=None):
        rows.append({"figure": figure, "unit": unit, "published": published, "generated": round(generated, 2),
                     "difference_pct": round((generated / published - 1) * 100, 2), "parks": parks})

    for label, code, quarter, key in [
        ("zone GDP 2019", "gdp", "2019Q4", "gdp_2019"),
        ("zone GDP 2021", "gdp", "2021Q4", "gdp_2021"),
        ("zone GDP 2022", "gdp", "2022Q4", "gdp_2022"),
        ("zone GDP 2023 Q1–Q3", "gdp", "2023Q3", "gdp_2023_q1_q3"),
        ("revenue 2021", "revenue", "2021Q4", "revenue_2021"),
        ("revenue 2023 Q1–Q3", "revenue", "2023Q3", "revenue_2023_q1_q3"),
        ("industrial output 2023 Q1–Q3", "industrial_output", "2023Q3", "industrial_output_2023_q1_q3"),
        ("R&D expenditure 2021", "rd_expenditure", "2021Q4", "rd_expenditure_2021"),
        ("high-tech enterprises end 2021", "high_tech_enterprises", "2021Q4", "high_tech_enterprises_2021"),
    ]:
        total, parks = _total(truth, code, quarter)
        add(label, "家" if code == "high_tech_enterprises" else "亿元", p[key], total, parks)
    add("GDP growth 2023 Q1–Q3, like for like", "%", p["gdp_2023_q1_q3_growth_pct"],
        _growth(_year_to_date(truth, "gdp"), "2023Q3")[0])
    donghu = _park(truth, "wuhan_donghu", "gdp", "2021Q4")
    add("武汉东湖 GDP 2021", "亿元", 2401.0, donghu)
    add("武汉东湖 GDP growth 2021", "%", 16.8, (donghu / _park(truth, "wuhan_donghu", "gdp", "2020Q4") - 1) * 100)
    lanzhou_gdp = _park(truth, "lanzhou", "gdp", "2021Q4")
    add("兰州 GDP 2021", "亿元", 350.4, lanzhou_gdp)
    add("兰州 R&D / GDP 2021", "%", 3.2, _park(truth, "lanzhou", "rd_expenditure", "2021Q4") / lanzhou_gdp * 100)
    add("兰州 invention patents per 10 000 employees", "件/万人", 49.0,
        _park(truth, "lanzhou", "invention_patents_owned", "2021Q4") / _park(truth, "lanzhou", "employees", "2021Q4") * 10_000)
    add("兰州 high-tech enterprises", "家", 410, _park(truth, "lanzhou", "high_tech_enterprises", "2021Q4"))
    add("大连 high-tech enterprises (more than)", "家", 1000, _park(truth, "dalian", "high_tech_enterprises", "2021Q4"))
    add("大连 technology contracts 2021", "亿元", 145.0, _park(truth, "dalian", "tech_contract_turnover", "2021Q4"))
    add("大连 invention patents owned", "件", 8000, _park(truth, "dalian", "invention_patents_owned", "2021Q4"))
    add("衢州 industrial output 2020", "亿元", 976.7, _park(truth, "quzhou", "industrial_output", "2020Q4"))
    add("衢州 industrial output 2021", "亿元", 1340.0, _park(truth, "quzhou", "industrial_output", "2021Q4"))
    table = pd.DataFrame(rows)
    table["parks"] = table["parks"].astype("Int64")
    return table


def _year_to_date(truth: pd.DataFrame, code: str) -> pd.DataFrame:
    """parks × quarters of value_ytd."""
    return truth[truth.indicator_code == code].pivot(index="park_id", columns="quarter", values="value_ytd")


def _single_quarters(truth: pd.DataFrame, code: str) -> pd.DataFrame:
    """parks × quarters of single-quarter values (YTD minus the park's previous YTD of the same year)."""
    rows = truth[truth.indicator_code == code].sort_values(["park_id", "year", "quarter_num"])
    rows = rows.assign(single=rows.groupby(["park_id", "year"]).value_ytd.diff().fillna(rows.value_ytd))
    return rows.pivot(index="park_id", columns="quarter", values="single")


def _growth(values: pd.DataFrame, quarter: str) -> tuple[float, float, int, int]:
    """Like-for-like growth on the same quarter a year earlier (%), its spread across parks (sd, points), parks that
    fell, parks compared."""
    base = f"{int(quarter[:4]) - 1}{quarter[4:]}"
    both = values[[base, quarter]].dropna()
    by_park = (both[quarter] / both[base] - 1) * 100
    return (both[quarter].sum() / both[base].sum() - 1) * 100, by_park.std(), int((by_park < 0).sum()), len(both)


def truth_profile(seed: int = 2024, years: range = range(2019, 2026)) -> pd.DataFrame:
    """One row per year: GDP, quarter shares, single-quarter and year-to-date growth like for like with their spread
    across parks, parks falling, park-quarters with a loss, and how often stocks fall from one quarter to the next."""
    truth = synthetic_truth(seed, "2019Q1", f"{years[-1]}Q4")
    ytd = _year_to_date(truth, "gdp")
    single = _single_quarters(truth, "gdp")
    profit = truth[truth.indicator_code == "net_profit"]
    indicators = load_base_indicators()
    stocks = truth[truth.indicator_code.isin(indicators.indicator_code[indicators.kind == "stock"])]
    stocks = stocks.sort_values(["park_id", "indicator_code", "year", "quarter_num"])
    stocks = stocks.assign(step=stocks.groupby(["park_id", "indicator_code"]).value_ytd.diff())
    rows = []
    for year in years:
        quarters = [f"{year}Q{q}" for q in range(1, 5)]
        total = single[quarters].sum()
        row = {"year": str(year), "gdp_万亿": round(ytd[f"{year}Q4"].sum() / 10_000, 2), "parks": int(ytd[f"{year}Q4"].count()),
               "quarter_shares_%": " / ".join(f"{100 * total[q] / total.sum():.1f}" for q in quarters)}
        single_growth = [_growth(single, q) for q in quarters] if year > years[0] else []
        ytd_growth = [_growth(ytd, q) for q in quarters] if year > years[0] else []
        row["single_q_yoy_lfl_%"] = " / ".join(f"{g:.1f}" for g, *_ in single_growth)
        row["ytd_yoy_lfl_%"] = " / ".join(f"{g:.2f}" for g, *_ in ytd_growth)
        row["ytd_yoy_sd_across_parks"] = " / ".join(f"{sd:.1f}" for _, sd, *_ in ytd_growth)
        row["parks_falling_ytd"] = " / ".join(str(n) for *_, n, _ in ytd_growth)
        in_year = profit[profit.year == year]
        row["net_profit_ytd_below_0"] = f"{int((in_year.value_ytd < 0).sum())} of {len(in_year)}"
        steps = stocks[(stocks.year == year) & stocks.step.notna()]
        row["stock_quarters_falling_%"] = round(100 * (steps.step < 0).mean(), 1)
        rows.append(row)
    return pd.DataFrame(rows)


def as_markdown(table: pd.DataFrame) -> str:
    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    for row in table.itertuples(index=False):
        lines.append("| " + " | ".join("" if pd.isna(v) else f"{v:,}" if isinstance(v, (int, float)) else str(v) for v in row) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    chosen = int(sys.argv[1]) if len(sys.argv) > 1 else 2024
    print(as_markdown(published_comparison(chosen)))
    print()
    print(as_markdown(truth_profile(chosen)))
