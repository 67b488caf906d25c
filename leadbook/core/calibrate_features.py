"""What calibrate learns from: the closed leads, their outcome, and each field's value as a label.

A closed lead is won (Prospects Stage Won) or lost (Stage Lost, or the lead Disqualified); with
the "qualified" target, a prospect against a disqualified lead. Engagement counts only touches
up to the lead's decision date (Qualified on, else Closed on, else when it was disqualified), so
nothing recorded after the outcome leaks in. Fields are the qualifying answers, Source,
engagement and every user column on Leads that is not an ID, a name, free text, a date, or a
column written at or after the outcome.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from leadbook.core import schema as s
from leadbook.core.engagement import known_touches, two_way
from leadbook.core.qualify import first_rows
from leadbook.core.scoring import override_column
from leadbook.core.settings import BLANK_VALUE, OTHER_VALUE, Settings

WON_TARGET, QUALIFIED_TARGET = "won", "qualified"
TARGETS = (WON_TARGET, QUALIFIED_TARGET)
ENGAGEMENT = "Engagement"
INBOUND, TWO_WAY = "inbound touch", "two-way touch"
DISQUALIFIED, PROSPECT = "Disqualified", "Prospect"
TEXT, NUMBER = "text", "number"
MAX_VALUES, MIN_SHARE, MIN_COUNT, BANDS = 20, 0.01, 5, 6
DEFAULT_LAG_DAYS = 30
# Words in a user column's header that say it is written at or after the outcome ("Last activity"
# keeps changing until the lead closes).
AFTER_OUTCOME = re.compile(
    r"^last|status|stage|reason|outcome|result|won|lost|closed|convert|disqualif|churn"
)
IDENTITY = re.compile(
    r"^(ref|key|uuid|guid|no|mail|tel|telephone|mobile|website|linkedin)$|(id|number|name|email|phone|address|url)$"
)
FIXED_INPUTS = (*s.QUESTIONS, s.SOURCE)


@dataclass(frozen=True)
class Field:
    """One input of the card: a Leads column (text values or number bands) or Engagement."""

    name: str
    kind: str  # TEXT, NUMBER or ENGAGEMENT
    values: tuple[str, ...] = ()  # TEXT: the values kept as themselves (rarer ones are "(other)")
    edges: tuple[float, ...] = ()  # NUMBER: band edges

    def labels(self, column: pd.Series) -> pd.Series:
        """Each lead's value as the card names it: the value, a band, '(blank)' or '(other)'."""
        blank = column.isna() | column.astype(str).str.strip().eq("")
        if self.kind == NUMBER:
            numbers = pd.to_numeric(column, errors="coerce")
            names = np.asarray(band_labels(self.edges), dtype=object)
            band = names[np.searchsorted(np.asarray(self.edges), numbers.fillna(0).to_numpy(), side="right")]
            out = pd.Series(band, index=column.index, dtype=object).where(numbers.notna(), OTHER_VALUE)
        else:
            text = column.astype(object).where(blank, column.astype(str).str.strip())
            out = text.where(text.isin(self.values), OTHER_VALUE)
        return out.mask(blank, BLANK_VALUE)


@dataclass
class History:
    """The closed leads (rows of Leads), whether each was won, and engagement up to its decision."""

    leads: pd.DataFrame
    won: pd.Series
    decided: pd.Series
    engagement: pd.DataFrame  # INBOUND, TWO_WAY: decayed touch counts at the decision date


def _number_text(value: float) -> str:
    return f"{value:g}"


def band_labels(edges: tuple[float, ...]) -> list[str]:
    """'under 3', '3 to under 7', '7 or more' for edges (3, 7): the Settings rows scoring reads."""
    if not edges:
        return ["any"]
    text = [_number_text(e) for e in edges]
    middle = [f"{lo} to under {hi}" for lo, hi in zip(text[:-1], text[1:], strict=True)]
    return [f"under {text[0]}", *middle, f"{text[-1]} or more"]


