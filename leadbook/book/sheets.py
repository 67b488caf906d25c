"""openpyxl worksheet helpers: find the table and header, add owned columns, write values."""

from __future__ import annotations

import datetime as dt
from copy import copy

import pandas as pd
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from leadbook.book.base import header_row, plain_value
from leadbook.core import schema as s

DATE_FORMAT = "yyyy-mm-dd"


def sheet_table(ws: Worksheet) -> Table | None:
    """The sheet's data table: the one named like the sheet, else its first table."""
    tables = list(ws.tables.values())
    for table in tables:
        if table.name.lower() == ws.title.lower():
            return table
    return tables[0] if tables else None


def header_line(ws: Worksheet) -> int:
    """1-based row of the sheet's header (its table's first row when it has one)."""
    table = sheet_table(ws)
    if table is not None:
        return range_boundaries(table.ref)[1]
    rows = [list(r) for r in ws.iter_rows(min_row=1, max_row=20, values_only=True)]
    return header_row(rows) + 1 if rows else 1


def header_positions(ws: Worksheet) -> dict[str, int]:
    """Contract (or user) column name -> 1-based column, from the header row."""
    line = header_line(ws)
    headers = [c.value for c in ws[line]] if ws.max_column else []
    mapping = s.map_headers(ws.title, headers)
    positions: dict[str, int] = {}
    for i, header in enumerate(headers, start=1):
        if header not in (None, "") and str(header) in mapping:
            positions.setdefault(mapping[str(header)], i)
    return positions


def last_row(ws: Worksheet) -> int:
    """Last row holding data: the table's end (else the sheet's), less trailing empty rows."""
    line = header_line(ws)
    table = sheet_table(ws)
    end = range_boundaries(table.ref)[3] if table is not None else ws.max_row
    while end > line and all(c.value in (None, "") for c in ws[end]):
        end -= 1
    return end


def resize_table(ws: Worksheet, last_col: int | None = None, last_row_: int | None = None) -> None:
    """Grow the sheet's table to a new last column and/or row."""
    table = sheet_table(ws)
    if table is None:
        return
    min_col, min_row, max_col, max_row = range_boundaries(table.ref)
    max_col = max(max_col, last_col or 0)
    max_row = max(max_row, last_row_ or 0, min_row + 1)
    table.ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}"
    if table.autoFilter is not None:
        table.autoFilter.ref = table.ref
    names = [ws.cell(min_row, c).value for c in range(min_col, max_col + 1)]
    if table.tableColumns and len(table.tableColumns) < len(names):
        for i in range(len(table.tableColumns), len(names)):
            table.tableColumns.append(TableColumn(id=i + 1, name=str(names[i])))


def add_columns(ws: Worksheet, names: list[str]) -> dict[str, int]:
    """Append header cells for columns the sheet lacks (styled like the last header), grow the table."""
    positions = header_positions(ws)
    missing = [n for n in names if n not in positions]
    if not missing:
        return positions
    line = header_line(ws)
    table = sheet_table(ws)
    end = range_boundaries(table.ref)[2] if table is not None else 0
    end = max(end, max(positions.values(), default=0))
    model = ws.cell(line, end) if end else None
    for offset, name in enumerate(missing, start=1):
        cell = ws.cell(line, end + offset, name)
        if model is not None and model.has_style:
            cell._style = copy(model._style)
        positions[name] = end + offset
        letter = get_column_letter(end + offset)
        if ws.column_dimensions[letter].width in (None, 13.0):
            ws.column_dimensions[letter].width = max(12, min(40, len(name) + 4))
    resize_table(ws, last_col=end + len(missing))
    return positions


def excel_value(value: object) -> object:
    """A value openpyxl writes as Excel would store it: a midnight datetime as a date (date format)."""
    value = plain_value(value)
    if isinstance(value, dt.datetime) and value == dt.datetime.combine(value.date(), dt.time()):
        return value.date()
    return value


def write_column(ws: Worksheet, column: int, values: pd.Series, date: bool) -> None:
    """Write a Series (index = Excel row) into one column; dates get a date format if General."""
    for row, value in zip(values.index, values.to_numpy(dtype=object), strict=True):
        cell = ws.cell(int(row), column)
        cell.value = excel_value(value)
        if cell.data_type == "f":  # text like '=HYPERLINK(...)' from data is text, never a formula
            cell.data_type = "s"
        if date and isinstance(cell.value, dt.date) and cell.number_format == "General":
            cell.number_format = DATE_FORMAT


def set_cells(ws: Worksheet, frame: pd.DataFrame) -> None:
    """Write the frame's columns on its rows, adding any column the sheet lacks."""
    positions = add_columns(ws, list(frame.columns))
    dates = set(s.DATE_COLUMNS.get(ws.title, ()))
    for name in frame.columns:
        write_column(ws, positions[name], frame[name], name in dates)
    if len(frame.index):
        resize_table(ws, last_row_=int(frame.index.max()))


def append_rows(ws: Worksheet, frame: pd.DataFrame) -> pd.DataFrame:
    """Add the frame's rows below the table; returns the frame re-indexed by their Excel rows."""
    start = last_row(ws) + 1
    placed = frame.set_axis(pd.RangeIndex(start, start + len(frame), name="row"))
    set_cells(ws, placed)
    return placed


def new_table(
    ws: Worksheet, columns: tuple[str, ...] | list[str], style: str | None = "TableStyleMedium2"
) -> Table:
    """Header row at A1 and a table named like the sheet over it (at least one body row)."""
    for i, name in enumerate(columns, start=1):
        ws.cell(1, i, name)
    end = max(ws.max_row, 2)
    table = Table(displayName=ws.title.replace(" ", "_"), ref=f"A1:{get_column_letter(len(columns))}{end}")
    if style:
        table.tableStyleInfo = TableStyleInfo(name=style, showRowStripes=True)
    ws.add_table(table)
    return table
