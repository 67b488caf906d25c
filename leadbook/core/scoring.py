"""The lead score: points per qualifying answer, per source and for recent engagement, explained.

Score = clip(answers + source + min(engagement, cap), 0, 100). Engagement is the sum over the
lead's touches of (inbound points if Direction = In) + (two-way points if the lead answered or
acted), each halved every `half_life_days` (HubSpot-style decay), capped so engagement alone
cannot qualify a poor fit. Reasons list the biggest contributions, Salesforce-style.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from leadbook.core import schema as s
from leadbook.core.engagement import TouchLeads, known_with_leads, positions, two_way
from leadbook.core.settings import BLANK_VALUE, OTHER_VALUE, Settings

ENGAGEMENT = "Engagement"
OVERRIDE_KEYS = ("scoreoverride", "overridescore", "manualscore")
# How each answer reads in Reasons ("+20 need confirmed", "-10 no budget").
_SAYS = {
    (s.NEED, s.YES): "need confirmed", (s.NEED, s.NO): "no need",
    (s.BUDGET, s.YES): "budget confirmed", (s.BUDGET, s.NO): "no budget",
    (s.AUTHORITY, s.YES): "authority to buy", (s.AUTHORITY, s.NO): "no authority to buy",
    (s.APPROACHABLE, s.YES): "approachable", (s.APPROACHABLE, s.NO): "not approachable",
    (s.ELIGIBLE, s.YES): "eligible to buy", (s.ELIGIBLE, s.NO): "not eligible",
}  # fmt: skip


def _label(question: str, answer: object) -> str:
    if (question, answer) in _SAYS:
        return _SAYS[(question, answer)]
    return f"{question.lower()} {str(answer).lower()}"


_BAND = re.compile(
    r"^(?:under (?P<below>-?[\d.]+)|(?P<low>-?[\d.]+) to under (?P<high>-?[\d.]+)|(?P<least>-?[\d.]+) or more)$"
)


def band_edges(label: str) -> tuple[float, float] | None:
    """[low, high) of a number band label: 'under 3', '3 to under 7', '7 or more'; else None."""
    match = _BAND.match(label.strip().lower())
    if match is None:
        return None
    if match["below"] is not None:
        return -np.inf, float(match["below"])
    if match["least"] is not None:
        return float(match["least"]), np.inf
    return float(match["low"]), float(match["high"])


def _blank(values: pd.Series) -> pd.Series:
    return values.isna() | values.astype(str).str.strip().eq("")


def value_points(values: pd.Series, points: dict[str, float]) -> pd.Series:
    """Points per value: '(blank)' for a blank cell, number bands for numbers, '(other)' for the rest.

    A value with no row (and no '(other)' row) scores 0, as a blank does without a '(blank)' row.
    """
    bands = {k: band_edges(k) for k in points}
    exact = {k: v for k, v in points.items() if bands[k] is None and k not in (BLANK_VALUE, OTHER_VALUE)}
    out = values.map(exact).astype(float)
    numbers = pd.to_numeric(values, errors="coerce") if any(bands.values()) else None
    for label, edges in bands.items():
        if edges is not None and numbers is not None:
            out = out.mask(out.isna() & numbers.ge(edges[0]) & numbers.lt(edges[1]), points[label])
    if points.get(BLANK_VALUE, 0.0) != points.get(OTHER_VALUE, 0.0):  # else one fill does (the common case)
        out = out.mask(out.isna() & _blank(values), points.get(BLANK_VALUE, 0.0))
    return out.fillna(points.get(OTHER_VALUE, 0.0))


Scored = tuple[pd.Series, pd.Series]  # each lead's points, and the words for its Reasons


def per_value(values: pd.Series, score: Callable[[pd.Series], Scored]) -> Scored:
    """`score` run on the column's distinct values only, then spread to every row.

    Answers and sources take a handful of values over thousands of leads; `score` works value
    by value, so the result is the same. A column mixing kinds of values (True and 1 are equal
    to a hash but read differently) is scored whole.
    """
    try:
        if pd.api.types.infer_dtype(values, skipna=True).startswith("mixed"):
            return score(values)
        codes, uniques = pd.factorize(values, use_na_sentinel=False)
    except TypeError:  # an unhashable value
        return score(values)
    points, words = score(pd.Series(uniques, dtype=values.dtype if len(uniques) else object))
    return (
        pd.Series(points.to_numpy(dtype=float)[codes], index=values.index, dtype=float),
        pd.Series(words.to_numpy(dtype=object)[codes], index=values.index, dtype=object),
    )


def answer_points(leads: pd.DataFrame, settings: Settings) -> dict[str, Scored]:
    """Per question, Source and other points column: each lead's points and the words for Reasons."""
    parts = {}
    for question in s.QUESTIONS:
        parts[question] = per_value(leads[question], functools.partial(_answer, question, settings))
    parts[s.SOURCE] = per_value(leads[s.SOURCE], functools.partial(_source, settings))
    by_key = {s.header_key(c): c for c in leads.columns}
    for name, table in settings.column_points.items():
        column = by_key.get(s.header_key(name))
        if column is None or column in parts:
            continue  # a Settings row for a column this sheet lacks scores nothing
        parts[column] = per_value(leads[column], functools.partial(_column, name, table))
    return parts


