"""The Dagster code location: definitions, partitions, schedule, sensors, and one quarterly run end to end.

The end-to-end fixture is made here so that every expected number can be added up by hand: every park
active at the quarter end (177 in 2023Q1, 178 after; numbered i = 1..178 in registry order) submits
GDP year-to-date i·q 亿元 in quarter q of 2023 and 1.1·i·q in 2024, revenue three times its GDP, employees
1000·i and high-tech enterprises 10·i. So national GDP of 2024Q4 is 1.1·4·Σi = 4.4 · 15931 = 70096.4 亿元,
its year-on-year growth 10 %, and 178 parks stand behind it.
"""

from __future__ import annotations  # the annotations name Dagster's types, imported when the tests run

import calendar
import csv
import hashlib
import json
import shutil
from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from serving_fixture import copy_home

from nhtz import state
from nhtz.build import plan_build
from nhtz.errors import NhtzError
from nhtz.home import Home
from nhtz.ingest import land_paths
from nhtz.project import SEEDS_DIR
from nhtz.settings import Settings

SUM_1_TO_178 = 178 * 179 // 2  # 15931
QUARTERS = [f"{year}Q{q}" for year in (2023, 2024) for q in (1, 2, 3, 4)]
BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module", autouse=True)
def code_location():
    """Dagster, dagster-dbt and the code location, imported when this module's tests run rather than when the
    suite is collected: pytest-xdist's workers each collect every module, and importing these (with dbt, and in a
    fresh checkout the parse of the project behind the asset graph) cost each worker seconds, the one that never
    runs a test of this module as well. The names are this module's globals, as imports at its top would be."""
    global dg, defs, DBT_KEYS
    global build_definitions, cli_runs_sensor, partition_for, nhtz_dbt_models, landed_submissions
    global new_submission_sensor, new_submissions, submission_files
    global partition_of_quarter, quarter_just_ended, quarter_of_partition, quarterly_partitions, today_in_beijing
    global FCT_PARK_QUARTER, publication_gate, quarterly_report, NhtzHomeResource, run_day, schedule_crons
    import dagster as dg

    from orchestration.definitions import build_definitions
    from orchestration.defs.cli_runs.sensors import cli_runs_sensor, partition_for
    from orchestration.defs.dbt.assets import nhtz_dbt_models
    from orchestration.defs.ingestion.assets import landed_submissions
    from orchestration.defs.ingestion.sensors import new_submission_sensor, new_submissions, submission_files
    from orchestration.defs.partitions import (
        partition_of_quarter,
        quarter_just_ended,
        quarter_of_partition,
        quarterly_partitions,
        today_in_beijing,
    )
    from orchestration.defs.quality.checks import FCT_PARK_QUARTER, publication_gate
    from orchestration.defs.report.assets import quarterly_report
    from orchestration.defs.resources import NhtzHomeResource
    from orchestration.defs.schedules import run_day, schedule_crons

    # the code location as it loads for a home without nhtz.toml
    defs = build_definitions()
    DBT_KEYS = sorted(nhtz_dbt_models.keys)


# --- the definitions -----------------------------------------------------------------------------------

def test_definitions_load_with_the_asset_graph_of_the_data_flow():
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    for expected in (
        "landed_submissions",
        "staging/stg_raw__observations",
        "marts/fct_park_quarter",
        "marts/national_quarter",
        "marts/region_quarter",
        "marts/park_ranking",
        "audit/findings",
        "serving_copy",
        "park_feedback",
        "quarterly_report",
    ):
        assert expected in keys
    assert graph.get(dg.AssetKey(["marts", "fct_park_quarter"])).group_name == "marts"
    assert graph.get(dg.AssetKey(["staging", "stg_raw__observations"])).group_name == "staging"
    # the dbt source raw.observations is what the ingestion asset lands
    staging_parents = graph.get(dg.AssetKey(["staging", "stg_raw__observations"])).parent_keys
    assert staging_parents == {dg.AssetKey("landed_submissions")}
    # the published copy waits for the gate-checked facts, the report for the published copy
    assert FCT_PARK_QUARTER in graph.get(dg.AssetKey("serving_copy")).parent_keys
    assert graph.get(dg.AssetKey("quarterly_report")).parent_keys == {dg.AssetKey("serving_copy")}
    gate = graph.get_check_spec(dg.AssetCheckKey(FCT_PARK_QUARTER, "publication_gate"))
    assert gate.blocking


def test_quarterly_job_is_partitioned_by_quarter_and_runs_one_writer_at_a_time():
    job = defs.resolve_job_def("quarterly_analysis")
    assert job.partitions_def == quarterly_partitions
    keys = job.partitions_def.get_partition_keys(current_time=datetime(2024, 7, 1, tzinfo=BEIJING))
    # 2019Q1 .. 2024Q2: 4 a year for five years and two more, each named by the quarter's first day
    assert len(keys) == 22
    assert keys[:3] == ["2019-01-01", "2019-04-01", "2019-07-01"]
    assert keys[-1] == "2024-04-01"
    assert job.executor_def is dg.in_process_executor
    assert job.tags["nhtz/writer"] == "working_db"
    config = Path(__file__).parents[1] / "orchestration" / "dagster.yaml"
    assert "key: nhtz/writer" in config.read_text()


