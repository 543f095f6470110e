"""`write_submissions`: the synthetic truth written as the files parks send, one folder per quarter.

Messy (default): batch files in mixed formats, encodings, layouts, languages, units and labels, with late
parks, revisions and bad rows, every one of them listed in `_manifest.json`. Landing every file in sorted path
order gives back the truth, except the falling year-to-date figures, which land as sent for the audit rules to
catch. Tidy (`clean=True`): one UTF-8 wide CSV per quarter in mart units, nothing wrong in it.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from nhtz.errors import NhtzError
from nhtz.quarters import parse_quarter, quarter_range
from nhtz.synth import formats as fmt
from nhtz.synth.plan import PART_OF, Problem, place_problems, province_batches
from nhtz.synth.reference import load_base_indicators, load_parks
from nhtz.synth.tables import Renderer, Report, Style, messy_style, tidy_style
from nhtz.synth.truth import synthetic_truth
from nhtz.synth.writers import write_table

MANIFEST = "_manifest.json"


@dataclass
class SynthResult:
    out: Path
    files: list[Path]
    manifest: Path
    n_parks: int
    n_quarters: int
    n_values: int
    anomalies: int
    resubmissions: int = 0
    late: int = 0
    clean: bool = False

    def describe(self) -> str:
        kind = "tidy" if self.clean else "messy"
        first = (f"wrote {len(self.files)} {kind} submission files to {self.out}: "
                 f"{self.n_parks} parks × {self.n_quarters} quarters, {self.n_values:,} values")
        if self.clean:
            return first
        return (f"{first}\n{self.anomalies} injected anomalies, {self.resubmissions} resubmissions, "
                f"{self.late} late reports; all listed in {self.manifest}")


@dataclass
class PlannedFile:
    path: str  # relative to the output folder, with `/`
    kind: str  # batch | late | resubmission | tidy
    quarter: str  # the period its reports are for
    reports: list[Report]
    style: Style
    problems: list[tuple[int, Problem]] = field(default_factory=list)  # (report index, problem) carried here


def _clear_previous(out: Path) -> None:
    """Remove a previous synthetic set (the files its manifest lists); refuse to write into any other folder."""
    manifest = out / MANIFEST
    if out.exists() and not out.is_dir():
        raise NhtzError(f"{out} is a file: synthetic submissions go into a folder")
    if manifest.exists():
        try:
            listed = [entry["path"] for entry in json.loads(manifest.read_text(encoding="utf-8"))["files"]]
        except (ValueError, KeyError, TypeError) as error:
            raise NhtzError(f"{manifest}: not a synthetic-set manifest ({error}); choose an empty folder") from None
        for path in listed:
            (out / path).unlink(missing_ok=True)
        manifest.unlink()
        for folder in sorted(out.iterdir()):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
    elif out.exists() and any(out.iterdir()):
        raise NhtzError(f"{out} is not empty and holds no {MANIFEST}: write synthetic submissions into an empty or new folder")


def _values_by_report(truth: pd.DataFrame) -> dict[tuple[str, str], dict[str, float]]:
    values: dict[tuple[str, str], dict[str, float]] = {}
    columns = [truth[c].to_numpy().tolist() for c in ("park_id", "quarter", "indicator_code", "value_ytd")]
    for park_id, quarter, code, value in zip(*columns):
        values.setdefault((park_id, quarter), {})[code] = float(value)
    return values


class MessyPlanner:
    """Builds the files of each quarter folder with the problems placed on them."""

    def __init__(self, truth: pd.DataFrame, parks: pd.DataFrame, indicators: pd.DataFrame, quarters: list[str], seed: int):
        self.truth_values = _values_by_report(truth)
        self.indicator_rows = indicators[["indicator_code", "unit", "header_spellings"]].to_numpy().tolist()
        self.quarters = quarters
        self.unit = dict(zip(indicators["indicator_code"], indicators["unit"]))
        self.style_rng = np.random.default_rng([seed, 2])
        self.value_rng = np.random.default_rng([seed, 3])
        self.batches = province_batches(parks)
        self.problems = place_problems(np.random.default_rng([seed, 1]), truth, quarters)
        self.by_slot = {(p.park_id, p.quarter): p for p in self.problems}
        self.known_names = {n for col in ("park_name", "short_name") for n in parks[col]} | {
            a for aliases in parks["aliases"] for a in str(aliases).split("|")}
        self.official = dict(zip(parks["park_id"], parks["park_name"]))

    def _style(self, quarter: str, **forced) -> Style:
        year, q = parse_quarter(quarter)
        return messy_style(self.style_rng, self.indicator_rows, year, q, **forced)

    def _on_grid(self, value: float, code: str) -> float:
        step = float(fmt.GRID[self.unit[code]])
        return round(round(value / step) * step, 4)

    def _wrong_report(self, problem: Problem) -> Report:
        """The report as first sent, with the problem in it."""
        truth = self.truth_values[(problem.park_id, problem.quarter)]
        report = Report(problem.park_id, problem.quarter, dict(truth))
        code = problem.indicators[0] if problem.indicators else None
        if problem.kind == "revision":
            for code in problem.indicators:
                off = self.value_rng.uniform(0.005, 0.03) * self.value_rng.choice((-1, 1))
                wrong = self._on_grid(truth[code] * (1 + off), code)
                step = float(fmt.GRID[self.unit[code]])
                report.values[code] = wrong if wrong != truth[code] else self._on_grid(truth[code] + step, code)
        elif problem.kind == "text_in_number":
            report.bad_text[code] = str(fmt.choose(self.value_rng, fmt.BAD_NUMBERS))
        elif problem.kind == "negative_value":
            report.values[code] = -truth[code]
        elif problem.kind == "falling_ytd":
            # the classic slip: the single quarter sent where the year-to-date belongs
            previous = self.truth_values[(problem.park_id, self.quarters[self.quarters.index(problem.quarter) - 1])][code]
            report.values[code] = self._falling_value(truth, previous, code)
        return report

    def _falling_value(self, truth: dict[str, float], previous: float, code: str) -> float:
        """The classic slip, the single quarter sent where the year-to-date belongs, when that falls below the
        previous year-to-date and stays above the indicator's part; else a value between the two."""
        part = truth.get(PART_OF[code], 0.0) if code in PART_OF else 0.0
        floor = max(part, 0.0) * 1.01  # clear of the part-exceeds-whole rule's rounding tolerance
        single = self._on_grid(truth[code] - previous, code)
        if floor < single < previous:
            return single
        return self._on_grid(floor + 0.5 * (previous - floor), code)

    def batch_files(self, quarter: str) -> list[PlannedFile]:
        files = []
        for batch in self.batches:
            reports, problems = [], []
            for park_id in batch.park_ids:
                if (park_id, quarter) not in self.truth_values:
                    continue
                problem = self.by_slot.get((park_id, quarter))
                if problem and problem.kind == "late":
                    continue
                if problem and problem.kind in ("revision", "text_in_number", "negative_value", "falling_ytd"):
                    problems.append((len(reports), problem))
                    reports.append(self._wrong_report(problem))
                else:
                    reports.append(Report(park_id, quarter, dict(self.truth_values[(park_id, quarter)])))
                if problem and problem.kind == "unknown_park":
                    name = fmt.misspelt(self.official[park_id], self.known_names)
                    extra = Report(park_id, quarter, dict(self.truth_values[(park_id, quarter)]), name=name, only=problem.indicators)
                    at = int(self.value_rng.integers(len(reports) + 1))
                    problems = [(i + (i >= at), p) for i, p in problems]
                    reports.insert(at, extra)
                    problems.append((at, problem))
            if not reports:
                continue
            style = self._style(quarter)
            ext = style.file_format
            files.append(PlannedFile(f"{quarter}/{batch.file_stem(quarter)}.{ext}", "batch", quarter, reports, style, problems))
        return files

    def follow_up_files(self, folder: str, quarter: str) -> list[PlannedFile]:
        """Late reports and resubmissions for `quarter` that arrive in `folder`."""
        files = []
        for problem in self.problems:
            if problem.quarter != quarter:
                continue
            truth = dict(self.truth_values[(problem.park_id, quarter)])
            if problem.kind == "late":
                style = self._style(quarter)
                path = f"{folder}/补报_{problem.park_id}_{quarter}.{style.file_format}"
                files.append(PlannedFile(path, "late", quarter, [Report(problem.park_id, quarter, truth)], style))
            elif problem.kind in ("revision", "text_in_number", "negative_value"):
                style = self._style(quarter, file_format="csv", layout="wide")
                path = f"{folder}/zz_resubmission_{problem.park_id}_{quarter}.csv"
                files.append(PlannedFile(path, "resubmission", quarter, [Report(problem.park_id, quarter, truth)], style, [(0, problem)]))
        return files

    def folder_files(self, folder: str) -> list[PlannedFile]:
        position = self.quarters.index(folder)
        files = self.batch_files(folder)
        if position > 0:
            files += self.follow_up_files(folder, self.quarters[position - 1])
        if position == len(self.quarters) - 1:
            # the last quarter's corrections have no next folder: they come in the same one, sorting last
            files += [f for f in self.follow_up_files(folder, folder) if f.kind == "resubmission"]
        return files


