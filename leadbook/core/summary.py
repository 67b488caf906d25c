"""The Summary's figures: funnel, conversion by source, the team, and follow-up health.

Pure: cleaned frames and `today` in, frames out (the sheet's layout is `core.dashboard`).
Leads carry the computed Status and Follow-up columns. Every lead row counts; Prospects rows
count through their Lead ID on Leads. Rates are fractions, 0 when there is nothing to divide by.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd

from leadbook.core import schema as s
from leadbook.core.engagement import known_touches, two_way

QUALIFIED_STATUSES = ("Qualified", "Prospect")
CLOSED_STATUSES = ("Qualified", "Prospect", "Disqualified")
DISQUALIFIED = "Disqualified"
OVERDUE, DUE_TODAY, NO_CONTACT = "Overdue", "Due today", "Do not contact"
NONE_LABEL, OTHER_LABEL = "(none)", "(other)"
OVERDUE_BUCKETS = ((1, 2), (3, 7), (8, 14), (15, None))
ATTEMPT_BUCKETS = ((1, 1), (2, 2), (3, 3), (4, 5), (6, 7), (8, 10), (11, None))
# "Most people stop after 2" (DOMAIN.md): a lead nobody reached, tried 1-2 times, left 14+ days.
DROPPED_ATTEMPTS, DROPPED_AFTER_DAYS = 2, 14
RECENT_DAYS = 7
REFERRAL = "Referral"
FUNNEL_PERCENT = ("Step rate", "Of leads")
SOURCE_PERCENT = ("Connect %", "Qualify %", "Win %", "Lead to won %")
STAGES = ("Leads", "Touched", "Connected", "Qualified", "Won")


def text_of(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as stripped text, "" where blank or absent (Status, Follow-up, Source...)."""
    if column not in frame.columns:
        return pd.Series("", index=frame.index, dtype=object)
    values = frame[column].astype(object)
    return values.where(values.notna(), "").astype(str).str.strip()


def label_of(frame: pd.DataFrame, column: str) -> pd.Series:
    text = text_of(frame, column)
    return text.mask(text.eq(""), NONE_LABEL)


def rate(numerator: object, denominator: object) -> object:
    """numerator / denominator, 0 where the denominator is 0 (scalars or aligned Series)."""
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    out = np.divide(num, den, out=np.zeros(np.broadcast(num, den).shape), where=den != 0)
    if isinstance(numerator, pd.Series):
        return pd.Series(out, index=numerator.index)
    return float(out) if out.ndim == 0 else out


def _bucket_label(low: int, high: int | None, unit: str = "") -> str:
    text = f"{low}+" if high is None else (f"{low}" if low == high else f"{low}-{high}")
    return f"{text} {unit}".strip()


def _in_bucket(values: pd.Series, low: int, high: int | None) -> pd.Series:
    return values.ge(low) & (values.le(high) if high is not None else True)


def touch_facts(leads: pd.DataFrame, touches: pd.DataFrame) -> pd.DataFrame:
    """Per lead row: Touches, First/Last touch dates, and touches up to the first two-way one.

    Touches on one date keep their sheet order (index = Excel row), so a same-day reply after a
    call counts the call as an attempt. "To contact" is NaN for a lead never reached two-way.
    """
    known = known_touches(leads, touches).sort_index()
    ids = pd.Index(leads[s.LEAD_ID].dropna().unique())
    code = ids.get_indexer(known[s.LEAD_ID])
    dates = known[s.DATE].to_numpy()
    # Integer codes and numpy sorts: this runs on a million touches at every refresh.
    order = np.lexsort((np.arange(len(code)), dates.astype("int64"), code))
    code, dates, answered = code[order], dates[order], two_way(known).to_numpy()[order]
    new_lead = np.r_[True, code[1:] != code[:-1]] if len(code) else np.zeros(0, bool)
    starts = np.flatnonzero(new_lead)
    sizes = np.diff(np.r_[starts, len(code)])
    ends = starts + sizes - 1
    position = np.arange(len(code)) - np.repeat(starts, sizes) + 1
    first_answer, at = np.unique(code[answered], return_index=True)
    per_id = len(ids) + 1  # the last slot is for a lead row without a Lead ID
    count, contact = np.zeros(per_id, int), np.full(per_id, np.nan)
    first, last = (np.full(per_id, np.datetime64("NaT"), dtype=dates.dtype) for _ in range(2))
    count[code[starts]] = sizes
    first[code[starts]], last[code[starts]] = dates[starts], dates[ends]
    contact[first_answer] = position[answered][at]
    row = ids.get_indexer(leads[s.LEAD_ID])
    return pd.DataFrame(
        {
            "Touches": count[row],
            "First touch": first[row],
            "Last touch": last[row],
            "To contact": contact[row],
        },
        index=leads.index,
    )


