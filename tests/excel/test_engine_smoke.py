"""Smoke tests for tests/excel/engine.py: xlwings' remote engine without Excel."""

from __future__ import annotations

import datetime as dt
import types

import openpyxl
import pandas as pd
import pytest
import xlwings as xw
from engine import (
    UnsupportedAction,
    apply_actions,
    call_udf,
    open_book,
    payload_from_xlsx,
    run_script,
    udf_meta,
)
from openpyxl.worksheet.table import Table, TableStyleInfo


@pytest.fixture
def xlsx(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Leads"
    ws.append(["Name", "Company", "Score", "Created"])
    ws.append(["Ann", "Acme", 3, dt.date(2024, 1, 5)])
    ws.append(["Bob", "Beta", 4.5, dt.datetime(2024, 2, 1, 9, 30)])
    ws["D2"].number_format = "yyyy-mm-dd"
    ws.add_table(
        Table(
            displayName="LeadsTable",
            ref="A1:D3",
            tableStyleInfo=TableStyleInfo(name="TableStyleMedium2", showRowStripes=True),
        )
    )
    other = wb.create_sheet("Summary")
    other["A1"] = "Total"
    other["B1"] = True
    wb.defined_names["TotalCell"] = openpyxl.workbook.defined_name.DefinedName(
        "TotalCell", attr_text="Summary!$B$1"
    )
    path = tmp_path / "leads.xlsx"
    wb.save(path)
    return path


def test_payload_shape(xlsx):
    p = payload_from_xlsx(xlsx)
    assert p["client"] == "Office.js" and p["version"] == xw.__version__
    assert p["book"] == {
        "name": "leads.xlsx",
        "active_sheet_index": 0,
        "selection": "A1",
        "calculation": "Automatic",
    }
    leads, summary = p["sheets"]
    assert leads["values"] == [
        ["Name", "Company", "Score", "Created"],
        ["Ann", "Acme", 3, "2024-01-05T00:00:00.000Z"],
        ["Bob", "Beta", 4.5, "2024-02-01T09:30:00.000Z"],
    ]
    assert leads["used_range_address"] == "A1:D3"
    table = leads["tables"][0]
    assert table["name"] == "LeadsTable"
    assert table["range_address"] == "A1:D3"
    assert table["data_body_range_address"] == "A2:D3"
    assert table["columns"] == ["Name", "Company", "Score", "Created"]
    assert summary["values"] == [["Total", True]]
    assert p["names"][0]["name"] == "TotalCell"
    assert p["names"][0]["address"] == "B1" and p["names"][0]["book_scope"] is True


def test_read_write_roundtrip(xlsx):
    payload = payload_from_xlsx(xlsx)
    book = open_book(payload)
    sheet = book.sheets["Leads"]

    # one call: a table's data as a DataFrame (header row + body)
    df = sheet.tables["LeadsTable"].range.options(pd.DataFrame, index=False).value
    assert list(df.columns) == ["Name", "Company", "Score", "Created"]
    assert df["Created"].tolist() == [pd.Timestamp("2024-01-05"), pd.Timestamp("2024-02-01 09:30")]
    # same via expand from A1
    df2 = sheet["A1"].options(pd.DataFrame, index=False, expand="table").value
    pd.testing.assert_frame_equal(df, df2)
    assert book.names["TotalCell"].refers_to_range.value is True

    # one call: write a block (DataFrame without index) and a 2D list
    out = pd.DataFrame({"Lead": ["Ann", "Bob"], "Grade": ["B", "A"], "Due": [dt.date(2024, 3, 1), None]})
    sheet["F1"].options(index=False).value = out
    book.sheets["Summary"]["A2"].value = [["Count", 2]]
    sheet.tables["LeadsTable"].rows.add(["Cy", "Corp", 1, "2024-04-01"])
    book.sheets.add("Log", after=book.sheets["Summary"])
    book.sheets["Log"]["A1"].value = "ran"
    sheet["A1"].select()
    book.app.alert("Done", title="leadbook")

    actions = book.json()
    funcs = [a["func"] for a in actions["actions"]]
    assert funcs == [
        "setValues",
        "setValues",
        "addTableRow",
        "addSheet",
        "setValues",
        "rangeSelect",
        "alert",
    ]

    new = apply_actions(payload, actions)
    leads = new["sheets"][0]
    assert leads["values"][0][5:] == ["Lead", "Grade", "Due"]
    assert leads["values"][1][5:] == ["Ann", "B", "2024-03-01T00:00:00.000Z"]
    assert leads["values"][2][5:] == ["Bob", "A", ""]
    assert leads["values"][3][:4] == ["Cy", "Corp", 1, "2024-04-01T00:00:00.000Z"]
    assert leads["tables"][0]["range_address"] == "A1:D4"
    assert [s["name"] for s in new["sheets"]] == ["Leads", "Summary", "Log"]
    assert new["sheets"][2]["values"] == [["ran"]]
    assert new["_alerts"] == [
        {"prompt": "Done", "title": "leadbook", "buttons": "ok", "mode": "", "callback": ""}
    ]
    assert payload["sheets"][0]["values"][3:] == []  # input payload untouched

    # a second run sees the new values
    book2 = open_book(new)
    t = book2.sheets["Leads"].tables["LeadsTable"]
    assert len(t.rows) == 3
    assert t.data_body_range.options(pd.DataFrame, index=False, header=False).value.shape == (3, 4)


def test_table_resize_update_and_clear(xlsx):
    payload = payload_from_xlsx(xlsx)
    book = open_book(payload)
    table = book.sheets["Leads"].tables["LeadsTable"]
    df = pd.DataFrame({"Name": ["Z"], "Company": ["Q"], "Score": [9], "Created": [dt.date(2025, 1, 1)]})
    table.update(df, index=False)  # resize + write header + body (+ clear leftovers)
    new = apply_actions(payload, book.json())
    leads = new["sheets"][0]
    assert leads["tables"][0]["range_address"] == "A1:D2"
    assert leads["values"] == [
        ["Name", "Company", "Score", "Created"],
        ["Z", "Q", 9, "2025-01-01T00:00:00.000Z"],
    ]


def test_unknown_action_raises(xlsx):
    payload = payload_from_xlsx(xlsx)
    with pytest.raises(UnsupportedAction):
        apply_actions(payload, [{"func": "noSuchThing", "args": []}])
    book = open_book(payload)
    book.sheets[0]["A1"].color = (255, 0, 0)  # formatting: known, no value effect
    assert apply_actions(payload, book.json())["_skipped"] == ["setRangeColor"]


def test_script_like_lite(xlsx):
    mod = types.ModuleType("toy_scripts")

    @xw.script
    def tag_leads(book: xw.Book, label: str):
        sheet = book.sheets["Leads"]
        n = len(sheet.tables["LeadsTable"].rows)
        sheet["E1"].value = [["Tag"]] + [[label]] * n

    mod.tag_leads = tag_leads
    actions, new = run_script(mod, "tag_leads", payload_from_xlsx(xlsx), "hot")
    assert actions["actions"][0]["func"] == "setValues"
    assert [row[4] for row in new["sheets"][0]["values"]] == ["Tag", "hot", "hot"]


# ------------------------------------------------------------------ custom functions
def _toy_udfs():
    mod = types.ModuleType("toy_udfs")

    @xw.func
    @xw.arg("x", ndim=2, doc="A block of numbers")
    def double(x):
        """Doubles every cell."""
        return [[v * 2 if v is not None else None for v in row] for row in x]

    @xw.func
    @xw.arg("df", pd.DataFrame, index=False, doc="Leads with a header row")
    @xw.ret(index=False)
    def scored(df):
        """Adds a score column."""
        return df.assign(score=df["a"] + df["b"])

    @xw.func
    def days_after(start: dt.datetime, days: int = 7):
        return start + dt.timedelta(days=days)

    @xw.func
    def where(caller: xw.Caller, x):
        return f"{caller.sheet_name}!{caller.address}={x}"

    for f in (double, scored, days_after, where):
        setattr(mod, f.__name__, f)
    return mod


def test_udf_meta():
    meta = udf_meta(_toy_udfs())
    funcs = {f["id"]: f for f in meta["functions"]}
    assert funcs["DOUBLE"]["description"] == "Doubles every cell."
    assert funcs["DOUBLE"]["parameters"] == [
        {
            "description": "A block of numbers",
            "name": "x",
            "dimensionality": "matrix",
            "type": "any",
        }
    ]
    assert funcs["DAYS_AFTER"]["parameters"][1]["optional"] is True
    assert [p["name"] for p in funcs["WHERE"]["parameters"]] == ["x"]  # caller hidden


def test_udf_calls():
    mod = _toy_udfs()
    assert call_udf(mod, "double", [[1, 2], [3, None]]) == [[2, 4], [6, ""]]
    assert call_udf(mod, "scored", [["a", "b"], [1, 2], [3, 4]]) == [
        ["a", "b", "score"],
        [1, 2, 3],
        [3, 4, 7],
    ]
    serial = call_udf(mod, "days_after", dt.date(2024, 1, 1), None)[0][0]
    assert xw.to_datetime(serial) == dt.datetime(2024, 1, 8)
    assert call_udf(mod, "where", "x", caller_address="[b.xlsx]Leads!$C$4") == [["Leads!C4=x"]]
