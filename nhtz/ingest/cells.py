"""Cells as submitters type them: full-width characters, stray spaces, thousands separators, dashes for missing,
and the cells no figure can be read from at all (Excel errors, formulas never computed, pastes of megabytes)."""

import math
import re
import sys
import unicodedata
from dataclasses import dataclass

# What statistical tables print when there is no figure: these land nothing, and are not errors.
MISSING_MARKS = frozenset({"", "-", "--", "---", "—", "——", "–", "―", "/", "\\", "…", "……", "...", "无"})

# What Excel (and WPS) show in a cell whose formula failed. A reader hands them over as this text (openpyxl), and
# a CSV saved from such a sheet carries the same text: either way the figure is unknown, never a blank.
EXCEL_ERRORS = frozenset({
    "#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NUM!", "#NAME?", "#NULL!",
    "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
})

# No park name, period or figure is this long: a longer cell is a paste accident, and its row is quarantined.
MAX_CELL_CHARS = 10_000
# How much of a long text a message or the quarantine's raw row repeats.
SHOWN_CHARS = 80

_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_GROUPED_NUMBER = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
# C0 control characters other than tab, line feed and carriage return: a damaged file, not text a person typed.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Format characters nobody sees (soft hyphen, zero-width spaces and joiners, direction marks, word joiners,
# byte-order mark): folded away like spaces, so that `兰\u200b州` is 兰州.
_INVISIBLE = dict.fromkeys(
    [0x00AD, *range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2065), *range(0x2066, 0x2070), 0xFEFF]
)


class BadNumber(ValueError):
    """A cell that should hold a number but holds something else; the message says what, for people."""


@dataclass(frozen=True)
class UncomputedFormula:
    """A workbook cell holding a formula that was never calculated (written by a program, never opened in Excel):
    its figure is unknown, so the reader hands this over instead of a blank."""

    formula: str

    def __str__(self) -> str:
        return self.formula


def normalise_text(cell) -> str:
    """Full-width forms folded to ASCII (NFKC: `１，２３４．５` → `1,234.5`, `（万元）` → `(万元)`), spaces removed,
    invisible format characters (zero-width space, byte-order mark) removed: a person cannot see them."""
    if cell is None:
        return ""
    text = unicodedata.normalize("NFKC", str(cell))
    if not text.isascii():
        text = text.translate(_INVISIBLE)
    return "".join(text.split())


def is_blank(cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def shown(text: str, limit: int = SHOWN_CHARS) -> str:
    """A text as a message repeats it: cut after `limit` characters, saying how long it was."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def cell_problem(cell) -> str | None:
    """Why no value can be read from a cell whatever its column is, or None.

    An Excel error (#DIV/0!) or a formula never calculated means the figure is unknown: never a blank.
    """
    if type(cell) is not str:  # numbers, dates and blanks, the common case
        if isinstance(cell, UncomputedFormula):
            return f"formula {shown(cell.formula)} has no calculated value (open and save the file in Excel or WPS)"
        return None
    if len(cell) > MAX_CELL_CHARS:
        return f"cell too long ({len(cell):,} characters; at most {MAX_CELL_CHARS:,})"
    if "#" in cell and cell.strip().upper() in EXCEL_ERRORS:
        return f"Excel error {cell.strip().upper()} in the cell"
    control = None if cell.isprintable() else _CONTROL.search(cell)
    if control:
        return f"control character U+{ord(control.group()):04X} in the cell (the file may be damaged)"
    return None


def _finite(value: float, cell) -> float:
    if not math.isfinite(value):
        raise BadNumber(f"{shown(cell_text(cell))!r} is not a finite number")
    return value + 0.0  # -0 is 0: a sign on nothing would only show up as "-0" in a report


def parse_number(cell) -> float | None:
    """The number in a cell, None when the cell says 'no figure', BadNumber when it is not a (finite) number."""
    if cell is None:
        return None
    if isinstance(cell, bool):
        raise BadNumber(f"{cell_text(cell)!r} is not a number")
    if isinstance(cell, int) and abs(cell) > sys.float_info.max:
        raise BadNumber(f"{shown(cell_text(cell))!r} is not a finite number")  # beyond a double: float() overflows
    if isinstance(cell, (int, float)):
        return _finite(float(cell), cell)
    plain = cell.strip() if isinstance(cell, str) else None
    if plain and plain.isascii() and _PLAIN_NUMBER.match(plain):
        return _finite(float(plain), cell)  # the common case, without the Unicode folding below
    text = normalise_text(cell)
    if text in MISSING_MARKS:
        return None
    if _GROUPED_NUMBER.match(text):
        text = text.replace(",", "")
    if _PLAIN_NUMBER.match(text):
        return _finite(float(text), cell)
    if text.casefold().lstrip("+-") in {"inf", "infinity", "nan", "∞"}:
        raise BadNumber(f"{cell_text(cell)!r} is not a finite number")
    raise BadNumber(f"{cell_text(cell)!r} is not a number")


def cell_text(cell) -> str:
    """A cell as a person would read it back in a message or in the quarantine's raw row."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()