def _answer(question: str, settings: Settings, answers: pd.Series) -> Scored:
    points = value_points(answers, settings.answer_points.get(question, {}))
    words = answers.map({a: _label(question, a) for a in answers.dropna().unique()}).astype(object).fillna("")
    return points, words.mask(words.eq("") & points.ne(0), question.lower() + " blank")


def _source(settings: Settings, sources: pd.Series) -> Scored:
    points = value_points(sources, settings.source_points)
    named = {v: f"{str(v).lower()} source" for v in sources.dropna().unique() if v}
    return points, sources.map(named).astype(object).fillna("no source")


def _column(name: str, table: dict[str, float], values: pd.Series) -> Scored:
    words = name.lower() + " " + values.astype(object).where(~_blank(values), "blank").astype(str).str.lower()
    return value_points(values, table), words


def engagement(
    leads: pd.DataFrame,
    touches: pd.DataFrame,
    settings: Settings,
    today: dt.date,
    found: TouchLeads | None = None,
) -> tuple[pd.Series, pd.Series]:
    """Decayed, capped engagement points per lead, and words naming the latest reply."""
    touches, ids, code = known_with_leads(
        leads, touches, found
    )  # each touch's lead as a number: cheap to group by
    answered = two_way(touches).to_numpy()
    age = (pd.Timestamp(today) - touches[s.DATE]).dt.days.clip(lower=0).to_numpy()
    decay = np.power(0.5, age / settings.half_life_days)
    inbound = touches[s.DIRECTION].eq(s.IN).to_numpy()
    raw = (inbound * settings.inbound_points + answered * settings.two_way_points) * decay
    per_lead = np.minimum(np.bincount(code, weights=raw, minlength=len(ids) + 1), settings.engagement_cap)
    per_lead[-1] = 0.0  # the last slot: a lead without an ID (position -1) has no touches
    lead = positions(ids, leads[s.LEAD_ID])
    points = pd.Series(per_lead[lead], index=leads.index, dtype=float)
    replies = np.flatnonzero(answered)
    replies = replies[np.argsort(touches[s.DATE].to_numpy()[replies], kind="stable")]
    last = pd.Series(replies, index=code[replies]).groupby(level=0).last()  # latest reply per lead
    latest = touches.iloc[last.to_numpy()]
    days = (pd.Timestamp(today) - latest[s.DATE]).dt.days.to_numpy()
    ago = days.astype(str) + np.where(days == 1, " day ago", " days ago")
    when = np.where(days == 0, "today", np.where(days < 0, "on a date still to come", ago))  # check lists it
    what = latest[s.OUTCOME].fillna("answered").str.lower().where(latest[s.DIRECTION].ne(s.IN), "reached us")
    said = np.full(len(ids) + 1, "recent touches", dtype=object)  # the last slot: a lead without an ID
    said[last.index.to_numpy()] = (what.astype(object) + " ").to_numpy() + when.astype(object)
    words = pd.Series(said[lead], index=leads.index, dtype=object)
    capped = points >= settings.engagement_cap
    return points, words.where(~capped, words + " (engagement capped)")


