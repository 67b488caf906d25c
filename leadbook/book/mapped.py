"""A book read and written through its stored mapping (the team's sheet and column names).

Wraps any backend that can give a sheet's cell values (`rows(name)`) and apply a plan with column
maps (`apply(plan, maps)`); the file backend does both. Frames and plans keep the contract names;
only here do they meet the tracker's own. Without a stored mapping the book is used as it is.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from leadbook.book.base import Book, header_row
from leadbook.core import schema as s
from leadbook.core.mapping import (
    OURS,
    ROLES,
    Mapping,
    SheetMap,
    mapped_frame,
    reference_key,
    resolve_columns,
    resolve_leads,
    stored_mapping,
    without_mapping_rows,
)
from leadbook.core.plan import AppendRows, Plan, ReplaceSheet, SetCells
from leadbook.core.problems import LeadbookError

SETTINGS_OURS = f"{s.SETTINGS}{OURS}"


def settings_name(names: list[str]) -> str:
    """leadbook's Settings sheet: "Settings (leadbook)" when the book has one, else "Settings"."""
    return next((n for n in names if n.lower() == SETTINGS_OURS.lower()), s.SETTINGS)


def book_mapping(book: Book) -> Mapping | None:
    """The mapping stored in the book's Settings sheet (None: the book uses the contract names)."""
    name = settings_name(book.sheet_names())
    return stored_mapping(book.read(name))


def mapped(book: Book) -> Book:
    """The book through its stored mapping, or the book itself when it has none (or cannot use one)."""
    if isinstance(book, MappedBook):
        return book
    if not hasattr(book, "rows"):  # a backend that cannot give a sheet's cells reads contract names only
        refuse_mapped(book)
        return book
    mapping = book_mapping(book)
    return book if mapping is None else MappedBook(book, mapping)


def refuse_mapped(book: Book) -> None:
    """Refuse, saying what to do, a book whose stored mapping this backend cannot follow."""
    names = book.sheet_names()
    ours = settings_name(names) != s.SETTINGS
    if ours or (s.SETTINGS.lower() in {n.lower() for n in names} and book_mapping(book) is not None):
        raise LeadbookError(
            'this workbook was adopted with its own sheet and column names (the "Map: ..." rows of '
            f"{settings_name(names)!r}); this reader of the workbook does not follow those: run "
            "`leadbook refresh`, `leadbook qualify` or `leadbook summary` on the file from a terminal",
            settings_name(names),
        )


def header_rows(samples: dict[str, list[list[object]]], mapping: Mapping | None) -> dict[str, int]:
    """Role -> the 1-based header row in use on its sheet (stored, else the usual rule)."""
    out = {}
    for role in ROLES:
        found = mapping.sheets.get(role) if mapping else None
        name = found.name if found else next((n for n in samples if n.lower() == role.lower()), None)
        if name is None or name not in samples:
            continue
        out[role] = found.header if found and found.header else header_row(samples[name]) + 1
    return out


def refuse_totals(name: str, totals: list[int], last: int, moves_totals: bool) -> None:
    """New rows go above the totals rows that end the list (the writer moves them down); a totals
    row with data below it (a subtotal inside the list, `last` its last data row) is refused, and so
    is any totals row when the backend cannot move them (the Excel buttons)."""
    if not moves_totals and totals:
        raise LeadbookError(
            f"row {totals[0]} is a totals row, and the Excel buttons add rows at the end of the list "
            "without moving it; move the totals row above the header (or to another sheet) and "
            "click again, or close the workbook and run leadbook qualify / leadbook import on "
            "the file, which add the rows above the totals row",
            name,
            totals[0],
        )
    inside = [r for r in totals if r < last]
    if inside:
        raise LeadbookError(
            f"row {inside[0]} is a totals row with data below it (row {last}), and leadbook adds rows "
            "at the end of the list, above the totals rows that end it; move that totals row to the "
            "end of the list (or remove it), then run again",
            name,
            inside[0],
        )


