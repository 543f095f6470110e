"""The synthetic truth: what every park "really" reported, before any file makes it messy.

One tidy frame, one row per park, quarter and base indicator, `value_ytd` in mart units (亿元, 件, 家, 人,
万吨标准煤): flows year-to-date from January, stocks the quarter-end level. Money and energy are whole 万元 and
whole 吨 (four decimals of the mart unit), so every unit a file uses writes the value exactly.

The model, in order: park sizes (heavy-tailed: a few named giants, then smaller with each later wave of
approvals) × a national GDP path (seasonal, the 2020Q1 fall) × each park's own trend, pandemic exposure,
persistent quarterly shocks and noise; GDP of the 2019 parks rescaled year by year onto the national path, so
annual totals are calibrated while quarters and parks differ; other flows as park-specific ratios to GDP or
revenue, rescaled to the published national ratios, net profit with margins that sometimes go below zero;
stocks as a park trend with a persistent wobble from their end-2021 level; the figures from the source documents
pinned exactly. docs/synthetic_data.md has the numbers.
"""

import numpy as np
import pandas as pd

from nhtz.errors import NhtzError
from nhtz.quarters import parse_quarter, quarter_range
from nhtz.synth import calibration as cal
from nhtz.synth.reference import active_mask, load_base_indicators, load_parks

# Whole 万元 / whole 吨: the grid every money and energy value sits on.
DECIMALS = 4
# Indicators a park leaves blank now and then (`—` in its file); the headline figures are always there.
SOMETIMES_MISSING = ("exports", "tech_contract_turnover", "energy_consumption", "invention_patents_granted",
                     "gazelle_enterprises", "unicorn_enterprises", "incubators")
MISSING_RATE = 0.003


class Horizon:
    """The fixed span the truth is drawn over, as arrays over its quarters."""

    def __init__(self):
        self.quarters = quarter_range(*cal.HORIZON)
        pairs = [parse_quarter(q) for q in self.quarters]
        self.year = np.array([y for y, _ in pairs])
        self.qnum = np.array([q for _, q in pairs])
        # years since the end of 2021, at each quarter's end: stocks are anchored there
        self.from_2021q4 = self.year + self.qnum / 4 - 2022.0
        # years since the middle of 2021, at each quarter's middle: park sizes are 2021 GDP
        self.from_mid_2021 = self.year - 2021 + (self.qnum - 2.5) / 4
        self.from_base = self.year - cal.BASE_YEAR + (self.qnum - 1) / 4
        self.pandemic_dip = np.array([cal.PANDEMIC_DIP.get((y, q), 1.0) for y, q in pairs])

    def index(self, year: int, qnum: int) -> int:
        return self.quarters.index(f"{year}Q{qnum}")

    def year_columns(self, year: int) -> np.ndarray:
        return np.flatnonzero(self.year == year)


def national_gdp_index(h: Horizon) -> np.ndarray:
    """Single-quarter national GDP of the 2019 parks, 2019 full year = 1."""
    index = np.zeros(len(h.quarters))
    for t, (year, q) in enumerate(zip(h.year, h.qnum)):
        if year == cal.BASE_YEAR:
            index[t] = cal.QUARTER_SHARES[q - 1]
        else:
            growth = cal.QUARTER_GROWTH.get(year, (cal.LATER_GROWTH,) * 4)[q - 1]
            index[t] = index[t - 4] * growth
    return index


def ratio_path(points: dict[int, float], years: np.ndarray) -> np.ndarray:
    known = sorted(points)
    return np.interp(years, known, [points[y] for y in known])


def _lognormal(rng, median, sigma, size):
    return median * np.exp(sigma * rng.standard_normal(size))


def _ar1(rng, sd, rho: float, shape: tuple[int, int]) -> np.ndarray:
    """Persistent shocks, parks × quarters: each quarter keeps rho of the last one and adds a new one of sd `sd`
    (a number or one per park), starting from the stationary spread so early quarters are not calmer."""
    sd = np.broadcast_to(np.asarray(sd, dtype=float), (shape[0],))[:, None]
    innovations = rng.standard_normal(shape) * sd
    shocks = np.empty(shape)
    shocks[:, 0] = innovations[:, 0] / np.sqrt(1 - rho**2)
    for t in range(1, shape[1]):
        shocks[:, t] = rho * shocks[:, t - 1] + innovations[:, t]
    return shocks


