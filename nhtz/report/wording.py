"""How the report names periods, severities and parks in Chinese, as the Torch Center's analyses do."""

from nhtz.report.numbers import is_missing

# Flows are year-to-date, so a quarter is named by the span it covers; a single quarter by its own name.
PERIOD_WORDS = {1: "一季度", 2: "上半年", 3: "前三季度", 4: "全年"}
QUARTER_WORDS = {1: "一季度", 2: "二季度", 3: "三季度", 4: "四季度"}
SEVERITY_WORDS = {"error": "错误", "warning": "警告"}
KIND_WORDS = {"flow": "流量（年初至季末累计）", "stock": "存量（季末时点数）", "ratio": "比率（由分子分母计算）"}
DIRECTION_WORDS = {1: "越高越好", -1: "越低越好", 0: "不分高低（不排名）"}


def period_words(year: int, quarter_num: int) -> str:
    """`2024年上半年`: the span a year-to-date figure covers."""
    return f"{year}年{PERIOD_WORDS[quarter_num]}"


def official_name(park_name, park_id) -> str:
    """A park by its official name from the registry (苏州工业园区, never a short form); its id if it has none."""
    return park_name if isinstance(park_name, str) and park_name else str(park_id)


def rank_move(value) -> str:
    if is_missing(value) or int(value) == 0:
        return "位次不变"
    value = int(value)
    return f"上升{value}位" if value > 0 else f"下降{-value}位"
