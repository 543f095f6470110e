"""Ingestion: submission files (xlsx, CSV in UTF-8 or GBK; wide or long) landed in raw.observations."""

__all__ = ["FileResult", "land_paths", "parse_period"]


def __getattr__(name: str):
    # Imported on first use: the calamine child process imports nhtz.ingest.readers and must not pay for
    # DuckDB and Arrow, which landing.py needs.
    if name in ("FileResult", "land_paths"):
        from nhtz.ingest import landing

        return getattr(landing, name)
    if name == "parse_period":
        from nhtz.ingest.periods import parse_period

        return parse_period
    raise AttributeError(f"module 'nhtz.ingest' has no attribute {name!r}")
