"""Summary figures: each checked against numbers reasoned out by hand or a plain-loop reference."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict

import numpy as np
import pandas as pd
import pytest
from factories import frame
from hypothesis import given, settings
from hypothesis import strategies as st

from leadbook.core import schema as s
from leadbook.core.activity import touches_to_connect
from leadbook.core.clean import clean
from leadbook.core.dashboard import summary_plan
from leadbook.core.sample import sample_book
from leadbook.core.summary import (
    abandoned,
    aging,
    by_owner,
    by_source,
    funnel,
    rate,
    referral_value,
    speed_to_lead,
    stopped,
    touch_facts,
    with_other_sources,
)

TODAY = dt.date(2026, 3, 31)  # a Tuesday
D = dt.date


def lead(lead_id, created, source, owner, status, follow_up, **more) -> dict:
    return {
        s.LEAD_ID: lead_id, s.CREATED: created, s.SOURCE: source, s.OWNER: owner,
        s.STATUS: status, s.FOLLOW_UP: follow_up, **more,
    }  # fmt: skip


def touch(lead_id, date, outcome="No answer", direction=s.OUT, owner=None) -> dict:
    return {
        s.LEAD_ID: lead_id,
        s.DATE: date,
        s.KIND: "Call",
        s.DIRECTION: direction,
        s.OUTCOME: outcome,
        s.OWNER: owner,
    }


def fixture() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Nine leads, three sources, two owners (plus Chen who only touches), three prospects."""
    leads = frame(s.LEADS, [
        lead("L1", D(2026, 3, 2), "Referral", "Alice", "Prospect", "Done"),
        lead("L2", D(2026, 3, 2), "Referral", "Alice", "Working", "Overdue 3 days · cadence"),
        lead("L3", D(2026, 3, 9), "Website", "Bruno", "Qualified", "Due today · cadence"),
        lead("L4", D(2026, 3, 9), "Website", "Bruno", "New", "Overdue 20 days · first touch"),
        lead("L5", D(2026, 3, 10), "Website", "Bruno", "Disqualified", "Done"),
        lead("L6", D(2026, 3, 2), "Cold call", "Alice", "Working", "Overdue 1 day · cadence"),
        lead("L7", D(2026, 3, 30), None, None, "New", "Planned"),
        lead("L8", D(2026, 3, 2), "Referral", "Alice", "Prospect", "Done"),
        lead("L9", D(2026, 3, 2), "Cold call", "Bruno", "Working", "Do not contact",
             **{s.DO_NOT_CONTACT: "Yes"}),
    ])  # fmt: skip
    touches = frame(s.TOUCHES, [
        touch("L1", D(2026, 3, 10), "Replied", s.IN, "Alice"),
        touch("L1", D(2026, 3, 2), owner="Alice"),
        touch("L1", D(2026, 3, 3), "Left message", owner="Alice"),
        touch("L1", D(2026, 3, 5), "Talked", owner="Alice"),  # third touch: first two-way
        touch("L1", None, "Talked", owner="Alice"),  # no date: not a known touch
        touch("L2", D(2026, 3, 4), owner="Alice"),
        touch("L2", D(2026, 3, 6), "Left message", owner="Alice"),
        touch("L3", D(2026, 3, 10), "Talked", owner="Bruno"),
        touch("L3", D(2026, 3, 24), "Shared info", owner="Bruno"),  # 8 days ago: not in last 7
        touch("L5", D(2026, 3, 20), "Not interested", owner="Bruno"),
        touch("L6", D(2026, 3, 16), owner="Alice"),
        touch("L6", D(2026, 3, 16), "Replied", s.IN, "Alice"),  # same day, later row: 2nd touch
        touch("L6", D(2026, 3, 25), "Talked"),  # 7th day back: counts, for the lead's owner Alice
        touch("L6", D(2026, 3, 31), owner="Chen"),
        touch("L8", D(2026, 3, 3), owner="Alice"),
        touch("L8", D(2026, 3, 4), "Left message", owner="Alice"),
        touch("L8", D(2026, 3, 5), owner="Alice"),
        touch("L8", D(2026, 3, 6), owner="Alice"),
        touch("L8", D(2026, 3, 9), "Talked", owner="Alice"),  # fifth touch
        touch("L9", D(2026, 3, 3), owner="Bruno"),
        touch("X99", D(2026, 3, 30), "Talked", owner="Bruno"),  # not on Leads: ignored
    ])  # fmt: skip
    prospects = frame(s.PROSPECTS, [
        {s.LEAD_ID: "L1", s.STAGE: "Won", s.VALUE: 1000},
        {s.LEAD_ID: "L6", s.STAGE: "Proposal", s.VALUE: 300},
        {s.LEAD_ID: "L8", s.STAGE: "Lost"},
        {s.LEAD_ID: "X50", s.STAGE: "Won", s.VALUE: 5000},  # not on Leads: ignored
    ])  # fmt: skip
    return leads, touches, prospects


