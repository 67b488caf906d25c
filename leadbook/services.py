"""The actions every edge runs (CLI, ribbon macros, Lite scripts): read -> core -> plan -> apply.

Each works on any `Book` backend, so the file and the live paths give the same results.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import pandas as pd

from leadbook.book.base import Book
from leadbook.book.mapped import mapped
from leadbook.core import schema as s
from leadbook.core.cadence import follow_up
from leadbook.core.check import check_book, duplicate_ids, missing_ids, orphan_touches, undated_touches
from leadbook.core.clean import clean
from leadbook.core.dashboard import summary_plan
from leadbook.core.engagement import TouchLeads, touch_leads
from leadbook.core.plan import AppendRows, Plan, ReplaceSheet, SetCells
from leadbook.core.problems import LeadbookError, Problem
from leadbook.core.qualify import Outcome, changed_rows, disqualified_log, lead_status, qualifying_plan
from leadbook.core.scoring import score_leads
from leadbook.core.settings import Settings, checked_settings, settings_or_raise
from leadbook.core.summary import with_other_sources

if TYPE_CHECKING:
    from leadbook.core.importing import ImportOptions

CHECK_HEAD_ROWS = 80  # check looks this far down every sheet (repeated headers, unread touch logs)
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
    "refresh": {**_RULES, s.LEADS: ALL},  # ALL: Settings rows like "Industry: Retail" score any column
    "highlight": _RULES,
    "qualify": {**_RULES, s.LEADS: ALL, s.PROSPECTS: ALL},
    "summary": {**_RULES, s.LEADS: ALL, s.TOUCHES: (*RULE_TOUCH_COLUMNS, s.KIND, s.OWNER), s.PROSPECTS: ALL},
    "check": dict.fromkeys(s.SHEETS, ALL),
    "import_inbox": {"Inbox": ALL, s.LEADS: ALL, s.SETTINGS: ALL},
    "calibrate": {s.LEADS: ALL, s.TOUCHES: RULE_TOUCH_COLUMNS, s.PROSPECTS: ALL, s.SETTINGS: ALL, s.LOG: ALL},
}


def through_mapping(action: Callable) -> Callable:
    """The action reads and writes the book through its stored mapping (`book/mapped.py`)."""

    @functools.wraps(action)
    def run(book: Book, *args, **kwargs):
        return action(mapped(book), *args, **kwargs)

    return run


class Split:
    """With LEADBOOK_TIMING=1, one line on stderr of where a command's time went (read/clean/...)."""

    def __init__(self) -> None:
        self.last = time.perf_counter()
        self.steps: dict[str, float] = {}

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.steps[step] = self.steps.get(step, 0.0) + now - self.last
        self.last = now

    def report(self, command: str) -> None:
        if os.environ.get("LEADBOOK_TIMING"):
            laps = " ".join(f"{step} {seconds:.2f}s" for step, seconds in self.steps.items())
            print(f"leadbook {command}: {laps}", file=sys.stderr)


@dataclass
class Frames:
    """The cleaned sheets of a book and its settings."""

    leads: pd.DataFrame
    touches: pd.DataFrame
    prospects: pd.DataFrame
    settings: Settings
    skipped: list[Problem] = field(default_factory=list)  # rows skipped or read in part (check lists them)
    typed_sources: pd.Series | None = None  # Leads' Source as typed, before clean blanks off-list ones
    orphans: list[Problem] = field(default_factory=list)  # touches whose Lead ID is not on Leads
    found: TouchLeads | None = None  # engagement.touch_leads(leads, touches), once


