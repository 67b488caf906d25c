"""The write half of the live backend: owned cells, appended rows, the Summary and Check sheets.

Each write is one run of adjacent columns, split into row chunks near `TARGET_BYTES` of JSON,
followed by a `Flush` point (xlwings Lite sends the queued writes there). Text is written so
Excel keeps it as text, dates as datetime (Excel on a Mac needs it), blanks as None.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from leadbook.book import live_read as lr
from leadbook.book.base import plain_value
from leadbook.book.mapped import refuse_totals
from leadbook.core.excelref import column_letter
from leadbook.core.mapping import ROLES, is_totals
from leadbook.core.plan import AppendRows, Block, Chart, Plan, ReplaceSheet, SetCells
from leadbook.core.problems import LeadbookError

PERCENT_FORMAT = "0.0%"
CHART_TYPES = {"bar": "bar_clustered", "column": "column_clustered"}
CHART_SIZE = (480, 280)  # width, height in points
NO_CHARTS = "charts were skipped: this Excel client cannot add them (the tables are there)"

# Excel parses text written through COM `Range.Value` or Office.js `values` as typed input:
# "+44 20 ...", "=cmd", "-10 no budget", "00123", "1/2", "TRUE", "5 Jan" would become formulas,
# numbers or dates. A leading apostrophe keeps such text as text (Excel does not store it).
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
PARSED_BY_EXCEL = re.compile(
    r"^\s*(?:[=+\-@']"
    r"|\(?[$€£¥]?\s*[\d.,]+(?:e[+-]?\d+)?\s*%?\)?\s*$"
    r"|\d{1,4}\s*[-/.]\s*\d{1,2}(?:\s*[-/.]\s*\d{1,4})?(?:[\sT]|$)"
    r"|\d{1,2}\s*:\s*\d{1,2}"
    r"|\d{1,2}[\s\-/]+" + _MONTH + r"|" + _MONTH + r"[\s\-/]+\d"
    r"|(?:true|false)\s*$|#\w)",
    re.IGNORECASE,
)


def as_text(value: str) -> str:
    """Text as Excel keeps it: an apostrophe before anything Excel would parse."""
    return "'" + value if PARSED_BY_EXCEL.match(value) else value


def excel_value(value: object) -> object:
    """A value xlwings writes the same way on every engine: dates as datetime, text kept as text."""
    value = plain_value(value)
    if isinstance(value, str):
        return as_text(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


def is_remote(book: Any) -> bool:
    """True for xlwings' remote engine (xlwings Lite and Server): no Excel round trip per call."""
    return "_xlremote" in type(book.impl).__module__ or "_xlofficejs" in type(book.impl).__module__


@dataclass(frozen=True)
class Flush:
    """A point after a group of writes: the async driver sends them to Excel here."""

    note: str


@dataclass(frozen=True)
class SheetValues:
    """A sheet leadbook owns whole with plain rows from A1 (e.g. Check): cleared, then written."""

    sheet: str
    rows: list[list[object]]


def _address(row: int, column: int, rows: int, width: int) -> str:
    return f"{column_letter(column)}{row}:{column_letter(column + width - 1)}{row + rows - 1}"


def _held(data: lr.SheetData, held: dict[int, list], column: int, row: int, first: int) -> object:
    """What a cell holds: from the sheet's values read, else from `held` (read from `first`)."""
    known, value = data.cached(column, row)
    if known:
        return value
    values = held.get(column, [])
    return values[row - first] if 0 <= row - first < len(values) else None


