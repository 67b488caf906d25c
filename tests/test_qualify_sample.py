"""Issue 6's acceptance: on `leadbook new --sample 500`, qualify moves exactly the leads the rule selects.

The rule is re-checked here by plain loops over the rows read back with python-calamine (not the
pandas code under test): score at the threshold, no gate failing, a two-way touch.
"""

import datetime as dt

import openpyxl
import python_calamine
from openpyxl.styles import Font
from typer.testing import CliRunner

from leadbook.cli import app
from leadbook.core import schema as s

TODAY = "2026-11-23"


def sheet(path, name):
    rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


def test_qualify_moves_exactly_the_leads_the_rule_selects(tmp_path):
    path = tmp_path / "s.xlsx"
    runner = CliRunner()
    assert runner.invoke(app, ["new", str(path), "--sample", "500", "--today", TODAY]).exit_code == 0
    wb = openpyxl.load_workbook(path)
    ws = wb[s.LEADS]
    col = ws.max_column + 1
    ws.cell(1, col, "Territory")
    for r in range(2, ws.max_row + 1):
        ws.cell(r, col, f"T{r % 3}").font = Font(italic=True, color="0000FF")
    wb.save(path)
    before = {lead[s.LEAD_ID]: lead for lead in sheet(path, s.LEADS)}
    prospects_before = {p[s.LEAD_ID] for p in sheet(path, s.PROSPECTS)}

    assert runner.invoke(app, ["qualify", str(path), "--today", TODAY, "--owner", "ana"]).exit_code == 0

    two_way = {
        t[s.LEAD_ID] for t in sheet(path, s.TOUCHES)
        if t[s.DIRECTION] == "In" or t[s.OUTCOME] in s.TWO_WAY_OUTCOMES
    }  # fmt: skip
    after = {lead[s.LEAD_ID]: lead for lead in sheet(path, s.LEADS)}
    expected = {
        i for i, lead in after.items()
        if i not in prospects_before and lead[s.SCORE] >= 50 and lead[s.NEED] != "No"
        and lead[s.ELIGIBLE] != "No" and i in two_way
        and not str(lead[s.FOLLOW_UP] or "").startswith("Do not contact")  # final: never moved
    }  # fmt: skip
    new_prospects = [p for p in sheet(path, s.PROSPECTS) if p[s.LEAD_ID] not in prospects_before]
    assert expected and {p[s.LEAD_ID] for p in new_prospects} == expected
    assert len(new_prospects) == len(expected)  # no duplicates
    assert all(after[i][s.STATUS] == "Prospect" for i in expected)
    assert all(
        p[s.STAGE] == "Qualified" and p[s.QUALIFIED_ON] == dt.date(2026, 11, 23) for p in new_prospects
    )
    one_way_fit = [i for i, lead in after.items() if lead[s.REASONS].endswith("no two-way contact yet")]
    assert one_way_fit and all(
        after[i][s.STATUS] in ("New", "Working", "Nurture") and i not in two_way for i in one_way_fit
    )
    logged = [
        row[s.LEAD_ID] for row in sheet(path, s.LOG) if row[s.ACTION] == "Qualified: moved to Prospects"
    ]
    assert sorted(logged) == sorted(expected)
    # the user's column and its format are kept on every row
    ws = openpyxl.load_workbook(path)[s.LEADS]
    assert all(
        ws.cell(r, col).value == f"T{r % 3}" and ws.cell(r, col).font.i for r in range(2, ws.max_row + 1)
    )
    assert [lead["Territory"] for lead in after.values()] == [lead["Territory"] for lead in before.values()]
    # a second run changes nothing
    snapshot = path.read_bytes()
    second = runner.invoke(app, ["qualify", str(path), "--today", TODAY, "--owner", "ana"])
    assert "Nothing to change" in second.stdout and path.read_bytes() == snapshot
