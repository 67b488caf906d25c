"""Which touches are two-way, and per-lead touch facts shared by scoring, cadence and summary."""

from __future__ import annotations

import pandas as pd

from leadbook.core import schema as s


def two_way(touches: pd.DataFrame) -> pd.Series:
    """True for a touch where the lead answered or acted: Direction In, or a two-way Outcome."""
    return touches[s.DIRECTION].eq(s.IN) | touches[s.OUTCOME].isin(s.TWO_WAY_OUTCOMES)


def known_touches(leads: pd.DataFrame, touches: pd.DataFrame) -> pd.DataFrame:
    """Touches with a date whose Lead ID is on Leads (orphans are reported by check, not used)."""
    known = pd.Index(leads[s.LEAD_ID].dropna().unique())  # an index lookup: ~2.5x isin(set) at 1M touches
    keep = (known.get_indexer(touches[s.LEAD_ID]) >= 0) & touches[s.DATE].notna().to_numpy()
    return touches.loc[keep]
