"""The command's own output: any terminal encoding, and quiet when piped into `head`."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

from leadbook.book.template import new_book
from leadbook.core import schema as s
from leadbook.core.sample import sample_book


def test_a_name_the_terminal_cannot_print_does_not_fail_the_command(tmp_path):
    book = tmp_path / "team.xlsx"
    frames = sample_book(20, None, dt.date(2026, 11, 23))
    frames[s.LEADS][s.OWNER] = "Łukasz 日本"
    new_book(book, frames)
    env = {**os.environ, "PYTHONIOENCODING": "cp1252"}
    done = subprocess.run(
        [sys.executable, "-m", "leadbook", "refresh", str(book), "--today", "2026-11-23"],
        capture_output=True, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode("cp1252", "replace")
    assert b"Traceback" not in done.stderr and b"?ukasz" in done.stdout


def test_piping_into_head_ends_quietly(tmp_path):
    book = tmp_path / "team.xlsx"
    new_book(book, sample_book(300, None, dt.date(2026, 11, 23)))
    command = f"'{sys.executable}' -m leadbook summary '{book}' --no-write --today 2026-11-23 | head -1"
    done = subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True, check=False)
    assert done.stdout.count(b"\n") == 1
    assert done.stderr == b""  # no traceback, no "Broken pipe" (click ends a closed pipe with exit 1)
