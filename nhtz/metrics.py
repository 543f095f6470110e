"""`nhtz metrics`: indicators answered by the MetricFlow semantic layer over the published marts.

The semantic layer (dbt_project/models/semantic/) has one metric per indicator of the dictionary
(seeds/indicators.csv): flows and stocks as Σ value_ytd over the parks, ratios as Σ numerator / Σ denominator
over the parks that have both, each beside `<code>_n_parks`, and flows' single quarters as `<code>_q`. Only the
values the marts aggregate count: no value with an error finding, no null derived value (docs/explain.md).

Its YAML is written from the dictionary by `write_semantic_layer` (run `python -m nhtz.metrics` after changing
the dictionary; tests/test_metrics.py fails while the two disagree).
"""

import csv
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

import yaml
from rapidfuzz import fuzz, process

from nhtz import dbt_runner
from nhtz.dbt_runner import DbtWorkspace
from nhtz.errors import NhtzError
from nhtz.home import Home
from nhtz.project import DBT_PROJECT_DIR, SEEDS_DIR
from nhtz.quarters import parse_quarter
from nhtz.serving import QueryResult
from nhtz.progress import quiet

SEMANTIC_DIR = DBT_PROJECT_DIR / "models" / "semantic"
# the values the marts aggregate (is_usable): a value with an error finding counts nowhere; a value computed from
# one (derived_from_error) is null itself, or, for a flow whose single quarter or growth used it, keeps its own
# year-to-date figure, which counts, while the null derived figures drop out of every sum
USABLE = "quality_status <> 'error' and value_ytd is not null"
GENERATED_NOTE = (
    "# Written by `python -m nhtz.metrics` from seeds/indicators.csv: change the dictionary or the generator,\n"
    "# not this file (tests/test_metrics.py checks that the two agree).\n"
)


