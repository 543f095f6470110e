"""The explanation written for people: Chinese labels, every figure as the arithmetic a person can redo by hand."""

from datetime import datetime
from decimal import Decimal

from nhtz.explain.park import ROLE_WORDS
from nhtz.report import numbers

KIND_WORDS = {"flow": "流量（年初至季末累计）", "stock": "存量（季末时点数）", "ratio": "比率（由分子分母计算）"}


def number(value) -> str:
    """A figure as it can be redone by hand: ten significant digits, no exponent, no float noise, no trailing zeros."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    text = format(Decimal(f"{float(value):.10g}").normalize(), "f")
    return "0" if text == "-0" else text


def amount(value, unit: str) -> str:
    """A figure with its unit (`44 亿元`, `5%`); a missing one is a dash alone."""
    if value is None:
        return "—"
    return f"{number(value)}{'' if unit in ('%', '') else ' '}{unit}"


def pct(value) -> str:
    """Growth with one decimal, as bulletins write it; a fall smaller than 0.05 points is 0.0%, not -0.0%."""
    return "—" if value is None else f"{value:.1f}%".replace("-0.0%", "0.0%")


def change(difference, unit: str) -> str:
    """A ratio's change against last year: in percentage points when it is a percentage, else in its own unit."""
    if difference is None:
        return "—"
    if unit == "%":
        return f"{number(difference)} 个百分点，{numbers.point_change(difference)}"
    return amount(difference, unit)


def landed(value) -> str:
    """Landing times are stored in UTC; bulletins give Beijing time."""
    return numbers.beijing_time(value) if isinstance(value, datetime) else "—"


def where_in_file(row: dict) -> str:
    sheet = f" 工作表 {row['sheet']}" if row.get("sheet") else ""
    return f"{row['file_name']}{sheet} 第 {row['row_number']} 行"


def _indicator_line(indicator: dict) -> str:
    kind = KIND_WORDS.get(indicator["kind"], indicator["kind"])
    return f"{indicator['name_zh']}（{indicator['indicator_code']}），{kind}，单位 {indicator['unit']}"


def _finding_line(finding: dict) -> str:
    severity = {"error": "错误", "warning": "警告"}.get(finding["severity"], finding["severity"])
    on = f"[{finding['on']} {finding['quarter']}] " if finding.get("on") else ""
    return f"  {on}{finding['rule_id']} {severity}：{finding['message']}"


def _published_park_line(value: dict, indicator: dict) -> str:
    unit = indicator["unit"]
    parts = [f"{'累计' if indicator['kind'] == 'flow' else '本期'} {amount(value['value_ytd'], unit)}"]
    if indicator["kind"] == "flow":
        parts.append(f"单季 {amount(value['value_q'], unit)}")
    parts.append(f"累计同比 {pct(value['yoy_ytd_pct'])}")
    if indicator["kind"] == "flow":
        parts.append(f"单季同比 {pct(value['yoy_q_pct'])}")
    if indicator["kind"] == "ratio" and "yoy_ytd_pp" in value:
        parts.append(f"比上年同期 {change(value['yoy_ytd_pp'], unit)}")
    parts.append(f"修订 {value['revision_count']} 次")
    return "发布值：" + "，".join(parts)


def _vintage_lines(explanation: dict) -> list[str]:
    vintages = explanation["vintages"]
    lines = [f"一、报送版次（{len(vintages)} 个，按入库顺序）"]
    if not vintages:
        lines.append("  该园区本季度未报送此值")
    for row in vintages:
        lines.append(
            f"  {row['indicator_code']} 版次 {row['vintage']}：报送 {amount(row['submitted_value'], row['submitted_unit'])}"
            f"（= {amount(row['value'], row['unit'])}），{where_in_file(row)}，"
            f"入库 {landed(row['landed_at'])}；{row['fate']}"
        )
    return lines


