"""The Excel buttons on a book without a stored mapping whose lists end in a totals line, through
xlwings' remote engine: the totals line is not read as a lead, and a button that would add rows
below it changes nothing and says why (as on a mapped book, tests/excel/test_live_mapped.py)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from engine import apply_actions, frozen_clock, load_lite, open_book, payload_from_xlsx
from officejs import run_async_script
from openpyxl import load_workbook

from leadbook import services
from leadbook.book.filebook import FileBook
from leadbook.book.template import new_book
from leadbook.core import schema as s
from leadbook.core.sample import sample_book
from leadbook.excel import macros

TODAY = dt.date(2026, 11, 23)
NOW = dt.datetime(2026, 11, 23, 9, 0)


@pytest.fixture
def fixed_clock(monkeypatch):
    clock = frozen_clock(TODAY, NOW)
    monkeypatch.setattr(macros, "dt", clock)
    monkeypatch.setattr(services, "dt", clock)


def made(folder: Path, sheets=(s.LEADS, s.PROSPECTS)) -> tuple[Path, dict[str, int]]:
    """A book `leadbook new` made, a totals line typed under the lists `sheets` (their rows)."""
    path = folder / "made.xlsx"
    new_book(path, sample_book(5, 60, TODAY))
    wb = load_workbook(path)
    rows = {}
    for name in sheets:
        ws = wb[name]
        rows[name] = ws.max_row + 1
        ws.cell(rows[name], 1, "Total")
        ws.cell(rows[name], 2, f"=COUNTA(A2:A{rows[name] - 1})")
    wb.save(path)
    return path, rows


def press(payload: dict, name: str) -> tuple[list[dict], dict]:
    book = open_book(payload)
    getattr(macros, name)(book)
    actions = book.json()["actions"]
    return actions, apply_actions(payload, actions)


def alerts(payload: dict) -> list[str]:
    return [a["prompt"] for a in payload.get("_alerts", [])]


def sheet(payload: dict, name: str) -> list[list]:
    return next(x for x in payload["sheets"] if x["name"] == name)["values"]


def test_refresh_leaves_the_totals_line_alone_and_qualify_refuses_to_add_below_it(tmp_path, fixed_clock):
    path, rows = made(tmp_path)
    oracle = tmp_path / "oracle.xlsx"
    shutil.copy(path, oracle)
    book = FileBook(oracle)
    services.refresh(book, TODAY, who=macros.who(), now=NOW)
    book.close()
    book = FileBook(oracle)
    assert len(services.qualify(book, TODAY, macros.who(), NOW).qualified)  # the file adds above the totals
    book.close()

    _, refreshed = press(payload_from_xlsx(path), "refresh")
    assert "Nothing was changed" not in alerts(refreshed)[-1]
    leads = sheet(refreshed, s.LEADS)
    total = leads[rows[s.LEADS] - 1]
    assert total[0] == "Total" and all(v in (None, "") for v in total[2:])  # not scored, no Status
    assert leads[rows[s.LEADS] - 2][leads[0].index(s.SCORE)] not in (None, "")  # the lead above is

    actions, after = press(refreshed, "qualify")
    assert [a["func"] for a in actions] == ["alert"]  # nothing written
    message = alerts(after)[-1]
    row = rows[s.PROSPECTS]
    assert message.startswith(f"Nothing was changed. Prospects row {row}: row {row} is a totals row")
    assert "move the totals row above the header" in message and "leadbook qualify" in message
    assert sheet(after, s.PROSPECTS) == sheet(refreshed, s.PROSPECTS)


def test_log_touch_refuses_to_add_a_touch_below_the_logs_totals_line(tmp_path, fixed_clock):
    path, rows = made(tmp_path, sheets=(s.TOUCHES,))
    payload = payload_from_xlsx(path, active_sheet=s.LEADS, selection="C3")
    actions, after = press(payload, "log_touch")
    assert [a["func"] for a in actions] == ["alert"]
    row = rows[s.TOUCHES]
    assert alerts(after)[-1].startswith(f"Nothing was changed. Touches row {row}: row {row} is a totals row")
    assert sheet(after, s.TOUCHES) == sheet(payload, s.TOUCHES)
    (tmp_path / "fine").mkdir()
    fine, _ = made(tmp_path / "fine", sheets=())
    actions, _ = press(payload_from_xlsx(fine, active_sheet=s.LEADS, selection="C3"), "log_touch")
    assert "alert" not in [a["func"] for a in actions][:1]  # without a totals line the touch is added


def test_the_lite_log_touch_refuses_the_same_way(tmp_path, fixed_clock):
    lite = load_lite("leadbook_lite_totals")
    path, rows = made(tmp_path, sheets=(s.TOUCHES,))
    payload = payload_from_xlsx(path, active_sheet=s.LEADS, selection="C3")
    double = run_async_script(lite, "log_touch", payload)
    said = [str(a) for a in double.payload["_alerts"]]
    row = rows[s.TOUCHES]
    assert any(f"Nothing was changed. Touches row {row}: row {row} is a totals row" in a for a in said), said
    assert sheet(double.payload, s.TOUCHES) == sheet(payload, s.TOUCHES)