def read_indicators(seeds_dir: Path = SEEDS_DIR) -> list[dict]:
    """The dictionary's indicators that the marts aggregate (flows, stocks, ratios), in its order."""
    with (seeds_dir / "indicators.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    kept = [row for row in rows if row["kind"] in ("flow", "stock", "ratio")]
    return sorted(kept, key=lambda row: int(row["sort_order"]))


def _usable(column: str, code: str) -> str:
    return f"case when indicator_code = '{code}' and {USABLE} then {column} end"


def _measure(name: str, agg: str, expr: str, description: str) -> dict:
    # year-to-date figures and stocks do not add up over quarters: at a coarser grain (a year) the last quarter's
    # value stands for the period, as Q4's year-to-date is the year's total
    last_quarter = {"name": "quarter_end", "window_choice": "max"}
    return {"name": name, "agg": agg, "expr": expr, "description": description, "non_additive_dimension": last_quarter}


def _value_measures(indicator: dict) -> list[dict]:
    code, name = indicator["indicator_code"], indicator["name_zh"]
    measures = [
        _measure(f"{code}_ytd", "sum", _usable("value_ytd", code), f"{name}：园区值之和（{indicator['unit']}）"),
        _measure(f"{code}_parks", "count_distinct", _usable("park_id", code), f"{name}：计入的园区数"),
    ]
    if indicator["kind"] == "flow":
        measures.append(
            _measure(f"{code}_q", "sum", _usable("value_q", code), f"{name}单季值：园区单季值之和（{indicator['unit']}）")
        )
    return measures


def _ratio_measures(indicator: dict) -> list[dict]:
    # the multiplier (× 100, × 10 000) is constant per ratio, so Σ(numerator × m) / Σ denominator = m × Σ/Σ
    code, name = indicator["indicator_code"], indicator["name_zh"]
    return [
        _measure(
            f"{code}_numerator", "sum", _usable(f"numerator_ytd * {float(indicator['multiplier']):g}", code),
            f"{name}的分子（{indicator['numerator']} × {float(indicator['multiplier']):g}）之和",
        ),
        _measure(f"{code}_denominator", "sum", _usable("denominator_ytd", code),
                 f"{name}的分母（{indicator['denominator']}）之和"),
        _measure(f"{code}_parks", "count_distinct", _usable("park_id", code), f"{name}：分子分母俱全的园区数"),
    ]


def _time_and_park(model: str, description: str, measures: list[dict]) -> dict:
    return {
        "name": model.removeprefix("fct_"),
        "description": description,
        "model": f"ref('{model}')",
        "defaults": {"agg_time_dimension": "quarter_end"},
        # one row per park, quarter and indicator: the grain has no single column to name
        "primary_entity": f"{model.removeprefix('fct_')}_value",
        "entities": [{"name": "park", "type": "foreign", "expr": "park_id"}],
        "dimensions": [
            {
                "name": "quarter_end",
                "type": "time",
                "description": "季末日期。Last day of the quarter.",
                "type_params": {"time_granularity": "quarter"},
            },
            {"name": "indicator_code", "type": "categorical", "description": "指标代码。Indicator code."},
            {"name": "quality_status", "type": "categorical", "description": "质量状态。Quality status."},
        ],
        "measures": measures,
    }


def semantic_models(indicators: list[dict]) -> dict:
    values = [i for i in indicators if i["kind"] != "ratio"]
    ratios = [i for i in indicators if i["kind"] == "ratio"]
    return {
        "version": 2,
        "semantic_models": [
            _time_and_park(
                "fct_park_quarter",
                "园区季度指标值（marts.fct_park_quarter），每个指标一组度量；error 与 derived_from_error 的值不计入。",
                [m for i in values for m in _value_measures(i)],
            ),
            _time_and_park(
                "fct_park_ratio_parts",
                "园区比率的分子与分母（marts.fct_park_ratio_parts），比率按 Σ分子 / Σ分母 汇总。",
                [m for i in ratios for m in _ratio_measures(i)],
            ),
            {
                "name": "parks",
                "description": "园区名录（marts.dim_park）：地区、省份、园区。",
                "model": "ref('dim_park')",
                "entities": [{"name": "park", "type": "primary", "expr": "park_id"}],
                "dimensions": [
                    {"name": "park_name", "type": "categorical", "description": "园区名称。Official name."},
                    {"name": "short_name", "type": "categorical", "description": "园区简称。Short name."},
                    {"name": "province", "type": "categorical", "description": "省份。Province."},
                    {"name": "region", "type": "categorical", "description": "地区（东部、中部、西部、东北）。Region."},
                ],
            },
        ],
    }


def _simple(name: str, label: str, measure: str, description: str) -> dict:
    return {"name": name, "label": label, "description": description, "type": "simple",
            "type_params": {"measure": measure}}


def metrics(indicators: list[dict]) -> dict:
    out = []
    for indicator in indicators:
        code, name, unit = indicator["indicator_code"], indicator["name_zh"], indicator["unit"]
        if indicator["kind"] == "ratio":
            out.append({
                "name": code,
                "label": f"{name}（{unit}）",
                "description": f"{name} = Σ{indicator['numerator']} / Σ{indicator['denominator']} × "
                               f"{float(indicator['multiplier']):g}，只计分子分母俱全的园区，从不平均园区比率。",
                "type": "ratio",
                "type_params": {"numerator": f"{code}_numerator", "denominator": f"{code}_denominator"},
            })
            out.append(_simple(f"{code}_numerator", f"{name}分子", f"{code}_numerator",
                               f"{name}的分子之和（已乘 {float(indicator['multiplier']):g}）"))
            out.append(_simple(f"{code}_denominator", f"{name}分母", f"{code}_denominator", f"{name}的分母之和"))
        else:
            out.append(_simple(code, f"{name}（{unit}）", f"{code}_ytd",
                               f"{name}：园区{'年初至季末累计值' if indicator['kind'] == 'flow' else '季末值'}之和"))
            if indicator["kind"] == "flow":
                out.append(_simple(f"{code}_q", f"{name}单季值（{unit}）", f"{code}_q", f"{name}：园区单季值之和"))
        out.append(_simple(f"{code}_n_parks", f"{name}园区数", f"{code}_parks", f"{name}：计入汇总的园区数"))
    return {"version": 2, "metrics": out}


def semantic_layer_files(seeds_dir: Path = SEEDS_DIR) -> dict[str, str]:
    """The generated YAML files of the semantic layer, by file name."""
    indicators = read_indicators(seeds_dir)

    def dump(document: dict) -> str:
        return GENERATED_NOTE + yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=200)

    return {"semantic_models.yml": dump(semantic_models(indicators)), "metrics.yml": dump(metrics(indicators))}