def _file_entry(planned: PlannedFile, encoding: str | None, table) -> dict:
    style = planned.style
    return {
        "path": planned.path, "kind": planned.kind, "period": planned.quarter, "period_label": style.period_label,
        "format": style.file_format, "encoding": encoding, "layout": style.layout, "language": style.language,
        "sheet": style.sheet, "title_rows": len(style.title_rows), "header_row": style.header_row,
        "data_rows": len(table.rows) - table.title_rows - 1, "values": table.n_values,
        "parks": sorted({r.park_id for r in planned.reports if r.name is None}),
    }


class ProblemLog:
    """What the manifest says about problems: each anomaly with its row, each resubmission with what it replaces."""

    def __init__(self, truth_values):
        self.truth_values = truth_values
        self.anomalies: list[dict] = []
        self.resubmissions: list[dict] = []
        self.late: list[dict] = []
        self.first_sent: dict[tuple[str, str], list[dict]] = {}  # slot → the values as first sent, with rows

    def record(self, planned: PlannedFile, table) -> None:
        if planned.kind == "late":
            self.late.append({"park_id": planned.reports[0].park_id, "period": planned.quarter, "file": planned.path})
        for index, problem in planned.problems:
            slot = (problem.park_id, problem.quarter)
            if planned.kind == "resubmission":
                self.resubmissions.append({
                    "file": planned.path, "row": table.row_of[(index, "gdp")], "park_id": problem.park_id,
                    "period": problem.quarter, "reason": problem.kind, "replaces": self.first_sent.get(slot, []),
                })
                for anomaly in self.anomalies:
                    if (anomaly["park_id"], anomaly["period"]) == slot and anomaly["kind"] != "unknown_park":
                        anomaly["corrected_by"] = planned.path
                continue
            self._record_first_sent(planned, table, index, problem)

    def _record_first_sent(self, planned: PlannedFile, table, index: int, problem: Problem) -> None:
        report = planned.reports[index]
        truth = self.truth_values[(problem.park_id, problem.quarter)]
        for code in problem.indicators:
            sent = {"file": planned.path, "row": table.row_of[(index, code)], "indicator": code,
                    "written": report.bad_text.get(code, report.values.get(code)), "true_value": truth.get(code)}
            if problem.kind == "revision":
                self.first_sent.setdefault((problem.park_id, problem.quarter), []).append(sent)
                continue
            anomaly = {"kind": problem.kind, "park_id": problem.park_id, "period": problem.quarter, **sent,
                       "lands": problem.kind == "falling_ytd", "corrected_by": None}
            if problem.kind == "unknown_park":
                anomaly.update(name=report.name, indicator=None if planned.style.layout == "wide" else code)
            else:
                self.first_sent.setdefault((problem.park_id, problem.quarter), []).append(sent)
            self.anomalies.append(anomaly)


