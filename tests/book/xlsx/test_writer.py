import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import python_calamine
from factories import TODAY

from leadbook import services
from leadbook.book.filebook import FileBook
from leadbook.book.template import new_book
from leadbook.core import schema as s
from leadbook.core.plan import AppendRows, Plan, SetCells
from leadbook.core.problems import LeadbookError
from leadbook.core.sample import sample_book

LEADS_PART = "xl/worksheets/sheet1.xml"
TOUCHES_PART = "xl/worksheets/sheet3.xml"


@pytest.fixture
def book(tmp_path) -> Path:
    path = tmp_path / "book.xlsx"
    new_book(path, sample_book(40, None, TODAY))
    return path


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def rewrite(path: Path, edit) -> None:
    parts = members(path)
    edit(parts)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def rows_of(path: Path, sheet: str) -> list[list]:
    return python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def add_formula_column(path: Path) -> int:
    """A user's Ref column `="L"&ROW()` right of the table, with cached values as Excel leaves them."""
    wb = openpyxl.load_workbook(path)
    ws = wb[s.LEADS]
    col = ws.max_column + 2
    for r in range(2, ws.max_row + 1):
        ws.cell(r, col, '="L"&ROW()')
    wb.save(path)
    letter = openpyxl.utils.get_column_letter(col)

    def cache(parts):
        parts[LEADS_PART] = re.sub(
            rb'<c r="' + letter.encode() + rb'(\d+)"([^>]*)><f>(.*?)</f><v\s*/?>(?:</v>)?',
            lambda m: (
                b'<c r="%s%s"%s t="str"><f>%s</f><v>L%s</v>' % (letter.encode(), m[1], m[2], m[3], m[1])
            ),
            parts[LEADS_PART],
        )

    rewrite(path, cache)
    return col


def test_refresh_keeps_a_users_formula_column_with_its_cached_values(book):
    col = add_formula_column(book)
    before = members(book)
    services.refresh(FileBook(book), TODAY)
    after = members(book)
    assert b"<v>L2</v>" in after[LEADS_PART] and b"<v>L41</v>" in after[LEADS_PART]
    assert [r[col - 1] for r in rows_of(book, s.LEADS)[1:4]] == ["L2", "L3", "L4"]
    ws = openpyxl.load_workbook(book)[s.LEADS]
    assert ws.cell(2, col).value == '="L"&ROW()'
    changed = {n for n in before if before[n] != after.get(n)}
    assert changed <= {
        LEADS_PART,
        "xl/workbook.xml",
        "xl/worksheets/sheet6.xml",
        "xl/tables/table5.xml",
        "xl/styles.xml",
    }
    assert set(after) == set(before)
    assert b'fullCalcOnLoad="1"' in after["xl/workbook.xml"]


def test_refresh_twice_changes_nothing_the_second_time(book):
    services.refresh(FileBook(book), TODAY)
    first = members(book)
    services.refresh(FileBook(book), TODAY)
    assert members(book) == first


@pytest.mark.parametrize("read_first", [False, True])
def test_appended_rows_get_dates_styled_once_and_the_style_of_the_row_above(book, read_first):
    rows = pd.DataFrame(
        {s.DATE: [pd.Timestamp(TODAY)] * 2, s.LEAD_ID: ["L00001", "L00002"], s.KIND: ["Call", "=Email"]}
    )
    n = len(rows_of(book, s.TOUCHES))
    target = FileBook(book)
    if read_first:
        assert target._last_rows() == {} and target.read(s.TOUCHES) is not None
        assert target._last_rows() == {s.TOUCHES: n}
    target.apply(Plan([AppendRows(s.TOUCHES, rows)]))
    styles = members(book)["xl/styles.xml"]
    FileBook(book).apply(Plan([AppendRows(s.TOUCHES, rows)]))
    assert members(book)["xl/styles.xml"] == styles  # the date style is reused, not added again
    ws = openpyxl.load_workbook(book)[s.TOUCHES]
    assert ws.tables[s.TOUCHES].ref == f"A1:H{n + 4}"
    assert ws.cell(n + 1, 1).number_format == "yyyy-mm-dd" and ws.cell(n + 1, 1).value == dt.datetime(
        2026, 11, 23
    )
    assert ws.cell(n + 2, 3).value == "=Email" and ws.cell(n + 2, 3).data_type == "s"
    assert rows_of(book, s.TOUCHES)[-1][:3] == [dt.date(2026, 11, 23), "L00002", "=Email"]


