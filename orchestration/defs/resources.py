"""The one resource every asset shares: where the warehouse home is."""

import dagster as dg
from pydantic import Field

from nhtz.home import Home, resolve_home

# DuckDB allows one writer per file: every step that opens the working database claims this pool,
# and orchestration/dagster.yaml gives it one slot (docs/orchestration.md).
WAREHOUSE_POOL = "nhtz_working_db"
# Runs of the quarterly job carry this tag; the run queue admits one such run at a time.
WRITER_TAG = {"nhtz/writer": "working_db"}


class NhtzHomeResource(dg.ConfigurableResource):
    """The warehouse home folder (landing/, nhtz.duckdb, serving/, reports/), as `nhtz --home` takes it."""

    home: str = Field(description="Warehouse home folder; in the code location it comes from $NHTZ_HOME.")

    def get_home(self) -> Home:
        return resolve_home(self.home).ensure()
