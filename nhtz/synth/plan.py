"""Which parks go into which file, and where the messy set's problems are put.

Parks are sent in batches of neighbouring provinces (about eight files a quarter). The problems a real
quarter brings (a late park, a slightly wrong figure revised later, a misspelt park, text where a number
belongs, a negative revenue, a year-to-date that falls) are put on distinct park-quarters, drawn once for
the whole range so that every kind occurs in every range of a few quarters.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from nhtz.quarters import parse_quarter

REGION_ORDER = ("东部", "中部", "西部", "东北")
PROVINCE_ABBREVIATIONS = {
    "北京市": "京", "天津市": "津", "河北省": "冀", "上海市": "沪", "江苏省": "苏", "浙江省": "浙", "福建省": "闽",
    "山东省": "鲁", "广东省": "粤", "海南省": "琼", "山西省": "晋", "安徽省": "皖", "江西省": "赣", "河南省": "豫",
    "湖北省": "鄂", "湖南省": "湘", "内蒙古自治区": "蒙", "广西壮族自治区": "桂", "重庆市": "渝", "四川省": "川",
    "贵州省": "黔", "云南省": "滇", "西藏自治区": "藏", "陕西省": "陕", "甘肃省": "甘", "青海省": "青",
    "宁夏回族自治区": "宁", "新疆维吾尔自治区": "新", "辽宁省": "辽", "吉林省": "吉", "黑龙江省": "黑",
}
BATCH_SIZE = 22  # parks per file, about: 178 parks make eight files a quarter

# How many of each problem a range of n quarters gets (at least one of each where the range allows it).
PROBLEM_RATES = {"late": 0.5, "revision": 1.0, "unknown_park": 1 / 6, "text_in_number": 1 / 6,
                 "negative_value": 1 / 8, "falling_ytd": 1 / 8}
FALLING_YTD_INDICATORS = ("revenue", "industrial_output", "gdp", "taxes_paid")
# The part each of those has (the audit rules' part-exceeds-whole pairs): a falling whole must stay above its part,
# so that the falling year-to-date is the one rule it breaks.
PART_OF = {"industrial_output": "industrial_value_added", "revenue": "net_profit"}


@dataclass(frozen=True)
class Batch:
    number: int
    label: str  # `东部京津冀沪`
    park_ids: tuple[str, ...]

    def file_stem(self, quarter: str) -> str:
        return f"{self.number:02d}_{self.label}_{quarter}"


def province_batches(parks: pd.DataFrame) -> list[Batch]:
    """Provinces in region order, cut into files of about BATCH_SIZE parks, never splitting a province."""
    order = parks.assign(
        region_rank=parks["region"].map({r: i for i, r in enumerate(REGION_ORDER)}).fillna(len(REGION_ORDER)),
        registry_rank=range(len(parks)),
    )
    province_rank = order.groupby("province", sort=False)["registry_rank"].min()
    order["province_rank"] = order["province"].map(province_rank)
    order = order.sort_values(["region_rank", "province_rank", "registry_rank"])
    batches, current, provinces, region = [], [], [], None
    for park_id, province, park_region in order[["park_id", "province", "region"]].itertuples(index=False):
        new_province = not provinces or provinces[-1] != province
        if new_province and current and (len(current) >= BATCH_SIZE or park_region != region and len(current) >= BATCH_SIZE / 2):
            batches.append((region, provinces, current))
            current, provinces = [], []
        if new_province:
            provinces.append(province)
        region = park_region
        current.append(park_id)
    if current:
        batches.append((region, provinces, current))
    return [
        Batch(i + 1, f"{region}{''.join(PROVINCE_ABBREVIATIONS.get(p, p[:2]) for p in provinces)}", tuple(ids))
        for i, (region, provinces, ids) in enumerate(batches)
    ]


@dataclass(frozen=True)
class Problem:
    kind: str  # one of PROBLEM_RATES
    park_id: str
    quarter: str
    indicators: tuple[str, ...] = ()


def place_problems(rng: np.random.Generator, truth: pd.DataFrame, quarters: list[str]) -> list[Problem]:
    """Distinct park-quarters for each kind of problem, drawn in a fixed order."""
    n = len(quarters)
    slots = truth[["quarter", "park_id"]].drop_duplicates().to_numpy().tolist()
    slots = [slots[i] for i in rng.permutation(len(slots))]
    present = set(zip(*(truth[c].to_numpy().tolist() for c in ("park_id", "quarter", "indicator_code"))))
    flows_always = ("gdp", "revenue", "industrial_output", "industrial_value_added", "net_profit", "taxes_paid", "rd_expenditure")
    used: set[tuple[str, str]] = set()
    problems = []

    def fits(kind, quarter, park_id):
        position = quarters.index(quarter)
        if kind == "late":
            return position + 1 < n  # it arrives in the next quarter's folder
        if kind == "falling_ytd":
            _, q = parse_quarter(quarter)
            return q >= 3 and position >= 1 and any(
                (park_id, quarter, c) in present and (park_id, quarters[position - 1], c) in present for c in FALLING_YTD_INDICATORS)
        return True

    for kind, rate in PROBLEM_RATES.items():
        wanted = max(1, round(n * rate)) if kind != "revision" else max(2, n)
        for quarter, park_id in slots:
            if wanted == 0:
                break
            if (park_id, quarter) in used or not fits(kind, quarter, park_id):
                continue
            used.add((park_id, quarter))
            wanted -= 1
            if kind == "revision":
                count = int(rng.integers(1, 4))
                indicators = tuple(sorted(rng.choice(flows_always, size=count, replace=False)))
            elif kind == "text_in_number":
                indicators = (str(rng.choice(flows_always)),)
            elif kind == "negative_value":
                indicators = ("revenue",)
            elif kind == "falling_ytd":
                previous = quarters[quarters.index(quarter) - 1]
                candidates = [c for c in FALLING_YTD_INDICATORS if (park_id, quarter, c) in present and (park_id, previous, c) in present]
                indicators = (str(rng.choice(candidates)),)
            elif kind == "unknown_park":
                indicators = ("gdp",)
            else:
                indicators = ()
            problems.append(Problem(kind, str(park_id), str(quarter), indicators))
    return problems
