"""What a command-line run record becomes in Dagster: the asset events a Dagster run of the same step emits.

  ingest   -> `landed_submissions` materialised (observed when nothing new landed: the tables did not change)
  build    -> every dbt model and seed materialised, with the build identity (a failed build: nothing)
  check    -> the `publication_gate` check evaluated on `marts/fct_park_quarter`
  publish  -> `serving_copy` materialised, and every published table observed with its row count

Every event says it came from the command line and carries the record's own time, so the UI tells it apart
from a Dagster run. The build identity is dbt's invocation id, under the key the Dagster dbt asset gives it too.
"""

from collections.abc import Iterable

import dagster as dg

from nhtz.state import BuildRecord, CheckRecord, IngestRecord, PublishRecord
from orchestration.defs.ingestion.assets import LANDED_SUBMISSIONS
from orchestration.defs.metadata import BUILD_IDENTITY, build_metadata, without_nones
from orchestration.defs.publish.assets import SERVING_COPY
from orchestration.defs.quality.checks import FCT_PARK_QUARTER

ROW_COUNT = "dagster/row_count"  # the key the Dagster UI shows as an asset's row count

AssetEvent = dg.AssetMaterialization | dg.AssetObservation | dg.AssetCheckEvaluation


def recorded_by(command: str) -> dict:
    return {"recorded_by": f"nhtz command line: {command}"}


def ingest_events(record: IngestRecord, partition: str | None) -> list[AssetEvent]:
    metadata = {
        **recorded_by("nhtz ingest"),
        "landed_at": dg.MetadataValue.timestamp(record.at),
        "files_landed": record.landed,
        "files_already_landed": record.skipped,
        "files_refused": record.refused,
        "rows_quarantined": record.rows_quarantined,
    }
    if not record.landed:
        # nothing new: the landing tables are as they were, so they were looked at, not made
        return [dg.AssetObservation(asset_key=LANDED_SUBMISSIONS, metadata=metadata, partition=partition)]
    return [dg.AssetMaterialization(asset_key=LANDED_SUBMISSIONS, metadata=metadata, partition=partition)]


def build_events(record: BuildRecord, partition: str | None, dbt_keys: Iterable[dg.AssetKey]) -> list[AssetEvent]:
    if not record.ok:
        # a failed build made nothing the gate would accept; the check on it says what failed
        return []
    metadata = {**recorded_by("nhtz build"), **build_metadata(record)}
    return [dg.AssetMaterialization(asset_key=key, metadata=metadata, partition=partition) for key in sorted(dbt_keys)]


def check_events(record: CheckRecord, partition: str | None) -> list[AssetEvent]:
    metadata = without_nones({
        **recorded_by("nhtz check"),
        BUILD_IDENTITY: record.build.invocation_id if record.build else None,
        "checked_at": dg.MetadataValue.timestamp(record.checked_at),
        "failed_checks": ", ".join(record.failed) or "none",
        "coverage_quarter": record.quarter,
        "parks_reported": record.n_reported,
        "parks_active": record.n_active,
        "park_coverage_pct": round(100 * record.coverage, 1) if record.coverage is not None else None,
    })
    return [
        dg.AssetCheckEvaluation(
            asset_key=FCT_PARK_QUARTER,
            check_name="publication_gate",
            passed=record.passed,
            metadata=metadata,
            partition=partition,
        )
    ]


def published_table_key(table: str) -> dg.AssetKey:
    """`marts.fct_park_quarter` -> marts/fct_park_quarter, the key the dbt model has in Dagster."""
    return dg.AssetKey(table.split("."))


def publish_events(record: PublishRecord, partition: str | None) -> list[AssetEvent]:
    common = without_nones({
        **recorded_by("nhtz publish"),
        "publish_id": record.publish_id,
        BUILD_IDENTITY: record.build_invocation_id,
        "published_at": dg.MetadataValue.timestamp(record.published_at),
    })
    served = dg.AssetMaterialization(
        asset_key=SERVING_COPY,
        metadata={**common, "partial": record.partial, "table_rows": dg.MetadataValue.json(dict(record.tables))},
        partition=partition,
    )
    tables = [
        dg.AssetObservation(asset_key=published_table_key(table), metadata={**common, ROW_COUNT: rows}, partition=partition)
        for table, rows in sorted(record.tables.items())
    ]
    return [served, *tables]
