"""Stream-patch one worksheet part: every byte passes through except the cells and rows leadbook writes.

The inflated part arrives in chunks and is cut at `</row>` boundaries; a run of rows without
an edit is passed on as one slice after a C-speed check that each row has an `r` in
ascending order. Only rows with edits are decoded and rebuilt. No tree is built, so memory
stays flat whatever the sheet's size, and a pass without edits gives back the same bytes.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Callable, Iterable, Iterator

import numpy as np

from leadbook.book.xlsx.block import Block
from leadbook.book.xlsx.cells import column_letter, format_ref, parse_ref
from leadbook.book.xlsx.rowpatch import Edits, RowPatch, _shape, attr, refuse
from leadbook.book.xlsx.tail import find_children

TailEdit = Callable[[bytes, str], bytes]  # (bytes after </sheetData>, namespace prefix) -> bytes

_ROOT = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?worksheet[\s>]")
_SHEET_DATA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheetData(?:\s[^>]*?)?(/?)>")
_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding=["']([^"']+)["']""")
_ROW_R = re.compile(r"""\sr=["'](\d+)["']""")


class SheetPatch(RowPatch):
    """One pass over a worksheet part applying `edits`; read `formula_overwritten` afterwards.

    - `date_style(s)` gives the style index to use for a date written over style `s` (None: none).
    - `template_row`: appended rows (rows the sheet lacks) take each column's style from it.
    - `widths`: column -> width, set for columns no `<col>` covers yet.
    - `tail_edits`: functions applied to the bytes after `</sheetData>` (conditional formats, ...).
    - `block`: more edits, kept column by column (rows not in `edits`); a run of rows whose
      edits are all new cells after the row's last cell is patched at once (`_block_rows`).
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
        block: Block | None = None,
    ) -> None:
        self.sheet = sheet
        self.edits = edits
        if block is not None and len(block.rows):
            block = block.without_rows(edits)
            self.pending = sorted({*edits, *block.rows.tolist()})
        else:
            block = None
            self.pending = sorted(edits)
        self.block = block
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
        self._fresh_styles: dict[tuple[int, str | None, str], tuple[str, str, str]] = {}
        self._col_styles: list[tuple[int, int, int]] = []
        self._numbers = np.zeros(0, dtype=np.int64)  # the row numbers of the segment in hand
        self._tables: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._replace_tables: dict[tuple[int, bytes | None], tuple[list[bytes], list[bytes]]] = {}
        self._table_lists: dict[int, tuple[list[bytes], list[bytes], list[bool]]] = {}
        self._block_cols = frozenset(block.cols) if block is not None else frozenset()

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
            raise refuse(
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
                raise refuse(self.sheet, "the sheet's XML ends inside <sheetData>; the file is damaged")
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
            raise refuse(
                self.sheet,
                "a row in the sheet's XML has no row number (r); open and save the file in Excel, then run again",
            )
        if not found:
            return None
        numbers = np.array(found, dtype=np.int64) if len(found) > 1 else np.array([int(found[0])])
        self._numbers = numbers
        if numbers[0] <= self._last_r or (np.diff(numbers) <= 0).any():
            raise refuse(
                self.sheet,
                "the rows in the sheet's XML are out of order; open and save the file in Excel, then run again",
            )
        return int(numbers[0]), int(numbers[-1])

    def _rows(self, seg: bytes) -> Iterator[bytes]:
        if self.block is not None:
            at_once = self._block_rows(seg)
            if at_once is not None:
                yield at_once
                return
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
                self._tables.clear()
                self._table_lists.clear()
            if self._k < len(self.pending) and self.pending[self._k] == r:
                yield seg[emit : m.start()]
                yield self._patch_row(seg[m.start() : end].decode(), r)
                emit = end
                self._k += 1
        rest = seg[emit:]
        self._check_dependents(rest)
        yield rest

    def _block_rows(self, seg: bytes) -> bytes | None:
        """The segment with its edits, made at once; None when a row in it needs the general path.

        Taken when every edited row of the segment is in the sheet, no edit sets a style, and no
        row or template row changes the styles: then a block row whose cells are all left of the
        block's first column gets its new cells spliced after its last cell, rendered for all
        such rows at once (`_block_texts`), and so does one whose cells at or right of that column
        are all right of the block's last column (they go in before those); a row holding plain
        cells in the block's columns has them replaced in place (`_replace_run`); any other edited
        row takes the general path.
        """
        numbers = self._numbers
        first, last = int(numbers[0]), int(numbers[-1])
        template = self.template_row
        if self._broken or (template is not None and first <= template <= last) or b"customFormat" in seg:
            return None
        stop = bisect.bisect_right(self.pending, last)
        todo = np.array(self.pending[self._k : stop], dtype=np.int64)
        at = np.searchsorted(numbers, todo)
        if (
            not len(todo)
            or (at >= len(numbers)).any()
            or (numbers[np.minimum(at, len(numbers) - 1)] != todo).any()
        ):
            return None  # a new row goes in among these: the general path places it
        p = self.prefix.encode()
        end_row = b"</" + p + b"row>"
        pieces = seg.split(end_row)
        if len(pieces) != len(numbers) + 1:
            return None  # an empty <row/> among them
        block = self.block
        where = np.minimum(np.searchsorted(block.rows, todo), len(block.rows) - 1)
        ours = block.rows[where] == todo
        texts = iter(self._block_texts(where[ours]).tolist())
        places = iter(where[ours].tolist())
        if self._splice is None:  # a cell at or right of the block's first column
            first = _at_or_right_of(column_letter(block.cols[0]))
            self._splice = re.compile(rb"<" + re.escape(p) + rb'c r="' + first + rb"\d")
        spots = self._spots(seg, pieces, at, ours)
        for i, r, mine, spot in zip(at.tolist(), todo.tolist(), ours.tolist(), spots, strict=True):
            piece = pieces[i]
            if spot is True:  # the new cells go after the last cell (found for the whole segment)
                pieces[i] = piece + next(texts)
                next(places)
                continue
            found = spot if spot is not None else (self._splice_at(piece) if mine else None)
            text = next(texts) if mine else b""
            place = next(places) if mine else -1
            done = self._block_row(piece, found, text, r, place) if found is not None else None
            if done is not None:
                pieces[i] = done
                continue
            start = piece.find(b"<" + p + b"row")  # the general path, on the whole row
            row = self._patch_row((piece[start:] + end_row).decode(), r)
            pieces[i] = piece[:start] + row[: -len(end_row)]
        self._k = stop
        out = end_row.join(pieces)
        self._check_dependents(out)
        return out

    def _block_row(
        self, piece: bytes, found: tuple[int, bool], text: bytes, r: int, place: int
    ) -> bytes | None:
        """One block row's piece with its new cells (`text`, rendered fresh), spliced in where
        `_splice_at` found room; None when the row needs the general path."""
        spot, after_last = found
        if after_last:  # all new, after the last cell
            return piece[:spot] + text + piece[spot:]
        tail = piece[spot:].decode()
        ordered, numbers, _ = _shape(tail)
        if not ordered:
            return None
        if numbers and numbers[0] > self.block.cols[-1]:
            # every cell from `spot` on is right of the block's columns: the new cells go in
            # before them, as after a last cell
            return piece[:spot] + text + piece[spot:]
        run = self._replace_run(piece, spot, r, place, numbers)
        if run is not None:
            return run
        # the cells from `spot` on (ascending) are at or right of the block's first column:
        # cell by cell on those alone, as a row of their own; those before pass
        p = self.prefix
        opening, closing = f'<{p}row r="{r}">', f"</{p}row>"
        row = self._patch_row(opening + tail + closing, r, parse=True)
        return piece[:spot] + row[len(opening) : -len(closing)]

    _splice: re.Pattern[bytes] | None = None

    def _spots(
        self, seg: bytes, pieces: list[bytes], at: np.ndarray, ours: np.ndarray
    ) -> list[tuple[int, bool] | bool | None]:
        """Per edited row, what `_splice_at` finds, with one bounded search per row instead of its
        two counts and a search: True when the new cells simply go after the row's last cell (it
        ends with that cell's "</c>" and none is at or right of the block's first column), (start
        of the first cell that is, False) when one is; None: `_splice_at` looks (or the row is
        not the block's). Taken when most rows of the segment are edited (its two counts then
        cost less than two per edited row); when a "<c" lacks a reference first, every row is
        left to `_splice_at`.
        """
        tag, with_ref = self._cell_tag
        if not ours.any() or 2 * len(at) < len(pieces) or seg.count(tag) != seg.count(with_ref):
            return [None] * len(at)  # (equal counts for the segment are equal counts per row)
        step = len(b"</" + self.prefix.encode() + b"row>")  # each piece was followed by its </row>
        ends = [0, *itertools.accumulate(len(piece) + step for piece in pieces)]
        search, close = self._splice.search, b"</" + self.prefix.encode() + b"c>"
        out: list[tuple[int, bool] | bool | None] = []
        for i, mine in zip(at.tolist(), ours.tolist(), strict=True):
            if not mine:
                out.append(None)
            elif (m := search(seg, ends[i], ends[i + 1] - step)) is not None:
                out.append((m.start() - ends[i], False))
            else:
                out.append(True if pieces[i].endswith(close) else None)
        return out

    def _splice_at(self, piece: bytes) -> tuple[int, bool] | None:
        """Where a row's new cells go: (end of its last cell, True) when every cell has a reference
        left of the block's first column, else (start of the first cell that does not, False);
        None when a tag starting "<c" has no reference first (or is rich text): the general path."""
        tag, with_ref = self._cell_tag
        if piece.count(tag) != piece.count(with_ref):
            return None
        right = self._splice.search(piece)
        if right is not None:
            return right.start(), False
        start = piece.rfind(with_ref)
        if start == -1:
            return None
        m = self._cell_b.match(piece, start)
        return (m.end(), True) if m else None

    def _replace_run(self, piece: bytes, spot: int, r: int, place: int, numbers: list[int]) -> bytes | None:
        """The row with the block's cells put over its plain cells in the block's columns, as the
        general path's replace does (each keeps its style; a date gets the date style; a blank
        clears it to an empty styled cell, or keeps it when the block does not clear); None when
        a cell there is not plain (a formula, other attributes) or is in a column not the block's.
        `numbers`: the columns of the cells from `spot` on, ascending.
        """
        block = self.block
        inside = bisect.bisect_right(numbers, block.cols[-1])
        rb = str(r).encode()
        found: dict[int, tuple[int, int, bytes | None]] = {}
        pos = spot
        for col in numbers[:inside]:
            m = self._plain_cell.match(piece, pos)
            if m is None or m[2] != rb or col not in self._block_cols:
                return None
            found[col] = (pos, m.end(), m[3])
            pos = m.end()
        rest = piece[pos:]
        if inside < len(numbers) and not rest.startswith(self._cell_tag[1]):
            return None  # something between the cells (the cells right of the block pass whole)
        codes = self._row_codes[place]
        out = [piece[:spot]]
        for k, col in enumerate(block.cols):
            code = codes[k]
            had = found.get(col)
            if had is None:
                heads, tails, blank = self._fresh_lists(k, col)
                if not blank[code]:
                    out += [heads[code], rb, tails[code]]
            elif block.distinct[k][code] is None and not block.clear:
                out.append(piece[had[0] : had[1]])
            else:
                heads, tails = self._replaced(k, col, had[2])
                out += [heads[code], rb, tails[code]]
        out.append(rest)
        return b"".join(out)

    @functools.cached_property
    def _row_codes(self) -> list[list[int]]:
        """The block's codes row by row (Python ints: quicker to pick one at a time)."""
        return np.stack(self.block.codes, axis=1).tolist()

    def _fresh_lists(self, k: int, col: int) -> tuple[list[bytes], list[bytes], list[bool]]:
        found = self._table_lists.get(col)
        if found is None:
            found = self._table_lists[col] = tuple(a.tolist() for a in self._table(k, col))
        return found

    def _replaced(self, k: int, col: int, style: bytes | None) -> tuple[list[bytes], list[bytes]]:
        """Per distinct value of block column k: a replaced cell's text (style `style`) before
        and after its row number, as `_replace` renders it."""
        key = (k, style)
        found = self._replace_tables.get(key)
        if found is None:
            base = int(style) if style else None
            letter = column_letter(col)
            heads, tails = [], []
            for cell in self.block.distinct[k]:
                kept = base if cell is None else self._dated(base, cell)
                head, _, tail = self._render(f"{letter}\x01", "", kept, cell).partition("\x01")
                heads.append(head.encode())
                tails.append(tail.encode())
            found = self._replace_tables[key] = (heads, tails)
        return found

    def _block_texts(self, where: np.ndarray) -> np.ndarray:
        """The new cells of block rows `where` (positions in the block), as one bytes value per row."""
        block = self.block
        rows = block.rows[where].astype("S").astype(object)
        out = np.full(len(where), b"", dtype=object)
        for k, col in enumerate(block.cols):
            heads, tails, blank = self._table(k, col)
            codes = block.codes[k][where]
            cells = heads[codes] + rows + tails[codes]
            out = out + np.where(blank[codes], b"", cells)
        return out

    def _table(self, k: int, col: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per distinct value of block column k: the new cell's text before and after its row number."""
        found = self._tables.get(col)
        if found is None:
            distinct = self.block.distinct[k]
            heads = np.full(len(distinct), b"", dtype=object)
            tails = np.full(len(distinct), b"", dtype=object)
            for i, cell in enumerate(distinct):
                if cell is not None:
                    head, middle, end = self._fresh_pieces(col, None, cell)
                    heads[i], tails[i] = head.encode(), f"{middle}{cell.text}{end}".encode()
            found = self._tables[col] = (heads, tails, self.block.blanks[k])
        return found

    # -- head and tail ---------------------------------------------------------------------
    def _check_head(self, head: bytes) -> None:
        if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (
            (enc := _ENCODING.match(head)) and enc[1].lower() not in (b"utf-8", b"utf8")
        ):
            raise refuse(
                self.sheet, "the sheet's XML is not UTF-8; open and save the file in Excel, then run again"
            )
        if b"purl.oclc.org/ooxml/spreadsheetml" in head:
            raise refuse(
                self.sheet,
                "the file is saved as Strict Open XML; in Excel use Save As > Excel Workbook (.xlsx), then run again",
            )
        root = _ROOT.search(head)
        self.prefix = (root[1].decode() + ":") if root and root[1] else ""
        self._compile(re.escape(self.prefix))
        for attrs in re.findall(rb"<(?:\w+:)?col\s([^>]*)", head):
            text = attrs.decode()
            low, high, style = (attr(text, k) for k in ("min", "max", "style"))
            if low and high and style:
                self._col_styles.append((int(low), int(high), int(style)))

    def _compile(self, p: str) -> None:
        b = p.encode()
        self._row_tag = re.compile(rb"<" + b + rb"row[\s/>]")
        self._row_number = re.compile(rb"<" + b + rb"row\s[^>]*?\br=[\"'](\d+)[\"']")
        self._row_open_b = re.compile(rb"<" + b + rb"row(\s[^>]*?)?(/?)>")
        self._row_open = re.compile(rf"<{p}row(\s[^>]*?)?(/?)>")
        self._cell = re.compile(rf"<{p}c(\s[^>]*?)?(?:/>|>(.*?)</{p}c>)", re.S)
        self._cell_b = re.compile(rb"<" + b + rb"c(\s[^>]*?)?(?:/>|>.*?</" + b + rb"c>)", re.S)
        ns = self.prefix.encode()  # as written, for counting tags (`p` is escaped for patterns)
        self._cell_tag = (b"<" + ns + b"c", b"<" + ns + b'c r="')
        self._formula = re.compile(rf"<{p}f(\s[^>]*?)?(/?)>")
        # a plain cell: reference, style and type only, and a value or an inline string (no formula);
        # the inline string never reaches past its own </is>
        value, inline = (
            (rb"<%sv>[^<]*</%sv>" % (b, b)),
            (rb"<%sis>[^<]*(?:<(?!/%sis>)[^<]*)*</%sis>" % (b, b, b)),
        )
        self._plain_cell = re.compile(
            rb'<%sc r="([A-Z]{1,3})(\d+)"(?: s="(\d+)")?(?: t="[a-zA-Z]+")?(?:/>|>(?:%s|%s)?</%sc>)'
            % (b, value, inline, b),
            re.S,
        )

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
            low, high = attr(attrs.decode(), "min"), attr(attrs.decode(), "max")
            if low and high and int(low) <= col <= int(high):
                return True
        return False

    def _grow_dimension(self, head: bytes) -> bytes:
        m = re.search(rb"""(<(?:\w+:)?dimension\s[^>]*?ref=["'])([^"']*)(["'])""", head)
        if not (self.edits or self.block is not None) or m is None:
            return head
        try:
            low_c, low_r, high_c, high_r = parse_ref(m[2].decode())
        except ValueError:
            return head
        rows = self.written_rows()
        if not len(rows):
            return head
        cols = {c for r in (rows[0], rows[-1]) for c in self._columns(r)} | {
            max(cells) for cells in self.edits.values() if cells
        }
        if self.block is not None:
            cols.add(self.block.cols[-1])
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
                    if any(low_c <= c <= high_c for c in self._columns(r)):
                        raise refuse(
                            self.sheet,
                            f"leadbook would write into the merged cells {ref.decode()}; "
                            "unmerge them in Excel (Home > Merge & Center), then run again",
                        )

    # -- rows and cells --------------------------------------------------------------------
    def written_rows(self) -> list[int]:
        """The rows given a value (not only blanks), ascending."""
        rows = {r for r, cells in self.edits.items() if any(v is not None for v in cells.values())}
        if self.block is not None:
            rows.update(self.block.rows[self.block.written()].tolist())
        return sorted(rows)

    def _new_rows(self, before: int | None) -> bytes:
        if before is None and self.block is not None and self._k < len(self.pending):
            at_once = self._block_new_rows()
            if at_once is not None:
                return at_once
        out = []
        while self._k < len(self.pending) and (before is None or self.pending[self._k] < before):
            out.append(self._new_row(self.pending[self._k]))
            self._k += 1
        return b"".join(out)

    def _block_new_rows(self) -> bytes | None:
        """The rows still to write after the sheet's last row, when all are block rows (an
        appended frame): each rendered as `_new_row` renders it, all at once; else None."""
        todo = np.array(self.pending[self._k :], dtype=np.int64)
        block = self.block
        where = np.minimum(np.searchsorted(block.rows, todo), len(block.rows) - 1)
        if (block.rows[where] != todo).any() or any(r in self.edits for r in todo.tolist()):
            return None
        texts = self._block_texts(where)
        p = self.prefix.encode()
        opens = b"<" + p + b'row r="' + todo.astype("S").astype(object) + b'">'
        rows = np.where(texts == b"", b"", opens + texts + b"</" + p + b"row>")
        self._k = len(self.pending)
        return b"".join(rows.tolist())


def _at_or_right_of(letters: str) -> bytes:
    """A regex matching column letters at or right of `letters` (e.g. "Q": Q..Z, or two or three letters)."""
    n = len(letters)
    options = [f"[A-Z]{{{n + 1},3}}"] if n < 3 else []
    for k, ch in enumerate(letters):
        if ch < "Z":
            options.append(f"{letters[:k]}[{chr(ord(ch) + 1)}-Z][A-Z]{{{n - k - 1}}}")
    options.append(letters)
    return ("(?:" + "|".join(options) + ")").encode()


def patch(chunks: Iterable[bytes], sheet: str, edits: Edits, **options) -> tuple[bytes, SheetPatch]:
    """The whole patched part in memory (for small sheets and tests) and the patch's findings."""
    patcher = SheetPatch(sheet, edits, **options)
    return b"".join(patcher.stream(chunks)), patcher
