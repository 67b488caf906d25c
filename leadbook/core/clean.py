"""Typed frames from raw sheet frames: dates as Timestamps, dropdown answers in canonical case.

Raw cells come from a reader or Excel as objects; every rule downstream works on the cleaned
frames. What cannot be cleaned is reported as a Problem (text in a date cell, an answer outside
the dropdown list) and treated as blank, so one bad cell never stops the whole book.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from leadbook.core import schema as s
from leadbook.core.dates import ambiguous_message, read_text_dates
from leadbook.core.problems import Problem

EXCEL_EPOCH = pd.Timestamp("1899-12-30")
SERIALS = (-80_000, 100_000)  # 1680 to 2173: a Timestamp holds these; others are not dates
# Columns whose cells all share one Python type: equal values are equal cells, so a rule can run
# once per distinct value. Elsewhere 1 == 1.0 == True would merge cells the rules tell apart.
_ONE_TYPE = {"string", "floating", "integer", "boolean", "empty"}


def _as_dates(values: pd.Series, order: str | None) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Timestamps (day precision kept as given), a mask of cells that were not dates, and a mask of
    text dates that need the Settings 'Date order' (03/04/2026 with none set)."""
    ambiguous = pd.Series(False, index=values.index)
    if pd.api.types.is_datetime64_any_dtype(values.dtype):  # a typed date column: nothing to parse
        return values.astype("datetime64[ns]"), ambiguous, ambiguous
    values = values.astype(object)
    kinds = values.map(type)
    kinds = kinds.map({k: _date_kind(k) for k in kinds.unique()})
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    is_date, is_number, is_text = kinds.eq("date"), kinds.eq("number"), kinds.eq("text")
    if is_date.any():  # a year like 9999 is past what a Timestamp holds: a typo, reported
        stamps = values[is_date].map(pd.Timestamp)
        stamps = stamps[stamps.between(pd.Timestamp.min, pd.Timestamp.max)]
        out[stamps.index] = pd.to_datetime(stamps).astype("datetime64[ns]")
    if is_number.any():  # an Excel serial that reached us without its date format
        serial = pd.to_numeric(values[is_number], errors="coerce")
        serial = serial.where(serial.between(*SERIALS))
        out[is_number] = EXCEL_EPOCH + pd.to_timedelta(serial, unit="D")
    if is_text.any():  # a date Excel did not recognise: read by the one rule in dates.py
        out[is_text], ambiguous[is_text] = read_text_dates(values[is_text], order)
    bad = values.notna() & out.isna() & ~ambiguous
    return out, bad, ambiguous


def _date_kind(kind: type) -> str:
    if issubclass(kind, bool):
        return "other"
    if issubclass(kind, dt.date):  # datetime and pd.Timestamp are dates too
        return "date"
    if issubclass(kind, int | float):
        return "number"
    return "text" if issubclass(kind, str) else "other"


def _per_value(values: pd.Series, rule, dtype: str | None = None) -> pd.Series:
    """`rule` applied to every cell, computed once per distinct value where that is the same thing."""
    found = _distinct(values, rule)
    if found is None:
        return _each(values, rule, dtype)
    codes, results = found
    if dtype is None and pd.api.types.infer_dtype(results, skipna=True) in ("string", "empty"):
        # texts: picked in Arrow from the distinct ones (as the Series would infer, without
        # turning a million Python strings into Arrow one by one)
        picked = pd.array(results, dtype="str").take(np.where(codes < 0, len(results) - 1, codes))
        return pd.Series(picked, index=values.index)
    return pd.Series(results[codes], index=values.index, dtype=dtype, copy=False)  # a fresh array


def _each(values: pd.Series, rule, dtype: str | None = None) -> pd.Series:
    """`rule` applied cell by cell (a column mixing kinds of values)."""
    return values.map(rule).astype(dtype) if dtype else values.map(rule)


