"""The book interface every backend implements, and the rows-to-frame step they share."""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np
import pandas as pd

from leadbook.core.plan import Plan
from leadbook.core.schema import map_headers


class Book(Protocol):
    """A workbook leadbook reads as frames and changes only through a plan."""

    def sheet_names(self) -> list[str]:
        """The names of the book's sheets, in order."""
        ...

    def read(self, sheet: str) -> pd.DataFrame | None:
        """The sheet as a frame (contract column names, index = Excel row), None if absent."""
        ...

    def apply(self, plan: Plan) -> None:
        """Write the plan's changes to the owned cells, and nothing else."""
        ...


def header_row(rows: list[list[object]]) -> int:
    """0-based position of the header: the first row with two or more filled cells."""
    for i, row in enumerate(rows[:20]):
        if sum(1 for v in row if v not in (None, "")) >= 2:
            return i
    for i, row in enumerate(rows[:20]):
        if any(v not in (None, "") for v in row):
            return i
    return 0


def frame_from_rows(sheet: str, rows: list[list[object]]) -> tuple[pd.DataFrame, dict[str, int]]:
    """A frame from a sheet's cell values (from A1), and each contract column's 1-based position.

    Empty strings become None; fully empty rows are dropped; the index is the Excel row number.
    """
    if not rows:
        return pd.DataFrame(), {}
    top = header_row(rows)
    headers = rows[top]
    mapping = map_headers(sheet, headers)
    positions: dict[str, int] = {}
    for i, header in enumerate(headers):
        if header not in (None, "") and str(header) in mapping:
            positions.setdefault(mapping[str(header)], i + 1)
    keep = list(positions.values())
    names = list(positions)
    if not names:  # no header in the first rows: nothing is read (not a blank row per line)
        return pd.DataFrame(index=pd.RangeIndex(top + 2, top + 2, name="row")), positions
    body = [[row[p - 1] if p - 1 < len(row) else None for p in keep] for row in rows[top + 1 :]]
    frame = pd.DataFrame(body, columns=names, dtype=object)
    frame.index = pd.RangeIndex(top + 2, top + 2 + len(frame), name="row")
    if not frame.empty:
        frame = frame.mask(frame.eq(""), None)
        frame = frame.loc[frame.notna().any(axis=1)]
    return frame, positions


def plain_value(value: object) -> object:
    """A cell value as plain Python: None for blanks and NaN, int/float/bool, naive datetime."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, pd.Timestamp | np.datetime64):
        stamp = pd.Timestamp(value)
        return (stamp.tz_localize(None) if stamp.tzinfo else stamp).to_pydatetime()
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value
