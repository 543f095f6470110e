"""The `nhtz` command line: each command calls one library function and prints its result for people."""

from functools import wraps
from pathlib import Path
from typing import Annotated, Optional

import typer

from nhtz import __version__
from nhtz.errors import NhtzError
from nhtz.home import resolve_home


def examples(*lines: str) -> str:
    """A command's help epilog: one example per line (rich keeps the line breaks of an epilog paragraph)."""
    return "Examples:\n\n" + "\n".join(lines)


# Paragraphs are single lines: the help renderer keeps line breaks, and wraps to the terminal itself.
HELP = "\n\n".join(
    [
        "nhtz: 国家高新区季度经济运行分析数据仓库 (quarterly analysis of China's national high-tech zones).",
        "Every command works on one warehouse home folder: landing/ (new submissions), nhtz.duckdb (the working "
        "database), serving/nhtz.duckdb (what readers open), reports/, and an optional nhtz.toml of settings. "
        "Choose it with --home DIR on any command, or once for the shell with the environment variable "
        "NHTZ_HOME; with neither, ./warehouse in the current folder is used.",
        "The definitions of every published figure are in docs/methodology.md.",
    ]
)

EXAMPLES = {
    "nhtz": examples(
        "nhtz demo --home /tmp/nhtz                 # a whole synthetic warehouse",
        "export NHTZ_HOME=/data/nhtz                # no --home needed from here on",
        "cp /data/2024Q2/*.xlsx $NHTZ_HOME/landing/ && nhtz run 2024Q2",
        "nhtz sql \"select * from marts.national_quarter where quarter = '2024Q2'\"",
        "nhtz report --help                         # every command has examples",
    ),
    "demo": examples("nhtz demo --home /tmp/nhtz", "NHTZ_HOME=/tmp/nhtz nhtz demo"),
    "synth": examples("nhtz synth --out /tmp/submissions", "nhtz synth --out /tmp/tidy --from 2023Q1 --to 2024Q2 --clean"),
    "ingest": examples("nhtz ingest /data/2024Q2/", "nhtz ingest 兰州_2024年1-6月.xlsx 大连_2024Q2.csv --home /data/nhtz"),
    "build": examples("nhtz build", "nhtz build --full-refresh --home /data/nhtz"),
    "docs": examples("nhtz docs --home /data/nhtz"),
    "check": examples("nhtz check", "nhtz check --home /data/nhtz && nhtz publish --home /data/nhtz"),
    "publish": examples("nhtz publish", "nhtz publish --allow-partial     # fewer parks reported than the minimum"),
    "run": examples("nhtz run 2024Q2", "nhtz run 2024Q2 --home /data/nhtz --allow-partial"),
    "report": examples("nhtz report 2024Q2", "nhtz report 2024Q2 --out /tmp/report"),
    "feedback": examples("nhtz feedback 2024Q2", "nhtz feedback 2024Q2 --out /tmp/feedback"),
    "sql": examples(
        "nhtz sql \"select quarter, indicator_code, value_ytd from marts.national_quarter\"",
        "nhtz sql \"select * from audit.findings\" --format csv > findings.csv",
    ),
    "explain": examples(
        "nhtz explain 2024Q2 gdp                     # the national total, park by park",
        "nhtz explain 2024Q2 园区生产总值 --park 苏州工业园区",
        "nhtz explain 2024Q2 rd_intensity --region 西部 --format json",
    ),
    "metrics": examples(
        "nhtz metrics gdp,rd_intensity --quarter 2024Q2",
        "nhtz metrics revenue --by region --from 2023Q1 --to 2024Q2 --format csv",
    ),
    "status": examples("nhtz status", "nhtz status --home /data/nhtz"),
}

app = typer.Typer(
    help=HELP,
    epilog=EXAMPLES["nhtz"],
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

HomeOption = Annotated[
    Optional[Path],
    typer.Option("--home", help="Warehouse home folder (default: $NHTZ_HOME, else ./warehouse)."),
]


def show_version(value: bool) -> None:
    if value:
        typer.echo(f"nhtz {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", help="Show the installed nhtz version and exit.", is_eager=True,
                     callback=show_version),
    ] = False,
):
    pass


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


@app.command(epilog=EXAMPLES["demo"])
@people_errors
def demo(home: HomeOption = None):
    """Synthetic submissions for every park 2019Q1–2026Q3: land, build, check, publish, report."""
    from nhtz.pipeline import demo as run_demo

    summary = run_demo(resolve_home(home), say=say)
    typer.echo(summary.describe())


@app.command(epilog=EXAMPLES["synth"])
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


