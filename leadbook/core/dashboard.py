"""The Summary sheet as a plan: a one-screen dashboard of the figures, each with its chart beside.

Headline first (with the "as of" date), then funnel, sources, owners, follow-up health, speed to
lead, touches to connect and the weekly trend. Each table starts in column A; its chart sits
right of it, as tall as the section; a short note under each table says what it counts.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from leadbook.core import schema as s
from leadbook.core.activity import (
    HEADLINE_PERCENT,
    SEEDS_CONNECT,
    headline,
    speed_by_owner,
    touches_to_connect,
    weekly_trend,
)
from leadbook.core.excelref import column_letter
from leadbook.core.plan import Block, Chart, ReplaceSheet
from leadbook.core.summary import (
    FUNNEL_PERCENT,
    SOURCE_PERCENT,
    aging,
    by_owner,
    by_source,
    funnel,
    touch_facts,
)

FIRST_ROW, CHART_GAP_COLUMNS, MIN_CHART_ROWS = 4, 1, 16
NOTE_COLUMNS = 4  # a note wraps over at least this many columns; charts start right of them


@dataclass(frozen=True)
class Section:
    """One table, what it means, and its chart (kind, title, series; None: no chart)."""

    title: str
    frame: pd.DataFrame
    percent: tuple[str, ...]
    note: str
    chart: tuple[str, str, tuple[str, ...]] | None = None
    highlight: tuple[str, ...] = ()


def sections(
    leads: pd.DataFrame,
    touches: pd.DataFrame,
    prospects: pd.DataFrame,
    today: dt.date,
    holidays: Iterable[dt.date] = (),
) -> list[Section]:
    """Every figure of the Summary, in reading order."""
    facts = touch_facts(leads, touches)  # shared: the costly step at 1M touches
    return [
        Section("Headline", headline(leads, prospects, facts, today, holidays), HEADLINE_PERCENT,
                "Open = still being worked. Connect % = touched leads reached two-way. Win % = won of "
                "prospects decided (won or lost). Speed to lead = median business days from Created to "
                "first touch. Abandoned = stopped after 2 or fewer touches, never reached."),
        Section("Funnel", funnel(leads, touches, prospects, facts=facts), FUNNEL_PERCENT,
                "Leads that reached each stage (a later stage counts at every earlier one). Connected = "
                "a two-way touch; Qualified = met the rule or moved to Prospects. Step rate = of the "
                "stage before.",
                ("bar", "Funnel: leads reaching each stage", ("Leads",))),
        Section("Which sources pay", by_source(leads, touches, prospects, facts=facts), SOURCE_PERCENT,
                "Connect % of leads, Qualify % of connected, Win % of qualified, Lead to won % of "
                "leads. Value per lead = value won / leads (on Referral: the referral value). "
                "(other) = a Source not on the list.",
                ("bar", "Lead to won % by source", ("Lead to won %",))),
        Section("Who needs a nudge", by_owner(leads, touches, today, holidays, facts=facts), (),
                "Open leads per owner; Overdue and Due today from Follow-up; Abandoned = never "
                "reached, 1-2 touches, quiet 14+ days. Medians: touches to first two-way contact, "
                "business days to first touch.",
                ("column", "Overdue and abandoned leads by owner", ("Overdue", "Abandoned"))),
        Section("Follow-up health", aging(leads, today, facts=facts), (),
                "Open leads by Follow-up: on plan (next touch ahead), due today, overdue by days. "
                "Never touched overlaps the rows above.",
                ("bar", "Open leads by follow-up state", ("Open leads",))),
        Section("Speed to lead", speed_by_owner(leads, facts, holidays), (),
                "Leads by business days from Created to the first touch (the seeds: answered "
                "within the hour is far likelier to qualify). Waiting = open, not touched yet.",
                ("stacked", "Speed to lead by owner", ("Same day", "1 day", "2-3 days", "4+ days"))),
        Section("Touches to connect", touches_to_connect(leads, facts, today), ("Connected by here %",),
                "Leads first reached two-way at each touch, and leads left at it (never reached, quiet "
                "14+ days). The seeds: it takes 8-10 touches to connect; most people stop after 2.",
                ("column", "Touches to first connect (8-10 marked) and where reps stopped",
                 ("Connected here", "Stopped here")), SEEDS_CONNECT),
        Section("Weekly trend", weekly_trend(leads, touches, prospects, today), (),
                "The last 12 weeks, Monday to Sunday (this week last, so far): leads created, touches "
                "made, leads first connected, prospects qualified.",
                ("line", "Weekly trend", ("New leads", "Touches", "Connects", "Prospects"))),
    ]  # fmt: skip


def layout(parts: list[Section], first_row: int = FIRST_ROW) -> tuple[list[Block], list[Chart]]:
    """Blocks one under another in column A, each chart right of its table and as tall as its section."""
    blocks, charts, row = [], [], first_row
    for part in parts:
        table_rows = 2 + len(part.frame) + 2  # title, header, body, note (two lines)
        wanted = (
            MIN_CHART_ROWS if part.chart is None or part.chart[0] == "line" else 6 + 1.2 * len(part.frame)
        )
        height = table_rows if part.chart is None else max(table_rows, MIN_CHART_ROWS, math.ceil(wanted))
        if part.chart is not None:
            kind, title, values = part.chart
            letter = column_letter(max(len(part.frame.columns), NOTE_COLUMNS) + 1 + CHART_GAP_COLUMNS)
            charts.append(Chart(kind, title, len(blocks), values, f"{letter}{row}", height, part.highlight))
        blocks.append(Block(part.title, part.frame, row, 1, part.percent, part.note))
        row += height + 1
    return blocks, charts


def summary_plan(
    leads: pd.DataFrame,
    touches: pd.DataFrame,
    prospects: pd.DataFrame,
    today: dt.date,
    holidays: Iterable[dt.date] = (),
) -> ReplaceSheet:
    """The whole Summary sheet as a plan op: the heading with its date, the tables and their charts."""
    blocks, charts = layout(sections(leads, touches, prospects, today, holidays))
    heading = f"Summary as of {pd.Timestamp(today):%Y-%m-%d}"
    return ReplaceSheet(s.SUMMARY, heading, blocks, charts)
