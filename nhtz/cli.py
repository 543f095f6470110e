"""The `nhtz` command line: each command calls one library function and prints its result for people."""

from functools import wraps
from pathlib import Path
from typing import Annotated, Optional

import typer

from nhtz.errors import NhtzError
from nhtz.home import resolve_home

app = typer.Typer(
    help="nhtz: 国家高新区季度经济运行分析数据仓库 (quarterly analysis of China's national high-tech zones).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

HomeOption = Annotated[
    Optional[Path],
    typer.Option("--home", help="Warehouse home folder (default: $NHTZ_HOME, else ./warehouse)."),
]


def say(message: str) -> None:
    typer.echo(message, err=True)


def people_errors(command):
    """Turn NhtzError into one line on stderr and its exit code: people never see a traceback."""

    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except NhtzError as error:
            typer.echo(f"nhtz: error: {error}", err=True)
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("nhtz: interrupted", err=True)
            raise typer.Exit(130) from None

    return wrapper


@app.command()
@people_errors
def demo(home: HomeOption = None):
    """Synthetic submissions for every park 2019Q1–2026Q3: land, build, check, publish, report."""
    from nhtz.pipeline import demo as run_demo

    summary = run_demo(resolve_home(home), say=say)
    typer.echo(summary.describe())


@app.command()
@people_errors
def synth(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the submission files into.")],
    start: Annotated[str, typer.Option("--from", help="First quarter, YYYYQn.")] = "2019Q1",
    end: Annotated[str, typer.Option("--to", help="Last quarter, YYYYQn.")] = "2026Q3",
    seed: Annotated[int, typer.Option("--seed", help="Random seed: the same seed gives the same files.")] = 2024,
    clean: Annotated[bool, typer.Option("--clean", help="Tidy files instead of realistically messy ones.")] = False,
):
    """Write synthetic park submissions in the real, messy formats."""
    from nhtz.synth import write_submissions

    result = write_submissions(out, start=start, end=end, seed=seed, clean=clean, say=say)
    typer.echo(result.describe())


@app.command()
@people_errors
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Submission files or folders of them.")],
    home: HomeOption = None,
):
    """Land submission files in the working database; print rows read / landed / quarantined per file."""
    from nhtz.ingest import land_paths

    results = land_paths(resolve_home(home), paths, say=say)
    for result in results:
        typer.echo(result.describe())
    refused = [r for r in results if r.status == "refused"]
    if refused:
        raise typer.Exit(2)


@app.command()
@people_errors
def build(
    home: HomeOption = None,
    full_refresh: Annotated[bool, typer.Option("--full-refresh", help="Rebuild incremental models from scratch.")] = False,
):
    """Run the dbt project (models and their tests) on the working database."""
    from nhtz.build import build as run_build

    result = run_build(resolve_home(home), full_refresh=full_refresh, say=say)
    typer.echo(result.describe())


@app.command()
@people_errors
def docs(home: HomeOption = None):
    """dbt's documentation of the built warehouse (lineage, Chinese column descriptions) as one offline HTML file."""
    from nhtz.build import generate_docs

    typer.echo(generate_docs(resolve_home(home), say=say))


@app.command()
@people_errors
def check(home: HomeOption = None):
    """Run the data-quality suites and audit rules; exit 1 when the publication gate fails."""
    from data_quality.gate import check as run_check

    result = run_check(resolve_home(home), say=say)
    typer.echo(result.describe())
    if not result.passed:
        raise typer.Exit(1)


@app.command()
@people_errors
def publish(
    home: HomeOption = None,
    allow_partial: Annotated[
        bool, typer.Option("--allow-partial", help="Publish even when fewer active parks reported than the minimum.")
    ] = False,
):
    """Publish the checked working database as the serving database, atomically."""
    from nhtz.publish import publish as run_publish

    result = run_publish(resolve_home(home), allow_partial=allow_partial, say=say)
    typer.echo(result.describe())


@app.command()
@people_errors
def run(
    quarter: Annotated[str, typer.Argument(help="Quarter to analyse, YYYYQn.")],
    home: HomeOption = None,
    allow_partial: Annotated[bool, typer.Option("--allow-partial")] = False,
):
    """One quarterly analysis run: ingest the landing folder, build, check, publish, report."""
    from nhtz.pipeline import run_quarter

    summary = run_quarter(resolve_home(home), quarter, allow_partial=allow_partial, say=say)
    typer.echo(summary.describe())


@app.command()
@people_errors
def report(
    quarter: Annotated[str, typer.Argument(help="Quarter to report, YYYYQn.")],
    home: HomeOption = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Folder for the report (default: HOME/reports/QUARTER).")] = None,
):
    """The quarterly analysis report: an Excel workbook and an HTML page with charts."""
    from nhtz.report import write_report

    paths = write_report(resolve_home(home), quarter, out_dir=out, say=say)
    typer.echo(paths.describe())


@app.command()
@people_errors
def feedback(
    quarter: Annotated[str, typer.Argument(help="Quarter whose audit findings go back to the parks, YYYYQn.")],
    home: HomeOption = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Folder for the workbook (default: HOME/reports/QUARTER).")] = None,
):
    """The audit findings of a quarter as a workbook to send back to the parks (审核反馈): what to correct or explain."""
    from data_quality.feedback import write_park_feedback

    typer.echo(write_park_feedback(resolve_home(home), quarter, out_dir=out, say=say))


@app.command()
@people_errors
def sql(
    query: Annotated[str, typer.Argument(help="A read-only SQL query on the serving database.")],
    home: HomeOption = None,
    output_format: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
):
    """A read-only query on the serving database."""
    from nhtz.serving import format_result, run_query

    result = run_query(resolve_home(home), query)
    typer.echo(format_result(result, output_format))


@app.command()
@people_errors
def status(home: HomeOption = None):
    """What is loaded: periods, parks, files, last build, last publish."""
    from nhtz.status import describe_status

    typer.echo(describe_status(resolve_home(home)))


if __name__ == "__main__":
    app()
