"""The few cell formats leadbook needs, added to styles.xml once; existing indices never change.

Works on the part's bytes: new `<xf>`, `<numFmt>` and `<dxf>` elements are appended (and
their container's `count` updated); an identical one already there is reused, so writing
the same book again does not grow styles.xml. Everything else stays byte for byte.
"""

from __future__ import annotations

import re
from html import escape as attr_escape

from leadbook.book.xlsx.tail import MAIN_NS

DATE_FORMAT = "yyyy-mm-dd"
# Built-in number formats that are dates or times (ECMA-376 18.8.30, with the CJK ones).
_BUILTIN_DATES = {*range(14, 23), *range(27, 37), 45, 46, 47, *range(50, 59)}
_XF = re.compile(rb"<(?:\w+:)?xf\b[^>]*?(?:/>|>.*?</(?:\w+:)?xf>)", re.S)
_DXF = re.compile(rb"<(?:\w+:)?dxf\b[^>]*?(?:/>|>.*?</(?:\w+:)?dxf>)", re.S)
_NUMFMT = re.compile(rb"""<(?:\w+:)?numFmt\s[^>]*?numFmtId=["'](\d+)["'][^>]*?formatCode=["']([^"']*)["']""")
# Elements that follow dxfs in a styleSheet (dxfs goes before the first one present).
_AFTER_DXFS = ("tableStyles", "colors", "extLst")


def is_date_code(code: str) -> bool:
    """True when a number format code shows a date or time (quoted text and [colours] ignored)."""
    plain = re.sub(r'"[^"]*"|\\.|\[(?!h\]|m\]|s\])[^\]]*\]', "", code).lower()
    return plain != "general" and bool(re.search(r"[dmyhs]", plain))


def _unescape(text: str) -> str:
    return (
        text.replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )


def _key(element: bytes) -> tuple:
    """An element compared by its attributes (in any order) and its content."""
    opening, _, rest = element.partition(b">")
    attrs = tuple(sorted(re.findall(rb"""(\S+?)=["']([^"']*)["']""", opening)))
    return attrs, rest.lstrip(b"/")


def _container(xml: bytes, name: str) -> re.Match[bytes] | None:
    return re.search(rb"<(?:\w+:)?" + name.encode() + rb"\b([^>]*?)(/?)>", xml)


