"""A test double of xlwings Lite's Office.js client for the async API (`xw.BookAsync`).

In xlwings Lite, Python's async calls end in `js.xlwings.<func>(...)`: `getBookData` (metadata
with `lazy`), `getRangeValues`, `getUsedRangeAddress`, `getSelection`, `runActions` (what
`await book.flush()` sends). Off Pyodide, xlwings refuses them (`sys.platform` is checked and
`js` / `pyodide.ffi` are imported). `installed(double)` provides both and points the remote
engine's platform check at "emscripten", so xlwings' own async code runs unchanged and ends here.

The double serves a payload built from a real .xlsx (engine.payload_from_xlsx), applies the
actions like engine.apply_actions, and records every request: function, JSON bytes sent and
received, and cells. Like Excel for the web it refuses a request or response over 5 MB or a
range over 5,000,000 cells.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy as _copy
import json
import sys
import time
import types
from dataclasses import dataclass
from typing import Any

import engine

LIMIT_BYTES = 5 * 1000 * 1000  # Office.js: 5 MB per request and per response
LIMIT_CELLS = 5_000_000  # Office.js: cells per range read


class PayloadTooLarge(Exception):
    """What Excel for the web raises: RequestPayloadSizeLimitExceeded and friends."""


class Js:
    """A JS proxy: `.to_py()` gives the Python value."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def to_py(self) -> Any:
        return self.value


class JsNull:
    """pyodide.ffi.JsNull (never produced here: the double raises instead of returning null)."""


@dataclass
class Call:
    func: str
    sent: int  # bytes of JSON sent to Excel
    received: int  # bytes of JSON returned
    cells: int  # cells read or written


def _bytes(value: Any) -> int:
    return len(json.dumps(value, default=str, ensure_ascii=False).encode())


def _cells(values: Any) -> int:
    return (
        sum(len(r) for r in values)
        if isinstance(values, list) and values and isinstance(values[0], list)
        else 0
    )