# --- partitions: ended quarters only --------------------------------------------------------------------

@pytest.mark.parametrize(
    ("now", "last_quarter", "count"),
    [
        # December 2026: 2026Q4 is still going, so 2026Q3 is the last partition (2019Q1..2026Q3 = 31)
        (datetime(2026, 12, 1, tzinfo=BEIJING), "2026Q3", 31),
        (datetime(2026, 12, 31, 23, 59, tzinfo=BEIJING), "2026Q3", 31),
        # at midnight Beijing time the quarter has ended: 2026Q4 is a partition from then on
        (datetime(2027, 1, 1, tzinfo=BEIJING), "2026Q4", 32),
        # 2026-12-31 16:00 UTC is already 2027-01-01 00:00 in Beijing
        (datetime(2026, 12, 31, 16, 0, tzinfo=ZoneInfo("UTC")), "2026Q4", 32),
        (datetime(2019, 4, 1, tzinfo=BEIJING), "2019Q1", 1),
    ],
)
def test_partitions_end_with_the_last_ended_quarter(now, last_quarter, count):
    keys = quarterly_partitions.get_partition_keys(current_time=now)
    assert len(keys) == count
    assert quarter_of_partition(keys[-1]) == last_quarter
    assert quarter_of_partition(keys[0]) == "2019Q1"


def test_no_partition_before_the_first_quarter_has_ended():
    assert quarterly_partitions.get_partition_keys(current_time=datetime(2019, 3, 31, 23, tzinfo=BEIJING)) == []


def run_dbt_assets(home: Home, *keys):
    """Some of the dbt assets alone with their dbt tests, in one run of the last quarter's partition (the publication
    gate, which a build of some models only does not pass, left out)."""
    return dg.materialize(
        [*defs.assets, *defs.asset_checks],
        resources={**defs.resources, "nhtz_home": NhtzHomeResource(home=str(home.root))},
        partition_key="2024-10-01",
        selection=dg.AssetSelection.assets(*keys) - dg.AssetSelection.checks(publication_gate),
        raise_on_error=False,
    )


@pytest.mark.slow
def test_a_run_of_one_dbt_asset_builds_that_model_alone_and_the_next_build_is_a_full_refresh(quarterly_run, tmp_path):
    home = copy_home(quarterly_run[0], tmp_path / "home")
    result = run_dbt_assets(home, FCT_PARK_QUARTER)
    assert result.success
    assert [e.asset_key for e in result.asset_materializations_for_node("nhtz_dbt_models")] == [FCT_PARK_QUARTER]
    record = state.last(home, state.BuildRecord)
    assert (record.ok, record.via, record.models, record.seeds) == (True, "dagster", 1, 0)
    built = result.asset_materializations_for_node("nhtz_dbt_models")[0].metadata
    assert built["invocation_id"].value == record.invocation_id
    # the facts' own test ran as its check, and passed; nothing else was built or checked
    checks = result.get_asset_check_evaluations()
    assert [(e.asset_key, e.passed) for e in checks] == [(FCT_PARK_QUARTER, True)]
    assert checks[0].check_name.startswith("grain_and_rows_fct_park_quarter_")
    assert plan_build(home).why_full_refresh == (
        "some models were built on their own since the last build (a Dagster subset, or dbt by hand)"
    )


@pytest.mark.slow
def test_a_failed_dbt_build_fails_the_step_with_dbts_first_error_and_records_it(quarterly_run, tmp_path):
    home = copy_home(quarterly_run[0], tmp_path / "home")
    with duckdb.connect(str(home.working_db)) as con:
        con.execute("drop table reference.indicators")  # fct_park_quarter reads the indicator seed
    result = run_dbt_assets(home, FCT_PARK_QUARTER)
    assert not result.success
    # a Failure with one line for its description, as every error meant for people is (failures_for_people)
    description = result.get_step_failure_events()[0].step_failure_data.user_failure_data.description
    assert description.startswith("build failed: model fct_park_quarter errored: Catalog Error: Table with name indicators")
    assert len(description.splitlines()) == 1
    assert result.asset_materializations_for_node("nhtz_dbt_models") == []
    record = state.last(home, state.BuildRecord)
    assert (record.ok, record.via) == (False, "dagster")
    assert description == f"build failed: {record.error} (log: {home.root / 'dbt' / 'logs' / 'dbt.log'})"


