"""The definitions the workbook's 指标说明 sheet prints, read from docs/methodology.md.

The document keeps one table of short Chinese definitions under the heading `## 口径一览`; the workbook prints
that table as it stands, so the two never tell a reader different things.
"""

import re
from functools import cache
from pathlib import Path

from nhtz.errors import NhtzError
from nhtz.project import PROJECT_ROOT

METHODOLOGY = PROJECT_ROOT / "docs" / "methodology.md"
SECTION = "## 口径一览"


def _cells(line: str) -> list[str]:
    return [cell.strip().replace("`", "") for cell in line.strip().strip("|").split("|")]


def read_definitions(path: Path) -> list[tuple[str, str]]:
    """(term, definition) rows of the table under `## 口径一览`, its header and rule rows left out."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise NhtzError(f"cannot read the definitions in {path}: {error.strerror}") from None
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == SECTION)
    except StopIteration:
        raise NhtzError(f"{path} has no section `{SECTION}`: the workbook's definitions come from it") from None
    rows = []
    for line in lines[start + 1:]:
        if line.startswith("#"):
            break
        if not line.startswith("|") or re.fullmatch(r"\|[\s:|-]+\|?", line.strip()):
            continue
        cells = _cells(line)
        if len(cells) >= 2:
            rows.append((cells[0], cells[1]))
    if len(rows) < 2:
        raise NhtzError(f"{path}: the table under `{SECTION}` is empty")
    return rows[1:]  # the first row is the table's header


@cache
def definitions() -> list[tuple[str, str]]:
    return read_definitions(METHODOLOGY)