def empty() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return tuple(clean(sheet, None)[0] for sheet in (s.LEADS, s.TOUCHES, s.PROSPECTS))


def rows(table: pd.DataFrame, key: str) -> dict[str, dict]:
    return {r[key]: r for r in table.to_dict("records")}


def test_funnel_counts_the_leads_that_reached_each_stage():
    table = funnel(*fixture())
    assert table["Stage"].tolist() == ["Leads", "Touched", "Connected", "Qualified", "Won"]
    # touched: all but L4, L7; connected: L1 L3 L6 L8; qualified: L1 L3 L8 by Status, L6 by Prospects
    assert table["Leads"].tolist() == [9, 7, 4, 4, 1]
    assert table["Step rate"].tolist() == pytest.approx([1, 7 / 9, 4 / 7, 1, 1 / 4])
    assert table["Of leads"].tolist() == pytest.approx([1, 7 / 9, 4 / 9, 4 / 9, 1 / 9])


def test_a_later_stage_counts_at_every_earlier_one():
    leads = frame(s.LEADS, [lead("P1", D(2026, 3, 2), "Referral", "A", "Prospect", "Done")])
    prospects = frame(s.PROSPECTS, [{s.LEAD_ID: "P1", s.STAGE: "Won", s.VALUE: 10}])
    no_touches = frame(s.TOUCHES, [])
    assert funnel(leads, no_touches, prospects)["Leads"].tolist() == [1, 1, 1, 1, 1]


def test_by_source_step_rates_and_value():
    table = by_source(*fixture())
    assert table["Source"].tolist() == ["Referral", "Website", "Cold call", "(none)"]
    assert list(table.columns) == [
        "Source", "Leads", "Connect %", "Qualify %", "Win %", "Won", "Lead to won %", "Won value",
        "Value per lead",
    ]  # fmt: skip
    got = rows(table, "Source")
    referral = got["Referral"]  # L1 won 1000 (connected), L2 never reached, L8 lost (connected)
    assert (referral["Leads"], referral["Won"], referral["Won value"]) == (3, 1, 1000)
    assert referral["Connect %"] == pytest.approx(2 / 3) and referral["Qualify %"] == 1
    assert referral["Win %"] == pytest.approx(1 / 2) and referral["Lead to won %"] == pytest.approx(1 / 3)
    assert referral["Value per lead"] == pytest.approx(1000 / 3)
    website = got["Website"]  # only L3 connected and qualified, nothing won
    assert (website["Connect %"], website["Qualify %"], website["Win %"]) == (pytest.approx(1 / 3), 1, 0)
    cold = got["Cold call"]  # L6 is qualified because it is on Prospects, though Working
    assert (cold["Connect %"], cold["Qualify %"], cold["Won value"]) == (0.5, 1, 0)
    assert got["(none)"]["Leads"] == 1 and got["(none)"]["Connect %"] == 0
    assert table.notna().all().all()


