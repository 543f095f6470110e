"""`nhtz explain` on the published marts fixture (tests/marts_fixture.py): a revision (park A's gdp 2023Q4, 40 then
44), values held out (B's industrial value added 120 > output 100; D's revenue YTD falling 50 -> 45) and a late park
(E, from 2023Q2). Every expected number and file name is worked out here from the fixture's submissions, never
read back from the code under test."""

import json
import shutil

import pytest
from typer.testing import CliRunner

from marts_fixture import A_GDP_2023Q4_FIRST_VINTAGE, PARKS, SUBMITTED, YTD, landed_rows
from nhtz.cli import app
from nhtz.errors import NhtzError
from nhtz.explain import explain, render
from nhtz.home import Home

A, B, C, D, E = (PARKS[letter] for letter in "ABCDE")


def landed(park_id: str, year: int, month: int, indicator: str) -> list[dict]:
    """The fixture's landed rows of one value, in landing order (vintage = file id)."""
    wanted = (park_id, year, month, indicator)
    key = ("park_id", "period_year", "period_month", "indicator_code")
    rows = [r for r in landed_rows() if tuple(r[k] for k in key) == wanted]
    return sorted(rows, key=lambda r: r["vintage"])


def current_file(park_id: str, year: int, month: int, indicator: str) -> str:
    return landed(park_id, year, month, indicator)[-1]["file_name"]


@pytest.fixture(scope="module")
def home(published_home) -> Home:
    return published_home


def test_a_revised_park_value_names_both_vintages_their_files_and_which_is_current(home):
    first, revision = landed(A, 2023, 12, "gdp")
    assert (first["value"], revision["value"]) == (A_GDP_2023Q4_FIRST_VINTAGE, 44)

    explained = explain(home, "2023Q4", "gdp", park=A)

    vintages = [(v["vintage"], v["submitted_value"], v["file_name"], v["row_number"], v["is_current"])
                for v in explained["vintages"]]
    assert vintages == [
        (first["vintage"], 40, "xiamen_huoju_2023-12.csv", first["row_number"], False),
        (revision["vintage"], 44, "xiamen_huoju_2023-12_更正.csv", revision["row_number"], True),
    ]
    assert explained["vintages"][0]["fate"] == f"已被版次 {revision['vintage']}（xiamen_huoju_2023-12_更正.csv）修订"
    assert explained["published"]["value_ytd"] == 44 and explained["published"]["revision_count"] == 1
    # 44 − 33 = 11, against 40 and 10 a year earlier: +10 % both ways
    single = explained["single_quarter"]
    assert (single["value_ytd"], single["previous_quarter"], single["previous_ytd"], single["value_q"]) == (
        44, "2023Q3", 33, 11)
    assert explained["growth"]["ytd"]["base"] == 40 and explained["growth"]["ytd"]["pct"] == pytest.approx(10.0)
    assert explained["growth"]["q"]["base"] == 10 and explained["growth"]["q"]["pct"] == pytest.approx(10.0)
    assert explained["status"] == {"quality_status": "ok", "meaning": "正常", "note": None, "counts_in_aggregates": True}

    text = render(explained, "text")
    assert "xiamen_huoju_2023-12.csv 第 2 行" in text and "xiamen_huoju_2023-12_更正.csv 第 2 行" in text
    assert f"版次 {revision['vintage']}：报送 44 亿元" in text and "采用" in text
    assert "单季值 = 本季累计 − 上季（2023Q3）累计 = 44 − 33 = 11 亿元" in text
    assert "累计增速 = (44 ÷ 40 − 1) × 100 = 10.0%，增长10.0%（基期 2022Q4 累计 40 亿元）" in text
    # landed 2024-01-01 00:00 UTC is 08:00 in Beijing
    assert "入库 2024年1月1日 08:00（北京时间）" in text


