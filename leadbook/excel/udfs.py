"""Worksheet functions: LB_SCORE, LB_GRADE, LB_REASONS, LB_NEXT_TOUCH, LB_FOLLOWUP, LB_TOUCHES.

Each takes whole columns and returns one column (one call per column, spilling), computed by
the same core functions as the ribbon. Ranges arrive as 2D lists: with their header row (then
columns are found by name) or without it (then in the contract's order). Settings come from
the `settings` argument, else from the workbook of the calling cell where Excel gives one
(desktop: xlwings' `caller` range), else the defaults. Errors come back as "#LEADBOOK: ..." text, never as a traceback.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd
import xlwings as xw

from leadbook.book.base import plain_value
from leadbook.book.live import LiveBook
from leadbook.core import schema as s
from leadbook.core.cadence import follow_up
from leadbook.core.clean import EXCEL_EPOCH, clean
from leadbook.core.engagement import known_touches
from leadbook.core.problems import LeadbookError
from leadbook.core.scoring import score_leads
from leadbook.core.settings import Settings, settings_or_raise

ERROR = "#LEADBOOK: "
DATE_FORMAT = "yyyy-mm-dd"
Cells = list[list[Any]] | None

ANSWERS_DOC = (
    "The 7 answer columns Need to Timing, e.g. Leads[[Need]:[Timing]], "
    "or a range with its header row such as Leads[#All]"
)
SOURCE_DOC = "Optional: the Source column, e.g. Leads[Source]"
IDS_DOC = "The Lead ID column, e.g. Leads[Lead ID], or Leads[#All] with its header row"
SCORE_IDS_DOC = "Optional, with touches: the Lead ID column, e.g. Leads[Lead ID]"
TOUCHES_DOC = "The Touches table, e.g. Touches (all 8 columns) or Touches[#All]"
SCORE_TOUCHES_DOC = "Optional: the Touches table, for engagement points, e.g. Touches[#All]"
CREATED_DOC = "Optional: the Created column, e.g. Leads[Created] (first touch is due after it)"
SETTINGS_DOC = "Optional: the Settings table, e.g. Settings[#All] (default: this book's, else built-in)"
TODAY_DOC = "Optional: the date to work as of, e.g. TODAY() (default: today)"


# ------------------------------------------------------------------ arguments -> frames
def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _column(cells: Cells, name: str, n: int) -> list[Any] | None:
    """One column (n x 1) or one row (1 x n) as a list of n values; None when omitted."""
    if cells is None:
        return None
    values = [row[0] for row in cells] if all(len(row) == 1 for row in cells) else cells[0]
    if len(values) != n or (len(cells) > 1 and any(len(row) > 1 for row in cells)):
        raise LeadbookError(f"{name} has {len(values)} value(s) for {n} lead(s); give one per lead")
    return list(values)


def _has_header(sheet: str, first_row: list[Any]) -> bool:
    """True when the row names at least two of the sheet's contract columns (a header row)."""
    mapping = s.map_headers(sheet, first_row)
    known = {c for c in mapping.values() if c in s.COLUMNS[sheet]}
    return len(known) >= 2 or (len(first_row) == 1 and bool(known))


def _frame(sheet: str, cells: list[list[Any]], order: tuple[str, ...], what: str) -> pd.DataFrame:
    """Rows as a frame with contract names: by its header row, else by the contract's order."""
    if cells and _has_header(sheet, cells[0]):
        mapping = s.map_headers(sheet, cells[0])
        names = [mapping.get(str(h), str(h)) if not _is_blank(h) else f"_{i}" for i, h in enumerate(cells[0])]
        body = cells[1:]
    elif cells and len(cells[0]) == len(order):
        names, body = list(order), cells
    else:
        width = len(cells[0]) if cells else 0
        raise LeadbookError(f"{what} has {width} column(s); {_expect(order)} or include the header row")
    frame = pd.DataFrame(body, columns=names, dtype=object)
    frame = frame.loc[:, ~frame.columns.duplicated()]
    frame.index = pd.RangeIndex(2, 2 + len(frame), name="row")
    return frame.mask(frame.map(_is_blank), None)