@pytest.mark.parametrize(
    ("quarter", "key"),
    [("2019Q1", "2019-01-01"), ("2024Q2", "2024-04-01"), ("2026Q3", "2026-07-01"), ("2026Q4", "2026-10-01")],
)
def test_a_partition_is_named_by_the_first_day_of_its_quarter(quarter, key):
    assert partition_of_quarter(quarter) == key
    assert quarter_of_partition(key) == quarter
    window = quarterly_partitions.time_window_for_partition_key(key)
    assert quarter_of_partition(window.start.strftime("%Y-%m-%d")) == quarter
    # the window closes when the next quarter opens, at midnight Beijing time
    assert (window.end - window.start).days in (90, 91, 92)
    assert window.end.utcoffset().total_seconds() == 8 * 3600


# --- the schedule --------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("day", "quarter"),
    [
        (date(2026, 10, 25), "2026Q3"),
        (date(2025, 1, 25), "2024Q4"),
        (date(2024, 4, 25), "2024Q1"),
        (date(2024, 7, 25), "2024Q2"),
        (date(2019, 4, 1), "2019Q1"),
    ],
)
def test_quarter_just_ended(day, quarter):
    assert quarter_just_ended(day) == quarter


@pytest.mark.parametrize("schedule_day", [0, 32, -5])
def test_a_schedule_day_that_is_no_day_of_a_month_is_refused(schedule_day):
    with pytest.raises(NhtzError, match=f"schedule_day = {schedule_day}"):
        run_day(schedule_day, 2026, 10)


@pytest.mark.parametrize(
    ("schedule_day", "crons"),
    [
        (25, ["0 6 25 1,4,7,10 *"]),
        (1, ["0 6 1 1,4,7,10 *"]),
        (30, ["0 6 30 1,4,7,10 *"]),
        # April has 30 days: the 31st becomes the 30th there
        (31, ["0 6 31 1,7,10 *", "0 6 30 4 *"]),
    ],
)
def test_the_cron_string_fires_on_the_configured_day_only(schedule_day, crons):
    assert schedule_crons(schedule_day) == crons


def test_the_schedule_shows_its_rule_and_is_off_by_default():
    schedule = defs.resolve_schedule_def("quarterly_schedule")
    assert schedule.cron_schedule == "0 6 25 1,4,7,10 *"
    assert schedule.execution_timezone == "Asia/Shanghai"
    assert "Day 25 of the month after each quarter end" in schedule.description
    assert "configurable: schedule_day in nhtz.toml" in schedule.description
    assert "次月 25 日" in schedule.description
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED


def test_the_configured_day_is_the_one_the_schedule_shows():
    schedule = build_definitions(Settings(schedule_day=10)).resolve_schedule_def("quarterly_schedule")
    assert schedule.cron_schedule == "0 6 10 1,4,7,10 *"
    assert "Day 10 of the month after each quarter end" in schedule.description
    last_day = build_definitions(Settings(schedule_day=31)).resolve_schedule_def("quarterly_schedule")
    assert last_day.cron_schedule == ["0 6 31 1,7,10 *", "0 6 30 4 *"]
    assert "Day 31 (30 in April)" in last_day.description


def test_the_code_location_reads_the_day_and_automation_from_the_homes_settings(tmp_path, monkeypatch):
    from orchestration.definitions import defs as load_code_location

    (tmp_path / "nhtz.toml").write_text("schedule_day = 5\ndagster_automation = true\n")
    monkeypatch.setenv("NHTZ_HOME", str(tmp_path))
    loaded = load_code_location()
    schedule = loaded.resolve_schedule_def("quarterly_schedule")
    assert schedule.cron_schedule == "0 6 5 1,4,7,10 *"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert loaded.resolve_sensor_def("new_submission_sensor").default_status == dg.DefaultSensorStatus.RUNNING


def test_automation_is_off_by_default_and_only_the_observer_runs():
    assert defs.resolve_sensor_def("new_submission_sensor").default_status == dg.DefaultSensorStatus.STOPPED
    assert defs.resolve_schedule_def("quarterly_schedule").default_status == dg.DefaultScheduleStatus.STOPPED
    # the sensor that reports command-line runs starts no run: it is on from the start
    assert defs.resolve_sensor_def("cli_runs_sensor").default_status == dg.DefaultSensorStatus.RUNNING


def test_automation_must_be_true_or_false():
    with pytest.raises(NhtzError, match="dagster_automation = 'yes' in nhtz.toml is not true or false"):
        build_definitions(Settings(dagster_automation="yes"))


def evaluate_schedule(when: datetime):
    context = dg.build_schedule_context(scheduled_execution_time=when, repository_def=defs.get_repository_def())
    return list(defs.resolve_schedule_def("quarterly_schedule").evaluate_tick(context).run_requests or [])


