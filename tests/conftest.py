"""Shared fixtures: the hand-made marts fixture (tests/marts_fixture.py) built through dbt once per test session.

A dbt build of the fixture costs seconds of both cores, so each warehouse below is made once per session, not once
per test module nor once per pytest-xdist worker: the first worker that asks makes it under a file lock in the
folder the workers share (pytest-xdist's recipe for session fixtures that must run once), and every worker takes
its own copy of it, so no two processes ever open one DuckDB file. A test that changes anything changes a copy.

    built_fixture_home     session, read-only use: the fixture landed and built (its build identity and record in
                           place), nothing else
    checked_home           session, read-only use: built and checked by the whole gate (passed), never published
    published_home         session, read-only use: checked_home published as version 1 with the coverage minimum
                           lowered (five of 178 parks report), in a folder every user may traverse; tests must not
                           publish again or change it (copy it to do that). Each worker publishes its own copy
                           (a second), since the folder is not a pytest one
    extended_fixture_home  session, read-only use: the fixture with marts_fixture.RULE_VALUES and
                           COMPARISON_VALUES landed on top as later files, built
    fixture_home_copy      per test module: a private copy of built_fixture_home (the dbt profile is per home and
                           written by every build, so a copied folder needs no fixing up)
    private_fixture_home   per test: a private copy of built_fixture_home, for tests that break their database
    private_checked_home   per test: a private copy of checked_home

`make test` runs the suite as `pytest -n 2 --dist loadscope --no-loadscope-reorder` (docs/testing.md): each test
module runs whole on one worker, so a module's own fixtures are made once, and modules are handed out in the order
of SLOWEST_FIRST below, the longest first, so that the two workers finish together.
"""

import inspect
import os
import shutil
import stat
import sys
import tempfile
import types
from collections.abc import Callable
from pathlib import Path

import pytest
from filelock import FileLock

from data_quality.gate import check
from marts_fixture import COMPARISON_VALUES, RULE_VALUES, add_observations, build_fixture_home, make_fixture_home
from nhtz.build import build
from nhtz.home import Home
from nhtz.publish import publish
from serving_fixture import allow_any_coverage, copy_home

# Test modules in the order the workers take them: the slowest first, by CPU seconds in a run on two idle cores
# (docs/testing.md), so that small modules fill in at the end; modules not named here follow in file order. A new
# module that starts a dbt build, a check or a Dagster run belongs here.
SLOWEST_FIRST = [
    # CPU seconds in `make test` from a fresh worktree, 2026-12-02 evening (load 1.5 to 2.9; fixtures counted in the
    # module that asked first)
    "test_publish.py",  # 49 s: the first to ask makes the built, checked and extended fixtures
    "test_orchestration.py",  # 26 s (2026-12-03): one Dagster run of the whole job (13 s, dbt in process); Dagster's
    # imports and, in a fresh checkout, the parse behind the asset graph when its tests start
    "test_incremental.py",  # 28 s: four builds of the fixture in one home and a full refresh
    "test_enterprise.py",  # 28 s
    "test_build.py",  # 19 s
    "test_end_to_end.py",  # 18 s: the synthetic set through nhtz run
    "test_metrics.py",  # 11 s
    "test_quality.py",  # 11 s
    "test_ingest_hostile.py",  # 10 s
    "test_synth.py",
    "test_extreme_values_publish.py",
    "test_report.py",
    "test_ingest.py",
    "test_error_isolation.py",
    "test_bi.py",
    "test_serving.py",
    "test_ingest_synth.py",
    "test_explain.py",
    "test_feedback.py",
    "test_audit_rules.py",
]


