"""adopt stores the Settings 'Date order' a tracker's own text dates show (15/04/2026: day first).

Whether the tracker has a Settings sheet (a row is appended) or not (adopt adds the sheet).
"""

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from leadbook.book.template import adopt_book


def tracker(path, dates, settings=True):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Leads"
    ws.append(["Lead ID", "Name", "Created"])
    for i, date in enumerate(dates):
        ws.append([f"L{i}", f"Name {i}", date])
    wb.create_sheet("Prospects").append(["Lead ID", "Stage"])
    if settings:  # a tracker with its own Settings rows
        sheet = wb.create_sheet("Settings")
        sheet.append(["Setting", "Value"])
        sheet.append(["Need: Yes", 25])
    wb.save(path)


def date_order(path):
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Settings").to_python()
    return [row[1] for row in rows if row and row[0] == "Date order"]


@pytest.mark.parametrize(
    ("dates", "order"),
    [(["03/04/2026", "15/04/2026"], "Day first"), (["04/15/2026"], "Month first"),
     (["03/04/2026"], "Auto"), (["15/04/2026", "04/15/2026"], "Auto")],
)  # fmt: skip
@pytest.mark.parametrize("settings", [True, False])
def test_adopt_sets_the_date_order_the_tracker_shows(tmp_path, dates, order, settings):
    path = tmp_path / "tracker.xlsx"
    tracker(path, dates, settings)
    adopt_book(path)
    assert date_order(path) == [order]
    assert openpyxl.load_workbook(path)["Settings"].max_row > 1
