"""The one way nhtz runs dbt.

Every dbt run works in a `DbtWorkspace`: one DuckDB file and the folder beside it that holds the profile naming
that file (`profiles.yml`, written before every run with the file's absolute path, so that a copied home builds
its own database and nothing is steered through environment variables), dbt's artifacts (`target/`, with the
partial-parse state) and its log (`logs/`). A home's workspace is `HOME/dbt/`.

Every run is in this process and goes through `invoke`: `nhtz build` and the Dagster dbt asset (both through
`nhtz.build.build`), `nhtz docs`, the enterprise roll-up, the parse behind Dagster's manifest. A run is judged from
dbt's own run results (`run_results.json`, or for a build the same record taken from the run itself), by
`failure_line` and `summarise`.
"""

import gc
import hashlib
import json
import logging
import re
from collections import Counter
from contextlib import contextmanager, nullcontext
from importlib.metadata import version
from logging.handlers import RotatingFileHandler
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from nhtz.db import attach_options, catalog_name, is_plain_catalog_name
from nhtz.errors import NhtzError
from nhtz.home import Home
from nhtz.project import DBT_PROJECT_DIR, SEEDS_DIR
from nhtz.state import write_atomically

# The profile name in dbt_project.yml
PROFILE = "nhtz"
DEFAULT_THREADS = 2
# Flags of every run
COMMON_FLAGS = ("--partial-parse", "--no-version-check", "--no-send-anonymous-usage-stats", "--no-use-colors")
# dbt's console and file logs are off: progress and the log file (`RunLog`, at info) come from its events. At dbt's
# default (debug) the file takes every statement of every node, and writing it doubled a build's time.
IN_PROCESS_LOG_FLAGS = ("--log-level", "none", "--log-level-file", "none")
FAILED_STATUSES = ("error", "fail", "runtime error")
# A warehouse build: seeds, models, contracts and data tests. dbt's unit tests check the models' logic on fixed
# rows, not the data, so (as dbt advises for production builds) they run where the code is checked:
# `unit_tests(workspace)` from the test suite, on the hand fixture. Both fronts build with these arguments.
BUILD_COMMAND = ("build", "--exclude-resource-type", "unit_test")
UNIT_TEST_COMMAND = ("test", "--select", "test_type:unit")
RESULTS_FILE = "run_results.json"


# What a model's rows depend on besides the landed data: its code, the reference data and the engine. The
# incremental park-level models (docs/incremental.md) record this fingerprint; a build under another one is a full
# refresh. Folders dbt writes (target/, logs/) are not the project.
PROJECT_SOURCES = ("dbt_project.yml", "models", "macros")
ENGINE_PACKAGES = ("dbt-core", "dbt-duckdb", "duckdb")


# the dbt var that carries the fingerprint into a run (the incremental models record it)
FINGERPRINT_VAR = "project_fingerprint"


def fingerprinted(vars: dict | None, project_dir: Path = DBT_PROJECT_DIR) -> dict:
    """The vars of a run with the project's fingerprint under them. Every in-process run passes it, so that dbt's
    partial parse (kept only while the vars stay the same) serves builds, docs and metrics alike."""
    given = {name: value for name, value in (vars or {}).items() if name != FINGERPRINT_VAR}
    return {**given, FINGERPRINT_VAR: project_fingerprint(project_dir, vars=given)}


def project_fingerprint(project_dir: Path = DBT_PROJECT_DIR, seeds_dir: Path = SEEDS_DIR, vars: dict | None = None) -> str:
    """A short hash of the project's files, the seeds (not the sample submissions beside them), the dbt vars and
    the engine's versions."""
    digest = hashlib.sha256()
    files = [(path, path.relative_to(project_dir)) for name in PROJECT_SOURCES
             for path in _files_under(Path(project_dir) / name)]
    files += [(path, Path("seeds") / path.name) for path in sorted(Path(seeds_dir).glob("*.csv"))]
    for path, name in files:
        digest.update(str(name).encode())
        digest.update(path.read_bytes())
    digest.update(json.dumps(vars or {}, sort_keys=True).encode())
    digest.update(" ".join(f"{package}={version(package)}" for package in ENGINE_PACKAGES).encode())
    return digest.hexdigest()[:16]


def _files_under(path: Path) -> list[Path]:
    return [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())


