"""Cells as submitters type them: full-width characters, stray spaces, thousands separators, dashes for missing."""

import math
import re
import unicodedata

# What statistical tables print when there is no figure: these land nothing, and are not errors.
MISSING_MARKS = frozenset({"", "-", "--", "---", "—", "——", "–", "―", "/", "\\", "…", "……", "...", "无"})

_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_GROUPED_NUMBER = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")


class BadNumber(ValueError):
    """A cell that should hold a number but holds something else."""


def normalise_text(cell) -> str:
    """Full-width forms folded to ASCII (NFKC: `１，２３４．５` → `1,234.5`, `（万元）` → `(万元)`), spaces removed."""
    if cell is None:
        return ""
    text = unicodedata.normalize("NFKC", str(cell))
    return "".join(text.split())


def is_blank(cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip()) or (isinstance(cell, float) and math.isnan(cell))


def parse_number(cell) -> float | None:
    """The number in a cell, None when the cell says 'no figure', BadNumber when it is not a number at all."""
    if cell is None or isinstance(cell, bool):
        if isinstance(cell, bool):
            raise BadNumber(str(cell))
        return None
    if isinstance(cell, (int, float)):
        if isinstance(cell, float) and math.isnan(cell):
            return None
        if isinstance(cell, float) and math.isinf(cell):
            raise BadNumber(str(cell))
        return float(cell)
    plain = cell.strip() if isinstance(cell, str) else None
    if plain and plain.isascii() and _PLAIN_NUMBER.match(plain):
        return float(plain)  # the common case, without the Unicode folding below
    text = normalise_text(cell)
    if text in MISSING_MARKS:
        return None
    if _GROUPED_NUMBER.match(text):
        text = text.replace(",", "")
    if not _PLAIN_NUMBER.match(text):
        raise BadNumber(str(cell).strip())
    return float(text)


def cell_text(cell) -> str:
    """A cell as a person would read it back in a message or in the quarantine's raw row."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()
