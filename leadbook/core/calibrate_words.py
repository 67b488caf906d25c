"""What calibrate says: plain sentences, the Calibration sheet, and the Settings plan of --apply."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from leadbook.core import calibrate_features as cf
from leadbook.core import schema as s
from leadbook.core.plan import AppendRows, Block, Chart, Plan, ReplaceSheet, SetCells
from leadbook.core.settings import BASE_POINTS, Settings, resolve_key

if TYPE_CHECKING:
    from leadbook.core.calibrate import Calibration

CALIBRATION = "Calibration"
ACTION = "Calibrated the score"
GOAL = {cf.WON_TARGET: "won", cf.QUALIFIED_TARGET: "became a prospect"}


def explain(result: Calibration) -> Calibration:
    """Fill the result's messages: the verdict first, then what was left out and why."""
    from leadbook.core import calibrate as c

    goal = GOAL[result.target]
    lost = result.closed - result.won
    said = []
    if result.verdict == c.TOO_LITTLE:
        said.append(
            f"There is too little history to learn from: {result.closed} closed leads ({result.won} {goal}, "
            f"{lost} not). Calibrate needs at least {c.MIN_CLOSED} closed leads and {c.MIN_EACH} of each "
            "outcome, so the hand-set points stay as they are."
        )
    else:
        learned = result.figures[c.LEARNED]
        current = result.figures[c.CURRENT]
        low, high = learned.band
        if result.verdict == c.NO_SIGNAL:
            said.append(
                f"These columns do not predict the outcome here: on the newest {result.held_out} closed leads "
                f"the learned card does no better than chance (AUC {learned.auc:.2f}; shuffled outcomes reach "
                f"{low:.2f} to {high:.2f}). Nothing is proposed; the hand-set points stay."
            )
        else:
            said.append(
                f"Learned from {result.closed} closed leads ({result.won} {goal}). On the newest "
                f"{result.held_out}, which the card did not see, a lead that {goal} outscores one that did "
                f"not {learned.auc:.0%} of the time (AUC {learned.auc:.2f}; chance reaches at most {high:.2f}); "
                f"the current points manage {current.auc:.2f}. The best-scored tenth {goal} "
                f"{learned.lift:.1f} times as often as the average lead."
            )
            said.append(f"Every {result.card.pdo:g} points double the odds that a lead {goal}.")
            if result.trust < 1:
                said.append(
                    f"With only {result.closed} closed leads the learned points weigh {result.trust:.0%} and "
                    "your hand-set points the rest; with 200 or more the learned points stand alone."
                )
            if current.auc > learned.auc:
                said.append(
                    "The current hand-set points rank the newest leads better than the learned card: "
                    "keeping them is the safer choice unless the history has changed since they were set."
                )
    for name, why in result.leaky.items():
        kept = s.header_key(name) in {s.header_key(i) for i in result.include}
        said.append(
            f"{name} looks recorded with the outcome: {why}. "
            + ("It is kept because you asked for it." if kept else
               f"It is left out; if it is truly known before the outcome, run calibrate with --include \"{name}\".")
        )  # fmt: skip
    result.messages = said
    return result


def points_rows(settings: Settings) -> dict[str, float]:
    """Every points row of the Settings sheet, keyed as the sheet shows it."""
    rows = {f"{q}: {a}": p for q in s.QUESTIONS for a, p in settings.answer_points.get(q, {}).items()}
    rows |= {f"{s.SOURCE}: {v}": p for v, p in settings.source_points.items()}
    rows |= {f"{c}: {v}": p for c, table in settings.column_points.items() for v, p in table.items()}
    rows |= {
        "Engagement: inbound touch": settings.inbound_points,
        "Engagement: two-way touch": settings.two_way_points,
        BASE_POINTS: settings.base_points,
    }
    return rows


def card_frame(result: Calibration, current: Settings) -> pd.DataFrame:
    """Setting | Current | Proposed, the proposed card's rows first, by how much each field matters."""
    now = points_rows(current)
    new = points_rows(result.proposed) if result.proposed is not None else {}
    order = list(result.usefulness.index)
    keys = list(dict.fromkeys([*new, *now]))
    rank = {k: (order.index(k.split(":")[0]) if k.split(":")[0] in order else len(order)) for k in keys}
    keys.sort(key=lambda k: (rank[k], k not in new or new[k] == 0))
    return pd.DataFrame({
        s.SETTING: keys, "Current": [now.get(k, np.nan) for k in keys],
        "Proposed": [new.get(k, np.nan) for k in keys],
    })  # fmt: skip


