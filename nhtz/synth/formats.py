"""How submissions write things: period labels, park names, headers, units and numbers, tidy or messy.

Every number is written exactly: a money value is a whole number of 万元, so `123.4567` 亿元, `1234567` 万元,
`12345670` 千元 and `12,345,670,000` 元 are the same value to the last digit.
"""

import csv
from decimal import Decimal
from functools import cache

import numpy as np

from nhtz.project import SEEDS_DIR

FULLWIDTH = str.maketrans("0123456789-.", "０１２３４５６７８９－．")

# The smallest step a mart value takes (whole 万元, whole 吨, whole counts), in the mart unit.
GRID = {"亿元": Decimal("0.0001"), "万吨标准煤": Decimal("0.0001"), "件": Decimal(1), "家": Decimal(1), "人": Decimal(1)}

# Units a file may use for an indicator of each mart unit, with how often (money mostly 万元 or 亿元).
UNIT_CHOICES = {
    "亿元": (("万元", 0.45), ("亿元", 0.35), ("千元", 0.1), ("元", 0.1)),
    "万吨标准煤": (("万吨标准煤", 0.6), ("吨标准煤", 0.4)),
    "人": (("人", 0.85), ("万人", 0.15)),
    "件": (("件", 0.9), ("项", 0.1)),
    "家": (("家", 0.9), ("个", 0.1)),
}

PARK_HEADERS = {"zh": ("园区", "园区名称", "高新区名称", "单位名称"), "en": ("park",)}
PERIOD_HEADERS = {"zh": ("统计期", "报告期", "统计时间", "期别"), "en": ("period",)}
LONG_HEADERS = {
    "zh": (("指标", "指标名称"), ("数值", "指标值"), ("单位", "计量单位")),
    "en": (("indicator",), ("value",), ("unit",)),
}
MISSING_MARKS = ("—", "—", "-", "")
BAD_NUMBERS = ("见附件", "abc", "待核实", "1.2.3")


@cache
def unit_factors() -> dict[str, Decimal]:
    """Mart units per unit (seeds/unit_conversions.csv): 万元 → 0.0001 亿元."""
    with (SEEDS_DIR / "unit_conversions.csv").open(encoding="utf-8", newline="") as handle:
        return {row["unit"]: Decimal(row["factor"]) for row in csv.DictReader(handle)}


def fullwidth(text: str) -> str:
    return text.translate(FULLWIDTH)


def period_labels(year: int, q: int) -> list[str]:
    """Every way a submission labels the year-to-date from January to the end of quarter q."""
    month = 3 * q
    named = {1: f"{year}年一季度", 2: f"{year}年上半年", 3: f"{year}年前三季度", 4: f"{year}年"}[q]
    return [f"{year}Q{q}", f"{year}-{month:02d}", f"{year}年{month}月", f"{year}年1-{month}月", named,
            fullwidth(f"{year}年1-{month}月"), fullwidth(f"{year}年{month}月")]


def title_for(year: int, q: int) -> str:
    return f"{year}年1-{3 * q}月国家高新区主要经济指标"


def exact_value(value: float, mart_unit: str, unit: str) -> Decimal:
    """The mart value written in `unit`, exact: on the grid of the mart unit, divided by the unit's factor."""
    grid = GRID[mart_unit]
    steps = int(round(value / float(grid)))
    return (Decimal(steps) * grid / unit_factors()[unit]).normalize()


def plain(number: Decimal) -> str:
    return format(number, "f")


def grouped(number: Decimal) -> str:
    return format(number, ",f")


def choose(rng: np.random.Generator, options, weights=None):
    """One of the options; weights need not add up to one."""
    if weights is None:
        return options[int(rng.integers(len(options)))]
    cumulative = np.cumsum(weights)
    return options[int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))]


def choose_unit(rng: np.random.Generator, mart_unit: str) -> str:
    units, weights = zip(*UNIT_CHOICES[mart_unit])
    return choose(rng, units, weights)


def header_spellings(spellings: str, language: str) -> list[str]:
    """Chinese headers are the spellings with Chinese characters in them; English ones are plain ASCII."""
    every = [s for s in spellings.split("|") if s.strip()]
    chinese = [s for s in every if not s.isascii()]
    english = [s for s in every if s.isascii() and "_" not in s]
    return chinese if language == "zh" else (english or every)


def with_unit(header: str, unit: str, rng: np.random.Generator) -> str:
    """`营业收入(万元)` or `营业收入（万元）`: half- and full-width brackets both occur."""
    return f"{header}（{unit}）" if rng.random() < 0.4 else f"{header}({unit})"


def misspelt(name: str, known: set[str]) -> str:
    """A park name with a typo that matches no registry name: what a hurried clerk types."""
    swaps = (("高新", "高薪"), ("技术", "枝术"), ("开发区", "开法区"), ("园区", "圆区"), ("科技", "科枝"))
    for old, new in swaps:
        candidate = name.replace(old, new, 1)
        if candidate != name and candidate not in known:
            return candidate
    return name + "开发区区"
