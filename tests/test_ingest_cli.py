"""`nhtz ingest` as people run it: one line per file on stdout, exit 2 when a file was refused whole."""

from pathlib import Path

from typer.testing import CliRunner

from nhtz.cli import app
from nhtz.db import connect

FIXTURES = Path(__file__).parent / "fixtures" / "submissions"


def test_ingest_prints_counts_per_file_and_exits_0(tmp_path):
    home = tmp_path / "home"
    result = CliRunner().invoke(
        app, ["ingest", str(FIXTURES / "wide_title_rows.csv"), str(FIXTURES / "gbk.csv"), "--home", str(home)]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "wide_title_rows.csv: read 3, landed 2, quarantined 1",
        "gbk.csv: read 2, landed 2, quarantined 0",
    ]
    with connect(home / "nhtz.duckdb", read_only=True) as con:
        assert con.execute("select count(*) from raw.observations").fetchone() == (9,)


def test_ingest_exits_2_when_a_file_is_refused_and_keeps_the_good_one(tmp_path):
    home = tmp_path / "home"
    result = CliRunner().invoke(
        app, ["ingest", str(FIXTURES / "bad_rows.csv"), str(FIXTURES / "no_park_column.csv"), "--home", str(home)]
    )
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        "bad_rows.csv: read 4, landed 1, quarantined 3",
        "no_park_column.csv: refused: no park column in the header (row 1: 名称, 时间, 营业收入)",
    ]
    assert "Traceback" not in result.output
    with connect(home / "nhtz.duckdb", read_only=True) as con:
        assert con.execute("select count(*) from raw.observations").fetchone() == (2,)


def test_ingest_again_reports_skipped_and_exits_0(tmp_path):
    home = tmp_path / "home"
    args = ["ingest", str(FIXTURES / "utf8_bom.csv"), "--home", str(home)]
    CliRunner().invoke(app, args)
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0
    assert again.stdout.splitlines() == ["utf8_bom.csv: skipped (already landed)"]


def test_ingest_of_a_missing_path_is_one_line_and_exit_1(tmp_path):
    result = CliRunner().invoke(app, ["ingest", str(tmp_path / "nowhere"), "--home", str(tmp_path / "home")])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"nhtz: error: {tmp_path / 'nowhere'}: no such file or folder"]
