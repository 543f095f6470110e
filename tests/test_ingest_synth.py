"""The synthetic generator's messy files land as its manifest says they should.

The manifest (written by nhtz.synth, independently of ingestion) lists every file with its data rows and every
injected anomaly with whether it should land: ingestion must agree row for row.
"""

import json

import pytest

from nhtz.db import connect
from nhtz.home import Home
from nhtz.ingest import land_paths
from nhtz.synth import write_submissions


@pytest.fixture(scope="module")
def landed(tmp_path_factory):
    root = tmp_path_factory.mktemp("synth")
    write_submissions(root / "landing", start="2022Q1", end="2023Q4", seed=2024)
    manifest = json.loads((root / "landing" / "_manifest.json").read_text(encoding="utf-8"))
    home = Home(root / "home")
    results = land_paths(home, [root / "landing"])
    return home, manifest, results


def test_every_synthetic_file_lands_with_the_manifest_row_count(landed):
    _home, manifest, results = landed
    assert [r.status for r in results] == ["landed"] * len(manifest["files"])
    read = {r.file_name: r.rows_read for r in results}
    assert {f["path"]: f["data_rows"] for f in manifest["files"]} == read


def test_quarantine_holds_exactly_the_anomalies_that_must_not_land(landed):
    home, manifest, _results = landed
    expected = {(a["file"], a["row"]) for a in manifest["anomalies"] if not a["lands"]}
    with connect(home.working_db, read_only=True) as con:
        quarantined = set(con.execute("select file_name, row_number from audit.quarantine").fetchall())
        distinct_values = con.execute(
            "select count(distinct (park_id, period_year, period_month, indicator_code)) from raw.observations"
        ).fetchone()[0]
    assert quarantined == expected
    assert distinct_values == manifest["n_values"]
