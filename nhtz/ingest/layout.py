"""Finding the header of a table and reading its rows, wide or long, into values or reasons for quarantine."""

from dataclasses import dataclass, field
from datetime import date, datetime, time

from nhtz.errors import RefusedFile
from nhtz.ingest.cells import BadNumber, cell_problem, cell_text, is_blank, normalise_text, parse_number, shown
from nhtz.ingest.periods import UnknownPeriod, parse_period
from nhtz.ingest.readers import SheetTable, column_letter
from nhtz.ingest.reference import Indicator, Reference, header_key, split_unit

HEADER_SCAN_ROWS = 10
# Exported reports end with a sum row; a total is the marts' work, computed from the parks.
TOTAL_ROW_NAMES = {"合计", "总计", "小计", "汇总", "全国", "total", "sum"}

PARK_HEADERS = {header_key(h) for h in ("园区", "园区名称", "高新区名称", "高新区", "单位名称", "park", "park name", "park_name")}
PARK_ID_HEADERS = {header_key(h) for h in ("park_id", "园区代码", "park id")}
PERIOD_HEADERS = {header_key(h) for h in ("统计期", "报告期", "统计时间", "期别", "period", "reporting period")}
INDICATOR_HEADERS = {header_key(h) for h in ("指标", "指标名称", "indicator", "indicator name")}
VALUE_HEADERS = {header_key(h) for h in ("数值", "值", "指标值", "value")}
UNIT_HEADERS = {header_key(h) for h in ("单位", "计量单位", "unit")}
ROLE_HEADERS = (
    ("park", PARK_HEADERS),
    ("park_id", PARK_ID_HEADERS),
    ("period", PERIOD_HEADERS),
    ("indicator", INDICATOR_HEADERS),
    ("value", VALUE_HEADERS),
    ("unit", UNIT_HEADERS),
)
ROLE_NAMES = {"park": "park", "park_id": "park code", "period": "period", "indicator": "indicator", "value": "value",
              "unit": "unit"}
# No header and no park name is longer: a longer cell is not compared with spellings or searched for a park.
LONGEST_NAME = 200
# How much of a long cell the quarantine's raw row keeps: enough for a person to find the row.
RAW_CELL_CHARS = 200


@dataclass
class IndicatorColumn:
    index: int
    label: str
    indicator: Indicator
    unit: str | None  # from the header or a unit row; None means the indicator's mart unit


@dataclass
class TablePlan:
    layout: str  # "wide" or "long"
    header_index: int  # 0-based position of the header row
    first_data_index: int
    labels: list[str]
    park: int | None
    park_id: int | None
    period: int
    unit: int | None = None
    indicator: int | None = None  # long layout
    value: int | None = None  # long layout
    columns: list[IndicatorColumn] = field(default_factory=list)  # wide layout
    notes: list[str] = field(default_factory=list)


@dataclass
class Observation:
    indicator_code: str
    value: float
    unit: str
    label: str  # the column (wide) or indicator cell (long) it came from
    column: int | None = None  # 0-based column of a wide table's indicator column


@dataclass
class SourceRow:
    sheet: str | None
    row_number: int
    cells: list
    labels: list[str]
    park_id: str | None = None
    park_name_raw: str = ""
    period_label: str = ""
    period: tuple[int, int] | None = None
    values: list[Observation] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def raw(self) -> dict:
        """The row as read, keyed by its header labels: what the quarantine keeps for a person to correct."""
        return _raw_row(self.labels, self.cells)

    def fail(self, column: str | None, why: str) -> None:
        where = f"row {self.row_number}, column {column}" if column else f"row {self.row_number}"
        self.errors.append(f"{where}: {why}")


def _header_like(cell) -> bool:
    """A cell that could be a header: text, and short (a pasted page is not compared with header spellings)."""
    return isinstance(cell, str) and 0 < len(cell) <= LONGEST_NAME and not is_blank(cell)


