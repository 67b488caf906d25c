"""Add a whole sheet from a scratch workbook to a book's package, or replace a sheet leadbook owns.

The scratch workbook (written by openpyxl, one sheet already carrying its final name, so chart
series formulas point at it) gives the sheet part and everything it reaches: drawing, charts,
tables. They are renamed to the book's lowest free part numbers (one old -> new map, built
first), their styles merged into the book's styles.xml, their shared strings made inline (the
book's sharedStrings.xml is left as it was), and wired in: a workbook rel, a `<sheet>`,
content-type Overrides. Every part not named here keeps its bytes.
"""

from __future__ import annotations

import copy
import io
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol

from lxml import etree

from leadbook.book.xlsx.stylemerge import StyleMerge, parse, serialise
from leadbook.book.xlsx.workbook import rels_name, resolve
from leadbook.core.problems import LeadbookError

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
WORKSHEET = DOC_REL + "/worksheet"
SHARED_STRINGS = DOC_REL + "/sharedStrings"
STYLES = DOC_REL + "/styles"
CALC_CHAIN = DOC_REL + "/calcChain"
OFFICE_DOCUMENT = DOC_REL + "/officeDocument"
R_ID = f"{{{DOC_REL}}}id"
CONTENT_TYPES = "[Content_Types].xml"
STYLES_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"


class Parts(Protocol):
    """The package members a graft reads and changes (the book's Package, or a scratch zip)."""

    def names(self) -> Iterable[str]: ...

    def read(self, name: str) -> bytes: ...

    def write(self, name: str, data: bytes) -> None: ...

    def remove(self, name: str) -> None: ...


class MemoryParts:
    """A small package held in memory: the scratch workbook leadbook just rendered."""

    def __init__(self, members: dict[str, bytes]) -> None:
        self.members = members

    @classmethod
    def from_zip(cls, data: bytes) -> MemoryParts:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return cls({i.filename: z.read(i) for i in z.infolist() if not i.is_dir()})

    def names(self) -> list[str]:
        return list(self.members)

    def read(self, name: str) -> bytes:
        return self.members[name]

    def write(self, name: str, data: bytes) -> None:
        self.members[name] = data

    def remove(self, name: str) -> None:
        self.members.pop(name, None)

    def save(self, path: Path) -> None:
        """Write the members as a zip (deflated; the order kept, new members last)."""
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
            for name, data in self.members.items():
                z.writestr(name, data)


def edit(source: Path, target: Path, change: Callable[[Parts], None]) -> set[str]:
    """Write `target` as `source` with `change` applied; returns the parts written or removed.

    Every other member is copied as its compressed bytes (never inflated and deflated again).
    """
    from leadbook.book.xlsx.zipparts import ZipParts

    parts = ZipParts(Path(source))
    try:
        change(parts)
        parts.save(target)
        return parts.changed()
    finally:
        parts.close()


def q(tag: str, ns: str = MAIN) -> str:
    return f"{{{ns}}}{tag}"


def relations(parts: Parts, part: str, names: set[str] | None = None) -> list[etree._Element]:
    """The part's Relationship elements (empty when it has no .rels)."""
    rels = rels_name(part)
    if rels not in (names if names is not None else set(parts.names())):
        return []
    return list(parse(parts.read(rels)).iter(q("Relationship", PKG_REL)))


def internal_targets(parts: Parts, part: str, names: set[str]) -> list[str]:
    return [
        resolve(part, r.get("Target"))
        for r in relations(parts, part, names)
        if r.get("TargetMode") != "External" and resolve(part, r.get("Target")) in names
    ]


def reachable(parts: Parts, starts: Iterable[str], skip: frozenset[str] = frozenset()) -> list[str]:
    """Parts reached from `starts` through internal relationships, in visiting order."""
    names = set(parts.names())
    seen: list[str] = []
    todo = [p for p in starts if p not in skip]
    while todo:
        part = todo.pop(0)
        if part in seen:
            continue
        seen.append(part)
        todo += [t for t in internal_targets(parts, part, names) if t not in seen and t not in skip]
    return seen


