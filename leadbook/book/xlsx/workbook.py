"""Workbook-level facts and fixes for the sheet writer: sheet parts, date system, recalculation.

Small parts (workbook.xml, rels, content types) are parsed with defusedxml to read them and
edited as bytes, so what leadbook does not change in them stays as it was.
"""

from __future__ import annotations

import posixpath
import re
from typing import Protocol

from defusedxml import DefusedXmlException, ElementTree

from leadbook.core.problems import LeadbookError

PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
# workbook.xml children that follow calcPr (a new calcPr goes before the first one present).
_AFTER_CALC_PR = (
    "oleSize", "customWorkbookViews", "pivotCaches", "smartTagPr", "smartTagTypes", "webPublishing",
    "fileRecoveryPr", "webPublishObjects", "extLst",
)  # fmt: skip


class Parts(Protocol):
    def names(self) -> list[str]: ...

    def read(self, name: str) -> bytes: ...

    def write(self, name: str, data: bytes) -> None: ...

    def remove(self, name: str) -> None: ...


def parse(parts: Parts, name: str):
    """A small part as an element tree; a DTD, entity or broken XML is refused with a sentence."""
    try:
        return ElementTree.fromstring(parts.read(name))
    except (DefusedXmlException, ElementTree.ParseError) as exc:
        raise LeadbookError(
            f"the workbook's part {name} is not plain Excel XML ({type(exc).__name__}); "
            "open and save the file in Excel, then run again"
        ) from exc


def rels_name(part: str) -> str:
    """The relationships part of `part` ("" is the package itself)."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def resolve(source: str, target: str) -> str:
    """A relationship target as a member name, relative to its source part."""
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def relationships(parts: Parts, part: str) -> list[dict[str, str]]:
    """The part's relationships as dicts (Id, Type, Target resolved to a member name, TargetMode)."""
    name = rels_name(part)
    if name not in parts.names():
        return []
    found = []
    for rel in parse(parts, name).iter(PKG_REL):
        item = dict(rel.attrib)
        if item.get("TargetMode") != "External":
            item["Target"] = resolve(part, item.get("Target", ""))
        found.append(item)
    return found


def _of_type(rels: list[dict[str, str]], kind: str) -> str | None:
    return next((r["Target"] for r in rels if r.get("Type", "").endswith("/" + kind)), None)


class BookMap:
    """Where a workbook's parts are: workbook.xml, each sheet's part, styles, shared strings, calcChain."""

    def __init__(self, parts: Parts) -> None:
        self.parts = parts
        self.part = _of_type(relationships(parts, ""), "officeDocument") or "xl/workbook.xml"
        root = parse(parts, self.part)
        props = root.find(f"{MAIN}workbookPr")
        self.date1904 = props is not None and props.get("date1904", "0").lower() in ("1", "true")
        self.rels = relationships(parts, self.part)
        targets = {r["Id"]: r["Target"] for r in self.rels}
        self.sheets: dict[str, str] = {}
        for sheet in root.iter(f"{MAIN}sheet"):
            rid = sheet.get(f"{{{DOC_REL}}}id")
            if rid in targets:
                self.sheets[sheet.get("name", "")] = targets[rid]
        self.styles = _of_type(self.rels, "styles")
        self.shared_strings = _of_type(self.rels, "sharedStrings")
        self.calc_chain = _of_type(self.rels, "calcChain")

    def sheet_part(self, name: str) -> tuple[str, str]:
        """(the sheet's name as the book spells it, its part); refuses a missing sheet."""
        for actual, part in self.sheets.items():
            if actual.lower() == name.lower():
                return actual, part
        raise LeadbookError(f"sheet {name!r} is missing; run `leadbook adopt` to add it", name)

    def table_part(self, sheet: str, part: str) -> str | None:
        """The sheet's data table: the one named like the sheet, else its first table."""
        tables = [
            r["Target"] for r in relationships(self.parts, part) if r.get("Type", "").endswith("/table")
        ]
        tables = [t for t in tables if t in self.parts.names()]
        for table in tables:
            name = re.search(rb"""\sdisplayName=["']([^"']*)["']""", self.parts.read(table))
            if name and name[1].decode().lower() == sheet.lower().replace(" ", "_"):
                return table
        return tables[0] if tables else None

    def recalculate_on_open(self) -> None:
        """Set `<calcPr fullCalcOnLoad="1">`: Excel and LibreOffice recompute every formula on open."""
        xml = self.parts.read(self.part)
        m = re.search(rb"<((?:\w+:)?)calcPr\b([^>]*?)(/?)>", xml)
        if m:
            attrs = re.sub(rb"""\sfullCalcOnLoad=["'][^"']*["']""", b"", m[2])
            tag = b"<" + m[1] + b"calcPr" + attrs + b' fullCalcOnLoad="1"' + m[3] + b">"
            xml = xml[: m.start()] + tag + xml[m.end() :]
        else:
            prefix = re.search(rb"<(\w+:)?workbook[\s>]", xml)[1] or b""
            at = min(
                (
                    m.start()
                    for n in _AFTER_CALC_PR
                    if (m := re.search(rb"<" + prefix + n.encode() + rb"[\s/>]", xml))
                ),
                default=xml.rindex(b"</"),
            )
            xml = xml[:at] + b"<" + prefix + b'calcPr fullCalcOnLoad="1"/>' + xml[at:]
        self.parts.write(self.part, xml)

    def drop_calc_chain(self) -> None:
        """Remove calcChain.xml with its relationship and content type (Excel rebuilds it)."""
        if self.calc_chain is None:
            return
        rels = self.parts.read(rels_name(self.part))
        rels = re.sub(rb"<(?:\w+:)?Relationship\b[^>]*?/calcChain[\"'][^>]*?/>", b"", rels)
        self.parts.write(rels_name(self.part), rels)
        types = self.parts.read("[Content_Types].xml")
        name = re.escape(("/" + self.calc_chain).encode())
        types = re.sub(rb"<(?:\w+:)?Override\b[^>]*?PartName=[\"']" + name + rb"[\"'][^>]*?/>", b"", types)
        self.parts.write("[Content_Types].xml", types)
        self.parts.remove(self.calc_chain)
        self.calc_chain = None
