"""The file backend: fast reads with python-calamine, safe writes with openpyxl."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import python_calamine
from openpyxl import Workbook, load_workbook

from leadbook.book.base import frame_from_rows, header_row
from leadbook.book.install import ensure_highlights
from leadbook.book.safety import refuse_if_open, refuse_unkept, safe_write
from leadbook.book.sheets import append_rows, set_cells
from leadbook.core import schema as s
from leadbook.core.plan import AppendRows, Plan, ReplaceSheet, SetCells
from leadbook.core.problems import LeadbookError

SUFFIXES = (".xlsx", ".xlsm")


def load(path: Path) -> Workbook:
    """Open a book for writing, keeping macros, formulas and rich text."""
    return load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm", rich_text=True)


class FileBook:
    """A workbook on disk. Reads come from the file as it is; `apply` writes one plan safely."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if self.path.suffix.lower() not in SUFFIXES:
            raise LeadbookError(f"{self.path.name}: leadbook works on .xlsx and .xlsm files")
        if not self.path.exists():
            raise LeadbookError(f"{self.path} does not exist; `leadbook new` makes one")
        try:
            self._reader = python_calamine.CalamineWorkbook.from_path(str(self.path))
        except Exception as exc:  # calamine raises its own error types for damaged files
            raise LeadbookError(f"{self.path.name} cannot be read as an Excel workbook: {exc}") from exc
        self._frames: dict[str, pd.DataFrame | None] = {}

    def sheet_names(self) -> list[str]:
        return list(self._reader.sheet_names)

    def read(self, sheet: str) -> pd.DataFrame | None:
        if sheet not in self._frames:
            self._frames[sheet] = self._read(sheet)
        return self._frames[sheet]

    def _rows(self, sheet: str) -> list[list[object]] | None:
        names = {n.lower(): n for n in self.sheet_names()}
        if sheet.lower() not in names:
            return None
        return self._reader.get_sheet_by_name(names[sheet.lower()]).to_python(skip_empty_area=False)

    def _read(self, sheet: str) -> pd.DataFrame | None:
        rows = self._rows(sheet)
        return None if rows is None else frame_from_rows(sheet, rows)[0]

    def headers(self, sheet: str) -> list[object]:
        """The sheet's header cells as written (empty list if the sheet is absent)."""
        rows = (self._rows(sheet) or [])[:20]
        return rows[header_row(rows)] if rows else []

    def apply(self, plan: Plan) -> Path | None:
        """Write the plan: refuse if open or if unkeepable parts exist; returns the backup path."""
        if not plan:
            return None
        refuse_if_open(self.path)
        if all(isinstance(op, ReplaceSheet) for op in plan.ops):  # whole owned sheets: grafted parts
            backup = safe_write(self.path, lambda tmp: replace_sheets(self.path, tmp, plan.ops))
        else:
            refuse_unkept(self.path)
            wb = load(self.path)
            apply_to_workbook(wb, plan)
            backup = safe_write(self.path, wb.save)
        self._frames.clear()
        self._reader = python_calamine.CalamineWorkbook.from_path(str(self.path))
        return backup


def replace_sheets(source: Path, target: Path, ops: list[ReplaceSheet]) -> None:
    """Write `target` as `source` with each owned sheet rebuilt; every other part as it was."""
    from leadbook.book.summary_sheet import replace_in_parts
    from leadbook.book.xlsx.graft import edit

    edit(source, target, lambda parts: [replace_in_parts(parts, op) for op in ops])


def apply_to_workbook(wb: Workbook, plan: Plan) -> None:
    """Apply a plan's operations to an open openpyxl workbook."""
    from leadbook.book.summary_sheet import replace_sheet

    for op in plan.ops:
        if isinstance(op, SetCells):
            set_cells(_sheet(wb, op.sheet), op.frame)
            if op.sheet == s.LEADS and s.FOLLOW_UP in op.frame.columns:
                ensure_highlights(_sheet(wb, op.sheet))  # put back the colour rules if a user removed them
        elif isinstance(op, AppendRows):
            append_rows(_sheet(wb, op.sheet), op.frame)
        elif isinstance(op, ReplaceSheet):
            replace_sheet(wb, op)


def _sheet(wb: Workbook, name: str):
    for ws in wb.worksheets:
        if ws.title.lower() == name.lower():
            return ws
    raise LeadbookError(f"sheet {name!r} is missing; run `leadbook adopt` to add it", name)
