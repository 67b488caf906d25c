"""The block fast path (a frame's cells kept column by column) gives the same bytes as row dicts."""

import datetime as dt
import io
import re
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import python_calamine
from hypothesis import given, settings
from hypothesis import strategies as st

from leadbook.book.xlsx.block import Block
from leadbook.book.xlsx.cells import Cell, column_letter, serial
from leadbook.book.xlsx.sheetxml import SheetPatch, _at_or_right_of
from leadbook.core.problems import LeadbookError

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def sheet(rows: list[str], prefix: str = "") -> bytes:
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{NS}"' if prefix else f'xmlns="{NS}"'
    return f"<{p}worksheet {xmlns}><{p}sheetData>{''.join(rows)}</{p}sheetData></{p}worksheet>".encode()


def row_xml(r: int, cols: list[int], kind: str, prefix: str = "") -> str:
    p = f"{prefix}:" if prefix else ""
    if kind == "empty":
        return f'<{p}row r="{r}"/>'
    attrs = ' s="2" customFormat="1"' if kind == "styled" else ' spans="1:9"'
    cells = []
    for c in cols if kind != "unordered" else cols[1:] + cols[:1]:
        ref = f"{column_letter(c)}{r}"
        if kind == "rich" and c == cols[0]:
            cells.append(
                f'<{p}c r="{ref}" t="inlineStr"><{p}is><{p}r><{p}rPr><{p}color rgb="FFFF0000"/></{p}rPr><{p}t>red</{p}t></{p}r></{p}is></{p}c>'
            )
        elif c % 3 == 0:
            cells.append(f'<{p}c r="{ref}" s="1"><{p}v>{c}</{p}v></{p}c>')
        elif c % 3 == 1:
            cells.append(f'<{p}c r="{ref}" t="s"><{p}v>{c}</{p}v></{p}c>')
        else:
            cells.append(f'<{p}c r="{ref}"/>')
    return f'<{p}row r="{r}"{attrs}>{"".join(cells)}</{p}row>'


def dict_edits(block: Block) -> dict[int, dict[int, Cell | None]]:
    return {int(r): block.cells(i) for i, r in enumerate(block.rows)}


FAST_ROWS = []  # per patch: how many block rows never needed a dict (the fast path's rows)


def both(data: bytes, block: Block, size: int, **options) -> tuple[bytes | str, bytes | str]:
    """The patched part with the block and with row dicts (or the refusal each gives)."""
    chunks = [data[i : i + size] for i in range(0, len(data), size)]
    patcher = SheetPatch("Leads", {}, block=block, **options)
    try:
        fast = b"".join(patcher.stream(chunks))
    except LeadbookError as e:
        fast = str(e)
    FAST_ROWS.append(len(block.rows) - len(patcher.edits))
    try:
        slow = b"".join(SheetPatch("Leads", dict_edits(block), **options).stream(chunks))
    except LeadbookError as e:
        slow = str(e)
    return fast, slow


VALUES = st.one_of(
    st.none(),
    st.integers(-5, 10**6),
    st.floats(allow_nan=True, allow_infinity=False, width=32),
    st.text("ab <&>\"'é", max_size=6),
    st.dates(dt.date(1990, 1, 1), dt.date(2030, 1, 1)),
    st.booleans(),
)


@settings(deadline=None, max_examples=300)
@given(
    st.lists(
        st.tuples(
            st.sets(st.integers(1, 12), max_size=8),
            st.sampled_from(["plain"] * 12 + ["styled", "rich", "empty", "unordered"]),
        ),
        min_size=1,
        max_size=25,
    ),
    st.integers(1, 14),
    st.integers(1, 4),
    st.data(),
    st.sampled_from([7, 64, 300, 10**6]),
    st.sampled_from(["", "x"]),
    st.booleans(),
)
def test_a_block_gives_the_bytes_row_dicts_give(shape, first, width, data, size, prefix, clear):
    rows = [row_xml(r, sorted(cols), kind, prefix) for r, (cols, kind) in enumerate(shape, start=2)]
    xml = sheet(rows, prefix)
    count = len(shape) + data.draw(st.sampled_from([0, 0, 0, 3]))  # rows the sheet lacks, at times
    index = data.draw(st.lists(st.integers(2, count + 1), min_size=1, max_size=count, unique=True))
    columns = {f"c{k}": [data.draw(VALUES) for _ in index] for k in range(width)}
    frame = pd.DataFrame(columns, index=index)
    positions = {f"c{k}": first + k for k in range(width)}
    block = Block.of(frame, positions, False, clear)
    template = data.draw(st.sampled_from([None, 3, len(shape) + 1]))
    fast, slow = both(xml, block, size, template_row=template, date_style=lambda s: 9)
    if isinstance(slow, str) and "out of order" in slow:
        # the fast path adds cells after all of a row's (unordered) cells, so it may refuse a
        # later row, or none (its output is checked below)
        assert isinstance(fast, bytes) or "out of order" in fast
    else:
        assert fast == slow
    if isinstance(fast, str):
        return
    for row in re.findall(rb"<(?:x:)?row [^>]*?>(.*?)</(?:x:)?row>", fast):
        refs = re.findall(rb'<(?:x:)?c r="([A-Z]+)\d', row)
        assert len(refs) == len(set(refs))  # never a cell twice


