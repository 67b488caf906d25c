"""Leadbook for xlwings Lite (Excel for the web, Windows and macOS): paste this into main.py.

The scripts and functions are leadbook's own (leadbook.excel.macros and leadbook.excel.udfs,
the code behind the desktop ribbon): this file only hands them to xlwings Lite. Each script
takes an `xw.BookAsync`, so xlwings Lite sends no cell values up front: leadbook reads only
the sheets and columns the action needs, in requests well under Excel for the web's 5 MB.
Run a script from the xlwings Lite task pane; the functions appear as =LB_SCORE(...) etc.
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
async def qualify(book: xw.BookAsync):
    """Score every lead and move the qualified ones to Prospects (logged)."""
    await macros.run_async(book, "qualify")


@script
async def refresh(book: xw.BookAsync):
    """Recompute Score, Grade, Reasons, Status and the follow-up columns on Leads."""
    await macros.run_async(book, "refresh")


@script
async def highlight(book: xw.BookAsync):
    """Refresh only the follow-up columns; the Overdue / Due today colours follow."""
    await macros.run_async(book, "highlight")


@script
async def summary(book: xw.BookAsync):
    """Rebuild the Summary sheet."""
    await macros.run_async(book, "summary")


@script
async def log_touch(book: xw.BookAsync):
    """Add a Touches row for the lead selected on Leads and select its Kind cell."""
    await macros.run_async(book, "log_touch")


@script
async def check(book: xw.BookAsync):
    """List every problem in the workbook on the Check sheet."""
    await macros.run_async(book, "check")


@script
async def import_inbox(book: xw.BookAsync):
    """Import the rows pasted into the Inbox sheet into Leads, without duplicates."""
    await macros.run_async(book, "import_inbox")


@script
async def calibrate(book: xw.BookAsync):
    """Learn the points from won/lost leads and show them on the Calibration sheet."""
    await macros.run_async(book, "calibrate")


@script
async def new_sheets(book: xw.BookAsync):
    """Add the leadbook sheets this workbook lacks: headers, tables, Settings defaults, dropdowns."""
    await macros.run_async(book, "new_sheets")


@script
async def adopt(book: xw.BookAsync):
    """Make this tracker a leadbook: missing sheets, columns and Settings rows; nothing moved."""
    await macros.run_async(book, "adopt")
