"""The live backend: a workbook open in Excel (desktop, xlwings Lite or Server) via xlwings.

Reads and writes go through the xlwings object model, so the number of Excel calls must not
grow with rows: a sheet is read in one call, an owned block is written in one call per run of
adjacent columns. Values are converted to what both desktop Excel and xlwings' remote engine
accept (datetime for dates, None for blanks). Charts use `sheet.charts.add`, which both
desktop Excel and the remote engine support.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

import pandas as pd

from leadbook.book.base import frame_from_rows, header_row, plain_value
from leadbook.core.plan import AppendRows, Block, Chart, Plan, ReplaceSheet, SetCells
from leadbook.core.problems import LeadbookError

PERCENT_FORMAT = "0.0%"
CHART_TYPES = {"bar": "bar_clustered", "column": "column_clustered"}
CHART_SIZE = (480, 280)  # width, height in points


def excel_value(value: object) -> object:
    """A value xlwings writes the same way on every engine: dates as datetime (Excel on a Mac needs it)."""
    value = plain_value(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


def is_remote(book: Any) -> bool:
    """True for xlwings' remote engine (xlwings Lite and Server): no Excel round trip per call."""
    return "_xlremote" in type(book.impl).__module__ or "_xlofficejs" in type(book.impl).__module__


def runs(positions: list[int]) -> list[list[int]]:
    """Sorted column positions split into runs of adjacent columns: [1,2,3,7,8] -> [[1,2,3],[7,8]]."""
    out: list[list[int]] = []
    for p in sorted(positions):
        if out and p == out[-1][-1] + 1:
            out[-1].append(p)
        else:
            out.append([p])
    return out


