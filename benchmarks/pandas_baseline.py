"""Three marts written in pandas, as a user without the warehouse would: national totals with growth,
rankings, growth contributions. Timed against the dbt models' own execution time in the same run."""

import time

import pandas as pd

from benchmarks.dbt_overhead import MART_MODELS, dbt_model_seconds
from benchmarks.harness import Results
from nhtz.db import connect
from nhtz.home import Home


def _inputs(home: Home) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    with connect(home.working_db, read_only=True) as con:
        facts = con.sql(
            "select park_id, quarter, year, quarter_num, indicator_code, value_ytd, quality_status "
            "from marts.fct_park_quarter"
        ).df()
        parks = con.sql("select park_id, region from marts.dim_park").df()
        indicators = con.sql("select indicator_code, kind, direction from marts.dim_indicator").df()
    return facts, parks, indicators


def national_quarter(facts: pd.DataFrame) -> pd.DataFrame:
    ok = facts[(facts.quality_status != "error") & facts.value_ytd.notna()]
    last_year = ok.assign(year=ok.year + 1)[["park_id", "year", "quarter_num", "indicator_code", "value_ytd"]]
    paired = ok.merge(last_year, on=["park_id", "year", "quarter_num", "indicator_code"], how="left", suffixes=("", "_ly"))
    grouped = paired.groupby(["year", "quarter_num", "indicator_code"])
    out = grouped.agg(value_ytd=("value_ytd", "sum"), n_parks=("park_id", "nunique")).reset_index()
    lfl = paired[paired.value_ytd_ly.notna()].groupby(["year", "quarter_num", "indicator_code"]).agg(
        lfl_now=("value_ytd", "sum"), lfl_base=("value_ytd_ly", "sum"), n_parks_lfl=("park_id", "nunique")
    )
    out = out.merge(lfl.reset_index(), on=["year", "quarter_num", "indicator_code"], how="left")
    out["yoy_ytd_pct_lfl"] = (out.lfl_now / out.lfl_base - 1) * 100
    return out


def park_ranking(facts: pd.DataFrame, parks: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    ok = facts[(facts.quality_status != "error") & facts.value_ytd.notna()].merge(parks, on="park_id").merge(
        indicators, on="indicator_code"
    )
    ok["score"] = ok.value_ytd * ok.direction
    ok["national_rank"] = ok.groupby(["quarter", "indicator_code"]).score.rank(method="min", ascending=False)
    ok["regional_rank"] = ok.groupby(["quarter", "indicator_code", "region"]).score.rank(method="min", ascending=False)
    ok["national_n"] = ok.groupby(["quarter", "indicator_code"]).park_id.transform("count")
    ok["national_percentile"] = 100 * (ok.national_n - ok.national_rank) / (ok.national_n - 1)
    return ok


def growth_contribution(facts: pd.DataFrame) -> pd.DataFrame:
    ok = facts[(facts.quality_status != "error") & facts.value_ytd.notna()]
    last_year = ok.assign(year=ok.year + 1)[["park_id", "year", "quarter_num", "indicator_code", "value_ytd"]]
    paired = ok.merge(last_year, on=["park_id", "year", "quarter_num", "indicator_code"], suffixes=("", "_ly"))
    paired["delta_ytd"] = paired.value_ytd - paired.value_ytd_ly
    base = paired.groupby(["year", "quarter_num", "indicator_code"]).value_ytd_ly.transform("sum")
    paired["contribution_pp"] = paired.delta_ytd / base * 100
    return paired


def pandas_vs_dbt(results: Results, home: Home, repeats: int, say) -> None:
    say("pandas baseline of three marts")
    facts, parks, indicators = _inputs(home)
    for _ in range(repeats):
        started = time.perf_counter()
        national_quarter(facts)
        park_ranking(facts, parks, indicators)
        growth_contribution(facts)
        results.add("pandas: national_quarter + park_ranking + contribution", time.perf_counter() - started)
    results.add("dbt: the same three models (execution time)", dbt_model_seconds(home, MART_MODELS))
