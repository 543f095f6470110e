"""Landing submissions: what lands, what is quarantined and why, what is refused whole, and idempotency.

Every expected number below can be checked by reading the fixture files in tests/fixtures/submissions/
or the small tables written inside the tests.
"""

import datetime as dt
import json
from pathlib import Path

import pytest
import xlsxwriter

from nhtz.db import connect
from nhtz.home import Home
from nhtz.ingest import land_paths
from nhtz.ingest import landing

FIXTURES = Path(__file__).parent / "fixtures" / "submissions"


@pytest.fixture
def home(tmp_path) -> Home:
    return Home(tmp_path / "home")


def land(home: Home, *paths) -> list:
    return land_paths(home, [FIXTURES / p if isinstance(p, str) else p for p in paths])


def query(home: Home, sql: str) -> list[tuple]:
    with connect(home.working_db, read_only=True) as con:
        return con.execute(sql).fetchall()


def table_counts(home: Home) -> tuple[int, int, int]:
    return query(
        home,
        "select (select count(*) from raw.observations), (select count(*) from audit.ingest_log), "
        "(select count(*) from audit.quarantine)",
    )[0]


def write_csv(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


# --- what lands -------------------------------------------------------------------------------------------


def test_title_rows_units_in_headers_and_messy_numbers(home):
    [result] = land(home, "wide_title_rows.csv")
    assert (result.status, result.rows_read, result.rows_landed, result.rows_quarantined) == ("landed", 3, 2, 1)
    assert result.describe() == "wide_title_rows.csv: read 3, landed 2, quarantined 1"
    values = query(
        home,
        "select row_number, park_id, period_label, period_year, period_month, indicator_code, value, unit "
        "from raw.observations order by row_number, indicator_code",
    )
    assert values == [
        # "1,234.5" in a 营业收入(万元) column: stored as submitted, in 万元 (dbt converts)
        (5, "wuhan_donghu", "2024年1-6月", 2024, 6, "gdp", 123.0, "亿元"),  # "１２３"
        (5, "wuhan_donghu", "2024年1-6月", 2024, 6, "invention_patents_granted", 45.0, "件"),
        (5, "wuhan_donghu", "2024年1-6月", 2024, 6, "revenue", 1234.5, "万元"),
        # "—" for revenue lands nothing; "12 " is 12
        (6, "lanzhou", "2024年1-6月", 2024, 6, "gdp", 35.04, "亿元"),
        (6, "lanzhou", "2024年1-6月", 2024, 6, "invention_patents_granted", 12.0, "件"),
    ]
    # the ratio column (研发投入强度) is never landed, and says so
    assert "研发投入强度" in result.message and "derived" in result.message
    quarantined = query(home, "select row_number, reason, raw from audit.quarantine")
    assert [(row, reason) for row, reason, _ in quarantined] == [
        (7, "row 7, column 营业收入(万元): 'abc' is not a number")
    ]
    raw = json.loads(quarantined[0][2])
    assert raw["园区名称"] == "大连" and raw["营业收入(万元)"] == "abc" and raw["园区生产总值（亿元）"] == "80"


def test_gbk_csv_is_decoded_and_missing_units_are_the_mart_units(home):
    [result] = land(home, "gbk.csv")
    assert (result.rows_read, result.rows_landed, result.rows_quarantined) == (2, 2, 0)
    assert query(home, "select encoding from audit.ingest_log") == [("gb18030",)]
    assert query(
        home,
        "select park_id, park_name_raw, period_year, period_month, indicator_code, value, unit "
        "from raw.observations order by row_number, indicator_code",
    ) == [
        ("quzhou", "衢州高新区", 2023, 12, "revenue", 976.7, "亿元"),
        ("quzhou", "衢州高新区", 2023, 12, "taxes_paid", 12.5, "亿元"),
        ("shijiazhuang", "石家庄高新区", 2023, 12, "revenue", 100.0, "亿元"),
        ("shijiazhuang", "石家庄高新区", 2023, 12, "taxes_paid", 3.0, "亿元"),
    ]


def test_utf8_bom_csv_finds_its_first_header_cell(home):
    [result] = land(home, "utf8_bom.csv")
    assert (result.rows_read, result.rows_landed) == (1, 1)
    assert query(home, "select encoding from audit.ingest_log") == [("utf-8-sig",)]
    assert query(home, "select park_id, indicator_code, value, unit from raw.observations") == [
        ("lanzhou", "high_tech_enterprises", 410.0, "家")
    ]


def test_long_layout_with_english_headers(home):
    [result] = land(home, "long_english.csv")
    # five rows read; the ratio row (研发投入强度) lands no value but is not an error
    assert (result.rows_read, result.rows_landed, result.rows_quarantined) == (5, 5, 0)
    assert query(home, "select layout from audit.ingest_log") == [("long",)]
    assert query(
        home,
        "select row_number, park_id, period_month, indicator_code, value, unit from raw.observations order by row_number",
    ) == [
        (2, "dalian", 9, "revenue", 2500.0, "亿元"),
        (3, "dalian", 9, "high_tech_enterprises", 1000.0, "家"),
        (4, "dalian", 9, "rd_expenditure", 45000.0, "万元"),
        (6, "dalian", 9, "tech_contract_turnover", 145.0, "亿元"),  # empty unit cell: the mart unit
    ]


def test_excel_workbook_every_sheet_with_a_table(home, tmp_path):
    path = tmp_path / "2024Q3_东西部.xlsx"
    workbook = xlsxwriter.Workbook(path)
    workbook.add_worksheet("说明").write("A1", "填表说明：金额单位见各表")
    east = workbook.add_worksheet("东部")
    east.merge_range("A1:E1", "2024年三季度高新区主要经济指标")
    east.write_row("A2", ["园区名称", "统计期", "营业收入", "出口总额", "从业人员期末人数"])
    east.write_row("A3", ["单位", None, "万元", "千元", "人"])
    east.write_row("A4", ["中关村", None, 52000, 1500, 1234])
    east.write_datetime("B4", dt.datetime(2024, 9, 30), workbook.add_format({"num_format": "yyyy-mm-dd"}))
    east.write_row("A5", ["天津滨海", "2024年前三季度", 8000, "—", "２，０００"])
    west = workbook.add_worksheet("西部")
    west.write_row("A1", ["园区名称", "统计期", "指标名称", "数值", "单位"])
    west.write_row("A2", ["兰州高新区", "2024Q3", "营业收入", 300, "亿元"])
    west.write_row("A3", ["兰州高新区", "2024Q3", "发明专利授权量", 20, "万元"])
    workbook.close()

    [result] = land(home, path)
    # the unit row is not a data row; the 说明 sheet holds no table and is skipped
    assert (result.rows_read, result.rows_landed, result.rows_quarantined) == (4, 3, 1)
    assert query(home, "select file_format, layout from audit.ingest_log") == [("xlsx", "long+wide")]
    assert query(
        home,
        "select sheet, row_number, park_id, period_label, period_month, indicator_code, value, unit "
        "from raw.observations order by sheet, row_number, indicator_code",
    ) == [
        ("东部", 4, "beijing_zgc", "2024-09-30", 9, "employees", 1234.0, "人"),
        ("东部", 4, "beijing_zgc", "2024-09-30", 9, "exports", 1500.0, "千元"),
        ("东部", 4, "beijing_zgc", "2024-09-30", 9, "revenue", 52000.0, "万元"),
        ("东部", 5, "tianjin_binhai", "2024年前三季度", 9, "employees", 2000.0, "人"),
        ("东部", 5, "tianjin_binhai", "2024年前三季度", 9, "revenue", 8000.0, "万元"),
        ("西部", 2, "lanzhou", "2024Q3", 9, "revenue", 300.0, "亿元"),
    ]
    assert query(home, "select sheet, row_number, reason from audit.quarantine") == [
        ("西部", 3, "row 3, column 数值: unit '万元' does not fit invention_patents_granted (measured in 件)")
    ]


# --- bad rows go to quarantine, the good rows of the file land ----------------------------------------------


def test_bad_rows_are_quarantined_with_their_reasons(home):
    [result] = land(home, "bad_rows.csv")
    assert (result.rows_read, result.rows_landed, result.rows_quarantined) == (4, 1, 3)
    reasons = dict(query(home, "select row_number, reason from audit.quarantine"))
    assert reasons[2] == "row 2, column 统计期: unknown period label '2024年第五季度'"
    assert reasons[3] == "row 3, column 营业收入: negative revenue (-3): 营业收入 cannot be negative"
    assert reasons[5].startswith("row 5, column 园区: unknown park '武汉东胡高新区' (closest: 武汉东湖新技术开发区, ")
    # net profit may be negative: 大连's row lands whole
    assert query(home, "select indicator_code, value from raw.observations order by indicator_code") == [
        ("net_profit", -2.0),
        ("revenue", 50.0),
    ]


def test_conflicting_duplicates_quarantine_both_rows_identical_ones_land_once(home):
    [result] = land(home, "duplicates.csv")
    assert (result.rows_read, result.rows_landed, result.rows_quarantined) == (4, 1, 3)
    reasons = dict(query(home, "select row_number, reason from audit.quarantine"))
    assert reasons[3] == "row 3: duplicate of row 2"
    assert reasons[4] == "row 4: conflicting values for lanzhou 2024-06 revenue (also given in row 5)"
    assert reasons[5] == "row 5: conflicting values for lanzhou 2024-06 revenue (also given in row 4)"
    assert query(home, "select park_id, indicator_code, value from raw.observations order by indicator_code") == [
        ("wuhan_donghu", "gdp", 50.0),
        ("wuhan_donghu", "revenue", 100.0),
    ]


def test_the_same_figure_in_two_units_is_not_a_conflict(home, tmp_path):
    path = write_csv(tmp_path, "two_units.csv", "园区,统计期,营业收入(亿元),营业收入(万元)\n大连,2024Q2,1.5,15000\n")
    [result] = land(home, path)
    assert (result.rows_read, result.rows_landed, result.rows_quarantined) == (1, 1, 0)
    assert query(home, "select value, unit from raw.observations") == [(1.5, "亿元")]


def test_rows_with_only_missing_values_land_carrying_no_values(home, tmp_path):
    path = write_csv(tmp_path, "blank_values.csv", "园区,统计期,营业收入,净利润\n大连,2024Q2,—,-\n兰州,2024Q2,5,\n\n\n")
    [result] = land(home, path)
    assert (result.rows_read, result.rows_landed, result.rows_quarantined, result.values_landed) == (2, 2, 0, 1)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("园区,统计期,营业收入\n,2024Q2,5\n", "row 2: no park name"),
        ("园区,统计期,营业收入\n大连,,5\n", "row 2, column 统计期: no period given"),
        ("园区,统计期,发明专利授权量(万元)\n大连,2024Q2,5\n",
         "row 2, column 发明专利授权量(万元): unit '万元' does not fit invention_patents_granted (measured in 件)"),
        ("园区,统计期,营业收入(美元)\n大连,2024Q2,5\n", "row 2, column 营业收入(美元): unknown unit '美元' for revenue"),
        ("park,period,indicator,value\ndalian,2024Q2,GDP growth,5\n", "row 2, column indicator: unknown indicator 'GDP growth'"),
        ("园区,统计期,营业收入\n合 计,2024Q2,5\n", "row 2, column 园区: a total row (合 计), not a park"),
    ],
)
def test_more_bad_rows(home, tmp_path, text, reason):
    [result] = land(home, write_csv(tmp_path, "bad.csv", text))
    assert (result.rows_read, result.rows_landed, result.rows_quarantined) == (1, 0, 1)
    [(stored,)] = query(home, "select reason from audit.quarantine")
    assert stored.startswith(reason)


