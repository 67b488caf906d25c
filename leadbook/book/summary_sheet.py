"""Render the Summary sheet (owned whole by leadbook) with openpyxl: tables and native charts."""

from __future__ import annotations

from openpyxl import Workbook

from leadbook.core.plan import ReplaceSheet


def replace_sheet(wb: Workbook, op: ReplaceSheet) -> None:
    """Rebuild the sheet in place (same position), leaving every other sheet as it was."""
    raise NotImplementedError("summary rendering lands with the Summary issue")
