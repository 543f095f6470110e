"""The Dagster code location: definitions, schedule, sensor, and one quarterly run end to end.

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

import dagster as dg
import duckdb
import pytest
from dagster_dbt.errors import DagsterDbtCliRuntimeError

from nhtz.errors import NhtzError
from nhtz.home import Home
from nhtz.project import SEEDS_DIR
from orchestration.definitions import defs
from orchestration.defs.dbt.assets import dbt_failure_line
from orchestration.defs.ingestion.assets import landed_submissions
from orchestration.defs.ingestion.sensors import new_submission_sensor, new_submissions, submission_files
from orchestration.defs.partitions import quarter_just_ended, today_in_beijing
from orchestration.defs.quality.checks import FCT_PARK_QUARTER, publication_gate
from orchestration.defs.report.assets import quarterly_report
from orchestration.defs.resources import NhtzHomeResource
from orchestration.defs.schedules import quarter_due, quarterly_schedule, run_day

SUM_1_TO_178 = 178 * 179 // 2  # 15931
QUARTERS = [f"{year}Q{q}" for year in (2023, 2024) for q in (1, 2, 3, 4)]


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
    keys = job.partitions_def.get_partition_keys()
    assert keys[0] == "2019Q1"
    assert keys[:5] == ["2019Q1", "2019Q2", "2019Q3", "2019Q4", "2020Q1"]
    # up to the quarter Beijing is in today: 4 a year since 2019
    today = today_in_beijing()
    assert len(keys) == 4 * (today.year - 2019) + (today.month - 1) // 3 + 1
    assert job.executor_def is dg.in_process_executor
    assert job.tags["nhtz/writer"] == "working_db"
    config = Path(__file__).parents[1] / "orchestration" / "dagster.yaml"
    assert "key: nhtz/writer" in config.read_text()


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


@pytest.mark.parametrize(
    ("day", "schedule_day", "due"),
    [
        (date(2026, 10, 25), 25, "2026Q3"),
        (date(2026, 10, 24), 25, None),
        (date(2026, 11, 25), 25, None),  # not a month after a quarter end
        (date(2026, 10, 10), 10, "2026Q3"),
        (date(2026, 4, 30), 31, "2026Q1"),  # April has 30 days: the 31st becomes the 30th
        (date(2026, 1, 31), 31, "2025Q4"),
    ],
)
def test_quarter_due(day, schedule_day, due):
    assert quarter_due(day, schedule_day) == due


@pytest.mark.parametrize("schedule_day", [0, 32, -5])
def test_a_schedule_day_that_is_no_day_of_a_month_is_refused(schedule_day):
    with pytest.raises(NhtzError, match=f"schedule_day = {schedule_day}"):
        run_day(schedule_day, 2026, 10)


def evaluate_schedule(home: Path, when: datetime):
    context = dg.build_schedule_context(
        scheduled_execution_time=when,
        resources={"nhtz_home": NhtzHomeResource(home=str(home))},
        repository_def=defs.get_repository_def(),
    )
    return list(quarterly_schedule.evaluate_tick(context).run_requests or [])


@pytest.mark.parametrize(
    ("when", "quarter"),
    [(datetime(2026, 10, 25, 6, 0), "2026Q3"), (datetime(2025, 1, 25, 6, 0), "2024Q4")],
)
def test_schedule_runs_the_just_ended_quarter_on_the_25th(tmp_path, when, quarter):
    requests = evaluate_schedule(tmp_path, when)
    assert [r.partition_key for r in requests] == [quarter]
    assert requests[0].run_key == f"scheduled-{quarter}"


def test_schedule_skips_other_days_and_follows_the_configured_day(tmp_path):
    assert evaluate_schedule(tmp_path, datetime(2026, 10, 24, 6, 0)) == []
    context = dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 10, 24, 6, 0),
        resources={"nhtz_home": NhtzHomeResource(home=str(tmp_path))},
    )
    skip = quarterly_schedule.evaluate_tick(context).skip_message
    assert "2026-10-24 is not the run day (day 25" in skip
    (tmp_path / "nhtz.toml").write_text("schedule_day = 10\n")
    assert [r.partition_key for r in evaluate_schedule(tmp_path, datetime(2026, 10, 10, 6, 0))] == ["2026Q3"]
    assert evaluate_schedule(tmp_path, datetime(2026, 10, 25, 6, 0)) == []


# --- the landing sensor --------------------------------------------------------------------------------

def evaluate_sensor(home: Path, cursor: str | None):
    context = dg.build_sensor_context(
        cursor=cursor, resources={"nhtz_home": NhtzHomeResource(home=str(home))}, definitions=defs
    )
    result = new_submission_sensor.evaluate_tick(context)
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
    assert request.partition_key == quarter_just_ended(today_in_beijing())
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
        [landed_submissions], resources={"nhtz_home": NhtzHomeResource(home=str(home))}, partition_key="2024Q2"
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
        partition_key="2024Q4",
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
        tags={"dagster/asset_partition_range_start": "2024Q3", "dagster/asset_partition_range_end": "2024Q4"},
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
        partition_key="2024Q4",
        selection=dg.AssetSelection.checks(publication_gate) | dg.AssetSelection.assets("serving_copy"),
        raise_on_error=False,
    )
    gate = [e for e in result.get_asset_check_evaluations() if e.check_name == "publication_gate"]
    assert [e.passed for e in gate] == [False]
    assert "national = Σ parks" in gate[0].metadata["failed_checks"].value
    assert result.asset_materializations_for_node("serving_copy") == []
    assert file_digest(home.serving_db) == served_before
