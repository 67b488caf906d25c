import subprocess
import zipfile

import openpyxl
import pytest
import python_calamine
from factories import TODAY
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font, PatternFill

from leadbook.book.filebook import FileBook
from leadbook.book.install import HIGHLIGHTS
from leadbook.book.template import adopt_book, new_book
from leadbook.core import schema as s
from leadbook.core.problems import LeadbookError
from leadbook.core.sample import sample_book
from leadbook.core.settings import KEYS


def test_new_makes_every_sheet_with_a_table_dropdowns_and_frozen_header(tmp_path):
    path = tmp_path / "new.xlsx"
    new_book(path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == list(s.SHEETS)
    for sheet, columns in s.COLUMNS.items():
        ws = wb[sheet]
        assert sheet in ws.tables, sheet
        assert [c.value for c in ws[1]][: len(columns)] == list(columns)
        assert ws.freeze_panes == ("D2" if ws.title == s.LEADS else "A2")
    leads = wb[s.LEADS]
    lists = {dv.formula1 for dv in leads.data_validations.dataValidation}
    assert '"Yes,No,Unknown"' in lists and '"High,Medium,Low"' in lists
    assert any("Referral" in f for f in lists)
    touches = {dv.formula1 for dv in wb[s.TOUCHES].data_validations.dataValidation}
    assert '"Out,In"' in touches
    settings = [r[0] for r in wb[s.SETTINGS].iter_rows(min_row=2, values_only=True)]
    assert settings == KEYS
    reader = python_calamine.CalamineWorkbook.from_path(str(path))
    assert reader.sheet_names == list(s.SHEETS)


def test_new_refuses_to_overwrite(tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"mine")
    with pytest.raises(LeadbookError, match="never overwrites"):
        new_book(path)
    assert path.read_bytes() == b"mine"


def test_sample_is_readable_by_a_second_reader(tmp_path):
    path = tmp_path / "sample.xlsx"
    frames = sample_book(120, None, TODAY)
    new_book(path, frames)
    rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(s.TOUCHES).to_python()
    assert len(rows) - 1 == len(frames[s.TOUCHES])
    assert FileBook(path).read(s.LEADS)[s.LEAD_ID].tolist() == frames[s.LEADS][s.LEAD_ID].tolist()


def test_highlight_rules_key_on_the_follow_up_column(tmp_path):
    path = tmp_path / "hl.xlsx"
    new_book(path)
    ws = openpyxl.load_workbook(path)[s.LEADS]
    follow = openpyxl.utils.get_column_letter(s.LEAD_COLUMNS.index(s.FOLLOW_UP) + 1)
    nxt = openpyxl.utils.get_column_letter(s.LEAD_COLUMNS.index(s.NEXT_TOUCH) + 1)
    rules = [
        (str(rng.sqref), r.formula[0], r.dxf.fill.fgColor.rgb)
        for rng in ws.conditional_formatting
        for r in rng.rules
    ]
    assert [f for _, f, _ in rules] == [
        f'LEFT(${follow}2,{len(state)})="{state}"' for state, _, _ in HIGHLIGHTS
    ]
    assert all(sqref == f"{nxt}2:{nxt}1048576 {follow}2:{follow}1048576" for sqref, _, _ in rules)
    assert [rgb[-6:] for _, _, rgb in rules] == [fill for _, fill, _ in HIGHLIGHTS]


def tracker(path):
    """A team's own tracker: their headers, a formula, formats, an extra sheet, no Settings."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Leads"
    ws.append(["Lead #", "Company name", "E-mail", "Lead Source", "Sales rep", "Deal size", "Double"])
    ws.append(["A-1", "Acme", "a@acme.example", "Referral", "Bo", 1200, "=F2*2"])
    ws.append(["A-2", "Birch", "b@birch.example", "Website", "Cy", 800, "=F3*2"])
    ws["B2"].font = Font(bold=True, color="FF0000")
    ws["F2"].fill = PatternFill("solid", start_color="FFFF00")
    ws["F2"].number_format = "#,##0.00"
    ws.column_dimensions["B"].width = 31
    other = wb.create_sheet("Targets")
    other["A1"] = "Q4 target"
    other["B1"] = 50000
    wb.save(path)


def snapshot(path, sheet, max_col):
    ws = openpyxl.load_workbook(path)[sheet]
    return [
        (c.coordinate, c.value, c.font.b, c.font.color.rgb if c.font.color else None, c.fill.fgColor.rgb, c.number_format)
        for row in ws.iter_rows(max_col=max_col) for c in row
    ], ws.column_dimensions["B"].width  # fmt: skip


def test_adopt_maps_headers_adds_what_is_missing_and_keeps_everything_else(tmp_path):
    path = tmp_path / "tracker.xlsx"
    tracker(path)
    before_leads = snapshot(path, "Leads", 7)
    before_targets = snapshot(path, "Targets", 2)
    mapping, added = adopt_book(path)
    assert mapping["Leads"] == {
        "Lead #": s.LEAD_ID, "Company name": s.COMPANY, "E-mail": s.EMAIL, "Lead Source": s.SOURCE, "Sales rep": s.OWNER,
    }  # fmt: skip
    assert "sheet Settings" in added and "Leads column 'Score'" in added
    assert snapshot(path, "Leads", 7) == before_leads
    assert snapshot(path, "Targets", 2) == before_targets
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:2] == ["Leads", "Targets"] and set(s.SHEETS) <= set(wb.sheetnames)
    headers = [c.value for c in wb["Leads"][1]]
    assert headers[:7] == [
        "Lead #",
        "Company name",
        "E-mail",
        "Lead Source",
        "Sales rep",
        "Deal size",
        "Double",
    ]
    assert s.FOLLOW_UP in headers and s.NEED in headers
    assert "Lead ID" not in headers  # their "Lead #" is the Lead ID: not added twice
    values = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Leads").to_python()
    assert values[1][:6] == ["A-1", "Acme", "a@acme.example", "Referral", "Bo", 1200.0]
    leads = FileBook(path).read(s.LEADS)
    assert leads.loc[3, s.LEAD_ID] == "A-2" and leads.loc[3, "Deal size"] == 800


def test_adopt_twice_adds_nothing(tmp_path):
    path = tmp_path / "tracker.xlsx"
    tracker(path)
    adopt_book(path)
    before = path.read_bytes()
    _, added = adopt_book(path)
    assert added == [] and path.read_bytes() == before


def _members(path):
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist() if not i.is_dir()}


def complete_but_for_sheets(path, drop=(s.SETTINGS, s.SUMMARY, s.LOG, s.PROSPECTS)):
    """A leadbook whose Leads and Touches are complete, with a user sheet; some sheets deleted."""
    new_book(path)
    wb = openpyxl.load_workbook(path)
    for sheet in drop:
        del wb[sheet]
    mine = wb.create_sheet("Mine")
    mine.append(["Month", "Calls"])
    mine.append(["Jan", 3])
    chart = BarChart()
    chart.add_data(Reference(mine, min_col=2, min_row=1, max_row=2), titles_from_data=True)
    mine.add_chart(chart, "D2")
    wb.save(path)


def test_adopt_grafts_missing_sheets_and_keeps_every_part_of_the_tracker(tmp_path):
    path = tmp_path / "t.xlsx"
    complete_but_for_sheets(path)
    before = _members(path)
    _, added = adopt_book(path)
    assert {"sheet Settings", "sheet Summary", "sheet Log", "sheet Prospects"} <= set(added)
    assert "Leads column 'Score'" not in added
    after = _members(path)
    owned = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"}
    for name, data in before.items():
        if name not in owned:
            assert after[name] == data, name
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [s.LEADS, s.TOUCHES, "Mine", s.PROSPECTS, s.SETTINGS, s.SUMMARY, s.LOG]
    for sheet in (s.PROSPECTS, s.SETTINGS, s.LOG):
        ws = wb[sheet]
        assert sheet in ws.tables and ws.freeze_panes == "A2"
        assert [c.value for c in ws[1]][: len(s.COLUMNS[sheet])] == list(s.COLUMNS[sheet])
    assert [r[0] for r in wb[s.SETTINGS].iter_rows(min_row=2, values_only=True)] == KEYS
    assert wb[s.SETTINGS].column_dimensions["C"].width == 90
    stages = {dv.formula1 for dv in wb[s.PROSPECTS].data_validations.dataValidation}
    assert any("Won" in f for f in stages)
    tables = [parse_table(after, n) for n in after if n.startswith("xl/tables/")]
    assert len({t.get("id") for t in tables}) == len(tables) == 5
    assert len({t.get("displayName").lower() for t in tables}) == 5
    settings = FileBook(path).read(s.SETTINGS)
    assert settings[s.SETTING].tolist() == KEYS
    _, again = adopt_book(path)
    assert again == []


def parse_table(members, name):
    from leadbook.book.xlsx.graft import parse

    return parse(members[name])


def test_a_libreoffice_tracker_takes_the_new_sheets(tmp_path):
    source = tmp_path / "src.xlsx"
    complete_but_for_sheets(source, drop=(s.LOG, s.SUMMARY))
    out = tmp_path / "lo"
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
         "--convert-to", "xlsx", "--outdir", str(out), str(source)],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    path = out / "src.xlsx"
    before = _members(path)
    _, added = adopt_book(path)
    assert "sheet Log" in added and "sheet Summary" in added
    after = _members(path)
    assert after["xl/worksheets/sheet1.xml"] == before["xl/worksheets/sheet1.xml"]
    reader = python_calamine.CalamineWorkbook.from_path(str(path))
    assert reader.sheet_names[-2:] == [s.SUMMARY, s.LOG]
    assert reader.get_sheet_by_name(s.LOG).to_python()[0][: len(s.LOG_COLUMNS)] == list(s.LOG_COLUMNS)
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
         "--convert-to", "pdf", "--outdir", str(out), str(path)],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    assert (out / "src.pdf").stat().st_size > 1000
