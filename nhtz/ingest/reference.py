"""What ingestion matches submissions against: the indicator dictionary, the units and the park registry (seeds)."""

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import process

from nhtz.errors import NhtzError
from nhtz.ingest.cells import normalise_text
from nhtz.project import SEEDS_DIR

# `营业收入(万元)`, `GDP（亿元）`, `营业收入[万元]`: the unit is the last bracketed part of a header (after NFKC).
_UNIT_IN_HEADER = re.compile(r"^(.*?)[(\[]([^()\[\]]*)[)\]]$")


@dataclass(frozen=True)
class Indicator:
    code: str
    name_zh: str
    unit: str
    kind: str
    can_be_negative: bool


def header_key(text) -> str:
    """A header as compared: full-width folded, spaces gone, English case ignored."""
    return normalise_text(text).casefold()


def split_unit(header) -> tuple[str, str | None]:
    """`营业收入(万元)` → (`营业收入`, `万元`); a header without brackets has no unit."""
    text = normalise_text(header)
    match = _UNIT_IN_HEADER.match(text)
    if match and match.group(1):
        return match.group(1), match.group(2) or None
    return text, None


def _read_seed(path: Path) -> list[dict]:
    if not path.exists():
        raise NhtzError(f"{path}: seed file not found (the ingestion needs it to match submissions)")
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


class Reference:
    """Indicators by header spelling, units with their mart unit, parks by every name they go by."""

    def __init__(self, indicators: list[dict], units: list[dict], parks: list[dict]):
        self.indicators: dict[str, Indicator] = {}
        self._spellings: dict[str, str] = {}
        for row in indicators:
            indicator = Indicator(
                code=row["indicator_code"],
                name_zh=row["name_zh"],
                unit=row["unit"],
                kind=row["kind"],
                can_be_negative=row["can_be_negative"].strip().lower() == "true",
            )
            self.indicators[indicator.code] = indicator
            spellings = [indicator.code, indicator.name_zh, row["name_en"], *row["header_spellings"].split("|")]
            for spelling in spellings:
                if spelling.strip():
                    self._spellings[header_key(spelling)] = indicator.code
        self.mart_unit_of: dict[str, str] = {normalise_text(row["unit"]): row["mart_unit"] for row in units}
        self.factor_of: dict[str, float] = {normalise_text(row["unit"]): float(row["factor"]) for row in units}

        self._park_ids: dict[str, set[str]] = {}
        self._park_choices: dict[str, str] = {}  # every registry name (folded) → park_id, for suggestions
        self.park_names: dict[str, str] = {}
        self._matched: dict[str, str] = {}  # names as written → park_id: a file repeats the same few names
        self.park_ids: set[str] = set()
        for row in parks:
            park_id = row["park_id"].strip()
            self.park_ids.add(park_id)
            self.park_names[park_id] = row["park_name"].strip()
            names = [park_id, row["park_name"], row.get("short_name") or "", *(row.get("aliases") or "").split("|")]
            for name in names:
                if name.strip():
                    self._park_ids.setdefault(header_key(name), set()).add(park_id)
                    if name != park_id:
                        self._park_choices.setdefault(normalise_text(name), park_id)

    def indicator_for(self, name) -> Indicator | None:
        code = self._spellings.get(header_key(name))
        return self.indicators[code] if code else None

    def park_id_for(self, name) -> str:
        """The registry's park_id for a name, short name, alias or park_id; ValueError says why not."""
        text = str(name).strip()
        if text in self._matched:
            return self._matched[text]
        found = self._park_ids.get(header_key(text), set())
        if len(found) == 1:
            self._matched[text] = next(iter(found))
            return self._matched[text]
        if len(found) > 1:
            raise ValueError(f"park name {text!r} is ambiguous in the registry ({', '.join(sorted(found))})")
        names = ", ".join(self.closest_parks(text))
        raise ValueError(f"unknown park {text!r} (closest: {names})")

    def closest_parks(self, name: str, limit: int = 3) -> list[str]:
        """Official names of the parks whose names (official, short or alias) are nearest to a misspelt one."""
        ranked = process.extract(normalise_text(name), list(self._park_choices), limit=limit * 10)
        parks = []
        for choice, _score, _index in ranked:
            park_id = self._park_choices[choice]
            if park_id not in parks:
                parks.append(park_id)
        return [self.park_names[park_id] for park_id in parks[:limit]]

    def unit_problem(self, unit: str, indicator: Indicator) -> str | None:
        """Why a unit cannot carry this indicator, or None when it fits."""
        mart_unit = self.mart_unit_of.get(unit)
        if mart_unit is None:
            return f"unknown unit {unit!r} for {indicator.code} (known: {', '.join(self.mart_unit_of)})"
        if mart_unit != indicator.unit:
            return f"unit {unit!r} does not fit {indicator.code} (measured in {indicator.unit})"
        return None


def load_reference(seeds_dir: Path = SEEDS_DIR) -> Reference:
    return Reference(
        indicators=_read_seed(seeds_dir / "indicators.csv"),
        units=_read_seed(seeds_dir / "unit_conversions.csv"),
        parks=_read_seed(seeds_dir / "park_registry.csv"),
    )
