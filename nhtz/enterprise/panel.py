"""A synthetic enterprise-level panel of the zone survey, written as one Parquet file per quarter.

Every array is one value per enterprise; the only Python loops run over years and quarters.
Flows are year-to-date in 万元 (energy in 吨标准煤, patents in 件) as enterprises report them;
stocks are end-of-quarter levels. See docs/scaling.md for the model and its calibration.
"""

import csv
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from nhtz.enterprise import traits
from nhtz.errors import NhtzError
from nhtz.project import SEEDS_DIR
from nhtz.quarters import parse_quarter, quarter_label, quarter_range
from nhtz.progress import quiet

# 国民经济行业分类 sections most zone enterprises fall in: (code, name, share of enterprises)
INDUSTRIES = (
    ("C", "制造业", 0.42),
    ("I", "信息传输、软件和信息技术服务业", 0.20),
    ("M", "科学研究和技术服务业", 0.14),
    ("F", "批发和零售业", 0.10),
    ("L", "租赁和商务服务业", 0.06),
    ("E", "建筑业", 0.04),
    ("D", "电力、热力、燃气及水生产和供应业", 0.04),
)
TECH_INDUSTRIES = ("C", "I", "M")

# share of the year's revenue earned in each quarter: Q4 is the largest; 2020Q1 collapsed (COVID-19)
SEASONAL_SHARES = np.array([0.22, 0.24, 0.25, 0.29])
SEASONAL_SHARES_BY_YEAR = {2020: np.array([0.15, 0.25, 0.27, 0.33])}
MACRO_LOG_LEVEL_BY_YEAR = {2020: -0.06}

# the gazelle test in year y looks at full-year revenue of y−4 .. y−1, so the model runs four years early
HISTORY_YEARS = traits.GAZELLE_YEARS + 1

# money per invention patent granted: about 1 万亿 R&D to about 11万 patents a year in the zones
RD_WAN_YUAN_PER_PATENT = 900.0
ROUNDING_DECIMALS = 1  # 0.1 万元 = 1 000 元, as the survey forms are kept

FLOW_COLUMNS = (
    "revenue",
    "industrial_output",
    "industrial_value_added",
    "net_profit",
    "taxes_paid",
    "exports",
    "rd_expenditure",
    "tech_contract_turnover",
    "energy_consumption",
    "invention_patents_granted",
)


@dataclass(frozen=True)
class ParkFrame:
    park_ids: list[str]
    approved_year: np.ndarray
    active_from: np.ndarray  # datetime64[D]
    active_to: np.ndarray  # datetime64[D], NaT while active

    def active_at(self, day: np.datetime64) -> np.ndarray:
        still_active = np.isnat(self.active_to) | (self.active_to >= day)
        return (self.active_from <= day) & still_active


