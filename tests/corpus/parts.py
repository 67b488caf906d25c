"""Zip-package helpers for the corpus: rewrite members by hand, read a member's raw record."""

from __future__ import annotations

import re
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


def rewrite_zip(path: Path, edit: Callable[[dict[str, bytes]], None]) -> None:
    """Rewrite the package at `path` through `edit(parts)` (a name → bytes dict, order kept)."""
    with zipfile.ZipFile(path) as z:
        parts = {info.filename: z.read(info) for info in z.infolist()}
    edit(parts)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)


def add_override(parts: dict[str, bytes], part: str, content_type: str) -> None:
    """Declare a part's content type in [Content_Types].xml."""
    entry = f'<Override PartName="/{part}" ContentType="{content_type}"/>'.encode()
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", entry + b"</Types>")


def add_default(parts: dict[str, bytes], extension: str, content_type: str) -> None:
    """Declare a content type for an extension, once."""
    ct = parts["[Content_Types].xml"]
    if f'Extension="{extension}"'.encode() not in ct:
        entry = f'<Default Extension="{extension}" ContentType="{content_type}"/>'.encode()
        parts["[Content_Types].xml"] = ct.replace(b"</Types>", entry + b"</Types>")


def rels_name(part: str) -> str:
    """The relationships part of a part: xl/x.xml -> xl/_rels/x.xml.rels."""
    p = PurePosixPath(part)
    return str(p.parent / "_rels" / f"{p.name}.rels")


def add_rel(parts: dict[str, bytes], source: str, rel_type: str, target: str, mode: str = "") -> str:
    """Add a relationship from `source` (a part, or "" for the package) and return its rId."""
    name = "_rels/.rels" if not source else rels_name(source)
    xml = parts.get(
        name,
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG_REL_NS}"></Relationships>'.encode(),
    )
    taken = {int(n) for n in re.findall(rb'Id="rId(\d+)"', xml)}
    rid = f"rId{max(taken, default=0) + 1}"
    extra = f' TargetMode="{mode}"' if mode else ""
    entry = f'<Relationship Id="{rid}" Type="{rel_type}" Target="{target}"{extra}/>'.encode()
    xml = xml.replace(b"</Relationships>", entry + b"</Relationships>")
    parts[name] = xml.replace(b"<Relationships/>", b"")  # never self-closing here
    return rid


def sheet_parts(parts: dict[str, bytes]) -> dict[str, str]:
    """Sheet name -> worksheet part, read from workbook.xml and its rels."""
    rels = dict(re.findall(rb'Id="([^"]+)"[^>]*?Target="([^"]+)"', parts["xl/_rels/workbook.xml.rels"]))
    rels.update(
        {
            k: v
            for v, k in re.findall(
                rb'Target="([^"]+)"[^>]*?Id="([^"]+)"', parts["xl/_rels/workbook.xml.rels"]
            )
        }
    )
    out = {}
    for name, rid in re.findall(
        rb'<sheet [^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"', parts["xl/workbook.xml"]
    ):
        target = rels[rid].decode().lstrip("/")
        out[name.decode()] = target if target.startswith("xl/") else f"xl/{target}"
    return out


def insert_in_sheet(xml: bytes, element: bytes, before: tuple[bytes, ...]) -> bytes:
    """Put `element` into a worksheet before the first of `before` present (else before </worksheet>)."""
    for tag in before:
        at = xml.find(tag)
        if at >= 0:
            return xml[:at] + element + xml[at:]
    return xml.replace(b"</worksheet>", element + b"</worksheet>")


def raw_record(path: Path, info: zipfile.ZipInfo) -> bytes:
    """A member's compressed bytes exactly as stored (the data after its local header)."""
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        header = f.read(30)
        if header[:4] != b"PK\x03\x04":
            raise ValueError(f"{info.filename}: no local header at {info.header_offset}")
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        f.seek(info.header_offset + 30 + name_len + extra_len)
        return f.read(info.compress_size)
