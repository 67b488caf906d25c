import datetime as dt
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
import python_calamine
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from leadbook.book.xlsx.cells import Cell, cell_of, serial
from leadbook.book.xlsx.sheetxml import SheetPatch, patch
from leadbook.book.xlsx.tail import (
    AFTER_SHEET_DATA,
    add_conditional_formatting,
    add_data_validations,
    top_level,
)
from leadbook.core.problems import LeadbookError

SHEET = "xl/worksheets/sheet1.xml"


def openpyxl_book() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Leads"
    ws.append(["Lead ID", "Name", "Score"])
    for i in range(1, 30):
        ws.append([f"L{i:03}", f"name {i}", i])
    ws["D2"] = '="L"&ROW()'
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def xlsxwriter_book() -> bytes:
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    ws = wb.add_worksheet("Leads")
    bold = wb.add_format({"bold": True})
    ws.write_row(0, 0, ["Lead ID", "Name", "Score"], bold)
    for i in range(1, 30):
        ws.write_row(i, 0, [f"L{i:03}", f"name {i}", i])
    ws.write_formula(1, 3, '="L"&ROW()', None, "L2")
    ws.merge_range("F10:G11", "merged")
    ws.add_table(
        0,
        0,
        29,
        2,
        {
            "name": "Leads",
            "columns": [{"header": h, "header_format": bold} for h in ("Lead ID", "Name", "Score")],
        },
    )
    wb.close()
    return out.getvalue()


def libreoffice_book(tmp_path: Path) -> bytes:
    source = tmp_path / "lo_source.xlsx"
    source.write_bytes(xlsxwriter_book())
    out = tmp_path / "lo"
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "xlsx", "--outdir", str(out), str(source)],
        check=True,
        capture_output=True,
        timeout=240,
    )
    return (out / "lo_source.xlsx").read_bytes()


def sheet_xml(book: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(book)) as z:
        return z.read(SHEET)


def pieces(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def with_sheet(book: bytes, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(book)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item.filename, data if item.filename == SHEET else src.read(item))
    return out.getvalue()


def read_back(book: bytes, tmp_path: Path) -> tuple[list[list], openpyxl.Workbook]:
    path = tmp_path / "back.xlsx"
    path.write_bytes(book)
    rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Leads").to_python()
    return rows, openpyxl.load_workbook(path)


@pytest.mark.parametrize("make", [openpyxl_book, xlsxwriter_book])
@pytest.mark.parametrize("size", [1, 7, 64, 100_000])
def test_a_pass_without_edits_gives_back_the_same_bytes(make, size):
    data = sheet_xml(make())
    assert patch(pieces(data, size), "Leads", {})[0] == data


def test_a_pass_without_edits_keeps_a_libreoffice_sheet_byte_for_byte(tmp_path):
    data = sheet_xml(libreoffice_book(tmp_path))
    assert b"x14ac" in data or b"<row" in data
    assert patch(pieces(data, 13), "Leads", {})[0] == data


@settings(deadline=None, max_examples=40)
@given(st.lists(st.integers(1, 400), min_size=1, max_size=30), st.integers(1, 40), st.integers(1, 5))
def test_chunk_boundaries_do_not_change_the_result(sizes, row, col):
    data = sheet_xml(xlsxwriter_book())
    edits = {row: {col: cell_of(f"v{row}-{col}")}, 45: {2: cell_of(7)}}
    whole, _ = patch([data], "Leads", edits)
    cuts, pos = [], 0
    for size in sizes:
        cuts.append(data[pos : pos + size])
        pos += size
    cuts.append(data[pos:])
    assert patch(cuts, "Leads", edits)[0] == whole


def test_edits_replace_keep_the_style_insert_in_column_order_and_add_rows_in_order(tmp_path):
    book = xlsxwriter_book()
    data = sheet_xml(book)
    edits = {
        1: {5: Cell("s", "Added", style_from=3)},
        3: {3: cell_of(99), 5: cell_of("new")},
        40: {1: cell_of("L040")},
        35: {2: cell_of(1.25)},
    }
    out, _ = patch(pieces(data, 50), "Leads", edits)
    rows, wb = read_back(with_sheet(book, out), tmp_path)
    ws = wb["Leads"]
    assert ws["C3"].value == 99 and ws["E3"].value == "new" and ws["B3"].value == "name 2"
    assert ws["E1"].value == "Added" and ws["E1"].font.b and not ws["E3"].font.b
    assert ws["A40"].value == "L040" and ws["B35"].value == 1.25
    text = out.decode()
    assert text.index('<row r="35"') < text.index('<row r="40"')
    assert '<c r="C3"><v>99</v>' in text
    assert rows[2][:5] == ["L002", "name 2", 99, "", "new"] and rows[1][3] == "L2"
    assert 'ref="A1:G40"' in text  # the dimension follows


def test_text_is_never_a_formula_and_is_cleaned(tmp_path):
    book = xlsxwriter_book()
    values = ["=1+1", "+SUM(A1)", "-2", "@x", "a & <b> \x01\x0bc"]
    edits = {3: {c: cell_of(v) for c, v in enumerate(values, start=5)}}
    out, found = patch([sheet_xml(book)], "Leads", edits)
    assert b"<f" not in out.split(b'<row r="3"')[1].split(b"</row>")[0]
    rows, wb = read_back(with_sheet(book, out), tmp_path)
    assert rows[2][4:9] == ["=1+1", "+SUM(A1)", "-2", "@x", "a & <b> c"]
    assert [c.value for c in wb["Leads"][3][4:9]] == ["=1+1", "+SUM(A1)", "-2", "@x", "a & <b> c"]
    assert [c.data_type for c in wb["Leads"][3][4:9]] == ["s"] * 5
    assert not found.formula_overwritten


def test_dates_are_serials_in_either_date_system():
    assert serial(dt.datetime(2026, 11, 23)) == 46349
    assert serial(dt.datetime(2026, 11, 23, 12)) == 46349.5
    assert serial(dt.datetime(1900, 1, 1)) == 1
    assert serial(dt.datetime(2026, 11, 23), date1904=True) == 46349 - 1462
    assert cell_of(dt.date(2026, 11, 23)) == Cell("d", "46349")


def test_new_date_cells_take_the_date_style_given():
    data = sheet_xml(xlsxwriter_book())
    out, _ = patch([data], "Leads", {2: {5: cell_of(dt.date(2026, 1, 2))}}, date_style=lambda s: 7)
    assert b'<c r="E2" s="7"><v>46024</v></c>' in out


def test_overwriting_a_formula_is_reported():
    data = sheet_xml(openpyxl_book())
    _, found = patch([data], "Leads", {2: {4: cell_of("x")}})
    assert found.formula_overwritten


def _shared(dependent_rows: range) -> bytes:
    rows = ['<row r="1"><c r="A1"><f t="shared" ref="A1:A4" si="0">B1*2</f><v>2</v></c></row>']
    rows += [f'<row r="{r}"><c r="A{r}"><f t="shared" si="0"/><v>2</v></c></row>' for r in dependent_rows]
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{''.join(rows)}</sheetData></worksheet>"
    ).encode()


