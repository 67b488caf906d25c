"""`leadbook adopt`'s report: the mapping found (sheets, header rows, how sure), then what was added."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from leadbook.core import schema as s
from leadbook.core.mapping import ROLES, Mapping
from leadbook.core.problems import LeadbookError


def options(sheets: tuple[str | None, str | None, str | None], header_rows: list[str], leads: str | None):
    """adopt's options as `adopt.Options`; a bare --header-row N is the leads sheet's."""
    from leadbook.book.adopt import Options

    chosen = {role: name for role, name in zip(ROLES, _order(sheets), strict=True) if name}
    rows: dict[str, int] = {}
    for item in header_rows:
        name, _, number = item.rpartition("=")
        if not number.strip().isdigit() or int(number) < 1:
            raise LeadbookError(f"--header-row {item!r}: give a row number, like 4, or SHEET=4")
        rows[name.strip() or leads or ""] = int(number)  # "": the leads sheet adopt finds
    return Options(chosen, rows)


def _order(sheets: tuple[str | None, str | None, str | None]) -> tuple[str | None, ...]:
    leads, touches, prospects = sheets
    return tuple({s.LEADS: leads, s.TOUCHES: touches, s.PROSPECTS: prospects}[r] for r in ROLES)


def mapping_table(mapping: Mapping) -> Table:
    """One line per role: the sheet used, its header row, how it was found and how sure adopt is."""
    table = Table(title="Your sheets as leadbook reads them", title_justify="left")
    for header in ("leadbook", "Your sheet", "Header row", "Found by", "Sure?"):
        table.add_column(header)
    for role in s.SHEETS:
        found = mapping.sheets.get(role)
        if found is None:
            table.add_row(role, role, "", "contract name", "")
            continue
        row = str(found.header) if found.header else ""
        table.add_row(role, found.name, row, found.found_by, found.sure)
    return table


def columns_table(mapping: Mapping) -> Table:
    table = Table(title="Columns read under your own headers", title_justify="left")
    for header in ("Sheet", "Your header", "leadbook column"):
        table.add_column(header)
    for role, found in mapping.sheets.items():
        for column, header in found.columns.items():
            by = (
                f" (matched by {found.lead_by})"
                if role == s.TOUCHES and column == s.LEAD_ID and found.lead_by != s.LEAD_ID
                else ""
            )
            table.add_row(found.name, header, column + by)
    return table


def adopt_command(console: Console, book: Path, dry_run: bool, sheets, header_rows: list[str]) -> None:
    from leadbook.book.adopt import adopt_package

    result = adopt_package(book, options(sheets, header_rows, sheets[0]), dry_run)
    mapping = result.mapping
    console.print(mapping_table(mapping))
    columns = columns_table(mapping)
    console.print(columns if columns.row_count else "Every header already has its leadbook name.")
    for note in mapping.notes:
        console.print(f"  {note}")
    if mapping.unsure:
        raise LeadbookError("adopt changed nothing: " + "; ".join(mapping.unsure))
    settings_rows = [a for a in result.added if a.startswith("Settings row")]
    shown = [a for a in result.added if a not in settings_rows]
    if settings_rows:
        shown.append(f"{len(settings_rows)} Settings rows (defaults and the mapping)")
    verb = "Would add (dry run, nothing written)" if dry_run else "Added"
    console.print(f"{verb}:\n  " + ("\n  ".join(shown) if shown else "nothing (already a leadbook)"))
    if result.stored and not dry_run:
        console.print(
            "The mapping is kept as 'Map:' rows of leadbook's Settings sheet; edit them to correct it."
        )
    if plain := plain_ranges(book, mapping):
        names = ", ".join(repr(n) for n in plain)
        console.print(
            f"Offer: {names} {'is a plain range' if len(plain) == 1 else 'are plain ranges'}. To make one "
            "an Excel Table (filters, banding, formulas that fill down), click in it in Excel and press "
            "Ctrl+T; leadbook works either way and never does it for you."
        )


def plain_ranges(book: Path, mapping: Mapping) -> list[str]:
    """The team's leads, touch log and prospects sheets that are not Excel Tables (adopt never
    makes one: a Table is offered, not forced)."""
    from leadbook.book.xlsx.workbook import BookMap
    from leadbook.book.xlsx.zipparts import ZipParts

    parts = ZipParts(book)
    try:
        found = BookMap(parts)
        names = {n.lower(): n for n in found.sheets}
        out = []
        for role in ROLES:
            name = names.get(mapping.name(role).lower())
            if name is not None and found.table_part(name, found.sheet_part(name)[1]) is None:
                out.append(name)
        return out
    finally:
        parts.close()
