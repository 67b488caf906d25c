"""`adopt` through the package writer: a tracker gets what the contract needs, and nothing else changes.

The tracker's own sheets and columns are found first (`mapping`: stored, or discovered, or given
by options); a book that needs one keeps it as "Map:" rows of leadbook's Settings sheet.

On the contract sheets a tracker has: missing columns (header cells after its last column, styled
like the last header, with widths), dropdowns on answer columns that have no validation of their
own, the Settings rows it lacks (appended) and the Follow-up highlight rules on Leads; the
contract sheets it lacks are grafted in whole (`graft.add_sheet`). Every other part, and every
other byte of the sheets it touches, stays as it was.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.utils import range_boundaries

from leadbook.book.base import header_row
from leadbook.book.filebook import FileBook
from leadbook.book.install import WIDTHS, contract_sheet
from leadbook.book.mapped import book_mapping
from leadbook.book.safety import refuse_if_open, safe_write
from leadbook.book.xlsx import graft
from leadbook.book.xlsx.cells import column_letter
from leadbook.book.xlsx.sheetxml import TailEdit
from leadbook.book.xlsx.styles import Styles
from leadbook.book.xlsx.tail import add_data_validations, dropdown
from leadbook.book.xlsx.writer import Layout, SheetWrite, column_width, edit_sheets, highlight_edit
from leadbook.book.xlsx.zipparts import ZipParts
from leadbook.core import schema as s
from leadbook.core.dates import ORDER_NAMES, infer_date_order
from leadbook.core.discover import SCAN_ROWS, discover
from leadbook.core.mapping import (
    ROLES,
    Mapping,
    SheetMap,
    filled,
    mapped_frame,
    mapping_rows,
    resolve_columns,
)
from leadbook.core.merge import id_pattern, new_ids
from leadbook.core.problems import LeadbookError
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


def _dropdowns(
    sheet: str, done: list[str], role: str | None = None
) -> Callable[[Layout, Styles | None], TailEdit]:
    """A tail edit adding list validations on the sheet's answer columns that have none yet."""

    def factory(lay: Layout, styles: Styles | None) -> TailEdit:
        def edit(tail: bytes, prefix: str) -> bytes:
            items = []
            for column, choices in s.CHOICES.get(role or sheet, {}).items():
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


@dataclass
class Options:
    """What a user told adopt: role -> sheet name ("none": leadbook adds its own), sheet -> header row."""

    sheets: dict[str, str] = field(default_factory=dict)
    header_rows: dict[str, int] = field(default_factory=dict)


@dataclass
class Adoption:
    """What adopt found and did (or, dry, would do)."""

    mapping: Mapping
    added: list[str]
    stored: bool  # the mapping is kept in the book (it is not the contract's names)


def find_mapping(book: FileBook, options: Options) -> Mapping:
    """The stored mapping (when no option overrides it), else the one found from the sheets' first rows."""
    stored = book_mapping(book)
    if stored is not None and not options.sheets and not options.header_rows:
        return stored
    names = book.sheet_names()
    samples = {n: book.rows(n)[: SCAN_ROWS + 200] for n in names}
    chosen: dict[str, str | None] = {}
    for role, name in options.sheets.items():
        if name.lower() == "none":
            chosen[role] = None
            continue
        match = next((n for n in names if n.lower() == name.lower()), None)
        if match is None:
            raise LeadbookError(f"there is no sheet {name!r} for {role}; the sheets are: {', '.join(names)}")
        chosen[role] = match
    return discover(samples, chosen, _header_rows(options, names, samples, chosen))


