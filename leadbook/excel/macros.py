"""Ribbon macros: one per button, each read -> service -> write -> a short message in Excel.

Desktop Excel's add-in runs them with no arguments (`RunPython "...; m.qualify()"`), so the
book defaults to `xw.Book.caller()`; xlwings Lite passes the book (workbook/lite/main.py).
A LeadbookError is shown in an Excel alert, never as a traceback.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import sys
from collections.abc import Callable
from typing import Any

import pandas as pd
import xlwings as xw

from leadbook import services
from leadbook.book.live import LiveBook
from leadbook.core import schema as s
from leadbook.core.plan import AppendRows, Plan
from leadbook.core.problems import LeadbookError, Problem

TITLE = "Leadbook"
CHECK_SHEET = "Check"
CHECK_HEADER = ["Sheet", "Row", "Column", "Problem"]
FALLBACK_USER = "Excel user"


def who() -> str:
    """The person to record in Log: the OS user, or a neutral name where there is none (Lite)."""
    if sys.platform == "emscripten":
        return FALLBACK_USER
    try:
        return getpass.getuser() or FALLBACK_USER
    except Exception:  # getpass raises OSError/KeyError when no user name can be found
        return FALLBACK_USER


def tell(book: Any, message: str, mode: str = "info") -> None:
    """Show a message in Excel: an alert where the engine has one, else the status bar."""
    try:
        book.app.alert(message, title=TITLE, mode=mode)
    except Exception:  # an engine without alerts: the status bar, or nothing at all
        with contextlib.suppress(Exception):
            book.app.status_bar = f"{TITLE}: {message}"


def run(book: Any | None, action: Callable[[LiveBook], str | None]) -> None:
    """Run one action on the calling book and show its message (or the user-fixable error)."""
    book = book or xw.Book.caller()
    try:
        message = action(LiveBook(book))
    except LeadbookError as exc:
        tell(book, f"Nothing was changed. {exc}", mode="critical")
        return
    if message:
        tell(book, message)


def _ids(frame: pd.DataFrame, limit: int = 5) -> str:
    shown = ", ".join(frame[s.LEAD_ID].astype(str).head(limit))
    return shown + (f" and {len(frame) - limit} more" if len(frame) > limit else "")


def _follow_up_counts(leads: pd.DataFrame) -> str:
    text = leads[s.FOLLOW_UP].fillna("").astype(str)
    overdue, due = int(text.str.startswith("Overdue").sum()), int(text.str.startswith("Due today").sum())
    return f"{overdue} overdue, {due} due today"


def qualify(book: xw.Book | None = None) -> None:
    """Score every lead and move the qualified ones to Prospects (logged)."""

    def action(live: LiveBook) -> str:
        now = dt.datetime.now().replace(microsecond=0)
        outcome = services.qualify(live, now.date(), who(), now)
        lines = [f"Qualified and moved to Prospects: {len(outcome.qualified)}"]
        if len(outcome.qualified):
            lines[0] += f" ({_ids(outcome.qualified)})"
        lines.append(f"Blocked, no two-way contact yet: {len(outcome.blocked)}")
        lines.append(f"Disqualified: {len(outcome.disqualified)}")
        return "\n".join(lines)

    run(book, action)


def refresh(book: xw.Book | None = None) -> None:
    """Recompute Score, Grade, Reasons, Status and the follow-up columns on Leads."""

    def action(live: LiveBook) -> str:
        result = services.refresh(live, dt.date.today(), who=who())
        changed = len(result.plan.ops[0].frame)
        orphans = f"\n{len(result.orphans)} touch(es) name a Lead ID not on Leads." if result.orphans else ""
        return f"Updated {changed} lead row(s): {_follow_up_counts(result.values)}.{orphans}"

    run(book, action)


def highlight(book: xw.Book | None = None) -> None:
    """Refresh only the follow-up columns (Touches, Last/Next touch, Follow-up): the colours follow."""

    def action(live: LiveBook) -> str:
        result = services.refresh(live, dt.date.today(), columns=s.FOLLOW_UP_COLUMNS)
        return f"Follow-up refreshed: {_follow_up_counts(result.values)}."

    run(book, action)


def summary(book: xw.Book | None = None) -> None:
    """Rebuild the Summary sheet: funnel, sources, owners, aging, persistence, charts."""

    def action(live: LiveBook) -> str:
        op = services.summary(live, dt.date.today())
        return f"{op.heading}: the Summary sheet is rebuilt."

    run(book, action)


def check_rows(problems: list[Problem]) -> list[list[object]]:
    """The Check sheet's cells: a header and one row per problem."""
    body = [[p.sheet, p.row, p.column, p.message] for p in problems]
    return [CHECK_HEADER, *body]


def check(book: xw.Book | None = None) -> None:
    """List every problem on a sheet named Check (cleared first) and say how many there are."""

    def action(live: LiveBook) -> str:
        problems = services.check(live, dt.date.today())
        if CHECK_SHEET.lower() in (n.lower() for n in live.sheet_names()):
            sheet = live.sheet(CHECK_SHEET)
            sheet.clear_contents()
        else:
            sheet = live.book.sheets.add(CHECK_SHEET, after=live.book.sheets[len(live.sheet_names()) - 1])
        sheet["A1"].value = check_rows(problems)
        if not problems:
            return "No problems found."
        return f"{len(problems)} problem(s): see the {CHECK_SHEET} sheet (sheet, row, column, what to do)."

    run(book, action)


def selected_lead(live: LiveBook) -> pd.Series:
    """The Leads row of the active cell; LeadbookError if the selection is not on a lead."""
    selection = live.book.selection
    if selection is None or selection.sheet.name.lower() != s.LEADS.lower():
        raise LeadbookError("select a cell in the lead's row on the Leads sheet, then click Log touch")
    row = selection.row
    leads = live.read(s.LEADS)
    if leads is None or row not in leads.index or pd.isna(leads.loc[row, s.LEAD_ID]):
        raise LeadbookError("the selected row has no Lead ID", s.LEADS, row, s.LEAD_ID)
    return leads.loc[row]


def log_touch(book: xw.Book | None = None) -> None:
    """Add a Touches row for the selected lead (today, Out, its Owner) and select its Kind cell."""

    def action(live: LiveBook) -> None:
        lead = selected_lead(live)
        touch = pd.DataFrame(
            [[dt.datetime.combine(dt.date.today(), dt.time()), lead[s.LEAD_ID], s.OUT, lead.get(s.OWNER)]],
            columns=[s.DATE, s.LEAD_ID, s.DIRECTION, s.OWNER],
        )
        live.apply(Plan([AppendRows(s.TOUCHES, touch)]))
        row = live.appended[live.sheet(s.TOUCHES).name][0]
        sheet = live.sheet(s.TOUCHES)
        sheet.activate()
        positions = live.positions(s.TOUCHES)
        sheet.range((row, positions.get(s.KIND, positions[s.LEAD_ID]))).select()  # ready to type

    run(book, action)


def calibrate(book: xw.Book | None = None) -> None:
    """Learn the points from won/lost history and rebuild the Calibration sheet (Settings untouched).

    Writing the card into Settings stays a deliberate step: `leadbook calibrate --apply`, or typing
    the proposed values from the Calibration sheet into Settings.
    """

    def action(live: LiveBook) -> str:
        result, _ = services.calibrate(live, dt.date.today(), who=who())
        return "\n".join([*result.messages[:2], "See the Calibration sheet."])

    run(book, action)
