"""The Calibrate button (macros.calibrate) on a real xlwings Book via the remote engine."""

from __future__ import annotations

from calibrate_history import history
from engine import apply_actions, open_book, payload_from_xlsx

from leadbook.book.template import new_book
from leadbook.core import schema as s
from leadbook.excel import macros


def test_calibrate_button_rebuilds_the_calibration_sheet_and_leaves_settings(tmp_path):
    path = tmp_path / "history.xlsx"
    new_book(path, {name: frame.reset_index(drop=True) for name, frame in history(400).items()})
    payload = payload_from_xlsx(path, active_sheet=s.LEADS, selection="C5")
    book = open_book(payload)
    macros.calibrate(book)
    actions = book.json()["actions"]
    new = apply_actions(payload, actions)
    sheet = next(x for x in new["sheets"] if x["name"] == "Calibration")
    assert sheet["values"][0][0].startswith("Calibration")
    assert "Learned from 400 closed leads" in new["_alerts"][0]["prompt"]
    assert [a["func"] for a in actions].count("addChart") == 1
    settings = next(x for x in new["sheets"] if x["name"] == s.SETTINGS)
    before = next(x for x in payload["sheets"] if x["name"] == s.SETTINGS)
    assert settings["values"] == before["values"]


def test_calibrate_button_on_a_book_without_history_says_so(tmp_path):
    path = tmp_path / "empty.xlsx"
    new_book(path)
    book = open_book(payload_from_xlsx(path, active_sheet=s.LEADS, selection="C5"))
    macros.calibrate(book)
    new = apply_actions(payload_from_xlsx(path, active_sheet=s.LEADS, selection="C5"), book.json()["actions"])
    assert "too little history" in new["_alerts"][0]["prompt"]


def test_ribbon_refresh_after_apply_scores_like_the_file_refresh(tmp_path):
    """A card with points for a user column (Industry) is read by the ribbon's Refresh too."""
    import datetime as dt

    from leadbook import services
    from leadbook.book.base import frame_from_rows
    from leadbook.book.filebook import FileBook

    path = tmp_path / "history.xlsx"
    new_book(path, {name: frame.reset_index(drop=True) for name, frame in history(400).items()})
    result, _ = services.calibrate(FileBook(path), dt.date.today(), apply=True)
    assert "Industry" in result.proposed.column_points
    payload = payload_from_xlsx(path, active_sheet=s.LEADS, selection="C5")
    book = open_book(payload)
    macros.refresh(book)
    new = apply_actions(payload, book.json()["actions"])
    sheet = next(x for x in new["sheets"] if x["name"] == s.LEADS)
    live = frame_from_rows(s.LEADS, [[None if v == "" else v for v in r] for r in sheet["values"]])[0]
    services.refresh(FileBook(path), dt.date.today())
    file = FileBook(path).read(s.LEADS)
    assert live[s.SCORE].astype(float).tolist() == file[s.SCORE].astype(float).tolist()
    assert file[s.SCORE].astype(float).nunique() > 10
