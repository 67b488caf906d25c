"""Apply a plan's SetCells and AppendRows to a workbook package, streaming each sheet it touches.

For each sheet: find its part and table, the header row and column positions (as the reader
finds them), where appended rows go; build the cell edits; stream-patch the part; grow the
table. Then the workbook-level fixes: new formats in styles.xml, recalculation on open, and
calcChain.xml dropped when a formula cell was overwritten. Every other part is left alone.

Styles: a replaced cell keeps its own; a new cell in an appended row takes the style of the cell
above (so Reasons wraps where the row above wraps), else its column's; only a date gets a format
of its own (`styles.date_style`). leadbook sets no wrap or alignment itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import pandas as pd

from leadbook.book.base import header_row
from leadbook.book.xlsx.block import Block
from leadbook.book.xlsx.cells import Cell, column_cells, escape
from leadbook.book.xlsx.scan import filled_extent, leading_rows, shared_strings
from leadbook.book.xlsx.sheetxml import Edits, SheetPatch, TailEdit
from leadbook.book.xlsx.shift import room_above
from leadbook.book.xlsx.styles import Styles
from leadbook.book.xlsx.tables import TableInfo, grow_table, table_info
from leadbook.book.xlsx.tail import add_conditional_formatting, add_data_validations
from leadbook.book.xlsx.workbook import BookMap, Parts
from leadbook.core import schema as s
from leadbook.core.mapping import SheetMap, resolve_columns
from leadbook.core.plan import AppendRows, Op, SetCells
from leadbook.core.problems import LeadbookError

HEADER_SCAN = 20


def chunks(parts: Parts, name: str) -> Iterator[bytes]:
    """A member's inflated bytes in chunks (whole, for a package that cannot stream)."""
    if hasattr(parts, "chunks"):
        yield from parts.chunks(name)
    else:
        yield parts.read(name)


def column_width(name: str) -> float:
    """A new column's width: its header's length, within reason."""
    return float(max(12, min(40, len(name) + 4)))


@dataclass
class Layout:
    """Where a sheet's data is: header row, column positions, its table."""

    sheet: str
    part: str
    header: int
    positions: dict[str, int]
    table_part: str | None = None
    table: TableInfo | None = None
    last_col: int = 0
    new_headers: dict[str, str] = field(default_factory=dict)  # a column to add -> its header text


TailFactory = Callable[[Layout, "Styles | None"], "TailEdit | None"]


@dataclass
class SheetWrite:
    """One sheet's changes: frames to set (index = Excel row), frames to append, columns to make sure
    of (header cells after the last, styled like it, with `widths` by name), and tail edits made
    from the sheet's layout (conditional formats, validations; see `validations`)."""

    name: str
    sets: list[pd.DataFrame] = field(default_factory=list)
    appends: list[pd.DataFrame] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    widths: dict[str, float] = field(default_factory=dict)
    tails: list[TailFactory] = field(default_factory=list)
    last_row: int | None = None  # the last Excel row holding data, when the reader already knows it
    mapping: SheetMap | None = None  # the sheet's stored mapping: header row and the team's headers


def header_cells(parts: Parts, book: BookMap, part: str, upto: int) -> list[list[object]]:
    """Rows 1..upto as lists of values from column A (shared strings looked up)."""
    raw = leading_rows(chunks(parts, part), upto)
    wanted = {int(v) for cells in raw.values() for k, v in cells.values() if k == "s"}
    name = book.shared_strings
    key = parts.fingerprint(name) if name and hasattr(parts, "fingerprint") else None
    strings = shared_strings(chunks(parts, name), wanted, key) if name else {}
    rows = []
    for r in range(1, upto + 1):
        cells = raw.get(r, {})
        width = max(cells, default=0)
        rows.append([_raw_value(cells.get(c), strings) for c in range(1, width + 1)])
    return rows


def _raw_value(value: tuple[str, str] | None, strings: dict[int, str]) -> object:
    if value is None:
        return None
    kind, text = value
    if kind == "e":  # an error value (#N/A) reads as blank, as in the frames
        return None
    return strings.get(int(text), "") if kind == "s" else text


