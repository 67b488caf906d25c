"""The ribbon macros (leadbook/excel/macros.py) on real xlwings Books via the remote engine.

Each runs on the payload of a sample workbook, the returned actions are applied as the
Excel client would, and the resulting cells are checked. The same macros run through
workbook/lite/main.py as xlwings Lite scripts.
"""

from __future__ import annotations

import datetime as dt

import pytest
import xlwings as xw
from engine import apply_actions, load_lite, open_book, payload_from_xlsx
from officejs import run_async_script

from leadbook.book.base import frame_from_rows
from leadbook.book.template import new_book
from leadbook.core import schema as s
from leadbook.core.sample import sample_book
from leadbook.excel import macros

TODAY = dt.date.today()  # the macros work as of the computer's today
MACROS = ("qualify", "refresh", "summary", "highlight", "log_touch", "check")


@pytest.fixture(scope="module")
def payloads(tmp_path_factory):
    """Book payloads of sample workbooks with 50 and 5,000 leads, a cell selected on Leads."""
    out = {}
    for n in (50, 5000):
        path = tmp_path_factory.mktemp(f"book{n}") / "leads.xlsx"
        new_book(path, sample_book(n, None, TODAY))
        out[n] = payload_from_xlsx(path, active_sheet=s.LEADS, selection="C5")
    return out


def run(payload, name):
    """Run a macro on a book made from `payload`: (actions, payload after them)."""
    book = open_book(payload)
    getattr(macros, name)(book)
    actions = book.json()["actions"]
    return actions, apply_actions(payload, actions)


def sheet_frame(payload, name):
    sheet = next(x for x in payload["sheets"] if x["name"] == name)
    rows = [[None if v == "" else v for v in row] for row in sheet["values"]]
    return frame_from_rows(name, rows)[0]


@pytest.mark.parametrize("name", MACROS)
def test_action_count_does_not_grow_with_rows(payloads, name):
    small, _ = run(payloads[50], name)
    large, _ = run(payloads[5000], name)
    assert [a["func"] for a in small] == [a["func"] for a in large]
    assert len(small) <= 40  # the Summary's 8 tables and 7 charts: ~36 actions, whatever the rows


def test_refresh_fills_every_owned_column(payloads):
    actions, new = run(payloads[50], "refresh")  # Leads block, then the Log of disqualified leads
    assert [a["func"] for a in actions] == ["setValues", "setValues", "resizeTable", "alert"]
    leads = sheet_frame(new, s.LEADS)
    assert leads[s.SCORE].notna().all() and leads[s.GRADE].isin(list("ABCD")).all()
    assert leads[s.FOLLOW_UP].notna().all()
    assert new["_alerts"][0]["prompt"].startswith("Updated 50 lead row(s)")
    again, _ = run(new, "refresh")  # idempotent: nothing left to write
    assert [a["func"] for a in again] == ["alert"]


def test_highlight_writes_only_the_follow_up_columns(payloads):
    actions, new = run(payloads[50], "highlight")
    write = actions[0]
    leads = sheet_frame(new, s.LEADS)
    assert write["column_count"] == len(s.FOLLOW_UP_COLUMNS)
    assert leads[s.SCORE].isna().all()  # scores untouched
    assert leads[s.FOLLOW_UP].notna().all()
    assert new["_alerts"][0]["prompt"].startswith("Follow-up refreshed:")


def test_qualify_moves_leads_to_prospects_and_logs_them(payloads):
    before = sheet_frame(payloads[50], s.PROSPECTS)
    actions, new = run(payloads[50], "qualify")
    prompt = new["_alerts"][0]["prompt"]
    moved = int(prompt.split(":")[1].split("(")[0])
    assert moved > 0
    prospects = sheet_frame(new, s.PROSPECTS)
    added = prospects.iloc[len(before) :]
    assert len(added) == moved and (added[s.STAGE] == "Qualified").all()
    leads = sheet_frame(new, s.LEADS).set_index(s.LEAD_ID)
    assert (leads.loc[added[s.LEAD_ID], s.STATUS] == "Prospect").all()
    log = sheet_frame(new, s.LOG)
    assert (log[s.ACTION] == "Qualified: moved to Prospects").sum() == moved
    table = next(x for x in new["sheets"] if x["name"] == s.PROSPECTS)["tables"][0]
    assert table["range_address"].endswith(str(prospects.index.max()))
    assert [a["func"] for a in actions].count("resizeTable") == 2  # Prospects and Log


