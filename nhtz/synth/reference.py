"""The seeds the generator works from: the park registry and the indicator dictionary."""

from pathlib import Path

import numpy as np
import pandas as pd

from nhtz.errors import NhtzError
from nhtz.project import SEEDS_DIR
from nhtz.quarters import parse_quarter

PARK_COLUMNS = ["park_id", "park_name", "short_name", "aliases", "province", "city", "region", "approved_year", "active_from", "active_to"]
INDICATOR_COLUMNS = ["indicator_code", "name_zh", "name_en", "unit", "kind", "header_spellings", "sort_order"]


def _read_seed(path: Path, columns: list[str]) -> pd.DataFrame:
    if not path.exists():
        raise NhtzError(f"{path}: seed file not found (the synthetic generator needs it)")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise NhtzError(f"{path}: missing column(s) {', '.join(missing)}")
    return frame


def load_parks(seeds_dir: Path = SEEDS_DIR) -> pd.DataFrame:
    """The registry with parsed dates, in registry order (the order parks are drawn in, so keep it stable)."""
    path = seeds_dir / "park_registry.csv"
    parks = _read_seed(path, PARK_COLUMNS)
    parks["approved_year"] = pd.to_numeric(parks["approved_year"], errors="coerce")
    for column in ("active_from", "active_to"):
        parks[column] = pd.to_datetime(parks[column].replace("", None), errors="coerce")
    if parks["active_from"].isna().any():
        row = int(parks.index[parks["active_from"].isna()][0]) + 2
        raise NhtzError(f"{path}: row {row}: active_from is not a date")
    return parks.reset_index(drop=True)


def load_base_indicators(seeds_dir: Path = SEEDS_DIR) -> pd.DataFrame:
    """Indicators that parks submit (flows and stocks); ratios are derived and never submitted."""
    indicators = _read_seed(seeds_dir / "indicators.csv", INDICATOR_COLUMNS)
    indicators = indicators[indicators["kind"].isin(["flow", "stock"])].copy()
    indicators["sort_order"] = indicators["sort_order"].astype(int)
    return indicators.sort_values("sort_order").reset_index(drop=True)


def quarter_end(quarter: str) -> pd.Timestamp:
    year, q = parse_quarter(quarter)
    return pd.Timestamp(year=year, month=3 * q, day=1) + pd.offsets.MonthEnd(0)


def active_mask(parks: pd.DataFrame, quarters: list[str]) -> np.ndarray:
    """parks × quarters: True where the park is a national zone at the quarter's last day."""
    ends = np.array([quarter_end(q) for q in quarters], dtype="datetime64[ns]")
    start = parks["active_from"].to_numpy(dtype="datetime64[ns]")[:, None]
    stop = parks["active_to"].to_numpy(dtype="datetime64[ns]")
    stop = np.where(np.isnat(stop), np.datetime64("2262-01-01", "ns"), stop)[:, None]  # still active
    return (start <= ends[None, :]) & (ends[None, :] <= stop)

