"""Cell values as worksheet XML: numbers, booleans, dates as serials, text as literal inline strings."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from leadbook.core.excelref import column_letter, column_number

# Characters XML 1.0 cannot hold (Excel refuses the file if they appear).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_EPOCH_1900 = dt.datetime(1899, 12, 30)
_EPOCH_1904 = dt.datetime(1904, 1, 1)
_LEAP_BUG_END = dt.datetime(1900, 3, 1)  # Excel counts a 29 Feb 1900 that never was


@dataclass(frozen=True)
class Cell:
    """One cell to write. kind: "n" number, "b" boolean, "s" text, "d" date serial.

    `style_from` copies the `s=` of another column's cell in the same row (a new header
    styled like the last one); `style` sets it outright.
    """

    kind: str
    text: str
    style: int | None = None
    style_from: int | None = None


def escape(text: str) -> str:
    """Text as XML character data: & < > escaped, characters XML cannot hold removed."""
    text = _ILLEGAL.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def number_text(value: float) -> str:
    """The shortest text that reads back as the same float (integers without '.0')."""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def serial(value: dt.datetime, date1904: bool = False) -> float:
    """Excel's serial day number of a datetime (time of day as the fraction)."""
    if date1904:
        delta = value - _EPOCH_1904
    else:
        delta = value - (_EPOCH_1900 if value >= _LEAP_BUG_END else _EPOCH_1900 + dt.timedelta(days=1))
    return delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000


def _as_datetime(value: object) -> dt.datetime | None:
    if isinstance(value, pd.Timestamp | np.datetime64):
        stamp = pd.Timestamp(value)
        if stamp is pd.NaT:
            return None
        return (stamp.tz_localize(None) if stamp.tzinfo else stamp).to_pydatetime(warn=False)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    return None


def cell_of(value: object, date1904: bool = False) -> Cell | None:
    """The Cell for a frame value; None for a blank (None, NaN, NaT, empty text)."""
    if value is None or value is pd.NaT or (isinstance(value, str) and value == ""):
        return None
    if isinstance(value, bool | np.bool_):
        return Cell("b", "1" if value else "0")
    if isinstance(value, int | np.integer):
        return Cell("n", str(int(value)))
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) or math.isinf(value) else Cell("n", number_text(value))
    when = _as_datetime(value)
    if when is not None:
        return Cell("d", number_text(serial(when, date1904)))
    return Cell("s", escape(str(value)))


def _date_serials(series: pd.Series, date1904: bool) -> np.ndarray:
    """Excel serials of a datetime64 column, vectorised (NaT as NaN)."""
    naive = series.dt.tz_localize(None) if series.dt.tz is not None else series
    stamps = naive.to_numpy(dtype="datetime64[us]")
    epoch = np.datetime64(_EPOCH_1904 if date1904 else _EPOCH_1900, "us")
    days = (stamps - epoch).astype("float64") / 86_400_000_000
    days[np.isnat(stamps)] = np.nan
    if not date1904:
        days[stamps < np.datetime64(_LEAP_BUG_END, "us")] -= 1
    return days


def column_cells(series: pd.Series, date1904: bool = False) -> list[Cell | None]:
    """The Cells of a frame column (one per value, in order); equal values share one Cell."""
    codes, distinct = column_codes(series, date1904)
    table = np.empty(len(distinct), dtype=object)
    table[:] = distinct
    return table[codes].tolist()


def column_codes(series: pd.Series, date1904: bool = False) -> tuple[np.ndarray, list[Cell | None]]:
    """A frame column as (codes, distinct): value i is the Cell `distinct[codes[i]]`.

    Values are factorised first (C speed), so `cell_of` runs once per distinct value. The last
    entry of `distinct` is always None (a blank), so a blank's code is `len(distinct) - 1` or
    that of another entry that is None.
    """
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        days = pd.Series(_date_serials(series, date1904))
        codes, uniques = pd.factorize(days, use_na_sentinel=True)
        distinct: list[Cell | None] = [Cell("d", number_text(day)) for day in uniques.tolist()]
    else:
        values = series.to_numpy(dtype=object)
        try:
            if pd.api.types.infer_dtype(values, skipna=True).startswith("mixed"):
                # True == 1 but they are different cells: key mixed columns by (type, value).
                keyed = pd.Series([(v.__class__, v) for v in values.tolist()], dtype=object)
                codes, uniques = pd.factorize(keyed, use_na_sentinel=False)
                uniques = [value for _, value in uniques.tolist()]
            else:
                codes, uniques = pd.factorize(values, use_na_sentinel=False)
                uniques = uniques.tolist()
        except TypeError:  # an unhashable value: one entry per row
            distinct = [cell_of(v, date1904) for v in values.tolist()]
            return np.arange(len(distinct)), [*distinct, None]
        distinct = [cell_of(value, date1904) for value in uniques]
    codes = np.where(codes < 0, len(distinct), codes)  # blank dates pick the None at the end
    return codes, [*distinct, None]


def parse_ref(ref: str) -> tuple[int, int, int, int]:
    """'A1:H10' (or 'B3') -> (min_col, min_row, max_col, max_row)."""
    parts = ref.replace("$", "").split(":")
    found = [re.fullmatch(r"([A-Z]+)(\d+)", p.upper()) for p in parts]
    if not all(found):
        raise ValueError(f"not a cell range: {ref!r}")
    first, last = found[0], found[-1]
    return column_number(first[1]), int(first[2]), column_number(last[1]), int(last[2])


def format_ref(min_col: int, min_row: int, max_col: int, max_row: int) -> str:
    """(1, 1, 8, 10) -> 'A1:H10'; a single cell as 'A1'."""
    first = f"{column_letter(min_col)}{min_row}"
    last = f"{column_letter(max_col)}{max_row}"
    return first if first == last else f"{first}:{last}"
