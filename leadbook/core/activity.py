"""The Summary's activity figures: headline, speed to lead, touches to connect, weekly trend.

What managers ask (seeds): is every lead answered fast, do reps keep trying until they connect
(it takes 8-10 touches; most stop after two), and is the team's activity rising or falling.
Pure: frames, `today` and the per-lead `touch_facts` in, frames out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd

from leadbook.core import schema as s
from leadbook.core.engagement import known_touches, two_way
from leadbook.core.summary import (
    DUE_TODAY,
    OVERDUE,
    abandoned,
    is_open,
    label_of,
    rate,
    reached,
    speed_to_lead,
    stopped,
    text_of,
)

CONNECT_TOUCHES = 10  # rows 1..10, then "11+"
SEEDS_CONNECT = ("8", "9", "10")  # "it takes about 8 to 10 touches to connect"
SPEED_BUCKETS = (("Same day", 0, 0), ("1 day", 1, 1), ("2-3 days", 2, 3), ("4+ days", 4, None))
TREND_WEEKS = 12
QUALIFIED_RECENT_DAYS = 30
HEADLINE_PERCENT = ("Connect %", "Win %")


def headline(
    leads: pd.DataFrame,
    prospects: pd.DataFrame,
    facts: pd.DataFrame,
    today: dt.date,
    holidays: Iterable[dt.date] = (),
) -> pd.DataFrame:
    """One row of the figures a manager reads first (definitions in the Summary's notes)."""
    follow = text_of(leads, s.FOLLOW_UP)
    flags = reached(leads, prospects, facts)
    on = pd.to_datetime(prospects[s.QUALIFIED_ON], errors="coerce")
    known = prospects[s.LEAD_ID].isin(set(leads[s.LEAD_ID].dropna()))
    recent = known & on.between(
        pd.Timestamp(today) - pd.Timedelta(days=QUALIFIED_RECENT_DAYS - 1), pd.Timestamp(today)
    )
    decided = int(flags["Won"].sum() + flags["Lost"].sum())
    speed = speed_to_lead(leads, facts["First touch"], holidays)
    return pd.DataFrame({
        "Open leads": [int(is_open(leads).sum())],
        "Overdue": [int((is_open(leads) & follow.str.startswith(OVERDUE)).sum())],
        "Due today": [int((is_open(leads) & follow.str.startswith(DUE_TODAY)).sum())],
        "Connect %": [rate(int(flags["Connected"].sum()), int(flags["Touched"].sum()))],
        f"Qualified {QUALIFIED_RECENT_DAYS} days": [int(prospects.loc[recent, s.LEAD_ID].nunique())],
        "Won": [int(flags["Won"].sum())],
        "Win %": [rate(int(flags["Won"].sum()), decided)],
        "Won value": [float(flags["Won value"].sum())],
        "Speed to lead (days)": [float(speed.median()) if speed.notna().any() else np.nan],
        "Abandoned": [int(abandoned(leads, facts, today).sum())],
    })  # fmt: skip


def speed_by_owner(
    leads: pd.DataFrame, facts: pd.DataFrame, holidays: Iterable[dt.date] = ()
) -> pd.DataFrame:
    """Per Owner: leads first touched the same business day, 1, 2-3, 4+ days after Created.

    "Waiting" counts open leads not touched yet; the median is over the touched leads.
    """
    days = speed_to_lead(leads, facts["First touch"], holidays)
    owners = label_of(leads, s.OWNER)
    columns = {}
    for name, low, high in SPEED_BUCKETS:
        inside = days.ge(low) & (days.le(high) if high is not None else True)
        columns[name] = inside
    columns["Waiting"] = is_open(leads) & facts["Touches"].eq(0)
    counts = pd.DataFrame(columns).groupby(owners.to_numpy()).sum().astype(int)
    counts["Median days"] = days.groupby(owners.to_numpy()).median()
    names = sorted(counts.index, key=lambda n: (n.startswith("("), n.lower()))
    return counts.reindex(names).rename_axis("Owner").reset_index()


def touches_to_connect(leads: pd.DataFrame, facts: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """Per touch number: leads first reached two-way at it, leads stopped at it, share reached by it.

    "Stopped here": never connected, that many touches, the last over 14 days ago and nobody
    closed it (see `summary.stopped`). The seeds' line: it takes 8-10 touches, most stop at 2.
    """
    cap = CONNECT_TOUCHES + 1
    contact = facts["To contact"].clip(upper=cap)
    halted = facts["Touches"].where(stopped(leads, facts, today)).clip(upper=cap)
    positions = pd.RangeIndex(1, cap + 1)
    connected = contact.value_counts().reindex(positions, fill_value=0).astype(int)
    halted_n = halted.value_counts().reindex(positions, fill_value=0).astype(int)
    labels = [str(i) for i in range(1, cap)] + [f"{cap}+"]
    return pd.DataFrame({
        "Touch": labels,
        "Connected here": connected.to_numpy(),
        "Stopped here": halted_n.to_numpy(),
        "Connected by here %": rate(connected.cumsum(), pd.Series(int(connected.sum()), index=positions)).to_numpy(),
    })  # fmt: skip


def _week_start(dates: pd.Series) -> pd.Series:
    day = pd.to_datetime(dates, errors="coerce").dt.normalize()
    return day - pd.to_timedelta(day.dt.day_of_week, unit="D")


def weekly_trend(
    leads: pd.DataFrame,
    touches: pd.DataFrame,
    prospects: pd.DataFrame,
    today: dt.date,
    weeks: int = TREND_WEEKS,
) -> pd.DataFrame:
    """The last `weeks` weeks (Monday to Sunday, this week last): new leads, touches, connects, prospects.

    Connects = leads whose first two-way touch fell in the week; Prospects = Prospects rows of a
    lead on Leads whose Qualified on fell in the week.
    """
    this_week = _week_start(pd.Series([pd.Timestamp(today)])).iloc[0]
    starts = pd.DatetimeIndex([this_week - pd.Timedelta(weeks=k) for k in range(weeks - 1, -1, -1)])
    known = known_touches(leads, touches)
    first_answer = known.loc[two_way(known).to_numpy()].groupby(s.LEAD_ID)[s.DATE].min()
    ids = set(leads[s.LEAD_ID].dropna())
    moved = prospects.loc[prospects[s.LEAD_ID].isin(ids)].drop_duplicates(s.LEAD_ID)
    series = {
        "New leads": _week_start(leads[s.CREATED]),
        "Touches": _week_start(known[s.DATE]),
        "Connects": _week_start(first_answer),
        "Prospects": _week_start(moved[s.QUALIFIED_ON]),
    }
    frame = pd.DataFrame({"Week of": [f"{d:%d %b}" for d in starts]})  # "14 Sep": short chart labels
    for name, week in series.items():
        frame[name] = week.value_counts().reindex(starts, fill_value=0).astype(int).to_numpy()
    return frame
