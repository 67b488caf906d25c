"""The live backend on a book `leadbook adopt` mapped (its own sheet and column names).

Prepare reads leadbook's Settings first (it is small) and parses its "Map: ..." rows; a mapped
leads sheet, touch log or prospects sheet is then read whole, from A1, in the same bounded row
chunks as any read, so `rows(name)` answers `MappedBook` from here. Writes place each contract
column by the team's headers (`resolve_columns`, as the file writer's mapped layout does) and
add leadbook's own columns, under the header the mapping gives them, after the last column.
"""

from __future__ import annotations

from typing import Any

from leadbook.book import live_read as lr
from leadbook.book.base import header_row
from leadbook.book.mapped import settings_name
from leadbook.core import schema as s
from leadbook.core.mapping import ROLES, Mapping, SheetMap, resolve_columns, stored_mapping


def _rows_of(columns: dict[int, list[object]], width: int) -> lr.Rows:
    """Column -> values (rows from 1) as rows from A1."""
    return [list(row) for row in zip(*(columns[c] for c in range(1, width + 1)), strict=True)]


def _trimmed(row: list[object]) -> list[object]:
    """A header row without its blank cells at the end (as the file writer's header cells end)."""
    end = len(row)
    while end and row[end - 1] in (None, ""):
        end -= 1
    return list(row[:end])


class MapReader:
    """Mapped reading and column placing of `LiveBook` (it provides extents, tables, drivers)."""

    mapping: Mapping | None
    _rows: dict[str, lr.Rows]

    # ------------------------------------------------------------------ the stored mapping
    def _mapping_steps(self: Any) -> lr.Step:
        """Read leadbook's Settings whole and parse its "Map: ..." rows (None: no mapping)."""
        if self._mapping_read:
            return self.mapping
        self._mapping_read = True
        name = self._name(settings_name(self.sheet_names()))
        if name is not None:
            self._settings_sheet = name
            yield from self._data_steps(name, lr.Need())
            self.mapping = stored_mapping(self._frames[name])
        return self.mapping

    def own_sheet(self: Any, sheet: str) -> str:
        """The book's sheet for a contract sheet: the mapped one, leadbook's Settings, or itself."""
        mapping = self._drive(self._mapping_steps())
        if sheet.lower() == s.SETTINGS.lower():
            return settings_name(self.sheet_names())
        role = next((r for r in (mapping.sheets if mapping else ()) if r.lower() == sheet.lower()), None)
        return mapping.name(role) if role else sheet

    def _own_needs(self: Any) -> tuple[dict[str, lr.Need], dict[str, SheetMap]]:
        """`needs` by the book's own sheet names, and the mapped data sheets (read whole)."""
        if self.mapping is None:
            return dict(self.needs), {}
        needs: dict[str, lr.Need] = {}
        whole: dict[str, SheetMap] = {}
        for sheet, need in self.needs.items():
            name = self.own_sheet(sheet)
            role = next((r for r in ROLES if r.lower() == sheet.lower()), None)
            if role in self.mapping.sheets:
                whole[name] = self.mapping.sheets[role]
            needs.setdefault(name, need)
        return needs, whole

    # ------------------------------------------------------------------ whole sheets
    def _whole_steps(self: Any, sheet: str) -> lr.Step:
        """The sheet's cell values from A1 (to its used range or table end), in row chunks."""
        name = self._name(sheet) or sheet
        if name not in self._rows:
            extent = yield from self._extent_steps(sheet)
            got = yield from self._block_steps_from_a1(name, extent.last_row, extent.last_col)
            self._rows[name] = got
        return self._rows[name]

    def _block_steps_from_a1(self: Any, name: str, last_row: int, width: int) -> lr.Step:
        if last_row < 1 or width < 1:
            return []
        frame = lr.SheetData(0, [], {}, last_row)
        got = yield from lr.tagged(name, lr.read_columns(frame, list(range(1, width + 1))))
        return _rows_of(got, width)

    def rows(self: Any, sheet: str) -> lr.Rows:
        """The named sheet's cell values from A1 (how `MappedBook` reads a team's own sheet)."""
        return self._drive(self._whole_steps(sheet))

    def _head_steps(self: Any, sheet: str, upto: int) -> lr.Step:
        name = self._name(sheet) or sheet
        if name in self._rows:
            return self._rows[name][:upto]
        if name not in self._heads:
            extent = yield from self._extent_steps(sheet)
            got = yield from self._block_steps_from_a1(name, min(upto, extent.last_row), extent.last_col)
            self._heads[name] = got
        return self._heads[name][:upto]

    def head(self: Any, sheet: str, upto: int) -> lr.Rows:
        """The named sheet's first `upto` rows from A1 (check's look at every sheet)."""
        return self._drive(self._head_steps(sheet, upto))

    def error_cells(self: Any, sheet: str) -> dict[tuple[int, int], str]:
        """(Excel row, column number) -> error text of the cells read from the named sheet."""
        return dict(self._errors.get(self._name(sheet) or sheet, {}))

    # ------------------------------------------------------------------ placing columns
    def _lay_out(self: Any, name: str, found: SheetMap, rows: lr.Rows) -> None:
        """The sheet's header and columns as the mapping places them (the table's header row first)."""
        table = self._table(name)
        top = table[1][0] if table else (found.header or header_row(rows) + 1)
        headers = _trimmed(rows[top - 1]) if len(rows) >= top else []
        positions = resolve_columns(found.role, headers, found.columns)
        extent = self._extents[name]
        body = rows[top:]
        columns = {
            c: [row[c - 1] if c - 1 < len(row) else None for row in body] for c in range(1, len(headers) + 1)
        }
        self._data[name] = lr.SheetData(top, headers, positions, max(extent.last_row, top), columns)
        self._new_headers[name] = dict(found.columns)
        self._laid_out.add(name)

    def _mapped_steps(self: Any, sheet: str, found: SheetMap) -> lr.Step:
        """Read a mapped sheet whole and lay it out (once)."""
        name = self._name(sheet) or sheet
        rows = yield from self._whole_steps(name)
        if name not in self._laid_out:
            self._lay_out(name, found, rows)

    def _layout_steps(self: Any, sheets: list[str], maps: dict[str, SheetMap] | None) -> lr.Step:
        """Before writing: each mapped sheet the plan writes, laid out by its mapping."""
        for sheet in sheets:
            found = (maps or {}).get(sheet.lower())
            name = self._name(sheet)
            if found is not None and name is not None and name not in self._laid_out:
                yield from self._mapped_steps(name, found)

    def header_text(self: Any, sheet: str, column: str) -> str:
        """The header leadbook writes for a column it adds (e.g. "Status (leadbook)")."""
        return self._new_headers.get(self._name(sheet) or sheet, {}).get(column, column)
