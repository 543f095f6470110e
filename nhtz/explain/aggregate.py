"""How a national or regional value was made: each park's part with its files, the parks held out and why, the
like-for-like set and the growth both ways, every count n, and a check of the published figures against the parts
(docs/explain.md)."""

import math

from nhtz.explain.park import same_quarter_last_year
from nhtz.explain.reading import SOURCE_ORDER, STATUS_WORDS, is_usable, one, records

# the marts' own tolerance for "rose": a rise smaller than floating rounding of the base is no rise
RISE_TOLERANCE = 1e-9
# published and recomputed figures agree within this relative tolerance
CHECK_TOLERANCE = 1e-6


def published_row(con, quarter: str, indicator_code: str, region: str | None) -> dict | None:
    if region is None:
        return one(con, "select * from marts.national_quarter where quarter = ? and indicator_code = ?",
                   [quarter, indicator_code])
    return one(con, "select * from marts.region_quarter where quarter = ? and indicator_code = ? and region = ?",
               [quarter, indicator_code, region])


def park_values(con, quarter: str, indicator: dict, region: str | None) -> dict[str, dict]:
    """Every park's published value of the quarter, by park, with a ratio's numerator and denominator beside it."""
    rows = records(
        con,
        """
        select park_quarter_values.*, dim_park.park_name, dim_park.short_name, dim_park.region, dim_park.province,
            ratio_parts.numerator_ytd, ratio_parts.denominator_ytd
        from marts.fct_park_quarter as park_quarter_values
        inner join marts.dim_park as dim_park
            on park_quarter_values.park_id = dim_park.park_id
        left join marts.fct_park_ratio_parts as ratio_parts
            on
                park_quarter_values.park_id = ratio_parts.park_id
                and park_quarter_values.quarter = ratio_parts.quarter
                and park_quarter_values.indicator_code = ratio_parts.indicator_code
        where park_quarter_values.quarter = ? and park_quarter_values.indicator_code = ?
            and (? is null or dim_park.region = ?)
        order by park_quarter_values.park_id
        """,
        [quarter, indicator["indicator_code"], region, region],
    )
    return {row["park_id"]: row for row in rows}


def files_behind(con, quarter: str, indicator_code: str, park_ids: list[str]) -> dict[str, list[dict]]:
    rows = records(
        con,
        f"""
        select park_id, source_role, source_indicator_code, source_quarter, vintage, file_name, sheet, row_number
        from audit.value_lineage
        where quarter = ? and indicator_code = ? and list_contains(?, park_id) and file_name is not null
        order by park_id, {SOURCE_ORDER}
        """,
        [quarter, indicator_code, park_ids],
    )
    out: dict[str, list[dict]] = {}
    for row in rows:
        out.setdefault(row.pop("park_id"), []).append(row)
    return out


def held_out_findings(con, quarter: str, indicator: dict, park_ids: list[str]) -> dict[str, list[dict]]:
    """The error findings that keep a value out: on the value itself, or on a ratio's numerator or denominator."""
    codes = [indicator["indicator_code"]] + [indicator[r] for r in ("numerator", "denominator") if indicator.get(r)]
    rows = records(
        con,
        """
        select * from audit.findings
        where quarter = ? and list_contains(?, indicator_code) and list_contains(?, park_id) and severity = 'error'
        order by park_id, indicator_code, rule_id
        """,
        [quarter, codes, park_ids],
    )
    out: dict[str, list[dict]] = {}
    for row in rows:
        out.setdefault(row["park_id"], []).append(row)
    return out


def _total(indicator: dict, parts: list[dict], numerator: str, denominator: str, value: str):
    """Σ value over the parts, or Σ numerator / Σ denominator × multiplier for a ratio; None without parts."""
    if not parts:
        return None
    if indicator["kind"] == "ratio":
        below = sum(p[denominator] for p in parts)
        return sum(p[numerator] for p in parts) / below * indicator["multiplier"] if below else None
    return sum(p[value] for p in parts)


def _pct(current, base):
    return (current / base - 1) * 100 if current is not None and base is not None and base > 0 else None


def _part(row: dict, last_year: dict | None, files: list[dict]) -> dict:
    usable_last_year = last_year if is_usable(last_year) else None
    part = {
        "park_id": row["park_id"],
        "park_name": row["park_name"],
        "region": row["region"],
        "value_ytd": row["value_ytd"],
        "value_q": row.get("value_q"),
        "numerator_ytd": row.get("numerator_ytd"),
        "denominator_ytd": row.get("denominator_ytd"),
        "quality_status": row["quality_status"],
        "in_total": is_usable(row),
        "last_year_value_ytd": usable_last_year["value_ytd"] if usable_last_year else None,
        "last_year_value_q": usable_last_year.get("value_q") if usable_last_year else None,
        "last_year_numerator_ytd": usable_last_year.get("numerator_ytd") if usable_last_year else None,
        "last_year_denominator_ytd": usable_last_year.get("denominator_ytd") if usable_last_year else None,
        "files": files,
    }
    part["like_for_like"] = part["in_total"] and usable_last_year is not None
    part["like_for_like_q"] = (
        part["like_for_like"] and part["value_q"] is not None and part["last_year_value_q"] is not None
    )
    base = part["last_year_value_ytd"]
    part["growing"] = part["like_for_like"] and part["value_ytd"] - base > RISE_TOLERANCE * abs(base)
    return part


