"""Render the Summary sheet (owned whole by leadbook) with openpyxl: tables and native charts.

The file backend renders it into a one-sheet scratch workbook that graft puts into the book's
package; the sheet carries its final name, since chart series formulas name it.
"""

from __future__ import annotations

import dataclasses
import io

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.chart.label import DataLabelList
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from leadbook.book.sheets import DATE_FORMAT, excel_value
from leadbook.book.xlsx import graft
from leadbook.core.plan import Block, Chart, ReplaceSheet

HEADING_FONT = Font(bold=True, size=14)
TITLE_FONT = Font(bold=True, size=12)
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill(start_color="DDEBF7", end_color="DDEBF7", fill_type="solid")
HEADER_BORDER = Border(bottom=Side(style="thin", color="8EA9DB"))
PERCENT, WHOLE, DECIMAL = "0.0%", "#,##0", "#,##0.0"
MIN_WIDTH, MAX_WIDTH, NUMBER_WIDTH = 8, 32, 9
CHART_WIDTH_CM, CHART_HEIGHT_CM = 17, 9


def scratch_workbook(op: ReplaceSheet, name: str | None = None) -> bytes:
    """The op rendered alone in a new workbook (as `name`, the book's spelling), as .xlsx bytes."""
    wb = Workbook()
    wb.remove(wb.active)
    replace_sheet(wb, dataclasses.replace(op, sheet=name or op.sheet))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def replace_in_parts(parts: graft.Parts, op: ReplaceSheet) -> None:
    """Rebuild the sheet in a book's package: its old parts go, the rendered ones take its place."""
    name = graft.sheet_name(parts, op.sheet) or op.sheet
    graft.replace_sheet(parts, scratch_workbook(op, name))


def replace_sheet(wb: Workbook, op: ReplaceSheet) -> None:
    """Rebuild the sheet in place (same position), leaving every other sheet as it was."""
    ws = _fresh_sheet(wb, op.sheet)
    ws.cell(1, 1, op.heading).font = HEADING_FONT
    widths: dict[int, int] = {}
    for block in op.blocks:
        _write_block(ws, block, widths)
    for column, width in widths.items():
        ws.column_dimensions[get_column_letter(column)].width = width
    for spec in op.charts:
        ws.add_chart(_chart(ws, op.blocks[spec.block], spec), spec.anchor)


def _fresh_sheet(wb: Workbook, name: str) -> Worksheet:
    """An empty sheet named like the old one at its position (its cells, charts, names go)."""
    found = [title for title in wb.sheetnames if title.lower() == name.lower()]
    if not found:
        return wb.create_sheet(name)
    old = wb[found[0]]
    index, selected = wb.index(old), getattr(old, "sheet_view", None)
    wb.remove(old)
    ws = wb.create_sheet(found[0], index)
    if selected is not None:  # keep which tab Excel shows as selected
        ws.sheet_view.tabSelected = selected.tabSelected
    return ws


def _number_format(values: pd.Series, percent: bool) -> str | None:
    if percent:
        return PERCENT
    if pd.api.types.is_datetime64_any_dtype(values):
        return DATE_FORMAT
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return None
    finite = values.dropna()
    return WHOLE if finite.empty or (finite % 1 == 0).all() else DECIMAL


def _as_text(value: object) -> object:
    """Text without the control characters a cell cannot hold (a vertical tab pasted from Word)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _write_block(ws: Worksheet, block: Block, widths: dict[int, int]) -> None:
    """Title (bold), a styled header row, then the frame's values with number formats."""
    ws.cell(block.row, block.column, block.title).font = TITLE_FONT
    frame = block.frame
    for offset, name in enumerate(frame.columns):
        column = block.column + offset
        fmt = _number_format(frame[name], name in block.percent_columns)
        header = ws.cell(block.row + 1, column, str(name))
        header.font, header.fill, header.border = HEADER_FONT, HEADER_FILL, HEADER_BORDER
        header.alignment = Alignment(horizontal="right" if fmt else "left")
        longest = len(str(name))
        for i, value in enumerate(frame[name].to_numpy(dtype=object)):
            cell = ws.cell(block.row + 2 + i, column, _as_text(excel_value(value)))
            if cell.data_type == "f":  # an owner named '=cmd' is text, never a formula
                cell.data_type = "s"
            if fmt:
                cell.number_format = fmt
            longest = max(longest, NUMBER_WIDTH if fmt else len(str(cell.value or "")))
        widths[column] = max(widths.get(column, 0), min(MAX_WIDTH, max(MIN_WIDTH, longest + 2)))


def _chart(ws: Worksheet, block: Block, spec: Chart) -> BarChart:
    """A native bar/column chart over the block's cells: categories = its first column."""
    columns = list(block.frame.columns)
    header = block.row + 1
    last = header + max(len(block.frame), 1)  # an empty table still gets an (empty) chart
    chart = BarChart()
    chart.type = "bar" if spec.kind == "bar" else "col"
    for name in spec.values:
        column = block.column + columns.index(name)
        chart.add_data(Reference(ws, min_col=column, min_row=header, max_row=last), titles_from_data=True)
    categories = Reference(ws, min_col=block.column, min_row=header + 1, max_row=last)
    for series in chart.series:  # text labels: a string reference, as Excel itself writes
        series.cat = AxDataSource(strRef=StrRef(f=str(categories)))
    percent = all(name in block.percent_columns for name in spec.values)
    chart.title = spec.title
    chart.x_axis.title = str(columns[0])
    chart.y_axis.title = spec.values[0] if len(spec.values) == 1 else ("Rate" if percent else "Value")
    chart.x_axis.delete = chart.y_axis.delete = False  # openpyxl 3.1 hides axes unless told
    chart.y_axis.number_format = "0%" if percent else "#,##0"
    chart.y_axis.scaling.min = 0
    if spec.kind == "bar":  # read top-down in the table's order, value axis at the bottom
        chart.x_axis.scaling.orientation = "maxMin"
        chart.y_axis.crosses = "max"
    if len(spec.values) == 1:
        chart.legend = None
        chart.dataLabels = DataLabelList(  # explicit: LibreOffice shows names unless told not to
            showVal=True, showCatName=False, showSerName=False, showLegendKey=False, showPercent=False
        )
    else:
        chart.legend.position = "b"
    chart.gapWidth = 60
    chart.width, chart.height = CHART_WIDTH_CM, CHART_HEIGHT_CM
    return chart
