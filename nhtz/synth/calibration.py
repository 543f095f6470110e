"""The published figures the synthetic truth is calibrated to (DOMAIN.md "Calibration facts"), as data.

Money in 亿元, counts as plain numbers. docs/synthetic_data.md explains each figure and how the generator meets it.
"""

# The truth is always generated over this fixed span and then cut to the quarters asked for, so a seed gives the
# same numbers for 2021Q4 whether one asks for 2019Q1–2026Q3 or for 2021Q1–2022Q4.
HORIZON = ("2019Q1", "2030Q4")
BASE_YEAR = 2019

# National zone GDP of the parks active in 2019, 2019 full year: 12.2万亿 (169 zones).
NATIONAL_GDP_2019 = 122_000.0

# Share of the year's GDP that falls in each quarter. The 2023 Q1–Q3 figures (12.33万亿, +7.11% on 2022 Q1–Q3)
# beside the 2022 full year (17.3万亿) put Q1–Q3 at about two thirds of a year, so Q4 carries about a third.
QUARTER_SHARES = (0.205, 0.235, 0.245, 0.315)

# Single-quarter growth of national GDP on the same quarter of the year before, for the parks of the year before.
# 2020Q1 is the pandemic fall; 2021Q1 the rebound on that low base; 2023 Q1–Q3 is +7.11% as published.
QUARTER_GROWTH = {
    2020: (0.87, 1.05, 1.10, 1.14),
    2021: (1.32, 1.18, 1.14, 1.165),
    2022: (1.115, 1.115, 1.115, 1.115),
    2023: (1.0711, 1.0711, 1.0711, 1.075),
    2024: (1.08, 1.08, 1.08, 1.08),
    2025: (1.075, 1.075, 1.075, 1.075),
}
LATER_GROWTH = 1.07  # every year after the table

# National ratio of a flow to GDP by year (Σ flow / Σ GDP over all parks): revenue 2021 = 49.5 / 15.3,
# 2023 = 37.66 / 12.33; industrial output 2023 = 23.49 / 12.33; R&D 2021 = 1.1万亿 / 15.3万亿.
# Years between are interpolated, years after the last are held.
NATIONAL_RATIO_TO_GDP = {
    "revenue": {2019: 3.30, 2020: 3.28, 2021: 3.235, 2022: 3.12, 2023: 3.054, 2024: 3.03, 2025: 3.01, 2026: 3.0},
    "industrial_output": {2019: 2.05, 2020: 2.00, 2021: 1.98, 2022: 1.94, 2023: 1.905, 2024: 1.88, 2026: 1.85},
    "rd_expenditure": {2019: 0.066, 2020: 0.069, 2021: 0.0719, 2022: 0.073, 2023: 0.074, 2026: 0.077},
}

# National stock levels at the end of 2021 (sum over parks).
NATIONAL_STOCK_2021Q4 = {"high_tech_enterprises": 115_000}

# The giants: approximate 2021 GDP (亿元) that sets their size; noise and growth still apply. They also carry
# the high R&D intensity that puts the national R&D/GDP near 7% while a typical park spends 2–6%.
GIANT_GDP_2021 = {
    "beijing_zgc": 10_500.0,
    "shanghai_zhangjiang": 6_500.0,
    "shenzhen": 6_000.0,
    "guangzhou": 4_000.0,
    "suzhou_sip": 3_300.0,
    "chengdu": 2_850.0,
    "xian": 2_500.0,
    "wuhan_donghu": 2_401.0,
    "hangzhou": 2_100.0,
    "hefei": 1_400.0,
}
GIANT_RD_INTENSITY = (0.11, 0.15)
# No other park is drawn bigger than this (2021 GDP, 亿元): the biggest of the rest (宁波, 长沙, 青岛 …) come near
# the smaller giants but do not overtake the named ones.
NON_GIANT_CAP = 1_800.0

# Other named parks whose size is set so their pinned figures below sit in a plausible park: 衢州's industrial
# output of 1340亿 needs a GDP of several hundred 亿, 大连's 1000+ high-tech enterprises a sizeable park.
OTHER_GDP_2021 = {"dalian": 1_050.0, "quzhou": 560.0, "lanzhou": 350.4}

# Figures from the source documents that the truth reproduces exactly. Flows: full-year (Q4 year-to-date) value
# of that year; stocks: level at the end of that year. The park's path is rescaled around these years.
PINNED = [
    ("wuhan_donghu", "gdp", 2020, 2401.0 / 1.168),
    ("wuhan_donghu", "gdp", 2021, 2401.0),
    ("lanzhou", "gdp", 2021, 350.4),
    ("lanzhou", "rd_expenditure", 2021, round(350.4 * 0.032, 4)),
    ("lanzhou", "employees", 2021, 120_000),
    ("lanzhou", "invention_patents_owned", 2021, 588),  # 49 per 10 000 employees
    ("lanzhou", "high_tech_enterprises", 2021, 410),
    ("dalian", "high_tech_enterprises", 2021, 1_320),
    ("dalian", "tech_contract_turnover", 2021, 145.0),
    ("dalian", "invention_patents_owned", 2021, 8_000),
    ("quzhou", "industrial_output", 2020, 976.7),
    ("quzhou", "industrial_output", 2021, 1340.0),
]

# Figures the tests and docs compare the generator with: (what, published value, unit).
PUBLISHED = {
    "gdp_2019": 122_000.0,
    "gdp_2021": 153_000.0,
    "gdp_2022": 173_000.0,
    "gdp_2023_q1_q3": 123_300.0,
    "gdp_2023_q1_q3_growth_pct": 7.11,
    "revenue_2021": 495_000.0,
    "revenue_2023_q1_q3": 376_600.0,
    "industrial_output_2023_q1_q3": 234_900.0,
    "rd_expenditure_2021": 11_000.0,
    "high_tech_enterprises_2021": 115_000,
}