def workbook_part(parts: Parts) -> str:
    for rel in relations(parts, ""):
        if rel.get("Type") == OFFICE_DOCUMENT:
            return resolve("", rel.get("Target"))
    raise LeadbookError("the file has no workbook part; it is not an Excel workbook")


def free_name(part: str, taken: set[str]) -> str:
    """The lowest-numbered free name in the part's series: xl/charts/chart7.xml -> chart1.xml..."""
    match = re.fullmatch(r"(.*?)(\d*)(\.[^./]+)", part)
    stem, ext = (match.group(1), match.group(3)) if match else (part, "")
    n = 1
    while f"{stem}{n}{ext}" in taken:
        n += 1
    return f"{stem}{n}{ext}"


class ContentTypes:
    """[Content_Types].xml: which content type each part has; Overrides added and removed."""

    def __init__(self, data: bytes) -> None:
        self.root = parse(data)

    def of(self, part: str) -> str | None:
        for e in self.root.iter(q("Override", CT)):
            if e.get("PartName").lstrip("/").lower() == part.lower():
                return e.get("ContentType")
        ext = part.rsplit(".", 1)[-1].lower()
        for e in self.root.iter(q("Default", CT)):
            if e.get("Extension").lower() == ext:
                return e.get("ContentType")
        return None

    def add(self, part: str, content_type: str) -> None:
        if self.of(part) != content_type:
            etree.SubElement(self.root, q("Override", CT), PartName="/" + part, ContentType=content_type)

    def remove(self, part: str) -> None:
        for e in list(self.root.iter(q("Override", CT))):
            if e.get("PartName").lstrip("/").lower() == part.lower():
                self.root.remove(e)

    def bytes(self) -> bytes:
        return serialise(self.root)


class Workbook:
    """workbook.xml and its rels, for the edits a graft makes: sheets, names, views."""

    def __init__(self, parts: Parts) -> None:
        self.parts = parts
        self.part = workbook_part(parts)
        self.root = parse(parts.read(self.part))
        self.rels = parse(parts.read(rels_name(self.part)))
        self.sheets = self.root.find(q("sheets"))

    def target(self, rel_id: str) -> str | None:
        for rel in self.rels.iter(q("Relationship", PKG_REL)):
            if rel.get("Id") == rel_id:
                return resolve(self.part, rel.get("Target"))
        return None

    def rel_type(self, rel_id: str) -> str | None:
        for rel in self.rels.iter(q("Relationship", PKG_REL)):
            if rel.get("Id") == rel_id:
                return rel.get("Type")
        return None

    def of_type(self, rel_type: str) -> str | None:
        for rel in self.rels.iter(q("Relationship", PKG_REL)):
            if rel.get("Type") == rel_type:
                return resolve(self.part, rel.get("Target"))
        return None

    def position(self, name: str) -> int | None:
        for i, sheet in enumerate(self.sheets):
            if sheet.get("name", "").lower() == name.lower():
                return i
        return None

    def add_rel(self, rel_type: str, part: str) -> str:
        ids = {r.get("Id") for r in self.rels.iter(q("Relationship", PKG_REL))}
        n = 1
        while f"rId{n}" in ids:
            n += 1
        target = posixpath.relpath(part, posixpath.dirname(self.part))
        etree.SubElement(self.rels, q("Relationship", PKG_REL), Id=f"rId{n}", Type=rel_type, Target=target)
        return f"rId{n}"

    def drop_rel(self, rel_id: str) -> None:
        for rel in list(self.rels.iter(q("Relationship", PKG_REL))):
            if rel.get("Id") == rel_id:
                self.rels.remove(rel)

    def shift_tabs(self, position: int, delta: int, views: bool) -> None:
        """Keep tab-position references (scoped names, and the active/first tab) on their sheets."""
        names = self.root.find(q("definedNames"))
        for name in list(names) if names is not None else []:
            scope = name.get("localSheetId")
            if scope is None:
                continue
            if delta < 0 and int(scope) == position:
                names.remove(name)  # a name of the removed sheet goes with it
            elif int(scope) >= position + (1 if delta < 0 else 0):
                name.set("localSheetId", str(int(scope) + delta))
        if names is not None and len(names) == 0:
            self.root.remove(names)
        for view in self.root.iter(q("workbookView")) if views else ():
            for attr in ("activeTab", "firstSheet"):
                value = int(view.get(attr, "0"))
                if value > position or (delta > 0 and value == position):
                    view.set(attr, str(max(0, value + delta)))
            if int(view.get("activeTab", "0")) >= len(self.sheets):
                view.set("activeTab", str(max(0, len(self.sheets) - 1)))

    def save(self) -> None:
        self.parts.write(self.part, serialise(self.root))
        self.parts.write(rels_name(self.part), serialise(self.rels))


