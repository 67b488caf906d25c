"""The learned points card and the figures that judge it.

A regularised logistic regression (scikit-learn) on one-hot field values plus the two engagement
counts; its log-odds are turned into integer points so that every `pdo` points double the odds
(the scorecard convention), anchored so that the qualify threshold is the history's average odds.
The figures (AUC with a label-permutation chance band, top-decile lift, Brier score) are measured
on the same hold-out for every scorer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from leadbook.core.calibrate_features import ENGAGEMENT, INBOUND, TWO_WAY, Field, History
from leadbook.core.settings import BLANK_VALUE

C_REGULARISATION = 0.5
PERMUTATIONS = 200
SPAN = 40  # the 5th-95th percentile of leads lands within threshold +/- SPAN points


@dataclass
class Card:
    """Points per (field, label), points per engagement touch, base points and the odds scale."""

    points: dict[str, dict[str, float]]
    engagement: dict[str, float] | None  # INBOUND, TWO_WAY -> points per decayed touch; None: not learned
    base: float
    pdo: float  # points that double the odds

    def fields(self) -> list[str]:
        return [*self.points, *([ENGAGEMENT] if self.engagement else [])]


def design(labels: pd.DataFrame, history: History, with_engagement: bool):
    """A sparse one-hot matrix of the labels (+ engagement counts) and its (field, label) columns."""
    blocks, names = [], []
    for name in labels.columns:
        codes, uniques = pd.factorize(labels[name], sort=True)
        blocks.append(
            sparse.csr_matrix(
                (np.ones(len(codes)), (np.arange(len(codes)), codes)), shape=(len(codes), len(uniques))
            )
        )
        names += [(name, str(u)) for u in uniques]
    if with_engagement:
        blocks.append(sparse.csr_matrix(history.engagement[[INBOUND, TWO_WAY]].to_numpy(dtype=float)))
        names += [(ENGAGEMENT, INBOUND), (ENGAGEMENT, TWO_WAY)]
    matrix = sparse.hstack(blocks, format="csr") if blocks else sparse.csr_matrix((len(labels), 0))
    return matrix, names


def fit_logit(matrix, won: np.ndarray) -> tuple[float, np.ndarray]:
    """Intercept and coefficients of an L2-regularised logistic regression."""
    from sklearn.linear_model import LogisticRegression  # imported here: only calibrate needs it

    model = LogisticRegression(C=C_REGULARISATION, max_iter=2000)
    model.fit(matrix, won)
    return float(model.intercept_[0]), model.coef_[0]


def importance(matrix, names: list, coef: np.ndarray) -> pd.Series:
    """How much each field moves the log-odds across the leads: the spread of its contribution."""
    fields = pd.Index([n[0] for n in names])
    spread = {}
    for field in fields.unique():
        mask = np.asarray(fields == field)
        contribution = matrix[:, mask] @ coef[mask]
        spread[field] = float(np.std(contribution))
    return pd.Series(spread).sort_values(ascending=False)


def learn_card(
    labels: pd.DataFrame, history: History, fields: list[Field], threshold: float, keep: int
) -> tuple[Card, pd.Series]:
    """The card over the `keep` most useful fields, and every field's usefulness."""
    with_engagement = any(f.name == ENGAGEMENT for f in fields)
    columns = [f.name for f in fields if f.name != ENGAGEMENT]
    won = history.won.to_numpy()
    matrix, names = design(labels[columns], history, with_engagement)
    _, coef = fit_logit(matrix, won)
    useful = importance(matrix, names, coef)
    chosen = [f for f in useful.index[:keep] if useful[f] > 1e-3]
    matrix, names = design(labels[[c for c in columns if c in chosen]], history, ENGAGEMENT in chosen)
    intercept, coef = fit_logit(matrix, won)
    return to_points(matrix, names, intercept, coef, won.mean(), threshold), useful


