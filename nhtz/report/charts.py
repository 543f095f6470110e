"""The report's charts (plotly), each drawn from mart rows as they are.

Axes read as a bulletin's: amounts in 亿元, or in 万亿元 once the largest value reaches 1万亿元; growth in %;
ticks at round steps (1, 2, 2.5 or 5 times a power of ten) written out in full, never with SI suffixes ("200k");
no zero rule drawn across bars; counts of parks in the category labels, where no marker can cover them.
"""

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from nhtz.report.data import REGION_ORDER, ReportData
from nhtz.report.narrative import movers_basis
from nhtz.report.numbers import WAN
from nhtz.report.wording import official_name

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
REGION_COLOURS = {"东部": "#1f77b4", "中部": "#ff7f0e", "西部": "#2ca02c", "东北": "#9467bd"}
MOVERS_SHOWN = 10
TICKS_WANTED = 6
NICE_MULTIPLES = (1, 2, 2.5, 5, 10)


def nice_step(span: float, ticks: int = TICKS_WANTED) -> float:
    """A round tick step (1, 2, 2.5 or 5 × 10^k) giving about `ticks` intervals over `span`."""
    if not span or not math.isfinite(span) or span <= 0:
        return 1.0
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in NICE_MULTIPLES if m * power >= raw)


def _decimals(step: float) -> int:
    """Decimals a tick label needs to show the step exactly (2.5 needs one, 0.25 two, 20 none)."""
    for digits in range(0, 6):
        if abs(round(step, digits) - step) < 1e-9 * max(1.0, abs(step)):
            return digits
    return 6


def round_axis(values, include_zero: bool = True) -> dict:
    """Axis settings with round ticks covering the values: linear ticks from a multiple of the step."""
    numbers = [float(v) for v in values if v is not None and not pd.isna(v)]
    if not numbers:
        return {}
    low, high = min(numbers), max(numbers)
    if include_zero:
        low, high = min(low, 0.0), max(high, 0.0)
    step = nice_step(high - low)
    low = math.floor(low / step) * step
    high = math.ceil(high / step) * step
    if high == low:
        high = low + step
    return {
        "range": [low - step * 0.05, high + step * 0.05],
        "tickmode": "linear",
        "tick0": 0,
        "dtick": step,
        "tickformat": f",.{_decimals(step)}f",
        "zeroline": False,
    }


def amount_scale(values) -> tuple[float, str]:
    """(divisor, unit) for 亿元 amounts: 万亿元 once the largest reaches 1万亿元, else 亿元."""
    numbers = [abs(float(v)) for v in values if v is not None and not pd.isna(v)]
    return (WAN, "万亿元") if numbers and max(numbers) >= WAN else (1, "亿元")


def log_ticks(values) -> tuple[list[float], list[str]]:
    """Tick values 1, 2, 5 × 10^k within the range of positive values, written in full (`1,000`, not `1k`)."""
    positive = [float(v) for v in values if v is not None and not pd.isna(v) and float(v) > 0]
    if not positive:
        return [], []
    low, high = math.floor(math.log10(min(positive))), math.ceil(math.log10(max(positive)))
    ticks = [m * 10.0**k for k in range(low, high + 1) for m in (1, 2, 5)]
    ticks = [t for t in ticks if min(positive) / 2 <= t <= max(positive) * 2]
    return ticks, [f"{t:,.0f}" if t >= 1 else f"{t:g}" for t in ticks]


def _layout(fig: go.Figure, title: str, height: int = 420) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.01},
        font={"family": FONT, "size": 13},
        height=height,
        margin={"l": 70, "r": 70, "t": 60, "b": 60},
        legend={"orientation": "h", "y": -0.2},
        separators=".,",  # decimal point and thousands comma, whatever the browser's locale
        # a plain white look set directly: assigning a named template deep-copies it, a second per chart
        template="none",
        paper_bgcolor="white",
        plot_bgcolor="white",
    )
    fig.update_xaxes(gridcolor="#ebebeb", linecolor="#bbbbbb", zeroline=False, exponentformat="none")
    fig.update_yaxes(gridcolor="#ebebeb", linecolor="#bbbbbb", zeroline=False, exponentformat="none")
    return fig


def _label(row) -> str:
    return official_name(row.get("park_name"), row["park_id"])