def test_a_source_off_the_list_reads_other_and_a_blank_none():
    leads = frame(s.LEADS, [
        lead("L1", D(2026, 3, 2), "Referral", "A", "Working", "Planned"),
        lead("L2", D(2026, 3, 2), None, "A", "Working", "Planned"),
        lead("L3", D(2026, 3, 2), None, "A", "Working", "Planned"),
    ])  # fmt: skip
    typed = pd.Series(["Referral", "Billboard", "  "], index=leads.index)  # as typed, before clean
    labelled = with_other_sources(leads, typed)
    table = by_source(labelled, frame(s.TOUCHES, []), frame(s.PROSPECTS, []))
    assert table["Source"].tolist() == ["Referral", "(none)", "(other)"]  # blank and off-list last
    assert dict(zip(table["Source"], table["Leads"], strict=True)) == {
        "Referral": 1,
        "(other)": 1,
        "(none)": 1,
    }


def test_referral_value_is_value_won_per_referral_lead():
    leads, _, prospects = fixture()
    table = referral_value(leads, prospects)
    assert table.to_dict("records") == [
        {
            "Referral leads": 3,
            "Won": 1,
            "Won value": 1000.0,
            "Referral value": pytest.approx(1000 / 3),
        }
    ]


def test_referral_value_counts_every_won_referral_and_nothing_else():
    leads = frame(s.LEADS, [
        lead("R1", D(2026, 3, 2), "Referral", "A", "Prospect", "Done"),
        lead("R2", D(2026, 3, 2), "Referral", "A", "Prospect", "Done"),
        lead("R3", D(2026, 3, 2), "Referral", "A", "Working", "Planned"),
        lead("R4", D(2026, 3, 2), "Referral", "A", "Working", "Planned"),
        lead("W1", D(2026, 3, 2), "Website", "A", "Prospect", "Done"),
    ])  # fmt: skip
    prospects = frame(s.PROSPECTS, [
        {s.LEAD_ID: "R1", s.STAGE: "Won", s.VALUE: 1200},
        {s.LEAD_ID: "R2", s.STAGE: "Won", s.VALUE: 600},
        {s.LEAD_ID: "R3", s.STAGE: "Proposal", s.VALUE: 9999},  # not won: no value
        {s.LEAD_ID: "W1", s.STAGE: "Won", s.VALUE: 7000},  # not a referral
    ])  # fmt: skip
    assert referral_value(leads, prospects)["Referral value"].item() == pytest.approx(1800 / 4)


def test_by_owner_follow_up_counts_touches_and_medians():
    leads, touches, _ = fixture()
    table = by_owner(leads, touches, TODAY)
    assert table["Owner"].tolist() == ["Alice", "Bruno", "Chen", "(none)"]
    got = rows(table, "Owner")
    # Alice: open L2 L6 (L1 L8 are prospects), both overdue; touches 7 days: L6 on 25 Mar
    assert [got["Alice"][c] for c in ("Open leads", "Overdue", "Due today", "Touches 7 days")] == [
        2,
        2,
        0,
        1,
    ]
    # Bruno: open L4 only (L3 qualified, L5 disqualified, L9 do not contact); L3 due today
    assert [got["Bruno"][c] for c in ("Open leads", "Overdue", "Due today", "Touches 7 days")] == [
        1,
        1,
        1,
        0,
    ]
    assert [got["Chen"][c] for c in ("Open leads", "Overdue", "Due today", "Touches 7 days")] == [
        0,
        0,
        0,
        1,
    ]
    assert got["(none)"]["Open leads"] == 1
    # touches to first two-way: Alice L1 3, L6 2, L8 5; Bruno L3 1
    assert got["Alice"]["Touches to connect"] == 3
    assert got["Bruno"]["Touches to connect"] == 1
    assert (got["Alice"]["Abandoned"], got["Bruno"]["Abandoned"]) == (1, 0)  # L2: 2 touches, quiet
    # business days Created -> first touch: Alice L1 0, L2 2, L6 10, L8 1; Bruno L3 1, L5 8, L9 1
    assert got["Alice"]["Speed to lead (days)"] == 1.5
    assert got["Bruno"]["Speed to lead (days)"] == 1
    assert np.isnan(got["Chen"]["Touches to connect"]) and np.isnan(got["(none)"]["Speed to lead (days)"])


