"""How one park's published value was made: its vintages, the unit conversion, the single quarter, the growth and
its base, the findings and the status it ends with (docs/explain.md)."""

from nhtz.explain.reading import SOURCE_ORDER, STATUS_WORDS, is_usable, one, records
from nhtz.quarters import parse_quarter, previous_quarter, quarter_label

ROLE_WORDS = {"value_ytd": "本期值", "previous_ytd": "上季累计值", "numerator": "分子", "denominator": "分母"}


def same_quarter_last_year(quarter: str) -> str:
    year, quarter_num = parse_quarter(quarter)
    return quarter_label(year - 1, quarter_num)


def park_value(con, park_id: str, quarter: str, indicator_code: str) -> dict | None:
    return one(
        con,
        "select * from marts.fct_park_quarter where park_id = ? and quarter = ? and indicator_code = ?",
        [park_id, quarter, indicator_code],
    )


def source_codes(indicator: dict) -> list[str]:
    """The submitted indicators a published value is made of: itself, or a ratio's numerator and denominator."""
    if indicator["kind"] == "ratio":
        return [indicator["numerator"], indicator["denominator"]]
    return [indicator["indicator_code"]]


def vintages(con, park_id: str, quarter: str, codes: list[str]) -> list[dict]:
    """Every vintage of the submitted values behind the published one, in landing order, and what became of it."""
    rows = records(
        con,
        """
        select indicator_code, period, vintage, submitted_value, submitted_unit, conversion_factor, value, unit,
            file_name, sheet, row_number, landed_at, is_current
        from audit.revisions
        where park_id = ? and period = ? and list_contains(?, indicator_code)
        order by indicator_code, vintage, row_number
        """,
        [park_id, quarter, codes],
    )
    for code in codes:
        landed = [r for r in rows if r["indicator_code"] == code]
        current = next((r for r in landed if r["is_current"]), None)
        for earlier, later in zip([None, *landed], landed):
            later["changed_value"] = earlier is None or earlier["value"] != later["value"]
        for row in landed:
            row["fate"] = _fate(row, current)
    return rows


def _fate(row: dict, current: dict | None) -> str:
    """What became of a vintage; a resend of the same value is no revision (revision_count does not count it)."""
    if row["is_current"]:
        resent = "" if row["changed_value"] else "；与上一版次数值相同，不算修订"
        return "采用：同一园区、报告期、指标以最后入库的版次为准（入库顺序；同一文件内取行号靠后者）" + resent
    if current is None:
        return "未采用"
    if row["value"] == current["value"]:
        return f"与采用的版次 {current['vintage']} 数值相同"
    return f"已被版次 {current['vintage']}（{current['file_name']}）修订"


def single_quarter(con, value: dict, indicator: dict, quarter: str) -> dict | None:
    """value_q = this year-to-date − the previous quarter's of the same year; the first quarter is its own."""
    if indicator["kind"] != "flow" or value is None:
        return None
    _, quarter_num = parse_quarter(quarter)
    if quarter_num == 1:
        return {"value_q": value["value_q"], "value_ytd": value["value_ytd"], "previous_quarter": None,
                "previous_ytd": None, "previous_status": None, "why_null": _own_error(value)}
    previous = previous_quarter(quarter)
    before = park_value(con, value["park_id"], previous, indicator["indicator_code"])
    if value["value_q"] is not None:
        why = None
    elif _own_error(value):
        why = _own_error(value)
    elif before is None or before["value_ytd"] is None:
        why = f"上季（{previous}）无累计值，单季值为空，不推算"
    elif before["quality_status"] == "error":
        why = f"上季（{previous}）累计值审核错误，单季值不计算"
    else:
        why = "单季值为空"
    return {
        "value_q": value["value_q"],
        "value_ytd": value["value_ytd"],
        "previous_quarter": previous,
        "previous_ytd": before["value_ytd"] if before else None,
        "previous_status": before["quality_status"] if before else None,
        "why_null": why,
    }


def _own_error(value: dict) -> str | None:
    return "本值审核错误，其派生数（单季值、增速）不计算" if value["quality_status"] == "error" else None


def _growth(current, base, base_row: dict | None, value: dict, base_quarter: str, what: str) -> dict:
    pct = (current / base - 1) * 100 if current is not None and base is not None and base > 0 else None
    if pct is not None:
        why = None
    elif _own_error(value):
        why = _own_error(value)
    elif base_row is None or base is None:
        why = f"上年同期（{base_quarter}）无{what}，增速为空"
    elif base_row["quality_status"] == "error":
        why = f"上年同期（{base_quarter}）的值审核错误，不作基期"
    elif base <= 0:
        why = f"上年同期（{base_quarter}）{what}不大于 0，增速为空"
    else:
        why = f"本期{what}为空，增速为空"
    return {"value": current, "base_quarter": base_quarter, "base": base,
            "base_status": base_row["quality_status"] if base_row else None, "pct": pct, "why_null": why}


