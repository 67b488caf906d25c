"""Sheets of an .xlsx file as frames: one parse per sheet, straight into typed columns.

fastexcel (calamine underneath, Arrow out) was measured against python-calamine's `to_python` on
the bench books: L Leads + Touches 4.8 s vs 9.7 s and 0.7 vs 1.2 GB peak (README "Speed"). A
sheet whose column mixes cell types (dates and text, numbers and text) is read again with
python-calamine, cell by cell as before, so such books read exactly as they always did.
"""

from __future__ import annotations

import datetime as dt
import logging
import posixpath
import re
import zipfile
from pathlib import Path

import fastexcel
import numpy as np
import pandas as pd
import pyarrow as pa
import python_calamine
from defusedxml import ElementTree

from leadbook.book.base import frame_from_rows
from leadbook.book.xlsx.guard import damaged
from leadbook.core import schema as s
from leadbook.core.problems import LeadbookError

HEAD_ROWS = 20  # the header is looked for in the first 20 rows (see base.header_row)
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_UNNAMED = "__UNNAMED__"
# fastexcel logs a warning for every empty column (it reads it as text); that is expected here.
logging.getLogger("fastexcel.types.dtype").setLevel(logging.ERROR)


class SheetReader:
    """Reads a workbook's sheets; each `frame` call parses that sheet once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._book = fastexcel.read_excel(str(path))
        except Exception as exc:  # fastexcel/calamine raise their own error types for damaged files
            raise damaged(path, exc) from exc
        self.sheet_names: list[str] = list(self._book.sheet_names)
        self._unread: dict[str, dict[tuple[int, int], str]] = {}  # sheets read by openpyxl: their errors

    def frame(self, sheet: str, name: str, columns: tuple[str, ...] | None = None) -> pd.DataFrame:
        """The sheet `name` as a frame with contract column names (for `sheet`), index = Excel row.

        With `columns`, only those contract columns are read (rows blank in all of them dropped).
        A Table's Total Row is not data: it is left out.
        """
        frame = self._frame(sheet, name, columns)
        try:
            totals = table_totals(self.path, name)
        except (KeyError, ValueError, SyntaxError, zipfile.BadZipFile, LeadbookError):
            return frame
        return frame.drop(index=totals, errors="ignore") if totals else frame

    def _frame(self, sheet: str, name: str, columns: tuple[str, ...] | None = None) -> pd.DataFrame:
        try:
            top = header_position(self.path, name)
        except (KeyError, ValueError, SyntaxError, zipfile.BadZipFile):  # an unusual package layout
            return self.exact_frame(sheet, name, columns)
        if top is None:
            return pd.DataFrame(index=pd.RangeIndex(2, 2, name="row"))
        try:
            loaded = self._book.load_sheet(
                name,
                header_row=top,
                schema_sample_rows=None,  # a type guessed from the first 1,000 rows would blank later cells
                dtype_coercion="strict",
                use_columns=lambda column: _wanted(sheet, column.name, columns),
            )
            table, errors = loaded.to_arrow_with_errors()
        except (fastexcel.UnsupportedColumnTypeCombinationError, fastexcel.CalamineCellError):
            return self.exact_frame(sheet, name, columns, top)  # mixed types, or a column of errors only
        except fastexcel.FastExcelError:  # read cell by cell instead; a damaged sheet is refused there
            return self.exact_frame(sheet, name, columns, top)
        except BaseException as exc:  # a date cell holding 1e300 panics calamine's date conversion
            if not _panicked(exc):
                raise
            return self.exact_frame(sheet, name, columns, top)
        names = [c.name for c in loaded.selected_columns]
        if any(_is_repeat(header, names) for header in names):  # fastexcel renamed a repeated header
            return self.exact_frame(sheet, name, columns, top)
        if any(c.dtype == "duration" for c in loaded.selected_columns):  # time-of-day cells
            return self.exact_frame(sheet, name, columns, top)
        return with_errors(typed_frame(sheet, names, table, top), sheet, loaded, errors, top)

    def exact_frame(
        self, sheet: str, name: str, columns: tuple[str, ...] | None = None, top: int | None = None
    ) -> pd.DataFrame:
        """The sheet read cell by cell with python-calamine: every cell keeps its own type."""
        frame, positions = frame_from_rows(sheet, self.rows(name))
        if name in self._unread:  # read by openpyxl: its error cells are known by position
            by_position = {p - 1: c for c, p in positions.items()}
            frame.attrs[s.CELL_ERRORS] = {
                (r + 1, by_position[c]): text
                for (r, c), text in self._unread[name].items()
                if c in by_position
            }
            top = None
        if columns is not None:
            frame = frame[[c for c in frame.columns if c in columns]]
            frame = frame.loc[frame.notna().any(axis=1)] if len(frame.columns) else frame.iloc[:0]
        if top is None:
            return frame
        try:  # python-calamine gives an error cell as "": its text comes from a load as text
            loaded = self._book.load_sheet(
                name, header_row=top, dtypes="string", use_columns=lambda c: _wanted(sheet, c.name, columns)
            )
            frame = with_errors(frame, sheet, loaded, loaded.to_arrow_with_errors()[1], top)
            found = frame.attrs[s.CELL_ERRORS]  # a date past any date: calamine gave its number already
            frame.attrs[s.CELL_ERRORS] = {k: v for k, v in found.items() if v.startswith("#")}
            return frame
        except fastexcel.FastExcelError:
            return frame
        except BaseException as exc:
            if not _panicked(exc):
                raise
            self._unread[name] = _openpyxl_rows(self.path, name)[1]
            return self.exact_frame(sheet, name, columns)

    def rows(self, name: str) -> list[list[object]]:
        """The sheet's cell values from A1, as python-calamine gives them."""
        try:
            book = python_calamine.CalamineWorkbook.from_path(str(self.path))
            return book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:  # calamine raises its own error types for damaged sheets
            raise damaged(self.path, exc, name) from exc
        except BaseException as exc:
            if not _panicked(exc):
                raise
        rows, self._unread[name] = _openpyxl_rows(self.path, name)
        return rows


