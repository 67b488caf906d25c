"""The mapping: which of a tracker's sheets and columns leadbook reads and writes as its own.

adopt finds it (`leadbook/core/discover.py`), stores it as "Map: ..." rows of leadbook's Settings
sheet (`mapping_rows` / `stored_mapping`), and every command reads the book through it
(`leadbook/book/mapped.py`). A book whose sheets carry the contract names and headers needs no
stored mapping: it reads as it always did.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from leadbook.core import schema as s
from leadbook.core.excelref import column_letter

ROLES = (s.LEADS, s.TOUCHES, s.PROSPECTS)  # the team's data sheets
OWN = (s.SETTINGS, s.SUMMARY, s.LOG)  # sheets leadbook keeps itself
PREFIX = "Map: "
OURS = " (leadbook)"  # the suffix of a leadbook column or sheet whose name a team already uses
REFERENCES = (s.LEAD_ID, s.NAME, s.COMPANY, s.EMAIL)  # how a touch may name its lead
_TOTAL = re.compile(r"\s*(grand\s+|sub)?totals?\s*:?\s*", re.IGNORECASE)


@dataclass
class SheetMap:
    """One role's sheet: its name, 1-based header row, contract column -> header (where they differ)."""

    role: str
    name: str
    header: int
    columns: dict[str, str] = field(default_factory=dict)
    lead_by: str = s.LEAD_ID  # Touches: the lead column holds Lead IDs, or names, companies, emails
    sure: str = "sure"  # "sure", or a sentence saying why not
    found_by: str = "name"  # "name", "headers", "option", "stored", "new" (leadbook adds the sheet)
    totals: tuple[
        int, ...
    ] = ()  # the Excel rows of its totals lines below the data, as last read (not stored)


@dataclass
class Mapping:
    """Every role's sheet (absent: leadbook adds it), and what adopt noticed on the way."""

    sheets: dict[str, SheetMap] = field(default_factory=dict)
    unsure: list[str] = field(default_factory=list)  # sentences naming the option to give
    notes: list[str] = field(default_factory=list)

    def name(self, role: str) -> str:
        """The book's sheet for a role (the contract name when unmapped)."""
        return self.sheets[role].name if role in self.sheets else role

    def header(self, role: str, column: str) -> str:
        """The header text of a contract column on the role's sheet."""
        found = self.sheets.get(role)
        return found.columns.get(column, column) if found else column


def filled(value: object) -> bool:
    return (
        value is not None and not (isinstance(value, float) and pd.isna(value)) and str(value).strip() != ""
    )


letter = column_letter  # a column's letters, as the messages name it


def resolve_columns(role: str, headers: list[object], explicit: dict[str, str]) -> dict[str, int]:
    """Column name -> 1-based position: the explicit headers first, then the contract's synonyms for
    the rest, then the team's own columns under their header (with the column letter when the
    header says a contract name, or repeats one, so it can never be taken for leadbook's)."""
    keys = [s.header_key(h) if filled(h) else "" for h in headers]
    names: dict[str, int] = {}
    for column, header in explicit.items():
        hit = next((i for i, k in enumerate(keys, 1) if k == s.header_key(header)), None)
        if hit is not None and hit not in names.values():
            names[column] = hit
    lookup = s._LOOKUPS.get(role, {})
    for i, key in enumerate(keys, 1):
        column = lookup.get(key)
        if key and column and column not in names and column not in explicit and i not in names.values():
            names[column] = i
    taken = set(names.values())
    for i, header in enumerate(headers, 1):
        if i in taken or not keys[i - 1]:
            continue
        name = str(header).strip()
        if name in names or lookup.get(keys[i - 1]) or name in s.COLUMNS.get(role, ()):
            name = f"{name} (column {letter(i)})"
        names.setdefault(name, i)
    return names


def duplicate_headers(headers: list[object]) -> list[tuple[int, int, str]]:
    """(first position, repeat position, header) for each header that repeats an earlier one."""
    seen: dict[str, int] = {}
    repeats = []
    for i, header in enumerate(headers, 1):
        if not filled(header):
            continue
        key = s.header_key(header)
        if key in seen:
            repeats.append((seen[key], i, str(header)))
        else:
            seen[key] = i
    return repeats


def is_totals(values: list[object]) -> bool:
    """A totals line: its first filled cell says Total / Totals / Grand total / Subtotal."""
    first = next((v for v in values if filled(v)), None)
    return isinstance(first, str) and bool(_TOTAL.fullmatch(first))


def frame_totals(frame: pd.DataFrame, first: list[str]) -> list[int]:
    """The Excel rows (index) of a frame's totals lines, as `is_totals` finds them on `first`: the
    frame's columns that are the sheet's first three, in order (how a frame read without a stored
    mapping finds what `mapped_frame` finds on a sheet's cells)."""
    columns = [c for c in first if c in frame.columns]
    if not columns or frame.empty:
        return []
    hit = np.zeros(len(frame), dtype=bool)
    blank = np.ones(len(frame), dtype=bool)  # rows whose cells so far are blank
    for column in columns:  # a long list of Lead IDs is not matched cell by cell
        values = frame[column]
        if isinstance(values.dtype, pd.StringDtype):  # every label says "total"
            near = values.str.contains("total", case=False, regex=False).to_numpy(dtype=bool, na_value=False)
            hit |= blank & near
        elif pd.api.types.is_object_dtype(values):  # cells of mixed types: their distinct values
            seen = values if blank.all() else values[blank]
            labels = [v for v in seen.unique() if isinstance(v, str) and _TOTAL.fullmatch(v)]
            hit |= blank & values.isin(labels).to_numpy() if labels else False
        blank &= values.isna().to_numpy()
        if not blank.any():  # every row has a first cell already (a log's dates): no more labels
            break
    cells = frame.loc[hit, columns]
    return [
        int(r)
        for r, row in zip(cells.index, cells.itertuples(index=False), strict=True)
        if is_totals([None if pd.isna(v) else v for v in row])
    ]


