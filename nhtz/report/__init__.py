"""The quarterly economic-situation analysis report (`nhtz report QUARTER`): an Excel workbook and an HTML page.

Reads only the published serving database (the CONTRACT.md marts and audit.findings), read-only.
"""

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from nhtz.errors import NhtzError
from nhtz.home import Home
from nhtz.quarters import parse_quarter, quarter_label
from nhtz.report.data import ReportData, load_report_data
from nhtz.report.narrative import build_narrative, narrative_facts
from nhtz.report.page import write_page
from nhtz.report.workbook import write_workbook

__all__ = ["ReportPaths", "write_report", "build_narrative", "narrative_facts", "load_report_data", "ReportData"]


def _quiet(_: str) -> None:
    pass


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


def _replace(write: Callable[[Path], Path], target: Path) -> None:
    """Write beside the target and rename over it, so a reader never opens half a report."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=target.suffix)
    os.close(handle)
    try:
        write(Path(temporary))
        os.chmod(temporary, 0o644)  # mkstemp makes the file private; a report is for readers
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_report(
    home: Home, quarter: str, out_dir: Path | None = None, say: Callable[[str], None] = _quiet
) -> ReportPaths:
    quarter = quarter_label(*parse_quarter(quarter))
    say(f"reading the published marts for {quarter} from {home.serving_db}")
    data = load_report_data(home, quarter)
    out = Path(out_dir) if out_dir is not None else home.reports / quarter
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise NhtzError(f"cannot create the report folder {out}: {error.strerror}") from None
    paths = ReportPaths(quarter, out / f"nhtz_report_{quarter}.xlsx", out / f"nhtz_report_{quarter}.html")
    say(f"writing {paths.xlsx.name}")
    _replace(lambda path: write_workbook(data, path), paths.xlsx)
    say(f"writing {paths.html.name}")
    facts = narrative_facts(data)
    _replace(lambda path: write_page(data, facts, path), paths.html)
    return paths
