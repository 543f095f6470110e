"""The same dbt project on local Apache Spark and on DuckDB, from one small fixture, compared cell by cell.

    python -m benchmarks.spark_check                          # `make spark-check`: build both, compare, write JSON
    python -m benchmarks.spark_check scale --sizes 25000 100000   # the enterprise roll-up side by side per size

The check lands one fixture on both engines and runs the same `dbt build` on each through the project's runner
(`nhtz.dbt_runner`; on Spark with a profile of its own, `method: session`, `local[2]`):

- park submissions: the hand-made rows of tests/marts_fixture.py (five parks, 2022-2023, a revision, unit
  slips, a missing quarter), as `raw.observations`;
- enterprise microdata: a small synthetic panel (nhtz.enterprise) for 2024, as the enterprise source (DuckDB
  reads the Parquet folders in place, Spark a table over the same folders partitioned by quarter); the roll-up
  feeds the same park marts, so one build covers the enterprise models and every park model;
- then one more quarter of microdata (2025Q1) through the incremental roll-up on both engines.

Every table dbt built in the published schemas (marts, audit) and the enterprise roll-up is then read from both
engines and compared cell by cell: the same columns, the same rows, numbers within 1e-9 relative. The result,
with each engine's time, the machine and the date, goes to benchmarks/results/spark_<date>.json; the exit status
is 1 when any row differs. Spark needs the `spark` extra (`pip install -e '.[spark]'`) and a Java 17 runtime
(scripts/install-system-deps.sh). docs/scaling.md has what was measured.
"""

import argparse
import json
import logging
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path

from benchmarks.harness import RESULTS_DIR, machine
from nhtz import dbt_runner
from nhtz.dbt_runner import PROFILE, DbtWorkspace
from nhtz.errors import NhtzError

PANEL_ENTERPRISES = 2_000
PANEL_FIRST_QUARTER, PANEL_LAST_QUARTER, PANEL_NEW_QUARTER = "2024Q1", "2024Q4", "2025Q1"
SEED = 2024
RELATIVE_TOLERANCE = 1e-9
# a difference this small is floating noise around zero (a - b computed as 1e-15 on one engine, 0 on the other)
ABSOLUTE_TOLERANCE = 1e-12
PUBLISHED_SCHEMAS = ("marts", "audit")
ROLLUP_TABLE = "intermediate.int_enterprise_values_rolled_up"
# the semantic layer's models (MetricFlow's time spines and ratio parts) are DuckDB-only for now
BUILD_COMMAND = ["build", "--exclude", "path:models/semantic"]
INCREMENTAL_COMMAND = ["build", "--select", "int_enterprise_values_rolled_up"]
# the enterprise models, the seeds they read, and the seed their relationships test compares with
ROLLUP_COMMAND = ["build", "--select", "+path:models/enterprise", "indicators", "--indirect-selection", "cautious",
                  "--full-refresh"]
SCALE_FIRST_QUARTER, SCALE_LAST_QUARTER = "2019Q1", "2026Q3"
# DuckDB's column types as Spark names them, for landing the same rows on both engines
SPARK_TYPES = {"VARCHAR": "string", "INTEGER": "int", "BIGINT": "bigint", "DOUBLE": "double",
               "TIMESTAMP": "timestamp", "DATE": "date", "BOOLEAN": "boolean"}


def say(message: str) -> None:
    print(f"spark-check: {message}", file=sys.stderr, flush=True)


# --- Spark: one local session for the whole check -------------------------------------------------------

def spark_settings(work: Path) -> dict[str, str]:
    """The session's settings, for the session started here and for dbt's profile alike (dbt-spark's session
    method joins the running session). The metastore and the warehouse stay inside `work`."""
    return {
        "spark.master": "local[2]",
        "spark.app.name": "nhtz-spark-check",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.warehouse.dir": str(work / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={work / 'metastore_db'};create=true",
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={work} -Dderby.stream.error.file={work / 'derby.log'}",
        "spark.driver.memory": "2g",
        # a few shuffle partitions for two cores (Spark's default of 200 is for clusters)
        "spark.sql.shuffle.partitions": "4",
        "spark.sql.session.timeZone": "UTC",
    }


