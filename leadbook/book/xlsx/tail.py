"""Edit the part of a worksheet after `</sheetData>`: add children at their schema position.

A worksheet's children have a fixed order (CT_Worksheet); Excel refuses a file where, say,
`conditionalFormatting` comes after `dataValidations`. Only the top-level elements are
located (elements nested in `customSheetViews` or `extLst` are skipped), everything else
passes through byte for byte. Adopt uses `add_data_validations`, refresh `add_conditional_formatting`.
"""

from __future__ import annotations

import re

MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
# CT_Worksheet children that may follow sheetData, in schema order.
AFTER_SHEET_DATA = (
    "sheetCalcPr", "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState",
    "dataConsolidate", "customSheetViews", "mergeCells", "phoneticPr", "conditionalFormatting",
    "dataValidations", "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter",
    "rowBreaks", "colBreaks", "customProperties", "cellWatches", "ignoredErrors", "smartTags",
    "drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
    "webPublishItems", "tableParts", "extLst",
)  # fmt: skip
_TAG = re.compile(
    rb"<(/?)([A-Za-z_][\w.:-]*)((?:\s+[^\s=>/]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>"
    rb"|<!--.*?-->|<\?.*?\?>",
    re.S,
)


def top_level(tail: bytes) -> list[tuple[str, int, int]]:
    """(local name, start, end) of each top-level element in the bytes after `</sheetData>`."""
    found: list[tuple[str, int, int]] = []
    depth, start, name = 0, 0, ""
    for m in _TAG.finditer(tail):
        if m[2] is None:  # comment or processing instruction
            continue
        local = m[2].decode().rsplit(":", 1)[-1]
        if m[1]:  # closing tag
            if depth == 0:  # </worksheet>
                break
            depth -= 1
            if depth == 0:
                found.append((name, start, m.end()))
        elif depth == 0:
            start, name = m.start(), local
            if m[4]:
                found.append((name, start, m.end()))
            else:
                depth = 1
        elif not m[4]:
            depth += 1
    return found


def _with_namespace(fragment: bytes, prefix: str) -> bytes:
    """A fragment written unprefixed, valid inside a worksheet whose main namespace has a prefix."""
    if not prefix:
        return fragment
    end = re.match(rb"<[\w]+", fragment).end()
    return fragment[:end] + b' xmlns="' + MAIN_NS + b'"' + fragment[end:]


def insert_child(tail: bytes, name: str, fragment: bytes, prefix: str = "") -> bytes:
    """Insert `fragment` (an element called `name`) after any existing ones, before later children."""
    later = set(AFTER_SHEET_DATA[AFTER_SHEET_DATA.index(name) + 1 :])
    elements = top_level(tail)
    at = next((start for local, start, _ in elements if local in later), None)
    if at is None:
        at = tail.rindex(b"</")  # the closing </worksheet>
    return tail[:at] + _with_namespace(fragment, prefix) + tail[at:]


def find_children(tail: bytes, name: str) -> list[bytes]:
    """The top-level elements called `name`, as bytes."""
    return [tail[start:end] for local, start, end in top_level(tail) if local == name]


def add_conditional_formatting(tail: bytes, fragments: list[bytes], prefix: str = "") -> bytes:
    """Add `<conditionalFormatting>` elements after the sheet's own ones."""
    for fragment in fragments:
        tail = insert_child(tail, "conditionalFormatting", fragment, prefix)
    return tail


def add_data_validations(tail: bytes, items: list[bytes], prefix: str = "") -> bytes:
    """Add `<dataValidation>` items: into the existing `<dataValidations>` (count kept right) or a new one."""
    if not items:
        return tail
    for local, start, end in top_level(tail):
        if local != "dataValidations":
            continue
        block = tail[start:end]
        if block.endswith(b"/>"):  # <dataValidations count="0"/>
            block = block[:-2] + b"></dataValidations>"
        count = len(re.findall(rb"<(?:\w+:)?dataValidation[\s/>]", block)) + len(items)
        close = block.rindex(b"</")
        body = b"".join(_with_namespace(i, prefix) for i in items)
        block = block[:close] + body + block[close:]
        block = re.sub(rb"""(<[\w:]*dataValidations\b[^>]*?)\scount=["']\d+["']""", rb"\1", block, count=1)
        block = re.sub(rb"(<[\w:]*dataValidations\b)", rb'\1 count="%d"' % count, block, count=1)
        return tail[:start] + block + tail[end:]
    fragment = b'<dataValidations count="%d">' % len(items) + b"".join(items) + b"</dataValidations>"
    return insert_child(tail, "dataValidations", fragment, prefix)


def dropdown(sqref: str, choices: tuple[str, ...] | list[str], title: str) -> bytes:
    """A list `<dataValidation>` as `install.ensure_dropdowns` makes it (a warning, blanks allowed)."""
    from html import escape

    listed = escape(",".join(choices), quote=False)
    error = escape(f"Pick one of: {', '.join(choices)}")
    return (
        f'<dataValidation type="list" errorStyle="warning" allowBlank="1" showErrorMessage="1" '
        f'errorTitle="{escape(title)}" error="{error}" sqref="{sqref}">'
        f'<formula1>"{listed}"</formula1></dataValidation>'
    ).encode()
