"""Helpers for the tests on the built, checked and published fixture warehouse (publication, serving, BI).

The warehouses themselves are session fixtures of tests/conftest.py (checked_home, published_home), made once per
test session from the hand-made warehouse of `marts_fixture.py`.
"""

import hashlib
import shutil
from pathlib import Path

from nhtz.home import Home


def allow_any_coverage(home: Home) -> Home:
    """Five parks of 178 report: tests whose subject is not coverage lower the minimum."""
    (home.root / "nhtz.toml").write_text("min_coverage = 0.0\n", encoding="utf-8")
    return home


def copy_home(home: Home, root: Path) -> Home:
    """A private copy; copy2 keeps the file times and modes (the serving file stays read-only)."""
    shutil.copytree(home.root, root, symlinks=True)
    return Home(root)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def file_digests(home: Home) -> dict[str, str]:
    """Every file of the working and serving databases and the Parquet folders, by content."""
    paths = [home.working_db, home.serving_db, *sorted(home.serving_dir.rglob("*.parquet"))]
    paths += sorted(home.serving_dir.rglob("manifest.json"))
    return {str(p.relative_to(home.root)): sha256(p) for p in paths if p.is_file()}
