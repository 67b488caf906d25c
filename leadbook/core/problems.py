"""Problems a user can fix, as values (collected and reported by the edges)."""

from __future__ import annotations

from typing import NamedTuple


class Problem(NamedTuple):
    """One thing wrong in the workbook, located as Excel shows it (row 1 is the header)."""

    sheet: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.sheet
        if self.row is not None:
            where += f" row {self.row}"
        if self.column:
            where += f", column {self.column!r}"
        return f"{where}: {self.message}"


class LeadbookError(Exception):
    """A problem the user can fix; the CLI prints it and exits, a macro shows it, a UDF returns it."""

    def __init__(
        self, message: str, sheet: str | None = None, row: int | None = None, column: str | None = None
    ) -> None:
        self.problem = Problem(sheet or "", row, column, message)
        super().__init__(str(self.problem) if sheet else message)
