"""`nhtz explain`: how a published number was made, read from the serving database alone (docs/explain.md).

`explain(home, quarter, indicator, park=..., region=...)` returns the explanation as plain data (the JSON shape
documented in docs/explain.md); `render(explanation, "text" | "json")` writes it for people or for machines.
"""

import json
from datetime import date, datetime, timezone
from decimal import Decimal

from nhtz.errors import NhtzError
from nhtz.explain.aggregate import explain_aggregate
from nhtz.explain.park import explain_park_value
from nhtz.explain.reading import require_tables, resolve_indicator, resolve_park, resolve_region
from nhtz.explain.text import aggregate_text, park_text
from nhtz.home import Home
from nhtz.quarters import parse_quarter, quarter_label, require_quarter
from nhtz.serving import open_serving_db

FORMATS = ("text", "json")
# the stable shape's name and version: a change that renames or removes a key gets a new version
SHAPE = "nhtz.explain/1"
# what explain reads; the audit tables are published for it (nhtz.publish.PUBLISHED_AUDIT_TABLES)
READS = [
    "marts.dim_park",
    "marts.dim_indicator",
    "marts.fct_park_quarter",
    "marts.fct_park_ratio_parts",
    "marts.national_quarter",
    "marts.region_quarter",
    "audit.findings",
    "audit.revisions",
    "audit.value_lineage",
]


def explain(home: Home, quarter: str, indicator: str, park: str | None = None, region: str | None = None) -> dict:
    if park and region:
        raise NhtzError("give --park or --region, not both: a park's value or a region's total")
    if not home.serving_db.exists():
        raise NhtzError(f"nothing is published yet in {home.root}: run `nhtz demo` or `nhtz run QUARTER` first")
    quarter = quarter_label(*parse_quarter(quarter))
    # read-only and locked down, as `nhtz sql` opens it
    with open_serving_db(home.serving_db) as con:
        require_tables(con, READS, home.serving_db)
        require_quarter(con, quarter, f"the serving database {home.serving_db}")
        chosen = resolve_indicator(con, indicator)
        if park:
            explanation = explain_park_value(con, quarter, chosen, resolve_park(con, park))
        else:
            explanation = explain_aggregate(con, quarter, chosen, resolve_region(con, region) if region else None)
    return {"shape": SHAPE, **explanation}


def _plain(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        # landing times are stored in UTC without a zone: say so
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def render(explanation: dict, output_format: str = "text") -> str:
    if output_format not in FORMATS:
        raise NhtzError(f"unknown format {output_format!r}: use one of {', '.join(FORMATS)}")
    if output_format == "json":
        return json.dumps(explanation, ensure_ascii=False, indent=2, default=_plain)
    return park_text(explanation) if explanation["scope"] == "park" else aggregate_text(explanation)
