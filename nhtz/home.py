"""The home folder: landing area, working database, serving copy and reports of one warehouse."""

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_HOME = "warehouse"


@dataclass(frozen=True)
class Home:
    root: Path

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def working_db(self) -> Path:
        return self.root / "nhtz.duckdb"

    @property
    def serving_dir(self) -> Path:
        return self.root / "serving"

    @property
    def serving_db(self) -> Path:
        return self.serving_dir / "nhtz.duckdb"

    @property
    def parquet_dir(self) -> Path:
        return self.serving_dir / "parquet"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def gx_docs(self) -> Path:
        return self.root / "gx_docs"

    @property
    def state(self) -> Path:
        """Run records (last build, last check, last publish) as small JSON files."""
        return self.root / "state"

    def ensure(self) -> "Home":
        for folder in (self.root, self.landing, self.serving_dir, self.reports, self.state):
            folder.mkdir(parents=True, exist_ok=True)
        return self


def resolve_home(home: str | os.PathLike | None = None) -> Home:
    """`--home` wins, then NHTZ_HOME, then ./warehouse (as `nhtz --help` says)."""
    chosen = home or os.environ.get("NHTZ_HOME") or DEFAULT_HOME
    return Home(Path(chosen).expanduser().resolve())
