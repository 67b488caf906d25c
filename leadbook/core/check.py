"""Validate a workbook's frames against the contract; every finding names sheet, row and column."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from leadbook.core import schema as s
from leadbook.core.clean import clean
from leadbook.core.engagement import TouchLeads, lead_ids, positions
from leadbook.core.problems import Problem
from leadbook.core.qualify import first_rows
from leadbook.core.scoring import override_column
from leadbook.core.settings import parse_settings


def missing_structure(raw: dict[str, pd.DataFrame | None]) -> list[Problem]:
    """Missing sheets and missing required columns."""
    problems = []
    for sheet in s.SHEETS:
        if raw.get(sheet) is None:
            problems.append(Problem(sheet, None, None, "sheet is missing; run `leadbook adopt` to add it"))
            continue
        if sheet == s.SETTINGS:  # parse_settings says what a Settings header lacks
            continue
        for column in s.REQUIRED.get(sheet, ()):
            if column not in raw[sheet].columns:
                problems.append(Problem(sheet, 1, column, "required column is missing from the header row"))
    return problems


def duplicate_ids(sheet: str, frame: pd.DataFrame) -> list[Problem]:
    """Every repeat of a Lead ID after its first row."""
    ids = frame[s.LEAD_ID]
    repeated = ids.notna() & ids.duplicated(keep="first")
    first = first_rows(frame)
    return [
        Problem(sheet, int(r), s.LEAD_ID, f"Lead ID {v!r} repeats row {int(first[v])}")
        for r, v in ids[repeated].items()
    ]


def missing_ids(sheet: str, frame: pd.DataFrame) -> list[Problem]:
    """Rows with data but no Lead ID."""
    blank = frame[s.LEAD_ID].isna()
    return [Problem(sheet, int(r), s.LEAD_ID, "row has no Lead ID") for r in frame.index[blank]]


def undated_touches(touches: pd.DataFrame, listed: list[Problem]) -> list[Problem]:
    """Touches with a Lead ID and no Date: they count for nothing (a Date that is not a date is
    listed by clean already, so not again; a sheet without a Date column is listed for its header)."""
    if s.DATE not in touches.columns:
        return []
    seen = {p.row for p in listed if p.sheet == s.TOUCHES and p.column == s.DATE}
    if seen & {None, 1}:  # the sheet has no Date column at all: said once, for the header
        return []
    rows = touches.index[touches[s.DATE].isna().to_numpy() & touches[s.LEAD_ID].notna().to_numpy()]
    return [
        Problem(
            s.TOUCHES,
            int(r),
            s.DATE,
            "touch has no Date, so it counts for nothing; enter the day it happened",
        )
        for r in rows
        if int(r) not in seen
    ]


def orphan_touches(
    leads: pd.DataFrame, touches: pd.DataFrame, found: TouchLeads | None = None
) -> list[Problem]:
    """Touches whose Lead ID is not on Leads: reported, never dropped (`found`: `touch_leads`)."""
    unknown = (found[1] if found is not None else positions(lead_ids(leads), touches[s.LEAD_ID])) < 0
    orphan = touches[s.LEAD_ID].notna() & unknown
    return [
        Problem(s.TOUCHES, int(r), s.LEAD_ID, f"Lead ID {v!r} is not on the Leads sheet")
        for r, v in touches.loc[orphan, s.LEAD_ID].items()
    ]


def future_dates(sheet: str, frame: pd.DataFrame, today: dt.date) -> list[Problem]:
    """Dates that cannot have happened yet, or before 1900 (Created, touch Date, Qualified on, Closed on)."""
    problems = []
    limit = pd.Timestamp(today) + pd.Timedelta(days=1)
    for column in s.PAST_DATE_COLUMNS.get(sheet, ()):
        late = frame[column] >= limit
        problems += [
            Problem(sheet, int(r), column, f"{v:%Y-%m-%d} is in the future")
            for r, v in frame.loc[late, column].items()
        ]
        early = frame[column] < EARLIEST  # Excel shows serial 0 as 1900-01-00: a number typed in a date cell
        problems += [
            Problem(sheet, int(r), column, f"{v:%Y-%m-%d} is before 1900; enter a date like 2026-03-31")
            for r, v in frame.loc[early, column].items()
        ]
    return problems


EARLIEST = pd.Timestamp("1900-01-01")


def bad_overrides(leads: pd.DataFrame) -> list[Problem]:
    """A Score override that is not a number from 0 to 100 (scoring uses the computed score, or clips)."""
    column = override_column(leads)
    if column is None:
        return []
    given = leads[column].notna() & leads[column].astype(str).str.strip().ne("")
    number = pd.to_numeric(leads[column].where(given), errors="coerce")
    bad = given & ~number.between(0, 100)
    return [
        Problem(s.LEADS, int(r), column, f"{v!r} is not a score from 0 to 100; "
                + ("the computed score is used" if pd.isna(number[r]) else "it counts as 0 or 100"))
        for r, v in leads.loc[bad, column].items()
    ]  # fmt: skip


def check_book(raw: dict[str, pd.DataFrame | None], today: dt.date) -> list[Problem]:
    """Every problem found in the raw frames of a workbook, in sheet order."""
    problems = missing_structure(raw)
    settings, found = parse_settings(raw.get(s.SETTINGS))
    problems += found
    frames = {}
    for sheet in (s.LEADS, s.TOUCHES, s.PROSPECTS):
        frames[sheet], found = clean(sheet, raw.get(sheet), settings.date_order)
        problems += found
        problems += future_dates(sheet, frames[sheet], today)
    problems += missing_ids(s.LEADS, frames[s.LEADS]) + duplicate_ids(s.LEADS, frames[s.LEADS])
    problems += missing_ids(s.TOUCHES, frames[s.TOUCHES])  # a touch for no lead counts for none
    problems += undated_touches(frames[s.TOUCHES], problems)
    problems += bad_overrides(frames[s.LEADS])
    problems += duplicate_ids(s.PROSPECTS, frames[s.PROSPECTS])
    problems += orphan_touches(frames[s.LEADS], frames[s.TOUCHES])
    order = {sheet: i for i, sheet in enumerate(s.SHEETS)}
    return sorted(problems, key=lambda p: (order.get(p.sheet, 99), p.row or 0, p.column or ""))
