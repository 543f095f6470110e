"""What `nhtz explain` reads from the serving database, and how it finds the park, region and indicator asked for."""

from rapidfuzz import process

from nhtz.db import table_exists
from nhtz.errors import NhtzError
from nhtz.ingest.reference import Reference

# the values the marts aggregate: a value with an error finding never; a derived value that is null cannot
USABLE_SQL = "quality_status <> 'error' and value_ytd is not null"
# a value's sources in the order a person reads them: its own figure (or numerator, denominator), then the previous
# quarter's that its single quarter subtracts
SOURCE_ORDER = (
    "case source_role when 'value_ytd' then 1 when 'numerator' then 2 when 'denominator' then 3 else 4 end"
)
STATUS_WORDS = {
    "ok": "正常",
    "warning": "警告：保留，需园区说明",
    "error": "错误：不进入任何汇总，待园区更正",
    "derived_from_error": "源于错误：用到审核错误的值的派生数为空",
}


def records(con, sql: str, parameters: list | None = None) -> list[dict]:
    """Rows as dicts by column name, so that columns the marts gain later simply come along."""
    cursor = con.execute(sql, parameters or [])
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row)) for row in cursor.fetchall()]


def one(con, sql: str, parameters: list | None = None) -> dict | None:
    rows = records(con, sql, parameters)
    return rows[0] if rows else None


def is_usable(row: dict | None) -> bool:
    """The marts' rule for a value that enters the totals (is_usable): a value, and no error finding on it."""
    return row is not None and row.get("value_ytd") is not None and row.get("quality_status") != "error"



def require_tables(con, tables: list[str], serving_db) -> None:
    missing = [t for t in tables if not table_exists(con, *t.split("."))]
    if missing:
        raise NhtzError(
            f"the serving database {serving_db} has no {', '.join(missing)}: it was published before "
            "`nhtz explain` existed; run `nhtz build`, `nhtz check` and `nhtz publish`"
        )


def closest(text: str, choices: list[str], limit: int = 3) -> list[str]:
    return [choice for choice, _score, _index in process.extract(text, choices, limit=limit)]


def resolve_indicator(con, text: str) -> dict:
    """The indicator by code or Chinese name; unknown ones get the closest names."""
    indicators = records(
        con,
        """
        select indicator_code, name_zh, name_en, unit, kind, direction, numerator, denominator, multiplier
        from marts.dim_indicator
        order by sort_order
        """,
    )
    wanted = text.strip()
    for indicator in indicators:
        if wanted.casefold() in (indicator["indicator_code"].casefold(), str(indicator["name_zh"])):
            return indicator
    names = {f"{i['indicator_code']} ({i['name_zh']})": i for i in indicators}
    raise NhtzError(f"unknown indicator {text!r} (closest: {', '.join(closest(wanted, list(names)))})")


def resolve_park(con, text: str) -> dict:
    """The park by id, official name, short name or alias, with ingestion's matcher over the published registry."""
    parks = records(con, "select * from marts.dim_park order by park_id")
    registry = Reference(indicators=[], units=[], parks=[{**p, "aliases": p.get("aliases") or ""} for p in parks])
    try:
        park_id = registry.park_id_for(text)
    except ValueError as error:
        raise NhtzError(str(error)) from None
    return next(p for p in parks if p["park_id"] == park_id)


def resolve_region(con, text: str) -> str:
    regions = [r for (r,) in con.execute("select distinct region from marts.dim_park order by region").fetchall()]
    wanted = text.strip()
    if wanted in regions:
        return wanted
    # 东部地区 and 东部 are the same region
    if wanted.removesuffix("地区") in regions:
        return wanted.removesuffix("地区")
    raise NhtzError(f"unknown region {text!r}: one of {', '.join(regions)}")
