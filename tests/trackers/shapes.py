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


def _new() -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    return wb


def pipeline_row4(folder: Path) -> Path:
    """ "Pipeline" under a merged title block, headers on row 4 (Ref, E-mail...); "Contact log" by Lead ref."""
    wb = _new()
    ws = _sheet(
        wb,
        "Pipeline",
        [
            ["Sales pipeline"],
            [],
            ["Owner: Sam"],
            ["Ref", "Name", "Company", "E-mail", "Lead source", "Need", "Budget", "Authority"],
            *[[f"R-{i}", lead[1], lead[0], lead[2], lead[3], *lead[5:]] for i, lead in enumerate(LEADS, 1)],
        ],
    )
    ws.merge_cells("A1:H1")
    _sheet(
        wb,
        "Contact log",
        [
            ["Date", "Lead ref", "Type", "Result"],
            [D(2026, 11, 2), "R-1", "Call", "Talked"],
            [D(2026, 11, 4), "R-3", "Email", "Replied"],
        ],
    )
    path = folder / "pipeline.xlsx"
    wb.save(path)
    return path


def colliding(folder: Path) -> Path:
    """ "Leads" with their own Status (Hot/Cold) and Follow up (notes); their own Settings, Summary, Log."""
    wb = _new()
    _sheet(
        wb,
        "Leads",
        [
            ["Lead ID", "Name", "Company", "Source", "Status", "Follow up", "Need", "Budget", "Authority"],
            *[
                [f"L{i}", lead[1], lead[0], lead[3], lead[4], f"ring {lead[1].split()[0]}", *lead[5:]]
                for i, lead in enumerate(LEADS, 1)
            ],
        ],
    )
    _sheet(
        wb,
        "Touches",
        [
            ["Date", "Lead ID", "Kind", "Direction", "Outcome"],
            [D(2026, 11, 2), "L1", "Call", "Out", "Talked"],
            [D(2026, 11, 3), "L3", "Email", "In", "Replied"],
        ],
    )
    _sheet(wb, "Settings", [["Regions", "Sizes"], ["North", "Small"], ["South", "Large"]])
    _sheet(wb, "Summary", [["Team dashboard"], ["Calls this week", 12]])
    _sheet(wb, "Log", [["Week", "Note"], ["W45", "trade show"]])
    path = folder / "colliding.xlsx"
    wb.save(path)
    return path


def totals(folder: Path) -> Path:
    """ "Sales Pipeline" and "Prospects" each ending in a totals row; "Activities" with an Activity column."""
    wb = _new()
    _sheet(
        wb,
        "Sales Pipeline",
        [
            ["Lead ID", "Name", "Company", "Source", "Need", "Budget", "Authority"],
            *[[f"L{i}", lead[1], lead[0], lead[3], *lead[5:]] for i, lead in enumerate(LEADS, 1)],
            ["Total", 3],
        ],
    )
    ws = _sheet(
        wb,
        "Prospects",
        [["Lead ID", "Name", "Stage", "Value"], ["L9", "Old Oak", "Won", 1200], ["Total", None, None, None]],
    )
    ws["D3"] = "=SUM(D2:D2)"
    _sheet(
        wb,
        "Activities",
        [
            ["Date", "Lead ID", "Activity", "Outcome"],
            [D(2026, 11, 2), "L1", "Call", "Talked"],
            [D(2026, 11, 4), "L3", "Call", "Meeting booked"],
        ],
    )
    path = folder / "totals.xlsx"
    wb.save(path)
    return path


def merged(folder: Path) -> Path:
    """ "Client Tracker" under a merged title, with merged cells in the team's own Notes column."""
    wb = _new()
    ws = _sheet(
        wb,
        "Client Tracker",
        [
            ["Client tracker"],
            ["Client", "Contact", "Email", "Source", "Need", "Budget", "Authority", "Comments"],
            *[[lead[0], lead[1], lead[2], lead[3], *lead[5:], "see call notes"] for lead in LEADS],
        ],
    )
    ws.merge_cells("A1:H1")
    ws.merge_cells("H3:H4")
    _sheet(
        wb,
        "Call log",
        [
            ["Date", "Email", "Outcome"],
            [D(2026, 11, 2), "ann@acme.test", "Talked"],
            [D(2026, 11, 4), "CAT@cedar.test", "Replied"],
        ],
    )
    path = folder / "merged.xlsx"
    wb.save(path)
    return path


