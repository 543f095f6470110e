"""Hostile submission files: the corpus of tests/hostile_corpus.py landed once, then a test per kind of hostility.

The expected outcome of every corpus file (status, rows read / landed / quarantined, reasons, values) is written
beside the file in hostile_corpus.py, worked out by hand from the file's content.
"""

import json
import os
import resource
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from hostile_corpus import CASES, LONG_NAME, SQL_NAMES, TEN_MIB, write_corpus
from nhtz.cli import app
from nhtz.db import connect
from nhtz.home import Home
from nhtz.status import describe_status
from nhtz.ingest import land_paths
from nhtz.ingest import landing

REFUSED = sorted(c.name for c in CASES if c.expected.status == "refused")
# empty.xlsx has the content of empty.csv (no bytes): a refused content is logged once, under its first name
NOT_LOGGED = {"empty.xlsx", "link_to_good_file.csv"}


@dataclass
class LandedCorpus:
    landing: Path
    home: Home
    results: dict
    # the landed corpus is only read here, a hundred times: over one connection, since each new DuckDB instance
    # costs some 25 ms of building its catalog
    con: duckdb.DuckDBPyConnection

    def query(self, sql: str, *params) -> list[tuple]:
        return self.con.execute(sql, list(params)).fetchall()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    folder = write_corpus(root)
    home = Home(root / "home")
    results = land_paths(home, [folder])
    with connect(home.working_db, read_only=True) as con:
        yield LandedCorpus(folder, home, {r.file_name: r for r in results}, con)