def read_frames(book: Book, split: Split | None = None) -> Frames:
    """Read and clean Leads, Touches, Prospects and Settings; refuse on a missing sheet or bad Settings.

    Settings are read first (cleaning needs its date order) and each sheet is cleaned as soon as it
    is read, so Leads is cleaned while a backend still loads Touches; the refusals come in the
    same order as ever: a missing sheet or header first, then a bad Settings row.
    """
    split = split or Split()
    try:
        parsed: tuple[Settings, list[Problem]] | LeadbookError = checked_settings(book.read(s.SETTINGS))
    except LeadbookError as exc:
        parsed = exc
    split.lap("read")
    raw, cleaned = {}, {}
    for sheet in (s.LEADS, s.TOUCHES, s.PROSPECTS):
        raw[sheet] = book.read(sheet)
        split.lap("read")
        if raw[sheet] is None:
            raise LeadbookError("sheet is missing; run `leadbook adopt` on the workbook to add it", sheet)
        if s.LEAD_ID not in raw[sheet].columns:
            raise LeadbookError(
                "no header row with a Lead ID column in the first 20 rows; put the headers in one row",
                sheet,
                1,
                s.LEAD_ID,
            )
        if not isinstance(parsed, LeadbookError):
            cleaned[sheet] = clean(sheet, raw[sheet], parsed[0].date_order)
            split.lap("clean")
    if s.DATE not in raw[s.TOUCHES].columns and len(raw[s.TOUCHES].columns):
        raise LeadbookError(
            "the header row has no Date column, so no touch could count; add a Date column",
            s.TOUCHES,
            1,
            s.DATE,
        )
    if isinstance(parsed, LeadbookError):
        raise parsed
    settings, settings_problems = parsed
    frames = {sheet: frame for sheet, (frame, _) in cleaned.items()}
    leads = frames[s.LEADS]
    typed = raw[s.LEADS].get(s.SOURCE)
    skipped = [p for _, found in cleaned.values() for p in found] + settings_problems
    skipped += missing_ids(s.LEADS, leads) + duplicate_ids(s.LEADS, leads)
    looked_up = touch_leads(leads, frames[s.TOUCHES])  # the same Lead IDs as the leads kept below
    orphans = orphan_touches(leads, frames[s.TOUCHES], looked_up)
    skipped += missing_ids(s.TOUCHES, frames[s.TOUCHES]) + orphans
    skipped += undated_touches(frames[s.TOUCHES], skipped)
    return Frames(
        leads[leads[s.LEAD_ID].notna()], frames[s.TOUCHES], frames[s.PROSPECTS], settings,
        skipped=skipped, typed_sources=typed, orphans=orphans, found=looked_up,
    )  # fmt: skip


def skipped_rows(problems: list[Problem]) -> int:
    """How many rows a command skipped or read in part (each listed by `check`)."""
    return len({(p.sheet, p.row) for p in problems})


def _tell(skipped: list[Problem] | None, frames: Frames) -> None:
    if skipped is not None:
        skipped += frames.skipped


def evaluate(frames: Frames, today: dt.date) -> pd.DataFrame:
    """Every owned Leads value, freshly computed: score, grade, reasons, status and follow-up."""
    scores = score_leads(frames.leads, frames.touches, frames.settings, today, frames.found)
    follow = follow_up(frames.leads, frames.touches, frames.settings, today, frames.found)
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


@through_mapping
def check(book: Book, today: dt.date) -> list[Problem]:
    """Every problem in the book, each naming sheet, row and column."""
    present = {name.lower() for name in book.sheet_names()}
    raw = {sheet: book.read(sheet) for sheet in (s.LEADS, s.TOUCHES, s.PROSPECTS, s.SETTINGS)}
    for sheet in (s.SUMMARY, s.LOG):  # check only needs to know these exist: a long Log is not read
        raw[sheet] = pd.DataFrame() if sheet.lower() in present else None
    problems = check_book(raw, today) + _subtotals(book, raw)
    if hasattr(book, "own_names"):  # a mapped book: name the team's own sheets and headers
        problems = book.own_names(problems)
    return problems + _mapping_problems(book)


def _subtotals(book: Book, raw: dict[str, pd.DataFrame | None]) -> list[Problem]:
    """A totals row with data below it (a subtotal inside a list; a totals row is never a bad lead):
    the commands that add rows to that list stop there (`mapped.refuse_totals`)."""
    out = []
    for sheet, rows in getattr(book, "totals", {}).items():
        frame = raw.get(sheet)
        last = int(frame.index.max()) if frame is not None and len(frame) else 0
        out += [
            Problem(sheet, r, None, f"a totals row with data below it (row {last}): leadbook adds rows "
                    "above the totals that end a list, so qualify, import and log touch stop here; "
                    "move it to the end of the list (or remove it)")
            for r in rows if r < last
        ][:1]  # fmt: skip
    return out


def _mapping_problems(book: Book) -> list[Problem]:
    """Repeated headers and unread touch logs (backends that can give a sheet's cells)."""
    from leadbook.book.mapped import MappedBook, header_rows
    from leadbook.core.mapping_check import mapping_problems

    if not hasattr(book, "rows"):
        return []
    base = book.base if isinstance(book, MappedBook) else book
    mapping = book.mapping if isinstance(book, MappedBook) else None
    look = base.head if hasattr(base, "head") else lambda name, upto: base.rows(name)[:upto]
    samples = {name: look(name, CHECK_HEAD_ROWS) for name in base.sheet_names()}  # not read whole
    return mapping_problems(samples, mapping, header_rows(samples, mapping))