def _conversion_lines(explanation: dict) -> list[str]:
    lines = ["二、换算为集市单位（采用的版次；换算系数见 seeds/unit_conversions.csv）"]
    sources = explanation["sources"]
    if not sources:
        lines.append("  无")
    for row in sources:
        role = f"{ROLE_WORDS[row['source_role']]} {row['source_quarter']} {row['source_indicator_code']}"
        if row["file_name"] is None:
            lines.append(f"  {role}：未报送")
            continue
        lines.append(
            f"  {role}：{amount(row['submitted_value'], row['submitted_unit'])} × {number(row['conversion_factor'])}"
            f" = {amount(row['value'], row['unit'])}（{where_in_file(row)}，版次 {row['vintage']}）"
        )
    return lines


def _arithmetic_lines(explanation: dict) -> list[str]:
    indicator, unit = explanation["indicator"], explanation["indicator"]["unit"]
    single, ratio = explanation["single_quarter"], explanation["ratio"]
    lines = ["三、计算"]
    if single is not None:
        if single["previous_quarter"] is None:
            lines.append(f"  一季度单季值 = 累计值 = {amount(single['value_q'], unit)}")
        elif single["value_q"] is not None:
            lines.append(
                f"  单季值 = 本季累计 − 上季（{single['previous_quarter']}）累计 = {number(single['value_ytd'])} − "
                f"{number(single['previous_ytd'])} = {amount(single['value_q'], unit)}"
            )
        if single["why_null"]:
            lines.append(f"  单季值为空：{single['why_null']}")
    elif ratio is not None:
        numerator, denominator = ratio["numerator"], ratio["denominator"]
        lines.append(
            f"  {indicator['name_zh']} = {numerator['indicator_code']} ÷ {denominator['indicator_code']} × "
            f"{number(ratio['multiplier'])} = {number(numerator['value_ytd'])} ÷ {number(denominator['value_ytd'])} × "
            f"{number(ratio['multiplier'])} = {amount(ratio['value'], unit)}"
        )
        for role in (numerator, denominator):
            if role["quality_status"] in ("error", "derived_from_error"):
                lines.append(f"  {role['indicator_code']} 的质量状态为 {role['quality_status']}，比率不计算")
    else:
        lines.append("  存量取季末值，无单季值")
    return lines


def _growth_lines(explanation: dict) -> list[str]:
    growth, unit = explanation["growth"], explanation["indicator"]["unit"]
    lines = ["四、同比（现价，与上年同季比）"]
    if growth is None:
        return lines + ["  无发布值"]
    for key, what in (("ytd", "累计"), ("q", "单季")):
        if key not in growth:
            continue
        g = growth[key]
        if g["pct"] is not None:
            lines.append(
                f"  {what}增速 = ({number(g['value'])} ÷ {number(g['base'])} − 1) × 100 = {pct(g['pct'])}，"
                f"{numbers.growth(g['pct'])}（基期 {g['base_quarter']} {what} {amount(g['base'], unit)}）"
            )
        else:
            lines.append(f"  {what}增速为空：{g['why_null']}")
    if "pp" in growth:
        pp = growth["pp"]
        if pp["points"] is not None:
            lines.append(
                f"  比上年同期 = {number(pp['value'])} − {number(pp['base'])} = {change(pp['points'], unit)}"
                f"（基期 {pp['base_quarter']}）"
            )
        else:
            lines.append(f"  比上年同期的变化为空：上年同期（{pp['base_quarter']}）无可用比率")
    return lines


