"""Great Expectations 1.x suites over the landing, intermediate and mart tables.

GX's SQL datasource does not work on DuckDB, so each table is read with duckdb into a DataFrame and validated
as a dataframe batch of a pandas datasource. One ephemeral context serves a whole check run (creating contexts
is the slow part); every table has its own suite, validation definition and checkpoint, because a dataframe
batch is handed to a checkpoint at run time and one run takes one dataframe. Each checkpoint updates the Data
Docs site in `home/gx_docs/`.

An expectation is blocking when its GX severity is `critical` (the default) and informative when it is
`warning`: the gate fails only on blocking ones.
"""

import csv
import logging
from dataclasses import dataclass
from typing import Callable

import duckdb

from nhtz.home import Home
from nhtz.project import SEEDS_DIR

CONTRACT_COLUMNS = {
    "marts.dim_park": [
        "park_id", "park_name", "short_name", "province", "city", "region", "approved_year", "active_from", "active_to",
    ],
    "marts.dim_indicator": ["indicator_code", "name_zh", "name_en", "unit", "kind", "direction"],
    "marts.fct_park_quarter": [
        "park_id", "quarter", "year", "quarter_num", "indicator_code", "value_ytd", "value_q", "yoy_ytd_pct",
        "yoy_q_pct", "price_basis", "revision_count", "quality_status",
    ],
    "marts.national_quarter": [
        "quarter", "indicator_code", "value_ytd", "value_q", "n_parks", "yoy_ytd_pct", "yoy_ytd_pct_lfl",
        "n_parks_lfl", "n_parks_growing",
    ],
    "marts.region_quarter": [
        "quarter", "region", "indicator_code", "value_ytd", "value_q", "n_parks", "yoy_ytd_pct", "yoy_ytd_pct_lfl",
        "n_parks_lfl", "n_parks_growing",
    ],
    "audit.findings": ["park_id", "quarter", "indicator_code", "rule_id", "severity", "message", "value"],
}

REGIONS = ["东部", "中部", "西部", "东北"]
QUALITY_STATUSES = ["ok", "warning", "error"]
INDICATOR_KINDS = ["flow", "stock", "ratio"]
QUARTER_PATTERN = r"^\d{4}Q[1-4]$"
# Year-on-year growth beyond ±300 % is possible (a small park's first big contract) but rare enough that a
# statistician should look at it; it never blocks publication, the audit rules handle single values.
YOY_SANE_BOUND_PCT = 300.0


@dataclass(frozen=True)
class ExpectationOutcome:
    table: str
    expectation: str
    blocking: bool
    success: bool
    detail: str

    def describe(self) -> str:
        return f"{self.table}: {self.expectation}" + (f" ({self.detail})" if self.detail else "")


@dataclass(frozen=True)
class ReferenceFacts:
    """What the suites compare against, read from the project's seeds (never constants in code)."""

    units: list[str]
    base_indicator_codes: list[str]
    park_count: int


def read_reference_facts() -> ReferenceFacts:
    with open(SEEDS_DIR / "unit_conversions.csv", encoding="utf-8") as f:
        units = sorted({row["unit"] for row in csv.DictReader(f)})
    with open(SEEDS_DIR / "indicators.csv", encoding="utf-8") as f:
        base_codes = sorted(row["indicator_code"] for row in csv.DictReader(f) if row["kind"] != "ratio")
    with open(SEEDS_DIR / "park_registry.csv", encoding="utf-8") as f:
        park_count = sum(1 for _ in csv.DictReader(f))
    return ReferenceFacts(units=units, base_indicator_codes=base_codes, park_count=park_count)


