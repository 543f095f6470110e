"""Great Expectations 1.x suites: what dbt's contracts and tests cannot see.

The marts' shapes (columns, types, keys, not-null, accepted values) are dbt contracts and tests that run in
every build, and the reconciliations are the build's singular tests; checking them again here would be a second
home for the same rule. The suites check the landing data the build starts from (values, units against the
conversion seed, periods, the ingest log's row balance), the registry against the park dimension, and the
distributions of the published growth rates (informative: a statistician looks, nothing is held back).

GX's SQL datasource does not work on DuckDB, so each table is read with duckdb into a DataFrame and validated
as a dataframe batch of a pandas datasource. One ephemeral context serves a whole check run (creating contexts
is the slow part); every table has its own suite, validation definition and checkpoint, because a dataframe
batch is handed to a checkpoint at run time and one run takes one dataframe. The checkpoints write the Data Docs
site into a scratch folder that replaces `home/gx_docs/` only when every page was written: a full disk leaves the
previous site, never half of one.

An expectation is blocking when its GX severity is `critical` (the default) and informative when it is
`warning`: the gate fails only on blocking ones.
"""

import csv
import logging
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable

import duckdb

from nhtz.db import table_exists
from nhtz.errors import NhtzError
from nhtz.home import Home
from nhtz.project import SEEDS_DIR

# Year-on-year growth of one park beyond ±300 % happens (a small park's first big contract) but is rare enough
# that a statistician should look at it; the audit rules handle single values.
PARK_YOY_SANE_BOUND_PCT = 300.0
# National like-for-like growth outside ±30 % has not happened for the zones as a whole (2020Q1, the sharpest
# fall, was about −10 %): it is worth a look before the bulletin quotes it.
NATIONAL_YOY_SANE_BOUND_PCT = 30.0
# Bounds are inclusive and growth is floating point: 30 % computed as 39 / 30 − 1 is 30.000000000000004 %.
BOUND_TOLERANCE_PCT = 1e-9
# What each suite reads: the whole table, or the table with a derived column its expectations need.
TABLE_QUERIES = {
    "raw.observations": "select * from raw.observations",
    # DOMAIN: rows read = rows landed + rows quarantined, for every file
    "audit.ingest_log": (
        "select *, rows_read - rows_landed - rows_quarantined as rows_unaccounted from audit.ingest_log"
    ),
    "marts.dim_park": "select * from marts.dim_park",
    "marts.fct_park_quarter": (
        "select park_id, quarter, indicator_code, yoy_ytd_pct, yoy_q_pct from marts.fct_park_quarter"
    ),
    "marts.national_quarter": (
        "select quarter, indicator_code, yoy_ytd_pct_lfl from marts.national_quarter "
        "where indicator_code in (select indicator_code from marts.dim_indicator where kind in ('flow', 'stock'))"
    ),
}


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
    non_negative_codes: list[str]
    park_count: int
    first_year: int  # the first national zones were approved in this year: no period before it


def read_reference_facts() -> ReferenceFacts:
    with open(SEEDS_DIR / "unit_conversions.csv", encoding="utf-8") as f:
        units = sorted({row["unit"] for row in csv.DictReader(f)})
    with open(SEEDS_DIR / "indicators.csv", encoding="utf-8") as f:
        base = [row for row in csv.DictReader(f) if row["kind"] != "ratio"]
    with open(SEEDS_DIR / "park_registry.csv", encoding="utf-8") as f:
        parks = list(csv.DictReader(f))
    return ReferenceFacts(
        units=units,
        base_indicator_codes=sorted(row["indicator_code"] for row in base),
        non_negative_codes=sorted(row["indicator_code"] for row in base if row["can_be_negative"].lower() != "true"),
        park_count=len(parks),
        first_year=min(int(row["approved_year"]) for row in parks),
    )


