"""The few numbers of a quarter a person looks for first in the Dagster UI, read from a built database."""

from pathlib import Path

import dagster as dg
import duckdb

from data_quality.gate import count_findings, measure_coverage
from nhtz.db import connect
from nhtz.errors import first_line
from orchestration.defs.metadata import without_nones

HEADLINE = """
select value_ytd, yoy_ytd_pct, n_parks
from marts.national_quarter
where quarter = ? and indicator_code = 'gdp'
"""


def quarter_facts(db_path: Path, quarter: str) -> dict:
    """Park coverage, audit findings by severity and national GDP of `quarter`, as asset metadata.

    Read on a read-only connection; a database without the marts yet gives no facts rather than an error,
    because the asset itself has already succeeded by the time its metadata is read.
    """
    if not db_path.exists():
        return {}
    with connect(db_path, read_only=True) as con:
        try:
            coverage = measure_coverage(con, quarter)
            findings, _ = count_findings(con, quarter)
            headline = con.execute(HEADLINE, [quarter]).fetchone()
        except duckdb.Error as error:
            return {"facts_unavailable": first_line(error)}
    facts = {
        "quarter": quarter,
        "parks_active": coverage.n_active,
        "parks_reported": coverage.n_reported,
        "park_coverage_pct": round(100 * coverage.share, 1),
        "findings_error": findings.get("error", 0),
        "findings_warning": findings.get("warning", 0),
    }
    if headline is not None:
        gdp_ytd, gdp_yoy, n_parks = headline
        facts["national_gdp_ytd_yi_yuan"] = dg.MetadataValue.float(float(gdp_ytd)) if gdp_ytd is not None else None
        facts["national_gdp_yoy_ytd_pct"] = dg.MetadataValue.float(float(gdp_yoy)) if gdp_yoy is not None else None
        facts["national_gdp_n_parks"] = n_parks
    return without_nones(facts)