@dataclass(frozen=True)
class DbtWorkspace:
    db_path: Path
    folder: Path
    threads: int = DEFAULT_THREADS
    duckdb_settings: dict = field(default_factory=dict)  # e.g. memory_limit, for the enterprise roll-up
    project_dir: Path = DBT_PROJECT_DIR
    # the profile names the database file by its name alone: only where the project is parsed (parse_workspace)
    names_file_only: bool = False

    @property
    def profiles_dir(self) -> Path:
        return self.folder

    @property
    def target_dir(self) -> Path:
        return self.folder / "target"

    @property
    def log_dir(self) -> Path:
        return self.folder / "logs"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "dbt.log"

    def database(self, path: str) -> dict:
        """How dbt opens the database file at `path`: attached as nhtz.db.connect attaches every writer's (at its
        row-group size), under the name DuckDB gives the file when opened, so the compiled SQL names the same
        catalog either way."""
        catalog = catalog_name(self.db_path)
        # dbt-duckdb writes the alias into its ATTACH statement unquoted
        if not is_plain_catalog_name(catalog):
            raise NhtzError(
                f"dbt cannot build into {self.db_path}: before its first dot the file's name must be letters, digits "
                f"and underscores, not starting with a digit nor a word SQL reserves (it names the catalog dbt writes "
                f"to: {catalog!r})"
            )
        return {
            "path": ":memory:",
            "database": catalog,
            "attach": [{"path": path, "alias": catalog, "options": attach_options()}],
        }

    def profile(self) -> dict:
        path = Path(self.db_path).name if self.names_file_only else str(Path(self.db_path).resolve())
        output = {"type": "duckdb", **self.database(path), "threads": self.threads}
        if self.duckdb_settings:
            output["settings"] = dict(self.duckdb_settings)
        return {PROFILE: {"target": "working", "outputs": {"working": output}}}

    def write_profile(self) -> Path:
        """profiles.yml for this database; rewritten only when it differs, so dbt's partial parse stays valid."""
        path = self.profiles_dir / "profiles.yml"
        # JSON is YAML: no YAML writer needed
        content = json.dumps(self.profile(), ensure_ascii=False, indent=2).encode("utf-8")
        if not path.exists() or path.read_bytes() != content:
            write_atomically(path, content)
        return self.profiles_dir

    def folder_flags(self, target_dir: Path) -> list[str]:
        return [
            "--profiles-dir", str(self.profiles_dir), "--target-path", str(target_dir), "--log-path", str(self.log_dir),
        ]

    def parse_workspace(self) -> "DbtWorkspace":
        """Where this workspace's project is parsed (`parsed_project`): a folder of its own, with a profile that
        names the database file by its name alone. Parsing opens no database, and dbt keeps its partial-parse state
        only for the profile it was made with: with the file's absolute path in it, a home copied or moved elsewhere
        (a restored backup, every test's copy, a new process on a copy) parsed the whole project again."""
        return replace(self, folder=self.folder / "parse", names_file_only=True)

    def forget_results(self, target_dir: Path) -> None:
        """A run that stops before writing its results must not be judged by the previous run's."""
        (target_dir / RESULTS_FILE).unlink(missing_ok=True)


# DuckDB settings of the builds of a home's working database. A checkpoint's vacuum rewrites the row groups an
# incremental build deleted rows from: after a full build, where each table is a few long row groups, that is most of
# the warehouse again, 0.3-0.6 s of a 4 s build after a new quarter (docs/incremental.md, "What a build costs").
# Without it the deleted rows' blocks are reused by later writes just the same: on the demo set, a full build then
# four new quarters left a 117 MB file, against 121 MB with the vacuum. A full refresh writes every table anew, and the
# serving copy is written table by table whatever the working file holds.
BUILD_SETTINGS = {"max_vacuum_tasks": 0}


def home_workspace(home: Home) -> DbtWorkspace:
    return DbtWorkspace(
        db_path=home.working_db, folder=home.root / "dbt", duckdb_settings=BUILD_SETTINGS, project_dir=DBT_PROJECT_DIR
    )


@dataclass(frozen=True)
class DbtRun:
    """One in-process invocation: dbt's own verdict, its run results (None when dbt stopped before running
    anything) and the exception text when it could not run at all."""

    success: bool
    run_results: dict | None
    exception: str | None
    # each node's fqn (project, folders under models/, name), from the run's own nodes: the layers of a summary
    fqns: dict[str, list[str]] = field(default_factory=dict)

    def failure_line(self) -> str | None:
        if self.success:
            return None
        cannot_run = f"dbt could not run the project: {first_line(self.exception)}" if self.exception else None
        return failure_line(self.run_results, cannot_run)

    def summary(self) -> "ResultsSummary":
        return summarise(self.run_results or {}, self.fqns)


