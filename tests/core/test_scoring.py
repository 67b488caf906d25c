import datetime as dt

import pandas as pd
from factories import TODAY, frame, lead, touch
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from leadbook.core import schema as s
from leadbook.core.scoring import score_leads
from leadbook.core.settings import Settings

NO_TOUCHES = frame(s.TOUCHES, [])


def scores(leads, touches=NO_TOUCHES, settings=None):
    return score_leads(frame(s.LEADS, leads), touches, settings or Settings(), TODAY)


def test_points_per_answer_and_source_add_up():
    result = scores([lead("L1", need="Yes", budget="No", source="Referral", timing="0-3 months")])
    assert result.loc[2, s.SCORE] == 20 - 10 + 15 + 10


def test_reasons_show_the_biggest_contributions_with_signs():
    result = scores([lead("L1", need="Yes", budget="No", source="Referral", likelihood="Low")])
    assert result.loc[2, s.REASONS] == "+20 need confirmed; +15 referral source; -10 no budget"


def test_score_is_clipped_to_0_100_and_graded():
    everything = dict(need="Yes", budget="Yes", authority="Yes", approachable="Yes", eligible="Yes",
                      likelihood="High", timing="0-3 months", source="Referral")  # fmt: skip
    nothing = dict(need="No", budget="No", authority="No", eligible="No")
    keen = frame(s.TOUCHES, [touch("L1", TODAY, direction="In", outcome="Replied")] * 3)
    result = scores([lead("L1", **everything), lead("L2", **nothing), lead("L3", **everything)], keen)
    assert list(result[s.SCORE]) == [100, 0, 90]  # 90 + 20 engagement clips to 100
    assert list(result[s.GRADE]) == ["A", "D", "A"]


def test_grade_thresholds_come_from_settings():
    result = scores([lead("L1", need="Yes")], settings=Settings(grade_a=20, grade_b=10, grade_c=5))
    assert result.loc[2, s.GRADE] == "A"


def test_engagement_decays_with_half_life_and_is_capped():
    touches = frame(s.TOUCHES, [
        touch("L1", TODAY, outcome="Replied"),
        touch("L2", TODAY - dt.timedelta(days=14), outcome="Replied"),
        *[touch("L3", TODAY, direction="In", outcome="Meeting booked") for _ in range(5)],
    ])  # fmt: skip
    result = scores([lead("L1"), lead("L2"), lead("L3")], touches)
    assert list(result["Engagement"]) == [8.0, 4.0, 20.0]
    assert result.loc[2, s.REASONS] == "+8 replied today"
    assert result.loc[3, s.REASONS] == "+4 replied 14 days ago"
    assert "(engagement capped)" in result.loc[4, s.REASONS]


def test_the_latest_reply_names_the_reason_and_a_same_day_tie_goes_to_the_lower_row():
    touches = frame(s.TOUCHES, [
        touch("L1", TODAY - dt.timedelta(days=3), outcome="Replied"),
        touch("L1", TODAY - dt.timedelta(days=1), outcome="Talked"),
        touch("L1", TODAY - dt.timedelta(days=1), outcome="Meeting booked"),
        touch("L1", TODAY - dt.timedelta(days=9), outcome="Shared info"),
        touch("L2", TODAY - dt.timedelta(days=2), outcome="Talked"),
        touch("L9", TODAY, outcome="Replied"),  # an orphan: names nothing
    ])  # fmt: skip
    result = scores([lead("L2"), lead("L1"), lead("L3")], touches)
    assert "meeting booked 1 day ago" in result.loc[3, s.REASONS]
    assert "talked 2 days ago" in result.loc[2, s.REASONS]
    assert result.loc[4, "Engagement"] == 0 and "ago" not in result.loc[4, s.REASONS]


def test_one_way_touches_add_no_engagement():
    result = scores(
        [lead("L1")], frame(s.TOUCHES, [touch("L1", TODAY), touch("L1", TODAY, outcome="Left message")])
    )
    assert result.loc[2, "Engagement"] == 0


def test_a_users_override_column_wins_and_the_reason_says_so():
    result = scores([lead("L1", need="Yes", score_override=77), lead("L2", need="Yes")])
    assert list(result[s.SCORE]) == [77, 20]
    assert result.loc[2, s.REASONS].startswith("override in 'Score override' (computed 20)")


answers = st.sampled_from([s.YES, s.UNKNOWN, None, s.NO])


@hsettings(deadline=None)
@given(question=st.sampled_from(s.YES_NO_QUESTIONS), others=st.lists(answers, min_size=5, max_size=5))
def test_yes_never_scores_lower_than_unknown(question, others):
    base = dict(zip(s.YES_NO_QUESTIONS, others, strict=True))
    yes = scores([{**lead("L1"), **base, question: s.YES}]).loc[2, s.SCORE]
    unknown = scores([{**lead("L1"), **base, question: s.UNKNOWN}]).loc[2, s.SCORE]
    assert yes >= unknown


