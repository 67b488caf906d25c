"""Bounded reads of an open workbook: only the columns an action needs, in row chunks.

Excel for the web refuses an Office.js request or response over 5 MB and a range read over
5,000,000 cells; desktop COM and Apple Events fail on very large transfers too. So a sheet is
read as: its extent (table bounds or used range, no values), its header row, then each run of
needed columns in row chunks whose JSON stays near TARGET_BYTES, sized from the first chunk.

The readers are generators: they yield a `Request` and receive its values, so one code path
serves the synchronous engines (COM, AppleScript, xlwings Server) and xlwings Lite's async API.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from leadbook.book.base import frame_from_rows, header_row

TARGET_BYTES = 2_000_000  # per request: well under Excel for the web's 5 MB
MAX_CELLS = 1_000_000  # per request: under macOS' ~1.5M cells per Apple Event, far under 5M
FIRST_CELLS = 20_000  # the first chunk, from which the rest are sized
HEAD_ROWS = 20  # a header may sit below a title row: look this far without a table


@dataclass(frozen=True)
class Request:
    """Values of one rectangle (1-based, inclusive), the used range when `used` is set, the
    formulas of the conditional formats on the rectangle when `rules` is, or whether it holds
    merged cells (`[[True]]`, `[[False]]`, `[[None]]` for some) when `merged` is (None: cannot tell)."""

    r1: int = 1
    c1: int = 1
    r2: int = 1
    c2: int = 1
    used: bool = False
    rules: bool = False
    merged: bool = False


@dataclass(frozen=True)
class Need:
    """What to read of a sheet: `columns` (None: all), and all body rows, only the header, or one row."""

    columns: tuple[str, ...] | None = None
    rows: str | int = "all"  # "all", "header" or an Excel row number


Rows = list[list[object]]
Reader = Generator[Request, Rows, "SheetData"]
Step = Generator[Any, Any, Any]  # yields (sheet, Request) to read, or a flush point after writes


@dataclass
class Extent:
    """Where a sheet's data lies, known without reading values."""

    last_row: int
    last_col: int
    table: tuple[int, int, int, int] | None = None  # first row, first col, last row, last col

    @property
    def header_known(self) -> bool:
        return self.table is not None


@dataclass
class SheetData:
    """What was read of a sheet: its header and, per column position, the body values read."""

    header_line: int
    headers: list[object]
    positions: dict[str, int]
    last_row: int
    columns: dict[int, list[object]] = field(default_factory=dict)  # body rows header_line+1..last_row

    def frame(self, names: list[str], columns: dict[int, list] | None = None, start: int = 0) -> pd.DataFrame:
        """The read columns (or `columns`, body rows from `start`) as a frame like
        `frame_from_rows` makes: index = Excel row, blanks None, empty rows dropped."""
        columns = self.columns if columns is None else columns
        start = start or self.header_line + 1
        body = {n: columns[self.positions[n]] for n in names if self.positions.get(n) in columns}
        length = len(next(iter(body.values()))) if body else 0
        frame = pd.DataFrame(body, dtype=object, index=pd.RangeIndex(start, start + length, name="row"))
        if not frame.empty:
            frame = frame.mask(frame.eq(""), None)
            frame = frame.loc[frame.notna().any(axis=1)]
        return frame

    @property
    def rows(self) -> int:
        return max(0, self.last_row - self.header_line)

    def cached(self, column: int, row: int) -> tuple[bool, object]:
        """(True, value) when the cell was read (or written) here, else (False, None)."""
        values = self.columns.get(column)
        i = row - self.header_line - 1
        if values is None or not 0 <= i < len(values):
            return False, None
        return True, values[i]

    def remember(self, row: int, column: int, block: Rows) -> None:
        """Mirror a write into the values read, so later writes see it."""
        for j in range(max((len(r) for r in block), default=0)):
            values = self.columns.get(column + j)
            if values is None:
                continue
            for i, line in enumerate(block):
                k = row + i - self.header_line - 1
                if k >= 0 and j < len(line):
                    values.extend([None] * (k + 1 - len(values)))
                    values[k] = line[j]
        self.last_row = max(self.last_row, row + len(block) - 1)


