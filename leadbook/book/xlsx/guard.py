"""Refuse, before anything is read or written, a file leadbook cannot edit safely: each with a sentence.

Checked from the zip's central directory and the first bytes of each XML part, so a hostile file
costs bounded time and memory: nothing is inflated beyond a part's prolog.
- not a workbook: an OLE/CFB file (what Excel saves when a password is set, or an old .xls), a
  binary `.xlsb`, anything that is not a zip, a zip without `[Content_Types].xml`;
- hostile archives: encrypted members, duplicate or path-traversing names, a zip bomb (a member or
  the whole inflating to more than `MAX_TOTAL`, or one compressed more than `MAX_RATIO` times);
- XML leadbook will not parse: a DOCTYPE (entity expansion) in any part, Strict Open XML.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from leadbook.core.problems import LeadbookError

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Real sheets compress 5-30x (the L bench book's 262 MB Touches sheet: 10x); a repetitive part may
# reach a few hundred. Deflate's own ceiling is ~1032x, so 1000x is already a crafted file.
MAX_RATIO = 1000
RATIO_FLOOR = 1 << 20  # small parts (a 2 KB styles.xml of 600 bytes) may have any ratio
# One million rows of 16k columns is not a tracker: 8 GiB unpacked is far above the L book (0.3 GB).
MAX_TOTAL = 8 << 30
MAX_MEMBERS = 100_000
PROLOG = 2048  # a DOCTYPE can only stand before the root element
STRICT_NS = b"purl.oclc.org/ooxml"


def refuse(path: Path, why: str, todo: str) -> LeadbookError:
    return LeadbookError(f"{path.name} {why}; {todo}. Nothing was read or written.")


def inspect(path: Path) -> None:
    """Raise a LeadbookError saying what to do if `path` is not a workbook leadbook can edit safely."""
    path = Path(path)
    if path.suffix.lower() == ".xlsb":
        raise refuse(
            path, "is a binary workbook (.xlsb)", "save it as an Excel Workbook (.xlsx) and use that"
        )
    with path.open("rb") as handle:
        head = handle.read(8)
    if head == CFB_MAGIC:
        raise refuse(
            path,
            "is encrypted or password-protected (or an old .xls)",
            "remove the password (File > Info > Protect Workbook) and save it as .xlsx",
        )
    if not zipfile.is_zipfile(path):
        raise refuse(
            path, "is not an Excel workbook (it is not a zip package)", "open it in Excel and save as .xlsx"
        )
    try:
        with zipfile.ZipFile(path) as z:
            _check_members(path, z)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise damaged(path, exc) from exc


def damaged(path: Path, exc: BaseException, sheet: str | None = None) -> LeadbookError:
    """The refusal of a file whose parts cannot be read (a damaged copy, a bad download): what to
    do, and the reader's own words in brief. It names the file, not a cell: exit 2."""
    detail = " ".join(str(exc).split())
    detail = detail if len(detail) <= 160 else detail[:157] + "..."
    where = f"the sheet {sheet!r} of {path.name}" if sheet else path.name
    return LeadbookError(
        f"{where} cannot be read: the file is damaged ({detail}). Open it in Excel, which offers to "
        "repair it, and save it, or take a copy from its backups folder; then run again. "
        "Nothing was written."
    )


def _check_members(path: Path, z: zipfile.ZipFile) -> None:
    infos = z.infolist()
    if len(infos) > MAX_MEMBERS:
        raise refuse(path, f"holds {len(infos):,} parts", "this is not a workbook leadbook can open")
    names: set[str] = set()
    total = 0
    for info in infos:
        _check_name(path, info.filename, names)
        if info.flag_bits & 0x1:
            raise refuse(
                path, f"has an encrypted part ({info.filename})", "save it without a password as .xlsx"
            )
        total += info.file_size
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise refuse(path, f"has a part that inflates {info.file_size // max(info.compress_size, 1):,}x "
                         f"({info.filename}): a zip bomb", "leadbook will not open it")  # fmt: skip
    if total > MAX_TOTAL:
        raise refuse(path, f"would inflate to {total / (1 << 30):.1f} GiB", "leadbook will not open it")
    lower = {n.lower() for n in names}
    if "[content_types].xml" not in lower:
        raise refuse(
            path, "has no [Content_Types].xml (it is not an Office package)", "save it as .xlsx in Excel"
        )
    for info in infos:
        if info.filename.lower().endswith((".xml", ".rels", ".vml")) and not info.is_dir():
            _check_prolog(path, z, info)


def _check_name(path: Path, name: str, seen: set[str]) -> None:
    parts = PurePosixPath(name).parts
    if name.startswith(("/", "\\")) or "\\" in name or ".." in parts or re.match(r"^[A-Za-z]:", name):
        raise refuse(
            path, f"has a part named {name!r} that points outside the package", "leadbook will not open it"
        )
    if name.lower() in seen:
        raise refuse(path, f"has two parts named {name!r}", "open it in Excel and save it again")
    seen.add(name.lower())


def _check_prolog(path: Path, z: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    with z.open(info) as member:
        head = member.read(PROLOG)
    prolog = head.split(b">", 3)  # the declaration and the root's opening tag are in the first few
    if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
        raise refuse(
            path, f"has a DOCTYPE in {info.filename} (XML entities)", "open it in Excel and save it again"
        )
    if info.filename.lower() == "xl/workbook.xml" and STRICT_NS in b">".join(prolog):
        raise refuse(
            path,
            "is saved as Strict Open XML",
            "save it in Excel as 'Excel Workbook (.xlsx)', not 'Strict Open XML Spreadsheet'",
        )