def _all_roles(row: list) -> dict[str, list[int]]:
    """Every column of a candidate header row that is a park, period or long-layout column, by role."""
    roles: dict[str, list[int]] = {}
    for index, cell in enumerate(row):
        if not _header_like(cell):
            continue
        key = header_key(split_unit(cell)[0])
        for role, names in ROLE_HEADERS:
            if key in names:
                roles.setdefault(role, []).append(index)
    return roles


def _column_named(index: int, labels: list[str]) -> str:
    return f"{column_letter(index)} {shown(labels[index], 40)}"


def _refuse_repeated_roles(header: list, index: int, roles: dict[str, list[int]], long_layout: bool) -> None:
    """Two park (or period, …) columns: every row would be read by guessing which one counts, so none is."""
    labels = [cell_text(c) for c in header]
    for role, columns in roles.items():
        if len(columns) > 1 and (long_layout or role not in ("indicator", "value")):
            named = ", ".join(_column_named(column, labels) for column in columns)
            raise RefusedFile(f"two {ROLE_NAMES[role]} columns in the header (row {index + 1}: {named}): keep one")


def _cells_shown(row: list) -> str:
    cells = [shown(cell_text(c), 40) for c in row if not is_blank(c)]
    return ", ".join(cells[:10]) + (", ..." if len(cells) > 10 else "")


def plan_table(table: SheetTable, reference: Reference) -> TablePlan:
    """Where the header is and what each column holds; RefusedFile naming the row when there is no usable header."""
    scanned = table.rows[:HEADER_SCAN_ROWS]
    best: tuple[int, int, dict] | None = None
    for index, row in enumerate(scanned):
        all_roles = _all_roles(row)
        roles = {role: columns[0] for role, columns in all_roles.items()}
        has_park = "park" in roles or "park_id" in roles
        if has_park and "period" in roles:
            _refuse_repeated_roles(row, index, all_roles, long_layout="indicator" in roles and "value" in roles)
            return _plan_from_header(table, index, roles, reference)
        score = len(roles) + sum(1 for c in row if _header_like(c) and reference.indicator_for(split_unit(c)[0]))
        if best is None or score > best[0]:
            best = (score, index, roles)
    filled = [(i, row) for i, row in enumerate(scanned) if sum(not is_blank(c) for c in row) >= 2]
    if not filled:
        raise RefusedFile(f"not a table: no header row with a park and a period column in the first {HEADER_SCAN_ROWS} rows")
    score, index, roles = best if best and best[0] > 0 else (0, filled[0][0], {})
    missing = "period" if ("park" in roles or "park_id" in roles) else "park"
    raise RefusedFile(f"no {missing} column in the header (row {index + 1}: {_cells_shown(scanned[index])})")


def _plan_from_header(table: SheetTable, index: int, roles: dict[str, int], reference: Reference) -> TablePlan:
    header = table.rows[index]
    labels = [cell_text(c) for c in header]
    plan = TablePlan(
        layout="long" if "indicator" in roles and "value" in roles else "wide",
        header_index=index,
        first_data_index=index + 1,
        labels=labels,
        park=roles.get("park"),
        park_id=roles.get("park_id"),
        period=roles["period"],
        unit=roles.get("unit"),
        indicator=roles.get("indicator"),
        value=roles.get("value"),
    )
    if plan.layout == "long":
        return plan
    ignored = []
    for column, label in enumerate(labels):
        if column in roles.values() or not label:
            continue
        name, unit = split_unit(label) if len(label) <= LONGEST_NAME else (label, None)
        indicator = reference.indicator_for(name) if len(label) <= LONGEST_NAME else None
        if indicator is None:
            ignored.append(shown(label, 40))
        elif indicator.kind == "ratio":
            plan.notes.append(f"column {label} ignored: {indicator.name_zh} is derived from its components, never landed")
        else:
            plan.columns.append(IndicatorColumn(column, label, indicator, unit))
    if ignored:
        more = f", ... ({len(ignored)} in all)" if len(ignored) > 10 else ""
        plan.notes.append(f"columns not indicators, ignored: {', '.join(ignored[:10])}{more}")
    if not plan.columns:
        raise RefusedFile(f"no indicator column in the header (row {index + 1}: {_cells_shown(header)})")
    _note_repeated_indicators(plan)
    _apply_unit_row(table, plan, reference)
    return plan


