import datetime as dt

import pandas as pd
from factories import TODAY, lead, touch
from fakes import MemoryBook
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from leadbook import services
from leadbook.core import schema as s
from leadbook.core.qualify import NO_TWO_WAY

NOW = dt.datetime(2026, 11, 23, 9, 30)
FIT = dict(need="Yes", budget="Yes", authority="Yes", source="Referral")  # 60 points: above 50


def book(leads, touches=(), prospects=()):
    sheets = {
        s.LEADS: pd.DataFrame(leads, dtype=object),
        s.TOUCHES: pd.DataFrame(list(touches), columns=list(s.TOUCH_COLUMNS)),
    }
    if prospects:
        sheets[s.PROSPECTS] = pd.DataFrame(list(prospects), dtype=object)
    return MemoryBook(sheets)


def qualify(b, dry_run=False):
    return services.qualify(b, TODAY, "ana", NOW, dry_run)


def leads_of(b):
    return b.sheets[s.LEADS].set_index(s.LEAD_ID)


def test_fit_lead_with_two_way_contact_moves_to_prospects():
    b = book(
        [lead("L1", Region="North", **FIT)], [touch("L1", TODAY - dt.timedelta(days=2), outcome="Talked")]
    )
    b.sheets[s.PROSPECTS]["Region"] = None  # a user column both sheets share is carried over
    outcome = qualify(b)
    assert list(outcome.qualified[s.LEAD_ID]) == ["L1"]
    row = b.sheets[s.PROSPECTS].iloc[0]
    assert (row[s.LEAD_ID], row[s.STAGE], row[s.GRADE], row["Region"]) == ("L1", "Qualified", "B", "North")
    assert row[s.SCORE] == 60 + round(8 * 0.5 ** (2 / 14)) and row[s.QUALIFIED_ON] == pd.Timestamp(TODAY)
    assert leads_of(b).loc["L1", s.STATUS] == "Prospect"
    assert leads_of(b).loc["L1", s.QUALIFIED_ON] == pd.Timestamp(TODAY)
    log = b.sheets[s.LOG].iloc[0]
    assert (log[s.WHO], log[s.LEAD_ID], log[s.ACTION], log[s.AFTER]) == (
        "ana",
        "L1",
        "Qualified: moved to Prospects",
        "Status Prospect",
    )


def test_one_way_only_stays_working_with_the_reason():
    b = book([lead("L1", **FIT)], [touch("L1", TODAY), touch("L1", TODAY, outcome="Left message")])
    outcome = qualify(b)
    assert outcome.qualified.empty and list(outcome.blocked[s.LEAD_ID]) == ["L1"]
    assert leads_of(b).loc["L1", s.STATUS] == "Working"
    assert leads_of(b).loc["L1", s.REASONS].endswith(NO_TWO_WAY)
    assert len(b.sheets[s.PROSPECTS]) == 0


def test_inbound_touch_counts_as_two_way():
    b = book([lead("L1", **FIT)], [touch("L1", TODAY, direction="In", outcome="No answer")])
    assert list(qualify(b).qualified[s.LEAD_ID]) == ["L1"]


def test_low_score_with_contact_is_not_qualified():
    b = book([lead("L1", need="Yes")], [touch("L1", TODAY, outcome="Talked")])
    qualify(b)
    assert leads_of(b).loc["L1", s.STATUS] == "Working"


def test_gates_disqualify_with_the_reason_and_are_logged():
    b = book(
        [lead("L1", eligible="No", **FIT), lead("L2", **{**FIT, "need": "No"})],
        [touch("L1", TODAY, outcome="Talked")],
    )
    qualify(b)
    leads = leads_of(b)
    assert list(leads[s.STATUS]) == ["Disqualified", "Disqualified"]
    assert leads.loc["L1", s.REASONS].startswith("disqualified: not eligible")
    assert leads.loc["L2", s.REASONS].startswith("disqualified: no need")
    assert list(b.sheets[s.LOG][s.ACTION]) == ["Disqualified", "Disqualified"]