def _expectations(gxe, facts: ReferenceFacts) -> dict[str, list]:
    """The suites, table by table. Imported lazily: great_expectations takes seconds to import."""
    from great_expectations.expectations.metadata_types import FailureSeverity

    informative = {"severity": FailureSeverity.WARNING}

    def not_null(*columns):
        return [gxe.ExpectColumnValuesToNotBeNull(column=c) for c in columns]

    def has_columns(table):
        return gxe.ExpectTableColumnsToMatchSet(column_set=CONTRACT_COLUMNS[table], exact_match=False)

    return {
        "raw.observations": [
            *not_null(
                "park_id", "period_year", "period_month", "indicator_code", "value", "unit", "file_id", "vintage"
            ),
            gxe.ExpectColumnValuesToBeInTypeList(column="value", type_list=["float64", "Float64", "int64", "Int64"]),
            gxe.ExpectColumnValuesToBeBetween(column="period_month", min_value=1, max_value=12),
            gxe.ExpectColumnValuesToBeInSet(column="unit", value_set=facts.units),
            gxe.ExpectColumnValuesToBeInSet(column="indicator_code", value_set=facts.base_indicator_codes),
        ],
        # the two intermediate tables everything downstream rests on: current values by month and by quarter
        "intermediate.int_park_months_current": [
            *not_null("park_id", "year", "month", "indicator_code"),
            gxe.ExpectCompoundColumnsToBeUnique(column_list=["park_id", "year", "month", "indicator_code"]),
            gxe.ExpectColumnValuesToBeBetween(column="month", min_value=1, max_value=12),
        ],
        "intermediate.int_park_quarter_values": [
            *not_null("park_id", "quarter", "indicator_code"),
            gxe.ExpectCompoundColumnsToBeUnique(column_list=["park_id", "quarter", "indicator_code"]),
            gxe.ExpectColumnValuesToMatchRegex(column="quarter", regex=QUARTER_PATTERN),
        ],
        "marts.dim_park": [
            has_columns("marts.dim_park"),
            gxe.ExpectTableRowCountToEqual(value=facts.park_count),
            *not_null("park_id", "park_name", "region", "active_from"),
            gxe.ExpectColumnValuesToBeUnique(column="park_id"),
            gxe.ExpectColumnValuesToBeInSet(column="region", value_set=REGIONS),
        ],
        "marts.dim_indicator": [
            has_columns("marts.dim_indicator"),
            gxe.ExpectColumnValuesToBeUnique(column="indicator_code"),
            gxe.ExpectColumnValuesToBeInSet(column="kind", value_set=INDICATOR_KINDS),
            gxe.ExpectColumnValuesToBeInSet(column="direction", value_set=[1, -1]),
        ],
        "marts.fct_park_quarter": [
            has_columns("marts.fct_park_quarter"),
            gxe.ExpectTableRowCountToBeBetween(min_value=1),
            *not_null("park_id", "quarter", "year", "quarter_num", "indicator_code", "value_ytd", "quality_status"),
            gxe.ExpectCompoundColumnsToBeUnique(column_list=["park_id", "quarter", "indicator_code"]),
            gxe.ExpectColumnValuesToMatchRegex(column="quarter", regex=QUARTER_PATTERN),
            gxe.ExpectColumnValuesToBeBetween(column="quarter_num", min_value=1, max_value=4),
            gxe.ExpectColumnValuesToBeInSet(column="quality_status", value_set=QUALITY_STATUSES),
            gxe.ExpectColumnValuesToBeBetween(
                column="yoy_ytd_pct", min_value=-YOY_SANE_BOUND_PCT, max_value=YOY_SANE_BOUND_PCT, **informative
            ),
            gxe.ExpectColumnValuesToBeBetween(
                column="yoy_q_pct", min_value=-YOY_SANE_BOUND_PCT, max_value=YOY_SANE_BOUND_PCT, **informative
            ),
        ],
        "marts.national_quarter": [
            has_columns("marts.national_quarter"),
            gxe.ExpectTableRowCountToBeBetween(min_value=1),
            *not_null("quarter", "indicator_code", "n_parks"),
            gxe.ExpectCompoundColumnsToBeUnique(column_list=["quarter", "indicator_code"]),
            gxe.ExpectColumnValuesToBeBetween(column="n_parks", min_value=1),
            gxe.ExpectColumnValuesToMatchRegex(column="quarter", regex=QUARTER_PATTERN),
        ],
        "marts.region_quarter": [
            has_columns("marts.region_quarter"),
            *not_null("quarter", "region", "indicator_code", "n_parks"),
            gxe.ExpectCompoundColumnsToBeUnique(column_list=["quarter", "region", "indicator_code"]),
            gxe.ExpectColumnValuesToBeInSet(column="region", value_set=REGIONS),
            gxe.ExpectColumnValuesToBeBetween(column="n_parks", min_value=1),
        ],
        "audit.findings": [
            has_columns("audit.findings"),
            *not_null("park_id", "quarter", "rule_id", "severity", "message"),
            gxe.ExpectColumnValuesToBeInSet(column="severity", value_set=["error", "warning"]),
        ],
    }