def _outcomes(leads: pd.DataFrame, prospects: pd.DataFrame) -> pd.DataFrame:
    """Per lead row: qualified, prospect, won, lost flags and the value won."""
    ids = leads[s.LEAD_ID]
    stage = text_of(prospects, s.STAGE)
    won_rows = prospects.loc[stage.eq(s.WON)]
    value = pd.to_numeric(won_rows[s.VALUE], errors="coerce")
    won_value = value.groupby(won_rows[s.LEAD_ID]).sum() if len(won_rows) else pd.Series(dtype=float)
    is_prospect = ids.isin(set(prospects[s.LEAD_ID].dropna())) & ids.notna()
    won = ids.isin(set(won_rows[s.LEAD_ID].dropna())) & ids.notna()
    lost = ids.isin(set(prospects.loc[stage.eq(s.LOST), s.LEAD_ID].dropna())) & ids.notna() & ~won
    return pd.DataFrame(
        {
            "Qualified": text_of(leads, s.STATUS).isin(QUALIFIED_STATUSES) | is_prospect,
            "Prospects": is_prospect,
            "Won": won,
            "Lost": lost,
            "Won value": ids.map(won_value).astype(float).fillna(0.0),
        },
        index=leads.index,
    )


def reached(leads: pd.DataFrame, prospects: pd.DataFrame, facts: pd.DataFrame) -> pd.DataFrame:
    """Per lead row: True for each funnel stage up to the furthest it reached, plus Lost.

    Connected = a two-way touch; Qualified = met the rule (Status Qualified, not yet moved) or
    moved to Prospects. A later stage implies the earlier ones (a prospect adopted without
    touches still counts as touched and connected).
    """
    out = _outcomes(leads, prospects)
    qualified = out["Qualified"] | out["Won"]
    connected = facts["To contact"].notna() | qualified
    touched = facts["Touches"].gt(0) | connected
    return pd.DataFrame(
        {
            "Leads": True,
            "Touched": touched,
            "Connected": connected,
            "Qualified": qualified,
            "Won": out["Won"],
            "Lost": out["Lost"],
            "Won value": out["Won value"],
        },
        index=leads.index,
    )


