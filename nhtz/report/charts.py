"""The report's charts (plotly), each drawn from mart rows as they are."""

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from nhtz.report.data import REGION_ORDER, ReportData
from nhtz.report.narrative import movers_basis
from nhtz.report.wording import park_label

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
REGION_COLOURS = {"东部": "#1f77b4", "中部": "#ff7f0e", "西部": "#2ca02c", "东北": "#9467bd"}
MOVERS_SHOWN = 10


def _layout(fig: go.Figure, title: str, height: int = 420) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.01},
        font={"family": FONT, "size": 13},
        height=height,
        margin={"l": 60, "r": 60, "t": 60, "b": 50},
        legend={"orientation": "h", "y": -0.18},
        # a plain white look set directly: assigning a named template deep-copies it, a second per chart
        template="none",
        paper_bgcolor="white",
        plot_bgcolor="white",
    )
    fig.update_xaxes(gridcolor="#ebebeb", linecolor="#bbbbbb", zerolinecolor="#bbbbbb")
    fig.update_yaxes(gridcolor="#ebebeb", linecolor="#bbbbbb", zerolinecolor="#bbbbbb")
    return fig


def _label(row) -> str:
    return park_label(row.get("short_name"), row.get("park_name"), row["park_id"])


def national_trend(data: ReportData, code: str, name_zh: str) -> go.Figure | None:
    """Year-to-date value by quarter (bars) and its year-on-year growth (lines, right axis)."""
    trend = data.national_trend[data.national_trend["indicator_code"] == code]
    if trend.empty:
        return None
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_bar(x=trend["quarter"], y=trend["value_ytd"], name=f"{name_zh}（本年累计，亿元）", marker_color="#9ecae1")
    fig.add_scatter(
        x=trend["quarter"], y=trend["yoy_ytd_pct"], name="累计同比增长（%）", mode="lines+markers",
        line={"color": "#d62728"}, secondary_y=True,
    )
    fig.add_scatter(
        x=trend["quarter"], y=trend["yoy_ytd_pct_lfl"], name="可比口径同比（%）", mode="lines",
        line={"color": "#ff9896", "dash": "dot"}, secondary_y=True,
    )
    fig.update_yaxes(title_text="亿元", secondary_y=False)
    fig.update_yaxes(title_text="同比增长（%）", secondary_y=True, showgrid=False, tickformat=".1f")
    fig.update_xaxes(type="category")
    return _layout(fig, f"全国{name_zh}及增速（截至{data.quarter}）")


def regions_compared(data: ReportData) -> go.Figure | None:
    gdp = data.regions[data.regions["indicator_code"] == "gdp"]
    if gdp.empty:
        return None
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_bar(
        x=gdp["region"], y=gdp["value_ytd"], name="园区生产总值（亿元）",
        marker_color=[REGION_COLOURS.get(r, "#7f7f7f") for r in gdp["region"]],
        text=[f"{n}家" for n in gdp["n_parks"]], textposition="inside",
    )
    fig.add_scatter(
        x=gdp["region"], y=gdp["yoy_ytd_pct"], name="同比增长（%）", mode="markers",
        marker={"size": 14, "color": "#d62728", "symbol": "diamond"}, secondary_y=True,
    )
    fig.add_scatter(
        x=gdp["region"], y=gdp["yoy_ytd_pct_lfl"], name="可比口径同比（%）", mode="markers",
        marker={"size": 12, "color": "#ff9896", "symbol": "circle-open", "line": {"width": 2}}, secondary_y=True,
    )
    fig.update_yaxes(title_text="亿元", secondary_y=False)
    fig.update_yaxes(title_text="同比增长（%）", secondary_y=True, showgrid=False, tickformat=".1f")
    return _layout(fig, f"分区域园区生产总值及增速（{data.quarter}）")


def park_distribution(data: ReportData) -> go.Figure | None:
    """Park sizes are heavy-tailed: a box per region on a log axis, every park a point."""
    gdp = data.park_values[(data.park_values["indicator_code"] == "gdp") & data.park_values["value_ytd"].gt(0)]
    if gdp.empty:
        return None
    fig = go.Figure()
    for region in [r for r in REGION_ORDER if r in set(gdp["region"])] + sorted(set(gdp["region"].dropna()) - set(REGION_ORDER)):
        parks = gdp[gdp["region"] == region]
        fig.add_box(
            y=parks["value_ytd"], name=f"{region}（{len(parks)}家）", boxpoints="all", jitter=0.4, pointpos=0,
            marker={"size": 4, "color": REGION_COLOURS.get(region, "#7f7f7f")},
            text=[_label(r) for r in parks.to_dict("records")], hovertemplate="%{text}: %{y:.2f}亿元<extra></extra>",
        )
    fig.update_yaxes(type="log", title_text="园区生产总值（亿元，对数刻度）")
    return _layout(fig, f"园区生产总值分布（{data.quarter}，按区域）")


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
            text=[f"{int(v):+d}" for v in movers[column]], textposition="outside",
        )
    )
    since = "较上年同期" if column == "rank_change_yoy" else "较上季度"
    fig.update_xaxes(title_text=f"名次变化（{since}，正数为上升）")
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
            hovertemplate="%{text}<br>研发投入强度 %{x:.2f}%<br>GDP同比 %{y:.1f}%<extra></extra>",
        )
    fig.update_xaxes(title_text="研发投入强度（%）")
    fig.update_yaxes(title_text="园区生产总值累计同比增长（%）", zeroline=True)
    return _layout(fig, f"研发投入强度与园区生产总值增速（{data.quarter}，点大小为园区生产总值）", height=480)


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
