"""Deterministic benchmark workbooks in the contract's shape: sizes S, M, L.

    python bench/gen.py M            # writes bench/data/M.xlsx (10k leads, 100k touches)
    python bench/gen.py L --out x.xlsx

Written with xlsxwriter (fast for 1M rows); the Tables, Settings and
sheets match `leadbook new`, so every command runs on the result.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import pandas as pd
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from leadbook.book.sheets import excel_value
from leadbook.core import schema as s
from leadbook.core.sample import sample_book
from leadbook.core.settings import defaults_frame

SIZES = {"S": (1_000, 5_000), "M": (10_000, 100_000), "L": (100_000, 1_000_000)}
TODAY = dt.date(2026, 11, 23)


def write_sheet(
    wb: xlsxwriter.Workbook, name: str, columns: tuple[str, ...], frame: pd.DataFrame, date_format
) -> None:
    ws = wb.add_worksheet(name)
    dates = set(s.DATE_COLUMNS.get(name, ()))
    body = frame.reindex(columns=list(columns))
    ws.write_row(0, 0, columns)
    for i, row in enumerate(body.itertuples(index=False), start=1):
        for j, value in enumerate(row):
            value = excel_value(value)
            if value is None:
                continue
            if columns[j] in dates:
                ws.write_datetime(i, j, pd.Timestamp(value).to_pydatetime(), date_format)
            else:
                ws.write(i, j, value)
    last = max(len(body), 1)
    ws.add_table(0, 0, last, len(columns) - 1, {
        "name": name, "columns": [{"header": c} for c in columns], "style": "Table Style Medium 2",
    })  # fmt: skip
    ws.freeze_panes(1, 0)
    ws.set_column(f"A:{xl_col_to_name(len(columns) - 1)}", 14)


def generate(size: str, out: Path, seed: int = 11, counts: tuple[int, int] | None = None) -> Path:
    """Write the bench book of `size` (or of `counts` leads and touches) to `out`."""
    leads, touches = counts or SIZES[size]
    frames = sample_book(leads, touches, TODAY, seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(out))
    date_format = wb.add_format({"num_format": "yyyy-mm-dd"})
    write_sheet(wb, s.LEADS, s.LEAD_COLUMNS, frames[s.LEADS], date_format)
    write_sheet(wb, s.PROSPECTS, s.PROSPECT_COLUMNS, frames[s.PROSPECTS], date_format)
    write_sheet(wb, s.TOUCHES, s.TOUCH_COLUMNS, frames[s.TOUCHES], date_format)
    write_sheet(wb, s.SETTINGS, s.SETTINGS_COLUMNS, defaults_frame(), date_format)
    wb.add_worksheet(s.SUMMARY)
    write_sheet(wb, s.LOG, s.LOG_COLUMNS, pd.DataFrame(), date_format)
    wb.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", choices=SIZES)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    out = args.out or Path(__file__).parent / "data" / f"{args.size}.xlsx"
    print(generate(args.size, out, args.seed))


if __name__ == "__main__":
    main()