def _outcomes(leads: pd.DataFrame, prospects: pd.DataFrame, target: str) -> tuple[pd.Series, pd.Series]:
    """(closed, won) per lead row, for the target."""
    rows = first_rows(prospects)
    stage = leads[s.LEAD_ID].map(prospects.loc[rows.to_numpy(), s.STAGE].set_axis(rows.index))
    status = leads[s.STATUS].astype(object)
    disqualified = status.eq(DISQUALIFIED)
    if target == QUALIFIED_TARGET:
        positive = leads[s.LEAD_ID].isin(rows.index) | status.eq(PROSPECT)
        return positive | disqualified, positive
    won = stage.eq(s.WON)
    lost = (stage.eq(s.LOST) | disqualified) & ~won
    return won | lost, won


def _dates(ids: pd.Series, by_id: pd.Series) -> pd.Series:
    """The date `by_id` gives each Lead ID (NaT where none), aligned with `ids`."""
    found = pd.to_datetime(by_id, errors="coerce").reindex(ids.to_numpy())
    return pd.Series(found.to_numpy(), index=ids.index, dtype="datetime64[ns]")


def _decision_dates(
    leads: pd.DataFrame, prospects: pd.DataFrame, log: pd.DataFrame | None, today: dt.date
) -> pd.Series:
    """When each lead was decided: Qualified on, else Closed on, else its Log 'Disqualified' row."""
    rows = first_rows(prospects)
    firsts = prospects.loc[rows.to_numpy()].set_axis(rows.index)
    ids = leads[s.LEAD_ID]
    decided = _dates(ids, firsts[s.QUALIFIED_ON])
    decided = decided.fillna(pd.to_datetime(leads[s.QUALIFIED_ON], errors="coerce"))
    decided = decided.fillna(_dates(ids, firsts[s.CLOSED_ON]))
    if log is not None and {s.ACTION, s.WHEN, s.LEAD_ID} <= set(log.columns):
        out = log[log[s.ACTION].astype(str).str.startswith(DISQUALIFIED)]
        when = pd.to_datetime(out[s.WHEN], errors="coerce").groupby(out[s.LEAD_ID]).min()
        decided = decided.fillna(_dates(ids, when))
    created = pd.to_datetime(leads[s.CREATED], errors="coerce")
    lag = (decided - created).dt.days.median()
    lag = DEFAULT_LAG_DAYS if pd.isna(lag) else lag
    decided = decided.fillna(created + pd.Timedelta(days=float(lag)))
    return decided.clip(upper=pd.Timestamp(today)).fillna(pd.Timestamp(today)).dt.normalize()


def _engagement_at(leads: pd.DataFrame, touches: pd.DataFrame, decided: pd.Series, settings: Settings):
    """Decayed inbound and two-way touch counts per lead, counting touches up to its decision date."""
    known = known_touches(leads, touches)
    by_id = pd.Series(decided.to_numpy(), index=leads[s.LEAD_ID].to_numpy())
    when = _dates(known[s.LEAD_ID], by_id[~by_id.index.duplicated()])
    before = known[s.DATE] <= when
    known, when = known.loc[before], when.loc[before]
    decay = np.power(0.5, (when - known[s.DATE]).dt.days.clip(lower=0) / settings.half_life_days)
    counts = pd.DataFrame({
        INBOUND: known[s.DIRECTION].eq(s.IN) * decay, TWO_WAY: two_way(known) * decay, s.LEAD_ID: known[s.LEAD_ID],
    }).groupby(s.LEAD_ID).sum()  # fmt: skip
    return counts.reindex(leads[s.LEAD_ID].to_numpy()).fillna(0.0).set_axis(leads.index)


def closed_history(
    leads: pd.DataFrame,
    prospects: pd.DataFrame,
    touches: pd.DataFrame,
    log: pd.DataFrame | None,
    settings: Settings,
    target: str,
    today: dt.date,
) -> History:
    """The closed leads for the target, oldest Created first, with their outcome and engagement."""
    closed, won = _outcomes(leads, prospects, target)
    rows = leads.loc[closed]
    rows = rows.assign(_created=pd.to_datetime(rows[s.CREATED], errors="coerce")).sort_values(
        "_created", kind="stable", na_position="first"
    )
    rows = rows.drop(columns="_created")
    decided = _decision_dates(rows, prospects, log, today)
    return History(
        rows, won.loc[rows.index].astype(bool), decided, _engagement_at(rows, touches, decided, settings)
    )


