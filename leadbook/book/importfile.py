"""Export files as frames: CSV in any common encoding and delimiter, or the first sheet of a workbook.

Excel saves CSV as UTF-8 with a BOM, as cp1252 ("CSV (Comma delimited)") or as UTF-16 with tabs
("Unicode Text"); European Excel separates with `;`. Every value is read as text (a CSV has no
types) so leading zeros, long numbers and `+44...` phones arrive as written.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import pandas as pd

from leadbook.book.base import header_row
from leadbook.core.problems import LeadbookError

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
BOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
DELIMITERS = ",;\t|"


def encoding_of(head: bytes) -> str:
    """The text encoding of a file from its first bytes: BOM, UTF-16 without BOM, UTF-8, else cp1252."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(head) >= 4 and head[1::2].count(0) > len(head) // 4:
        return "utf-16-le"
    if len(head) >= 4 and head[0::2].count(0) > len(head) // 4:
        return "utf-16-be"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not just a character cut at the end of the sample
            return "cp1252"
    return "utf-8"


def delimiter_of(sample: str) -> str:
    """The delimiter the header and first rows agree on (csv.Sniffer, then the most common one)."""
    lines = [line for line in sample.splitlines()[:30] if line.strip()]
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {d: max((line.count(d) for line in lines), default=0) for d in DELIMITERS}
        return max(counts, key=counts.get) if max(counts.values(), default=0) else ","


def _unique(headers: list[object]) -> list[str]:
    """Header texts, blank ones named by position and repeats numbered ('Phone', 'Phone (2)')."""
    out: list[str] = []
    for i, header in enumerate(headers, start=1):
        text = str(header).strip() if header not in (None, "") else f"Column {i}"
        name, n = text, 1
        while name in out:
            n += 1
            name = f"{text} ({n})"
        out.append(name)
    return out


def frame_of_rows(rows: list[list[object]], first_row: int = 1) -> pd.DataFrame:
    """Cells from a sheet or CSV (header somewhere in the first rows) as a frame, index = file row."""
    if not rows:
        return pd.DataFrame()
    top = header_row(rows)
    width = max(len(r) for r in rows[top:])
    headers = _unique(list(rows[top]) + [None] * (width - len(rows[top])))
    body = [list(r) + [None] * (width - len(r)) for r in rows[top + 1 :]]
    frame = pd.DataFrame(body, columns=headers, dtype=object)
    frame.index = pd.RangeIndex(first_row + top + 1, first_row + top + 1 + len(frame), name="row")
    frame = frame.mask(frame.isin(("",)), None)
    return frame.loc[frame.notna().any(axis=1)]


def read_csv(path: Path) -> pd.DataFrame:
    """A CSV or tab-separated export as text values; the header may sit below a few note lines."""
    data = path.read_bytes()
    encoding = encoding_of(data[:65536])
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    text = text.removeprefix("\ufeff")
    if not text.strip():
        return pd.DataFrame()
    delimiter = delimiter_of(text[:65536])
    head = list(csv.reader(io.StringIO(text[:65536]), delimiter=delimiter))[:20]
    top = header_row(head)
    frame = pd.read_csv(
        io.StringIO(text), sep=delimiter, header=None, skiprows=top, dtype=str, keep_default_na=False,
        na_filter=False, engine="c", skip_blank_lines=False,
        on_bad_lines="warn",
    )  # fmt: skip
    rows = frame.to_numpy(dtype=object).tolist()
    return frame_of_rows(rows, first_row=top + 1)


def read_book(path: Path) -> pd.DataFrame:
    """The first sheet holding data of an Excel or OpenDocument file (python-calamine)."""
    import python_calamine

    try:
        reader = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for damaged files
        raise LeadbookError(f"{path.name} cannot be read as a workbook: {exc}") from exc
    for name in reader.sheet_names:
        try:
            rows = reader.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except BaseException as exc:  # pyo3's PanicException (not an Exception): a date cell holding 1e300
            if type(exc).__name__ != "PanicException":
                raise
            raise LeadbookError(
                f"{path.name}: a date cell on sheet {name!r} holds a number past any date; fix it and import again"
            ) from None
        if any(any(v not in (None, "") for v in row) for row in rows):
            return frame_of_rows(rows)
    return pd.DataFrame()


def read_export(path: str | Path) -> pd.DataFrame:
    """An export file as a frame of its rows (headers as written, index = the file's row number)."""
    path = Path(path)
    if not path.exists():
        raise LeadbookError(f"{path} does not exist")
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        frame = read_csv(path)
    elif suffix in BOOK_SUFFIXES:
        frame = read_book(path)
    else:
        raise LeadbookError(
            f"{path.name}: leadbook imports .csv, .tsv, .txt, .xlsx, .xlsm, .xls and .ods files"
        )
    if frame.empty:
        raise LeadbookError(f"{path.name} has no rows to import")
    return frame
