"""The live path (xlwings Lite) at size: every action through a double of the Office.js client.

    python bench/live.py bench/data/M.xlsx            # one JSON line per action
    python bench/live.py BOOK --actions refresh,log_touch --no-limit

Each action runs in a fresh process on the book's payload (built with python-calamine, tables
from the xlsx parts), through workbook/lite/main.py's async scripts and xlwings' own async
code, against tests/excel/officejs.py, which records every request. Keys: action, requests,
max_request_bytes (largest request or response), max_request_cells, total_bytes, seconds
(leadbook's Python time: the double's own time taken out), peak_mib (peak memory above the
payload, from the process' max RSS), and the first line of the message shown in Excel.
`file refresh` is the file backend's refresh on a copy of the same book, for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import importlib.util
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "excel"), str(ROOT)]
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # the remote engine, bench only
os.environ.setdefault("XLWINGS_ON_SERVER", "true")

ACTIONS = ("refresh", "highlight", "qualify", "summary", "check", "log_touch")
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _tables(path: Path) -> dict[str, list[tuple[str, str, list[str]]]]:
    """Sheet name -> its tables (name, ref, column names), read from the xlsx parts."""
    out: dict[str, list] = {}
    with zipfile.ZipFile(path) as z:
        wb = ElementTree.fromstring(z.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        target = {r.get("Id"): r.get("Target") for r in rels}
        for sheet in wb.find("m:sheets", NS):
            part = "xl/" + target[sheet.get(REL)].lstrip("/").removeprefix("xl/")
            rel_part = part.replace("worksheets/", "worksheets/_rels/") + ".rels"
            out[sheet.get("name")] = []
            if rel_part not in z.namelist():
                continue
            for r in ElementTree.fromstring(z.read(rel_part)):
                if r.get("Type", "").endswith("/table"):
                    t = ElementTree.fromstring(z.read("xl/tables/" + Path(r.get("Target")).name))
                    columns = [c.get("name") for c in t.find("m:tableColumns", NS)]
                    out[sheet.get("name")].append((t.get("displayName"), t.get("ref"), columns))
    return out


def payload(path: Path, active: str = "Leads") -> dict:
    """The book payload the Office.js client would hold, fast enough for 1M rows (`active`: the
    sheet shown, else the first)."""
    import engine
    import python_calamine
    import xlwings as xw

    reader = python_calamine.CalamineWorkbook.from_path(str(path))
    tables = _tables(path)
    sheets = []
    for name in reader.sheet_names:
        rows = reader.get_sheet_by_name(name).to_python(skip_empty_area=False)
        values = [[engine._cell_to_wire(v if v != "" else None) for v in row] for row in rows] or [[""]]
        metas = []
        for t_name, ref, columns in tables.get(name, []):
            bounds = engine._parse_address(ref)
            metas.append(
                engine._table_dict(
                    name=t_name,
                    bounds=bounds,
                    show_headers=True,
                    show_totals=False,
                    columns=columns,
                    table_style="TableStyleMedium2",
                )  # fmt: skip
            )
        sheet = engine._empty_sheet(name)
        sheet.update(values=values, used_range_address=engine._used_range(values), tables=metas)
        sheets.append(sheet)
    leads = reader.sheet_names.index(active) if active in reader.sheet_names else 0
    return {
        "client": engine.CLIENT,
        "version": xw.__version__,
        "book": {
            "name": path.name,
            "active_sheet_index": leads,
            "selection": "C5",
            "calculation": "Automatic",
        },
        "names": [],
        "sheets": sheets,
    }


def _lite_main():
    spec = importlib.util.spec_from_file_location(
        "leadbook_lite_main", ROOT / "workbook" / "lite" / "main.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one(path: Path, action: str, no_limit: bool) -> dict:
    """Run one action on the book (in this process) and measure it."""
    import engine
    import officejs

    from leadbook.book import live

    if no_limit:
        live.WEB_LIMITS = {k: 10**9 for k in live.WEB_LIMITS}
    engine.ensure_remote_engine()
    main = _lite_main()
    book = payload(path)
    double = officejs.OfficeJs(book, copy=False)
    del book
    base = _rss_mib()
    began = time.perf_counter()
    with officejs.installed(double):
        asyncio.run(officejs.run(main, action, double, []))
    seconds = time.perf_counter() - began - double.seconds
    calls = double.calls
    alerts = double.payload.get("_alerts", [])
    return {
        "action": action,
        "requests": len(calls),
        "max_request_bytes": max(max(c.sent, c.received) for c in calls),
        "max_request_cells": max(c.cells for c in calls),
        "total_bytes": sum(c.sent + c.received for c in calls),
        "seconds": round(seconds, 2),
        "peak_mib": round(_rss_mib() - base, 1),
        "message": alerts[0]["prompt"].splitlines()[0] if alerts else "",
    }


def file_refresh(path: Path) -> dict:
    """The file backend's refresh on a copy of the book, for comparison."""
    from leadbook import services
    from leadbook.book.filebook import FileBook

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / path.name
        shutil.copy(path, copy)
        base = _rss_mib()
        began = time.perf_counter()
        result = services.refresh(FileBook(copy), dt.date.today())
        seconds = time.perf_counter() - began
    return {
        "action": "file refresh",
        "seconds": round(seconds, 2),
        "peak_mib": round(_rss_mib() - base, 1),
        "message": f"Updated {len(result.plan.ops[0].frame)} lead row(s)",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("book", type=Path)
    parser.add_argument("--actions", default=",".join((*ACTIONS, "file")))
    parser.add_argument("--no-limit", action="store_true", help="lift the Excel-for-the-web size stop")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one action here
    args = parser.parse_args()
    if args.one:
        result = file_refresh(args.book) if args.one == "file" else one(args.book, args.one, args.no_limit)
        print(json.dumps(result))
        return
    for action in args.actions.split(","):
        command = [sys.executable, __file__, str(args.book), "--one", action]
        command += ["--no-limit"] if args.no_limit else []
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if done.returncode or not lines:
            error = (done.stderr.strip().splitlines() or ["no output"])[-1]
            print(json.dumps({"action": action, "error": re.sub(r"\s+", " ", error)}), flush=True)
        else:
            print(lines[-1], flush=True)


if __name__ == "__main__":
    main()
