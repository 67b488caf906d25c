"""The live and the file backends give identical results on the same workbook.

One copy goes through FileBook (python-calamine + openpyxl), the other through LiveBook on
xlwings' remote engine (the path of the ribbon and of xlwings Lite): refresh, then qualify.
Leads' owned columns, Prospects and Log must match cell by cell.
"""

from __future__ import annotations

import datetime as dt
import shutil

import pandas as pd
from engine import apply_actions, open_book, payload_from_xlsx

from leadbook import services
from leadbook.book.filebook import FileBook
from leadbook.book.live import LiveBook
from leadbook.book.template import new_book
from leadbook.core import schema as s
from leadbook.core.sample import sample_book

TODAY = dt.date(2025, 3, 3)
NOW = dt.datetime(2025, 3, 3, 9, 30)
WHO = "tester"


def cell(value: object) -> object:
    """One comparable form per cell: numbers as float, dates as Timestamps, blanks as None."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dt.date):
        return pd.Timestamp(value)
    return value


def cells(frame: pd.DataFrame) -> list[list[object]]:
    return [[cell(v) for v in row] for row in frame.to_numpy(dtype=object)]


def live_run(payload: dict, action) -> dict:
    book = open_book(payload)
    action(LiveBook(book))
    return apply_actions(payload, book.json())


def test_refresh_and_qualify_give_the_same_cells(tmp_path):
    file_copy, live_copy = tmp_path / "file.xlsx", tmp_path / "live.xlsx"
    new_book(file_copy, sample_book(300, None, TODAY))
    shutil.copy(file_copy, live_copy)

    fb = FileBook(file_copy)
    services.refresh(fb, TODAY, now=NOW)
    outcome = services.qualify(FileBook(file_copy), TODAY, WHO, NOW)
    assert len(outcome.qualified) > 0 and len(outcome.disqualified) > 0  # the test moves rows

    payload = payload_from_xlsx(live_copy)
    payload = live_run(payload, lambda live: services.refresh(live, TODAY, now=NOW))
    payload = live_run(payload, lambda live: services.qualify(live, TODAY, WHO, NOW))

    file_book, live_book = FileBook(file_copy), LiveBook(open_book(payload))
    file_leads, live_leads = file_book.read(s.LEADS), live_book.read(s.LEADS)
    assert list(file_leads.index) == list(live_leads.index)
    owned = [s.LEAD_ID, *s.LEAD_OWNED_COLUMNS]
    assert cells(live_leads[owned]) == cells(file_leads[owned])
    assert live_leads[s.SCORE].notna().all()

    file_prospects, live_prospects = file_book.read(s.PROSPECTS), live_book.read(s.PROSPECTS)
    assert list(live_prospects.columns) == list(file_prospects.columns)
    assert list(live_prospects.index) == list(file_prospects.index)
    assert cells(live_prospects) == cells(file_prospects)

    assert cells(live_book.read(s.LOG)) == cells(file_book.read(s.LOG))


def _rounded(values: list[list[object]]) -> list[list[object]]:
    # openpyxl stores floats with 16 significant digits; Excel keeps 15 anyway
    return [[round(v, 12) if isinstance(v, float) else v for v in row] for row in values]


def test_summary_sheet_is_the_same(tmp_path):
    file_copy, live_copy = tmp_path / "file.xlsx", tmp_path / "live.xlsx"
    new_book(file_copy, sample_book(150, None, TODAY))
    shutil.copy(file_copy, live_copy)
    services.summary(FileBook(file_copy), TODAY)
    payload = live_run(payload_from_xlsx(live_copy), lambda live: services.summary(live, TODAY))

    def summary(p: dict) -> list[list[object]]:
        return next(x for x in p["sheets"] if x["name"] == s.SUMMARY)["values"]

    live_values = summary(payload)
    assert live_values[0][0] == f"Summary as of {TODAY:%Y-%m-%d}"
    assert _rounded(live_values) == _rounded(summary(payload_from_xlsx(file_copy)))
