"""The written analysis of the quarter, in the style of the Torch Center's quarterly economic analyses.

Two steps, so the words can be tested without a database: `narrative_facts` picks the figures out of the
marts (selecting and ordering rows, never recomputing a total or a rate), and `build_narrative` is a pure
function from that small dict to paragraphs of Chinese text.
"""

import pandas as pd

from nhtz.report.data import ReportData
from nhtz.report.wording import amount, count, growth, is_missing, park_label, period_words, rank_move

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
# Verbs the analyses use before a flow (实现营业收入…); stocks and ratios are stated plainly.
VERBS = {"gdp": "实现", "revenue": "实现", "net_profit": "实现"}
NO_BASE_YEAR = "上年同期无可比数据的指标未列增速"
TOP_N = 3


def _plain(value):
    """A scalar from a DataFrame cell as plain Python (None for missing), so the facts are JSON-like."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _name(row) -> str:
    return park_label(_plain(row.get("short_name")), _plain(row.get("park_name")), row["park_id"])


def _national_facts(data: ReportData) -> dict:
    names = data.indicators.set_index("indicator_code")
    out = {}
    for row in data.national.to_dict("records"):
        code = row["indicator_code"]
        out[code] = {
            "name_zh": names.at[code, "name_zh"] if code in names.index else code,
            "unit": names.at[code, "unit"] if code in names.index else "",
            **{
                key: _plain(row.get(key))
                for key in ("value_ytd", "yoy_ytd_pct", "yoy_ytd_pct_lfl", "n_parks", "n_parks_lfl", "n_parks_growing")
            },
        }
    return out


def _region_facts(data: ReportData) -> list[dict]:
    gdp = data.regions[data.regions["indicator_code"] == "gdp"]
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
    gdp = data.ranking[data.ranking["indicator_code"] == "gdp"].sort_values(["national_rank", "park_id"])
    growth_of = data.park_values[data.park_values["indicator_code"] == "gdp"].set_index("park_id")["yoy_ytd_pct"]
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
        (data.contributions["indicator_code"] == "gdp") & data.contributions["contribution_pp"].gt(0)
    ]
    return [
        {"name": _name(row), "contribution_pp": _plain(row["contribution_pp"])} for row in gdp.head(TOP_N).to_dict("records")
    ]


def movers_basis(ranking: pd.DataFrame) -> str:
    """Rank change against the same quarter last year where there is one (comparable YTD spans), else the last quarter."""
    gdp = ranking[ranking["indicator_code"] == "gdp"]
    return "rank_change_yoy" if gdp["rank_change_yoy"].notna().any() else "rank_change_qoq"


def _movers(data: ReportData) -> tuple[str, list[dict], list[dict]]:
    column = movers_basis(data.ranking)
    gdp = data.ranking[(data.ranking["indicator_code"] == "gdp") & data.ranking[column].notna()]

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
        {"name": _name(row), "composite_score": _plain(row["composite_score"]), "composite_rank": _plain(row["composite_rank"])}
        for row in parks.head(TOP_N).to_dict("records")
    ]


def _findings_facts(data: ReportData) -> dict:
    findings = data.findings
    by_severity = {
        severity: findings[findings["severity"] == severity] for severity in ("error", "warning")
    }
    top_rules = []
    if len(findings):
        counted = (
            findings.groupby(["rule_id", "severity"], sort=False)
            .agg(count=("rule_id", "size"), message=("message", "first"))
            .reset_index()
            .sort_values(["count", "rule_id"], ascending=[False, True])
        )
        top_rules = [{key: _plain(row[key]) for key in ("rule_id", "severity", "count", "message")} for row in counted.head(TOP_N).to_dict("records")]
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


def _quantity(fact: dict) -> str:
    unit = fact["unit"] or ""
    if unit in ("件", "家", "人"):
        return f"{count(fact['value_ytd'])}{unit}"
    return f"{amount(fact['value_ytd'])}{unit}"


def _with_growth(fact: dict) -> str:
    """`，同比增长7.1%（可比口径…）`, or nothing when there is no base year (said once per paragraph instead)."""
    if is_missing(fact["yoy_ytd_pct"]):
        return ""
    text = f"，同比{growth(fact['yoy_ytd_pct'])}"
    if not is_missing(fact.get("yoy_ytd_pct_lfl")):
        text += f"（可比口径{growth(fact['yoy_ytd_pct_lfl'])}，{count(fact['n_parks_lfl'])}家可比园区）"
    return text


def _paragraph(opening: str, parts: list[str], facts: list[dict]) -> str:
    text = opening + "；".join(parts)
    if any(is_missing(f["yoy_ytd_pct"]) for f in facts):
        text += f"（{NO_BASE_YEAR}）"
    return text + "。"


def _economy_paragraph(facts: dict, period: str) -> str | None:
    national = facts["national"]
    quoted = [national[c] for c in ECONOMY_INDICATORS if c in national and not is_missing(national[c]["value_ytd"])]
    if not quoted:
        return None
    codes = [c for c in ECONOMY_INDICATORS if c in national and national[c] in quoted]
    parts = [f"{VERBS.get(c, '')}{f['name_zh']}{_quantity(f)}{_with_growth(f)}" for c, f in zip(codes, quoted)]
    lead = national.get("gdp") or quoted[0]
    return _paragraph(f"{period}，{count(lead['n_parks'])}家国家高新区", parts, quoted)


def _innovation_paragraph(facts: dict) -> str | None:
    national = facts["national"]
    parts, quoted = [], []
    for code in INNOVATION_INDICATORS:
        if code not in national or is_missing(national[code]["value_ytd"]):
            continue
        fact = national[code]
        if code == "rd_intensity":
            # a level quoted as such; its change is a ratio of ratios the analyses do not lead with
            parts.append(f"{fact['name_zh']}为{amount(fact['value_ytd'])}%")
        else:
            parts.append(f"{fact['name_zh']}{_quantity(fact)}{_with_growth({**fact, 'yoy_ytd_pct_lfl': None})}")
            quoted.append(fact)
    if not parts:
        return None
    return _paragraph("创新投入和创新主体方面，", parts, quoted)


def _region_paragraph(facts: dict) -> str | None:
    regions = facts["regions"]
    if not regions:
        return None
    listed = _join(
        [
            f"{r['region']}地区{amount(r['value_ytd'])}亿元"
            + ("" if is_missing(r["yoy_ytd_pct"]) else f"（同比{growth(r['yoy_ytd_pct'])}）")
            for r in regions
        ]
    )
    text = f"分区域看，园区生产总值{listed}"
    fastest = facts["fastest_region"]
    if fastest:
        if not is_missing(fastest["yoy_ytd_pct_lfl"]):
            speed = f"可比口径{growth(fastest['yoy_ytd_pct_lfl'])}（{count(fastest['n_parks_lfl'])}家可比园区）"
        else:
            speed = f"同比{growth(fastest['yoy_ytd_pct'])}（{count(fastest['n_parks'])}家园区）"
        text += f"；其中{fastest['region']}地区增长最快，{speed}"
    return text + "。"


def _parks_paragraph(facts: dict) -> str | None:
    sentences = []
    if facts["top_parks"]:
        tops = [
            f"{p['name']}（{amount(p['value_ytd'])}亿元"
            + ("" if is_missing(p["yoy_ytd_pct"]) else f"，同比{growth(p['yoy_ytd_pct'])}")
            + "）"
            for p in facts["top_parks"]
        ]
        sentences.append(f"分园区看，园区生产总值居前{len(tops)}位的是{_join(tops)}")
    if facts["top_contributors"]:
        pulls = [f"{p['name']}（{amount(p['contribution_pp'], 2)}个百分点）" for p in facts["top_contributors"]]
        sentences.append(f"对全国国家高新区园区生产总值可比增长拉动最大的是{_join(pulls)}")
    since = "与上年同期相比" if facts["movers_basis"] == "yoy" else "与上季度相比"
    moves = []
    if facts["movers_up"]:
        moves.append(
            "位次上升最多的是"
            + _join([f"{p['name']}（{rank_move(p['rank_change'])}至第{count(p['national_rank'])}位）" for p in facts["movers_up"]])
        )
    if facts["movers_down"]:
        moves.append(
            "位次下降最多的是"
            + _join([f"{p['name']}（{rank_move(p['rank_change'])}至第{count(p['national_rank'])}位）" for p in facts["movers_down"]])
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
    listed = _join([f"{p['name']}（{amount(p['composite_score'])}分）" for p in tops])
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
