"""The published figures the synthetic truth is calibrated to (zone totals, named parks), as data.

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

# Single-quarter growth of national GDP on the same quarter of the year before, for the parks of the year before:
# the common path every park moves around. 2020Q1 is the pandemic fall; 2021Q1 the rebound on that low base; 2022
# is 17.3万亿 with the zones that joined that year on top; 2023 Q1–Q3 is +7.11% as published. Only the annual totals
# of the 2019 parks are held to this path: the quarters of a year move with the parks' own shocks.
QUARTER_GROWTH = {
    2020: (0.87, 1.05, 1.10, 1.14),
    2021: (1.32, 1.18, 1.14, 1.165),
    2022: (1.13, 1.105, 1.13, 1.135),  # Q2: the spring lockdowns
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
# No other park is bigger than this (2021 GDP, 亿元): the biggest of the rest (天津, 南京, 青岛, 长沙 …) come near
# the named giants but do not overtake the eight biggest. Sizes are pressed softly under it above SOFT_CAP_FROM, so
# the big ordinary parks spread out below the ceiling instead of piling up on it.
NON_GIANT_CAP = 2_300.0
SOFT_CAP_FROM = 1_000.0

# Every other park's size (2021 GDP, 亿元, before its own trend and shocks) by the wave that made it a national zone:
# (last approval year of the wave, median, lowest, highest; None = unbounded). The 1988–1992 batches sit in the
# provincial capitals and big industrial cities; each later wave went to smaller cities and started smaller.
APPROVAL_WAVES = (
    (1992, 800.0, 150.0, None),
    (2013, 380.0, 60.0, None),
    (2017, 240.0, 50.0, 700.0),
    (2021, 130.0, 40.0, 350.0),
    (9999, 90.0, 30.0, 180.0),
)
SIZE_SIGMA = 0.35  # lognormal spread within a wave, city class and region
# The first two waves' parks in ordinary and big cities are rescaled together so the 169 parks of 2021 add up to the
# published total. Every other park keeps its absolute size, so the zones approved from 2014 on, above all the 2018
# upgrades and the 2022–2023 batch (遵义, 许昌 …), and the zones of small cities (拉萨, 克拉玛依 …) stay at tens to a
# few hundred 亿元 whatever the old zones weigh.
RESCALED_WAVES_UP_TO = 2013
# A zone in a municipality, a sub-provincial city or a capital with more than 1万亿 of city GDP is bigger.
BIG_CITIES = frozenset({
    "北京市", "上海市", "天津市", "重庆市", "广州市", "深圳市", "成都市", "武汉市", "杭州市", "南京市", "西安市",
    "济南市", "沈阳市", "长春市", "哈尔滨市", "大连市", "青岛市", "宁波市", "厦门市", "郑州市", "长沙市",
    "合肥市", "福州市", "苏州市", "无锡市",
})
BIG_CITY_FACTOR = 1.8
# Cities whose whole GDP was about 2 000亿 or less in 2021 (approximate, from the cities' statistical bulletins): their
# zone is smaller, and never above SMALL_CITY_CEILING, so no zone outgrows its city.
SMALL_CITIES = frozenset({
    "海口市", "西宁市", "拉萨市", "克拉玛依市", "石嘴山市", "石河子市", "阿克苏地区", "景德镇市", "新余市", "鹰潭市",
    "随州市", "仙桃市", "潜江市", "白银市", "安顺市", "本溪市", "辽阳市", "阜新市", "通化市", "承德市",
    "攀枝花市", "安康市", "楚雄彝族自治州", "河源市", "内江市", "北海市", "锦州市", "咸宁市", "怀化市", "益阳市",
    "延边朝鲜族自治州", "营口市", "吉林市", "齐齐哈尔市", "抚州市", "铜陵市", "淮南市", "黄石市", "自贡市", "荆门市",
})
SMALL_CITY_FACTOR = 0.55
SMALL_CITY_CEILING = 600.0
REGION_FACTOR = {"东部": 1.2, "中部": 1.0, "西部": 0.85, "东北": 0.8}

# How a park's GDP moves around the national path, in logs: a park trend (sd 3.5 points a year around the path;
# zones approved from 2015 on catch up 2 points a year faster), persistent quarterly shocks (AR(1), ρ = 0.8,
# innovations of sd 3% for a park of 500亿, more for smaller parks, less for bigger), and transient noise (1.5%).
PARK_TREND_SD = 0.035
CATCH_UP = (2015, 0.02)  # (approved from, extra growth a year)
SHOCK_RHO = 0.8
SHOCK_SD = 0.03
SHOCK_SD_RANGE = (0.015, 0.06)
SHOCK_SIZE_ELASTICITY = 0.15  # shock sd ∝ (size / 500)^-0.15
NOISE_SD = 0.015

# The pandemic quarters, as a fall below the path's trend that each park takes to its own degree: exposure 1 is the
# national fall, exposure 0 none, normal(1, 0.35) clipped to 0.2–2. Hubei's parks take 2.5 (Wuhan's lockdown:
# Hubei's GDP fell by about 40% in 2020Q1), and rebound accordingly in 2021Q1 on that low base.
PANDEMIC_DIP = {(2020, 1): 0.80, (2020, 2): 0.97}
PANDEMIC_EXPOSURE_SD = 0.35
HARDEST_HIT = ("湖北省", 2.5)

# Net profit: each park has its own margin on revenue, normal(7%, 2.5%); about one park in thirty is a loss-maker
# (margin normal(-1%, 2%)); each quarter's margin moves by normal(0, 1 point), so some quarters lose money.
NET_MARGIN = (0.07, 0.025)
LOSS_MAKERS = (0.03, -0.01, 0.02)  # (share of parks, margin mean, margin sd)
MARGIN_NOISE_SD = 0.01

# Stocks: (growth a year: mean, sd across parks; sd of the quarterly AR(1) wobble around the trend). No floor on a
# park's growth and the wobble is persistent, so some parks shrink and some quarters fall.
STOCK_DYNAMICS = {
    "employees": (0.04, 0.03, 0.006),
    "invention_patents_owned": (0.14, 0.03, 0.005),
    "high_tech_enterprises": (0.13, 0.04, 0.02),
    "tech_smes": (0.15, 0.04, 0.02),
    "gazelle_enterprises": (0.08, 0.05, 0.04),
    "unicorn_enterprises": (0.05, 0.05, 0.05),
    "incubators": (0.06, 0.03, 0.02),
}
STOCK_RHO = 0.8

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