def growth(con, value: dict | None, indicator: dict, quarter: str) -> dict | None:
    """Year-on-year growth against the same quarter last year, with its base; a ratio's change in points too."""
    if value is None:
        return None
    base_quarter = same_quarter_last_year(quarter)
    base_row = park_value(con, value["park_id"], base_quarter, indicator["indicator_code"])
    usable_base = base_row if is_usable(base_row) else None
    out = {"ytd": _growth(value["value_ytd"] if is_usable(value) else None,
                          usable_base["value_ytd"] if usable_base else None, base_row, value, base_quarter, "累计值")}
    if indicator["kind"] == "flow":
        out["q"] = _growth(value["value_q"], usable_base["value_q"] if usable_base else None, base_row, value,
                           base_quarter, "单季值")
    if indicator["kind"] == "ratio":
        both = is_usable(value) and usable_base is not None
        out["pp"] = {"value": value["value_ytd"], "base_quarter": base_quarter,
                     "base": usable_base["value_ytd"] if usable_base else None,
                     "points": value["value_ytd"] - usable_base["value_ytd"] if both else None}
    return out


def ratio_parts(con, value: dict | None, indicator: dict, park_id: str, quarter: str) -> dict | None:
    if indicator["kind"] != "ratio":
        return None
    parts = {role: park_value(con, park_id, quarter, indicator[role]) for role in ("numerator", "denominator")}
    return {
        "multiplier": indicator["multiplier"],
        "value": value["value_ytd"] if value else None,
        **{role: {"indicator_code": indicator[role], "value_ytd": row["value_ytd"] if row else None,
                  "quality_status": row["quality_status"] if row else None}
           for role, row in parts.items()},
    }


def sources(con, park_id: str, quarter: str, indicator_code: str) -> list[dict]:
    """The vintages in use behind the published value (audit.value_lineage), each with its role and unit factor."""
    return records(
        con,
        f"""
        select source_role, source_indicator_code, source_quarter, submitted_value, submitted_unit,
            conversion_factor, value, unit, vintage, file_name, sheet, row_number, landed_at
        from audit.value_lineage
        where park_id = ? and quarter = ? and indicator_code = ?
        order by {SOURCE_ORDER}
        """,
        [park_id, quarter, indicator_code],
    )


def findings(con, park_id: str, quarter: str, indicator: dict) -> list[dict]:
    """The findings on the value, on what it is computed from, and the park's own for the quarter."""
    code = indicator["indicator_code"]
    components = [c for c in source_codes(indicator) if c != code]
    judged = [(quarter, code, "本值")] + [(quarter, c, "比率的分子或分母") for c in components]
    if indicator["kind"] == "flow" and parse_quarter(quarter)[1] > 1:
        judged.append((previous_quarter(quarter), code, "上季累计值（单季值的减数）"))
    judged.append((same_quarter_last_year(quarter), code, "上年同期值（增速的基期）"))
    found = []
    for on_quarter, on_code, role in judged:
        for row in records(
            con,
            "select * from audit.findings where park_id = ? and quarter = ? and indicator_code = ? order by rule_id",
            [park_id, on_quarter, on_code],
        ):
            found.append({**row, "on": role})
    for row in records(
        con,
        "select * from audit.findings where park_id = ? and quarter = ? and indicator_code is null order by rule_id",
        [park_id, quarter],
    ):
        found.append({**row, "on": "园区"})
    return found


def explain_park_value(con, quarter: str, indicator: dict, park: dict) -> dict:
    park_id = park["park_id"]
    value = park_value(con, park_id, quarter, indicator["indicator_code"])
    status = value["quality_status"] if value else None
    return {
        "scope": "park",
        "quarter": quarter,
        "indicator": indicator,
        "park": {k: park.get(k) for k in ("park_id", "park_name", "short_name", "province", "region")},
        "published": value,
        "status": {
            "quality_status": status,
            "meaning": STATUS_WORDS.get(status, "未发布：该园区本季度无此值"),
            "note": value.get("quality_note") if value else None,
            "counts_in_aggregates": is_usable(value),
        },
        "vintages": vintages(con, park_id, quarter, source_codes(indicator)),
        "sources": sources(con, park_id, quarter, indicator["indicator_code"]),
        "single_quarter": single_quarter(con, value, indicator, quarter),
        "ratio": ratio_parts(con, value, indicator, park_id, quarter),
        "growth": growth(con, value, indicator, quarter),
        "findings": findings(con, park_id, quarter, indicator),
    }
