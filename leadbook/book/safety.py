"""Writes that lose nothing: lock refusal, part inventory, temp file, backup, atomic replace."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from defusedxml import ElementTree

from leadbook.core.problems import LeadbookError

BACKUPS_KEPT = 5
_CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
# Parts openpyxl rewrites or Excel rebuilds by itself: losing these loses nothing a user made.
_REBUILT = ("calcChain", "printerSettings", "sharedStrings", "core-properties", "extended-properties")
# Sheet-level features openpyxl cannot read, so would silently drop on save.
_UNKEPT_SHEET_XML = {
    b"<extLst": "Excel 2010+ extensions (sparklines, slicers, data bars or cross-sheet dropdowns)",
}
_UNKEPT_DRAWING_XML = {
    b"<xdr:sp>": "shapes or text boxes",
    b"<xdr:sp ": "shapes or text boxes",
    b"<xdr:grpSp": "grouped shapes",
    b"<xdr:cxnSp": "connectors",
}


def lock_file(path: Path) -> Path | None:
    """Excel's owner file (~$name) beside a book it has open, if there is one."""
    for name in (f"~${path.name}", f"~${path.name[2:]}"):
        candidate = path.with_name(name)
        if candidate.exists():
            return candidate
    return None


def refuse_if_open(path: Path) -> None:
    """Refuse to write a book that Excel (or LibreOffice) has open."""
    lock = lock_file(path) or (
        path.with_name(f".~lock.{path.name}#") if path.with_name(f".~lock.{path.name}#").exists() else None
    )
    if lock is not None:
        raise LeadbookError(
            f"{path.name} is open in Excel ({lock.name} exists); close it there and run again "
            "(or use the Leadbook ribbon inside Excel)"
        )


def _content_type(types: dict[str, str], defaults: dict[str, str], part: str) -> str:
    return types.get("/" + part) or defaults.get(part.rsplit(".", 1)[-1].lower(), "unknown")


def inventory(path: Path) -> Counter[str]:
    """How many parts of each content type the file holds (names may change; counts may not)."""
    with zipfile.ZipFile(path) as z:
        root = ElementTree.fromstring(z.read("[Content_Types].xml"))
        types = {e.get("PartName"): e.get("ContentType") for e in root.iter(f"{_CT_NS}Override")}
        defaults = {e.get("Extension").lower(): e.get("ContentType") for e in root.iter(f"{_CT_NS}Default")}
        parts = [
            n
            for n in z.namelist()
            if not n.endswith("/") and not n.endswith(".rels") and n != "[Content_Types].xml"
        ]
    return Counter(_content_type(types, defaults, p) for p in parts)


def unkept_features(path: Path) -> list[str]:
    """Features in the file that the writer would drop, each as a sentence naming where."""
    found = []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", name):
                data = z.read(name)
                found += [f"{name}: {what}" for marker, what in _UNKEPT_SHEET_XML.items() if marker in data]
            elif re.fullmatch(r"xl/drawings/drawing\d+\.xml", name):
                data = z.read(name)
                whats = {what for marker, what in _UNKEPT_DRAWING_XML.items() if marker in data}
                found += [f"{name}: {what}" for what in sorted(whats)]
    return found


def lost_parts(before: Counter[str], after: Counter[str]) -> list[str]:
    """Content types with fewer parts after writing than before (what the writer dropped)."""
    lost = []
    for ctype, count in before.items():
        if after.get(ctype, 0) < count and not any(k in ctype for k in _REBUILT):
            short = ctype.rsplit(".", 1)[-1].replace("+xml", "")
            lost.append(f"{count - after.get(ctype, 0)} {short} part(s)")
    return lost


def refuse_unkept(path: Path) -> None:
    """Refuse before writing a book holding parts the writer cannot keep."""
    unkept = unkept_features(path)
    if unkept:
        raise LeadbookError(
            f"{path.name} holds things leadbook's file writer (openpyxl) cannot keep: "
            + "; ".join(unkept)
            + ". Nothing was written. Run this action from the Leadbook ribbon in Excel instead, "
            "or move those objects to another workbook."
        )


def backup_path(path: Path, now: dt.datetime) -> Path:
    """Where the backup of a book goes: beside it, stamped with the time."""
    return path.with_name(f"{path.stem}.backup-{now:%Y%m%d-%H%M%S-%f}{path.suffix}")


def _prune_backups(path: Path) -> None:
    backups = sorted(path.parent.glob(f"{glob_escape(path.stem)}.backup-*{path.suffix}"))
    for old in backups[:-BACKUPS_KEPT]:
        old.unlink(missing_ok=True)


def glob_escape(text: str) -> str:
    """A literal for Path.glob (brackets in a file name are not a pattern)."""
    return re.sub(r"([\[\]*?])", r"[\1]", text)


def safe_write(path: Path, write: Callable[[Path], None], *, now: dt.datetime | None = None) -> Path | None:
    """Write a book through `write(temp_path)`, check nothing was dropped, back up, replace.

    Returns the backup's path (None when the book is new). The original is untouched on any error.
    """
    path = Path(path)
    refuse_if_open(path)
    existed = path.exists()
    before = inventory(path) if existed else Counter()
    fd, tmp_name = tempfile.mkstemp(prefix=".~leadbook-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        lost = lost_parts(before, inventory(tmp))
        if lost:
            raise LeadbookError(
                f"writing {path.name} would drop {', '.join(lost)} that the file writer cannot keep; "
                "nothing was written"
            )
        backup = None
        if existed:
            backup = backup_path(path, now or dt.datetime.now())
            shutil.copy2(path, backup)
        os.replace(tmp, path)
        if existed:
            _prune_backups(path)
        return backup
    finally:
        tmp.unlink(missing_ok=True)
