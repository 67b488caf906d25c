"""New leadbook sheets and Adopt from inside Excel (leadbook/book/live_setup.py), through xlwings'
remote engine (the ribbon's path on xlwings Server) and the double of Lite's Office.js client."""

from __future__ import annotations

import openpyxl
import pytest
from engine import apply_actions, load_lite, open_book, payload_from_xlsx
from officejs import run_async_script
from openpyxl.worksheet.table import Table

from leadbook.book.live_setup import DROPDOWN_SKIP, is_highlight_rule
from leadbook.book.template import new_book
from leadbook.core import schema as s
from leadbook.core.settings import defaults_frame
from leadbook.excel import macros

MAX_ROW = 1048576


@pytest.fixture(scope="module")
def lite_main():
    return load_lite("leadbook_lite_main_setup")


def run(payload, name):
    book = open_book(payload)
    getattr(macros, name)(book)
    actions = book.json()["actions"]
    return actions, apply_actions(payload, actions)


def sheet(payload, name):
    return next(x for x in payload["sheets"] if x["name"] == name)


def column(payload, name, header):
    values = sheet(payload, name)["values"]
    j = values[0].index(header)
    return [row[j] if j < len(row) else "" for row in values[1:]]


@pytest.fixture
def blank(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Notes"
    wb.active["A1"] = "our own notes"
    path = tmp_path / "blank.xlsx"
    wb.save(path)
    return payload_from_xlsx(path)


@pytest.fixture
def tracker(tmp_path):
    """A team's tracker: Leads with its own headers (ID, Contact, E-mail, Need, Mine) in a table,
    a Settings sheet with one team value, a phone number and a formula-like note to keep."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = s.LEADS
    ws.append(["ID", "Contact", "E-mail", "Need", "Mine"])
    ws.append(["L1", "Ann", "ann@example.com", "Yes", "+44 20 7946 0000"])
    ws.append(["L2", "Bob", "bob@example.com", "No", "keep me"])
    ws.add_table(Table(displayName="Leads", ref="A1:E3"))
    settings = wb.create_sheet(s.SETTINGS)
    settings.append(["Setting", "Value"])
    settings.append(["Need: Yes", 40])
    path = tmp_path / "tracker.xlsx"
    wb.save(path)
    return payload_from_xlsx(path, active_sheet=s.LEADS)


def test_new_sheets_on_a_blank_workbook_makes_what_leadbook_new_makes(blank, tmp_path):
    actions, new = run(blank, "new_sheets")
    names = [x["name"] for x in new["sheets"]]
    assert names == ["Notes", *s.SHEETS]  # the user's sheet stays first, untouched
    assert sheet(new, "Notes")["values"] == [["our own notes"]]
    reference = tmp_path / "new.xlsx"
    new_book(reference)
    made = payload_from_xlsx(reference)
    for name in s.SHEETS:  # the same cells as `leadbook new` (headers, Settings defaults)
        assert sheet(new, name)["values"] == sheet(made, name)["values"], name
    for name in s.COLUMNS:
        (table,) = sheet(new, name)["tables"]
        assert table["name"] == name and table["range_address"].startswith("A1:")
    assert new["_alerts"][-1]["prompt"].startswith(
        "Added:\n- sheets Leads, Prospects, Touches, Settings, Summary, Log"
    )
    assert "Note:" not in new["_alerts"][-1]["prompt"]


def test_new_sheets_adds_the_closed_dropdowns_and_the_follow_up_colours(blank):
    _, new = run(blank, "new_sheets")
    for name, choices in s.CHOICES.items():
        header = sheet(new, name)["values"][0]
        got = {v["address"]: v["source"]["values"] for v in sheet(new, name).get("_validations", [])}
        for col, values in choices.items():
            letter = openpyxl.utils.get_column_letter(header.index(col) + 1)
            if col in DROPDOWN_SKIP:
                assert f"{letter}2:{letter}{MAX_ROW}" not in got
            else:
                assert got[f"{letter}2:{letter}{MAX_ROW}"] == list(values), (name, col)
    rules = sheet(new, s.LEADS)["_conditional_formats"]
    header = sheet(new, s.LEADS)["values"][0]
    follow = openpyxl.utils.get_column_letter(header.index(s.FOLLOW_UP) + 1)
    assert len(rules) == 6 and sum(is_highlight_rule(r["formula"]) for r in rules) == 2
    assert rules[0]["formula"] == f'=LEFT(${follow}2,7)="Overdue"'  # Overdue on top
    assert {r["address"] for r in rules} == {
        f"{openpyxl.utils.get_column_letter(header.index(c) + 1)}2:"
        f"{openpyxl.utils.get_column_letter(header.index(c) + 1)}{MAX_ROW}"
        for c in (s.NEXT_TOUCH, s.FOLLOW_UP)
    }


def test_new_sheets_give_date_columns_a_date_format(blank):
    """So dates typed, written, or returned by LB_NEXT_TOUCH on the desktop show as dates."""
    actions, new = run(blank, "new_sheets")
    formatted = {
        (new["sheets"][a["sheet_position"]]["name"], a["start_column"] + 1)
        for a in actions
        if a["func"] == "setNumberFormat" and a["args"] == ["yyyy-mm-dd"] and a["row_count"] == MAX_ROW - 1
    }
    expected = {
        (name, sheet(new, name)["values"][0].index(c) + 1)
        for name, cols in s.DATE_COLUMNS.items()
        for c in cols
    }
    assert formatted == expected


def test_new_sheets_twice_changes_nothing_and_says_what_to_click(blank):
    _, new = run(blank, "new_sheets")
    actions, again = run(new, "new_sheets")
    assert [a["func"] for a in actions] == ["alert"]
    assert "run Adopt" in again["_alerts"][-1]["prompt"]


def test_the_new_sheets_take_every_button(blank):
    _, new = run(blank, "new_sheets")
    for name in ("refresh", "qualify", "summary", "check"):
        _, after = run(new, name)
        assert after["_alerts"][-1]["mode"] == "info", after["_alerts"][-1]


def test_a_missing_sheet_points_at_the_buttons_not_the_terminal(blank):
    _, new = run(blank, "refresh")
    prompt = new["_alerts"][-1]["prompt"]
    assert "Leadbook > Adopt" in prompt and "adopt script" in prompt and "new_sheets" in prompt
    _, checked = run(blank, "check")  # the Check sheet says the same
    problems = [row[3] for row in sheet(checked, "Check")["values"][1:]]
    missing = [p for p in problems if p.startswith("sheet is missing")]
    assert missing and all("Leadbook > Adopt" in p and "leadbook adopt" in p for p in missing)


def test_adopt_adds_columns_rows_and_sheets_and_keeps_every_cell(tracker):
    actions, new = run(tracker, "adopt")
    leads = sheet(new, s.LEADS)["values"]
    assert leads[0][:5] == ["ID", "Contact", "E-mail", "Need", "Mine"]  # their headers stay
    assert [row[:5] for row in leads[1:3]] == [row[:5] for row in sheet(tracker, s.LEADS)["values"][1:3]]
    assert column(new, s.LEADS, "Mine")[0] == "+44 20 7946 0000"  # text stays text
    added = leads[0][5:]
    assert added == [c for c in s.LEAD_COLUMNS if c not in (s.LEAD_ID, s.NAME, s.EMAIL, s.NEED)]
    (table,) = sheet(new, s.LEADS)["tables"]
    assert table["range_address"] == f"A1:{openpyxl.utils.get_column_letter(len(leads[0]))}3"
    keys = column(new, s.SETTINGS, "Setting")
    assert keys.count("Need: Yes") == 1 and column(new, s.SETTINGS, "Value")[0] == 40  # their value
    assert set(defaults_frame()[s.SETTING]) <= set(keys)
    assert [x["name"] for x in new["sheets"]] == [
        s.LEADS,
        s.SETTINGS,
        s.PROSPECTS,
        s.TOUCHES,
        s.SUMMARY,
        s.LOG,
    ]
    prompt = new["_alerts"][-1]["prompt"]
    assert "\n- Leads columns Created, Company, Title, Phone, Source" in prompt
    assert "\n- Settings columns Meaning" in prompt and "Settings rows with their defaults" in prompt
    assert "Leads 'ID' as 'Lead ID'" in prompt and "Leads 'E-mail' as 'Email'" in prompt
    # Follow-up and Next touch are new columns: their colours are added
    assert sum(is_highlight_rule(r["formula"]) for r in sheet(new, s.LEADS)["_conditional_formats"]) == 2


def test_adopted_tracker_scores_with_the_teams_settings_and_adopt_again_adds_nothing(tracker):
    _, new = run(tracker, "adopt")
    _, refreshed = run(new, "refresh")
    assert column(refreshed, s.LEADS, s.SCORE)[0] > column(refreshed, s.LEADS, s.SCORE)[1]
    assert str(column(refreshed, s.LEADS, s.REASONS)[0]).startswith("+40")  # Need: Yes = 40
    actions, again = run(refreshed, "adopt")
    assert [a["func"] for a in actions] == ["alert"]
    assert again["_alerts"][-1]["prompt"].startswith("Nothing to add")


def test_adopt_writes_the_header_from_a1_on_an_empty_contract_sheet(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = s.TOUCHES  # an empty sheet named like a leadbook sheet
    path = tmp_path / "empty-touches.xlsx"
    wb.save(path)
    _, new = run(payload_from_xlsx(path), "adopt")
    assert sheet(new, s.TOUCHES)["values"][0] == list(s.TOUCH_COLUMNS)
    (table,) = sheet(new, s.TOUCHES)["tables"]
    assert table["name"] == s.TOUCHES and table["range_address"] == "A1:H2"


@pytest.mark.parametrize("name", ["new_sheets", "adopt"])
def test_lite_scripts_set_up_the_same_workbook(blank, tracker, lite_main, name):
    """The Lite scripts (async, through the Office.js double) write what the ribbon writes."""
    for payload in (blank, tracker):
        double = run_async_script(lite_main, name, payload)
        _, expected = run(payload, name)
        got = double.trimmed()
        assert [x["name"] for x in got["sheets"]] == [x["name"] for x in expected["sheets"]]
        for mine, theirs in zip(got["sheets"], expected["sheets"], strict=True):
            assert mine["values"] == theirs["values"], mine["name"]
            assert [t["range_address"] for t in mine["tables"]] == [
                t["range_address"] for t in theirs["tables"]
            ]
            assert mine.get("_validations") == theirs.get("_validations")
            assert mine.get("_conditional_formats") == theirs.get("_conditional_formats")
        assert got["_alerts"][-1]["prompt"] == expected["_alerts"][-1]["prompt"]


def test_lite_refresh_puts_the_follow_up_colours_back_once(blank, lite_main):
    double = run_async_script(lite_main, "new_sheets", blank)
    book = double.trimmed()
    sheet(book, s.LEADS)["_conditional_formats"] = []  # a user cleared the rules
    first = run_async_script(lite_main, "refresh", book)
    assert [a["func"] for a in first.actions].count("addConditionalFormat") == 6
    assert any(c.func == "getRangeData" for c in first.calls)
    second = run_async_script(lite_main, "refresh", first.trimmed())
    assert "addConditionalFormat" not in [a["func"] for a in second.actions]  # never stacked
    third = run_async_script(lite_main, "highlight", book)
    assert [a["func"] for a in third.actions].count("addConditionalFormat") == 6


def test_a_client_that_cannot_tell_gets_no_second_copy(blank):
    """xlwings Server's synchronous engine cannot read conditional formats: refresh adds none."""
    _, new = run(blank, "new_sheets")
    sheet(new, s.LEADS)["_conditional_formats"] = []
    actions, _ = run(new, "refresh")
    assert "addConditionalFormat" not in [a["func"] for a in actions]


def test_a_client_without_dropdowns_or_colours_still_gets_the_sheets(blank, monkeypatch):
    """xlwings before 0.37.5 has no data_validation / conditional_formats: cells and a note."""
    from xlwings.pro import _xlremote

    def missing(self):
        raise AttributeError("no such API in this xlwings")

    monkeypatch.setattr(_xlremote.Range, "data_validation", property(missing))
    monkeypatch.setattr(_xlremote.Range, "conditional_formats", property(missing))
    _, new = run(blank, "new_sheets")
    assert [x["name"] for x in new["sheets"]] == ["Notes", *s.SHEETS]
    prompt = new["_alerts"][-1]["prompt"]
    assert (
        "Note: dropdowns were not added" in prompt and "Note: the Follow-up colours were not added" in prompt
    )


def test_lite_adopt_on_a_leadbook_keeps_one_copy_of_the_colours(tmp_path, lite_main):
    """A book `leadbook new` made has the Follow-up rules: Adopt (asking the client) adds no copy;
    once a user cleared them, Adopt puts them back."""
    path = tmp_path / "made.xlsx"
    new_book(path)
    payload = payload_from_xlsx(path)
    assert sum(is_highlight_rule(r["formula"]) for r in sheet(payload, s.LEADS)["_conditional_formats"]) == 2
    double = run_async_script(lite_main, "adopt", payload)
    assert "addConditionalFormat" not in [a["func"] for a in double.actions]
    assert double.payload["_alerts"][-1]["prompt"].startswith("Nothing to add")
    sheet(payload, s.LEADS)["_conditional_formats"] = []
    again = run_async_script(lite_main, "adopt", payload)
    assert [a["func"] for a in again.actions].count("addConditionalFormat") == 6
    assert (
        again.payload["_alerts"][-1]["prompt"]
        == "Added:\n- the Follow-up colours on Leads (Next touch and Follow-up)"
    )


def test_a_table_name_the_workbook_already_uses_is_left_to_excel(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Old"
    ws.append(["a", "b"])
    ws.append([1, 2])
    ws.add_table(Table(displayName="Touches", ref="A1:B2"))  # the name New leadbook sheets would use
    path = tmp_path / "taken.xlsx"
    wb.save(path)
    _, new = run(payload_from_xlsx(path), "new_sheets")
    (table,) = sheet(new, s.TOUCHES)["tables"]
    assert table["name"] != "Touches" and table["range_address"] == "A1:H2"
    assert new["_alerts"][-1]["mode"] == "info"


def test_a_tracker_adopted_with_its_own_sheet_names_is_left_alone(tmp_path):
    """`leadbook adopt` stored a mapping (a CRM sheet read as Leads): Excel's Adopt adds no second
    Leads beside it, changes nothing and says why."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "CRM"
    ws.append(["Contact", "Company"])
    ws.append(["Ann", "Acme"])
    settings = wb.create_sheet(s.SETTINGS)
    settings.append([s.SETTING, s.SETTING_VALUE])
    settings.append(["Map: Leads sheet", "CRM"])
    path = tmp_path / "mapped.xlsx"
    wb.save(path)
    for name in ("adopt", "new_sheets"):
        actions, new = run(payload_from_xlsx(path), name)
        assert [a["func"] for a in actions] == ["alert"]
        alert = new["_alerts"][-1]
        assert (
            alert["mode"] == "critical"
            and "Map: ..." in alert["prompt"]
            and "leadbook adopt" in alert["prompt"]
        )