def _expect(order: tuple[str, ...]) -> str:
    return f"give the {len(order)} columns {order[0]} to {order[-1]}"


def _touches(cells: Cells, order: str | None = None) -> pd.DataFrame:
    """The touches table cleaned, text dates read by Settings' Date order (`order`)."""
    if cells is None:
        return clean(s.TOUCHES, None)[0]
    frame = _frame(s.TOUCHES, cells, s.TOUCH_COLUMNS, "touches")
    for column in s.REQUIRED[s.TOUCHES]:
        if column not in frame.columns:
            raise LeadbookError(f"touches has no {column} column; pass the whole Touches table")
    return clean(s.TOUCHES, frame, order)[0]


def _settings_frame(cells: list[list[Any]]) -> pd.DataFrame:
    """The Setting and Value columns; a Holiday given as an Excel serial becomes a date."""
    rows = cells[1:] if cells and s.header_key(cells[0][0]) == s.header_key(s.SETTING) else cells
    pairs = [(row[0], row[1] if len(row) > 1 else None) for row in rows]
    holiday = s.header_key("Holiday")
    pairs = [
        (k, EXCEL_EPOCH + pd.Timedelta(days=v) if s.header_key(k) == holiday and _is_number(v) else v)
        for k, v in pairs
    ]
    frame = pd.DataFrame(pairs, columns=[s.SETTING, s.SETTING_VALUE], dtype=object)
    frame.index = pd.RangeIndex(2, 2 + len(frame), name="row")
    return frame


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def with_caller(func: Callable) -> Callable:
    """Let a function learn which workbook calls it, through its `caller` parameter.

    Desktop xlwings passes the calling range (an `xw.Range`) to a parameter named `caller` and
    leaves it out of the Excel signature; `xw.Book.caller()` would be the add-in the functions were
    imported into. xlwings Server and Lite inject the calling cell's address instead, for a
    parameter annotated `xw.Caller` (no workbook to read: Settings come as an argument there).
    """
    hint = getattr(xw, "Caller", None)
    if hint is not None and getattr(xw.func, "__module__", "") != "xlwings.udfs":
        func.__annotations__["caller"] = hint
    return func


def _caller_settings(caller: object) -> Settings:
    """Desktop Excel: the Settings sheet of the workbook holding the calling cell. Lite and Server
    send only an address: the built-in defaults (pass Settings as an argument there)."""
    book = getattr(getattr(caller, "sheet", None), "book", None)
    if book is None:
        return Settings()
    return settings_or_raise(LiveBook(book).read(s.SETTINGS))


def _settings(cells: Cells, caller: object = None) -> Settings:
    if cells is None:
        return _caller_settings(caller)
    return settings_or_raise(_settings_frame(cells))


def _day(value: object) -> dt.date:
    """A date argument: an Excel serial (Lite, Server), a datetime (desktop) or ISO text."""
    if value is None or value == "":
        return dt.date.today()
    if isinstance(value, list):
        value = value[0][0] if value and isinstance(value[0], list) else value[0]
    if _is_number(value):
        return (EXCEL_EPOCH + pd.Timedelta(days=float(value))).date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise LeadbookError(f"today is {value!r}; give a date such as TODAY()") from None


def _leads(
    base: pd.DataFrame, columns: dict[str, list[Any] | None], order: str | None = None
) -> tuple[pd.DataFrame, pd.Series]:
    """Cleaned leads from a base frame plus separately given columns, and a mask of blank rows
    (text dates read by Settings' Date order, `order`)."""
    frame = base.copy()
    for name, values in columns.items():
        if values is not None:
            frame[name] = [None if _is_blank(v) else v for v in values]
    blank = frame.isna().all(axis=1)
    return clean(s.LEADS, frame, order)[0], blank