def start_timed_spark(work: Path):
    """The session for a whole run, its settings and the seconds it took to start (the JVM, the metastore)."""
    settings = spark_settings(work)
    started = time.perf_counter()
    spark = start_spark(settings)
    return spark, settings, time.perf_counter() - started


def start_spark(settings: dict[str, str]):
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise NhtzError("pyspark is not installed: pip install -e '.[spark]' (make spark-check does)") from None
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise NhtzError("no Java runtime: Spark needs Java 17 (scripts/install-system-deps.sh installs it)")
    # pyspark warns that it does not yet support pandas 3; nothing here goes through pandas
    warnings.filterwarnings("ignore", category=FutureWarning, module="pyspark")
    builder = SparkSession.builder.enableHiveSupport()
    for name, value in settings.items():
        builder = builder.config(name, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    # PySpark logs every failed statement with its JVM stack; dbt reports the failure in one line already
    logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)
    return spark


@dataclass(frozen=True)
class SparkWorkspace(DbtWorkspace):
    """A dbt workspace whose profile targets the local Spark session instead of a DuckDB file (db_path is the
    Spark warehouse folder, for the record)."""

    spark_settings: dict = field(default_factory=dict)

    def profile(self) -> dict:
        output = {"type": "spark", "method": "session", "host": "NA", "schema": "default", "threads": self.threads,
                  "server_side_parameters": dict(self.spark_settings)}
        return {PROFILE: {"target": "spark", "outputs": {"spark": output}}}


def land_observations_in_spark(spark, columns: list[tuple[str, str]], rows: list[tuple]) -> None:
    """raw.observations on Spark: the rows landed in DuckDB, with the same column types."""
    unknown = [f"{name} {kind}" for name, kind in columns if kind not in SPARK_TYPES]
    if unknown:
        raise NhtzError(f"raw.observations: no Spark type for {', '.join(unknown)}")
    schema = ", ".join(f"`{name}` {SPARK_TYPES[kind]}" for name, kind in columns)
    create_database(spark, "raw")
    spark.createDataFrame(rows, schema=schema).write.mode("overwrite").saveAsTable("raw.observations")


def create_database(spark, name: str) -> None:
    # `create database if not exists` makes the Hive metastore log an error when it exists
    if not spark.catalog.databaseExists(name):
        spark.sql(f"create database {name}")


def declare_enterprise_table(spark, panel: Path) -> None:
    """enterprise.quarterly_reports: the Parquet folders in place, partitioned by their quarter=YYYYQn names,
    as a cluster would declare them (an external table; there an Iceberg or Delta table does the same)."""
    create_database(spark, "enterprise")
    spark.sql("drop table if exists enterprise.quarterly_reports")
    spark.sql(f"create table enterprise.quarterly_reports using parquet location '{panel.resolve()}'")
    register_new_quarters(spark)


def register_new_quarters(spark) -> None:
    """A quarter folder written after the table was declared is a partition the metastore does not know yet."""
    spark.sql("msck repair table enterprise.quarterly_reports")


# --- the builds -----------------------------------------------------------------------------------------

@dataclass
class Timed:
    seconds: float
    dbt_seconds: float  # dbt's own elapsed time (run_results.json), without start-up and parsing


def run_dbt(workspace: DbtWorkspace, command: list[str], source_glob: str, engine: str) -> Timed:
    started = time.perf_counter()
    run = dbt_runner.invoke(workspace, command, vars={"enterprise_source": source_glob})
    seconds = time.perf_counter() - started
    if not run.success:
        raise NhtzError(f"{engine}: {run.failure_line()} (log: {workspace.log_file})")
    return Timed(seconds=seconds, dbt_seconds=run.summary().elapsed_seconds)


def built_tables(workspace: DbtWorkspace, schemas: tuple[str, ...]) -> list[str]:
    """`schema.table` of every model the last run built in the given schemas, from dbt's own run results."""
    results = dbt_runner.read_run_results(workspace.target_dir) or {}
    manifest = dbt_runner.read_manifest(workspace.target_dir) or {"nodes": {}}
    tables = set()
    for result in results.get("results", []):
        node = manifest["nodes"].get(result["unique_id"], {})
        if node.get("resource_type") == "model" and node.get("schema") in schemas and result["status"] == "success":
            tables.add(f"{node['schema']}.{node['alias']}")
    return sorted(tables)


# --- reading and comparing ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: list[tuple]