def test_new_and_nurture_statuses():
    many = [touch("L2", TODAY - dt.timedelta(days=40 - i)) for i in range(10)]
    b = book([lead("L1"), lead("L2")], many)
    qualify(b)
    assert list(leads_of(b)[s.STATUS]) == ["New", "Nurture"]


def test_existing_prospect_is_not_duplicated_only_empty_fields_filled():
    existing = {s.LEAD_ID: "L1", s.NAME: "Kept name", s.COMPANY: None, s.STAGE: "Proposal"}
    b = book([lead("L1", Company="Acme", **FIT)], [touch("L1", TODAY, outcome="Replied")], [existing])
    qualify(b)
    prospects = b.sheets[s.PROSPECTS]
    assert len(prospects) == 1
    row = prospects.iloc[0]
    assert (row[s.NAME], row[s.COMPANY], row[s.STAGE]) == ("Kept name", "Acme", "Proposal")
    assert leads_of(b).loc["L1", s.STATUS] == "Prospect"
    assert list(b.sheets[s.LOG][s.ACTION]) == ["Linked to its existing Prospects row"]


def test_dry_run_writes_nothing():
    b = book([lead("L1", **FIT)], [touch("L1", TODAY, outcome="Talked")])
    outcome = qualify(b, dry_run=True)
    assert list(outcome.qualified[s.LEAD_ID]) == ["L1"] and b.applied == []


def test_second_run_changes_nothing():
    b = book(
        [lead("L1", **FIT), lead("L2"), lead("L3", **FIT)],
        [touch("L1", TODAY, outcome="Talked"), touch("L3", TODAY)],
    )
    qualify(b)
    second = qualify(b)
    assert not second.plan
    assert len(b.sheets[s.PROSPECTS]) == 1 and len(b.sheets[s.LOG]) == 1


leads_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "need": st.sampled_from(["Yes", "No", None]),
            "budget": st.sampled_from(["Yes", None]),
            "source": st.sampled_from(["Referral", "Cold call"]),
            "talked": st.booleans(),
        }
    ),  # fmt: skip
    min_size=1,
    max_size=8,
)


@hsettings(max_examples=25, deadline=None)
@given(rows=leads_strategy)
def test_qualify_twice_equals_qualify_once(rows):
    leads = [
        lead(f"L{i}", need=r["need"], budget=r["budget"], authority="Yes", source=r["source"])
        for i, r in enumerate(rows)
    ]
    touches = [
        touch(f"L{i}", TODAY, outcome="Talked" if r["talked"] else "No answer") for i, r in enumerate(rows)
    ]
    b = book(leads, touches)
    qualify(b)
    after_once = {k: v.copy() for k, v in b.sheets.items()}
    qualify(b)
    for name in (s.LEADS, s.PROSPECTS, s.LOG):
        pd.testing.assert_frame_equal(b.sheets[name], after_once[name])


def test_a_moved_lead_is_done_with_no_next_touch():
    b = book([lead("L1", **FIT)], [touch("L1", TODAY - dt.timedelta(days=30), outcome="Talked")])
    services.refresh(b, TODAY, now=NOW)
    assert leads_of(b).loc["L1", s.FOLLOW_UP].startswith("Overdue")
    qualify(b)
    assert leads_of(b).loc["L1", s.FOLLOW_UP] == "Done" and pd.isna(leads_of(b).loc["L1", s.NEXT_TOUCH])


def test_a_disqualification_is_logged_once_whether_refresh_or_qualify_sets_it():
    b = book([lead("L1", need="No")])
    services.refresh(b, TODAY, who="bo", now=NOW)
    qualify(b)
    services.refresh(b, TODAY, now=NOW)
    log = b.sheets[s.LOG]
    assert list(zip(log[s.WHO], log[s.ACTION], log[s.LEAD_ID], strict=True)) == [("bo", "Disqualified", "L1")]


