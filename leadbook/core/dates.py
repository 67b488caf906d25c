"""Dates as exports write them, parsed column by column (vectorised), with day/month order.

"15 Apr, 2021 00:03:00" (Zoho), "4/7/2021" (US or European), "2021-04-07T10:00:00Z" (APIs),
"20210407", Excel serials, and real date cells from .xlsx files. A file whose numeric dates
never show which part is the day (no part above 12) cannot be read without being told the order.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from leadbook.core.problems import LeadbookError, Problem

DAY, MONTH = "day", "month"
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
NUMERIC = (
    r"^(?P<a>\d{1,2})[/.\-](?P<b>\d{1,2})[/.\-](?P<y>\d{2}|\d{4})"
    r"(?:[ T,]+(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?(?:\.\d+)?\s*(?P<p>[AaPp][Mm])?)?$"
)
TEXT_FORMATS = (
    "%d %b, %Y %H:%M:%S", "%d %b, %Y %H:%M", "%d %b, %Y", "%d %b %Y %H:%M:%S", "%d %b %Y %H:%M",
    "%d %b %Y", "%d %B %Y", "%b %d, %Y %I:%M %p", "%b %d, %Y %H:%M:%S", "%b %d, %Y %H:%M", "%b %d, %Y",
    "%B %d, %Y", "%d-%b-%Y", "%d-%b-%y", "%d-%b-%Y %H:%M:%S", "%a, %d %b %Y %H:%M:%S", "%Y/%m/%d",
    "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y.%m.%d",
)  # fmt: skip
ORDER_HELP = (
    "use --date-order day or --date-order month, or set 'Date order' on the Settings sheet to "
    "Day first or Month first"
)


def date_order(text: object) -> str | None:
    """'day' / 'month' from a Settings or option value ('Day first', 'DMY', 'month'...); None for Auto."""
    key = str(text or "").strip().lower().replace(" ", "")
    if key in ("", "auto"):
        return None
    if key in ("day", "dayfirst", "dmy", "dd/mm/yyyy", "d/m/y"):
        return DAY
    if key in ("month", "monthfirst", "mdy", "mm/dd/yyyy", "m/d/y"):
        return MONTH
    raise ValueError(text)


def _numeric_parts(text: pd.Series) -> pd.DataFrame:
    return text.str.extract(NUMERIC)


def _order(parts: dict[str, pd.DataFrame], sheet: str, given: str | None) -> str:
    """The day/month order the numeric dates of a file need: given, or shown by the file itself."""
    a = pd.concat([p["a"] for p in parts.values()]).astype(int)
    b = pd.concat([p["b"] for p in parts.values()]).astype(int)
    day_first, month_first = bool((a > 12).any()), bool((b > 12).any())
    if given:
        return given
    if day_first and month_first:
        raise LeadbookError(f"the file mixes day-first and month-first dates; {ORDER_HELP}", sheet)
    if not (day_first or month_first):
        sample = next(iter(parts.values()))
        example = f"{sample['a'].iloc[0]}/{sample['b'].iloc[0]}/{sample['y'].iloc[0]}"
        raise LeadbookError(
            f"dates like {example} can be read day first or month first and nothing in the file "
            f"says which; {ORDER_HELP}",
            sheet,
        )
    return DAY if day_first else MONTH


def _from_parts(parts: pd.DataFrame, order: str) -> pd.Series:
    day, month = (parts["a"], parts["b"]) if order == DAY else (parts["b"], parts["a"])
    year = parts["y"].astype(int)
    year = year.where(year >= 100, np.where(year < 70, 2000 + year, 1900 + year))
    hour = parts["h"].fillna("0").astype(int)
    pm = parts["p"].fillna("").str.lower()
    hour = hour.where(pm.ne("pm") | hour.eq(12), hour + 12).where(pm.ne("am") | hour.ne(12), 0)
    return pd.to_datetime(
        pd.DataFrame({
            "year": year, "month": month.astype(int), "day": day.astype(int), "hour": hour,
            "minute": parts["mi"].fillna("0").astype(int), "second": parts["s"].fillna("0").astype(int),
        }),
        errors="coerce",
    )  # fmt: skip


def _ns(stamps: pd.Series) -> pd.Series:
    """Timestamps a datetime64[ns] column holds (1677 to 2262); others NaT (a year 9999 is a typo)."""
    stamps = pd.to_datetime(stamps)
    return stamps.where(stamps.between(pd.Timestamp.min, pd.Timestamp.max)).astype("datetime64[ns]")


def _serial(values: pd.Series) -> pd.Series:
    """Excel serial numbers (1 = 1900-01-01) and yyyymmdd numbers as Timestamps."""
    number = pd.to_numeric(values, errors="coerce")
    ymd = number.between(19000101, 21001231) & number.eq(number.round())
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    out[ymd] = _ns(pd.to_datetime(number[ymd].astype("int64").astype(str), format="%Y%m%d", errors="coerce"))
    serial = number.between(1, 100_000) & ~ymd  # to 2173: later serials are typos, not dates
    out[serial] = EXCEL_EPOCH + pd.to_timedelta(number[serial], unit="D")
    return out.dt.round("s")


def _text_dates(text: pd.Series) -> pd.Series:
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    iso = text.str.match(r"^\d{4}-\d{2}-\d{2}")
    if iso.any():
        parsed = pd.to_datetime(text[iso], format="ISO8601", errors="coerce", utc=True)
        out[iso] = _ns(parsed.dt.tz_convert(None))  # UTC wall time, the form exports mean by 'Z'
    rest = out.isna() & text.str.match(r"^\d+(\.\d+)?$")
    out[rest] = _serial(text[rest])
    for fmt in TEXT_FORMATS:
        rest = out.isna()
        if not rest.any():
            break
        out[rest] = _ns(pd.to_datetime(text[rest], format=fmt, errors="coerce"))
    return out


def parse_dates(
    frame: pd.DataFrame, columns: list[str], sheet: str, order: str | None
) -> tuple[pd.DataFrame, list[Problem]]:
    """The frame with each date column as datetimes; text no format reads is kept and reported."""
    frame = frame.copy()
    problems: list[Problem] = []
    numeric: dict[str, pd.DataFrame] = {}
    for column in columns:
        values = frame[column]
        text = values.map(lambda v: isinstance(v, str))
        parts = _numeric_parts(values[text].astype(str))
        numeric[column] = parts.dropna(subset=["a"])
    if not any(len(p) for p in numeric.values()):
        numeric = {}
    resolved = _order(numeric, sheet, order) if numeric else order or DAY
    for column in columns:
        frame[column], bad = _column_dates(frame[column], numeric.get(column), resolved)
        problems += [
            Problem(sheet, int(r), column, f"{v!r} is not a date leadbook can read; kept as text")
            for r, v in frame.loc[bad, column].items()
        ]
    return frame, problems


def _column_dates(values: pd.Series, parts: pd.DataFrame | None, order: str) -> tuple[pd.Series, pd.Series]:
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    is_date = values.map(lambda v: isinstance(v, dt.date))
    is_number = values.map(lambda v: isinstance(v, int | float) and not isinstance(v, bool))
    is_text = values.map(lambda v: isinstance(v, str))
    if is_date.any():
        out[is_date] = _ns(pd.to_datetime(values[is_date].map(lambda v: pd.Timestamp(v).tz_localize(None))))
    if is_number.any():
        out[is_number] = _serial(values[is_number])
    if parts is not None and len(parts):
        out[parts.index] = _ns(_from_parts(parts, order))
    text = is_text & out.isna()
    if text.any():
        out[text] = _text_dates(values[text].astype(str).str.strip())
    bad = values.notna() & out.isna()
    kept = out.astype(object).where(out.notna(), None)
    kept[bad] = values[bad]
    return kept, bad


ORDER_NAMES = {DAY: "Day first", MONTH: "Month first"}


def _one_order(parts: pd.DataFrame, order: str | None) -> tuple[pd.Series, pd.Series]:
    """Numeric dates by `order`; with None, only those that read one way. And the ambiguous mask."""
    a, b = parts["a"].astype(int), parts["b"].astype(int)
    if order:
        return _ns(_from_parts(parts, order)), pd.Series(False, index=parts.index)
    day_first = a.gt(12) | a.eq(b)
    month_first = b.gt(12) & a.le(12)
    out = pd.Series(pd.NaT, index=parts.index, dtype="datetime64[ns]")
    for mask, rule in ((day_first, DAY), (month_first, MONTH)):
        if mask.any():
            out[mask] = _ns(_from_parts(parts[mask], rule))
    return out, ~(day_first | month_first) & a.le(12) & b.le(12)


def read_text_dates(text: pd.Series, order: str | None) -> tuple[pd.Series, pd.Series]:
    """Text date cells by leadbook's one rule, and a mask of those that need a Date order.

    ISO (2026-04-03) always; 03/04/2026, 03.04.2026 or 3-4-26 by `order` ('day' / 'month', the
    Settings 'Date order'), or with no order only when it reads one way (a part above 12, or
    day = month); named months ("3 Apr 2026", "Apr 3, 2026") always. Anything else is NaT.
    """
    text = text.astype(str).str.strip()
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    ambiguous = pd.Series(False, index=text.index)
    iso = text.str.match(r"^\d{4}-\d{2}-\d{2}")
    if iso.any():
        parsed = pd.to_datetime(text[iso], format="ISO8601", errors="coerce", utc=True)
        out[iso] = _ns(parsed.dt.tz_convert(None))
    parts = _numeric_parts(text[~iso]).dropna(subset=["a"])
    if len(parts):
        out[parts.index], ambiguous[parts.index] = _one_order(parts, order)
    for fmt in TEXT_FORMATS:
        rest = out.isna() & ~ambiguous & ~iso & ~text.index.isin(parts.index)
        if not rest.any():
            break
        out[rest] = _ns(pd.to_datetime(text[rest], format=fmt, errors="coerce"))
    return out, ambiguous


def both_readings(text: object) -> str:
    """'3 April or 4 March': what an ambiguous numeric date could mean, for a message."""
    parts = _numeric_parts(pd.Series([str(text).strip()])).dropna(subset=["a"])
    if not len(parts):
        return "two ways"
    day, month = (_from_parts(parts, order).iloc[0] for order in (DAY, MONTH))
    return f"{day.day} {day:%B %Y} (day first) or {month.day} {month:%B %Y} (month first)"


def ambiguous_message(value: object) -> str:
    """The one message for a date that needs the Settings 'Date order'."""
    return (
        f"{value!r} can be read as {both_readings(value)}; set 'Date order' on the Settings sheet "
        "to Day first or Month first"
    )


def infer_date_order(columns: list[pd.Series]) -> str | None:
    """'day' / 'month' if the unambiguous numeric text dates in `columns` all agree, else None.

    For adopt to store as Settings 'Date order': a tracker with 15/04/2026 is day first.
    """
    text = [c[c.map(lambda v: isinstance(v, str))].astype(str).str.strip() for c in columns if len(c)]
    parts = _numeric_parts(pd.concat(text)) if text else pd.DataFrame(columns=["a", "b"])
    parts = parts.dropna(subset=["a"])
    a, b = parts["a"].astype(int), parts["b"].astype(int)
    day, month = bool(a.gt(12).any()), bool(b.gt(12).any())
    if day == month:
        return None
    return DAY if day else MONTH
