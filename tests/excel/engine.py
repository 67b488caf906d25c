"""Test xlwings scripts and custom functions without Excel, via xlwings' remote engine.

xlwings Server and xlwings Lite don't drive Excel directly.  The add-in reads the
workbook into a JSON *payload*, Python opens it with ``xw.Book(json=payload)``, the
script reads the values and queues *actions* such as ``setValues`` or ``addSheet``, and
``book.json()`` returns those actions for the add-in to apply in Excel.  Custom
functions go through ``xlwings.server.custom_functions_call``, which receives the
cell arguments as 2D arrays.

This module plays the add-in's part so that tests can use xlwings' own Python code:

* :func:`payload_from_xlsx` builds the payload the Office.js client sends, from an
  .xlsx file read with openpyxl (cached values only).
* :func:`open_book` opens that payload the way the server does
  (JSON round trip, then ``xw.Book(json=...)``).
* :func:`apply_actions` applies ``book.json()`` to a payload, like the client does, and
  returns the next payload.  Unknown actions raise :class:`UnsupportedAction`.
* :func:`run_script` runs an ``@script`` function the way xlwings Server and Lite do.
* :func:`udf_meta` and :func:`call_udf` call ``@func`` custom functions through
  ``xlwings.server.custom_functions_meta`` and ``custom_functions_call``.

The remote engine is part of xlwings PRO.  :func:`ensure_remote_engine` sets
``XLWINGS_LICENSE_KEY=noncommercial`` and ``XLWINGS_ON_SERVER=true`` if they aren't set
yet.  Call it in tests only, before anything imports xlwings if you can (see
tests/excel/conftest.py).
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import importlib.util
import json
import os
import re
import types
from pathlib import Path
from typing import Any

__all__ = [
    "UnsupportedAction",
    "ensure_remote_engine",
    "payload_from_xlsx",
    "open_book",
    "apply_actions",
    "run_script",
    "udf_meta",
    "call_udf",
    "acall_udf",
    "to_js_date",
    "excel_parses",
]

CLIENT = "Office.js"  # what xlwings Lite and the xlwings Server add-in send

_EXCEL_EPOCH = dt.datetime(1899, 12, 30)


class UnsupportedAction(Exception):
    """Raised by apply_actions() for an action it doesn't know or can't simulate."""


# --------------------------------------------------------------------------- setup
def ensure_remote_engine() -> None:
    """Make the remote engine and the server-side ``xw.func`` decorators available.

    xlwings reads both env vars when it's first imported, so the best place to set
    them is the top of a conftest.py.  If xlwings was imported before they were set,
    the remote engine is registered now and ``xw.func/arg/ret/script`` are rebound to
    ``xlwings.server``'s versions.  That's what ``import xlwings`` does when
    ``XLWINGS_ON_SERVER=true``.  Modules that were decorated with the earlier no-op
    ``xw.func`` have to be reloaded with ``importlib.reload``.
    """
    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    os.environ.setdefault("XLWINGS_ON_SERVER", "true")
    import xlwings as xw

    if "remote" not in xw.engines.engines_by_name:
        from xlwings.pro import _xlofficejs, _xlremote

        xw.engines.add(xw.Engine(impl=_xlremote.engine))
        xw.engines.add(xw.Engine(impl=_xlofficejs.engine))
        xw.__pro__ = True
    import xlwings.server as xs

    for name in ("func", "arg", "ret", "script"):
        if getattr(xw, name, None) is not getattr(xs, name):
            setattr(xw, name, getattr(xs, name))


# ------------------------------------------------------------------ values <-> wire
def to_js_date(value: dt.datetime | dt.date | dt.time | dt.timedelta) -> str:
    """How the Office.js client sends a date- or time-formatted cell.

    It sends ``new Date(Math.round((serial - 25569) * 86400 * 1000)).toISOString()``,
    i.e. a UTC ISO string with milliseconds, e.g. ``"2024-01-05T00:00:00.000Z"``.
    A time-only cell becomes a timestamp on 1899-12-30.
    """
    if isinstance(value, dt.datetime):
        stamp = value.replace(tzinfo=None)
    elif isinstance(value, dt.date):
        stamp = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, dt.time):
        stamp = dt.datetime.combine(_EXCEL_EPOCH.date(), value)
    elif isinstance(value, dt.timedelta):
        stamp = _EXCEL_EPOCH + value
    else:
        raise TypeError(f"not a date/time: {value!r}")
    ms = round(stamp.microsecond / 1000)
    stamp = stamp.replace(microsecond=0) + dt.timedelta(milliseconds=ms)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


def _cell_to_wire(value: Any) -> Any:
    """Turn an openpyxl cell value into what Office.js' ``range.values`` JSON holds."""
    if value is None:
        return ""  # empty cells are "" in book payloads (null only in UDF args)
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        # JSON.stringify(3.0) is "3", so the server receives an int
        return int(value) if value.is_integer() else value
    if isinstance(value, (dt.datetime, dt.date, dt.time, dt.timedelta)):
        return to_js_date(value)
    return value  # int, str (incl. error strings such as "#N/A")