def _header_rows(
    options: Options, names: list[str], samples: dict[str, list[list[object]]], chosen: dict[str, str | None]
) -> dict[str, int]:
    """Sheet -> header row given by --header-row; a bare N is the leads sheet's (once found)."""
    headers = {}
    for name, row in options.header_rows.items():
        if not name:
            continue
        match = next((n for n in names if n.lower() == name.lower()), None)
        if match is None:
            raise LeadbookError(f"--header-row names the sheet {name!r}, which the book does not have")
        headers[match] = row
    if (row := options.header_rows.get("")) is not None:
        leads = discover(samples, chosen, headers).sheets.get(s.LEADS)
        if leads is None:
            raise LeadbookError(
                "--header-row N is for the leads sheet and adopt found none: add --leads-sheet NAME"
            )
        headers[leads.name] = row
    for name, row in headers.items():
        if len(samples[name]) < row or not any(filled(v) for v in samples[name][row - 1]):
            raise LeadbookError(
                f"row {row} holds no headers; give the row your column headers are on", name, row
            )
    return headers


def is_plain(book: FileBook, mapping: Mapping) -> bool:
    """True when the book reads the same without a stored mapping (contract names, header found
    by the usual rule, no totals row, headers leadbook already reads as the mapping says)."""
    for role, found in mapping.sheets.items():
        if found.name != role or role not in ROLES:
            return False
        rows = book.rows(found.name)
        if found.header != header_row(rows) + 1 or found.lead_by != s.LEAD_ID:
            return False
        read = s.map_headers(role, rows[found.header - 1])
        if any(read.get(header) != column for column, header in found.columns.items()):
            return False
        if mapped_frame(role, rows, found)[1]:
            return False
    return True


def _lead_ids(book: FileBook, found: SheetMap) -> pd.DataFrame:
    """Lead IDs for a leads sheet that has none: one per row holding data (totals rows skipped)."""
    frame = mapped_frame(s.LEADS, book.rows(found.name), found)[0]
    if s.LEAD_ID in frame:
        frame = frame[frame[s.LEAD_ID].isna()]
    ids = new_ids(len(frame), id_pattern(pd.Series(dtype=object)), set())
    return pd.DataFrame({s.LEAD_ID: ids}, index=frame.index, dtype=object)


def _sheet_write(
    book: FileBook, role: str, found: SheetMap | None, name: str
) -> tuple[SheetWrite, list[str]]:
    if found is None:
        mapped = set(s.map_headers(role, book.headers(name)).values())
    else:
        rows = book.rows(name)
        mapped = set(resolve_columns(role, list(rows[found.header - 1]) if rows else [], found.columns))
    missing = [c for c in s.COLUMNS[role] if c not in mapped]
    widths = {c: float(WIDTHS.get(c, column_width(c))) for c in missing}
    write = SheetWrite(name, columns=missing, widths=widths, mapping=found)
    if found is not None and role == s.LEADS and s.LEAD_ID in missing:
        write.sets.append(_lead_ids(book, found))
    label = found.columns if found else {}
    return write, [f"{name} column {label.get(c, c)!r}" for c in missing]


def _settings_rows(book: FileBook, name: str, extra: pd.DataFrame) -> pd.DataFrame:
    """The default Settings rows the sheet lacks, and the mapping rows it lacks (never overwritten)."""
    frame = book.read(name)
    have = (
        set()
        if frame is None or s.SETTING not in frame
        else {s.header_key(k) for k in frame[s.SETTING].dropna()}
    )
    rows = pd.concat([defaults_frame(), extra], ignore_index=True) if len(extra) else defaults_frame()
    dates = [
        f[c]
        for sh in (s.LEADS, s.TOUCHES)
        if (f := book.read(sh)) is not None
        for c in s.DATE_COLUMNS[sh]
        if c in f
    ]
    if order := infer_date_order(dates):  # the tracker's own 15/04/2026 says how it writes dates
        rows.loc[rows[s.SETTING].eq("Date order"), s.SETTING_VALUE] = ORDER_NAMES[order]
    return rows[~rows[s.SETTING].map(s.header_key).isin(have)].reset_index(drop=True)


