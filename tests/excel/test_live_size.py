"""Excel for the web at size: every Lite action stays within Office.js' request limits.

A book of 8,000 leads / 40,000 touches (generated like the bench books) is far above where the old
single read failed (~2,400 leads: its one request was over 5 MB); each action runs through the
double of xlwings' Office.js client, which raises on any request or response over 5 MB or read
over 5M cells, and records every call.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from officejs import LIMIT_BYTES, LIMIT_CELLS, run_async_script

ROOT = Path(__file__).parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from engine import load_lite  # noqa: E402
from gen import generate  # noqa: E402
from live import payload  # noqa: E402

from leadbook.book import live as live_backend  # noqa: E402
from leadbook.book.live_read import TARGET_BYTES  # noqa: E402

ACTIONS = ("refresh", "highlight", "qualify", "summary", "check", "log_touch")


@pytest.fixture(scope="module")
def lite():
    return load_lite("leadbook_lite_size")


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, dict]:
    root = tmp_path_factory.mktemp("live-size")
    made = {}
    for size, counts in {"small": (300, 1_500), "big": (8_000, 40_000)}.items():
        path = root / f"{size}.xlsx"
        generate("S", path, counts=counts)
        made[size] = payload(path)
    return made


def test_the_big_book_is_over_what_one_request_may_carry(books):
    values = {s["name"]: s["values"] for s in books["big"]["sheets"]}
    assert len(json.dumps(values).encode()) > LIMIT_BYTES  # the old path's single read failed here


@pytest.mark.parametrize("action", ACTIONS)
def test_every_request_of_every_action_stays_within_the_limits(books, lite, action):
    double = run_async_script(lite, action, books["big"])  # raises PayloadTooLarge over a limit
    assert double.calls, "the action talked to Excel"
    assert max(c.sent for c in double.calls) <= LIMIT_BYTES
    assert max(c.received for c in double.calls) <= LIMIT_BYTES
    assert max(c.cells for c in double.calls) <= LIMIT_CELLS
    assert not [a for a in double.payload["_alerts"] if "Nothing was changed" in str(a)]


def test_log_touch_costs_the_same_whatever_the_size_of_the_log(books, lite):
    small, big = (run_async_script(lite, "log_touch", books[k]) for k in ("small", "big"))
    cost = [sum(c.sent + c.received for c in d.calls) for d in (small, big)]
    assert len(small.calls) == len(big.calls)
    assert abs(cost[1] - cost[0]) < 200  # bytes: only the row numbers' digits differ


def test_a_book_over_the_web_limit_is_refused_before_any_value_is_read(books, lite, monkeypatch):
    monkeypatch.setattr(live_backend, "WEB_LIMITS", {"Leads": 1_000, "Touches": 10**9})
    double = run_async_script(lite, "refresh", books["big"])
    assert sum(c.cells for c in double.calls) == 0
    assert [a for a in double.actions if a["func"] not in ("alert",)] == []
    alerts = json.dumps(double.payload["_alerts"])
    assert "Nothing was changed" in alerts and "8,000 rows" in alerts


@pytest.fixture(scope="module")
def mapped_book(tmp_path_factory) -> tuple[Path, dict]:
    """A bench book whose sheets the team renamed (CRM, Calls), adopted by the CLI's path: its
    mapping stored; 4,000 leads / 20,000 touches, more than one of leadbook's requests carries."""
    from openpyxl import load_workbook

    from leadbook.book.adopt import adopt_package

    path = tmp_path_factory.mktemp("live-size-mapped") / "crm.xlsx"
    generate("S", path, counts=(4_000, 20_000))
    wb = load_workbook(path)
    wb["Leads"].title, wb["Touches"].title = "CRM", "Calls"
    wb.save(path)
    assert {m.name for m in adopt_package(path).mapping.sheets.values()} >= {"CRM", "Calls"}
    return path, payload(path, "CRM")


@pytest.mark.parametrize("action", ("refresh", "qualify", "summary", "check", "log_touch"))
def test_a_mapped_book_is_read_whole_within_the_limits(mapped_book, lite, action):
    _, book = mapped_book
    values = {s["name"]: s["values"] for s in book["sheets"] if s["name"] in ("CRM", "Calls")}
    assert len(json.dumps(values).encode()) > TARGET_BYTES  # read whole, so read in chunks
    double = run_async_script(lite, action, book)
    assert len([c for c in double.calls if c.func == "getRangeValues" and c.cells > 10_000]) >= 2
    assert max(c.sent for c in double.calls) <= LIMIT_BYTES
    assert max(c.received for c in double.calls) <= LIMIT_BYTES
    assert max(c.cells for c in double.calls) <= LIMIT_CELLS
    assert len(double.calls) < 40  # chunks of ~2 MB, not a request per row or cell
    assert not [a for a in double.payload["_alerts"] if "Nothing was changed" in str(a)]
    if action == "log_touch":  # it says nothing: it selects the new touch's Kind cell on Calls
        assert any(a["func"] == "setValues" for a in double.actions)
    else:
        assert double.payload["_alerts"], action


def test_a_mapped_book_over_the_web_limit_is_refused_by_its_own_name(mapped_book, lite, monkeypatch):
    monkeypatch.setattr(live_backend, "WEB_LIMITS", {"Leads": 1_000, "Touches": 10**9})
    double = run_async_script(lite, "refresh", mapped_book[1])
    settings = next(s for s in mapped_book[1]["sheets"] if s["name"] == "Settings")
    assert sum(c.cells for c in double.calls) <= sum(map(len, settings["values"]))  # Settings only
    alerts = json.dumps(double.payload["_alerts"])
    assert "Nothing was changed" in alerts and "CRM has 4,000 rows" in alerts
