"""The park feedback workbook (审核反馈), on the marts fixture built by dbt (tests/marts_fixture.py).

The fixture's findings a person can list from marts_fixture's docstring: in 2023Q3 兰州 (lanzhou) has one error
(revenue YTD 45 < 50, R01) and 广州 (guangzhou) a warning on its copied revenue (R07); in 2023Q4 广州 has an error on
industrial_value_added (120 > 100, R02) and 厦门火炬 a warning (energy +90 % against +30 % for the like-for-like
parks, R05). Every other park active at the quarter's end that sent nothing has one R08 warning: 178 − 5 = 173
of them in 2023Q4. The build judges warnings on clean values only, so the fold of a warning under an error on the
same value is tested with one warning added by hand (`small_2023q4`).
"""

import errno
import shutil
from datetime import date

import duckdb
import openpyxl
import pytest
from typer.testing import CliRunner

from nhtz.cli import app
from nhtz.errors import NhtzError
from nhtz.home import Home
from nhtz.report.excel import Book, sheet_name
from nhtz.report.feedback import fold_findings, write_park_feedback

TODAY = date(2024, 1, 25)  # the deadline is 10 days later by default: 2024-02-04
PARK_HEADER = ("序号", "级别", "审核规则", "指标", "报送值", "单位", "审核说明", "处理要求", "更正值", "情况说明")
PARK_TABLE_ROW = 8  # title, 园区全称, 园区代码, 报告期, 反馈截止日期, 填报说明, a blank row, then the table header
SUMMARY_TABLE_ROW = 7  # title, 报告期, 反馈截止日期, 填报说明, 生成时间, a blank row, then the table header


@pytest.fixture(scope="module")
def built_home(built_fixture_home):
    """The marts fixture built by dbt once per test process (tests/conftest.py); read-only here: workbooks are written
    into folders of their own, and a test that changes the database changes a copy."""
    return built_fixture_home


def home_copy(built_home: Home, root) -> Home:
    home = Home(root).ensure()
    shutil.copy(built_home.working_db, home.working_db)
    return home


def values_of(path):
    """The workbook's values only: openpyxl's read-only mode opens 176 sheets in a second, not ten."""
    return openpyxl.load_workbook(path, read_only=True)


@pytest.fixture(scope="module")
def feedback_2023q4(built_home, tmp_path_factory):
    return values_of(write_park_feedback(built_home, "2023q4", out_dir=tmp_path_factory.mktemp("q4"), today=TODAY))


FOLDED_WARNING = "规上工业增加值累计同比增速200.0%，与同期全国可比口径增速10.0%相差超过30.0个百分点"


@pytest.fixture(scope="module")
def small_2023q4(built_home, tmp_path_factory):
    """The same quarter with one of the 173 parks that sent nothing and, by hand, a warning on the value of
    guangzhou's error; opened whole (styles, print setup, links)."""
    home = home_copy(built_home, tmp_path_factory.mktemp("small") / "home")
    with duckdb.connect(str(home.working_db)) as con:
        con.execute("delete from audit.findings where rule_id = 'R08' and park_id <> 'ankang'")
        # a value with more decimals than the form shows: it is stored to the 万元, as 19.1235 亿元
        con.execute("update audit.findings set value = 19.12345678 where park_id = 'xiamen_huoju' and quarter = '2023Q4'")
        con.execute(
            "insert into audit.findings by name select 'guangzhou' as park_id, '2023Q4' as quarter, "
            "'industrial_value_added' as indicator_code, 'R05' as rule_id, 'warning' as severity, "
            "? as message, 120.0 as value",
            [FOLDED_WARNING],
        )
    return openpyxl.load_workbook(write_park_feedback(home, "2023Q4", today=TODAY))


def block(sheet, rows: int) -> dict:
    """The header block (`label | value` rows under the title) as a dict."""
    return {label: value for label, value, *_ in sheet.iter_rows(min_row=2, max_row=1 + rows, values_only=True)}


