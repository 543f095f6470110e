"""nhtz.build through the one dbt runner: failures as one line naming the node, progress per node, the build's
identity written by the project's hooks, typed run records, and `nhtz status`.

The failure cases run a tiny dbt project (one seed, a good model, a broken model or a failing test, and the
project's own build-identity hooks) so that they exercise build()'s handling without the whole warehouse.
"""

import gc
import json
import re
import shutil
import textwrap
from datetime import timezone

import pytest
from typer.testing import CliRunner

from data_quality.gate import check_reconciliations
from marts_fixture import landed_rows, make_fixture_home
from nhtz import dbt_runner, state
from nhtz.build import build, plan_build
from nhtz.cli import app
from nhtz.db import connect, ensure_landing_tables
from nhtz.errors import NhtzError
from nhtz.home import Home
from nhtz.project import DBT_PROJECT_DIR
from nhtz.state import BuildIdentity, BuildRecord, CheckRecord, Landing

N_LANDED = len(landed_rows())
N_FILES = len({row["file_id"] for row in landed_rows()})


def tiny_project(root, models: dict[str, str], tests: dict[str, str] | None = None):
    project = root / "dbt_project"
    (project / "models").mkdir(parents=True)
    (project / "tests").mkdir()
    (project / "macros").mkdir()
    (root / "seeds").mkdir()
    # the project's hooks, and its materialisations for DuckDB with the comments they write
    for macros in ("record_build.sql", "create_in_place.sql", "persist_docs.sql"):
        shutil.copy(DBT_PROJECT_DIR / "macros" / macros, project / "macros")
    (project / "dbt_project.yml").write_text(
        textwrap.dedent(
            """
            name: tiny
            version: "0.1.0"
            config-version: 2
            profile: nhtz
            seed-paths: ["../seeds"]
            on-run-start:
              - "{{ record_build_start() }}"
            on-run-end:
              - "{{ record_build(results) }}"
            """
        )
    )
    (root / "seeds" / "tiny_units.csv").write_text("unit,factor\n万元,0.0001\n")
    for name, sql in models.items():
        (project / "models" / f"{name}.sql").write_text(sql)
    for name, sql in (tests or {}).items():
        (project / "tests" / f"{name}.sql").write_text(sql)
    return project


LANDED_PARKS = {"landed_parks": "select count(distinct park_id) as n_parks from raw.observations"}


@pytest.fixture
def landed_home(tmp_path):
    return make_fixture_home(tmp_path)


def current_identity(home: Home) -> BuildIdentity | None:
    with connect(home.working_db, read_only=True) as con:
        return BuildIdentity.current(con)


def test_empty_home_says_nothing_landed(tmp_path):
    home = Home(tmp_path / "empty").ensure()
    with pytest.raises(NhtzError, match="nothing landed yet.*run nhtz ingest first"):
        build(home)
    # landing tables without a single value are just as empty
    with connect(home.working_db) as con:
        ensure_landing_tables(con)
    with pytest.raises(NhtzError, match="nothing landed yet"):
        build(home)
    assert state.last(home, BuildRecord) is None