def test_the_fast_path_was_taken_by_the_property_test():
    FAST_ROWS.clear()
    test_a_block_gives_the_bytes_row_dicts_give()
    assert sum(1 for n in FAST_ROWS if n) > 5  # about 35 of 300 on average: the path is exercised


def test_cells_out_of_order_left_of_the_block_get_the_new_cells_after_them():
    """The general path refuses a row whose cells are out of order; the fast path need not look
    (every cell is left of the block's columns), so its new cells go after all of them."""
    xml = sheet([row_xml(2, [1, 2, 3], "unordered")])
    block = Block.of(pd.DataFrame({"Score": [5]}, index=[2]), {"Score": 6}, False, True)
    fast, slow = both(xml, block, 10**6)
    assert "out of order" in slow
    assert re.findall(rb'<c r="([A-Z]+)2"', fast) == [b"B", b"C", b"A", b"F"]


def test_new_cells_go_after_the_last_cell_even_when_something_follows_it_in_the_row():
    """A row may end with an extLst after its cells: the cells checked a segment at once (rows that
    end with a cell) and the others one by one land in the same place, after the last cell."""
    xml = sheet([
        '<row r="2"><c r="A2"><v>1</v></c><extLst><ext uri="{x}"><y/></ext></extLst></row>',
        '<row r="3"><c r="A3"><v>1</v></c></row>',
        '<row r="4" spans="1:3"></row>',
        '<row r="5"><c r="A5"><v>1</v></c><c r="C5" s="1"/></row>',
    ])  # fmt: skip
    block = Block.of(pd.DataFrame({"Score": [5, 6, 7, 8]}, index=[2, 3, 4, 5]), {"Score": 4}, False, True)
    fast, slow = both(xml, block, 10**6)
    assert fast == slow
    assert fast.index(b'<c r="D2"') < fast.index(b"<extLst>")
    assert re.findall(rb'<c r="([A-Z]+\d)"', fast) == [b"A2", b"D2", b"A3", b"D3", b"D4", b"A5", b"C5", b"D5"]


def test_a_clear_beside_a_replaced_first_cell_keeps_one_cell():
    """A row whose first cell is replaced while another edit clears a cell it lacks."""
    xml = sheet(['<row r="2"><c r="W2" t="s"><v>4</v></c><c r="AB2" s="1"><v>9</v></c></row>'])
    edits = {2: {20: Cell("n", "1"), 23: Cell("s", "P"), 26: None}}
    out = b"".join(SheetPatch("Leads", edits).stream([xml]))
    assert out.count(b'r="W2"') == 1
    assert re.findall(rb'<c r="([A-Z]+)2"', out) == [b"T", b"W", b"AB"]


def test_the_column_pattern_matches_exactly_the_columns_at_or_right():
    for letters in ("A", "Q", "Z", "AB", "AZ", "ZZ", "XFD", "BAA"):
        pattern = re.compile(b"(?:" + _at_or_right_of(letters) + rb")\Z")
        first = sum((ord(ch) - 64) * 26**k for k, ch in enumerate(reversed(letters)))
        for col in {1, 2, 25, 26, 27, 52, 53, 702, 703, 1404, 16384, first - 1, first, first + 1} - {0}:
            assert bool(pattern.match(column_letter(col).encode())) == (col >= first), (letters, col)