def write_submissions(out, start: str = "2019Q1", end: str = "2026Q3", seed: int = 2024, clean: bool = False,
                      say: Callable[[str], None] = lambda message: None) -> SynthResult:
    """Write synthetic park submissions for every active park and quarter into `out` (see module docstring)."""
    out = Path(out)
    quarters = quarter_range(start, end)
    parks = load_parks()
    indicators = load_base_indicators()
    truth = synthetic_truth(seed, start, end, parks=parks)
    _clear_previous(out)
    out.mkdir(parents=True, exist_ok=True)
    renderer = Renderer(indicators, parks, np.random.default_rng([seed, 4]))

    if clean:
        truth_values = _values_by_report(truth)
        planner = None
    else:
        planner = MessyPlanner(truth, parks, indicators, quarters, seed)
        truth_values = planner.truth_values

    log, entries, paths = ProblemLog(truth_values), [], []
    for folder in quarters:
        if clean:
            reports = [Report(p, folder, truth_values[(p, folder)]) for p in parks["park_id"] if (p, folder) in truth_values]
            planned_files = [PlannedFile(f"{folder}/国家高新区主要经济指标_{folder}.csv", "tidy", folder, reports, tidy_style(indicators, folder))]
        else:
            planned_files = planner.folder_files(folder)
        for planned in planned_files:
            table = renderer.render(planned.reports, planned.style)
            encoding = write_table(out / planned.path, table, planned.style)
            entries.append(_file_entry(planned, encoding, table))
            paths.append(out / planned.path)
            log.record(planned, table)
        say(f"{folder}: {len(planned_files)} files, {sum(len(f.reports) for f in planned_files)} park reports")

    n_parks = int(truth["park_id"].nunique())
    manifest = {
        "generator": "nhtz.synth", "seed": seed, "start": quarters[0], "end": quarters[-1], "clean": clean,
        "n_parks": n_parks, "n_quarters": len(quarters), "n_values": len(truth),
        "landing_order": "sorted relative path; files starting with _ are not submissions",
        "files": entries, "anomalies": log.anomalies, "resubmissions": log.resubmissions, "late": log.late,
    }
    manifest_path = out / MANIFEST
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True, default=float) + "\n", encoding="utf-8")
    return SynthResult(out=out, files=paths, manifest=manifest_path, n_parks=n_parks, n_quarters=len(quarters),
                       n_values=len(truth), anomalies=len(log.anomalies), resubmissions=len(log.resubmissions), late=len(log.late),
                       clean=clean)