def funnel(
    leads: pd.DataFrame,
    touches: pd.DataFrame,
    prospects: pd.DataFrame,
    *,
    facts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Leads -> touched -> connected (two-way) -> qualified -> won: leads that reached each stage."""
    facts = touch_facts(leads, touches) if facts is None else facts
    flags = reached(leads, prospects, facts)
    frame = pd.DataFrame({"Stage": list(STAGES), "Leads": [int(flags[k].sum()) for k in STAGES]})
    frame["Step rate"] = rate(frame["Leads"], frame["Leads"].shift(1, fill_value=len(leads)))
    frame["Of leads"] = rate(frame["Leads"], pd.Series(len(leads), index=frame.index))
    return frame


def with_other_sources(leads: pd.DataFrame, typed: pd.Series | None) -> pd.DataFrame:
    """Leads whose Source was typed but is not on the list (clean blanked it) read "(other)"."""
    if typed is None or s.SOURCE not in leads.columns:
        return leads
    given = typed.reindex(leads.index).astype(object)
    given = given.where(given.notna(), "").astype(str).str.strip().ne("")
    other = leads[s.SOURCE].isna() & given
    return leads.assign(**{s.SOURCE: leads[s.SOURCE].astype(object).mask(other, OTHER_LABEL)})


def by_source(
    leads: pd.DataFrame, touches: pd.DataFrame, prospects: pd.DataFrame, *, facts: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per Source: leads, then each step's rate (connect, qualify, win), won count and value.

    Connect % = connected / leads, Qualify % = qualified / connected, Win % = won / qualified,
    Lead to won % = won / leads; Value per lead = value won / leads (Referral: referral value).
    """
    facts = touch_facts(leads, touches) if facts is None else facts
    flags = reached(leads, prospects, facts)
    columns = ["Leads", "Connected", "Qualified", "Won", "Won value"]
    grouped = flags[columns].astype(float).groupby(label_of(leads, s.SOURCE).to_numpy()).sum()
    last = grouped.index.isin((NONE_LABEL, OTHER_LABEL))
    grouped = (
        grouped.assign(_last=last)
        .sort_index()
        .sort_values(["_last", "Leads"], ascending=[True, False], kind="stable")
    )
    g = grouped.drop(columns="_last")
    frame = pd.DataFrame({
        "Source": g.index,
        "Leads": g["Leads"].astype(int).to_numpy(),
        "Connect %": rate(g["Connected"], g["Leads"]).to_numpy(),
        "Qualify %": rate(g["Qualified"], g["Connected"]).to_numpy(),
        "Win %": rate(g["Won"], g["Qualified"]).to_numpy(),
        "Won": g["Won"].astype(int).to_numpy(),
        "Lead to won %": rate(g["Won"], g["Leads"]).to_numpy(),
        "Won value": g["Won value"].to_numpy(),
        "Value per lead": rate(g["Won value"], g["Leads"]).to_numpy(),
    })  # fmt: skip
    return frame


def referral_value(leads: pd.DataFrame, prospects: pd.DataFrame) -> pd.DataFrame:
    """One row: Referral leads, how many were won, the value won, and that value per lead."""
    referral = text_of(leads, s.SOURCE).eq(REFERRAL)
    out = _outcomes(leads, prospects).loc[referral]
    leads_n, value = int(referral.sum()), float(out["Won value"].sum())
    return pd.DataFrame(
        {
            "Referral leads": [leads_n],
            "Won": [int(out["Won"].sum())],
            "Won value": [value],
            "Referral value": [rate(value, leads_n)],
        }
    )


def is_open(leads: pd.DataFrame) -> pd.Series:
    """Leads still being worked: not Qualified/Prospect/Disqualified, not Do not contact."""
    closed = text_of(leads, s.STATUS).isin(CLOSED_STATUSES)
    return ~closed & ~text_of(leads, s.FOLLOW_UP).str.startswith(NO_CONTACT)


def speed_to_lead(leads: pd.DataFrame, first_touch: pd.Series, holidays: Iterable[dt.date] = ()) -> pd.Series:
    """Business days from Created to the first touch (NaN without both; 0 if touched first)."""
    both = leads[s.CREATED].notna() & first_touch.notna()
    days = pd.Series(np.nan, index=leads.index)
    if both.any():
        start = leads.loc[both, s.CREATED].to_numpy().astype("datetime64[D]")
        end = first_touch[both].to_numpy().astype("datetime64[D]")
        off = np.array([np.datetime64(d, "D") for d in holidays], dtype="datetime64[D]")
        days[both] = np.maximum(np.busday_count(start, end, holidays=off), 0)
    return days


def stopped(leads: pd.DataFrame, facts: pd.DataFrame, today: dt.date) -> pd.Series:
    """Per lead: never reached two-way, Overdue, and last touched over 14 days ago.

    The cadence wanted a touch that did not come (Disqualified, Do not contact and Nurture leads
    are never Overdue). With 1-2 touches it is "abandoned after 2 or fewer" (the seeds: most
    people stop after two, while it takes 8-10 touches to connect).
    """
    waiting = facts["Touches"].gt(0) & facts["To contact"].isna()
    stale = facts["Last touch"] < pd.Timestamp(today) - pd.Timedelta(days=DROPPED_AFTER_DAYS)
    overdue = text_of(leads, s.FOLLOW_UP).str.startswith(OVERDUE) & is_open(leads)
    return waiting & stale & overdue & ~text_of(leads, s.DO_NOT_CONTACT).eq(s.YES)


def abandoned(leads: pd.DataFrame, facts: pd.DataFrame, today: dt.date) -> pd.Series:
    """Per lead: stopped after 2 or fewer touches (see `stopped`)."""
    return stopped(leads, facts, today) & facts["Touches"].le(DROPPED_ATTEMPTS)


def by_owner(
    leads: pd.DataFrame,
    touches: pd.DataFrame,
    today: dt.date,
    holidays: Iterable[dt.date] = (),
    *,
    facts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per Owner: open, overdue, due-today and abandoned leads, touches in 7 days, two medians.

    Touches count for the touch's Owner (who made it), else the lead's. Medians are blank for
    an owner with no lead to measure.
    """
    follow = text_of(leads, s.FOLLOW_UP)
    facts = touch_facts(leads, touches) if facts is None else facts
    per_lead = pd.DataFrame(
        {
            "Open leads": is_open(leads),
            "Overdue": follow.str.startswith(OVERDUE),
            "Due today": follow.str.startswith(DUE_TODAY),
            "Abandoned": abandoned(leads, facts, today),
            "Touches to connect": facts["To contact"],
            "Speed to lead (days)": speed_to_lead(leads, facts["First touch"], holidays),
        }
    )
    owners = label_of(leads, s.OWNER).to_numpy()
    flags = ["Open leads", "Overdue", "Due today", "Abandoned"]
    counts = per_lead[flags].groupby(owners).sum().astype(int)
    medians = per_lead[["Touches to connect", "Speed to lead (days)"]].groupby(owners).median()
    known = known_touches(leads, touches)
    start = pd.Timestamp(today) - pd.Timedelta(days=RECENT_DAYS - 1)
    recent = known.loc[known[s.DATE].dt.normalize().between(start, pd.Timestamp(today))]
    lead_owner = leads.drop_duplicates(s.LEAD_ID).set_index(s.LEAD_ID)[s.OWNER]
    fallback = recent[[s.LEAD_ID]].assign(**{s.OWNER: recent[s.LEAD_ID].map(lead_owner)})
    who = text_of(recent, s.OWNER).mask(lambda w: w.eq(""), label_of(fallback, s.OWNER))
    touched = who.value_counts().rename("Touches 7 days")
    names = sorted(set(counts.index) | set(touched.index), key=lambda n: (n == NONE_LABEL, n.lower()))
    frame = counts.reindex(names, fill_value=0)
    frame.insert(3, "Touches 7 days", touched.reindex(names, fill_value=0).astype(int))
    frame = frame.join(medians).rename_axis("Owner").reset_index()
    return frame


def overdue_days(leads: pd.DataFrame) -> pd.Series:
    """Days overdue parsed from Follow-up ("Overdue 3 days · ..."), NaN when not overdue."""
    found = text_of(leads, s.FOLLOW_UP).str.extract(r"^Overdue\s+(\d+)", expand=False)
    return pd.to_numeric(found, errors="coerce").astype(float)


def aging(
    leads: pd.DataFrame,
    today: dt.date,
    touches: pd.DataFrame | None = None,
    *,
    facts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Follow-up health of the open leads: on plan, due today, overdue by days, never touched.

    "On plan" is Planned or Nurture (the next touch is ahead). Untouched counts from the
    touches when given, else from the Leads' own Touches column (it overlaps the other rows).
    """
    del today  # Follow-up already states the days overdue as of the refresh
    follow, open_ = text_of(leads, s.FOLLOW_UP), is_open(leads)
    late = overdue_days(leads)
    rows = [
        (
            "On plan",
            int((open_ & (follow.str.startswith("Planned") | follow.str.startswith("Nurture"))).sum()),
        ),
        ("Due today", int((open_ & follow.str.startswith(DUE_TODAY)).sum())),
    ]
    rows += [
        (_bucket_label(lo, hi, "days overdue"), int((open_ & _in_bucket(late, lo, hi)).sum()))
        for lo, hi in OVERDUE_BUCKETS
    ]
    if facts is not None or touches is not None:
        count = (touch_facts(leads, touches) if facts is None else facts)["Touches"]
    else:
        count = pd.to_numeric(leads.get(s.TOUCH_COUNT, pd.Series(0, index=leads.index)), errors="coerce")
    rows.append(("Never touched", int((open_ & count.fillna(0).eq(0)).sum())))
    return pd.DataFrame(rows, columns=["Follow-up", "Open leads"])