def read_duckdb(db_path: Path, table: str) -> Table:
    from nhtz.db import connect

    with connect(db_path, read_only=True) as con:
        cursor = con.execute(f"select * from {table}")
        columns = tuple(d[0] for d in cursor.description)
        return Table(columns, [tuple(_plain(v) for v in row) for row in cursor.fetchall()])


def read_spark(spark, table: str) -> Table:
    frame = spark.table(table)
    return Table(tuple(frame.columns), [tuple(_plain(v) for v in row) for row in frame.collect()])


def _plain(value):
    return float(value) if isinstance(value, Decimal) else value


@dataclass
class Comparison:
    table: str
    rows_duckdb: int
    rows_spark: int
    rows_compared: int
    rows_differing: int
    first_difference: str | None = None


def compare(name: str, duckdb_table: Table, spark_table: Table) -> Comparison:
    """Rows are matched on their exact cells (text, whole numbers, dates, booleans); the floating-point cells of
    matched rows must agree within RELATIVE_TOLERANCE. rows_differing is the larger of the DuckDB rows without an
    equal Spark row and the Spark rows without an equal DuckDB row: a changed cell is one differing row, and so
    is a row on one side only."""
    rows_compared = max(len(duckdb_table.rows), len(spark_table.rows))
    if set(duckdb_table.columns) != set(spark_table.columns):
        only = sorted(set(duckdb_table.columns) ^ set(spark_table.columns))
        return Comparison(name, len(duckdb_table.rows), len(spark_table.rows), rows_compared, rows_compared,
                          f"columns differ: {', '.join(only)}")
    columns = duckdb_table.columns
    # Spark may order columns differently (partition columns last): read both in DuckDB's order
    order = [spark_table.columns.index(column) for column in columns]
    spark_rows = [tuple(row[i] for i in order) for row in spark_table.rows]
    is_float = [any(isinstance(row[i], float) for row in duckdb_table.rows + spark_rows) for i in range(len(columns))]
    left, right = _grouped(duckdb_table.rows, is_float), _grouped(spark_rows, is_float)
    unequal_duckdb = unequal_spark = 0
    first = None
    for key in left.keys() | right.keys():
        ours, theirs = left.get(key, []), right.get(key, [])
        for a, b in zip(ours, theirs):
            cell = next((columns[i] for i in range(len(columns)) if is_float[i] and not _close(a[i], b[i])), None)
            if cell is not None:
                unequal_duckdb, unequal_spark = unequal_duckdb + 1, unequal_spark + 1
                i = columns.index(cell)
                first = first or f"{cell}: duckdb {a[i]!r}, spark {b[i]!r} in {a}"
        unequal_duckdb += max(0, len(ours) - len(theirs))
        unequal_spark += max(0, len(theirs) - len(ours))
        if len(ours) != len(theirs):
            side, rows = ("duckdb", ours) if len(ours) > len(theirs) else ("spark", theirs)
            first = first or f"only in {side}: {rows[min(len(ours), len(theirs))]}"
    return Comparison(name, len(duckdb_table.rows), len(spark_rows), rows_compared,
                      max(unequal_duckdb, unequal_spark), first)


def _grouped(rows: list[tuple], is_float: list[bool]) -> dict[tuple, list[tuple]]:
    """Rows by their exact cells, each group sorted by its floating-point cells so that pairs line up."""
    groups: dict[tuple, list[tuple]] = {}
    for row in rows:
        key = tuple(_sortable(v) for v, f in zip(row, is_float) if not f)
        groups.setdefault(key, []).append(row)
    for group in groups.values():
        group.sort(key=lambda row: tuple(_sortable(v) for v, f in zip(row, is_float) if f))
    return groups


def _sortable(value) -> tuple:
    return (0, "") if value is None else (1, value)


def _close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=RELATIVE_TOLERANCE, abs_tol=ABSOLUTE_TOLERANCE)


def compare_table(table: str, duckdb_path: Path, spark, label: str | None = None) -> Comparison:
    comparison = compare(label or table, read_duckdb(duckdb_path, table), read_spark(spark, table))
    state = "agree" if comparison.rows_differing == 0 else f"{comparison.rows_differing} differ"
    say(f"{comparison.table}: {comparison.rows_duckdb} rows on DuckDB, {comparison.rows_spark} on Spark, {state}")
    return comparison


