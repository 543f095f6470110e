"""The one resource every asset shares: where the warehouse home is."""

from contextlib import contextmanager

import dagster as dg
from pydantic import Field

from nhtz.errors import NhtzError
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

    def find_home(self) -> Home:
        """The home as it is, without making its folders: for what only looks."""
        return resolve_home(self.home)


@contextmanager
def failures_for_people():
    """An NhtzError (a refused gate, a quarter not in the marts, nothing landed) becomes a Dagster Failure
    carrying its one line, shown as the step's error without a traceback; retrying would not help."""
    try:
        yield
    except NhtzError as error:
        raise dg.Failure(description=str(error), allow_retries=False) from None
