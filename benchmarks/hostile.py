"""The hostile-file corpus (tests/hostile_corpus.py) through `nhtz ingest`: every file handled, time and peak memory.

    python -m benchmarks hostile                 # 3 repeats
    python -m benchmarks hostile --repeats 1

Each run is `nhtz ingest` on a fresh home in a child process; its peak resident memory is the child's own (and its
children's: .xls/.xlsb/.ods workbooks are read in a grandchild), from os.wait4. A run that crashes, prints a
traceback or leaves a file without its line is an error, not a figure.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import Results, write

ROOT = Path(__file__).resolve().parents[1]
PEAK_MEMORY_TARGET_MIB = 1024.0
NAME = "hostile"


def say_to_stderr(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def _corpus(workdir: Path):
    sys.path.insert(0, str(ROOT / "tests"))
    import hostile_corpus

    return hostile_corpus.CASES, hostile_corpus.write_corpus(workdir / "corpus")


def ingest_in_child(landing: Path, home: Path) -> tuple[float, float, float, str, str, int]:
    """(wall seconds, CPU seconds, peak MiB, stdout, stderr, exit code) of one `nhtz ingest` in a fresh process."""
    command = [sys.executable, "-c", "from nhtz.cli import app; app()", "ingest", str(landing), "--home", str(home)]
    out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=out, stderr=err, cwd=ROOT)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    out.seek(0)
    err.seek(0)
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss / 1024, out.read().decode(), err.read().decode(), child.returncode


def check_every_file_handled(cases, stdout: str, stderr: str, exit_code: int) -> dict[str, int]:
    """Counts of landed / skipped / refused files; RuntimeError when a file has no line or the run crashed."""
    if "Traceback" in stderr or exit_code not in (0, 2):
        raise RuntimeError(f"nhtz ingest crashed on the corpus (exit {exit_code}): {stderr.strip().splitlines()[-1:]}")
    lines = {line.split(": ", 1)[0]: line for line in stdout.splitlines()}
    missing = [c.name for c in cases if c.name not in lines]
    if missing:
        raise RuntimeError(f"no result line for {', '.join(missing)}")
    counts = {"landed": 0, "skipped": 0, "refused": 0}
    for case in cases:
        line = lines[case.name]
        status = "refused" if ": refused: " in line else "skipped" if line.endswith("(already landed)") else "landed"
        counts[status] += 1
        if status != case.expected.status:
            raise RuntimeError(f"{line} (expected {case.expected.status})")
    return counts


def hostile_corpus(results: Results, workdir: Path, repeats: int, say=say_to_stderr) -> None:
    cases, landing = _corpus(workdir)
    say(f"{len(cases)} hostile files in {landing}")
    for run in range(1, repeats + 1):
        home = workdir / f"home-{run}"
        wall, cpu, peak_mib, stdout, stderr, code = ingest_in_child(landing, home)
        counts = check_every_file_handled(cases, stdout, stderr, code)
        shutil.rmtree(home, ignore_errors=True)
        say(f"run {run}: {wall:.1f} s ({cpu:.1f} s of CPU), peak {peak_mib:.0f} MiB, {counts}")
        note = f"{len(cases)} files: {counts['landed']} landed, {counts['refused']} refused, {counts['skipped']} skipped"
        results.add("hostile corpus: nhtz ingest, wall time", wall, "s", note=note + "; a fresh process each run")
        results.add("hostile corpus: nhtz ingest, CPU time", cpu, "s", note="user + system, with its children")
        results.add(
            "hostile corpus: peak memory of nhtz ingest (with its children)", peak_mib, "MiB",
            target=PEAK_MEMORY_TARGET_MIB, note="max RSS of nhtz ingest or any child (os.wait4): the calamine child reading the absurd .ods "
            "grows to its 512 MiB cap before it is stopped",
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks hostile", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=None, help="scratch folder (default: a temporary one)")
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="nhtz-hostile-"))
    workdir.mkdir(parents=True, exist_ok=True)
    results = Results()
    try:
        hostile_corpus(results, workdir, args.repeats)
    finally:
        json_path, md_path = write(results, NAME)
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    say_to_stderr(f"results: {json_path} and {md_path}")
    print(md_path.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