def mapping_in_use(book: Book) -> list[str]:
    """The stored mapping as lines (none: the book carries leadbook's own names)."""
    from leadbook.core.mapping_check import mapping_lines

    return mapping_lines(getattr(mapped(book), "mapping", None))


@dataclass
class Refreshed:
    """What refresh wrote, and what it found."""

    plan: Plan
    values: pd.DataFrame
    orphans: list[Problem]


@through_mapping
def refresh(
    book: Book,
    today: dt.date,
    columns: tuple[str, ...] = REFRESH_COLUMNS,
    write: bool = True,
    who: str = "leadbook refresh",
    now: dt.datetime | None = None,
    skipped: list[Problem] | None = None,
) -> Refreshed:
    """Recompute the owned Leads columns and write the ones that changed (disqualifications logged).

    `skipped`, if given, is extended with the rows skipped or read in part (as in every action).
    """
    split = Split()
    frames = read_frames(book, split)
    _tell(skipped, frames)
    values = evaluate(frames, today)
    new = values[list(columns)]
    plan = Plan([SetCells(s.LEADS, changed_rows(frames.leads, new))])
    if s.STATUS in columns:
        log = disqualified_log(frames.leads, values, who, now or dt.datetime.now().replace(microsecond=0))
        plan.add(AppendRows(s.LOG, log.reset_index(drop=True)))
    split.lap("compute")
    if write:
        book.apply(plan)
    split.lap("write")
    leads = with_values(frames.leads, new)
    orphans = book.own_names(frames.orphans) if hasattr(book, "own_names") else frames.orphans
    refreshed = Refreshed(plan, leads, orphans)
    split.lap("compute")
    split.report("refresh")
    return refreshed


@through_mapping
def qualify(
    book: Book,
    today: dt.date,
    who: str,
    now: dt.datetime,
    dry_run: bool = False,
    skipped: list[Problem] | None = None,
) -> Outcome:
    """Score, set every lead's Status, and move the qualified ones to Prospects (logged)."""
    split = Split()
    frames = read_frames(book, split)
    _tell(skipped, frames)
    values = evaluate(frames, today)
    outcome = qualifying_plan(
        frames.leads, frames.prospects, values, values[[s.STATUS, s.REASONS]], today, who, now
    )
    split.lap("compute")
    if not dry_run:
        book.apply(outcome.plan)
    split.lap("write")
    split.report("qualify")
    return outcome


@through_mapping
def summary(
    book: Book, today: dt.date, write: bool = True, skipped: list[Problem] | None = None
) -> ReplaceSheet:
    """Rebuild the Summary sheet from fresh values (nothing else is written)."""
    split = Split()
    frames = read_frames(book, split)
    _tell(skipped, frames)
    values = evaluate(frames, today)
    leads = with_other_sources(with_values(frames.leads, values), frames.typed_sources)
    op = summary_plan(leads, frames.touches, frames.prospects, today, frames.settings.holidays)
    split.lap("compute")
    if write:
        book.apply(Plan([op]))
    split.lap("write")
    split.report("summary")
    return op


@dataclass
class Imported:
    """What an import decided and wrote: counts, each file row's fate, conflicts, timings."""

    plan: Plan
    mapping: dict[str, str]
    status: pd.Series  # per file row: new, merged, duplicate, skipped (touches: no lead, ...)
    lead_of: pd.Series  # per file row: the Lead ID it became, joined or was matched to
    conflicts: pd.DataFrame
    problems: list[Problem]
    notes: list[str]
    reasons: pd.Series  # per reported touches row: why it was not imported
    seconds: dict[str, float]

    def counts(self) -> dict[str, int]:
        return {k: int(v) for k, v in self.status.value_counts().items()}