def to_points(matrix, names, intercept, coef, rate: float, threshold: float) -> Card:
    """Integer points: blank scores 0, every `pdo` points double the odds, threshold = average odds."""
    logit = intercept + matrix @ coef
    average = np.log(rate / (1 - rate))
    spread = max(np.quantile(logit, 0.95) - average, average - np.quantile(logit, 0.05), 1e-6)
    span = max(5.0, min(SPAN, threshold - 5, 95 - threshold))
    pdo = max(1.0, round(span / spread * np.log(2)))
    factor = pdo / np.log(2)
    points: dict[str, dict[str, float]] = {}
    engagement = {INBOUND: 0.0, TWO_WAY: 0.0} if any(n[0] == ENGAGEMENT for n in names) else None
    reference = 0.0
    for (field, label), weight in zip(names, coef, strict=True):
        if field == ENGAGEMENT:
            engagement[label] = float(round(factor * weight))
        else:
            points.setdefault(field, {})[label] = weight
    for field, table in points.items():  # blank is each field's 0, as scoring has it
        zero = table.pop(BLANK_VALUE, 0.0)
        reference += zero
        points[field] = {label: float(round(factor * (w - zero))) for label, w in table.items()}
    base = threshold + factor * (intercept + reference - average)
    return Card(points, engagement, float(round(base)), pdo)


def auc(scores: np.ndarray, won: np.ndarray) -> float:
    """Area under the ROC curve (ties count half): the chance a won lead outscores a lost one."""
    ranks = pd.Series(scores).rank().to_numpy()
    n1 = won.sum()
    n0 = len(won) - n1
    if n1 == 0 or n0 == 0:
        return float("nan")
    return float((ranks[won].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def chance_band(scores: np.ndarray, won: np.ndarray, seed: int = 0) -> tuple[float, float]:
    """The 2.5-97.5 % range of AUC when the outcomes are shuffled: what luck alone reaches."""
    ranks = pd.Series(scores).rank().to_numpy()
    n1 = int(won.sum())
    n0 = len(won) - n1
    if n1 == 0 or n0 == 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    shuffled = rng.permuted(np.tile(won, (PERMUTATIONS, 1)), axis=1)
    values = ((shuffled * ranks).sum(axis=1) - n1 * (n1 + 1) / 2) / (n1 * n0)
    low, high = np.quantile(values, [0.025, 0.975])
    return float(low), float(high)


def top_decile_lift(scores: np.ndarray, won: np.ndarray) -> float:
    """Win rate of the best-scored 10 % over the overall win rate (ties at the cut shared evenly)."""
    if won.mean() == 0:
        return float("nan")
    k = max(1, int(np.ceil(0.1 * len(scores))))
    cut = np.sort(scores)[::-1][k - 1]
    above, at = scores > cut, scores == cut
    wins = won[above].sum() + (k - above.sum()) * won[at].mean()
    return float(wins / k / won.mean())


def brier(probability: np.ndarray, won: np.ndarray) -> float:
    return float(np.mean((probability - won) ** 2))


def probability_of(train_scores: np.ndarray, train_won: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Scores turned into a chance of winning by a one-variable logistic fit on the training leads."""
    from sklearn.linear_model import LogisticRegression

    if len(np.unique(train_scores)) < 2:
        return np.full(len(scores), train_won.mean())
    model = LogisticRegression(C=1e6, max_iter=1000).fit(train_scores.reshape(-1, 1), train_won)
    return model.predict_proba(np.asarray(scores, dtype=float).reshape(-1, 1))[:, 1]


def naive_bayes(train: pd.DataFrame, won: np.ndarray, test: pd.DataFrame) -> np.ndarray:
    """Odoo-style naive Bayes: the chance of winning from won/lost frequencies of each field value."""
    logit = np.full(len(test), np.log((won.sum() + 1) / (len(won) - won.sum() + 1)))
    for name in train.columns:
        table = pd.crosstab(train[name], won).reindex(columns=[False, True], fill_value=0)
        size = len(table) + 1
        ratio = np.log((table[True] + 1) / (won.sum() + size)) - np.log(
            (table[False] + 1) / ((~won).sum() + size)
        )
        unseen = np.log(1 / (won.sum() + size)) - np.log(1 / ((~won).sum() + size))
        logit += test[name].map(ratio).astype(float).fillna(unseen).to_numpy()
    return 1 / (1 + np.exp(-logit))


@dataclass
class Figures:
    """How one scorer ranks the hold-out leads."""

    auc: float
    band: tuple[float, float]
    lift: float
    brier: float


def figures(train_scores, train_won, scores, won, probability=None) -> Figures:
    probability = probability_of(train_scores, train_won, scores) if probability is None else probability
    return Figures(
        auc(scores, won), chance_band(scores, won), top_decile_lift(scores, won), brier(probability, won)
    )


def decile_rates(scores: np.ndarray, won: np.ndarray) -> np.ndarray:
    """Win rate per tenth of the leads, best-scored tenth first (ties broken by position)."""
    order = np.argsort(-scores, kind="stable")
    return np.array([won[part].mean() if len(part) else np.nan for part in np.array_split(order, 10)])
