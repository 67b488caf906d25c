"""Where a command's time goes before it writes: read / clean / compute, on one line (stderr).

    python bench/phases.py bench/data/L.xlsx             # refresh, nothing written
    python bench/phases.py bench/data/M.xlsx summary     # or qualify (dry run), summary

Runs the command's own service with writing turned off, so the book is never changed.
"""

from __future__ import annotations

import datetime as dt
import os
import sys

from leadbook import services
from leadbook.book.filebook import FileBook

TODAY = dt.date(2026, 11, 23)


def main() -> None:
    os.environ.setdefault("LEADBOOK_TIMING", "1")
    path, command = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "refresh")
    book = FileBook(path, services.NEEDS.get(command))
    if command == "refresh":
        services.refresh(book, TODAY, write=False)
    elif command == "qualify":
        services.qualify(book, TODAY, "bench", dt.datetime(2026, 11, 23, 9), dry_run=True)
    elif command == "summary":
        services.summary(book, TODAY, write=False)
    else:
        sys.exit(f"unknown command {command!r}: refresh, qualify or summary")


if __name__ == "__main__":
    main()