def invoke(
    workspace: DbtWorkspace,
    command: list[str],
    vars: dict | None = None,
    say: Callable[[str], None] | None = None,
    artifacts: bool = True,
    fingerprint: bool = True,
) -> DbtRun:
    """Run one dbt command in this process on the workspace's database, then let go of the database file.

    artifacts=False: dbt writes no manifest.json (`--no-write-json`; the partial-parse state is still kept), and the
    run results come from the run itself, written to run_results.json here. A build needs no manifest, and writing
    it, which dbt does twice a build, costs about a second (docs/incremental.md, "What a build costs").
    fingerprint=False: the vars go as given, without the project's fingerprint (a build of some models only:
    `nhtz.build.BuildPlan.run_vars`)."""
    from dbt.cli.main import dbtRunner

    workspace.write_profile()
    workspace.forget_results(workspace.target_dir)
    args = [
        *command,
        "--project-dir", str(workspace.project_dir),
        *workspace.folder_flags(workspace.target_dir),
        *COMMON_FLAGS,
        *IN_PROCESS_LOG_FLAGS,
        *([] if artifacts else ["--no-write-json"]),
    ]
    # a build's plan has fingerprinted its vars already (nhtz.build.plan_build): the project is hashed once a build
    planned = vars is not None and FINGERPRINT_VAR in vars
    run_vars = vars if planned or not fingerprint else fingerprinted(vars, workspace.project_dir)
    args += ["--vars", json.dumps(run_vars)]
    try:
        with RunLog(workspace.log_file) as log, earlier_objects_left_out_of_garbage_collection():
            callbacks = [log, NodeProgress(say)] if say else [log]
            manifest = parsed_project(workspace, run_vars, log) if command[0] in REUSES_PARSE else None
            outcome = dbtRunner(manifest=manifest, callbacks=callbacks).invoke(args)
    finally:
        release_database()
    if artifacts:
        run_results = read_run_results(workspace.target_dir)
    else:
        run_results = run_results_of(outcome.result)
        write_run_results(workspace.target_dir, run_results)
    return DbtRun(
        success=outcome.success,
        run_results=run_results,
        exception=str(outcome.exception) if outcome.exception is not None else None,
        fqns=node_fqns(outcome.result),
    )


@contextmanager
def earlier_objects_left_out_of_garbage_collection():
    """While dbt runs, Python's cyclic garbage collector does not walk the objects the process held before it.

    dbt allocates fast enough to set off a full collection about once a build, and a full collection walks every object
    of the process: the parsed project, and in a long process (the benchmarks, the test suite, Dagster) whatever the
    earlier steps left (GX, pandas). That cost 0.4-0.65 s of a 4-5 s build, all of it holding the GIL that dbt's two
    threads share (docs/architecture.md, "Running dbt"). `gc.freeze` sets those objects aside for the run;
    what dbt itself allocates is collected as before, and `gc.unfreeze` hands the earlier objects back when it ends."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


# Commands that run on a parsed project as it is: a process that runs several of them (the test suite, the
# benchmarks, `nhtz run`) parses the project once per kind of database and reuses it, dbt's own way of running several
# commands on one parse (`dbtRunner(manifest=...)`). Across processes dbt's partial parse serves, kept where the
# workspace parses (`DbtWorkspace.parse_workspace`), under a profile that does not say where the file is.
REUSES_PARSE = ("build", "run", "test", "seed")
_PARSED: dict[str, object] = {}


def parsed_project(workspace: DbtWorkspace, run_vars: dict, log: "RunLog | None" = None):
    """The project as dbt parses it for this workspace's kind of database, parsed once per process. What parsing
    reads besides the project's files (which the fingerprint in the vars covers) is the profile and the database's
    name (which names every relation), not where the file is: the parsing profile names the file alone.
    None when the project does not parse: the run itself then says why. The parse logs to the workspace's log, into
    the run's `log` when a run parses."""
    from dbt.cli.main import dbtRunner

    parsing = workspace.parse_workspace()
    key = json.dumps([str(workspace.project_dir), parsing.profile(), run_vars], sort_keys=True, default=str)
    if key not in _PARSED:
        parsing.write_profile()
        with nullcontext(log) if log else RunLog(workspace.log_file) as parse_log:
            outcome = dbtRunner(callbacks=[parse_log]).invoke([
                "parse", "--project-dir", str(workspace.project_dir), "--profiles-dir", str(parsing.profiles_dir),
                "--target-path", str(parsing.target_dir), "--log-path", str(workspace.log_dir),
                *COMMON_FLAGS, *IN_PROCESS_LOG_FLAGS, "--no-write-json", "--vars", json.dumps(run_vars),
            ])
        if not outcome.success:
            return None
        _PARSED[key] = outcome.result
    return _PARSED[key]