def mapped_frame(role: str, rows: list[list[object]], sheet: SheetMap) -> tuple[pd.DataFrame, list[int]]:
    """The role's sheet (cell values from A1) as a frame with contract names, index = Excel row,
    and the Excel rows of its totals lines (never read as data)."""
    headers = rows[sheet.header - 1] if len(rows) >= sheet.header else []
    names = resolve_columns(role, list(headers), sheet.columns)
    body = rows[sheet.header :]
    data = [[row[p - 1] if p - 1 < len(row) else None for p in names.values()] for row in body]
    frame = pd.DataFrame(data, columns=list(names), dtype=object)
    frame.index = pd.RangeIndex(sheet.header + 1, sheet.header + 1 + len(frame), name="row")
    totals = [sheet.header + 1 + i for i, row in enumerate(body) if is_totals(list(row[:3]))]
    if frame.empty:
        return frame, totals
    frame = frame.mask(frame.eq(""), None)
    keep = frame.notna().any(axis=1) & ~frame.index.isin(totals)
    return frame.loc[keep], totals


def reference_key(values: pd.Series) -> pd.Series:
    """Names, companies and emails compared case-, space- and punctuation-insensitively."""
    return values.map(lambda v: s.header_key(v) if filled(v) else None)


def resolve_leads(touches: pd.DataFrame, leads: pd.DataFrame, by: str) -> pd.Series:
    """Each touch's Lead ID, found from the lead's name, company or email (a name shared by two
    leads, or on none, stays as written so `check` reports it)."""
    ref = touches[s.LEAD_ID] if s.LEAD_ID in touches else pd.Series(None, index=touches.index, dtype=object)
    if by == s.LEAD_ID or by not in leads or s.LEAD_ID not in leads:
        return ref
    keys = reference_key(leads[by])
    unique = keys.notna() & ~keys.duplicated(keep=False)
    ids = pd.Series(leads.loc[unique, s.LEAD_ID].to_numpy(), index=keys[unique].to_numpy())
    found = reference_key(ref).map(ids)
    return found.where(found.notna(), ref).astype(object)


# Stored form: rows of leadbook's Settings sheet (Setting, Value, Meaning).
def mapping_rows(mapping: Mapping) -> pd.DataFrame:
    """The mapping as Settings rows; see README "Your own sheets and columns"."""
    rows = []
    for role, sheet in mapping.sheets.items():
        rows.append((f"{PREFIX}{role} sheet", sheet.name, f"the sheet leadbook uses as its {role}"))
        if role in ROLES:
            rows.append((f"{PREFIX}{role} header row", sheet.header, f"the row of the {role} headers"))
        for column, header in sheet.columns.items():
            meaning = f"the {sheet.name} column leadbook reads as {column!r}"
            rows.append((f"{PREFIX}{role} column {column}", header, meaning))
        if role == s.TOUCHES and sheet.lead_by != s.LEAD_ID:
            meaning = "what the lead column of a touch holds: Lead ID, Name, Company or Email"
            rows.append((f"{PREFIX}{role} lead by", sheet.lead_by, meaning))
    return pd.DataFrame(rows, columns=list(s.SETTINGS_COLUMNS))


_ROW = re.compile(rf"{PREFIX}(\w+) (sheet|header row|lead by|column (.+))", re.IGNORECASE)


def is_mapping_row(key: object) -> bool:
    return isinstance(key, str) and key.lower().startswith(PREFIX.lower())


def stored_mapping(settings: pd.DataFrame | None) -> Mapping | None:
    """The mapping stored in a Settings frame (None when it holds no "Map:" rows)."""
    if settings is None or s.SETTING not in settings:
        return None
    mapping = Mapping()
    roles = {r.lower(): r for r in (*ROLES, *OWN)}
    for key, value in zip(
        settings[s.SETTING], settings.get(s.SETTING_VALUE, settings[s.SETTING]), strict=True
    ):
        match = _ROW.fullmatch(str(key).strip()) if is_mapping_row(key) else None
        if not match or match[1].lower() not in roles or not filled(value):
            continue
        role = roles[match[1].lower()]
        sheet = mapping.sheets.setdefault(role, SheetMap(role, role, 0, found_by="stored"))
        what = match[2].lower()
        if what == "sheet":
            sheet.name = str(value).strip()
        elif what == "header row":
            sheet.header = int(float(value))
        elif what == "lead by":
            sheet.lead_by = str(value).strip().capitalize() if str(value).lower() != "lead id" else s.LEAD_ID
        else:
            column = next((c for c in s.COLUMNS.get(role, ()) if c.lower() == match[3].lower()), match[3])
            sheet.columns[column] = str(value).strip()
    return mapping if mapping.sheets else None


def without_mapping_rows(settings: pd.DataFrame | None) -> pd.DataFrame | None:
    """The Settings frame without its "Map:" rows (which are not scoring settings)."""
    if settings is None or s.SETTING not in settings:
        return settings
    return settings.loc[~settings[s.SETTING].map(is_mapping_row).astype(bool)]
