"""Make a new leadbook workbook (openpyxl), or adopt a team's existing tracker (grafting new sheets)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from leadbook.book.filebook import FileBook
from leadbook.book.install import install_contract
from leadbook.book.safety import refuse_if_open, safe_write
from leadbook.book.sheets import append_rows
from leadbook.core import schema as s
from leadbook.core.problems import LeadbookError


def new_book(path: Path, frames: dict[str, pd.DataFrame] | None = None) -> None:
    """Create the template workbook at `path`, optionally filled with sample frames."""
    path = Path(path)
    if path.exists():
        raise LeadbookError(f"{path} already exists; leadbook new never overwrites a file (use `adopt`)")
    if path.suffix.lower() != ".xlsx":
        raise LeadbookError(f"{path.name}: `new` makes an .xlsx workbook; name it like Leads.xlsx")
    if not path.parent.is_dir():
        raise LeadbookError(f"the folder {path.parent} does not exist; make it first or pick another")
    wb = Workbook()
    wb.remove(wb.active)
    install_contract(wb)
    for sheet, frame in (frames or {}).items():
        if len(frame):
            append_rows(wb[sheet], frame)
    safe_write(path, wb.save)


def header_mapping(path: Path) -> dict[str, dict[str, str]]:
    """Per sheet, each header that leadbook reads as a contract column under another name."""
    book = FileBook(path)
    mapping: dict[str, dict[str, str]] = {}
    for sheet in s.COLUMNS:
        headers = book.headers(sheet)
        mapping[sheet] = {
            h: c for h, c in s.map_headers(sheet, headers).items() if h != c and c in s.COLUMNS[sheet]
        }
    return mapping


def adopt_book(
    path: Path, options=None, dry_run: bool = False
) -> tuple[dict[str, dict[str, str]], list[str]]:
    """Add the missing contract parts to a tracker; returns the header mapping and what was added.

    Everything goes through the package writer (`leadbook/book/adopt.py`): new sheets grafted,
    columns, dropdowns, Settings rows and highlights patched into the sheets the tracker has.
    An unsure guess at the tracker's sheets raises, naming the option to give.
    """
    from leadbook.book.adopt import adopt_package

    path = Path(path)
    if not dry_run:
        refuse_if_open(path)
    adoption = adopt_package(path, options, dry_run)
    if adoption.mapping.unsure:
        raise LeadbookError("; ".join(adoption.mapping.unsure))
    return headers_read(adoption.mapping, path), adoption.added


def headers_read(mapping, path: Path) -> dict[str, dict[str, str]]:
    """Per role, each header leadbook reads as a contract column under another name."""
    if not any(m.columns or m.name != role for role, m in mapping.sheets.items()):
        return header_mapping(path)
    return {role: {h: c for c, h in m.columns.items()} for role, m in mapping.sheets.items() if m.columns}
