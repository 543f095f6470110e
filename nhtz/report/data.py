"""What the report reads: the published marts of one quarter (and the quarters before it, for trends).

Everything is read from the serving database on one read-only connection; nothing is recomputed here
except joins for names and the ordering of rows.
"""

import csv
from dataclasses import dataclass
from functools import cache

import duckdb
import pandas as pd

from nhtz.db import connect
from nhtz.errors import NhtzError
from nhtz.home import Home
from nhtz.project import SEEDS_DIR
from nhtz.quarters import parse_quarter, quarter_label, require_quarter

# The published tables the report reads (docs/methodology.md describes each).
REQUIRED_TABLES = (
    "marts.dim_park",
    "marts.dim_indicator",
    "marts.fct_park_quarter",
    "marts.national_quarter",
    "marts.region_quarter",
    "marts.province_quarter",
    "marts.park_ranking",
    "marts.park_growth_contribution",
    "marts.park_composite_index",
    "audit.findings",
)

# The indicators the Torch Center's quarterly analysis leads with, in the order it reports them.
KEY_INDICATORS = (
    "gdp",
    "revenue",
    "industrial_output",
    "net_profit",
    "taxes_paid",
    "exports",
    "rd_expenditure",
    "rd_intensity",
    "high_tech_enterprises",
    "invention_patents_owned",
)
CONTRIBUTION_INDICATORS = ("gdp", "revenue")
REGION_ORDER = ("东部", "中部", "西部", "东北")


@dataclass(frozen=True)
class ReportData:
    quarter: str
    year: int
    quarter_num: int
    indicators: pd.DataFrame  # dim_indicator, in reporting order
    national: pd.DataFrame  # national_quarter of the report quarter
    national_trend: pd.DataFrame  # national_quarter of every quarter up to the report quarter
    regions: pd.DataFrame  # region_quarter of the report quarter
    provinces: pd.DataFrame  # province_quarter of the report quarter
    ranking: pd.DataFrame  # park_ranking of the key indicators, with park names
    contributions: pd.DataFrame  # park_growth_contribution of GDP and revenue, with park names
    composite: pd.DataFrame  # park_composite_index, with park names
    findings: pd.DataFrame  # audit.findings of the quarter, with park names
    park_values: pd.DataFrame  # fct_park_quarter of the quarter (GDP and R&D intensity), with park names


@cache
def dimension_names() -> dict[str, str]:
    """Chinese names of the evaluation dimensions in the weights seed's order (labels only)."""
    with (SEEDS_DIR / "evaluation_dimensions.csv").open(encoding="utf-8") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda row: int(row["sort_order"]))
    return {row["dimension"]: row["name_zh"] for row in rows}


def _existing_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("select table_schema || '.' || table_name from information_schema.tables").fetchall()
    return {r[0] for r in rows}


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pd.DataFrame:
    return con.execute(sql, params or []).df()


_PARK_NAMES = "left join marts.dim_park as p using (park_id)"


def read_report_data(con: duckdb.DuckDBPyConnection, quarter: str) -> ReportData:
    year, quarter_num = parse_quarter(quarter)
    quarter = quarter_label(year, quarter_num)
    tables = _existing_tables(con)
    missing = [t for t in REQUIRED_TABLES if t not in tables]
    if missing:
        raise NhtzError(f"the serving database lacks {', '.join(missing)}: publish a complete build first")
    quarters = require_quarter(con, quarter, "the published marts")
    earlier = [q for q in quarters if parse_quarter(q) <= (year, quarter_num)]

    indicators = _frame(con, "select * from marts.dim_indicator order by sort_order, indicator_code")
    order = {code: i for i, code in enumerate(indicators["indicator_code"])}

    def by_indicator(frame: pd.DataFrame, *then: str) -> pd.DataFrame:
        frame = frame.assign(_order=frame["indicator_code"].map(order))
        return frame.sort_values(["_order", *then], kind="stable").drop(columns="_order").reset_index(drop=True)

    national = by_indicator(_frame(con, "select * from marts.national_quarter where quarter = ?", [quarter]))
    national_trend = _frame(
        con,
        "select * from marts.national_quarter where quarter in (select unnest(?::varchar[]))",
        [earlier],
    )
    national_trend = national_trend.assign(
        _key=national_trend["quarter"].map(parse_quarter)
    ).sort_values(["indicator_code", "_key"]).drop(columns="_key").reset_index(drop=True)

    regions = _frame(con, "select * from marts.region_quarter where quarter = ?", [quarter])
    region_rank = {r: i for i, r in enumerate(REGION_ORDER)}
    regions = by_indicator(regions.assign(_region=regions["region"].map(lambda r: region_rank.get(r, 9))), "_region")
    regions = regions.drop(columns="_region")

    provinces = by_indicator(
        _frame(con, "select * from marts.province_quarter where quarter = ?", [quarter]), "region", "province"
    )

    ranking = _frame(
        con,
        f"""
        select r.*, p.park_name, p.short_name, p.province
        from marts.park_ranking as r
        {_PARK_NAMES}
        where r.quarter = ? and r.indicator_code in (select unnest(?::varchar[]))
        """,
        [quarter, list(KEY_INDICATORS)],
    )
    ranking = by_indicator(ranking, "national_rank", "park_id")

    contributions = _frame(
        con,
        f"""
        select c.*, p.park_name, p.short_name, p.province, p.region, f.yoy_ytd_pct
        from marts.park_growth_contribution as c
        {_PARK_NAMES}
        left join marts.fct_park_quarter as f using (park_id, quarter, indicator_code)
        where c.quarter = ? and c.indicator_code in (select unnest(?::varchar[]))
        """,
        [quarter, list(CONTRIBUTION_INDICATORS)],
    )
    contributions = by_indicator(
        contributions.assign(_desc=-contributions["contribution_pp"].astype(float)), "_desc", "park_id"
    ).drop(columns="_desc")

    composite = _frame(
        con,
        f"""
        select c.*, p.park_name, p.short_name, p.province, p.region
        from marts.park_composite_index as c
        {_PARK_NAMES}
        where c.quarter = ?
        order by c.composite_rank, c.park_id, c.dimension
        """,
        [quarter],
    )

    findings = _frame(
        con,
        f"""
        select f.*, p.park_name, p.short_name, p.region
        from audit.findings as f
        {_PARK_NAMES}
        where f.quarter = ?
        order by case f.severity when 'error' then 0 when 'warning' then 1 else 2 end, f.rule_id, f.park_id,
            f.indicator_code
        """,
        [quarter],
    )

    park_values = _frame(
        con,
        f"""
        select f.*,
            p.park_name, p.short_name, p.province, p.region
        from marts.fct_park_quarter as f
        {_PARK_NAMES}
        where f.quarter = ? and f.indicator_code in ('gdp', 'revenue', 'rd_intensity')
        order by f.park_id, f.indicator_code
        """,
        [quarter],
    )

    return ReportData(
        quarter=quarter,
        year=year,
        quarter_num=quarter_num,
        indicators=indicators.reset_index(drop=True),
        national=national,
        national_trend=national_trend,
        regions=regions,
        provinces=provinces,
        ranking=ranking,
        contributions=contributions,
        composite=composite,
        findings=findings,
        park_values=park_values,
    )


def load_report_data(home: Home, quarter: str) -> ReportData:
    parse_quarter(quarter)
    if not home.serving_db.exists():
        raise NhtzError(f"nothing is published yet in {home.root}: run `nhtz demo` or `nhtz run QUARTER` first")
    with connect(home.serving_db, read_only=True) as con:
        return read_report_data(con, quarter)
