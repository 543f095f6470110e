"""One submission as a table of cells: the style a file is written in, and its rows with their row numbers."""

from dataclasses import dataclass, field
import numpy as np
import pandas as pd

from nhtz.synth import formats as fmt


@dataclass
class Report:
    """One park's report for one period, as a file carries it (values in mart units, possibly wrong)."""

    park_id: str
    quarter: str
    values: dict[str, float]
    bad_text: dict[str, str] = field(default_factory=dict)  # indicator → text written where a number belongs
    name: str | None = None  # the park name written; None: the file's style picks one of the park's names
    only: tuple[str, ...] | None = None  # long layout: just these indicators


@dataclass
class Style:
    """How one file looks. Tidy files use one fixed style; messy ones draw theirs."""

    file_format: str  # xlsx | csv
    encoding: str | None  # csv: utf-8 | utf-8-sig | gbk
    layout: str  # wide | long
    language: str  # zh | en
    title_rows: list[str]
    sheet: str | None
    park_header: str
    period_header: str
    period_label: str
    indicator_headers: dict[str, str]  # the spelling of each indicator, without its unit
    units: dict[str, str]
    unit_in_header: dict[str, bool]
    long_headers: tuple[str, str, str]
    newline: str
    messy: bool

    @property
    def header_row(self) -> int:
        """The row a person sees the header on (1-based)."""
        return len(self.title_rows) + 1


@dataclass
class Table:
    rows: list[list]  # cells: str, Decimal (a number) or None (empty)
    title_rows: int
    row_of: dict[tuple[int, str], int]  # (report index, indicator) → row number as a person sees it
    n_values: int


def tidy_style(indicators: pd.DataFrame, quarter: str) -> Style:
    codes = list(indicators["indicator_code"])
    return Style(
        file_format="csv", encoding="utf-8", layout="wide", language="zh", title_rows=[], sheet=None,
        park_header="园区名称", period_header="统计期", period_label=quarter,
        indicator_headers=dict(zip(codes, indicators["name_zh"])), units=dict(zip(codes, indicators["unit"])),
        unit_in_header={c: True for c in codes}, long_headers=("指标", "数值", "单位"), newline="\n", messy=False,
    )


def messy_style(rng: np.random.Generator, indicators: list[tuple[str, str, str]], year: int, q: int,
                file_format: str | None = None, layout: str | None = None) -> Style:
    """A file's look, drawn: format, encoding, layout, language, title rows, units, headers, period label.
    `indicators`: (indicator_code, unit, header_spellings) of each base indicator."""
    file_format = file_format or fmt.choose(rng, ("xlsx", "csv"))
    encoding = None if file_format == "xlsx" else fmt.choose(rng, ("utf-8", "utf-8-sig", "gbk"))
    layout = layout or fmt.choose(rng, ("wide", "long"), (0.7, 0.3))
    language = fmt.choose(rng, ("zh", "en"), (0.75, 0.25))
    n_titles = fmt.choose(rng, (0, 1, 2), (0.6, 0.25, 0.15))
    titles = [fmt.title_for(year, q), "填报单位：各国家高新区管委会    金额单位见表头"][:n_titles]
    headers, units, in_header = {}, {}, {}
    money_unit = fmt.choose_unit(rng, "亿元")
    for code, mart_unit, spellings in indicators:
        headers[code] = fmt.choose(rng, fmt.header_spellings(spellings, language))
        if mart_unit == "亿元":
            units[code] = money_unit if rng.random() < 0.85 else fmt.choose_unit(rng, "亿元")
        else:
            units[code] = fmt.choose_unit(rng, mart_unit)
        # a header may leave out the unit only when the value is in the mart unit (ingestion reads it so)
        in_header[code] = units[code] != mart_unit or mart_unit == "亿元" or rng.random() < 0.7
    long_headers = tuple(fmt.choose(rng, options) for options in fmt.LONG_HEADERS[language])
    return Style(
        file_format=file_format, encoding=encoding, layout=layout, language=language, title_rows=titles,
        sheet=fmt.choose(rng, ("Sheet1", "主要指标", f"{year}Q{q}")) if file_format == "xlsx" else None,
        park_header=fmt.choose(rng, fmt.PARK_HEADERS[language]), period_header=fmt.choose(rng, fmt.PERIOD_HEADERS[language]),
        period_label=fmt.choose(rng, fmt.period_labels(year, q)), indicator_headers=headers, units=units,
        unit_in_header=in_header, long_headers=long_headers, newline=fmt.choose(rng, ("\n", "\r\n")), messy=True,
    )