# Python's remote engine writes dates as "2024-01-05" / "2024-01-05 10:30:00";
# Excel parses those into date cells, which the next payload sends as ISO strings.
_PY_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?$")


_NUMBER_RE = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")


def excel_parses(value: str) -> Any:
    """What Excel makes of a string typed into a cell (as COM and Office.js write it).

    A leading apostrophe marks text and is not stored; text starting with = + - @ is read as a
    formula (here: its error, "#NAME?"); a number-like string becomes a number. Returns the
    string itself when Excel keeps it as text.
    """
    if value.startswith("'"):
        return value[1:]
    if value[:1] in ("=", "+", "-", "@") and len(value) > 1:
        return float(value) if _NUMBER_RE.match(value) else "#NAME?"
    if _NUMBER_RE.match(value):
        return float(value)
    return value


def _written_to_wire(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and _PY_DATE_RE.match(value):
        fmt = "%Y-%m-%d %H:%M:%S" if " " in value else "%Y-%m-%d"
        return to_js_date(dt.datetime.strptime(value, fmt))
    if isinstance(value, str):
        value = excel_parses(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# ------------------------------------------------------------------- addresses
_CELL_RE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _col_letters(index: int) -> str:
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _parse_address(address: str) -> tuple[int, int, int, int]:
    """ "$A$1:$C$3" or "Sheet1!A1" -> (first_row, first_col, last_row, last_col), 1-based."""
    address = address.split("!")[-1]
    parts = address.split(":")
    cells = []
    for part in parts:
        m = _CELL_RE.match(part)
        if not m:
            raise UnsupportedAction(f"can't parse address {address!r}")
        cells.append((int(m.group(2)), _col_index(m.group(1))))
    (r1, c1), (r2, c2) = cells[0], cells[-1]
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def _address(r1: int, c1: int, r2: int, c2: int) -> str:
    """Office.js style (relative, no sheet): "A1" or "A1:C3"."""
    first = f"{_col_letters(c1)}{r1}"
    return first if (r1, c1) == (r2, c2) else f"{first}:{_col_letters(c2)}{r2}"


# ------------------------------------------------------------------ xlsx -> payload
def _table_meta(table, header_values: list[Any] | None = None) -> dict:
    r1, c1, r2, c2 = _parse_address(table.ref)
    headers = int(table.headerRowCount if table.headerRowCount is not None else 1)
    totals = int(table.totalsRowCount or 0)
    style = table.tableStyleInfo
    return _table_dict(
        name=table.displayName or table.name,
        bounds=(r1, c1, r2, c2),
        show_headers=bool(headers),
        show_totals=bool(totals),
        columns=[col.name for col in table.tableColumns] or header_values or [],
        table_style=style.name if style is not None and style.name else "",
        show_autofilter=table.autoFilter is not None,
        first_col=bool(style.showFirstColumn) if style is not None else False,
        last_col=bool(style.showLastColumn) if style is not None else False,
        row_stripes=bool(style.showRowStripes) if style is not None else True,
        col_stripes=bool(style.showColumnStripes) if style is not None else False,
    )


def _table_dict(
    *,
    name,
    bounds,
    show_headers,
    show_totals,
    columns,
    table_style,
    show_autofilter=True,
    first_col=False,
    last_col=False,
    row_stripes=True,
    col_stripes=False,
) -> dict:
    """The table entry of a sheet payload (keys as the remote engine reads them)."""
    r1, c1, r2, c2 = bounds
    body_r1 = r1 + 1 if show_headers else r1
    body_r2 = r2 - 1 if show_totals else r2
    return {
        "name": name,
        "range_address": _address(r1, c1, r2, c2),
        "header_row_range_address": _address(r1, c1, r1, c2) if show_headers else None,
        "data_body_range_address": _address(body_r1, c1, body_r2, c2),
        "total_row_range_address": _address(r2, c1, r2, c2) if show_totals else None,
        "show_headers": show_headers,
        "show_totals": show_totals,
        "table_style": table_style,
        "show_autofilter": show_autofilter,
        "show_table_style_first_column": first_col,
        "show_table_style_last_column": last_col,
        "show_table_style_row_stripes": row_stripes,
        "show_table_style_column_stripes": col_stripes,
        # row_count covers the whole table range (header and totals rows included)
        "row_count": r2 - r1 + 1,
        "column_count": c2 - c1 + 1,
        "columns": list(columns),
    }


def _sheet_values(ws) -> tuple[list[list[Any]], str | None]:
    """Values of A1:<last used cell>, plus the used range address (None if empty)."""
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    if not cells:
        return [[""]], None
    max_row = max(c.row for c in cells)
    max_col = max(c.column for c in cells)
    min_row = min(c.row for c in cells)
    min_col = min(c.column for c in cells)
    values = [
        [_cell_to_wire(v) for v in row]
        for row in ws.iter_rows(min_row=1, max_row=max_row, min_col=1, max_col=max_col, values_only=True)
    ]
    return values, _address(min_row, min_col, max_row, max_col)


def _names(wb, sheet_names: list[str]) -> list[dict]:
    """Defined names that refer to a single range, as the client sends them."""
    scopes: list[tuple[Any, int | None]] = [(wb.defined_names, None)]
    scopes += [(ws.defined_names, ix) for ix, ws in enumerate(wb.worksheets)]
    names = []
    for defined_names, scope_ix in scopes:
        for name, dn in defined_names.items():
            destinations = list(dn.destinations) if dn.type == "RANGE" else []
            if len(destinations) != 1 or destinations[0][0] not in sheet_names:
                continue  # constants, formulas, multi-area names: not sent
            sheet_name, ref = destinations[0]
            try:
                r1, c1, r2, c2 = _parse_address(ref)
            except UnsupportedAction:
                continue  # whole rows/columns
            names.append(
                {
                    "name": name,
                    "sheet_index": sheet_names.index(sheet_name),
                    "address": _address(r1, c1, r2, c2),
                    "refers_to": f"={dn.attr_text}",
                    "scope_sheet_name": None if scope_ix is None else sheet_names[scope_ix],
                    "scope_sheet_index": scope_ix,
                    "book_scope": scope_ix is None,
                }
            )
    return names


def _print_area(ws) -> str | None:
    area = ws.print_area
    if not area:
        return None
    area = area[0] if isinstance(area, (list, tuple)) else area
    return area.split(",")[0].split("!")[-1]


def _conditional_formats(ws) -> list[dict]:
    """The sheet's formula rules as Office.js reports them (one entry per range of a rule)."""
    out = []
    for cf in ws.conditional_formatting:
        for rule in cf.rules:
            if rule.type != "expression" or not rule.formula:
                continue
            for ref in str(cf.sqref).split():
                entry = {
                    "type": "Custom",
                    "formula": "=" + rule.formula[0],
                    "stop_if_true": bool(rule.stopIfTrue),
                }
                out.append({**entry, "address": _address(*_parse_address(ref))})
    return out


def merge_cells(sheet: dict, bounds: tuple[int, int, int, int]) -> bool | None:
    """Whether a rectangle's cells are merged, as Excel's MergeCells says it: True (all),
    False (none) or None (some), from the sheet's test-only `_merged` ranges."""
    r1, c1, r2, c2 = bounds
    cells = {(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
    merged = set()
    for address in sheet.get("_merged", []):
        m1, n1, m2, n2 = _parse_address(address)
        merged |= {
            (r, c) for r in range(max(r1, m1), min(r2, m2) + 1) for c in range(max(c1, n1), min(c2, n2) + 1)
        }
    return True if merged == cells else False if not merged else None


def payload_from_xlsx(
    path: str | Path,
    *,
    active_sheet: str | int | None = None,
    selection: str | None = None,
    book_name: str | None = None,
) -> dict:
    """Build the book payload that xlwings Lite / the Office.js add-in would send.

    Values come from openpyxl with ``data_only=True``: formulas show their cached
    result, and a formula that Excel has never calculated (e.g. written by openpyxl)
    shows as "".  ``active_sheet`` is a sheet name or 0-based index (default: the
    workbook's active sheet); ``selection`` an A1 address on it (default: the saved
    selection, else "A1").
    """
    import openpyxl
    import xlwings as xw

    path = Path(path)
    wb = openpyxl.load_workbook(path, data_only=True)
    sheet_names = wb.sheetnames
    if active_sheet is None:
        active_ix = wb.worksheets.index(wb.active)
    elif isinstance(active_sheet, int):
        active_ix = active_sheet
    else:
        active_ix = sheet_names.index(active_sheet)
    if selection is None:
        views = wb.worksheets[active_ix].sheet_view.selection
        sqref = views[0].sqref if views and views[0].sqref else "A1"
        selection = str(sqref).replace("$", "").replace(" ", ",")
    calc_mode = getattr(wb.calculation, "calcMode", None) or "auto"

    sheets = []
    for ws in wb.worksheets:
        values, used = _sheet_values(ws)
        header_row = values[0] if values else []
        sheets.append(
            {
                "name": ws.title,
                "visibility": {"hidden": "Hidden", "veryHidden": "VeryHidden"}.get(ws.sheet_state, "Visible"),
                "values": values,
                "used_range_address": used,
                "print_area": _print_area(ws),
                "show_gridlines": ws.sheet_view.showGridLines is not False,
                "tables": [_table_meta(t, header_row) for t in ws.tables.values()],
                "pictures": [
                    {
                        "name": f"Picture {i + 1}",
                        "width": img.width,
                        "height": img.height,
                        "left": 0,
                        "top": 0,
                        "lock_aspect_ratio": True,
                    }
                    for i, img in enumerate(getattr(ws, "_images", []))
                ],
                "notes": [
                    {"address": c.coordinate} for row in ws.iter_rows() for c in row if c.comment is not None
                ],
                "notes_supported": True,
                "shapes": [],  # openpyxl doesn't read shapes or charts
                "charts": [],
                "pivot_tables": [],
                # test-only: what getRangeData serves (xlwings sends none of it up front)
                "_conditional_formats": _conditional_formats(ws),
                "_merged": [str(r) for r in ws.merged_cells.ranges],
            }
        )
    return {
        "client": CLIENT,
        "version": xw.__version__,
        "book": {
            "name": book_name or path.name,
            "active_sheet_index": active_ix,
            "selection": selection.upper(),
            "calculation": {"manual": "Manual", "autoNoTable": "AutomaticExceptTables"}.get(
                calc_mode, "Automatic"
            ),
        },
        "names": _names(wb, sheet_names),
        "sheets": sheets,
    }


# ---------------------------------------------------------------------- run Python
def sample_payload_file(folder: Path) -> Path:
    """payload.json in `folder`: the book payload of a 30-lead sample workbook, a cell selected on
    Leads (what the Lite bundle checks run every script on)."""
    from leadbook.book.template import new_book
    from leadbook.core.sample import sample_book

    book = folder / "leads.xlsx"
    new_book(book, sample_book(30, None, dt.date(2026, 3, 2)))
    out = folder / "payload.json"
    out.write_text(json.dumps(payload_from_xlsx(book, active_sheet="Leads", selection="C5"), default=str))
    return out


def open_book(payload: dict):
    """``xw.Book(json=...)`` on a JSON round-tripped copy, as the server receives it.

    The remote engine edits its payload in place (e.g. ``sheets.add()``), so never
    hand it a payload that you still want to pass to apply_actions().
    """
    ensure_remote_engine()
    import xlwings as xw

    return xw.Book(json=json.loads(json.dumps(payload)))


def run_script(module, name: str, payload: dict, *args: Any) -> tuple[dict, dict]:
    """Run an ``@script`` function like xlwings Server/Lite: the ``xw.Book``-annotated
    parameter receives the book, ``args`` fill the other parameters.

    Returns ``(actions, new_payload)``, where ``actions`` is ``book.json()`` and
    ``new_payload`` is the payload after applying them.
    """
    ensure_remote_engine()
    import xlwings as xw
    import xlwings.server as xs

    book = open_book(payload)
    result = asyncio.run(
        xs.custom_scripts_call(module, name, typehint_to_value={xw.Book: book}, args=list(args))
    )
    actions = json.loads(json.dumps(result.json()))
    return actions, apply_actions(payload, actions)


# ------------------------------------------------------------- payload <- actions
def _pad(values: list[list[Any]], nrows: int, ncols: int) -> None:
    width = max(ncols, max((len(r) for r in values), default=0))
    while len(values) < nrows:
        values.append([])
    for row in values:
        row.extend([""] * (width - len(row)))


def _trim(values: list[list[Any]]) -> list[list[Any]]:
    """A1:<last non-empty cell>, like a fresh read by the client."""
    last_row = max((i for i, r in enumerate(values) if any(v != "" for v in r)), default=-1)
    last_col = max((j for r in values for j, v in enumerate(r) if v != ""), default=-1)
    if last_row < 0:
        return [[""]]
    return [row[: last_col + 1] for row in values[: last_row + 1]]


def _used_range(values: list[list[Any]]) -> str | None:
    cells = [(i + 1, j + 1) for i, r in enumerate(values) for j, v in enumerate(r) if v != ""]
    if not cells:
        return None
    rows, cols = zip(*cells, strict=True)
    return _address(min(rows), min(cols), max(rows), max(cols))


def _get(values, r: int, c: int) -> Any:
    """1-based read outside-safe."""
    try:
        return values[r - 1][c - 1]
    except IndexError:
        return ""


def _set_block(values, r1: int, c1: int, block: list[list[Any]]) -> None:
    _pad(values, r1 - 1 + len(block), c1 - 1 + max((len(r) for r in block), default=0))
    for i, row in enumerate(block):
        for j, v in enumerate(row):
            values[r1 - 1 + i][c1 - 1 + j] = v


def _action_bounds(action) -> tuple[int, int, int, int]:
    r1, c1 = action["start_row"] + 1, action["start_column"] + 1
    return r1, c1, r1 + action["row_count"] - 1, c1 + action["column_count"] - 1


def _shift_rows(values, first_row: int, c1: int, c2: int, count: int) -> None:
    """Insert (count > 0) or delete (count < 0) cells in columns c1..c2 at first_row."""
    _pad(values, len(values), c2)
    col = [[row[c - 1] for row in values] for c in range(c1, c2 + 1)]
    for j, cells in enumerate(col):
        if count > 0:
            cells[first_row - 1 : first_row - 1] = [""] * count
        else:
            del cells[first_row - 1 : first_row - 1 - count]
            cells.extend([""] * -count)
        col[j] = cells
    _pad(values, max(len(c) for c in col), c2)
    for j, cells in enumerate(col):
        for i, v in enumerate(cells):
            values[i][c1 - 1 + j] = v


# Actions that only change formatting, layout or objects this simulation doesn't
# model: applied as no-ops, listed in payload["_skipped"].
_NO_VALUE_EFFECT = {
    "setRangeColor",
    "setRangeColors",
    "setNumberFormat",
    "setAutofit",
    "setSheetAutofit",
    "setColumnWidth",
    "setRowHeight",
    "setWrapText",
    "setHorizontalAlignment",
    "setVerticalAlignment",
    "setFontProperty",
    "setBorderProperty",
    "rangeClearFormats",
    "sheetClearFormats",
    "setRowHidden",
    "setColumnHidden",
    "rangeGroup",
    "rangeUngroup",
    "rangeAdjustIndent",
    "rangeMerge",
    "rangeUnmerge",
    "freezePaneAtRange",
    "freezePaneUnfreeze",
    "setShowGridlines",
    "calculate",
    "setCalculation",
    "setScreenUpdating",
    "save",
    "setTableStyle",
    "showAutofilterTable",
    "showTableStyleFirstColumn",
    "showTableStyleLastColumn",
    "showTableStyleRowStripes",
    "showTableStyleColumnStripes",
    "setConditionalFormat",
    "deleteConditionalFormat",
    "setDataValidationRule",
    "deleteDataValidation",
    "addNote",
    "setNoteText",
    "deleteNote",
    "addComment",
    "addCommentReply",
    "setCommentText",
    "setCommentResolved",
    "deleteComment",
    "addPicture",
    "updatePicture",
    "deletePicture",
    "setPictureName",
    "setPictureLeft",
    "setPictureTop",
    "setPictureWidth",
    "setPictureHeight",
    "setPictureLockAspectRatio",
    "addChart",
    "deleteChart",
    "setChartName",
    "setChartType",
    "setChartSourceData",
    "setChartPosition",
    "setChartPlotBy",
    "setChartSeries",
    "setChartXAxisValues",
    "setChartTitle",
    "setChartStyle",
    "setChartAxis",
    "chartToPng",
    "rangeToPng",
    "deleteShape",
    "setShapeName",
    "setShapeText",
    "setShapeLeft",
    "setShapeTop",
    "setShapeWidth",
    "setShapeHeight",
    "scaleShape",
    "setShapeFontProperty",
}


def apply_actions(payload: dict, actions: dict | list) -> dict:
    """Apply ``book.json()`` (or its ``"actions"`` list) to a copy of ``payload``.

    Simulates what the add-in does in Excel, as far as values and workbook structure
    go, and returns the payload that the next script run would receive.  Test-only
    keys (ignored by xlwings): ``payload["_alerts"]`` collects ``app.alert()`` calls
    as dicts, ``payload["_skipped"]`` the names of formatting/object actions that have
    no effect here.  Raises UnsupportedAction for anything else.

    Excel's parsing of written strings is simulated as far as leadbook needs it
    (:func:`excel_parses`: apostrophe, formula-like and number-like text; ISO-like
    dates are converted, see ``_written_to_wire``). Not simulated: formula results
    (a formula is kept as its text), other locale-dependent parsing, recalculation.
    """
    new = copy.deepcopy(payload)
    new.setdefault("_alerts", [])
    new.setdefault("_skipped", [])
    for action in actions["actions"] if isinstance(actions, dict) else actions:
        _apply_one(new, action)
    for sheet in new["sheets"]:
        sheet["values"] = _trim(sheet["values"])
        sheet["used_range_address"] = _used_range(sheet["values"])
    return new


def _apply_one(book: dict, action: dict) -> None:  # noqa: C901 - a plain dispatcher
    func, args = action["func"], action.get("args") or []
    sheets = book["sheets"]
    pos = action.get("sheet_position")
    sheet = sheets[pos] if isinstance(pos, int) and 0 <= pos < len(sheets) else None

    if func in ("setValues", "setFormula", "setFormulaArray"):
        r1, c1, r2, c2 = _action_bounds(action)
        block = action.get("values")
        if func == "setFormulaArray" or block is None:
            block = args[0] if args else block
        if not isinstance(block, list):
            block = [[block] * (c2 - c1 + 1)] * (r2 - r1 + 1)
        elif block and not isinstance(block[0], list):
            block = [block]
        _set_block(sheet["values"], r1, c1, [[_written_to_wire(v) for v in r] for r in block])
    elif func in ("rangeClearContents", "rangeClear"):
        r1, c1, r2, c2 = _action_bounds(action)
        _pad(sheet["values"], r2, c2)
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                sheet["values"][r - 1][c - 1] = ""
    elif func in ("sheetClear", "sheetClearContents"):
        sheet["values"] = [[""]]
    elif func == "addSheet":
        ix, name = int(args[0]), args[1]
        if name is None:
            n = 1
            while f"Sheet{n}" in [s["name"] for s in sheets]:
                n += 1
            name = f"Sheet{n}"
        sheets.insert(ix, _empty_sheet(name))
        # Like the client, adding a sheet doesn't re-read the active sheet; Excel's
        # worksheets.add() doesn't activate it. Keep the previously active sheet.
        if book["book"]["active_sheet_index"] >= ix:
            book["book"]["active_sheet_index"] += 1
    elif func == "setSheetName":
        old = sheet["name"]
        sheet["name"] = args[0]
        for name in book.get("names", []):
            if name.get("scope_sheet_index") == pos:
                name["scope_sheet_name"] = args[0]
            if name.get("refers_to"):
                name["refers_to"] = name["refers_to"].replace(f"={old}!", f"={args[0]}!")
    elif func == "setSheetVisibility":
        sheet["visibility"] = args[0]
    elif func == "activateSheet":
        book["book"]["active_sheet_index"] = int(args[0])
    elif func == "rangeSelect":
        book["book"]["active_sheet_index"] = pos
        book["book"]["selection"] = _address(*_action_bounds(action))
    elif func == "sheetDelete":
        del sheets[pos]
        active = book["book"]["active_sheet_index"]
        if active > pos or active >= len(sheets):
            book["book"]["active_sheet_index"] = max(active - 1, 0)
        book["names"] = [n for n in book.get("names", []) if n["sheet_index"] != pos]
    elif func == "setSheetPosition":
        sheets.insert(int(args[0]), sheets.pop(pos))
    elif func == "copySheet":
        position, target_ix, name = args
        clone = copy.deepcopy(sheet)
        clone["name"] = name
        for t in clone.get("tables", []):
            t["name"] = f"{t['name']}{len(sheets) + 1}"  # Excel renames copied tables
        sheets.insert(target_ix if position == "Before" else target_ix + 1, clone)
    elif func == "setPrintArea":
        sheet["print_area"] = args[0]
    elif func == "alert":
        prompt, title, buttons, mode, callback = (list(args) + [""] * 5)[:5]
        book["_alerts"].append(
            {
                "prompt": prompt,
                "title": title,
                "buttons": buttons,
                "mode": mode,
                "callback": callback,
            }
        )
    elif func == "copyRange":
        r1, c1, r2, c2 = _action_bounds(action)
        block = [[_get(sheet["values"], r, c) for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)]
        d1, dc1, _, _ = _parse_address(args[1])
        _set_block(sheets[int(args[0])]["values"], d1, dc1, block)
    elif func in ("rangeInsert", "rangeDelete"):
        r1, c1, r2, c2 = _action_bounds(action)
        shift = args[0]
        if shift not in ("down", "up"):
            raise UnsupportedAction(f"{func} with shift={shift!r} isn't simulated")
        count = r2 - r1 + 1
        _shift_rows(sheet["values"], r1, c1, c2, count if func == "rangeInsert" else -count)
    elif func in ("setRangeName", "namesAdd"):
        _add_name(book, action, sheet)
    elif func == "nameDelete":
        book["names"] = [
            n
            for n in book.get("names", [])
            if not (n["name"] == args[2] and n["book_scope"] == args[4] and n["scope_sheet_index"] == args[5])
        ]
    elif func in ("addConditionalFormat", "clearConditionalFormats", "setDataValidationList"):
        _apply_format(sheet, func, _action_bounds(action), args)
    elif func in _NO_VALUE_EFFECT:
        book["_skipped"].append(func)
    elif func.endswith("Table") or func.startswith(("addTable", "deleteTable")):
        _apply_table(book, sheet, func, args)
    else:
        raise UnsupportedAction(f"action {func!r} isn't simulated: {action}")


def _overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _apply_format(sheet: dict, func: str, bounds: tuple[int, int, int, int], args: list) -> None:
    """Conditional formats and list validations, kept per sheet (test-only keys
    ``_conditional_formats`` and ``_validations``, newest rule first, each with its ``address``)
    so that a later read (officejs.OfficeJs.getRangeData) sees them as Excel would."""
    address = _address(*bounds)
    if func == "addConditionalFormat":
        sheet.setdefault("_conditional_formats", []).insert(0, {**args[0], "address": address})
    elif func == "clearConditionalFormats":
        rules = sheet.get("_conditional_formats", [])
        sheet["_conditional_formats"] = [
            r for r in rules if not _overlaps(_parse_address(r["address"]), bounds)
        ]
    else:
        source, in_cell_dropdown = args
        kept = [v for v in sheet.get("_validations", []) if v["address"] != address]
        sheet["_validations"] = [
            *kept,
            {"address": address, "source": source, "in_cell_dropdown": in_cell_dropdown},
        ]


def _empty_sheet(name: str) -> dict:
    return {
        "name": name,
        "visibility": "Visible",
        "values": [[""]],
        "used_range_address": None,
        "print_area": None,
        "show_gridlines": True,
        "tables": [],
        "pictures": [],
        "notes": [],
        "notes_supported": True,
        "shapes": [],
        "charts": [],
        "pivot_tables": [],
    }


def _add_name(book: dict, action: dict, sheet: dict | None) -> None:
    if action["func"] == "setRangeName":
        name, sheet_ix = action["args"][0], action["sheet_position"]
        bounds = _action_bounds(action)
        scope = None
    else:
        name, refers_to = action["args"][0], action["args"][1]
        m = re.fullmatch(r"=?'?(.+?)'?!(\S+)", refers_to)
        if not m:
            raise UnsupportedAction(f"namesAdd with {refers_to!r} isn't simulated")
        sheet_ix = [s["name"] for s in book["sheets"]].index(m.group(1))
        bounds = _parse_address(m.group(2))
        scope = action.get("sheet_position")
    sheet_name = book["sheets"][sheet_ix]["name"]
    r1, c1, r2, c2 = bounds
    absolute = f"${_col_letters(c1)}${r1}" + (f":${_col_letters(c2)}${r2}" if (r1, c1) != (r2, c2) else "")
    book.setdefault("names", []).append(
        {
            "name": name,
            "sheet_index": sheet_ix,
            "address": _address(*bounds),
            "refers_to": f"={sheet_name}!{absolute}",
            "scope_sheet_name": None if scope is None else book["sheets"][scope]["name"],
            "scope_sheet_index": scope,
            "book_scope": scope is None,
        }
    )


def _apply_table(book: dict, sheet: dict, func: str, args: list) -> None:
    tables = sheet["tables"]
    if func == "addTable":
        address, has_headers, style, name = args
        if not has_headers:
            raise UnsupportedAction("addTable with has_headers=False isn't simulated")
        if not name:
            n = 1
            existing = {t["name"] for s in book["sheets"] for t in s["tables"]}
            while f"Table{n}" in existing:
                n += 1
            name = f"Table{n}"
        table = {"name": name, "show_headers": True, "show_totals": False}
        tables.append(table)
        _resize_table(sheet, table, _parse_address(address))
        table["table_style"] = style or "TableStyleMedium2"
        return
    table = tables[int(args[0])]
    if func == "setTableName":
        table["name"] = args[1]
    elif func == "resizeTable":
        _resize_table(sheet, table, _parse_address(args[1]))
    elif func in ("addTableRow", "deleteTableRow"):
        r1, c1, r2, c2 = _parse_address(table["range_address"])
        body_r1 = r1 + int(table["show_headers"])
        row = body_r1 + int(args[1])
        if func == "addTableRow":
            _shift_rows(sheet["values"], row, c1, c2, 1)
            values = args[2] if len(args) > 2 and args[2] is not None else [""] * (c2 - c1 + 1)
            _set_block(sheet["values"], row, c1, [[_written_to_wire(v) for v in values]])
            r2 += 1
        else:
            _shift_rows(sheet["values"], row, c1, c2, -1)
            r2 -= 1
        _resize_table(sheet, table, (r1, c1, r2, c2))
    else:
        raise UnsupportedAction(f"table action {func!r} isn't simulated")


def _resize_table(sheet: dict, table: dict, bounds: tuple[int, int, int, int]) -> None:
    r1, c1, r2, c2 = bounds
    columns = []
    if table.get("show_headers", True):
        for j, c in enumerate(range(c1, c2 + 1)):
            v = _get(sheet["values"], r1, c)
            columns.append(str(v) if v != "" else f"Column{j + 1}")
        _set_block(sheet["values"], r1, c1, [columns])  # Excel fills empty headers
    keep = {k: v for k, v in table.items() if k not in ("name", "show_headers", "show_totals")}
    new = _table_dict(
        name=table["name"],
        bounds=bounds,
        show_headers=table.get("show_headers", True),
        show_totals=table.get("show_totals", False),
        columns=columns,
        table_style=keep.get("table_style", ""),
        show_autofilter=keep.get("show_autofilter", True),
        first_col=keep.get("show_table_style_first_column", False),
        last_col=keep.get("show_table_style_last_column", False),
        row_stripes=keep.get("show_table_style_row_stripes", True),
        col_stripes=keep.get("show_table_style_column_stripes", False),
    )
    table.clear()
    table.update(new)


# ------------------------------------------------------------- custom functions
def udf_meta(module) -> dict:
    """The metadata that xlwings Server/Lite registers with Excel for ``module``.

    ``meta["functions"]`` holds one entry per ``@func``: ``id``/``name`` (upper-case
    Python name unless ``@func(name=...)``), ``description`` (docstring),
    ``parameters`` (``name``, ``description`` from ``@arg(doc=...)``, ``optional``,
    ``repeating`` for ``*args``), ``options`` and ``result``.
    """
    ensure_remote_engine()
    import xlwings.server as xs

    return xs.custom_functions_meta(module)


def _excel_serial(value: dt.date | dt.datetime) -> float:
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    delta = value.replace(tzinfo=None) - _EXCEL_EPOCH
    return delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6


def _excel_arg(value: Any) -> Any:
    """One argument as Excel's custom-functions runtime sends it: always a 2D array
    (scalar -> [[v]], 1D list -> one row), empty cells as null, dates as serials."""
    if value is None:
        return None  # an omitted optional argument

    def cell(v):
        if isinstance(v, (dt.date, dt.datetime)):
            return _excel_serial(v)
        return v

    if isinstance(value, (list, tuple)):
        rows = value if value and isinstance(value[0], (list, tuple)) else [value]
        return [[cell(v) for v in row] for row in rows]
    return [[cell(value)]]


async def acall_udf(
    module,
    name: str,
    *args: Any,
    caller_address: str = "[Book1.xlsx]Sheet1!A1",
    runtime: str = "1.4",
    date_format: str | None = None,
    culture_info_name: str | None = None,
    raw_args: bool = False,
):
    """Async version of :func:`call_udf` (use inside a running event loop)."""
    ensure_remote_engine()
    import xlwings as xw
    import xlwings.server as xs

    data = {
        "func_name": name,  # the Python function name, as the JS client sends it
        "args": list(args) if raw_args else [_excel_arg(a) for a in args],
        "caller_address": caller_address,
        "version": xw.__version__,
        "client": CLIENT,
        "runtime": runtime,
    }
    if date_format:
        data["date_format"] = date_format
    if culture_info_name:
        data["culture_info_name"] = culture_info_name
    data = json.loads(json.dumps(data))  # what travels over the wire
    # The hosting framework injects the calling cell for `caller: xw.Caller` params.
    typehint_to_value = {xs.Caller: xs.caller_from_address(caller_address)}
    return await xs.custom_functions_call(data, module, typehint_to_value=typehint_to_value)


def call_udf(module, name: str, *args: Any, **kwargs: Any):
    """Call ``module.<name>`` the way xlwings Server/Lite do when Excel calculates it.

    ``args`` are the cell values as a user would pass them: a scalar, a 1D list (one
    row) or a 2D list; ``None`` for an omitted optional argument.  Dates become Excel
    serial numbers, as the custom-functions runtime sends them.  Pass
    ``raw_args=True`` to send ``args`` unchanged (each must then be a 2D list, a
    ``*args`` parameter a list of 2D lists).

    Returns the converted result as sent back to Excel: always a 2D list (``None`` ->
    "", NaN -> ``{"type": "Error", "errorType": "Num"}`` with runtime >= 1.4, dates ->
    serial floats or FormattedNumber dicts when a ``date_format`` is given), or a
    ``CustomFunctionResult`` when the function returned ``xw.WithScript``.
    Exceptions raised by the function propagate.
    """
    return asyncio.run(acall_udf(module, name, *args, **kwargs))


LITE_MAIN = Path(__file__).parents[2] / "workbook" / "lite" / "main.py"


def load_lite(name: str):
    """The Lite bundle's main.py as a module of its own (`name`), as Lite runs it."""
    spec = importlib.util.spec_from_file_location(name, LITE_MAIN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def frozen_clock(today: dt.date, now: dt.datetime) -> types.SimpleNamespace:
    """A stand-in for the `datetime` module whose date.today() and datetime.now() say `today` /
    `now`: set as a module's `dt`, its macros work as of that day."""

    class Date(dt.date):
        @classmethod
        def today(cls) -> dt.date:
            return today

    class DateTime(dt.datetime):
        @classmethod
        def now(cls, tz=None) -> dt.datetime:
            return now

    return types.SimpleNamespace(date=Date, datetime=DateTime, time=dt.time, timedelta=dt.timedelta)
