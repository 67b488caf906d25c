"""calibrate on synthetic histories whose true points are known: order, sign, no signal, leaks, size."""

from __future__ import annotations

import pandas as pd
import pytest
from calibrate_history import TODAY, history

from leadbook.core import calibrate as c
from leadbook.core import calibrate_model as cm
from leadbook.core import schema as s
from leadbook.core.settings import Settings


def run(n: int, settings: Settings | None = None, include: tuple[str, ...] = (), **kw) -> c.Calibration:
    h = history(n, **kw)
    return c.calibrate(
        h[s.LEADS], h[s.PROSPECTS], h[s.TOUCHES], None, settings or Settings(), TODAY, include=include
    )


def said(result: c.Calibration) -> str:
    return " ".join(result.messages).lower()


@pytest.fixture(scope="module")
def learned() -> c.Calibration:
    return run(3000)


def test_card_recovers_the_order_and_sign_of_the_true_points(learned):
    assert learned.verdict == c.PROPOSE and learned.trust == 1
    points = learned.card.points
    for question in (s.NEED, s.BUDGET):  # true: Yes > 0 (Unknown) > No
        assert points[question]["Yes"] > points[question]["Unknown"] > points[question]["No"]
    industry = points["Industry"]  # true: Retail +0.7, Software and Transport 0, Health -0.7
    assert industry["Retail"] > max(industry["Software"], industry["Transport"]) > industry["Health"]
    assert points[s.TIMING]["0-3 months"] > points[s.TIMING]["12+ months"]
    need_swing = points[s.NEED]["Yes"] - points[s.NEED]["No"]  # true 2.2 against Health's 1.4
    assert need_swing > industry["Retail"] - industry["Health"] > 0
    assert all(float(v).is_integer() for table in points.values() for v in table.values())


def test_points_mean_a_fixed_change_in_odds(learned):
    """Every pdo points double the odds: the true log-odds gap times pdo / ln 2, roughly."""
    card = learned.card
    gap = card.points[s.NEED]["Yes"] - card.points[s.NEED]["No"]
    assert gap / (card.pdo / 0.6931) == pytest.approx(2.2, rel=0.25)
    assert "double the odds" in said(learned)


def test_card_beats_chance_and_the_figures_cover_every_scorer(learned):
    figures = learned.figures
    assert set(figures) == {c.LEARNED, c.CURRENT, c.BAYES}
    assert figures[c.LEARNED].auc > figures[c.LEARNED].band[1] + 0.1
    assert figures[c.LEARNED].lift > 1.3
    assert 0 < figures[c.LEARNED].brier < 0.25  # better than always saying 50 %
    assert learned.held_out == 900 and len(learned.deciles) == 10


def test_the_card_is_the_settings_shape_and_scores_like_refresh(learned):
    from leadbook.core.scoring import score_leads

    h = history(3000)
    leads = h[s.LEADS]
    scores = score_leads(leads, h[s.TOUCHES], learned.proposed, TODAY)[s.SCORE]
    assert learned.proposed.column_points["Industry"]["Retail"] == learned.card.points["Industry"]["Retail"]
    assert learned.proposed.answer_points[s.AUTHORITY] == {s.YES: 0, s.NO: 0}  # not in the card: 0
    won = h[s.PROSPECTS].set_index(s.LEAD_ID)[s.STAGE].eq(s.WON)
    assert cm.auc(scores.to_numpy(dtype=float), leads[s.LEAD_ID].map(won).to_numpy(dtype=bool)) > 0.7


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_signal_proposes_nothing(seed):
    result = run(1500, seed=seed, signal=0.0)
    assert result.verdict == c.NO_SIGNAL and result.proposed is None and result.card is None
    assert "do not predict" in said(result)


def test_a_leaky_column_is_named_and_left_out():
    result = run(1500, leak=True)
    assert "Contract signed" in result.leaky
    assert "Contract signed" not in result.card.fields()
    assert "contract signed" in said(result) and "left out" in said(result)
    assert result.verdict == c.PROPOSE


def test_a_leaky_column_is_kept_when_the_user_insists():
    result = run(1500, leak=True, include=("contract signed",))
    assert "Contract signed" in result.leaky and "Contract signed" in result.card.fields()
    assert "kept because you asked" in said(result)


def test_a_rare_outcome_does_not_flag_every_column():
    """With few wins most values are all lost: judged against the base rate, that is no leak."""
    h = history(3000, seed=4)
    prospects = h[s.PROSPECTS]
    wins = prospects.index[prospects[s.STAGE].eq(s.WON)]
    prospects.loc[wins[100:], s.STAGE] = s.LOST  # about 3 % won
    result = c.calibrate(h[s.LEADS], prospects, h[s.TOUCHES], None, Settings(), TODAY)
    assert result.leaky == {}


def test_twenty_closed_leads_is_too_little_history():
    result = run(20)
    assert result.verdict == c.TOO_LITTLE and result.proposed is None and not result.figures
    assert "too little history" in said(result) and "hand-set points stay" in said(result)


def test_few_of_one_outcome_is_too_little_history():
    h = history(400, seed=5)
    prospects = h[s.PROSPECTS]
    prospects[s.STAGE] = s.LOST
    prospects.loc[prospects.index[:10], s.STAGE] = s.WON
    result = c.calibrate(h[s.LEADS], prospects, h[s.TOUCHES], None, Settings(), TODAY)
    assert result.verdict == c.TOO_LITTLE


def test_fifty_closed_leads_pass_the_gate_with_the_learned_points_weighing_a_quarter():
    result = run(50, signal=4.0, seed=2)
    assert result.verdict != c.TOO_LITTLE and result.trust == pytest.approx(0.25)


