"""clean(): typed columns from raw cells, each distinct value judged once, problems as cells say."""

import datetime as dt

import numpy as np
import pandas as pd

from leadbook.core import schema as s
from leadbook.core.clean import clean
from leadbook.core.problems import Problem


def raw(columns: dict[str, list], start: int = 2) -> pd.DataFrame:
    frame = pd.DataFrame(columns, dtype=object)
    frame.index = pd.RangeIndex(start, start + len(frame), name="row")
    return frame


def test_lead_ids_typed_as_numbers_or_text_are_one_lead_and_true_stays_apart():
    frame, problems = clean(s.LEADS, raw({s.LEAD_ID: [1, "1", 1.0, " 1 ", True, 1001.5, None, "  "]}))
    assert frame[s.LEAD_ID].tolist()[:6] == ["1", "1", "1", "1", "True", "1001.5"]
    assert frame[s.LEAD_ID].isna().tolist()[6:] == [True, True] and problems == []


def test_dropdown_answers_take_the_list_spelling_and_others_are_reported():
    frame, problems = clean(s.LEADS, raw({s.NEED: ["yes", " NO ", "Unknown", "maybe", 1.0, None, ""]}))
    assert frame[s.NEED].tolist() == ["Yes", "No", "Unknown", None, None, None, None]
    assert problems == [
        Problem(s.LEADS, 5, s.NEED, "'maybe' is not one of Yes, No, Unknown"),
        Problem(s.LEADS, 6, s.NEED, "1.0 is not one of Yes, No, Unknown"),
    ]


def test_dates_from_cells_serials_and_iso_text_and_the_rest_reported():
    cells = [dt.date(2026, 3, 1), dt.datetime(2026, 3, 2, 9), pd.Timestamp("2026-03-03"), 46085, " 2026-03-05 ",
             "soon", True, None, 10**7]  # fmt: skip
    frame, problems = clean(s.TOUCHES, raw({s.DATE: cells, s.LEAD_ID: ["L1"] * len(cells)}))
    assert frame[s.DATE].dtype == "datetime64[ns]"
    assert frame[s.DATE].tolist()[:5] == [
        pd.Timestamp("2026-03-01"), pd.Timestamp("2026-03-02 09:00"), pd.Timestamp("2026-03-03"),
        pd.Timestamp("2026-03-04"), pd.Timestamp("2026-03-05"),
    ]  # fmt: skip
    assert [(p.row, p.message) for p in problems] == [
        (7, "'soon' is not a date; enter a date like 2026-03-31"),
        (8, "True is not a date; enter a date like 2026-03-31"),
        (10, "10000000 is not a date; enter a date like 2026-03-31"),
    ]


def test_typed_columns_from_a_file_clean_as_their_cells_would():
    """The file reader hands over datetime64 dates and pandas text; the live one Python objects."""
    dates = [dt.datetime(2026, 1, 5), None, dt.datetime(2026, 1, 7)]
    kinds = ["call", None, "Bogus"]
    ids = ["L1", None, "L2"]
    live = raw({s.DATE: dates, s.LEAD_ID: ids, s.KIND: kinds})
    typed = pd.DataFrame(
        {
            s.DATE: pd.Series(dates, dtype="datetime64[ns]").to_numpy(),
            s.LEAD_ID: pd.Series(ids, dtype="str").array,
            s.KIND: pd.Series(kinds, dtype="str").array,
        },
        index=live.index,
    )
    got, want = clean(s.TOUCHES, typed), clean(s.TOUCHES, live)
    pd.testing.assert_frame_equal(got[0], want[0])
    assert got[1] == want[1] == [Problem(s.TOUCHES, 4, s.KIND, "'Bogus' is not one of " + ", ".join(s.KINDS))]


def test_many_rows_judge_each_distinct_value_once_with_the_same_answers():
    ids = np.array([f"L{i % 50}" for i in range(5_000)], dtype=object)
    ids[::7] = None
    frame, _ = clean(s.TOUCHES, raw({s.LEAD_ID: list(ids), s.OUTCOME: ["talked", "Replied"] * 2_500}))
    assert frame[s.LEAD_ID].isna().tolist() == [v is None for v in ids]
    assert frame[s.LEAD_ID].dropna().tolist() == [v for v in ids if v is not None]
    assert set(frame[s.OUTCOME]) == {"Talked", "Replied"}


def test_text_dates_follow_the_date_order_and_ambiguous_ones_are_reported_not_guessed():
    cells = ["03/04/2026", "15/04/2026", "06.03.2026", "2026-04-03"]
    frame, problems = clean(s.TOUCHES, raw({s.DATE: cells, s.LEAD_ID: ["L1"] * 4}))
    assert frame[s.DATE].tolist() == [pd.NaT, pd.Timestamp("2026-04-15"), pd.NaT, pd.Timestamp("2026-04-03")]
    assert [(p.row, p.column) for p in problems] == [(2, s.DATE), (4, s.DATE)]
    assert "3 April 2026 (day first) or 4 March 2026 (month first)" in problems[0].message
    frame, problems = clean(s.TOUCHES, raw({s.DATE: cells, s.LEAD_ID: ["L1"] * 4}), "day")
    assert [f"{d:%m-%d}" for d in frame[s.DATE]] == ["04-03", "04-15", "03-06", "04-03"] and problems == []
    frame, problems = clean(s.TOUCHES, raw({s.DATE: cells, s.LEAD_ID: ["L1"] * 4}), "month")
    assert frame[s.DATE].isna().tolist() == [False, True, False, False]
    assert [(p.row, p.message) for p in problems] == [
        (3, "'15/04/2026' is not a date; enter a date like 2026-03-31")
    ]
