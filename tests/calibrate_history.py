"""Synthetic won/lost histories with known true points, for the calibrate tests and bench."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from leadbook.core import schema as s
from leadbook.core.clean import clean

TODAY = dt.date(2026, 11, 23)
# The true log-odds each answer adds: Need and Budget matter most, Timing a little, Industry too.
TRUE = {
    s.NEED: {s.YES: 1.2, s.NO: -1.0},
    s.BUDGET: {s.YES: 0.9, s.NO: -0.6},
    s.TIMING: {"0-3 months": 0.5, "3-6 months": 0.2, "12+ months": -0.4},
    "Industry": {"Retail": 0.7, "Health": -0.7},
}


def history(
    n: int, seed: int = 1, signal: float = 1.0, leak: bool = False, open_leads: int = 0
) -> dict[str, pd.DataFrame]:
    """Leads and Prospects sheets (cleaned) where n leads closed Won/Lost by the TRUE points."""
    rng = np.random.default_rng(seed)
    total = n + open_leads
    answers = {
        s.NEED: rng.choice([s.YES, s.NO, s.UNKNOWN], total, p=[0.5, 0.2, 0.3]),
        s.BUDGET: rng.choice([s.YES, s.NO, s.UNKNOWN], total, p=[0.4, 0.3, 0.3]),
        s.TIMING: rng.choice(["0-3 months", "3-6 months", "6-12 months", "12+ months"], total),
        "Industry": rng.choice(["Retail", "Health", "Software", "Transport"], total),
    }
    logit = np.full(total, -0.3)
    for name, values in answers.items():
        logit += signal * pd.Series(values).map(TRUE[name]).fillna(0).to_numpy()
    won = rng.random(total) < 1 / (1 + np.exp(-logit))
    ids = [f"L{i:05d}" for i in range(total)]
    created = pd.Timestamp(TODAY) - pd.to_timedelta(np.sort(rng.integers(60, 700, total))[::-1], unit="D")
    leads = pd.DataFrame({s.LEAD_ID: ids, s.CREATED: created, s.NAME: [f"Lead {i}" for i in ids], **answers})
    leads[s.SOURCE] = rng.choice(list(s.SOURCES[:5]), total)
    if leak:  # a column filled in when the deal closed
        leads["Contract signed"] = np.where(won, "Yes", "No")
    closed = np.arange(total) < n
    leads[s.STATUS] = np.where(closed, "Prospect", "Working")
    prospects = pd.DataFrame({
        s.LEAD_ID: np.asarray(ids)[closed], s.STAGE: np.where(won, s.WON, s.LOST)[closed],
        s.QUALIFIED_ON: (created + pd.Timedelta(days=10))[closed],
        s.CLOSED_ON: (created + pd.Timedelta(days=40))[closed],
    })  # fmt: skip
    return {
        s.LEADS: _clean(s.LEADS, leads), s.PROSPECTS: _clean(s.PROSPECTS, prospects),
        s.TOUCHES: _clean(s.TOUCHES, pd.DataFrame(columns=list(s.TOUCH_COLUMNS))),
    }  # fmt: skip


def _clean(sheet: str, raw: pd.DataFrame) -> pd.DataFrame:
    raw = raw.astype(object)
    raw.index = pd.RangeIndex(2, 2 + len(raw), name="row")
    return clean(sheet, raw)[0]