def test_a_shared_formula_master_with_dependents_left_is_refused():
    with pytest.raises(LeadbookError, match="shared formula"):
        patch([_shared(range(2, 5))], "Leads", {1: {1: cell_of(5)}})
    edits = {r: {1: cell_of(5)} for r in range(1, 5)}
    out, found = patch([_shared(range(2, 5))], "Leads", edits)
    assert found.formula_overwritten and b"<f" not in out


def _raw(rows: str, prefix: str = "") -> bytes:
    p = f"{prefix}:" if prefix else ""
    ns = f"xmlns:{prefix}" if prefix else "xmlns"
    return (
        f'<?xml version="1.0"?><{p}worksheet {ns}="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<{p}dimension ref="A1:B3"/><{p}sheetData>{rows}</{p}sheetData></{p}worksheet>'
    ).encode()


def test_rows_without_numbers_or_out_of_order_are_refused():
    with pytest.raises(LeadbookError, match="no row number"):
        patch([_raw('<row><c r="A1"><v>1</v></c></row>')], "Leads", {})
    with pytest.raises(LeadbookError, match="out of order"):
        patch([_raw('<row r="2"/><row r="1"/>')], "Leads", {})
    with pytest.raises(LeadbookError, match="out of order"):
        patch([_raw('<row r="1"><c r="B1"/><c r="A1"/></row>')], "Leads", {1: {3: cell_of(1)}})


def test_self_closing_rows_empty_sheets_and_prefixed_worksheets():
    out, _ = patch([_raw('<row r="1"/><row r="3" x14ac:dyDescent="0.25"/>')], "Leads", {3: {2: cell_of(4)}})
    assert b'<row r="3" x14ac:dyDescent="0.25"><c r="B3"><v>4</v></c></row>' in out
    empty = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>'
    out, _ = patch([empty], "Leads", {2: {1: cell_of("a")}})
    assert b'<sheetData><row r="2"><c r="A2" t="inlineStr">' in out
    out, _ = patch(
        [_raw('<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row>', "x")], "Leads", {1: {2: cell_of(2)}}
    )
    assert b'<x:c r="A1"><x:v>1</x:v></x:c><x:c r="B1"><x:v>2</x:v></x:c></x:row>' in out


def test_writing_into_merged_cells_is_refused():
    data = sheet_xml(xlsxwriter_book())
    with pytest.raises(LeadbookError, match="merged cells F10:G11"):
        patch([data], "Leads", {11: {7: cell_of("x")}})
    patch([data], "Leads", {11: {8: cell_of("x")}})


def test_strict_and_non_utf8_sheets_are_refused():
    strict = b'<worksheet xmlns="http://purl.oclc.org/ooxml/spreadsheetml/main"><sheetData/></worksheet>'
    with pytest.raises(LeadbookError, match="Strict"):
        patch([strict], "Leads", {})
    latin = b'<?xml version="1.0" encoding="ISO-8859-1"?><worksheet><sheetData/></worksheet>'
    with pytest.raises(LeadbookError, match="UTF-8"):
        patch([latin], "Leads", {})