@pytest.mark.parametrize(
    ("when", "quarter", "key"),
    [
        (datetime(2026, 10, 25, 6, 0, tzinfo=BEIJING), "2026Q3", "2026-07-01"),
        (datetime(2025, 1, 25, 6, 0, tzinfo=BEIJING), "2024Q4", "2024-10-01"),
        # a time without a zone is Beijing time, the schedule's own
        (datetime(2024, 4, 25, 6, 0), "2024Q1", "2024-01-01"),
    ],
)
def test_schedule_runs_the_just_ended_quarter(when, quarter, key):
    requests = evaluate_schedule(when)
    assert [r.partition_key for r in requests] == [key]
    assert requests[0].run_key == f"scheduled-{quarter}"
    assert requests[0].tags["nhtz/quarter"] == quarter
    # the quarter it runs is one Dagster offers as a partition at that time
    assert key == quarterly_partitions.get_partition_keys(current_time=when.replace(tzinfo=BEIJING))[-1]


# --- the landing sensor --------------------------------------------------------------------------------

def evaluate_sensor(home: Path, cursor: str | None):
    context = dg.build_sensor_context(
        cursor=cursor, resources={"nhtz_home": NhtzHomeResource(home=str(home))}, definitions=defs
    )
    result = new_submission_sensor().evaluate_tick(context)
    return result, context.cursor


def test_sensor_runs_when_a_new_submission_arrives_and_skips_otherwise(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "dalian_2024Q2.csv").write_text("园区,统计期,营业收入\n大连高新区,2024Q2,10\n", encoding="utf-8")

    first, cursor = evaluate_sensor(tmp_path, None)
    assert first.run_requests == []
    assert "1 submission files already there" in first.skip_message
    assert json.loads(cursor) == submission_files(landing)

    same, cursor = evaluate_sensor(tmp_path, cursor)
    assert same.run_requests == []
    assert "no new submission files" in same.skip_message

    (landing / "lanzhou").mkdir()
    (landing / "lanzhou" / "lanzhou_2024Q2.csv").write_text("园区,统计期,营业收入\n兰州高新区,2024Q2,3\n")
    (landing / "~$open_in_excel.xlsx").write_bytes(b"lock")  # a spreadsheet's lock file is no submission
    arrived, cursor = evaluate_sensor(tmp_path, cursor)
    assert len(arrived.run_requests) == 1
    request = arrived.run_requests[0]
    quarter = quarter_just_ended(today_in_beijing())
    assert request.partition_key == partition_of_quarter(quarter)
    assert request.tags["nhtz/quarter"] == quarter
    assert request.tags["nhtz/new_files"] == "1"
    assert sorted(json.loads(cursor)) == ["dalian_2024Q2.csv", "lanzhou/lanzhou_2024Q2.csv"]

    again, cursor = evaluate_sensor(tmp_path, cursor)
    assert again.run_requests == []

    # the sensor sees what ingestion reads: an OpenDocument workbook starts a run, a link out of the folder does not
    outside = tmp_path / "elsewhere.csv"
    outside.write_text("园区,统计期,营业收入\n大连高新区,2024Q2,10\n", encoding="utf-8")
    (landing / "linked_in.csv").symlink_to(outside)
    (landing / "hefei_2024Q2.ods").write_bytes(b"an OpenDocument spreadsheet")
    ods, cursor = evaluate_sensor(tmp_path, cursor)
    assert [r.tags["nhtz/new_files"] for r in ods.run_requests] == ["1"]
    assert sorted(json.loads(cursor)) == ["dalian_2024Q2.csv", "hefei_2024Q2.ods", "lanzhou/lanzhou_2024Q2.csv"]

    # a resubmission under the same name is new content: the file grew by one park
    with open(landing / "dalian_2024Q2.csv", "a", encoding="utf-8") as handle:
        handle.write("武汉东湖高新区,2024Q2,20\n")
    revised, _ = evaluate_sensor(tmp_path, cursor)
    assert len(revised.run_requests) == 1
    assert revised.run_requests[0].run_key != request.run_key


def test_new_submissions_compares_signatures():
    seen = {"a.csv": "1:10", "b.xlsx": "1:20"}
    assert new_submissions(seen, {"a.csv": "1:10", "b.xlsx": "2:21", "c.csv": "3:5"}) == ["b.xlsx", "c.csv"]
    assert new_submissions(seen, {"a.csv": "1:10"}) == []


def test_sensor_on_a_home_without_landing_folder_skips(tmp_path):
    result, cursor = evaluate_sensor(tmp_path / "fresh", json.dumps({}))
    assert result.run_requests == []
    # the resource makes the home, landing folder included, as `nhtz` does
    assert (tmp_path / "fresh" / "landing").is_dir()
    assert json.loads(cursor) == {}


# --- command-line runs shown in Dagster ----------------------------------------------------------------

UTC = timezone.utc
BUILD_ID = "4ab52e47-863d-4ac3-8efc-3091338b17d5"
LANDING = state.Landing(max_file_id=12, observations=5340)
TABLES = {"marts.fct_park_quarter": 1424, "marts.national_quarter": 216, "audit.findings": 35}


