"""Whole bad workbooks, as a careless user or a fuzzer makes them, written as real .xlsx files.

For every generated book every command exits 0, 1 or 2 with no traceback, the file is either
written whole (both readers open it) or left byte for byte as it was, and every row a command
skipped or read in part is listed by `check` (so is every Leads row refresh did not read and every
touch it did not count).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import warnings
import zipfile
from pathlib import Path

import hypothesis.strategies as st
import openpyxl
import pandas as pd
import python_calamine
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from typer.testing import CliRunner

from leadbook import services
from leadbook.book.filebook import FileBook
from leadbook.cli import app
from leadbook.core import schema as s
from leadbook.core.clean import clean
from leadbook.core.settings import DEFAULTS, KEYS

TODAY = dt.date(2026, 11, 23)
ERRORS = ("#REF!", "#N/A", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!")
ERROR = st.sampled_from(ERRORS).map(lambda e: ("error", e))
TEXT = st.one_of(
    st.text(max_size=12),
    st.sampled_from([
        "line\x0bbreak from Word", "tab\tand\x01bell", "emoji 😀🚀", "=1+1", "+44 20 7946", "-x", "@me",
        "x" * 10_000, "   ", "Łukasz", "03/04/2026", "15/04/2026", "2026-04-03", "06.03.2026", "soon",
        "1899-12-31", "2026-02-30", "Yes", "no", "Referral", "LinkedIn", "Talked", "In", "Call",
    ]),
)  # fmt: skip
NUMBER = st.one_of(
    st.integers(-(10**15), 10**15),
    st.floats(-1e300, 1e300, allow_nan=False, allow_infinity=False),
    st.sampled_from([0, 1, 1.0, -1, 0.5, 46000, 2958466, -700000, 10**15]),
)
DATE = st.one_of(
    st.dates(dt.date(1900, 3, 1), dt.date(2200, 1, 1)),
    st.datetimes(dt.datetime(1900, 3, 1), dt.datetime(2100, 1, 1)),
    st.dates(dt.date(2026, 1, 1), dt.date(2026, 11, 23)),
)
MOSTLY = st.sampled_from([True] * 9 + [False])
CELL = st.one_of(st.none(), TEXT, NUMBER, DATE, ERROR)
IDS = st.one_of(st.sampled_from(["L1", "L2", "L3", 1, "1", 1.0, "1.0", None, " L1 "]), ERROR)
CHOICES = {c: st.sampled_from([*v, None, v[0].upper(), "LinkedIn"]) for c, v in {**s.CHOICES[s.LEADS], **s.CHOICES[s.TOUCHES]}.items()}  # fmt: skip


def column_value(column: str):
    if column == s.LEAD_ID:
        return IDS
    if column in (s.CREATED, s.DATE, s.NEXT_DATE):
        return st.one_of(DATE, DATE, CELL)
    if column in CHOICES:
        return st.one_of(CHOICES[column], CHOICES[column], CELL)
    return CELL


def rows(columns: list[str], max_size: int):
    row = st.fixed_dictionaries({c: column_value(c) for c in columns})
    return st.lists(st.one_of(row, st.just({})), max_size=max_size)  # {}: a blank row


@st.composite
def books(draw) -> dict:
    lead_columns = draw(st.lists(st.sampled_from(s.LEAD_INPUT_COLUMNS), unique=True, min_size=1, max_size=9))
    if draw(MOSTLY):  # mostly a book the commands run on; sometimes one they refuse
        lead_columns = [s.LEAD_ID, *[c for c in lead_columns if c != s.LEAD_ID]]
    touch_columns = draw(st.lists(st.sampled_from(s.TOUCH_COLUMNS), unique=True, min_size=1, max_size=8))
    if draw(MOSTLY):
        touch_columns = [s.DATE, s.LEAD_ID, *[c for c in touch_columns if c not in (s.DATE, s.LEAD_ID)]]
    keys = st.one_of(st.sampled_from([*KEYS, "Industry: Retail", "Colour"]), TEXT)
    settings_rows = draw(st.lists(st.tuples(keys, CELL), max_size=3)) if not draw(MOSTLY) else []
    return {
        s.LEADS: (lead_columns, draw(rows(lead_columns, 6))),
        s.TOUCHES: (touch_columns, draw(rows(touch_columns, 8))),
        s.SETTINGS: ([s.SETTING, s.SETTING_VALUE] if draw(MOSTLY) else [s.SETTING, "Points"],
                     [(k, v) for k, v, _ in DEFAULTS if draw(MOSTLY) and k != "Date order"]
                     + [("Date order", draw(st.sampled_from(["Auto", "Day first", "Month first", None])))]
                     + settings_rows),
        "missing": draw(st.sampled_from([*[None] * 9, s.PROSPECTS, s.LOG, s.TOUCHES])),
    }  # fmt: skip


def write_cell(ws, formats, r: int, c: int, value, dated: bool = False) -> None:
    """One cell as Excel stores it; in a date column a number keeps the column's date format."""
    if value is None:
        return
    if isinstance(value, tuple):  # an error value, as a formula's cached result
        ws.write_formula(r, c, "=1/0", None, value[1])
    elif isinstance(value, dt.date):
        ws.write_datetime(r, c, value, formats)
    elif isinstance(value, str):
        ws.write_string(r, c, value)
    else:
        ws.write_number(r, c, value, formats if dated else None)