# --- the check ------------------------------------------------------------------------------------------

def write_fixture(work: Path):
    """The park fixture landed in a DuckDB working database, and the enterprise panel with its new quarter
    held back; returns (home, panel folder, the held-back quarter's folder)."""
    from nhtz.enterprise import write_enterprise_panel
    from tests.marts_fixture import make_fixture_home

    home = make_fixture_home(work / "duckdb")
    panel = work / "enterprise"
    write_enterprise_panel(panel, n_enterprises=PANEL_ENTERPRISES, start=PANEL_FIRST_QUARTER,
                           end=PANEL_NEW_QUARTER, seed=SEED)
    waiting = work / f"quarter={PANEL_NEW_QUARTER}"
    (panel / f"quarter={PANEL_NEW_QUARTER}").rename(waiting)
    return home, panel, waiting


def landed_observations(db_path: Path) -> tuple[list[tuple[str, str]], list[tuple]]:
    from nhtz.db import connect

    with connect(db_path, read_only=True) as con:
        columns = [(name, kind) for name, kind, *_ in con.execute("describe raw.observations").fetchall()]
        rows = con.execute("select * from raw.observations order by file_id, row_number").fetchall()
    return columns, rows


def run_check(work: Path, threads: int) -> dict:
    from nhtz.enterprise.panel import panel_glob

    started = time.perf_counter()
    say(f"fixture: marts fixture rows and {PANEL_ENTERPRISES:,} enterprises "
        f"{PANEL_FIRST_QUARTER}..{PANEL_LAST_QUARTER} in {work}")
    home, panel, waiting = write_fixture(work)
    source = panel_glob(panel)
    duckdb_workspace = dbt_runner.home_workspace(home)

    say("DuckDB: dbt build")
    duckdb_build = run_dbt(duckdb_workspace, BUILD_COMMAND, source, "DuckDB")

    say("Spark: starting a local session (local[2])")
    spark, settings, session_seconds = start_timed_spark(work)
    load_started = time.perf_counter()
    land_observations_in_spark(spark, *landed_observations(home.working_db))
    declare_enterprise_table(spark, panel)
    load_seconds = time.perf_counter() - load_started
    spark_workspace = SparkWorkspace(db_path=work / "warehouse", folder=work / "spark_dbt", threads=threads,
                                     spark_settings=settings)
    say("Spark: dbt build")
    spark_build = run_dbt(spark_workspace, BUILD_COMMAND, source, "Spark")

    tables = built_tables(duckdb_workspace, PUBLISHED_SCHEMAS)
    missing = sorted(set(tables) - set(built_tables(spark_workspace, PUBLISHED_SCHEMAS)))
    if missing:
        raise NhtzError(f"Spark did not build {', '.join(missing)}")
    comparisons = [compare_table(table, home.working_db, spark) for table in [*tables, ROLLUP_TABLE]]

    say(f"one more quarter ({PANEL_NEW_QUARTER}): the incremental roll-up on both engines")
    waiting.rename(panel / f"quarter={PANEL_NEW_QUARTER}")
    duckdb_more = run_dbt(duckdb_workspace, INCREMENTAL_COMMAND, source, "DuckDB")
    register_new_quarters(spark)
    spark_more = run_dbt(spark_workspace, INCREMENTAL_COMMAND, source, "Spark")
    comparisons.append(compare_table(ROLLUP_TABLE, home.working_db, spark,
                                     label=f"{ROLLUP_TABLE} (incremental {PANEL_NEW_QUARTER})"))
    spark_version = spark.version
    spark.stop()

    return {
        "check": "the dbt project on Spark and on DuckDB, same fixture, compared cell by cell",
        "fixture": {
            "park_submissions": "tests/marts_fixture.py (landed_rows)",
            "enterprises": PANEL_ENTERPRISES,
            "enterprise_quarters": f"{PANEL_FIRST_QUARTER}..{PANEL_LAST_QUARTER}, then {PANEL_NEW_QUARTER} "
                                   "incrementally",
            "seed": SEED,
        },
        "dbt_command": " ".join(BUILD_COMMAND),
        "tolerance": {"relative": RELATIVE_TOLERANCE, "absolute": ABSOLUTE_TOLERANCE},
        "rows_compared": sum(c.rows_compared for c in comparisons),
        "rows_differing": sum(c.rows_differing for c in comparisons),
        "tables": [asdict(c) for c in comparisons],
        "duckdb": {
            "version": version("duckdb"),
            "build_seconds": round(duckdb_build.seconds, 1),
            "build_dbt_seconds": round(duckdb_build.dbt_seconds, 1),
            "incremental_seconds": round(duckdb_more.seconds, 1),
        },
        "spark": {
            "version": spark_version,
            "dbt_spark": version("dbt-spark"),
            "master": settings["spark.master"],
            "dbt_threads": threads,
            "session_start_seconds": round(session_seconds, 1),
            "load_seconds": round(load_seconds, 1),
            "build_seconds": round(spark_build.seconds, 1),
            "build_dbt_seconds": round(spark_build.dbt_seconds, 1),
            "incremental_seconds": round(spark_more.seconds, 1),
        },
        "wall_seconds": round(time.perf_counter() - started, 1),
    }


