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
from leadbook.core.clean import clean
from leadbook.core.sample import sample_book
from leadbook.core.summary import (
    aging,
    by_owner,
    by_source,
    funnel,
    persistence,
    rate,
    referral_value,
    speed_to_lead,
    summary_plan,
    touch_facts,
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


def test_funnel_counts_and_step_rates():
    table = funnel(*fixture())
    assert table["Stage"].tolist() == [
        "Leads",
        "Touched",
        "Two-way contact",
        "Qualified",
        "Prospects",
        "Won",
        "Lost",
    ]
    # touched: all but L4, L7; two-way: L1 L3 L6 L8; qualified: L1 L3 L8 by Status, L6 by Prospects
    assert table["Leads"].tolist() == [9, 7, 4, 4, 3, 1, 1]
    expected_step = [1, 7 / 9, 4 / 7, 4 / 4, 3 / 4, 1 / 3, 1 / 3]  # Won and Lost both of Prospects
    assert table["Step rate"].tolist() == pytest.approx(expected_step)
    assert table["Of leads"].tolist() == pytest.approx([1, 7 / 9, 4 / 9, 4 / 9, 3 / 9, 1 / 9, 1 / 9])


def test_by_source_conversion_and_value():
    table = by_source(*fixture())
    assert table["Source"].tolist() == ["Referral", "Website", "Cold call", "(none)"]
    got = rows(table, "Source")
    referral = got["Referral"]  # L1 won 1000, L2 untouched by prospects, L8 lost
    assert (referral["Leads"], referral["Qualified"], referral["Prospects"], referral["Won"]) == (
        3,
        2,
        2,
        1,
    )
    assert referral["Qualified %"] == pytest.approx(2 / 3)
    assert referral["Prospect %"] == pytest.approx(1.0)
    assert referral["Won %"] == pytest.approx(1 / 2)
    assert referral["Lead to won %"] == pytest.approx(1 / 3)
    assert referral["Won value"] == 1000
    assert referral["Value per lead"] == pytest.approx(1000 / 3)
    website = got["Website"]  # only L3 qualified, no prospect: later rates divide by zero -> 0
    assert (website["Leads"], website["Qualified"], website["Prospects"], website["Won"]) == (
        3,
        1,
        0,
        0,
    )
    assert (website["Prospect %"], website["Won %"], website["Value per lead"]) == (0, 0, 0)
    cold = got["Cold call"]  # L6 is qualified because it is on Prospects, though Working
    assert (cold["Qualified"], cold["Prospects"], cold["Won %"], cold["Won value"]) == (1, 1, 0, 0)
    assert got["(none)"]["Leads"] == 1
    assert table.notna().all().all()


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
    assert got["Alice"]["Touches to contact"] == 3
    assert got["Bruno"]["Touches to contact"] == 1
    # business days Created -> first touch: Alice L1 0, L2 2, L6 10, L8 1; Bruno L3 1, L5 8, L9 1
    assert got["Alice"]["Speed to lead (days)"] == 1.5
    assert got["Bruno"]["Speed to lead (days)"] == 1
    assert np.isnan(got["Chen"]["Touches to contact"]) and np.isnan(got["(none)"]["Speed to lead (days)"])


def test_speed_to_lead_skips_weekends_and_holidays():
    leads, touches, _ = fixture()
    first = touch_facts(leads, touches)["First touch"]
    plain = speed_to_lead(leads, first)
    assert plain.tolist()[:3] == [0, 2, 1] and plain.iloc[5] == 10 and np.isnan(plain.iloc[3])
    with_holiday = speed_to_lead(leads, first, holidays=[D(2026, 3, 5), D(2026, 3, 21)])  # Thu, Sat
    assert with_holiday.iloc[5] == 9 and with_holiday.iloc[1] == 2


def test_aging_buckets_overdue_days_and_counts_untouched_open_leads():
    leads, touches, _ = fixture()
    table = aging(leads, TODAY, touches)
    expected = {
        "1-2 days overdue": 1,  # L6
        "3-7 days overdue": 1,  # L2
        "8-14 days overdue": 0,
        "15+ days overdue": 1,  # L4
        "Untouched since Created": 2,  # L4, L7
    }
    assert dict(zip(table["Aging"], table["Leads"], strict=True)) == expected


def test_aging_bucket_edges():
    days = [1, 2, 3, 7, 8, 14, 15, 90]
    leads = frame(s.LEADS, [
        lead(f"L{d}", D(2026, 1, 2), "Website", "A", "Working", f"Overdue {d} days · x")
        for d in days
    ])  # fmt: skip
    assert aging(leads, TODAY)["Leads"].tolist() == [2, 2, 2, 2, 8]  # no Touches count: untouched


def test_persistence_distribution_and_dropped_leads():
    leads, touches, _ = fixture()
    table = persistence(leads, touches, TODAY)
    expected = {
        "1": 1, "2": 1, "3": 1, "4-5": 1, "6-7": 0, "8-10": 0, "11+": 0,  # L3, L6, L1, L8
        "Not yet connected": 3,  # L2, L5, L9
        "Dropped after 2 or fewer": 1,  # L2 (L5 touched 11 days ago, L9 do not contact)
    }  # fmt: skip
    assert dict(zip(table["Attempts"], table["Leads"], strict=True)) == expected
    assert table["Share"].tolist() == pytest.approx([n / 7 for n in expected.values()])


def test_dropped_needs_more_than_14_days_quiet_and_at_most_two_attempts():
    leads = frame(s.LEADS, [
        lead(f"L{i}", D(2026, 2, 2), "Website", "A", status, "Overdue 5 days")
        for i, status in enumerate(["Working", "Working", "Working", "Disqualified", "Nurture"])
    ])  # fmt: skip
    touches = frame(s.TOUCHES, [
        touch("L0", D(2026, 3, 16)),  # exactly 15 days ago, 1 attempt: dropped
        touch("L1", D(2026, 3, 17)),  # 14 days ago: not yet
        *[touch("L2", D(2026, 3, d)) for d in (2, 3, 4)],  # 3 attempts: not dropped
        touch("L3", D(2026, 3, 2)),  # Disqualified
        touch("L4", D(2026, 3, 2)), touch("L4", D(2026, 3, 3)),  # 2 attempts: dropped
    ])  # fmt: skip
    table = persistence(leads, touches, TODAY)
    assert table.set_index("Attempts").loc["Dropped after 2 or fewer", "Leads"] == 2


def test_attempts_over_ten():
    leads = frame(s.LEADS, [lead("L1", D(2026, 1, 5), "Website", "A", "Working", "Planned")])
    touches = frame(s.TOUCHES, [touch("L1", D(2026, 1, 5) + dt.timedelta(days=i)) for i in range(11)])
    touches.loc[touches.index[-1], s.OUTCOME] = "Talked"
    table = persistence(leads, touches, TODAY)
    assert table.set_index("Attempts").loc["11+", "Leads"] == 1


def test_empty_book_gives_zeros_and_a_full_plan():
    leads, touches, prospects = empty()
    assert funnel(leads, touches, prospects)["Leads"].tolist() == [0] * 7
    assert funnel(leads, touches, prospects)[["Step rate", "Of leads"]].eq(0).all().all()
    assert by_source(leads, touches, prospects).empty
    assert by_owner(leads, touches, TODAY).empty
    assert aging(leads, TODAY, touches)["Leads"].eq(0).all()
    assert persistence(leads, touches, TODAY)[["Leads", "Share"]].eq(0).all().all()
    assert referral_value(leads, prospects).iloc[0].tolist() == [0, 0, 0, 0]
    op = summary_plan(leads, touches, prospects, TODAY)
    assert len(op.blocks) == 6 and len(op.charts) == 3


def test_rate_is_zero_when_nothing_to_divide_by():
    assert rate(3, 0) == 0 and rate(0, 0) == 0 and rate(1, 4) == 0.25
    got = rate(pd.Series([1, 0, 2]), pd.Series([0, 0, 4]))
    assert got.tolist() == [0, 0, 0.5] and np.isfinite(got).all()


def test_plan_lays_out_blocks_and_charts_without_overlap():
    op = summary_plan(*fixture(), TODAY)
    assert op.sheet == s.SUMMARY and op.heading == "Summary as of 2026-03-31"
    assert op.blocks[0].row == 3
    for above, below in zip(op.blocks, op.blocks[1:], strict=False):
        assert below.row == above.row + 2 + len(above.frame) + 1  # title, header, body, blank
    for block in op.blocks:
        assert set(block.percent_columns) <= set(block.frame.columns)
        assert not any(c.endswith("%") for c in block.frame.columns if c not in block.percent_columns)
    widest = max(b.column + len(b.frame.columns) - 1 for b in op.blocks)
    anchors = [
        (c.anchor.rstrip("0123456789"), int(c.anchor.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))) for c in op.charts
    ]
    assert all(len(col) == 1 and ord(col) - 64 > widest for col, _ in anchors)
    assert all(b - a >= 18 for (_, a), (_, b) in zip(anchors, anchors[1:], strict=False))  # 9 cm ~ 17 rows
    titles = [c.title for c in op.charts]
    assert titles == ["Funnel", "Conversion by source", "Overdue leads by owner"]
    for chart in op.charts:
        assert set(chart.values) <= set(op.blocks[chart.block].frame.columns)
    assert op.blocks[op.charts[2].block].frame.columns[0] == "Owner"


