"""Time one refresh split into read / compute / write, on a scratch copy of a bench book.

    python bench/split.py M            # bench/data/M.xlsx (made by bench/gen.py)

Prints wall and cpu seconds per phase and the process's peak memory after each (the peak only grows).
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from leadbook import services
from leadbook.book.filebook import FileBook
from leadbook.core import schema as s
from leadbook.core.plan import AppendRows, Plan, SetCells
from leadbook.core.qualify import changed_rows, disqualified_log

TODAY = dt.date(2026, 11, 23)


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("size")
    args = parser.parse_args()
    source = Path(__file__).parent / "data" / f"{args.size}.xlsx"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "book.xlsx"
        shutil.copy(source, path)
        marks = [("start", time.perf_counter(), time.process_time(), peak_mib())]
        book = FileBook(path, services.NEEDS["refresh"])  # as `leadbook refresh` opens it
        frames = services.read_frames(book)
        marks.append(("read", time.perf_counter(), time.process_time(), peak_mib()))
        values = services.evaluate(frames, TODAY)
        new = values[list(services.REFRESH_COLUMNS)]
        plan = Plan([SetCells(s.LEADS, changed_rows(frames.leads, new))])
        log = disqualified_log(frames.leads, values, "bench", dt.datetime(2026, 11, 23, 9))
        plan.add(AppendRows(s.LOG, log.reset_index(drop=True)))
        marks.append(("compute", time.perf_counter(), time.process_time(), peak_mib()))
        book.apply(plan)
        marks.append(("write", time.perf_counter(), time.process_time(), peak_mib()))
    cells = sum(op.frame.size for op in plan.ops)
    for (_, t0, c0, _), (name, t1, c1, peak) in zip(marks, marks[1:], strict=False):
        print(f"{name:8} wall {t1 - t0:6.2f} s  cpu {c1 - c0:6.2f} s  peak {peak:6.0f} MiB", file=sys.stderr)
    print(f"cells written: {cells}", file=sys.stderr)


if __name__ == "__main__":
    main()