def query(home: Home, sql: str, *params) -> list[tuple]:
    with connect(home.working_db, read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def quarantined(corpus: LandedCorpus, file_name: str) -> dict:
    rows = corpus.query("select sheet, row_number, reason from audit.quarantine where file_name = ?", file_name)
    return {(sheet, row) if sheet else row: reason for sheet, row, reason in rows}


def landed_values(corpus: LandedCorpus, file_name: str) -> list[tuple]:
    return corpus.query(
        "select park_id, period_month, indicator_code, value from raw.observations where file_name = ? "
        "order by park_id, period_month, indicator_code",
        file_name,
    )


def _matches(reason: str, expected: str) -> bool:
    # an unknown park's reason ends with the closest registry parks, which the corpus spells out only in part
    return reason.startswith(expected) if "(closest: " in expected else reason == expected


# --- the whole corpus, file by file -------------------------------------------------------------------------------


def test_the_corpus_has_forty_files_or_more_and_every_one_is_handled(corpus):
    assert len(CASES) >= 40
    assert sorted(corpus.results) == sorted(c.name for c in CASES)
    assert {r.status for r in corpus.results.values()} == {"landed", "skipped", "refused"}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_corpus_file_has_its_expected_outcome(corpus, case):
    result, expected = corpus.results[case.name], case.expected
    assert (result.status, result.rows_read, result.rows_landed, result.rows_quarantined) == (
        expected.status, expected.read, expected.landed, expected.quarantined
    ), result.describe()
    assert result.rows_read == result.rows_landed + result.rows_quarantined
    assert expected.says in result.message
    reasons = quarantined(corpus, case.name)
    assert sorted(reasons, key=str) == sorted(expected.reasons, key=str)
    for where, reason in expected.reasons.items():
        assert _matches(reasons[where], reason), reasons[where]
    assert landed_values(corpus, case.name) == list(expected.values)


def test_the_log_reconciles_every_file_with_what_landed_and_what_was_quarantined(corpus):
    logged = corpus.query(
        """
        select
            log.file_name, log.status, log.rows_read, log.rows_landed, log.rows_quarantined,
            (select count(distinct coalesce(o.sheet, '') || '#' || o.row_number) from raw.observations as o
                where o.file_id = log.file_id),
            (select count(*) from audit.quarantine as q where q.file_id = log.file_id)
        from audit.ingest_log as log
        """,
    )
    # every file once, but the link to a file that landed already (skipped) and a second empty file
    assert sorted(name for name, *_ in logged) == sorted({c.name for c in CASES} - NOT_LOGGED)
    for name, status, read, landed, held, rows_with_values, quarantine_rows in logged:
        assert read == landed + held, name
        assert (landed, held) == (rows_with_values, quarantine_rows), name  # every landed row carries values here
        if status == "refused":
            assert (read, landed, held) == (0, 0, 0)


def test_a_refused_file_is_logged_once_with_the_line_people_see(corpus):
    logged = dict(corpus.query("select file_name, message from audit.ingest_log where status = 'refused'"))
    assert sorted(logged) == sorted(set(REFUSED) - NOT_LOGGED)
    for name in logged:
        assert corpus.results[name].describe() == f"{name}: refused: {logged[name]}"
    assert corpus.results["empty.xlsx"].describe() == "empty.xlsx: refused: empty file"


# --- 1. non-finite numbers ---------------------------------------------------------------------------------------


def test_non_finite_numbers_quarantine_their_row_and_the_finite_row_lands_exactly(corpus):
    assert quarantined(corpus, "non_finite.csv")[5] == "row 5, column 营业收入(亿元): '1e400' is not a finite number"
    assert corpus.query(
        "select row_number, park_id, period_label, indicator_code, value, unit from raw.observations "
        "where file_name = 'non_finite.csv' order by indicator_code",
    ) == [(7, "lanzhou", "2024Q1", "gdp", 3.5, "亿元"), (7, "lanzhou", "2024Q1", "revenue", 7.0, "亿元")]
    # a workbook number beyond a double (<v>1e400</v>) is the same bad cell
    assert quarantined(corpus, "non_finite.xlsx") == {
        ("data", 2): "row 2, column 营业收入(亿元): 'inf' is not a finite number"}
    # 1e308 is finite and lands as submitted; -0 lands as 0
    assert landed_values(corpus, "value_1e308.csv") == [("beijing_zgc", 6, "revenue", 1e308)]
    [(zero,)] = corpus.query("select value::varchar from raw.observations where file_name = 'minus_zero.csv'")
    assert zero == "0.0"


# --- 2. Excel error cells ------------------------------------------------------------------------------------------


def test_excel_error_cells_quarantine_their_row_naming_the_cell_never_a_blank(corpus):
    reasons = quarantined(corpus, "excel_errors.xlsx")
    assert reasons[("data", 2)] == "row 2, column 营业收入(亿元) (C2): Excel error #DIV/0! in the cell"
    assert reasons[("data", 8)] == "row 8, column 营业收入(亿元) (C8): Excel error #NULL! in the cell"
    assert reasons[("data", 9)] == "row 9, column 园区名称 (A9): Excel error #N/A in the cell"
    # the row as read keeps the error, so the park sees what it sent
    [(raw,)] = corpus.query("select raw from audit.quarantine where file_name = 'excel_errors.xlsx' and row_number = 2")
    assert json.loads(raw) == {"园区名称": "大连", "统计期": "2024Q2", "营业收入(亿元)": "#DIV/0!", "园区生产总值(亿元)": "8"}
    # only the good row's two numbers landed: 大连's gdp (8) beside each error landed nowhere
    assert landed_values(corpus, "excel_errors.xlsx") == [("lanzhou", 6, "gdp", 5.0), ("lanzhou", 6, "revenue", 10.0)]


def test_a_formula_without_a_calculated_value_is_quarantined_and_one_with_a_value_lands(corpus):
    assert quarantined(corpus, "formula_without_value.xlsx") == {
        ("data", 2): "row 2, column 园区生产总值(亿元) (D2): formula =C2/2 has no calculated value "
                     "(open and save the file in Excel or WPS)"}
    assert landed_values(corpus, "formula_with_value.xlsx") == [("suzhou", 6, "gdp", 5.0), ("suzhou", 6, "revenue", 10.0)]


# --- 3. absurd used ranges -----------------------------------------------------------------------------------------


def test_absurd_used_ranges_are_read_by_their_cells_or_refused_and_the_folder_still_lands(corpus):
    assert corpus.results["absurd_dimension.xlsx"].describe() == "absurd_dimension.xlsx: read 1, landed 1, quarantined 0"
    assert corpus.results["absurd_corner.xlsx"].message.startswith("too wide: a filled cell at XFD1048576")
    # python-calamine fills in the 98 million cells this .ods declares: its child process ran out of its 512 MiB
    assert corpus.results["absurd_span.ods"].message.startswith("too large: reading the .ods workbook needs more")
    landed_after = [name for name, r in corpus.results.items() if r.status == "landed" and name > "absurd_corner.xlsx"]
    assert len(landed_after) >= 25


# --- 4. and 5. conflicts across sheets, duplicate header columns -----------------------------------------------------


def test_a_conflict_across_sheets_names_both_sheets(corpus):
    reasons = quarantined(corpus, "conflict_across_sheets.xlsx")
    assert reasons[("一季度报", 2)] == (
        "row 2: conflicting values for lanzhou 2024-03 revenue on sheet 一季度报 (also given in row 2 of sheet 更正)")
    assert reasons[("更正", 2)] == (
        "row 2: conflicting values for lanzhou 2024-03 revenue on sheet 更正 (also given in row 2 of sheet 一季度报)")
    assert landed_values(corpus, "conflict_across_sheets.xlsx") == [("dalian", 3, "revenue", 3.0)]


def test_duplicate_header_columns_are_named(corpus):
    assert corpus.results["duplicate_park_columns.csv"].message == (
        "two park columns in the header (row 1: A 园区, B 园区名称): keep one")
    indicator = corpus.results["duplicate_indicator_columns.csv"]
    assert "columns C 营业收入(亿元) and D 营业收入(万元) both give revenue" in indicator.message
    assert quarantined(corpus, "duplicate_indicator_columns.csv") == {
        3: "row 3: conflicting values for dalian 2024-06 revenue (columns C 营业收入(亿元) and D 营业收入(万元) differ)"}
    # 1.5 亿元 = 15 000 万元: one figure, landed once in the first column's unit
    stored = corpus.query("select value, unit from raw.observations where file_name = ?", "duplicate_indicator_columns.csv")
    assert stored == [(1.5, "亿元")]


# --- 6. UTF-16 --------------------------------------------------------------------------------------------------------


def test_utf16_text_is_read_with_or_without_a_byte_order_mark(corpus):
    encodings = dict(corpus.query("select file_name, encoding from audit.ingest_log where file_name like 'utf16%'"))
    assert encodings == {
        "utf16_le_bom.csv": "utf-16-le", "utf16_be_bom.csv": "utf-16-be", "utf16_le_without_bom.csv": "utf-16-le",
        "utf16_damaged.csv": None,
    }
    assert landed_values(corpus, "utf16_be_bom.csv") == [("suzhou", 3, "gdp", 20.0), ("suzhou", 3, "revenue", 40.0)]
    assert corpus.results["utf16_damaged.csv"].message.startswith("cannot decode the CSV: it starts with a UTF-16-LE")


# --- 7. a huge cell -------------------------------------------------------------------------------------------------


def test_a_huge_cell_quarantines_its_row_and_the_quarantine_keeps_a_readable_part(corpus):
    [(reason, raw)] = corpus.query("select reason, raw from audit.quarantine where file_name = 'huge_cell.csv'")
    assert reason == "row 2, column 营业收入(亿元) (C2): cell too long (10,485,760 characters; at most 10,000)"
    cell = json.loads(raw)["营业收入(亿元)"]
    assert cell == "x" * 200 + f"… ({TEN_MIB:,} characters)"
    assert landed_values(corpus, "huge_cell.csv") == [("dalian", 6, "gdp", 8.0), ("dalian", 6, "revenue", 20.0)]


def test_long_and_sql_like_park_names_are_quarantined_and_the_tables_stay_whole(corpus):
    assert quarantined(corpus, "long_park_names.csv")[2] == (
        f"row 2, column 园区名称: no park has a name this long ({LONG_NAME[:80]}… (360 characters))")
    raws = corpus.query("select raw from audit.quarantine where file_name = ? order by row_number", "sql_like_park_names.csv")
    assert [json.loads(raw)["园区名称"] for (raw,) in raws] == SQL_NAMES
    assert corpus.query("select count(*) > 0 from raw.observations") == [(True,)]
    assert corpus.query("select count(*) from audit.ingest_log") == [(len(CASES) - len(NOT_LOGGED),)]


# --- 8. symbolic links ----------------------------------------------------------------------------------------------


def test_a_link_out_of_the_landing_folder_is_refused_naming_its_target_and_nothing_of_it_lands(corpus):
    target = corpus.landing.parent / "elsewhere" / "secret.csv"
    result = corpus.results["link_out.csv"]
    assert result.describe() == (
        f"link_out.csv: refused: symbolic link to {target}, outside the folder {corpus.landing}: not read")
    assert corpus.query("select file_path, status from audit.ingest_log where file_name = 'link_out.csv'") == [
        (str(corpus.landing / "link_out.csv"), "refused")]
    # secret.csv says 兰州 2023Q4 revenue 1: what landed for 兰州 2023Q4 came from good_wide.csv only
    assert corpus.query(
        "select file_name, value from raw.observations "
        "where park_id = 'lanzhou' and period_year = 2023 and period_month = 12 and indicator_code = 'revenue'",
    ) == [("good_wide.csv", 10.5)]


# --- the command line over the corpus --------------------------------------------------------------------------------


def test_ingest_of_the_corpus_exits_2_with_one_line_per_file_and_no_traceback(corpus, tmp_path):
    result = CliRunner().invoke(app, ["ingest", str(corpus.landing), "--home", str(tmp_path / "home")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = result.stdout.splitlines()
    assert len(lines) == len(CASES)
    refused = [line for line in lines if ": refused: " in line]
    assert [line.split(": refused: ")[0] for line in refused] == REFUSED
    assert f"link_out.csv: refused: symbolic link to {corpus.landing.parent / 'elsewhere' / 'secret.csv'}" in result.stdout


# --- 9. an explicit new vintage ---------------------------------------------------------------------------------------


def _csv(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_new_vintage_lands_content_that_landed_before_and_plain_relanding_stays_a_no_op(tmp_path):
    home = Home(tmp_path / "home")
    original = _csv(tmp_path, "01_original.csv", "园区名称,统计期,营业收入(亿元)\n兰州,2024Q2,100\n")
    wrong = _csv(tmp_path, "02_wrong_correction.csv", "园区名称,统计期,营业收入(亿元)\n兰州,2024Q2,90\n")
    land_paths(home, [original, wrong])
    [again] = land_paths(home, [original])
    assert again.describe() == "01_original.csv: skipped (already landed)"

    [restored] = land_paths(home, [original], new_vintage=True)
    assert restored.describe() == "01_original.csv: read 1, landed 1, quarantined 0"
    assert restored.message == "landed again as a new vintage (same content as 01_original.csv)"
    # vintage = landing order: the restored 100 is vintage 3, after the wrong 90 (vintage 2); dbt's
    # int_observations_converted takes the highest vintage as the current value
    assert query(home, "select vintage, file_name, value from raw.observations order by vintage") == [
        (1, "01_original.csv", 100.0), (2, "02_wrong_correction.csv", 90.0), (3, "01_original.csv", 100.0)]
    log = query(home, "select file_id, file_name, status, content_hash from audit.ingest_log order by file_id")
    assert [(i, name, status) for i, name, status, _ in log] == [
        (1, "01_original.csv", "landed"), (2, "02_wrong_correction.csv", "landed"), (3, "01_original.csv", "landed")]
    assert log[0][3] == log[2][3] != log[1][3]  # one row per landing: the same content hash twice
    # three landings of two contents: status says so instead of counting one file twice
    assert describe_status(home).splitlines()[2].split(None, 1)[1] == (
        "3 landed (1 of them again as a new vintage), 0 refused; rows read 3, landed 3, quarantined 0"
    )


def test_the_new_vintage_option_of_the_command_line(tmp_path):
    original = _csv(tmp_path, "original.csv", "园区名称,统计期,营业收入(亿元)\n大连,2024Q3,7\n")
    args = ["ingest", str(original), "--home", str(tmp_path / "home")]
    CliRunner().invoke(app, args)
    assert CliRunner().invoke(app, args).stdout == "original.csv: skipped (already landed)\n"
    again = CliRunner().invoke(app, [*args, "--new-vintage"])
    assert (again.exit_code, again.stdout) == (0, "original.csv: read 1, landed 1, quarantined 0\n")
    stored = query(Home(tmp_path / "home"), "select vintage, value from raw.observations order by vintage")
    assert stored == [(1, 7.0), (2, 7.0)]


# --- 10. faults: a full disk, a reader that crashes -------------------------------------------------------------------


def _file_size_limit(limit: int):
    def apply() -> None:  # in the child only: a write past `limit` bytes fails with EFBIG ("File too large")
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_full_disk_is_one_line_naming_the_file_and_leaves_nothing_of_it(tmp_path):
    home = tmp_path / "home"
    small = _csv(tmp_path, "a_small.csv", "园区名称,统计期,营业收入(亿元)\n兰州,2024Q1,1\n")
    months = [f"兰州,{year}-{month:02d},{year + month},{month}" for year in range(1990, 2100) for month in range(1, 13)]
    big = _csv(tmp_path, "b_big.csv", "园区名称,统计期,营业收入(亿元),园区生产总值(亿元)\n" + "\n".join(months) + "\n")
    land_paths(Home(home), [small])

    command = [sys.executable, "-c", "from nhtz.cli import app; app()", "ingest", str(big), "--home", str(home)]
    # 64 KiB: the landing tables' DDL fits in the write-ahead log, the 1 320 rows of b_big.csv do not
    full = subprocess.run(command, capture_output=True, text=True, preexec_fn=_file_size_limit(65536), env=os.environ)
    assert full.returncode == 1
    assert "Traceback" not in full.stderr
    [line] = [line for line in full.stderr.splitlines() if not line.startswith("[")]
    assert line.startswith("nhtz: error: b_big.csv: cannot write to the working database (")
    assert line.endswith("File too large); nothing of this file landed, the files before it did")
    assert query(Home(home), "select file_name, rows_landed from audit.ingest_log") == [("a_small.csv", 1)]
    assert query(Home(home), "select count(*) from raw.observations") == [(1,)]

    # with room again, the file lands whole: its hash was never logged
    [result] = land_paths(Home(home), [big])
    assert (result.rows_read, result.rows_landed) == (1320, 1320)


def test_a_reader_crash_refuses_that_file_and_the_run_goes_on(tmp_path, monkeypatch):
    real_parse = landing.parse_submission

    def parse(path, content, reference):
        if path.name == "a_crash.csv":
            raise RuntimeError("the reader broke")
        return real_parse(path, content, reference)

    monkeypatch.setattr(landing, "parse_submission", parse)
    crash = _csv(tmp_path, "a_crash.csv", "园区名称,统计期,营业收入(亿元)\n兰州,2024Q1,1\n")
    good = _csv(tmp_path, "b_good.csv", "园区名称,统计期,营业收入(亿元)\n大连,2024Q1,2\n")
    results = land_paths(Home(tmp_path / "home"), [crash, good])
    assert [r.describe() for r in results] == [
        "a_crash.csv: refused: could not be read (RuntimeError: the reader broke)",
        "b_good.csv: read 1, landed 1, quarantined 0",
    ]
