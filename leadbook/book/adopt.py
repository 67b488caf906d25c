"""`adopt` through the package writer: a tracker gets what the contract needs, and nothing else changes.

On the contract sheets a tracker has: missing columns (header cells after its last column, styled
like the last header, with widths), dropdowns on answer columns that have no validation of their
own, the Settings rows it lacks (appended) and the Follow-up highlight rules on Leads; the
contract sheets it lacks are grafted in whole (`graft.add_sheet`). Every other part, and every
other byte of the sheets it touches, stays as it was.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from openpyxl.utils import range_boundaries

from leadbook.book.filebook import FileBook
from leadbook.book.install import WIDTHS, missing_sheets, sheet_scratch
from leadbook.book.safety import refuse_if_open, safe_write
from leadbook.book.xlsx import graft
from leadbook.book.xlsx.cells import column_letter
from leadbook.book.xlsx.interim import ZipParts
from leadbook.book.xlsx.sheetxml import TailEdit
from leadbook.book.xlsx.styles import Styles
from leadbook.book.xlsx.tail import add_data_validations, dropdown
from leadbook.book.xlsx.writer import Layout, SheetWrite, column_width, edit_sheets, highlight_edit
from leadbook.core import schema as s
from leadbook.core.dates import ORDER_NAMES, infer_date_order
from leadbook.core.settings import defaults_frame

MAX_ROW = 1048576
_SQREF = re.compile(rb"""<(?:\w+:)?dataValidation\b[^>]*?\ssqref=["']([^"']+)["']""")
_X14_SQREF = re.compile(rb"<(?:\w+:)?sqref>([^<]+)</(?:\w+:)?sqref>")


def covered(tail: bytes, column: int, row: int) -> bool:
    """True when a validation of the sheet's own (classic or x14, in extLst) covers the cell."""
    for m in [*_SQREF.finditer(tail), *_X14_SQREF.finditer(tail)]:
        for ref in m[1].decode().split():
            try:
                low_c, low_r, high_c, high_r = range_boundaries(ref)
            except (ValueError, TypeError):
                continue
            if low_c <= column <= (high_c or low_c) and low_r <= row <= (high_r or MAX_ROW):
                return True
    return False


def _dropdowns(sheet: str, done: list[str]) -> Callable[[Layout, Styles | None], TailEdit]:
    """A tail edit adding list validations on the sheet's answer columns that have none yet."""

    def factory(lay: Layout, styles: Styles | None) -> TailEdit:
        def edit(tail: bytes, prefix: str) -> bytes:
            items = []
            for column, choices in s.CHOICES.get(sheet, {}).items():
                col = lay.positions.get(column)
                if col is None or covered(tail, col, lay.header + 1):
                    continue
                letter = column_letter(col)
                items.append(dropdown(f"{letter}{lay.header + 1}:{letter}{MAX_ROW}", choices, column))
                done.append(f"{sheet} dropdown on {column!r}")
            return add_data_validations(tail, items, prefix)

        return edit

    return factory


def _highlights(done: list[str]) -> Callable[[Layout, Styles | None], TailEdit | None]:
    def factory(lay: Layout, styles: Styles | None) -> TailEdit | None:
        edit = highlight_edit(lay, styles)
        if edit is None:
            return None

        def noted(tail: bytes, prefix: str) -> bytes:
            new = edit(tail, prefix)
            if new != tail:
                done.append("Leads follow-up highlighting (conditional formats)")
            return new

        return noted

    return factory


def _settings_rows(book: FileBook) -> pd.DataFrame:
    """The default Settings rows the sheet lacks (a team's own values are never overwritten)."""
    frame = book.read(s.SETTINGS)
    have = (
        set()
        if frame is None or s.SETTING not in frame
        else {s.header_key(k) for k in frame[s.SETTING].dropna()}
    )
    defaults = defaults_frame()
    dates = [
        f[c]
        for sh in (s.LEADS, s.TOUCHES)
        if (f := book.read(sh)) is not None
        for c in s.DATE_COLUMNS[sh]
        if c in f
    ]
    if order := infer_date_order(dates):  # the tracker's own 15/04/2026 says how it writes dates
        defaults.loc[defaults[s.SETTING].eq("Date order"), s.SETTING_VALUE] = ORDER_NAMES[order]
    return defaults[~defaults[s.SETTING].map(s.header_key).isin(have)].reset_index(drop=True)


def adoption(book: FileBook) -> tuple[list[SheetWrite], list[str], list[str], pd.DataFrame]:
    """What adopt would add: sheet edits, the columns added (as reported), missing sheets, Settings rows."""
    present = {n.lower(): n for n in book.sheet_names()}
    work, columns = [], []
    settings_rows = pd.DataFrame()
    for sheet in (s.LEADS, s.PROSPECTS, s.TOUCHES, s.LOG, s.SETTINGS):
        if sheet.lower() not in present:
            continue
        mapped = set(s.map_headers(sheet, book.headers(sheet)).values())
        missing = [c for c in s.COLUMNS[sheet] if c not in mapped]
        widths = {c: float(WIDTHS.get(c, column_width(c))) for c in missing}
        write = SheetWrite(sheet, columns=missing, widths=widths)
        columns += [f"{sheet} column {c!r}" for c in missing]
        if sheet == s.SETTINGS:
            settings_rows = _settings_rows(book)
            if len(settings_rows):
                write.appends.append(settings_rows)
        work.append(write)
    return work, columns, missing_sheets(book.sheet_names()), settings_rows


def adopt_package(path: Path) -> list[str]:
    """Add the missing contract parts to a tracker in place; returns what was added (empty: nothing)."""
    path = Path(path)
    refuse_if_open(path)
    book = FileBook(path)
    work, added, new_sheets, settings_rows = adoption(book)
    tails: list[str] = []
    for write in work:
        write.tails.append(_dropdowns(write.name, tails))
        if write.name == s.LEADS:
            write.tails.append(_highlights(tails))
    parts = ZipParts(path)
    try:
        edit_sheets(parts, work)
        added += tails + [f"Settings row {k!r}" for k in settings_rows.get(s.SETTING, [])]
        for sheet in new_sheets:
            data, holds = sheet_scratch(sheet)
            graft.add_sheet(parts, data)
            added += holds
        if not added:
            return []

        def write(tmp: Path) -> set[str]:
            parts.save(tmp)
            return parts.changed()

        # the copy from before adopt is never rotated away
        safe_write(path, write, keep=True, expect=book._stamp, backup=True)
    finally:
        parts.close()
        book.close()
    return added
