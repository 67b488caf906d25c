"""Make room above a list's totals rows: stream a worksheet part with the rows from the totals row
down moved `Move.by` rows, as Excel moves a table's Total Row when rows are added to it.

Inside the part the moved rows get their new numbers, their formulas are rewritten (`moved_formula`:
the totals' `=SUM(C2:C9)` grows over the new rows; `SUBTOTAL(109,Table1[Amount])` stays as it is),
and the sheet's own ranges follow them: the dimension, merged cells, conditional formats, validations
(the x14 ones in extLst too), hyperlinks and the filter (a range across the totals row grows, one
below it moves). What cannot
follow is refused with a sentence naming sheet and row: cells below the totals that are not totals,
merged cells reaching across the totals row, a formula above it pointing into the rows that move.
Everything else passes through byte for byte; the patcher (`sheetxml.SheetPatch`) then writes the
new rows into the room made.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from leadbook.book.xlsx.shiftcheck import moved_names, refuse_outside
from leadbook.book.xlsx.shiftrefs import Move, move_range, moved_formula, refusal, refuse_refs
from leadbook.book.xlsx.tail import top_level
from leadbook.book.xlsx.workbook import BookMap, Parts

_ROOT = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?worksheet[\s>]")
_SHEET_DATA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheetData(?:\s[^>]*?)?(/?)>")
_DIMENSION = re.compile(rb"""(<(?:\w+:)?dimension\s[^>]*?ref=["'])([^"']*)(["'])""")
_R = re.compile(r"""(\sr=["'])([A-Z]*)(\d+)(["'])""")
_REF_ATTR = re.compile(r"""(\s(?:sqref|ref)=["'])([^"']*)(["'])""")
_FORMULA_TEXT = re.compile(r"<((?:\w+:)?)(formula[12]?|f)(\s[^>]*?)?(?<!/)>(.*?)</\1\2>", re.S)
_LAYOUT = ("mergeCells", "conditionalFormatting", "dataValidations", "hyperlinks", "autoFilter", "extLst")
_SQREF_TEXT = re.compile(r"(<(?:\w+:)?sqref>)(.*?)(</(?:\w+:)?sqref>)", re.S)  # x14 rules in extLst


class MovedRows:
    """One pass over a worksheet part moving the rows from `move.at` down; read `formulas` afterwards
    (True when a formula cell moved or changed: the calculation chain must go)."""

    def __init__(self, move: Move) -> None:
        self.move = move
        self.formulas = False
        self.p = ""

    def stream(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        it = iter(chunks)
        buf, m = b"", None
        for chunk in it:
            buf += chunk
            m = _SHEET_DATA.search(buf)
            if m:
                break
        if m is None or m[1]:  # no rows to move (the patcher refuses a part without sheetData)
            yield buf
            yield from it
            return
        root = _ROOT.search(buf, 0, m.start())
        self.p = (root[1].decode() + ":") if root and root[1] else ""
        yield self._head(buf[: m.start()]) + buf[m.start() : m.end()]
        end_row, end_data = f"</{self.p}row>".encode(), f"</{self.p}sheetData>".encode()
        buf = buf[m.end() :]
        while True:
            stop = buf.find(end_data)
            if stop != -1:
                yield self._segment(buf[:stop]) + end_data
                yield self._tail(buf[stop + len(end_data) :] + b"".join(it))
                return
            cut = buf.rfind(end_row)
            if cut != -1:
                cut += len(end_row)
                yield self._segment(buf[:cut])
                buf = buf[cut:]
            chunk = next(it, None)
            if chunk is None:
                yield buf
                return
            buf += chunk

    def _head(self, head: bytes) -> bytes:
        m = _DIMENSION.search(head)
        if m is None or not self.move.by:
            return head
        moved = move_range(m[2].decode(), self.move)
        return head if moved is None else head[: m.start(2)] + moved.encode() + head[m.end(2) :]

    # -- rows ------------------------------------------------------------------------------
    def _segment(self, seg: bytes) -> bytes:
        pattern = re.compile(rf"<{re.escape(self.p)}row\s[^>]*?\br=[\"'](\d+)[\"']".encode())
        last = pattern.match(seg, max(seg.rfind(f"<{self.p}row ".encode()), 0))
        if last is not None and int(last[1]) < self.move.at:  # the common case: every row stays
            first = None
        else:
            first = next((m.start() for m in pattern.finditer(seg) if int(m[1]) >= self.move.at), None)
        above = seg if first is None else seg[:first]
        if self.move.by and f"<{self.p}f".encode() in above:
            self._check_above(above.decode())
        if first is None:
            return above
        return above + self._moved(seg[first:].decode()).encode()

    def _cells(self, text: str, sub=None):
        """The cells of some rows (or, with `sub`, the rows with each cell replaced by `sub(match)`)."""
        p = re.escape(self.p)
        pattern = re.compile(rf"<{p}c(\s[^>]*?)?(?:/>|>(.*?)</{p}c>)", re.S)
        return pattern.finditer(text) if sub is None else pattern.sub(sub, text)

    def _check_above(self, text: str) -> None:
        """A formula that stays put (above the totals) must not point into the rows that move."""
        for cell in self._cells(text):
            inner = cell[2] or ""
            for f in _FORMULA_TEXT.finditer(inner):
                ref = _R.search(cell[1] or "")
                where = f"the formula in {ref[2]}{ref[3]}" if ref else "a formula"
                refuse_refs(f[4], self.move, local=True, where=where)
                spans = _REF_ATTR.search(f[3] or "")
                if spans:
                    refuse_refs(spans[2], self.move, local=True, where=f"the formula shared over {spans[2]}")

    def _moved(self, text: str) -> str:
        p = re.escape(self.p)
        out, pos = [], 0
        for row in re.finditer(rf"<{p}row(\s[^>]*?)(?:/>|>(.*?)</{p}row>)", text, re.S):
            r = int(_R.search(row[1])[3])
            if not self.move.by and r not in self.move.totals:
                continue
            out += [text[pos : row.start()], self._row(row[0], r)]
            pos = row.end()
        out.append(text[pos:])
        return "".join(out)

    def _row(self, row: str, r: int) -> str:
        move = self.move
        filled = re.search(rf"<{re.escape(self.p)}(?:v|is|f)[\s>/]", row)
        if filled and r not in move.totals:
            raise refusal(move, f"row {r} below it holds cells that are not totals")
        if move.by:
            row = _R.sub(lambda m: f"{m[1]}{m[2]}{move.row(int(m[3]))}{m[4]}", row)
        if f"<{self.p}f" not in row:
            return row
        p, q = self.p, re.escape(self.p)

        def formula(m: re.Match[str]) -> str:
            attrs = m[3] or ""
            if re.search(r"""\st=["']dataTable["']""", attrs):
                raise refusal(move, f"row {r} holds a what-if data table")
            attrs = _REF_ATTR.sub(lambda a: a[1] + (move_range(a[2], move) or a[2]) + a[3], attrs)
            return f"<{m[1]}{m[2]}{attrs}>{moved_formula(m[4], move)}</{m[1]}{m[2]}>"

        def cell(c: re.Match[str]) -> str:
            inner = c[2] or ""
            if f"<{p}f" not in inner:
                return c[0]
            rewritten = _FORMULA_TEXT.sub(formula, inner)
            if not move.by and rewritten == inner:
                return c[0]
            # A moved total's stored result leaves out the new rows: dropped, so that no reader shows
            # it (Excel and LibreOffice compute a formula without one on opening the file).
            self.formulas = True
            attrs = re.sub(r"""\st=["'][^"']*["']""", "", c[1] or "")
            rewritten = re.sub(rf"<{q}v\s*/>|<{q}v>.*?</{q}v>", "", rewritten, flags=re.S)
            return f"<{p}c{attrs}>{rewritten}</{p}c>"

        return self._cells(row, sub=cell)

    # -- after the rows --------------------------------------------------------------------
    def _tail(self, tail: bytes) -> bytes:
        if not self.move.by:
            return tail
        out, pos = [], 0
        for name, start, end in top_level(tail):
            element = tail[start:end].decode()
            if name in _LAYOUT:
                moved = self._layout(name, element)
            else:
                self._refuse_other(name, element)
                moved = element
            out += [tail[pos:start], moved.encode()]
            pos = end
        out.append(tail[pos:])
        return b"".join(out)

    def _layout(self, name: str, element: str) -> str:
        move = self.move

        def ranges(m: re.Match[str]) -> str:
            refs = m[2].split()
            if name == "mergeCells":
                for ref in refs:
                    rows = [int(n) for n in re.findall(r"\d+", ref)]
                    if rows and min(rows) < move.at <= max(rows):
                        raise refusal(move, f"the merged cells {ref} reach across it")
            return m[1] + " ".join(move_range(ref, move) or ref for ref in refs) + m[3]

        element = _SQREF_TEXT.sub(ranges, _REF_ATTR.sub(ranges, element))
        for f in _FORMULA_TEXT.finditer(element):
            refuse_refs(f[4], move, local=True, where=f"a rule of its {name}")
        return element

    def _refuse_other(self, name: str, element: str) -> None:
        """Anything else after the rows that names rows that move (page breaks, controls, ignored
        errors, protected ranges...) is refused rather than left pointing at the wrong row."""
        move = self.move
        for m in _REF_ATTR.finditer(element):
            for ref in m[2].split():
                refuse_refs(ref, move, local=True, where=f"its {name} ({ref})")
        for f in _FORMULA_TEXT.finditer(element):
            refuse_refs(f[4], move, local=True, where=f"its {name}")
        breaks = [int(n) for n in re.findall(r"""<(?:\w+:)?brk\s[^>]*?\bid=["'](\d+)""", element)]
        anchors = [int(n) + 1 for n in re.findall(r"<(?:\w+:)?row>(\d+)</", element)]  # 0-based
        hit = next((n for n in breaks if n >= move.at - 1), None) or next(
            (n for n in anchors if n >= move.at), None
        )
        if hit is not None:
            raise refusal(move, f"its {name} is placed at row {hit}")


def room_above(
    parts: Parts,
    book: BookMap,
    sheet: str,
    part: str,
    table_part: str | None,
    totals: set[int],
    start: int,
    count: int,
) -> MovedRows | None:
    """The pass that makes room for `count` new rows from `start` above the sheet's totals rows
    (None: the sheet has none); refuses first whatever in the book could not follow the move."""
    if not totals:
        return None
    at = min(totals)
    move = Move(sheet, at, max(0, start + count - at), start, start + count - 1, frozenset(totals))
    if move.by:
        refuse_outside(parts, book, part, table_part, move)
        xml = parts.read(book.part)
        names = moved_names(xml, move)
        if names != xml:
            parts.write(book.part, names)
    return MovedRows(move)
