"""The Excel buttons and Lite scripts on trackers `leadbook adopt` mapped (their own sheet and
column names), through xlwings' remote engine: the same cells as the file path (the oracle) on the
same book, and no cell the mapping does not own changed."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from engine import apply_actions, frozen_clock, load_lite, open_book, payload_from_xlsx
from officejs import run_async_script
from openpyxl import load_workbook

from leadbook import services
from leadbook.book.adopt import adopt_package
from leadbook.book.filebook import FileBook
from leadbook.core import schema as s
from leadbook.core.problems import LeadbookError
from leadbook.excel import macros
from tests.trackers import shapes

TODAY = dt.date(2026, 11, 23)
NOW = dt.datetime(2026, 11, 23, 9, 0)
BUTTONS = ("refresh", "qualify", "summary")  # in this order, as a team would click them
# The trackers the live path is proved on: renamed sheets with a title row and a touch log keyed by
# company (crm_calls), headers on row 4 under a title (pipeline_row4), the team's own Status,
# Follow up, Settings, Summary and Log (colliding), a log by name below 24 note rows (deep_header),
# a log by email beside repeated headers (duplicates), a log by company with dd/mm/yyyy dates, and
# Excel Tables named unlike their sheets (tabled).


def tabled(folder: Path) -> Path:
    """A SharePoint-style "Pipeline" Excel Table named otherwise, and a "Calls" table by company."""
    from openpyxl import Workbook
    from openpyxl.worksheet.table import Table

    wb = Workbook()
    ws = wb.active
    ws.title = "Pipeline"
    for row in (
        ["Company", "Contact", "Email", "Source", "Status", "Need", "Budget", "Authority"],
        *shapes.LEADS,
    ):
        ws.append(row)
    ws.add_table(Table(displayName="Deals_in", ref="A1:H4"))
    calls = wb.create_sheet("Calls")
    for row in (["Date", "Customer", "Outcome"], [dt.datetime(2026, 11, 2), "Acme Ltd", "Talked"]):
        calls.append(row)
    calls.append([dt.datetime(2026, 11, 5), "Cedar Co", "Replied"])
    calls.add_table(Table(displayName="CallTable", ref="A1:C3"))
    path = folder / "tabled.xlsx"
    wb.save(path)
    return path


PROVED = (
    tabled,
    shapes.crm_calls,
    shapes.pipeline_row4,
    shapes.colliding,
    shapes.deep_header,
    shapes.duplicates,
    shapes.follow_ups,
)


@pytest.fixture(scope="module")
def lite():
    return load_lite("leadbook_lite_mapped")


@pytest.fixture
def fixed_clock(monkeypatch):
    """The macros work as of the computer's today: make it TODAY / NOW for a comparison."""
    clock = frozen_clock(TODAY, NOW)
    monkeypatch.setattr(macros, "dt", clock)
    monkeypatch.setattr(services, "dt", clock)  # refresh logs a disqualification as of now


def adopted(tmp_path, shape):
    """The tracker adopted by the CLI's path, and a copy for the file path."""
    path = shape(tmp_path)
    adopt_package(path)
    oracle = tmp_path / "oracle.xlsx"
    shutil.copy(path, oracle)
    return path, oracle


def on_file(path, name: str):
    book = FileBook(path)
    try:
        if name == "refresh":
            return services.refresh(book, TODAY, who=macros.who(), now=NOW)
        if name == "qualify":
            return services.qualify(book, TODAY, macros.who(), NOW)
        if name == "summary":
            return services.summary(book, TODAY)
        return services.check(book, TODAY)
    finally:
        book.close()


def press(payload: dict, name: str) -> tuple[list[dict], dict]:
    """Click a button on a book made from `payload`: (actions, payload after them)."""
    book = open_book(payload)
    getattr(macros, name)(book)
    actions = book.json()["actions"]
    return actions, apply_actions(payload, actions)


def grid(payload: dict, skip: tuple[str, ...] = ("Check",)) -> dict[tuple[str, int, int], object]:
    """Every filled cell of every sheet (floats to 12 places: openpyxl keeps 16 digits, Excel 15)."""
    out = {}
    for sheet in payload["sheets"]:
        if sheet["name"] in skip:
            continue
        for r, row in enumerate(sheet["values"], 1):
            for c, value in enumerate(row, 1):
                if value not in ("", None):
                    out[(sheet["name"], r, c)] = round(value, 12) if isinstance(value, float) else value
    return out


def tables(payload: dict) -> list[tuple[str, str, str]]:
    return [(x["name"], t["name"], t["range_address"]) for x in payload["sheets"] for t in x["tables"]]


