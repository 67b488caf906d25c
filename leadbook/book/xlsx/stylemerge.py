"""Bring a scratch workbook's cell formats into a book's styles.xml without changing existing ones.

A grafted sheet's `s` indices belong to the scratch styles. Each used format is rebuilt from
its font, fill, border and number format, appended to the book's styles (an identical existing
entry is reused, so rebuilding a sheet does not grow styles.xml) and given its new index.
Scratch index 0 (and font 0, fills 0-1, border 0, cell style 0) mean "the default": they map to
the book's own defaults.
"""

from __future__ import annotations

import copy

from lxml import etree

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
# The schema's order of styleSheet children: a missing section is inserted at its place.
ORDER = (
    "numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs",
    "cellStyles", "dxfs", "tableStyles", "colors", "extLst",
)  # fmt: skip
FIRST_CUSTOM_FORMAT = 164
DEFAULTS = {"fonts": 1, "fills": 2, "borders": 1}  # entries every styles.xml starts with


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def parse(data: bytes) -> etree._Element:
    """A small part's XML tree (no entities, no network)."""
    return etree.fromstring(data, _PARSER)


def serialise(root: etree._Element) -> bytes:
    """A part's bytes as Excel writes them: UTF-8 with a standalone declaration."""
    etree.cleanup_namespaces(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _q(tag: str) -> str:
    return f"{{{MAIN}}}{tag}"


def key(element: etree._Element) -> tuple:
    """What an element means, for equality: tag, attributes (any order), children in order."""
    return (
        etree.QName(element).localname,
        tuple(sorted((etree.QName(k).localname, v) for k, v in element.attrib.items())),
        (element.text or "").strip(),
        tuple(key(child) for child in element if isinstance(child.tag, str)),
    )


class StyleMerge:
    """Map scratch style indices (xf, dxf) to indices in the book's styles.xml, appending as needed."""

    def __init__(self, book_styles: bytes, scratch_styles: bytes | None) -> None:
        self._original = book_styles
        self.book = parse(book_styles)
        self.scratch = parse(scratch_styles) if scratch_styles else None
        self.changed = False
        self._xfs: dict[int, int] = {}
        self._dxfs: dict[int, int] = {}

    def _section(self, root: etree._Element, name: str, create: bool = False) -> etree._Element | None:
        found = root.find(_q(name))
        if found is None and create:
            found = etree.Element(_q(name), count="0")
            later = [root.find(_q(n)) for n in ORDER[ORDER.index(name) + 1 :]]
            anchor = next((e for e in later if e is not None), None)
            if anchor is None:
                root.append(found)
            else:
                anchor.addprevious(found)
        return found

    def _entries(self, root: etree._Element, name: str) -> list[etree._Element]:
        section = self._section(root, name)
        return [] if section is None else [e for e in section if isinstance(e.tag, str)]

    def _place(self, name: str, element: etree._Element) -> int:
        """Index of an entry equal to `element` in the book's section, appending it if absent."""
        wanted = key(element)
        entries = self._entries(self.book, name)
        for i, entry in enumerate(entries):
            if key(entry) == wanted:
                return i
        section = self._section(self.book, name, create=True)
        section.append(element)
        section.set("count", str(len(entries) + 1))
        self.changed = True
        return len(entries)

    def _component(self, name: str, index: int) -> int:
        if index < DEFAULTS[name]:
            return index
        return self._place(name, _copy(self._entries(self.scratch, name)[index]))

    def _number_format(self, format_id: int) -> int:
        if format_id < FIRST_CUSTOM_FORMAT:
            return format_id
        codes = {int(e.get("numFmtId")): e.get("formatCode") for e in self._entries(self.scratch, "numFmts")}
        code = codes[format_id]
        book = self._entries(self.book, "numFmts")
        for entry in book:
            if entry.get("formatCode") == code:
                return int(entry.get("numFmtId"))
        new_id = max([FIRST_CUSTOM_FORMAT - 1] + [int(e.get("numFmtId")) for e in book]) + 1
        section = self._section(self.book, "numFmts", create=True)
        etree.SubElement(section, _q("numFmt"), numFmtId=str(new_id), formatCode=code)
        section.set("count", str(len(book) + 1))
        self.changed = True
        return new_id

    def xf(self, index: int) -> int:
        """The book's cellXfs index for the scratch's cellXfs `index`."""
        if index == 0 or self.scratch is None:
            return 0
        if index not in self._xfs:
            xf = _copy(self._entries(self.scratch, "cellXfs")[index])
            xf.set("numFmtId", str(self._number_format(int(xf.get("numFmtId", "0")))))
            for attr, section in (("fontId", "fonts"), ("fillId", "fills"), ("borderId", "borders")):
                xf.set(attr, str(self._component(section, int(xf.get(attr, "0")))))
            xf.set("xfId", "0")
            self._xfs[index] = self._place("cellXfs", xf)
        return self._xfs[index]

    def dxf(self, index: int) -> int:
        """The book's dxfs index for the scratch's dxfs `index` (conditional formats, tables)."""
        if index not in self._dxfs:
            self._dxfs[index] = self._place("dxfs", _copy(self._entries(self.scratch, "dxfs")[index]))
        return self._dxfs[index]

    def result(self) -> bytes | None:
        """The book's new styles.xml, or None when nothing had to be added."""
        return serialise(self.book) if self.changed else None


def _copy(element: etree._Element) -> etree._Element:
    return copy.deepcopy(element)
