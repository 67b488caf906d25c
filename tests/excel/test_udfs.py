"""The worksheet functions (leadbook/excel/udfs.py) through xlwings' own metadata and call path.

Arguments are passed as Excel passes ranges (2D arrays, blanks as null, dates as serials), and
the results are compared with the core functions on the same workbook read by the file backend.
"""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest
import xlwings as xw
from engine import call_udf, open_book, payload_from_xlsx, udf_meta

from leadbook.book.filebook import FileBook
from leadbook.book.template import new_book
from leadbook.core import schema as s
from leadbook.core.cadence import follow_up
from leadbook.core.sample import sample_book
from leadbook.core.scoring import score_leads
from leadbook.excel import udfs
from leadbook.services import read_frames

TODAY = dt.date(2025, 3, 3)
NAMES = ("LB_SCORE", "LB_GRADE", "LB_REASONS", "LB_NEXT_TOUCH", "LB_FOLLOWUP", "LB_TOUCHES")
SCORE_ARGS = ["answers", "source", "lead_ids", "touches", "settings", "today"]
FOLLOW_ARGS = ["lead_ids", "touches", "created", "settings", "today"]


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = tmp_path_factory.mktemp("udfs") / "leads.xlsx"
    new_book(path, sample_book(200, None, TODAY))
    return path


@pytest.fixture(scope="module")
def ranges(book):
    """Each sheet's cells as Excel hands a range to a function: with ([#All]) and without header."""
    wb = openpyxl.load_workbook(book)
    out = {}
    for name in (s.LEADS, s.TOUCHES, s.SETTINGS):
        rows = [list(r) for r in wb[name].iter_rows(values_only=True)]
        out[name] = rows
    return out


def columns(rows, first, last=None):
    """Leads[[first]:[last]]: the body of a block of columns (no header row)."""
    header = rows[0]
    a, b = header.index(first), header.index(last or first)
    return [row[a : b + 1] for row in rows[1:]]


@pytest.fixture(scope="module")
def frames(book):
    return read_frames(FileBook(book))


def flat(result):
    assert all(len(row) == 1 for row in result), result
    return [row[0] for row in result]


def test_metadata_names_help_and_arguments():
    meta = {f["name"]: f for f in udf_meta(udfs)["functions"]}
    assert set(meta) == set(NAMES)
    for name in NAMES:
        assert meta[name]["description"] == getattr(udfs, name).__doc__
        assert len(meta[name]["description"]) < 255  # Excel's function-wizard limit (desktop)
        for p in meta[name]["parameters"]:
            assert not p["description"].startswith("Positional argument"), (name, p)
    for name in ("LB_SCORE", "LB_GRADE", "LB_REASONS"):
        params = meta[name]["parameters"]
        assert [p["name"] for p in params] == SCORE_ARGS
        assert [p.get("optional", False) for p in params] == [False] + [True] * 5
    for name in ("LB_NEXT_TOUCH", "LB_FOLLOWUP"):
        params = meta[name]["parameters"]
        assert [p["name"] for p in params] == FOLLOW_ARGS
        assert [p.get("optional", False) for p in params] == [False, False, True, True, True]
    assert [p["name"] for p in meta["LB_TOUCHES"]["parameters"]] == ["lead_ids", "touches"]
    assert "Leads[[Need]:[Timing]]" in meta["LB_SCORE"]["parameters"][0]["description"]


def test_score_grade_reasons_spill_one_column_like_the_core(ranges, frames):
    leads = ranges[s.LEADS]
    args = (
        columns(leads, s.NEED, s.TIMING),
        columns(leads, s.SOURCE),
        columns(leads, s.LEAD_ID),
        ranges[s.TOUCHES],  # Touches[#All]
        ranges[s.SETTINGS],  # Settings[#All]
        TODAY,
    )
    expected = score_leads(frames.leads, frames.touches, frames.settings, TODAY)
    score = flat(call_udf(udfs, "LB_SCORE", *args))
    assert len(score) == len(expected) == 200
    assert score == expected[s.SCORE].tolist()
    assert flat(call_udf(udfs, "LB_GRADE", *args)) == expected[s.GRADE].tolist()
    assert flat(call_udf(udfs, "LB_REASONS", *args)) == expected[s.REASONS].tolist()
    # the whole table with its header row gives the same, without the separate columns
    assert flat(call_udf(udfs, "LB_SCORE", leads, None, None, ranges[s.TOUCHES], None, TODAY)) == score


