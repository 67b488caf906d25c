"""An in-memory book backend (cosmicpython's FakeRepository): frames in, plans applied to frames."""

from __future__ import annotations

import pandas as pd

from leadbook.core import schema as s
from leadbook.core.plan import AppendRows, Plan, ReplaceSheet, SetCells
from leadbook.core.settings import defaults_frame


class MemoryBook:
    """Sheets held as raw frames (index = Excel row); apply() mutates them like a file would."""

    def __init__(self, sheets: dict[str, pd.DataFrame]) -> None:
        self.sheets = {name: f.copy() for name, f in sheets.items()}
        self.sheets.setdefault(s.SETTINGS, _indexed(defaults_frame()))
        for name in (s.PROSPECTS, s.TOUCHES, s.LOG):
            self.sheets.setdefault(name, pd.DataFrame(columns=list(s.COLUMNS[name]), dtype=object))
        self.sheets.setdefault(s.SUMMARY, pd.DataFrame())
        self.applied: list[Plan] = []
        self.replaced: dict[str, ReplaceSheet] = {}

    def sheet_names(self) -> list[str]:
        return list(self.sheets)

    def read(self, sheet: str) -> pd.DataFrame | None:
        frame = self.sheets.get(sheet)
        return None if frame is None else _indexed(frame.copy())

    def apply(self, plan: Plan) -> None:
        self.applied.append(plan)
        for op in plan.ops:
            if isinstance(op, SetCells):
                target = _indexed(self.sheets[op.sheet]).astype(object)
                for column in op.frame.columns:
                    if column not in target.columns:
                        target[column] = None
                    target.loc[op.frame.index, column] = op.frame[column].astype(object).to_numpy()
                self.sheets[op.sheet] = target
            elif isinstance(op, AppendRows) and len(op.frame):
                target = _indexed(self.sheets[op.sheet])
                start = int(target.index.max()) + 1 if len(target) else 2
                rows = op.frame.set_axis(pd.RangeIndex(start, start + len(op.frame), name="row"))
                self.sheets[op.sheet] = pd.concat([target.astype(object), rows.astype(object)])
            elif isinstance(op, ReplaceSheet):
                self.replaced[op.sheet] = op


def _indexed(frame: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.name == "row" or frame.empty:
        frame.index.name = "row"
        if frame.empty or frame.index.min() >= 2:
            return frame
    frame.index = pd.RangeIndex(2, 2 + len(frame), name="row")
    return frame
