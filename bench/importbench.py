"""Import benchmark: an export file of N rows into a bench book, with dedupe, timed by phase.

    python bench/importbench.py M            # 10k rows into bench/data/M.xlsx (gen.py makes it)
    python bench/importbench.py L            # 100k rows into bench/data/L.xlsx
    python bench/importbench.py M --write    # also apply the plan to a copy (the file writer's time)
    python bench/importbench.py M --file-only  # only write bench/data/import-M.csv (for the CLI)

The file mixes new people (60%), leads already in the book written differently (25%: email in
upper case with spaces or mailto:, phone in national form, a near spelling of the name at the
same company) and repeats within the file (15%), as HubSpot-style CSV. Prints seconds for
reading the file, reading the book, matching (dedupe + plan) and writing, and peak memory.
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

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from gen import generate  # noqa: E402

from leadbook import services  # noqa: E402
from leadbook.book.filebook import FileBook  # noqa: E402
from leadbook.book.importfile import read_export  # noqa: E402
from leadbook.core import schema as s  # noqa: E402

ROWS = {"S": 1_000, "M": 10_000, "L": 100_000}
HEADERS = ["Record ID", "First Name", "Last Name", "Email", "Company Name", "Phone Number", "Job Title",
           "Contact owner", "Create Date", "Original Source", "Lifecycle Stage"]  # fmt: skip
LETTERS = np.array(list("abcdefghijklmnopqrstuvwxyz"))


def _words(rng: np.random.Generator, n: int, length: int) -> np.ndarray:
    picks = LETTERS[rng.integers(0, 26, size=(n, length))]
    return np.char.capitalize(np.array(["".join(p) for p in picks]))


def export_rows(book: pd.DataFrame, n: int, seed: int = 5) -> pd.DataFrame:
    """n export rows in HubSpot's shape: new people, book leads written differently, repeats."""
    rng = np.random.default_rng(seed)
    n_new, n_book = int(n * 0.6), int(n * 0.25)
    first, last = _words(rng, n_new, 5), _words(rng, n_new, 8)
    company = np.char.add(_words(rng, n_new, 6)[rng.integers(0, max(1, n_new // 12), n_new)], " Ltd")
    new = pd.DataFrame({
        "First Name": first, "Last Name": last,
        "Email": np.char.add(np.char.add(np.char.lower(first), "."), np.char.add(np.char.lower(last), "@new.example")),
        "Company Name": company,
        "Phone Number": [f"+44 20 8{x:03d} {y:04d}" for x, y in rng.integers(0, 1000, (n_new, 2)) % [1000, 10000]],
        "Job Title": rng.choice(["CEO", "Buyer", "IT Director", "N/A", "=HYPERLINK(\"x\")"], n_new),
        "Contact owner": rng.choice(["Alice", "Bruno", ""], n_new),
        "Create Date": pd.Timestamp("2026-10-01") + pd.to_timedelta(rng.integers(0, 50, n_new), unit="D"),
        "Original Source": rng.choice(["ORGANIC_SEARCH", "REFERRALS", "PAID_SOCIAL", "OFFLINE", "Select"], n_new),
    })  # fmt: skip
    new["Create Date"] = new["Create Date"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    known = book.iloc[rng.integers(0, len(book), n_book)].reset_index(drop=True)
    names = known[s.NAME].str.split(" ", n=1, expand=True)
    how = rng.integers(0, 3, n_book)
    dup = pd.DataFrame({
        "First Name": names[0], "Last Name": names[1],
        "Email": np.where(how == 0, " " + known[s.EMAIL].str.upper() + " ", np.where(how == 1, "mailto:" + known[s.EMAIL], "")),
        "Company Name": known[s.COMPANY].str.upper(),
        "Phone Number": np.where(how == 2, "0" + known[s.PHONE].str[4:], ""),
        "Job Title": rng.choice(["CEO", "", "Head of Sales"], n_book), "Contact owner": "",
        "Create Date": "", "Original Source": "",
    })  # fmt: skip
    repeats = new.iloc[rng.integers(0, n_new, n - n_new - n_book)].copy()
    repeats["Email"] = repeats["Email"].str.upper()
    rows = pd.concat([new, dup, repeats], ignore_index=True).sample(frac=1, random_state=seed)
    rows.insert(0, "Record ID", [f"{900000 + i}" for i in range(len(rows))])
    rows["Lifecycle Stage"] = "lead"
    return rows[HEADERS].reset_index(drop=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", choices=ROWS)
    parser.add_argument("--rows", type=int)
    parser.add_argument("--write", action="store_true", help="apply the plan to a copy of the book")
    parser.add_argument("--file-only", action="store_true", help="only write the export file")
    args = parser.parse_args()
    data = Path(__file__).parent / "data"
    book_path = data / f"{args.size}.xlsx"
    if not book_path.exists():
        generate(args.size, book_path)
    export = data / f"import-{args.size}.csv"
    if not export.exists() or args.rows:
        leads = FileBook(book_path).read(s.LEADS)
        export_rows(leads, args.rows or ROWS[args.size]).to_csv(export, index=False, encoding="utf-8-sig")
    if args.file_only:
        print(export)
        return
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "book.xlsx"
        shutil.copy(book_path, target)
        started = time.perf_counter()
        raw = read_export(export)
        read = time.perf_counter() - started
        now = dt.datetime(2026, 11, 23, 9)
        result = services.import_rows(
            FileBook(target), raw, export.name, now.date(), now, "bench", dry_run=not args.write
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.size}: {len(raw):,} rows -> {result.counts()}, {len(result.conflicts)} conflicts")
    print(
        f"read file {read:.2f} s, read book {result.seconds['read book']:.2f} s, "
        f"match {result.seconds['match']:.2f} s, write {result.seconds['write']:.2f} s"
        + ("" if args.write else " (dry run)")
        + f"; peak {peak:.0f} MiB"
    )


if __name__ == "__main__":
    main()