def test_speed_to_lead_skips_weekends_and_holidays():
    leads, touches, _ = fixture()
    first = touch_facts(leads, touches)["First touch"]
    plain = speed_to_lead(leads, first)
    assert plain.tolist()[:3] == [0, 2, 1] and plain.iloc[5] == 10 and np.isnan(plain.iloc[3])
    with_holiday = speed_to_lead(leads, first, holidays=[D(2026, 3, 5), D(2026, 3, 21)])  # Thu, Sat
    assert with_holiday.iloc[5] == 9 and with_holiday.iloc[1] == 2


def test_follow_up_health_of_open_leads():
    leads, touches, _ = fixture()
    table = aging(leads, TODAY, touches)
    expected = {
        "On plan": 1,  # L7 (L3 is due today but Qualified, so not open)
        "Due today": 0,
        "1-2 days overdue": 1,  # L6
        "3-7 days overdue": 1,  # L2
        "8-14 days overdue": 0,
        "15+ days overdue": 1,  # L4
        "Never touched": 2,  # L4, L7
    }
    assert dict(zip(table["Follow-up"], table["Open leads"], strict=True)) == expected


def test_aging_bucket_edges():
    days = [1, 2, 3, 7, 8, 14, 15, 90]
    leads = frame(s.LEADS, [
        lead(f"L{d}", D(2026, 1, 2), "Website", "A", "Working", f"Overdue {d} days · x")
        for d in days
    ])  # fmt: skip
    assert aging(leads, TODAY)["Open leads"].tolist() == [0, 0, 2, 2, 2, 2, 8]  # no Touches count: untouched