def alerts(payload: dict) -> list[str]:
    return [a["prompt"] for a in payload.get("_alerts", [])]


@pytest.mark.parametrize("shape", PROVED, ids=lambda f: f.__name__)
def test_the_buttons_write_what_the_commands_write_and_nothing_of_the_teams(tmp_path, shape, fixed_clock):
    path, oracle = adopted(tmp_path, shape)
    payload = payload_from_xlsx(path)
    before = grid(payload)
    for name in BUTTONS:
        on_file(oracle, name)
        _, payload = press(payload, name)
        assert alerts(payload)[-1] and "Nothing was changed" not in alerts(payload)[-1], alerts(payload)
        # the same cells as the file path, button by button (the Summary's charts aside: values only)
        assert grid(payload) == grid(payload_from_xlsx(oracle)), name
        assert tables(payload) == tables(payload_from_xlsx(oracle)), name
    after = grid(payload)
    assert {k: v for k, v in after.items() if k in before} == before  # no cell of theirs changed
    assert after != before  # and the buttons did write


@pytest.mark.parametrize("shape", PROVED, ids=lambda f: f.__name__)
def test_check_lists_what_the_command_lists(tmp_path, shape, fixed_clock):
    path, oracle = adopted(tmp_path, shape)
    _, payload = press(payload_from_xlsx(path), "check")
    check = next(x for x in payload["sheets"] if x["name"] == macros.CHECK_SHEET)
    expected = macros.check_rows(on_file(oracle, "check"))
    assert [[v if v != "" else None for v in row] for row in check["values"]] == expected


def test_a_second_click_writes_nothing(tmp_path, fixed_clock):
    path, _ = adopted(tmp_path, shapes.crm_calls)
    payload = payload_from_xlsx(path)
    for name in ("refresh", "qualify"):
        _, payload = press(payload, name)
    for name in ("refresh", "qualify"):
        actions, payload = press(payload, name)
        assert [a["func"] for a in actions] == ["alert"], name


@pytest.mark.parametrize(
    ("shape", "sheet", "cell"),
    [
        (shapes.colliding, "Leads", "B3"),
        (shapes.crm_calls, "CRM", "B5"),
        (shapes.pipeline_row4, "Pipeline", "B6"),
    ],
    ids=["colliding", "crm_calls", "pipeline_row4"],
)
def test_the_lite_scripts_write_what_the_ribbon_writes(tmp_path, fixed_clock, lite, shape, sheet, cell):
    """xlwings Lite (async, values read on demand through a double of Office.js): every value read
    in prepare, in bounded requests, and the same writes of the same values as the ribbon."""
    path, _ = adopted(tmp_path, shape)
    payload = payload_from_xlsx(path, active_sheet=sheet, selection=cell)
    for name in (*BUTTONS, "check", "log_touch"):
        double = run_async_script(lite, name, payload)
        expected, _ = press(payload, name)
        where = ("func", "sheet_position", "start_row", "start_column", "row_count", "column_count", "values")
        assert [[a.get(k) for k in where] for a in double.actions] == [
            [a.get(k) for k in where] for a in expected
        ], name
        assert "Nothing was changed" not in str(expected[-1]), expected[-1]
        assert double.calls[0].func == "getBookData" and double.calls[0].cells == 0  # no values up front


def test_log_touch_names_the_lead_as_the_log_does(tmp_path, fixed_clock):
    """On a touch log keyed by company, the new touch carries the company of the selected lead."""
    path, _ = adopted(tmp_path, shapes.crm_calls)
    payload = payload_from_xlsx(path, active_sheet="CRM", selection="B5")  # Birch plc's row
    actions, after = press(payload, "log_touch")
    calls = next(x for x in after["sheets"] if x["name"] == "Calls")
    header = calls["values"][0]
    new = dict(zip(header, calls["values"][4], strict=False))
    assert new["Date"].startswith("2026-11-23") and new["Customer"] == "Birch plc"
    assert calls["values"][:4] == next(x for x in payload["sheets"] if x["name"] == "Calls")["values"][:4]
    _, refreshed = press(after, "refresh")  # the new touch counts for Birch plc (row 5)
    crm = next(x for x in refreshed["sheets"] if x["name"] == "CRM")["values"]
    assert crm[4][crm[2].index("Touches")] == 2 and crm[4][crm[2].index("Last touch")].startswith(
        "2026-11-23"
    )
    wrong = payload_from_xlsx(path, active_sheet="Calls", selection="B2")
    _, refused = press(wrong, "log_touch")
    assert "on the CRM sheet" in alerts(refused)[-1]


