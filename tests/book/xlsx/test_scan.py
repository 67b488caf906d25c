"""The shared strings a look at a sheet's first rows needs: read once per book, then read on."""

import os
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from leadbook.book.xlsx import scan
from leadbook.book.xlsx.scan import shared_strings
from leadbook.book.xlsx.workbook import BookMap
from leadbook.book.xlsx.writer import header_cells
from leadbook.book.xlsx.zipparts import ZipParts


def make(path: Path, word: str) -> Path:
    """Two sheets whose headers sit at opposite ends of the shared strings (many rows between),
    written by xlsxwriter (openpyxl writes its texts inline)."""
    book = xlsxwriter.Workbook(path)
    first = book.add_worksheet("First")
    first.write_row(0, 0, ["Lead ID", "Name"])
    for k in range(3000):
        first.write_row(k + 1, 0, [f"L{k:05d}", f"{word} name {k}"])
    second = book.add_worksheet("Second")
    second.write_row(0, 0, [f"{word} header", "Date & time <b>", "Notes"])
    second.write_row(1, 0, ["tail", None, "x"])
    book.close()
    return path


def looks(path: Path) -> dict[str, list[list[object]]]:
    parts = ZipParts(path)
    try:
        book = BookMap(parts)
        return {name: header_cells(parts, book, book.sheet_part(name)[1], 3) for name in ("Second", "First")}
    finally:
        parts.close()


def test_looks_give_what_openpyxl_reads_and_the_table_is_read_once(tmp_path):
    path = make(tmp_path / "a.xlsx", "alpha")
    scan._TABLES.clear()
    got = looks(path)
    table = next(iter(scan._TABLES.values()))
    assert table.bodies and not table.done and len(table.bodies) > 3000  # read as far as Second's header
    read = len(table.bodies)
    again = looks(path)
    assert len(table.bodies) == read and again == got  # the second look read nothing more
    wb = openpyxl.load_workbook(path)
    for name, rows in got.items():
        expected = [list(row) for row in wb[name].iter_rows(min_row=1, max_row=3, values_only=True)]
        for row in expected:
            while row and row[-1] is None:
                row.pop()
        assert rows == expected + [[]] * (3 - len(expected))
    assert got["Second"][0] == ["alpha header", "Date & time <b>", "Notes"]


def test_a_replaced_book_at_the_same_path_is_read_afresh(tmp_path):
    path = make(tmp_path / "a.xlsx", "alpha")
    assert looks(path)["Second"][0][0] == "alpha header"
    other = make(tmp_path / "b.xlsx", "omega")
    os.replace(other, path)  # what every write does: a new file under the old name
    assert looks(path)["Second"][0][0] == "omega header"


def test_a_member_changed_in_the_package_is_not_taken_from_the_table(tmp_path):
    path = make(tmp_path / "a.xlsx", "alpha")
    parts = ZipParts(path)
    try:
        name = BookMap(parts).shared_strings
        assert parts.fingerprint(name) is not None
        parts.write(name, parts.read(name).replace(b"alpha header", b"gamma header"))
        assert parts.fingerprint(name) is None
        book = BookMap(parts)
        assert header_cells(parts, book, book.sheet_part("Second")[1], 1)[0][0] == "gamma header"
    finally:
        parts.close()


@pytest.mark.parametrize("size", [1, 7, 64, 1 << 20])
def test_reading_on_in_chunks_of_any_size_gives_each_index_its_text(tmp_path, size):
    path = make(tmp_path / "a.xlsx", "beta")
    with zipfile.ZipFile(path) as z:
        data = z.read("xl/sharedStrings.xml")
    chunks = [data[i : i + size] for i in range(0, len(data), size)]
    whole = shared_strings(chunks, set(range(6100)))
    scan._TABLES.clear()
    key = ("test", size)
    assert shared_strings(chunks, {0, 5}, key) == {i: whole[i] for i in (0, 5)}
    wanted = {6, 2999, len(whole) - 1}
    assert shared_strings(chunks, wanted, key) == {i: whole[i] for i in wanted}
    assert scan._TABLES[key].done is False or len(scan._TABLES[key].bodies) == len(whole)
    assert shared_strings(chunks, {len(whole) + 5}, key) == {}  # past the end: none