class Writer:
    """Write steps of `LiveBook` (it provides the reading, names and tables)."""

    def _apply_steps(
        self: Any, plan: Plan | None, extra: list[SheetValues], maps: dict | None = None
    ) -> lr.Step:
        ops = plan.ops if plan else []
        yield from self._layout_steps([op.sheet for op in ops if isinstance(op, SetCells | AppendRows)], maps)
        for op in ops:  # before any write: merged cells where leadbook writes stop the action
            if isinstance(op, SetCells) and len(op.frame.index):
                yield from self._refuse_merged_steps(op.sheet, op.frame)
            elif isinstance(op, AppendRows) and len(op.frame.index) and op.sheet.lower() not in (maps or {}):
                yield from self._refuse_totals_steps(op.sheet)
        for op in ops:
            if isinstance(op, SetCells):
                yield from self._set_cells_steps(op.sheet, op.frame)
            elif isinstance(op, AppendRows):
                yield from self._append_steps(op.sheet, op.frame)
            elif isinstance(op, ReplaceSheet):
                yield from self._replace_steps(op)
        for op in extra:
            yield from self._values_steps(op)

    def _refuse_merged_steps(self: Any, sheet: str, frame: pd.DataFrame) -> lr.Step:
        """Ask, per run of the sheet's columns the frame sets, whether its rows hold merged cells
        (desktop Excel and xlwings Lite can say; xlwings Server cannot, and is not asked twice)."""
        data = yield from self._data_steps(sheet, lr.Need(rows="header"))
        name = self._name(sheet) or sheet
        first, last = int(frame.index.min()), int(frame.index.max())
        columns = [data.positions[str(c)] for c in frame.columns if str(c) in data.positions]
        for run in lr.runs(columns):
            if self._merges_unknown:
                return
            answer = yield (name, lr.Request(first, run[0], last, run[-1], merged=True))
            if answer is None:
                self._merges_unknown = True
            elif answer[0][0] is None or answer[0][0]:  # True, or None: some of the cells are merged
                raise LeadbookError(
                    f"leadbook would write into merged cells in {_address(first, run[0], last - first + 1, len(run))}; "
                    "unmerge them in Excel (Home > Merge & Center), then run again",
                    name,
                )

    def _refuse_totals_steps(self: Any, sheet: str) -> lr.Step:
        """Rows go at the end of the list here, and Excel's cells cannot be moved below them: a list
        ending in a totals line (or holding one, when it was read whole) stops the action, as on a
        mapped sheet (`mapped.refuse_totals`)."""
        role = next((r for r in ROLES if r.lower() == sheet.lower()), None)
        if role is None:
            return
        name = self._name(sheet) or sheet
        lines = list(self.totals.get(role, []))
        if not lines:  # not read whole (Log touch): the last filled row is looked at
            data = yield from self._data_steps(sheet, lr.Need(rows="header"))
            if name not in self._ends:
                width = max([len(data.headers), *data.positions.values()])
                self._ends[name] = yield from lr.tagged(name, lr.last_filled_row(data, width))
            end = self._ends[name]
            if end > data.header_line:
                cells = lr._pad((yield (name, lr.Request(end, 1, end, 3))), 3)
                lines = [end] if cells and is_totals(list(cells[0])) else []
        refuse_totals(name, lines, 0, moves_totals=False)

    def _write_steps(self: Any, sheet: str, row: int, column: int, block: lr.Rows) -> lr.Step:
        """One block at (row, column) in bounded row chunks, each followed by a flush point."""
        if not block:
            return
        ws = self.sheet(sheet)
        width = max(len(r) for r in block)
        size = lr.chunk_rows(block, width)
        for i in range(0, len(block), size):
            part = block[i : i + size]
            ws.range((row + i, column)).value = part
            yield Flush(f"{ws.name}!{_address(row + i, column, len(part), width)}")
        self._rows.pop(ws.name, None)  # a whole read is stale now (the laid-out columns follow below)
        data = self._data.get(self._name(sheet) or sheet)
        if data is not None:
            data.remember(row, column, block)

    def _add_columns(self: Any, sheet: str, names: list[str], table_end_col: int) -> lr.Step:
        """Header cells for the columns the sheet lacks, right of its table (one write)."""
        data = yield from self._data_steps(sheet, lr.Need(rows="header"))
        missing = [n for n in names if n not in data.positions]
        if missing:
            if data.last_row <= data.header_line and all(h in (None, "") for h in data.headers):
                data.headers = []  # an empty sheet: the header starts at A1
            start = max(table_end_col, max(data.positions.values(), default=0), len(data.headers)) + 1
            texts = [self.header_text(sheet, n) for n in missing]  # "Status (leadbook)" on a mapped sheet
            yield from self._write_steps(sheet, data.header_line, start, [[excel_value(n) for n in texts]])
            for i, name in enumerate(missing):
                data.positions[name] = start + i
            data.headers.extend([None] * (start - 1 - len(data.headers)) + texts)
        return data.positions

    def _set_cells_steps(self: Any, sheet: str, frame: pd.DataFrame) -> lr.Step:
        table = self._table(sheet)
        bounds = table[1] if table else None
        positions = yield from self._add_columns(
            sheet, [str(c) for c in frame.columns], bounds[3] if bounds else 0
        )
        data_name = self._name(sheet) or sheet
        data = self._data[data_name]
        if len(frame.index):
            first, last = int(frame.index.min()), int(frame.index.max())
            by_row = {int(r): i for i, r in enumerate(frame.index)}
            values = frame.to_numpy(dtype=object)
            column_of = {positions[str(c)]: j for j, c in enumerate(frame.columns)}
            gaps = last - first + 1 > len(by_row)
            unread = [c for c in column_of if c not in data.columns and c <= len(data.headers)]
            held = (
                (yield from lr.tagged(data_name, lr.read_columns(data, unread, first, last)))
                if gaps and unread
                else {}
            )
            for run in lr.runs(list(column_of)):
                start, block = first, []
                for row in range(first, last + 1):
                    i = by_row.get(row)
                    if i is not None:
                        line = [excel_value(values[i][column_of[c]]) for c in run]
                    else:  # a row between changed ones: rewrite what it holds
                        line = [excel_value(_held(data, held, c, row, first)) for c in run]
                    if not block:
                        start = row
                    block.append(line)
                yield from self._write_steps(sheet, start, run[0], block)
        if table is not None:
            yield from self._grow_table(sheet, positions, int(frame.index.max()) if len(frame.index) else 0)

    def _grow_table(self: Any, sheet: str, positions: dict[str, int], last_row: int) -> lr.Step:
        obj, (r1, c1, r2, c2) = self._table(sheet)
        new_r2 = max(r2, last_row, r1 + 1)
        new_c2 = max(c2, max(positions.values(), default=c2))
        if (new_r2, new_c2) != (r2, c2):
            obj.resize(self.sheet(sheet).range((r1, c1), (new_r2, new_c2)))
            self._tables[self._name(sheet) or sheet] = (obj, (r1, c1, new_r2, new_c2))
            yield Flush(f"{sheet} table resized to {_address(r1, c1, new_r2 - r1 + 1, new_c2 - c1 + 1)}")

    def _append_steps(self: Any, sheet: str, frame: pd.DataFrame) -> lr.Step:
        """Rows below the last filled row, found from the table's end without reading the sheet."""
        name = self._name(sheet) or sheet
        data = yield from self._data_steps(sheet, lr.Need(rows="header"))
        if name not in self._ends:
            width = max([len(data.headers), *data.positions.values()])
            self._ends[name] = yield from lr.tagged(name, lr.last_filled_row(data, width))
        start = self._ends[name] + 1
        placed = frame.set_axis(pd.RangeIndex(start, start + len(frame), name="row"))
        yield from self._set_cells_steps(sheet, placed)
        if len(frame):
            self._ends[name] = start + len(frame) - 1
            self.appended[name] = (start, start + len(frame) - 1)

    def _owned_sheet(self: Any, sheet: str, clear: str) -> Any:
        """The sheet leadbook rebuilds whole, cleared (`clear`: its method), or added at the end."""
        name = self._name(sheet)
        if name is None:
            ws = self.book.sheets.add(sheet, after=self.book.sheets[len(self.sheet_names()) - 1])
            self._names = None
        else:
            ws = self.book.sheets[name]
            getattr(ws, clear)()
        self._data.pop(name or sheet, None)
        return ws

    def _values_steps(self: Any, op: SheetValues) -> lr.Step:
        self._owned_sheet(op.sheet, "clear_contents")
        yield from self._write_steps(op.sheet, 1, 1, [[excel_value(v) for v in row] for row in op.rows])

    def _replace_steps(self: Any, op: ReplaceSheet) -> lr.Step:
        """Clear the owned sheet (or add it) and write the heading, then each block, then charts."""
        name = self._name(op.sheet)
        if name is not None:
            ws = self.book.sheets[name]
            try:
                for chart in list(ws.charts):
                    chart.delete()
            except (KeyError, NotImplementedError, AttributeError):  # a client without charts
                pass
        ws = self._owned_sheet(op.sheet, "clear")
        yield from self._write_steps(op.sheet, 1, 1, [[excel_value(op.heading)]])
        for block in op.blocks:
            yield from self._block_steps(op.sheet, block)
        try:
            for chart in op.charts:
                self._add_chart(ws, op.blocks[chart.block], chart)
        except (KeyError, NotImplementedError, AttributeError):  # e.g. KeyError: 'charts'
            self.notes.append(NO_CHARTS)
        if op.charts:
            yield Flush(f"{op.sheet} charts")

    def _block_steps(self: Any, sheet: str, block: Block) -> lr.Step:
        frame = block.frame
        body = [[excel_value(v) for v in row] for row in frame.to_numpy(dtype=object)]
        width = len(frame.columns)
        title = [excel_value(block.title)] + [None] * (width - 1)
        header = [excel_value(str(c)) for c in frame.columns]
        note = [[excel_value(block.note)] + [None] * (width - 1)] if block.note else []  # what it means
        yield from self._write_steps(sheet, block.row, block.column, [title, header, *body, *note])
        ws = self.sheet(sheet)
        for column in block.percent_columns:
            if column in frame.columns and len(frame):
                c = block.column + list(frame.columns).index(column)
                ws.range((block.row + 2, c), (block.row + 1 + len(frame), c)).number_format = PERCENT_FORMAT

    def _add_chart(self: Any, ws: Any, block: Block, chart: Chart) -> None:
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
