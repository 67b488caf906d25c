"""Stream-patch one worksheet part: every byte passes through except the cells and rows leadbook writes.

The inflated part arrives in chunks and is cut at `</row>` boundaries; a run of rows without
an edit is passed on as one slice after a C-speed check that each row has an `r` in
ascending order. Only rows with edits are decoded and rebuilt. No tree is built, so memory
stays flat whatever the sheet's size, and a pass without edits gives back the same bytes.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Callable, Iterable, Iterator

import numpy as np

from leadbook.book.xlsx.cells import Cell, column_letter, column_number, format_ref, parse_ref
from leadbook.book.xlsx.tail import find_children
from leadbook.core.problems import LeadbookError

Edits = dict[int, dict[int, Cell | None]]  # Excel row -> column -> cell (None clears it)
TailEdit = Callable[[bytes, str], bytes]  # (bytes after </sheetData>, namespace prefix) -> bytes

_ROOT = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?worksheet[\s>]")
_SHEET_DATA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheetData(?:\s[^>]*?)?(/?)>")
_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding=["']([^"']+)["']""")
_ROW_R = re.compile(r"""\sr=["'](\d+)["']""")
_ATTR = r"""\s{}=["']([^"']*)["']"""
_DROP_ATTRS = re.compile(r"""\s(?:t|cm|vm|s)=["'][^"']*["']""")
_CELL_REF = re.compile(r"""\sr=["']([A-Z]+)(\d+)["']""")
_SI = re.compile(rb"""\ssi=["'](\d+)["']""")


def _refuse(sheet: str, message: str) -> LeadbookError:
    return LeadbookError(message, sheet)