def test_summary_rebuilds_the_sheet(payloads):
    actions, new = run(payloads[50], "summary")
    summary = next(x for x in new["sheets"] if x["name"] == s.SUMMARY)
    assert summary["values"][0][0] == f"Summary as of {TODAY:%Y-%m-%d}"
    titles = [row[0] for row in summary["values"]]
    assert titles[3] == "Headline" and "Funnel" in titles and "Weekly trend" in titles
    assert [a["func"] for a in actions].count("addChart") == 7


def test_summary_on_a_client_without_charts_writes_the_tables_and_says_so(payloads):
    """The open-source xlwings Server client sends no "charts" and has no chart actions
    (`KeyError: 'charts'` in xlwings): the tables are written and the message has a note."""
    payload = {
        **payloads[50],
        "sheets": [{k: v for k, v in x.items() if k != "charts"} for x in payloads[50]["sheets"]],
    }
    actions, new = run(payload, "summary")
    summary = next(x for x in new["sheets"] if x["name"] == s.SUMMARY)
    assert any(str(row[0]).startswith("Funnel") for row in summary["values"] if row)
    assert "addChart" not in [a["func"] for a in actions]
    prompt = new["_alerts"][-1]["prompt"]
    assert new["_alerts"][-1]["mode"] == "info" and "Note: charts were skipped" in prompt


def test_log_touch_appends_a_row_for_the_selected_lead_and_selects_kind(payloads):
    actions, new = run(payloads[50], "log_touch")  # C5 is selected: the lead on row 5
    lead = sheet_frame(payloads[50], s.LEADS).loc[5]
    touches = sheet_frame(new, s.TOUCHES)
    last = touches.iloc[-1]
    assert last[s.LEAD_ID] == lead[s.LEAD_ID] and last[s.OWNER] == lead[s.OWNER]
    assert last[s.DIRECTION] == s.OUT and last[s.DATE] == f"{TODAY:%Y-%m-%d}T00:00:00.000Z"
    assert len(touches) == len(sheet_frame(payloads[50], s.TOUCHES)) + 1
    kind = list(s.TOUCH_COLUMNS).index(s.KIND) + 1
    assert new["sheets"][new["book"]["active_sheet_index"]]["name"] == s.TOUCHES
    assert new["book"]["selection"] == f"{chr(64 + kind)}{touches.index.max()}"
    assert new["_alerts"] == []  # no dialog in the way of typing


def test_log_touch_outside_leads_says_what_to_do(payloads):
    payload = dict(payloads[50], book={**payloads[50]["book"], "active_sheet_index": 2})
    actions, new = run(payload, "log_touch")
    assert [a["func"] for a in actions] == ["alert"]
    assert "select a cell in the lead's row on the Leads sheet" in new["_alerts"][0]["prompt"]


def test_check_lists_problems_on_the_check_sheet(payloads):
    payload = apply_actions(payloads[50], [])
    leads = next(x for x in payload["sheets"] if x["name"] == s.LEADS)
    leads["values"][3][leads["values"][0].index(s.NEED)] = "Maybe"
    _, new = run(payload, "check")
    check = next(x for x in new["sheets"] if x["name"] == macros.CHECK_SHEET)
    assert check["values"][0] == macros.CHECK_HEADER
    assert check["values"][1] == [s.LEADS, 4, s.NEED, "'Maybe' is not one of Yes, No, Unknown"]
    assert new["_alerts"][0]["prompt"].startswith("1 problem(s)")
    # a second run clears the sheet rather than adding another
    actions, newer = run(new, "check")
    assert [a["func"] for a in actions] == ["sheetClearContents", "setValues", "alert"]
    assert [x["name"] for x in newer["sheets"]].count(macros.CHECK_SHEET) == 1