def national_trend(data: ReportData, code: str, name_zh: str) -> go.Figure | None:
    """Year-to-date value by quarter (bars) and its year-on-year growth (lines, right axis)."""
    trend = data.national_trend[data.national_trend["indicator_code"] == code]
    if trend.empty:
        return None
    divisor, unit = amount_scale(trend["value_ytd"])
    values = trend["value_ytd"] / divisor
    growth = pd.concat([trend["yoy_ytd_pct"], trend["yoy_ytd_pct_lfl"]])
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_bar(
        x=trend["quarter"], y=values, name=f"{name_zh}（本年累计，{unit}）", marker_color="#9ecae1",
        hovertemplate=f"%{{x}}：%{{y:,.2f}}{unit}<extra></extra>",
    )
    fig.add_scatter(
        x=trend["quarter"], y=trend["yoy_ytd_pct"], name="累计同比增长（%）", mode="lines+markers",
        line={"color": "#d62728"}, secondary_y=True, hovertemplate="%{x}：%{y:.1f}%<extra></extra>",
    )
    fig.add_scatter(
        x=trend["quarter"], y=trend["yoy_ytd_pct_lfl"], name="可比口径累计同比（%）", mode="lines",
        line={"color": "#ff9896", "dash": "dot"}, secondary_y=True, hovertemplate="%{x}：%{y:.1f}%<extra></extra>",
    )
    fig.update_yaxes(title_text=unit, secondary_y=False, **round_axis(values))
    fig.update_yaxes(title_text="同比增长（%）", secondary_y=True, showgrid=False, **round_axis(growth))
    fig.update_xaxes(type="category")
    return _layout(fig, f"全国{name_zh}及增速（截至{data.quarter}，{unit}）")


def regions_compared(data: ReportData) -> go.Figure | None:
    gdp = data.regions[data.regions["indicator_code"] == "gdp"]
    if gdp.empty:
        return None
    divisor, unit = amount_scale(gdp["value_ytd"])
    values = gdp["value_ytd"] / divisor
    # the park count goes into the category label: a growth marker can sit anywhere over a bar
    labels = [f"{region}（{int(n)}家）" for region, n in zip(gdp["region"], gdp["n_parks"])]
    growth = pd.concat([gdp["yoy_ytd_pct"], gdp["yoy_ytd_pct_lfl"]])
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_bar(
        x=labels, y=values, name=f"园区生产总值（{unit}）",
        marker_color=[REGION_COLOURS.get(r, "#7f7f7f") for r in gdp["region"]],
        hovertemplate=f"%{{x}}：%{{y:,.2f}}{unit}<extra></extra>",
    )
    fig.add_scatter(
        x=labels, y=gdp["yoy_ytd_pct"], name="累计同比增长（%）", mode="markers",
        marker={"size": 13, "color": "#d62728", "symbol": "diamond"}, secondary_y=True,
        hovertemplate="%{x}：%{y:.1f}%<extra></extra>",
    )
    fig.add_scatter(
        x=labels, y=gdp["yoy_ytd_pct_lfl"], name="可比口径累计同比（%）", mode="markers",
        marker={"size": 11, "color": "#ff9896", "symbol": "circle-open", "line": {"width": 2}}, secondary_y=True,
        hovertemplate="%{x}：%{y:.1f}%<extra></extra>",
    )
    fig.update_yaxes(title_text=unit, secondary_y=False, **round_axis(values))
    fig.update_yaxes(title_text="同比增长（%）", secondary_y=True, showgrid=False, **round_axis(growth))
    fig.update_xaxes(type="category")
    return _layout(fig, f"分区域园区生产总值及增速（{data.quarter}，{unit}）")


def park_distribution(data: ReportData) -> go.Figure | None:
    """Park sizes are heavy-tailed: a box per region on a log axis, every park a point."""
    gdp = data.park_values[(data.park_values["indicator_code"] == "gdp") & data.park_values["value_ytd"].gt(0)]
    if gdp.empty:
        return None
    fig = go.Figure()
    regions = [r for r in REGION_ORDER if r in set(gdp["region"])]
    regions += sorted(set(gdp["region"].dropna()) - set(REGION_ORDER))
    for region in regions:
        parks = gdp[gdp["region"] == region]
        fig.add_box(
            y=parks["value_ytd"], name=f"{region}（{len(parks)}家）", boxpoints="all", jitter=0.4, pointpos=0,
            marker={"size": 4, "color": REGION_COLOURS.get(region, "#7f7f7f")},
            text=[_label(r) for r in parks.to_dict("records")], hovertemplate="%{text}：%{y:,.2f}亿元<extra></extra>",
        )
    ticks, labels = log_ticks(gdp["value_ytd"])
    fig.update_yaxes(type="log", title_text="园区生产总值（亿元，对数刻度）", tickmode="array", tickvals=ticks,
                     ticktext=labels)
    return _layout(fig, f"园区生产总值分布（{data.quarter}，按区域，亿元）")