class SheetPatch:
    """One pass over a worksheet part applying `edits`; read `formula_overwritten` afterwards.

    - `date_style(s)` gives the style index to use for a date written over style `s` (None: none).
    - `template_row`: appended rows (rows the sheet lacks) take each column's style from it.
    - `widths`: column -> width, set for columns no `<col>` covers yet.
    - `tail_edits`: functions applied to the bytes after `</sheetData>` (conditional formats, ...).
    """

    def __init__(
        self,
        sheet: str,
        edits: Edits,
        *,
        date_style: Callable[[int | None], int | None] | None = None,
        template_row: int | None = None,
        widths: dict[int, float] | None = None,
        tail_edits: Iterable[TailEdit] = (),
    ) -> None:
        self.sheet = sheet
        self.edits = edits
        self.pending = sorted(edits)
        self.date_style = date_style
        self.template_row = template_row
        self.widths = widths or {}
        self.tail_edits = list(tail_edits)
        self.formula_overwritten = False
        self.prefix = ""
        self._k = 0
        self._last_r = 0
        self._broken: set[bytes] = set()  # shared-formula ids whose master was overwritten
        self._template: dict[int, int] = {}
        self._fresh_styles: dict[tuple[int, str | None, bool], int | None] = {}
        self._col_styles: list[tuple[int, int, int]] = []

    # -- the pass --------------------------------------------------------------------------
    def stream(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """The patched part, as chunks."""
        it = iter(chunks)
        buf = b""
        match = None
        for chunk in it:
            buf += chunk
            match = _SHEET_DATA.search(buf)
            if match:
                break
        if match is None:
            raise _refuse(
                self.sheet, "the sheet's XML has no <sheetData>; open and save it in Excel, then run again"
            )
        self._check_head(buf[: match.start()])
        yield self._patch_head(buf[: match.start()])
        p = self.prefix.encode()
        if match[1]:  # <sheetData/>: an empty sheet
            yield b"<" + p + b"sheetData>" + self._new_rows(None) + b"</" + p + b"sheetData>"
            rest = buf[match.end() :]
        else:
            yield buf[match.start() : match.end()]
            rest = yield from self._body(buf[match.end() :], it)
        yield self._patch_tail(rest + b"".join(it))

    def _body(self, buf: bytes, it: Iterator[bytes]) -> Iterator[bytes]:
        p = self.prefix.encode()
        end_data, end_row = b"</" + p + b"sheetData>", b"</" + p + b"row>"
        while True:
            stop = buf.find(end_data)
            if stop != -1:
                yield from self._segment(buf[:stop])
                yield self._new_rows(None) + end_data
                return buf[stop + len(end_data) :]
            cut = buf.rfind(end_row)
            if cut != -1:
                cut += len(end_row)
                yield from self._segment(buf[:cut])
                buf = buf[cut:]
            chunk = next(it, None)
            if chunk is None:
                raise _refuse(self.sheet, "the sheet's XML ends inside <sheetData>; the file is damaged")
            buf += chunk

    def _segment(self, seg: bytes) -> Iterator[bytes]:
        """Complete rows: passed on whole unless an edit or the template row falls inside."""
        numbers = self._row_numbers(seg)
        if numbers is None:
            yield seg
            return
        first, last = numbers
        self._last_r = last
        edit_inside = self._k < len(self.pending) and self.pending[self._k] <= last
        template_inside = self.template_row is not None and first <= self.template_row <= last
        if not (edit_inside or template_inside):
            self._check_dependents(seg)
            yield seg
            return
        yield from self._rows(seg)

    def _row_numbers(self, seg: bytes) -> tuple[int, int] | None:
        """First and last row number of a run of rows, refusing rows without `r` or out of order."""
        starts = len(self._row_tag.findall(seg))
        found = self._row_number.findall(seg)
        if len(found) != starts:
            raise _refuse(
                self.sheet,
                "a row in the sheet's XML has no row number (r); open and save the file in Excel, then run again",
            )
        if not found:
            return None
        numbers = np.array(found, dtype=np.int64) if len(found) > 1 else np.array([int(found[0])])
        if numbers[0] <= self._last_r or (np.diff(numbers) <= 0).any():
            raise _refuse(
                self.sheet,
                "the rows in the sheet's XML are out of order; open and save the file in Excel, then run again",
            )
        return int(numbers[0]), int(numbers[-1])

    def _rows(self, seg: bytes) -> Iterator[bytes]:
        end_row = b"</" + self.prefix.encode() + b"row>"
        emit = 0
        for m in self._row_open_b.finditer(seg):
            r = int(_ROW_R.search(m[1].decode())[1])
            end = m.end() if m[2] else seg.index(end_row, m.end()) + len(end_row)
            while self._k < len(self.pending) and self.pending[self._k] < r:
                yield seg[emit : m.start()]
                emit = m.start()
                yield self._new_row(self.pending[self._k])
                self._k += 1
            if r == self.template_row:
                self._template = self._styles_of(seg[m.start() : end].decode())
                self._fresh_styles.clear()
            if self._k < len(self.pending) and self.pending[self._k] == r:
                yield seg[emit : m.start()]
                yield self._patch_row(seg[m.start() : end].decode(), r)
                emit = end
                self._k += 1
        rest = seg[emit:]
        self._check_dependents(rest)
        yield rest

    # -- head and tail ---------------------------------------------------------------------
    def _check_head(self, head: bytes) -> None:
        if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (
            (enc := _ENCODING.match(head)) and enc[1].lower() not in (b"utf-8", b"utf8")
        ):
            raise _refuse(
                self.sheet, "the sheet's XML is not UTF-8; open and save the file in Excel, then run again"
            )
        if b"purl.oclc.org/ooxml/spreadsheetml" in head:
            raise _refuse(
                self.sheet,
                "the file is saved as Strict Open XML; in Excel use Save As > Excel Workbook (.xlsx), then run again",
            )
        root = _ROOT.search(head)
        self.prefix = (root[1].decode() + ":") if root and root[1] else ""
        self._compile(re.escape(self.prefix))
        for attrs in re.findall(rb"<(?:\w+:)?col\s([^>]*)", head):
            text = attrs.decode()
            low, high, style = (_attr(text, k) for k in ("min", "max", "style"))
            if low and high and style:
                self._col_styles.append((int(low), int(high), int(style)))

    def _compile(self, p: str) -> None:
        b = p.encode()
        self._row_tag = re.compile(rb"<" + b + rb"row[\s/>]")
        self._row_number = re.compile(rb"<" + b + rb"row\s[^>]*?\br=[\"'](\d+)[\"']")
        self._row_open_b = re.compile(rb"<" + b + rb"row(\s[^>]*?)?(/?)>")
        self._row_open = re.compile(rf"<{p}row(\s[^>]*?)?(/?)>")
        self._cell = re.compile(rf"<{p}c(\s[^>]*?)?(?:/>|>(.*?)</{p}c>)", re.S)
        self._formula = re.compile(rf"<{p}f(\s[^>]*?)?(/?)>")

    def _patch_head(self, head: bytes) -> bytes:
        head = self._grow_dimension(head)
        widths = {c: w for c, w in self.widths.items() if not self._col_covered(head, c)}
        if not widths:
            return head
        p = self.prefix
        cols = "".join(
            f'<{p}col min="{c}" max="{c}" width="{w:g}" customWidth="1"/>' for c, w in sorted(widths.items())
        ).encode()
        close = head.rfind(f"</{p}cols>".encode())
        if close != -1:
            return head[:close] + cols + head[close:]
        return head + f"<{p}cols>".encode() + cols + f"</{p}cols>".encode()

    def _col_covered(self, head: bytes, col: int) -> bool:
        for attrs in re.findall(rb"<(?:\w+:)?col\s([^>]*)", head):
            low, high = _attr(attrs.decode(), "min"), _attr(attrs.decode(), "max")
            if low and high and int(low) <= col <= int(high):
                return True
        return False

    def _grow_dimension(self, head: bytes) -> bytes:
        m = re.search(rb"""(<(?:\w+:)?dimension\s[^>]*?ref=["'])([^"']*)(["'])""", head)
        if not self.edits or m is None:
            return head
        try:
            low_c, low_r, high_c, high_r = parse_ref(m[2].decode())
        except ValueError:
            return head
        rows = [r for r in self.pending if any(v is not None for v in self.edits[r].values())]
        if not rows:
            return head
        cols = {c for r in (rows[0], rows[-1]) for c in self.edits[r]} | {
            max(cells) for cells in self.edits.values()
        }
        ref = format_ref(min(low_c, *cols), min(low_r, rows[0]), max(high_c, *cols), max(high_r, rows[-1]))
        return head[: m.start(2)] + ref.encode() + head[m.end(2) :]

    def _patch_tail(self, tail: bytes) -> bytes:
        self._refuse_merged(tail)
        for edit in self.tail_edits:
            tail = edit(tail, self.prefix)
        return tail

    def _refuse_merged(self, tail: bytes) -> None:
        for block in find_children(tail, "mergeCells"):
            for ref in re.findall(rb"""\sref=["']([^"']+)["']""", block):
                low_c, low_r, high_c, high_r = parse_ref(ref.decode())
                start = bisect.bisect_left(self.pending, low_r)
                for r in self.pending[start : bisect.bisect_right(self.pending, high_r)]:
                    if any(low_c <= c <= high_c for c in self.edits[r]):
                        raise _refuse(
                            self.sheet,
                            f"leadbook would write into the merged cells {ref.decode()}; "
                            "unmerge them in Excel (Home > Merge & Center), then run again",
                        )

    # -- rows and cells --------------------------------------------------------------------
    def _new_rows(self, before: int | None) -> bytes:
        out = []
        while self._k < len(self.pending) and (before is None or self.pending[self._k] < before):
            out.append(self._new_row(self.pending[self._k]))
            self._k += 1
        return b"".join(out)

    def _new_row(self, r: int) -> bytes:
        p = self.prefix
        cells = [
            self._render(f"{column_letter(c)}{r}", "", self._new_style(c, None, cell, {}), cell)
            for c, cell in sorted(self.edits[r].items())
            if cell is not None
        ]
        return f'<{p}row r="{r}">{"".join(cells)}</{p}row>'.encode() if cells else b""

    def _styles_of(self, row: str) -> dict[int, int]:
        styles = {}
        for m in self._cell.finditer(row):
            ref, style = _attr(m[1], "r"), _attr(m[1], "s")
            if ref and style:
                styles[column_number(ref.rstrip("0123456789"))] = int(style)
        return styles

    def _patch_row(self, row: str, r: int) -> bytes:
        p = self.prefix
        opening = self._row_open.match(row)
        attrs = opening[1] or ""
        inner = "" if opening[2] else row[opening.end() : -len(f"</{p}row>")]
        row_style = _attr(attrs, "s") if _attr(attrs, "customFormat") in ("1", "true") else None
        direct = None if self._broken else self._direct(inner, r, row_style)
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
            style = _attr(m[1] or "", "s")
            seen[col] = int(style) if style else None
        out.append(inner[pos:last_end])
        out += [self._fresh(c, r, row_style, seen) for c in todo[i:]]
        out.append(inner[max(pos, last_end) :])
        return f"<{p}row{attrs}>{''.join(out)}</{p}row>".encode()

    def _direct(self, inner: str, r: int, row_style: str | None) -> str | None:
        """The row with its edits, each cell found by its reference; None when the row needs a full parse.

        Owned cells are found with `str.find`, a new cell goes before the next existing one (or last),
        so the row's other cells are never parsed.
        """
        edits = self.edits[r]
        last = self._last_cell(inner, r)
        if last is None:
            return None
        last_col, last_end = last
        plain = all(c is None or (c.style is None and c.style_from is None) for c in edits.values())
        if plain and min(edits) > last_col and _in_column_order(inner):  # all new, after the last: one splice
            fresh = "".join(self._fresh(col, r, row_style, {}) for col in sorted(edits))
            return inner[:last_end] + fresh + inner[last_end:]
        pieces = []
        for col in sorted(edits):
            cell = edits[col]
            if cell is not None and (cell.style_from is not None or cell.style is not None):
                return None
            m = self._find_cell(inner, col, r)
            if m is not None:
                pieces.append((m.start(), m.end(), self._replace(m, col, r, cell, {})))
            elif cell is not None:
                at = last_end if col > last_col else self._insert_at(inner, col, r, last_col)
                if at is None:
                    return None
                pieces.append((at, at, self._fresh(col, r, row_style, {})))
        if any(start == end for start, end, _ in pieces) and not _in_column_order(inner):
            return None  # the full parse refuses the row, naming it
        pieces.sort(key=lambda piece: piece[0])  # stable: new cells at one place stay in column order
        out, pos = [], 0
        for start, end, text in pieces:
            out += [inner[pos:start], text]
            pos = end
        out.append(inner[pos:])
        text = "".join(out)
        self._check_dependents(text.encode())  # a master overwritten here may have dependents beside it
        return text

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

    def _insert_at(self, inner: str, col: int, r: int, last_col: int) -> int | None:
        if last_col - col > 64:
            return None
        for later in range(col + 1, last_col + 1):
            m = self._find_cell(inner, later, r)
            if m is not None:
                return m.start()
        return None

    def _cell_column(self, attrs: str, r: int, last_col: int) -> int:
        m = _CELL_REF.search(attrs)
        if m is None or int(m[2]) != r:
            raise _refuse(
                self.sheet,
                f"a cell in row {r} of the sheet's XML has no reference (r); open and save the file in Excel, then run again",
            )
        col = column_number(m[1])
        if col <= last_col:
            raise _refuse(
                self.sheet,
                f"the cells of row {r} in the sheet's XML are out of order; open and save the file in Excel, then run again",
            )
        return col

    def _fresh(self, col: int, r: int, row_style: str | None, seen: dict[int, int | None]) -> str:
        cell = self.edits[r][col]
        if cell is None:
            return ""
        if cell.style is None and cell.style_from is None:  # the common case: cached per column and kind
            key = (col, row_style, cell.kind == "d")
            style = self._fresh_styles.get(key, -1)
            if style == -1:
                base = int(row_style) if row_style is not None else None
                style = self._fresh_styles[key] = self._new_style(col, base, cell, seen)
        else:
            base = int(row_style) if row_style is not None else None
            style = self._new_style(col, base, cell, seen)
        return self._render(f"{column_letter(col)}{r}", "", style, cell)

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
            if _attr(f_attrs, "t") == "shared" and _attr(f_attrs, "ref") and _attr(f_attrs, "si"):
                self._broken.add(_attr(f_attrs, "si").encode())
        style = _attr(attrs, "s")
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
                raise _refuse(
                    self.sheet,
                    "leadbook would overwrite the first cell of a shared formula that other cells still use "
                    f"(formula group {si.decode()}); in Excel, copy that column and paste it as values "
                    "(or move the formulas out of leadbook's columns), then run again",
                )


def _in_column_order(inner: str) -> bool:
    """True when the row's cell references ascend (column letters compare by length, then text)."""
    keys = [(len(letters), letters) for letters, _ in _CELL_REF.findall(inner)]
    return all(a < b for a, b in zip(keys, keys[1:], strict=False))


@functools.cache
def _attr_pattern(name: str) -> re.Pattern[str]:
    return re.compile(_ATTR.format(re.escape(name)))


def _attr(attrs: str, name: str) -> str | None:
    m = _attr_pattern(name).search(attrs)
    return m[1] if m else None


def patch(chunks: Iterable[bytes], sheet: str, edits: Edits, **options) -> tuple[bytes, SheetPatch]:
    """The whole patched part in memory (for small sheets and tests) and the patch's findings."""
    patcher = SheetPatch(sheet, edits, **options)
    return b"".join(patcher.stream(chunks)), patcher
