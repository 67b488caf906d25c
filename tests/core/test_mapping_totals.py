"""A sheet's totals lines are the same whether it is read through a stored mapping (its cells,
`mapped_frame`) or as a frame under leadbook's own names (`frame_totals`)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from leadbook.book.base import frame_from_rows
from leadbook.core import schema as s
from leadbook.core.mapping import SheetMap, frame_totals, mapped_frame

CELLS = st.sampled_from(
    [None, "", "Total", "totals:", " Grand total ", "SUBTOTAL", "Total sales", "L1", "Acme", 3, 2.5,
     dt.datetime(2026, 11, 2)]
)  # fmt: skip
HEADERS = ["Lead ID", "Name", "Company", "Source"]


@settings(deadline=None, max_examples=300)
@given(body=st.lists(st.lists(CELLS, min_size=4, max_size=4), max_size=12), as_text=st.booleans())
def test_a_frame_finds_the_totals_lines_its_sheets_cells_hold(body, as_text):
    rows = [HEADERS, *body]
    _, expected = mapped_frame(s.LEADS, rows, SheetMap(s.LEADS, s.LEADS, 1))
    frame, _ = frame_from_rows(s.LEADS, rows)
    if as_text:  # a text column as the fast reader gives it (Arrow-backed pandas text)
        text = [c for c in frame.columns if frame[c].map(lambda v: v is None or isinstance(v, str)).all()]
        frame = frame.astype(dict.fromkeys(text, pd.StringDtype(na_value=float("nan"))))
    assert frame_totals(frame, HEADERS[:3]) == expected
