"""Writes the sample submissions in this folder (run from the repository root: .venv/bin/python seeds/samples/_make_samples.py).

Hand-picked figures in the forms real zone reports take; the names starting with `_` are not submissions.
"""

import csv
import datetime as dt
import io
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).parent


def central_region_workbook() -> None:
    """华中: wide, two title rows, money in 万元 in the headers, a ratio, a 合计 row and a 填报说明 sheet."""
    workbook = xlsxwriter.Workbook(HERE / "2024Q2_华中片区_主要经济指标.xlsx")
    bold = workbook.add_format({"bold": True})
    sheet = workbook.add_worksheet("主要指标")
    sheet.merge_range("A1:J1", "2024年1-6月国家高新区主要经济指标（华中片区）", bold)
    sheet.write("A2", "填报单位：（盖章）            报送日期：2024年7月15日")
    sheet.write_row("A3", ["序号", "高新区名称", "统计期", "营业收入(万元)", "园区生产总值(亿元)", "规上工业总产值(万元)",
                           "净利润(万元)", "研发经费投入(万元)", "研发投入强度(%)", "高新技术企业数(家)", "备注"], bold)
    rows = [
        ["武汉东湖高新区", "2024年1-6月", "126,580,000", 1318.6, "35,402,000", 6120000, 1082300, 8.2, 6312, ""],
        ["长沙高新区", "2024年1-6月", "41,236,500", 715.3, "16,210,000", 1890500, 352100, 4.9, 2604, ""],
        ["郑州高新区", "2024年1-6月", "28,950,300", 486.2, "9,830,000", 1204000, 201500, 4.1, 1905, "快报数"],
        ["合肥高新区", "2024年1-6月", "52,118,000", 905.7, "18,660,000", "—", 478000, 5.3, 2987, "净利润待核"],
        ["南昌高新区", "2024年1-6月", "19,870,000", 402.9, "12,005,000", 640200, 128300, 3.2, 1210, ""],
        ["湘潭高新区", "2024年1-6月", "6,215,400", 168.4, "4,380,000", 210300, 41200, 2.4, 503, ""],
        ["合计", "2024年1-6月", "274,970,200", 3997.1, "96,487,000", None, 2283400, None, 15521, ""],
    ]
    for i, row in enumerate(rows):
        sheet.write_row(3 + i, 0, [i + 1 if row[0] != "合计" else None, *row])
    notes = workbook.add_worksheet("填报说明")
    notes.write("A1", "1. 营业收入、工业总产值等为1月至本月累计数。")
    notes.write("A2", "2. 研发投入强度由系统自动计算，无需填报。")
    workbook.close()


def east_region_gbk_csv() -> None:
    """华东: CSV saved by Excel on a Chinese Windows (GBK), money in 亿元 without units in the header."""
    header = ["园区名称", "报告期", "营业收入", "实缴税费", "出口总额", "发明专利授权量", "从业人员期末人数", "备注"]
    rows = [
        ["苏州工业园区", "2024年上半年", "6,985.40", "312.6", "1,420.8", "2,105", "812,300", ""],
        ["南京高新区", "2024年上半年", "3,412.75", "145.2", "388.1", "1,632", "402,150", ""],
        ["杭州高新区", "2024年上半年", "5,020.10", "260.3", "602.4", "3,015", "398,600", "含滨江区"],
        ["宁波高新区", "2024年上半年", "1,268.90", "58.7", "301.2", "486", "120,400", ""],
        ["合肥高新区", "2024年上半年", "—", "88.4", "-", "1,288", "236,000", "营业收入见华中表"],
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    (HERE / "2024Q2_华东片区_gbk.csv").write_bytes(buffer.getvalue().encode("gbk"))


def west_region_long_csv() -> None:
    """西部: long layout (园区, 统计期, 指标, 数值, 单位) as a statistics system exports it, UTF-8."""
    figures = [
        ("兰州高新区", "营业收入", "1,826.3", "亿元"),
        ("兰州高新区", "园区生产总值", "182.1", "亿元"),
        ("兰州高新区", "R&D经费内部支出", "58,300", "万元"),
        ("兰州高新区", "有效发明专利拥有量", "6,812", "件"),
        ("兰州高新区", "从业人员期末人数", "13.9", "万人"),
        ("西安高新区", "营业收入", "12,630.5", "亿元"),
        ("西安高新区", "园区生产总值", "1,795.0", "亿元"),
        ("西安高新区", "技术合同成交额", "865,400", "万元"),
        ("西安高新区", "综合能源消费量", "182.6", "万吨标准煤"),
        ("成都高新区", "营业收入", "13,108.2", "亿元"),
        ("成都高新区", "瞪羚企业数", "１２８", "家"),
        ("成都高新区", "独角兽企业数", "6", "家"),
        ("成都高新区", "研发投入强度", "5.1", "%"),
    ]
    with (HERE / "2024Q2_西部片区_long.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["园区名称", "统计期", "指标名称", "数值", "单位"])
        for park, indicator, value, unit in figures:
            writer.writerow([park, "2024年二季度", indicator, value, unit])


def dalian_english_csv() -> None:
    """A park reporting in English headers with units, UTF-8 with a byte-order mark (Excel's 'CSV UTF-8')."""
    with (HERE / "2024Q3_dalian_english.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Park", "Period", "Revenue (亿元)", "GDP(亿元)", "High-tech enterprises",
                         "Technology contract turnover (万元)", "Invention patents owned"])
        writer.writerow(["Dalian", "2024Q3", "2,915.6", "498.3", "1,046", "1,452,000", "8,120"])


def wuhan_correction_workbook() -> None:
    """武汉东湖 resubmits its first-half figures: a later vintage that revises the 华中 workbook's value."""
    workbook = xlsxwriter.Workbook(HERE / "2024Q2_武汉东湖_更正.xlsx")
    sheet = workbook.add_worksheet("更正")
    sheet.write_row("A1", ["园区", "统计时间", "营业收入", "园区生产总值"])
    sheet.write_row("A2", ["单位", None, "亿元", "亿元"])
    sheet.write_row("A3", ["东湖高新区", None, 12702.4, 1321.0])
    sheet.write_datetime("B3", dt.datetime(2024, 6, 30), workbook.add_format({"num_format": "yyyy年m月"}))
    workbook.close()


if __name__ == "__main__":
    central_region_workbook()
    east_region_gbk_csv()
    west_region_long_csv()
    dalian_english_csv()
    wuhan_correction_workbook()
