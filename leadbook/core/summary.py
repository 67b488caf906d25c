"""The Summary sheet's figures: funnel, conversion by source, the team, aging and persistence.

Pure: cleaned frames and `today` in, frames and a ReplaceSheet plan out. Leads carry the
computed Status and Follow-up columns. Every lead row counts; Prospects rows count through
their Lead ID on Leads. Rates are fractions, 0 when there is nothing to divide by.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd

from leadbook.core import schema as s
from leadbook.core.engagement import known_touches, two_way
from leadbook.core.plan import Block, Chart, ReplaceSheet

QUALIFIED_STATUSES = ("Qualified", "Prospect")
CLOSED_STATUSES = ("Qualified", "Prospect", "Disqualified")
DISQUALIFIED = "Disqualified"
OVERDUE, DUE_TODAY, NO_CONTACT = "Overdue", "Due today", "Do not contact"
NONE_LABEL = "(none)"
OVERDUE_BUCKETS = ((1, 2), (3, 7), (8, 14), (15, None))
ATTEMPT_BUCKETS = ((1, 1), (2, 2), (3, 3), (4, 5), (6, 7), (8, 10), (11, None))
# "Most people stop after 2" (DOMAIN.md): a lead nobody reached, tried 1-2 times, left 14+ days.
DROPPED_ATTEMPTS, DROPPED_AFTER_DAYS = 2, 14
RECENT_DAYS = 7
CHART_COLUMN_GAP, CHART_ROWS = 2, 20
REFERRAL = "Referral"
FUNNEL_PERCENT = ("Step rate", "Of leads")
SOURCE_PERCENT = ("Qualified %", "Prospect %", "Won %", "Lead to won %")


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as stripped text, "" where blank or absent (Status, Follow-up, Source...)."""
    if column not in frame.columns:
        return pd.Series("", index=frame.index, dtype=object)
    values = frame[column].astype(object)
    return values.where(values.notna(), "").astype(str).str.strip()


