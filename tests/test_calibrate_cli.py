"""`leadbook calibrate` on real .xlsx files: the Calibration sheet, --apply, and the refresh after it."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
import python_calamine
from calibrate_history import TODAY, history
from typer.testing import CliRunner

from leadbook.book.template import new_book
from leadbook.cli import app
from leadbook.core import schema as s

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False, terminal_width=200)


def book(tmp_path, n: int, open_leads: int = 0):
    path = tmp_path / "history.xlsx"
    frames = history(n, open_leads=open_leads)
    new_book(path, {name: frame.reset_index(drop=True) for name, frame in frames.items()})
    return path


def calamine(path, sheet: str) -> list[list[object]]:
    return python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def settings_rows(path) -> dict[str, object]:
    rows = calamine(path, s.SETTINGS)
    return {r[0]: r[1] for r in rows[1:] if r[0]}


@pytest.fixture(scope="module")
def applied(tmp_path_factory):
    path = book(tmp_path_factory.mktemp("calibrate"), 600, open_leads=40)
    before = settings_rows(path)
    result = run("calibrate", path, "--today", TODAY, "--apply", "--owner", "Mia")
    assert result.exit_code == 0, result.output
    return path, before, result.output


def test_calibrate_prints_and_writes_the_calibration_sheet(applied):
    path, _, output = applied
    assert "Learned from 600 closed leads" in output and "AUC" in output and "Proposed" in output
    wb = openpyxl.load_workbook(path)
    ws = wb["Calibration"]
    assert ws["A1"].value.startswith("Calibration")
    assert len(ws._charts) == 1  # the share won by tenth of the score
    cells = [str(v) for row in calamine(path, "Calibration") for v in row if v not in (None, "")]
    assert "Naive Bayes (Odoo-style)" in cells and "Current points" in cells and "Industry: Retail" in cells


def test_apply_writes_the_card_into_settings_and_logs_the_old_points(applied):
    path, before, _ = applied
    after = settings_rows(path)
    assert before["Need: Yes"] == 20 and after["Need: Yes"] != 20
    assert after["Need: Yes"] > after["Need: No"]
    assert after["Industry: Retail"] > after["Industry: Health"]  # a user column, appended
    assert "Score: base points" in after and after["Authority: Yes"] == 0  # no history: left out
    log = pd.DataFrame(calamine(path, s.LOG)[1:], columns=calamine(path, s.LOG)[0])
    row = log[log[s.ACTION].str.startswith("Calibrated")]
    assert len(row) == 1 and row[s.WHO].iloc[0] == "Mia"
    assert "Need: Yes = 20" in row[s.BEFORE].iloc[0] and "Source: Referral = 15" in row[s.BEFORE].iloc[0]


def test_the_next_refresh_scores_with_the_card(applied):
    path, _, _ = applied
    assert run("refresh", path, "--today", TODAY).exit_code == 0
    rows = settings_rows(path)
    leads = pd.DataFrame(calamine(path, s.LEADS)[1:], columns=calamine(path, s.LEADS)[0])
    inputs = [s.NEED, s.BUDGET, s.TIMING, "Industry", s.SOURCE]
    points = sum(leads[c].map(lambda v, c=c: rows.get(f"{c}: {v}", 0)).astype(float) for c in inputs)
    expected = (points + rows["Score: base points"]).clip(0, 100).round()
    assert (leads[s.SCORE].astype(float) == expected).all()
    assert leads[s.SCORE].astype(float).nunique() > 10


def test_too_little_history_writes_no_settings(tmp_path):
    path = book(tmp_path, 20)
    before = settings_rows(path)
    result = run("calibrate", path, "--apply", "--today", TODAY)
    assert result.exit_code == 0 and "too little history" in result.output
    assert "Nothing applied" in result.output
    assert settings_rows(path) == before
    assert [r for r in calamine(path, s.LOG)[1:] if any(r)] == []
    assert "Calibration" in openpyxl.load_workbook(path).sheetnames


def test_an_unknown_target_is_a_usage_error(tmp_path):
    path = book(tmp_path, 20)
    assert run("calibrate", path, "--target", "profit").exit_code == 2