def test_cli_prints_one_line_and_exits_non_zero(tmp_path):
    result = CliRunner().invoke(app, ["build", "--home", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].startswith("nhtz: error: nothing landed yet")
    assert "Traceback" not in result.output


def test_broken_model_names_the_model_and_dbt_error(tmp_path, landed_home, monkeypatch):
    project = tiny_project(tmp_path / "project", {**LANDED_PARKS, "broken_model": "select * from raw.no_such_table"})
    monkeypatch.setattr(dbt_runner, "DBT_PROJECT_DIR", project)
    with pytest.raises(NhtzError) as raised:
        build(landed_home)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith("build failed: model broken_model errored: Catalog Error: Table with name no_such_table")
    record = state.last(landed_home, BuildRecord)
    assert record.status == "failed" and "broken_model" in record.error
    # the working database says the same: this run failed
    identity = current_identity(landed_home)
    assert (identity.invocation_id, identity.status) == (record.invocation_id, "failed")
    # the good model was built all the same: 5 parks landed in the fixture
    with connect(landed_home.working_db, read_only=True) as con:
        assert con.execute("select n_parks from main.landed_parks").fetchone() == (5,)
    # the log named in the message holds the run at info level, as dbt writes it (nhtz.dbt_runner.RunLog): the
    # error under its node, the summary, and none of the debug lines (every statement and its status)
    log = (landed_home.root / "dbt" / "logs" / "dbt.log").read_text(encoding="utf-8")
    assert message.endswith(f"(log: {landed_home.root / 'dbt' / 'logs' / 'dbt.log'})")
    assert f"| {record.invocation_id} " in log
    assert re.search(r"^\d\d:\d\d:\d\d\.\d{6} \[error\] \[MainThread\]:   Runtime Error in model broken_model \(", log, re.M)
    assert "\n  Catalog Error: Table with name no_such_table does not exist!\n" in log
    assert re.search(r"^\d\d:\d\d:\d\d\.\d{6} \[info \] \[MainThread\]: Done\. PASS=\d WARN=0 ERROR=1 ", log, re.M)
    assert "SQL status" not in log and "[debug]" not in log


def test_a_failing_reconciliation_test_fails_the_build_and_the_gate_names_it(tmp_path, landed_home, monkeypatch):
    project = tiny_project(
        tmp_path / "project",
        LANDED_PARKS,
        # the fixture has five parks, so this singular test returns one row and fails
        {"national_equals_sum_of_parks": "select * from {{ ref('landed_parks') }} where n_parks <> 4"},
    )
    monkeypatch.setattr(dbt_runner, "DBT_PROJECT_DIR", project)
    with pytest.raises(NhtzError, match=r"^build failed: test national_equals_sum_of_parks failed: Got 1 result") as raised:
        build(landed_home)
    assert "\n" not in str(raised.value)
    record = state.last(landed_home, BuildRecord)
    assert record.status == "failed" and record.singular_tests == {"national_equals_sum_of_parks": "fail"}
    identity = current_identity(landed_home)
    assert state.build_is_stale(identity, Landing(N_FILES, N_LANDED)).startswith(f"the last build ({identity.short_id}")
    national, regions = check_reconciliations(identity, record)
    assert not national.passed and national.detail == f"dbt test national_equals_sum_of_parks: fail in build {identity.short_id}"
    assert not regions.passed


# a contracted model whose CHECK constraints stand in for row-level data tests (as the marts' do): the column's
# accepted values hold, the model-level invariant does not for the second row
GROWING_PARKS = {
    "growing_parks": """
        select 'gdp' as indicator_code, 'flow' as kind, 5 as n_parks, 3 as n_parks_growing
        union all
        select 'revenue', 'flow', 4, 6
    """,
}
GROWING_PARKS_CONTRACT = """
version: 2
models:
  - name: growing_parks
    description: Parks growing, per indicator.
    config:
      materialized: table
      persist_docs:
        relation: true
      contract:
        enforced: true
    constraints:
      - type: check
        name: parks_growing_within_all
        expression: "n_parks_growing <= n_parks"
    columns:
      - name: indicator_code
        data_type: varchar
      - name: kind
        data_type: varchar
        constraints:
          - type: check
            expression: "kind in ('flow', 'stock', 'ratio')"
      - name: n_parks
        data_type: integer
      - name: n_parks_growing
        data_type: integer
"""


def test_a_row_breaking_a_check_constraint_fails_the_build_naming_the_model_and_the_expression(
    tmp_path, landed_home, monkeypatch
):
    project = tiny_project(tmp_path / "project", GROWING_PARKS)
    (project / "models" / "growing_parks.yml").write_text(GROWING_PARKS_CONTRACT)
    monkeypatch.setattr(dbt_runner, "DBT_PROJECT_DIR", project)
    # the table an earlier build left, with its comment: the failed rebuild must leave it as it is
    with connect(landed_home.working_db) as con:
        con.execute(
            "create table growing_parks as select 'gdp' as indicator_code, 'flow' as kind, 5 as n_parks, "
            "3 as n_parks_growing; comment on table growing_parks is 'Parks growing, per indicator.'"
        )
    with pytest.raises(NhtzError) as raised:
        build(landed_home)
    message = str(raised.value)
    assert "\n" not in message
    # DuckDB names the table, created in place in the model's transaction (macros/create_in_place.sql), and the
    # expression that failed
    assert message.startswith(
        'build failed: model growing_parks errored: Constraint Error: CHECK constraint failed on table '
        '"growing_parks" with expression CHECK((n_parks_growing <= n_parks)) (log: '
    )
    assert state.last(landed_home, BuildRecord).status == "failed"
    # the transaction rolled back: the earlier table is there as it was, its comment too, and nothing else was left
    # behind
    with connect(landed_home.working_db, read_only=True) as con:
        assert con.execute(
            "select table_name, comment from duckdb_tables() where table_name like 'growing_parks%'"
        ).fetchall() == [("growing_parks", "Parks growing, per indicator.")]
        assert con.execute("select * from growing_parks").fetchall() == [("gdp", "flow", 5, 3)]


def test_successful_build_is_summarised_shown_per_node_and_recorded(tmp_path, landed_home, monkeypatch):
    project = tiny_project(
        tmp_path / "project", LANDED_PARKS, {"five_parks": "select * from {{ ref('landed_parks') }} where n_parks <> 5"}
    )
    monkeypatch.setattr(dbt_runner, "DBT_PROJECT_DIR", project)
    said = []
    result = build(landed_home, full_refresh=True, say=said.append)
    record = result.record
    assert (record.models, record.seeds, record.tests) == (1, 1, 1)
    assert result.describe().startswith(
        f"build {record.short_id}: 1 models and 1 seeds built, 1 data tests passed"
    )
    assert said[0].endswith("(full refresh: asked for)")
    # one line per node from dbt's own events, numbered out of the three nodes
    progress = [line for line in said if line.startswith("[")]
    assert len(progress) == 3
    assert re.fullmatch(r"\[\d/3\] seed main\.tiny_units ok \d+\.\d s", [p for p in progress if " seed " in p][0])
    assert re.fullmatch(r"\[\d/3\] model main\.landed_parks ok \d+\.\d s", [p for p in progress if " model " in p][0])
    assert re.fullmatch(r"\[3/3\] test five_parks ok \d+\.\d s", progress[-1])
    # the record, read back typed, is keyed by the identity the hooks wrote, with the landing it read
    assert state.last(landed_home, BuildRecord) == record
    assert (record.status, record.full_refresh, record.singular_tests) == ("ok", True, {"five_parks": "pass"})
    identity = current_identity(landed_home)
    assert (identity.invocation_id, identity.command, identity.status) == (record.invocation_id, "build", "ok")
    assert identity.landing == record.landing == Landing(max_file_id=N_FILES, observations=N_LANDED)
    assert identity.started_at <= identity.finished_at and identity.started_at.tzinfo == timezone.utc
    # per-home profile, target and log folders; dbt let go of the database: it opens for writing at once
    profile = json.loads((landed_home.root / "dbt" / "profiles.yml").read_text())
    attached = profile["nhtz"]["outputs"]["working"]["attach"][0]
    # attached as every writer attaches it: at 16 384 rows per row group, under the name the compiled SQL uses
    assert attached == {
        "path": str(landed_home.working_db.resolve()), "alias": "nhtz", "options": {"row_group_size": 16384}
    }
    # a build keeps its run results but writes no manifest; dbt's partial-parse state is kept where the home parses,
    # under a profile that names the database by its file name alone, so that it serves a copy of the home too
    target = landed_home.root / "dbt" / "target"
    assert not (target / "manifest.json").exists()
    assert (landed_home.root / "dbt" / "parse" / "target" / "partial_parse.msgpack").exists()
    parse_profile = json.loads((landed_home.root / "dbt" / "parse" / "profiles.yml").read_text())
    assert parse_profile["nhtz"]["outputs"]["working"]["attach"][0]["path"] == "nhtz.duckdb"
    # so a copy of the home, parsed afresh by dbt (as a new process on it would), parses only what changed: nothing
    copy = Home(tmp_path / "copied")
    shutil.copytree(landed_home.root, copy.root)
    parsing = dbt_runner.home_workspace(copy).parse_workspace()
    assert dbt_runner.invoke(parsing, ["parse"], vars=plan_build(copy).vars).success
    parse_log = (parsing.log_dir / "dbt.log").read_text(encoding="utf-8")
    assert "Unable to do partial parsing" not in parse_log and "Starting full parse" not in parse_log
    assert {r["unique_id"] for r in dbt_runner.read_run_results(target)["results"]} >= {
        "seed.tiny.tiny_units", "model.tiny.landed_parks", "test.tiny.five_parks"}
    assert (landed_home.root / "dbt" / "logs" / "dbt.log").exists()
    with connect(landed_home.working_db) as con:
        assert con.execute("select count(*) from audit.build_identity").fetchone() == (1,)
    # the objects set aside from garbage collection while dbt ran are handed back
    assert gc.get_freeze_count() == 0


def test_objects_set_aside_from_garbage_collection_during_a_dbt_run_come_back_when_it_fails():
    before = [object()]
    with pytest.raises(RuntimeError):
        with dbt_runner.earlier_objects_left_out_of_garbage_collection():
            # the objects held before the run, this list among them, are not walked while dbt runs
            assert gc.get_freeze_count() >= len(before)
            raise RuntimeError("dbt stopped")
    assert gc.get_freeze_count() == 0


@pytest.mark.parametrize("file_name, catalog", [("2025-rollup.duckdb", "2025-rollup"), ("order.duckdb", "order")])
def test_a_database_file_dbt_cannot_attach_by_its_name_is_one_line(tmp_path, file_name, catalog):
    # dbt-duckdb names the attached file unquoted; DuckDB would stop at the name with a syntax error
    workspace = dbt_runner.DbtWorkspace(db_path=tmp_path / file_name, folder=tmp_path / "dbt")
    with pytest.raises(NhtzError) as refused:
        workspace.write_profile()
    assert str(refused.value).startswith(f"dbt cannot build into {tmp_path / file_name}: ")
    assert str(refused.value).endswith(f"(it names the catalog dbt writes to: '{catalog}')")
    assert not (tmp_path / "dbt" / "profiles.yml").exists()


def test_each_build_has_its_own_identity_and_a_read_only_dbt_run_writes_none(tmp_path, landed_home, monkeypatch):
    project = tiny_project(tmp_path / "project", LANDED_PARKS)
    monkeypatch.setattr(dbt_runner, "DBT_PROJECT_DIR", project)
    first = build(landed_home).record
    second = build(landed_home).record
    assert first.invocation_id != second.invocation_id
    assert current_identity(landed_home).invocation_id == second.invocation_id
    # dbt test, like docs and parse, only reads: the identity stays the last build's
    run = dbt_runner.invoke(dbt_runner.home_workspace(landed_home), ["test"])
    assert run.success
    with connect(landed_home.working_db, read_only=True) as con:
        rows = con.execute("select invocation_id, status from audit.build_identity order by started_at").fetchall()
    assert rows == [(first.invocation_id, "ok"), (second.invocation_id, "ok")]


# --- typed run records ------------------------------------------------------------------------------------------

def test_records_round_trip_and_are_written_atomically(tmp_path):
    home = Home(tmp_path)
    identity = BuildIdentity("abc", "build", "ok", state.now_utc(), state.now_utc(), Landing(3, 10))
    record = CheckRecord(checked_at=state.now_utc(), passed=True, build=identity, failed=(), quarter="2023Q4",
                         n_active=178, n_reported=5, coverage=0.02809, findings={"error": 1})
    assert state.last(home, CheckRecord) is None
    state.save(home, record)
    assert state.last(home, CheckRecord) == record
    # a record that cannot replace the old one leaves the old one whole and no temporary file
    (home.state / "build.json").mkdir()
    with pytest.raises(IsADirectoryError):
        state.save(home, BuildRecord(status="ok", finished_at=state.now_utc()))
    assert sorted(p.name for p in home.state.iterdir()) == ["build.json", "check.json"]


def test_a_record_of_another_shape_is_one_line_naming_the_file(tmp_path):
    home = Home(tmp_path)
    home.state.mkdir(parents=True)
    # the untyped record of an earlier nhtz
    (home.state / "build.json").write_text(json.dumps({"event": "build", "at": "2024-01-01T00:00:00+00:00"}))
    with pytest.raises(NhtzError) as raised:
        state.last(home, BuildRecord)
    assert str(raised.value).startswith(f"{home.state / 'build.json'} is not a BuildRecord this nhtz can read (")
    assert "\n" not in str(raised.value)


# --- nhtz status ------------------------------------------------------------------------------------------------

def test_status_of_a_missing_home_says_so_in_one_line(tmp_path):
    outcome = CliRunner().invoke(app, ["status", "--home", str(tmp_path / "nowhere")])
    assert outcome.exit_code == 1
    assert outcome.output.startswith(f"nhtz: error: no warehouse at {tmp_path / 'nowhere'}: ")
    assert len(outcome.output.splitlines()) == 1


def test_status_is_an_aligned_summary_with_the_build_identity_in_beijing_time(built_fixture_home):
    outcome = CliRunner().invoke(app, ["status", "--home", str(built_fixture_home.root)])
    assert outcome.exit_code == 0, outcome.output
    lines = outcome.output.splitlines()
    labels = [line.split("  ")[0].rstrip() for line in lines]
    assert labels == ["home", "working db", "files", "periods", "parks", "last build", "last check", "last publish",
                      "serving"]
    # values start in one column
    assert len({len(line) - len(line[len(label):].lstrip()) for line, label in zip(lines, labels)}) == 1
    shown = dict(zip(labels, (line[len(label):].strip() for line, label in zip(lines, labels))))
    assert shown["files"] == f"{N_FILES} landed, 0 refused; rows read {N_LANDED}, landed {N_LANDED}, quarantined 0"
    # A's monthly gdp runs from 2022-01; quarters end in 2023-12
    assert shown["periods"].startswith("2022-01 to 2023-12")
    assert shown["parks"] == f"5 with values ({N_LANDED} values)"
    record = state.last(built_fixture_home, BuildRecord)
    assert shown["last build"].startswith(f"{state.beijing_time(record.finished_at)}, build {record.short_id}, ok (")
    assert "北京时间" in shown["last build"]
    assert shown["last publish"] == "never" and shown["serving"] == "not published yet"


def declared_checks() -> dict[str, int]:
    """How many CHECK constraints each model's YAML declares (model-level and on its columns), read without dbt."""
    import yaml

    checks = {}
    for path in dbt_runner.DBT_PROJECT_DIR.glob("models/**/*.yml"):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models", []):
            constraints = model.get("constraints", []) + [
                c for column in model.get("columns", []) for c in column.get("constraints", [])
            ]
            n = sum(c["type"] == "check" for c in constraints)
            if n:
                checks[model["name"]] = n
    return checks


def test_the_contracts_check_constraints_are_in_the_built_tables(built_fixture_home):
    # the contracted models' row-level checks are CHECK constraints of their tables (docs/marts.md): DuckDB tests
    # every row as it is written, on a full and an incremental build alike, without a test node of its own
    with connect(built_fixture_home.working_db, read_only=True) as con:
        built = dict(
            con.execute(
                "select table_name, count(*) from duckdb_constraints() "
                "where constraint_type = 'CHECK' group by table_name"
            ).fetchall()
        )
        findings = con.execute(
            "select constraint_text from duckdb_constraints() "
            "where constraint_type = 'CHECK' and table_name = 'findings' order by constraint_index"
        ).fetchall()
    assert built == declared_checks()
    # 24 in 13 tables, and 28 in 17 since four intermediate models' row checks (docs/marts.md, "One test per grain")
    assert sum(built.values()) == 28 and len(built) == 17
    assert findings == [("CHECK((severity IN ('error', 'warning')))",),
                        ("CHECK((regexp_extract(message, '[{][a-z_]+[}]', 0) = ''))",)]


def defined_unit_tests() -> set[str]:
    """The unit tests written in the project's YAML files, read here without dbt; the enterprise models' ones run
    with the enterprise source (tests/test_enterprise.py)."""
    import yaml

    names = set()
    for path in dbt_runner.DBT_PROJECT_DIR.glob("models/**/*.yml"):
        if "enterprise" in path.parts:
            continue
        for unit_test in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("unit_tests", []):
            names.add(unit_test["name"])
    return names


def test_dbt_unit_tests_run_from_the_suite_not_in_the_warehouse_build(private_fixture_home):
    # the build leaves them out (dbt's advice for production builds) ...
    assert state.last(private_fixture_home, BuildRecord).unit_tests == 0
    # ... and here every unit test of the YAML files runs, on the built fixture, and passes
    workspace = dbt_runner.home_workspace(private_fixture_home)
    run = dbt_runner.invoke(workspace, list(dbt_runner.UNIT_TEST_COMMAND))
    ran = {
        r["unique_id"].split(".")[-1]: r["status"]
        for r in run.run_results["results"]
        if r["unique_id"].startswith("unit_test.")
    }
    assert set(ran) == defined_unit_tests() and len(ran) >= 4
    assert set(ran.values()) == {"pass"}, ran