class Renderer:
    """Turns reports into rows in a style; messy styles draw names, number spellings and missing marks."""

    def __init__(self, indicators: pd.DataFrame, parks: pd.DataFrame, rng: np.random.Generator):
        self.codes = list(indicators["indicator_code"])
        self.mart_unit = dict(zip(self.codes, indicators["unit"]))
        self.rng = rng
        self.official = dict(zip(parks["park_id"], parks["park_name"]))
        self.other_names = self._unambiguous_names(parks)

    @staticmethod
    def _unambiguous_names(parks: pd.DataFrame) -> dict[str, list[str]]:
        """Short names and aliases that point at one park only, so a submission using them is not ambiguous."""
        owners: dict[str, set[str]] = {}
        for park_id, short, aliases in parks[["park_id", "short_name", "aliases"]].itertuples(index=False):
            for name in [short, *str(aliases).split("|")]:
                if name.strip():
                    owners.setdefault(name.strip(), set()).add(park_id)
        names: dict[str, list[str]] = {}
        for name, ids in owners.items():
            if len(ids) == 1:
                names.setdefault(next(iter(ids)), []).append(name)
        return names

    def park_name(self, report: Report, style: Style) -> str:
        if report.name is not None:
            return report.name
        if not style.messy:
            return self.official[report.park_id]
        others = self.other_names.get(report.park_id, [])
        r = self.rng.random()
        name = self.official[report.park_id] if r < 0.5 or not others else fmt.choose(self.rng, others)
        return name + " " if self.rng.random() < 0.03 else name

    def number_cell(self, value: float, code: str, style: Style):
        number = fmt.exact_value(value, self.mart_unit[code], style.units[code])
        if not style.messy:
            return number
        r = self.rng.random()
        if r < 0.04 and abs(number) >= 1000:
            return fmt.grouped(number)
        if r < 0.06:
            return fmt.fullwidth(fmt.plain(number))
        if r < 0.08:
            return fmt.plain(number) + " "
        return number

    def value_cell(self, report: Report, code: str, style: Style):
        if code in report.bad_text:
            return report.bad_text[code]
        if code not in report.values:
            return fmt.choose(self.rng, fmt.MISSING_MARKS) if style.messy else None
        return self.number_cell(report.values[code], code, style)

    def header_of(self, code: str, style: Style) -> str:
        header = style.indicator_headers[code]
        if not style.unit_in_header[code]:
            return header
        return fmt.with_unit(header, style.units[code], self.rng) if style.messy else f"{header}({style.units[code]})"

    def render(self, reports: list[Report], style: Style) -> Table:
        first_row = style.header_row + 1
        row_of, n_values = {}, 0
        if style.layout == "wide":
            rows = [[style.park_header, style.period_header, *(self.header_of(c, style) for c in self.codes)]]
            for i, report in enumerate(reports):
                cells = [self.value_cell(report, code, style) for code in self.codes]
                rows.append([self.park_name(report, style), style.period_label, *cells])
                row_of.update({(i, code): first_row + i for code in self.codes})
                n_values += sum(code in report.values and code not in report.bad_text for code in self.codes)
        else:
            rows = [[style.park_header, style.period_header, *style.long_headers]]
            for i, report in enumerate(reports):
                name = self.park_name(report, style)
                for code in report.only or self.codes:
                    if code not in report.values and code not in report.bad_text and self.rng.random() < 0.5:
                        continue  # a long file often just leaves the missing figure out
                    cell = self.value_cell(report, code, style)
                    row_of[(i, code)] = first_row + len(rows) - 1
                    rows.append([name, style.period_label, style.indicator_headers[code], cell, style.units[code]])
                    n_values += code in report.values and code not in report.bad_text
        width = len(rows[0])
        titles = [[title] + [None] * (width - 1) for title in style.title_rows]
        return Table(rows=titles + rows, title_rows=len(titles), row_of=row_of, n_values=int(n_values))
