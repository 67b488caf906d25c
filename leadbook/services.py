"""The actions every edge runs (CLI, ribbon macros, Lite scripts): read -> core -> plan -> apply.

Each works on any `Book` backend, so the file and the live paths give the same results.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from leadbook.book.base import Book
from leadbook.core import schema as s
from leadbook.core.cadence import follow_up
from leadbook.core.check import check_book, orphan_touches
from leadbook.core.clean import clean
from leadbook.core.plan import AppendRows, Plan, ReplaceSheet, SetCells
from leadbook.core.problems import LeadbookError, Problem
from leadbook.core.qualify import Outcome, changed_rows, disqualified_log, lead_status, qualifying_plan
from leadbook.core.scoring import score_leads
from leadbook.core.settings import Settings, settings_or_raise
from leadbook.core.summary import summary_plan

REFRESH_COLUMNS = (s.SCORE, s.GRADE, s.REASONS, s.STATUS, *s.FOLLOW_UP_COLUMNS)

# What each action reads: sheet -> the columns its rules use (ALL = every column, user ones too).
# A backend may read just these; the answers are the same as from reading everything.
ALL = None
RULE_LEAD_COLUMNS = (
    s.LEAD_ID, s.CREATED, s.SOURCE, s.OWNER, *s.QUESTIONS, s.DO_NOT_CALL, s.DO_NOT_CONTACT,
    *s.LEAD_OWNED_COLUMNS, s.SCORE_OVERRIDE,
)  # fmt: skip
RULE_TOUCH_COLUMNS = (s.DATE, s.LEAD_ID, s.DIRECTION, s.OUTCOME, s.NEXT_DATE)
_RULES = {
    s.LEADS: RULE_LEAD_COLUMNS,
    s.TOUCHES: RULE_TOUCH_COLUMNS,
    s.PROSPECTS: (s.LEAD_ID,),
    s.SETTINGS: ALL,
}
NEEDS: dict[str, dict[str, tuple[str, ...] | None]] = {
    "refresh": _RULES,
    "highlight": _RULES,
    "qualify": {**_RULES, s.LEADS: ALL, s.PROSPECTS: ALL},
    "summary": {**_RULES, s.TOUCHES: (*RULE_TOUCH_COLUMNS, s.KIND, s.OWNER), s.PROSPECTS: ALL},
    "check": dict.fromkeys(s.SHEETS, ALL),
}


@dataclass
class Frames:
    """The cleaned sheets of a book and its settings."""

    leads: pd.DataFrame
    touches: pd.DataFrame
    prospects: pd.DataFrame
    settings: Settings


def read_frames(book: Book) -> Frames:
    """Read and clean Leads, Touches, Prospects and Settings; refuse on a missing sheet or bad Settings."""
    raw = {}
    for sheet in (s.LEADS, s.TOUCHES, s.PROSPECTS):
        raw[sheet] = book.read(sheet)
        if raw[sheet] is None:
            raise LeadbookError("sheet is missing; run `leadbook adopt` on the workbook to add it", sheet)
        if s.LEAD_ID not in raw[sheet].columns:
            raise LeadbookError("the header row has no Lead ID column", sheet, 1, s.LEAD_ID)
    frames = {sheet: clean(sheet, frame)[0] for sheet, frame in raw.items()}
    settings = settings_or_raise(book.read(s.SETTINGS))
    leads = frames[s.LEADS]
    return Frames(leads[leads[s.LEAD_ID].notna()], frames[s.TOUCHES], frames[s.PROSPECTS], settings)


def evaluate(frames: Frames, today: dt.date) -> pd.DataFrame:
    """Every owned Leads value, freshly computed: score, grade, reasons, status and follow-up."""
    scores = score_leads(frames.leads, frames.touches, frames.settings, today)
    follow = follow_up(frames.leads, frames.touches, frames.settings, today)
    prospect_ids = set(frames.prospects[s.LEAD_ID].dropna())
    status = lead_status(frames.leads, scores, follow, prospect_ids, frames.settings)
    done = status[s.STATUS].isin(("Prospect", "Disqualified"))  # follow_up saw the old Status
    done &= follow[s.FOLLOW_UP].ne("Do not contact")  # as in cadence: do-not-contact stays visible
    follow.loc[done, s.FOLLOW_UP] = "Done"
    follow.loc[done, s.NEXT_TOUCH] = pd.NaT
    return pd.concat([scores.drop(columns=s.REASONS), status, follow], axis=1)


def with_values(leads: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """Leads with their owned columns replaced by freshly computed values."""
    return leads.drop(columns=[c for c in values.columns if c in leads.columns]).join(values)


def check(book: Book, today: dt.date) -> list[Problem]:
    """Every problem in the book, each naming sheet, row and column."""
    raw = {sheet: book.read(sheet) for sheet in s.SHEETS}
    return check_book(raw, today)


@dataclass
class Refreshed:
    """What refresh wrote, and what it found."""

    plan: Plan
    values: pd.DataFrame
    orphans: list[Problem]


def refresh(
    book: Book,
    today: dt.date,
    columns: tuple[str, ...] = REFRESH_COLUMNS,
    write: bool = True,
    who: str = "leadbook refresh",
    now: dt.datetime | None = None,
) -> Refreshed:
    """Recompute the owned Leads columns and write the ones that changed (disqualifications logged)."""
    frames = read_frames(book)
    values = evaluate(frames, today)
    new = values[list(columns)]
    plan = Plan([SetCells(s.LEADS, changed_rows(frames.leads, new))])
    if s.STATUS in columns:
        log = disqualified_log(frames.leads, values, who, now or dt.datetime.now().replace(microsecond=0))
        plan.add(AppendRows(s.LOG, log.reset_index(drop=True)))
    if write:
        book.apply(plan)
    leads = with_values(frames.leads, new)
    return Refreshed(plan, leads, orphan_touches(frames.leads, frames.touches))


def qualify(book: Book, today: dt.date, who: str, now: dt.datetime, dry_run: bool = False) -> Outcome:
    """Score, set every lead's Status, and move the qualified ones to Prospects (logged)."""
    frames = read_frames(book)
    values = evaluate(frames, today)
    outcome = qualifying_plan(
        frames.leads, frames.prospects, values, values[[s.STATUS, s.REASONS]], today, who, now
    )
    if not dry_run:
        book.apply(outcome.plan)
    return outcome


def summary(book: Book, today: dt.date, write: bool = True) -> ReplaceSheet:
    """Rebuild the Summary sheet from fresh values (nothing else is written)."""
    frames = read_frames(book)
    values = evaluate(frames, today)
    leads = with_values(frames.leads, values)
    op = summary_plan(leads, frames.touches, frames.prospects, today, frames.settings.holidays)
    if write:
        book.apply(Plan([op]))
    return op