def test_the_tail_editor_keeps_the_schema_order():
    tail = (
        b"<customSheetViews><customSheetView guid='{1}'><pageMargins left='1' right='1' top='1' bottom='1'"
        b" header='0' footer='0'/></customSheetView></customSheetViews><mergeCells count='1'><mergeCell ref='A1:B1'/>"
        b"</mergeCells><dataValidations count='1'><dataValidation sqref='A2'/></dataValidations>"
        b"<pageMargins left='1' right='1' top='1' bottom='1' header='0' footer='0'/><tableParts count='0'/></worksheet>"
    )
    out = add_conditional_formatting(
        tail, [b'<conditionalFormatting sqref="C2"><cfRule/></conditionalFormatting>']
    )
    order = [name for name, _, _ in top_level(out)]
    assert order == [
        "customSheetViews",
        "mergeCells",
        "conditionalFormatting",
        "dataValidations",
        "pageMargins",
        "tableParts",
    ]
    assert all(
        AFTER_SHEET_DATA.index(a) <= AFTER_SHEET_DATA.index(b) for a, b in zip(order, order[1:], strict=False)
    )
    out = add_data_validations(out, [b'<dataValidation sqref="D2"/>'])
    assert (
        b'<dataValidations count="2"><dataValidation sqref=\'A2\'/><dataValidation sqref="D2"/></dataValidations>'
        in out
    )
    fresh = add_data_validations(b"<pageMargins/></worksheet>", [b'<dataValidation sqref="D2"/>'])
    assert (
        fresh
        == b'<dataValidations count="1"><dataValidation sqref="D2"/></dataValidations><pageMargins/></worksheet>'
    )


def test_libreoffice_opens_a_patched_book(tmp_path):
    book = xlsxwriter_book()
    out, _ = patch([sheet_xml(book)], "Leads", {3: {3: cell_of(5)}, 31: {1: cell_of("=x")}})
    path = tmp_path / "patched.xlsx"
    path.write_bytes(with_sheet(book, out))
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "csv", "--outdir", str(tmp_path / "csv"), str(path)],
        check=True,
        capture_output=True,
        timeout=240,
    )
    lines = (tmp_path / "csv" / "patched.csv").read_text().splitlines()
    assert lines[2].startswith("L002,name 2,5") and lines[30].startswith("=x")
    shutil.rmtree(tmp_path / "csv")


def test_column_cells_agree_with_cell_of_value_by_value():
    import numpy as np
    import pandas as pd

    from leadbook.book.xlsx.cells import column_cells

    mixed = pd.Series(
        [True, 1, 1.0, "1", None, float("nan"), "", pd.Timestamp("2026-11-23 06:00"), pd.NaT, False, 0]
    )
    assert column_cells(mixed) == [cell_of(v) for v in mixed.to_numpy(dtype=object)]
    for column in (
        ["b", "a", "b", None, "<&>"],  # text, repeated
        [3, 1, 3, 0],
        [1, 1.0, 2.5, 1, None],  # ints and floats equal as numbers: the same cell either way
        [np.True_, 1, np.False_, 0],  # bools beside numbers: never merged
        [True, None, False],
    ):
        series = pd.Series(column, dtype=object)
        assert column_cells(series) == [cell_of(v) for v in series.to_numpy(dtype=object)], column
    dates = pd.Series(pd.to_datetime(["2026-11-23 00:00", None, "1900-01-01 00:00", "2026-11-23 12:00"]))
    assert column_cells(dates) == [cell_of(v) for v in dates.to_numpy(dtype=object)]
    assert column_cells(dates, date1904=True)[0] == cell_of(dt.date(2026, 11, 23), date1904=True)
    aware = pd.Series(pd.to_datetime(["2026-11-23 10:00"]).tz_localize("Europe/Berlin"))
    assert column_cells(aware) == [Cell("d", str(serial(dt.datetime(2026, 11, 23, 10))))]


def test_memory_stays_flat_whatever_the_sheet_size():
    import tracemalloc

    def big_sheet(rows: int):
        yield b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        block = []
        for r in range(1, rows + 1):
            block.append(
                f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}" t="inlineStr"><is><t>n{r}</t></is></c></row>'
            )
            if len(block) == 5000:
                yield "".join(block).encode()
                block = []
        yield "".join(block).encode() + b"</sheetData></worksheet>"

    edits = {r: {3: cell_of(r * 2)} for r in range(2, 120_000, 97)}
    edits[120_001] = {1: cell_of("new")}
    tracemalloc.start()
    size = sum(len(c) for c in SheetPatch("Big", edits).stream(big_sheet(120_000)))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert size > 8_000_000  # the part is ~8 MB ...
    assert peak < 4 * 2**20  # ... and the pass never holds more than a few chunks of it
