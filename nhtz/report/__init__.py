"""The quarterly economic-situation analysis report (`nhtz report QUARTER`): an Excel workbook and an HTML page.

Reads only the published serving database (the marts and audit.findings), read-only. The park feedback workbook
(`nhtz.report.feedback`) sits beside it and shares its Excel helper (`nhtz.report.excel`). Heavy imports
(pandas, plotly) happen inside `write_report`, so importing this package for the feedback workbook stays cheap.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from nhtz.home import Home
from nhtz.quarters import parse_quarter, quarter_label
from nhtz.report.output import make_folder, write_atomically
from nhtz.progress import quiet

__all__ = ["ReportPaths", "write_report"]


@dataclass(frozen=True)
class ReportPaths:
    quarter: str
    xlsx: Path
    html: Path

    def describe(self) -> str:
        return "\n".join(
            [
                f"report {self.quarter}",
                f"  workbook (Excel): {self.xlsx}",
                f"  page (HTML):      {self.html}",
            ]
        )


def write_report(
    home: Home, quarter: str, out_dir: Path | None = None, say: Callable[[str], None] = quiet
) -> ReportPaths:
    from nhtz.report.data import load_report_data
    from nhtz.report.narrative import narrative_facts
    from nhtz.report.page import write_page
    from nhtz.report.workbook import write_workbook

    quarter = quarter_label(*parse_quarter(quarter))
    say(f"reading the published marts for {quarter} from {home.serving_db}")
    data = load_report_data(home, quarter)
    out = make_folder(Path(out_dir) if out_dir is not None else home.reports / quarter)
    paths = ReportPaths(quarter, out / f"nhtz_report_{quarter}.xlsx", out / f"nhtz_report_{quarter}.html")
    say(f"writing {paths.xlsx.name}")
    write_atomically(paths.xlsx, lambda path: write_workbook(data, path))
    say(f"writing {paths.html.name}")
    facts = narrative_facts(data)
    write_atomically(paths.html, lambda path: write_page(data, facts, path))
    return paths