def _distinct(values: pd.Series, rule) -> tuple[np.ndarray, np.ndarray] | None:
    """(each cell's code, `rule` of each distinct value with `rule(None)` last, so code -1, a blank,
    picks it); None when equal values may be different cells (a column mixing kinds)."""
    if not isinstance(values.dtype, pd.StringDtype):  # pandas text (file reads) is all one type
        values = values.astype(object)
    if pd.api.types.infer_dtype(values, skipna=True) not in _ONE_TYPE:
        return None
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    results = np.array([rule(v) for v in np.asarray(uniques, dtype=object)] + [rule(None)], dtype=object)
    return codes, results


_NOT_A_CHOICE = "\x00not a choice"  # no cell can hold it: Excel refuses control characters


def _canonical(values: pd.Series, choices: tuple[str, ...]) -> tuple[pd.Series, pd.Series]:
    """Each cell as the choice it spells (any case and spacing; None when blank) and a mask of
    cells that spell none of them (read as blank)."""
    lookup = {s.header_key(c): c for c in choices}

    def answer(value: object) -> object:
        key = s.header_key(value) if value is not None and not pd.isna(value) else ""
        return lookup.get(key, _NOT_A_CHOICE) if key else None

    found = _distinct(values, answer)
    if found is None:
        out = _each(values, answer, "object")  # (map alone may make it text)
        bad = out.eq(_NOT_A_CHOICE)
        return out.where(~bad & out.notna(), None), bad
    codes, results = found  # worked out on the distinct values, then picked per cell
    wrong = np.array([r is _NOT_A_CHOICE for r in results], dtype=bool)
    results[wrong] = None
    return (
        pd.Series(results[codes], index=values.index, dtype=object, copy=False),
        pd.Series(wrong[codes], index=values.index, dtype=bool, copy=False),
    )


def clean(
    sheet: str, raw: pd.DataFrame | None, order: str | None = None
) -> tuple[pd.DataFrame, list[Problem]]:
    """The sheet's frame with every contract column present and typed, and what was wrong.

    `order` is the Settings 'Date order' ('day' / 'month'; None: Auto) for text dates like 03/04/2026.
    """
    columns = s.COLUMNS.get(sheet, ())
    frame = pd.DataFrame(index=pd.RangeIndex(2, 2, name="row")) if raw is None else raw.copy(deep=False)
    problems = cell_errors(sheet, raw)
    for column in columns:
        if column not in frame.columns:
            frame[column] = None
    for column in s.DATE_COLUMNS.get(sheet, ()):
        frame[column], bad, ambiguous = _as_dates(frame[column], order)
        if raw is None or column not in raw.columns:
            continue
        problems += [
            Problem(sheet, int(r), column, f"{v!r} is not a date; enter a date like 2026-03-31")
            for r, v in raw.loc[bad[bad].index, column].items()
        ]
        problems += [
            Problem(sheet, int(r), column, ambiguous_message(v))
            for r, v in raw.loc[ambiguous, column].items()
        ]
    for column, choices in s.CHOICES.get(sheet, {}).items():
        frame[column], bad = _canonical(frame[column], choices)
        if raw is not None and column in raw.columns:
            allowed = ", ".join(choices)  # all of them: the fix is one of these, spelled so
            problems += [
                Problem(sheet, int(r), column, f"{v!r} is not one of {allowed}")
                for r, v in raw.loc[bad[bad].index, column].items()
            ]
    for column in (s.LEAD_ID, s.OWNER, s.NAME):
        if column in frame.columns:
            frame[column] = _per_value(frame[column], _text)
    return frame, problems


def cell_errors(sheet: str, raw: pd.DataFrame | None) -> list[Problem]:
    """What the reader found but read as blank: error values (#REF!, #N/A...), date cells past any date."""
    found = raw.attrs.get(s.CELL_ERRORS, {}) if raw is not None else {}
    return [Problem(sheet, row, column, _unread(text)) for (row, column), text in sorted(found.items())]


def _unread(text: str) -> str:
    if text.startswith("#"):
        return f"{text} is an error value, read as blank; fix the formula or clear the cell"
    return f"a date cell holding {text} is no date; enter a date like 2026-03-31"


def _text(value: object) -> object:
    """Lead IDs and names as text: a number typed as 1001 and '1001' are the same lead."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None