def table(sheet, header_row: int) -> list[tuple]:
    return [row for row in sheet.iter_rows(min_row=header_row, values_only=True) if any(v is not None for v in row)]


def test_feedback_workbook_lands_in_the_quarter_report_folder(built_home, tmp_path):
    home = home_copy(built_home, tmp_path / "home")
    path = write_park_feedback(home, "2023Q3", today=TODAY)
    assert path == home.reports / "2023Q3" / "审核反馈_2023Q3.xlsx"
    assert [p.name for p in path.parent.iterdir()] == ["审核反馈_2023Q3.xlsx"]  # no temporary file left over


def test_summary_has_the_header_block_and_counts_per_park(built_home, feedback_2023q4):
    summary = feedback_2023q4["汇总"]
    assert summary["A1"].value == "国家高新区统计数据审核反馈（汇总）"
    header = block(summary, 4)
    assert header["报告期"] == "2023Q4（2023年全年）"
    assert header["反馈截止日期"] == "2024年2月4日"  # 2024-01-25 + 10 days
    assert header["生成时间"].endswith("（北京时间）")
    rows = table(summary, SUMMARY_TABLE_ROW)
    assert rows[0] == ("园区代码", "园区全称", "区域", "错误数", "警告数", "工作表")
    # parks with errors first, then by their number of warnings and id
    assert rows[1] == ("guangzhou", "广州高新技术产业开发区", "东部", 1, 0, "广州")
    assert len(rows) == 1 + 2 + 173  # guangzhou, xiamen_huoju and the 173 parks that sent nothing
    assert ("xiamen_huoju", "厦门火炬高技术产业开发区", "东部", 0, 1, "厦门火炬") in rows
    assert sum(r[3] for r in rows[1:]) == 1 and sum(r[4] for r in rows[1:]) == 1 + 173
    with duckdb.connect(str(built_home.working_db), read_only=True) as con:
        assert con.execute("select count(*) from audit.findings where quarter = '2023Q4'").fetchone()[0] == 175


def test_summary_links_to_each_park_sheet(small_2023q4):
    summary = small_2023q4["汇总"]
    assert small_2023q4.sheetnames == ["汇总", "广州", "安康", "厦门火炬"]
    assert [summary.cell(row, 6).hyperlink.location for row in range(SUMMARY_TABLE_ROW + 1, SUMMARY_TABLE_ROW + 4)] == [
        "'广州'!A1", "'安康'!A1", "'厦门火炬'!A1",
    ]


def test_park_sheet_is_a_form_the_park_can_answer(small_2023q4):
    sheet = small_2023q4["广州"]
    assert sheet["A1"].value == "统计数据审核反馈表"
    assert block(sheet, 5) == {
        "园区全称": "广州高新技术产业开发区",
        "园区代码": "guangzhou",
        "报告期": "2023Q4（2023年全年）",
        "反馈截止日期": "2024年2月4日",
        "填报说明": (
            "错误：该数值未纳入任何汇总，请核实后在“更正值”栏填写正确数值并重新报送；"
            "警告：数值已保留，请在“情况说明”栏说明原因。请在反馈截止日期前将本表返回火炬中心。"
        ),
    }
    header, *rows = table(sheet, PARK_TABLE_ROW)
    assert header == PARK_HEADER
    # one row, not two: the +200 % warning is on the same value (guangzhou, 2023Q4, industrial_value_added)
    assert rows == [
        (
            1, "错误", "R02", "规上工业增加值", 120, "亿元",
            "规上工业增加值(120.0亿元)超过规上工业总产值(100.0亿元)\n"
            "同一数值另有警告（R05）：" + FOLDED_WARNING,
            "更正：请核实后在“更正值”栏填写正确数值，并重新报送", None, None,
        )
    ]


