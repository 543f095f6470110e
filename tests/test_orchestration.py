"""The Dagster code location: definitions, partitions, schedule, sensors, and one quarterly run end to end.

The end-to-end fixture is made here so that every expected number can be added up by hand: every park
active at the quarter end (177 in 2023Q1, 178 after; numbered i = 1..178 in registry order) submits
GDP year-to-date i·q 亿元 in quarter q of 2023 and 1.1·i·q in 2024, revenue three times its GDP, employees
1000·i and high-tech enterprises 10·i. So national GDP of 2024Q4 is 1.1·4·Σi = 4.4 · 15931 = 70096.4 亿元,
its year-on-year growth 10 %, and 178 parks stand behind it.
"""

import calendar
import csv
import hashlib
import json
import shutil
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import pytest
from dagster_dbt.errors import DagsterDbtCliRuntimeError

from nhtz.errors import NhtzError
from nhtz.home import Home
from nhtz.project import SEEDS_DIR
from nhtz.settings import Settings
from orchestration.definitions import build_definitions
from orchestration.defs.dbt.assets import dbt_failure_line
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

SUM_1_TO_178 = 178 * 179 // 2  # 15931
QUARTERS = [f"{year}Q{q}" for year in (2023, 2024) for q in (1, 2, 3, 4)]
BEIJING = ZoneInfo("Asia/Shanghai")
# the code location as it loads for a home without nhtz.toml
defs = build_definitions()


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


@pytest.mark.parametrize(
    ("message", "line"),
    [
        (
            "The dbt CLI process with command\n\n`dbt build --select fqn:*`\n\nfailed with exit code `1`.\n\n"
            "Errors parsed from dbt logs:\n\n78 of 184 ERROR not_null_fct_park_quarter_park_id\n\nFailure in test x",
            "78 of 184 ERROR not_null_fct_park_quarter_park_id",
        ),
        ("dbt exited with code 2\n", "dbt exited with code 2"),
    ],
)
def test_a_failed_build_is_recorded_with_dbts_first_error(message, line):
    assert dbt_failure_line(DagsterDbtCliRuntimeError(description=message)) == line


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


def test_automation_is_off_by_default():
    assert defs.resolve_sensor_def("new_submission_sensor").default_status == dg.DefaultSensorStatus.STOPPED
    assert defs.resolve_schedule_def("quarterly_schedule").default_status == dg.DefaultScheduleStatus.STOPPED


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
    result = dg.materialize(
        [*defs.assets, *defs.asset_checks],
        resources={**defs.resources, "nhtz_home": NhtzHomeResource(home=str(home.root))},
        tags={"dagster/asset_partition_range_start": "2024-07-01", "dagster/asset_partition_range_end": "2024-10-01"},
        selection=dg.AssetSelection.all(),
    )
    return home, rows_written, result


def materialization_metadata(result, key: str) -> dict:
    events = result.asset_materializations_for_node(key)
    assert events, f"{key} was not materialised"
    return {name: value.value for name, value in events[-1].metadata.items()}


@pytest.mark.slow  # 50 s on a quiet machine, 2–4 min under load: mostly the dbt build of every model and test
@pytest.mark.xdist_group("orchestration_e2e")
def test_one_run_lands_builds_checks_publishes_and_reports(quarterly_run):
    home, rows_written, result = quarterly_run
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
@pytest.mark.xdist_group("orchestration_e2e")
def test_a_failing_gate_stops_publication(quarterly_run):
    home, _, _ = quarterly_run
    served_before = file_digest(home.serving_db)
    # a reconciliation break: national GDP of 2024Q4 no longer equals the sum of its parks
    with duckdb.connect(str(home.working_db)) as con:
        con.execute(
            "update marts.national_quarter set value_ytd = value_ytd + 1000 "
            "where quarter = '2024Q4' and indicator_code = 'gdp'"
        )
    result = dg.materialize(
        [*defs.assets, *defs.asset_checks],
        resources={**defs.resources, "nhtz_home": NhtzHomeResource(home=str(home.root))},
        partition_key="2024-10-01",
        selection=dg.AssetSelection.checks(publication_gate) | dg.AssetSelection.assets("serving_copy"),
        raise_on_error=False,
    )
    gate = [e for e in result.get_asset_check_evaluations() if e.check_name == "publication_gate"]
    assert [e.passed for e in gate] == [False]
    assert "national = Σ parks" in gate[0].metadata["failed_checks"].value
    assert result.asset_materializations_for_node("serving_copy") == []
    assert file_digest(home.serving_db) == served_before
