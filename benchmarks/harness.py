"""Timing, repetition and the results file: every figure is min/median/max of repeated runs."""

import json
import os
import platform
import socket
import statistics
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass
class Figure:
    name: str
    unit: str
    samples: list[float] = field(default_factory=list)
    target: float | None = None
    note: str = ""

    def summary(self) -> dict:
        s = sorted(self.samples)
        out = {"name": self.name, "unit": self.unit, "n": len(s), "note": self.note, "target": self.target}
        if s:
            out |= {"min": s[0], "median": statistics.median(s), "max": s[-1]}
            if self.target is not None:
                out["meets_target"] = out["median"] <= self.target
        return out


class Results:
    def __init__(self):
        self.figures: dict[str, Figure] = {}
        self.ratios: list[dict] = []

    def figure(self, name: str, unit: str = "s", target: float | None = None, note: str = "") -> Figure:
        if name not in self.figures:
            self.figures[name] = Figure(name, unit, target=target, note=note)
        return self.figures[name]

    def add(self, name: str, value: float, unit: str = "s", target: float | None = None, note: str = "") -> None:
        self.figure(name, unit, target, note).samples.append(value)

    @contextmanager
    def timed(self, name: str, target: float | None = None, note: str = ""):
        start = time.perf_counter()
        yield
        self.add(name, time.perf_counter() - start, "s", target, note)

    def ratio(
        self,
        name: str,
        numerator: str,
        denominator: str,
        target: float | None = None,
        note: str = "",
        at_least: bool = False,
    ):
        """Ratios of medians measured in the same run: the machines are shared and noisy. The target is a ceiling,
        or a floor with `at_least`."""
        num = statistics.median(self.figures[numerator].samples)
        den = statistics.median(self.figures[denominator].samples)
        value = num / den if den else None
        self.ratios.append(
            {"name": name, "numerator": numerator, "denominator": denominator, "ratio": value, "target": target,
             "meets_target": None if value is None or target is None else (value >= target if at_least else value <= target),
             "note": note}
        )


def machine() -> dict:
    packages = {}
    for name in ("duckdb", "dbt-core", "dbt-duckdb", "dagster", "great-expectations", "pandas"):
        try:
            packages[name] = version(name)
        except Exception:  # a package missing from this environment is reported as such, not fatal
            packages[name] = None
    return {
        "host": socket.gethostname(),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "packages": packages,
    }


def _fmt(value) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def write(results: Results, name: str = "benchmarks") -> tuple[Path, Path]:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    info = machine()
    payload = {"machine": info, "figures": [f.summary() for f in results.figures.values()], "ratios": results.ratios}
    stamp = info["date"][:10]
    json_path = RESULTS_DIR / f"{name}_{stamp}_{info['host']}.json"
    json_path.write_text(json.dumps(payload, ensure_ascii=False, indent=2))
    lines = [
        f"# {name}: {info['host']}, {info['date']}",
        "",
        f"Python {info['python']}, {info['cpus']} cores, {info['memory_gib']} GiB; "
        + ", ".join(f"{k} {v}" for k, v in info["packages"].items()),
        "",
        "| figure | unit | n | min | median | max | target | met | note |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for f in payload["figures"]:
        lines.append(
            f"| {f['name']} | {f['unit']} | {f['n']} | {_fmt(f.get('min'))} | {_fmt(f.get('median'))} | "
            f"{_fmt(f.get('max'))} | {_fmt(f['target'])} | {_fmt(f.get('meets_target'))} | {f['note']} |"
        )
    if results.ratios:
        lines += ["", "| ratio | of | to | value | target | met | note |", "|---|---|---|---|---|---|---|"]
        for r in results.ratios:
            lines.append(
                f"| {r['name']} | {r['numerator']} | {r['denominator']} | {_fmt(r['ratio'])} | {_fmt(r['target'])} | "
                f"{_fmt(r['meets_target'])} | {r['note']} |"
            )
    md_path = json_path.with_suffix(".md")
    md_path.write_text("\n".join(lines) + "\n")
    (RESULTS_DIR / f"{name}_latest.md").write_text("\n".join(lines) + "\n")
    return json_path, md_path