@through_mapping
def import_rows(
    book: Book,
    raw: pd.DataFrame,
    name: str,
    today: dt.date,
    now: dt.datetime,
    who: str,
    options: ImportOptions | None = None,
    touches: bool = False,
    dry_run: bool = False,
    step: Callable[[str], None] = lambda _: None,
) -> Imported:
    """Import a file's rows (index = file row) into Leads, or Touches with `touches`; one Log row.

    `step` is told each phase as it starts (reading the book, matching, writing), for a progress bar.
    """
    from leadbook.core.importing import (  # phone numbers, fuzzy matching: imports only
        ImportOptions,
        import_frame,
    )
    from leadbook.core.merge import merge_leads
    from leadbook.core.touch_import import match_touches

    started = time.perf_counter()
    step("reading the workbook")
    leads, touches_frame, settings = _import_frames(book, touches)
    opts = _import_options(options or ImportOptions(), settings)
    read = time.perf_counter()
    step("matching rows to leads")
    sheet = s.TOUCHES if touches else s.LEADS
    rows, mapping, problems = import_frame(sheet, raw, opts)
    plan, conflicts, notes = Plan(), pd.DataFrame(), []
    if touches:
        result = match_touches(rows, leads, touches_frame, opts)
        plan.add(AppendRows(s.TOUCHES, result.new))
        reasons = result.reasons
    else:
        result = merge_leads(rows, leads, opts, today)
        plan.add(AppendRows(s.LEADS, result.new))
        for column, values in result.fills.items():
            plan.add(SetCells(s.LEADS, values.to_frame(column)))
        conflicts, notes, reasons = result.conflicts, result.notes, pd.Series(dtype=object)
    decided = time.perf_counter()
    imported = Imported(
        plan, mapping, result.status, result.lead_of, conflicts, problems, notes, reasons,
        {"read book": read - started, "match": decided - read},
    )  # fmt: skip
    if plan:
        summary = ", ".join(f"{n} {k}" for k, n in imported.counts().items())
        summary += f", {len(conflicts)} conflicting value(s) kept" if len(conflicts) else ""
        log = pd.DataFrame([{
            s.WHEN: pd.Timestamp(now), s.WHO: who, s.ACTION: f"Imported {name} into {sheet}",
            s.LEAD_ID: None, s.BEFORE: None, s.AFTER: summary,
        }])  # fmt: skip
        plan.add(AppendRows(s.LOG, log))
    if plan and not dry_run:
        step("writing the workbook")
        book.apply(plan)
    imported.seconds["write"] = time.perf_counter() - decided
    return imported


def _import_frames(book: Book, touches: bool) -> tuple[pd.DataFrame, pd.DataFrame | None, Settings]:
    """Leads (and Touches for a call log) and Settings: only the sheets an import needs."""
    from leadbook.core.importing import as_text

    needed = (s.LEADS, s.TOUCHES) if touches else (s.LEADS,)
    frames = []
    for sheet in needed:
        raw = book.read(sheet)
        if raw is None:
            raise LeadbookError("sheet is missing; run `leadbook adopt` on the workbook to add it", sheet)
        if s.LEAD_ID not in raw.columns and len(raw.columns):
            raise LeadbookError("the header row has no Lead ID column", sheet, 1, s.LEAD_ID)
        frame = raw.reindex(columns=list(dict.fromkeys([*s.COLUMNS[sheet], *raw.columns])))
        frame[s.LEAD_ID] = as_text(frame[s.LEAD_ID])  # cells as read: an import compares, it does not score
        frames.append(frame)
    leads = frames[0][frames[0][s.LEAD_ID].notna()]
    return leads, frames[1] if touches else None, settings_or_raise(book.read(s.SETTINGS))


def _import_options(options: ImportOptions, settings: Settings) -> ImportOptions:
    """The caller's options, with the book's Settings for what the caller left open."""
    return replace(
        options,
        date_order=options.date_order or settings.date_order,
        country=options.country or settings.import_country,
        threshold=settings.import_threshold if options.threshold is None else options.threshold,
    )


@through_mapping
def calibrate(
    book: Book,
    today: dt.date,
    target: str = "won",
    include: tuple[str, ...] = (),
    apply: bool = False,
    who: str = "leadbook calibrate",
    now: dt.datetime | None = None,
    write: bool = True,
):
    """Learn the points card from closed leads, rebuild the Calibration sheet, and with `apply` use it."""
    from leadbook.core.calibrate import calibrate as learn
    from leadbook.core.calibrate_words import calibration_sheet, settings_plan

    frames = read_frames(book)
    log = book.read(s.LOG)
    log = clean(s.LOG, log)[0] if log is not None else None
    result = learn(
        frames.leads, frames.prospects, frames.touches, log, frames.settings, today, target, include
    )
    plan = Plan([calibration_sheet(result, frames.settings, today)])
    if apply and result.proposed is not None:
        stamp = now or dt.datetime.now().replace(microsecond=0)
        plan.ops += settings_plan(book.read(s.SETTINGS), result, frames.settings, who, stamp).ops
    if write:
        book.apply(plan)
    return result, plan