def _skip_reason(name: str, column: pd.Series) -> str | None:
    """Why a user column is no input of the card, or None when it is one."""
    key = s.header_key(name)
    if AFTER_OUTCOME.search(key):
        return "recorded at or after the outcome (status, stage, reason)"
    if IDENTITY.search(key):
        return "an ID, name, email, phone or address"
    filled = column[~(column.isna() | column.astype(str).str.strip().eq(""))]
    if filled.empty:
        return "always blank"
    if pd.api.types.is_datetime64_any_dtype(column) or filled.map(lambda v: hasattr(v, "year")).mean() > 0.5:
        return "a date"
    numeric = pd.to_numeric(filled, errors="coerce").notna().mean() > 0.9
    distinct = filled.astype(str).nunique()
    if not numeric and distinct > 20 and distinct > 0.5 * len(filled):
        return "free text (almost every value differs)"
    if distinct < 2:
        return "the same value on every closed lead"
    return None


def _text_field(name: str, column: pd.Series) -> Field:
    text = column.dropna().astype(str).str.strip()
    counts = text[text.ne("")].value_counts()
    least = max(MIN_COUNT, MIN_SHARE * len(column))
    return Field(name, TEXT, tuple(counts[counts >= least].index[:MAX_VALUES]))


def _nice(value: float) -> float:
    """A band edge a person reads easily: two significant figures."""
    return float(f"{value:.2g}") if value else 0.0


def number_field(name: str, column: pd.Series) -> Field:
    """A number column cut at its quartiles (rounded), blank kept apart."""
    numbers = pd.to_numeric(column, errors="coerce").dropna()
    quantiles = np.quantile(numbers, np.linspace(0, 1, BANDS + 1)[1:-1]) if len(numbers) else []
    edges = sorted({_nice(q) for q in quantiles} - {_nice(numbers.min())} if len(numbers) else set())
    return Field(name, NUMBER, edges=tuple(edges))


def candidate_fields(history: History, include: tuple[str, ...] = ()) -> tuple[list[Field], dict[str, str]]:
    """The fields calibrate may use (fitted on the history's leads), and each column left out with why."""
    leads = history.leads
    owned = {*s.LEAD_COLUMNS, override_column(leads)} - set(FIXED_INPUTS)
    forced = {s.header_key(c) for c in include}
    fields, left_out = [], {}
    for name in leads.columns:
        if name in owned:
            continue
        reason = _skip_reason(name, leads[name]) if name not in FIXED_INPUTS else None
        if name in FIXED_INPUTS and leads[name].astype(object).dropna().nunique() == 0:
            reason = "always blank"
        if reason and not (s.header_key(name) in forced and reason != "always blank"):
            left_out[name] = reason
            continue
        filled = leads[name].dropna()
        numeric = name not in FIXED_INPUTS and pd.to_numeric(filled, errors="coerce").notna().mean() > 0.9
        fields.append(number_field(name, leads[name]) if numeric else _text_field(name, leads[name]))
    if (history.engagement.to_numpy() > 0).any():
        fields.append(Field(ENGAGEMENT, ENGAGEMENT))
    else:
        left_out[ENGAGEMENT] = "no touch before the decision on any closed lead"
    return fields, left_out


def label_frame(history: History, fields: list[Field]) -> pd.DataFrame:
    """One column per text or number field: each closed lead's label (Engagement as bands too)."""
    out = {}
    for f in fields:
        if f.kind == ENGAGEMENT:
            counts = history.engagement[TWO_WAY].round().clip(upper=3).astype(int)
            out[f.name] = counts.map(lambda n: f"{n}{'+' if n == 3 else ''} two-way").astype(object)
        else:
            out[f.name] = f.labels(history.leads[f.name])
    return pd.DataFrame(out, index=history.leads.index)