# --- the enterprise roll-up side by side at several sizes -----------------------------------------------

def run_scale(work: Path, sizes: list[int], threads: int, repeats: int) -> dict:
    """Per size: one panel of 31 quarters; `repeats` full roll-up builds on DuckDB and on Spark (one session for
    all sizes; the first build of a run also parses the project and warms the JVM, hence the medians), the
    compiled roll-up SQL alone on each engine, and the roll-up tables compared."""
    from nhtz.enterprise import write_enterprise_panel
    from nhtz.enterprise.panel import panel_glob
    from nhtz.enterprise.rollup import DEFAULT_MEMORY_LIMIT, DEFAULT_THREADS, rollup_workspace

    spark, settings, session_seconds = start_timed_spark(work)
    spark_workspace = SparkWorkspace(db_path=work / "warehouse", folder=work / "spark_dbt", threads=threads,
                                     spark_settings=settings)
    panel, db_path = work / "enterprise", work / "enterprise.duckdb"
    duckdb_workspace = rollup_workspace(db_path, work / "duckdb_dbt", DEFAULT_MEMORY_LIMIT, DEFAULT_THREADS)
    sizes_measured = []
    for n in sizes:
        shutil.rmtree(panel, ignore_errors=True)
        db_path.unlink(missing_ok=True)
        say(f"{n:,} enterprises: generating {SCALE_FIRST_QUARTER}..{SCALE_LAST_QUARTER}")
        write_enterprise_panel(panel, n_enterprises=n, start=SCALE_FIRST_QUARTER, end=SCALE_LAST_QUARTER, seed=SEED)
        source = panel_glob(panel)
        table_started = time.perf_counter()
        declare_enterprise_table(spark, panel)
        table_seconds = time.perf_counter() - table_started
        duckdb_builds, spark_builds = [], []
        for i in range(repeats):
            say(f"{n:,} enterprises: full roll-up on DuckDB and on Spark ({i + 1}/{repeats})")
            duckdb_builds.append(run_dbt(duckdb_workspace, ROLLUP_COMMAND, source, "DuckDB"))
            spark_builds.append(run_dbt(spark_workspace, ROLLUP_COMMAND, source, "Spark"))
        duckdb_sql = time_rollup_sql(duckdb_workspace, lambda sql: _duckdb_count(db_path, sql))
        spark_sql = time_rollup_sql(spark_workspace, lambda sql: spark.sql(f"select count(*) from ({sql})").collect())
        comparison = compare(ROLLUP_TABLE, read_duckdb(db_path, ROLLUP_TABLE), read_spark(spark, ROLLUP_TABLE))
        rows = spark.table("enterprise.quarterly_reports").count()
        measured = {
            "enterprises": n,
            "enterprise_rows": rows,
            "duckdb_build_seconds": _spread([b.seconds for b in duckdb_builds]),
            "duckdb_dbt_seconds": _spread([b.dbt_seconds for b in duckdb_builds]),
            "duckdb_rollup_sql_seconds": round(duckdb_sql, 2),
            "spark_table_seconds": round(table_seconds, 1),
            "spark_build_seconds": _spread([b.seconds for b in spark_builds]),
            "spark_dbt_seconds": _spread([b.dbt_seconds for b in spark_builds]),
            "spark_rollup_sql_seconds": round(spark_sql, 2),
            "rows_compared": comparison.rows_compared,
            "rows_differing": comparison.rows_differing,
        }
        say(f"{n:,} enterprises ({rows:,} rows): build DuckDB {measured['duckdb_build_seconds']['median']} s, "
            f"Spark {measured['spark_build_seconds']['median']} s; roll-up SQL alone DuckDB {duckdb_sql:.2f} s, "
            f"Spark {spark_sql:.2f} s; {comparison.rows_differing} of {comparison.rows_compared} roll-up rows differ")
        sizes_measured.append(measured)
    spark_version = spark.version
    spark.stop()
    return {
        "check": "the enterprise roll-up (full build of 31 quarters) on DuckDB and on local Spark, side by side",
        "dbt_command": " ".join(ROLLUP_COMMAND),
        "repeats": repeats,
        "duckdb": {"version": version("duckdb"), "memory_limit": DEFAULT_MEMORY_LIMIT, "threads": DEFAULT_THREADS},
        "spark": {"version": spark_version, "dbt_spark": version("dbt-spark"), "master": settings["spark.master"],
                  "driver_memory": settings["spark.driver.memory"], "dbt_threads": threads,
                  "session_start_seconds": round(session_seconds, 1)},
        "sizes": sizes_measured,
        "rows_compared": sum(s["rows_compared"] for s in sizes_measured),
        "rows_differing": sum(s["rows_differing"] for s in sizes_measured),
    }