def write_book(path: Path, book: dict) -> None:
    wb = xlsxwriter.Workbook(str(path))
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    for sheet in s.SHEETS:
        if sheet == book["missing"]:
            continue
        ws = wb.add_worksheet(sheet)
        if sheet in (s.LEADS, s.TOUCHES):
            columns, data = book[sheet]
            body = [[row.get(c) for c in columns] for row in data]
        elif sheet == s.SETTINGS:
            columns, body = book[sheet][0], [list(r) for r in book[sheet][1]]
        else:
            columns, body = list(s.COLUMNS.get(sheet, ("Summary",))), []
        for c, header in enumerate(columns):
            ws.write_string(0, c, header)
        for r, values in enumerate(body, start=1):
            for c, value in enumerate(values):
                write_cell(ws, date, r, c, value, columns[c] in (s.CREATED, s.DATE, s.NEXT_DATE))
    wb.close()


def calamine_reads(path: Path) -> bool:
    """Whether python-calamine reads every sheet (a date cell holding 1e300 makes it panic)."""
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    try:
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()
    except BaseException as exc:  # pyo3's PanicException
        if type(exc).__name__ != "PanicException":
            raise
        return False
    return True


def opens_whole(path: Path, before: bytes) -> None:
    """Both readers open the written file (calamine as far as it read the file before)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "marked as a date but ... outside the limits"
        openpyxl.load_workbook(path)
    assert zipfile.ZipFile(path).testzip() is None
    if not calamine_reads(path):
        original = path.with_suffix(".before.xlsx")
        original.write_bytes(before)
        assert not calamine_reads(original)


runner = CliRunner()
MORE = int(os.environ.get("LEADBOOK_FUZZ", "1"))  # LEADBOOK_FUZZ=20: twenty times the examples, to hunt
COMMANDS = (["check"], ["refresh"], ["qualify", "--owner", "fuzz"], ["summary"])


@settings(deadline=None, max_examples=12 * MORE, suppress_health_check=[HealthCheck.too_slow])
@given(books())
def test_every_command_exits_cleanly_and_writes_whole_or_not_at_all(book):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bad.xlsx"
        write_book(path, book)
        for command in COMMANDS:
            before = path.read_bytes()
            result = runner.invoke(app, [command[0], str(path), *command[1:], "--today", f"{TODAY}"])
            assert result.exception is None or isinstance(result.exception, SystemExit), result.output
            assert result.exit_code in (0, 1, 2) and "Traceback" not in result.output, result.output
            if path.read_bytes() != before:
                opens_whole(path, before)


def _listed(problems) -> set[tuple[str, int | None]]:
    return {(p.sheet, p.row) for p in problems}


@settings(deadline=None, max_examples=25 * MORE, suppress_health_check=[HealthCheck.too_slow])
@given(books().filter(lambda b: b["missing"] is None))
def test_every_row_a_command_skips_is_listed_by_check(book):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bad.xlsx"
        write_book(path, book)
        listed = _listed(services.check(FileBook(path, services.NEEDS["check"]), TODAY))
        for action in ("refresh", "qualify", "summary"):
            skipped: list = []
            target = FileBook(path, services.NEEDS[action])
            try:
                if action == "refresh":
                    result = services.refresh(target, TODAY, write=False, skipped=skipped)
                elif action == "qualify":
                    services.qualify(target, TODAY, "fuzz", dt.datetime(2026, 11, 23, 9), True, skipped)
                else:
                    services.summary(target, TODAY, write=False, skipped=skipped)
            except services.LeadbookError as exc:  # refused whole: the reason is check's too
                assert (exc.problem.sheet, exc.problem.row) in listed | {(exc.problem.sheet, 1)}
                return
            assert _listed(skipped) <= listed
        _refresh_read_every_row_check_passed(path, result.values, listed)


def _refresh_read_every_row_check_passed(path: Path, values: pd.DataFrame, listed: set) -> None:
    """Leads rows refresh did not read, and touches it did not count, are each listed by check."""
    book = FileBook(path)
    leads = book.read(s.LEADS)
    assert {(s.LEADS, r) for r in set(leads.index) - set(values.index)} <= listed
    touches = clean(s.TOUCHES, book.read(s.TOUCHES))[0]
    clean_rows = touches.loc[[(s.TOUCHES, r) not in listed for r in touches.index]]
    for lead_id, rows in clean_rows.groupby(s.LEAD_ID):
        counted = values.loc[values[s.LEAD_ID].eq(lead_id), s.TOUCH_COUNT]
        assert (counted >= len(rows)).all(), (lead_id, rows.index.tolist(), counted.tolist())
