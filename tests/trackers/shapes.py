"""Trackers shaped like the ones teams keep (Sheets exports, CRM templates, personal lists), built in code."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook

D = dt.datetime


def _sheet(wb: Workbook, name: str, rows: list[list[object]], top: int = 1):
    ws = wb.create_sheet(name)
    for i, row in enumerate(rows):
        for j, value in enumerate(row, 1):
            if value is not None:
                ws.cell(top + i, j, value)
    return ws


LEADS = [
    ["Acme Ltd", "Ann Archer", "ann@acme.test", "Referral", "Hot", "Yes", "Yes", "Yes"],
    ["Birch plc", "Bob Birch", "bob@birch.test", "Cold call", "Cold", "No", "Unknown", "No"],
    ["Cedar Co", "Cat Cedar", "cat@cedar.test", "Website", "Warm", "Yes", "Yes", "Yes"],
]


def crm_calls(folder: Path) -> Path:
    """ "CRM" with a title row and a date beside it, Status Hot/Cold of theirs; "Calls" keyed by company."""
    wb = Workbook()
    wb.remove(wb.active)
    crm = _sheet(
        wb,
        "CRM",
        [
            ["Lead tracker · Last updated:", D(2026, 3, 1)],
            [],
            ["Company", "Contact", "Email", "Source", "Status", "Need", "Budget", "Authority"],
            *LEADS,
        ],
    )
    crm["B1"].number_format = "dd/mm/yyyy"
    for r in range(4, 7):
        crm.cell(r, 9, D(2026, 10, 1)).number_format = "dd/mm/yyyy"
    crm.cell(3, 9, "Added")
    _sheet(
        wb,
        "Calls",
        [
            ["Date", "Customer", "Outcome", "Notes"],
            [D(2026, 11, 2), "Acme Ltd", "Talked", "keen"],
            [D(2026, 11, 3), "Birch plc", "No answer", None],
            [D(2026, 11, 5), "Cedar Co", "Replied", "send pricing"],
        ],
    )
    _sheet(wb, "Opportunities", [["Company", "Stage", "Value"], ["Old Oak", "Won", 1200]])
    path = folder / "crm.xlsx"
    wb.save(path)
    return path
