"""The command's own output: any terminal encoding, quiet when piped into `head`, 80 columns."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys

import openpyxl
import pytest

import leadbook
from leadbook import services
from leadbook.book.filebook import FileBook
from leadbook.book.template import new_book
from leadbook.core import schema as s
from leadbook.core.sample import sample_book


def test_a_name_the_terminal_cannot_print_does_not_fail_the_command(tmp_path):
    book = tmp_path / "team.xlsx"
    frames = sample_book(20, None, dt.date(2026, 11, 23))
    frames[s.LEADS][s.OWNER] = "Łukasz 日本"
    new_book(book, frames)
    env = {**os.environ, "PYTHONIOENCODING": "cp1252"}
    done = subprocess.run(
        [sys.executable, "-m", "leadbook", "refresh", str(book), "--today", "2026-11-23"],
        capture_output=True, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode("cp1252", "replace")
    assert b"Traceback" not in done.stderr and b"?ukasz" in done.stdout


@pytest.mark.parametrize("command", ["summary --no-write", "refresh", "check"])
def test_piping_into_head_ends_quietly_with_exit_0(tmp_path, command):
    """A closed pipe is no problem in the workbook: exit 0 (click alone would end it with 1)."""
    book = tmp_path / "team.xlsx"
    new_book(book, sample_book(300, None, dt.date(2026, 11, 23)))
    name, *rest = command.split()
    line = f"'{sys.executable}' -m leadbook {name} '{book}' {' '.join(rest)} --today 2026-11-23 | head -1"
    done = subprocess.run(["bash", "-o", "pipefail", "-c", line], capture_output=True, check=False)
    assert done.stdout.count(b"\n") == 1
    assert done.stderr == b""  # no traceback, no "Broken pipe"
    assert done.returncode == 0


def _run(*args: str, columns: str = "80") -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": columns}
    return subprocess.run([sys.executable, "-m", "leadbook", *args], capture_output=True, text=True, env=env)


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "team.xlsx"
    new_book(path, sample_book(400, None, dt.date(2026, 11, 23)))
    return path


def test_summary_tables_fit_80_columns_and_never_cut_a_number(team):
    result = _run("summary", str(team), "--today", "2026-11-23", "--no-write")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in result.stdout  # rich's cut mark
    op = services.summary(FileBook(team), dt.date(2026, 11, 23), write=False)
    sources = next(b for b in op.blocks if b.title == "Which sources pay")
    for record in sources.frame.itertuples(index=False):
        row = next(line for line in lines if line.startswith(f"│ {record.Source.split()[0]}"))
        cells = [c.strip() for c in row.split("│")[1:-1]]
        assert cells[1:4] == [f"{record.Leads}", f"{record._2:.1%}", f"{record._3:.1%}"]
    assert "(left off at 80 columns: Value per lead)" in result.stdout


def test_version_and_plain_help():
    assert _run("--version").stdout.strip() == f"leadbook {leadbook.__version__}"
    text = _run("summary", "--help").stdout + _run("--help").stdout + _run("demo", "--help").stdout
    assert "summary [OPTIONS] BOOK\n" in text and "demo [OPTIONS] [DIR]\n" in text
    assert "{BOOK}" not in text and "<" not in text  # no <bool>, <file>, <int range> type hints


def test_check_prints_totals_per_kind(tmp_path):
    path = tmp_path / "bad.xlsx"
    new_book(path, sample_book(30, None, dt.date(2026, 11, 23)))
    wb = openpyxl.load_workbook(path)
    for r in range(2, 22):
        wb[s.LEADS].cell(r, 2, f"soon {r}")  # Created: not a date, 20 times
    wb[s.LEADS].cell(25, 8, "Billboard")  # Source: off the list, once
    wb.save(path)
    result = _run("check", str(path), "--today", "2026-11-23")
    assert result.returncode == 1
    totals = result.stdout[result.stdout.index("Totals per kind") :]
    assert re.search(r"│ +20 │ Leads +│ Created +│ \.\.\. is not a date", totals)
    assert re.search(r"│ +1 │ Leads +│ Source +│ \.\.\. is not one of", totals)


def test_a_second_qualify_says_only_nothing_to_change(tmp_path):
    path = tmp_path / "q.xlsx"
    new_book(path, sample_book(120, None, dt.date(2026, 11, 23)))
    first = _run("qualify", str(path), "--today", "2026-11-23", "--owner", "t")
    assert "Qualified -> Prospects" in first.stdout
    second = _run("qualify", str(path), "--today", "2026-11-23", "--owner", "t")
    assert second.stdout.strip() == "Nothing to change: the workbook is already up to date."


def test_a_kind_of_problem_keeps_the_names_it_tells_you_to_set_and_hides_the_values():
    from leadbook.cli import problem_kind
    from leadbook.core.dates import ambiguous_message

    said = problem_kind(ambiguous_message("03/04/2026"))
    assert "'Date order'" in said and "03/04/2026" not in said
    assert problem_kind("'soon' is not a date; enter a date like 2026-03-31") == (
        "... is not a date; enter a date like 2026-03-31"
    )
    assert problem_kind("'Inbound' is not one of In, Out") == "... is not one of In, Out"
