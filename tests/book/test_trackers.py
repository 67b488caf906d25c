"""adopt on trackers shaped like real ones: the mapping found, what every command then reads and
writes, and every cell leadbook does not own unchanged (re-opened with openpyxl and python-calamine)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import python_calamine
from openpyxl import load_workbook

from leadbook import services
from leadbook.book.adopt import Options, adopt_package
from leadbook.book.filebook import FileBook
from leadbook.book.mapped import mapped
from leadbook.core import schema as s
from leadbook.core.problems import LeadbookError
from tests.trackers import shapes

TODAY = dt.date(2026, 11, 23)
NOW = dt.datetime(2026, 11, 23, 9, 0)

# shape -> (sheets found {role: (sheet, header row)}, touch lead by, leads, touches' Lead IDs,
#           qualified count or the refusal qualify gives)
EXPECT = {
    "crm_calls": (
        {s.LEADS: ("CRM", 3), s.TOUCHES: ("Calls", 1), s.PROSPECTS: ("Opportunities", 1)},
        s.COMPANY, ["L00001", "L00002", "L00003"], ["L00001", "L00002", "L00003"], 2,
    ),
    "pipeline_row4": (
        {s.LEADS: ("Pipeline", 4), s.TOUCHES: ("Contact log", 1)},
        s.LEAD_ID, ["R-1", "R-2", "R-3"], ["R-1", "R-3"], 2,
    ),
    "colliding": (
        {s.LEADS: ("Leads", 1), s.TOUCHES: ("Touches", 1), s.SETTINGS: ("Settings (leadbook)", 0),
         s.SUMMARY: ("Summary (leadbook)", 0), s.LOG: ("Log (leadbook)", 0)},
        s.LEAD_ID, ["L1", "L2", "L3"], ["L1", "L3"], 2,
    ),
    "totals": (
        {s.LEADS: ("Sales Pipeline", 1), s.TOUCHES: ("Activities", 1), s.PROSPECTS: ("Prospects", 1)},
        s.LEAD_ID, ["L1", "L2", "L3"], ["L1", "L3"], 2,
    ),
    "merged": (
        {s.LEADS: ("Client Tracker", 2), s.TOUCHES: ("Call log", 1)},
        s.EMAIL, ["L00001", "L00002", "L00003"], ["L00001", "L00003"], 2,
    ),
    "merged_owned": (
        {s.LEADS: ("Leads", 1), s.TOUCHES: ("Touches", 1)},
        s.LEAD_ID, ["L1", "L2", "L3"], ["L1"], "merged cells D2:D3",
    ),
    "duplicates": (
        {s.LEADS: ("Contacts", 1), s.TOUCHES: ("Activity", 1)},
        s.EMAIL, ["L00001", "L00002", "L00003"], ["L00001", "L00002"], 1,
    ),
    "deep_header": (
        {s.LEADS: ("Sheet1", 25), s.TOUCHES: ("History", 1)},
        s.NAME, ["L00001", "L00002", "L00003"], ["L00001", "L00003"], 2,
    ),
    "follow_ups": (
        {s.LEADS: ("Leads", 1), s.TOUCHES: ("Follow-ups", 1)},
        s.COMPANY, ["L1", "L2", "L3"], ["L1"], 0,
    ),
}  # fmt: skip


def cells(path):
    """Every filled cell of every sheet, as openpyxl and as python-calamine read it."""
    wb = load_workbook(path)
    by_openpyxl = {
        (ws.title, c.coordinate): c.value
        for ws in wb
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    }
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    by_calamine = {}
    for name in book.sheet_names:
        for r, row in enumerate(book.get_sheet_by_name(name).to_python(skip_empty_area=False), 1):
            by_calamine.update({(name, r, c): v for c, v in enumerate(row, 1) if v not in (None, "")})
    return by_openpyxl, by_calamine, {ws.title: set(map(str, ws.merged_cells.ranges)) for ws in wb}


# shape -> (sheet, totals row, rows it moves down as qualify adds prospects above it, its formulas after)
MOVED = {"totals": ("Prospects", 3, 2, {"D5": "=SUM(D2:D4)"})}


def as_moved(found, moved):
    """The cells of `cells(path)` where the totals rows went (openpyxl: formulas as rewritten)."""
    if moved is None:
        return found
    sheet, at, by, formulas = moved
    by_openpyxl, by_calamine, merged = found
    openpyxl_moved = {}
    for (name, ref), value in by_openpyxl.items():
        col, row = ref.rstrip("0123456789"), int(ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        if name == sheet and row >= at:
            ref = f"{col}{row + by}"
            value = formulas.get(ref, value)
        openpyxl_moved[(name, ref)] = value
    calamine_moved = {
        (name, r + by if name == sheet and r >= at else r, c): v for (name, r, c), v in by_calamine.items()
    }
    return openpyxl_moved, calamine_moved, merged


def run(path, action, *args):
    book = FileBook(path)
    try:
        return action(book, *args)
    finally:
        book.close()


def every_command(path):
    """refresh, qualify and summary through the stored mapping; a refusal comes back as its text."""
    results = {}
    for name, action, args in (
        ("refresh", services.refresh, (TODAY,)),
        ("qualify", services.qualify, (TODAY, "test", NOW)),
        ("summary", services.summary, (TODAY,)),
    ):
        try:
            results[name] = run(path, action, *args)
        except LeadbookError as exc:
            results[name] = str(exc)
    return results


@pytest.mark.parametrize("shape", shapes.SHAPES, ids=lambda f: f.__name__)
def test_adopt_finds_the_trackers_sheets_and_changes_none_of_its_cells(tmp_path, shape):
    sheets, lead_by, lead_ids, touch_ids, qualified = EXPECT[shape.__name__]
    path = shape(tmp_path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    dry = adopt_package(path, dry_run=True)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest  # --dry-run writes nothing
    before, before_calamine, before_merged = as_moved(cells(path), MOVED.get(shape.__name__))

    adoption = adopt_package(path)
    assert not adoption.mapping.unsure
    assert {r: (m.name, m.header) for r, m in adoption.mapping.sheets.items()} == sheets
    assert {r: (m.name, m.header) for r, m in dry.mapping.sheets.items()} == sheets
    if s.TOUCHES in sheets:
        assert adoption.mapping.sheets[s.TOUCHES].lead_by == lead_by

    book = FileBook(path)
    frames = services.read_frames(mapped(book))
    book.close()
    assert list(frames.leads[s.LEAD_ID]) == lead_ids  # totals rows are not leads
    assert list(frames.touches[s.LEAD_ID]) == touch_ids  # names, companies, emails resolved
    results = every_command(path)
    if isinstance(qualified, str):
        refused = results["refresh"]
        assert qualified in refused and "run again" in refused
    else:
        assert isinstance(results["refresh"], services.Refreshed)
        assert len(results["qualify"].qualified) == qualified

    after, after_calamine, after_merged = cells(path)
    assert {k: v for k, v in after.items() if k in before} == before
    assert {k: v for k, v in after_calamine.items() if k in before_calamine} == before_calamine
    for sheet, ranges in before_merged.items():
        assert ranges <= after_merged[sheet]


def test_user_status_follow_up_and_sheets_stay_theirs(tmp_path):
    path = shapes.colliding(tmp_path)
    adopt_package(path)
    every_command(path)
    wb = load_workbook(path)
    leads = wb["Leads"]
    headers = [c.value for c in leads[1]]
    assert headers[4:6] == ["Status", "Follow up"]
    assert [leads.cell(r, 5).value for r in (2, 3, 4)] == ["Hot", "Cold", "Warm"]
    ours = headers.index("Status (leadbook)") + 1
    assert [leads.cell(r, ours).value for r in (2, 3, 4)] == ["Prospect", "Disqualified", "Prospect"]
    assert "Follow-up (leadbook)" in headers
    assert wb["Summary"]["A1"].value == "Team dashboard"
    assert str(wb["Summary (leadbook)"]["A1"].value).startswith("Summary as of")
    assert [c.value for c in wb["Settings"][1]] == ["Regions", "Sizes"]
    assert wb["Log"]["A2"].value == "W45"
    assert any(
        r[2].value == "Moved to Prospects" or r[2].value for r in wb["Log (leadbook)"].iter_rows(min_row=2)
    )
    keys = [r[0].value for r in wb["Settings (leadbook)"].iter_rows(min_row=2)]
    assert "Map: Leads column Status" in keys and "Map: Summary sheet" in keys


def test_a_touch_log_keyed_by_company_counts_for_its_lead(tmp_path):
    path = shapes.crm_calls(tmp_path)
    adopt_package(path)
    result = run(path, services.refresh, TODAY)
    assert list(result.values[s.TOUCH_COUNT]) == [1, 1, 1]
    assert not result.orphans
    wb = load_workbook(path)
    crm = wb["CRM"]
    headers = [c.value for c in crm[3]]
    assert crm["A1"].value == "Lead tracker · Last updated:"  # the title row is not the header
    assert [crm.cell(r, 5).value for r in (4, 5, 6)] == ["Hot", "Cold", "Warm"]
    assert crm.cell(4, headers.index("Lead ID") + 1).value == "L00001"
    last = crm.cell(4, headers.index("Last touch") + 1)
    assert last.number_format == "dd/mm/yyyy"  # the tracker's own date format
    reasons = crm.column_dimensions[crm.cell(3, headers.index("Reasons") + 1).column_letter].width
    assert reasons >= 40


def test_adopt_twice_then_every_command_twice_changes_nothing_the_second_time(tmp_path):
    for shape in (shapes.crm_calls, shapes.colliding, shapes.deep_header, shapes.duplicates, shapes.totals):
        folder = tmp_path / shape.__name__
        folder.mkdir()
        path = shape(folder)
        adopt_package(path)
        every_command(path)
        first = cells(path)
        assert adopt_package(path).added == []
        every_command(path)
        again = cells(path)
        # only the Summary heading's date and chart anchors may be rebuilt; every other cell is the same
        assert {k: v for k, v in again[0].items() if "Summary" not in k[0]} == {
            k: v for k, v in first[0].items() if "Summary" not in k[0]
        }
        assert again[1].keys() == first[1].keys()


def test_an_unsure_guess_names_the_option_and_writes_nothing(tmp_path):
    path = tmp_path / "two.xlsx"
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Tab A"
    wb["Tab A"].append(["Name", "Company", "Email"])
    wb.create_sheet("Tab B").append(["Name", "Company", "Email"])
    wb.save(path)
    digest = path.read_bytes()
    adoption = adopt_package(path)
    assert any("--leads-sheet NAME" in u for u in adoption.mapping.unsure)
    assert path.read_bytes() == digest
    chosen = adopt_package(path, Options({s.LEADS: "Tab B"}))
    assert chosen.mapping.sheets[s.LEADS].name == "Tab B"
    assert load_workbook(path)["Tab A"].max_column == 3


def test_header_row_option_and_stored_mapping_are_used_by_later_commands(tmp_path):
    path = shapes.pipeline_row4(tmp_path)
    adopt_package(path, Options(header_rows={"Pipeline": 4}))
    book = FileBook(path)
    rows = book.read("Settings")
    book.close()
    stored = dict(zip(rows[s.SETTING], rows[s.SETTING_VALUE], strict=True))
    assert stored["Map: Leads sheet"] == "Pipeline"
    assert int(stored["Map: Leads header row"]) == 4
    assert stored["Map: Leads column Lead ID"] == "Ref"


def test_check_reports_repeated_headers_unread_touch_logs_and_the_mapping(tmp_path):
    from leadbook.core.mapping_check import mapping_lines

    path = shapes.duplicates(tmp_path)
    adopt_package(path)
    wb = load_workbook(path)
    wb.create_sheet("Old calls").append(["Date", "Lead ID", "Outcome"])
    wb.save(path)
    book = FileBook(path)
    problems = services.check(book, TODAY)
    lines = mapping_lines(mapped(book).mapping)
    book.close()
    repeated = [p for p in problems if p.sheet == "Contacts"]
    assert (
        repeated and repeated[0].row == 1 and "column F repeats the header of column D" in repeated[0].message
    )
    unread = [p for p in problems if p.sheet == "Old calls"]
    assert unread and "--touches-sheet" in unread[0].message
    assert "Leads is read from 'Contacts' (header row 1)" in lines


def test_error_values_on_a_mapped_sheet_are_reported_by_check_and_read_as_blank(tmp_path):
    path = shapes.crm_calls(tmp_path)
    adopt_package(path)
    wb = load_workbook(path)
    wb["CRM"]["F5"] = "#REF!"  # Need of Birch plc (row 5), an error value
    wb["Calls"]["C3"] = "#N/A"  # Outcome of the second call
    wb.save(path)
    problems = run(path, services.check, TODAY)
    errors = sorted((p.sheet, p.row, p.column) for p in problems if "error value" in p.message)
    assert errors == [("CRM", 5, s.NEED), ("Calls", 3, s.OUTCOME)]  # the team's own sheet names
    leads = run(path, lambda book: mapped(book).read(s.LEADS))
    assert leads.loc[5, s.NEED] is None


def test_check_names_the_teams_own_sheets_and_headers(tmp_path):
    path = shapes.crm_calls(tmp_path)
    adopt_package(path)
    wb = load_workbook(path)
    wb["Calls"].append([dt.date(2026, 11, 6), "Unknown Corp", "Talked", None])
    wb.save(path)
    orphans = [p for p in run(path, services.check, TODAY) if "not on the Leads sheet" in p.message]
    assert [(p.sheet, p.row, p.column) for p in orphans] == [("Calls", 5, "Customer")]