@pytest.mark.parametrize("name", [
    "xiamen_huoju", "厦门火炬高技术产业开发区", "厦门火炬", "厦门火炬高新区", "厦门高新技术产业开发区", " 厦门火炬 ",
])
def test_a_park_is_found_by_id_official_name_short_name_or_alias(home, name):
    assert explain(home, "2023Q4", "gdp", park=name)["park"]["park_id"] == A


def test_an_unknown_park_gets_the_closest_names(home):
    with pytest.raises(NhtzError, match=r"unknown park '厦门火距' \(closest: 厦门火炬高技术产业开发区"):
        explain(home, "2023Q4", "gdp", park="厦门火距")


def test_the_conversion_from_the_submitted_unit(home):
    # lanzhou submits gdp in 万元: 100000 万元 × 0.0001 = 10 亿元, the previous quarter 50000 万元 = 5 亿元
    explained = explain(home, "2023Q2", "gdp", park=D)
    unit, values = SUBMITTED["D"]["gdp"]
    assert unit == "万元" and values["2023Q2"] == 100000
    sources = {s["source_role"]: s for s in explained["sources"]}
    assert (sources["value_ytd"]["submitted_value"], sources["value_ytd"]["submitted_unit"]) == (100000, "万元")
    assert sources["value_ytd"]["conversion_factor"] == pytest.approx(0.0001)
    assert sources["value_ytd"]["value"] == pytest.approx(10.0)
    assert sources["previous_ytd"]["value"] == pytest.approx(5.0)
    assert sources["previous_ytd"]["file_name"] == current_file(D, 2023, 3, "gdp") == "lanzhou_2023-03.csv"
    text = render(explained, "text")
    assert "本期值 2023Q2 gdp：100000 万元 × 0.0001 = 10 亿元（lanzhou_2023-06.csv 第 2 行" in text


def test_a_value_in_error_and_the_value_derived_from_it(home):
    # lanzhou revenue YTD 2023Q3 = 45 亿元 < 50 in 2023Q2: an error (R01); 2023Q4's single quarter would subtract it
    wrong = explain(home, "2023Q3", "revenue", park=D)
    assert wrong["published"]["value_ytd"] == pytest.approx(45.0)
    assert wrong["status"]["quality_status"] == "error" and not wrong["status"]["counts_in_aggregates"]
    assert [(f["rule_id"], f["severity"], f["on"]) for f in wrong["findings"]] == [("R01", "error", "本值")]
    assert wrong["single_quarter"]["value_q"] is None and wrong["growth"]["ytd"]["pct"] is None

    after = explain(home, "2023Q4", "revenue", park=D)
    assert after["status"]["quality_status"] == "derived_from_error"
    assert after["status"]["counts_in_aggregates"]  # its own YTD, 60, is sound and counts
    assert after["single_quarter"]["previous_ytd"] == pytest.approx(45.0)
    assert after["single_quarter"]["value_q"] is None
    assert after["single_quarter"]["why_null"] == "上季（2023Q3）累计值审核错误，单季值不计算"
    # YTD growth is fine: 60 against 80 a year earlier
    assert after["growth"]["ytd"]["pct"] == pytest.approx((60 / 80 - 1) * 100)
    assert [(f["rule_id"], f["quarter"], f["on"]) for f in after["findings"]] == [
        ("R01", "2023Q3", "上季累计值（单季值的减数）")]


def test_a_park_ratio_shows_its_numerator_denominator_and_both_vintages_of_the_revised_one(home):
    explained = explain(home, "2023Q4", "rd_intensity", park=A)
    ratio = explained["ratio"]
    assert (ratio["numerator"]["value_ytd"], ratio["denominator"]["value_ytd"], ratio["multiplier"]) == (2.2, 44, 100)
    assert ratio["value"] == pytest.approx(2.2 / 44 * 100)  # 5 %
    assert [(v["indicator_code"], v["submitted_value"]) for v in explained["vintages"]] == [
        ("gdp", 40), ("gdp", 44), ("rd_expenditure", 2.2)]
    # 2.2 / 44 = 2.0 / 40: no change in points
    assert explained["growth"]["pp"]["points"] == pytest.approx(0.0, abs=1e-9)
    assert "研发投入强度 = rd_expenditure ÷ gdp × 100 = 2.2 ÷ 44 × 100 = 5%" in render(explained, "text")