@hsettings(max_examples=30, deadline=None)
@given(order=st.permutations(range(6)))
def test_row_order_changes_no_result(order):
    rows = [lead(f"L{i}", need=[s.YES, s.NO, None][i % 3], source=s.SOURCES[i]) for i in range(6)]
    touches_rows = [
        touch(f"L{i % 6}", TODAY - dt.timedelta(days=i), outcome=s.OUTCOMES[i % 10]) for i in range(12)
    ]
    plain = scores(rows, frame(s.TOUCHES, touches_rows)).set_axis([r[s.LEAD_ID] for r in rows])
    shuffled_rows = [rows[i] for i in order]
    shuffled = scores(shuffled_rows, frame(s.TOUCHES, touches_rows[::-1])).set_axis(
        [r[s.LEAD_ID] for r in shuffled_rows]
    )
    pd.testing.assert_frame_equal(plain.sort_index(), shuffled.sort_index())


TEXTS = st.sampled_from(["Yes", "No", "yes ", "", "Maybe", "under 3", "5"])
ANSWERS = st.one_of(  # one kind per column (as cleaned sheets give), and a mixed one
    st.lists(st.one_of(st.none(), TEXTS), min_size=1, max_size=30).map(lambda v: (v, "str")),
    st.lists(st.one_of(st.none(), TEXTS), min_size=1, max_size=30).map(lambda v: (v, object)),
    st.lists(st.one_of(st.none(), st.integers(0, 9)), min_size=1, max_size=30).map(lambda v: (v, object)),
    st.lists(st.floats(allow_nan=True, allow_infinity=False, width=16), min_size=1, max_size=30).map(
        lambda v: (v, float)
    ),
    st.lists(st.one_of(st.none(), TEXTS, st.integers(0, 9), st.booleans()), min_size=1, max_size=30).map(
        lambda v: (v, object)
    ),
)


@hsettings(deadline=None, max_examples=60)
@given(ANSWERS)
def test_points_made_per_distinct_value_equal_points_made_per_row(given_values):
    """answer_points scores each distinct value once; the result is what scoring every row gives."""
    from leadbook.core.scoring import _answer, per_value

    settings = Settings()
    settings.answer_points[s.NEED] = {
        "Yes": 20.0,
        "No": -10.0,
        "(blank)": -5.0,
        "(other)": 1.0,
        "3 to under 7": 3.0,
    }
    values, dtype = given_values
    column = pd.Series(values, index=range(5, 5 + len(values)), dtype=dtype)
    score = lambda answers: _answer(s.NEED, settings, answers)  # noqa: E731
    points, words = per_value(column, score)
    whole_points, whole_words = score(column)
    pd.testing.assert_series_equal(points, whole_points.astype(float), check_names=False)
    assert words.tolist() == whole_words.astype(object).tolist()


def _reasons_one_by_one(points: pd.DataFrame, words: pd.DataFrame, limit: int) -> list[str]:
    """Reasons as the rule says them, one lead at a time: the `limit` biggest contributions (ties
    in column order), each rounded half to even, those that round to 0 left out."""
    out = []
    for (_, values), (_, said) in zip(points.iterrows(), words.iterrows(), strict=True):
        order = sorted(range(len(values)), key=lambda j: -abs(values.iloc[j]))[:limit]
        out.append("; ".join(
            f"{round(values.iloc[j]):+d} {said.iloc[j]}" for j in order if round(values.iloc[j]) != 0
        ))  # fmt: skip
    return out


@hsettings(deadline=None, max_examples=200)
@given(
    st.integers(0, 40),
    st.integers(1, 5),
    st.integers(0, 6),
    st.data(),
)
def test_reasons_worked_out_per_combination_equal_reasons_made_lead_by_lead(leads, columns, limit, data):
    from leadbook.core.scoring import _reasons

    numbers = st.sampled_from([0.0, 0.4, -0.5, 0.5, 1.5, 2.5, -3.0, 10.0, -10.0, 20.0, 7.25])
    texts = st.one_of(st.sampled_from(["need yes", "budget no", "website source", ""]), st.integers(0, 3))
    points = pd.DataFrame(
        {f"p{k}": data.draw(st.lists(numbers, min_size=leads, max_size=leads)) for k in range(columns)},
        index=pd.RangeIndex(2, 2 + leads),
    )
    words = pd.DataFrame(
        {f"p{k}": data.draw(st.lists(texts, min_size=leads, max_size=leads)) for k in range(columns)},
        index=points.index,
        dtype=object,
    )
    got = _reasons(points, words, limit)
    assert got.index.equals(points.index)
    assert got.tolist() == _reasons_one_by_one(points, words, limit)
