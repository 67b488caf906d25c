"""Follow-up: when each lead's next touch is due, and what it should be.

Rules, in order of precedence (the first that applies decides the Follow-up state):
- Counts use only known touches (a Date and a Lead ID on Leads). Attempts = one-way touches
  dated after the lead's latest two-way touch (same-day touches belong to that contact).
- Do not contact: the lead's flag is Yes, or a touch's Outcome ("Do not call" / "Not
  interested") whose Settings rule is No contact. Final: nothing is due. Wins over Done.
- Done: Status Prospect or Disqualified; nothing is due here.
- Promise: the Next date of the latest touch that has one (the latest of them on a tie),
  unless a touch already happened on or after it (a kept promise). Beats cadence and nurture.
- First touch: no touch yet, due first_touch_days business days after Created (today if blank).
- Nurture: Attempts >= max_attempts (0 turns this off), or an Outcome whose rule is Nurture
  with no two-way touch after it: due nurture_days calendar days after the last touch, rolled
  to a business day. State "Nurture" while that is ahead, else Overdue / Due today · nurture.
- Cadence: last touch + cadence_days[min(max(Attempts, 1), len) - 1] business days.
- N business days after a weekend or holiday count from the business day before it.
- No calls: the Do not call flag, or an Outcome whose rule is No calls: next kind is Email.
- Due: next < today is "Overdue N days" (calendar days), == today "Due today", else "Planned".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd

from leadbook.core import schema as s
from leadbook.core.engagement import TouchLeads, known_with_leads, positions, two_way
from leadbook.core.settings import NO_CALLS, NO_CONTACT, NURTURE, Settings

ATTEMPTS, NEXT_KIND, TWO_WAY = "Attempts", "Next kind", "Two-way"
DONE_STATUSES = ("Prospect", "Disqualified")
SPEED_TO_LEAD = "first touch: reply fast, speed to lead matters"
NO_CALLS_DETAIL = "email or letter only (do not call)"


def business_days_after(
    dates: pd.Series, days: np.ndarray | int, holidays: Iterable[dt.date] = ()
) -> pd.Series:
    """Each date plus `days` business days, skipping weekends and holidays (NaT stays NaT)."""
    start = dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    off = np.broadcast_to(np.asarray(days, dtype=np.int64), start.shape)
    hol = np.asarray(list(holidays), dtype="datetime64[D]")
    later = np.busday_offset(start, off, roll="backward", holidays=hol)
    # Zero days from a weekend means the next business day, not the one before.
    same = np.busday_offset(start, 0, roll="forward", holidays=hol)
    return pd.Series(np.where(off > 0, later, same).astype("datetime64[ns]"), index=dates.index)


_NAT = np.iinfo(np.int64).min  # NaT as int64: below every date, so a max ignores it


def _lead_facts(
    leads: pd.DataFrame, touches: pd.DataFrame, settings: Settings, found: TouchLeads | None
) -> pd.DataFrame:
    """Per-lead touch facts, indexed like leads: counts, dates, attempts and outcome rules.

    Each known touch carries its lead's position among the distinct Lead IDs, so every fact is a
    count or a maximum per position (numpy's bincount and maximum.at, no groupby); dates are
    compared as int64 nanoseconds, NaT being the smallest.
    """
    known, ids, code = known_with_leads(leads, touches, found)
    slots = len(ids) + 1  # the last slot: a lead without an ID, or not among the touches
    date = _ns(known[s.DATE])
    following = _ns(known[s.NEXT_DATE])
    answered = two_way(known).to_numpy(dtype=bool)
    rules = {s.OUTCOME_DO_NOT_CALL: settings.do_not_call_means}
    rules[s.OUTCOME_NOT_INTERESTED] = settings.not_interested_means

    def ruled(rule: str) -> np.ndarray:
        outcomes = [outcome for outcome, means in rules.items() if means == rule]
        return known[s.OUTCOME].isin(outcomes).to_numpy(dtype=bool)

    def latest(values: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
        out = np.full(slots, _NAT, dtype=np.int64)
        np.maximum.at(out, code if where is None else code[where], values if where is None else values[where])
        return out

    def count(where: np.ndarray) -> np.ndarray:
        return np.bincount(code[where], minlength=slots)

    last_two_way = latest(date, answered)[code]
    since = (last_two_way == _NAT) | (date > last_two_way)
    standing = (last_two_way == _NAT) | (date >= last_two_way)
    promised_on = latest(date, following != _NAT)[code]
    promise = np.where(date == promised_on, following, _NAT)
    lead = positions(ids, leads[s.LEAD_ID])  # -1, a lead without touches: the last slot
    facts = {
        "count": np.bincount(code, minlength=slots),
        "last": latest(date).view("datetime64[ns]"),
        "promise": latest(promise).view("datetime64[ns]"),
        ATTEMPTS: count(~answered & since),
        TWO_WAY: count(answered) > 0,
        "no_calls": count(ruled(NO_CALLS)) > 0,
        "no_contact": count(ruled(NO_CONTACT)) > 0,
        "nurture": count(ruled(NURTURE) & standing) > 0,
    }
    return pd.DataFrame({name: values[lead] for name, values in facts.items()}, index=leads.index)


def _ns(dates: pd.Series) -> np.ndarray:
    """Dates at midnight as int64 nanoseconds (NaT as `_NAT`)."""
    return dates.dt.normalize().to_numpy(dtype="datetime64[ns]").view(np.int64)


def _next_touch(
    leads: pd.DataFrame, f: pd.DataFrame, settings: Settings, today: pd.Timestamp
) -> pd.DataFrame:
    """The next touch date and why, before the state word is chosen."""
    hol = settings.holidays
    cadence = np.asarray(settings.cadence_days)
    step = cadence[np.clip(f[ATTEMPTS].to_numpy(), 1, len(cadence)) - 1]
    created = leads[s.CREATED].dt.normalize()
    first = business_days_after(created, settings.first_touch_days, hol).fillna(today)
    nurture_on = business_days_after(f["last"] + pd.Timedelta(days=settings.nurture_days), 0, hol)
    touched = f["count"] > 0
    promised = f["promise"].notna() & ~(f["last"] >= f["promise"])
    persisted = (f[ATTEMPTS] >= settings.max_attempts) & (settings.max_attempts > 0)
    nurture = touched & ~promised & (persisted | f["nurture"])
    next_on = business_days_after(f["last"], step, hol)
    next_on = next_on.mask(nurture, nurture_on).mask(~touched, first).mask(promised, f["promise"])
    why = pd.Series("", index=f.index, dtype=object)
    why = why.mask(nurture & f["nurture"], "after Not interested")
    why = why.mask(nurture & persisted, f[ATTEMPTS].astype(str) + " attempts without a reply")
    why = why.mask(promised, "promised " + f["promise"].dt.strftime("%Y-%m-%d"))
    why = why.mask(~touched, SPEED_TO_LEAD)
    return pd.DataFrame({"next": next_on, "why": why, "nurture": nurture})


def follow_up(
    leads: pd.DataFrame,
    touches: pd.DataFrame,
    settings: Settings,
    today: dt.date,
    found: TouchLeads | None = None,
) -> pd.DataFrame:
    """Touches, Last touch, Next touch, Follow-up, Attempts, Next kind, Two-way for each lead
    (`found`: `engagement.touch_leads` of these frames, if already worked out)."""
    today = pd.Timestamp(today)
    f = _lead_facts(leads, touches, settings, found)
    n = _next_touch(leads, f, settings, today)
    status = leads[s.STATUS] if s.STATUS in leads.columns else pd.Series(None, index=leads.index)
    no_contact = leads[s.DO_NOT_CONTACT].eq(s.YES) | f["no_contact"]
    closed = no_contact | status.isin(DONE_STATUSES)
    no_calls = leads[s.DO_NOT_CALL].eq(s.YES) | f["no_calls"]
    late = (today - n["next"]).dt.days
    resting = n["nurture"] & (late < 0)
    plural = np.where(late == 1, " day", " days")
    overdue = "Overdue " + late.astype("Int64").astype(str) + plural
    state = np.select(
        [no_contact, closed, resting, late > 0, late == 0],
        ["Do not contact", "Done", "Nurture", overdue, "Due today"],
        "Planned",
    )
    why = n["why"].mask(n["nurture"] & ~resting, "nurture, " + n["why"])
    why = why.mask(no_calls & why.ne(""), why + "; " + NO_CALLS_DETAIL).mask(
        no_calls & why.eq(""), NO_CALLS_DETAIL
    )
    text = pd.Series(state, index=leads.index).mask(~closed & why.ne(""), state + " · " + why)
    kind = pd.Series(np.where(no_calls, "Email", "Call"), index=leads.index, dtype=object)
    return pd.DataFrame({
        s.TOUCH_COUNT: f["count"],
        s.LAST_TOUCH: f["last"],
        s.NEXT_TOUCH: n["next"].mask(closed),
        s.FOLLOW_UP: text,
        ATTEMPTS: f[ATTEMPTS],
        NEXT_KIND: kind.mask(closed, None),
        TWO_WAY: f[TWO_WAY],
    })  # fmt: skip