def test_a_totals_row_stops_an_excel_button_that_would_add_rows_below_it(tmp_path, fixed_clock):
    """The file writer adds prospects above the Prospects totals row; the Excel buttons cannot move
    it, so Qualify changes nothing and names the row and the two ways out."""
    path, oracle = adopted(tmp_path, shapes.totals)
    on_file(oracle, "qualify")
    prospects = load_workbook(oracle)["Prospects"]
    assert [prospects.cell(r, 1).value for r in range(2, 6)] == ["L9", "L1", "L3", "Total"]
    before = payload_from_xlsx(path)
    actions, after = press(before, "qualify")
    assert [a["func"] for a in actions] == ["alert"]
    message = alerts(after)[-1]
    assert message.startswith("Nothing was changed. Prospects row 3: row 3 is a totals row")
    assert "move the totals row above the header" in message and "leadbook qualify" in message
    assert grid(after) == grid(before)


def _edited(path, oracle, edit) -> None:
    """The same edit (as a team would make it after adopt) on both copies."""
    for target in (path, oracle):
        wb = load_workbook(target)
        edit(wb)
        wb.save(target)


def test_check_names_error_values_and_unknown_leads_on_the_teams_sheets(tmp_path, fixed_clock):
    path, oracle = adopted(tmp_path, shapes.crm_calls)

    def edit(wb):
        wb["CRM"]["F5"] = "#REF!"  # Need of Birch plc, an error value
        wb["Calls"]["C3"] = "#N/A"
        wb["Calls"].append([dt.datetime(2026, 11, 6), "Unknown Corp", "Talked", None])

    _edited(path, oracle, edit)
    _, payload = press(payload_from_xlsx(path), "check")
    rows = next(x for x in payload["sheets"] if x["name"] == macros.CHECK_SHEET)["values"]
    expected = macros.check_rows(on_file(oracle, "check"))
    assert [[v if v != "" else None for v in row] for row in rows] == expected
    found = {(r[0], r[1], r[2]) for r in expected[1:]}
    assert {("CRM", 5, "Need"), ("Calls", 3, "Outcome"), ("Calls", 5, "Customer")} <= found
    _, refreshed = press(payload_from_xlsx(path), "refresh")
    assert "row(s) skipped or read in part" in alerts(refreshed)[-1]


@pytest.mark.parametrize("shape", (shapes.crm_calls, shapes.colliding), ids=lambda f: f.__name__)
def test_a_leadbook_column_the_team_deleted_comes_back_under_its_mapped_name(tmp_path, shape, fixed_clock):
    path, oracle = adopted(tmp_path, shape)
    sheet = "CRM" if shape is shapes.crm_calls else "Leads"

    def edit(wb):
        ws = wb[sheet]
        header = next(
            r for r in range(1, 10) if ws.cell(r, 1).value == "Company" or ws.cell(r, 1).value == "Lead ID"
        )
        for name in ("Follow-up (leadbook)", "Status (leadbook)", "Follow-up", "Reasons"):
            cols = [c.column for c in ws[header] if c.value == name]
            for col in cols:
                ws.delete_cols(col)

    _edited(path, oracle, edit)
    payload = payload_from_xlsx(path)
    before = grid(payload)
    on_file(oracle, "refresh")
    _, payload = press(payload, "refresh")
    assert grid(payload) == grid(payload_from_xlsx(oracle))
    assert {k: v for k, v in grid(payload).items() if k in before} == before
    headers = [
        v for row in next(x for x in payload["sheets"] if x["name"] == sheet)["values"][:3] for v in row
    ]
    assert "Reasons" in headers
    if shape is shapes.colliding:
        assert "Status (leadbook)" in headers and "Follow-up (leadbook)" in headers