def time_rollup_sql(workspace: DbtWorkspace, count) -> float:
    """The roll-up model's compiled SELECT, as the last build compiled it for this engine, run once on its own."""
    compiled = next((workspace.target_dir / "compiled").rglob("int_enterprise_values_rolled_up.sql")).read_text()
    started = time.perf_counter()
    count(compiled)
    return time.perf_counter() - started


def _duckdb_count(db_path: Path, sql: str) -> None:
    from nhtz.db import connect
    from nhtz.enterprise.rollup import DEFAULT_MEMORY_LIMIT, DEFAULT_THREADS

    with connect(db_path) as con:
        con.execute(f"set memory_limit = '{DEFAULT_MEMORY_LIMIT}'; set threads = {DEFAULT_THREADS}")
        con.execute(f"select count(*) from ({sql})").fetchall()


def _spread(samples: list[float]) -> dict:
    return {"median": round(statistics.median(samples), 1), "min": round(min(samples), 1),
            "max": round(max(samples), 1), "samples": [round(x, 1) for x in samples]}


def write_result(payload: dict, name: str) -> Path:
    info = machine()
    info["packages"] |= {"pyspark": version("pyspark"), "dbt-spark": version("dbt-spark")}
    info["load_average"] = [round(x, 1) for x in os.getloadavg()]
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}_{datetime.now(timezone.utc):%Y-%m-%d}.json"
    path.write_text(json.dumps({"machine": info, "date": info["date"], **payload}, ensure_ascii=False, indent=2) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.spark_check", description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=None, help="work folder, kept (default: a temporary one)")
    parser.add_argument("--threads", type=int, default=2, help="dbt threads on Spark (default 2)")
    commands = parser.add_subparsers(dest="command")
    scale = commands.add_parser("scale", help="the enterprise roll-up on both engines at several sizes")
    scale.add_argument("--sizes", type=int, nargs="+", default=[25_000, 100_000, 250_000])
    scale.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    # PySpark hands timestamps to Python in the process's time zone, DuckDB as stored: both in UTC here
    os.environ["TZ"] = "UTC"
    time.tzset()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="nhtz-spark-check-"))
    work = work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    try:
        if args.command == "scale":
            path = write_result(run_scale(work, args.sizes, args.threads, args.repeats), "spark_scale")
            say(f"results: {path}")
            return 0
        payload = run_check(work, args.threads)
    except NhtzError as error:
        say(f"error: {error}")
        return 2
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    path = write_result(payload, "spark")
    verdict = "all agree" if payload["rows_differing"] == 0 else f"{payload['rows_differing']} rows differ"
    say(f"{payload['rows_compared']:,} rows compared over {len(payload['tables'])} tables: {verdict}; DuckDB build "
        f"{payload['duckdb']['build_seconds']} s, Spark build {payload['spark']['build_seconds']} s "
        f"(+{payload['spark']['session_start_seconds']} s session start); {path}")
    return 0 if payload["rows_differing"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
