"""Publication: refusals, atomic replacement, Parquet copies, and what readers see while it happens.

The reliability tests run on the shared hand-made warehouse (`tests/marts_fixture.py`), built and checked once
per session (`checked_home`, tests/conftest.py) and copied per test: five parks report, so coverage at 2023Q4 is 5 of
the 178 active parks. Tests of what happens after a publication start from a copy of `published_home`, the same
warehouse published once per session as version 1. Tests whose subject is not coverage lower the minimum in the
home's nhtz.toml. The serving database is compared before and after by a snapshot of every mart read with plain SQL
here, never through the code under test.
"""

import dataclasses
import errno
import fcntl
import hashlib
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from data_quality.gate import check
from marts_fixture import add_observations, make_fixture_home
from nhtz import state
from nhtz.build import build
from nhtz.cli import app
from nhtz.db import connect
from nhtz.errors import GateFailed, NhtzError
from nhtz.home import Home
from nhtz.publish import PUBLISHED_AUDIT_TABLES, copy_published_tables, publish
from nhtz.state import CheckRecord
from serving_fixture import allow_any_coverage, copy_home, file_digests

ACTIVE_PARKS_2023Q4 = 178  # the registry's national zones at 2023-12-31
REPORTING_PARKS_2023Q4 = 5  # A..E of the fixture


def marts_snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every mart's rows, sorted, read with a fresh read-only connection."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema = 'marts' order by 1"
        ).fetchall()
        return {t: con.execute(f"select * from {t} order by all").fetchall() for (t,) in tables}
    finally:
        con.close()


def checksum(db: Path) -> str:
    return hashlib.sha256(repr(marts_snapshot(db)).encode()).hexdigest()


def scalar(db: Path, sql: str):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()[0][0]
    finally:
        con.close()


@pytest.fixture
def home(checked_home, tmp_path) -> Home:
    """A private copy of the built and checked home; copy2 keeps the file times the gate's records rely on."""
    return copy_home(checked_home, tmp_path / "home")


@pytest.fixture
def published(published_home, tmp_path) -> Home:
    """A private copy of conftest's published home: the checked home published as version 1 with the coverage
    minimum lowered, for tests of what happens after a publication (one publication per session, not per test)."""
    return copy_home(published_home, tmp_path / "home")


def parquet_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.parquet"))


def shown_version(home: Home) -> int:
    return json.loads((home.parquet_dir / "manifest.json").read_text(encoding="utf-8"))["publish_id"]


def test_coverage_below_minimum_refuses_and_allow_partial_publishes(home):
    with pytest.raises(GateFailed) as refused:
        publish(home)
    assert str(refused.value) == (
        "only 5 of 178 active parks (2.8%) reported in 2023Q4, below the minimum 90%; "
        "publish anyway with --allow-partial"
    )
    assert not home.serving_db.exists()

    result = publish(home, allow_partial=True)
    assert result.partial and result.publish_id == 1
    assert marts_snapshot(home.serving_db) == marts_snapshot(home.working_db)
    assert scalar(home.serving_db, "select allow_partial from audit.publication") is True
    # national gdp 2023Q4 of the fixture: 44 + 84 + 24 + 20 + 44
    assert scalar(home.serving_db, "select value_ytd from marts.national_quarter "
                                   "where quarter = '2023Q4' and indicator_code = 'gdp'") == pytest.approx(216.0)


def test_cli_publish_refusal_is_one_line_and_exit_1(home):
    outcome = CliRunner().invoke(app, ["publish", "--home", str(home.root)])
    assert outcome.exit_code == 1
    assert "nhtz: error: only 5 of 178 active parks (2.8%) reported in 2023Q4" in outcome.output
    assert "Traceback" not in outcome.output
    assert not home.serving_db.exists()
    partial = CliRunner().invoke(app, ["publish", "--home", str(home.root), "--allow-partial"])
    assert partial.exit_code == 0, partial.output
    assert "published version 1" in partial.output and "partial: below the minimum coverage" in partial.output
    assert scalar(home.serving_db, "select count(*) from marts.dim_park") == 178


def test_publish_writes_every_published_table_as_parquet(home):
    allow_any_coverage(home)
    publish(home)
    assert home.parquet_dir.is_dir() and not home.parquet_dir.is_symlink()
    files = [p.name for p in parquet_files(home.parquet_dir)]
    con = duckdb.connect(str(home.serving_db), read_only=True)
    try:
        marts = [t for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
        ).fetchall()]
        assert files == sorted([f"marts.{t}.parquet" for t in marts] + [f"audit.{t}.parquet" for t in PUBLISHED_AUDIT_TABLES])
        for name in files:
            table = name.removesuffix(".parquet")
            in_parquet = con.execute(f"select count(*) from read_parquet('{home.parquet_dir / name}')").fetchall()[0][0]
            assert in_parquet == con.execute(f"select count(*) from {table}").fetchall()[0][0], table
    finally:
        con.close()
    assert "fct_park_quarter" in marts and "national_quarter" in marts