def adoption(
    book: FileBook, mapping: Mapping, plain: bool
) -> tuple[list[SheetWrite], list[str], list[str], pd.DataFrame]:
    """What adopt would add: sheet edits, the columns added (as reported), missing sheets, Settings rows."""
    present = {n.lower(): n for n in book.sheet_names()}
    work, columns = [], []
    extra = pd.DataFrame(columns=list(s.SETTINGS_COLUMNS)) if plain else mapping_rows(mapping)
    settings_rows = _settings_rows(book, mapping.name(s.SETTINGS), extra)
    for role in (s.LEADS, s.PROSPECTS, s.TOUCHES, s.LOG, s.SETTINGS):
        name = present.get(mapping.name(role).lower())
        if name is None:
            continue
        found = mapping.sheets.get(role) if role in ROLES and not plain else None
        write, added = _sheet_write(book, role, found, name)
        columns += added
        if role == s.SETTINGS and len(settings_rows):
            write.appends.append(settings_rows)
        work.append(write)
    missing = [role for role in s.SHEETS if mapping.name(role).lower() not in present]
    return work, columns, missing, settings_rows


def _scratch(
    role: str, name: str, rows: pd.DataFrame | None, values: dict[str, object] | None = None
) -> tuple[bytes, list[str]]:
    """A contract sheet under `name` alone in a new workbook (.xlsx bytes) for grafting; `values`
    replace defaults of a new Settings sheet (the Date order adopt read off the tracker)."""
    from leadbook.book.sheets import append_rows

    wb = Workbook()
    wb.remove(wb.active)
    done = contract_sheet(wb, role)
    for row in wb[role].iter_rows(min_row=2, max_col=2) if role == s.SETTINGS and values else ():
        if row[0].value in values:
            row[1].value = values[row[0].value]
    if rows is not None and len(rows):
        append_rows(wb[role], rows)
    wb[role].title = name
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), [d.replace(f"sheet {role}", f"sheet {name}") for d in done]


def adopt_package(path: Path, options: Options | None = None, dry_run: bool = False) -> Adoption:
    """Add the missing contract parts to a tracker in place; what was found and added (empty: nothing)."""
    path = Path(path)
    if not dry_run:
        refuse_if_open(path)
    book = FileBook(path)
    try:
        mapping = find_mapping(book, options or Options())
        plain = is_plain(book, mapping)
        work, added, new_sheets, settings_rows = adoption(book, mapping, plain)
    except Exception:
        book.close()
        raise
    if mapping.unsure or dry_run:
        book.close()
        planned = added + [f"sheet {mapping.name(r)}" for r in new_sheets]
        planned += (
            [f"Settings row {k!r}" for k in settings_rows[s.SETTING]]
            if mapping.name(s.SETTINGS) not in new_sheets
            else []
        )
        return Adoption(mapping, planned if dry_run else [], not plain)
    tails: list[str] = []
    roles = {mapping.name(r).lower(): r for r in s.SHEETS}
    for write in work:
        role = roles.get(write.name.lower(), write.name)
        write.tails.append(_dropdowns(write.name, tails, role))
        if role == s.LEADS:
            write.tails.append(_highlights(tails))
    parts = ZipParts(path)
    try:
        edit_sheets(parts, work)
        added += tails + [f"Settings row {k!r}" for k in settings_rows.get(s.SETTING, [])]
        for role in new_sheets:
            rows = None if plain or role != s.SETTINGS else mapping_rows(mapping)
            inferred = dict(zip(settings_rows[s.SETTING], settings_rows[s.SETTING_VALUE], strict=True))
            data, holds = _scratch(role, mapping.name(role), rows, {"Date order": inferred.get("Date order")})
            graft.add_sheet(parts, data)
            added += holds
        if not added:
            return Adoption(mapping, [], not plain)

        def write(tmp: Path) -> set[str]:
            parts.save(tmp)
            return parts.changed()

        # the copy from before adopt is never rotated away
        safe_write(path, write, keep=True, expect=book._stamp, backup=True)
    finally:
        parts.close()
        book.close()
    return Adoption(mapping, added, not plain)
