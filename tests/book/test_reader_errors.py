"""Error cells (#REF!, #N/A...) read as blank and are reported by check with sheet, row and column."""

import datetime as dt

import openpyxl
import pytest
import xlsxwriter

from leadbook import services
from leadbook.book.filebook import FileBook
from leadbook.book.template import new_book
from leadbook.core import schema as s

TODAY = dt.date(2026, 11, 23)


def book_with(path, leads, touches, settings=()):
    new_book(path)
    wb = openpyxl.load_workbook(path)
    for name, rows in ((s.LEADS, leads), (s.TOUCHES, touches)):
        ws = wb[name]
        headers = [c.value for c in ws[1]]
        for i, row in enumerate(rows, start=2):
            for column, value in row.items():
                ws.cell(i, headers.index(column) + 1, value)
    ws = wb[s.SETTINGS]
    for key, value in settings:
        ws.append([key, value])
    wb.save(path)


def located(problems):
    found = {}
    for p in problems:
        found[(p.sheet, p.row, p.column)] = found.get((p.sheet, p.row, p.column), "") + p.message + "|"
    return found


@pytest.mark.parametrize("mixed", [False, True])
def test_error_cells_are_blank_to_the_rules_and_listed_by_check(tmp_path, mixed):
    path = tmp_path / "book.xlsx"
    leads = [{s.LEAD_ID: "L1", s.NAME: "#N/A", s.CREATED: dt.date(2026, 11, 2)},
             {s.LEAD_ID: "#REF!", s.NAME: "Bo", s.CREATED: "#VALUE!" if not mixed else "2026-11-02"}]  # fmt: skip
    touches = [{s.DATE: dt.date(2026, 11, 20), s.LEAD_ID: "L1", s.KIND: "#DIV/0!", s.OUTCOME: "Talked"},
               {s.DATE: "#REF!", s.LEAD_ID: "L1", s.OUTCOME: "Talked"}]  # fmt: skip
    book_with(path, leads, touches, [("Industry: Retail", 5)] if not mixed else [("Need: Maybe", "#NUM!")])
    found = located(services.check(FileBook(path, services.NEEDS["check"]), TODAY))
    want = {(s.LEADS, 2, s.NAME): "#N/A", (s.LEADS, 3, s.LEAD_ID): "#REF!", (s.TOUCHES, 2, s.KIND): "#DIV/0!",
            (s.TOUCHES, 3, s.DATE): "#REF!"}  # fmt: skip
    want |= {(s.SETTINGS, 57, s.SETTING_VALUE): "#NUM!"} if mixed else {(s.LEADS, 3, s.CREATED): "#VALUE!"}
    for where, text in want.items():
        assert f"{text} is an error value" in found[where], where
    if mixed:
        return
    result = services.refresh(FileBook(path, services.NEEDS["refresh"]), TODAY, write=False)
    assert result.values.loc[2, s.TOUCH_COUNT] == 1  # the touch dated #REF! does not count
    assert result.values[s.LEAD_ID].tolist() == ["L1"]  # the row whose Lead ID is #REF! is not a lead


def test_a_column_holding_only_error_values_reads_without_a_traceback(tmp_path):
    path = tmp_path / "book.xlsx"
    book_with(path, [{s.LEAD_ID: "L1", s.NOTES: "#NAME?"}, {s.LEAD_ID: "L2", s.NOTES: "#NULL!"}], [])
    found = located(services.check(FileBook(path, services.NEEDS["check"]), TODAY))
    assert "#NAME? is an error value" in found[(s.LEADS, 2, s.NOTES)]
    assert "#NULL! is an error value" in found[(s.LEADS, 3, s.NOTES)]


def test_a_date_cell_holding_a_number_past_any_date_is_reported_not_a_traceback(tmp_path):
    path = tmp_path / "book.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    for name, header in ((s.LEADS, [s.LEAD_ID, s.NAME, s.CREATED]), (s.TOUCHES, [s.DATE, s.LEAD_ID])):
        ws = wb.add_worksheet(name)
        ws.write_row(0, 0, header)
    leads, touches = wb.get_worksheet_by_name(s.LEADS), wb.get_worksheet_by_name(s.TOUCHES)
    for r, number in enumerate([1e15, 2958466, 46000], start=1):
        leads.write_row(r, 0, [f"L{r}", "Bo"])
        leads.write_number(r, 2, number, date)
    touches.write_number(1, 0, 1e9, date)
    touches.write_string(1, 1, "L1")
    wb.close()
    found = located(services.check(FileBook(path, services.NEEDS["check"]), TODAY))
    assert "a date cell holding 1e+15 is no date" in found[(s.LEADS, 2, s.CREATED)]
    assert "2958466.0 is not a date" in found[(s.LEADS, 3, s.CREATED)]
    assert "a date cell holding 1e+09 is no date" in found[(s.TOUCHES, 2, s.DATE)]
    assert (s.LEADS, 4, s.CREATED) not in found


def test_a_date_cell_holding_1e300_is_read_by_openpyxl_instead_of_panicking(tmp_path):
    """calamine panics (a Rust PanicException, not an Exception) converting it; the reader falls back."""
    path = tmp_path / "book.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    for name in s.SHEETS:
        wb.add_worksheet(name).write_row(0, 0, list(s.COLUMNS.get(name, ("x",)))[:3])
    touches = wb.get_worksheet_by_name(s.TOUCHES)
    for r, value in enumerate([1e300, "soon", -1e300, 1e20], start=1):
        touches.write_string(r, 1, "L1")
        touches.write(r, 0, value, date)
    wb.get_worksheet_by_name(s.LEADS).write_row(1, 0, ["L1", dt.datetime(2026, 11, 2), "Bo"])
    wb.close()
    found = located(services.check(FileBook(path, services.NEEDS["check"]), TODAY))
    assert "'soon' is not a date" in found[(s.TOUCHES, 3, s.DATE)]
    for row in (2, 4, 5):
        assert found[(s.TOUCHES, row, s.DATE)].count("|") == 1, found[(s.TOUCHES, row, s.DATE)]
    result = services.refresh(FileBook(path, services.NEEDS["refresh"]), TODAY, write=False)
    assert result.values[s.TOUCH_COUNT].tolist() == [0]