def _table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    rows = con.execute(
        "select 1 from information_schema.tables where table_schema = ? and table_name = ?", [schema, name]
    ).fetchall()
    return bool(rows)


def _describe_failure(result) -> str:
    details = result.result or {}
    if "unexpected_count" in details:
        total = details.get("element_count")
        examples = details.get("partial_unexpected_list") or []
        example_text = f", e.g. {examples[:3]}" if examples else ""
        return f"{details['unexpected_count']} of {total} rows unexpected{example_text}"
    if "observed_value" in details:
        return f"observed {details['observed_value']}"
    if result.exception_info and result.exception_info.get("raised_exception"):
        return str(result.exception_info.get("exception_message", "")).splitlines()[0][:200]
    return ""


def _label(config) -> str:
    kwargs = config.kwargs
    target = kwargs.get("column") or kwargs.get("column_list") or ""
    if isinstance(target, list):
        target = "+".join(target)
    return f"{config.type}({target})" if target else config.type


def run_suites(
    home: Home, con: duckdb.DuckDBPyConnection, say: Callable[[str], None]
) -> list[ExpectationOutcome]:
    """Validate every table the suites know, reading it from `con`; a missing table is a blocking failure."""
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.checkpoint import UpdateDataDocsAction
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    # GX logs warnings for every dataframe asset and draws progress bars: noise on a command line
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    # in memory, with one Data Docs site in the home (GX's default would add a temporary site per run)
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        data_docs_sites={
            "nhtz": {
                "class_name": "SiteBuilder",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(home.gx_docs)},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                # suite pages repeat what the validation pages show and cost as much to render on every run
                "site_section_builders": {"expectations": "0", "profiling": "0"},
            }
        },
        progress_bars=ProgressBarsConfig(globally=False),
        analytics_enabled=False,
    )
    context = gx.get_context(mode="ephemeral", project_config=config)
    datasource = context.data_sources.add_pandas("nhtz")
    tables = _expectations(gxe, read_reference_facts())
    outcomes: list[ExpectationOutcome] = []
    for table, expectations in tables.items():
        if not _table_exists(con, table):
            outcomes.append(ExpectationOutcome(table, "table exists", True, False, "table is missing"))
            continue
        frame = con.sql(f"select * from {table}").df()
        suite = context.suites.add(gx.ExpectationSuite(name=table))
        for expectation in expectations:
            suite.add_expectation(expectation)
        batch = datasource.add_dataframe_asset(table).add_batch_definition_whole_dataframe("whole table")
        validation = context.validation_definitions.add(gx.ValidationDefinition(name=table, data=batch, suite=suite))
        checkpoint = context.checkpoints.add(
            gx.Checkpoint(
                name=f"nhtz {table}",
                validation_definitions=[validation],
                actions=[UpdateDataDocsAction(name="data docs", site_names=["nhtz"])],
                result_format={"result_format": "SUMMARY"},
            )
        )
        run = checkpoint.run(batch_parameters={"dataframe": frame})
        failed = 0
        for validation_result in run.run_results.values():
            for result in validation_result.results:
                config = result.expectation_config
                blocking = str(getattr(config, "severity", "critical")).lower().endswith("critical")
                outcomes.append(
                    ExpectationOutcome(
                        table=table,
                        expectation=_label(config),
                        blocking=blocking,
                        success=bool(result.success),
                        detail="" if result.success else _describe_failure(result),
                    )
                )
                failed += not result.success
        say(f"  {table}: {len(expectations)} expectations, {failed} failed ({len(frame)} rows)")
    return outcomes