def _soft_ceiling(values: np.ndarray, knee: float, ceiling: float) -> np.ndarray:
    """Values above `knee` pressed smoothly towards `ceiling` (never reaching it); below it unchanged."""
    room = ceiling - knee
    return np.where(values > knee, knee + room * np.tanh((values - knee) / room), values)


def _fill_under_ceiling(sizes: np.ndarray, total: float, knee: float, ceiling: float) -> np.ndarray:
    """Scale `sizes` by one common factor, softly kept under `ceiling`, so that they add up to `total`."""
    factor = 1.0
    for _ in range(100):
        factor *= total / _soft_ceiling(sizes * factor, knee, ceiling).sum()
    return _soft_ceiling(sizes * factor, knee, ceiling)


def _rescale_free(values, target, fixed, free, groups=None):
    """Scale the free parks so that all parks together meet the target (Σ over parks = target) in each group of
    quarters: every quarter on its own by default, or whole years, which keeps the quarters' own movements."""
    groups = [np.array([t]) for t in range(values.shape[1])] if groups is None else groups
    out = values.copy()
    for cols in groups:
        fixed_sum = np.where(fixed[:, cols], values[:, cols], 0.0).sum()
        free_sum = np.where(free[:, cols], values[:, cols], 0.0).sum()
        factor = (target[cols].sum() - fixed_sum) / free_sum if free_sum > 0 else 1.0
        out[:, cols] = np.where(free[:, cols], values[:, cols] * factor, values[:, cols])
    return out