def test_a_1904_book_gets_the_same_dates_back(book):
    def to_1904(parts):
        parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
            b"<workbookPr />", b'<workbookPr date1904="1"/>'
        )

    rewrite(book, to_1904)
    rows = pd.DataFrame({s.DATE: [pd.Timestamp(TODAY)], s.LEAD_ID: ["L00003"], s.KIND: ["Email"]})
    FileBook(book).apply(Plan([AppendRows(s.TOUCHES, rows)]))
    assert openpyxl.load_workbook(book)[s.TOUCHES].cell(
        len(rows_of(book, s.TOUCHES)), 1
    ).value == dt.datetime(2026, 11, 23)
    assert rows_of(book, s.TOUCHES)[-1][0] == dt.date(2026, 11, 23)


def test_overwriting_a_formula_drops_the_calc_chain(book):
    score = s.LEAD_COLUMNS.index(s.SCORE) + 1
    letter = openpyxl.utils.get_column_letter(score)

    def formula_and_chain(parts):
        parts[LEADS_PART] = re.sub(
            rb'(<row r="2">.*?)</row>',
            rb'\1<c r="' + letter.encode() + rb'2"><f>1+1</f><v>2</v></c></row>',
            parts[LEADS_PART],
            count=1,
            flags=re.S,
        )
        parts["xl/calcChain.xml"] = (
            b'<calcChain xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<c r="' + letter.encode() + b'2" i="1"/></calcChain>'
        )
        parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
            b"</Relationships>",
            b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/calcChain" Target="calcChain.xml"/></Relationships>',
        )
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
            b"</Types>",
            b'<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"/></Types>',
        )

    rewrite(book, formula_and_chain)
    FileBook(book).apply(Plan([SetCells(s.LEADS, pd.DataFrame({s.SCORE: [7]}, index=[2]))]))
    after = members(book)
    assert "xl/calcChain.xml" not in after
    assert b"calcChain" not in after["xl/_rels/workbook.xml.rels"] + after["[Content_Types].xml"]
    assert openpyxl.load_workbook(book)[s.LEADS].cell(2, score).value == 7


def test_an_added_column_gets_a_header_like_the_last_a_width_and_a_table_column(book):
    def style_last_header(parts):
        parts[TOUCHES_PART] = parts[TOUCHES_PART].replace(b'<c r="H1" t=', b'<c r="H1" s="1" t=')

    rewrite(book, style_last_header)
    FileBook(book).apply(Plan([SetCells(s.TOUCHES, pd.DataFrame({"Mood": ["good"]}, index=[2]))]))
    assert b'<c r="I1" s="1" t="inlineStr">' in members(book)[TOUCHES_PART]
    ws = openpyxl.load_workbook(book)[s.TOUCHES]
    assert ws.cell(1, 9).value == "Mood" and ws.cell(2, 9).value == "good"
    assert ws.column_dimensions["I"].width == 12
    assert [c.name for c in ws.tables[s.TOUCHES].tableColumns][-1] == "Mood"
    assert ws.tables[s.TOUCHES].ref.startswith("A1:I")


@pytest.mark.parametrize("read_first", [False, True])  # scanned, or known from the reader
def test_rows_below_the_table_are_not_overwritten(book, read_first):
    n = len(rows_of(book, s.TOUCHES))

    def note_below(parts):
        parts[TOUCHES_PART] = parts[TOUCHES_PART].replace(
            b"</sheetData>",
            b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>note</t></is></c></row></sheetData>'
            % (n + 2, n + 2),
        )

    rewrite(book, note_below)
    rows = pd.DataFrame({s.DATE: [pd.Timestamp(TODAY)] * 3, s.LEAD_ID: ["L00001"] * 3, s.KIND: ["Call"] * 3})
    target = FileBook(book)
    if read_first:
        target.read(s.TOUCHES)
    with pytest.raises(LeadbookError, match=f"row {n + 2} below the table"):
        target.apply(Plan([AppendRows(s.TOUCHES, rows)]))