def _panicked(exc: BaseException) -> bool:
    """A Rust panic inside calamine (pyo3's PanicException is a BaseException, not an Exception)."""
    return type(exc).__name__ == "PanicException"


def _openpyxl_rows(path: Path, name: str) -> tuple[list[list[object]], dict[tuple[int, int], str]]:
    """The sheet's values from A1 read by openpyxl (slow, but it never panics), error cells as None,
    and where those errors were ({(0-based row, column): '#VALUE!'}; a date cell past any date is one)."""
    import warnings

    from openpyxl import load_workbook

    with warnings.catch_warnings():  # "marked as a date but ... outside the limits": reported by check
        warnings.simplefilter("ignore")
        book = load_workbook(path, read_only=True, data_only=True)
        try:
            rows = [list(r) for r in book[name].iter_rows(values_only=True)]
        finally:
            book.close()
    errors = {}
    codes = set(ERROR_TEXT.values())
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, str) and value in codes:
                errors[(r, c)] = value
                row[c] = None
    return rows, errors


# calamine's names for Excel's error values, as Excel shows them
ERROR_TEXT = {
    "Div0": "#DIV/0!", "NA": "#N/A", "Name": "#NAME?", "Null": "#NULL!", "Num": "#NUM!", "Ref": "#REF!",
    "Value": "#VALUE!", "GettingData": "#GETTING_DATA",
}  # fmt: skip


def with_errors(frame: pd.DataFrame, sheet: str, loaded, errors, top: int) -> pd.DataFrame:
    """The frame, with `attrs[CELL_ERRORS]` = {(Excel row, column): '#REF!'} for its error cells
    (and date cells past any date, as their number).

    The cells themselves read as blank, so no rule ever counts `#N/A` as a value; `clean` reports them.
    """
    by_index = {c.index: c.name for c in loaded.selected_columns}
    mapping = s.map_headers(sheet, list(by_index.values()))
    found = {}
    for error in errors.errors if errors is not None else ():
        header = by_index.get(error.offset_position[1])
        text = _error_text(error.detail)
        if text is not None and header is not None:
            found[(top + 2 + error.offset_position[0], mapping[header])] = text
    frame.attrs[s.CELL_ERRORS] = found
    return frame


