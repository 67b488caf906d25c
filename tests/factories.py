"""Factory functions for frames and workbooks used across the tests (no binary fixtures)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from leadbook.core import schema as s
from leadbook.core.clean import clean

TODAY = dt.date(2026, 11, 23)  # a Monday


def frame(sheet: str, rows: list[dict], start: int = 2) -> pd.DataFrame:
    """A cleaned sheet frame from dicts keyed by contract names (index = Excel rows from `start`)."""
    raw = pd.DataFrame(rows, dtype=object)
    raw.index = pd.RangeIndex(start, start + len(raw), name="row")
    return clean(sheet, raw)[0]


def lead(lead_id: str, **values: object) -> dict:
    """A lead row: blank answers unless given; keyword names use underscores for spaces."""
    row = {s.LEAD_ID: lead_id, s.CREATED: dt.date(2026, 11, 2), s.NAME: f"Name {lead_id}", s.OWNER: "Alice"}
    row.update({k.replace("_", " ").capitalize() if k.islower() else k: v for k, v in values.items()})
    return row


def touch(lead_id: str, date: dt.date, **values: object) -> dict:
    """A touch row: an outbound call with no answer unless given."""
    row = {s.DATE: date, s.LEAD_ID: lead_id, s.KIND: "Call", s.DIRECTION: s.OUT, s.OUTCOME: "No answer"}
    row.update({k.replace("_", " ").capitalize(): v for k, v in values.items()})
    return row