def write_semantic_layer(out_dir: Path = SEMANTIC_DIR, seeds_dir: Path = SEEDS_DIR) -> list[Path]:
    written = []
    for file_name, text in semantic_layer_files(seeds_dir).items():
        path = out_dir / file_name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


# --- answering: MetricFlow over the serving database -------------------------------------------------------------

GROUPINGS = {"region": ["park__region"], "province": ["park__province"], "park": ["park", "park__park_name"]}
TIME = "metric_time__quarter"


@dataclass(frozen=True)
class ServingWorkspace(DbtWorkspace):
    """The one dbt runner's workspace for the serving database, opened read-only (directly, not attached as a
    writer's is): the semantic layer only reads."""

    def database(self, path: str) -> dict:
        return {"path": path, "config_options": {"access_mode": "READ_ONLY"}}


def serving_workspace(home: Home) -> ServingWorkspace:
    """Beside the build's workspace (HOME/dbt), with its own profile, target and partial-parse state."""
    return ServingWorkspace(db_path=home.serving_db, folder=home.root / "dbt" / "serving", threads=1)


def parse_semantic_manifest(home: Home) -> Path:
    """dbt parse through the one runner, with the serving profile: it writes the semantic manifest and leaves dbt's
    DuckDB adapter set up for the serving file, which MetricFlow then queries through."""
    workspace = serving_workspace(home)
    run = dbt_runner.invoke(workspace, ["parse"])
    if not run.success:
        raise NhtzError(f"the semantic layer did not parse: {run.failure_line()} (log: {workspace.log_file})")
    return workspace.target_dir / "semantic_manifest.json"


def _quarter_start(text: str) -> datetime:
    year, quarter_num = parse_quarter(text)
    return datetime(year, quarter_num * 3 - 2, 1)


def quarter_window(quarter: str | None, start: str | None, end: str | None) -> tuple[datetime | None, datetime | None]:
    """--quarter Q, or --from Q1 --to Q2 (either may be left open), as MetricFlow's time constraint."""
    if quarter and (start or end):
        raise NhtzError("give --quarter or --from/--to, not both")
    first, last = (quarter, quarter) if quarter else (start, end)
    begin = _quarter_start(first) if first else None
    finish = _quarter_start(last) if last else None
    if begin and finish and begin > finish:
        raise NhtzError(f"quarter range {first}..{last} is empty: {first} comes after {last}")
    return begin, finish


def _quarter_text(value) -> str:
    return f"{value.year}Q{(value.month - 1) // 3 + 1}"