def _expectations(gxe, facts: ReferenceFacts) -> dict[str, list]:
    """The suites, table by table. Imported lazily: great_expectations takes seconds to import."""
    from great_expectations.expectations.metadata_types import FailureSeverity
    from great_expectations.expectations.row_conditions import Column

    def growth_within(column: str, bound: float):
        """Informative: a growth rate beyond ±bound % is for a statistician to look at, not a reason to hold back."""
        limit = bound + BOUND_TOLERANCE_PCT
        return gxe.ExpectColumnValuesToBeBetween(
            column=column, min_value=-limit, max_value=limit, severity=FailureSeverity.WARNING
        )

    return {
        "raw.observations": [
            # the landing DDL declares value not null, but a NaN is a null to pandas and not to DuckDB
            gxe.ExpectColumnValuesToNotBeNull(column="value"),
            gxe.ExpectColumnValuesToBeBetween(column="period_month", min_value=1, max_value=12),
            # a period before the first zone or after next year is a misread label
            gxe.ExpectColumnValuesToBeBetween(
                column="period_year", min_value=facts.first_year, max_value=date.today().year + 1
            ),
            gxe.ExpectColumnValuesToBeInSet(column="unit", value_set=facts.units),
            gxe.ExpectColumnValuesToBeInSet(column="indicator_code", value_set=facts.base_indicator_codes),
            # quantities that cannot be negative are quarantined at landing when they are
            gxe.ExpectColumnValuesToBeBetween(
                column="value", min_value=0, row_condition=Column("indicator_code").is_in(facts.non_negative_codes)
            ),
        ],
        "audit.ingest_log": [
            gxe.ExpectColumnValuesToBeInSet(column="rows_unaccounted", value_set=[0]),
            *[
                gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0)
                for column in ("rows_read", "rows_landed", "rows_quarantined")
            ],
        ],
        "marts.dim_park": [gxe.ExpectTableRowCountToEqual(value=facts.park_count)],
        "marts.fct_park_quarter": [
            growth_within(column, PARK_YOY_SANE_BOUND_PCT) for column in ("yoy_ytd_pct", "yoy_q_pct")
        ],
        "marts.national_quarter": [growth_within("yoy_ytd_pct_lfl", NATIONAL_YOY_SANE_BOUND_PCT)],
    }



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


class DataDocsErrors(logging.Handler):
    """GX logs, rather than raises, a page it could not render or write: collected here, they stop the check."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def first_reason(self) -> str:
        # GX's message ends with the exception as `OSError: "[Errno 28] No space left on device".  Traceback: ...`
        found = re.search(r'\w+: "(?:\[Errno \d+\] )?([^"]*)"', self.messages[0])
        return found.group(1) if found else self.messages[0].strip().splitlines()[0]


@contextmanager
def data_docs_site(home: Home):
    """A scratch folder for this run's Data Docs that replaces `home/gx_docs` once every page is written."""
    home.root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=home.root, prefix=".gx_docs-"))
    gx_logger = logging.getLogger("great_expectations")
    errors = DataDocsErrors()
    gx_logger.addHandler(errors)
    # GX's message carries the whole traceback: kept from the handlers of the process (Dagster's, or any that
    # configured logging), which would print it; the check's one line says why instead
    propagated, gx_logger.propagate = gx_logger.propagate, False
    stopped = f"check stopped: cannot write the Data Docs in {home.gx_docs}"
    try:
        try:
            yield scratch
        except OSError as error:
            raise NhtzError(f"{stopped}: {error.strerror or error}") from None
        if errors.messages:
            raise NhtzError(f"{stopped}: {errors.first_reason()}")
        previous = home.root / f".gx_docs-previous-{os.getpid()}"
        if home.gx_docs.exists():
            os.replace(home.gx_docs, previous)
        os.replace(scratch, home.gx_docs)
        shutil.rmtree(previous, ignore_errors=True)
    finally:
        gx_logger.removeHandler(errors)
        gx_logger.propagate = propagated
        shutil.rmtree(scratch, ignore_errors=True)


def run_suites(
    home: Home, con: duckdb.DuckDBPyConnection, say: Callable[[str], None]
) -> list[ExpectationOutcome]:
    """Validate every table the suites know, reading it from `con`; a missing table is a blocking failure."""
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    # GX logs warnings for every dataframe asset and draws progress bars: noise on a command line
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    outcomes: list[ExpectationOutcome] = []
    with data_docs_site(home) as docs:
        # in memory, with one Data Docs site (GX's default would add a temporary site per run)
        config = DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
            data_docs_sites={
                "nhtz": {
                    "class_name": "SiteBuilder",
                    "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs)},
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
        for table, expectations in _expectations(gxe, read_reference_facts()).items():
            if not table_exists(con, *table.split(".")):
                outcomes.append(ExpectationOutcome(table, "table exists", True, False, "table is missing"))
                continue
            frame = con.sql(TABLE_QUERIES[table]).df()
            suite = context.suites.add(gx.ExpectationSuite(name=table))
            for expectation in expectations:
                suite.add_expectation(expectation)
            batch = datasource.add_dataframe_asset(table).add_batch_definition_whole_dataframe("whole table")
            validation = context.validation_definitions.add(
                gx.ValidationDefinition(name=table, data=batch, suite=suite)
            )
            # no Data Docs action per checkpoint: each would render the whole site again (five times a check);
            # the site is built once, below, from every stored validation result
            checkpoint = context.checkpoints.add(
                gx.Checkpoint(
                    name=f"nhtz {table}",
                    validation_definitions=[validation],
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
        context.build_data_docs(site_names=["nhtz"])
    return outcomes