def read_park_frame(registry: Path) -> ParkFrame:
    if not registry.exists():
        raise NhtzError(f"{registry}: park registry not found; the enterprise panel needs it to place enterprises")
    with open(registry, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        raise NhtzError(f"{registry}: park registry has no rows")
    try:
        return ParkFrame(
            park_ids=[row["park_id"] for row in rows],
            approved_year=np.array([int(row["approved_year"]) for row in rows]),
            active_from=np.array([row["active_from"] for row in rows], dtype="datetime64[D]"),
            active_to=np.array([row["active_to"] or "NaT" for row in rows], dtype="datetime64[D]"),
        )
    except (KeyError, ValueError) as error:
        raise NhtzError(f"{registry}: park registry row not readable for the enterprise panel: {error}") from None


def quarter_end(year: int, quarter_num: int) -> np.datetime64:
    first_of_next_month = np.datetime64(f"{year}-{3 * quarter_num:02d}", "M") + 1
    return first_of_next_month.astype("datetime64[D]") - 1


def park_size_weights(parks: ParkFrame, rng: np.random.Generator) -> np.ndarray:
    """Heavy-tailed park sizes: older zones are bigger on average, a few are giants (中关村, 张江, 东湖 ...)."""
    years_as_zone = np.clip(2020 - parks.approved_year, 1, None)
    size = rng.lognormal(mean=0.0, sigma=1.1, size=len(parks.park_ids)) * years_as_zone**0.8
    return size / size.sum()


@dataclass
class Enterprises:
    """One value per enterprise; quarter indices count quarters from the first modelled year's Q1."""

    enterprise_id: pa.Array
    park_index: np.ndarray
    industry_index: np.ndarray
    founded_year: np.ndarray
    first_quarter: np.ndarray  # first quarter it reports
    end_quarter: np.ndarray  # first quarter it no longer reports (always a Q1: exits happen at year end)
    log_revenue_level: np.ndarray  # log of annual revenue (万元) in the panel's first year
    log_growth: np.ndarray
    output_ratio: np.ndarray  # 0 for non-industrial enterprises
    value_added_ratio: np.ndarray
    profit_margin: np.ndarray
    tax_ratio: np.ndarray
    export_share: np.ndarray
    rd_share: np.ndarray
    tech_contract_share: np.ndarray
    energy_per_revenue: np.ndarray  # 吨标准煤 per 万元 revenue
    revenue_per_employee: np.ndarray  # 万元 per person a year
    high_tech_from_quarter: np.ndarray  # certificate date as a quarter index; a huge number: never certified
    is_unicorn_candidate: np.ndarray
    patents_owned: np.ndarray  # running stock, updated as patents are granted


def draw_enterprises(n: int, parks: ParkFrame, first_year: int, start: int, end: int, rng) -> Enterprises:
    """first_year: first modelled year (history included); start/end: quarter indices of the panel."""
    never = np.iinfo(np.int64).max // 2
    start_year = first_year + start // 4
    end_year = first_year + end // 4
    industry_index = rng.choice(len(INDUSTRIES), size=n, p=[share for *_, share in INDUSTRIES])
    codes = np.array([code for code, *_ in INDUSTRIES])[industry_index]
    is_tech_industry = np.isin(codes, TECH_INDUSTRIES)
    is_manufacturing = codes == "C"

    # 88 % already exist when the panel opens (founded a few years earlier), 12 % enter during it
    is_entrant = rng.random(n) < 0.12
    age_at_start = rng.geometric(0.12, size=n)
    first_quarter = np.where(
        is_entrant,
        rng.integers(start, end + 1, size=n),
        (start_year - age_at_start - first_year) * 4 + rng.integers(0, 4, size=n),
    )
    founded_year = first_year + np.floor_divide(first_quarter, 4)
    # 8 % leave, always at a year end, so no park's year-to-date total falls within a year because of an exit
    end_quarter = np.full(n, never, dtype=np.int64)
    if end_year > start_year:
        exit_year = rng.integers(start_year + 1, end_year + 1, size=n)
        leaves = (rng.random(n) < 0.08) & (exit_year > founded_year)
        end_quarter[leaves] = (exit_year[leaves] - first_year) * 4

    # annual revenue: lognormal around 4 700 万元 (mean about 2 亿元), so 250 000 firms make about 50 万亿
    log_revenue_level = rng.normal(np.log(4_700.0), 1.7, size=n)
    log_growth = rng.normal(0.06, 0.07, size=n)
    is_industrial = is_manufacturing | (codes == "D")
    rd_focus = is_tech_industry & (rng.random(n) < 0.85)
    rd_share = np.where(rd_focus, rng.uniform(0.03, 0.07, size=n), rng.uniform(0.0, 0.01, size=n))
    energy_median = np.select([is_manufacturing, codes == "D"], [0.08, 0.5], 0.01)
    is_exporter = rng.random(n) < np.where(is_manufacturing, 0.45, 0.15)
    sells_technology = rng.random(n) < np.select([codes == "M", codes == "I"], [0.5, 0.3], 0.05)

    # high-tech certificates: most holders already certified when the panel opens, the rest certified during it
    holds_certificate = rd_focus & (rng.random(n) < 0.85)
    certified_during = rng.random(n) < 0.25
    high_tech_from = np.where(certified_during, rng.integers(start, end + 1, size=n), 0)
    high_tech_from = np.where(holds_certificate, np.maximum(high_tech_from, first_quarter), never)

    ids = pc.utf8_lpad(pc.cast(pa.array(np.arange(1, n + 1)), pa.string()), width=7, padding="0")
    return Enterprises(
        enterprise_id=pc.binary_join_element_wise("E", ids, ""),
        park_index=rng.choice(len(parks.park_ids), size=n, p=park_size_weights(parks, rng)),
        industry_index=industry_index,
        founded_year=founded_year,
        first_quarter=first_quarter,
        end_quarter=end_quarter,
        log_revenue_level=log_revenue_level,
        log_growth=log_growth,
        output_ratio=np.where(is_industrial, rng.uniform(0.85, 1.05, size=n), 0.0),
        value_added_ratio=rng.uniform(0.18, 0.35, size=n),
        profit_margin=np.clip(rng.normal(0.06, 0.07, size=n), -0.5, 0.4),
        tax_ratio=rng.uniform(0.02, 0.07, size=n),
        export_share=np.where(is_exporter, rng.beta(2, 5, size=n), 0.0),
        rd_share=rd_share,
        tech_contract_share=np.where(sells_technology, rng.uniform(0.01, 0.3, size=n), 0.0),
        energy_per_revenue=rng.lognormal(np.log(energy_median), 0.5),
        revenue_per_employee=rng.lognormal(np.log(250.0), 0.6, size=n),
        high_tech_from_quarter=high_tech_from,
        is_unicorn_candidate=is_tech_industry & (founded_year >= start_year - 6) & (rng.random(n) < 0.004),
        patents_owned=rng.poisson(np.exp(log_revenue_level) * rd_share / RD_WAN_YUAN_PER_PATENT * 3),
    )


def panel_glob(out_dir: Path) -> str:
    """The Parquet glob dbt reads (var `enterprise_source`)."""
    return str(Path(out_dir) / "quarter=*" / "*.parquet")


def write_enterprise_panel(
    out_dir: Path,
    n_enterprises: int = 250_000,
    start: str = "2019Q1",
    end: str = "2026Q3",
    seed: int = 2024,
    say: Callable[[str], None] = quiet,
    registry: Path | None = None,
) -> Path:
    """Write `out_dir/quarter=YYYYQn/part-0.parquet` for every quarter from start to end; returns out_dir."""
    if isinstance(n_enterprises, bool) or not isinstance(n_enterprises, (int, np.integer)) or n_enterprises < 1:
        raise NhtzError(f"n_enterprises must be a whole number of at least 1, got {n_enterprises!r}")
    quarters = quarter_range(start, end)
    (start_year, start_q), (end_year, end_q) = parse_quarter(start), parse_quarter(end)
    parks = read_park_frame(registry or SEEDS_DIR / "park_registry.csv")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    rng = np.random.default_rng(seed)
    first_year = start_year - HISTORY_YEARS
    start_index = (start_year - first_year) * 4 + start_q - 1
    end_index = (end_year - first_year) * 4 + end_q - 1
    firms = draw_enterprises(n_enterprises, parks, first_year, start_index, end_index, rng)
    park_ids = pa.array(parks.park_ids, pa.string())
    industry_codes = pa.array([code for code, *_ in INDUSTRIES], pa.string())
    industry_names = pa.array([name for _, name, _ in INDUSTRIES], pa.string())
    wanted = set(quarters)

    say(f"enterprise panel: {n_enterprises:,} enterprises, {start}..{end}, seed {seed} -> {out_dir}")
    annual_revenue: dict[int, np.ndarray] = {}
    rows_written = 0
    for year in range(first_year, end_year + 1):
        quarter_index = (year - first_year) * 4 + np.arange(4)
        reports = (firms.first_quarter[:, None] <= quarter_index) & (quarter_index < firms.end_quarter[:, None])
        level = np.exp(
            firms.log_revenue_level
            + firms.log_growth * (year - start_year)
            + MACRO_LOG_LEVEL_BY_YEAR.get(year, 0.0)
            + rng.normal(0.0, 0.08, size=n_enterprises)
        )
        weights = SEASONAL_SHARES_BY_YEAR.get(year, SEASONAL_SHARES) * rng.lognormal(0.0, 0.06, (n_enterprises, 4))
        revenue_q = level[:, None] * weights / weights.sum(axis=1, keepdims=True) * reports
        rd_q = revenue_q * firms.rd_share[:, None]
        granted_q = rng.poisson(rd_q / RD_WAN_YUAN_PER_PATENT)
        annual_revenue[year] = revenue_q.sum(axis=1)
        if year < start_year:
            firms.patents_owned += granted_q.sum(axis=1)
            continue

        is_above_scale = level >= traits.ABOVE_SCALE_MIN_REVENUE
        output_q = revenue_q * (firms.output_ratio * is_above_scale)[:, None]
        margin_q = firms.profit_margin[:, None] + rng.normal(0.0, 0.03, (n_enterprises, 4))
        single_quarter = {
            "revenue": revenue_q,
            "industrial_output": output_q,
            "industrial_value_added": output_q * firms.value_added_ratio[:, None],
            "net_profit": revenue_q * margin_q,
            "taxes_paid": revenue_q * firms.tax_ratio[:, None],
            "exports": revenue_q * firms.export_share[:, None],
            "rd_expenditure": rd_q,
            "tech_contract_turnover": revenue_q * firms.tech_contract_share[:, None],
            "energy_consumption": revenue_q * firms.energy_per_revenue[:, None],
        }
        year_to_date = {name: np.round(np.cumsum(q, axis=1), ROUNDING_DECIMALS) for name, q in single_quarter.items()}
        year_to_date["invention_patents_granted"] = np.cumsum(granted_q, axis=1)
        patents_owned_at = firms.patents_owned[:, None] + np.cumsum(granted_q, axis=1)
        firms.patents_owned += granted_q.sum(axis=1)
        employees_at = np.maximum(
            1, np.rint(level[:, None] / firms.revenue_per_employee[:, None] * rng.lognormal(0.0, 0.03, (n_enterprises, 4)))
        ).astype(np.int64)
        gazelle = traits.is_gazelle(
            annual_revenue[year - 4],
            annual_revenue[year - 1],
            firms.first_quarter <= (year - 4 - first_year) * 4,
        )
        unicorn = firms.is_unicorn_candidate & (year - firms.founded_year < traits.UNICORN_MAX_AGE_YEARS)

        for q in range(4):
            label = quarter_label(year, q + 1)
            if label not in wanted:
                continue
            keep = reports[:, q] & parks.active_at(quarter_end(year, q + 1))[firms.park_index]
            rows = np.flatnonzero(keep)
            table = pa.table(
                {
                    "enterprise_id": firms.enterprise_id.take(rows),
                    "park_id": pa.DictionaryArray.from_arrays(pa.array(firms.park_index[rows], pa.int32()), park_ids),
                    "industry": pa.DictionaryArray.from_arrays(
                        pa.array(firms.industry_index[rows], pa.int32()), industry_codes
                    ),
                    "industry_name": pa.DictionaryArray.from_arrays(
                        pa.array(firms.industry_index[rows], pa.int32()), industry_names
                    ),
                    "founded_year": pa.array(firms.founded_year[rows], pa.int32()),
                    "year": pa.array(np.full(len(rows), year), pa.int32()),
                    "quarter_num": pa.array(np.full(len(rows), q + 1), pa.int32()),
                    "period_month": pa.array(np.full(len(rows), 3 * (q + 1)), pa.int32()),
                    **{name: pa.array(values[rows, q], pa.float64()) for name, values in year_to_date.items()
                       if name != "invention_patents_granted"},
                    "invention_patents_granted": pa.array(year_to_date["invention_patents_granted"][rows, q], pa.int64()),
                    "employees": pa.array(employees_at[rows, q], pa.int64()),
                    "invention_patents_owned": pa.array(patents_owned_at[rows, q], pa.int64()),
                    "is_high_tech": pa.array(firms.high_tech_from_quarter[rows] <= quarter_index[q]),
                    "is_tech_sme": pa.array(
                        traits.is_tech_sme(
                            firms.rd_share[rows] >= traits.TECH_SME_MIN_RD_SHARE, employees_at[rows, q], level[rows]
                        )
                    ),
                    "is_gazelle": pa.array(gazelle[rows]),
                    "is_unicorn": pa.array(unicorn[rows]),
                }
            )
            folder = out_dir / f"quarter={label}"
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            pq.write_table(table, folder / "part-0.parquet", compression="zstd", compression_level=1)
            rows_written += len(rows)
        say(f"enterprise panel: {year} written")
    say(f"enterprise panel: {rows_written:,} rows in {len(quarters)} quarters")
    return out_dir
