"""Hostile and unsupported files are refused with a sentence, in bounded time and memory, before any read."""

from __future__ import annotations

import datetime as dt
import resource
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from leadbook.book.filebook import FileBook
from leadbook.book.template import new_book
from leadbook.book.xlsx import guard
from leadbook.cli import app
from leadbook.core.problems import LeadbookError
from leadbook.core.sample import sample_book

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def book(tmp_path) -> Path:
    path = tmp_path / "team.xlsx"
    new_book(path, sample_book(10, None, TODAY))
    return path


def rebuilt(book: Path, out: Path, change) -> Path:
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            name, data = change(info.filename, src.read(info))
            if name is not None:
                dst.writestr(name, data)
    return out


def refused(path: Path, meaning: str) -> str:
    before = path.read_bytes()
    with pytest.raises(LeadbookError, match=meaning) as err:
        FileBook(path)
    assert path.read_bytes() == before
    result = CliRunner().invoke(app, ["refresh", str(path)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert path.read_bytes() == before
    return str(err.value)


def test_a_zip_bomb_in_a_sheet_never_read_is_refused_without_inflating_it(book, tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        with dst.open("xl/worksheets/sheet99.xml", "w", force_zip64=True) as member:
            block = b"\0" * (1 << 24)
            for _ in range(64):  # 1 GiB of zeros, about 1 MB compressed
                member.write(block)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    message = refused(bomb, "zip bomb")
    assert "sheet99" in message
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak < 200_000  # KiB: nothing inflated


def test_entity_expansion_is_refused(book, tmp_path):
    lol = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'

    def change(name, data):
        return name, (lol + data.split(b"?>", 1)[-1]) if name == "xl/worksheets/sheet1.xml" else data

    refused(rebuilt(book, tmp_path / "lol.xlsx", change), "DOCTYPE")


@pytest.mark.parametrize("bad", ["../evil.xml", "/abs.xml", "xl\\worksheets\\x.xml", "C:/x.xml"])
def test_names_pointing_outside_the_package_are_refused(book, tmp_path, bad):
    path = tmp_path / "trav.xlsx"
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr(zipfile.ZipInfo(bad), b"<x/>")
    refused(path, "outside the package")


def test_not_a_zip_and_no_content_types_and_encrypted_are_refused(book, tmp_path):
    text = tmp_path / "notes.xlsx"
    text.write_text("Name,Email\nAda,ada@example.com\n")
    refused(text, "not a zip package")
    cfb = tmp_path / "locked.xlsx"
    cfb.write_bytes(guard.CFB_MAGIC + b"\0" * 4096)
    assert "password" in refused(cfb, "encrypted or password-protected")
    bare = rebuilt(book, tmp_path / "bare.xlsx", lambda n, d: (None if n == "[Content_Types].xml" else n, d))
    refused(bare, r"no \[Content_Types\].xml")


def test_strict_open_xml_and_xlsb_say_how_to_save_instead(book, tmp_path):
    def strict(name, data):
        if name == "xl/workbook.xml":
            data = data.replace(
                b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                b"http://purl.oclc.org/ooxml/spreadsheetml/main",
            )
        return name, data

    assert "Excel Workbook" in refused(rebuilt(book, tmp_path / "strict.xlsx", strict), "Strict Open XML")
    xlsb = tmp_path / "team.xlsb"
    xlsb.write_bytes(book.read_bytes())
    with pytest.raises(LeadbookError):
        FileBook(xlsb)
    with pytest.raises(LeadbookError, match="binary workbook"):
        guard.inspect(xlsb)


def test_the_bench_shaped_book_passes(book):
    guard.inspect(book)  # a real workbook is not refused
    FileBook(book)


def _corrupt(path: Path, member: str) -> bytes:
    """The book with 200 bytes inside `member`'s compressed data overwritten (a bad copy)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(member)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    middle = start + info.compress_size // 2
    data[middle : middle + 200] = bytes(range(200))
    path.write_bytes(bytes(data))
    return bytes(data)


def _refused_as_damaged(path: Path, before: bytes, args: list[str], said: str) -> None:
    result = CliRunner().invoke(app, [*args, str(path), "--today", "2026-11-23"])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert said in " ".join(result.output.split())
    assert path.read_bytes() == before
    assert not list(path.parent.glob(".*.tmp*")) and not (path.parent / ".leadbook-backups").exists()


@pytest.mark.parametrize("command", ["check", "refresh", "qualify", "summary"])
@pytest.mark.parametrize("member", ["xl/worksheets/sheet1.xml", "xl/worksheets/sheet3.xml"])
def test_a_damaged_sheet_is_refused_with_a_sentence_and_nothing_written(tmp_path, command, member):
    path = tmp_path / "team.xlsx"
    new_book(path, sample_book(300, None, TODAY))
    before = _corrupt(path, member)
    _refused_as_damaged(path, before, [command], "cannot be read: the file is damaged")


def test_a_small_damaged_part_is_refused_by_the_package_check(tmp_path):
    """Log's part is small: its damage shows in the first bytes the package check inflates."""
    path = tmp_path / "team.xlsx"
    new_book(path, sample_book(300, None, TODAY))
    before = _corrupt(path, "xl/worksheets/sheet6.xml")
    _refused_as_damaged(path, before, ["refresh"], "team.xlsx cannot be read: the file is damaged")


def test_damage_past_a_parts_first_bytes_in_a_sheet_only_written_to_is_refused_by_the_writer(tmp_path):
    """Log is never read, only added to: damage past the bytes the package check looks at shows
    while the writer streams the part (it does not inflate, or fails its CRC)."""
    from leadbook.core import schema as s
    from leadbook.core.plan import AppendRows, Plan

    path = tmp_path / "team.xlsx"
    new_book(path, sample_book(30, None, TODAY))
    rows = pd.DataFrame(
        {s.WHEN: [dt.datetime(2026, 11, 1, 9)] * 4000, "Who": [f"rep {k}" for k in range(4000)]}
    )
    book = FileBook(path)
    book.apply(Plan([AppendRows(s.LOG, rows)]))
    book.close()
    shutil.rmtree(tmp_path / ".leadbook-backups")
    before = _corrupt(path, "xl/worksheets/sheet6.xml")
    guard.inspect(path)  # the package check passes: the damage is past the first bytes
    book = FileBook(path)
    with pytest.raises(LeadbookError, match="team.xlsx cannot be read: the file is damaged"):
        book.apply(Plan([AppendRows(s.LOG, rows.iloc[:5])]))
    book.close()
    assert path.read_bytes() == before
    assert not list(tmp_path.glob(".*.tmp*")) and not (tmp_path / ".leadbook-backups").exists()


def test_a_package_missing_its_relationships_is_refused_as_damaged(book, tmp_path):
    """Content types but no _rels/.rels: calamine cannot open it; the sentence says what to do."""
    path = rebuilt(
        book, tmp_path / "norels.xlsx", lambda name, data: (None if name == "_rels/.rels" else name, data)
    )
    before = path.read_bytes()
    _refused_as_damaged(path, before, ["check"], "norels.xlsx cannot be read: the file is damaged")
    result = CliRunner().invoke(app, ["check", str(path)])
    assert "Open it in Excel, which offers to repair it" in " ".join(result.output.split())
