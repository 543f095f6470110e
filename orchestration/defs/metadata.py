"""What the assets' metadata shares: the build identity's key, and a build record as the metadata of what it built
(the Dagster dbt asset's materialisations and the command-line observer's alike)."""

import dagster as dg

from nhtz.state import BuildRecord

BUILD_IDENTITY = "invocation_id"  # the key dagster-dbt gave dbt's invocation id on its materialisations


def without_nones(metadata: dict) -> dict:
    return {name: value for name, value in metadata.items() if value is not None}


def build_metadata(record: BuildRecord) -> dict:
    """What a build says on each asset it materialised, from its record."""
    return without_nones({
        BUILD_IDENTITY: record.invocation_id,
        "built_at": dg.MetadataValue.timestamp(record.finished_at),
        "landing": record.landing.describe() if record.landing else None,
        "models": record.models,
        "seeds": record.seeds,
        "data_tests": record.tests,
        "build_seconds": record.seconds,
    })
