"""A totals line on a sheet read without a stored mapping (a book `leadbook new` made, or one with
leadbook's own sheet names): never read as a lead, prospect or touch, and new rows go above it,
as on a mapped sheet. Real files built with the product and openpyxl, read back with openpyxl and
python-calamine."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import python_calamine
from openpyxl import Workbook, load_workbook

from leadbook import services
from leadbook.book.filebook import FileBook
from leadbook.book.template import new_book
from leadbook.core import schema as s
from leadbook.core.plan import AppendRows, Plan
from leadbook.core.problems import LeadbookError
from leadbook.core.sample import sample_book
from tests.trackers.shapes import LEADS

TODAY = dt.date(2026, 11, 23)
NOW = dt.datetime(2026, 11, 23, 9, 0)


def values(path: Path, sheet: str) -> list[list]:
    return python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def made_book(folder: Path) -> Path:
    """A book `leadbook new` made, then a team typed a totals line under Leads and Prospects."""
    path = folder / "made.xlsx"
    new_book(path, sample_book(5, 60, TODAY))
    wb = load_workbook(path)
    for name, label in ((s.LEADS, "Total"), (s.PROSPECTS, "Grand total")):
        ws = wb[name]
        last = ws.max_row
        ws.cell(last + 1, 1, label)
        ws.cell(last + 1, 2, f"=COUNTA(A2:A{last})")
    wb.save(path)
    return path


def plain_book(folder: Path, edit=None) -> Path:
    """Leads, Prospects and Touches under leadbook's own names and headers (no stored mapping,
    no Tables), each ending in a totals line with a formula over its data."""
    wb = Workbook()
    leads = wb.active
    leads.title = s.LEADS
    leads.append(["Lead ID", "Name", "Company", "Source", "Need", "Budget", "Authority", "Score"])
    for i, lead in enumerate(LEADS, 1):
        leads.append([f"L{i}", lead[1], lead[0], lead[3], *lead[5:]])
    leads.append(["Total", "=COUNTA(B2:B4)"])
    prospects = wb.create_sheet(s.PROSPECTS)
    prospects.append(["Lead ID", "Name", "Stage", "Value"])
    prospects.append(["L9", "Old Oak", "Won", 1200])
    prospects.append(["Totals", None, None, "=SUM(D2:D2)"])
    touches = wb.create_sheet(s.TOUCHES)
    touches.append(["Date", "Lead ID", "Kind", "Direction", "Outcome"])
    touches.append([dt.datetime(2026, 11, 2), "L1", "Call", "Out", "Talked"])
    touches.append([dt.datetime(2026, 11, 4), "L3", "Call", "In", "Meeting booked"])
    touches.append([None, "Subtotal:", None, None, "=COUNTA(E2:E3)"])
    wb.create_sheet(s.LOG).append(list(s.LOG_COLUMNS))
    if edit:
        edit(wb)
    path = folder / "plain.xlsx"
    wb.save(path)
    return path


def read(path: Path, sheet: str) -> pd.DataFrame:
    book = FileBook(path)
    try:
        return book.read(sheet)
    finally:
        book.close()


def qualify(path: Path):
    book = FileBook(path)
    try:
        return services.qualify(book, TODAY, "test", NOW)
    finally:
        book.close()


def test_a_totals_line_on_a_plain_book_is_not_read_as_a_lead_prospect_or_touch(tmp_path):
    path = plain_book(tmp_path)
    assert list(read(path, s.LEADS)[s.LEAD_ID]) == ["L1", "L2", "L3"]
    assert list(read(path, s.PROSPECTS)[s.LEAD_ID]) == ["L9"]
    assert list(read(path, s.TOUCHES)[s.LEAD_ID]) == ["L1", "L3"]
    book = FileBook(path)
    problems = services.check(book, TODAY)
    book.close()
    assert not [p for p in problems if p.row in (5, 3) and p.sheet in (s.LEADS, s.PROSPECTS)]
    assert not [p for p in problems if p.sheet == s.TOUCHES and p.row == 4]


def test_refresh_and_qualify_on_a_made_book_leave_its_totals_lines_alone_and_add_above(tmp_path):
    path = made_book(tmp_path)
    before = load_workbook(path)
    leads_total = before[s.LEADS].max_row
    prospects_total = before[s.PROSPECTS].max_row
    book = FileBook(path)
    assert "Total" not in set(book.read(s.LEADS)[s.LEAD_ID])
    book.close()
    book = FileBook(path)
    services.refresh(book, TODAY, who="test", now=NOW)
    book.close()
    ws = load_workbook(path)[s.LEADS]
    headers = [c.value for c in ws[1]]
    total_row = [c.value for c in ws[leads_total]]
    assert total_row[0] == "Total" and total_row[1] == f"=COUNTA(A2:A{leads_total - 1})"
    assert all(v is None for v in total_row[2:])  # nothing scored, no Status on the totals line
    assert ws.cell(leads_total, headers.index(s.SCORE) + 1).value is None

    added = len(qualify(path).qualified)
    assert added
    ws = load_workbook(path)[s.PROSPECTS]
    assert ws.cell(prospects_total + added, 1).value == "Grand total"
    assert ws.cell(prospects_total + added, 2).value == f"=COUNTA(A2:A{prospects_total + added - 1})"
    ids = [ws.cell(r, 1).value for r in range(2, prospects_total + added)]
    assert "Grand total" not in ids and all(ids)
    rows = values(path, s.PROSPECTS)
    assert rows[prospects_total + added - 1][0] == "Grand total"
    assert len(rows) == prospects_total + added
    table = next(iter(ws.tables.values()))
    assert table.ref.endswith(str(prospects_total + added - 1))  # the table grew over the new rows only
    again = path.read_bytes()
    assert len(qualify(path).qualified) == 0
    assert path.read_bytes() == again


def test_qualify_on_a_plain_book_adds_prospects_above_its_totals_line(tmp_path):
    path = plain_book(tmp_path)
    assert len(qualify(path).qualified) == 2
    ws = load_workbook(path)[s.PROSPECTS]
    assert [ws.cell(r, 1).value for r in range(2, 6)] == ["L9", "L1", "L3", "Totals"]
    assert ws["D5"].value == "=SUM(D2:D4)" and ws.max_row == 5
    assert [r[0] for r in values(path, s.PROSPECTS)] == ["Lead ID", "L9", "L1", "L3", "Totals"]


def test_a_touch_appended_to_a_plain_log_goes_above_its_subtotal_line(tmp_path):
    path = plain_book(tmp_path)
    new = pd.DataFrame({s.DATE: [pd.Timestamp(TODAY)], s.LEAD_ID: ["L2"], s.KIND: ["Call"]})
    book = FileBook(path)  # the log is not read first: the write finds its totals line itself
    book.apply(Plan([AppendRows(s.TOUCHES, new)]))
    book.close()
    ws = load_workbook(path)[s.TOUCHES]
    assert [ws.cell(r, 2).value for r in range(2, 6)] == ["L1", "L3", "L2", "Subtotal:"]
    assert ws["E5"].value == "=COUNTA(E2:E4)"


def test_a_totals_line_with_data_below_it_is_refused_and_nothing_is_written(tmp_path):
    def inside(wb):
        wb[s.PROSPECTS].append(["L7", "Pine", "Lost"])

    path = plain_book(tmp_path, edit=inside)
    before = path.read_bytes()
    with pytest.raises(LeadbookError) as refused:
        qualify(path)
    message = str(refused.value)
    assert message.startswith("Prospects row 3: row 3 is a totals row with data below it (row 4)")
    assert "run again" in message
    assert path.read_bytes() == before
    assert list(read(path, s.PROSPECTS)[s.LEAD_ID]) == ["L9", "L7"]
    book = FileBook(path)
    found = [str(p) for p in services.check(book, TODAY) if p.sheet == s.PROSPECTS]
    book.close()
    assert found == [
        "Prospects row 3: a totals row with data below it (row 4): leadbook adds rows above the totals "
        "that end a list, so qualify, import and log touch stop here; move it to the end of the list "
        "(or remove it)"
    ]


def test_check_on_a_mapped_book_names_a_subtotal_inside_the_teams_list(tmp_path):
    from leadbook.book.adopt import adopt_package
    from leadbook.book.mapped import mapped
    from tests.trackers import shapes

    path = shapes.totals(tmp_path)
    wb = load_workbook(path)
    wb["Prospects"].append(["L7", "Pine", "Lost"])
    wb.save(path)
    adopt_package(path)
    book = mapped(FileBook(path))
    found = [(p.sheet, p.row) for p in services.check(book, TODAY) if "totals row" in p.message]
    book.close()
    assert found == [("Prospects", 3)]


def test_a_totals_label_in_a_date_column_is_not_read_as_a_touch(tmp_path):
    def dated(wb):
        ws = wb[s.TOUCHES]
        ws["A4"], ws["B4"] = "Total", None  # the log's Date column holds the label (a mixed column)

    path = plain_book(tmp_path, edit=dated)
    book = FileBook(path, needs=services.NEEDS["check"])  # the CLI's reads, two sheets at a time
    assert list(book.read(s.TOUCHES)[s.LEAD_ID]) == ["L1", "L3"]
    assert not [p for p in services.check(book, TODAY) if p.sheet == s.TOUCHES and p.row == 4]
    book.close()