def test_answer_cells_are_marked_and_values_formatted(small_2023q4):
    sheet = small_2023q4["广州"]
    # the answer cells are there to be filled in: empty, bordered and shaded
    for column in (9, 10):
        answer = sheet.cell(PARK_TABLE_ROW + 1, column)
        assert answer.value is None and answer.fill.fgColor.rgb.endswith("FFF9DB") and answer.border.left.style
    # the park's own figure to the 万元 (four decimals of 亿元), so that it recognises what it sent
    assert sheet.cell(PARK_TABLE_ROW + 1, 5).number_format == "#,##0.0000"
    assert small_2023q4["厦门火炬"].cell(PARK_TABLE_ROW + 1, 5).value == 19.1235  # stored as shown
    assert small_2023q4["汇总"].cell(SUMMARY_TABLE_ROW + 1, 4).number_format == "#,##0"  # a count, whole
    # the message row is tall enough for its two lines (the error and the folded warning)
    assert sheet.row_dimensions[PARK_TABLE_ROW + 1].height >= 2 * 14


def test_a_park_that_sent_nothing_is_asked_to_explain(feedback_2023q4):
    sheet = feedback_2023q4["安康"]
    _, *rows = table(sheet, PARK_TABLE_ROW)
    assert [(r[1], r[2], r[3], r[4], r[7]) for r in rows] == [
        ("警告", "R08", "全部指标", None, "说明：请在“情况说明”栏说明原因")
    ]


def test_each_finding_of_2023q3_is_one_question(built_home, tmp_path):
    book = values_of(write_park_feedback(built_home, "2023Q3", out_dir=tmp_path, today=TODAY))
    _, *guangzhou = table(book["广州"], PARK_TABLE_ROW)
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in guangzhou] == [(1, "警告", "R07", "营业收入", 200)]
    _, *lanzhou = table(book["兰州"], PARK_TABLE_ROW)
    assert [(r[1], r[2], r[4], r[6]) for r in lanzhou] == [("错误", "R01", 45, "2023Q3营业收入累计值(45.0亿元)低于上季累计值(50.0亿元)")]
    assert book.sheetnames[:2] == ["汇总", "兰州"]  # the park with an error first


def test_every_sheet_prints_landscape_one_page_wide_with_its_header_repeated(small_2023q4):
    for sheet in small_2023q4:
        name = sheet.title
        setup = sheet.page_setup
        assert setup.orientation == "landscape"
        assert setup.paperSize == 9  # A4
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert (setup.fitToWidth or 1) == 1  # an absent fitToWidth is 1 in the file format
        assert setup.fitToHeight == 0  # as many pages high as needed
        rows = SUMMARY_TABLE_ROW if name == "汇总" else PARK_TABLE_ROW
        assert sheet.print_title_rows == f"$1:${rows}"
        assert sheet.freeze_panes == f"A{rows + 1}"


def test_the_deadline_is_a_setting(built_home, tmp_path):
    home = home_copy(built_home, tmp_path / "home")
    (home.root / "nhtz.toml").write_text("feedback_days = 5\n", encoding="utf-8")
    book = values_of(write_park_feedback(home, "2023Q4", today=date(2024, 12, 30)))
    assert block(book["广州"], 5)["反馈截止日期"] == "2025年1月4日"


def test_fold_findings_by_hand():
    def finding(park, indicator, rule, severity, message):
        return {"park_id": park, "park_name": f"{park}高新技术产业开发区", "short_name": park, "region": "东部",
                "indicator_code": indicator, "rule_id": rule, "severity": severity, "message": message,
                "indicator_name": indicator, "value": 1.0, "unit": "亿元"}

    parks = fold_findings(
        [
            finding("甲", "gdp", "R01", "error", "累计值下降"),
            finding("甲", "gdp", "R05", "warning", "增速偏高"),
            finding("甲", "gdp", "R07", "warning", "照抄上季"),
            finding("甲", "revenue", "R05", "warning", "营收增速偏高"),
            finding("乙", None, "R08", "warning", "未报送"),
            finding("乙", "gdp", "R05", "warning", "增速偏高"),
        ]
    )
    assert [(p.park_id, p.n_error, p.n_warning) for p in parks] == [("甲", 1, 3), ("乙", 0, 2)]
    assert [(r["number"], r["rule_id"], r["message"]) for r in parks[0].rows] == [
        (1, "R01", "累计值下降\n同一数值另有警告（R05）：增速偏高\n同一数值另有警告（R07）：照抄上季"),
        (2, "R05", "营收增速偏高"),
    ]
    assert [r["rule_id"] for r in parks[1].rows] == ["R08", "R05"]  # nothing to fold without an error


