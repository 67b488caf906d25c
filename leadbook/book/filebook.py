"""The file backend: fast typed reads (see reader.py); writes patch the package (see xlsx/writer.py)."""

from __future__ import annotations

import re
import zipfile
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from leadbook.book.base import header_row
from leadbook.book.mapped import refuse_totals
from leadbook.book.reader import HEAD_ROWS, SheetReader, table_totals
from leadbook.book.safety import hold, refuse_if_open, release, safe_write, stamp
from leadbook.book.xlsx.guard import damaged, inspect
from leadbook.core import schema as s
from leadbook.core.mapping import ROLES, SheetMap, filled, frame_totals
from leadbook.core.plan import AppendRows, Plan, ReplaceSheet, SetCells
from leadbook.core.problems import LeadbookError

if TYPE_CHECKING:  # openpyxl is imported only when a plan needs it (adopt's existing sheets)
    from openpyxl import Workbook

SUFFIXES = (".xlsx", ".xlsm")
_ERROR_CELL = re.compile(
    rb"""<(?:\w+:)?c\s([^>]*?\bt=["']e["'][^>]*)>(?:(?!</(?:\w+:)?c>).)*?<(?:\w+:)?v>([^<]*)</""", re.S
)
_REF = re.compile(rb"""\br=["']([A-Z]+)(\d+)["']""")
# The sheets every rule reads, largest first: with `needs`, these are read two at a time.
PREFETCH = (s.TOUCHES, s.LEADS, s.PROSPECTS, s.SETTINGS)


def load(path: Path) -> Workbook:
    """Open a book for writing, keeping macros, formulas and rich text."""
    from openpyxl import load_workbook

    return load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm", rich_text=True)