def test_a_park_that_did_not_report_has_no_value_and_its_missing_submission(home):
    explained = explain(home, "2023Q2", "gdp", park=C)
    assert explained["published"] is None and explained["vintages"] == []
    assert [(f["rule_id"], f["on"]) for f in explained["findings"]] == [("R08", "园区")]
    assert "该园区本季度未报送此值" in render(explained, "text")


def test_a_national_value_names_every_park_and_every_file_behind_it(home):
    explained = explain(home, "2023Q4", "gdp")
    parts = {p["park_id"]: p for p in explained["parts"]}
    assert {park: p["value_ytd"] for park, p in parts.items()} == {
        PARKS[letter]: YTD[(letter, "gdp", "2023Q4")] for letter in "ABCDE"}
    for park_id, part in parts.items():
        files = {(f["source_role"], f["file_name"]) for f in part["files"]}
        assert files == {("value_ytd", current_file(park_id, 2023, 12, "gdp")),
                         ("previous_ytd", current_file(park_id, 2023, 9, "gdp"))}
    assert parts[A]["files"][0]["file_name"] == "xiamen_huoju_2023-12_更正.csv"
    # 44 + 84 + 24 + 20 + 44 = 216 over 5 parks; like-for-like A..D: 172 against 156; E is new, never like-for-like
    assert explained["total"]["value_ytd"] == pytest.approx(216) and explained["total"]["n_parks"] == 5
    lfl = explained["growth"]["like_for_like"]
    assert sorted(lfl["park_ids"]) == sorted([A, B, C, D]) and lfl["n_parks_growing"] == 4
    assert (lfl["value_ytd"], lfl["last_year_value_ytd"]) == (pytest.approx(172), pytest.approx(156))
    assert lfl["pct"] == pytest.approx((172 / 156 - 1) * 100)
    assert explained["growth"]["all_parks"]["pct"] == pytest.approx((216 / 156 - 1) * 100)
    assert explained["held_out"] == []
    assert explained["check"] and all(c["agrees"] for c in explained["check"])

    text = render(explained, "text")
    for park_id in parts:
        assert current_file(park_id, 2023, 12, "gdp") in text and current_file(park_id, 2023, 9, "gdp") in text
    assert "累计值 Σ = 44 + 84 + 20 + 24 + 44 = 216 亿元，n = 5" in text  # in park_id order: akesu .. xiamen


def test_a_national_value_with_a_park_held_out_says_why(home):
    # revenue 2023Q3: D's 45 < 50 is an error; A 165 + B 200 + C 90 + E 165 = 620; like-for-like A, B, C
    explained = explain(home, "2023Q3", "revenue")
    assert [(h["park_id"], h["quality_status"], [f["rule_id"] for f in h["findings"]]) for h in explained["held_out"]] \
        == [(D, "error", ["R01"])]
    assert explained["total"]["value_ytd"] == pytest.approx(620) and explained["total"]["n_parks"] == 4
    lfl = explained["growth"]["like_for_like"]
    assert (lfl["value_ytd"], lfl["last_year_value_ytd"], lfl["n_parks"], lfl["n_parks_growing"]) == (
        pytest.approx(455), pytest.approx(540), 3, 1)
    assert all(c["agrees"] for c in explained["check"])
    assert "2023Q3营业收入累计值(45.0亿元)低于上季累计值(50.0亿元)" in render(explained, "text")


