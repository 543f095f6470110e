"""The written analysis of the quarter, in the style of the Torch Center's quarterly economic analyses.

Two steps, so the words can be tested without a database: `narrative_facts` picks the figures out of the
marts (selecting and ordering rows, never recomputing a total or a rate), and `build_narrative` is a pure
function from that small dict to paragraphs of Chinese text. Figures are written as bulletins write them
(`nhtz.report.numbers`); the national like-for-like growth is stated once, with GDP, and before the all-parks
growth when the set of parks changed since last year (docs/methodology.md, "Growth").
"""

import pandas as pd

from nhtz.report.data import ReportData
from nhtz.report.numbers import count, growth, is_missing, point_change, points, quantity, score, yi_yuan
from nhtz.report.wording import QUARTER_WORDS, official_name, period_words, rank_move

# Indicators of the opening paragraph (economic scale) and of the innovation paragraph, in reporting order.
ECONOMY_INDICATORS = ("gdp", "revenue", "industrial_output", "net_profit", "taxes_paid", "exports")
INNOVATION_INDICATORS = (
    "rd_expenditure",
    "rd_intensity",
    "invention_patents_owned",
    "high_tech_enterprises",
    "tech_smes",
    "tech_contract_turnover",
)
LEAD = "gdp"
# Verbs the analyses use before a flow (实现营业收入…); stocks and ratios are stated plainly.
VERBS = {"gdp": "实现", "revenue": "实现", "net_profit": "实现"}
NO_BASE_YEAR = "上年同期无可比数据的指标未列增速"
NATIONAL_KEYS = (
    "value_ytd", "value_q", "yoy_ytd_pct", "yoy_ytd_pct_lfl", "yoy_q_pct", "yoy_q_pct_lfl", "yoy_ytd_pp",
    "n_parks", "n_parks_lfl", "n_parks_q_lfl", "two_year_avg_growth_pct",
)
TOP_N = 3


