"""The typed file reader gives the frames the cell-by-cell path (python-calamine rows) gives."""

import datetime as dt
from pathlib import Path

import hypothesis.strategies as st
import openpyxl
import pandas as pd
import python_calamine
import xlsxwriter
from hypothesis import HealthCheck, given, settings

from leadbook.book.base import frame_from_rows
from leadbook.book.filebook import FileBook
from leadbook.book.reader import header_position
from leadbook.core import schema as s
from leadbook.core.clean import clean


def write_book(path: Path, sheet: str, cells: dict[tuple[int, int], object]) -> Path:
    """A one-sheet book; cells by 0-based (row, col); ('=', formula, cached) writes a formula."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(sheet)
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    for (r, c), value in cells.items():
        if isinstance(value, tuple):
            ws.write_formula(r, c, value[1], None, value[2])
        elif isinstance(value, dt.date):
            ws.write_datetime(r, c, value, date)
        elif isinstance(value, str):
            ws.write_string(r, c, value)
        else:
            ws.write(r, c, value)
    wb.close()
    return path


def exact(path: Path, sheet: str) -> pd.DataFrame:
    rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet)
    return frame_from_rows(sheet, rows.to_python(skip_empty_area=False))[0]


def assert_same_as_exact(path: Path, sheet: str) -> pd.DataFrame:
    """The cleaned frames and the problems agree with the cell-by-cell read; returns the raw frame."""
    raw, reference = FileBook(path).read(sheet), exact(path, sheet)
    assert list(raw.columns) == list(reference.columns)
    assert raw.index.tolist() == reference.index.tolist()
    got, want = clean(sheet, raw), clean(sheet, reference)
    pd.testing.assert_frame_equal(got[0], want[0])
    assert [p for p in got[1] if "is an error value" not in p.message] == want[1]  # calamine: errors are ""
    return raw


def row(r: int, values: list[object], col: int = 0) -> dict[tuple[int, int], object]:
    return {(r, col + j): v for j, v in enumerate(values) if v is not None}


def test_a_title_above_the_header_and_a_blank_gap_keep_excel_row_numbers(tmp_path):
    cells = {(1, 2): "Our leads 2026"}  # one cell: a title, not the header
    cells |= row(3, ["ID", "Date added", "Contact", "Need"], col=1)
    cells |= row(4, ["L1", dt.date(2026, 3, 1), "Ann", "yes"], col=1)
    cells |= row(7, ["L2", dt.date(2026, 3, 2), "Bo", "NO"], col=1)
    path = write_book(tmp_path / "t.xlsx", s.LEADS, cells)
    assert header_position(path, s.LEADS) == 3
    raw = assert_same_as_exact(path, s.LEADS)
    assert raw.index.tolist() == [5, 8]
    assert list(raw.columns) == [s.LEAD_ID, s.CREATED, s.NAME, s.NEED]
    cleaned = clean(s.LEADS, raw)[0]
    assert cleaned.loc[8, s.NEED] == "No" and cleaned.loc[5, s.CREATED] == pd.Timestamp("2026-03-01")


def test_typed_columns_are_read_typed_with_blanks_as_none(tmp_path):
    cells = row(0, [s.DATE, s.LEAD_ID, s.KIND, s.NOTES, "Count"])
    cells |= row(1, [dt.datetime(2026, 1, 2, 9, 30), "L1", "Call", "", 2])
    cells |= row(2, [dt.date(2026, 1, 3), "L2", "email", "met", None])
    path = write_book(tmp_path / "t.xlsx", s.TOUCHES, cells)
    raw = assert_same_as_exact(path, s.TOUCHES)
    assert raw[s.DATE].dtype == "datetime64[ns]"
    assert raw.loc[2, s.NOTES] is None and raw.loc[3, "Count"] is None and raw.loc[2, "Count"] == 2.0


def test_mixed_columns_read_cell_by_cell(tmp_path):
    cells = row(0, [s.LEAD_ID, s.CREATED, s.PHONE, s.NEED])
    cells |= row(1, [1, dt.date(2026, 3, 1), 5551234, 1])
    cells |= row(2, ["1", "2026-03-02", "555-1234", "Yes"])
    cells |= row(3, [1.0, 45000, None, True])
    cells |= row(4, ["L-5", "soon", None, "maybe"])
    path = write_book(tmp_path / "t.xlsx", s.LEADS, cells)
    raw = assert_same_as_exact(path, s.LEADS)
    assert raw.loc[2, s.PHONE] == 5551234.0  # a number stays a number next to text
    cleaned, problems = clean(s.LEADS, raw)
    assert cleaned[s.LEAD_ID].tolist() == ["1", "1", "1", "L-5"]
    assert cleaned.loc[4, s.CREATED] == pd.Timestamp("2023-03-15")  # serial 45000
    assert [(p.row, p.column) for p in problems] == [(5, s.CREATED), (2, s.NEED), (4, s.NEED), (5, s.NEED)]


def test_formulas_read_their_cached_values_and_errors_read_blank_and_are_kept_to_report(tmp_path):
    cells = row(0, [s.LEAD_ID, s.COMPANY, s.SOURCE])
    cells |= row(1, [("=", '="L"&ROW()', "L2"), ("=", "=NA()", "#N/A"), "Referral"])
    cells |= row(2, ["L3", "Acme", ("=", "=1/0", "#DIV/0!")])
    path = write_book(tmp_path / "t.xlsx", s.LEADS, cells)
    raw = assert_same_as_exact(path, s.LEADS)
    assert raw[s.LEAD_ID].tolist() == ["L2", "L3"]
    assert raw.loc[2, s.COMPANY] is None and pd.isna(raw.loc[3, s.SOURCE])
    assert raw.attrs[s.CELL_ERRORS] == {(2, s.COMPANY): "#N/A", (3, s.SOURCE): "#DIV/0!"}


def test_a_repeated_header_is_read_once(tmp_path):
    cells = row(0, [s.LEAD_ID, s.NOTES, s.NOTES, "Notes_1"]) | row(1, ["L1", "a", "b", "c"])
    path = write_book(tmp_path / "t.xlsx", s.LEADS, cells)
    raw = assert_same_as_exact(path, s.LEADS)
    assert list(raw.columns) == [s.LEAD_ID, s.NOTES, "Notes_1"]
    assert raw.loc[2, s.NOTES] == "a" and raw.loc[2, "Notes_1"] == "c"


def test_a_sheet_without_a_header_in_its_first_rows_reads_no_rows(tmp_path):
    path = write_book(tmp_path / "t.xlsx", s.LEADS, {(25, 0): "late", (26, 1): "x"})
    for raw in (FileBook(path).read(s.LEADS), exact(path, s.LEADS)):
        assert raw.empty and raw.columns.empty and len(raw) == 0


def test_a_book_saved_by_openpyxl_reads_the_same(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = s.TOUCHES
    ws.append([None])
    ws.append([s.DATE, "Lead", "Type", "Result"])
    ws.append([dt.datetime(2026, 2, 1), "L1", "Call", "Talked"])
    ws.append([None, None, None, None])
    ws.append([dt.datetime(2026, 2, 3), "L2", "Meeting", "replied"])
    wb.save(tmp_path / "o.xlsx")
    raw = assert_same_as_exact(tmp_path / "o.xlsx", s.TOUCHES)
    assert raw.index.tolist() == [3, 5]


TEXT = st.sampled_from(["", " ", "Yes", "no", "Call", "L1", "1", "2026-01-05", "soon", "Referral"])
NUMBER = st.one_of(st.integers(-3, 50_000), st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: round(x, 3)))
DATE = st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31))
KINDS = {
    "text": TEXT,
    "number": NUMBER,
    "date": DATE,
    "mixed": st.one_of(TEXT, NUMBER, DATE, st.booleans()),
}
COLUMNS = [s.LEAD_ID, s.DATE, s.KIND, s.OWNER, s.NOTES, s.NEXT_DATE]


def test_dates_no_timestamp_holds_are_reported_not_a_traceback(tmp_path):
    cells = row(0, [s.DATE, s.LEAD_ID, s.NEXT_DATE]) | row(1, [dt.date(9999, 1, 1), "L1", 132321])
    cells |= row(2, [dt.date(2026, 1, 1), "L2", dt.date(2026, 2, 1)])
    raw = assert_same_as_exact(write_book(tmp_path / "t.xlsx", s.TOUCHES, cells), s.TOUCHES)
    cleaned, problems = clean(s.TOUCHES, raw)
    assert [(p.row, p.column) for p in problems] == [(2, s.DATE), (2, s.NEXT_DATE)]
    assert cleaned.loc[3, s.DATE] == pd.Timestamp("2026-01-01") and pd.isna(cleaned.loc[2, s.DATE])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.data(),
    st.integers(0, 3),
    st.lists(
        st.sampled_from(["text", "number", "date", "mixed"] * 3 + ["text", "date"]), min_size=6, max_size=6
    ),
)
def test_any_sheet_reads_as_the_cell_by_cell_path_does(tmp_path, data, top, kinds):
    """Typed columns and mixed ones (mostly typed sheets: the fast path), blanks anywhere, a header at any
    of the first rows."""
    cells = row(top, COLUMNS)
    columns = [st.one_of(st.none(), KINDS[kind]) for kind in kinds]
    body = data.draw(st.lists(st.tuples(*columns), max_size=12))
    for i, values in enumerate(body):
        cells |= row(top + 1 + i, list(values))
    path = write_book(tmp_path / "h.xlsx", s.TOUCHES, cells)
    assert_same_as_exact(path, s.TOUCHES)


def test_reading_only_the_columns_an_action_needs_gives_those_columns_as_a_full_read(tmp_path):
    cells = row(0, ["Touch date", "Lead", "Type", s.NOTES, "Mine"])
    cells |= row(1, [dt.date(2026, 1, 2), "L1", "Call", "x", 1])
    cells |= row(2, [None, None, None, "only a note", "y"])  # blank in the needed columns
    cells |= row(3, [dt.date(2026, 1, 4), "L2", "Email", None, 3])
    typed = write_book(tmp_path / "typed.xlsx", s.TOUCHES, cells)
    mixed = write_book(tmp_path / "mixed.xlsx", s.TOUCHES, cells | {(4, 0): "soon", (4, 1): 7})
    for path in (typed, mixed):
        needs = {s.TOUCHES: (s.DATE, s.LEAD_ID, s.OUTCOME)}
        got = FileBook(path, needs).read(s.TOUCHES)
        full = FileBook(path).read(s.TOUCHES)[[s.DATE, s.LEAD_ID]]
        assert list(got.columns) == [s.DATE, s.LEAD_ID]
        assert got.index.tolist() == [i for i in full.index if i != 3]
        pd.testing.assert_frame_equal(clean(s.TOUCHES, got)[0], clean(s.TOUCHES, full.drop(index=3))[0])
