"""The park feedback workbook (审核反馈), on the marts fixture built by dbt (tests/marts_fixture.py).

The fixture's findings a person can list from marts_fixture's docstring: in 2023Q3 兰州 (lanzhou) has one error
(revenue YTD 45 < 50, R01) and 广州 (guangzhou) two warnings on its copied revenue (R05 −33.3 %, R07); in 2023Q4
广州 has an error on industrial_value_added (120 > 100, R02) and a warning on the same value (R05 +200 %), and
厦门火炬 one warning (energy +90 %). Every other active park that sent nothing has one R08 warning.
"""

import shutil

import duckdb
import openpyxl
import pytest

from data_quality.feedback import _sheet_name, write_park_feedback
from nhtz.errors import NhtzError
from nhtz.home import Home


@pytest.fixture(scope="module")
def built_home(tmp_path_factory):
    from marts_fixture import build_fixture_home

    return build_fixture_home(tmp_path_factory.mktemp("feedback"))


@pytest.fixture(scope="module")
def feedback_2023q3(built_home):
    return write_park_feedback(built_home, "2023q3")


def test_feedback_workbook_lands_in_the_quarter_report_folder(built_home, feedback_2023q3):
    assert feedback_2023q3 == built_home.reports / "2023Q3" / "审核反馈_2023Q3.xlsx"


def test_feedback_summary_counts_errors_and_warnings_per_park(built_home, feedback_2023q3):
    book = openpyxl.load_workbook(feedback_2023q3)
    rows = list(book["汇总"].iter_rows(values_only=True))
    assert rows[0] == ("园区代码", "园区名称", "地区", "错误数", "警告数", "工作表")
    # parks with errors first, then the most warnings
    assert rows[1][:5] == ("lanzhou", "兰州高新技术产业开发区", "西部", 1, 0)
    assert rows[2][:5] == ("guangzhou", "广州高新技术产业开发区", "东部", 0, 2)
    with duckdb.connect(str(built_home.working_db), read_only=True) as con:
        n_parks = con.execute("select count(distinct park_id) from audit.findings where quarter = '2023Q3'").fetchone()[0]
    assert len(rows) == 1 + n_parks
    assert book.sheetnames[:3] == ["汇总", "兰州", "广州"]


def test_feedback_without_findings_still_writes_a_summary(built_home, tmp_path):
    home = Home(tmp_path / "copy").ensure()
    shutil.copy(built_home.working_db, home.working_db)
    with duckdb.connect(str(home.working_db)) as con:
        con.execute("delete from audit.findings where quarter = '2023Q4'")
    book = openpyxl.load_workbook(write_park_feedback(home, "2023Q4", out_dir=tmp_path / "out"))
    assert book.sheetnames == ["汇总"]
    assert book["汇总"]["A2"].value == "2023Q4 无审核发现 (no findings)"


def test_feedback_without_findings_table_says_so(built_home, tmp_path):
    home = Home(tmp_path / "copy").ensure()
    shutil.copy(built_home.working_db, home.working_db)
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
    ("short_name", "taken", "expected"),
    [
        ("武汉东湖", set(), "武汉东湖"),
        ("a/b:c*d?e[f]", set(), "a_b_c_d_e_f_"),
        ("武汉东湖", {"武汉东湖"}, "武汉东湖_2"),
        ("x" * 40, set(), "x" * 28),
        ("", set(), "园区"),
    ],
)
def test_feedback_sheet_names_are_valid_excel_names(short_name, taken, expected):
    assert _sheet_name(short_name, set(taken)) == expected