def run_results_of(result) -> dict | None:
    """The record dbt writes as run_results.json, from a run's result (None when dbt stopped before running)."""
    from dbt.artifacts.schemas.run import RunExecutionResult, RunResultsArtifact

    if not isinstance(result, RunExecutionResult):
        return None
    artifact = RunResultsArtifact.from_execution_results(
        results=result.results, elapsed_time=result.elapsed_time, generated_at=result.generated_at, args=result.args
    )
    # as the file holds it: timestamps as text
    return json.loads(json.dumps(artifact.to_dict(omit_none=False), default=str))


def write_run_results(target_dir: Path, run_results: dict | None) -> None:
    if run_results is not None:
        write_atomically(Path(target_dir) / RESULTS_FILE, json.dumps(run_results, ensure_ascii=False).encode("utf-8"))


def node_fqns(result) -> dict[str, list[str]]:
    nodes = [getattr(r, "node", None) for r in getattr(result, "results", None) or []]
    return {node.unique_id: list(node.fqn) for node in nodes if node is not None}


def release_database() -> None:
    """dbt-duckdb keeps its DuckDB instance open in the process after a run (profile setting `keep_open`, on by
    default: closing it between nodes makes a build about twice as slow). `close_all_connections` is its public
    way to let go, as its maintainers advise for in-process runs (duckdb/dbt-duckdb#616): the instance closes as
    it is dropped, and the working database can be opened again at once, read-only or by another process."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    DuckDBConnectionManager.close_all_connections()


def read_run_results(target_dir: Path) -> dict | None:
    path = Path(target_dir) / RESULTS_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


# --- reading a run ---------------------------------------------------------------------------------------

# dbt's messages open with a heading such as "Runtime Error in model x (path)"; the reason is the line after it.
_HEADING = re.compile(r"^(\w+ )*Error in \w+ ")


def first_line(text) -> str:
    """The first line of an error that says why, not what failed."""
    lines = [line.strip() for line in str(text or "").splitlines() if line.strip()]
    reasons = [line for line in lines if not _HEADING.match(line)]
    return (reasons or lines or ["no message"])[0]


def node_kind_and_name(unique_id: str) -> tuple[str, str]:
    """`model.nhtz.fct_park_quarter` → (model, fct_park_quarter); generic tests carry a hash after the name,
    unit tests the model before it: `unit_test.nhtz.park_ranking.ties` → (unit test, ties)."""
    parts = unique_id.split(".")
    kind = parts[0]
    if kind == "unit_test":
        return "unit test", parts[-1]
    return kind, parts[2] if len(parts) > 2 else unique_id


def is_singular_test(unique_id: str) -> bool:
    """Singular tests (files in dbt_project/tests/) have ids `test.<package>.<name>`; generic ones add a hash."""
    parts = unique_id.split(".")
    return parts[0] == "test" and len(parts) == 3


def failure_line(run_results: dict | None, error_text: str | None = None) -> str:
    """One line for people: which node failed and dbt's first error line; without a failed node, the first
    reason in the error text (dbt's exception)."""
    failed = [r for r in (run_results or {}).get("results", []) if r["status"] in FAILED_STATUSES]
    if not failed:
        return first_line(error_text) if error_text else "dbt reported failure without a failed node"
    first = failed[0]
    kind, name = node_kind_and_name(first["unique_id"])
    verb = "failed" if first["status"] == "fail" else "errored"
    more = f" (and {len(failed) - 1} more failed node(s))" if len(failed) > 1 else ""
    return f"{kind} {name} {verb}: {first_line(first.get('message'))}{more}"


@dataclass(frozen=True)
class ResultsSummary:
    invocation_id: str | None
    models: int
    seeds: int
    tests: int
    unit_tests: int
    warnings: tuple[str, ...]
    singular_tests: dict[str, str]
    models_by_layer: dict[str, int]
    elapsed_seconds: float
    # each node the run finished and its status (success, pass, warn …), in the order the nodes finished: a node
    # finishes after every node it reads
    node_statuses: dict[str, str]


def summarise(run_results: dict, fqns: dict[str, list[str]] | None = None) -> ResultsSummary:
    """Counts of what ran (skipped nodes left out), the tests that warned, the singular tests' outcomes, every
    node's status, and, given the nodes' fqns, the models by layer (their folder under models/)."""
    results = run_results.get("results", [])
    ran = [r for r in results if r["status"] != "skipped"]
    kinds = Counter(r["unique_id"].split(".")[0] for r in ran)
    layers = Counter(_layer((fqns or {}).get(r["unique_id"], [])) for r in results if r["unique_id"].startswith("model."))
    return ResultsSummary(
        invocation_id=run_results.get("metadata", {}).get("invocation_id"),
        models=kinds["model"],
        seeds=kinds["seed"],
        tests=kinds["test"],
        unit_tests=kinds["unit_test"],
        warnings=tuple(node_kind_and_name(r["unique_id"])[1] for r in results if r["status"] == "warn"),
        singular_tests={
            node_kind_and_name(r["unique_id"])[1]: r["status"] for r in results if is_singular_test(r["unique_id"])
        },
        models_by_layer=dict(layers),
        elapsed_seconds=float(run_results.get("elapsed_time") or 0.0),
        node_statuses={r["unique_id"]: r["status"] for r in results},
    )


def _layer(fqn: list[str]) -> str:
    """fqn is [project, folder, ..., model]: the first folder under models/ is the layer."""
    return fqn[1] if len(fqn) > 2 else "other"


def read_manifest(target_dir: Path) -> dict | None:
    path = Path(target_dir) / "manifest.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


# --- the run's log and progress ----------------------------------------------------------------------------

# dbt's own file log: files of 10 MB, five kept (its defaults)
LOG_FILE_MAX_BYTES = 10 * 1024 * 1024
LOGGED_LEVELS = ("info", "warn", "error")


class RunLog:
    """An in-process run's log file (`logs/dbt.log`) as dbt writes it at info level, from dbt's events.

    dbt's own file logger formats every event as a line, scrubbed of secrets, before Python's logging drops the lines
    below the file's level: at info about 2 000 lines a build (every statement's SQL among them) for the 150 it keeps,
    5 % of a build's time (docs/architecture.md, "Running dbt"). This formats only the events at info and above, the
    way dbt does, into the same rotating file."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.handler = RotatingFileHandler(path, maxBytes=LOG_FILE_MAX_BYTES, backupCount=5, encoding="utf-8")

    def __enter__(self) -> "RunLog":
        return self

    def __exit__(self, *exc) -> None:
        self.handler.close()

    def __call__(self, event) -> None:
        info = event.info
        if info.level not in LOGGED_LEVELS:  # most events: every statement's, at debug
            return
        from dbt_common.events.format import timestamp_to_datetime_string
        from dbt_common.exceptions.base import env_secrets, scrub_secrets

        at = timestamp_to_datetime_string(info.ts)
        line = f"{at} [{info.level:<5}] [{info.thread}]: {info.msg}"
        if info.name == "MainReportVersion":  # a run's first line: dbt opens it with a separator, so do we
            line = f"\n\n{'=' * 30} {at} | {info.invocation_id} {'=' * 30}\n{line}"
        # the handler takes its own lock: dbt's threads call back at once
        self.handler.handle(logging.makeLogRecord({"msg": scrub_secrets(line, env_secrets())}))


class NodeProgress:
    """dbt's events as one line per finished node: "[12/45] model marts.fct_park_quarter ok 0.4 s".

    dbtRunner hands every event to its callbacks whatever the console log level; NodeFinished carries the
    node and its result, and the events that open a node's console line carry the number of selected nodes.
    """

    SHOWN_STATUS = {"success": "ok", "pass": "ok"}

    def __init__(self, say: Callable[[str], None]):
        self.say = say
        self.done = 0
        self.total: int | None = None

    def __call__(self, event) -> None:
        name = event.info.name
        if self.total is None and name in ("LogStartLine", "SkippingDetails"):
            self.total = event.data.total
        if name != "NodeFinished":
            return
        node, result = event.data.node_info, event.data.run_result
        if node.resource_type not in ("model", "seed", "test", "unit_test", "snapshot"):
            return
        self.done += 1
        in_schema = node.resource_type in ("model", "seed")
        where = f"{node.node_relation.schema}.{node.node_name}" if in_schema else node.node_name
        status = self.SHOWN_STATUS.get(result.status, result.status)
        count = f"{self.done}/{self.total}" if self.total else str(self.done)
        self.say(f"[{count}] {node.resource_type.replace('_', ' ')} {where} {status} {result.execution_time:.1f} s")