def write_cli_run(home: Home, quarter: str = "2024Q4") -> None:
    """The records `nhtz run QUARTER` leaves in a home, saved through the library's own record functions."""
    landed, built = datetime(2026, 11, 30, 2, 0, tzinfo=UTC), datetime(2026, 11, 30, 2, 1, tzinfo=UTC)
    checked, published = datetime(2026, 11, 30, 2, 2, tzinfo=UTC), datetime(2026, 11, 30, 2, 3, tzinfo=UTC)
    identity = state.BuildIdentity(
        invocation_id=BUILD_ID, command="build", status="ok", started_at=landed, finished_at=built, landing=LANDING
    )
    state.save(home, state.IngestRecord(at=landed, files=3, landed=2, skipped=1, refused=0, rows_quarantined=4))
    state.save(home, state.BuildRecord(
        status="ok", finished_at=built, invocation_id=BUILD_ID, landing=LANDING, seconds=41.5, models=27, seeds=6,
        tests=109,
    ))
    state.save(home, state.CheckRecord(
        checked_at=checked, passed=True, build=identity, quarter=quarter, n_active=178, n_reported=170,
        coverage=170 / 178,
    ))
    state.save(home, state.PublishRecord(
        publish_id=3, published_at=published, build_invocation_id=BUILD_ID, checked_at=checked,
        coverage=170 / 178, partial=False, tables=TABLES,
    ))


def tick_cli_runs(home: Path, instance: dg.DagsterInstance, cursor: str | None):
    """One evaluation of the sensor, its events written into the instance as Dagster's sensor daemon does."""
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"nhtz_home": NhtzHomeResource(home=str(home))}, definitions=defs
    )
    result = cli_runs_sensor.evaluate_tick(context)
    for event in result.asset_events:
        instance.report_runless_asset_event(event)
    return result


def latest_metadata(instance: dg.DagsterInstance, key: dg.AssetKey) -> dict:
    entry = instance.get_latest_materialization_event(key)
    assert entry is not None, f"{key.to_user_string()} was not materialised"
    return {name: value.value for name, value in entry.asset_materialization.metadata.items()}


def test_a_command_line_run_shows_as_materialised_assets(tmp_path):
    home = Home(tmp_path).ensure()
    write_cli_run(home)
    instance = dg.DagsterInstance.ephemeral()
    result = tick_cli_runs(tmp_path, instance, None)

    kinds = [type(e).__name__ for e in result.asset_events]
    # 1 landing + every dbt model and seed + the serving copy; the gate; 3 published tables observed
    assert kinds.count("AssetMaterialization") == 1 + len(DBT_KEYS) + 1
    assert kinds.count("AssetCheckEvaluation") == 1
    assert kinds.count("AssetObservation") == 3
    assert result.skip_message == (
        f"reported the command line's ingest, build, check, publish as {len(result.asset_events)} asset events"
    )
    # the gate checked the quarter 2024Q4 on this very build: every event is on its partition
    assert {e.partition for e in result.asset_events} == {"2024-10-01"}

    landed = latest_metadata(instance, dg.AssetKey("landed_submissions"))
    assert (landed["files_landed"], landed["files_already_landed"], landed["rows_quarantined"]) == (2, 1, 4)
    assert landed["recorded_by"] == "nhtz command line: nhtz ingest"
    assert landed["landed_at"] == datetime(2026, 11, 30, 2, 0, tzinfo=UTC).timestamp()

    built = latest_metadata(instance, FCT_PARK_QUARTER)
    assert built["invocation_id"] == BUILD_ID
    assert built["built_at"] == datetime(2026, 11, 30, 2, 1, tzinfo=UTC).timestamp()
    assert (built["models"], built["data_tests"], built["build_seconds"]) == (27, 109, 41.5)
    assert built["landing"] == "5340 values, files up to #12"
    # seeds are dbt assets too (group reference)
    assert latest_metadata(instance, dg.AssetKey(["reference", "park_registry"]))["invocation_id"] == BUILD_ID

    gate = next(e for e in result.asset_events if isinstance(e, dg.AssetCheckEvaluation))
    assert (gate.asset_key, gate.check_name, gate.passed) == (FCT_PARK_QUARTER, "publication_gate", True)
    assert gate.metadata["invocation_id"].value == BUILD_ID
    assert (gate.metadata["parks_reported"].value, gate.metadata["parks_active"].value) == (170, 178)
    assert gate.metadata["park_coverage_pct"].value == 95.5  # 170 / 178

    published = latest_metadata(instance, dg.AssetKey("serving_copy"))
    assert (published["publish_id"], published["invocation_id"], published["partial"]) == (3, BUILD_ID, False)
    assert published["table_rows"] == TABLES
    observed = {e.asset_key.to_user_string(): e.metadata["dagster/row_count"].value
                for e in result.asset_events if isinstance(e, dg.AssetObservation)}
    assert observed == {"marts/fct_park_quarter": 1424, "marts/national_quarter": 216, "audit/findings": 35}