def test_the_highlight_rules_are_put_back_once(book):
    def drop_rules(parts):
        parts[LEADS_PART] = re.sub(
            rb"<conditionalFormatting.*?</conditionalFormatting>", b"", parts[LEADS_PART], flags=re.S
        )

    rewrite(book, drop_rules)
    assert b"conditionalFormatting" not in members(book)[LEADS_PART]
    services.refresh(FileBook(book), TODAY)
    xml = members(book)[LEADS_PART]
    assert xml.count(b"<cfRule") == 3
    assert xml.index(b"<conditionalFormatting") < xml.index(b"<dataValidations")
    ws = openpyxl.load_workbook(book)[s.LEADS]
    assert len([r for rng in ws.conditional_formatting for r in rng.rules]) == 3
    plan = Plan([SetCells(s.LEADS, pd.DataFrame({s.FOLLOW_UP: ["Overdue x"]}, index=[2]))])
    FileBook(book).apply(plan)
    assert members(book)[LEADS_PART].count(b"<cfRule") == 3


def test_adopt_style_edits_add_columns_and_dropdowns_in_one_pass(book, tmp_path):
    from leadbook.book.xlsx.cells import column_letter
    from leadbook.book.xlsx.tail import dropdown
    from leadbook.book.xlsx.writer import SheetWrite, edit_sheets, validations
    from leadbook.book.xlsx.zipparts import ZipParts

    def mood_dropdown(lay):
        letter = column_letter(lay.positions["Mood"])
        return [dropdown(f"{letter}{lay.header + 1}:{letter}1048576", ("good", "bad"), "Mood")]

    parts = ZipParts(book)
    work = SheetWrite(s.TOUCHES, columns=["Mood"], widths={"Mood": 18}, tails=[validations(mood_dropdown)])
    edit_sheets(parts, [work])
    out = tmp_path / "adopted.xlsx"
    parts.save(out)
    parts.close()
    ws = openpyxl.load_workbook(out)[s.TOUCHES]
    assert ws.cell(1, 9).value == "Mood" and ws.column_dimensions["I"].width == 18
    assert [c.name for c in ws.tables[s.TOUCHES].tableColumns][-1] == "Mood"
    rules = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    assert rules["I2:I1048576"] == '"good,bad"'
    assert members(out)["xl/workbook.xml"] == members(book)["xl/workbook.xml"]  # no values changed


def test_libreoffice_opens_a_refreshed_book(book, tmp_path):
    import subprocess

    add_formula_column(book)
    services.refresh(FileBook(book), TODAY)
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "csv", "--outdir", str(tmp_path / "csv"), str(book)],
        check=True,
        capture_output=True,
        timeout=240,
    )
    lines = (tmp_path / "csv" / "book.csv").read_text(encoding="latin-1").splitlines()
    head = lines[0].split(",")
    assert s.SCORE in head and len(lines) == 41
    assert lines[1].split(",")[-1] == "L2"


def test_a_workbook_part_with_an_entity_is_refused_with_a_sentence(book):
    def entity(parts):
        parts["xl/workbook.xml"] = b'<!DOCTYPE w [<!ENTITY a "aaaa">]>' + parts["xl/workbook.xml"]

    rewrite(book, entity)
    before = book.read_bytes()
    with pytest.raises(LeadbookError, match="DOCTYPE in xl/workbook.xml"):  # refused on open (guard)
        FileBook(book).apply(Plan([SetCells(s.LEADS, pd.DataFrame({s.SCORE: [7]}, index=[2]))]))
    assert book.read_bytes() == before


def test_a_title_above_the_table_that_the_reader_takes_for_the_header_is_refused(book):
    def title_rows(parts):
        part = "xl/worksheets/sheet6.xml"  # Log: a table at A1, moved down by two rows under a title
        xml = re.sub(rb'r="([A-Z]+)(\d+)"', lambda m: b'r="%s%d"' % (m[1], int(m[2]) + 2), parts[part])
        xml = re.sub(rb'<row r="(\d+)"', lambda m: b'<row r="%d"' % (int(m[1]) + 2), xml)
        title = b'<row r="1"><c r="A1" t="inlineStr"><is><t>Log</t></is></c><c r="B1" t="inlineStr"><is><t>2026</t></is></c></row>'
        parts[part] = xml.replace(b"<sheetData>", b"<sheetData>" + title, 1)
        table = "xl/tables/table5.xml"
        parts[table] = re.sub(
            rb'ref="A1:([A-Z]+)(\d+)"', lambda m: b'ref="A3:%s%d"' % (m[1], int(m[2]) + 2), parts[table]
        )

    rewrite(book, title_rows)
    rows = pd.DataFrame({s.ACTION: ["x"]})
    with pytest.raises(LeadbookError, match="reads row 1 as the header"):
        FileBook(book).apply(Plan([AppendRows(s.LOG, rows)]))