def pytest_configure(config: pytest.Config) -> None:
    """Each pytest-xdist worker on cores of its own (Linux; two workers on two cores: one each), so that DuckDB and
    dbt never spread one worker's threads over the cores the other worker is busy on. Measured on two cores: a
    fixture build takes 5.0–5.7 CPU seconds on one core against 7.0 spread over two, and less wall time
    (docs/testing.md)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1, ...: set by pytest-xdist in each worker
    if worker:
        give_the_workers_bootstrap_code_a_module()
    if not worker or not hasattr(os, "sched_setaffinity"):
        return
    cores = sorted(os.sched_getaffinity(0))
    share = max(1, len(cores) // int(os.environ["PYTEST_XDIST_WORKER_COUNT"]))
    first = int(worker.removeprefix("gw")) * share % len(cores)
    os.sched_setaffinity(0, set(cores[first:first + share]))


def give_the_workers_bootstrap_code_a_module() -> None:
    """A pytest-xdist worker runs inside code that execnet exec's as source (its "<string>" bootstrap, and
    xdist/remote.py), which no module in sys.modules has as its file. `inspect.getmodule` finds no module for those
    frames and scans all of sys.modules again at every call (thousands of modules here). dbt_common's behaviour flags
    compute their default source with `inspect.stack()`, which looks up the module of every frame, for each flag at
    every adapter registration: 7 CPU seconds of `make test` in a py-spy profile (docs/testing.md). A module named
    after each such file gives those frames one."""
    frame = inspect.currentframe()
    while frame is not None:
        if inspect.getmodule(frame) is None:
            module = types.ModuleType(f"xdist_worker_code_{len(sys.modules)}")
            module.__file__ = frame.f_code.co_filename
            sys.modules[module.__name__] = module
        frame = frame.f_back


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Modules in the order of SLOWEST_FIRST; the tests within a module keep their order (a stable sort)."""
    rank = {name: position for position, name in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


def made_once(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], Home]) -> Home:
    """The home `make(folder)` returns, made once per session, and this worker's own copy of it.

    Under pytest-xdist the workers share the folder above their own temporary folders: the first worker to ask makes
    the home there, holding a lock the others wait on; a home that failed to be made leaves nothing behind, so the
    next worker tries again and fails with the same error.
    """
    if "PYTEST_XDIST_WORKER" not in os.environ:  # one process: pytest's session scope already makes it once
        return make(tmp_path_factory.mktemp(name))
    shared = tmp_path_factory.getbasetemp().parent / "made_once" / name
    shared.parent.mkdir(exist_ok=True)
    with FileLock(f"{shared}.lock"):
        if not shared.exists():
            made = make(tmp_path_factory.mktemp(name))
            shutil.move(made.root, shared)
    return copy_home(Home(shared), tmp_path_factory.mktemp(name) / "home")


@pytest.fixture(scope="session")
def built_fixture_home(tmp_path_factory) -> Home:
    return made_once(tmp_path_factory, "built_fixture", build_fixture_home)


@pytest.fixture(scope="session")
def checked_home(built_fixture_home, tmp_path_factory) -> Home:
    def built_and_checked(folder: Path) -> Home:
        home = copy_home(built_fixture_home, folder / "home")
        result = check(home)
        assert result.passed, result.describe()
        return home

    return made_once(tmp_path_factory, "checked_fixture", built_and_checked)


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


@pytest.fixture(scope="session")
def extended_fixture_home(tmp_path_factory) -> Home:
    """One build for two modules (test_audit_rules, test_marts_comparison): their values touch different parks,
    indicators and quarters, so every number either module works out by hand holds on the other's values too.
    test_publish's readers test publishes a checked copy as a second version with more rows than the fixture's."""

    def extended(folder: Path) -> Home:
        home = make_fixture_home(folder)
        add_observations(home, RULE_VALUES)
        add_observations(home, COMPARISON_VALUES)
        build(home)
        return home

    return made_once(tmp_path_factory, "extended_fixture", extended)


@pytest.fixture(scope="module")
def fixture_home_copy(built_fixture_home, tmp_path_factory) -> Home:
    return copy_home(built_fixture_home, tmp_path_factory.mktemp("fixture_copy") / "home")


@pytest.fixture
def private_fixture_home(built_fixture_home, tmp_path) -> Home:
    return copy_home(built_fixture_home, tmp_path / "home")


@pytest.fixture
def private_checked_home(checked_home, tmp_path) -> Home:
    return copy_home(checked_home, tmp_path / "home")