def _plain(value):
    """A scalar from a DataFrame cell as plain Python (None for missing), so the facts are JSON-like."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _name(row) -> str:
    return official_name(_plain(row.get("park_name")), row["park_id"])


def _national_facts(data: ReportData) -> dict:
    names = data.indicators.set_index("indicator_code")
    out = {}
    for row in data.national.to_dict("records"):
        code = row["indicator_code"]
        out[code] = {
            "name_zh": names.at[code, "name_zh"],
            "unit": names.at[code, "unit"],
            "kind": names.at[code, "kind"],
            **{key: _plain(row.get(key)) for key in NATIONAL_KEYS},
        }
    return out


def parks_changed(data: ReportData) -> bool:
    """Whether the parks behind national GDP differ from last year's: new parks, parks gone, values held out.

    Then all-parks growth mixes in the change of composition, and the like-for-like figure goes first.
    """
    now = data.national[data.national["indicator_code"] == LEAD]
    if now.empty or is_missing(now["n_parks_lfl"].iloc[0]):
        return False
    trend = data.national_trend
    last_year = trend[
        (trend["indicator_code"] == LEAD) & (trend["quarter"] == f"{data.year - 1}Q{data.quarter_num}")
    ]
    n_parks, n_lfl = int(now["n_parks"].iloc[0]), int(now["n_parks_lfl"].iloc[0])
    n_last_year = int(last_year["n_parks"].iloc[0]) if len(last_year) else n_lfl
    return n_lfl < n_parks or n_lfl < n_last_year


def _region_facts(data: ReportData) -> list[dict]:
    gdp = data.regions[data.regions["indicator_code"] == LEAD]
    return [
        {
            key: _plain(row.get(key))
            for key in ("region", "value_ytd", "yoy_ytd_pct", "yoy_ytd_pct_lfl", "n_parks", "n_parks_lfl")
        }
        for row in gdp.to_dict("records")
    ]


def _fastest_region(regions: list[dict]) -> dict | None:
    """The region whose like-for-like growth is highest (all-parks growth where like-for-like is missing)."""

    def speed(region):
        lfl = region["yoy_ytd_pct_lfl"]
        return lfl if lfl is not None else region["yoy_ytd_pct"]

    ranked = [r for r in regions if speed(r) is not None]
    return max(ranked, key=speed) if ranked else None


def _top_parks(data: ReportData) -> list[dict]:
    gdp = data.ranking[data.ranking["indicator_code"] == LEAD].sort_values(["national_rank", "park_id"])
    growth_of = data.park_values[data.park_values["indicator_code"] == LEAD].set_index("park_id")["yoy_ytd_pct"]
    return [
        {
            "name": _name(row),
            "value_ytd": _plain(row["value_ytd"]),
            "national_rank": _plain(row["national_rank"]),
            "yoy_ytd_pct": _plain(growth_of.get(row["park_id"])),
        }
        for row in gdp.head(TOP_N).to_dict("records")
    ]


def _top_contributors(data: ReportData) -> list[dict]:
    # the parks that pulled growth up; the ones that held it back are in the workbook's table
    gdp = data.contributions[
        (data.contributions["indicator_code"] == LEAD) & data.contributions["contribution_pp"].gt(0)
    ]
    return [
        {"name": _name(row), "contribution_pp": _plain(row["contribution_pp"])}
        for row in gdp.head(TOP_N).to_dict("records")
    ]


def movers_basis(ranking: pd.DataFrame) -> str:
    """Rank change against the same quarter last year where there is one (comparable YTD spans), else the last quarter."""
    gdp = ranking[ranking["indicator_code"] == LEAD]
    return "rank_change_yoy" if gdp["rank_change_yoy"].notna().any() else "rank_change_qoq"


def _movers(data: ReportData) -> tuple[str, list[dict], list[dict]]:
    column = movers_basis(data.ranking)
    gdp = data.ranking[(data.ranking["indicator_code"] == LEAD) & data.ranking[column].notna()]

    def describe(rows):
        return [
            {"name": _name(row), "rank_change": _plain(row[column]), "national_rank": _plain(row["national_rank"])}
            for row in rows.to_dict("records")
        ]

    up = gdp[gdp[column] > 0].sort_values([column, "national_rank"], ascending=[False, True]).head(TOP_N)
    down = gdp[gdp[column] < 0].sort_values([column, "national_rank"], ascending=[True, True]).head(TOP_N)
    return ("yoy" if column == "rank_change_yoy" else "qoq"), describe(up), describe(down)


def _composite_top(data: ReportData) -> list[dict]:
    parks = data.composite.drop_duplicates("park_id").sort_values(["composite_rank", "park_id"])
    return [
        {"name": _name(row), "composite_score": _plain(row["composite_score"]),
         "composite_rank": _plain(row["composite_rank"])}
        for row in parks.head(TOP_N).to_dict("records")
    ]


def _findings_facts(data: ReportData) -> dict:
    findings = data.findings
    by_severity = {severity: findings[findings["severity"] == severity] for severity in ("error", "warning")}
    top_rules = []
    if len(findings):
        counted = (
            findings.groupby(["rule_id", "severity"], sort=False)
            .agg(count=("rule_id", "size"), message=("message", "first"))
            .reset_index()
            .sort_values(["count", "rule_id"], ascending=[False, True])
        )
        top_rules = [
            {key: _plain(row[key]) for key in ("rule_id", "severity", "count", "message")}
            for row in counted.head(TOP_N).to_dict("records")
        ]
    return {
        "n_findings": len(findings),
        "n_error": len(by_severity["error"]),
        "n_warning": len(by_severity["warning"]),
        "n_parks_error": by_severity["error"]["park_id"].nunique(),
        "n_parks_warning": by_severity["warning"]["park_id"].nunique(),
        "top_rules": top_rules,
    }


def narrative_facts(data: ReportData) -> dict:
    """The figures the narrative quotes, each taken from one row of a mart."""
    regions = _region_facts(data)
    basis, up, down = _movers(data)
    return {
        "year": data.year,
        "quarter_num": data.quarter_num,
        "national": _national_facts(data),
        "parks_changed": parks_changed(data),
        "regions": regions,
        "fastest_region": _fastest_region(regions),
        "top_parks": _top_parks(data),
        "top_contributors": _top_contributors(data),
        "movers_basis": basis,
        "movers_up": up,
        "movers_down": down,
        "composite_top": _composite_top(data),
        "findings": _findings_facts(data),
    }


def _join(items: list[str]) -> str:
    """`甲、乙和丙`."""
    if len(items) <= 1:
        return "".join(items)
    return "、".join(items[:-1]) + "和" + items[-1]


def _level(fact: dict) -> str:
    """A ratio as `为7.70%`, anything else as the amount or count it is (`216.0亿元`, `205.7万件`)."""
    if fact["kind"] == "ratio":
        return f"为{quantity(fact['value_ytd'], fact['unit'])}"
    return quantity(fact["value_ytd"], fact["unit"])


def _two_year_average(fact: dict) -> str:
    """`，两年平均增长5.2%` beside a 2021 growth rate (it is only published for 2021)."""
    if is_missing(fact.get("two_year_avg_growth_pct")):
        return ""
    return f"，两年平均{growth(fact['two_year_avg_growth_pct'])}"


def _change(fact: dict, single_quarter: str = "") -> str:
    """`，同比增长7.1%` for amounts and counts, `，比上年同期提高0.10个百分点` for ratios; nothing without a base.
    `single_quarter` (`（其中三季度当季增长6.2%）`) goes right after the growth it belongs to."""
    if fact["kind"] == "ratio":
        change = fact.get("yoy_ytd_pp")
        if is_missing(change):
            return ""
        words = point_change(change)
        return "，与上年同期持平" if words == "持平" else f"，比上年同期{words}"
    if is_missing(fact["yoy_ytd_pct"]):
        return ""
    return f"，同比{growth(fact['yoy_ytd_pct'])}{single_quarter}{_two_year_average(fact)}"


def _has_no_base(fact: dict) -> bool:
    return is_missing(fact.get("yoy_ytd_pp") if fact["kind"] == "ratio" else fact["yoy_ytd_pct"])


def _single_quarter(fact: dict, quarter_num: int, like_for_like: bool) -> str:
    """`（其中四季度当季增长6.2%）`: the quarter on its own, from Q2 on (in Q1 it is the year to date)."""
    key = "yoy_q_pct_lfl" if like_for_like else "yoy_q_pct"
    if quarter_num == 1 or is_missing(fact.get(key)):
        return ""
    return f"（其中{QUARTER_WORDS[quarter_num]}当季{growth(fact[key])}）"


def _lead_sentence(fact: dict, facts: dict) -> str:
    """GDP with its growth both ways, the like-for-like figure stated here once (first when the parks changed)."""
    quarter_num = facts["quarter_num"]
    text = f"{VERBS.get(LEAD, '')}{fact['name_zh']}{_level(fact)}"
    lfl = fact.get("yoy_ytd_pct_lfl")
    if facts["parks_changed"] and not is_missing(lfl):
        text += (
            f"，按可比口径（{count(fact['n_parks_lfl'])}家上年同期也有数据的园区）同比{growth(lfl)}"
            f"{_single_quarter(fact, quarter_num, like_for_like=True)}"
        )
        if not is_missing(fact["yoy_ytd_pct"]):
            text += f"，按全部报送园区计算{growth(fact['yoy_ytd_pct'])}{_two_year_average(fact)}"
        return text
    return text + _change(fact, _single_quarter(fact, quarter_num, like_for_like=False))


def _paragraph(opening: str, parts: list[str], facts: list[dict]) -> str:
    text = opening + "；".join(parts)
    if any(_has_no_base(f) for f in facts):
        text += f"（{NO_BASE_YEAR}）"
    return text + "。"


def _economy_paragraph(facts: dict, period: str) -> str | None:
    national = facts["national"]
    codes = [c for c in ECONOMY_INDICATORS if c in national and not is_missing(national[c]["value_ytd"])]
    if not codes:
        return None
    parts = [
        _lead_sentence(national[c], facts) if c == LEAD
        else f"{VERBS.get(c, '')}{national[c]['name_zh']}{_level(national[c])}{_change(national[c])}"
        for c in codes
    ]
    lead = national.get(LEAD) or national[codes[0]]
    return _paragraph(f"{period}，{count(lead['n_parks'])}家国家高新区", parts, [national[c] for c in codes])


def _innovation_paragraph(facts: dict) -> str | None:
    national = facts["national"]
    quoted = [national[c] for c in INNOVATION_INDICATORS if c in national and not is_missing(national[c]["value_ytd"])]
    if not quoted:
        return None
    parts = [f"{fact['name_zh']}{_level(fact)}{_change(fact)}" for fact in quoted]
    return _paragraph("创新投入和创新主体方面，", parts, quoted)


def _region_paragraph(facts: dict) -> str | None:
    regions = facts["regions"]
    if not regions:
        return None
    listed = _join(
        [
            f"{r['region']}地区{yi_yuan(r['value_ytd'])}"
            + ("" if is_missing(r["yoy_ytd_pct"]) else f"（同比{growth(r['yoy_ytd_pct'])}）")
            for r in regions
        ]
    )
    text = f"分区域看，园区生产总值{listed}"
    fastest = facts["fastest_region"]
    if fastest:
        if not is_missing(fastest["yoy_ytd_pct_lfl"]):
            text += (
                f"；其中{fastest['region']}地区可比增长最快，{growth(fastest['yoy_ytd_pct_lfl'])}"
                f"（{count(fastest['n_parks_lfl'])}家园区两期均有数据）"
            )
        else:
            text += (
                f"；其中{fastest['region']}地区增长最快，同比{growth(fastest['yoy_ytd_pct'])}"
                f"（{count(fastest['n_parks'])}家园区）"
            )
    return text + "。"


def _parks_paragraph(facts: dict) -> str | None:
    sentences = []
    if facts["top_parks"]:
        tops = [
            f"{p['name']}（{yi_yuan(p['value_ytd'])}"
            + ("" if is_missing(p["yoy_ytd_pct"]) else f"，同比{growth(p['yoy_ytd_pct'])}")
            + "）"
            for p in facts["top_parks"]
        ]
        sentences.append(f"分园区看，园区生产总值居前{len(tops)}位的是{_join(tops)}")
    if facts["top_contributors"]:
        pulls = [f"{p['name']}（拉动{points(p['contribution_pp'])}）" for p in facts["top_contributors"]]
        sentences.append(f"对全国国家高新区园区生产总值增长拉动最大的是{_join(pulls)}")
    since = "与上年同期相比" if facts["movers_basis"] == "yoy" else "与上季度相比"
    moves = []
    for words, movers in (("上升", facts["movers_up"]), ("下降", facts["movers_down"])):
        if movers:
            moves.append(
                f"位次{words}最多的是"
                + _join([f"{p['name']}（{rank_move(p['rank_change'])}至第{count(p['national_rank'])}位）" for p in movers])
            )
    if moves:
        sentences.append(f"从园区生产总值位次看，{since}，" + "；".join(moves))
    if not sentences:
        return None
    return "。".join(sentences) + "。"


def _composite_paragraph(facts: dict) -> str | None:
    tops = facts["composite_top"]
    if not tops:
        return None
    listed = _join([f"{p['name']}（{score(p['composite_score'])}分）" for p in tops])
    return f"综合评价方面，综合指数居前{len(tops)}位的是{listed}。"


def _findings_paragraph(facts: dict) -> str:
    found = facts["findings"]
    if not found["n_findings"]:
        return "数据审核方面，本期未发现审核问题。"
    text = (
        f"数据审核方面，本期共发现审核问题{found['n_findings']}条，其中错误{found['n_error']}条"
        f"（涉及{found['n_parks_error']}家园区，相关数值未纳入汇总，需园区更正）、警告{found['n_warning']}条"
        f"（涉及{found['n_parks_warning']}家园区，需园区作出说明）"
    )
    top = found["top_rules"][0] if found["top_rules"] else None
    if top:
        text += f"；出现最多的是规则{top['rule_id']}（{top['count']}条，如“{top['message']}”）"
    return text + "。"


def build_narrative(facts: dict) -> list[str]:
    """Paragraphs of the quarter's analysis, from `narrative_facts` (pure: the same dict gives the same text)."""
    period = period_words(facts["year"], facts["quarter_num"])
    paragraphs = [
        _economy_paragraph(facts, period),
        _innovation_paragraph(facts),
        _region_paragraph(facts),
        _parks_paragraph(facts),
        _composite_paragraph(facts),
        _findings_paragraph(facts),
    ]
    return [p for p in paragraphs if p]