def test_touches_to_connect_and_where_reps_stopped():
    leads, touches, _ = fixture()
    table = touches_to_connect(leads, touch_facts(leads, touches), TODAY)
    assert table["Touch"].tolist() == [str(i) for i in range(1, 11)] + ["11+"]
    # first two-way at touch: L3 1, L6 2, L1 3, L8 5; stopped: L2 (2 touches, overdue, quiet 25 days)
    assert table["Connected here"].tolist() == [1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0]
    assert table["Stopped here"].tolist() == [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert table["Connected by here %"].tolist() == pytest.approx([0.25, 0.5, 0.75, 0.75] + [1] * 7)


def test_abandoned_needs_overdue_over_14_days_quiet_and_at_most_two_touches():
    leads = frame(s.LEADS, [
        lead(f"L{i}", D(2026, 2, 2), "Website", "A", status, follow)
        for i, (status, follow) in enumerate([
            ("Working", "Overdue 5 days"), ("Working", "Overdue 5 days"), ("Working", "Overdue 5 days"),
            ("Disqualified", "Done"), ("Nurture", "Overdue 5 days"), ("Working", "Planned"),
        ])
    ])  # fmt: skip
    touches = frame(s.TOUCHES, [
        touch("L0", D(2026, 3, 16)),  # exactly 15 days ago, 1 touch: abandoned
        touch("L1", D(2026, 3, 17)),  # 14 days ago: not yet
        *[touch("L2", D(2026, 3, d)) for d in (2, 3, 4)],  # 3 touches: stopped, not abandoned
        touch("L3", D(2026, 3, 2)),  # Disqualified
        touch("L4", D(2026, 3, 2)), touch("L4", D(2026, 3, 3)),  # 2 touches: abandoned
        touch("L5", D(2026, 3, 2)),  # on plan: the cadence has the next touch ahead
    ])  # fmt: skip
    facts = touch_facts(leads, touches)
    assert abandoned(leads, facts, TODAY).tolist() == [True, False, False, False, True, False]
    assert stopped(leads, facts, TODAY).tolist() == [True, False, True, False, True, False]


def test_touches_over_ten():
    leads = frame(s.LEADS, [lead("L1", D(2026, 1, 5), "Website", "A", "Working", "Planned")])
    touches = frame(s.TOUCHES, [touch("L1", D(2026, 1, 5) + dt.timedelta(days=i)) for i in range(11)])
    touches.loc[touches.index[-1], s.OUTCOME] = "Talked"
    table = touches_to_connect(leads, touch_facts(leads, touches), TODAY)
    assert table.set_index("Touch").loc["11+", "Connected here"] == 1


def test_empty_book_gives_zeros_and_a_full_plan():
    leads, touches, prospects = empty()
    assert funnel(leads, touches, prospects)["Leads"].tolist() == [0] * 5
    assert funnel(leads, touches, prospects)[["Step rate", "Of leads"]].eq(0).all().all()
    assert by_source(leads, touches, prospects).empty
    assert by_owner(leads, touches, TODAY).empty
    assert aging(leads, TODAY, touches)["Open leads"].eq(0).all()
    facts = touch_facts(leads, touches)
    assert touches_to_connect(leads, facts, TODAY).iloc[:, 1:].eq(0).all().all()
    assert referral_value(leads, prospects).iloc[0].tolist() == [0, 0, 0, 0]
    op = summary_plan(leads, touches, prospects, TODAY)
    assert len(op.blocks) == 8 and len(op.charts) == 7


def test_rate_is_zero_when_nothing_to_divide_by():
    assert rate(3, 0) == 0 and rate(0, 0) == 0 and rate(1, 4) == 0.25
    got = rate(pd.Series([1, 0, 2]), pd.Series([0, 0, 4]))
    assert got.tolist() == [0, 0, 0.5] and np.isfinite(got).all()


def test_plan_lays_out_sections_with_each_chart_beside_its_table():
    op = summary_plan(*fixture(), TODAY)
    assert op.sheet == s.SUMMARY and op.heading == "Summary as of 2026-03-31"
    titles = [b.title for b in op.blocks]
    assert titles == [
        "Headline", "Funnel", "Which sources pay", "Who needs a nudge", "Follow-up health",
        "Speed to lead", "Touches to connect", "Weekly trend",
    ]  # fmt: skip
    assert op.blocks[0].row == 4 and all(b.column == 1 and b.note for b in op.blocks)
    for block in op.blocks:
        assert set(block.percent_columns) <= set(block.frame.columns)
        assert not any(c.endswith("%") for c in block.frame.columns if c not in block.percent_columns)
    charted = {c.block: c for c in op.charts}
    assert sorted(charted) == list(range(1, 8))  # every table but the headline has its chart
    for i, (above, below) in enumerate(zip(op.blocks, op.blocks[1:], strict=False)):
        table_end = above.row + 2 + len(above.frame) + 1  # title, header, body, note
        chart_end = above.row + charted[i].rows - 1 if i in charted else table_end
        assert below.row > max(table_end, chart_end)  # no overlap with the next section
    for index, chart in charted.items():
        block = op.blocks[index]
        column = ord(chart.anchor[0]) - 64
        assert chart.anchor[1:] == str(block.row)  # level with its table's title
        assert column > max(len(block.frame.columns), 4) and column <= max(len(block.frame.columns), 4) + 2
        assert set(chart.values) <= set(block.frame.columns)
    assert charted[6].highlight == ("8", "9", "10")


def reference_facts(leads: pd.DataFrame, touches: pd.DataFrame) -> dict[str, dict]:
    ids = set(leads[s.LEAD_ID].dropna())
    per_lead: dict[str, list] = defaultdict(list)
    for row, t in touches.iterrows():
        if t[s.LEAD_ID] in ids and not pd.isna(t[s.DATE]):
            answered = t[s.DIRECTION] == s.IN or t[s.OUTCOME] in s.TWO_WAY_OUTCOMES
            per_lead[t[s.LEAD_ID]].append((t[s.DATE], row, answered))
    facts = {}
    for lead_id, items in per_lead.items():
        items.sort()
        contact = next((i + 1 for i, (_, _, answered) in enumerate(items) if answered), None)
        facts[lead_id] = {
            "count": len(items),
            "first": items[0][0],
            "last": items[-1][0],
            "contact": contact,
        }
    return facts


def sample(n: int = 300, seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    book = sample_book(n, None, TODAY, seed=seed)
    leads, touches, prospects = (
        clean(k, book[k].astype(object))[0] for k in (s.LEADS, s.TOUCHES, s.PROSPECTS)
    )
    rng = np.random.default_rng(seed)
    leads[s.STATUS] = leads[s.STATUS].fillna("Working")
    late = rng.integers(-5, 25, len(leads))
    leads[s.FOLLOW_UP] = [
        f"Overdue {d} days" if d > 0 else ("Due today" if d == 0 else "Planned") for d in late
    ]
    return leads, touches, prospects


def test_funnel_and_touches_to_connect_match_a_plain_loop_on_sample_data():
    leads, touches, prospects = sample()
    ref = reference_facts(leads, touches)
    table = funnel(leads, touches, prospects).set_index("Stage")["Leads"]
    assert table["Touched"] == len(ref)
    assert table["Connected"] >= sum(1 for f in ref.values() if f["contact"])
    won_ids = {p[s.LEAD_ID] for _, p in prospects.iterrows() if p[s.STAGE] == "Won"}
    assert table["Won"] == sum(1 for i in leads[s.LEAD_ID] if i in won_ids)
    buckets = defaultdict(int)
    for f in ref.values():
        if f["contact"] is not None:
            buckets[str(f["contact"]) if f["contact"] <= 10 else "11+"] += 1
    got = touches_to_connect(leads, touch_facts(leads, touches), TODAY).set_index("Touch")["Connected here"]
    assert {k: v for k, v in got.items() if v} == dict(buckets)


def test_by_owner_matches_a_plain_loop_on_sample_data():
    leads, touches, _ = sample()
    ref = reference_facts(leads, touches)
    contact, speed, recent = defaultdict(list), defaultdict(list), defaultdict(int)
    owner_of = dict(zip(leads[s.LEAD_ID], leads[s.OWNER], strict=True))
    for _, row in leads.iterrows():
        f = ref.get(row[s.LEAD_ID])
        if f and f["contact"]:
            contact[row[s.OWNER]].append(f["contact"])
        if f:
            day, days = row[s.CREATED].date(), 0
            while day < f["first"].date():
                days += day.weekday() < 5
                day += dt.timedelta(days=1)
            speed[row[s.OWNER]].append(days)
    for _, t in touches.iterrows():
        if t[s.LEAD_ID] in owner_of and (TODAY - t[s.DATE].date()).days < 7:
            recent[t[s.OWNER] or owner_of[t[s.LEAD_ID]]] += 1
    got = by_owner(leads, touches, TODAY).set_index("Owner")
    for owner in got.index:
        assert got.loc[owner, "Touches to connect"] == statistics.median(contact[owner])
        assert got.loc[owner, "Speed to lead (days)"] == statistics.median(speed[owner])
        assert got.loc[owner, "Touches 7 days"] == recent[owner]


@settings(max_examples=15, deadline=None)
@given(st.randoms(use_true_random=False))
def test_figures_do_not_depend_on_row_order(random):
    leads, touches, prospects = fixture()
    shuffled_touches = touches.loc[random.sample(list(touches.index), len(touches))]
    shuffled_leads = leads.loc[random.sample(list(leads.index), len(leads))]
    a = summary_plan(leads, touches, prospects, TODAY)
    b = summary_plan(shuffled_leads, shuffled_touches, prospects, TODAY)
    for x, y in zip(a.blocks, b.blocks, strict=True):
        pd.testing.assert_frame_equal(x.frame, y.frame)