class FileBook:
    """A workbook on disk. Reads come from the file as it is; `apply` writes one plan safely."""

    def __init__(self, path: str | Path, needs: dict[str, tuple[str, ...] | None] | None = None) -> None:
        """`needs` (sheet -> contract columns, None for all; `services.NEEDS[action]`) narrows reads."""
        self.path = Path(path)
        self.needs = needs or {}
        if self.path.suffix.lower() not in SUFFIXES:
            hint = ""
            if self.path.suffix.lower() in (".csv", ".tsv", ".txt", ".xls", ".ods"):
                hint = f"; to bring its leads into a workbook: leadbook import BOOK.xlsx {self.path.name}"
            raise LeadbookError(f"{self.path.name}: leadbook works on .xlsx and .xlsm files{hint}")
        if not self.path.exists():
            raise LeadbookError(f"{self.path} does not exist; `leadbook new` makes one")
        inspect(self.path)
        hold(self.path)  # leadbook's lock, for the whole read-compute-write of this command
        self._held = True
        self._stamp = stamp(self.path)
        self._backed_up = False
        self.wrote = False  # whether the last `apply` replaced the file
        self._reader = SheetReader(self.path)
        self._frames: dict[str, pd.DataFrame | None] = {}
        self._pending: dict[str, Future] = {}
        self._heads: dict[str, Future] = {}  # a list's first rows, looked at during the prefetch
        self.totals: dict[str, list[int]] = {}  # Leads, Touches, Prospects -> the rows of their totals lines
        self._prefetch()

    def _prefetch(self) -> None:
        """Start reading the needed rule sheets, two at a time (the parse runs outside the GIL,
        so Touches and Leads load side by side on two cores). `read` then waits for its sheet;
        a sheet's error surfaces there, as it would have without the prefetch."""
        sheets = [sheet for sheet in PREFETCH if sheet in self.needs and self._name(sheet) is not None]
        if len(sheets) < 2:
            return
        pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="leadbook-read")
        for sheet in sheets:
            self._pending[sheet] = pool.submit(self._load, sheet, self._name(sheet), self.needs.get(sheet))
        # The first rows of each list, for its totals lines: looked at while Touches still loads
        # (a look reads the shared strings up to the ones it needs; the first look pays for them).
        for sheet in sheets:
            if sheet in ROLES:
                self._heads[sheet] = pool.submit(self.head, self._name(sheet), HEAD_ROWS)
        pool.shutdown(wait=False)

    def _load(self, sheet: str, name: str, columns: tuple[str, ...] | None) -> pd.DataFrame:
        # A reader of its own: one fastexcel reader loads one sheet at a time.
        return SheetReader(self.path).frame(sheet, name, columns)

    def _settle(self) -> None:
        """Wait for reads still running (before the file changes under them); errors are dropped
        here because a sheet nobody asked for cannot fail a command."""
        for future in [*self._pending.values(), *self._heads.values()]:
            future.exception()
        self._pending.clear()
        self._heads.clear()

    def sheet_names(self) -> list[str]:
        return list(self._reader.sheet_names)

    def read(self, sheet: str) -> pd.DataFrame | None:
        if sheet in self._pending:
            self._frames[sheet] = self._without_totals(sheet, self._pending.pop(sheet).result())
        if sheet not in self._frames:
            name = self._name(sheet)
            columns = self.needs.get(sheet)
            frame = None if name is None else self._reader.frame(sheet, name, columns)
            self._frames[sheet] = self._without_totals(sheet, frame)
        return self._frames[sheet]

    def _without_totals(self, sheet: str, frame: pd.DataFrame | None) -> pd.DataFrame | None:
        """The frame of Leads, Touches or Prospects without its totals lines (a first cell of Total,
        Totals, Grand total, Subtotal), whose rows are kept in `totals` for the writer."""
        role = next((r for r in ROLES if r.lower() == sheet.lower()), None)
        if role is None or frame is None or frame.empty:
            return frame
        looked = self._heads.pop(role, None)
        rows = looked.result() if looked is not None else self.head(self._name(sheet) or sheet, HEAD_ROWS)
        headers = rows[header_row(rows)][:3] if rows else []
        names = s.map_headers(role, headers)
        lines = frame_totals(frame, [names[str(h)] for h in headers if filled(h)])
        self.totals[role] = lines
        return frame.drop(index=lines) if lines else frame

    def _name(self, sheet: str) -> str | None:
        """The book's own spelling of a sheet name (sheet names match case-insensitively)."""
        names = {n.lower(): n for n in self.sheet_names()}
        return names.get(sheet.lower())

    def rows(self, name: str) -> list[list[object]]:
        """The named sheet's cell values from A1 (how a stored mapping reads a team's own sheet)."""
        return self._reader.rows(self._name(name) or name)

    def table_totals(self, name: str) -> list[int]:
        """The Excel rows of the Total Rows of the named sheet's Tables (never read as data)."""
        return table_totals(self.path, self._name(name) or name)

    def head(self, name: str, upto: int) -> list[list[object]]:
        """The named sheet's first `upto` rows from A1, read from its XML only as far as that
        (numbers and dates as their stored text): a look at a long sheet without parsing it."""
        from leadbook.book.xlsx.workbook import BookMap
        from leadbook.book.xlsx.writer import header_cells
        from leadbook.book.xlsx.zipparts import ZipParts

        parts = ZipParts(self.path)
        try:
            book = BookMap(parts)
            return header_cells(parts, book, book.sheet_part(self._name(name) or name)[1], upto)
        finally:
            parts.close()

    def error_cells(self, name: str) -> dict[tuple[int, int], str]:
        """(Excel row, column number) -> error text (#REF!, #N/A...) of the named sheet's error
        cells, from its XML (python-calamine's rows give them as blanks)."""
        from leadbook.book.xlsx.cells import column_number
        from leadbook.book.xlsx.workbook import BookMap
        from leadbook.book.xlsx.zipparts import ZipParts

        parts = ZipParts(self.path)
        try:
            xml = parts.read(BookMap(parts).sheet_part(self._name(name) or name)[1])
        finally:
            parts.close()
        found = {}
        for m in _ERROR_CELL.finditer(xml):
            ref = _REF.search(m[1])
            if ref:
                found[(int(ref[2]), column_number(ref[1].decode()))] = m[2].decode() or "#N/A"
        return found

    def headers(self, sheet: str) -> list[object]:
        """The sheet's header cells as written (empty list if the sheet is absent)."""
        name = self._name(sheet)
        rows = [] if name is None else self._reader.rows(name)[:20]
        return rows[header_row(rows)] if rows else []

    def _last_rows(self) -> dict[str, int]:
        """The last Excel row holding data of each sheet already read whole (0: none), so appends need
        no scan. A sheet read for some columns only is scanned: a row may hold only the others."""
        return {
            sheet: int(frame.index.max()) if len(frame.index) else 0
            for sheet, frame in self._frames.items()
            if frame is not None and self.needs.get(sheet) is None
        }

    def apply(self, plan: Plan, maps: dict[str, SheetMap] | None = None) -> Path | None:
        """Write the plan: refuse if open or if unkeepable parts exist; returns the backup path.

        `maps` (sheet name, lower case -> its stored mapping) place columns by the team's headers."""
        self.wrote = False
        if not plan:
            return None
        self._settle()
        refuse_if_open(self.path)
        # One backup per command (its first write), so a folder does not fill with copies.
        guard = {"expect": self._stamp, "backup": not self._backed_up}
        maps = self._with_totals(plan, maps)
        known = self._last_rows()
        try:
            backup = safe_write(self.path, lambda tmp: write_plan(self.path, tmp, plan, known, maps), **guard)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:  # a part leadbook had to read is damaged
            raise damaged(self.path, exc) from exc
        after = stamp(self.path)
        self.wrote = after != self._stamp  # False: every part came out as it was, nothing replaced
        self._backed_up = self._backed_up or self.wrote
        self._stamp = after
        self._frames.clear()
        self.totals.clear()
        self._reader = SheetReader(self.path)
        return backup

    def _with_totals(self, plan: Plan, maps: dict[str, SheetMap] | None) -> dict[str, SheetMap]:
        """`maps`, and for each list under leadbook's own name that the plan adds rows to, its totals
        lines (the writer adds the rows above them); a totals line with data below it is refused."""
        out = dict(maps or {})
        for op in plan.ops:
            role = next((r for r in ROLES if r.lower() == op.sheet.lower()), None)
            name = self._name(op.sheet)
            if not isinstance(op, AppendRows) or op.frame.empty or role is None or name is None:
                continue
            if name.lower() in out:  # placed by its stored mapping, totals found there
                continue
            frame = self.read(op.sheet)  # a list not read yet is read now: its totals must be known
            last = int(frame.index.max()) if frame is not None and len(frame) else 0
            lines = self.totals.get(role, [])
            refuse_totals(name, lines, last, moves_totals=True)
            if lines:
                out[name.lower()] = SheetMap(role, name, 0, totals=tuple(lines))
        return out

    def close(self) -> None:
        """Give back leadbook's lock on the book (also done when the command's process ends)."""
        if getattr(self, "_held", False):
            self._held = False
            release(self.path)

    def __del__(self) -> None:
        self.close()


def write_plan(
    source: Path,
    target: Path,
    plan: Plan,
    last_rows: dict[str, int] | None = None,
    maps: dict[str, SheetMap] | None = None,
) -> set[str]:
    """Write `target` as `source` with the plan applied in one package: cells and appended rows
    streamed into their sheets, owned sheets (Summary, Calibration) rebuilt whole; every part
    the plan does not touch copied as its compressed bytes. Returns the parts written or removed."""
    from leadbook.book.xlsx.writer import apply_cells
    from leadbook.book.xlsx.zipparts import ZipParts

    parts = ZipParts(source)
    try:
        apply_cells(parts, [op for op in plan.ops if isinstance(op, SetCells | AppendRows)], last_rows, maps)
        for op in plan.ops:
            if isinstance(op, ReplaceSheet):
                from leadbook.book.summary_sheet import replace_in_parts  # openpyxl: only for these

                replace_in_parts(parts, op)
        parts.save(target)
        return parts.changed()
    finally:
        parts.close()