def remove_sheet(
    parts: Parts, name: str, *, views: bool = True, titles: bool = True
) -> dict[str, str] | None:
    """Take a sheet out with every part only it reaches; returns its `<sheet>` attributes."""
    book = Workbook(parts)
    position = book.position(name)
    if position is None:
        return None
    element = book.sheets[position]
    sheet_part = book.target(element.get(R_ID))
    mine = set(reachable(parts, [sheet_part]))
    others = set(reachable(parts, [book.part], skip=frozenset({sheet_part})))
    attributes = {k: v for k, v in element.attrib.items() if k in ("name", "state")}
    if b'tabSelected="1"' in parts.read(sheet_part):
        attributes["selected"] = "1"
    types = ContentTypes(parts.read(CONTENT_TYPES))
    names = set(parts.names())
    for part in mine - others:
        for member in (part, rels_name(part)):
            if member in names:
                parts.remove(member)
                types.remove(member)
    book.sheets.remove(element)
    book.drop_rel(element.get(R_ID))
    book.shift_tabs(position, -1, views)
    _drop_calc_chain_entries(parts, book, types, element.get("sheetId"))
    if titles:
        _app_titles(parts, book)
    book.save()
    parts.write(CONTENT_TYPES, types.bytes())
    attributes["position"] = str(position)
    return attributes


def _drop_calc_chain_entries(parts: Parts, book: Workbook, types: ContentTypes, sheet_id: str) -> None:
    """calcChain lists formula cells by sheetId (`i` carries over from the previous entry)."""
    chain_part = book.of_type(CALC_CHAIN)
    if chain_part is None or chain_part not in set(parts.names()):
        return
    root = parse(parts.read(chain_part))
    current, dropped = None, False
    for cell in list(root):
        current = cell.get("i", current)
        cell.set("i", current or "0")
        if current == sheet_id:
            root.remove(cell)
            dropped = True
    if not dropped:
        return
    if len(root):
        parts.write(chain_part, serialise(root))
        return
    parts.remove(chain_part)
    types.remove(chain_part)
    for rel in list(book.rels.iter(q("Relationship", PKG_REL))):
        if rel.get("Type") == CALC_CHAIN:
            book.rels.remove(rel)


EXTENDED = DOC_REL + "/extended-properties"
VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
APP = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"