def override_column(leads: pd.DataFrame) -> str | None:
    """A user's own 'Score override' column, if the Leads sheet has one."""
    for column in leads.columns:
        if s.header_key(column) in OVERRIDE_KEYS:
            return column
    return None


def grade(scores: pd.Series, settings: Settings) -> pd.Series:
    """A/B/C/D by the Settings thresholds."""
    conditions = [scores >= settings.grade_a, scores >= settings.grade_b, scores >= settings.grade_c]
    return pd.Series(np.select(conditions, ["A", "B", "C"], default="D"), index=scores.index, dtype=object)


def _reasons(points: pd.DataFrame, words: pd.DataFrame, limit: int) -> pd.Series:
    """The `limit` biggest contributions per lead, as '+20 need confirmed; -10 no budget'."""
    values = points.to_numpy()
    order = np.argsort(-np.abs(values), axis=1, kind="stable")[:, :limit]
    top_values = np.take_along_axis(values, order, axis=1)
    top_words = np.take_along_axis(words.to_numpy(dtype=object), order, axis=1)
    rounded = np.round(top_values)  # half to even, as f"{v:+.0f}" rounds
    if not len(points) or not rounded.shape[1]:
        return pd.Series("", index=points.index, dtype=object)
    # Leads share few combinations of (points, words) in their top places: each combination is
    # numbered (column by column, so the number stays below the count of leads) and written once.
    places = []
    key = np.zeros(len(points), dtype=np.int64)
    for k in range(rounded.shape[1]):
        said = top_words[:, k]
        if pd.api.types.infer_dtype(said, skipna=False) != "string":  # a word that is no text
            said = said.astype(str).astype(object)
        number_codes, numbers = pd.factorize(rounded[:, k], use_na_sentinel=False)
        word_codes, texts = pd.factorize(said, use_na_sentinel=False)
        key = pd.factorize(key * len(numbers) + number_codes)[0].astype(np.int64)
        key = pd.factorize(key * len(texts) + word_codes)[0].astype(np.int64)
        places.append((number_codes, numbers, word_codes, texts))
    first = np.empty(key.max() + 1, dtype=np.int64)
    first[key[::-1]] = np.arange(len(key))[::-1]  # the first lead of each combination
    written = np.array([_written(places, lead) for lead in first.tolist()], dtype=object)
    return pd.Series(written[key], index=points.index, dtype=object)


def _written(places: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]], lead: int) -> str:
    """One lead's Reasons from its top places (points rounded to 0 say nothing)."""
    pieces = []
    for number_codes, numbers, word_codes, texts in places:
        number = numbers[number_codes[lead]]
        if number != 0:
            pieces.append(f"{number:+.0f} {texts[word_codes[lead]]}")
    return "; ".join(pieces)


def score_leads(
    leads: pd.DataFrame,
    touches: pd.DataFrame,
    settings: Settings,
    today: dt.date,
    found: TouchLeads | None = None,
) -> pd.DataFrame:
    """Score 0-100, Grade and Reasons per lead (index as `leads`), plus its Engagement points
    (`found`: `engagement.touch_leads` of these frames, if already worked out)."""
    parts = answer_points(leads, settings)
    parts[ENGAGEMENT] = engagement(leads, touches, settings, today, found)
    points = pd.DataFrame({k: p for k, (p, _) in parts.items()}, index=leads.index)
    words = pd.DataFrame({k: w for k, (_, w) in parts.items()}, index=leads.index)
    score = (points.sum(axis=1) + settings.base_points).clip(0, 100).round().astype(int)
    reasons = _reasons(points, words, settings.reasons_max)
    column = override_column(leads)
    if column is not None:
        override = pd.to_numeric(leads[column], errors="coerce")
        given = override.notna()
        reasons = reasons.where(
            ~given, f"override in '{column}' (computed " + score.astype(str) + "); " + reasons
        )
        score = score.where(~given, override.clip(0, 100).round()).astype(int)
    return pd.DataFrame(
        {s.SCORE: score, s.GRADE: grade(score, settings), s.REASONS: reasons, ENGAGEMENT: points[ENGAGEMENT]},
        index=leads.index,
    )