def test_a_full_disk_leaves_no_partial_workbook(built_home, tmp_path, monkeypatch):
    """The writer fails half-way (ENOSPC): one line for people, and the folder holds no file at all."""

    def half_written(self):
        path = self.book.filename
        with open(path, "wb") as handle:
            handle.write(b"PK\x03\x04 half a zip")
        raise OSError(errno.ENOSPC, "No space left on device", path)

    monkeypatch.setattr(Book, "close", half_written)
    folder = tmp_path / "out"
    with pytest.raises(NhtzError) as failure:
        write_park_feedback(built_home, "2023Q4", out_dir=folder, today=TODAY)
    assert str(failure.value) == (
        f"cannot write {folder / '审核反馈_2023Q4.xlsx'}: No space left on device; nothing was left behind"
    )
    assert list(folder.iterdir()) == []


def test_a_full_disk_keeps_the_previous_workbook_whole(built_home, tmp_path, monkeypatch):
    folder = tmp_path / "out"
    path = write_park_feedback(built_home, "2023Q4", out_dir=folder, today=TODAY)
    before = path.read_bytes()

    def full_disk(self):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Book, "close", full_disk)
    result = CliRunner().invoke(app, ["feedback", "2023Q4", "--home", str(built_home.root), "--out", str(folder)])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1].endswith("No space left on device; nothing was left behind")
    assert "Traceback" not in result.output
    assert [p.name for p in folder.iterdir()] == [path.name] and path.read_bytes() == before


def test_feedback_without_findings_still_writes_a_summary(built_home, tmp_path):
    home = home_copy(built_home, tmp_path / "home")
    with duckdb.connect(str(home.working_db)) as con:
        con.execute("delete from audit.findings where quarter = '2023Q4'")
    book = openpyxl.load_workbook(write_park_feedback(home, "2023Q4", out_dir=tmp_path / "out"))
    assert book.sheetnames == ["汇总"]
    assert book["汇总"].cell(SUMMARY_TABLE_ROW + 1, 1).value == "2023Q4 无审核发现 (no findings)"


def test_feedback_without_findings_table_says_so(built_home, tmp_path):
    home = home_copy(built_home, tmp_path / "home")
    with duckdb.connect(str(home.working_db)) as con:
        con.execute("drop table audit.findings")
    with pytest.raises(NhtzError, match="cannot read audit findings from .*Table with name findings does not exist"):
        write_park_feedback(home, "2023Q4")


def test_feedback_refuses_a_bad_quarter(tmp_path):
    with pytest.raises(NhtzError, match="quarter '2024-06' is not of the form YYYYQn"):
        write_park_feedback(Home(tmp_path), "2024-06")


def test_feedback_without_a_working_database_says_so(tmp_path):
    with pytest.raises(NhtzError, match="no working database in .*run `nhtz build` first"):
        write_park_feedback(Home(tmp_path), "2024Q2")


@pytest.mark.parametrize(
    ("wanted", "taken", "expected"),
    [
        ("武汉东湖", set(), "武汉东湖"),
        ("a/b:c*d?e[f]", set(), "a_b_c_d_e_f_"),
        ("武汉东湖", {"武汉东湖"}, "武汉东湖_2"),
        ("武汉东湖", {"武汉东湖", "武汉东湖_2"}, "武汉东湖_3"),
        ("x" * 40, set(), "x" * 28),
        ("x" * 40, {"x" * 28}, "x" * 26 + "_2"),
        ("", set(), "园区"),
    ],
)
def test_sheet_names_are_valid_excel_names(wanted, taken, expected):
    assert sheet_name(wanted, set(taken)) == expected