class Styles:
    """styles.xml as bytes, with the date and highlight formats leadbook adds."""

    def __init__(self, xml: bytes) -> None:
        self.xml = xml
        self.changed = False
        root = re.search(rb"<(?:(\w+):)?styleSheet[\s>]", xml)
        self._prefixed = bool(root and root[1])
        self.formats = {int(i): _unescape(c.decode()) for i, c in _NUMFMT.findall(xml)}
        self._dates: dict[int | None, int] = {}
        self._xfs: list[bytes] | None = None

    # -- reading ---------------------------------------------------------------------------
    def _block(self, name: str) -> tuple[int, int] | None:
        """Start and end of the inside of a container element (None if absent or empty)."""
        m = _container(self.xml, name)
        if m is None or m[2]:
            return None
        close = re.compile(rb"</(?:\w+:)?" + name.encode() + rb">").search(self.xml, m.end())
        return m.end(), close.start()

    def cell_xfs(self) -> list[bytes]:
        """Each `<xf>` of cellXfs, by style index."""
        if self._xfs is None:
            span = self._block("cellXfs")
            self._xfs = _XF.findall(self.xml, *span) if span else []
        return self._xfs

    def number_format(self, style: int | None) -> int:
        xfs = self.cell_xfs()
        if style is None or style >= len(xfs):
            return 0
        m = re.search(rb"""numFmtId=["'](\d+)["']""", xfs[style].split(b">", 1)[0])
        return int(m[1]) if m else 0

    def is_date(self, style: int | None) -> bool:
        fmt = self.number_format(style)
        return fmt in _BUILTIN_DATES or is_date_code(self.formats.get(fmt, "General"))

    def date_format_id(self) -> int:
        """The tracker's own date format (the first style that uses one), else yyyy-mm-dd (added)."""
        for i in range(1, len(self.cell_xfs())):
            if self.is_date(i):
                return self.number_format(i)
        for fmt_id, code in self.formats.items():
            if code == DATE_FORMAT:
                return fmt_id
        return self._add_number_format(DATE_FORMAT)

    # -- adding ----------------------------------------------------------------------------
    def date_style(self, style: int | None) -> int:
        """A style like `style` showing a date: itself if it already does, else a clone (added once)."""
        if style not in self._dates:
            if self.is_date(style):
                self._dates[style] = style or 0
            else:
                self._dates[style] = self._date_clone(style)
        return self._dates[style]

    def _date_clone(self, style: int | None) -> int:
        xfs = self.cell_xfs()
        base = (
            xfs[style] if style is not None and style < len(xfs) else xfs[0] if xfs else b'<xf numFmtId="0"/>'
        )
        fmt = self.date_format_id()
        opening = base.split(b">", 1)[0]
        closing = base[len(opening) :]
        if opening.endswith(b"/"):  # a self-closing <xf .../>
            opening, closing = opening[:-1], b"/" + closing
        opening = re.sub(rb"""\s(?:numFmtId|applyNumberFormat)=["'][^"']*["']""", b"", opening.rstrip())
        return self.add_xf(opening + b' numFmtId="%d" applyNumberFormat="1"' % fmt + closing)

    def add_xf(self, xf: bytes) -> int:
        """The index of an identical cellXfs entry, appending `xf` when there is none."""
        xfs = self.cell_xfs()
        keys = [_key(x) for x in xfs]
        if _key(xf) in keys:
            return keys.index(_key(xf))
        self._append("cellXfs", xf, len(xfs) + 1)
        return len(xfs)

    def add_dxf(self, dxf: bytes) -> int:
        """The index of an identical dxf (a conditional format's look), appending it when there is none."""
        span = self._block("dxfs")
        dxfs = _DXF.findall(self.xml, *span) if span else []
        fragment = self._ns(dxf)
        if fragment in dxfs:
            return dxfs.index(fragment)
        if _container(self.xml, "dxfs") is None:
            at = next((m.start() for n in _AFTER_DXFS if (m := _container(self.xml, n))), None)
            at = at if at is not None else self.xml.rindex(b"</")
            self.xml = self.xml[:at] + self._ns(b'<dxfs count="0"/>') + self.xml[at:]
        self._append("dxfs", fragment, len(dxfs) + 1)
        return len(dxfs)

    def _add_number_format(self, code: str) -> int:
        fmt_id = max([163, *self.formats]) + 1
        fragment = self._ns(b'<numFmt numFmtId="%d" formatCode="%s"/>' % (fmt_id, attr_escape(code).encode()))
        if _container(self.xml, "numFmts") is None:
            root = re.search(rb"<(?:\w+:)?styleSheet\b[^>]*>", self.xml)
            self.xml = self.xml[: root.end()] + self._ns(b'<numFmts count="0"/>') + self.xml[root.end() :]
        self._append("numFmts", fragment, len(self.formats) + 1)
        self.formats[fmt_id] = code
        return fmt_id

    def _append(self, name: str, fragment: bytes, count: int) -> None:
        """Put `fragment` last inside container `name` (expanding `<name/>`) and set its count."""
        m = _container(self.xml, name)
        tag = m[0][:-2] if m[2] else m[0][:-1]
        tag = re.sub(rb"""\scount=["']\d+["']""", b"", tag) + b' count="%d">' % count
        if m[2]:
            prefix = re.match(rb"<(\w+:)?", m[0])[1] or b""
            rest = fragment + b"</" + prefix + name.encode() + b">"
            self.xml = self.xml[: m.start()] + tag + rest + self.xml[m.end() :]
        else:
            close = self._block(name)[1]
            self.xml = self.xml[: m.start()] + tag + self.xml[m.end() : close] + fragment + self.xml[close:]
        self.changed = True
        self._xfs = None

    def _ns(self, fragment: bytes) -> bytes:
        if not self._prefixed:
            return fragment
        end = re.match(rb"<\w+", fragment).end()
        return fragment[:end] + b' xmlns="' + MAIN_NS + b'"' + fragment[end:]