class LiveBook:
    """An open workbook (`xw.Book`): each sheet read once, each owned block written in one call."""

    def __init__(self, book: Any) -> None:
        self.book = book
        self._names: list[str] | None = None
        self._rows: dict[str, list[list[object]]] = {}
        self.appended: dict[str, tuple[int, int]] = {}  # sheet -> (first, last) Excel row written

    # ------------------------------------------------------------------ reading
    def sheet_names(self) -> list[str]:
        if self._names is None:
            self._names = [sheet.name for sheet in self.book.sheets]
        return list(self._names)

    def _name(self, sheet: str) -> str | None:
        names = {n.lower(): n for n in self.sheet_names()}
        return names.get(sheet.lower())

    def sheet(self, sheet: str) -> Any:
        """The xlwings sheet (case-insensitive name); LeadbookError if it is missing."""
        name = self._name(sheet)
        if name is None:
            raise LeadbookError("sheet is missing; run `leadbook adopt` to add it", sheet)
        return self.book.sheets[name]

    def rows(self, sheet: str) -> list[list[object]] | None:
        """The sheet's values from A1 to its last used cell (one read), None if it is absent."""
        name = self._name(sheet)
        if name is None:
            return None
        if name not in self._rows:
            ws = self.book.sheets[name]
            last = ws.used_range.last_cell
            values = ws.range((1, 1), (last.row, last.column)).options(ndim=2).value
            self._rows[name] = [[None if v == "" else v for v in row] for row in values]
        return self._rows[name]

    def read(self, sheet: str) -> pd.DataFrame | None:
        rows = self.rows(sheet)
        return None if rows is None else frame_from_rows(sheet, rows)[0]

    def positions(self, sheet: str) -> dict[str, int]:
        """Contract (or user) column name -> 1-based column on the sheet's header row."""
        return frame_from_rows(sheet, self.rows(sheet) or [])[1]

    def _header_line(self, sheet: str) -> int:
        rows = self.rows(sheet) or []
        return header_row(rows) + 1 if rows else 1

    def _table(self, sheet: str) -> tuple[Any, tuple[int, int, int, int]] | None:
        """The sheet's data table (named like the sheet, else its first) and its bounds."""
        tables = list(self.sheet(sheet).tables)
        if not tables:
            return None
        named = [t for t in tables if t.name.lower() == sheet.lower()]
        table = (named or tables)[0]
        rng = table.range
        last = rng.last_cell
        return table, (rng.row, rng.column, last.row, last.column)

    def _last_row(self, sheet: str, table_end: int | None) -> int:
        """Last row holding data: the table's end (else the sheet's), less trailing empty rows."""
        rows = self.rows(sheet) or []
        line = self._header_line(sheet)
        end = table_end if table_end is not None else len(rows)
        while end > line and all(v is None for v in (rows[end - 1] if end <= len(rows) else [])):
            end -= 1
        return end

    # ------------------------------------------------------------------ writing
    def apply(self, plan: Plan) -> None:
        """Write the plan: one call per run of adjacent columns, never one per cell."""
        if not plan:
            return
        for op in plan.ops:
            if isinstance(op, SetCells):
                self._set_cells(op.sheet, op.frame)
            elif isinstance(op, AppendRows):
                self._append_rows(op.sheet, op.frame)
            elif isinstance(op, ReplaceSheet):
                self._replace_sheet(op)

    def _write(self, sheet: str, row: int, column: int, block: list[list[object]]) -> None:
        """One write of a 2D block at (row, column), mirrored into the cached values."""
        self.sheet(sheet).range((row, column)).value = block
        rows = self._rows.setdefault(self._name(sheet) or sheet, [])
        width = max(len(r) for r in block)
        while len(rows) < row - 1 + len(block):
            rows.append([])
        for i, values in enumerate(block):
            line = rows[row - 1 + i]
            line.extend([None] * max(0, column - 1 + width - len(line)))
            line[column - 1 : column - 1 + len(values)] = values
        widest = max(len(r) for r in rows)
        for line in rows:
            line.extend([None] * (widest - len(line)))

    def _add_columns(self, sheet: str, names: list[str], table_end_col: int) -> dict[str, int]:
        """Header cells for the columns the sheet lacks, right of its table (one write)."""
        positions = self.positions(sheet)
        missing = [n for n in names if n not in positions]
        if missing:
            start = max(table_end_col, max(positions.values(), default=0)) + 1
            self._write(sheet, self._header_line(sheet), start, [list(missing)])
            positions = self.positions(sheet)
        return positions

    def _set_cells(self, sheet: str, frame: pd.DataFrame) -> None:
        table = self._table(sheet)
        bounds = table[1] if table else None
        positions = self._add_columns(sheet, [str(c) for c in frame.columns], bounds[3] if bounds else 0)
        if len(frame.index):
            first, last = int(frame.index.min()), int(frame.index.max())
            current = self.rows(sheet) or []
            by_row = {int(r): i for i, r in enumerate(frame.index)}
            values = frame.to_numpy(dtype=object)
            column_of = {positions[str(c)]: j for j, c in enumerate(frame.columns)}
            for run in runs(list(column_of)):
                block = []
                for row in range(first, last + 1):
                    i = by_row.get(row)
                    if i is None:  # a row between changed ones: rewrite what it holds
                        line = current[row - 1] if row <= len(current) else []
                        block.append([excel_value(line[c - 1]) if c <= len(line) else None for c in run])
                    else:
                        block.append([excel_value(values[i][column_of[c]]) for c in run])
                self._write(sheet, first, run[0], block)
        if table is not None:
            self._grow_table(sheet, table, positions, int(frame.index.max()) if len(frame.index) else 0)

    def _grow_table(self, sheet: str, table: tuple, positions: dict[str, int], last_row: int) -> None:
        obj, (r1, c1, r2, c2) = table
        new_r2 = max(r2, last_row, r1 + 1)
        new_c2 = max(c2, max(positions.values(), default=c2))
        if (new_r2, new_c2) != (r2, c2):
            obj.resize(self.sheet(sheet).range((r1, c1), (new_r2, new_c2)))

    def _append_rows(self, sheet: str, frame: pd.DataFrame) -> None:
        table = self._table(sheet)
        start = self._last_row(sheet, table[1][2] if table else None) + 1
        placed = frame.set_axis(pd.RangeIndex(start, start + len(frame), name="row"))
        self._set_cells(sheet, placed)
        if len(frame):
            self.appended[self._name(sheet) or sheet] = (start, start + len(frame) - 1)

    # ------------------------------------------------------------------ Summary
    def _replace_sheet(self, op: ReplaceSheet) -> None:
        """Clear the owned sheet (or add it) and write the heading, then each block in one call."""
        name = self._name(op.sheet)
        if name is None:
            ws = self.book.sheets.add(op.sheet, after=self.book.sheets[len(self.sheet_names()) - 1])
            self._names = None
        else:
            ws = self.book.sheets[name]
            for chart in list(ws.charts):
                chart.delete()
            ws.clear()
        self._rows[op.sheet if name is None else name] = []
        self._write(op.sheet, 1, 1, [[op.heading]])
        for block in op.blocks:
            self._write_block(op.sheet, block)
        for chart in op.charts:
            self._add_chart(ws, op.blocks[chart.block], chart)

    def _write_block(self, sheet: str, block: Block) -> None:
        frame = block.frame
        body = [[excel_value(v) for v in row] for row in frame.to_numpy(dtype=object)]
        width = len(frame.columns)
        title = [block.title] + [None] * (width - 1)
        self._write(sheet, block.row, block.column, [title, [str(c) for c in frame.columns], *body])
        ws = self.sheet(sheet)
        for column in block.percent_columns:
            if column in frame.columns and len(frame):
                c = block.column + list(frame.columns).index(column)
                ws.range((block.row + 2, c), (block.row + 1 + len(frame), c)).number_format = PERCENT_FORMAT

    def _add_chart(self, ws: Any, block: Block, chart: Chart) -> None:
        """A native chart: categories from the block's first column, series from `chart.values`."""
        columns = list(block.frame.columns)
        wanted = [0] + [columns.index(v) for v in chart.values if v in columns]
        top, bottom = block.row + 1, block.row + 1 + len(block.frame)
        if len(wanted) < 2 or not len(block.frame):
            return
        first = block.column
        axis = None
        if wanted == list(range(wanted[-1] + 1)):
            source = ws.range((top, first), (bottom, first + wanted[-1]))
        elif is_remote(self.book):
            # Office.js charts take one rectangle: plot the first series, categories beside it.
            source = ws.range((top, first + wanted[1]), (bottom, first + wanted[1]))
            axis = ws.range((top + 1, first), (bottom, first))
        else:
            areas = [ws.range((top, first + j), (bottom, first + j)).address for j in wanted]
            source = ws.range(",".join(areas))
        width, height = CHART_SIZE
        added = ws.charts.add(
            width=width,
            height=height,
            chart_type=CHART_TYPES.get(chart.kind, "column_clustered"),
            anchor=ws.range(chart.anchor),
            name=chart.title[:31],
        )
        added.set_source_data(source)
        if axis is not None:
            added.set_x_axis_values(axis)
        with contextlib.suppress(NotImplementedError, AttributeError):  # no titles on old engines
            added.title = chart.title
