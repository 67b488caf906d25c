"""Render an owned sheet (Summary, Calibration) with openpyxl: tables, notes, native charts, print setup.

The file backend renders it into a one-sheet scratch workbook that graft puts into the book's
package; the sheet carries its final name, since chart series formulas name it. Printed, it fits
one page wide (landscape), with page breaks between sections, never inside a table.
"""

from __future__ import annotations

import dataclasses
import io

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.marker import DataPoint
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break, RowBreak
from openpyxl.worksheet.worksheet import Worksheet

from leadbook.book.sheets import DATE_FORMAT, excel_value
from leadbook.book.xlsx import graft
from leadbook.core.dashboard import NOTE_COLUMNS
from leadbook.core.plan import Block, Chart, ReplaceSheet

HEADING_FONT = Font(bold=True, size=14)
TITLE_FONT = Font(bold=True, size=12)
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill(start_color="DDEBF7", end_color="DDEBF7", fill_type="solid")
HEADER_BORDER = Border(bottom=Side(style="thin", color="8EA9DB"))
NOTE_FONT = Font(italic=True, size=9, color="595959")
HEADLINE_FONT = Font(bold=True, size=14)
PERCENT, WHOLE, DECIMAL = "0.0%", "#,##0", "#,##0.0"
MIN_WIDTH, MAX_WIDTH, NUMBER_WIDTH, MAX_NUMBER_WIDTH = 8, 24, 9, 12
CHART_WIDTH_CM, CHART_HEIGHT_CM, ROW_CM = 18, 9, 0.53
HIGHLIGHT = "C55A11"  # the seeds' 8-10 touches, in orange beside the blue bars
BIG_LINE = 3  # a line this many times the next biggest gets its own axis
PAGE_ROWS = 60  # rows a landscape page holds at the scale fit-to-width usually gives


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
    for block in op.blocks:
        _write_note(ws, block, widths)
    for spec in op.charts:
        ws.add_chart(_chart(ws, op.blocks[spec.block], spec), spec.anchor)
    _print_setup(ws, op)