def test_publishing_twice_gives_identical_marts(home):
    allow_any_coverage(home)
    first = publish(home)
    snapshot_first = marts_snapshot(home.serving_db)
    parquet_first = {p.name: scalar(home.serving_db, f"select count(*) from read_parquet('{p}')")
                     for p in parquet_files(home.parquet_dir)}
    second = publish(home)
    assert (first.publish_id, second.publish_id) == (1, 2)
    assert marts_snapshot(home.serving_db) == snapshot_first
    assert {p.name: scalar(home.serving_db, f"select count(*) from read_parquet('{p}')")
            for p in parquet_files(home.parquet_dir)} == parquet_first
    assert scalar(home.serving_db, "select publish_id from audit.publication") == 2


def test_old_parquet_versions_are_pruned(home):
    allow_any_coverage(home)
    for _ in range(4):
        publish(home)
    versions = sorted(p.name for p in (home.serving_dir / "parquet_versions").iterdir())
    # the current version and the two before it
    assert versions == ["000002", "000003", "000004"]
    assert shown_version(home) == 4
    assert sorted(p.name for p in home.serving_dir.iterdir()) == [
        ".publish.lock", "nhtz.duckdb", "parquet", "parquet_versions"
    ]


def test_gate_failure_blocks_publication_and_keeps_the_serving_copy(published):
    before = checksum(published.serving_db)
    # a landed value in a unit the conversion table does not know: a blocking landing expectation fails
    # (national = Σ parks is the build's own test: a build that fails it is no build the gate passes)
    with connect(published.working_db) as con:
        con.execute("update raw.observations set unit = '斤' where file_id = 1 and row_number = 2")
    checked = CliRunner().invoke(app, ["check", "--home", str(published.root)])
    assert checked.exit_code == 1
    assert "publication gate FAILED" in checked.output
    assert "✗ blocking expectations: 1 of " in checked.output
    assert "raw.observations: expect_column_values_to_be_in_set(unit)" in checked.output
    with pytest.raises(GateFailed, match=r"the publication gate failed \(blocking expectations\); "
                                         r"the serving copy is unchanged"):
        publish(published)
    assert checksum(published.serving_db) == before


def test_publish_refuses_without_a_check_of_the_current_build(tmp_path, home):
    with pytest.raises(GateFailed, match="nothing to publish: no build recorded"):
        publish(make_fixture_home(tmp_path))
    checked = state.last(home, CheckRecord)
    (home.state / "check.json").unlink()
    with pytest.raises(GateFailed, match=r"has not been checked; run `nhtz check` first"):
        publish(home)
    # a check of another build than the one in the working database vouches for nothing
    earlier = dataclasses.replace(checked.build, invocation_id="00000000-0000-0000-0000-000000000000")
    state.save(home, dataclasses.replace(checked, build=earlier))
    with pytest.raises(GateFailed, match="changed after the last check .* the check was of build 00000000"):
        publish(home)


def test_publish_refuses_when_the_working_database_changed_after_the_check(home):
    allow_any_coverage(home)
    add_observations(home, [("A", 2023, 12, "exports", 5.0, "亿元")])
    with pytest.raises(GateFailed, match=r"the working database changed after the last check .*run `nhtz build` and `nhtz check`"):
        publish(home)
    assert not home.serving_db.exists()


def start_build_in_a_child(home: Home) -> multiprocessing.Process:
    """`nhtz build` in a process of its own, forked from this one: it starts from this process's imports and its
    parse of the project (nhtz.dbt_runner.parsed_project), as a second build in a running process does, instead
    of importing dbt and parsing the whole project again before its first node (about 10 CPU seconds)."""
    child = multiprocessing.get_context("fork").Process(target=build, args=(home,))
    child.start()
    return child


def building_nodes(log: Path, offset: int) -> bool:
    """dbt's log past `offset` (this run's part) shows the build's identity hook done and a first node started."""
    if not log.exists():
        return False
    with open(log, "rb") as handle:
        handle.seek(offset)
        text = handle.read().decode("utf-8", errors="replace")
    hook_done = text.find("OK hook: nhtz.on-run-start")
    return hook_done >= 0 and " START " in text[hook_done:]