def _app_titles(parts: Parts, book: Workbook) -> None:
    """Excel's docProps/app.xml lists worksheet titles in tab order; keep it true (else leave it)."""
    app = next(
        (resolve("", r.get("Target")) for r in relations(parts, "") if r.get("Type") == EXTENDED), None
    )
    if app is None or app not in set(parts.names()):
        return
    root = parse(parts.read(app))
    pairs, titles = (
        root.find(f"{{{APP}}}HeadingPairs/{{{VT}}}vector"),
        root.find(f"{{{APP}}}TitlesOfParts/{{{VT}}}vector"),
    )
    if pairs is None or titles is None:
        return
    variants = [v[0] for v in pairs if len(v)]
    offset = 0
    for label, count in zip(variants[::2], variants[1::2], strict=False):
        if label.text == "Worksheets":
            break
        offset += int(count.text)
    else:
        return
    worksheets = [s.get("name") for s in book.sheets if book.rel_type(s.get(R_ID)) == WORKSHEET]
    entries = list(titles)
    old = [e.text for e in entries[offset : offset + int(count.text)]]
    if old == worksheets:
        return
    for e in entries[offset : offset + int(count.text)]:
        titles.remove(e)
    for i, name in enumerate(worksheets):
        element = etree.Element(f"{{{VT}}}lpstr")
        element.text = name
        titles.insert(offset + i, element)
    count.text = str(len(worksheets))
    titles.set("size", str(len(titles)))
    parts.write(app, serialise(root))


TABLE_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"


def sheet_name(parts: Parts, name: str) -> str | None:
    """The book's own spelling of a sheet name (matched without case), None if absent."""
    book = Workbook(parts)
    position = book.position(name)
    return None if position is None else book.sheets[position].get("name")


def replace_sheet(parts: Parts, scratch: bytes) -> None:
    """Put the scratch workbook's sheet in place of the book's sheet of that name (or at the end)."""
    name = Workbook(MemoryParts.from_zip(scratch)).sheets[0].get("name")
    old = remove_sheet(parts, name, views=False, titles=False)
    if old is None:
        add_sheet(parts, scratch)
        return
    add_sheet(
        parts, scratch, int(old["position"]), state=old.get("state"), selected="selected" in old, views=False
    )


def add_sheet(
    parts: Parts,
    scratch: bytes,
    position: int | None = None,
    *,
    state: str | None = None,
    selected: bool = False,
    views: bool = True,
) -> str:
    """Graft the scratch workbook's only sheet (with what it reaches) into the book; returns its part."""
    source = MemoryParts.from_zip(scratch)
    origin = Workbook(source)
    sheet = origin.sheets[0]
    book = Workbook(parts)
    if book.position(sheet.get("name")) is not None:
        raise LeadbookError(
            f"the workbook already has a sheet named {sheet.get('name')!r}", sheet.get("name")
        )
    start = origin.target(sheet.get(R_ID))
    grafted = reachable(source, [start])
    taken = set(parts.names())
    renamed: dict[str, str] = {}
    for old in grafted:  # the whole map first: chained renames once pointed two charts at one part
        renamed[old] = free_name(old, taken)
        taken |= {renamed[old], rels_name(renamed[old])}
    types, scratch_types = ContentTypes(parts.read(CONTENT_TYPES)), ContentTypes(source.read(CONTENT_TYPES))
    styles = _styles(parts, book, source, origin)
    strings = _shared_strings(source, origin)
    tables = _TableNames(parts, types)
    for old, new in renamed.items():
        data, content_type = source.read(old), scratch_types.of(old)
        if old == start:
            data = _adapt_sheet(data, strings, styles, selected)
        elif content_type == TABLE_TYPE:
            data = tables.adapt(data, styles)
        parts.write(new, data)
        types.add(new, content_type or "application/xml")
        if rels_name(old) in source.members:
            parts.write(rels_name(new), _retarget(source.read(rels_name(old)), old, new, renamed))
    styles_xml = styles.result()
    if styles_xml is not None:
        parts.write(book.of_type(STYLES), styles_xml)
    element = etree.Element(q("sheet"), name=sheet.get("name"))
    ids = [int(s.get("sheetId")) for s in book.sheets]
    element.set("sheetId", str(max(ids, default=0) + 1))
    if state and state != "visible":
        element.set("state", state)
    element.set(R_ID, book.add_rel(WORKSHEET, renamed[start]))
    position = len(book.sheets) if position is None else position
    book.sheets.insert(position, element)
    book.shift_tabs(position, +1, views)
    _app_titles(parts, book)
    book.save()
    parts.write(CONTENT_TYPES, types.bytes())
    return renamed[start]


