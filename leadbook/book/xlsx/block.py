"""A frame's cells kept column by column, for the sheet patch's fast path.

Turning a 100k-row frame into one dict of Cells per row costs more than the rest of the write.
A Block keeps each column as codes into its distinct Cells: a row's dict is made only when that
row needs the general, row-by-row path (`cells`), and `SheetPatch` renders the new cells of a
run of rows at once from the codes (see `SheetPatch._block_rows`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from leadbook.book.xlsx.cells import Cell, column_codes


@dataclass(frozen=True)
class Block:
    """Cells of one frame: `distinct[k][codes[k][i]]` is column `cols[k]` of Excel row `rows[i]`.

    `rows` ascend without repeats and `cols` ascend; with `clear`, a blank clears the cell (as a
    SetCells does), else a blank is no edit and rows without a value are left out.
    """

    rows: np.ndarray
    cols: list[int]
    codes: list[np.ndarray]
    distinct: list[list[Cell | None]]
    clear: bool

    @classmethod
    def of(cls, frame: pd.DataFrame, positions: dict[str, int], date1904: bool, clear: bool) -> Block | None:
        """The frame (index = Excel rows) as a Block; None when its index or columns do not allow one."""
        if not pd.api.types.is_integer_dtype(frame.index.dtype) or not frame.index.is_unique:
            return None
        names = sorted(frame.columns, key=lambda name: positions[name])
        cols = [positions[name] for name in names]
        if len(set(cols)) != len(cols) or len(set(names)) != len(names):
            return None
        rows = frame.index.to_numpy(dtype=np.int64)
        order = np.argsort(rows, kind="stable")
        codes, distinct = [], []
        for name in names:
            found, values = column_codes(frame[name], date1904)
            codes.append(np.asarray(found, dtype=np.int64)[order])
            distinct.append(values)
        block = cls(rows[order], cols, codes, distinct, clear)
        return block if clear else block.without_rows(block.rows[~block.written()])

    def position(self, r: int) -> int | None:
        """Where Excel row `r` is in `rows` (None: not in the block)."""
        i = int(np.searchsorted(self.rows, r))
        return i if i < len(self.rows) and self.rows[i] == r else None

    def cells(self, i: int) -> dict[int, Cell | None]:
        """Row `rows[i]` as column -> Cell, as the general path takes it."""
        out = {}
        for col, codes, distinct in zip(self.cols, self.codes, self.distinct, strict=True):
            cell = distinct[codes[i]]
            if cell is not None or self.clear:
                out[col] = cell
        return out

    def columns(self, i: int) -> list[int]:
        """The columns row `rows[i]` edits."""
        return list(self.cells(i)) if not self.clear else list(self.cols)

    @functools.cached_property
    def blanks(self) -> list[np.ndarray]:
        """Per column: which codes are a blank."""
        return [np.array([cell is None for cell in distinct]) for distinct in self.distinct]

    def written(self) -> np.ndarray:
        """Per row: whether it sets at least one value (not only blanks)."""
        mask = np.zeros(len(self.rows), dtype=bool)
        for codes, blank in zip(self.codes, self.blanks, strict=True):
            mask |= ~blank[codes]
        return mask

    def without_rows(self, rows: Iterable[int]) -> Block:
        """The block less the given Excel rows."""
        keep = ~np.isin(self.rows, np.fromiter(rows, dtype=np.int64))
        if keep.all():
            return self
        codes = [c[keep] for c in self.codes]
        return Block(self.rows[keep], self.cols, codes, self.distinct, self.clear)
