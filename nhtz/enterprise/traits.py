"""Enterprise attributes that the Torch Center derives from an enterprise's own figures.

Thresholds are the commonly used provincial criteria; they are named here once so the generator,
the tests and docs/scaling.md all point at the same numbers.
"""

import numpy as np

# 瞪羚企业: revenue grew at a compound rate of at least 20 % a year over the last three full years,
# and last year's revenue reached the size floor (1 000 万元), so that tiny firms doubling from nothing don't count.
GAZELLE_MIN_CAGR = 0.20
GAZELLE_MIN_REVENUE = 1_000.0  # 万元
GAZELLE_YEARS = 3

# 科技型中小企业: at most 500 employees and at most 2 亿元 (20 000 万元) revenue, with real R&D.
TECH_SME_MAX_EMPLOYEES = 500
TECH_SME_MAX_REVENUE = 20_000.0  # 万元
TECH_SME_MIN_RD_SHARE = 0.03

# 独角兽企业: valued at US$1 bn or more while younger than ten years (and not listed).
UNICORN_MAX_AGE_YEARS = 10

# 规模以上工业: industrial enterprises with annual main-business revenue of 2 000 万元 or more.
ABOVE_SCALE_MIN_REVENUE = 2_000.0  # 万元


def is_gazelle(revenue_base_year, revenue_last_year, was_active_whole_base_year) -> np.ndarray:
    """Gazelle status in year y from full-year revenues of y−4 (base) and y−1 (last), in 万元.

    The base year must be a whole year of activity: a firm founded mid-year would show
    growth that is only its first months being short.
    """
    base = np.asarray(revenue_base_year, dtype=float)
    last = np.asarray(revenue_last_year, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        growth_factor = np.where(base > 0, last / np.where(base > 0, base, 1.0), 0.0)
    return (
        np.asarray(was_active_whole_base_year, dtype=bool)
        & (base > 0)
        & (last >= GAZELLE_MIN_REVENUE)
        & (growth_factor >= (1 + GAZELLE_MIN_CAGR) ** GAZELLE_YEARS)
    )


def is_tech_sme(has_rd_focus, employees, annual_revenue) -> np.ndarray:
    return (
        np.asarray(has_rd_focus, dtype=bool)
        & (np.asarray(employees) <= TECH_SME_MAX_EMPLOYEES)
        & (np.asarray(annual_revenue, dtype=float) <= TECH_SME_MAX_REVENUE)
    )
