"""Install the workbook contract with openpyxl: sheets, tables, owned columns, dropdowns, highlights.

Used by `new` (on an empty workbook), by `adopt` (each missing sheet is rendered alone into a
scratch workbook and grafted into the tracker's package; changes to sheets the tracker already
has still go through openpyxl), and by `refresh` to put back a missing highlight rule.
"""

from __future__ import annotations

import io

import pandas as pd
from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from leadbook.book.highlights import HIGHLIGHTS, MAX_ROW, highlight_formula
from leadbook.book.sheets import add_columns, header_line, header_positions, new_table, resize_table
from leadbook.core import schema as s
from leadbook.core.settings import defaults_frame

WIDTHS = {
    s.REASONS: 48, s.NOTES: 36, s.NAME: 22, s.COMPANY: 24, s.EMAIL: 28, s.FOLLOW_UP: 30, s.MEANING: 90,
    s.SETTING: 34, s.SETTING_VALUE: 24, s.WHEN: 19, s.ACTION: 34, s.BEFORE: 22, s.AFTER: 44,
    s.STAGE: 16, s.OUTCOME: 19, s.SOURCE: 20, s.NEXT_STEP: 28,
}  # fmt: skip


def ensure_highlights(ws: Worksheet) -> bool:
    """Add the Follow-up colour rules on the Follow-up and Next touch columns; False if present."""
    positions = header_positions(ws)
    if s.FOLLOW_UP not in positions or s.NEXT_TOUCH not in positions:
        return False
    line = header_line(ws) + 1
    follow = f"${get_column_letter(positions[s.FOLLOW_UP])}{line}"
    existing = {r.formula[0] for rng in ws.conditional_formatting for r in rng.rules if r.formula}
    if highlight_formula(HIGHLIGHTS[0][0], follow) in existing:
        return False
    cells = " ".join(
        f"{get_column_letter(positions[c])}{line}:{get_column_letter(positions[c])}{MAX_ROW}"
        for c in (s.NEXT_TOUCH, s.FOLLOW_UP)
    )
    for state, fill, font in HIGHLIGHTS:
        rule = FormulaRule(
            formula=[highlight_formula(state, follow)],
            fill=PatternFill(start_color=fill, end_color=fill, fill_type="solid"),
            font=Font(color=font),
            stopIfTrue=True,
        )
        ws.conditional_formatting.add(cells, rule)
    return True


def _covered(ws: Worksheet, column: int, row: int) -> bool:
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            min_col, min_row, max_col, max_row = range_boundaries(rng.coord)
            if min_col <= column <= max_col and min_row <= row <= max_row:
                return True
    return False


def ensure_dropdowns(ws: Worksheet) -> list[str]:
    """Dropdown lists on the sheet's answer columns that have no validation of their own yet."""
    positions = header_positions(ws)
    line = header_line(ws) + 1
    added = []
    for column, choices in s.CHOICES.get(ws.title, {}).items():
        if column not in positions or _covered(ws, positions[column], line):
            continue
        letter = get_column_letter(positions[column])
        dv = DataValidation(
            type="list",
            formula1='"' + ",".join(choices) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
            error=f"Pick one of: {', '.join(choices)}",
            errorTitle=column,
        )
        dv.add(f"{letter}{line}:{letter}{MAX_ROW}")
        ws.add_data_validation(dv)
        added.append(column)
    return added


def _dress(ws: Worksheet, columns: tuple[str, ...]) -> None:
    """Template looks for a sheet leadbook creates: widths, frozen header."""
    for i, name in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = WIDTHS.get(name, max(11, len(name) + 4))
    ws.freeze_panes = "D2" if ws.title == s.LEADS else "A2"  # Lead ID, Created and Name stay in view


def _settings_rows(ws: Worksheet) -> list[str]:
    """Append the Settings rows the sheet lacks (a team's own values are never overwritten)."""
    positions = header_positions(ws)
    col = positions[s.SETTING]
    keys = ws.iter_rows(min_row=header_line(ws) + 1, min_col=col, max_col=col, values_only=True)
    have = {s.header_key(k) for (k,) in keys if k}
    added = []
    for key, value, meaning in defaults_frame().itertuples(index=False):
        if s.header_key(key) in have:
            continue
        row = ws.max_row + 1
        ws.cell(row, positions[s.SETTING], key)
        ws.cell(row, positions[s.SETTING_VALUE], value if not pd.isna(value) else None)
        ws.cell(row, positions[s.MEANING], meaning)
        added.append(key)
    if added:
        resize_table(ws, last_row_=ws.max_row)
    return added


def contract_sheet(wb: Workbook, sheet: str) -> list[str]:
    """Make a contract sheet as `new` does (table, widths, frozen header, dropdowns, Settings
    defaults, Leads highlights); returns what it holds, as adopt reports it."""
    ws = wb.create_sheet(sheet)
    done = [f"sheet {sheet}"]
    if sheet in s.COLUMNS:
        new_table(ws, s.COLUMNS[sheet])
        _dress(ws, s.COLUMNS[sheet])
        done += [f"{sheet} dropdown on {c!r}" for c in ensure_dropdowns(ws)]
    if sheet == s.SETTINGS:
        done += [f"Settings row {k!r}" for k in _settings_rows(ws)]
    if sheet == s.LEADS and ensure_highlights(ws):
        done.append("Leads follow-up highlighting (conditional formats)")
    return done


def sheet_scratch(sheet: str) -> tuple[bytes, list[str]]:
    """A contract sheet alone in a new workbook (.xlsx bytes) for grafting, and what it holds."""
    wb = Workbook()
    wb.remove(wb.active)
    done = contract_sheet(wb, sheet)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), done


def install_existing(wb: Workbook) -> list[str]:
    """On the contract sheets the book has: missing columns, dropdowns, Settings rows, highlights."""
    done: list[str] = []
    present = {name.lower(): name for name in wb.sheetnames}
    for sheet in (s.LEADS, s.PROSPECTS, s.TOUCHES, s.LOG, s.SETTINGS):
        if sheet.lower() not in present:
            continue
        ws = wb[present[sheet.lower()]]
        missing = [c for c in s.COLUMNS[sheet] if c not in header_positions(ws)]
        if missing:
            if not header_positions(ws):
                new_table(ws, s.COLUMNS[sheet])
            else:
                add_columns(ws, missing)
            done += [f"{sheet} column {c!r}" for c in missing]
        done += [f"{sheet} dropdown on {c!r}" for c in ensure_dropdowns(ws)]
    if s.SETTINGS.lower() in present:
        done += [f"Settings row {k!r}" for k in _settings_rows(wb[present[s.SETTINGS.lower()]])]
    if s.LEADS.lower() in present and ensure_highlights(wb[present[s.LEADS.lower()]]):
        done.append("Leads follow-up highlighting (conditional formats)")
    return done


def missing_sheets(names: list[str]) -> list[str]:
    """The contract sheets a book lacks (names match without case), in template order."""
    have = {n.lower() for n in names}
    return [sheet for sheet in s.SHEETS if sheet.lower() not in have]


def install_contract(wb: Workbook) -> list[str]:
    """Add every missing sheet, column, dropdown and highlight rule; returns what was added."""
    done = install_existing(wb)
    for sheet in missing_sheets(wb.sheetnames):
        done += contract_sheet(wb, sheet)
    return done