FIGURE_PERCENT = ("AUC", "Chance from", "Chance to")


def figures_frame(result: Calibration) -> pd.DataFrame:
    """One row per scorer. AUC and its chance range read as percentages (the chance that a won lead
    outscores a lost one); Brier as text with three decimals, which a one-decimal format would hide."""
    rows = [
        (name, f.auc, f.band[0], f.band[1], round(f.lift, 2), f"{f.brier:.3f}")
        for name, f in result.figures.items()
    ]
    return pd.DataFrame(rows, columns=["Scorer", *FIGURE_PERCENT, "Top-tenth lift", "Brier"])


def calibration_sheet(result: Calibration, current: Settings, today: dt.date) -> ReplaceSheet:
    """The Calibration sheet: what it means, the figures, win rate by tenth (charted), the card."""
    goal = GOAL[result.target]
    heading = (
        f"Calibration: the score learned from {result.closed} closed leads ({goal} or not), {today:%Y-%m-%d}"
    )
    blocks = [Block("What it means", pd.DataFrame({"Finding": result.messages}), 3)]
    row = 3 + len(result.messages) + 3
    charts = []
    if result.figures:
        figures = figures_frame(result)
        blocks.append(
            Block(
                f"On the newest {result.held_out} closed leads (not used to learn)",
                figures,
                row,
                percent_columns=FIGURE_PERCENT,
            )
        )
        row += len(figures) + 3
        deciles = result.deciles.copy()
        deciles.insert(0, "Tenth by score", [f"{i}{' (best)' if i == 1 else ''}" for i in range(1, 11)])
        names = tuple(c for c in deciles.columns[1:])
        blocks.append(Block(f"Share that {goal}, by tenth of the score", deciles, row, percent_columns=names))
        charts.append(
            Chart("column", f"Share that {goal} by tenth of the score", len(blocks) - 1, names, f"H{row}")
        )
        row += len(deciles) + 3
    card = card_frame(result, current)
    title = (
        "Proposed points beside the current ones"
        if result.proposed is not None
        else "Current points (nothing proposed)"
    )
    blocks.append(Block(title, card, row))
    row += len(card) + 3
    left = {**result.leaky, **result.left_out}
    if left:
        blocks.append(
            Block("Columns left out", pd.DataFrame({"Column": list(left), "Why": list(left.values())}), row)
        )
    return ReplaceSheet(CALIBRATION, heading, blocks, charts)


def _text(rows: dict[str, float]) -> str:
    return "; ".join(f"{k} = {v:g}" for k, v in rows.items())


def _same(value: object, number: float) -> bool:
    try:
        return float(value) == number  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def settings_plan(
    frame: pd.DataFrame | None, result: Calibration, current: Settings, who: str, now: dt.datetime
) -> Plan:
    """Write the proposed card into Settings (existing rows' Value, new rows appended) and log it."""
    new = points_rows(result.proposed)
    old = points_rows(current)
    by_key = {s.header_key(k): k for k in new}
    frame = (
        frame
        if frame is not None and s.SETTING in frame.columns
        else pd.DataFrame(columns=list(s.SETTINGS_COLUMNS))
    )
    found, cells = set(), {}
    for row, key_cell, value in zip(
        frame.index, frame[s.SETTING], frame.get(s.SETTING_VALUE, pd.Series(index=frame.index)), strict=True
    ):
        key = resolve_key(key_cell) if isinstance(key_cell, str) else None
        name = by_key.get(s.header_key(key)) if key else None
        if name is None or name in found:
            continue
        found.add(name)
        if not _same(value, new[name]):
            cells[int(row)] = new[name]
    meaning = f"Learned by leadbook calibrate on {now:%Y-%m-%d}"
    added = [(k, v, meaning) for k, v in new.items() if k not in found and v != 0]
    changed = {k: v for k, v in new.items() if old.get(k, 0) != v}
    return Plan([
        SetCells(s.SETTINGS, pd.DataFrame({s.SETTING_VALUE: list(cells.values())}, index=pd.Index(list(cells), name="row"), dtype=object)),
        AppendRows(s.SETTINGS, pd.DataFrame(added, columns=list(s.SETTINGS_COLUMNS))),
        AppendRows(s.LOG, pd.DataFrame([{
            s.WHEN: pd.Timestamp(now), s.WHO: who, s.ACTION: f"{ACTION} ({result.target}, {result.closed} closed leads)",
            s.LEAD_ID: None, s.BEFORE: _text(old), s.AFTER: _text(changed),
        }])),
    ])  # fmt: skip