def _error_text(detail: str) -> str | None:
    """'#REF!' for an error value; '1e+15' for a date cell no datetime holds (fastexcel reads it null)."""
    kind = re.search(r"Error\((\w+)\)", detail)
    if kind:
        return ERROR_TEXT.get(kind.group(1), f"#{kind.group(1).upper()}")
    serial = re.search(r"ExcelDateTime \{ value: ([-\d.e+E]+)", detail)
    return f"{float(serial.group(1)):g}" if serial else None


def _wanted(sheet: str, header: str, columns: tuple[str, ...] | None) -> bool:
    """Whether to load a column: a named header, and one of `columns` (all when None)."""
    if header.startswith(_UNNAMED):
        return False
    return columns is None or s.map_headers(sheet, [header])[header] in columns


def typed_frame(sheet: str, names: list[str], table: pa.RecordBatch, top: int) -> pd.DataFrame:
    """Arrow columns renamed to the contract, text blanks as None, blank rows dropped."""
    mapping = s.map_headers(sheet, names)
    data: dict[str, np.ndarray | pd.api.extensions.ExtensionArray] = {}
    for i, header in enumerate(names):
        column = mapping[header]
        if column in data:
            continue  # a later duplicate of a contract header stays unread, as in `frame_from_rows`
        data[column] = _values(
            table.column(i),
            as_text=column in _normalised(sheet),
            as_date=column in s.DATE_COLUMNS.get(sheet, ()),
        )
    index = pd.RangeIndex(top + 2, top + 2 + table.num_rows, name="row")
    frame = pd.DataFrame({c: pd.Series(v, index=index, dtype=v.dtype) for c, v in data.items()}, index=index)
    if frame.columns.empty:
        return frame.iloc[:0]
    return frame.loc[frame.notna().any(axis=1)]


def _values(array: pa.Array, as_text: bool, as_date: bool) -> np.ndarray | pd.api.extensions.ExtensionArray:
    """Dates as datetime64[ns]; other cells as objects with None for blanks, as cells read.

    With `as_text`, a text column stays Arrow-backed pandas text: clean() works on its distinct
    values only, so a Python object per cell would be built for nothing.
    """
    if pa.types.is_timestamp(array.type) or pa.types.is_date(array.type):
        stamps = array.to_pandas()
        if as_date and stamps.dropna().between(pd.Timestamp.min, pd.Timestamp.max).all():
            return stamps.astype("datetime64[ns]").to_numpy()
        # Elsewhere (or a year like 9999, which clean() reports): cells as python-calamine gives
        # them, a date for a whole day and a datetime otherwise.
        return np.array([_calamine_date(v) for v in _py_dates(array)], dtype=object)
    is_text = pa.types.is_string(array.type) or pa.types.is_large_string(array.type)
    if is_text and as_text:
        text = array.to_pandas()
        return text.mask(text.eq("")).array
    values = array.to_numpy(zero_copy_only=False).astype(object)
    if pa.types.is_floating(array.type):
        values[np.isnan(values.astype(float))] = None
    elif is_text:
        values[values == ""] = None
    return values