def _agree(published, recomputed) -> bool:
    if published is None or recomputed is None:
        return published is None and recomputed is None
    return math.isclose(published, recomputed, rel_tol=CHECK_TOLERANCE, abs_tol=CHECK_TOLERANCE)


def explain_aggregate(con, quarter: str, indicator: dict, region: str | None) -> dict:
    code = indicator["indicator_code"]
    base_quarter = same_quarter_last_year(quarter)
    this_year = park_values(con, quarter, indicator, region)
    last_year = park_values(con, base_quarter, indicator, region)
    files = files_behind(con, quarter, code, list(this_year))
    parts = [_part(row, last_year.get(park_id), files.get(park_id, [])) for park_id, row in this_year.items()]
    counted = [p for p in parts if p["in_total"]]
    held = [p for p in parts if not p["in_total"]]
    why_held = held_out_findings(con, quarter, indicator, [p["park_id"] for p in held])
    lfl = [p for p in counted if p["like_for_like"]]
    lfl_q = [p for p in counted if p["like_for_like_q"]]
    with_q = [p for p in counted if p["value_q"] is not None]

    is_ratio = indicator["kind"] == "ratio"
    published = published_row(con, quarter, code, region)
    published_last_year = published_row(con, base_quarter, code, region)
    last_year_total = published_last_year["value_ytd"] if published_last_year else None
    last_year_q = published_last_year["value_q"] if published_last_year else None
    total = _total(indicator, counted, "numerator_ytd", "denominator_ytd", "value_ytd")
    lfl_total = _total(indicator, lfl, "numerator_ytd", "denominator_ytd", "value_ytd")
    lfl_base = _total(indicator, lfl, "last_year_numerator_ytd", "last_year_denominator_ytd", "last_year_value_ytd")
    total_q = sum(p["value_q"] for p in with_q) if with_q and indicator["kind"] == "flow" else None
    lfl_q_total = sum(p["value_q"] for p in lfl_q) if lfl_q else None
    lfl_q_base = sum(p["last_year_value_q"] for p in lfl_q) if lfl_q else None

    recomputed = {
        "value_ytd": total,
        "n_parks": len(counted),
        "value_q": total_q,
        "n_parks_q": len(with_q),
        "yoy_ytd_pct": _pct(total, last_year_total),
        "yoy_ytd_pct_lfl": _pct(lfl_total, lfl_base),
        "n_parks_lfl": len(lfl),
        "n_parks_growing": sum(p["growing"] for p in lfl),
        "yoy_q_pct": _pct(total_q, last_year_q),
        "yoy_q_pct_lfl": _pct(lfl_q_total, lfl_q_base),
        "n_parks_q_lfl": len(lfl_q),
    }
    if indicator["kind"] == "ratio":
        both = total is not None and last_year_total is not None
        recomputed["yoy_ytd_pp"] = total - last_year_total if both else None
    return {
        "scope": "region" if region else "national",
        "region": region,
        "quarter": quarter,
        "indicator": indicator,
        "published": published,
        "parts": parts,
        "held_out": [
            {
                "park_id": p["park_id"],
                "park_name": p["park_name"],
                "value_ytd": p["value_ytd"],
                "quality_status": p["quality_status"],
                "meaning": STATUS_WORDS.get(p["quality_status"]),
                "note": this_year[p["park_id"]].get("quality_note"),
                "findings": why_held.get(p["park_id"], []),
            }
            for p in held
        ],
        "total": {
            "value_ytd": total,
            "n_parks": len(counted),
            "numerator": sum(p["numerator_ytd"] for p in counted) if is_ratio and counted else None,
            "denominator": sum(p["denominator_ytd"] for p in counted) if is_ratio and counted else None,
            "value_q": total_q,
            "n_parks_q": len(with_q),
        },
        "growth": {
            "base_quarter": base_quarter,
            "all_parks": {
                "value_ytd": total, "n_parks": len(counted),
                "last_year_value_ytd": last_year_total,
                "last_year_n_parks": published_last_year["n_parks"] if published_last_year else 0,
                "pct": recomputed["yoy_ytd_pct"],
            },
            "like_for_like": {
                "park_ids": [p["park_id"] for p in lfl],
                "value_ytd": lfl_total, "last_year_value_ytd": lfl_base, "n_parks": len(lfl),
                "n_parks_growing": recomputed["n_parks_growing"], "pct": recomputed["yoy_ytd_pct_lfl"],
            },
            "single_quarter_all_parks": {
                "value_q": total_q, "n_parks_q": len(with_q), "last_year_value_q": last_year_q,
                "last_year_n_parks_q": published_last_year.get("n_parks_q") if published_last_year else 0,
                "pct": recomputed["yoy_q_pct"],
            },
            "single_quarter_like_for_like": {
                "park_ids": [p["park_id"] for p in lfl_q],
                "value_q": lfl_q_total, "last_year_value_q": lfl_q_base, "n_parks": len(lfl_q),
                "pct": recomputed["yoy_q_pct_lfl"],
            },
            "points": recomputed.get("yoy_ytd_pp"),
        },
        "check": [
            {"column": column, "published": published.get(column), "from_parts": value,
             "agrees": _agree(published.get(column), value)}
            for column, value in recomputed.items()
            if published is not None and column in published
        ],
    }