def json_bytes(rows: Rows) -> int:
    """Bytes of the rows as JSON, as Office.js would carry them (dates as ISO text)."""
    return len(json.dumps(rows, default=str, ensure_ascii=False).encode())


def chunk_rows(sample: Rows, width: int) -> int:
    """Rows per request so that one stays near TARGET_BYTES and under MAX_CELLS."""
    per_row = max(1.0, json_bytes(sample) / max(1, len(sample)))
    return max(1, min(int(TARGET_BYTES / per_row), MAX_CELLS // max(1, width)))


def runs(positions: list[int]) -> list[list[int]]:
    """Sorted column positions split into runs of adjacent columns: [1,2,3,7,8] -> [[1,2,3],[7,8]]."""
    out: list[list[int]] = []
    for p in sorted(set(positions)):
        if out and p == out[-1][-1] + 1:
            out[-1].append(p)
        else:
            out.append([p])
    return out


def _pad(rows: Rows, width: int) -> Rows:
    return [[None if v == "" else v for v in row] + [None] * (width - len(row)) for row in rows]


def read_header(sheet: str, extent: Extent) -> Generator[Request, Rows, SheetData]:
    """The header row (the table's first row, else found in the first HEAD_ROWS rows)."""
    width = extent.last_col
    if extent.table is not None:
        line = extent.table[0]
        head = _pad((yield Request(line, 1, line, width)), width)
        headers, top = head[0], line
    else:
        last = min(extent.last_row, HEAD_ROWS)
        head = _pad((yield Request(1, 1, last, width)), width)
        i = header_row(head)
        headers, top = (head[i] if head else []), i + 1
    positions = frame_from_rows(sheet, [headers])[1] if any(v is not None for v in headers) else {}
    last_row = max(top, extent.table[2] if extent.table else extent.last_row)
    return SheetData(top, list(headers), positions, last_row)


def read_columns(
    data: SheetData, positions: list[int], first: int | None = None, last: int | None = None
) -> Reader:
    """Body values of these columns, rows first..last (default: all), in bounded chunks.

    Returns column -> values; a read of every body row is also kept in `data.columns`.
    """
    full = first is None and last is None
    first = data.header_line + 1 if first is None else first
    last = data.last_row if last is None else last
    size: int | None = None
    out: dict[int, list[object]] = {}
    for run in runs(positions):
        got: Rows = []
        row = first
        while row <= last:
            step = size or max(1, FIRST_CELLS // len(run))
            end = min(last, row + step - 1)
            values = _pad((yield Request(row, run[0], end, run[-1])), len(run))
            got.extend(values[: end - row + 1])
            if size is None:
                size = chunk_rows(values, len(run))
            row = end + 1
        for j, col in enumerate(run):
            out[col] = [line[j] for line in got]
    if full:
        data.columns.update(out)
    return out


def last_filled_row(data: SheetData, width: int) -> Generator[Request, Rows, int]:
    """The last row holding a value, reading backwards from the end in small blocks."""
    end, block = data.last_row, 1
    while end > data.header_line:
        start = max(data.header_line + 1, end - block + 1)
        rows = _pad((yield Request(start, 1, end, width)), width)
        for i in range(len(rows) - 1, -1, -1):
            if any(v is not None for v in rows[i]):
                return start + i
        end, block = start - 1, min(block * 8, 4096)
    return data.header_line


def tagged(sheet: str, steps: Generator[Request, Rows, Any]) -> Step:
    """A sheet reader's requests, each tagged with its sheet."""
    try:
        request = next(steps)
        while True:
            request = steps.send((yield (sheet, request)))
    except StopIteration as stop:
        return stop.value