def test_each_record_is_reported_once(tmp_path):
    home = Home(tmp_path).ensure()
    write_cli_run(home)
    instance = dg.DagsterInstance.ephemeral()
    first = tick_cli_runs(tmp_path, instance, None)

    again = tick_cli_runs(tmp_path, instance, first.cursor)
    assert again.asset_events == []
    assert "no new command-line runs" in again.skip_message

    # the same build published a second time: only the publication is new
    state.save(home, state.PublishRecord(
        publish_id=4, published_at=datetime(2026, 11, 30, 3, 0, tzinfo=UTC), build_invocation_id=BUILD_ID,
        checked_at=datetime(2026, 11, 30, 2, 2, tzinfo=UTC), coverage=None, partial=False,
        tables={"marts.national_quarter": 216},
    ))
    republished = tick_cli_runs(tmp_path, instance, again.cursor)
    assert sorted(e.asset_key.to_user_string() for e in republished.asset_events) == [
        "marts/national_quarter", "serving_copy",
    ]
    assert latest_metadata(instance, dg.AssetKey("serving_copy"))["publish_id"] == 4
    assert len(instance.fetch_materializations(dg.AssetKey("serving_copy"), limit=10).records) == 2


def test_a_build_without_a_check_stands_for_the_quarter_that_had_just_ended(tmp_path):
    home = Home(tmp_path).ensure()
    # 2026-11-30 02:01 UTC is 10:01 in Beijing: 2026Q3 had ended, 2026Q4 had not
    state.save(home, state.BuildRecord(
        status="ok", finished_at=datetime(2026, 11, 30, 2, 1, tzinfo=UTC), invocation_id=BUILD_ID, models=27,
    ))
    result = tick_cli_runs(tmp_path, dg.DagsterInstance.ephemeral(), None)
    assert len(result.asset_events) == len(DBT_KEYS)
    assert {e.partition for e in result.asset_events} == {"2026-07-01"}


def test_a_failed_build_materialises_nothing_and_an_idle_ingest_is_observed(tmp_path):
    home = Home(tmp_path).ensure()
    at = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    state.save(home, state.IngestRecord(at=at, files=2, landed=0, skipped=2, refused=0, rows_quarantined=0))
    state.save(home, state.BuildRecord(status="failed", finished_at=at, error="model marts.fct_park_quarter failed"))
    instance = dg.DagsterInstance.ephemeral()
    result = tick_cli_runs(tmp_path, instance, None)
    assert [(type(e).__name__, e.asset_key.to_user_string()) for e in result.asset_events] == [
        ("AssetObservation", "landed_submissions")
    ]
    assert result.asset_events[0].metadata["files_already_landed"].value == 2
    assert instance.get_latest_materialization_event(FCT_PARK_QUARTER) is None


def test_a_home_without_records_is_skipped_and_left_as_it_is(tmp_path):
    result = tick_cli_runs(tmp_path / "nowhere", dg.DagsterInstance.ephemeral(), None)
    assert result.asset_events == []
    assert "no new command-line runs" in result.skip_message
    assert not (tmp_path / "nowhere").exists()


def test_an_unreadable_record_is_left_out_and_the_others_reported(tmp_path):
    home = Home(tmp_path).ensure()
    write_cli_run(home)
    (home.state / "check.json").write_text('{"passed": "maybe"}')
    result = tick_cli_runs(tmp_path, dg.DagsterInstance.ephemeral(), None)
    assert not any(isinstance(e, dg.AssetCheckEvaluation) for e in result.asset_events)
    assert any(e.asset_key == dg.AssetKey("serving_copy") for e in result.asset_events)
    assert "check" not in json.loads(result.cursor)


def test_records_written_by_dagster_runs_are_left_to_those_runs(tmp_path):
    home = Home(tmp_path).ensure()
    instance = dg.DagsterInstance.ephemeral()

    @dg.asset
    def publishes_inside_a_run():
        # what serving_copy does: the library writes its record while the run is going
        state.save(home, state.PublishRecord(
            publish_id=7, published_at=state.now_utc(), build_invocation_id=BUILD_ID,
            checked_at=state.now_utc(), coverage=None, partial=False, tables={"marts.national_quarter": 216},
        ))

    assert dg.materialize([publishes_inside_a_run], instance=instance).success
    # the dbt asset's build record says it is Dagster's
    state.save(home, state.BuildRecord(
        status="ok", finished_at=state.now_utc(), invocation_id=BUILD_ID, via="dagster",
    ))
    result = tick_cli_runs(tmp_path, instance, None)
    assert result.asset_events == []
    assert result.skip_message == "publish, build left to the Dagster runs that wrote them"
    assert sorted(json.loads(result.cursor)) == ["build", "publish"]  # seen, so never reported later either
    assert instance.get_latest_materialization_event(dg.AssetKey("serving_copy")) is None


