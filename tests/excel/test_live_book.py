"""LiveBook (leadbook/book/live.py) on real xlwings Book objects through the remote engine."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import numpy as np
import openpyxl
import pandas as pd
import pytest
from engine import apply_actions, open_book, payload_from_xlsx
from openpyxl.worksheet.table import Table

from leadbook.book.filebook import FileBook
from leadbook.book.live import LiveBook, excel_value, runs
from leadbook.core import schema as s
from leadbook.core.plan import AppendRows, Block, Chart, Plan, ReplaceSheet, SetCells


@pytest.fixture
def small(tmp_path):
    """Leads with a table (A1:D4, user column 'Mine' between owned ones), Log with an empty row."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = s.LEADS
    ws.append([s.LEAD_ID, s.SCORE, "Mine", s.GRADE])
    ws.append(["L1", 10, "keep", "D"])
    ws.append(["L2", 20, "keep", "D"])
    ws.append(["L3", 30, "keep", "D"])
    ws.add_table(Table(displayName="Leads", ref="A1:D4"))
    log = wb.create_sheet(s.LOG)
    log.append(list(s.LOG_COLUMNS))
    log.add_table(Table(displayName="Log", ref="A1:F2"))
    path = tmp_path / "small.xlsx"
    wb.save(path)
    return path


def _run(payload, change):
    book = open_book(payload)
    live = LiveBook(book)
    change(live)
    actions = book.json()["actions"]
    return actions, apply_actions(payload, actions)


def test_read_is_one_frame_like_the_file_backend(small):
    live = LiveBook(open_book(payload_from_xlsx(small)))
    frame = live.read("leads")  # sheet names are case-insensitive, as in FileBook
    pd.testing.assert_frame_equal(frame, FileBook(small).read(s.LEADS), check_dtype=False)
    assert list(frame.index) == [2, 3, 4]
    assert live.read("Nope") is None
    assert live.sheet_names() == [s.LEADS, s.LOG]


def test_set_cells_writes_one_block_per_run_of_adjacent_columns(small):
    payload = payload_from_xlsx(small)
    frame = pd.DataFrame({s.SCORE: [11, 33], s.GRADE: ["C", "A"]}, index=[2, 4])
    actions, new = _run(payload, lambda live: live.apply(Plan([SetCells(s.LEADS, frame)])))
    # Score and Grade are not adjacent (user column between): two writes, rows 2..4 each
    assert [(a["func"], a["start_column"], a["row_count"]) for a in actions] == [
        ("setValues", 1, 3),
        ("setValues", 3, 3),
    ]
    values = new["sheets"][0]["values"]
    assert [row[:4] for row in values[1:]] == [
        ["L1", 11, "keep", "C"],
        ["L2", 20, "keep", "D"],  # the row between is rewritten with what it held
        ["L3", 33, "keep", "A"],
    ]


def test_set_cells_adds_a_missing_column_and_grows_the_table(small):
    payload = payload_from_xlsx(small)
    frame = pd.DataFrame({s.STATUS: ["New"], s.QUALIFIED_ON: [pd.Timestamp("2025-01-02")]}, index=[3])
    actions, new = _run(payload, lambda live: live.apply(Plan([SetCells(s.LEADS, frame)])))
    assert [a["func"] for a in actions] == ["setValues", "setValues", "resizeTable"]
    leads = new["sheets"][0]
    assert leads["values"][0] == [s.LEAD_ID, s.SCORE, "Mine", s.GRADE, s.STATUS, s.QUALIFIED_ON]
    assert leads["values"][2][4:] == ["New", "2025-01-02T00:00:00.000Z"]
    assert leads["tables"][0]["range_address"] == "A1:F4"


def test_append_rows_fills_the_empty_table_row_then_grows(small):
    payload = payload_from_xlsx(small)
    log = pd.DataFrame(
        {
            s.WHEN: [pd.Timestamp("2025-01-02 09:30")] * 3,
            s.WHO: ["me"] * 3,
            s.ACTION: ["Qualified"] * 3,
            s.LEAD_ID: ["L1", "L2", "L3"],
        }
    )
    holder = {}

    def change(live):
        live.apply(Plan([AppendRows(s.LOG, log)]))
        holder["rows"] = live.appended[s.LOG]

    actions, new = _run(payload, change)
    assert [a["func"] for a in actions] == ["setValues", "resizeTable"]
    assert holder["rows"] == (2, 4)  # the template's empty body row is used first
    sheet = new["sheets"][1]
    assert sheet["values"][1][:4] == ["2025-01-02T09:30:00.000Z", "me", "Qualified", "L1"]
    assert sheet["tables"][0]["range_address"] == "A1:F4"