def layout(parts: Parts, book: BookMap, sheet: str, mapping: SheetMap | None = None) -> Layout:
    """The sheet's header row and column positions, found as the reader finds them (or as the
    stored mapping says: its header row, contract columns by the team's headers)."""
    name, part = book.sheet_part(sheet)
    table_part = book.table_part(name, part)
    table = table_info(parts.read(table_part)) if table_part else None
    given = mapping.header if mapping else 0
    rows = header_cells(parts, book, part, max(HEADER_SCAN, table.header_row if table else 0, given))
    if given:
        return _mapped_layout(rows, mapping, name, part, table_part, table)
    top = header_row(rows[:HEADER_SCAN]) + 1
    if table and top != table.header_row and any(v not in (None, "") for v in rows[top - 1]):
        raise LeadbookError(
            f"leadbook reads row {top} as the header (the first row with two or more filled cells) but the "
            f"table {table.name!r} starts at row {table.header_row}; move the cells above the table "
            "(or start the table at the header), then run again",
            sheet,
            top,
        )
    top = table.header_row if table else top
    headers = rows[top - 1] if len(rows) >= top else []
    if table and not any(h not in (None, "") for h in headers):
        headers = [None] * (table.ref[0] - 1) + list(table.columns)
    mapping = s.map_headers(sheet, headers)
    positions: dict[str, int] = {}
    for i, h in enumerate(headers, start=1):
        if h not in (None, "") and str(h) in mapping:
            positions.setdefault(mapping[str(h)], i)
    last = max([table.ref[2] if table else 0, *positions.values()], default=0)
    return Layout(name, part, top, positions, table_part, table, last)


def _mapped_layout(
    rows: list[list[object]],
    mapping: SheetMap,
    name: str,
    part: str,
    table_part: str | None,
    table: TableInfo | None,
) -> Layout:
    top = table.header_row if table else mapping.header
    headers = rows[top - 1] if len(rows) >= top else []
    positions = resolve_columns(mapping.role, list(headers), mapping.columns)
    last = max([table.ref[2] if table else 0, len(headers), *positions.values()], default=0)
    return Layout(name, part, top, positions, table_part, table, last, dict(mapping.columns))


def _append_start(
    parts: Parts, lay: Layout, count: int, known: int | None = None, totals: int | None = None
) -> int:
    """The first Excel row for appended rows: below the last row holding a value in the table (and
    above its totals rows, from row `totals`, which `shift.room_above` moves down to make room).

    `known` (the reader's last data row) saves a pass over the sheet; without it the part is scanned.
    """
    table = lay.table
    end = table.last_data_row if table else None
    if totals is not None:
        end = totals - 1 if end is None else min(end, totals - 1)
    if known is not None and (end is None or known <= end):
        last, below = known, None
    else:  # not read, or data below the table: find both ends in the part
        last, below = filled_extent(chunks(parts, lay.part), end)
    start = max(last, lay.header) + 1
    if below is not None and below < start + count and totals is None:
        raise LeadbookError(
            f"row {below} below the table {table.name!r} holds cells leadbook's new rows would overwrite; "
            "move them, or grow the table over them (drag its corner), then run again",
            lay.sheet,
            below,
        )
    return start


def _frame_edits(
    edits: Edits, frame: pd.DataFrame, positions: dict[str, int], date1904: bool, clear: bool
) -> None:
    rows = [int(r) for r in frame.index]
    cols = [positions[name] for name in frame.columns]
    columns = [column_cells(frame[name], date1904) for name in frame.columns]
    for r, cells in zip(rows, zip(*columns, strict=True), strict=True):  # a row's cells in one dict
        kept = {c: cell for c, cell in zip(cols, cells, strict=True) if cell is not None or clear}
        if r in edits:
            edits[r].update(kept)
        elif kept:
            edits[r] = kept


