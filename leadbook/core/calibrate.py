"""Calibrate: learn the points card from the team's own won/lost history, and judge it honestly.

History -> fields -> leakage guard -> card learned on the older 70 % -> figures on the newest
30 % (card, current hand-set points, naive Bayes, all on one split) -> the card relearned on
every closed lead -> what to propose (nothing when the history is too small or has no signal;
shrunk toward the hand-set points when it is small). Pure: frames in, a `Calibration` out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from leadbook.core import calibrate_features as cf
from leadbook.core import calibrate_model as cm
from leadbook.core import schema as s
from leadbook.core.scoring import answer_points
from leadbook.core.settings import BLANK_VALUE, Settings

MIN_CLOSED, MIN_EACH, FULL_TRUST = 50, 15, 200
HOLD_OUT = 0.3
KEEP_FIELDS = 8
LEAK_AUC, LEAK_SHARE, LEAK_COUNT, LEAK_RATES = 0.9, 0.97, 30, (0.1, 0.9)
PROPOSE, TOO_LITTLE, NO_SIGNAL = "propose", "too little history", "no signal"
LEARNED, PROPOSED, CURRENT, BAYES = (
    "Learned card",
    "Proposed card",
    "Current points",
    "Naive Bayes (Odoo-style)",
)


@dataclass
class Calibration:
    """What calibrate found and proposes."""

    target: str
    verdict: str  # PROPOSE, TOO_LITTLE or NO_SIGNAL
    closed: int
    won: int
    held_out: int = 0
    trust: float = 0.0  # weight of the learned points against the hand-set ones (1 = all learned)
    card: cm.Card | None = None
    proposed: Settings | None = None
    figures: dict[str, cm.Figures] = field(default_factory=dict)
    deciles: pd.DataFrame = field(default_factory=pd.DataFrame)
    usefulness: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    left_out: dict[str, str] = field(default_factory=dict)
    leaky: dict[str, str] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    include: tuple[str, ...] = ()  # columns the user insists on, leaky or not


def history_scores(history: cf.History, settings: Settings) -> np.ndarray:
    """The 0-100 score each closed lead gets from `settings`, engagement as at its decision date."""
    parts = answer_points(history.leads, settings)
    points = sum((p for p, _ in parts.values()), pd.Series(0.0, index=history.leads.index))
    engagement = (
        history.engagement[cf.INBOUND] * settings.inbound_points
        + history.engagement[cf.TWO_WAY] * settings.two_way_points
    ).clip(upper=settings.engagement_cap)
    return (points + engagement + settings.base_points).clip(0, 100).round().to_numpy(dtype=float)


def card_settings(current: Settings, card: cm.Card) -> Settings:
    """The current Settings with every points row replaced by the card's (fields it drops score 0)."""
    answers = {q: {a: 0.0 for a in table} for q, table in current.answer_points.items()}
    sources = {src: 0.0 for src in current.source_points}
    columns = {c: {v: 0.0 for v in table} for c, table in current.column_points.items()}
    for name, table in card.points.items():
        if name == s.SOURCE:
            sources.update(table)
        elif name in answers:
            answers[name].update(table)
        else:
            columns[name] = {**columns.get(name, {}), **table}
    engagement = card.engagement or {cf.INBOUND: current.inbound_points, cf.TWO_WAY: current.two_way_points}
    return replace(
        current, answer_points=answers, source_points=sources, column_points=columns,
        inbound_points=engagement[cf.INBOUND], two_way_points=engagement[cf.TWO_WAY], base_points=card.base,
    )  # fmt: skip


def _current_points(
    labels: pd.DataFrame, history: cf.History, current: Settings
) -> dict[str, dict[str, float]]:
    """The hand-set points of each (field, label), as the mean over the leads that carry it."""
    parts = answer_points(history.leads, current)
    out = {}
    for name in labels.columns:
        points = parts[name][0] if name in parts else pd.Series(0.0, index=labels.index)
        out[name] = points.groupby(labels[name]).mean().to_dict()
    return out


def shrink(
    card: cm.Card, labels: pd.DataFrame, history: cf.History, current: Settings, trust: float
) -> cm.Card:
    """Learned points pulled toward the hand-set ones: trust * learned + (1 - trust) * current."""
    if trust >= 1:
        return card
    hand = {
        **{q: dict(table) for q, table in current.answer_points.items()},
        s.SOURCE: dict(current.source_points),
        **{c: dict(table) for c, table in current.column_points.items()},
    }
    for name, means in _current_points(labels, history, current).items():
        hand[name] = {**hand.get(name, {}), **means}
    points = {}
    for name in {*card.points, *hand}:
        learned, mine = card.points.get(name, {}), hand.get(name, {})
        values = {*learned, *mine} - {BLANK_VALUE}
        points[name] = {
            v: float(round(trust * learned.get(v, 0) + (1 - trust) * mine.get(v, 0))) for v in values
        }
    engagement = card.engagement and {
        cf.INBOUND: float(round(trust * card.engagement[cf.INBOUND] + (1 - trust) * current.inbound_points)),
        cf.TWO_WAY: float(round(trust * card.engagement[cf.TWO_WAY] + (1 - trust) * current.two_way_points)),
    }
    base = float(round(trust * card.base + (1 - trust) * current.base_points))
    return cm.Card(points, engagement, base, card.pdo)