def test_an_empty_plan_writes_nothing(small):
    empty = Plan([SetCells(s.LEADS, pd.DataFrame({s.SCORE: []}))])
    actions, _ = _run(payload_from_xlsx(small), lambda live: live.apply(empty))
    assert actions == []


def test_replace_sheet_clears_and_writes_each_block_in_one_call(small):
    payload = payload_from_xlsx(small)
    funnel = pd.DataFrame({"Stage": ["Leads", "Won"], "Leads": [10, 2], "Rate": [1.0, 0.2]})
    owners = pd.DataFrame({"Owner": ["A", "B"], "Open": [3, 4], "Overdue": [1, 0]})
    op = ReplaceSheet(
        s.SUMMARY,
        "Summary as of 2025-01-02",
        [Block("Funnel", funnel, 3, 1, ("Rate",)), Block("Owners", owners, 8)],
        [
            Chart("bar", "Funnel", 0, ("Leads",), "H3"),
            Chart("column", "Overdue", 1, ("Overdue",), "H23"),  # not beside its categories
        ],
    )
    actions, new = _run(payload, lambda live: live.apply(Plan([op])))
    funcs = [a["func"] for a in actions]
    assert funcs == [
        "addSheet",
        "setValues",
        "setValues",
        "setNumberFormat",
        "setValues",
        "addChart",
        "setChartTitle",
        "addChart",
        "setChartXAxisValues",
        "setChartTitle",
    ]
    summary = new["sheets"][2]
    assert summary["name"] == s.SUMMARY
    assert summary["values"][0][0] == "Summary as of 2025-01-02"
    assert summary["values"][2][:3] == ["Funnel", "", ""]
    assert summary["values"][3][:3] == ["Stage", "Leads", "Rate"]
    assert summary["values"][5][:3] == ["Won", 2, 0.2]
    charts = [a for a in actions if a["func"] == "addChart"]
    assert charts[0]["args"][1] == "BarClustered" and charts[0]["args"][3] == "$A$4:$B$6"
    assert charts[1]["args"][3] == "$C$9:$C$11"  # the Overdue column; categories set apart

    # a second rebuild clears the sheet first (no addSheet, no stale cells)
    again = ReplaceSheet(s.SUMMARY, "Summary as of 2025-01-03", [Block("Owners", owners, 3)])
    actions, newer = _run(new, lambda live: live.apply(Plan([again])))
    assert [a["func"] for a in actions][:2] == ["sheetClear", "setValues"]
    assert len(newer["sheets"][2]["values"]) == 6


def test_excel_value_leaves_nothing_engines_cannot_write():
    assert excel_value(np.int64(3)) == 3 and type(excel_value(np.int64(3))) is int
    assert excel_value(np.float64("nan")) is None
    assert excel_value(pd.NaT) is None
    assert excel_value(np.bool_(True)) is True
    assert excel_value(pd.Timestamp("2025-01-02")) == dt.datetime(2025, 1, 2)
    assert excel_value(dt.date(2025, 1, 2)) == dt.datetime(2025, 1, 2)
    assert excel_value(np.datetime64("2025-01-02")) == dt.datetime(2025, 1, 2)
    assert runs([8, 1, 3, 2, 7]) == [[1, 2, 3], [7, 8]]


def test_live_path_imports_no_file_readers():
    """Lite (Pyodide) has no python-calamine: the live path must not import it, nor openpyxl."""
    code = (
        "import sys, leadbook.services, leadbook.book.live, leadbook.excel, "
        "leadbook.excel.macros, leadbook.excel.udfs; "
        "print(sorted(m for m in ('python_calamine', 'openpyxl') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_table_bounds_after_a_resize_within_one_run_never_shrink_back(small):
    """The remote engine keeps a table's old bounds after a resize within a run: two writes that
    each grow Log (an append, then a new column on those rows) must not shrink it back."""
    payload = payload_from_xlsx(small)
    log = pd.DataFrame({s.WHEN: [pd.Timestamp("2025-01-02 09:30")] * 3, s.LEAD_ID: ["L1", "L2", "L3"]})
    extra = pd.DataFrame({"Checked": ["yes"] * 3}, index=[2, 3, 4])
    stale = {}

    def change(live):
        live.apply(Plan([AppendRows(s.LOG, log)]))
        stale["range"] = live.sheet(s.LOG).tables[0].range.address  # what the engine still reports
        live.apply(Plan([SetCells(s.LOG, extra)]))

    actions, new = _run(payload, change)
    assert stale["range"] == "$A$1:$F$2"  # the engine's view: not updated by the resize
    resizes = [a["args"][1] for a in actions if a["func"] == "resizeTable"]
    assert resizes == ["$A$1:$F$4", "$A$1:$G$4"]  # grows twice, never back to A1:F2
    assert new["sheets"][1]["tables"][0]["range_address"] == "A1:G4"