def test_between_fifty_and_two_hundred_points_shrink_toward_the_hand_set_ones():
    result = run(120, signal=4.0, seed=3)
    assert result.verdict == c.PROPOSE and result.trust == pytest.approx(0.6)
    assert "weigh 60%" in said(result)
    # Authority has no history here: its learned points are 0, so 40 % of the hand-set ones remain.
    assert result.card.points[s.AUTHORITY] == {s.YES: 4, s.NO: -2}
    assert c.PROPOSED in result.figures


def test_shrink_is_a_weighted_mean_of_learned_and_hand_set_points():
    h = history(100)
    from leadbook.core import calibrate_features as cf

    hist = cf.closed_history(h[s.LEADS], h[s.PROSPECTS], h[s.TOUCHES], None, Settings(), "won", TODAY)
    labels = pd.DataFrame({s.NEED: cf.Field(s.NEED, cf.TEXT, ("Yes", "No")).labels(hist.leads[s.NEED])})
    card = cm.Card({s.NEED: {"Yes": 40.0, "No": -40.0}}, None, 30.0, 10)
    shrunk = c.shrink(card, labels, hist, Settings(), 0.5)
    assert shrunk.points[s.NEED] == {"Yes": 30, "No": -30, "(other)": 0}  # 0.5 * 40 + 0.5 * 20
    assert shrunk.base == 15 and shrunk.engagement is None


def test_two_hundred_closed_leads_trust_the_learned_points_fully():
    assert run(200, signal=3.0).trust == 1


def test_qualified_target_counts_prospects_against_disqualified_leads():
    h = history(400, seed=6)
    leads = h[s.LEADS].copy()
    lost = h[s.PROSPECTS].set_index(s.LEAD_ID)[s.STAGE].eq(s.LOST)
    gone = leads[s.LEAD_ID].map(lost).fillna(False).astype(bool)
    leads.loc[gone, s.STATUS] = "Disqualified"
    prospects = h[s.PROSPECTS][~h[s.PROSPECTS][s.LEAD_ID].isin(leads.loc[gone, s.LEAD_ID])]
    result = c.calibrate(leads, prospects, h[s.TOUCHES], None, Settings(), TODAY, target="qualified")
    assert result.closed == 400 and result.won == int((~gone).sum())
    assert "became a prospect" in said(result)


def test_touches_after_the_decision_do_not_count():
    """Won leads get replies only after they qualified: engagement must not learn from them."""
    from leadbook.core import calibrate_features as cf
    from leadbook.core.clean import clean

    h = history(400, seed=7)
    prospects = h[s.PROSPECTS]
    won = prospects[prospects[s.STAGE].eq(s.WON)]
    rows = [
        {s.DATE: q + pd.Timedelta(days=d), s.LEAD_ID: i, s.DIRECTION: s.IN, s.OUTCOME: "Replied"}
        for i, q in zip(won[s.LEAD_ID], won[s.QUALIFIED_ON], strict=True)
        for d in (1, 5)
    ]
    early = {
        s.DATE: prospects[s.QUALIFIED_ON].iloc[0],
        s.LEAD_ID: prospects[s.LEAD_ID].iloc[0],
        s.DIRECTION: s.IN,
    }
    raw = pd.DataFrame([*rows, early], dtype=object)
    raw.index = pd.RangeIndex(2, 2 + len(raw), name="row")
    touches = clean(s.TOUCHES, raw)[0]
    hist = cf.closed_history(h[s.LEADS], prospects, touches, None, Settings(), "won", TODAY)
    assert (hist.engagement[cf.TWO_WAY] > 0).sum() == 1  # only the touch on the decision day
    result = c.calibrate(h[s.LEADS], prospects, touches, None, Settings(), TODAY)
    assert result.figures[c.LEARNED].auc < 0.9


def test_a_gate_that_disqualifies_is_no_leak():
    """Need = No leads are Disqualified by the gate (lost by rule): Need is kept, not flagged."""
    h = history(1500, seed=8)
    leads = h[s.LEADS].copy()
    no_need = leads[s.NEED].eq(s.NO)
    leads.loc[no_need, s.STATUS] = "Disqualified"
    prospects = h[s.PROSPECTS][~h[s.PROSPECTS][s.LEAD_ID].isin(leads.loc[no_need, s.LEAD_ID])]
    result = c.calibrate(leads, prospects, h[s.TOUCHES], None, Settings(), TODAY)
    assert s.NEED not in result.leaky and result.card.points[s.NEED]["No"] < result.card.points[s.NEED]["Yes"]
    gate_off = c.calibrate(leads, prospects, h[s.TOUCHES], None, Settings(gate_need=False), TODAY)
    assert s.NEED in gate_off.leaky  # without the gate, all-lost Need = No is a leak to name


def test_a_column_named_as_written_after_the_outcome_is_left_out_unless_included():
    h = history(1500, seed=9)
    leads = h[s.LEADS].copy()
    leads["Last activity"] = leads["Industry"]  # informative, but "Last ..." keeps changing until the close
    result = c.calibrate(leads, h[s.PROSPECTS], h[s.TOUCHES], None, Settings(), TODAY)
    assert "after the outcome" in result.left_out["Last activity"]
    assert "Last activity" not in result.usefulness.index
    kept = c.calibrate(
        leads, h[s.PROSPECTS], h[s.TOUCHES], None, Settings(), TODAY, include=("Last activity",)
    )
    assert "Last activity" not in kept.left_out and "Last activity" in kept.usefulness.index