def _kept(
    sets: list[pd.DataFrame], appends: list[pd.DataFrame], positions: dict[str, int], date1904: bool
) -> tuple[Block | None, Edits]:
    """The frames' cells (index = Excel rows): the first frame set kept column by column (see
    block.py), or, when none is, a lone appended frame (rows for Log, Prospects or Touches,
    rendered at once after the sheet's last row by `SheetPatch._new_rows`); the rest as row dicts."""
    block, later = None, {}
    for frame in sets:
        if block is None and (block := Block.of(frame, positions, date1904, clear=True)):
            continue
        _frame_edits(later, frame, positions, date1904, clear=True)
    for frame in appends:
        if (
            block is None
            and len(appends) == 1
            and (block := Block.of(frame, positions, date1904, clear=False))
        ):
            continue
        _frame_edits(later, frame, positions, date1904, clear=False)
    return block, later


def _add_missing(
    lay: Layout, names: Iterable[str], edits: Edits, named_widths: dict[str, float]
) -> tuple[list[str], dict[int, float]]:
    """Header cells for columns the sheet lacks, after its last column, styled like the last header."""
    missing = [n for n in dict.fromkeys(names) if n not in lay.positions]
    widths = {}
    for offset, name in enumerate(missing, start=1):
        col = lay.last_col + offset
        lay.positions[name] = col
        header = lay.new_headers.get(name, name)
        edits.setdefault(lay.header, {})[col] = Cell("s", escape(header), style_from=lay.last_col or None)
        widths[col] = named_widths.get(name, column_width(name))
    return missing, widths


def validations(items: Callable[[Layout], list[bytes]]) -> TailFactory:
    """A tail factory adding the `<dataValidation>` items `items(layout)` returns (adopt's dropdowns)."""

    def factory(lay: Layout, styles: Styles | None) -> TailEdit:
        return lambda tail, prefix: add_data_validations(tail, items(lay), prefix)

    return factory


def highlight_edit(lay: Layout, styles: Styles | None) -> TailEdit | None:
    """A tail edit putting back the Follow-up colour rules on Leads when a user removed them."""
    from leadbook.book.highlights import HIGHLIGHTS, MAX_ROW, highlight_formula
    from leadbook.book.xlsx.cells import column_letter

    if styles is None or s.FOLLOW_UP not in lay.positions or s.NEXT_TOUCH not in lay.positions:
        return None
    first = lay.header + 1
    follow = f"${column_letter(lay.positions[s.FOLLOW_UP])}{first}"
    sqref = " ".join(
        f"{column_letter(lay.positions[c])}{first}:{column_letter(lay.positions[c])}{MAX_ROW}"
        for c in (s.NEXT_TOUCH, s.FOLLOW_UP)
    )

    def edit(tail: bytes, prefix: str) -> bytes:
        probe = escape(highlight_formula(HIGHLIGHTS[0][0], follow))
        if probe.encode() in tail or probe.replace('"', "&quot;").encode() in tail:
            return tail
        priority = max([0, *map(int, re.findall(rb"""\spriority=["'](\d+)["']""", tail))])
        rules = []
        for i, (state, fill, font) in enumerate(HIGHLIGHTS, start=1):
            dxf = (
                f'<dxf><font><color rgb="FF{font}"/></font><fill><patternFill patternType="solid">'
                f'<fgColor rgb="FF{fill}"/><bgColor rgb="FF{fill}"/></patternFill></fill></dxf>'
            )
            rules.append(
                f'<cfRule type="expression" dxfId="{styles.add_dxf(dxf.encode())}" priority="{priority + i}" '
                f'stopIfTrue="1"><formula>{escape(highlight_formula(state, follow))}</formula></cfRule>'
            )
        fragment = f'<conditionalFormatting sqref="{sqref}">{"".join(rules)}</conditionalFormatting>'
        return add_conditional_formatting(tail, [fragment.encode()], prefix)

    return edit