_PER_DAY = {"s": 86_400, "ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400_000_000_000}


def _py_dates(array: pa.Array) -> list[object]:
    """The cells as Python datetimes; one past year 9999 (a date cell holding 1e15) as its Excel serial,
    so clean() reports the number rather than the read failing."""
    try:
        return array.to_pylist()
    except (OverflowError, ValueError):
        pass
    if pa.types.is_date(array.type):
        days = array.cast(pa.int32()).to_pylist()
        return [None if d is None else d + 25_569 for d in days]  # outside 1-9999: not a date anyway
    ticks = array.cast(pa.int64()).to_pylist()
    per_day = _PER_DAY[array.type.unit]
    out: list[object] = []
    for scalar, tick in zip(array, ticks, strict=True):
        try:
            out.append(scalar.as_py())
        except (OverflowError, ValueError):
            out.append(tick / per_day + 25_569)  # 1970-01-01 is serial 25569
    return out


def _calamine_date(value: dt.datetime | float | None) -> dt.date | float | None:
    if not isinstance(value, dt.datetime):  # None, or the serial of a date past year 9999
        return value
    return value.date() if value.time() == dt.time() else value


def _normalised(sheet: str) -> set[str]:
    """The columns clean() rewrites value by value: dropdown answers, Lead ID, Owner and Name."""
    return {*s.CHOICES.get(sheet, {}), s.LEAD_ID, s.OWNER, s.NAME}


def _is_repeat(header: str, names: list[str]) -> bool:
    """fastexcel names a repeated header 'Notes_1' (the cell said 'Notes'), so names are not the cells."""
    match = re.fullmatch(r"(.*)_(\d+)", header)
    return bool(match) and match.group(1) in names[: names.index(header)]


def header_position(path: Path, name: str) -> int | None:
    """0-based row of the header (`base.header_row`'s rule) from the sheet's first rows only.

    Read from the sheet's XML so the sheet itself is parsed once, by the frame load. None if
    none of the first rows holds a value.
    """
    filled = head_counts(path, name)
    for rule in (2, 1):
        for row, count in sorted(filled.items()):
            if count >= rule:
                return row
    return None


def head_counts(path: Path, name: str) -> dict[int, int]:
    """0-based row → how many cells hold a value, for rows within the first HEAD_ROWS."""
    with zipfile.ZipFile(path) as archive:
        part = sheet_part(archive, name)
        counts: dict[int, int] = {}
        with archive.open(part) as stream:
            for _, element in ElementTree.iterparse(stream, events=("end",)):
                if element.tag != f"{_MAIN}row":
                    continue
                row = int(element.get("r", len(counts) + 1)) - 1
                if row >= HEAD_ROWS:
                    break
                counts[row] = sum(1 for c in element.iter(f"{_MAIN}c") if _filled(c))
                element.clear()
    return counts


def _filled(cell) -> bool:
    """A cell with a value; error values (#N/A) read as blank, as they do in the frames."""
    if cell.get("t") == "e":
        return False
    if cell.get("t") == "inlineStr":
        return any(t.text for t in cell.iter(f"{_MAIN}t"))
    value = cell.find(f"{_MAIN}v")
    return value is not None and bool(value.text)


def table_totals(path: Path, name: str) -> list[int]:
    """The Excel rows of the Total Rows of the sheet's Tables (`totalsRowCount`)."""
    rows: list[int] = []
    with zipfile.ZipFile(path) as archive:
        part = sheet_part(archive, name)
        folder, base = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", base + ".rels")
        if rels not in archive.namelist():
            return rows
        for rel in ElementTree.fromstring(archive.read(rels)):
            target = rel.get("Target", "")
            if not rel.get("Type", "").endswith("/table") or rel.get("TargetMode") == "External":
                continue
            target = (
                target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"{folder}/{target}")
            )
            table = ElementTree.fromstring(archive.read(target))
            count = int(table.get("totalsRowCount") or 0)
            last = re.search(r"(\d+)$", table.get("ref", ""))
            if count and last:
                rows += range(int(last[1]) - count + 1, int(last[1]) + 1)
    return rows


def sheet_part(archive: zipfile.ZipFile, name: str) -> str:
    """The zip member holding the sheet called `name` (workbook.xml → its relationship target)."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target") for rel in rels}
    for element in workbook.iter(f"{_MAIN}sheet"):
        if element.get("name") == name:
            target = targets[element.get(_REL)]
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
    raise LeadbookError(f"sheet {name!r} is not in {Path(archive.filename or '').name}", name)