def test_a_user_error_is_an_alert_and_nothing_is_written(payloads):
    payload = apply_actions(payloads[50], [])
    settings = next(x for x in payload["sheets"] if x["name"] == s.SETTINGS)
    settings["values"][1][1] = "twenty"  # Need: Yes
    actions, new = run(payload, "qualify")
    assert [a["func"] for a in actions] == ["alert"]
    alert = new["_alerts"][0]
    assert alert["mode"] == "critical"
    assert alert["prompt"].startswith("Nothing was changed. Settings row 2, column 'Value'")


def test_macros_run_with_no_arguments_on_the_calling_book(payloads):
    """The ribbon's VBA calls m.refresh() with no arguments: the book is xw.Book.caller()."""
    book = open_book(payloads[50])
    book.set_mock_caller()
    try:
        macros.refresh()
    finally:
        del xw.Book._mock_caller
    assert [a["func"] for a in book.json()["actions"]] == ["setValues", "setValues", "resizeTable", "alert"]


@pytest.fixture(scope="module")
def lite_main():
    return load_lite("leadbook_lite_main")


@pytest.mark.parametrize("name", MACROS)
def test_lite_scripts_are_the_same_macros(payloads, lite_main, name):
    """The Lite scripts (async, through a double of the Office.js client) write what the ribbon does."""
    double = run_async_script(lite_main, name, payloads[50])
    expected, _ = run(payloads[50], name)
    # the same writes in the same places (Log's When may differ by a second)
    where = ("func", "sheet_position", "start_row", "start_column", "row_count", "column_count")
    assert [[a[k] for k in where] for a in double.actions] == [[a[k] for k in where] for a in expected]
    assert double.calls[0].func == "getBookData" and double.calls[0].cells == 0  # no values up front


def test_lite_registers_the_scripts_and_functions(lite_main):
    import xlwings.server as xs

    scripts = {m["function_name"] for m in xs.custom_scripts_meta(lite_main)}
    assert scripts == set(MACROS) | {
        "import_inbox",
        "calibrate",
        "new_sheets",
        "adopt",
    }  # tested in test_import_inbox.py, test_calibrate_macro.py, test_setup.py
    functions = {f["name"] for f in xs.custom_functions_meta(lite_main)["functions"]}
    assert functions == {"LB_SCORE", "LB_GRADE", "LB_REASONS", "LB_NEXT_TOUCH", "LB_FOLLOWUP", "LB_TOUCHES"}


def test_refresh_and_qualify_say_how_many_rows_they_skipped_and_point_at_check(payloads):
    payload = apply_actions(payloads[50], [])
    leads = next(x for x in payload["sheets"] if x["name"] == s.LEADS)
    source = leads["values"][0].index(s.SOURCE)
    leads["values"][3][source] = "LinkedIn"  # not on the Source list: read as blank, reported
    for name in ("refresh", "qualify", "summary"):
        _, new = run(payload, name)
        prompt = new["_alerts"][-1]["prompt"]
        assert "1 row(s) skipped or read in part" in prompt and "click Check" in prompt, name
    _, clean = run(apply_actions(payloads[50], []), "refresh")
    assert "skipped" not in clean["_alerts"][-1]["prompt"]


def test_error_values_read_as_blank_and_check_lists_them_in_excel_too(payloads):
    payload = apply_actions(payloads[50], [])
    leads = next(x for x in payload["sheets"] if x["name"] == s.LEADS)
    need = leads["values"][0].index(s.NEED)
    leads["values"][3][need] = "#REF!"  # as Excel sends an error value
    _, new = run(payload, "check")
    check = next(x for x in new["sheets"] if x["name"] == macros.CHECK_SHEET)
    assert [s.LEADS, 4, s.NEED] in [row[:3] for row in check["values"][1:]]
    assert any("#REF! is an error value" in str(row[3]) for row in check["values"][1:])
    _, refreshed = run(payload, "refresh")
    assert "1 row(s) skipped or read in part" in refreshed["_alerts"][-1]["prompt"]
