"""Arrow's hash lookup of text Lead IDs: the fast path of `core.engagement.positions`.

Kept out of `leadbook/core` and out of the xlwings Lite bundle (`excel/bundle.py` MODULES):
Pyodide has no pyarrow, and there the IDs are plain object columns that pandas looks up itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def arrow_positions(ids: pd.Index, values: pd.Series) -> np.ndarray:
    """Each value's position in the distinct `ids` (-1 when absent), both Arrow-backed text."""
    found = pc.index_in(pa.array(values.array), value_set=pa.array(ids.array))
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.intp)