def write_sheet(parts: Parts, book: BookMap, styles: Styles | None, work: SheetWrite) -> bool:
    """Patch one sheet with its changes; True when a formula cell was overwritten."""
    sheet = work.name
    lay = layout(parts, book, sheet, work.mapping)
    edits: Edits = {}
    names = [*work.columns, *(c for f in work.sets + work.appends for c in f.columns)]
    missing, widths = _add_missing(lay, names, edits, work.widths)
    last_data = room = None
    placed = []
    if work.appends:
        count = sum(len(f) for f in work.appends)
        totals = totals_rows(lay, work.mapping)
        start = _append_start(parts, lay, count, work.last_row, min(totals, default=None))
        room = room_above(parts, book, lay.sheet, lay.part, lay.table_part, totals, start, count)
        last_data = start - 1
        for frame in work.appends:
            placed.append(frame.set_axis(pd.RangeIndex(start, start + len(frame))))
            start += len(frame)
    block, later = _kept(work.sets, placed, lay.positions, book.date1904)
    if block is not None:  # a row also edited by another frame leaves the block, edits kept in order
        both = [r for r in block.rows.tolist() if r in edits or r in later]
        for r in both:
            edits[r] = {**edits.get(r, {}), **block.cells(block.position(r))}
        block = block.without_rows(both)
    for r, cells in later.items():
        edits.setdefault(r, {}).update(cells)
    tails = list(work.tails)
    if (work.mapping.role if work.mapping else sheet) == s.LEADS and any(
        s.FOLLOW_UP in f.columns for f in work.sets
    ):
        tails.append(highlight_edit)  # put back the colour rules if a user removed them
    tail_edits = [e for e in (make(lay, styles) for make in tails) if e is not None]
    patcher = SheetPatch(
        lay.sheet,
        edits,
        date_style=styles.date_style if styles else None,
        template_row=last_data if last_data and last_data > lay.header else None,
        widths=widths,
        tail_edits=tail_edits,
        block=block,
    )
    source = chunks(parts, lay.part)
    parts.write(lay.part, patcher.stream(room.stream(source) if room else source))
    if lay.table_part:
        written = patcher.written_rows()
        grown = grow_table(parts.read(lay.table_part), written[-1] if written else None, missing)
        parts.write(lay.table_part, grown)
    return patcher.formula_overwritten or bool(room and room.formulas)


def totals_rows(lay: Layout, mapping: SheetMap | None) -> set[int]:
    """The rows of the sheet's totals: its table's Total Row, and the totals lines the reader found
    below its data (`mapping.totals`: a mapped sheet's, or one FileBook read under leadbook's name)."""
    rows = set(mapping.totals) if mapping else set()
    if lay.table and lay.table.totals_rows:
        rows |= set(range(lay.table.last_data_row + 1, lay.table.ref[3] + 1))
    return rows


def _by_sheet(
    ops: Iterable[Op], last_rows: dict[str, int], maps: dict[str, SheetMap] | None = None
) -> dict[str, SheetWrite]:
    work: dict[str, SheetWrite] = {}
    maps = maps or {}
    known = {name.lower(): row for name, row in last_rows.items()}
    for op in ops:
        if isinstance(op, SetCells | AppendRows) and not op.frame.empty:
            target = work.setdefault(
                op.sheet.lower(),
                SheetWrite(
                    op.sheet, last_row=known.get(op.sheet.lower()), mapping=maps.get(op.sheet.lower())
                ),
            )
            (target.sets if isinstance(op, SetCells) else target.appends).append(op.frame)
    return work


def edit_sheets(parts: Parts, work: Iterable[SheetWrite]) -> None:
    """Apply each sheet's changes to the package `parts`, then the workbook-level fixes."""
    work = list(work)
    if not work:
        return
    book = BookMap(parts)
    styles = Styles(parts.read(book.styles)) if book.styles else None
    formulas = False
    for sheet_work in work:
        formulas |= write_sheet(parts, book, styles, sheet_work)
    if styles is not None and styles.changed:
        parts.write(book.styles, styles.xml)
    if any(w.sets or w.appends for w in work):
        book.recalculate_on_open()
    if formulas:
        book.drop_calc_chain()


def apply_cells(
    parts: Parts,
    ops: Iterable[Op],
    last_rows: dict[str, int] | None = None,
    maps: dict[str, SheetMap] | None = None,
) -> None:
    """Apply every SetCells and AppendRows in `ops` to the package `parts`.

    `last_rows`: sheet -> last Excel row holding data, as the reader found it (sheets it read).
    """
    edit_sheets(parts, _by_sheet(ops, last_rows or {}, maps).values())
