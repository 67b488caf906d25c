import datetime as dt

import pandas as pd
from factories import TODAY, lead, touch

from leadbook.core import schema as s
from leadbook.core.check import check_book
from leadbook.core.settings import defaults_frame


def raw(rows, columns=None):
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    frame.index = pd.RangeIndex(2, 2 + len(frame), name="row")
    return frame


def book(**overrides):
    sheets = {
        s.LEADS: raw([lead("L1"), lead("L2")]),
        s.TOUCHES: raw([touch("L1", TODAY)]),
        s.PROSPECTS: raw([], list(s.PROSPECT_COLUMNS)),
        s.SETTINGS: raw(defaults_frame().to_numpy().tolist(), list(s.SETTINGS_COLUMNS)),
        s.SUMMARY: raw([]),
        s.LOG: raw([], list(s.LOG_COLUMNS)),
    }
    sheets.update(overrides)
    return sheets


def found(sheets):
    return [(p.sheet, p.row, p.column) for p in check_book(sheets, TODAY)]


def test_a_clean_book_has_no_problems():
    assert check_book(book(), TODAY) == []


def test_missing_sheet_and_missing_required_column():
    sheets = book(**{s.TOUCHES: raw([{s.LEAD_ID: "L1"}])})
    del sheets[s.LOG]
    assert found(sheets) == [(s.TOUCHES, 1, s.DATE), (s.LOG, None, None)]


def test_values_outside_the_dropdown_lists():
    sheets = book(**{s.LEADS: raw([lead("L1", need="maybe", source="Billboard"), lead("L2", need="yes")]),
                     s.TOUCHES: raw([touch("L1", TODAY, kind="Pigeon")])})  # fmt: skip
    assert found(sheets) == [(s.LEADS, 2, s.NEED), (s.LEADS, 2, s.SOURCE), (s.TOUCHES, 2, s.KIND)]


def test_text_in_date_cells_and_future_dates():
    sheets = book(**{s.LEADS: raw([lead("L1", created="last week"), lead("L2", created=TODAY + dt.timedelta(days=3))]),
                     s.TOUCHES: raw([touch("L1", "2026-11-20"), touch("L1", "soon")])})  # fmt: skip
    problems = check_book(sheets, TODAY)
    assert [(p.sheet, p.row, p.column) for p in problems] == [
        (s.LEADS, 2, s.CREATED),
        (s.LEADS, 3, s.CREATED),
        (s.TOUCHES, 3, s.DATE),
    ]
    assert "'last week' is not a date" in problems[0].message and "in the future" in problems[1].message


def test_duplicate_and_missing_lead_ids_and_unknown_touches():
    sheets = book(**{s.LEADS: raw([lead("L1"), lead("L2"), lead("L1"), {s.NAME: "no id"}]),
                     s.TOUCHES: raw([touch("L9", TODAY)])})  # fmt: skip
    problems = check_book(sheets, TODAY)
    assert [(p.sheet, p.row, p.column) for p in problems] == [
        (s.LEADS, 4, s.LEAD_ID),
        (s.LEADS, 5, s.LEAD_ID),
        (s.TOUCHES, 2, s.LEAD_ID),
    ]
    assert "repeats row 2" in problems[0].message and "not on the Leads sheet" in problems[2].message


def test_bad_settings_value_is_reported_with_its_row():
    settings = defaults_frame()
    settings.loc[0, s.SETTING_VALUE] = "lots"
    assert found(book(**{s.SETTINGS: raw(settings.to_numpy().tolist(), list(s.SETTINGS_COLUMNS))})) == [
        (s.SETTINGS, 2, s.SETTING_VALUE)
    ]


def test_a_score_override_that_is_not_a_score_is_reported():
    leads = raw([lead("L1", **{s.SCORE_OVERRIDE: "abc"}), lead("L2", **{s.SCORE_OVERRIDE: 80}),
                 lead("L3", **{s.SCORE_OVERRIDE: 250}), lead("L4")])  # fmt: skip
    problems = check_book(book(**{s.LEADS: leads}), TODAY)
    assert [(p.row, p.column) for p in problems] == [(2, s.SCORE_OVERRIDE), (4, s.SCORE_OVERRIDE)]
    assert problems[0].message == "'abc' is not a score from 0 to 100; the computed score is used"


def test_ambiguous_text_dates_are_reported_unless_settings_give_the_order():
    touches = raw([touch("L1", "03/04/2026"), touch("L1", "15/04/2026")])
    problems = check_book(book(**{s.TOUCHES: touches}), TODAY)
    assert [(p.sheet, p.row, p.column) for p in problems] == [(s.TOUCHES, 2, s.DATE)]
    assert "set 'Date order'" in problems[0].message
    settings = defaults_frame()
    settings.loc[settings[s.SETTING].eq("Date order"), s.SETTING_VALUE] = "Day first"
    sheet = raw(settings.to_numpy().tolist(), list(s.SETTINGS_COLUMNS))
    assert check_book(book(**{s.TOUCHES: touches, s.SETTINGS: sheet}), TODAY) == []


def test_a_date_before_1900_is_reported_as_a_date():
    leads = raw([lead("L1", created=dt.datetime(1899, 12, 31)), lead("L2")])
    problems = check_book(book(**{s.LEADS: leads}), TODAY)
    assert [(p.row, p.column, p.message) for p in problems] == [
        (2, s.CREATED, "1899-12-31 is before 1900; enter a date like 2026-03-31")
    ]


def test_a_touch_without_a_date_is_listed_once_as_counting_for_nothing():
    sheets = book(**{s.TOUCHES: raw([touch("L1", None), touch("L1", "soon"), touch("L1", TODAY)])})
    problems = [p for p in check_book(sheets, TODAY) if p.sheet == s.TOUCHES]
    assert [(p.row, p.column) for p in problems] == [(2, s.DATE), (3, s.DATE)]
    assert "counts for nothing" in problems[0].message and "is not a date" in problems[1].message
