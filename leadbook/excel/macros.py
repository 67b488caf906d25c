"""Ribbon macros: one per button, each read -> service -> write -> a short message in Excel.

Desktop Excel's add-in runs them with no arguments (`RunPython "...; m.qualify()"`), so the
book defaults to `xw.Book.caller()`; xlwings Lite passes an `xw.BookAsync` to `run_async`
(workbook/lite/main.py), which reads only what the action needs, in bounded requests.
Each action computes its plan first and writes it after, so a LeadbookError (shown in an
Excel alert, never as a traceback) means nothing was changed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import xlwings as xw

from leadbook import services
from leadbook.book import live_setup
from leadbook.book.live import LiveBook, Need, SheetValues, WriteFailed, adopt_hint
from leadbook.book.live_read import Step
from leadbook.book.mapped import MappedBook, mapped
from leadbook.core import schema as s
from leadbook.core.plan import AppendRows, Plan, SetCells
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


@dataclass
class Result:
    """What an action writes and says: a plan, whole sheets of values, more writes (`steps`,
    driven after the plan: tables, dropdowns, colour rules), a message, a last step."""

    plan: Plan | None = None
    extra: list[SheetValues] = field(default_factory=list)
    message: str | None = None
    after: Callable[[LiveBook], None] | None = None
    steps: Callable[[LiveBook], Step] | None = None


def needs(name: str, book: Any) -> dict[str, Any]:
    """The sheets and columns an action reads (Log touch: one Leads row and Touches' header)."""
    if name == "log_touch":  # (on a mapped book the leads sheet and the log are read whole)
        selection = book.selection
        on_leads = selection is not None and selection.sheet.name.lower() == s.LEADS.lower()
        return {s.LEADS: Need(rows=selection.row if on_leads else "header"), s.TOUCHES: Need(rows="header")}
    if name in ("new_sheets", "adopt"):
        return dict(live_setup.NEEDS)
    return dict(services.NEEDS.get(name, {}))


REQUIRED = {
    "log_touch": (s.LEADS, s.TOUCHES),
    "check": (),
    "adopt": (),
    "new_sheets": (),
    "import_inbox": (s.LEADS,),
}


SETUP = ("new_sheets", "adopt")  # these read leadbook's own names only (a mapped book is refused)


def _start(book: Any, name: str) -> LiveBook:
    heads = services.CHECK_HEAD_ROWS if name == "check" else 0  # Check looks at every sheet's top
    return LiveBook(book, needs(name, book), action=name.replace("_", "-"), heads=heads)


def _required(live: LiveBook, name: str) -> None:
    """After the reads: a missing sheet (the team's own, on a mapped book) stops here, saying how
    to add it."""
    for sheet in REQUIRED.get(name, (s.LEADS, s.TOUCHES, s.PROSPECTS)):
        own = live.own_sheet(sheet)
        if own != sheet and live._name(own) is None:  # Excel's Adopt does not read a mapping
            raise LeadbookError(
                f"the sheet the Settings row 'Map: {sheet} sheet' names is missing: rename your sheet "
                "back, or correct that row (or run `leadbook adopt` on the file to map it again)",
                own,
            )
        live.sheet(own)


def _through_mapping(live: LiveBook, name: str) -> Any:
    """The book the action runs on: through its stored mapping (`book/mapped.py`), if any."""
    return live if name in SETUP else mapped(live)


def _placed(book: Any, result: Result) -> tuple[Plan | None, dict | None]:
    """The result's plan on the book's own sheet names, and the maps placing its columns."""
    if isinstance(book, MappedBook) and result.plan:
        return book.placed(result.plan)
    return result.plan, None


def _finish(book: Any, live: LiveBook, result: Result) -> None:
    if result.after is not None:
        result.after(live)
    message = result.message
    if message and live.notes:
        message += "\n" + "\n".join(f"Note: {n}." for n in live.notes)
    if message:
        tell(book, message)


def _refused(book: Any, exc: LeadbookError) -> None:
    text = str(exc) if isinstance(exc, WriteFailed) else f"Nothing was changed. {exc}"
    tell(book, text, mode="critical")


def run(book: Any | None, name: str) -> None:
    """Run one action on the calling book (desktop, xlwings Server) and show its message."""
    book = book or xw.Book.caller()
    try:
        live = _start(book, name)
        live.prepare()
        _required(live, name)
        target = _through_mapping(live, name)
        result = ACTIONS[name](target)
        plan, maps = _placed(target, result)
        live.apply(plan, result.extra, maps)
        if result.steps is not None:
            live.run(result.steps(live))
    except LeadbookError as exc:
        _refused(book, exc)
        return
    _finish(book, live, result)


async def run_async(book: Any, name: str) -> None:
    """Run one action through xlwings Lite's async API (`xw.BookAsync`): bounded requests only."""
    try:
        live = _start(book, name)
        await live.aprepare()
        _required(live, name)
        target = _through_mapping(live, name)
        result = ACTIONS[name](target)
        plan, maps = _placed(target, result)
        await live.aapply(plan, result.extra, maps)
        if result.steps is not None:
            await live.arun(result.steps(live))
    except LeadbookError as exc:
        _refused(book, exc)
        return
    _finish(book, live, result)


def _ids(frame: pd.DataFrame, limit: int = 5) -> str:
    shown = ", ".join(frame[s.LEAD_ID].astype(str).head(limit))
    return shown + (f" and {len(frame) - limit} more" if len(frame) > limit else "")


def _follow_up_counts(leads: pd.DataFrame) -> str:
    text = leads[s.FOLLOW_UP].fillna("").astype(str)
    overdue, due = int(text.str.startswith("Overdue").sum()), int(text.str.startswith("Due today").sum())
    return f"{overdue} overdue, {due} due today"


def _skipped(skipped: list[Problem]) -> str:
    """The CLI's skipped-rows line, pointing at the Check button."""
    n = services.skipped_rows(skipped)
    return (
        f"\n{n} row(s) skipped or read in part (a cell leadbook cannot read, a missing, repeated or "
        "unknown Lead ID, an unknown setting): click Check to see each."
        if n
        else ""
    )


def _qualify(live: LiveBook) -> Result:
    now = dt.datetime.now().replace(microsecond=0)
    skipped: list[Problem] = []
    outcome = services.qualify(live, now.date(), who(), now, True, skipped)
    lines = [f"Qualified and moved to Prospects: {len(outcome.qualified)}"]
    if len(outcome.qualified):
        lines[0] += f" ({_ids(outcome.qualified)})"
    lines.append(f"Blocked, no two-way contact yet: {len(outcome.blocked)}")
    lines.append(f"Disqualified: {len(outcome.disqualified)}")
    return Result(outcome.plan, message="\n".join(lines) + _skipped(skipped))


def _refresh(live: LiveBook) -> Result:
    skipped: list[Problem] = []
    result = services.refresh(live, dt.date.today(), who=who(), write=False, skipped=skipped)
    changed = len(result.plan.ops[0].frame)
    orphans = f"\n{len(result.orphans)} touch(es) name a Lead ID not on Leads." if result.orphans else ""
    message = (
        f"Updated {changed} lead row(s): {_follow_up_counts(result.values)}.{orphans}{_skipped(skipped)}"
    )
    return Result(result.plan, message=message, steps=live_setup.highlight_steps)


def _highlight(live: LiveBook) -> Result:
    result = services.refresh(live, dt.date.today(), columns=s.FOLLOW_UP_COLUMNS, write=False)
    message = f"Follow-up refreshed: {_follow_up_counts(result.values)}."
    return Result(result.plan, message=message, steps=live_setup.highlight_steps)


def _summary(live: LiveBook) -> Result:
    skipped: list[Problem] = []
    op = services.summary(live, dt.date.today(), False, skipped)
    return Result(Plan([op]), message=f"{op.heading}: the Summary sheet is rebuilt.{_skipped(skipped)}")


def check_rows(problems: list[Problem]) -> list[list[object]]:
    """The Check sheet's cells: a header and one row per problem."""
    body = [[p.sheet, p.row, p.column, p.message] for p in problems]
    return [CHECK_HEADER, *body]


def _check(live: LiveBook) -> Result:
    # in Excel a missing sheet is added with a button, not with the command the CLI names
    problems = [
        p._replace(message=f"sheet is missing; {adopt_hint()} to add it")
        if p.message.startswith("sheet is missing")
        else p
        for p in services.check(live, dt.date.today())
    ]
    if not problems:
        message = "No problems found."
    else:
        message = f"{len(problems)} problem(s): see the {CHECK_SHEET} sheet (sheet, row, column, what to do)."
    return Result(extra=[SheetValues(CHECK_SHEET, check_rows(problems))], message=message)


def selected_lead(live: LiveBook) -> pd.Series:
    """The Leads row of the active cell; LeadbookError if the selection is not on a lead."""
    selection = live.book.selection
    sheet = live.own_sheet(s.LEADS)  # on a mapped book, the team's leads sheet
    if selection is None or selection.sheet.name.lower() != sheet.lower():
        raise LeadbookError(f"select a cell in the lead's row on the {sheet} sheet, then click Log touch")
    row = selection.row
    leads = live.read(s.LEADS)
    if (
        leads is None
        or row not in leads.index
        or s.LEAD_ID not in leads
        or pd.isna(leads.loc[row, s.LEAD_ID])
    ):
        column = live.mapping.header(s.LEADS, s.LEAD_ID) if live.mapping else s.LEAD_ID
        raise LeadbookError(f"the selected row has no {column}", sheet, row, column)
    return leads.loc[row]


def _select_kind(live: LiveBook) -> None:
    sheet = live.sheet(live.own_sheet(s.TOUCHES))
    row = live.appended[sheet.name][0]
    sheet.activate()
    positions = live.positions(sheet.name)
    sheet.range((row, positions.get(s.KIND, positions[s.LEAD_ID]))).select()  # ready to type


def _log_touch(live: LiveBook) -> Result:
    lead = selected_lead(live)
    touch = pd.DataFrame(
        [[dt.datetime.combine(dt.date.today(), dt.time()), lead[s.LEAD_ID], s.OUT, lead.get(s.OWNER)]],
        columns=[s.DATE, s.LEAD_ID, s.DIRECTION, s.OWNER],
    )
    return Result(Plan([AppendRows(s.TOUCHES, touch)]), after=_select_kind)


# ---------------------------------------------------------------- Import (issue 14)
INBOX_SHEET = "Inbox"
INBOX_REPORT = "Leadbook import"


def inbox_report(imported: services.Imported) -> pd.Series:
    """One line per Inbox row: what became of it (new L00123, merged into L00007...)."""
    lead = imported.lead_of.reindex(imported.status.index).fillna("").astype(str)
    words = {"new": "new ", "merged": "merged into ", "duplicate": "duplicate of "}
    text = imported.status.map(lambda st: words.get(st, st + " ")) + lead
    skipped = imported.status.eq("skipped")
    text[skipped] = "skipped: no name, email, phone or ID"
    for row, group in imported.conflicts.groupby("File row"):
        kept = "; ".join(
            f"kept {c} {k!s} (Inbox: {v!s})"
            for c, k, v in group[["Column", "Kept", "File value"]].itertuples(index=False)
        )
        text[row] = f"{text[row]}; {kept}"
    return text


def _import_inbox(live: LiveBook) -> Result:
    raw = live.read(INBOX_SHEET)
    if raw is not None:
        raw = raw.drop(columns=[INBOX_REPORT], errors="ignore")
        raw = raw.loc[raw.notna().any(axis=1)]
    if raw is None or raw.empty:
        raise LeadbookError(
            f"paste the rows to import into a sheet named {INBOX_SHEET} (any headers), then click Import"
        )
    now = dt.datetime.now().replace(microsecond=0)
    imported = services.import_rows(
        live, raw, f"the {INBOX_SHEET} sheet", now.date(), now, who(), dry_run=True
    )
    plan = imported.plan
    plan.add(SetCells(INBOX_SHEET, inbox_report(imported).to_frame(INBOX_REPORT)))
    counts = ", ".join(f"{n} {k}" for k, n in imported.counts().items())
    conflicts = f"; {len(imported.conflicts)} conflicting value(s) kept" if len(imported.conflicts) else ""
    message = f"Imported the {INBOX_SHEET} sheet: {counts}{conflicts}. See the {INBOX_REPORT} column."
    return Result(plan, message=message)


def _calibrate(live: LiveBook) -> Result:
    result, plan = services.calibrate(live, dt.date.today(), who=who(), write=False)
    return Result(plan, message="\n".join([*result.messages[:2], "See the Calibration sheet."]))


# ---------------------------------------------------------------- Set up (issue 16)
def setup_message(setup: live_setup.Setup, adopt: bool) -> str:
    """What New leadbook sheets / Adopt added, and the headers read under another name."""
    added = setup.added()
    if not added:
        if adopt:
            return "Nothing to add: every leadbook sheet, column and Settings row is already here."
        return "Every leadbook sheet is already here. To add missing columns to them, run Adopt."
    lines = ["Added:", *(f"- {line}" for line in added)]
    pairs = [
        f"{sheet} {theirs!r} as {ours!r}" for sheet, m in setup.mapping.items() for theirs, ours in m.items()
    ]
    if pairs:
        lines.append("Your headers read as leadbook columns: " + "; ".join(pairs) + ".")
    return "\n".join(lines)


def _setup(adopt: bool) -> Callable[[LiveBook], Result]:
    def action(live: LiveBook) -> Result:
        setup = live_setup.setup_plan(live, adopt)
        result = Result(steps=lambda book: live_setup.setup_steps(book, setup))
        result.after = lambda book: setattr(result, "message", setup_message(setup, adopt))  # once written
        return result

    return action


ACTIONS: dict[str, Callable[[LiveBook], Result]] = {
    "qualify": _qualify,
    "refresh": _refresh,
    "highlight": _highlight,
    "summary": _summary,
    "check": _check,
    "log_touch": _log_touch,
    "import_inbox": _import_inbox,
    "calibrate": _calibrate,
    "new_sheets": _setup(adopt=False),
    "adopt": _setup(adopt=True),
}


def qualify(book: xw.Book | None = None) -> None:
    """Score every lead and move the qualified ones to Prospects (logged)."""
    run(book, "qualify")


def refresh(book: xw.Book | None = None) -> None:
    """Recompute Score, Grade, Reasons, Status and the follow-up columns on Leads."""
    run(book, "refresh")


def highlight(book: xw.Book | None = None) -> None:
    """Refresh only the follow-up columns (Touches, Last/Next touch, Follow-up): the colours follow."""
    run(book, "highlight")


def summary(book: xw.Book | None = None) -> None:
    """Rebuild the Summary sheet: funnel, sources, owners, aging, persistence, charts."""
    run(book, "summary")


def check(book: xw.Book | None = None) -> None:
    """List every problem on a sheet named Check (cleared first) and say how many there are."""
    run(book, "check")


def log_touch(book: xw.Book | None = None) -> None:
    """Add a Touches row for the selected lead (today, Out, its Owner) and select its Kind cell."""
    run(book, "log_touch")


def import_inbox(book: xw.Book | None = None) -> None:
    """Import the rows pasted into the Inbox sheet into Leads (same rules as `leadbook import`)."""
    run(book, "import_inbox")


def calibrate(book: xw.Book | None = None) -> None:
    """Learn the points from won/lost history and rebuild the Calibration sheet (Settings untouched).

    Writing the card into Settings stays a deliberate step: `leadbook calibrate --apply`, or typing
    the proposed values from the Calibration sheet into Settings.
    """
    run(book, "calibrate")


def new_sheets(book: xw.Book | None = None) -> None:
    """Add the leadbook sheets the workbook lacks (headers, tables, Settings defaults, dropdowns)."""
    run(book, "new_sheets")


def adopt(book: xw.Book | None = None) -> None:
    """Make the open tracker a leadbook: missing sheets, owned columns and Settings rows; nothing moved."""
    run(book, "adopt")