def _styles(parts: Parts, book: Workbook, source: MemoryParts, origin: Workbook) -> StyleMerge:
    book_styles = book.of_type(STYLES)
    if book_styles is None or book_styles not in set(parts.names()):
        raise LeadbookError("the workbook has no styles part; open and save it in Excel, then run again")
    scratch_styles = origin.of_type(STYLES)
    return StyleMerge(parts.read(book_styles), source.read(scratch_styles) if scratch_styles else None)


def _shared_strings(source: MemoryParts, origin: Workbook) -> list[etree._Element]:
    part = origin.of_type(SHARED_STRINGS)
    if part is None or part not in source.members:
        return []
    return list(parse(source.read(part)).iter(q("si")))


def _adapt_sheet(data: bytes, strings: list[etree._Element], styles: StyleMerge, selected: bool) -> bytes:
    """The scratch sheet in the book's terms: inline strings, the book's style indices, tab state."""
    root = parse(data)
    for cell in root.iter(q("c")):
        if cell.get("t") == "s":
            value = cell.find(q("v"))
            inline = etree.Element(q("is"))
            inline.extend(copy.deepcopy(list(strings[int(value.text)])))
            value.addnext(inline)
            cell.remove(value)
            cell.set("t", "inlineStr")
    for tag, attr in (("c", "s"), ("row", "s"), ("col", "style")):
        for element in root.iter(q(tag)):
            if element.get(attr) is not None:
                element.set(attr, str(styles.xf(int(element.get(attr)))))
    for rule in root.iter(q("cfRule")):
        if rule.get("dxfId") is not None:
            rule.set("dxfId", str(styles.dxf(int(rule.get("dxfId")))))
    for view in root.iter(q("sheetView")):
        view.attrib.pop("tabSelected", None)  # two selected tabs are grouped sheets in Excel
        if selected:
            view.set("tabSelected", "1")
    return serialise(root)


def _retarget(data: bytes, old: str, new: str, renamed: dict[str, str]) -> bytes:
    """A grafted part's rels with each internal target pointing at its part's new name."""
    root = parse(data)
    for rel in root.iter(q("Relationship", PKG_REL)):
        if rel.get("TargetMode") == "External":
            continue
        target = renamed.get(resolve(old, rel.get("Target")))
        if target is None:
            raise LeadbookError(
                f"the rendered sheet links to {rel.get('Target')}, which leadbook cannot place"
            )
        rel.set("Target", posixpath.relpath(target, posixpath.dirname(new)))
    return serialise(root)


class _TableNames:
    """Table ids and names are unique across a workbook: a grafted table takes free ones."""

    def __init__(self, parts: Parts, types: ContentTypes) -> None:
        self.ids: set[int] = set()
        self.names: set[str] = set()
        for name in parts.names():
            if types.of(name) == TABLE_TYPE:
                root = parse(parts.read(name))
                self.ids.add(int(root.get("id", "0")))
                self.names |= {root.get("name", "").lower(), root.get("displayName", "").lower()}

    def adapt(self, data: bytes, styles: StyleMerge) -> bytes:
        root = parse(data)
        new_id = max(self.ids, default=0) + 1
        self.ids.add(new_id)
        root.set("id", str(new_id))
        base, n = root.get("displayName"), 1
        name = base
        while name.lower() in self.names:
            n += 1
            name = f"{base}_{n}"
        self.names.add(name.lower())
        root.set("name", name)
        root.set("displayName", name)
        for element in root.iter():
            for attr, value in element.attrib.items():
                if attr.endswith("DxfId"):
                    element.set(attr, str(styles.dxf(int(value))))
        return serialise(root)
