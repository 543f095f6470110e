"""One built, checked and published fixture warehouse, shared by the publication, serving and BI tests.

The warehouse is the hand-made one of `marts_fixture.py` (five parks, 2022Q1–2023Q4), built by dbt and checked
once per test worker; the modules that use it are in one xdist group, so one worker builds it once. A test
module takes the fixtures with `pytest_plugins = ["serving_fixture"]` (a plugin's session fixtures are shared by
every module; imported into each module, they would be built once per module).

    checked_home     built and checked, never published: copy it before publishing (tests/test_publish.py)
    published_home   a copy of it, published once as version 1 with the coverage minimum lowered; read-only for
                     the tests: they must not publish again or change it (copy it to do that)
"""

import hashlib
import os
import shutil
import stat
import tempfile
from pathlib import Path

import pytest

from data_quality.gate import check
from marts_fixture import build_fixture_home
from nhtz.home import Home
from nhtz.publish import publish

XDIST_GROUP = "serving"  # the modules sharing these fixtures run on one worker


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


@pytest.fixture(scope="session")
def checked_home(tmp_path_factory) -> Home:
    home = build_fixture_home(tmp_path_factory.mktemp("built"))
    result = check(home)
    assert result.passed, result.describe()
    return home


@pytest.fixture(scope="session")
def published_home(checked_home) -> Home:
    """Published as version 1 in a folder every user may traverse, so a test can open the serving file as
    another user (the file is read-only on disk; root ignores that)."""
    folder = Path(tempfile.mkdtemp(prefix="nhtz-served-"))
    os.chmod(folder, stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    home = allow_any_coverage(copy_home(checked_home, folder / "home"))
    assert publish(home).publish_id == 1
    yield home
    shutil.rmtree(folder, ignore_errors=True)