def park_text(explanation: dict) -> str:
    park, indicator, value = explanation["park"], explanation["indicator"], explanation["published"]
    status = explanation["status"]
    lines = [
        f"{explanation['quarter']} {park['park_name']}（{park['park_id']}，{park['province']}，{park['region']}）",
        f"指标：{_indicator_line(indicator)}",
        _published_park_line(value, indicator) if value else "发布值：无（该园区本季度无此值）",
    ]
    if value:
        counted = "计入全国、地区汇总" if status["counts_in_aggregates"] else "不计入任何汇总"
        note = f"；{status['note']}" if status.get("note") else ""
        lines.append(f"质量状态：{status['quality_status']}（{status['meaning']}），{counted}{note}")
    lines += [""] + _vintage_lines(explanation) + [""] + _conversion_lines(explanation)
    if value:
        lines += [""] + _arithmetic_lines(explanation) + [""] + _growth_lines(explanation)
    lines += ["", "五、审核发现（本值、其分子分母、上季累计与上年同期）"]
    lines += [_finding_line(f) for f in explanation["findings"]] or ["  无"]
    return "\n".join(lines)


def _scope_words(explanation: dict) -> str:
    return f"{explanation['region']}地区" if explanation["region"] else "全国"


def _published_aggregate_lines(explanation: dict) -> list[str]:
    row, unit = explanation["published"], explanation["indicator"]["unit"]
    if row is None:
        return ["发布值：无（没有可计入的园区值）"]
    parts = [f"{amount(row['value_ytd'], unit)}（{row['n_parks']} 个园区）"]
    if row.get("value_q") is not None:
        parts.append(f"单季 {amount(row['value_q'], unit)}（{row.get('n_parks_q', '—')} 个园区）")
    parts.append(f"累计同比 {pct(row['yoy_ytd_pct'])}，可比口径 {pct(row['yoy_ytd_pct_lfl'])}（{row['n_parks_lfl']} 个园区，"
                 f"其中 {row['n_parks_growing']} 个增长）")
    return ["发布值：" + "；".join(parts)]


def _part_line(part: dict, kind: str) -> str:
    files = "；".join(
        f"{ROLE_WORDS[f['source_role']]} {f['source_quarter']} {where_in_file(f)}（版次 {f['vintage']}）"
        for f in part["files"]
    ) or "无文件"
    value = f"{number(part['value_ytd'])}"
    if kind == "ratio":
        value += f"（分子 {number(part['numerator_ytd'])}，分母 {number(part['denominator_ytd'])}）"
    if kind == "flow":
        value += f"，单季 {number(part['value_q'])}"
    last_year = "，上年同期无可用值"
    if part["last_year_value_ytd"] is not None:
        last_year = f"，上年同期 {number(part['last_year_value_ytd'])}"
    lfl = "，可比" if part["like_for_like"] else ""
    return f"  {part['park_name']}（{part['park_id']}）：{value}{last_year}{lfl}；{files}"


def _sum_line(values: list, total, unit: str, n: int, what: str) -> str:
    if not values:
        return f"  {what}：无可计入的园区，n = 0"
    terms = f"{' + '.join(number(v) for v in values)} = " if len(values) > 1 else ""
    return f"  {what} Σ = {terms}{amount(total, unit)}，n = {n}"


