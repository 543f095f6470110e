"""The quarterly analysis run as one chain (ingest → build → check → publish → feedback → report), and the demo."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from nhtz.errors import GateFailed
from nhtz.home import Home
from nhtz.quarters import parse_quarter, quarter_label
from nhtz.progress import quiet

DEMO_SEED = 2024
DEMO_FIRST_QUARTER = "2019Q1"
DEMO_LAST_QUARTER = "2026Q3"


@dataclass
class RunSummary:
    home: Home
    quarter: str
    files_landed: int = 0
    files_skipped: int = 0
    files_refused: list[str] = field(default_factory=list)
    rows_quarantined: int = 0
    gate: str = ""
    published: str = ""
    feedback: Path | None = None
    report_xlsx: Path | None = None
    report_html: Path | None = None

    def describe(self) -> str:
        home = self.home
        lines = [
            f"quarter {self.quarter} done in {home.root}",
            f"  submissions: {self.files_landed} files landed, {self.files_skipped} already landed, "
            f"{len(self.files_refused)} refused, {self.rows_quarantined} rows quarantined (see audit.quarantine)",
        ]
        lines += [f"  refused: {why}" for why in self.files_refused]
        lines += [
            f"  gate: {self.gate}",
            f"  working database: {home.working_db}",
            f"  serving database: {home.serving_db}  ({self.published})",
            f"  parquet copies:   {home.parquet_dir}",
        ]
        if self.feedback:
            lines.append(f"  park feedback:    {self.feedback}")
        if self.report_xlsx:
            lines.append(f"  report (Excel):   {self.report_xlsx}")
        if self.report_html:
            lines.append(f"  report (HTML):    {self.report_html}")
        lines.append(f'  query it:         nhtz sql --home {home.root} "select * from marts.national_quarter '
                     f"where quarter = '{self.quarter}'\"")
        return "\n".join(lines)


def run_quarter(home: Home, quarter: str, allow_partial: bool = False, say: Callable[[str], None] = quiet) -> RunSummary:
    """One quarterly analysis run over whatever is in the landing folder."""
    from nhtz.report.feedback import write_park_feedback
    from data_quality.gate import check
    from nhtz.build import build
    from nhtz.ingest import land_paths
    from nhtz.publish import publish
    from nhtz.report import write_report

    quarter = quarter_label(*parse_quarter(quarter))
    home.ensure()
    summary = RunSummary(home=home, quarter=quarter)

    say(f"[1/6] landing submissions from {home.landing}")
    for result in land_paths(home, [home.landing], say=say):
        if result.status == "landed":
            summary.files_landed += 1
            summary.rows_quarantined += result.rows_quarantined
        elif result.status == "skipped":
            summary.files_skipped += 1
        else:
            summary.files_refused.append(result.describe())

    say("[2/6] building the marts (dbt)")
    build(home, say=say)

    say(f"[3/6] checking (data-quality suites, audit rules, publication gate on the coverage of {quarter})")
    gate = check(home, quarter=quarter, say=say)
    if not gate.passed:
        raise GateFailed(f"publication gate failed for {quarter}; the serving copy is unchanged. Run `nhtz check` for details")
    summary.gate = f"passed, build {gate.build.short_id}"

    say("[4/6] publishing the serving copy")
    published = publish(home, allow_partial=allow_partial, say=say)
    summary.published = f"version {published.publish_id}, published {published.published_when()}"

    say("[5/6] writing park feedback")
    summary.feedback = write_park_feedback(home, quarter, say=say)

    say("[6/6] writing the quarterly report")
    paths = write_report(home, quarter, say=say)
    summary.report_xlsx, summary.report_html = paths.xlsx, paths.html
    return summary


def demo(home: Home, say: Callable[[str], None] = quiet) -> RunSummary:
    """Deterministic synthetic submissions for every park, run as the latest quarter's analysis."""
    from nhtz.synth import write_submissions

    home.ensure()
    target = home.landing / "synthetic"
    say(f"writing synthetic submissions {DEMO_FIRST_QUARTER}–{DEMO_LAST_QUARTER} (seed {DEMO_SEED}) into {target}")
    write_submissions(target, start=DEMO_FIRST_QUARTER, end=DEMO_LAST_QUARTER, seed=DEMO_SEED, say=say)
    return run_quarter(home, DEMO_LAST_QUARTER, say=say)