def _label(frame: pd.DataFrame, column: str) -> pd.Series:
    text = _text(frame, column)
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
    stage = _text(prospects, s.STAGE)
    won_rows = prospects.loc[stage.eq(s.WON)]
    value = pd.to_numeric(won_rows[s.VALUE], errors="coerce")
    won_value = value.groupby(won_rows[s.LEAD_ID]).sum() if len(won_rows) else pd.Series(dtype=float)
    is_prospect = ids.isin(set(prospects[s.LEAD_ID].dropna())) & ids.notna()
    won = ids.isin(set(won_rows[s.LEAD_ID].dropna())) & ids.notna()
    lost = ids.isin(set(prospects.loc[stage.eq(s.LOST), s.LEAD_ID].dropna())) & ids.notna() & ~won
    return pd.DataFrame(
        {
            "Qualified": _text(leads, s.STATUS).isin(QUALIFIED_STATUSES) | is_prospect,
            "Prospects": is_prospect,
            "Won": won,
            "Lost": lost,
            "Won value": ids.map(won_value).astype(float).fillna(0.0),
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
    """Leads -> touched -> two-way -> qualified -> prospects -> won / lost, with step rates."""
    facts = touch_facts(leads, touches) if facts is None else facts
    out = _outcomes(leads, prospects)
    counts = [
        ("Leads", len(leads)),
        ("Touched", int(facts["Touches"].gt(0).sum())),
        ("Two-way contact", int(facts["To contact"].notna().sum())),
        ("Qualified", int(out["Qualified"].sum())),
        ("Prospects", int(out["Prospects"].sum())),
        ("Won", int(out["Won"].sum())),
        ("Lost", int(out["Lost"].sum())),
    ]
    frame = pd.DataFrame(counts, columns=["Stage", "Leads"])
    # Each step is measured against the stage before it; Won and Lost both against Prospects.
    before = frame["Leads"].shift(1, fill_value=len(leads))
    before.iloc[-1] = frame["Leads"].iloc[-3]
    frame["Step rate"] = rate(frame["Leads"], before)
    frame["Of leads"] = rate(frame["Leads"], pd.Series(len(leads), index=frame.index))
    return frame


def by_source(leads: pd.DataFrame, touches: pd.DataFrame, prospects: pd.DataFrame) -> pd.DataFrame:
    """Per Source: leads, qualified, prospects, won, step conversion rates and value won.

    Value per lead = value won / leads; on the Referral row it is the referral value.
    """
    del touches  # same signature as the other figures; conversion needs no touches
    out = _outcomes(leads, prospects).assign(Leads=1)
    columns = ["Leads", "Qualified", "Prospects", "Won", "Won value"]
    grouped = out[columns].groupby(_label(leads, s.SOURCE).to_numpy()).sum()
    grouped = grouped.sort_index().sort_values("Leads", ascending=False, kind="stable")
    frame = grouped.rename_axis("Source").reset_index()
    for column in ("Leads", "Qualified", "Prospects", "Won"):
        frame[column] = frame[column].astype(int)
    frame.insert(5, "Qualified %", rate(frame["Qualified"], frame["Leads"]))
    frame.insert(6, "Prospect %", rate(frame["Prospects"], frame["Qualified"]))
    frame.insert(7, "Won %", rate(frame["Won"], frame["Prospects"]))
    frame.insert(8, "Lead to won %", rate(frame["Won"], frame["Leads"]))
    frame["Value per lead"] = rate(frame["Won value"], frame["Leads"])
    return frame


def referral_value(leads: pd.DataFrame, prospects: pd.DataFrame) -> pd.DataFrame:
    """One row: Referral leads, how many were won, the value won, and that value per lead."""
    referral = _text(leads, s.SOURCE).eq(REFERRAL)
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


def _open(leads: pd.DataFrame) -> pd.Series:
    """Leads still being worked: not Qualified/Prospect/Disqualified, not Do not contact."""
    closed = _text(leads, s.STATUS).isin(CLOSED_STATUSES)
    return ~closed & ~_text(leads, s.FOLLOW_UP).str.startswith(NO_CONTACT)


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


def by_owner(
    leads: pd.DataFrame,
    touches: pd.DataFrame,
    today: dt.date,
    holidays: Iterable[dt.date] = (),
    *,
    facts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per Owner: open, overdue and due-today leads, touches in the last 7 days, two medians.

    Touches count for the touch's Owner (who made it), else the lead's. Medians are blank for
    an owner with no lead to measure.
    """
    follow = _text(leads, s.FOLLOW_UP)
    facts = touch_facts(leads, touches) if facts is None else facts
    per_lead = pd.DataFrame(
        {
            "Open leads": _open(leads),
            "Overdue": follow.str.startswith(OVERDUE),
            "Due today": follow.str.startswith(DUE_TODAY),
            "Touches to contact": facts["To contact"],
            "Speed to lead (days)": speed_to_lead(leads, facts["First touch"], holidays),
        }
    )
    owners = _label(leads, s.OWNER).to_numpy()
    counts = per_lead[["Open leads", "Overdue", "Due today"]].groupby(owners).sum().astype(int)
    medians = per_lead[["Touches to contact", "Speed to lead (days)"]].groupby(owners).median()
    known = known_touches(leads, touches)
    start = pd.Timestamp(today) - pd.Timedelta(days=RECENT_DAYS - 1)
    recent = known.loc[known[s.DATE].dt.normalize().between(start, pd.Timestamp(today))]
    lead_owner = leads.drop_duplicates(s.LEAD_ID).set_index(s.LEAD_ID)[s.OWNER]
    fallback = recent[[s.LEAD_ID]].assign(**{s.OWNER: recent[s.LEAD_ID].map(lead_owner)})
    who = _text(recent, s.OWNER).mask(lambda w: w.eq(""), _label(fallback, s.OWNER))
    touched = who.value_counts().rename("Touches 7 days")
    names = sorted(set(counts.index) | set(touched.index), key=lambda n: (n == NONE_LABEL, n.lower()))
    frame = counts.reindex(names, fill_value=0)
    frame.insert(3, "Touches 7 days", touched.reindex(names, fill_value=0).astype(int))
    frame = frame.join(medians).rename_axis("Owner").reset_index()
    return frame


def overdue_days(leads: pd.DataFrame) -> pd.Series:
    """Days overdue parsed from Follow-up ("Overdue 3 days · ..."), NaN when not overdue."""
    found = _text(leads, s.FOLLOW_UP).str.extract(r"^Overdue\s+(\d+)", expand=False)
    return pd.to_numeric(found, errors="coerce").astype(float)


def aging(
    leads: pd.DataFrame,
    today: dt.date,
    touches: pd.DataFrame | None = None,
    *,
    facts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Overdue leads by days overdue, and open leads untouched since Created.

    Untouched counts from the touches when given, else from the Leads' own Touches column.
    """
    del today  # Follow-up already states the days overdue as of the refresh
    late = overdue_days(leads)
    rows = [
        (_bucket_label(lo, hi, "days overdue"), int(_in_bucket(late, lo, hi).sum()))
        for lo, hi in OVERDUE_BUCKETS
    ]
    if facts is not None or touches is not None:
        count = (touch_facts(leads, touches) if facts is None else facts)["Touches"]
    else:
        count = pd.to_numeric(leads.get(s.TOUCH_COUNT, pd.Series(0, index=leads.index)), errors="coerce")
    rows.append(("Untouched since Created", int((_open(leads) & count.fillna(0).eq(0)).sum())))
    return pd.DataFrame(rows, columns=["Aging", "Leads"])


def persistence(
    leads: pd.DataFrame, touches: pd.DataFrame, today: dt.date, *, facts: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Touched leads by attempts up to the first two-way touch, and those dropped too soon.

    The last row (a subset of "Not yet connected") counts leads never reached, tried 1-2
    times, last touched over 14 days ago, and not Disqualified or Do not contact.
    """
    facts = touch_facts(leads, touches) if facts is None else facts
    touched = facts["Touches"].gt(0)
    attempts = facts["To contact"]
    rows = [(_bucket_label(lo, hi), int(_in_bucket(attempts, lo, hi).sum())) for lo, hi in ATTEMPT_BUCKETS]
    waiting = touched & attempts.isna()
    rows.append(("Not yet connected", int(waiting.sum())))
    stale = facts["Last touch"] < pd.Timestamp(today) - pd.Timedelta(days=DROPPED_AFTER_DAYS)
    excluded = (
        _text(leads, s.STATUS).eq(DISQUALIFIED)
        | _text(leads, s.FOLLOW_UP).str.startswith(NO_CONTACT)
        | _text(leads, s.DO_NOT_CONTACT).eq(s.YES)
    )
    dropped = waiting & facts["Touches"].le(DROPPED_ATTEMPTS) & stale & ~excluded
    rows.append((f"Dropped after {DROPPED_ATTEMPTS} or fewer", int(dropped.sum())))
    frame = pd.DataFrame(rows, columns=["Attempts", "Leads"])
    frame["Share"] = rate(frame["Leads"], pd.Series(int(touched.sum()), index=frame.index))
    return frame


def _layout(titled: list[tuple[str, pd.DataFrame, tuple[str, ...]]], first_row: int) -> list[Block]:
    """Blocks one under another: title row, header row, body, one blank row."""
    blocks, row = [], first_row
    for title, frame, percent in titled:
        blocks.append(Block(title, frame, row, 1, percent))
        row += 2 + len(frame) + 1
    return blocks


def _charts(blocks: list[Block], specs: list[tuple[str, str, int, tuple[str, ...]]]) -> list[Chart]:
    """Charts right of the widest table, each beside its block and below the previous chart."""
    column = max((b.column + len(b.frame.columns) for b in blocks), default=1) + CHART_COLUMN_GAP - 1
    letter = _column_letter(column)
    charts, next_row = [], blocks[0].row if blocks else 1
    for kind, title, block, values in specs:
        row = max(blocks[block].row, next_row)
        charts.append(Chart(kind, title, block, values, f"{letter}{row}"))
        next_row = row + CHART_ROWS
    return charts


def _column_letter(column: int) -> str:
    letters = ""
    while column:
        column, rem = divmod(column - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def summary_plan(
    leads: pd.DataFrame,
    touches: pd.DataFrame,
    prospects: pd.DataFrame,
    today: dt.date,
    holidays: Iterable[dt.date] = (),
) -> ReplaceSheet:
    """The whole Summary sheet as a plan op: heading, six tables and three native charts."""
    facts = touch_facts(leads, touches)  # shared: the costly step at 1M touches
    titled = [
        ("Funnel (step rate: share of the stage before; Won and Lost of Prospects)",
         funnel(leads, touches, prospects, facts=facts), FUNNEL_PERCENT),
        ("By source (each % is a step: of leads, of qualified, of prospects; Lead to won of leads)",
         by_source(leads, touches, prospects), SOURCE_PERCENT),
        ("Referral value (value won from Referral leads per Referral lead)",
         referral_value(leads, prospects), ()),
        ("By owner (medians: touches to first two-way contact; business days to first touch)",
         by_owner(leads, touches, today, holidays, facts=facts), ()),
        ("Aging", aging(leads, today, facts=facts), ()),
        ("Persistence: touches up to and including the first two-way contact, touched leads",
         persistence(leads, touches, today, facts=facts), ("Share",)),
    ]  # fmt: skip
    blocks = _layout(titled, first_row=3)
    charts = _charts(
        blocks,
        [
            ("bar", "Funnel", 0, ("Leads",)),
            ("bar", "Conversion by source", 1, ("Qualified %", "Lead to won %")),
            ("column", "Overdue leads by owner", 3, ("Overdue",)),
        ],
    )
    heading = f"Summary as of {pd.Timestamp(today):%Y-%m-%d}"
    return ReplaceSheet(s.SUMMARY, heading, blocks, charts)
