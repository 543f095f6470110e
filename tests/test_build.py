"""nhtz.build: one dbt invocation per build, failures as one line naming the node, and the run recorded.

The failure cases run a tiny dbt project (a copy of this project's profile, one seed, a good model, a broken model
or a failing test) so that they exercise build()'s handling without the whole warehouse."""

import shutil
import textwrap

import pytest
from typer.testing import CliRunner

import nhtz.build as build_module
from nhtz import state
from nhtz.build import build
from nhtz.cli import app
from nhtz.db import connect, ensure_landing_tables
from nhtz.errors import NhtzError
from nhtz.home import Home
from nhtz.project import DBT_PROJECT_DIR

from marts_fixture import make_fixture_home

pytestmark = pytest.mark.xdist_group("build")


def tiny_project(root, models: dict[str, str], tests: dict[str, str] | None = None):
    project = root / "dbt_project"
    (project / "models").mkdir(parents=True)
    (project / "tests").mkdir()
    (project / "macros").mkdir()
    (root / "seeds").mkdir()
    shutil.copy(DBT_PROJECT_DIR / "profiles.yml", project / "profiles.yml")
    (project / "dbt_project.yml").write_text(
        textwrap.dedent(
            """
            name: tiny
            version: "0.1.0"
            config-version: 2
            profile: nhtz
            seed-paths: ["../seeds"]
            """
        )
    )
    (root / "seeds" / "tiny_units.csv").write_text("unit,factor\n万元,0.0001\n")
    for name, sql in models.items():
        (project / "models" / f"{name}.sql").write_text(sql)
    for name, sql in (tests or {}).items():
        (project / "tests" / f"{name}.sql").write_text(sql)
    return project


@pytest.fixture
def landed_home(tmp_path):
    return make_fixture_home(tmp_path)


def test_empty_home_says_nothing_landed(tmp_path):
    home = Home(tmp_path / "empty").ensure()
    with pytest.raises(NhtzError, match="nothing landed yet.*run nhtz ingest first"):
        build(home)
    # landing tables without a single value are just as empty
    with connect(home.working_db) as con:
        ensure_landing_tables(con)
    with pytest.raises(NhtzError, match="nothing landed yet"):
        build(home)
    assert state.last(home, "build") is None


def test_cli_prints_one_line_and_exits_non_zero(tmp_path):
    result = CliRunner().invoke(app, ["build", "--home", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].startswith("nhtz: error: nothing landed yet")
    assert "Traceback" not in result.output


def test_broken_model_names_the_model_and_dbt_error(tmp_path, landed_home, monkeypatch):
    project = tiny_project(
        tmp_path / "project",
        {
            "landed_parks": "select count(distinct park_id) as n_parks from raw.observations",
            "broken_model": "select * from raw.no_such_table",
        },
    )
    monkeypatch.setattr(build_module, "DBT_PROJECT_DIR", project)
    with pytest.raises(NhtzError) as raised:
        build(landed_home)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith("build failed: model broken_model errored: Catalog Error: Table with name no_such_table")
    record = state.last(landed_home, "build")
    assert record["status"] == "failed"
    assert "broken_model" in record["error"]
    # the good model was built all the same: 5 parks landed in the fixture
    with connect(landed_home.working_db, read_only=True) as con:
        assert con.execute("select n_parks from main.landed_parks").fetchone() == (5,)


def test_failing_test_names_the_test_and_the_count(tmp_path, landed_home, monkeypatch):
    project = tiny_project(
        tmp_path / "project",
        {"landed_parks": "select count(distinct park_id) as n_parks from raw.observations"},
        # the fixture has five parks, so this singular test returns one row and fails
        {"four_parks_only": "select * from {{ ref('landed_parks') }} where n_parks <> 4"},
    )
    monkeypatch.setattr(build_module, "DBT_PROJECT_DIR", project)
    with pytest.raises(NhtzError, match=r"^build failed: test four_parks_only failed: Got 1 result") as raised:
        build(landed_home)
    assert "\n" not in str(raised.value)
    assert state.last(landed_home, "build")["status"] == "failed"


def test_successful_build_is_summarised_and_recorded(tmp_path, landed_home, monkeypatch):
    project = tiny_project(
        tmp_path / "project",
        {"landed_parks": "select count(distinct park_id) as n_parks from raw.observations"},
        {"five_parks": "select * from {{ ref('landed_parks') }} where n_parks <> 5"},
    )
    monkeypatch.setattr(build_module, "DBT_PROJECT_DIR", project)
    said = []
    result = build(landed_home, full_refresh=True, say=said.append)
    assert (result.models, result.seeds, result.tests) == (1, 1, 1)
    assert result.describe().startswith("build: 1 models and 1 seeds built, 1 data tests and 0 unit tests passed")
    assert said[0].endswith("(full refresh)")
    record = state.last(landed_home, "build")
    assert (record["status"], record["models"], record["tests"], record["full_refresh"]) == ("ok", 1, 1, True)
    # the per-home target path keeps builds of different homes apart
    assert (landed_home.root / "dbt" / "target" / "run_results.json").exists()
