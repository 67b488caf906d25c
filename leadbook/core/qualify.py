"""Status of every lead and the Qualify plan: which leads become prospects, and the Log of it.

A lead qualifies only when (a) its score reaches the threshold, (b) no gate fails (Need = No or
Eligible = No, as Settings say), and (c) it has had two-way engagement: the seeds' line between
a lead (one-way) and a prospect (two-way dialogue).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from leadbook.core import schema as s
from leadbook.core.plan import AppendRows, Plan, SetCells
from leadbook.core.settings import Settings

NEW, WORKING, NURTURE, QUALIFIED, PROSPECT, DISQUALIFIED = s.STATUSES
NO_TWO_WAY = "no two-way contact yet"
DO_NOT_CONTACT = "do not contact: not moved to Prospects"
DUPLICATE_ID = "Lead ID repeats on Leads: not moved until it is unique (see check)"


def gate_failures(leads: pd.DataFrame, settings: Settings) -> pd.Series:
    """Why a lead is disqualified by a gate ('no need', 'not eligible'), else None."""
    fails = pd.Series(None, index=leads.index, dtype=object)
    if settings.gate_eligible:
        fails = fails.where(leads[s.ELIGIBLE].ne(s.NO), "not eligible")
    if settings.gate_need:
        fails = fails.where(leads[s.NEED].ne(s.NO), "no need")
    return fails


def lead_status(
    leads: pd.DataFrame,
    scores: pd.DataFrame,
    follow: pd.DataFrame,
    prospect_ids: set[str],
    settings: Settings,
) -> pd.DataFrame:
    """Status per lead and Reasons completed with what blocks or disqualifies it."""
    gate = gate_failures(leads, settings)
    moved = leads[s.LEAD_ID].isin(prospect_ids) | leads[s.STATUS].eq(PROSPECT)
    passes = scores[s.SCORE] >= settings.threshold
    engaged = follow["Two-way"].astype(bool)
    nurture = follow["Attempts"] >= settings.max_attempts
    touched = follow[s.TOUCH_COUNT] > 0
    # "Don't contact me" is final (seeds): such a lead is never handed to a rep as a prospect.
    no_contact = follow[s.FOLLOW_UP].astype(str).str.startswith("Do not contact")
    # Two rows with one Lead ID would become two prospects: neither moves until check's fix is made.
    repeated = leads[s.LEAD_ID].notna() & leads[s.LEAD_ID].duplicated(keep=False)
    ready = passes & engaged & ~no_contact & ~repeated
    conditions = [moved, gate.notna(), ready, nurture, touched]
    status = np.select(conditions, [PROSPECT, DISQUALIFIED, QUALIFIED, NURTURE, WORKING], default=NEW)
    reasons = scores[s.REASONS].astype(str)
    reasons = reasons.where(gate.isna() | moved, "disqualified: " + gate.fillna("") + "; " + reasons)
    blocked = ~moved & gate.isna() & passes & ~engaged
    reasons = reasons.where(~blocked, reasons + "; " + NO_TWO_WAY)
    held = ~moved & gate.isna() & passes & engaged
    reasons = reasons.where(~(held & no_contact), reasons + "; " + DO_NOT_CONTACT)
    reasons = reasons.where(~(held & repeated & ~no_contact), reasons + "; " + DUPLICATE_ID)
    return pd.DataFrame({s.STATUS: status, s.REASONS: reasons.str.strip("; ")}, index=leads.index)


def changed_rows(current: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """The rows of `new` where any column differs from `current` (blank equals blank)."""
    differs = np.zeros(len(new), dtype=bool)
    for column in new.columns:
        old = (
            current[column].reindex(new.index)
            if column in current.columns
            else pd.Series(None, index=new.index, dtype=object)
        )
        differs |= ~_same(old, new[column])
    return new.loc[differs]


def _same(old: pd.Series, new: pd.Series) -> np.ndarray:
    """Cell by cell: equal, or both blank ("" writes a blank cell, which reads back as None).

    Two dates, two numbers or two texts are compared in their own types (no Python object per
    cell); anything else as Python objects, as a cell holds them."""
    kind_old, kind_new = _kind(old), _kind(new)
    kinds = {kind_old, kind_new}
    if len(kinds) == 1 and None not in kinds:
        if kinds == {"text"}:
            equal = old.eq(new).to_numpy(dtype=bool, na_value=False)
        else:
            equal = old.to_numpy() == new.to_numpy()
    else:
        equal = old.astype(object).eq(new.astype(object)).to_numpy(dtype=bool)
    return equal | (_blank(old, kind_old) & _blank(new, kind_new))


def _kind(values: pd.Series) -> str | None:
    """ "date", "number" or "text" for a column typed so; None for objects (a cell-by-cell compare)."""
    dtype = values.dtype
    if pd.api.types.is_datetime64_dtype(dtype):
        return "date"
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        return "number" if isinstance(dtype, np.dtype) else None
    if isinstance(dtype, pd.StringDtype):
        return "text"
    return None


def _blank(values: pd.Series, kind: str | None) -> np.ndarray:
    """Blank cells: missing, or "" (a date or number column holds no text)."""
    blank = values.isna().to_numpy(dtype=bool)
    if kind in ("date", "number"):
        return blank
    if kind == "text":
        return blank | values.eq("").to_numpy(dtype=bool, na_value=False)
    return blank | values.astype(object).eq("").to_numpy(dtype=bool)


def first_rows(frame: pd.DataFrame) -> pd.Series:
    """Excel row of each Lead ID's first row in a sheet frame."""
    rows = pd.Series(frame.index.to_numpy(), index=frame[s.LEAD_ID].to_numpy())
    return rows[rows.index.notna() & ~rows.index.duplicated()]


