"""The cell-by-cell comparison behind `make spark-check` (benchmarks/spark_check.py), on hand-made tables.

The check itself needs Java and a Spark session (minutes), so it runs as its own CI step; here is the logic that
decides whether two engines agree: matching rows on their exact cells, floating-point cells within 1e-9
relative, and counting what differs.
"""

import json
from datetime import date

from benchmarks.spark_check import PUBLISHED_SCHEMAS, Table, built_tables, compare
from nhtz.dbt_runner import DbtWorkspace

COLUMNS = ("park_id", "quarter", "indicator_code", "value_ytd", "yoy_ytd_pct", "quarter_end")
ROWS = [
    ("xiamen_huoju", "2023Q4", "gdp", 44.0, 10.0, date(2023, 12, 31)),
    ("guangzhou", "2023Q4", "gdp", 84.0, 5.0, date(2023, 12, 31)),
    ("wuhan_donghu", "2023Q4", "gdp", 24.0, None, date(2023, 12, 31)),
]


def duckdb_side(rows=ROWS, columns=COLUMNS) -> Table:
    return Table(columns, list(rows))


def with_cell(row_index: int, column: str, value, rows=ROWS) -> list[tuple]:
    changed = list(rows)
    row = list(changed[row_index])
    row[COLUMNS.index(column)] = value
    changed[row_index] = tuple(row)
    return changed


def test_identical_tables_agree_in_any_row_order():
    comparison = compare("marts.t", duckdb_side(), Table(COLUMNS, list(reversed(ROWS))))
    assert (comparison.rows_compared, comparison.rows_differing, comparison.first_difference) == (3, 0, None)


def test_spark_may_order_the_columns_differently():
    order = [5, 0, 3, 1, 4, 2]
    spark = Table(tuple(COLUMNS[i] for i in order), [tuple(row[i] for i in order) for row in ROWS])
    assert compare("marts.t", duckdb_side(), spark).rows_differing == 0


def test_floats_agree_within_one_billionth_relative_and_not_beyond():
    # 84 × (1 + 5e-10) is inside the tolerance, 84 × (1 + 2e-9) is not
    inside = compare("marts.t", duckdb_side(), Table(COLUMNS, with_cell(1, "value_ytd", 84.0 * (1 + 5e-10))))
    beyond = compare("marts.t", duckdb_side(), Table(COLUMNS, with_cell(1, "value_ytd", 84.0 * (1 + 2e-9))))
    assert inside.rows_differing == 0
    assert beyond.rows_differing == 1
    assert beyond.first_difference.startswith("value_ytd: duckdb 84.0, spark 84.00000016")


def test_zero_against_floating_noise_agrees_but_not_against_a_real_number():
    rows = with_cell(0, "yoy_ytd_pct", 0.0)
    noise = compare("marts.t", duckdb_side(rows), Table(COLUMNS, with_cell(0, "yoy_ytd_pct", 1e-15, rows)))
    real = compare("marts.t", duckdb_side(rows), Table(COLUMNS, with_cell(0, "yoy_ytd_pct", 1e-6, rows)))
    assert (noise.rows_differing, real.rows_differing) == (0, 1)


def test_null_matches_only_null():
    assert compare("marts.t", duckdb_side(), Table(COLUMNS, with_cell(2, "yoy_ytd_pct", 0.0))).rows_differing == 1
    nan_both = with_cell(2, "yoy_ytd_pct", float("nan"))
    assert compare("marts.t", duckdb_side(nan_both), Table(COLUMNS, nan_both)).rows_differing == 0


def test_a_text_cell_that_differs_makes_one_differing_row():
    # an audit message or rule list written differently: no Spark row equals the DuckDB row, and vice versa
    comparison = compare("marts.t", duckdb_side(), Table(COLUMNS, with_cell(0, "indicator_code", "GDP")))
    assert (comparison.rows_compared, comparison.rows_differing) == (3, 1)
    assert comparison.first_difference.startswith("only in ")


def test_missing_and_extra_rows_each_count():
    missing = compare("marts.t", duckdb_side(), Table(COLUMNS, ROWS[:2]))
    extra_row = ("lanzhou", "2023Q4", "gdp", 20.0, 25.0, date(2023, 12, 31))
    extra = compare("marts.t", duckdb_side(), Table(COLUMNS, [*ROWS, extra_row, extra_row]))
    assert (missing.rows_compared, missing.rows_differing) == (3, 1)
    assert "only in duckdb" in missing.first_difference and "wuhan_donghu" in missing.first_difference
    assert (extra.rows_compared, extra.rows_differing) == (5, 2)


def test_rows_with_the_same_exact_cells_pair_up_by_their_numbers():
    # two findings of one park and quarter differing only in the value: Spark returns them in the other order
    twins = [("a", "2023Q4", "gdp", 1.0, 2.0, None), ("a", "2023Q4", "gdp", 3.0, 1.0, None)]
    assert compare("audit.t", duckdb_side(twins), Table(COLUMNS, list(reversed(twins)))).rows_differing == 0


def test_different_columns_make_every_row_differ():
    spark = Table((*COLUMNS[:-1], "quarter_end_date"), list(ROWS))
    comparison = compare("marts.t", duckdb_side(), spark)
    assert comparison.rows_differing == 3
    assert comparison.first_difference == "columns differ: quarter_end, quarter_end_date"


def test_the_published_tables_are_the_models_dbt_built_in_marts_and_audit(tmp_path):
    workspace = DbtWorkspace(db_path=tmp_path / "w.duckdb", folder=tmp_path)
    workspace.target_dir.mkdir(parents=True)
    nodes = {
        "model.nhtz.fct_park_quarter": ("marts", "fct_park_quarter", "success"),
        "model.nhtz.findings": ("audit", "findings", "success"),
        "model.nhtz.int_park_quarter_values": ("intermediate", "int_park_quarter_values", "success"),
        "model.nhtz.park_ranking": ("marts", "park_ranking", "error"),
        "seed.nhtz.indicators": ("reference", "indicators", "success"),
    }
    manifest = {"nodes": {uid: {"resource_type": uid.split(".")[0], "schema": schema, "alias": alias}
                          for uid, (schema, alias, _) in nodes.items()}}
    results = {"results": [{"unique_id": uid, "status": status} for uid, (_, _, status) in nodes.items()]}
    (workspace.target_dir / "manifest.json").write_text(json.dumps(manifest))
    (workspace.target_dir / "run_results.json").write_text(json.dumps(results))
    assert built_tables(workspace, PUBLISHED_SCHEMAS) == ["audit.findings", "marts.fct_park_quarter"]
