"""New rows above a totals row: the totals move down, their formulas cover the new rows, a table's
Total Row stays last; what cannot follow the move is refused with a sentence and nothing is written.
Real files built with openpyxl, read back with openpyxl, python-calamine and LibreOffice."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import python_calamine
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.rule import FormulaRule
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.table import Table, TableColumn

from leadbook import services
from leadbook.book.adopt import adopt_package
from leadbook.book.filebook import FileBook
from leadbook.book.mapped import mapped
from leadbook.book.xlsx.shiftrefs import Move, move_range, moved_formula
from leadbook.core import schema as s
from leadbook.core.plan import AppendRows, Plan
from leadbook.core.problems import LeadbookError
from tests.trackers.shapes import LEADS

TODAY = dt.date(2026, 11, 23)
NOW = dt.datetime(2026, 11, 23, 9, 0)


def tracker(folder: Path, table: bool = False, edit=None) -> Path:
    """ "Sales Pipeline" (3 leads, two qualify) and "Prospects" ending in a totals row: a plain
    `Total | =COUNTA(A2:A2) | | =SUM(D2:D2)`, or a table "Deals" with a Total Row of SUBTOTALs."""
    wb = Workbook()
    leads = wb.active
    leads.title = "Sales Pipeline"
    leads.append(["Lead ID", "Name", "Company", "Source", "Need", "Budget", "Authority"])
    for i, lead in enumerate(LEADS, 1):
        leads.append([f"L{i}", lead[1], lead[0], lead[3], *lead[5:]])
    ws = wb.create_sheet("Prospects")
    ws.append(["Lead ID", "Name", "Stage", "Value"])
    ws.append(["L9", "Old Oak", "Won", 1200])
    if table:
        ws.append(["Total", "=SUBTOTAL(103,Deals[Name])", None, "=SUBTOTAL(109,Deals[Value])"])
        deals = Table(displayName="Deals", ref="A1:D3", totalsRowCount=1)
        deals._initialise_columns()
        deals.autoFilter.ref = "A1:D2"
        deals.tableColumns = [
            TableColumn(id=1, name="Lead ID", totalsRowLabel="Total"),
            TableColumn(id=2, name="Name", totalsRowFunction="count"),
            TableColumn(id=3, name="Stage"),
            TableColumn(id=4, name="Value", totalsRowFunction="sum"),
        ]
        ws.add_table(deals)
    else:
        ws.append(["Total", "=COUNTA(A2:A2)", None, "=SUM(D2:D2)"])
    touches = wb.create_sheet("Activities")
    touches.append(["Date", "Lead ID", "Activity", "Outcome"])
    touches.append([dt.datetime(2026, 11, 2), "L1", "Call", "Talked"])
    touches.append([dt.datetime(2026, 11, 4), "L3", "Call", "Meeting booked"])
    if edit:
        edit(wb)
    path = folder / ("table.xlsx" if table else "plain.xlsx")
    wb.save(path)
    return path


def recalculated(path: Path, out: Path) -> Path:
    """The book as LibreOffice saves it: every formula with its cached value (as Excel leaves them)."""
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "xlsx", "--outdir", str(out), str(path)],
        check=True,
        capture_output=True,
        timeout=240,
    )
    return out / path.name


def csv_of(path: Path, sheet_index: int, out: Path) -> list[list[str]]:
    """A sheet as LibreOffice computes it on opening the file (it recalculates what is marked so)."""
    subprocess.run(
        ["soffice", "--headless", "--convert-to", f"csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,{sheet_index}",
         "--outdir", str(out), str(path)],
        check=True,
        capture_output=True,
        timeout=240,
    )  # fmt: skip
    found = sorted(out.glob(f"{path.stem}*.csv"))
    return [line.split(",") for line in found[0].read_text().splitlines()]


def qualify(path: Path):
    book = FileBook(path)
    try:
        return services.qualify(book, TODAY, "test", NOW)
    finally:
        book.close()


def values(path: Path, sheet: str) -> list[list]:
    return python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def member(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read(name)


def test_qualify_adds_prospects_above_a_plain_totals_row_whose_sum_grows_over_them(tmp_path):
    source = tracker(tmp_path)
    path = recalculated(source, tmp_path / "lo")
    adopt_package(path)
    before = {c.coordinate: c.value for c in load_workbook(path)["Sales Pipeline"]._cells.values()}
    assert len(qualify(path).qualified) == 2

    ws = load_workbook(path)["Prospects"]
    assert [ws.cell(r, 1).value for r in range(2, 6)] == ["L9", "L1", "L3", "Total"]
    assert ws["B5"].value == "=COUNTA(A2:A4)" and ws["D5"].value == "=SUM(D2:D4)"
    assert ws["D2"].value == 1200 and ws.max_row == 5
    rows = values(path, "Prospects")
    assert [r[0] for r in rows] == ["Lead ID", "L9", "L1", "L3", "Total"]
    assert rows[4][1] == ""  # a moved total's stored result is dropped (it left out the new rows)
    assert rows[1][3] == 1200.0  # other cells keep theirs
    assert b'fullCalcOnLoad="1"' in member(path, "xl/workbook.xml")
    computed = csv_of(path, 2, tmp_path / "csv")
    assert computed[4][:4] == ["Total", "3", "", "1200"]  # LibreOffice's own total covers the new rows
    after = {c.coordinate: c.value for c in load_workbook(path)["Sales Pipeline"]._cells.values()}
    assert {k: v for k, v in after.items() if k in before} == before

    again = member(path, "xl/worksheets/sheet2.xml")
    assert len(qualify(path).qualified) == 0  # a second qualify adds nothing
    assert member(path, "xl/worksheets/sheet2.xml") == again


def test_a_tables_total_row_stays_its_last_row_and_its_subtotals_are_unchanged(tmp_path):
    path = tracker(tmp_path, table=True)
    adopt_package(path)
    assert len(qualify(path).qualified) == 2
    wb = load_workbook(path)
    ws = wb["Prospects"]
    deals = ws.tables["Deals"]
    assert deals.ref.startswith("A1:") and deals.ref.endswith("5") and deals.totalsRowCount == 1
    assert deals.autoFilter.ref.endswith("4")
    assert [ws.cell(r, 1).value for r in range(2, 6)] == ["L9", "L1", "L3", "Total"]
    assert ws["B5"].value == "=SUBTOTAL(103,Deals[Name])"
    assert ws["D5"].value == "=SUBTOTAL(109,Deals[Value])"
    assert [r[0] for r in values(path, "Prospects")] == ["Lead ID", "L9", "L1", "L3", "Total"]
    computed = csv_of(path, 2, tmp_path / "csv")
    assert computed[4][:4] == ["Total", "3", "", "1200"]
    assert len(qualify(path).qualified) == 0
    assert load_workbook(path)["Prospects"].max_row == 5


def test_a_logged_touch_goes_above_the_total_row_of_a_plain_books_touches_table(tmp_path):
    from leadbook.book.template import new_book
    from leadbook.core.sample import sample_book

    path = tmp_path / "book.xlsx"
    new_book(path, sample_book(5, 6, TODAY))
    wb = load_workbook(path)
    ws = wb[s.TOUCHES]
    table = next(iter(ws.tables.values()))
    last = ws.max_row + 1
    ws.cell(last, 1, "Total")
    ws.cell(last, 2, f"=SUBTOTAL(103,{table.displayName}[Lead ID])")
    table.ref = re.sub(r"\d+$", str(last), table.ref)
    table.totalsRowCount = 1
    wb.save(path)
    new = pd.DataFrame(
        {s.DATE: [pd.Timestamp(TODAY)] * 2, s.LEAD_ID: ["L00001", "L00002"], s.KIND: ["Call"] * 2}
    )
    book = FileBook(path)
    assert last not in book.read(s.TOUCHES).index  # the Total Row is not a touch
    assert not [p for p in services.check(book, TODAY) if p.row == last]
    book.apply(Plan([AppendRows(s.TOUCHES, new)]))
    book.close()
    ws = load_workbook(path)[s.TOUCHES]
    assert ws.cell(last + 2, 1).value == "Total"
    assert ws.cell(last + 2, 2).value == f"=SUBTOTAL(103,{table.displayName}[Lead ID])"
    assert [ws.cell(r, 2).value for r in (last, last + 1)] == ["L00001", "L00002"]
    assert ws.tables[table.displayName].ref.endswith(str(last + 2))


def _below(wb):
    wb["Prospects"]["T6"] = "note kept under the list, beside no header"


def _formula_elsewhere(wb):
    wb["Sales Pipeline"]["K2"] = "=Prospects!D3"


def _name(wb):
    wb.defined_names["Deals_total"] = DefinedName("Deals_total", attr_text="Prospects!$D$3")


def _rule_elsewhere(wb):
    wb["Sales Pipeline"].conditional_formatting.add("A2:A4", FormulaRule(formula=["$A2=Prospects!$A$3"]))


def _dropdown_elsewhere(wb):
    rule = DataValidation(type="list", formula1="Prospects!$A$2:$A$3", sqref="H2:H4")
    wb["Sales Pipeline"].add_data_validation(rule)


def _link_elsewhere(wb):
    wb["Sales Pipeline"]["K2"] = "to the total"
    wb["Sales Pipeline"]["K2"].hyperlink = Hyperlink(ref="K2", location="Prospects!D3")  # as Excel writes it


def _merged_across(wb):
    wb["Prospects"].merge_cells("F2:F3")


def _rule_on_total(wb):
    wb["Prospects"].conditional_formatting.add("D2:D2", FormulaRule(formula=["$D2>$D$3"]))


def _chart_below(wb):
    ws = wb["Prospects"]
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=4, min_row=1, max_row=2), titles_from_data=True)
    ws.add_chart(chart, "F5")


def _subtotal_inside(wb):
    ws = wb["Prospects"]
    ws.insert_rows(4)
    ws["A4"], ws["B4"], ws["C4"] = "L8", "Pine", "Lost"


@pytest.mark.parametrize(
    "edit, said",
    [
        (_below, "row 6 below it holds cells that are not totals"),
        (_formula_elsewhere, "the formula in 'Sales Pipeline'!K2 refers to Prospects!D3"),
        (_name, "the defined name 'Deals_total' refers to Prospects!$D$3"),
        (_rule_elsewhere, "a conditional format on 'Sales Pipeline' refers to Prospects!$A$3"),
        (
            _dropdown_elsewhere,
            "a dropdown (data validation) on 'Sales Pipeline' refers to Prospects!$A$2:$A$3",
        ),
        (_link_elsewhere, "a hyperlink on 'Sales Pipeline' refers to Prospects!D3"),
        (_merged_across, "the merged cells F2:F3 reach across it"),
        (_rule_on_total, "refers to $D$3"),
        (_chart_below, "a picture, chart or shape is placed at row 5"),
        (_subtotal_inside, "row 3 is a totals row with data below it (row 4)"),
    ],
    ids=lambda v: getattr(v, "__name__", "")[1:],
)
def test_what_cannot_follow_the_totals_row_is_refused_and_nothing_is_written(tmp_path, edit, said):
    path = tracker(tmp_path, edit=edit)
    adopt_package(path)
    before = path.read_bytes()
    with pytest.raises(LeadbookError) as refused:
        qualify(path)
    message = str(refused.value)
    assert said in message and message.startswith("Prospects row 3:") and "run again" in message
    assert path.read_bytes() == before


def _layout(wb):
    ws = wb["Prospects"]
    ws.print_area = "A1:D3"
    ws.conditional_formatting.add("A2:D3", FormulaRule(formula=['$C2="Won"']))
    rule = DataValidation(type="list", formula1='"Won,Lost,Qualified"', sqref="C2:C3")
    ws.add_data_validation(rule)
    ws["F3"] = "Total label"
    ws.merge_cells("F3:G3")


def test_the_sheets_own_ranges_follow_the_totals_row(tmp_path):
    path = tracker(tmp_path, edit=_layout)
    adopt_package(path)
    assert len(qualify(path).qualified) == 2
    wb = load_workbook(path)
    ws = wb["Prospects"]
    assert ws.print_area == "'Prospects'!$A$1:$D$5"
    assert {str(r.sqref) for r in ws.conditional_formatting} == {"A2:D5"}
    assert [str(v.sqref) for v in ws.data_validations.dataValidation][:1] == ["C2:C5"]
    assert {str(m) for m in ws.merged_cells.ranges} == {"F5:G5"} and ws["F5"].value == "Total label"


def test_new_rows_fill_blank_rows_above_the_totals_without_moving_it(tmp_path):
    def room(wb):
        ws = wb["Prospects"]
        ws.insert_rows(3, 4)  # rows 3-6 blank, the totals on row 7 (its formula updated as Excel does)
        ws["B7"], ws["D7"] = "=COUNTA(A2:A6)", "=SUM(D2:D6)"

    path = tracker(tmp_path, edit=room)
    adopt_package(path)
    assert len(qualify(path).qualified) == 2
    ws = load_workbook(path)["Prospects"]
    assert [ws.cell(r, 1).value for r in range(2, 8)] == ["L9", "L1", "L3", None, None, "Total"]
    assert ws["B7"].value == "=COUNTA(A2:A6)"


def test_moved_formulas_follow_the_rows_and_the_data_range_grows():
    move = Move("Prospects", at=4, by=2, first_new=4, new_last=5, totals=frozenset({4, 5}))
    assert moved_formula("SUM(D2:D3)", move) == "SUM(D2:D5)"
    assert moved_formula("SUM($D$2:$D$3)/D4", move) == "SUM($D$2:$D$5)/D6"
    assert moved_formula("SUBTOTAL(109,Deals[Value])", move) == "SUBTOTAL(109,Deals[Value])"
    assert moved_formula("SUM(Other!D2:D3)&amp;&quot;x&quot;", move) == "SUM(Other!D2:D3)&amp;&quot;x&quot;"
    assert moved_formula("'Prospects'!D2:D3", move) == "'Prospects'!D2:D5"
    assert moved_formula("D2", move) == "D2"  # one cell is not the data column's range
    assert moved_formula("SUM(D:D)", move) == "SUM(D:D)"
    assert move_range("A1:D5", move) == "A1:D7" and move_range("A2:A3", move) == "A2:A3"
    assert move_range("C2:C1048576", move) == "C2:C1048576"  # the sheet's last row stays the last


def test_merged_cells_where_refresh_writes_on_a_plain_book_are_refused_naming_them(tmp_path):
    from leadbook.book.template import new_book
    from leadbook.core.sample import sample_book

    path = tmp_path / "book.xlsx"
    new_book(path, sample_book(5, 6, TODAY))
    wb = load_workbook(path)
    ws = wb[s.LEADS]
    status = [c.value for c in ws[1]].index(s.STATUS) + 1
    letter = ws.cell(1, status).column_letter
    ws.merge_cells(f"{letter}2:{letter}3")
    wb.save(path)
    before = path.read_bytes()
    with pytest.raises(LeadbookError) as refused:
        services.refresh(FileBook(path), TODAY)
    assert f"Leads: leadbook would write into the merged cells {letter}2:{letter}3" in str(refused.value)
    assert path.read_bytes() == before


def test_an_unlabelled_total_row_of_a_table_is_not_read_as_data(tmp_path):
    def unlabelled(wb):
        wb["Prospects"]["A3"] = None  # the Total Row holds only its SUBTOTALs

    path = tracker(tmp_path, table=True, edit=unlabelled)
    adopt_package(path)
    book = FileBook(path)
    frames = services.read_frames(mapped(book))
    book.close()
    assert list(frames.prospects[s.LEAD_ID]) == ["L9"]
    assert len(qualify(path).qualified) == 2
    ws = load_workbook(path)["Prospects"]
    assert ws["D5"].value == "=SUBTOTAL(109,Deals[Value])" and ws["A4"].value == "L3"


def test_merged_cells_where_a_logged_touch_would_go_are_refused_naming_them(tmp_path):
    from leadbook.book.template import new_book
    from leadbook.core.sample import sample_book

    path = tmp_path / "book.xlsx"
    new_book(path, sample_book(5, 6, TODAY))
    wb = load_workbook(path)
    ws = wb[s.TOUCHES]
    below = ws.max_row + 1
    ws.merge_cells(f"A{below}:C{below}")
    wb.save(path)
    before = path.read_bytes()
    new = pd.DataFrame({s.DATE: [pd.Timestamp(TODAY)], s.LEAD_ID: ["L00001"], s.KIND: ["Call"]})
    with pytest.raises(LeadbookError) as refused:
        FileBook(path).apply(Plan([AppendRows(s.TOUCHES, new)]))
    assert f"Touches: leadbook would write into the merged cells A{below}:C{below}" in str(refused.value)
    assert path.read_bytes() == before


def test_touches_added_to_a_mapped_log_go_above_its_total_line(tmp_path):
    def total(wb):
        wb["Activities"].append(["Total", None, "=COUNTA(C2:C3)"])

    path = tracker(tmp_path, edit=total)
    adopt_package(path)
    new = pd.DataFrame(
        {s.DATE: [pd.Timestamp(TODAY)], s.LEAD_ID: ["L2"], s.KIND: ["Call"], s.OUTCOME: ["Talked"]}
    )
    book = mapped(FileBook(path))
    assert list(book.read(s.TOUCHES)[s.LEAD_ID]) == ["L1", "L3"]  # the total line is not a touch
    book.apply(Plan([AppendRows(s.TOUCHES, new)]))
    book.close()
    ws = load_workbook(path)["Activities"]
    assert [ws.cell(r, 2).value for r in (2, 3, 4)] == ["L1", "L3", "L2"]
    assert ws["A5"].value == "Total" and ws["C5"].value == "=COUNTA(C2:C4)"


X14_LIST = (
    b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
    b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    b'<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    b'<x14:dataValidation type="list" allowBlank="1" showErrorMessage="1"><x14:formula1>'
    b"<xm:f>Lists!$A$1:$A$3</xm:f></x14:formula1><xm:sqref>C2:C3</xm:sqref></x14:dataValidation>"
    b"</x14:dataValidations></ext></extLst>"
)


def test_a_dropdown_listed_from_another_sheet_as_excel_writes_it_follows_the_totals_row(tmp_path):
    """Excel keeps a dropdown whose list is on another sheet in the sheet's extLst (x14)."""

    def lists(wb):
        wb.create_sheet("Lists").append(["Won"])

    path = tracker(tmp_path, edit=lists)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    name = "xl/worksheets/sheet2.xml"
    parts[name] = parts[name].replace(b"</worksheet>", X14_LIST + b"</worksheet>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)
    adopt_package(path)
    assert len(qualify(path).qualified) == 2
    xml = member(path, name)
    assert b"<xm:sqref>C2:C5</xm:sqref>" in xml and b"<xm:f>Lists!$A$1:$A$3</xm:f>" in xml
    assert load_workbook(path)["Prospects"]["A5"].value == "Total"


def _with_x14(path: Path, name: str, fragment: bytes) -> None:
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts[name] = parts[name].replace(b"</worksheet>", fragment + b"</worksheet>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)


def test_a_dropdown_on_another_sheet_listing_the_rows_that_move_as_excel_writes_it_is_refused(tmp_path):
    """Excel keeps a dropdown listed from another sheet in extLst (x14): pointing at the totals row
    (Prospects!$A$2:$A$3), it is refused and nothing is written; one ending above it is left as it is."""
    path = tracker(tmp_path)
    _with_x14(path, "xl/worksheets/sheet1.xml", X14_LIST.replace(b"Lists!$A$1:$A$3", b"Prospects!$A$2:$A$3"))
    adopt_package(path)
    before = path.read_bytes()
    with pytest.raises(LeadbookError) as refused:
        qualify(path)
    assert "a dropdown (data validation) on 'Sales Pipeline' refers to Prospects!$A$2:$A$3" in str(
        refused.value
    )
    assert path.read_bytes() == before

    (tmp_path / "fine").mkdir()
    fine = tracker(tmp_path / "fine")
    _with_x14(fine, "xl/worksheets/sheet1.xml", X14_LIST.replace(b"Lists!$A$1:$A$3", b"Prospects!$A$2:$A$2"))
    adopt_package(fine)
    assert len(qualify(fine).qualified) == 2
    assert b"<xm:f>Prospects!$A$2:$A$2</xm:f>" in member(fine, "xl/worksheets/sheet1.xml")
    assert load_workbook(fine)["Prospects"]["A5"].value == "Total"
    assert values(fine, "Prospects")[4][0] == "Total"


@settings(deadline=None, max_examples=200)
@given(
    header=st.integers(1, 5),
    data=st.integers(0, 30),
    gap=st.integers(0, 5),
    count=st.integers(1, 40),
    r1=st.integers(1, 80),
    span=st.integers(0, 80),
)
def test_a_moved_totals_range_keeps_covering_what_it_covered_and_the_new_rows(
    header, data, gap, count, r1, span
):
    last_data = header + data
    at = last_data + gap + 1
    move = Move(
        "S", at, max(0, last_data + 1 + count - at), last_data + 1, last_data + count, frozenset({at})
    )
    r2 = r1 + span
    moved = moved_formula(f"SUM(D{r1}:D{r2})", move)
    n1, n2 = (int(n) for n in re.fullmatch(r"SUM\(D(\d+):D(\d+)\)", moved).groups())
    for r in range(r1, r2 + 1):  # every row it covered is covered where that row went
        assert n1 <= move.row(r) <= n2
    if r1 <= last_data <= r2 < at:  # the data column's range takes in the new rows
        assert n1 <= move.first_new and move.new_last <= n2
    if r2 < last_data:  # a range that ends above the list's end is left as written
        assert (n1, n2) == (r1, r2)