def test_a_region_whose_only_park_is_held_out_has_no_published_value(home):
    # guangzhou's industrial value added 120 > its output 100: the only 东部 value, held out; no regional row
    explained = explain(home, "2023Q4", "industrial_value_added", region="东部")
    assert explained["published"] is None and explained["total"]["n_parks"] == 0
    assert [(h["park_id"], [f["rule_id"] for f in h["findings"]]) for h in explained["held_out"]] == [(B, ["R02"])]
    assert "规上工业增加值(120.0亿元)超过规上工业总产值(100.0亿元)" in render(explained, "text")


def test_a_region_with_a_late_park_compares_like_for_like_without_it(home):
    # 西部 gdp 2023Q4: D 20 + E 44 = 64; last year D 16 alone; like-for-like D: 20 / 16 = +25 %
    explained = explain(home, "2023Q4", "gdp", region="西部")
    assert explained["total"]["value_ytd"] == pytest.approx(64)
    assert explained["growth"]["all_parks"]["pct"] == pytest.approx(300.0)
    assert explained["growth"]["like_for_like"]["park_ids"] == [D]
    assert explained["growth"]["like_for_like"]["pct"] == pytest.approx(25.0)
    assert all(c["agrees"] for c in explained["check"])


def test_a_national_ratio_is_sum_over_sum_of_the_parks_with_both(home):
    # energy intensity 2023Q4: only A, B, D report energy: (19 + 16 + 4) / (44 + 84 + 20) 吨标准煤/万元
    explained = explain(home, "2023Q4", "energy_intensity")
    total = explained["total"]
    assert (total["numerator"], total["denominator"]) == (pytest.approx(39), pytest.approx(148))
    assert explained["total"]["value_ytd"] == pytest.approx(39 / 148)
    assert sorted(p["park_id"] for p in explained["parts"]) == sorted([A, B, D])
    assert all(c["agrees"] for c in explained["check"])


def test_json_has_the_documented_shape(home):
    outcome = CliRunner().invoke(app, ["explain", "2023Q4", "gdp", "--park", "厦门火炬", "--format", "json",
                                       "--home", str(home.root)])
    assert outcome.exit_code == 0, outcome.output
    document = json.loads(outcome.stdout)
    assert document["shape"] == "nhtz.explain/1" and document["scope"] == "park"
    assert set(document) == {"shape", "scope", "quarter", "indicator", "park", "published", "status", "vintages",
                             "sources", "single_quarter", "ratio", "growth", "findings"}
    assert document["vintages"][1]["landed_at"] == "2024-01-01T00:00:00+00:00"

    national = json.loads(CliRunner().invoke(
        app, ["explain", "2023Q4", "gdp", "--format", "json", "--home", str(home.root)]).stdout)
    assert set(national) == {"shape", "scope", "region", "quarter", "indicator", "published", "parts", "held_out",
                             "total", "growth", "check"}
    assert national["scope"] == "national" and national["published"]["value_ytd"] == pytest.approx(216)


@pytest.mark.parametrize("arguments, message", [
    (["2023Q4", "gdp", "--park", "nowhere"], "unknown park 'nowhere'"),
    (["2023Q4", "gpd"], "unknown indicator 'gpd' (closest: gdp (园区生产总值)"),
    (["2023Q4", "gdp", "--park", "lanzhou", "--region", "西部"], "give --park or --region, not both"),
    (["2023Q4", "gdp", "--region", "南部"], "unknown region '南部': one of 东北, 东部, 中部, 西部"),
    (["2030Q1", "gdp"], "quarter 2030Q1 is not in the serving database"),
    (["2023Q5", "gdp"], "quarter '2023Q5' is not of the form YYYYQn"),
    (["2023Q4", "gdp", "--format", "xml"], "unknown format 'xml': use one of text, json"),
])
def test_bad_requests_are_one_line(home, arguments, message):
    outcome = CliRunner().invoke(app, ["explain", *arguments, "--home", str(home.root)])
    assert outcome.exit_code == 1
    assert outcome.stderr.startswith("nhtz: error: ") and message in outcome.stderr
    assert len(outcome.stderr.strip().splitlines()) == 1 and "Traceback" not in outcome.output


