"""Which touches are two-way, and per-lead touch facts shared by scoring, cadence and summary."""

from __future__ import annotations

import numpy as np
import pandas as pd

from leadbook.core import schema as s

try:  # not in xlwings Lite (Pyodide has no pyarrow; its text columns are not Arrow-backed either)
    from leadbook.arrow_lookup import arrow_positions
except ImportError:
    arrow_positions = None


def two_way(touches: pd.DataFrame) -> pd.Series:
    """True for a touch where the lead answered or acted: Direction In, or a two-way Outcome."""
    return touches[s.DIRECTION].eq(s.IN) | touches[s.OUTCOME].isin(s.TWO_WAY_OUTCOMES)


def known_touches(leads: pd.DataFrame, touches: pd.DataFrame) -> pd.DataFrame:
    """Touches with a date whose Lead ID is on Leads (orphans are reported by check, not used)."""
    known = lead_ids(leads)
    keep = (positions(known, touches[s.LEAD_ID]) >= 0) & touches[s.DATE].notna().to_numpy()
    return touches.loc[keep]


def lead_ids(leads: pd.DataFrame) -> pd.Index:
    """The distinct Lead IDs on Leads, in first-seen order (what `positions` looks up)."""
    return pd.Index(leads[s.LEAD_ID].dropna().unique())


def positions(ids: pd.Index, values: pd.Series) -> np.ndarray:
    """Each value's position in the distinct `ids` (-1 when absent), as `Index.get_indexer` gives.

    Text on both sides is hashed by Arrow (about 5x pandas' lookup on 1M Arrow-backed IDs);
    anything else (numbers, mixed cells) goes through pandas, which matches 1 with 1.0.
    """
    if arrow_positions is not None and _arrow_text(values) and _arrow_text(ids):
        return arrow_positions(ids, values)
    return ids.get_indexer(values)


def _arrow_text(values: pd.Series | pd.Index) -> bool:
    dtype = values.dtype
    return isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"