def _answers_frame(answers: list[list[Any]]) -> pd.DataFrame:
    return _frame(s.LEADS, answers, s.QUESTIONS, "answers")


def _ids_frame(lead_ids: list[list[Any]]) -> pd.DataFrame:
    if lead_ids and len(lead_ids[0]) > 1 and not _has_header(s.LEADS, lead_ids[0]):
        raise LeadbookError("lead_ids must be one column (Leads[Lead ID]) or a range with its header row")
    return _frame(s.LEADS, lead_ids, (s.LEAD_ID,), "lead_ids")


def _result(value: object) -> object:
    """A function result: plain values, dates as datetime. Excel never parses a function's
    result as typed input, so text ("+20 need confirmed") needs no apostrophe here."""
    value = plain_value(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


def _spill(values: pd.Series, blank: pd.Series) -> list[list[Any]]:
    """One value per lead as a column Excel spills; "" on rows with nothing in them."""
    return [["" if empty else _result(v)] for v, empty in zip(values, blank, strict=True)]


def _answer(compute: Callable[[], list[list[Any]]]) -> list[list[Any]] | str:
    """The function's column, or its error as readable text: a cell never shows a traceback."""
    try:
        return compute()
    except LeadbookError as exc:
        return ERROR + str(exc)
    except Exception as exc:  # a bug or an input we did not foresee: still no traceback in the cell
        return f"{ERROR}{type(exc).__name__}: {exc}"


# ------------------------------------------------------------------ score, grade, reasons
def _scores(
    answers: Cells,
    source: Cells,
    lead_ids: Cells,
    touches: Cells,
    settings: Cells,
    today: object,
    caller: object,
):
    if not answers:
        raise LeadbookError("answers is empty; give the answer columns Need to Timing")
    base = _answers_frame(answers)
    n = len(base)
    rules = _settings(settings, caller)
    leads, blank = _leads(
        base,
        {s.SOURCE: _column(source, "source", n), s.LEAD_ID: _column(lead_ids, "lead_ids", n)},
        rules.date_order,
    )
    scores = score_leads(leads, _touches(touches, rules.date_order), rules, _day(today))
    return scores, blank


def _score_column(column: str, *args: Any) -> list[list[Any]] | str:
    def compute() -> list[list[Any]]:
        scores, blank = _scores(*args)
        return _spill(scores[column], blank)

    return _answer(compute)


@xw.func
@xw.arg("answers", ndim=2, doc=ANSWERS_DOC)
@xw.arg("source", ndim=2, doc=SOURCE_DOC)
@xw.arg("lead_ids", ndim=2, doc=SCORE_IDS_DOC)
@xw.arg("touches", ndim=2, doc=SCORE_TOUCHES_DOC)
@xw.arg("settings", ndim=2, doc=SETTINGS_DOC)
@xw.arg("today", doc=TODAY_DOC)
@with_caller
def LB_SCORE(answers, source=None, lead_ids=None, touches=None, settings=None, today=None, caller=None):  # noqa: N802
    """Lead score 0-100 per row from its answers, Source and touches (the Score column's rule)."""
    return _score_column(s.SCORE, answers, source, lead_ids, touches, settings, today, caller)


@xw.func
@xw.arg("answers", ndim=2, doc=ANSWERS_DOC)
@xw.arg("source", ndim=2, doc=SOURCE_DOC)
@xw.arg("lead_ids", ndim=2, doc=SCORE_IDS_DOC)
@xw.arg("touches", ndim=2, doc=SCORE_TOUCHES_DOC)
@xw.arg("settings", ndim=2, doc=SETTINGS_DOC)
@xw.arg("today", doc=TODAY_DOC)
@with_caller
def LB_GRADE(answers, source=None, lead_ids=None, touches=None, settings=None, today=None, caller=None):  # noqa: N802
    """Grade A/B/C/D per row: the lead score against the Settings thresholds."""
    return _score_column(s.GRADE, answers, source, lead_ids, touches, settings, today, caller)


@xw.func
@xw.arg("answers", ndim=2, doc=ANSWERS_DOC)
@xw.arg("source", ndim=2, doc=SOURCE_DOC)
@xw.arg("lead_ids", ndim=2, doc=SCORE_IDS_DOC)
@xw.arg("touches", ndim=2, doc=SCORE_TOUCHES_DOC)
@xw.arg("settings", ndim=2, doc=SETTINGS_DOC)
@xw.arg("today", doc=TODAY_DOC)
@with_caller
def LB_REASONS(answers, source=None, lead_ids=None, touches=None, settings=None, today=None, caller=None):  # noqa: N802
    """Why each lead scores what it does: its biggest points, like "+20 need confirmed; -10 no budget"."""
    return _score_column(s.REASONS, answers, source, lead_ids, touches, settings, today, caller)


# ------------------------------------------------------------------ follow-up
def _follow(lead_ids: Cells, touches: Cells, created: Cells, settings: Cells, today: object, caller: object):
    if not lead_ids:
        raise LeadbookError("lead_ids is empty; give the Lead ID column, e.g. Leads[Lead ID]")
    if touches is None:
        raise LeadbookError("touches is missing; give the Touches table, e.g. Touches[#All]")
    base = _ids_frame(lead_ids)
    rules = _settings(settings, caller)
    leads, blank = _leads(base, {s.CREATED: _column(created, "created", len(base))}, rules.date_order)
    return follow_up(leads, _touches(touches, rules.date_order), rules, _day(today)), blank


def _follow_column(column: str, *args: Any) -> list[list[Any]] | str:
    def compute() -> list[list[Any]]:
        follow, blank = _follow(*args)
        return _spill(follow[column], blank)

    return _answer(compute)


@xw.func
@xw.arg("lead_ids", ndim=2, doc=IDS_DOC)
@xw.arg("touches", ndim=2, doc=TOUCHES_DOC)
@xw.arg("created", ndim=2, doc=CREATED_DOC)
@xw.arg("settings", ndim=2, doc=SETTINGS_DOC)
@xw.arg("today", doc=TODAY_DOC)
@xw.ret(date_format=DATE_FORMAT)
@with_caller
def LB_NEXT_TOUCH(lead_ids, touches, created=None, settings=None, today=None, caller=None):  # noqa: N802
    """Date each lead's next touch is due, by the cadence in Settings (blank when nothing is due)."""
    return _follow_column(s.NEXT_TOUCH, lead_ids, touches, created, settings, today, caller)


@xw.func
@xw.arg("lead_ids", ndim=2, doc=IDS_DOC)
@xw.arg("touches", ndim=2, doc=TOUCHES_DOC)
@xw.arg("created", ndim=2, doc=CREATED_DOC)
@xw.arg("settings", ndim=2, doc=SETTINGS_DOC)
@xw.arg("today", doc=TODAY_DOC)
@with_caller
def LB_FOLLOWUP(lead_ids, touches, created=None, settings=None, today=None, caller=None):  # noqa: N802
    """Follow-up state per lead: Overdue N days, Due today, Planned, Nurture, Done or Do not contact."""
    return _follow_column(s.FOLLOW_UP, lead_ids, touches, created, settings, today, caller)


@xw.func
@xw.arg("lead_ids", ndim=2, doc=IDS_DOC)
@xw.arg("touches", ndim=2, doc=TOUCHES_DOC)
def LB_TOUCHES(lead_ids, touches):  # noqa: N802
    """Number of touches logged for each lead (rows of Touches with a Date and its Lead ID)."""

    def compute() -> list[list[Any]]:
        if not lead_ids:
            raise LeadbookError("lead_ids is empty; give the Lead ID column, e.g. Leads[Lead ID]")
        leads, blank = _leads(_ids_frame(lead_ids), {})
        known = known_touches(leads, _touches(touches))
        counts = leads[s.LEAD_ID].map(known.groupby(s.LEAD_ID).size()).fillna(0).astype(int)
        return _spill(counts, blank)

    return _answer(compute)