@app.command(epilog=EXAMPLES["ingest"])
@people_errors
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Submission files or folders of them.")],
    home: HomeOption = None,
    new_vintage: Annotated[
        bool,
        typer.Option(
            "--new-vintage",
            help="Land these files again as a new vintage even if their content landed before "
            "(to restore values after a wrong correction).",
        ),
    ] = False,
):
    """Land submission files in the working database; print rows read / landed / quarantined per file."""
    from nhtz.ingest import land_paths

    results = land_paths(resolve_home(home), paths, say=say, new_vintage=new_vintage)
    for result in results:
        typer.echo(result.describe())
    refused = [r for r in results if r.status == "refused"]
    if refused:
        raise typer.Exit(2)


@app.command(epilog=EXAMPLES["build"])
@people_errors
def build(
    home: HomeOption = None,
    full_refresh: Annotated[bool, typer.Option("--full-refresh", help="Rebuild incremental models from scratch.")] = False,
):
    """Run the dbt project (models and their tests) on the working database."""
    from nhtz.build import build as run_build

    result = run_build(resolve_home(home), full_refresh=full_refresh, say=say)
    typer.echo(result.describe())


@app.command(epilog=EXAMPLES["docs"])
@people_errors
def docs(home: HomeOption = None):
    """dbt's documentation of the built warehouse (lineage, Chinese column descriptions) as one offline HTML file."""
    from nhtz.build import generate_docs

    typer.echo(generate_docs(resolve_home(home), say=say))


@app.command(epilog=EXAMPLES["check"])
@people_errors
def check(home: HomeOption = None):
    """Run the data-quality suites and audit rules; exit 1 when the publication gate fails."""
    from data_quality.gate import check as run_check

    result = run_check(resolve_home(home), say=say)
    typer.echo(result.describe())
    if not result.passed:
        raise typer.Exit(1)


@app.command(epilog=EXAMPLES["publish"])
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


@app.command(epilog=EXAMPLES["run"])
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


@app.command(epilog=EXAMPLES["report"])
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


@app.command(epilog=EXAMPLES["feedback"])
@people_errors
def feedback(
    quarter: Annotated[str, typer.Argument(help="Quarter whose audit findings go back to the parks, YYYYQn.")],
    home: HomeOption = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Folder for the workbook (default: HOME/reports/QUARTER).")] = None,
):
    """The audit findings of a quarter as a workbook to send back to the parks (审核反馈): what to correct or explain."""
    from nhtz.report.feedback import write_park_feedback

    typer.echo(write_park_feedback(resolve_home(home), quarter, out_dir=out, say=say))


@app.command(epilog=EXAMPLES["sql"])
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


@app.command(epilog=EXAMPLES["explain"])
@people_errors
def explain(
    quarter: Annotated[str, typer.Argument(help="Quarter of the value, YYYYQn.")],
    indicator: Annotated[str, typer.Argument(help="Indicator code or Chinese name, e.g. gdp or 园区生产总值.")],
    park: Annotated[
        Optional[str], typer.Option("--park", help="A park's value: its id, official name, short name or alias.")
    ] = None,
    region: Annotated[
        Optional[str], typer.Option("--region", help="A region's total (东部, 中部, 西部, 东北); neither: national.")
    ] = None,
    home: HomeOption = None,
    output_format: Annotated[str, typer.Option("--format", help="text (for people) or json (docs/explain.md).")] = "text",
):
    """How a published value was made: every vintage and file, the conversion, the arithmetic and the findings."""
    from nhtz.explain import explain as explain_value, render

    typer.echo(render(explain_value(resolve_home(home), quarter, indicator, park=park, region=region), output_format))


@app.command(epilog=EXAMPLES["metrics"])
@people_errors
def metrics(
    names: Annotated[str, typer.Argument(help="Metrics, comma-separated: an indicator code each, e.g. gdp,rd_intensity.")],
    by: Annotated[Optional[str], typer.Option("--by", help="region, province or park.")] = None,
    quarter: Annotated[Optional[str], typer.Option("--quarter", help="One quarter, YYYYQn.")] = None,
    start: Annotated[Optional[str], typer.Option("--from", help="First quarter, YYYYQn.")] = None,
    end: Annotated[Optional[str], typer.Option("--to", help="Last quarter, YYYYQn.")] = None,
    home: HomeOption = None,
    output_format: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
):
    """Metrics from the semantic layer (MetricFlow) on the serving database; ratios are Σnumerator / Σdenominator."""
    from nhtz.metrics import answer_metrics
    from nhtz.serving import format_result

    result = answer_metrics(
        resolve_home(home), names.split(","), by=by, quarter=quarter, start=start, end=end, say=say
    )
    typer.echo(format_result(result, output_format))


@app.command(epilog=EXAMPLES["status"])
@people_errors
def status(home: HomeOption = None):
    """What is loaded: periods, parks, files, last build, last publish."""
    from nhtz.status import describe_status

    typer.echo(describe_status(resolve_home(home)))


if __name__ == "__main__":
    app()