def test_cells_in_the_block_columns_are_replaced_in_place_keeping_their_style_unless_a_formula():
    """A second refresh: every row already holds leadbook's cells. Plain ones are replaced at
    once, each keeping its style (a date's style made a date style); a row with a formula
    there takes the general path; both give the row dicts' bytes."""
    rows = [
        '<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" s="4"><v>7</v></c><c r="C2" s="5" t="s"><v>1</v></c>'
        '<c r="D2"/><c r="F2" s="1"><v>46000</v></c></row>',
        '<row r="3"><c r="A3" t="s"><v>0</v></c><c r="B3"><f>ROW()</f><v>3</v></c><c r="C3" t="inlineStr">'
        "<is><t>old</t></is></c></row>",
        '<row r="4"><c r="A4"/><c r="B4" s="4" t="n"><v>1</v></c><c r="C4" s="5" t="s"><v>2</v></c></row>',
    ]
    frame = pd.DataFrame(
        {
            "Score": [9, 8, None],
            "Status": ["New", "Working", None],
            "Next": pd.to_datetime(["2026-11-23"] * 3),
        },
        index=[2, 3, 4],
    )
    for clear in (True, False):
        block = Block.of(frame, {"Score": 2, "Status": 3, "Next": 4}, False, clear)
        fast, slow = both(sheet(rows), block, 10**6, date_style=lambda s: 90 + (s or 0))
        assert fast == slow
        assert FAST_ROWS[-1] == 2  # rows 2 and 4; row 3's formula cell took the general path
        assert b'<c r="B2" s="4"><v>9</v></c>' in fast and b'<c r="D2" s="90"><v>' in fast
        assert (b'<c r="B4" s="4"/>' in fast) is clear  # a blank clears, keeping the style, or keeps
    assert b"<f>" not in fast and b'<c r="B3"><v>8</v></c>' in fast


def test_a_block_write_reads_back_in_openpyxl_and_calamine(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Leads"
    ws.append(["Lead ID", "Name", "Score", "Status", "Next touch"])
    for i in range(2, 2002):
        ws.append([f"L{i}", f"n{i}", None, "Prospect" if i % 7 == 0 else None])
    buffer = io.BytesIO()
    wb.save(buffer)
    with zipfile.ZipFile(buffer) as z:
        xml = z.read("xl/worksheets/sheet1.xml")
        members = {n: z.read(n) for n in z.namelist()}
    rows = np.arange(2, 2002)
    frame = pd.DataFrame(
        {
            "Score": rows % 50,
            "Status": ["New"] * len(rows),
            "Next touch": pd.to_datetime("2026-11-23") + pd.to_timedelta(rows % 9, unit="D"),
        },
        index=rows,
    )
    block = Block.of(frame, {"Score": 3, "Status": 4, "Next touch": 5}, False, True)
    fast, slow = both(xml, block, 4096)
    assert fast == slow
    assert FAST_ROWS[-1] == 2000  # the rows holding a Status too: their plain cells replaced in place
    path = tmp_path / "out.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in members.items():
            z.writestr(name, fast if name == "xl/worksheets/sheet1.xml" else body)
    back = openpyxl.load_workbook(path)["Leads"]
    assert [back.cell(r, 3).value for r in (2, 3, 2001)] == [2, 3, 2001 % 50]
    assert {back.cell(r, 4).value for r in range(2, 2002)} == {"New"}
    cal = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Leads").to_python()
    assert cal[1][2] == 2 and cal[7][3] == "New"  # row 8 held "Prospect": replaced, not doubled
    expected = serial(dt.datetime(2026, 11, 23) + dt.timedelta(days=2001 % 9))  # no date style given
    assert cal[2000][4] == expected and back.cell(2001, 5).value == expected


def test_rows_added_from_a_block_alone_grow_the_dimension_as_row_dicts_do():
    """An appended frame with nothing else to write (a Log) is a block with no row dicts: the
    sheet's dimension still grows over the new rows, as it does for the same rows as dicts."""
    xml = sheet(['<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'])
    xml = xml.replace(b"<sheetData>", b'<dimension ref="A1:B1"/><sheetData>')
    frame = pd.DataFrame({"When": ["x", None, "z"], "What": ["a", None, None]}, index=[2, 3, 4])
    block = Block.of(frame, {"When": 1, "What": 3}, False, False)
    fast, slow = both(xml, block, 10**6)
    assert fast == slow
    assert b'<dimension ref="A1:C4"/>' in fast
    assert re.findall(rb'<row r="(\d+)"', fast) == [b"1", b"2", b"4"]  # row 3 sets nothing


def test_a_cell_without_a_reference_is_refused_not_doubled():
    """A cell may leave out its reference (its column is then the one after the cell before): the
    block cannot tell where it is, so the row takes the general path, which refuses it, rather
    than getting a second cell for that column after it."""
    rows = ['<row r="2"><c r="A2"><v>1</v></c><c t="s"><v>3</v></c></row>']
    rows += [f'<row r="{r}"><c r="A{r}"><v>1</v></c></row>' for r in range(3, 7)]
    block = Block.of(pd.DataFrame({"Score": [5] * 5}, index=range(2, 7)), {"Score": 2}, False, True)
    fast, slow = both(sheet(rows), block, 10**6)
    assert fast == slow
    assert "row 2" in fast and "no reference" in fast