def leak_reasons(
    labels: pd.DataFrame, won: np.ndarray, split: int, current: Settings, insist: tuple[str, ...]
) -> dict[str, str]:
    """Columns that predict the outcome almost perfectly on their own, judged against the base rate."""
    rate = won.mean()
    gates = {s.NEED: current.gate_need, s.ELIGIBLE: current.gate_eligible}
    out = {}
    for name in labels.columns:
        if gates.get(name):  # the gate disqualifies Need/Eligible = No by rule: that is no leak
            continue
        column = labels[name]
        train = pd.Series(won[:split]).groupby(column.iloc[:split].to_numpy())
        rates = (train.sum() + rate) / (train.count() + 1)
        alone = column.iloc[split:].map(rates).fillna(rate).to_numpy()
        alone_auc = cm.auc(alone, won[split:])
        counts = pd.Series(won).groupby(column.to_numpy()).agg(["count", "mean"])
        extreme = counts[
            (counts["count"] >= LEAK_COUNT)
            & ((counts["mean"] >= LEAK_SHARE) | (counts["mean"] <= 1 - LEAK_SHARE))
        ]
        if alone_auc > LEAK_AUC:
            out[name] = f"on its own it ranks the newest closed leads almost perfectly (AUC {alone_auc:.2f})"
        elif LEAK_RATES[0] <= rate <= LEAK_RATES[1] and len(extreme):
            value, row = next(iter(extreme.iterrows()))
            share, side = (row["mean"], "won") if row["mean"] >= LEAK_SHARE else (1 - row["mean"], "lost")
            out[name] = (
                f"{share:.0%} of the {int(row['count'])} closed leads with {name} = {value} were {side}"
            )
    return out


def _figures(history, labels, split, card, current, trust) -> tuple[dict[str, cm.Figures], pd.DataFrame]:
    train, test = slice(None, split), slice(split, None)
    won = history.won.to_numpy()
    scorers = {LEARNED: card_settings(current, card), CURRENT: current}
    if trust < 1:
        scorers[PROPOSED] = card_settings(
            current, shrink(card, labels.iloc[train], _part(history, train), current, trust)
        )
    out, deciles = {}, {}
    for name, settings in scorers.items():
        scores = history_scores(history, settings)
        out[name] = cm.figures(scores[train], won[train], scores[test], won[test])
        deciles[name] = cm.decile_rates(scores[test], won[test])
    bayes = cm.naive_bayes(labels.iloc[train], won[train], labels.iloc[test])  # the fields the card may use
    out[BAYES] = cm.figures(None, None, bayes, won[test], probability=bayes)
    deciles[BAYES] = cm.decile_rates(bayes, won[test])
    return out, pd.DataFrame(deciles)


def _part(history: cf.History, rows: slice) -> cf.History:
    return cf.History(
        history.leads.iloc[rows],
        history.won.iloc[rows],
        history.decided.iloc[rows],
        history.engagement.iloc[rows],
    )


def calibrate(
    leads: pd.DataFrame,
    prospects: pd.DataFrame,
    touches: pd.DataFrame,
    log: pd.DataFrame | None,
    current: Settings,
    today: dt.date,
    target: str = cf.WON_TARGET,
    include: tuple[str, ...] = (),
) -> Calibration:
    """Learn, judge and (when the history allows) propose a points card for the target."""
    from leadbook.core.calibrate_words import explain  # the sentences live apart from the numbers

    history = cf.closed_history(leads, prospects, touches, log, current, target, today)
    won = history.won.to_numpy()
    result = Calibration(target, TOO_LITTLE, len(won), int(won.sum()), include=include)
    if len(won) < MIN_CLOSED or min(won.sum(), len(won) - won.sum()) < MIN_EACH:
        return explain(result)
    split = int(round(len(won) * (1 - HOLD_OUT)))
    result.held_out = len(won) - split
    result.trust = min(1.0, len(won) / FULL_TRUST)
    fields, result.left_out = cf.candidate_fields(history, include)
    labels = cf.label_frame(history, fields)
    result.leaky = leak_reasons(
        labels.drop(columns=cf.ENGAGEMENT, errors="ignore"), won, split, current, include
    )
    forced = {s.header_key(c) for c in include}
    fields = [f for f in fields if f.name not in result.leaky or s.header_key(f.name) in forced]
    labels = labels[[f.name for f in fields]]
    keep = KEEP_FIELDS
    train_card, _ = cm.learn_card(
        labels.iloc[:split], _part(history, slice(None, split)), fields, current.threshold, keep
    )
    result.figures, result.deciles = _figures(history, labels, split, train_card, current, result.trust)
    band = result.figures[LEARNED].band[1]
    if not result.figures[LEARNED].auc > band:
        result.verdict = NO_SIGNAL
        return explain(result)
    card, result.usefulness = cm.learn_card(labels, history, fields, current.threshold, keep)
    result.card = shrink(card, labels, history, current, result.trust)
    result.proposed = card_settings(current, result.card)
    result.verdict = PROPOSE
    return explain(result)