def test_follow_up_functions_match_the_core(ranges, frames):
    leads, touches = ranges[s.LEADS], ranges[s.TOUCHES]
    expected = follow_up(frames.leads, frames.touches, frames.settings, TODAY)
    body = touches[1:]  # Touches (no header): the contract's 8 columns in order
    args = (columns(leads, s.LEAD_ID), body, columns(leads, s.CREATED), None, TODAY)
    states = flat(call_udf(udfs, "LB_FOLLOWUP", *args))
    # without Status and the flags the functions see only what they are given
    done = frames.leads[s.STATUS].eq("Prospect").to_numpy()
    flags = (frames.leads[[s.DO_NOT_CALL, s.DO_NOT_CONTACT]].notna().any(axis=1)).to_numpy()
    keep = ~done & ~flags
    assert [x for x, k in zip(states, keep, strict=True) if k] == expected[s.FOLLOW_UP][keep].tolist()
    # with the whole Leads table (header row) Status and the flags count too
    whole = (leads, touches, None, None, TODAY)
    assert flat(call_udf(udfs, "LB_FOLLOWUP", *whole)) == expected[s.FOLLOW_UP].tolist()
    dates = flat(call_udf(udfs, "LB_NEXT_TOUCH", *whole))
    want = [
        {
            "type": "FormattedNumber",
            "basicValue": float((d - pd.Timestamp("1899-12-30")).days),
            "numberFormat": "yyyy-mm-dd",
        }
        if pd.notna(d)
        else ""
        for d in expected[s.NEXT_TOUCH]
    ]
    assert dates == want
    counts = flat(call_udf(udfs, "LB_TOUCHES", columns(leads, s.LEAD_ID), touches))
    assert counts == expected[s.TOUCH_COUNT].tolist()


def test_one_lead_in_one_cell():
    row = [["Yes", "Yes", "Yes", "Yes", "Yes", "High", "0-3 months"]]
    assert call_udf(udfs, "LB_SCORE", row, "Referral", None, None, None, None) == [[90]]
    assert call_udf(udfs, "LB_GRADE", row, "Referral", None, None, None, None) == [["A"]]
    blank = [[None] * 7, ["No", None, None, None, None, None, None]]
    assert call_udf(udfs, "LB_SCORE", blank, None, None, None, None, None) == [[""], [0]]


def test_settings_argument_changes_weights_and_reads_holiday_serials():
    row = [["Yes"] + [None] * 6]
    settings = [[s.SETTING, s.SETTING_VALUE, s.MEANING], ["Need: Yes", 35, ""]]
    assert call_udf(udfs, "LB_SCORE", row, None, None, None, settings, None) == [[35]]
    # Friday 2025-02-28 + 1 business day = Monday 3 March, a holiday here -> Tuesday 4 March
    holiday = [["Holiday", dt.date(2025, 3, 3)]]  # sent as a serial number, like Excel does
    result = call_udf(udfs, "LB_NEXT_TOUCH", ["L1"], None, [dt.date(2025, 2, 28)], holiday, TODAY)
    assert result == [["#LEADBOOK: touches is missing; give the Touches table, e.g. Touches[#All]"]]
    touches = [list(s.TOUCH_COLUMNS)]
    result = call_udf(udfs, "LB_NEXT_TOUCH", ["L1"], touches, [dt.date(2025, 2, 28)], holiday, TODAY)
    assert xw.to_datetime(result[0][0]["basicValue"]).date() == dt.date(2025, 3, 4)