@dataclass
class Outcome:
    """What qualify decided: the plan, and the leads in each group for the report."""

    plan: Plan
    qualified: pd.DataFrame
    blocked: pd.DataFrame
    disqualified: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def _prospect_values(
    leads: pd.DataFrame, status: pd.DataFrame, scores: pd.DataFrame, prospects: pd.DataFrame, today: dt.date
) -> pd.DataFrame:
    """The Prospects row each qualifying lead brings: shared columns, score, grade, stage, date."""
    shared = [
        c
        for c in prospects.columns
        if c in leads.columns and c not in (s.SCORE, s.GRADE, s.QUALIFIED_ON, s.STAGE)
    ]
    values = leads.loc[status.index, shared].copy()
    values[s.SCORE] = scores.loc[status.index, s.SCORE]
    values[s.GRADE] = scores.loc[status.index, s.GRADE]
    values[s.QUALIFIED_ON] = pd.Timestamp(today)
    values[s.STAGE] = QUALIFIED
    return values


def _fill_existing(prospects: pd.DataFrame, values: pd.DataFrame) -> list[SetCells]:
    """Fill only the empty fields of prospect rows that already exist (Salesforce's convert)."""
    rows = first_rows(prospects)
    ops = []
    existing = values[values[s.LEAD_ID].isin(rows.index)].set_index(s.LEAD_ID)
    for column in existing.columns:
        target = prospects.loc[rows[existing.index], column] if column in prospects.columns else None
        empty = target.isna().to_numpy() if target is not None else np.ones(len(existing), bool)
        fill = existing.loc[empty & existing[column].notna().to_numpy(), column]
        if len(fill):
            ops.append(
                SetCells(
                    s.PROSPECTS,
                    pd.DataFrame(
                        {column: fill.to_numpy()}, index=pd.Index(rows[fill.index].to_numpy(), name="row")
                    ),
                )
            )
    return ops


def qualifying_plan(
    leads: pd.DataFrame,
    prospects: pd.DataFrame,
    scores: pd.DataFrame,
    status: pd.DataFrame,
    today: dt.date,
    who: str,
    now: dt.datetime,
) -> Outcome:
    """Decide the Qualify action: move Qualified leads to Prospects, update Leads, log each move."""
    new_leads = pd.DataFrame(index=leads.index)
    for column in (s.SCORE, s.GRADE):
        new_leads[column] = scores[column]
    new_leads[s.REASONS] = status[s.REASONS]
    for column in s.FOLLOW_UP_COLUMNS:  # carried when the caller computed them (services does)
        if column in scores.columns:
            new_leads[column] = scores[column]
    moving = status[s.STATUS].eq(QUALIFIED)
    # A lead someone already put on Prospects by hand: linked, its empty fields filled, not duplicated.
    linking = status[s.STATUS].eq(PROSPECT) & leads[s.STATUS].ne(PROSPECT)
    joining = moving | linking
    new_leads[s.STATUS] = status[s.STATUS].where(~moving, PROSPECT)
    new_leads[s.QUALIFIED_ON] = leads[s.QUALIFIED_ON].where(
        ~joining | leads[s.QUALIFIED_ON].notna(), pd.Timestamp(today)
    )
    if s.FOLLOW_UP in new_leads.columns:  # a prospect's follow-up is the rep's pipeline now
        done = joining & new_leads[s.FOLLOW_UP].ne("Do not contact")
        new_leads.loc[done, s.FOLLOW_UP] = "Done"
        new_leads.loc[done, s.NEXT_TOUCH] = pd.NaT
    values = _prospect_values(leads, status.loc[joining], scores, prospects, today)
    known = set(prospects[s.LEAD_ID].dropna())
    plan = Plan()
    plan.add(SetCells(s.LEADS, changed_rows(leads, new_leads)))
    plan.add(AppendRows(s.PROSPECTS, values[~values[s.LEAD_ID].isin(known)].reset_index(drop=True)))
    for op in _fill_existing(prospects, values):
        plan.add(op)
    log = pd.concat([
        _log(leads.loc[moving], who, now, "Qualified: moved to Prospects", PROSPECT),
        _log(leads.loc[linking], who, now, "Linked to its existing Prospects row", PROSPECT),
        disqualified_log(leads, status, who, now),
    ])  # fmt: skip
    plan.add(AppendRows(s.LOG, log.reset_index(drop=True)))
    blocked = status[s.REASONS].str.endswith(NO_TWO_WAY)
    return Outcome(
        plan=plan,
        qualified=leads.loc[moving],
        blocked=leads.loc[blocked],
        disqualified=leads.loc[status[s.STATUS].eq(DISQUALIFIED)],
    )


def disqualified_log(leads: pd.DataFrame, status: pd.DataFrame, who: str, now: dt.datetime) -> pd.DataFrame:
    """Log rows for leads whose Status becomes Disqualified now (by qualify or refresh)."""
    became = status[s.STATUS].eq(DISQUALIFIED) & leads[s.STATUS].ne(DISQUALIFIED)
    return _log(leads.loc[became], who, now, "Disqualified", DISQUALIFIED, status[s.REASONS])


def _log(
    rows: pd.DataFrame, who: str, now: dt.datetime, action: str, after: str, why: pd.Series | None = None
) -> pd.DataFrame:
    before = "Status " + rows[s.STATUS].fillna("(blank)").astype(str)
    after_text = pd.Series(f"Status {after}", index=rows.index)
    if why is not None:
        after_text = after_text + " (" + why.loc[rows.index].str.split(";").str[0] + ")"
    return pd.DataFrame({
        s.WHEN: pd.Timestamp(now), s.WHO: who, s.ACTION: action, s.LEAD_ID: rows[s.LEAD_ID],
        s.BEFORE: before, s.AFTER: after_text,
    })  # fmt: skip