def rank_movers(data: ReportData) -> go.Figure | None:
    column = movers_basis(data.ranking)
    gdp = data.ranking[(data.ranking["indicator_code"] == "gdp") & data.ranking[column].notna()]
    if gdp.empty:
        return None
    up = gdp[gdp[column] > 0].sort_values([column, "national_rank"], ascending=[False, True]).head(MOVERS_SHOWN)
    down = gdp[gdp[column] < 0].sort_values([column, "national_rank"], ascending=[True, True]).head(MOVERS_SHOWN)
    movers = pd.concat([down.iloc[::-1], up.iloc[::-1]]) if len(up) or len(down) else gdp.head(0)
    if movers.empty:
        return None
    labels = [f"{_label(r)}（第{int(r['national_rank'])}位）" for r in movers.to_dict("records")]
    fig = go.Figure(
        go.Bar(
            x=movers[column], y=labels, orientation="h",
            marker_color=["#2ca02c" if v > 0 else "#d62728" for v in movers[column]],
            text=[f"{int(v):+d}" for v in movers[column]], textposition="outside", cliponaxis=False,
        )
    )
    since = "较上年同期" if column == "rank_change_yoy" else "较上季度"
    axis = round_axis(movers[column])
    axis["dtick"] = max(1, axis["dtick"])  # places move by whole numbers
    axis["tickformat"] = "+d"
    fig.update_xaxes(title_text=f"名次变化（{since}，位；正数为上升）", **axis)
    fig.update_yaxes(type="category", automargin=True)  # park names are long: the margin grows to fit them
    return _layout(fig, f"园区生产总值位次变化最大的园区（{data.quarter}）", height=max(420, 28 * len(movers) + 120))


def rd_against_growth(data: ReportData) -> go.Figure | None:
    values = data.park_values
    rd = values[values["indicator_code"] == "rd_intensity"].set_index("park_id")["value_ytd"].rename("rd_intensity")
    gdp = values[values["indicator_code"] == "gdp"].set_index("park_id")
    parks = gdp.join(rd, how="inner").dropna(subset=["rd_intensity", "yoy_ytd_pct"]).reset_index()
    if parks.empty:
        return None
    fig = go.Figure()
    biggest = parks["value_ytd"].max()
    for region in [r for r in REGION_ORDER if r in set(parks["region"])]:
        some = parks[parks["region"] == region]
        fig.add_scatter(
            x=some["rd_intensity"], y=some["yoy_ytd_pct"], mode="markers", name=region,
            marker={
                "size": (6 + 30 * (some["value_ytd"] / biggest) ** 0.5).tolist(),
                "color": REGION_COLOURS.get(region), "opacity": 0.7, "line": {"width": 0.5, "color": "white"},
            },
            text=[_label(r) for r in some.to_dict("records")],
            hovertemplate="%{text}<br>研发投入强度 %{x:.2f}%<br>园区生产总值同比 %{y:.1f}%<extra></extra>",
        )
    fig.update_xaxes(title_text="研发投入强度（%）", **round_axis(parks["rd_intensity"]))
    fig.update_yaxes(title_text="园区生产总值累计同比增长（%）", **round_axis(parks["yoy_ytd_pct"]))
    fig = _layout(fig, f"研发投入强度与园区生产总值增速（{data.quarter}，点大小为园区生产总值）", height=480)
    # a scatter has no bars to cross: here the zero line marks growth against decline
    return fig.update_yaxes(zeroline=True, zerolinecolor="#bbbbbb")


def report_figures(data: ReportData) -> list[tuple[str, go.Figure]]:
    """(section heading, figure) in the order the page shows them; charts without data are left out."""
    names = data.indicators.set_index("indicator_code")["name_zh"]
    figures = [
        ("全国走势", national_trend(data, "gdp", names.get("gdp", "园区生产总值"))),
        ("全国走势", national_trend(data, "revenue", names.get("revenue", "营业收入"))),
        ("分区域", regions_compared(data)),
        ("园区分布", park_distribution(data)),
        ("位次变化", rank_movers(data)),
        ("创新与增长", rd_against_growth(data)),
    ]
    return [(heading, fig) for heading, fig in figures if fig is not None]