def test_text_dates_in_touches_follow_the_date_order_in_settings():
    # "03/04/2026" is 3 April day first, 4 March month first; Auto reads it as no date at all.
    touches = [list(s.TOUCH_COLUMNS), ["03/04/2026", "L1", "Call", "Out", "No answer", None, None, None]]
    created = [dt.date(2026, 1, 5)]
    last = {}
    for order in ("Day first", "Month first", "Auto"):
        settings = [["Date order", order]]
        result = call_udf(udfs, "LB_NEXT_TOUCH", ["L1"], touches, created, settings, dt.date(2026, 5, 1))
        last[order] = xw.to_datetime(result[0][0]["basicValue"]).date()
    assert last["Day first"] == dt.date(2026, 4, 6)  # Friday 3 April + the first cadence step (1 day)
    assert last["Month first"] == dt.date(2026, 3, 5)  # Wednesday 4 March + 1 business day
    assert last["Auto"] not in (last["Day first"], last["Month first"])  # no touch read: first-touch rule


def test_errors_are_readable_text_never_a_traceback():
    row = [["Yes"] + [None] * 6]
    bad = [["Need: Yes", "lots"]]
    assert call_udf(udfs, "LB_SCORE", row, None, None, None, bad, None) == [
        [
            "#LEADBOOK: Settings row 2, column 'Value': 'Need: Yes' is 'lots'; it must be a number; fix it on the Settings sheet"
        ]
    ]
    assert call_udf(udfs, "LB_SCORE", [["Yes", "No"]], None, None, None, None, None) == [
        ["#LEADBOOK: answers has 2 column(s); give the 7 columns Need to Timing or include the header row"]
    ]
    two = [row[0], row[0]]
    assert call_udf(udfs, "LB_GRADE", two, [["Referral"]], None, None, None, None) == [
        ["#LEADBOOK: source has 1 value(s) for 2 lead(s); give one per lead"]
    ]
    assert call_udf(udfs, "LB_TOUCHES", ["L1"], [["Date", "Kind"], [1, "Call"]]) == [
        ["#LEADBOOK: touches has no Lead ID column; pass the whole Touches table"]
    ]
    assert call_udf(udfs, "LB_FOLLOWUP", ["L1"], [list(s.TOUCH_COLUMNS)], None, None, "soon") == [
        ["#LEADBOOK: today is 'soon'; give a date such as TODAY()"]
    ]


def test_desktop_reads_settings_from_the_workbook_of_the_calling_cell(book, tmp_path):
    """Desktop xlwings passes the calling range to `caller`: its workbook's Settings count, not
    those of `xw.Book.caller()` (the add-in the functions were imported into)."""
    payload = payload_from_xlsx(book)
    settings = next(x for x in payload["sheets"] if x["name"] == s.SETTINGS)
    settings["values"][1][1] = 40  # Need: Yes
    row = [["Yes"] + [None] * 6]
    assert call_udf(udfs, "LB_SCORE", row, None, None, None, None, None) == [[20]]  # Lite: defaults
    calling = open_book(payload).sheets[s.LEADS]["Z2"]  # the cell holding =LB_SCORE(...)
    addin = open_book(payload_from_xlsx(book))  # another book: what Book.caller() would give
    addin.set_mock_caller()
    try:
        assert udfs.LB_SCORE(row, caller=calling) == [[40]]
        assert udfs.LB_GRADE(row, caller=calling) == [["C"]]  # 40 >= Grade C from 30 (defaults: 20, D)
        next_touch = udfs.LB_NEXT_TOUCH([["L1"]], [list(s.TOUCH_COLUMNS)], caller=calling)
        assert isinstance(next_touch[0][0], dt.datetime)  # a date, never a serial number
    finally:
        del xw.Book._mock_caller


@pytest.mark.parametrize("name", ["LB_SCORE", "LB_GRADE", "LB_REASONS", "LB_NEXT_TOUCH", "LB_FOLLOWUP"])
def test_caller_is_never_an_excel_argument(name):
    """`caller` is the desktop's reserved name and, on Server/Lite, an injected xw.Caller: Excel
    never shows it as an argument."""
    import inspect

    function = getattr(udfs, name)
    assert list(inspect.signature(function).parameters)[-1] == "caller"
    assert function.__annotations__["caller"] is xw.Caller  # this engine injects it
    meta = next(f for f in udf_meta(udfs)["functions"] if f["name"] == name)
    assert "caller" not in [p["name"] for p in meta["parameters"]]
