"""Leadbook for xlwings Lite (Excel for the web, Windows and macOS): paste this into main.py.

The scripts and functions are leadbook's own (leadbook.excel.macros and leadbook.excel.udfs,
the code behind the desktop ribbon): this file only hands them to xlwings Lite. Run a script
from the xlwings Lite task pane; the functions appear in Excel as =LB_SCORE(...) etc.
"""

import xlwings as xw
from xlwings import script

from leadbook.excel import macros
from leadbook.excel.udfs import (  # noqa: F401 - registered by xlwings Lite as custom functions
    LB_FOLLOWUP,
    LB_GRADE,
    LB_NEXT_TOUCH,
    LB_REASONS,
    LB_SCORE,
    LB_TOUCHES,
)


@script
def qualify(book: xw.Book):
    """Score every lead and move the qualified ones to Prospects (logged)."""
    macros.qualify(book)


@script
def refresh(book: xw.Book):
    """Recompute Score, Grade, Reasons, Status and the follow-up columns on Leads."""
    macros.refresh(book)


@script
def highlight(book: xw.Book):
    """Refresh only the follow-up columns; the Overdue / Due today colours follow."""
    macros.highlight(book)


@script
def summary(book: xw.Book):
    """Rebuild the Summary sheet."""
    macros.summary(book)


@script
def log_touch(book: xw.Book):
    """Add a Touches row for the lead selected on Leads and select its Kind cell."""
    macros.log_touch(book)


@script
def check(book: xw.Book):
    """List every problem in the workbook on the Check sheet."""
    macros.check(book)


@script
def calibrate(book: xw.Book):
    """Learn the points from won/lost leads and show them on the Calibration sheet."""
    macros.calibrate(book)
