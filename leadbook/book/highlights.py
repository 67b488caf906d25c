"""The Follow-up colour rules' look and formula, shared by the openpyxl installer and the sheet writer.

No openpyxl here: refresh puts a missing rule back through the package writer without loading it.
"""

from __future__ import annotations

MAX_ROW = 1048576
# Follow-up colours: Excel's own "light red / yellow / green fill with dark text" presets.
HIGHLIGHTS = (
    ("Overdue", "FFC7CE", "9C0006"),
    ("Due today", "FFEB9C", "9C5700"),
    ("Planned", "C6EFCE", "006100"),
)


def highlight_formula(state: str, cell: str) -> str:
    """The conditional-format formula that marks a Follow-up state (the state starts the text)."""
    return f'LEFT({cell},{len(state)})="{state}"'