def aggregate_text(explanation: dict) -> str:
    indicator, total, growth = explanation["indicator"], explanation["total"], explanation["growth"]
    unit, kind = indicator["unit"], indicator["kind"]
    counted = [p for p in explanation["parts"] if p["in_total"]]
    lines = [
        f"{explanation['quarter']} {_scope_words(explanation)}",
        f"指标：{_indicator_line(indicator)}",
        *_published_aggregate_lines(explanation),
        "",
        f"一、各园区构成（计入 {len(counted)} 个，剔除 {len(explanation['held_out'])} 个）",
        *[_part_line(p, kind) for p in counted],
    ]
    if kind == "ratio":
        numerator, denominator = indicator["numerator"], indicator["denominator"]
        tops, bottoms = [p["numerator_ytd"] for p in counted], [p["denominator_ytd"] for p in counted]
        lines.append(_sum_line(tops, total["numerator"], "", len(counted), f"分子 {numerator}"))
        lines.append(_sum_line(bottoms, total["denominator"], "", len(counted), f"分母 {denominator}"))
        if total["value_ytd"] is not None:
            lines.append(f"  {indicator['name_zh']} = Σ分子 ÷ Σ分母 × {number(indicator['multiplier'])} = "
                         f"{number(total['numerator'])} ÷ {number(total['denominator'])} × "
                         f"{number(indicator['multiplier'])} = {amount(total['value_ytd'], unit)}（从不平均园区比率）")
    else:
        what = "累计值" if kind == "flow" else "期末值"
        lines.append(_sum_line([p["value_ytd"] for p in counted], total["value_ytd"], unit, len(counted), what))
    if kind == "flow":
        with_q = [p["value_q"] for p in counted if p["value_q"] is not None]
        lines.append(_sum_line(with_q, total["value_q"], unit, total["n_parks_q"], "单季值（有单季值的园区）"))
    lines += ["", "二、剔除的园区及原因（审核错误的值不进入任何汇总）"]
    for held in explanation["held_out"]:
        lines.append(f"  {held['park_name']}（{held['park_id']}）：{number(held['value_ytd'])}，"
                     f"{held['quality_status']}（{held['meaning']}）{('；' + held['note']) if held.get('note') else ''}")
        lines += ["  " + _finding_line(f) for f in held["findings"]]
    if not explanation["held_out"]:
        lines.append("  无")
    lines += ["", f"三、同比两种口径（基期 {growth['base_quarter']}）", *_growth_text(growth, unit, kind)]
    lines += ["", "四、核对：由园区值重算的结果与发布值", *_check_lines(explanation["check"])]
    return "\n".join(lines)


def _growth_text(growth: dict, unit: str, kind: str) -> list[str]:
    every, lfl = growth["all_parks"], growth["like_for_like"]
    lines = [
        f"  全部报送园区：({number(every['value_ytd'])} ÷ {number(every['last_year_value_ytd'])} − 1) × 100 = "
        f"{pct(every['pct'])}（本期 {every['n_parks']} 个园区，上年同期 {every['last_year_n_parks']} 个；含园区构成变化）",
        f"  可比口径（两期均有可用值的 {lfl['n_parks']} 个园区：{', '.join(lfl['park_ids']) or '无'}）："
        f"({number(lfl['value_ytd'])} ÷ {number(lfl['last_year_value_ytd'])} − 1) × 100 = {pct(lfl['pct'])}，"
        f"其中 {lfl['n_parks_growing']} 个增长",
    ]
    if kind == "flow":
        every_q, lfl_q = growth["single_quarter_all_parks"], growth["single_quarter_like_for_like"]
        lines += [
            f"  单季，全部园区：({number(every_q['value_q'])} ÷ {number(every_q['last_year_value_q'])} − 1) × 100 = "
            f"{pct(every_q['pct'])}（本期 {every_q['n_parks_q']} 个园区，上年同期 {every_q['last_year_n_parks_q']} 个）",
            f"  单季，可比口径（{lfl_q['n_parks']} 个园区：{', '.join(lfl_q['park_ids']) or '无'}）："
            f"({number(lfl_q['value_q'])} ÷ {number(lfl_q['last_year_value_q'])} − 1) × 100 = {pct(lfl_q['pct'])}",
        ]
    if kind == "ratio":
        lines.append(f"  比上年同期：{change(growth['points'], unit)}（汇总比率之差）")
    return lines


def _check_lines(check: list[dict]) -> list[str]:
    if not check:
        return ["  无发布值可核对"]
    wrong = [c for c in check if not c["agrees"]]
    lines = [f"  {len(check) - len(wrong)} 项一致（相对容差 1e-6）：{', '.join(c['column'] for c in check if c['agrees'])}"]
    lines += [f"  ✗ {c['column']}：发布 {number(c['published'])}，重算 {number(c['from_parts'])}" for c in wrong]
    return lines