def merged_owned(folder: Path) -> Path:
    """A leads sheet whose (empty) Grade column, leadbook's, has merged cells."""
    wb = _new()
    ws = _sheet(
        wb,
        "Leads",
        [
            ["Lead ID", "Name", "Need", "Grade"],
            *[[f"L{i}", lead[1], lead[5], None] for i, lead in enumerate(LEADS, 1)],
        ],
    )
    ws.merge_cells("D2:D3")
    _sheet(wb, "Touches", [["Date", "Lead ID", "Outcome"], [D(2026, 11, 2), "L1", "Talked"]])
    path = folder / "merged-owned.xlsx"
    wb.save(path)
    return path


def duplicates(folder: Path) -> Path:
    """ "Contacts" with two Notes columns; an "Activity" log keyed by email."""
    wb = _new()
    _sheet(
        wb,
        "Contacts",
        [
            ["Name", "Company", "Email", "Notes", "Source", "Notes", "Need", "Budget", "Authority"],
            *[[lead[1], lead[0], lead[2], "first", lead[3], "second", *lead[5:]] for lead in LEADS],
        ],
    )
    _sheet(
        wb,
        "Activity",
        [
            ["Date", "Email", "Type", "Outcome"],
            [D(2026, 11, 2), "ann@acme.test", "Call", "Talked"],
            [D(2026, 11, 6), "bob@birch.test", "Call", "No answer"],
        ],
    )
    path = folder / "duplicates.xlsx"
    wb.save(path)
    return path


def deep_header(folder: Path) -> Path:
    """ "Sheet1" with 24 lines of notes above its headers (row 25) and no Lead ID; "History" by name."""
    wb = _new()
    notes = [[f"Note {i}: how we work"] for i in range(1, 25)]
    _sheet(
        wb,
        "Sheet1",
        [
            *notes,
            ["Name", "Company", "Phone", "Email", "Source", "Need", "Budget", "Authority"],
            *[[lead[1], lead[0], "0123", lead[2], lead[3], *lead[5:]] for lead in LEADS],
        ],
    )
    _sheet(
        wb,
        "History",
        [
            ["Date", "Name", "Outcome", "Next contact"],
            [D(2026, 11, 2), "Ann Archer", "Talked", D(2026, 11, 30)],
            [D(2026, 11, 3), "Cat Cedar", "Replied", None],
        ],
    )
    path = folder / "deep.xlsx"
    wb.save(path)
    return path


def follow_ups(folder: Path) -> Path:
    """ "Leads" with the team's "Follow up" notes; a "Follow-ups" log keyed by company; dd/mm/yyyy dates."""
    wb = _new()
    ws = _sheet(
        wb,
        "Leads",
        [
            ["Lead ID", "Name", "Company", "Created", "Follow up", "Need", "Budget", "Authority"],
            *[
                [f"L{i}", lead[1], lead[0], D(2026, 10, i), "call back Tue", *lead[5:]]
                for i, lead in enumerate(LEADS, 1)
            ],
        ],
    )
    for r in range(2, 5):
        ws.cell(r, 4).number_format = "dd/mm/yyyy"
    _sheet(wb, "Follow-ups", [["When", "Company", "Result"], [D(2026, 11, 2), "Acme Ltd", "Talked"]])
    ws2 = wb["Follow-ups"]
    ws2["A1"] = "Date"
    path = folder / "follow-ups.xlsx"
    wb.save(path)
    return path


SHAPES = (
    crm_calls,
    pipeline_row4,
    colliding,
    totals,
    merged,
    merged_owned,
    duplicates,
    deep_header,
    follow_ups,
)
