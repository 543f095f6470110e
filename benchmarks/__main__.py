"""Run every benchmark and write benchmarks/results/ (JSON and Markdown, with machine and date).

    python -m benchmarks                 # everything, 3 repeats
    python -m benchmarks --repeats 1     # a quick look
    python -m benchmarks hostile         # the hostile-file corpus through nhtz ingest (benchmarks/hostile.py)
"""

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from benchmarks import dbt_overhead, pandas_baseline, pipeline
from benchmarks.harness import Results, write


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["hostile"]:
        from benchmarks import hostile

        return hostile.main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--bi-runs", type=int, default=100)
    parser.add_argument("--workdir", type=Path, default=None, help="scratch folder (default: a temporary one)")
    parser.add_argument("--skip-enterprise", action="store_true", help="skip the enterprise microdata roll-up")
    parser.add_argument("--enterprises", type=int, nargs="*", default=[25_000, 100_000, 250_000])
    args = parser.parse_args(argv)

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="nhtz-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    results = Results()
    try:
        home = pipeline.full_pipeline(results, workdir, args.repeats, say)
        pipeline.new_quarter(results, workdir, home, args.repeats, say)
        results.ratio(
            "build after one new quarter / full build",
            "new quarter: build",
            "build: full dbt build (seeds, models, tests)",
            target=0.5,
            note="park-level models are rebuilt in full (docs/marts.md): a new quarter costs what a full build does",
        )
        dbt_overhead.direct_sql_floor(results, home, workdir, args.repeats, say)
        results.ratio(
            "dbt overhead: full build / direct SQL floor",
            "build: full dbt build (seeds, models, tests)",
            "floor: compiled models run straight in DuckDB",
            target=2.5,
            note="the build also loads seeds and runs every data test; the floor runs only the models' SQL",
        )
        pandas_baseline.pandas_vs_dbt(results, home, args.repeats, say)
        results.ratio(
            "pandas baseline / dbt models",
            "pandas: national_quarter + park_ranking + contribution",
            "dbt: the same three models (execution time)",
            note="dbt's time includes materialising with contracts and comments; pandas only computes in memory",
        )
        results.ratio(
            "pandas baseline / the same SQL straight in DuckDB",
            "pandas: national_quarter + park_ranking + contribution",
            "floor: the same three marts' SQL straight in DuckDB",
            target=2.0,
            at_least=True,
            note="above 1 means the marts' SQL is faster than the pandas a user would write; the SQL also writes "
            "its tables into the database file, pandas only computes in memory",
        )
        pipeline.bi_latency(results, home, args.bi_runs, say)
        if not args.skip_enterprise:
            from benchmarks import enterprise

            enterprise.rollup_scaling(results, workdir, args.enterprises, say)
    finally:
        json_path, md_path = write(results)
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    say(f"results: {json_path} and {md_path}")
    print(md_path.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