def _note_repeated_indicators(plan: TablePlan) -> None:
    """Two columns of one indicator (two spellings, or two units) are read both: a row lands when they agree."""
    by_code: dict[str, list[IndicatorColumn]] = {}
    for column in plan.columns:
        by_code.setdefault(column.indicator.code, []).append(column)
    for code, columns in by_code.items():
        if len(columns) > 1:
            named = " and ".join(_column_named(c.index, plan.labels) for c in columns)
            plan.notes.append(f"columns {named} both give {code}: a row lands when they agree, else it is quarantined")


def _apply_unit_row(table: SheetTable, plan: TablePlan, reference: Reference) -> None:
    """A row of units just below the header (`单位 | | 万元 | 亿元`) fills the units the headers leave out."""
    if plan.first_data_index >= len(table.rows):
        return
    row = table.rows[plan.first_data_index]
    units = {c.index: normalise_text(row[c.index]) for c in plan.columns if c.index < len(row) and not is_blank(row[c.index])}
    if not units or any(unit not in reference.mart_unit_of for unit in units.values()):
        return
    for key_column in (plan.park, plan.park_id, plan.period):
        if key_column is not None and key_column < len(row) and not is_blank(row[key_column]):
            if header_key(row[key_column]) not in UNIT_HEADERS:
                return
    for column in plan.columns:
        if column.unit is None and column.index in units:
            column.unit = units[column.index]
    plan.first_data_index += 1
    plan.notes.append(f"units read from row {plan.first_data_index}")


def _cell(row: list, index: int | None):
    return row[index] if index is not None and index < len(row) else None


def _period_text(cell) -> str:
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    if isinstance(cell, (date, time)):
        return cell.isoformat()
    return cell_text(cell)


def read_rows(table: SheetTable, plan: TablePlan, reference: Reference) -> list[SourceRow]:
    """Every data row below the header, parsed; blank rows and note rows (no period, no value) are not read."""
    value_columns = [c.index for c in plan.columns] if plan.layout == "wide" else [plan.value]
    read_columns = _read_columns(plan)
    rows = []
    for index in range(plan.first_data_index, len(table.rows)):
        cells = table.rows[index]
        if all(is_blank(c) for c in cells):
            continue
        if is_blank(_cell(cells, plan.period)) and all(_is_missing(_cell(cells, i)) for i in value_columns):
            continue
        row = SourceRow(sheet=table.sheet, row_number=index + 1, cells=cells, labels=plan.labels)
        if _unreadable_cells(row, cells, read_columns):
            rows.append(row)  # quarantined for the cells no value can come from; nothing else is guessed
            continue
        _read_park(row, cells, plan, reference)
        _read_period(row, cells, plan)
        if plan.layout == "wide":
            _read_wide_values(row, cells, plan, reference)
        else:
            _read_long_value(row, cells, plan, reference)
        rows.append(row)
    return rows


def _read_columns(plan: TablePlan) -> list[tuple[int, str]]:
    """(column, header) of every column a row is read from; other columns (序号, 备注) are never looked at."""
    keys = [plan.park, plan.park_id, plan.period, plan.unit, plan.indicator, plan.value]
    columns = [c for c in keys if c is not None] + [c.index for c in plan.columns]
    return [(column, plan.labels[column] or f"column {column + 1}") for column in sorted(set(columns))]


def _unreadable_cells(row: SourceRow, cells: list, read_columns: list[tuple[int, str]]) -> bool:
    """Fail the row for every read cell no value can come from (Excel error, uncalculated formula, too long)."""
    for column, label in read_columns:
        problem = cell_problem(_cell(cells, column))
        if problem:
            row.fail(f"{label} ({column_letter(column)}{row.row_number})", problem)
    return bool(row.errors)


def _is_missing(cell) -> bool:
    try:
        return parse_number(cell) is None
    except BadNumber:
        return False


