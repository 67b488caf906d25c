"""refresh, qualify and summary say in one line how many rows they skipped, and point to check."""

import datetime as dt

import openpyxl
import pytest
from typer.testing import CliRunner

from leadbook.book.template import new_book
from leadbook.cli import app
from leadbook.core import schema as s

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False, terminal_width=300)


def book_with_bad_rows(path):
    new_book(path)
    wb = openpyxl.load_workbook(path)
    leads, touches = wb[s.LEADS], wb[s.TOUCHES]
    heads = {c.value: c.column for c in leads[1]}
    for r, (lead_id, need) in enumerate([("L1", "Yes"), ("L2", "maybe"), (None, "Yes")], start=2):
        leads.cell(r, heads[s.LEAD_ID], lead_id)
        leads.cell(r, heads[s.NAME], f"Name {r}")
        leads.cell(r, heads[s.CREATED], dt.date(2026, 11, 2))
        leads.cell(r, heads[s.NEED], need)
    heads = {c.value: c.column for c in touches[1]}
    for r, (date, lead_id) in enumerate(
        [(dt.date(2026, 11, 20), "L1"), ("03/04/2026", "L1"), ("#REF!", "L2")], 2
    ):
        touches.cell(r, heads[s.DATE], date)
        touches.cell(r, heads[s.LEAD_ID], lead_id)
        touches.cell(r, heads[s.KIND], "Call")
    wb.save(path)


@pytest.mark.parametrize("command", [["refresh"], ["qualify", "--dry-run"], ["summary", "--no-write"]])
def test_each_command_counts_the_rows_it_skipped_and_points_to_check(tmp_path, command):
    path = tmp_path / "book.xlsx"
    book_with_bad_rows(path)
    result = run(command[0], path, *command[1:], "--today", "2026-11-23")
    assert result.exit_code == 0
    # Leads row 3 (Need 'maybe'), row 4 (no Lead ID); Touches rows 3 (03/04/2026) and 4 (#REF!)
    assert "4 row(s) skipped or read in part" in result.stdout
    assert f"run `leadbook check {path}` to see each" in result.stdout
    check = run("check", path, "--today", "2026-11-23")
    for where in ("Leads  │ 3", "Leads  │ 4", "Touches │ 3", "Touches │ 4"):
        assert where.replace(" ", "") in check.stdout.replace(" ", "")


def test_a_clean_book_prints_no_such_line(tmp_path):
    path = tmp_path / "book.xlsx"
    new_book(path)
    assert "skipped" not in run("refresh", path, "--today", "2026-11-23").stdout
