"""The Import button (macros.import_inbox) on a real xlwings Book via the remote engine."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from engine import apply_actions, load_lite, open_book, payload_from_xlsx
from officejs import run_async_script
from test_macros import sheet_frame

from leadbook.book.template import new_book
from leadbook.core import schema as s
from leadbook.core.sample import sample_book
from leadbook.excel import macros


@pytest.fixture
def payload(tmp_path):
    path = tmp_path / "team.xlsx"
    new_book(path, sample_book(10, None, dt.date.today()))
    wb = openpyxl.load_workbook(path)
    known = wb[s.LEADS].cell(2, 6).value  # the first lead's Email
    ws = wb.create_sheet("Inbox")
    for row in (
        ["Pasted from the webinar tool"],
        ["First Name", "Last Name", "E-mail", "Company Name", "Job Title", "Registered At", "Comments"],
        ["Rita", "Moss", "rita@granite.example", "Granite", "Buyer", "2026-11-20T09:00:00Z", ""],
        ["", "", known.upper(), "", "", "", "Asked for pricing"],
        ["Rita", "Moss", "RITA@granite.example", "Granite", "=1+1", "", ""],
        ["", "", "", "", "N/A", "", ""],
    ):
        ws.append(row)
    ws["E5"].data_type = "s"  # pasted as text, as Excel holds a pasted '=1+1 from a CSV
    wb.save(path)
    return payload_from_xlsx(path, active_sheet="Inbox")


def run(payload):
    book = open_book(payload)
    macros.import_inbox(book)
    actions = book.json()["actions"]
    return actions, apply_actions(payload, actions)


def test_import_button_adds_the_inbox_rows_and_reports_on_the_sheet(payload):
    before = sheet_frame(payload, s.LEADS)
    actions, after = run(payload)
    leads = sheet_frame(after, s.LEADS)
    assert len(leads) == len(before) + 1
    rita = leads.iloc[-1]
    assert leads.iloc[0][s.NOTES] == "Asked for pricing"
    assert (rita[s.NAME], rita[s.EMAIL], rita[s.TITLE]) == ("Rita Moss", "rita@granite.example", "Buyer")
    inbox = next(x for x in after["sheets"] if x["name"] == "Inbox")["values"]
    report = [row[7] if len(row) > 7 else "" for row in inbox[1:6]]
    assert report[0] == macros.INBOX_REPORT
    assert report[1] == f"new {rita[s.LEAD_ID]}"
    assert report[2].startswith("merged into L")
    assert report[3].startswith(f"duplicate of {rita[s.LEAD_ID]}; kept Title Buyer (Inbox: =1+1)")
    log = sheet_frame(after, s.LOG)
    assert log.iloc[-1][s.ACTION] == "Imported the Inbox sheet into Leads"

    again, after_again = run(after)
    assert len(sheet_frame(after_again, s.LEADS)) == len(leads)
    inbox = next(x for x in after_again["sheets"] if x["name"] == "Inbox")["values"]
    assert inbox[2][7] == f"duplicate of {rita[s.LEAD_ID]}" and len(inbox[1]) == 8  # report column reused


def test_without_an_inbox_sheet_the_button_says_what_to_do(tmp_path):
    path = tmp_path / "team.xlsx"
    new_book(path, sample_book(5, None, dt.date.today()))
    book = open_book(payload_from_xlsx(path))
    macros.import_inbox(book)
    alerts = [a for a in book.json()["actions"] if a["func"] == "alert"]
    assert alerts and "sheet named Inbox" in alerts[0]["args"][0]


def test_lite_script_runs_the_same_import(payload):
    double = run_async_script(_lite(), "import_inbox", payload)
    expected, _ = run(payload)
    where = ("func", "sheet_position", "start_row", "start_column", "row_count", "column_count")
    assert [[a[k] for k in where] for a in double.actions] == [[a[k] for k in where] for a in expected]


def _lite():
    return load_lite("lite_main_inbox")
