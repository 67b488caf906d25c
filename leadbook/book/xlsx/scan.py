"""Quick looks into a worksheet part without patching it: its first rows, where its data ends.

Both stream the inflated part and stop as early as they can; neither builds a tree.
"""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from leadbook.book.xlsx.cells import column_number

_ROOT = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?worksheet[\s>]")
_SHEET_DATA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheetData(?:\s[^>]*?)?(/?)>")
_CELL = re.compile(r"<(?:\w+:)?c(\s[^>]*?)?(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_TEXT = re.compile(r"<(?:\w+:)?t(?:\s[^>]*)?>(.*?)</(?:\w+:)?t>|<(?:\w+:)?t\s*/>", re.S)
_PHONETIC = re.compile(r"<(?:\w+:)?rPh\b.*?</(?:\w+:)?rPh>", re.S)
_R = re.compile(rb"""\sr=["'](\d+)["']""")


def segments(chunks: Iterable[bytes], tail: list[bytes] | None = None) -> Iterator[tuple[bytes, bytes]]:
    """(namespace prefix, run of complete rows) for the part's sheetData, in order; with `tail`,
    the bytes after the sheetData (conditional formats, validations, extLst) are added to it."""
    it = iter(chunks)
    buf, m = b"", None
    for chunk in it:
        buf += chunk
        m = _SHEET_DATA.search(buf)
        if m:
            break
    if m is None or m[1]:
        if m is not None and tail is not None:
            tail += [buf[m.end() :], *it]
        return
    root = _ROOT.search(buf, 0, m.start())
    p = (root[1] + b":") if root and root[1] else b""
    end_row, end_data = b"</" + p + b"row>", b"</" + p + b"sheetData>"
    buf = buf[m.end() :]
    while True:
        stop = buf.find(end_data)
        if stop != -1:
            yield p, buf[:stop]
            if tail is not None:
                tail += [buf[stop + len(end_data) :], *it]
            return
        cut = buf.rfind(end_row)
        if cut != -1:
            yield p, buf[: cut + len(end_row)]
            buf = buf[cut + len(end_row) :]
        chunk = next(it, None)
        if chunk is None:
            return
        buf += chunk


def _rows(p: bytes, seg: bytes) -> Iterator[tuple[int, bytes]]:
    """(row number, row content) of each row in a run (rows without a number are skipped)."""
    pattern = rb"<" + re.escape(p) + rb"row(\s[^>]*?)?(?:/>|>(.*?)</" + re.escape(p) + rb"row>)"
    for row in re.finditer(pattern, seg, re.S):
        r = _R.search(row[1] or b"")
        if r is not None:
            yield int(r[1]), row[2] or b""


def _cell_value(attrs: str, inner: str) -> tuple[str, str] | None:
    kind = re.search(r"""\st=["'](\w+)["']""", attrs)
    kind = kind[1] if kind else "n"
    if kind == "inlineStr":
        text = "".join(t or "" for t in _TEXT.findall(_PHONETIC.sub("", inner)))
        return ("str", html.unescape(text))
    v = re.search(r"<(?:\w+:)?v>(.*?)</(?:\w+:)?v>", inner, re.S)
    if v is None:
        return None
    return (kind, html.unescape(v[1]))


def leading_rows(chunks: Iterable[bytes], upto: int) -> dict[int, dict[int, tuple[str, str]]]:
    """Raw values of rows 1..upto: row -> column -> (type, text); type "s" is a shared-string index."""
    rows: dict[int, dict[int, tuple[str, str]]] = {}
    for p, seg in segments(chunks):
        for r, content in _rows(p, seg):
            if r > upto:
                return rows
            cells = rows.setdefault(r, {})
            for cell in _CELL.finditer(content.decode()):
                ref = re.search(r"""\sr=["']([A-Z]+)\d+["']""", cell[1] or "")
                value = _cell_value(cell[1] or "", cell[2] or "")
                if ref and value is not None:
                    cells[column_number(ref[1])] = value
    return rows


_SI = re.compile(rb"<(?:\w+:)?si\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?si>)", re.S)


@dataclass
class StringTable:
    """The <si> bodies of one sharedStrings.xml read so far (`end`: the inflated offset after the
    last one; `done`: the part is read to its end)."""

    bodies: list[bytes | None] = field(default_factory=list)
    end: int = 0
    done: bool = False

    def extend(self, chunks: Iterable[bytes], last: int) -> None:
        """Read on from `end` until index `last` is in hand (or the part ends)."""
        buf, skip = b"", self.end
        for chunk in chunks:
            if skip >= len(chunk):  # read before: inflated again, not parsed again
                skip -= len(chunk)
                continue
            buf += chunk[skip:] if skip else chunk
            skip, pos = 0, 0
            for m in _SI.finditer(buf):
                self.bodies.append(m[1])
                pos = m.end()
                if len(self.bodies) > last:
                    self.end += pos
                    return
            self.end += pos
            buf = buf[pos:]
        self.done = True


_TABLES: dict[tuple, StringTable] = {}  # the last book's table, by its member's fingerprint
_TABLES_LOCK = threading.Lock()  # a look may run on a reading thread (filebook's prefetch)


def shared_strings(chunks: Iterable[bytes], wanted: set[int], key: tuple | None = None) -> dict[int, str]:
    """The texts of the wanted shared-string indices, reading sharedStrings.xml only as far as needed.

    With `key` (what identifies the unchanged part: its file, size, CRC) what was read is kept, so
    the next look into the same book (another sheet's header) reads on from there, not again from
    the start: a long table's regex pass is paid once per book, not once per look.
    """
    if not wanted:
        return {}
    with _TABLES_LOCK:
        table = _TABLES.get(key) if key is not None else None
        if table is None:
            table = StringTable()
            if key is not None:
                _TABLES.clear()
                _TABLES[key] = table
        last = max(wanted)
        if last >= len(table.bodies) and not table.done:
            table.extend(chunks, last)
    found: dict[int, str] = {}
    for index in wanted:
        if index < len(table.bodies):
            body = _PHONETIC.sub("", (table.bodies[index] or b"").decode())
            found[index] = html.unescape("".join(t or "" for t in _TEXT.findall(body)))
    return found


def _last_filled(p: bytes, seg: bytes) -> int | None:
    """The number of the last row in a run holding a value (one search from the end)."""
    hit = max(seg.rfind(b"<" + p + b"v>"), seg.rfind(b"<" + p + b"is>"))
    if hit == -1:
        return None
    start = seg.rfind(b"<" + p + b"row", 0, hit)
    return int(_R.search(seg, start)[1])


def filled_extent(chunks: Iterable[bytes], table_end: int | None) -> tuple[int, int | None]:
    """(last row holding a value, up to `table_end` if given; first row below `table_end` holding one)."""
    last_in = 0
    for p, seg in segments(chunks):
        found = _last_filled(p, seg)
        if found is None:
            continue
        if table_end is None or found <= table_end:
            last_in = found
            continue
        for r, content in _rows(p, seg):
            if b"<" + p + b"v>" in content or b"<" + p + b"is>" in content:
                if r > table_end:
                    return last_in, r
                last_in = r
    return last_in, None