def _print_setup(ws: Worksheet, op: ReplaceSheet) -> None:
    """Landscape, one page wide, a page break before a section that would not fit on the page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.oddFooter.center.text = "&A as of the date in A1 - page &P of &N"
    ws.row_breaks = RowBreak()
    page_top = 1
    starts = [b.row for b in op.blocks]
    ends = [*(r - 1 for r in starts[1:]), ws.max_row][: len(starts)]
    for start, end in zip(starts, ends, strict=True):
        if end - page_top + 1 > PAGE_ROWS and start > page_top:
            ws.row_breaks.append(Break(id=start - 1))
            page_top = start


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
        header.alignment = Alignment(horizontal="right" if fmt else "left", wrap_text=True, vertical="bottom")
        longest = len(str(name)) if not fmt else min(MAX_NUMBER_WIDTH - 2, max(map(len, str(name).split())))
        for i, value in enumerate(frame[name].to_numpy(dtype=object)):
            cell = ws.cell(block.row + 2 + i, column, _as_text(excel_value(value)))
            if cell.data_type == "f":  # an owner named '=cmd' is text, never a formula
                cell.data_type = "s"
            if fmt:
                cell.number_format = fmt
            if block.title == "Headline":
                cell.font = HEADLINE_FONT
            longest = max(longest, NUMBER_WIDTH if fmt else len(str(cell.value or "")))
        widths[column] = max(widths.get(column, 0), min(MAX_WIDTH, max(MIN_WIDTH, longest + 2)))


def _write_note(ws: Worksheet, block: Block, widths: dict[int, int]) -> None:
    """The block's note under its table: merged over the table's width, wrapped, row height to fit."""
    if not block.note:
        return
    row = block.row + 2 + len(block.frame)
    last = block.column + max(len(block.frame.columns), NOTE_COLUMNS) - 1
    cell = ws.cell(row, block.column, block.note)
    cell.font = NOTE_FONT
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    if last > block.column:
        ws.merge_cells(start_row=row, start_column=block.column, end_row=row, end_column=last)
    chars = sum(widths.get(c, MIN_WIDTH) for c in range(block.column, last + 1)) * 1.15  # 9 pt italic
    ws.row_dimensions[row].height = 12.5 * max(1, -(-len(block.note) // int(chars)))


def _chart(ws: Worksheet, block: Block, spec: Chart) -> BarChart | LineChart:
    """A native chart over the block's cells: categories = its first column, one series per value."""
    columns = list(block.frame.columns)
    header = block.row + 1
    last = header + max(len(block.frame), 1)  # an empty table still gets an (empty) chart
    chart = LineChart() if spec.kind == "line" else BarChart()
    if spec.kind != "line":
        chart.type = "bar" if spec.kind in ("bar", "stacked") else "col"
    if spec.kind == "stacked":
        chart.grouping, chart.overlap = "stacked", 100
    for name in spec.values:
        column = block.column + columns.index(name)
        chart.add_data(Reference(ws, min_col=column, min_row=header, max_row=last), titles_from_data=True)
    categories = Reference(ws, min_col=block.column, min_row=header + 1, max_row=last)
    for series in chart.series:  # text labels: a string reference, as Excel itself writes
        series.cat = AxDataSource(strRef=StrRef(f=str(categories)))
    percent = all(name in block.percent_columns for name in spec.values)
    chart.title = spec.title
    chart.x_axis.title = None if spec.kind == "line" else str(columns[0])  # weeks need no title
    chart.y_axis.title = spec.values[0] if len(spec.values) == 1 else ("Rate" if percent else "Leads")
    chart.x_axis.delete = chart.y_axis.delete = False  # openpyxl 3.1 hides axes unless told
    chart.y_axis.number_format = "0%" if percent else "#,##0"
    chart.y_axis.scaling.min = 0
    if spec.kind == "line":
        _second_axis(chart, spec.values, [float(block.frame[name].max()) for name in spec.values])
    else:
        chart.x_axis.tickLblSkip = 1  # every category named, however many
    if spec.kind in ("bar", "stacked"):  # read top-down in the table's order, value axis at the bottom
        chart.x_axis.scaling.orientation = "maxMin"
        chart.y_axis.crosses = "max"
    _highlight(chart, block, spec)
    if len(spec.values) == 1:
        chart.legend = None
        chart.dataLabels = DataLabelList(  # explicit: LibreOffice shows names unless told not to
            showVal=True, showCatName=False, showSerName=False, showLegendKey=False, showPercent=False
        )
    else:
        chart.legend.position = "b"
    if spec.kind != "line":
        chart.gapWidth = 60
    chart.width = CHART_WIDTH_CM
    chart.height = spec.rows * ROW_CM if spec.rows else CHART_HEIGHT_CM
    return chart


def _second_axis(chart: LineChart, names: tuple[str, ...], peaks: list[float]) -> None:
    """A line far bigger than all others (touches beside connects) moves to a right-hand axis."""
    for series in chart.series:
        series.smooth = False  # LibreOffice draws curves unless told
    if len(peaks) < 2:
        return
    order = sorted(range(len(peaks)), key=lambda i: peaks[i])
    top, second = order[-1], order[-2]
    if not peaks[top] > BIG_LINE * peaks[second] > 0:
        return
    right = LineChart()
    right.x_axis = chart.x_axis  # one shared category axis (else LibreOffice titles it twice)
    right.series.append(chart.series.pop(top))
    right.y_axis.axId = 200
    right.y_axis.title = f"{names[top]} (right axis)"
    right.y_axis.crosses = "max"
    right.y_axis.delete = False
    right.y_axis.majorGridlines = None
    chart.y_axis.title = " / ".join(n for i, n in enumerate(names) if i != top)
    chart += right


def _highlight(chart: BarChart | LineChart, block: Block, spec: Chart) -> None:
    """Colour the first series' bars of the highlighted categories (the seeds' 8-10 touches)."""
    if not spec.highlight or not chart.series or spec.kind == "line":
        return
    labels = [str(v) for v in block.frame.iloc[:, 0]]
    for idx, label in enumerate(labels):
        if label in spec.highlight:
            point = DataPoint(idx=idx, spPr=GraphicalProperties(solidFill=HIGHLIGHT))
            chart.series[0].dPt.append(point)
