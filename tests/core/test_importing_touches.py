"""Matching call-log rows to leads (leadbook/core/touch_import.py), on frames."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from factories import frame

from leadbook.core import schema as s
from leadbook.core.importing import ImportOptions, import_frame
from leadbook.core.touch_import import MANY_LEADS, NO_LEAD, match_touches

OPTIONS = ImportOptions(country="GB", threshold=90)
LEADS = frame(s.LEADS, [
    {s.LEAD_ID: "L00001", s.NAME: "Ann Lee", s.COMPANY: "Birch Ltd", s.EMAIL: "ann@birch.example", s.PHONE: "+44 20 7000 0001", "Import ID": 9001.0},
    {s.LEAD_ID: "L00002", s.NAME: "Bo Berg", s.COMPANY: "Fjord", s.PHONE: "+44 20 7000 0002"},
    {s.LEAD_ID: "L00003", s.NAME: "Cy Dean", s.COMPANY: "Fjord", s.PHONE: "+44 20 7000 0002"},
])  # fmt: skip
TOUCHES = frame(s.TOUCHES, [{s.DATE: dt.datetime(2026, 11, 2, 9), s.LEAD_ID: "L00002", s.KIND: "Call"}])


def _match(rows):
    raw = pd.DataFrame(rows, dtype=object)
    raw.index = pd.RangeIndex(2, 2 + len(raw), name="row")
    cleaned, _, _ = import_frame(s.TOUCHES, raw.where(raw.notna(), None), OPTIONS)
    return match_touches(cleaned, LEADS, TOUCHES, OPTIONS)


def test_rows_match_by_id_import_id_email_phone_or_name_and_company():
    result = _match([
        {"Date": "2026-11-20 10:00", "Lead ID": "L00002", "Type": "Email"},
        {"Date": "2026-11-20 10:00", "Lead ID": "9001", "Type": "Meeting"},
        {"Date": "2026-11-20 11:00", "Email": "ANN@birch.example", "Type": "Email"},
        {"Date": "2026-11-20 12:00", "Name": "Cy Dean", "Company": "FJORD", "Type": "Call"},
        {"Date": "2026-11-20 13:00", "Phone": "020 7000 0001", "Type": "Call"},
    ])  # fmt: skip
    assert result.lead_of.tolist() == ["L00002", "L00001", "L00001", "L00003", "L00001"]
    assert result.status.eq("new").all() and len(result.new) == 5
    assert result.new[s.KIND].tolist() == ["Email", "Meeting", "Email", "Call", "Call"]


def test_rows_matching_no_lead_or_several_are_reported_not_imported():
    result = _match([
        {"Date": "2026-11-20 10:00", "Phone": "+44 20 7000 0002"},
        {"Date": "2026-11-20 10:00", "Phone": "+44 20 7999 9999"},
    ])  # fmt: skip
    assert result.status.tolist() == [MANY_LEADS, NO_LEAD] and result.new.empty
    assert result.reasons[2] == "matches leads L00002, L00003"


def test_a_touch_already_there_is_a_duplicate():
    result = _match([
        {"Date": "2026-11-02 09:00", "Lead ID": "L00002", "Type": "Call"},
        {"Date": "2026-11-03 09:00", "Lead ID": "L00002", "Type": "Call"},
        {"Date": "2026-11-03 09:00", "Lead ID": "L00002", "Type": "call"},
    ])  # fmt: skip
    assert result.status.tolist() == ["duplicate", "new", "duplicate"] and len(result.new) == 1