# --- files refused whole --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("no_park_column.csv", "no_park_column.csv: refused: no park column in the header (row 1: 名称, 时间, 营业收入)"),
        ("empty.csv", "empty.csv: refused: empty file"),
        ("report.pdf", "report.pdf: refused: not a table: .pdf is not a submission format (.xlsx or .csv)"),
        ("not_a_table.txt",
         "not_a_table.txt: refused: not a table: no header row with a park and a period column in the first 10 rows"),
    ],
)
def test_unreadable_files_are_refused_whole_and_logged(home, name, line):
    [result] = land(home, name)
    assert result.status == "refused"
    assert result.describe() == line
    assert table_counts(home) == (0, 1, 0)
    assert query(home, "select file_name, status, rows_read, rows_landed, rows_quarantined, message from audit.ingest_log") == [
        (name, "refused", 0, 0, 0, line.split(": refused: ", 1)[1])
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("junk.csv", b"\x00\x01\x02\x03binary\x00junk", "not a table: binary content, not a CSV text"),
        ("latin.csv", "园区,统计期\n".encode() + b"\xff\xfe\x80\n", "cannot decode the CSV: neither UTF-8 nor GBK/GB18030"),
        ("junk.xlsx", b"PK\x03\x04 this is not a workbook", "not a table: not a readable .xlsx workbook"),
        ("no_period.csv", "园区,时间,营业收入\n大连,2024Q2,1\n".encode(), "no period column in the header (row 1: 园区, 时间, 营业收入)"),
        ("no_indicator.csv", "园区,统计期,备注\n大连,2024Q2,无\n".encode(), "no indicator column in the header (row 1: 园区, 统计期, 备注)"),
        ("title_only.csv", "2024年二季度高新区主要经济指标\n\n".encode(), "not a table: no header row with a park and a period"),
        ("blank.csv", b"\n \n\n", "empty file"),
    ],
)
def test_more_refusals(home, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    [result] = land(home, path)
    assert result.status == "refused"
    assert result.message.startswith(message)
    assert table_counts(home) == (0, 1, 0)


def test_a_refused_file_after_a_good_one_leaves_the_good_rows(home):
    good, refused = land(home, "wide_title_rows.csv", "no_park_column.csv")
    assert (good.status, refused.status) == ("landed", "refused")
    assert table_counts(home) == (5, 2, 1)
    assert query(home, "select file_name, status, rows_read, rows_landed from audit.ingest_log order by file_id") == [
        ("wide_title_rows.csv", "landed", 3, 2),
        ("no_park_column.csv", "refused", 0, 0),
    ]


# --- idempotency, vintages, transactions ---------------------------------------------------------------------


def test_landing_the_same_file_twice_changes_nothing(home, tmp_path):
    land(home, "wide_title_rows.csv")
    before = table_counts(home)
    copy = tmp_path / "renamed_copy.csv"
    copy.write_bytes((FIXTURES / "wide_title_rows.csv").read_bytes())
    again, renamed = land(home, "wide_title_rows.csv", copy)
    assert (again.status, renamed.status) == ("skipped", "skipped")
    assert again.describe() == "wide_title_rows.csv: skipped (already landed)"
    assert before == (5, 1, 1)
    assert table_counts(home) == before


def test_a_refused_file_tried_again_is_refused_again_but_logged_once(home):
    first = land(home, "no_park_column.csv")
    again = land(home, "no_park_column.csv")
    assert [r.status for r in first + again] == ["refused", "refused"]
    assert again[0].describe() == first[0].describe()
    assert table_counts(home) == (0, 1, 0)


def test_a_resubmission_lands_as_a_later_vintage(home, tmp_path):
    folder = tmp_path / "landing"
    write_csv(folder, "2024Q2/01_first.csv", "园区,统计期,营业收入\n武汉东湖高新区,2024Q2,100\n")
    write_csv(folder, "2024Q2/02_revised.csv", "园区,统计期,营业收入\n东湖高新区,2024年1-6月,110\n")
    results = land(home, folder)
    assert [r.file_name for r in results] == ["2024Q2/01_first.csv", "2024Q2/02_revised.csv"]
    assert query(
        home,
        "select value, vintage, file_name from raw.observations "
        "where park_id = 'wuhan_donghu' and period_year = 2024 and period_month = 6 order by vintage",
    ) == [(100.0, 1, "2024Q2/01_first.csv"), (110.0, 2, "2024Q2/02_revised.csv")]


def test_a_folder_lands_in_sorted_order_skipping_underscore_and_dot_names(home, tmp_path):
    folder = tmp_path / "landing"
    write_csv(folder, "b/2.csv", "园区,统计期,营业收入\n大连,2024Q2,2\n")
    write_csv(folder, "a.csv", "园区,统计期,营业收入\n大连,2024Q1,1\n")
    write_csv(folder, "_manifest.json", '{"files": 2}')
    write_csv(folder, ".hidden/x.csv", "not a submission")
    write_csv(folder, "_drafts/y.csv", "not a submission")
    results = land(home, folder)
    assert [(r.file_name, r.status, r.file_id) for r in results] == [("a.csv", "landed", 1), ("b/2.csv", "landed", 2)]


def test_a_crash_mid_file_leaves_nothing_of_that_file(home, monkeypatch):
    land(home, "gbk.csv")
    real_insert = landing._insert

    def insert_then_crash(con, statement, frame, lineage):
        real_insert(con, statement, frame, lineage)
        if "audit.quarantine" in statement:
            raise RuntimeError("disk full")

    monkeypatch.setattr(landing, "_insert", insert_then_crash)
    with pytest.raises(RuntimeError, match="disk full"):
        land(home, "bad_rows.csv")
    assert table_counts(home) == (4, 1, 0)

    monkeypatch.setattr(landing, "_insert", real_insert)
    [result] = land(home, "bad_rows.csv")
    assert (result.status, result.file_id) == ("landed", 2)
    assert table_counts(home) == (6, 2, 3)


def test_rows_read_equals_landed_plus_quarantined_for_every_file(home):
    names = ["wide_title_rows.csv", "long_english.csv", "gbk.csv", "utf8_bom.csv", "bad_rows.csv", "duplicates.csv"]
    land(home, *names)
    assert query(
        home,
        "select count(*), sum(rows_read), sum(rows_landed), sum(rows_quarantined), "
        "count(*) filter (where rows_read <> rows_landed + rows_quarantined) from audit.ingest_log",
    ) == [(6, 19, 12, 7, 0)]
    assert query(home, "select count(*) from audit.quarantine") == [(7,)]
    # every landed row carries its file's lineage
    assert query(
        home,
        "select count(*) from raw.observations o join audit.ingest_log l using (file_id) "
        "where o.content_hash <> l.content_hash or o.vintage <> l.file_id",
    ) == [(0,)]


def test_a_missing_path_is_an_error_for_people(home, tmp_path):
    from nhtz.errors import NhtzError

    with pytest.raises(NhtzError, match="no such file or folder"):
        land(home, tmp_path / "nowhere.csv")


def test_the_sample_submissions_land_and_the_correction_revises(home):
    samples = Path(__file__).parents[1] / "seeds" / "samples"
    results = land(home, samples)
    assert [(r.file_name, r.rows_read, r.rows_landed, r.rows_quarantined) for r in results] == [
        ("2024Q2_华东片区_gbk.csv", 5, 5, 0),
        ("2024Q2_华中片区_主要经济指标.xlsx", 7, 6, 1),  # the 合计 row
        ("2024Q2_武汉东湖_更正.xlsx", 1, 1, 0),
        ("2024Q2_西部片区_long.csv", 13, 13, 0),  # the 研发投入强度 row lands no value
        ("2024Q3_dalian_english.csv", 1, 1, 0),
    ]
    assert query(
        home,
        "select value, unit, vintage from raw.observations "
        "where park_id = 'wuhan_donghu' and indicator_code = 'revenue' order by vintage",
    ) == [(126580000.0, "万元", 2), (12702.4, "亿元", 3)]
    # 13.9 万人 is stored as submitted; dbt converts it to 人
    assert query(home, "select value, unit from raw.observations where park_id = 'lanzhou' and indicator_code = 'employees'") == [
        (13.9, "万人")
    ]


def test_a_unit_column_in_a_wide_table_speaks_for_the_columns_it_can_measure(home, tmp_path):
    path = write_csv(tmp_path, "unit_column.csv", "园区,统计期,单位,营业收入,高新技术企业数\n大连,2024Q2,万元,25000,1046\n")
    [result] = land(home, path)
    assert (result.rows_read, result.rows_landed) == (1, 1)
    assert query(home, "select indicator_code, value, unit from raw.observations order by indicator_code") == [
        ("high_tech_enterprises", 1046.0, "家"),
        ("revenue", 25000.0, "万元"),
    ]


@pytest.mark.parametrize(
    ("park_header", "period_header"),
    [("园区", "统计期"), ("园区名称", "报告期"), ("高新区名称", "统计时间"), ("单位名称", "期别"), ("park", "period"),
     ("Park Name", "Period"), ("园区名称", "统计期（年月）")],
)
def test_every_accepted_park_and_period_header(home, tmp_path, park_header, period_header):
    path = write_csv(tmp_path, "headers.csv", f"{park_header},{period_header},营业收入\n大连,2024Q2,7\n")
    [result] = land(home, path)
    assert (result.status, result.rows_landed) == ("landed", 1)
    assert query(home, "select park_id, period_month, value from raw.observations") == [("dalian", 6, 7.0)]