def test_build_killed_half_way_leaves_the_serving_copy_readable_and_unchanged(published):
    before = checksum(published.serving_db)
    rows_before = scalar(published.serving_db, "select count(*) from marts.fct_park_quarter")
    # half-way: the build has written its identity and runs its nodes (a kill at the first write of the file could
    # come before the identity, when the database still holds the checked build)
    log = published.root / "dbt" / "logs" / "dbt.log"
    offset = log.stat().st_size if log.exists() else 0

    child = start_build_in_a_child(published)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and child.is_alive():
        if building_nodes(log, offset):
            break
        time.sleep(0.01)
    child.kill()  # SIGKILL
    child.join()
    assert child.exitcode == -signal.SIGKILL  # killed half-way, not finished

    assert checksum(published.serving_db) == before
    assert scalar(published.serving_db, "select count(*) from marts.fct_park_quarter") == rows_before
    # the half-written working database is refused until a build finishes
    with pytest.raises(GateFailed, match="changed after the last check"):
        publish(published)
    build_check = check(published).checks[0]
    assert build_check.name == "build finished" and not build_check.passed
    assert "after the last successful build" in build_check.detail
    assert checksum(published.serving_db) == before


READER_IN_A_CHILD = """
import json, sys, time
from pathlib import Path
import duckdb
db, out, stop = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
seen, errors = [], []
while not stop.exists():
    try:
        con = duckdb.connect(db, read_only=True)
        try:
            version = con.execute("select publish_id from audit.publication").fetchall()[0][0]
            rows = con.execute("select count(*) from marts.fct_park_quarter").fetchall()[0][0]
        finally:
            con.close()
        seen.append([version, rows])
    except Exception as error:
        errors.append(repr(error))
    out.write_text(json.dumps({"seen": seen, "errors": errors}))
"""


def read_in_a_thread(db: Path, stop: threading.Event, log: dict) -> None:
    while not stop.is_set():
        try:
            con = duckdb.connect(str(db), read_only=True)
            try:
                version = con.execute("select publish_id from audit.publication").fetchall()[0][0]
                rows = con.execute("select count(*) from marts.fct_park_quarter").fetchall()[0][0]
            finally:
                con.close()
            log["seen"].append([version, rows])
        except Exception as error:  # every error counts: the assertion is that there are none
            log["errors"].append(repr(error))