class OfficeJs:
    """The `js.xlwings` namespace, backed by a payload, recording each request."""

    def __init__(self, payload: dict, copy: bool = True) -> None:
        """`copy=False` serves `payload` itself (bench/live.py: a large book it never reuses)."""
        self.payload = _copy.deepcopy(payload) if copy else payload
        self.payload.setdefault("_alerts", [])
        self.payload.setdefault("_skipped", [])
        self.calls: list[Call] = []
        self.actions: list[dict] = []  # every action Python sent, in order
        self.seconds = 0.0  # time spent in the double itself (not leadbook's)

    # ------------------------------------------------------------------ recording
    def _record(self, func: str, sent: Any, received: Any, cells: int) -> None:
        call = Call(func, _bytes(sent), _bytes(received), cells)
        self.calls.append(call)
        if call.sent > LIMIT_BYTES:
            raise PayloadTooLarge(f"RequestPayloadSizeLimitExceeded: {func} sent {call.sent:,} bytes")
        if call.received > LIMIT_BYTES:
            raise PayloadTooLarge(
                f"ResponsePayloadSizeLimitExceeded: {func} returned {call.received:,} bytes"
            )
        if cells > LIMIT_CELLS:
            raise PayloadTooLarge(f"{func}: {cells:,} cells is over the 5,000,000-cell limit of one range")

    def _sheet(self, name: str) -> dict:
        return next(s for s in self.payload["sheets"] if s["name"] == name)

    # ------------------------------------------------------------------ js.xlwings
    async def getBookData(self, opts: dict | None = None) -> Js:
        began = time.perf_counter()
        opts = opts or {}
        data = {k: v for k, v in self.payload.items() if not k.startswith("_")}
        data = _copy.deepcopy({**data, "sheets": []})
        include = opts.get("include")
        for sheet in self.payload["sheets"]:
            if include and sheet["name"] not in str(include).split(","):
                continue
            entry = {k: v for k, v in sheet.items() if k != "values"}
            entry = _copy.deepcopy(entry)
            entry["values"] = [] if opts.get("lazy") else _copy.deepcopy(sheet["values"])
            data["sheets"].append(entry)
        cells = sum(_cells(s["values"]) for s in data["sheets"])
        self.seconds += time.perf_counter() - began
        self._record("getBookData", opts, data, cells)
        return Js(data)

    async def getRangeValues(self, sheet: str, address: str) -> Js:
        began = time.perf_counter()
        r1, c1, r2, c2 = engine._parse_address(address)
        values = self._sheet(sheet)["values"]
        out = []
        for r in range(r1, r2 + 1):
            row = values[r - 1] if r <= len(values) else []
            out.append([row[c - 1] if c <= len(row) else "" for c in range(c1, c2 + 1)])
        self.seconds += time.perf_counter() - began
        self._record("getRangeValues", [sheet, address], out, (r2 - r1 + 1) * (c2 - c1 + 1))
        return Js(out)

    async def getUsedRangeAddress(self, sheet: str, values_only: bool = False) -> str | None:
        began = time.perf_counter()
        address = engine._used_range(self._sheet(sheet)["values"])
        self.seconds += time.perf_counter() - began
        self._record("getUsedRangeAddress", [sheet, values_only], address, 0)
        return address

    async def getRangeData(self, sheet: str, address: str, keys: list) -> Js:
        """On-demand range properties: `conditional_formats` (the rules on the range) and
        `merge_cells` (True: all merged, False: none, None: some, as Excel's MergeCells)."""
        bounds = engine._parse_address(address)
        out: dict[str, Any] = {}
        for key in keys:
            if key == "merge_cells":
                out[key] = engine.merge_cells(self._sheet(sheet), bounds)
                continue
            if key != "conditional_formats":
                raise NotImplementedError(f"getRangeData({key!r}) is not simulated")
            rules = self._sheet(sheet).get("_conditional_formats", [])
            out[key] = [
                {k: v for k, v in r.items() if k != "address"}
                for r in rules
                if engine._overlaps(engine._parse_address(r["address"]), bounds)
            ]
        self._record("getRangeData", [sheet, address, keys], out, 0)
        return Js(_copy.deepcopy(out))

    async def getSelection(self) -> Js:
        book = self.payload["book"]
        out = {"sheetIndex": book["active_sheet_index"], "address": book["selection"]}
        self._record("getSelection", [], out, 0)
        return Js(out)

    async def getActiveSheetIndex(self) -> int:
        self._record("getActiveSheetIndex", [], 0, 0)
        return self.payload["book"]["active_sheet_index"]

    async def runActions(self, actions: dict) -> None:
        began = time.perf_counter()
        actions = json.loads(json.dumps(actions, default=str))
        cells = sum(_cells(a.get("values")) for a in actions["actions"])
        self._record("runActions", actions, None, cells)
        self.actions.extend(actions["actions"])
        for action in actions["actions"]:
            engine._apply_one(self.payload, action)
        self.seconds += time.perf_counter() - began

    # ------------------------------------------------------------------ results
    def trimmed(self) -> dict:
        """The payload as the next script would receive it (trimmed like a fresh read)."""
        new = _copy.deepcopy(self.payload)
        for sheet in new["sheets"]:
            sheet["values"] = engine._trim(sheet["values"])
            sheet["used_range_address"] = engine._used_range(sheet["values"])
        return new


@contextlib.contextmanager
def installed(double: OfficeJs):
    """Make xlwings' async API call `double` (as xlwings Lite's client would be called)."""
    from xlwings.pro import _xlremote

    ffi = types.ModuleType("pyodide.ffi")
    ffi.JsNull = JsNull
    ffi.to_js = lambda value, dict_converter=None: value
    pyodide = types.ModuleType("pyodide")
    pyodide.ffi = ffi
    js = types.ModuleType("js")
    js.xlwings = double
    js.Object = types.SimpleNamespace(fromEntries=dict)
    saved = {name: sys.modules.get(name) for name in ("js", "pyodide", "pyodide.ffi")}
    sys.modules.update({"js": js, "pyodide": pyodide, "pyodide.ffi": ffi})
    real_sys = _xlremote.sys
    _xlremote.sys = types.SimpleNamespace(platform="emscripten")
    try:
        yield double
    finally:
        _xlremote.sys = real_sys
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


async def run(module: Any, name: str, double: OfficeJs, args: list) -> Any:
    """Run one async script against `double` (what xlwings Lite does on a click)."""
    import xlwings as xw
    import xlwings.server as xs

    data = (await double.getBookData({"lazy": True})).to_py()
    book = xw.Book(json=json.loads(json.dumps(data)))
    book = await xs.custom_scripts_call(module, name, typehint_to_value={xw.Book: book}, args=args)
    await book.flush()  # what xlwings Lite sends when the script returns
    return book


def run_async_script(module: Any, name: str, payload: dict, *args: Any) -> OfficeJs:
    """Run an async `@script` (book: xw.BookAsync) like xlwings Lite, against a double of `payload`."""
    engine.ensure_remote_engine()
    double = OfficeJs(payload)
    with installed(double):
        asyncio.run(run(module, name, double, list(args)))
    return double
