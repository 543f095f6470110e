"""The seeds are reference data people sign off: counts and conventions checked straight from the CSV files."""

import csv
from collections import Counter
from datetime import date

import pytest

from nhtz.project import SEEDS_DIR

REGION_OF_PROVINCE_PREFIX = {
    "东部": ["北京", "天津", "河北", "上海", "江苏", "浙江", "福建", "山东", "广东", "海南"],
    "中部": ["山西", "安徽", "江西", "河南", "湖北", "湖南"],
    "西部": ["内蒙古", "广西", "重庆", "四川", "贵州", "云南", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆"],
    "东北": ["辽宁", "吉林", "黑龙江"],
}


def read_seed(name: str) -> list[dict]:
    with open(SEEDS_DIR / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def parks():
    return read_seed("park_registry.csv")


def active_at(parks, day: date) -> int:
    return sum(
        1
        for p in parks
        if date.fromisoformat(p["active_from"]) <= day and (not p["active_to"] or date.fromisoformat(p["active_to"]) >= day)
    )


@pytest.mark.parametrize(
    "day, expected",
    [(date(2019, 12, 31), 169), (date(2021, 12, 31), 169), (date(2022, 9, 30), 173), (date(2022, 12, 31), 177),
     (date(2024, 12, 31), 178)],
)
def test_zone_counts_match_the_published_totals(parks, day, expected):
    assert active_at(parks, day) == expected


def test_every_park_is_in_the_region_of_its_province(parks):
    for park in parks:
        prefixes = REGION_OF_PROVINCE_PREFIX[park["region"]]
        assert any(park["province"].startswith(prefix) for prefix in prefixes), park["park_id"]
    assert Counter(p["region"] for p in parks).keys() == REGION_OF_PROVINCE_PREFIX.keys()


def test_names_and_aliases_point_to_exactly_one_park(parks):
    owners = Counter()
    for park in parks:
        names = {park["park_name"], park["short_name"], *filter(None, park["aliases"].split("|"))}
        owners.update(names)
    assert [name for name, n in owners.items() if n > 1] == []
    assert len({p["park_id"] for p in parks}) == len(parks) == 178


def test_source_documents_parks_are_registered_and_jiangning_is_not(parks):
    known = {n for p in parks for n in (p["park_name"], p["short_name"], *p["aliases"].split("|"))}
    for name in ["武汉东湖", "兰州", "大连", "衢州", "厦门火炬", "东莞松山湖", "马鞍山慈湖", "齐齐哈尔", "丰城"]:
        assert any(name in k for k in known), name
    assert not any("江宁" in k for k in known)


def test_weights_sum_to_one_and_name_known_indicators():
    indicators = {row["indicator_code"] for row in read_seed("indicators.csv")}
    dimensions = read_seed("evaluation_dimensions.csv")
    assert sum(float(d["weight"]) for d in dimensions) == pytest.approx(1.0)
    per_dimension = Counter()
    for row in read_seed("evaluation_weights.csv"):
        assert row["indicator_code"] in indicators
        per_dimension[row["dimension"]] += float(row["weight"])
    assert set(per_dimension) == {d["dimension"] for d in dimensions}
    for dimension, total in per_dimension.items():
        assert total == pytest.approx(1.0), dimension


def test_ratios_are_built_from_indicators_that_are_submitted():
    rows = {row["indicator_code"]: row for row in read_seed("indicators.csv")}
    kinds = Counter(row["kind"] for row in rows.values())
    # 18 submitted indicators, 7 ratios, 2 comparable-price growth rates parks report themselves
    assert kinds == {"flow": 11, "stock": 7, "ratio": 7, "reported_growth": 2}
    for row in rows.values():
        if row["kind"] == "ratio":
            assert rows[row["numerator"]]["kind"] != "ratio" and rows[row["denominator"]]["kind"] != "ratio"
        if row["kind"] == "reported_growth":
            assert rows[row["growth_of"]]["kind"] == "flow" and row["unit"] == "%"
    # only the intensity is "lower is better"; total energy use is neither better nor worse (not ranked)
    assert rows["energy_intensity"]["direction"] == "-1"
    assert rows["energy_consumption"]["direction"] == "0"


def test_every_submitted_indicator_has_a_plausibility_ceiling():
    rows = read_seed("indicators.csv")
    ceilings = {r["indicator_code"]: float(r["plausibility_ceiling"]) for r in rows if r["kind"] in ("flow", "stock")}
    assert len(ceilings) == 18
    # a gdp slip of x10^8 (元 under 亿元) on a 1 亿元 park is far above the ceiling; the largest zone is well below
    assert ceilings["gdp"] == 50_000 and 1e8 > ceilings["gdp"] > 20_000
