"""The sample team tells the seeds' story: checked by plain counts on the generated frames."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from leadbook.core import schema as s
from leadbook.core.cadence import follow_up
from leadbook.core.clean import clean
from leadbook.core.sample import sample_book
from leadbook.core.settings import Settings

TODAY = dt.date(2026, 11, 23)


def cleaned(book: dict) -> dict:
    return {
        sheet: clean(sheet, book[sheet].set_axis(pd.RangeIndex(2, 2 + len(book[sheet]), name="row")))[0]
        for sheet in (s.LEADS, s.TOUCHES, s.PROSPECTS)
    }


def test_same_seed_same_book_and_another_seed_another():
    one, two = sample_book(200, None, TODAY, seed=3), sample_book(200, None, TODAY, seed=3)
    for sheet in one:
        pd.testing.assert_frame_equal(one[sheet], two[sheet])
    assert not one[s.TOUCHES].equals(sample_book(200, None, TODAY, seed=4)[s.TOUCHES])


def test_referrals_win_best_and_persistence_pays():
    book = sample_book(2000, None, TODAY)
    leads, prospects, touches = book[s.LEADS], book[s.PROSPECTS], book[s.TOUCHES]
    won = set(prospects.loc[prospects[s.STAGE].eq(s.WON), s.LEAD_ID])
    win = leads[s.LEAD_ID].isin(won).groupby(leads[s.SOURCE]).mean()
    assert win["Referral"] == win.max() and win["Referral"] > 2 * leads[s.LEAD_ID].isin(won).mean()
    two_way = touches[s.DIRECTION].eq(s.IN) | touches[s.OUTCOME].isin(s.TWO_WAY_OUTCOMES)
    position = touches.groupby(s.LEAD_ID).cumcount() + 1
    first_connect = position[two_way].groupby(touches.loc[two_way, s.LEAD_ID]).min()
    assert (first_connect > 2).mean() > 0.4  # most connections come after the second attempt
    assert first_connect.between(8, 10).any()


def test_no_touch_after_not_interested_and_no_do_not_contact_prospect():
    book = sample_book(2000, None, TODAY)
    touches = book[s.TOUCHES]
    said = touches.loc[touches[s.OUTCOME].eq(s.OUTCOME_NOT_INTERESTED)].set_index(s.LEAD_ID)[s.DATE]
    later = touches[s.LEAD_ID].map(said)
    assert said.index.is_unique and not (touches[s.DATE] > later).any()
    leads = book[s.LEADS]
    barred = set(leads.loc[leads[s.DO_NOT_CONTACT].eq(s.YES), s.LEAD_ID])
    assert barred and not barred & set(book[s.PROSPECTS][s.LEAD_ID])


def test_only_a_few_open_leads_are_overdue():
    frames = cleaned(sample_book(1000, None, TODAY))
    result = follow_up(frames[s.LEADS], frames[s.TOUCHES], Settings(), TODAY)
    state = result[s.FOLLOW_UP].str.split(" ").str[0]
    open_leads = ~state.isin(("Done", "Do"))
    overdue = state.eq("Overdue") & open_leads
    assert 0 < overdue.sum() < 0.2 * open_leads.sum()
    assert state.eq("Planned").sum() > 3 * overdue.sum()


def test_touches_argument_sets_the_row_count():
    assert len(sample_book(100, 1234, TODAY)[s.TOUCHES]) == 1234