def test_explain_reads_the_serving_database_alone(home, tmp_path):
    # without the working database (and its raw and intermediate tables) the explanation is the same
    copy = Home(tmp_path / "home")
    shutil.copytree(home.root, copy.root, symlinks=True)
    copy.working_db.unlink()
    assert explain(copy, "2023Q4", "gdp", park=A) == explain(home, "2023Q4", "gdp", park=A)


def test_nothing_published_yet(tmp_path):
    with pytest.raises(NhtzError, match="nothing is published yet"):
        explain(Home(tmp_path), "2023Q4", "gdp")


def test_revisions_keep_every_landed_value_with_its_file_row_and_factor(home):
    import duckdb

    con = duckdb.connect(str(home.serving_db), read_only=True)
    try:
        assert con.execute("select count(*) from audit.revisions").fetchone()[0] == len(landed_rows())
        assert con.execute(
            "select value, is_current from audit.revisions "
            "where park_id = ? and period = '2023Q4' and indicator_code = 'gdp' order by vintage", [A]
        ).fetchall() == [(40.0, False), (44.0, True)]
        # lanzhou's employees in 万人: 0.8 × 10000 = 8000 人
        assert con.execute(
            "select submitted_value, submitted_unit, conversion_factor, value from audit.revisions "
            "where park_id = ? and period = '2023Q4' and indicator_code = 'employees'", [D]
        ).fetchall() == [(0.8, "万人", 10000.0, 8000.0)]
        # wuhan_donghu sent nothing for 2023Q2: its 2023Q3 single quarter has a source that never landed
        assert con.execute(
            "select source_quarter, file_name from audit.value_lineage "
            "where park_id = ? and quarter = '2023Q3' and indicator_code = 'gdp' and source_role = 'previous_ytd'", [C]
        ).fetchall() == [("2023Q2", None)]
    finally:
        con.close()


def test_vintages_say_revised_resent_or_restored():
    """40, corrected to 44, the correction resent unchanged, then 40 restored as a new vintage: what became of each."""
    import duckdb

    from nhtz.explain.park import vintages

    con = duckdb.connect()
    con.execute("create schema audit")
    con.execute(
        "create table audit.revisions (park_id varchar, period varchar, indicator_code varchar, vintage integer, "
        "submitted_value double, submitted_unit varchar, conversion_factor double, value double, unit varchar, "
        "file_name varchar, sheet varchar, row_number integer, landed_at timestamp, is_current boolean)"
    )
    landings = [(1, 40, "a.csv"), (2, 44, "b.csv"), (3, 44, "b_again.csv"), (4, 40, "a_restored.csv")]
    for vintage, value, file_name in landings:
        con.execute(
            "insert into audit.revisions values ('p', '2023Q4', 'gdp', ?, ?, '亿元', 1, ?, '亿元', ?, null, 2, "
            "timestamp '2024-01-01', ?)",
            [vintage, value, value, file_name, vintage == 4],
        )
    rows = vintages(con, "p", "2023Q4", ["gdp"])
    assert [(r["vintage"], r["changed_value"]) for r in rows] == [(1, True), (2, True), (3, False), (4, True)]
    assert [r["fate"] for r in rows[:3]] == [
        "与采用的版次 4 数值相同",
        "已被版次 4（a_restored.csv）修订",
        "已被版次 4（a_restored.csv）修订",
    ]
    assert rows[3]["fate"].startswith("采用：") and "不算修订" not in rows[3]["fate"]
    # a resend of the value in use is no revision, and says so
    con.execute("update audit.revisions set is_current = (vintage = 3) where vintage >= 3")
    con.execute("delete from audit.revisions where vintage = 4")
    rows = vintages(con, "p", "2023Q4", ["gdp"])
    assert rows[-1]["fate"].endswith("；与上一版次数值相同，不算修订")
    assert rows[1]["fate"] == "与采用的版次 3 数值相同"