@pytest.mark.parametrize(
    ("quarter", "partition"),
    [("2024Q4", "2024-10-01"), ("2019Q1", "2019-01-01"), ("2018Q4", None), ("2099Q1", None)],
)
def test_a_quarter_without_a_partition_reports_unpartitioned(quarter, partition):
    assert partition_for(quarter) == partition


# --- landing as an asset --------------------------------------------------------------------------------

FIXTURES = Path(__file__).parent / "fixtures" / "submissions"


def land_once(home: Path):
    result = dg.materialize(
        [landed_submissions], resources={"nhtz_home": NhtzHomeResource(home=str(home))}, partition_key="2024-04-01"
    )
    return {name: value.value for name, value in result.asset_materializations_for_node("landed_submissions")[0].metadata.items()}


def test_landing_counts_rows_and_names_refused_files(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    # bad_rows.csv: 4 rows, of which only 大连's (a negative net profit is allowed) lands; the unknown period,
    # the negative revenue and the misspelt park go to quarantine. utf8_bom.csv: 1 row, 兰州 410.
    for name in ("bad_rows.csv", "utf8_bom.csv", "no_park_column.csv"):
        shutil.copy(FIXTURES / name, landing / name)

    first = land_once(tmp_path)
    assert first["files_landed"] == 2
    assert first["files_refused"] == 1
    assert (first["rows_read"], first["rows_landed"], first["rows_quarantined"]) == (5, 2, 3)
    assert "no_park_column.csv" in first["refused"]

    # the same files again: nothing lands twice
    second = land_once(tmp_path)
    assert second["files_landed"] == 0
    assert second["files_already_landed"] == 2
    assert second["rows_landed"] == 0


def test_an_error_for_people_fails_the_step_with_its_one_line(tmp_path):
    # nothing has been published in a fresh home, so there is nothing to report on
    result = dg.materialize(
        [quarterly_report],
        resources={"nhtz_home": NhtzHomeResource(home=str(tmp_path))},
        partition_key="2024-10-01",
        raise_on_error=False,
    )
    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data
    assert failure.user_failure_data.description == (
        f"nothing is published yet in {tmp_path.resolve()}: run `nhtz demo` or `nhtz run QUARTER` first"
    )


# --- one quarterly run end to end ----------------------------------------------------------------------

def quarter_end(quarter: str) -> date:
    year, q = int(quarter[:4]), int(quarter[-1])
    return date(year, 3 * q, calendar.monthrange(year, 3 * q)[1])


def active_parks(quarter: str) -> list[str]:
    """Registry names of the parks active at the quarter end, in registry order."""
    end = quarter_end(quarter).isoformat()
    with open(SEEDS_DIR / "park_registry.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [r["park_name"] for r in rows if r["active_from"] <= end and (not r["active_to"] or r["active_to"] >= end)]


def write_fixture_submissions(landing: Path) -> int:
    """One tidy wide CSV per quarter (see the module docstring); returns the number of park rows written."""
    rows_written = 0
    landing.mkdir(parents=True, exist_ok=True)
    for quarter in QUARTERS:
        year, q = int(quarter[:4]), int(quarter[-1])
        growth = 1.0 if year == 2023 else 1.1
        with open(landing / f"submissions_{quarter}.csv", "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["园区", "统计期", "园区生产总值(亿元)", "营业收入(亿元)", "从业人员期末人数(人)", "高新技术企业数(家)"])
            active = set(active_parks(quarter))
            for i, park in enumerate(active_parks("2024Q4"), start=1):
                if park not in active:
                    continue
                gdp = round(growth * i * q, 4)
                writer.writerow([park, quarter, gdp, round(3 * gdp, 4), 1000 * i, 10 * i])
                rows_written += 1
    return rows_written


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def quarterly_run(tmp_path_factory):
    """One run of the whole job over the backfill range 2024Q3–2024Q4, on a fresh home."""
    home = Home(tmp_path_factory.mktemp("nhtz_home")).ensure()
    rows_written = write_fixture_submissions(home.landing)
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize(
        [*defs.assets, *defs.asset_checks],
        resources={**defs.resources, "nhtz_home": NhtzHomeResource(home=str(home.root))},
        tags={"dagster/asset_partition_range_start": "2024-07-01", "dagster/asset_partition_range_end": "2024-10-01"},
        selection=dg.AssetSelection.all(),
        instance=instance,
    )
    return home, rows_written, result, instance


def materialization_metadata(result, key: str) -> dict:
    events = result.asset_materializations_for_node(key)
    assert events, f"{key} was not materialised"
    return {name: value.value for name, value in events[-1].metadata.items()}


@pytest.mark.slow  # 50 s on a quiet machine, 2–4 min under load: mostly the dbt build of every model and test
def test_one_run_lands_builds_checks_publishes_and_reports(quarterly_run):
    home, rows_written, result, _ = quarterly_run
    assert result.success
    assert rows_written == sum(len(active_parks(q)) for q in QUARTERS) == 177 + 7 * 178

    landed = materialization_metadata(result, "landed_submissions")
    assert landed["files_landed"] == 8
    assert landed["rows_read"] == rows_written
    assert landed["rows_landed"] == rows_written
    assert landed["rows_quarantined"] == 0
    assert landed["files_refused"] == 0

    gate = [e for e in result.get_asset_check_evaluations() if e.check_name == "publication_gate"]
    assert [e.passed for e in gate] == [True]

    with duckdb.connect(str(home.serving_db), read_only=True) as con:
        gdp = con.execute(
            "select quarter, value_ytd, yoy_ytd_pct, n_parks from marts.national_quarter "
            "where indicator_code = 'gdp' and quarter in ('2024Q3', '2024Q4') order by quarter"
        ).fetchall()
    # 1.1 · q · Σi over 178 parks, and 10 % above 2023
    assert [(q, n) for q, _, _, n in gdp] == [("2024Q3", 178), ("2024Q4", 178)]
    assert gdp[0][1] == pytest.approx(1.1 * 3 * SUM_1_TO_178)
    assert gdp[1][1] == pytest.approx(70096.4)
    assert gdp[1][2] == pytest.approx(10.0)

    published = materialization_metadata(result, "serving_copy")
    assert published["quarter"] == "2024Q4"
    assert published["parks_reported"] == published["parks_active"] == 178
    assert published["national_gdp_ytd_yi_yuan"] == pytest.approx(70096.4)
    assert published["national_gdp_yoy_ytd_pct"] == pytest.approx(10.0)

    for quarter in ("2024Q3", "2024Q4"):
        assert (home.reports / quarter / f"nhtz_report_{quarter}.xlsx").stat().st_size > 0
        assert (home.reports / quarter / f"nhtz_report_{quarter}.html").stat().st_size > 0
        assert (home.reports / quarter / f"审核反馈_{quarter}.xlsx").stat().st_size > 0
    reported = materialization_metadata(result, "quarterly_report")
    assert sorted(reported["reports"]) == ["2024Q3", "2024Q4"]
    assert reported["national_gdp_ytd_yi_yuan"] == pytest.approx(70096.4)


@pytest.mark.slow
def test_the_runs_own_records_are_not_reported_again(quarterly_run):
    home, _, _, instance = quarterly_run
    served = len(instance.fetch_materializations(dg.AssetKey("serving_copy"), limit=10).records)
    result = tick_cli_runs(home.root, instance, None)
    assert result.asset_events == []
    assert result.skip_message == "ingest, build, check, publish left to the Dagster runs that wrote them"
    # one publication per quarter of the range, by the run; none added by the sensor
    assert len(instance.fetch_materializations(dg.AssetKey("serving_copy"), limit=10).records) == served == 2


def gate_then_publish(home: Home, partition_key: str):
    """The publication gate and what it guards, in one partitioned run (a check alone is no partitioned selection)."""
    result = dg.materialize(
        [*defs.assets, *defs.asset_checks],
        resources={**defs.resources, "nhtz_home": NhtzHomeResource(home=str(home.root))},
        partition_key=partition_key,
        selection=dg.AssetSelection.checks(publication_gate) | dg.AssetSelection.assets("serving_copy"),
        raise_on_error=False,
    )
    return result, [e for e in result.get_asset_check_evaluations() if e.check_name == "publication_gate"]


@pytest.mark.slow
def test_the_gate_measures_coverage_for_the_quarter_of_the_run(quarterly_run, tmp_path):
    # the run's last quarter is 2024Q4; a run of the 2024Q3 partition is gated on 2024Q3, as `nhtz run 2024Q3` is
    home = copy_home(quarterly_run[0], tmp_path / "home")
    _, gate = gate_then_publish(home, "2024-07-01")
    assert gate[0].metadata["coverage_quarter"].value == "2024Q3"
    assert gate[0].metadata["parks_active"].value == len(active_parks("2024Q3"))


@pytest.mark.slow
def test_a_failing_gate_stops_publication(quarterly_run):
    home, _, _, _ = quarterly_run
    served_before = file_digest(home.serving_db)
    # a park resubmits after the build: the built marts no longer show what has landed
    resubmission = home.root / "resubmitted" / "revision_2024Q4.csv"
    resubmission.parent.mkdir()
    park = active_parks("2024Q4")[0]
    resubmission.write_text(f"园区,统计期,园区生产总值(亿元)\n{park},2024Q4,5.0\n", encoding="utf-8")
    assert [r.status for r in land_paths(home, [resubmission])] == ["landed"]
    result, gate = gate_then_publish(home, "2024-10-01")
    assert [e.passed for e in gate] == [False]
    assert gate[0].metadata["failed_checks"].value == "build finished"
    assert "stale build: files landed after the build" in gate[0].metadata["checks"].value
    assert result.asset_materializations_for_node("serving_copy") == []
    assert file_digest(home.serving_db) == served_before
