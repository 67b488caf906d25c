"""adopt stores the Settings 'Date order' a tracker's own text dates show (15/04/2026: day first).

Only when the tracker has a Settings sheet: a Settings sheet adopt grafts in says Auto.
"""

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from leadbook.book.template import adopt_book


def tracker(path, dates):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Leads"
    ws.append(["Lead ID", "Name", "Created"])
    for i, date in enumerate(dates):
        ws.append([f"L{i}", f"Name {i}", date])
    wb.create_sheet("Prospects").append(["Lead ID", "Stage"])
    settings = wb.create_sheet("Settings")  # a tracker with its own Settings (a new sheet: see report)
    settings.append(["Setting", "Value"])
    settings.append(["Need: Yes", 25])
    wb.save(path)


def date_order(path):
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Settings").to_python()
    return [row[1] for row in rows if row and row[0] == "Date order"]


@pytest.mark.parametrize(
    ("dates", "order"),
    [(["03/04/2026", "15/04/2026"], "Day first"), (["04/15/2026"], "Month first"),
     (["03/04/2026"], "Auto"), (["15/04/2026", "04/15/2026"], "Auto")],
)  # fmt: skip
def test_adopt_sets_the_date_order_the_tracker_shows(tmp_path, dates, order):
    path = tmp_path / "tracker.xlsx"
    tracker(path, dates)
    adopt_book(path)
    assert date_order(path) == [order]
    assert openpyxl.load_workbook(path)["Settings"].max_row > 1