class SemanticLayer:
    """MetricFlow's engine over the serving database and the semantic manifest it answers from."""

    def __init__(self, engine, manifest, sql_client):
        self.engine = engine
        self.manifest = manifest
        self.sql_client = sql_client
        self.metric_names = sorted(metric.name for metric in manifest.metrics)

    def requested(self, names: list[str]) -> list[str]:
        """The metrics asked for, each followed by its park count (when it has one and it was not asked for)."""
        wanted = [name.strip() for name in names if name.strip()]
        if not wanted:
            raise NhtzError("name at least one metric, e.g. `nhtz metrics gdp,rd_intensity`")
        for name in wanted:
            if name not in self.metric_names:
                nearest = process.extract(name, self.metric_names, scorer=fuzz.ratio, limit=3)
                nearest = ", ".join(choice for choice, _score, _index in nearest)
                raise NhtzError(f"unknown metric {name!r} (closest: {nearest}); every indicator code is a metric")
        out = []
        for name in wanted:
            for metric in (name, f"{name}_n_parks"):
                if metric in self.metric_names and metric not in out and (metric == name or metric not in wanted):
                    out.append(metric)
        return out

    def answer(
        self, names: list[str], by: str | None = None, quarter: str | None = None, start: str | None = None,
        end: str | None = None,
    ) -> QueryResult:
        """Metrics per quarter (and region, province or park), as `nhtz sql` returns rows."""
        from metricflow.engine.metricflow_engine import MetricFlowQueryRequest

        if by is not None and by not in GROUPINGS:
            raise NhtzError(f"--by {by!r}: use one of {', '.join(GROUPINGS)}")
        begin, finish = quarter_window(quarter, start, end)
        metrics_asked = self.requested(names)
        group_by = [TIME, *GROUPINGS.get(by, [])]
        request = MetricFlowQueryRequest.create(
            metric_names=metrics_asked,
            group_by_names=group_by,
            time_constraint_start=begin,
            time_constraint_end=finish,
            order_by_names=group_by,
        )
        try:
            table = self.engine.query(request).result_df
        except Exception as error:  # MetricFlow's errors share no base class; one line for people either way
            raise NhtzError(f"metrics query failed: {dbt_runner.first_line(error)}") from None
        names_out = ["quarter", *[GROUPED_NAMES[c] for c in group_by[1:]], *metrics_asked]
        positions = [table.column_names.index(c) for c in group_by + metrics_asked]
        rows = [(_quarter_text(row[positions[0]]), *(row[p] for p in positions[1:])) for row in table.rows]
        return QueryResult(names_out, rows)

    def validate(self) -> list[str]:
        """What `mf validate-configs` checks: the manifest's semantics, then every semantic model, dimension,
        entity, measure and metric queried against the serving database. The blocking issues, one line each."""
        from metricflow.validation.data_warehouse_model_validator import DataWarehouseModelValidator
        from metricflow_semantic_interfaces.validations.semantic_manifest_validator import SemanticManifestValidator

        results = [SemanticManifestValidator().validate_semantic_manifest(self.manifest)]
        warehouse = DataWarehouseModelValidator(sql_client=self.sql_client)
        for validation in (warehouse.validate_semantic_models, warehouse.validate_dimensions,
                           warehouse.validate_entities, warehouse.validate_simple_metrics, warehouse.validate_metrics):
            results.append(validation(self.manifest))
        return [issue.as_readable_str() for result in results for issue in result.errors]


# MetricFlow's names of the grouping columns, as nhtz metrics prints them
GROUPED_NAMES = {
    "park__region": "region", "park__province": "province", "park": "park_id", "park__park_name": "park_name",
}


@contextmanager
def open_semantic_layer(home: Home, say: Callable[[str], None] = quiet):
    """The semantic layer over this home's serving database (read-only); its connection is closed afterwards."""
    from dbt.adapters.factory import get_adapter_by_type
    from dbt_metricflow.cli.dbt_connectors.adapter_backed_client import AdapterBackedSqlClient
    from metricflow.engine.metricflow_engine import MetricFlowEngine
    from metricflow_semantics.model.dbt_manifest_parser import parse_manifest_from_dbt_generated_manifest
    from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup

    if not home.serving_db.exists():
        raise NhtzError(f"nothing is published yet in {home.root}: run `nhtz demo` or `nhtz run QUARTER` first")
    say("reading the semantic layer (dbt parse)")
    manifest_path = parse_semantic_manifest(home)
    manifest = parse_manifest_from_dbt_generated_manifest(manifest_path.read_text(encoding="utf-8"))
    adapter = get_adapter_by_type("duckdb")
    client = AdapterBackedSqlClient(adapter)
    try:
        yield SemanticLayer(MetricFlowEngine(SemanticManifestLookup(manifest), client), manifest, client)
    finally:
        # close the adapter's connections, and with the last one dbt-duckdb's DuckDB instance: until then the
        # serving file stays open in this process with the profile's configuration, and DuckDB refuses any other
        # connection to it here (nhtz explain, nhtz sql, a reader in the same Dagster process)
        adapter.cleanup_connections()
        dbt_runner.release_database()


def answer_metrics(
    home: Home,
    names: list[str],
    by: str | None = None,
    quarter: str | None = None,
    start: str | None = None,
    end: str | None = None,
    say: Callable[[str], None] = quiet,
) -> QueryResult:
    """`nhtz metrics`: the metrics asked for, from the semantic layer on the serving database."""
    # refuse what can be refused before dbt runs
    if by is not None and by not in GROUPINGS:
        raise NhtzError(f"--by {by!r}: use one of {', '.join(GROUPINGS)}")
    quarter_window(quarter, start, end)
    with open_semantic_layer(home, say) as layer:
        return layer.answer(names, by=by, quarter=quarter, start=start, end=end)


if __name__ == "__main__":
    for path in write_semantic_layer():
        print(path)