# A deliberately different computation: plain loops over touch rows, in sheet order.
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


BUCKETS = [
    ("1", 1, 1),
    ("2", 2, 2),
    ("3", 3, 3),
    ("4-5", 4, 5),
    ("6-7", 6, 7),
    ("8-10", 8, 10),
    ("11+", 11, 999),
]


def test_funnel_and_persistence_match_a_plain_loop_on_sample_data():
    leads, touches, prospects = sample()
    ref = reference_facts(leads, touches)
    table = funnel(leads, touches, prospects).set_index("Stage")["Leads"]
    assert table["Touched"] == len(ref)
    assert table["Two-way contact"] == sum(1 for f in ref.values() if f["contact"])
    won_ids = {p[s.LEAD_ID] for _, p in prospects.iterrows() if p[s.STAGE] == "Won"}
    assert table["Won"] == sum(1 for i in leads[s.LEAD_ID] if i in won_ids)
    buckets = defaultdict(int)
    for f in ref.values():
        c = f["contact"]
        label = "Not yet connected" if c is None else next(n for n, lo, hi in BUCKETS if lo <= c <= hi)
        buckets[label] += 1
    got = persistence(leads, touches, TODAY).set_index("Attempts")["Leads"]
    assert {k: v for k, v in got.items() if v and not k.startswith("Dropped")} == dict(buckets)


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
        assert got.loc[owner, "Touches to contact"] == statistics.median(contact[owner])
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