class TruthModel:
    """Draws every series once, in a fixed order, so that one seed always gives the same numbers."""

    def __init__(self, parks: pd.DataFrame, seed: int):
        self.parks = parks
        self.h = Horizon()
        self.rng = np.random.default_rng(seed)
        self.n = len(parks)
        self.row = {park_id: i for i, park_id in enumerate(parks["park_id"])}
        for park_id in [*cal.GIANT_GDP_2021, *cal.OTHER_GDP_2021, *(p for p, *_ in cal.PINNED)]:
            if park_id not in self.row:
                raise NhtzError(f"seeds/park_registry.csv: park_id {park_id!r} (a calibration anchor) is not in the registry")
        self.active = active_mask(parks, self.h.quarters)
        self.base_panel = self.active[:, self.h.index(cal.BASE_YEAR, 4)]
        self.giant = np.zeros(self.n, dtype=bool)
        self.giant[[self.row[p] for p in cal.GIANT_GDP_2021]] = True
        self.pins = {}
        for park_id, code, year, value in cal.PINNED:
            self.pins.setdefault(code, {}).setdefault(self.row[park_id], {})[year] = value

    # --- helpers -------------------------------------------------------------------------------------------
    def pinned_rows(self, code: str) -> np.ndarray:
        mask = np.zeros(self.n, dtype=bool)
        mask[list(self.pins.get(code, {}))] = True
        return mask

    def annual(self, single: np.ndarray, year: int) -> np.ndarray:
        return single[:, self.h.year_columns(year)].sum(axis=1)

    def apply_flow_pins(self, code: str, single: np.ndarray) -> np.ndarray:
        """Rescale a pinned park's path so its full-year totals hit the pins; between pins the factor moves
        log-linearly, outside them it stays, so the path keeps its shape."""
        for row, pins in self.pins.get(code, {}).items():
            years = sorted(pins)
            log_factor = [np.log(pins[y] / self.annual(single[row : row + 1], y)[0]) for y in years]
            factor = np.exp(np.interp(self.h.year, years, log_factor))
            single[row] = single[row] * factor
        return single

    def apply_stock_pins(self, code: str, level: np.ndarray) -> np.ndarray:
        for row, pins in self.pins.get(code, {}).items():
            year = sorted(pins)[0]
            level[row] = level[row] * pins[year] / level[row, self.h.index(year, 4)]
        return level

    # --- flows ---------------------------------------------------------------------------------------------
    def park_sizes(self) -> np.ndarray:
        """2021 GDP (亿元) each park is drawn around: the named parks as given, the others by approval wave, city
        and region (calibration.APPROVAL_WAVES), the first waves rescaled so the 2021 parks make the national total."""
        parks, n = self.parks, self.n
        approved = parks["approved_year"].fillna(2015).to_numpy()
        waves = cal.APPROVAL_WAVES
        wave = np.searchsorted([last for last, *_ in waves], approved)
        median = np.array([waves[w][1] for w in wave])
        low = np.array([waves[w][2] for w in wave])
        high = np.array([np.inf if waves[w][3] is None else waves[w][3] for w in wave])
        big_city = parks["city"].isin(cal.BIG_CITIES).to_numpy()
        small_city = parks["city"].isin(cal.SMALL_CITIES).to_numpy()
        high = np.where(small_city, np.minimum(high, cal.SMALL_CITY_CEILING), high)
        city = np.where(big_city, cal.BIG_CITY_FACTOR, np.where(small_city, cal.SMALL_CITY_FACTOR, 1.0))
        region = parks["region"].map(cal.REGION_FACTOR).fillna(1.0).to_numpy()
        size = np.clip(median * city * region * _lognormal(self.rng, 1.0, cal.SIZE_SIGMA, n), low, high)

        named = {**cal.GIANT_GDP_2021, **cal.OTHER_GDP_2021}
        named_rows = np.array([self.row[p] for p in named])
        size[named_rows] = list(named.values())
        rescaled = self.base_panel & (approved <= cal.RESCALED_WAVES_UP_TO) & ~small_city
        rescaled[named_rows] = False
        remaining = cal.PUBLISHED["gdp_2021"] - size[self.base_panel & ~rescaled].sum()
        size[rescaled] = _fill_under_ceiling(size[rescaled], remaining, cal.SOFT_CAP_FROM, cal.NON_GIANT_CAP)
        return size

    def park_deviations(self, size: np.ndarray) -> np.ndarray:
        """log of each park's GDP against size × national path: trend, pandemic exposure, shocks and noise, centred
        on 2021 so that `size` stays the park's 2021 level."""
        rng, h, n = self.rng, self.h, self.n
        approved = self.parks["approved_year"].fillna(2015).to_numpy()
        catch_up_from, catch_up = cal.CATCH_UP
        trend = rng.normal(0.0, cal.PARK_TREND_SD, n) + np.where(approved >= catch_up_from, catch_up, 0.0)
        exposure = np.clip(rng.normal(1.0, cal.PANDEMIC_EXPOSURE_SD, n), 0.2, 2.0)
        province, hardest = cal.HARDEST_HIT
        exposure[(self.parks["province"] == province).to_numpy()] = hardest
        shock_sd = np.clip(cal.SHOCK_SD * (size / 500.0) ** -cal.SHOCK_SIZE_ELASTICITY, *cal.SHOCK_SD_RANGE)
        shocks = _ar1(rng, shock_sd, cal.SHOCK_RHO, (n, len(h.quarters)))
        noise = rng.normal(0.0, cal.NOISE_SD, (n, len(h.quarters)))
        # the national path already falls by the dip: a park with exposure e falls by dip^e in all
        log_dev = (trend[:, None] * h.from_mid_2021[None, :] + shocks + noise
                   + (exposure - 1.0)[:, None] * np.log(h.pandemic_dip)[None, :])
        return log_dev - log_dev[:, h.year_columns(2021)].mean(axis=1, keepdims=True)

    def gdp(self) -> np.ndarray:
        h = self.h
        size = self.park_sizes()
        index = national_gdp_index(h)
        index_2021 = index[h.year_columns(2021)].sum()
        single = size[:, None] * (index / index_2021)[None, :] * np.exp(self.park_deviations(size))
        single = self.apply_flow_pins("gdp", single)

        # Year by year, the 2019 parks without a pinned figure are rescaled so that the 2019 parks together make
        # the national path's annual total; within the year each park keeps its own quarters. Later parks come on top.
        pinned = self.pinned_rows("gdp")
        in_panel = self.active & self.base_panel[:, None]
        years = [h.year_columns(year) for year in np.unique(h.year)]
        return _rescale_free(single, cal.NATIONAL_GDP_2019 * index, in_panel & pinned[:, None],
                             in_panel & ~pinned[:, None], groups=years)

    def flow_from(self, code: str, base: np.ndarray, park_ratio: np.ndarray, noise_sigma: float) -> np.ndarray:
        """A flow as a park-specific ratio to `base`, rescaled to the national ratio to GDP when one is published."""
        noise = np.exp(self.rng.normal(0.0, noise_sigma, base.shape))
        single = base * park_ratio[:, None] * noise
        single = self.apply_flow_pins(code, single)
        if code in cal.NATIONAL_RATIO_TO_GDP:
            pinned = self.pinned_rows(code)[:, None]
            ratio = ratio_path(cal.NATIONAL_RATIO_TO_GDP[code], self.h.year)
            target = ratio * np.where(self.active, self.gdp_single, 0.0).sum(axis=0)
            single = _rescale_free(single, target, self.active & pinned, self.active & ~pinned)
        return single

    def net_profit(self, revenue: np.ndarray) -> np.ndarray:
        """Revenue × the park's margin that quarter: most parks earn 7% or so, a few lose money, and any park can
        have a quarter in the red (net profit may be negative; it is never above revenue)."""
        rng = self.rng
        margin = rng.normal(*cal.NET_MARGIN, self.n)
        share, loss_mean, loss_sd = cal.LOSS_MAKERS
        loss_maker = rng.random(self.n) < share
        margin[loss_maker] = rng.normal(loss_mean, loss_sd, loss_maker.sum())
        quarterly = margin[:, None] + rng.normal(0.0, cal.MARGIN_NOISE_SD, revenue.shape)
        return revenue * np.minimum(quarterly, 0.5)

    # --- stocks --------------------------------------------------------------------------------------------
    def stock(self, code: str, level_2021q4: np.ndarray) -> np.ndarray:
        """A stock from its end-2021 level: a park's own growth a year (no floor: some parks shrink) and a persistent
        wobble around it (calibration.STOCK_DYNAMICS), so a level can fall from one quarter to the next."""
        growth_mean, growth_sd, wobble_sd = cal.STOCK_DYNAMICS[code]
        growth = self.rng.normal(growth_mean, growth_sd, self.n)
        wobble = _ar1(self.rng, wobble_sd, cal.STOCK_RHO, (self.n, len(self.h.quarters)))
        wobble -= wobble[:, [self.h.index(2021, 4)]]
        level = level_2021q4[:, None] * np.exp(growth[:, None] * self.h.from_2021q4[None, :] + wobble)
        return self.apply_stock_pins(code, level)

    # --- everything ----------------------------------------------------------------------------------------
    def draw(self) -> dict[str, np.ndarray]:
        """Single-quarter values of flows and quarter-end levels of stocks, parks × horizon quarters."""
        rng, h, n = self.rng, self.h, self.n
        gdp = self.gdp_single = self.gdp()
        flows = {"gdp": gdp}
        flows["revenue"] = self.flow_from("revenue", gdp, _lognormal(rng, 3.2, 0.35, n), 0.02)
        io_ratio = np.clip(_lognormal(rng, 1.9, 0.4, n), 0.3, 3.0)
        flows["industrial_output"] = self.flow_from("industrial_output", gdp, io_ratio, 0.02)
        flows["industrial_value_added"] = self.flow_from(
            "industrial_value_added", flows["industrial_output"], rng.uniform(0.25, 0.30, n), 0.01)
        revenue = flows["revenue"]
        flows["net_profit"] = self.net_profit(revenue)
        flows["taxes_paid"] = self.flow_from("taxes_paid", revenue, rng.uniform(0.04, 0.05, n), 0.03)
        flows["exports"] = self.flow_from("exports", revenue, rng.uniform(0.10, 0.20, n), 0.05)
        intensity = np.clip(_lognormal(rng, 0.04, 0.3, n), 0.015, 0.07)
        intensity[self.giant] = rng.uniform(*cal.GIANT_RD_INTENSITY, self.giant.sum())
        flows["rd_expenditure"] = self.flow_from("rd_expenditure", gdp, intensity, 0.03)
        contracts = np.clip(_lognormal(rng, 0.05, 0.6, n), 0.005, 0.4)
        flows["tech_contract_turnover"] = self.flow_from("tech_contract_turnover", gdp, contracts, 0.10)
        # 吨标准煤 per 万元 of GDP, 0.3–0.5, falling 2% a year; 亿元 × 吨/万元 = 万吨.
        energy = rng.uniform(0.3, 0.5, n)
        flows["energy_consumption"] = self.flow_from(
            "energy_consumption", gdp * (0.98 ** h.from_base)[None, :], energy, 0.03)

        gdp_2021 = self.annual(gdp, 2021)
        stocks = {}
        employees = gdp_2021 / _lognormal(rng, 0.0062, 0.3, n)  # 亿元 / (亿元 per person)
        stocks["employees"] = self.stock("employees", employees)
        density = _lognormal(rng, 180.0, 0.6, n)
        density[self.giant] = _lognormal(rng, 600.0, 0.3, self.giant.sum())
        owned = stocks["employees"][:, h.index(2021, 4)] * density / 10_000
        stocks["invention_patents_owned"] = self.stock("invention_patents_owned", owned)
        high_tech = gdp_2021 ** 0.85 * _lognormal(rng, 1.0, 0.3, n)
        free = self.active[:, h.index(2021, 4)] & ~self.pinned_rows("high_tech_enterprises")
        pinned_total = sum(pins[2021] for pins in self.pins["high_tech_enterprises"].values())
        high_tech = high_tech * (cal.NATIONAL_STOCK_2021Q4["high_tech_enterprises"] - pinned_total) / high_tech[free].sum()
        stocks["high_tech_enterprises"] = self.stock("high_tech_enterprises", high_tech)
        stocks["tech_smes"] = self.stock("tech_smes", high_tech * _lognormal(rng, 1.6, 0.3, n))
        stocks["gazelle_enterprises"] = self.stock("gazelle_enterprises", high_tech * _lognormal(rng, 0.04, 0.5, n))
        # Unicorns crowd into the biggest zones: share ∝ GDP², about 300 in all at the end of 2021.
        unicorns = 300 * gdp_2021**2 / (gdp_2021[self.base_panel] ** 2).sum() * _lognormal(rng, 1.0, 0.3, n)
        stocks["unicorn_enterprises"] = self.stock("unicorn_enterprises", unicorns)
        stocks["incubators"] = self.stock("incubators", 1.2 * np.sqrt(gdp_2021) * _lognormal(rng, 1.0, 0.3, n))

        # Patents granted in a year ≈ 16% of the patents owned, spread over the quarters like everything else.
        shares = np.array(cal.QUARTER_SHARES)[h.qnum - 1]
        granted = stocks["invention_patents_owned"] * 0.16 * shares[None, :] * np.exp(rng.normal(0.0, 0.1, gdp.shape))
        flows["invention_patents_granted"] = np.round(granted)
        self.missing = rng.random((len(SOMETIMES_MISSING), n, len(h.quarters))) < MISSING_RATE
        return {**flows, **stocks}

    def year_to_date(self, single: np.ndarray) -> np.ndarray:
        ytd = np.zeros_like(single)
        for year in np.unique(self.h.year):
            cols = self.h.year_columns(year)
            ytd[:, cols] = np.cumsum(single[:, cols], axis=1)
        return ytd


