"""Time `leadbook calibrate` on a benchmark book, in stages: read, learn and judge, write.

    python bench/gen.py L && python bench/calibrate.py bench/data/L.xlsx [--write]

Without --write the Calibration sheet is not written (the file backend's openpyxl rewrite of the
whole book is the same cost as any other write: see README, Speed). Prints seconds per stage.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import tempfile
import time
from pathlib import Path

from leadbook import services
from leadbook.book.filebook import FileBook
from leadbook.core import schema as s
from leadbook.core.calibrate import calibrate
from leadbook.core.clean import clean

TODAY = dt.date(2026, 11, 23)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("book", type=Path)
    parser.add_argument("--write", action="store_true", help="Also write the Calibration sheet (on a copy).")
    args = parser.parse_args()
    started = time.perf_counter()
    book = FileBook(args.book)
    frames = services.read_frames(book)
    log = clean(s.LOG, book.read(s.LOG))[0]
    read = time.perf_counter()
    result = calibrate(frames.leads, frames.prospects, frames.touches, log, frames.settings, TODAY)
    learned = time.perf_counter()
    print(
        f"leads {len(frames.leads)}, touches {len(frames.touches)}, closed {result.closed}: {result.verdict}"
    )
    print(f"read {read - started:.2f} s, calibrate {learned - read:.2f} s")
    if args.write:
        with tempfile.TemporaryDirectory() as folder:
            copy = Path(folder) / args.book.name
            shutil.copy(args.book, copy)
            begun = time.perf_counter()
            services.calibrate(FileBook(copy), TODAY)
            print(f"whole action with the write {time.perf_counter() - begun:.2f} s")


if __name__ == "__main__":
    main()