def wait_for(condition, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "readers did not get going"
        time.sleep(0.05)


def read_log(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {"seen": [], "errors": []}


def test_readers_see_only_complete_versions_while_a_publish_runs(published, extended_fixture_home, tmp_path):
    rows_v1 = scalar(published.serving_db, "select count(*) from marts.fct_park_quarter")
    # a second version with more rows: the fixture with more values landed on top (conftest's
    # extended_fixture_home, built once per session, so this test needs no build of its own), checked, and
    # published over the serving folder of version 1
    home = allow_any_coverage(copy_home(extended_fixture_home, tmp_path / "next"))
    assert check(home).passed
    shutil.copytree(published.serving_dir, home.serving_dir, symlinks=True, dirs_exist_ok=True)
    assert scalar(home.serving_db, "select publish_id from audit.publication") == 1
    rows_v2 = scalar(home.working_db, "select count(*) from marts.fct_park_quarter")
    assert rows_v2 > rows_v1

    stop_file = tmp_path / "stop"
    logs = [tmp_path / f"reader{i}.json" for i in range(2)]
    children = [
        subprocess.Popen([sys.executable, "-c", READER_IN_A_CHILD, str(home.serving_db), str(log), str(stop_file)])
        for log in logs
    ]
    stop = threading.Event()
    thread_logs = [{"seen": [], "errors": []} for _ in range(2)]
    threads = [threading.Thread(target=read_in_a_thread, args=(home.serving_db, stop, log)) for log in thread_logs]
    for thread in threads:
        thread.start()
    try:
        wait_for(lambda: all(len(read_log(p)["seen"]) >= 5 for p in logs) and all(len(t["seen"]) >= 5 for t in thread_logs))
        publish(home)
        wait_for(lambda: all(read_log(p)["seen"] and read_log(p)["seen"][-1][0] == 2 for p in logs)
                 and all(t["seen"][-1][0] == 2 for t in thread_logs))
    finally:
        stop_file.touch()
        stop.set()
        for child in children:
            child.wait(timeout=60)
        for thread in threads:
            thread.join(timeout=60)

    all_logs = [read_log(p) for p in logs] + thread_logs
    assert [log["errors"] for log in all_logs] == [[], [], [], []]
    for log in all_logs:
        assert {tuple(pair) for pair in log["seen"]} == {(1, rows_v1), (2, rows_v2)}
        versions = [version for version, _ in log["seen"]]
        assert versions == sorted(versions)  # never back to the old version once the new one is seen


def test_a_second_publication_at_the_same_time_is_refused(home):
    allow_any_coverage(home)
    home.serving_dir.mkdir(parents=True, exist_ok=True)
    with open(home.serving_dir / ".publish.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as a publication running in another process holds it
        with pytest.raises(NhtzError, match="another publication is running in"):
            publish(home)
        fcntl.flock(held, fcntl.LOCK_UN)
    assert not home.serving_db.exists()
    assert publish(home).publish_id == 1


# --- faults: a full disk, interrupted publications ------------------------------------------------------------


def serving_listing(home: Home) -> list[str]:
    return sorted(str(p.relative_to(home.serving_dir)) for p in home.serving_dir.rglob("*"))


def published_digests(home: Home) -> dict[str, str]:
    """What readers open: the serving database and the files of serving/parquet."""
    files = [home.serving_db, *sorted(home.parquet_dir.iterdir())]
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def a_dead_pid() -> int:
    """The id of a process that has finished."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_what_interrupted_publications_left_is_removed_by_the_next(published):
    serving, dead = published.serving_dir, a_dead_pid()
    left = {
        f".nhtz.duckdb.2.{dead}.tmp": b"\0" * 4096,  # the temporary copy of a killed publication
        f".nhtz.duckdb.2.{dead}.tmp.wal": b"\0" * 16,
        f".nhtz.duckdb.3.{os.getpid()}.tmp": b"x",  # a live process's, but older than the lock (made an hour ago)
    }
    for name, content in left.items():
        (serving / name).write_bytes(content)
    hour_ago = time.time() - 3600
    os.utime(serving / f".nhtz.duckdb.3.{os.getpid()}.tmp", (hour_ago, hour_ago))
    staged = serving / f".parquet.2.{dead}.tmp"  # a Parquet folder that was being put in place
    staged.mkdir()
    (staged / "marts.dim_park.parquet").write_bytes(b"PAR1")
    half = serving / "parquet_versions" / "000002"  # a version folder half-written: no manifest
    half.mkdir()
    (half / "marts.dim_park.parquet").write_bytes(b"PAR1 and then the process was killed")
    (serving / "notes.txt").write_text("not ours: kept", encoding="utf-8")

    said = []
    result = publish(published, say=said.append)

    assert result.publish_id == 2
    assert sorted(p.name for p in serving.iterdir()) == [
        ".publish.lock", "nhtz.duckdb", "notes.txt", "parquet", "parquet_versions"
    ]
    assert sorted(p.name for p in (serving / "parquet_versions").iterdir()) == ["000001", "000002"]
    # 000002 is now the complete version this publication wrote, not the half-written one
    assert b"killed" not in (half / "marts.dim_park.parquet").read_bytes()
    assert json.loads((half / "manifest.json").read_text(encoding="utf-8"))["publish_id"] == 2
    assert shown_version(published) == 2
    assert scalar(published.serving_db, "select publish_id from audit.publication") == 2
    removed = next(line for line in said if line.startswith("removed what interrupted publications left"))
    for name in [*left, staged.name, "parquet_versions/000002"]:
        assert name in removed


PUBLISH_KILLED_WHILE_WRITING_PARQUET = """
import sys, time
from pathlib import Path
import nhtz.publish
from nhtz.home import Home

def write_some_then_hang(con, table, docs, destination, publish_id):
    destination.write_bytes(b"PAR1")
    print("writing", flush=True)
    time.sleep(600)

nhtz.publish.write_documented_parquet = write_some_then_hang
nhtz.publish.publish(Home(Path(sys.argv[1])))
"""


def test_a_publication_killed_half_way_is_cleaned_up_by_the_next(published):
    before = published_digests(published)
    child = subprocess.Popen(
        [sys.executable, "-c", PUBLISH_KILLED_WHILE_WRITING_PARQUET, str(published.root)],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[1],
    )
    assert child.stdout.readline().strip() == "writing"
    child.send_signal(signal.SIGKILL)
    child.wait()
    left = serving_listing(published)
    assert f".nhtz.duckdb.2.{child.pid}.tmp" in left and "parquet_versions/000002" in left
    assert published_digests(published) == before  # what readers see did not move

    assert publish(published).publish_id == 2
    assert not [name for name in serving_listing(published) if str(child.pid) in name]
    assert shown_version(published) == 2


def test_a_full_disk_during_publication_is_one_line_and_leaves_the_previous_version(published, monkeypatch):
    before, listing = file_digests(published), serving_listing(published)

    def disk_full(working_db, target, tables):
        target.write_bytes(b"\0" * 65536)  # part of the copy made it to disk
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))

    monkeypatch.setattr("nhtz.publish.copy_published_tables", disk_full)
    outcome = CliRunner().invoke(app, ["publish", "--home", str(published.root)])

    assert outcome.exit_code == 1
    assert "Traceback" not in outcome.output
    errors = [line for line in outcome.output.splitlines() if line.startswith("nhtz: error")]
    assert errors == [
        f"nhtz: error: cannot publish: No space left on device: {published.serving_dir}/.nhtz.duckdb.2.{os.getpid()}.tmp; "
        "nothing was published and the serving copy is unchanged"
    ]
    assert file_digests(published) == before
    assert serving_listing(published) == listing
    assert shown_version(published) == 1
    assert scalar(published.serving_db, "select publish_id from audit.publication") == 1


def test_an_io_error_while_writing_parquet_removes_the_half_written_version(published, monkeypatch):
    import nhtz.publish

    before, listing = file_digests(published), serving_listing(published)
    write_table = nhtz.publish.write_documented_parquet
    written = []

    def fails_on_the_third_table(con, table, docs, destination, publish_id):
        written.append(table)
        if len(written) == 3:
            destination.write_bytes(b"PAR1")
            raise duckdb.IOException(f'IO Error: Could not write file "{destination}": No space left on device')
        return write_table(con, table, docs, destination, publish_id)

    monkeypatch.setattr("nhtz.publish.write_documented_parquet", fails_on_the_third_table)
    with pytest.raises(NhtzError) as failed:
        publish(published)
    version_dir = published.serving_dir / "parquet_versions" / "000002"
    assert str(failed.value) == (
        f'cannot publish: IO Error: Could not write file "{version_dir / (written[2] + ".parquet")}": '
        "No space left on device; nothing was published and the serving copy is unchanged"
    )
    assert file_digests(published) == before
    assert serving_listing(published) == listing

    monkeypatch.setattr("nhtz.publish.write_documented_parquet", write_table)
    assert publish(published).publish_id == 2  # the failed attempt used up no version number


def test_a_home_published_with_a_parquet_link_gets_a_real_folder(published):
    """Before Parquet folders were real, `serving/parquet` was a symbolic link to a version folder without a
    manifest: the next publication keeps that version's files and puts a real folder in the link's place."""
    old_version = published.serving_dir / "parquet_versions" / "000001"
    (old_version / "manifest.json").unlink()
    shutil.rmtree(published.parquet_dir)
    os.symlink("parquet_versions/000001", published.parquet_dir)

    assert publish(published).publish_id == 2
    assert published.parquet_dir.is_dir() and not published.parquet_dir.is_symlink()
    assert shown_version(published) == 2
    assert sorted(p.name for p in (published.serving_dir / "parquet_versions").iterdir()) == ["000001", "000002"]
    assert sorted(p.name for p in parquet_files(old_version)) == sorted(p.name for p in parquet_files(published.parquet_dir))


def _row_groups(db: Path, table: str) -> list[int]:
    with duckdb.connect(str(db), read_only=True) as con:
        return [
            rows for (rows,) in con.execute(
                f"select max(count) from pragma_storage_info('{table}') group by row_group_id order by row_group_id"
            ).fetchall()
        ]


def test_tables_stay_in_row_groups_of_16384_rows_through_later_writers_and_the_serving_copy(tmp_path):
    # DuckDB scans a table on as many threads as it has row groups; at its default of 122 880 rows the marts' tables
    # were one group and a tail (nhtz/db.py, ROW_GROUP_SIZE). 40 000 rows: two full groups of 16 384 and 7 232.
    working = tmp_path / "nhtz.duckdb"
    with connect(working) as con:
        con.execute("create schema marts")
        con.execute("create table marts.numbers as select range as n from range(40000)")
    assert _row_groups(working, "marts.numbers") == [16384, 16384, 7232]
    # a later writer (ingestion, the gate) checkpoints on closing: a connection at DuckDB's default size merged all
    # of them into one group of 40 001 rows here; the row it adds is a group of its own
    with connect(working) as con:
        con.execute("insert into marts.numbers values (40000)")
    assert _row_groups(working, "marts.numbers") == [16384, 16384, 7232, 1]
    # the serving copy that readers open is written the same way
    serving = tmp_path / "serving" / "nhtz.duckdb"
    copy_published_tables(working, serving, ["marts.numbers"])
    assert _row_groups(serving, "marts.numbers") == [16384, 16384, 7233]