def _raw_text(cell) -> str:
    text = _period_text(cell)
    return text if len(text) <= RAW_CELL_CHARS else shown(text, RAW_CELL_CHARS)


def _raw_row(labels: list[str], cells: list) -> dict:
    raw = {}
    for index, cell in enumerate(cells):
        label = labels[index] if index < len(labels) and labels[index] else f"column {index + 1}"
        label = shown(label, RAW_CELL_CHARS)
        if label in raw:
            label = f"{label} ({index + 1})"
        raw[label] = _raw_text(cell)
    return raw


def _read_park(row: SourceRow, cells: list, plan: TablePlan, reference: Reference) -> None:
    name_cell, id_cell = _cell(cells, plan.park), _cell(cells, plan.park_id)
    source, column = (name_cell, plan.park) if not is_blank(name_cell) else (id_cell, plan.park_id)
    if is_blank(source):
        row.fail(None, "no park name")
        return
    row.park_name_raw = cell_text(source)
    if len(row.park_name_raw) > LONGEST_NAME:
        row.fail(plan.labels[column], f"no park has a name this long ({shown(row.park_name_raw)})")
        return
    if header_key(row.park_name_raw) in TOTAL_ROW_NAMES:
        row.fail(plan.labels[column], f"a total row ({row.park_name_raw}), not a park: totals are computed from the parks")
        return
    try:
        row.park_id = reference.park_id_for(row.park_name_raw)
    except ValueError as error:
        row.fail(plan.labels[column], str(error))


def _read_period(row: SourceRow, cells: list, plan: TablePlan) -> None:
    cell = _cell(cells, plan.period)
    row.period_label = _period_text(cell)
    try:
        row.period = parse_period(cell)
    except UnknownPeriod as error:
        row.fail(plan.labels[plan.period], str(error))


def _add_value(
    row: SourceRow, label: str, cell, indicator: Indicator, unit: str | None, reference: Reference,
    column: int | None = None,
) -> None:
    try:
        value = parse_number(cell)
    except BadNumber as error:
        row.fail(label, str(error))
        return
    if value is None:
        return
    unit = unit or indicator.unit
    problem = reference.unit_problem(unit, indicator)
    if problem:
        row.fail(label, problem)
        return
    if value < 0 and not indicator.can_be_negative:
        row.fail(label, f"negative {indicator.code} ({cell_text(cell)}): {indicator.name_zh} cannot be negative")
        return
    row.values.append(Observation(indicator.code, value, unit, label, column))


def _read_wide_values(row: SourceRow, cells: list, plan: TablePlan, reference: Reference) -> None:
    row_unit = normalise_text(_cell(cells, plan.unit)) or None
    if row_unit is not None and row_unit not in reference.mart_unit_of:
        row.fail(plan.labels[plan.unit], f"unknown unit {row_unit!r}")
        return
    for column in plan.columns:
        unit = column.unit
        # A unit column in a wide table speaks for the columns it can measure (万元 for money, not for counts).
        if unit is None and row_unit and reference.mart_unit_of[row_unit] == column.indicator.unit:
            unit = row_unit
        _add_value(row, column.label, _cell(cells, column.index), column.indicator, unit, reference, column.index)


def _read_long_value(row: SourceRow, cells: list, plan: TablePlan, reference: Reference) -> None:
    indicator_label = plan.labels[plan.indicator]
    name_cell = _cell(cells, plan.indicator)
    if is_blank(name_cell):
        row.fail(indicator_label, "no indicator named")
        return
    name, unit_in_name = split_unit(name_cell)
    indicator = reference.indicator_for(name)
    if indicator is None:
        row.fail(indicator_label, f"unknown indicator {cell_text(name_cell)!r}")
        return
    if indicator.kind == "ratio":
        return  # derived from its components in dbt; a submitted ratio is not landed
    unit = normalise_text(_cell(cells, plan.unit)) or unit_in_name
    _add_value(row, plan.labels[plan.value], _cell(cells, plan.value), indicator, unit, reference)
