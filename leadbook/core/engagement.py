"""Which touches are two-way, and per-lead touch facts shared by scoring, cadence and summary."""

from __future__ import annotations

import numpy as np
import pandas as pd

from leadbook.core import schema as s


def two_way(touches: pd.DataFrame) -> pd.Series:
    """True for a touch where the lead answered or acted: Direction In, or a two-way Outcome."""
    return touches[s.DIRECTION].eq(s.IN) | touches[s.OUTCOME].isin(s.TWO_WAY_OUTCOMES)


def known_touches(leads: pd.DataFrame, touches: pd.DataFrame) -> pd.DataFrame:
    """Touches with a date whose Lead ID is on Leads (orphans are reported by check, not used)."""
    return known_with_leads(leads, touches)[0]


TouchLeads = tuple[pd.Index, np.ndarray]  # the distinct Lead IDs, each touch's position among them


def touch_leads(leads: pd.DataFrame, touches: pd.DataFrame) -> TouchLeads:
    """The distinct Lead IDs on Leads, and each touch's position among them (-1: not on Leads).

    Worked out once per read (`services.read_frames`) and handed to every rule that needs it:
    on 1M touches the lookup is the costly part of each."""
    ids = lead_ids(leads)
    return ids, positions(ids, touches[s.LEAD_ID])


def known_with_leads(
    leads: pd.DataFrame, touches: pd.DataFrame, found: TouchLeads | None = None
) -> tuple[pd.DataFrame, pd.Index, np.ndarray]:
    """`known_touches`, the distinct Lead IDs, and each known touch's position among them: one
    lookup of the touches' IDs serves the filter and the grouping (`found`: that lookup, made
    by `touch_leads` on these same frames)."""
    ids, code = found if found is not None else touch_leads(leads, touches)
    keep = (code >= 0) & touches[s.DATE].notna().to_numpy()
    return touches.loc[keep], ids, code[keep]


def lead_ids(leads: pd.DataFrame) -> pd.Index:
    """The distinct Lead IDs on Leads, in first-seen order (what `positions` looks up)."""
    return pd.Index(leads[s.LEAD_ID].dropna().unique())


def positions(ids: pd.Index, values: pd.Series) -> np.ndarray:
    """Each value's position in the distinct `ids` (-1 when absent), as `Index.get_indexer` gives.

    The values are factorised first (for Arrow-backed text that is Arrow's hashing) and only the
    distinct ones looked up: about 3x faster than a lookup per value on 1M touches.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    found = np.append(ids.get_indexer(uniques), -1)  # code -1, a blank, finds nothing
    return found[codes].astype(np.intp)