@pytest.mark.parametrize("shape", (shapes.crm_calls, shapes.colliding), ids=lambda f: f.__name__)
def test_highlight_and_import_follow_the_mapping_too(tmp_path, shape, fixed_clock):
    path, oracle = adopted(tmp_path, shape)

    def edit(wb):
        ws = wb.create_sheet(macros.INBOX_SHEET)
        for row in (["Name", "Company", "Email"], ["Dan Dale", "Dale Ltd", "dan@dale.test"]):
            ws.append(row)
        ws.append(["Ann Archer", "Acme Ltd", "ann@acme.test"])

    _edited(path, oracle, edit)
    payload = payload_from_xlsx(path)
    before = grid(payload)
    _, payload = press(payload, "highlight")
    book = FileBook(oracle)
    services.refresh(book, TODAY, columns=s.FOLLOW_UP_COLUMNS, now=NOW)
    book.close()
    assert grid(payload) == grid(payload_from_xlsx(oracle))
    _, payload = press(payload, "import_inbox")
    book = FileBook(oracle)
    raw = book.read(macros.INBOX_SHEET)
    services.import_rows(book, raw, f"the {macros.INBOX_SHEET} sheet", TODAY, NOW, macros.who())
    book.close()
    report = {k for k in grid(payload) if k[0] == macros.INBOX_SHEET and k[2] == 4}  # the Import column
    live = {k: v for k, v in grid(payload).items() if k not in report}
    assert live == grid(payload_from_xlsx(oracle))
    assert {k: v for k, v in grid(payload).items() if k in before} == before
    assert "Imported the Inbox sheet: 1 new" in alerts(payload)[-1]


def test_a_mapped_sheet_renamed_since_adopt_names_the_map_row(tmp_path, fixed_clock):
    path, _ = adopted(tmp_path, shapes.crm_calls)
    _edited(path, tmp_path / "oracle.xlsx", lambda wb: setattr(wb["Calls"], "title", "Calls 2026"))
    actions, after = press(payload_from_xlsx(path), "refresh")
    assert [a["func"] for a in actions] == ["alert"]
    assert "'Map: Touches sheet'" in alerts(after)[-1] and "Calls" in alerts(after)[-1]


def test_check_in_excel_lists_unread_touch_logs_on_a_book_with_leadbooks_names_too(tmp_path, fixed_clock):
    from leadbook.book.template import new_book
    from leadbook.core.sample import sample_book

    path = tmp_path / "book.xlsx"
    new_book(path, sample_book(20, None, TODAY))
    oracle = tmp_path / "oracle.xlsx"
    shutil.copy(path, oracle)
    _edited(path, oracle, lambda wb: wb.create_sheet("Old calls").append(["Date", "Lead ID", "Outcome"]))
    _, payload = press(payload_from_xlsx(path), "check")
    rows = next(x for x in payload["sheets"] if x["name"] == macros.CHECK_SHEET)["values"]
    expected = macros.check_rows(on_file(oracle, "check"))
    assert [[v if v != "" else None for v in row] for row in rows] == expected
    assert any(r[0] == "Old calls" and "--touches-sheet" in r[3] for r in expected[1:])


def test_calibrate_learns_from_the_teams_own_sheets_as_the_command_does(tmp_path, fixed_clock):
    """A history book whose leads and prospects sheets the team renamed (CRM, Deals): the
    Calibration sheet Excel rebuilds is the one `leadbook calibrate` rebuilds."""
    from calibrate_history import history

    from leadbook.book.template import new_book

    path = tmp_path / "history.xlsx"
    new_book(path, {name: frame.reset_index(drop=True) for name, frame in history(200).items()})
    wb = load_workbook(path)
    wb[s.LEADS].title, wb[s.PROSPECTS].title = "CRM", "Deals"
    wb.save(path)
    assert {m.name for m in adopt_package(path).mapping.sheets.values()} >= {"CRM", "Deals"}
    oracle = tmp_path / "oracle.xlsx"
    shutil.copy(path, oracle)
    _, payload = press(payload_from_xlsx(path), "calibrate")
    assert "Learned from 200 closed leads" in alerts(payload)[-1]
    book = FileBook(oracle)
    services.calibrate(book, TODAY, who=macros.who())
    book.close()
    assert grid(payload) == grid(payload_from_xlsx(oracle))


def test_merged_cells_where_leadbook_writes_stop_lite_as_they_stop_the_command(tmp_path, lite):
    """Lite (and desktop Excel) can say whether cells are merged: Refresh refuses before writing,
    as the command does; the team's own merged cells elsewhere stop nothing."""
    path, oracle = adopted(tmp_path, shapes.merged_owned)
    with pytest.raises(LeadbookError, match="merged cells D2:D3"):
        on_file(oracle, "refresh")
    double = run_async_script(lite, "refresh", payload_from_xlsx(path))
    assert [a["func"] for a in double.actions] == ["alert"]
    prompt = double.payload["_alerts"][-1]["prompt"]
    assert (
        prompt.startswith("Nothing was changed.") and "merged cells in D2:" in prompt and "unmerge" in prompt
    )
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    path, _ = adopted(theirs, shapes.merged)  # merged cells in the team's own Comments column
    double = run_async_script(lite, "refresh", payload_from_xlsx(path))
    assert "Nothing was changed" not in str(double.payload["_alerts"]) and len(double.actions) > 1