class MappedBook:
    """Contract sheets and columns in, the tracker's own out; never a cell the mapping does not own."""

    def __init__(self, base, mapping: Mapping) -> None:
        self.base = base
        self.mapping = Mapping(dict(mapping.sheets), list(mapping.unsure), list(mapping.notes))
        self.mapping.sheets.setdefault(s.SETTINGS, SheetMap(s.SETTINGS, settings_name(base.sheet_names()), 0))
        self._frames: dict[str, pd.DataFrame | None] = {}
        self.totals: dict[str, list[int]] = {}

    def __getattr__(self, name: str):
        return getattr(self.base, name)

    def sheet_names(self) -> list[str]:
        """The book's sheets, a mapped one under its contract name (a team's namesake marked theirs)."""
        roles = {m.name.lower(): role for role, m in self.mapping.sheets.items()}
        taken = {role.lower() for role in self.mapping.sheets}
        out = []
        for name in self.base.sheet_names():
            role = roles.get(name.lower())
            out.append(role if role else f"{name} (yours)" if name.lower() in taken else name)
        return out

    def own_names(self, problems: list) -> list:
        """Problems found on contract names, told with the team's sheet names and headers."""
        out = []
        for p in problems:
            found = self.mapping.sheets.get(self._role(p.sheet or ""))
            if found is None:
                out.append(p)
                continue
            column = found.columns.get(p.column, p.column) if p.column else p.column
            out.append(p._replace(sheet=found.name, column=column))
        return out

    def _role(self, sheet: str) -> str:
        return next((r for r in self.mapping.sheets if r.lower() == sheet.lower()), sheet)

    def read(self, sheet: str) -> pd.DataFrame | None:
        role = self._role(sheet)
        if role not in self._frames:
            self._frames[role] = self._read(role)
        return self._frames[role]

    def _read(self, role: str) -> pd.DataFrame | None:
        found = self.mapping.sheets.get(role)
        if found is None:  # a sheet under leadbook's own name: the backend finds its totals lines
            frame = self.base.read(role)
            if role in ROLES:
                self.totals[role] = list(getattr(self.base, "totals", {}).get(role, []))
            return frame
        if found.name.lower() not in {n.lower() for n in self.base.sheet_names()}:
            return None
        if role not in ROLES:
            frame = self.base.read(found.name)
            return without_mapping_rows(frame) if role == s.SETTINGS else frame
        rows = self.base.rows(found.name)
        header = found.header or header_row(rows) + 1
        frame, totals = mapped_frame(role, rows, replace(found, header=header))
        if hasattr(self.base, "table_totals"):  # a Table's Total Row, labelled Total or not
            totals = sorted({*totals, *(r for r in self.base.table_totals(found.name) if r > header)})
            frame = frame.drop(index=totals, errors="ignore")
        self.totals[role] = totals
        if hasattr(self.base, "error_cells"):  # error values read as blank: clean() reports them
            headers = list(rows[header - 1]) if len(rows) >= header else []
            at = {p: c for c, p in resolve_columns(role, headers, found.columns).items()}
            errors = self.base.error_cells(found.name)
            frame.attrs[s.CELL_ERRORS] = {
                (r, at[c]): v for (r, c), v in errors.items() if r > header and c in at
            }
        if role == s.TOUCHES and found.lead_by != s.LEAD_ID and len(frame):
            leads = self.read(s.LEADS)
            if leads is not None:
                frame[s.LEAD_ID] = resolve_leads(frame, leads, found.lead_by)
        return frame

    def apply(self, plan: Plan):
        placed, maps = self.placed(plan, moves_totals=True)
        return self.base.apply(placed, maps=maps)

    def placed(self, plan: Plan, moves_totals: bool = False) -> tuple[Plan, dict[str, SheetMap]]:
        """The plan on the team's sheet names, and the maps (sheet name, lower case -> its mapping)
        a backend places columns by; the Excel path applies them itself, after its messages.
        `moves_totals`: the backend adds rows above the totals rows that end a list (the file
        writer does); without it rows to add to a list ending in totals rows are refused."""
        ops = [self._op(op, moves_totals) for op in plan.ops]
        maps = {
            m.name.lower(): replace(m, totals=tuple(self.totals.get(role, ())))
            for role, m in self.mapping.sheets.items()
            if role in ROLES
        }
        self._frames.clear()
        self.totals.clear()
        return Plan(ops), maps

    def _op(self, op, moves_totals: bool):
        role = self._role(op.sheet)
        name = self.mapping.name(role)
        if isinstance(op, ReplaceSheet):
            return replace(op, sheet=name)
        if isinstance(op, AppendRows) and not op.frame.empty:
            self._refuse_totals(role, name, moves_totals)
            if (
                role == s.TOUCHES
                and self.mapping.sheets.get(role, SheetMap(role, name, 0)).lead_by != s.LEAD_ID
            ):
                op = AppendRows(op.sheet, self._references(op.frame))
        return type(op)(name, op.frame) if isinstance(op, SetCells | AppendRows) else op

    def _refuse_totals(self, role: str, name: str, moves_totals: bool) -> None:
        if role in ROLES and role not in self.totals:
            self.read(role)
        frame = self._frames.get(role)
        last = int(frame.index.max()) if frame is not None and len(frame) else 0
        refuse_totals(name, self.totals.get(role, []), last, moves_totals)

    def _references(self, frame: pd.DataFrame) -> pd.DataFrame:
        """New touches name their lead as the log does (its name, company or email)."""
        by = self.mapping.sheets[s.TOUCHES].lead_by
        leads = self.read(s.LEADS)
        if leads is None or by not in leads or s.LEAD_ID not in frame:
            return frame
        values = pd.Series(leads[by].to_numpy(), index=reference_key(leads[s.LEAD_ID].astype(str)).to_numpy())
        values = values[~values.index.duplicated()]
        written = reference_key(frame[s.LEAD_ID].astype(str)).map(values)
        return frame.assign(**{s.LEAD_ID: written.where(written.notna(), frame[s.LEAD_ID])})