def test_do_not_contact_and_repeated_ids_are_never_moved():
    import pandas as pd

    from leadbook.core.qualify import lead_status
    from leadbook.core.settings import Settings

    leads = pd.DataFrame(
        {s.LEAD_ID: ["A", "B", "B", "C"], s.STATUS: [None] * 4, s.NEED: [None] * 4, s.ELIGIBLE: [None] * 4},
        index=[2, 3, 4, 5],
    )
    scores = pd.DataFrame({s.SCORE: [80] * 4, s.REASONS: ["+20 need confirmed"] * 4}, index=leads.index)
    follow = pd.DataFrame(
        {
            "Two-way": [True] * 4,
            "Attempts": [0] * 4,
            s.TOUCH_COUNT: [3] * 4,
            s.FOLLOW_UP: ["Do not contact", "Planned", "Planned", "Planned"],
        },
        index=leads.index,
    )
    status = lead_status(leads, scores, follow, set(), Settings())
    assert status[s.STATUS].tolist() == ["Working", "Working", "Working", "Qualified"]
    assert status.loc[2, s.REASONS].endswith("do not contact: not moved to Prospects")
    assert "Lead ID repeats" in status.loc[3, s.REASONS]


def test_an_empty_text_and_a_blank_cell_are_the_same_so_a_second_run_writes_nothing():
    import pandas as pd

    from leadbook.core.qualify import changed_rows

    current = pd.DataFrame({s.REASONS: [None, "x", None]}, index=[2, 3, 4], dtype=object)
    new = pd.DataFrame({s.REASONS: ["", "x", "y"]}, index=[2, 3, 4], dtype=object)
    assert list(changed_rows(current, new).index) == [4]


_CELLS = st.one_of(
    st.none(),
    st.just(""),
    st.sampled_from(["x", "y", "Overdue 2 days"]),
    st.integers(-2, 2),
    st.sampled_from([0.5, float("nan")]),
    st.sampled_from([pd.Timestamp("2026-11-23"), pd.Timestamp("2026-11-24"), pd.NaT]),
)


def _as(values: list, how: str) -> pd.Series:
    """A column as a reader or the rules hand it over: objects, or typed where the values allow."""
    column = pd.Series(values, dtype=object)
    if how == "typed":
        for dtype in ("datetime64[ns]", "float64", "str"):
            try:
                typed = column.astype(dtype)
            except (TypeError, ValueError):
                continue
            if dtype != "str" or all(v is None or isinstance(v, str) for v in values):
                return typed
    return column


@hsettings(deadline=None, max_examples=300)
@given(
    pairs=st.lists(st.tuples(_CELLS, _CELLS), min_size=1, max_size=8),
    hows=st.tuples(st.sampled_from(["object", "typed"]), st.sampled_from(["object", "typed"])),
)
def test_changed_rows_typed_columns_compare_as_the_cells_do(pairs, hows):
    """Dates, numbers and texts compared in their own types give the rows a cell-by-cell compare
    of the same values gives (blank equals blank, "" equals a blank cell)."""
    from leadbook.core.qualify import changed_rows

    old, new = (_as([p[i] for p in pairs], how) for i, how in enumerate(hows))
    index = pd.RangeIndex(2, 2 + len(pairs))
    current = pd.DataFrame({s.REASONS: old.to_numpy()}, index=index).astype({s.REASONS: old.dtype})
    fresh = pd.DataFrame({s.REASONS: new.to_numpy()}, index=index).astype({s.REASONS: new.dtype})

    def blank(v):
        return v is None or v == "" or (not isinstance(v, str) and pd.isna(v))

    cells = [(current.iloc[i, 0], fresh.iloc[i, 0]) for i in range(len(pairs))]
    expected = [r for r, (a, b) in zip(index, cells, strict=True) if not ((blank(a) and blank(b)) or a == b)]
    assert list(changed_rows(current, fresh).index) == expected
