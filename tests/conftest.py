"""Shared fixtures: the hand-made marts fixture (tests/marts_fixture.py) built through dbt once per test process.

A full dbt build of the fixture costs seconds, so it is built once per pytest-xdist worker (session scope) and
copied where a test changes anything:

    built_fixture_home   session, read-only use: the fixture landed and built (its build identity and record in
                         place), nothing else
    fixture_home_copy    per test module: a private copy of it (shutil.copytree; the dbt profile is per home and
                         written by every build, so a copied folder needs no fixing up)
    private_fixture_home per test: a private copy, for tests that break their database on purpose
"""

import shutil
from pathlib import Path

import pytest

from marts_fixture import build_fixture_home
from nhtz.home import Home


def copy_home(home: Home, root: Path) -> Home:
    shutil.copytree(home.root, root, symlinks=True)
    return Home(root)


@pytest.fixture(scope="session")
def built_fixture_home(tmp_path_factory) -> Home:
    return build_fixture_home(tmp_path_factory.mktemp("built_fixture"))


@pytest.fixture(scope="module")
def fixture_home_copy(built_fixture_home, tmp_path_factory) -> Home:
    return copy_home(built_fixture_home, tmp_path_factory.mktemp("fixture_copy") / "home")


@pytest.fixture
def private_fixture_home(built_fixture_home, tmp_path) -> Home:
    return copy_home(built_fixture_home, tmp_path / "home")
