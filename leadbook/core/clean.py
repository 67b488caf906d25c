"""Typed frames from raw sheet frames: dates as Timestamps, dropdown answers in canonical case.

Raw cells come from a reader or Excel as objects; every rule downstream works on the cleaned
frames. What cannot be cleaned is reported as a Problem (text in a date cell, an answer outside
the dropdown list) and treated as blank, so one bad cell never stops the whole book.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from leadbook.core import schema as s
from leadbook.core.problems import Problem

EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def _as_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Timestamps (day precision kept as given) and a mask of cells that were not dates."""
    if values.empty:
        return pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]"), values.astype(bool)
    is_number = values.map(lambda v: isinstance(v, int | float) and not isinstance(v, bool))
    is_date = values.map(lambda v: isinstance(v, dt.date | pd.Timestamp))
    is_text = values.map(lambda v: isinstance(v, str))
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    if is_date.any():
        out[is_date] = pd.to_datetime(values[is_date].map(pd.Timestamp))
    if is_number.any():  # an Excel serial that reached us without its date format
        serial = pd.to_numeric(values[is_number], errors="coerce")
        out[is_number] = EXCEL_EPOCH + pd.to_timedelta(serial, unit="D")
    if is_text.any():  # ISO text is a date Excel did not recognise; anything else is a typo
        parsed = pd.to_datetime(values[is_text].str.strip(), format="ISO8601", errors="coerce")
        out[is_text] = parsed
    bad = values.notna() & out.isna()
    return out, bad


def _canonical(values: pd.Series, choices: tuple[str, ...]) -> tuple[pd.Series, pd.Series]:
    lookup = {s.header_key(c): c for c in choices}
    keys = values.map(lambda v: s.header_key(v) if v is not None and not pd.isna(v) else None)
    out = keys.map(lookup)
    bad = keys.notna() & keys.ne("") & out.isna()
    return out.astype(object).where(out.notna(), None), bad


def clean(sheet: str, raw: pd.DataFrame | None) -> tuple[pd.DataFrame, list[Problem]]:
    """The sheet's frame with every contract column present and typed, and what was wrong."""
    columns = s.COLUMNS.get(sheet, ())
    frame = pd.DataFrame(index=pd.RangeIndex(2, 2, name="row")) if raw is None else raw.copy()
    problems: list[Problem] = []
    for column in columns:
        if column not in frame.columns:
            frame[column] = None
    for column in s.DATE_COLUMNS.get(sheet, ()):
        frame[column], bad = _as_dates(frame[column].astype(object))
        problems += [
            Problem(sheet, int(r), column, f"{v!r} is not a date; enter a date like 2026-03-31")
            for r, v in raw.loc[bad[bad].index, column].items()
        ] if raw is not None and column in raw.columns else []  # fmt: skip
    for column, choices in s.CHOICES.get(sheet, {}).items():
        frame[column], bad = _canonical(frame[column], choices)
        if raw is not None and column in raw.columns:
            allowed = ", ".join(choices) if len(choices) < 8 else "the dropdown list"
            problems += [
                Problem(sheet, int(r), column, f"{v!r} is not one of {allowed}")
                for r, v in raw.loc[bad[bad].index, column].items()
            ]
    for column in (s.LEAD_ID, s.OWNER, s.NAME):
        if column in frame.columns:
            frame[column] = frame[column].map(_text)
    return frame, problems


def _text(value: object) -> object:
    """Lead IDs and names as text: a number typed as 1001 and '1001' are the same lead."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None
