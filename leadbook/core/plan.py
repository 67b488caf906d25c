"""A plan: what an action would change, as plain data, before anything is written.

Frames in a plan use contract column names; their index is the Excel row number (SetCells)
or nothing (AppendRows). A backend applies a plan; a dry run only prints it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True)
class SetCells:
    """Set these columns on these rows (index = Excel row); a column the sheet lacks is added."""

    sheet: str
    frame: pd.DataFrame


@dataclass(frozen=True)
class AppendRows:
    """Add these rows at the end of the sheet's table."""

    sheet: str
    frame: pd.DataFrame


@dataclass(frozen=True)
class Block:
    """A titled table placed on an owned sheet at (row, column), both 1-based."""

    title: str
    frame: pd.DataFrame
    row: int
    column: int = 1
    percent_columns: tuple[str, ...] = ()
    note: str = ""  # what the figure means, in a line or two under the table


@dataclass(frozen=True)
class Chart:
    """A native chart of a block: categories from its first column, series from `values`."""

    kind: str  # "bar" (horizontal), "column", "stacked" (horizontal bars, stacked) or "line"
    title: str
    block: int  # index into ReplaceSheet.blocks
    values: tuple[str, ...]
    anchor: str  # top-left cell, like "J2"
    rows: int = 0  # height in sheet rows (0: the renderer's default)
    highlight: tuple[str, ...] = ()  # categories whose bars stand out (the seeds' 8-10 touches)


@dataclass(frozen=True)
class ReplaceSheet:
    """Rebuild a sheet leadbook owns whole (Summary): a heading line, blocks and charts."""

    sheet: str
    heading: str
    blocks: list[Block] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


Op = SetCells | AppendRows | ReplaceSheet


@dataclass
class Plan:
    """The ordered changes of one action."""

    ops: list[Op] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any(not (isinstance(op, SetCells | AppendRows) and op.frame.empty) for op in self.ops)

    def add(self, op: Op) -> None:
        self.ops.append(op)
