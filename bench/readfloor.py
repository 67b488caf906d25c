"""The read floor: a fast reader alone turning the Leads and Touches sheets into frames.

    python bench/readfloor.py bench/data/L.xlsx                 # fastexcel (Arrow), dates typed
    python bench/readfloor.py bench/data/L.xlsx --reader calamine   # python-calamine to_python

What `leadbook refresh` is compared against: no header search, no cleaning, no writing.
"""

from __future__ import annotations

import argparse
import sys
import time

import pandas as pd

SHEETS = ("Leads", "Touches")


def with_fastexcel(path: str) -> list[pd.DataFrame]:
    import fastexcel

    reader = fastexcel.read_excel(path)
    return [reader.load_sheet(sheet).to_pandas() for sheet in SHEETS]


def with_calamine(path: str) -> list[pd.DataFrame]:
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_path(path)
    frames = []
    for sheet in SHEETS:
        rows = book.get_sheet_by_name(sheet).to_python()
        frames.append(pd.DataFrame(rows[1:], columns=rows[0]))
    return frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("book")
    parser.add_argument("--reader", choices=("fastexcel", "calamine"), default="fastexcel")
    args = parser.parse_args()
    start = time.perf_counter()
    frames = (with_fastexcel if args.reader == "fastexcel" else with_calamine)(args.book)
    rows = "+".join(str(len(f)) for f in frames)
    print(f"{args.reader}: {rows} rows in {time.perf_counter() - start:.2f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
