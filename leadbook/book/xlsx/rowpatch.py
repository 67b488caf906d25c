"""Rebuild one row of a worksheet part: replace owned cells (keeping their style), add new ones in
column order, render values as cells. Used by `sheetxml.SheetPatch`, which supplies the edits,
the namespace prefix and the compiled patterns (`_row_open`, `_cell`, `_formula`).
"""

from __future__ import annotations

import bisect
import functools
import re

from leadbook.book.xlsx.block import Block
from leadbook.book.xlsx.cells import Cell, column_letter, column_number
from leadbook.core.problems import LeadbookError

Edits = dict[int, dict[int, Cell | None]]  # Excel row -> column -> cell (None clears it)

_ATTR = r"""\s{}=["']([^"']*)["']"""
_DROP_ATTRS = re.compile(r"""\s(?:t|cm|vm|s)=["'][^"']*["']""")
_CELL_REF = re.compile(r"""\sr=["']([A-Z]+)(\d+)["']""")
_SI = re.compile(rb"""\ssi=["'](\d+)["']""")


def refuse(sheet: str, message: str) -> LeadbookError:
    return LeadbookError(message, sheet)


class RowPatch:
    """The row-level half of a sheet patch (see `SheetPatch` for the attributes it sets)."""

    sheet: str
    edits: Edits
    block: Block | None
    prefix: str
    _row_open: re.Pattern[str]
    _cell: re.Pattern[str]
    _formula: re.Pattern[str]

    def _cells(self, r: int) -> dict[int, Cell | None]:
        """Row r's edits; a block row's dict is made here, the first time the row needs one."""
        cells = self.edits.get(r)
        if cells is None:
            i = self.block.position(r) if self.block is not None else None
            if i is None:
                raise KeyError(r)
            cells = self.edits[r] = self.block.cells(i)
        return cells

    def _columns(self, r: int) -> list[int]:
        """The columns row r edits (a block row's dict is not made)."""
        if r in self.edits:
            return list(self.edits[r])
        i = self.block.position(r) if self.block is not None else None
        return [] if i is None else self.block.columns(i)

    def _new_row(self, r: int) -> bytes:
        p = self.prefix
        cells = [
            self._render(f"{column_letter(c)}{r}", "", self._new_style(c, None, cell, {}), cell)
            for c, cell in sorted(self._cells(r).items())
            if cell is not None
        ]
        return f'<{p}row r="{r}">{"".join(cells)}</{p}row>'.encode() if cells else b""

    def _styles_of(self, row: str) -> dict[int, int]:
        styles = {}
        for m in self._cell.finditer(row):
            ref, style = attr(m[1], "r"), attr(m[1], "s")
            if ref and style:
                styles[column_number(ref.rstrip("0123456789"))] = int(style)
        return styles

    def _patch_row(self, row: str, r: int, parse: bool = False) -> bytes:
        """The row with its edits; `parse`: go cell by cell at once (for a few cells, the quicker)."""
        p = self.prefix
        self._cells(r)
        opening = self._row_open.match(row)
        attrs = opening[1] or ""
        inner = "" if opening[2] else row[opening.end() : -len(f"</{p}row>")]
        row_style = attr(attrs, "s") if attr(attrs, "customFormat") in ("1", "true") else None
        direct = None if self._broken or parse else self._direct(inner, r, row_style)
        if direct is not None:
            return f"<{p}row{attrs}>{direct}</{p}row>".encode()
        edits, seen = self.edits[r], {}
        todo = sorted(edits)
        out, pos, last_end, i, last_col = [], 0, 0, 0, 0
        for m in self._cell.finditer(inner):
            col = self._cell_column(m[1] or "", r, last_col)
            last_col, last_end = col, m.end()
            while i < len(todo) and todo[i] < col:
                out += [inner[pos : m.start()], self._fresh(todo[i], r, row_style, seen)]
                pos, i = m.start(), i + 1
            if i < len(todo) and todo[i] == col:
                out += [inner[pos : m.start()], self._replace(m, col, r, edits[col], seen)]
                pos, i = m.end(), i + 1
            else:
                self._check_dependents(m[0].encode())
            style = attr(m[1] or "", "s")
            seen[col] = int(style) if style else None
        out.append(inner[pos:last_end])
        out += [self._fresh(c, r, row_style, seen) for c in todo[i:]]
        out.append(inner[max(pos, last_end) :])
        return f"<{p}row{attrs}>{''.join(out)}</{p}row>".encode()

    def _direct(self, inner: str, r: int, row_style: str | None) -> str | None:
        """The row with its edits, each cell found by its reference; None when the row needs a full parse.

        The row's column letters are read in one C-speed pass (their order and numbers cached per
        shape, as a sheet's rows mostly share one), owned cells are found with `str.find`, and a
        new cell goes before the next existing one (or last), so other cells are never parsed.
        """
        edits = self.edits[r]
        last = self._last_cell(inner, r)
        if last is None:
            return None
        if not all(c is None or (c.style is None and c.style_from is None) for c in edits.values()):
            return None
        last_col, last_end = last
        ordered, numbers, present = _shape(inner)
        if min(edits) > last_col and ordered:  # all new, after the last: one splice
            fresh = "".join(self._fresh(col, r, row_style, {}) for col in sorted(edits))
            return inner[:last_end] + fresh + inner[last_end:]
        pieces = []
        for col in sorted(edits):
            if edits[col] is None and col not in present:
                continue  # clearing a cell the row does not have
            piece = self._piece(inner, r, row_style, col, (ordered, numbers, present), last)
            if piece is None:
                return None
            pieces.append(piece)
        pieces.sort(key=lambda piece: piece[0])  # stable: new cells at one place stay in column order
        out, pos = [], 0
        for start, end, text in pieces:
            out += [inner[pos:start], text]
            pos = end
        out.append(inner[pos:])
        text = "".join(out)
        self._check_dependents(text.encode())  # a master overwritten here may have dependents beside it
        return text

    def _piece(
        self, inner: str, r: int, row_style: str | None, col: int, shape: Shape, last: tuple[int, int]
    ) -> tuple[int, int, str] | None:
        """(start, end, text) replacing or inserting column `col`; None when the row needs a full parse."""
        ordered, numbers, present = shape
        cell = self.edits[r][col]
        if col in present:
            m = self._find_cell(inner, col, r)
            return None if m is None else (m.start(), m.end(), self._replace(m, col, r, cell, {}))
        if not ordered:
            return None  # the full parse refuses the row, naming it
        at = last[1]
        if col < last[0]:
            m = self._find_cell(inner, numbers[bisect.bisect_right(numbers, col)], r)
            if m is None:
                return None
            at = m.start()
        return (at, at, self._fresh(col, r, row_style, {}))

    def _find_cell(self, inner: str, col: int, r: int) -> re.Match[str] | None:
        at = inner.find(f' r="{column_letter(col)}{r}"')
        if at == -1:
            return None
        m = self._cell.match(inner, inner.rfind("<", 0, at))
        return m if m is not None and m[1] is not None and m.start(1) <= at < m.end(1) else None

    def _last_cell(self, inner: str, r: int) -> tuple[int, int] | None:
        start = inner.rfind(f"<{self.prefix}c ")
        if start == -1:
            return (0, 0) if not inner.strip() else None
        m = self._cell.match(inner, start)
        ref = _CELL_REF.search(m[1] or "") if m else None
        if ref is None or int(ref[2]) != r:
            return None
        return column_number(ref[1]), m.end()

    def _cell_column(self, attrs: str, r: int, last_col: int) -> int:
        m = _CELL_REF.search(attrs)
        if m is None or int(m[2]) != r:
            raise refuse(
                self.sheet,
                f"a cell in row {r} of the sheet's XML has no reference (r); open and save the file in Excel, then run again",
            )
        col = column_number(m[1])
        if col <= last_col:
            raise refuse(
                self.sheet,
                f"the cells of row {r} in the sheet's XML are out of order; open and save the file in Excel, then run again",
            )
        return col

    def _fresh(self, col: int, r: int, row_style: str | None, seen: dict[int, int | None]) -> str:
        cell = self.edits[r][col]
        if cell is None:
            return ""
        if cell.style is None and cell.style_from is None:  # the common case: cached per column and kind
            head, middle, end = self._fresh_pieces(col, row_style, cell)
            return f"{head}{r}{middle}{cell.text}{end}"
        base = int(row_style) if row_style is not None else None
        style = self._new_style(col, base, cell, seen)
        return self._render(f"{column_letter(col)}{r}", "", style, cell)

    def _fresh_pieces(self, col: int, row_style: str | None, cell: Cell) -> tuple[str, str, str]:
        """A new unstyled cell of this column and kind, cut around its row and text (cached)."""
        key = (col, row_style, cell.kind)
        pieces = self._fresh_styles.get(key)
        if pieces is None:
            base = int(row_style) if row_style is not None else None
            style = self._new_style(col, base, cell, {})
            pieces = self._fresh_styles[key] = self._pieces(col, style, cell.kind)
        return pieces

    def _pieces(self, col: int, style: int | None, kind: str) -> tuple[str, str, str]:
        """`_render` of a new cell cut around its row number and text: (head, middle, end)."""
        marker = Cell(kind, "\x00")
        head, _, rest = self._render(f"{column_letter(col)}\x01", "", style, marker).partition("\x01")
        middle, _, end = rest.partition("\x00")
        return head, middle, end

    def _new_style(self, col: int, base: int | None, cell: Cell, seen: dict[int, int | None]) -> int | None:
        if cell.style is not None:
            return cell.style
        if cell.style_from is not None:
            return seen.get(cell.style_from)
        if base is None:
            base = self._template.get(col, self._col_style(col))
        return self._dated(base, cell)

    def _col_style(self, col: int) -> int | None:
        return next((s for low, high, s in self._col_styles if low <= col <= high), None)

    def _dated(self, style: int | None, cell: Cell) -> int | None:
        return self.date_style(style) if cell.kind == "d" and self.date_style else style

    def _replace(self, m: re.Match[str], col: int, r: int, cell: Cell | None, seen: dict) -> str:
        attrs, inner = m[1] or "", m[2] or ""
        formula = self._formula.search(inner)
        if formula:
            self.formula_overwritten = True
            f_attrs = formula[1] or ""
            if attr(f_attrs, "t") == "shared" and attr(f_attrs, "ref") and attr(f_attrs, "si"):
                self._broken.add(attr(f_attrs, "si").encode())
        style = attr(attrs, "s")
        kept = _DROP_ATTRS.sub("", attrs)
        kept = re.sub(r"""\sr=["'][^"']*["']""", "", kept)
        if cell is None:
            s = int(style) if style else None
        elif cell.style is not None or cell.style_from is not None:
            s = self._new_style(col, None, cell, seen)
        else:
            s = self._dated(int(style) if style else None, cell)
        return self._render(f"{column_letter(col)}{r}", kept, s, cell)

    def _render(self, ref: str, attrs: str, style: int | None, cell: Cell | None) -> str:
        p = self.prefix
        s = f' s="{style}"' if style else ""
        if cell is None:
            return f'<{p}c r="{ref}"{s}{attrs}/>'
        if cell.kind == "s":
            body = f'<{p}is><{p}t xml:space="preserve">{cell.text}</{p}t></{p}is>'
            return f'<{p}c r="{ref}"{s} t="inlineStr"{attrs}>{body}</{p}c>'
        t = ' t="b"' if cell.kind == "b" else ""
        return f'<{p}c r="{ref}"{s}{t}{attrs}><{p}v>{cell.text}</{p}v></{p}c>'

    def _check_dependents(self, data: bytes) -> None:
        if not self._broken:
            return
        for si in _SI.findall(data):
            if si in self._broken:
                raise refuse(
                    self.sheet,
                    "leadbook would overwrite the first cell of a shared formula that other cells still use "
                    f"(formula group {si.decode()}); in Excel, copy that column and paste it as values "
                    "(or move the formulas out of leadbook's columns), then run again",
                )


_LETTERS = re.compile(r"""\sr=["']([A-Z]+)\d""")
Shape = tuple[bool, list[int], frozenset[int]]
_SHAPES: dict[tuple[str, ...], Shape] = {}  # rows of one sheet mostly share their column letters


def _shape(inner: str) -> Shape:
    """Whether a row's cell references ascend, and their column numbers (list and set)."""
    letters = tuple(_LETTERS.findall(inner))
    shape = _SHAPES.get(letters)
    if shape is None:
        keys = [(len(x), x) for x in letters]  # column letters compare by length, then text
        ordered = all(a < b for a, b in zip(keys, keys[1:], strict=False))
        numbers = [column_number(x) for x in letters]
        if len(_SHAPES) > 4096:
            _SHAPES.clear()
        shape = _SHAPES[letters] = (ordered, numbers, frozenset(numbers))
    return shape


@functools.cache
def _attr_pattern(name: str) -> re.Pattern[str]:
    return re.compile(_ATTR.format(re.escape(name)))


def attr(attrs: str, name: str) -> str | None:
    m = _attr_pattern(name).search(attrs)
    return m[1] if m else None
