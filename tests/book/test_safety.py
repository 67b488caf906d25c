"""Safe writes on real files: kills at every point, two commands at once, modes, symlinks, backups."""

from __future__ import annotations

import datetime as dt
import os
import stat
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import python_calamine

from leadbook.book.filebook import FileBook
from leadbook.book.safety import BACKUP_DIR, TEMP_PREFIX, safe_write
from leadbook.book.template import new_book
from leadbook.core import schema as s
from leadbook.core.plan import AppendRows, Plan, SetCells
from leadbook.core.problems import LeadbookError
from leadbook.core.sample import sample_book

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def book(tmp_path) -> Path:
    path = tmp_path / "team.xlsx"
    new_book(path, sample_book(30, None, TODAY))
    return path


def set_score(value: int) -> Plan:
    return Plan([SetCells(s.LEADS, pd.DataFrame({s.SCORE: [value]}, index=[2]))])


def score(path: Path) -> object:
    rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(s.LEADS).to_python()
    return rows[1][rows[0].index(s.SCORE)]


def leftovers(folder: Path) -> list[str]:
    found = list(folder.glob(f"{TEMP_PREFIX}*")) + list((folder / BACKUP_DIR).glob(f"{TEMP_PREFIX}*"))
    return sorted(p.name for p in found)


WRITE = textwrap.dedent(
    """
    import sys, pandas as pd
    from leadbook.book.filebook import FileBook
    from leadbook.core import schema as s
    from leadbook.core.plan import Plan, SetCells
    FileBook(sys.argv[1]).apply(Plan([SetCells(s.LEADS, pd.DataFrame({s.SCORE: [77]}, index=[2]))]))
    """
)


@pytest.mark.parametrize("point", ["temp-written", "backup-copy", "before-replace"])
def test_a_write_killed_at_any_point_leaves_the_book_intact_and_the_next_run_cleans_up(book, point):
    before = book.read_bytes()
    env = {**os.environ, "LEADBOOK_TEST_KILL_AT": point}
    done = subprocess.run([sys.executable, "-c", WRITE, str(book)], env=env, check=False)
    assert done.returncode == -9  # SIGKILL: no cleanup code ran
    assert book.read_bytes() == before
    backups = list((book.parent / BACKUP_DIR).glob("team.*.xlsx"))
    for backup in backups:  # a backup under its own name is always whole
        assert backup.read_bytes() == before
    FileBook(book).apply(set_score(5))  # the next run
    assert score(book) == 5
    assert leftovers(book.parent) == []


def test_two_commands_on_one_book_run_one_after_the_other(book):
    hold = textwrap.dedent(
        """
        import sys, time
        from leadbook.book.filebook import FileBook
        book = FileBook(sys.argv[1])
        print("held", flush=True)
        time.sleep(3)
        """
    )
    first = subprocess.Popen([sys.executable, "-c", hold, str(book)], stdout=subprocess.PIPE, text=True)
    assert first.stdout.readline().strip() == "held"
    second = subprocess.run(
        [sys.executable, "-c", WRITE, str(book)], capture_output=True, text=True, check=False
    )
    first.wait()
    assert second.returncode == 0, second.stderr  # it waited for the first, then wrote
    assert score(book) == 77


def test_a_book_changed_since_it_was_read_is_not_replaced(book):
    leadbook = FileBook(book)
    leadbook.read(s.LEADS)
    with zipfile.ZipFile(book, "a") as z:  # someone else saves the book meanwhile
        z.writestr("docProps/custom-note.txt", "saved by a teammate")
    theirs = book.read_bytes()
    with pytest.raises(LeadbookError, match="changed since leadbook read it"):
        leadbook.apply(set_score(3))
    assert book.read_bytes() == theirs


def test_mode_is_kept_and_a_symlink_stays_a_symlink(book, tmp_path):
    os.chmod(book, 0o664)
    link = tmp_path / "link.xlsx"
    link.symlink_to(book)
    FileBook(link).apply(set_score(9))
    assert link.is_symlink() and score(book) == 9
    assert stat.S_IMODE(book.stat().st_mode) == 0o664


def test_the_copy_made_before_adopt_is_never_rotated_away(book):
    safe_write(book, lambda tmp: tmp.write_bytes(book.read_bytes()), keep=True)
    for i in range(8):
        FileBook(book).apply(set_score(i))
    folder = book.parent / BACKUP_DIR
    assert len(list(folder.glob("team.before-adopt-*.xlsx"))) == 1
    assert len(list(folder.glob("team.2*.xlsx"))) == 5


def test_a_write_that_would_change_a_part_it_does_not_own_is_refused(book):
    before = book.read_bytes()

    def sneaky(tmp: Path) -> set[str]:
        with zipfile.ZipFile(book) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
            for info in src.infolist():
                data = src.read(info)
                out.writestr(info, data + b" " if info.filename == "xl/styles.xml" else data)
        return {"xl/worksheets/sheet1.xml"}

    with pytest.raises(LeadbookError, match="parts leadbook does not own"):
        safe_write(book, sneaky)
    assert book.read_bytes() == before


def test_append_keeps_every_other_part_byte_identical(book):
    with zipfile.ZipFile(book) as z:
        before = {i.filename: (i.CRC, i.compress_size) for i in z.infolist()}
    FileBook(book).apply(Plan([AppendRows(s.LOG, pd.DataFrame({s.ACTION: ["=cmd|' /C calc'!A0"]}))]))
    with zipfile.ZipFile(book) as z:
        after = {i.filename: (i.CRC, i.compress_size) for i in z.infolist()}
        log_part = next(n for n in after if before.get(n) != after[n] and "worksheets" in n)
        assert b"<f>" not in z.read(log_part)
    changed = {n for n in before if before[n] != after.get(n)}
    assert changed <= {log_part, "xl/tables/table6.xml", "xl/workbook.xml", "xl/styles.xml"}