def synthetic_truth(seed: int = 2024, start: str = "2019Q1", end: str = "2026Q3", parks: pd.DataFrame | None = None) -> pd.DataFrame:
    """The truth for the parks active at each quarter's end: park_id, quarter, year, quarter_num, indicator_code,
    value_ytd (mart units). Values a park left blank are absent."""
    parks = load_parks() if parks is None else parks
    indicators = load_base_indicators()
    h = Horizon()
    wanted = quarter_range(start, end)
    if wanted[0] not in h.quarters or wanted[-1] not in h.quarters:
        raise NhtzError(f"synthetic data covers {cal.HORIZON[0]}–{cal.HORIZON[1]}; {start}–{end} is outside it")
    model = TruthModel(parks, seed)
    series = model.draw()
    cols = np.array([h.index(*parse_quarter(q)) for q in wanted])

    frames = []
    for code, kind, unit in indicators[["indicator_code", "kind", "unit"]].itertuples(index=False):
        values = model.year_to_date(series[code]) if kind == "flow" else series[code]
        values = values[:, cols]
        values = np.round(values, DECIMALS) if unit in ("亿元", "万吨标准煤") else np.round(values)
        keep = model.active[:, cols].copy()
        if code in SOMETIMES_MISSING:
            keep &= ~model.missing[SOMETIMES_MISSING.index(code)][:, cols]
        rows, qs = np.nonzero(keep)
        frames.append(pd.DataFrame({"park_id": parks["park_id"].to_numpy()[rows], "t": cols[qs], "indicator_code": code,
                                    "sort_order": len(frames), "value_ytd": values[rows, qs]}))
    truth = pd.concat(frames, ignore_index=True)
    truth["quarter"] = np.array(h.quarters)[truth["t"]]
    truth["year"] = h.year[truth["t"]]
    truth["quarter_num"] = h.qnum[truth["t"]]
    truth = truth.sort_values(["t", "park_id", "sort_order"], kind="stable")
    return truth[["park_id", "quarter", "year", "quarter_num", "indicator_code", "value_ytd"]].reset_index(drop=True)
