"""Ingestion: submission files (xlsx, CSV in UTF-8 or GBK; wide or long) landed in raw.observations."""

from nhtz.ingest.landing import FileResult, land_file, land_paths
from nhtz.ingest.periods import parse_period

__all__ = ["FileResult", "land_file", "land_paths", "parse_period"]
