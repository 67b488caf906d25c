"""Follow-up rules: promises, cadence on business days, do-not-call, nurture, done."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadbook.core import schema as s
from leadbook.core.cadence import (
    ATTEMPTS,
    NEXT_KIND,
    TWO_WAY,
    business_days_after,
    follow_up,
)
from leadbook.core.clean import clean
from leadbook.core.engagement import known_touches
from leadbook.core.sample import sample_book
from leadbook.core.settings import IGNORE, NO_CONTACT, NURTURE, Settings

TODAY = dt.date(2026, 11, 18)  # a Wednesday
STATES = ("Overdue", "Due today", "Planned", "Nurture", "Done", "Do not contact")


def lead(lead_id: str = "L1", created: str | None = "2026-10-01", **columns: object) -> dict:
    """One Leads row; extra columns by contract name, e.g. **{s.DO_NOT_CALL: "Yes"}."""
    return {s.LEAD_ID: lead_id, s.CREATED: created, **columns}


def touch(
    date: str | None,
    lead_id: str = "L1",
    outcome: str | None = "No answer",
    direction: str = s.OUT,
    next_date: str | None = None,
) -> dict:
    """One Touches row: by default an outgoing call nobody answered."""
    return {
        s.DATE: date, s.LEAD_ID: lead_id, s.KIND: "Call", s.DIRECTION: direction,
        s.OUTCOME: outcome, s.NEXT_DATE: next_date,
    }  # fmt: skip


def frame(sheet: str, rows: list[dict], first_row: int = 2) -> pd.DataFrame:
    """A cleaned sheet frame, indexed by Excel row number like the readers give it."""
    raw = pd.DataFrame(rows, index=pd.RangeIndex(first_row, first_row + len(rows), name="row"))
    return clean(sheet, raw)[0]


def run(leads: list[dict], touches: list[dict], today: dt.date = TODAY, **changes: object) -> pd.DataFrame:
    """follow_up on factory rows with default Settings changed by keyword."""
    return follow_up(frame(s.LEADS, leads), frame(s.TOUCHES, touches), Settings(**changes), today)


def one(leads: list[dict], touches: list[dict], **kwargs: object) -> pd.Series:
    """The result row of the first lead."""
    return run(leads, touches, **kwargs).iloc[0]


def day(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def attempts(lead_id: str, dates: list[str]) -> list[dict]:
    return [touch(d, lead_id) for d in dates]


TEN_WEEKDAYS = [f"2026-10-{d:02d}" for d in (26, 27, 28, 29, 30)] + [
    f"2026-11-{d:02d}" for d in (2, 3, 4, 5, 6)
]


def test_promised_date_beats_cadence():
    row = one([lead()], [touch("2026-11-16", next_date="2026-11-25")])
    assert row[s.NEXT_TOUCH] == day("2026-11-25")  # cadence alone would say 2026-11-17
    assert row[s.FOLLOW_UP] == "Planned · promised 2026-11-25"


def test_latest_touch_with_a_next_date_gives_the_promise():
    touches = [
        touch("2026-11-10", next_date="2026-11-30"),
        touch("2026-11-12", next_date="2026-11-20"),
        touch("2026-11-13"),  # no promise: the 12th's still stands
    ]
    assert one([lead()], touches)[s.NEXT_TOUCH] == day("2026-11-20")


@pytest.mark.parametrize(
    ("promised", "text"),
    [("2026-11-10", "Overdue 8 days · promised 2026-11-10"),
     ("2026-11-17", "Overdue 1 day · promised 2026-11-17")],
)  # fmt: skip
def test_past_promise_is_overdue_by_calendar_days(promised, text):
    row = one([lead()], [touch("2026-11-02", next_date=promised)])
    assert row[s.FOLLOW_UP] == text
    assert row[s.NEXT_TOUCH] == day(promised)


@pytest.mark.parametrize("kept_on", ["2026-11-05", "2026-11-06"])
def test_kept_promise_falls_back_to_cadence(kept_on):
    touches = [touch("2026-11-02", next_date="2026-11-05"), touch(kept_on)]
    row = one([lead()], touches)
    # second attempt: 3 business days after the last touch
    expected = {"2026-11-05": "2026-11-10", "2026-11-06": "2026-11-11"}[kept_on]
    assert row[ATTEMPTS] == 2
    assert row[s.NEXT_TOUCH] == day(expected)
    assert row[s.FOLLOW_UP] == "Overdue " + str((TODAY - day(expected).date()).days) + " days"


def test_cadence_skips_weekends_and_settings_holidays():
    friday = [touch("2026-11-13")]
    assert one([lead()], friday)[s.NEXT_TOUCH] == day("2026-11-16")
    holiday = one([lead()], friday, holidays=(dt.date(2026, 11, 16),))
    assert holiday[s.NEXT_TOUCH] == day("2026-11-17")


def test_business_days_after_counts_from_the_business_day_before_a_weekend():
    dates = pd.Series(pd.to_datetime(["2026-11-13", "2026-11-14", "2026-11-14", None]))
    got = business_days_after(dates, np.array([1, 1, 0, 1]), (dt.date(2026, 11, 17),))
    expected = pd.to_datetime(["2026-11-16", "2026-11-16", "2026-11-16", None])
    assert list(got) == list(expected)


def test_cadence_steps_through_the_settings_list():
    touches = attempts("L1", ["2026-11-02", "2026-11-04", "2026-11-09"])
    row = one([lead()], touches, cadence_days=(1, 2, 5))
    assert row[ATTEMPTS] == 3
    assert row[s.NEXT_TOUCH] == day("2026-11-16")  # 5 business days after Monday 9th


def test_do_not_call_never_yields_a_call():
    leads = [
        lead("L1", **{s.DO_NOT_CALL: s.YES}),  # flag, never touched
        lead("L2", **{s.DO_NOT_CALL: s.YES}),  # flag, promised
        lead("L3"),  # outcome
        lead("L4"),  # outcome, then ten attempts: nurture
        lead("L5"),  # control
    ]
    touches = [
        touch("2026-11-16", "L2", next_date="2026-11-20"),
        touch("2026-11-18", "L3", outcome=s.OUTCOME_DO_NOT_CALL),
        touch("2026-10-20", "L4", outcome=s.OUTCOME_DO_NOT_CALL),
        *attempts("L4", TEN_WEEKDAYS),
        touch("2026-11-16", "L5"),
    ]
    result = run(leads, touches)
    barred = result.iloc[:4]
    assert (barred[NEXT_KIND] == "Email").all()
    assert barred[s.FOLLOW_UP].str.contains("do not call").all()
    assert barred[s.NEXT_TOUCH].notna().all()
    assert result.iloc[4][NEXT_KIND] == "Call"
    assert result.iloc[2][s.FOLLOW_UP] == "Planned · email or letter only (do not call)"


def test_do_not_call_outcome_with_no_contact_rule_stops_all_touches():
    row = one([lead()], [touch("2026-11-16", outcome=s.OUTCOME_DO_NOT_CALL)], do_not_call_means=NO_CONTACT)
    assert row[s.FOLLOW_UP] == "Do not contact"
    assert pd.isna(row[s.NEXT_TOUCH])
    assert row[NEXT_KIND] is None
    assert row[s.TOUCH_COUNT] == 1


def test_do_not_contact_flag_wins_over_a_promise():
    row = one([lead(**{s.DO_NOT_CONTACT: s.YES})], [touch("2026-11-16", next_date="2026-11-20")])
    assert (row[s.FOLLOW_UP], row[NEXT_KIND]) == ("Do not contact", None)
    assert pd.isna(row[s.NEXT_TOUCH])


@pytest.mark.parametrize(
    ("rule", "text", "next_touch"),
    [(NO_CONTACT, "Do not contact", None),
     (NURTURE, "Nurture · after Not interested", "2026-12-16"),
     (IGNORE, "Overdue 1 day", "2026-11-17")],
)  # fmt: skip
def test_not_interested_follows_its_setting(rule, text, next_touch):
    touches = [touch("2026-11-16", outcome=s.OUTCOME_NOT_INTERESTED)]
    row = one([lead()], touches, not_interested_means=rule)
    assert row[s.FOLLOW_UP] == text
    assert str(row[s.NEXT_TOUCH].date()) == next_touch if next_touch else pd.isna(row[s.NEXT_TOUCH])


def test_tenth_attempt_without_reply_moves_the_lead_to_nurture():
    nine = one([lead()], attempts("L1", TEN_WEEKDAYS[1:]))
    assert nine[ATTEMPTS] == 9
    assert nine[s.FOLLOW_UP] == "Planned"
    assert nine[s.NEXT_TOUCH] == day("2026-12-16")  # last step repeats: 28 business days
    ten = one([lead()], attempts("L1", TEN_WEEKDAYS))
    assert ten[ATTEMPTS] == 10
    assert ten[s.FOLLOW_UP] == "Nurture · 10 attempts without a reply"
    assert ten[s.NEXT_TOUCH] == day("2026-12-07")  # 30 days after Friday 6th is a Sunday
    assert ten[NEXT_KIND] == "Call"


def test_nurture_date_passed_is_overdue_with_a_nurture_detail():
    row = one([lead()], attempts("L1", TEN_WEEKDAYS), today=dt.date(2026, 12, 9))
    assert row[s.FOLLOW_UP] == "Overdue 2 days · nurture, 10 attempts without a reply"


def test_two_way_touch_resets_attempts():
    touches = [*attempts("L1", TEN_WEEKDAYS), touch("2026-11-09", outcome="Replied")]
    row = one([lead()], touches)
    assert (row[ATTEMPTS], row[TWO_WAY], row[s.TOUCH_COUNT]) == (0, True, 11)
    assert row[s.NEXT_TOUCH] == day("2026-11-10")
    after = one([lead()], [*touches, touch("2026-11-12"), touch("2026-11-13", direction=s.IN)])
    assert (after[ATTEMPTS], after[s.LAST_TOUCH]) == (0, day("2026-11-13"))
    again = one([lead()], [*touches, touch("2026-11-12"), touch("2026-11-16")])
    assert again[ATTEMPTS] == 2
    # a one-way touch on the day of the reply belongs to that contact, whatever the row order
    same_day = one([lead()], [touch("2026-11-09", outcome="Replied"), touch("2026-11-09")])
    assert same_day[ATTEMPTS] == 0


def test_reply_after_not_interested_ends_its_nurture():
    touches = [
        touch("2026-11-02", outcome=s.OUTCOME_NOT_INTERESTED),
        touch("2026-11-16", outcome="Replied"),
    ]
    row = one([lead()], touches, not_interested_means=NURTURE)
    assert (row[s.FOLLOW_UP], row[s.NEXT_TOUCH]) == ("Overdue 1 day", day("2026-11-17"))


def test_new_lead_is_due_one_business_day_after_created():
    leads = [lead("L1", "2026-11-13"), lead("L2", None), lead("L3", "2026-11-18")]
    result = run(leads, [], today=dt.date(2026, 11, 16))
    speed = "first touch: reply fast, speed to lead matters"
    assert list(result[s.NEXT_TOUCH]) == [day("2026-11-16"), day("2026-11-16"), day("2026-11-19")]
    assert list(result[s.FOLLOW_UP]) == [
        f"Due today · {speed}",
        f"Due today · {speed}",
        f"Planned · {speed}",
    ]
    assert list(result[s.TOUCH_COUNT]) == [0, 0, 0]
    assert result[s.LAST_TOUCH].isna().all()


def test_due_today_and_planned():
    leads = [lead("L1"), lead("L2")]
    touches = [touch("2026-11-17", "L1"), touch("2026-11-18", "L2")]
    result = run(leads, touches)
    assert list(result[s.FOLLOW_UP]) == ["Due today", "Planned"]
    assert list(result[s.NEXT_TOUCH]) == [day("2026-11-18"), day("2026-11-19")]


@pytest.mark.parametrize("status", ["Prospect", "Disqualified"])
def test_prospect_or_disqualified_is_done(status):
    row = one([lead(**{s.STATUS: status})], [touch("2026-11-02", outcome="Replied"), touch("2026-11-03")])
    assert row[s.FOLLOW_UP] == "Done"
    assert pd.isna(row[s.NEXT_TOUCH])
    assert (row[s.TOUCH_COUNT], row[ATTEMPTS], row[s.LAST_TOUCH]) == (2, 1, day("2026-11-03"))


def test_result_is_indexed_like_leads_and_ignores_unknown_touches():
    leads = frame(s.LEADS, [lead("L1"), lead("L2"), lead("L3")], first_row=5).iloc[[2, 0, 1]]
    touches = frame(
        s.TOUCHES,
        [
            touch("2026-11-16", "L2"),
            touch("2026-11-16", "L9"),
            touch(None, "L2"),
            touch("2026-11-17", "L2"),
        ],
    )
    result = follow_up(leads, touches, Settings(), TODAY)
    assert list(result.index) == [7, 5, 6]
    assert list(result[s.TOUCH_COUNT]) == [0, 0, 2]
    assert result[s.TOUCH_COUNT].sum() == len(known_touches(leads, touches))


def test_duplicate_and_blank_lead_ids_get_the_same_facts_and_none():
    leads = [lead("L1"), lead("L1"), lead(None)]
    result = run(leads, [touch("2026-11-16"), touch("2026-11-17")])
    assert list(result[s.TOUCH_COUNT]) == [2, 2, 0]


touch_rows = st.lists(
    st.builds(
        lambda lead_id, date, outcome, direction, promise: touch(
            f"2026-10-{date:02d}",
            lead_id,
            outcome,
            direction,
            None if promise is None else f"2026-11-{promise:02d}",
        ),  # fmt: skip
        st.sampled_from(["L1", "L2", "L3", "L4"]),
        st.integers(1, 31),
        st.sampled_from([*s.OUTCOMES, None]),
        st.sampled_from(s.DIRECTIONS),
        st.none() | st.integers(1, 30),
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(rows=touch_rows, data=st.data())
def test_touch_row_order_never_changes_the_result(rows, data):
    leads = frame(s.LEADS, [lead("L1"), lead("L2", **{s.DO_NOT_CALL: s.YES}), lead("L3")])
    order = data.draw(st.permutations(range(len(rows))))
    shuffled = frame(s.TOUCHES, [rows[i] for i in order])
    options = Settings(max_attempts=3, not_interested_means=NURTURE)
    expected = follow_up(leads, frame(s.TOUCHES, rows), options, dt.date(2026, 11, 5))
    got = follow_up(leads, shuffled, options, dt.date(2026, 11, 5))
    pd.testing.assert_frame_equal(got, expected)


def test_sample_book_gets_a_follow_up_for_every_lead():
    today = dt.date(2026, 11, 18)
    book = sample_book(2000, None, today)
    leads, touches = (
        clean(sheet, book[sheet].set_axis(pd.RangeIndex(2, 2 + len(book[sheet]), name="row")))[0]
        for sheet in (s.LEADS, s.TOUCHES)
    )
    result = follow_up(leads, touches, Settings(), today)
    assert result.index.equals(leads.index)
    assert result[s.FOLLOW_UP].str.startswith(STATES).all()
    assert result[s.TOUCH_COUNT].sum() == len(known_touches(leads, touches)) > 0
    barred = leads[s.DO_NOT_CALL].eq(s.YES)
    assert barred.any()
    assert not result.loc[barred, NEXT_KIND].eq("Call").any()
    assert result[s.NEXT_TOUCH].isna().eq(result[NEXT_KIND].isna()).all()
    assert (result[ATTEMPTS] <= result[s.TOUCH_COUNT]).all()
