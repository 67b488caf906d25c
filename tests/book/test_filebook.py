import datetime as dt
import shutil
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import python_calamine
from factories import TODAY

from leadbook.book.filebook import FileBook
from leadbook.book.safety import lost_parts
from leadbook.book.template import new_book
from leadbook.core import schema as s
from leadbook.core.plan import AppendRows, Plan, SetCells
from leadbook.core.problems import LeadbookError
from leadbook.core.sample import sample_book


@pytest.fixture
def sample(tmp_path) -> Path:
    path = tmp_path / "book.xlsx"
    new_book(path, sample_book(40, None, TODAY))
    return path


def calamine_rows(path: Path, sheet: str) -> list[list]:
    return python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def set_score(rows: dict[int, int]) -> Plan:
    return Plan([SetCells(s.LEADS, pd.DataFrame({s.SCORE: list(rows.values())}, index=list(rows)))])


def test_read_maps_headers_and_numbers_rows_as_excel_does(sample):
    leads = FileBook(sample).read(s.LEADS)
    assert leads.index[0] == 2 and len(leads) == 40
    assert leads.loc[2, s.LEAD_ID] == "L00001"
    assert FileBook(sample).read("Nope") is None


def test_reads_two_at_a_time_give_the_frames_one_at_a_time_gives(sample):
    from leadbook import services

    needs = services.NEEDS["qualify"]
    together, alone = FileBook(sample, needs), FileBook(sample)
    assert len(together._pending) == 4  # Touches, Leads, Prospects and Settings, read ahead
    for sheet in (s.LEADS, s.TOUCHES, s.PROSPECTS, s.SETTINGS):
        expected = alone.read(sheet)
        if needs[sheet] is not None:
            expected = expected[[c for c in expected.columns if c in needs[sheet]]]
            expected = expected.loc[expected.notna().any(axis=1)]
        pd.testing.assert_frame_equal(together.read(sheet), expected)


def test_an_error_read_ahead_surfaces_when_that_sheet_is_asked_for(sample, monkeypatch):
    from leadbook import services
    from leadbook.book import reader

    real = reader.SheetReader.frame

    def broken(self, sheet, name, columns=None):
        if sheet == s.TOUCHES:
            raise LeadbookError("damaged", sheet)
        return real(self, sheet, name, columns)

    monkeypatch.setattr(reader.SheetReader, "frame", broken)
    book = FileBook(sample, services.NEEDS["refresh"])
    assert len(book.read(s.LEADS)) == 40
    with pytest.raises(LeadbookError, match="damaged"):
        book.read(s.TOUCHES)


def test_set_cells_writes_only_those_cells_and_keeps_a_backup(sample):
    before = calamine_rows(sample, s.LEADS)
    backup = FileBook(sample).apply(set_score({2: 55, 5: 60}))
    after = calamine_rows(sample, s.LEADS)
    col = before[0].index(s.SCORE)
    assert after[1][col] == 55 and after[4][col] == 60
    changed = [
        (r, c) for r in range(len(before)) for c in range(len(before[0])) if before[r][c] != after[r][c]
    ]
    assert changed == [(1, col), (4, col)]
    assert backup.exists() and calamine_rows(backup, s.LEADS) == before
    wb = openpyxl.load_workbook(sample)
    assert wb[s.LEADS].cell(2, col + 1).value == 55


def test_append_rows_grows_the_table(sample):
    rows = pd.DataFrame({s.DATE: [pd.Timestamp(TODAY)], s.LEAD_ID: ["L00003"], s.KIND: ["Email"]})
    n = len(FileBook(sample).read(s.TOUCHES))
    FileBook(sample).apply(Plan([AppendRows(s.TOUCHES, rows)]))
    ws = openpyxl.load_workbook(sample)[s.TOUCHES]
    assert ws.tables[s.TOUCHES].ref == f"A1:H{n + 2}"
    assert ws.cell(n + 2, 2).value == "L00003" and ws.cell(n + 2, 1).number_format == "yyyy-mm-dd"
    assert calamine_rows(sample, s.TOUCHES)[-1][:3] == [dt.date(2026, 11, 23), "L00003", "Email"]


def test_set_cells_adds_a_missing_owned_column_to_the_table(sample):
    plan = Plan([SetCells(s.TOUCHES, pd.DataFrame({"Mood": ["good"]}, index=[2]))])
    FileBook(sample).apply(plan)
    ws = openpyxl.load_workbook(sample)[s.TOUCHES]
    assert ws.cell(1, 9).value == "Mood" and ws.tables[s.TOUCHES].ref.startswith("A1:I")
    assert [c.name for c in ws.tables[s.TOUCHES].tableColumns][-1] == "Mood"


def test_refuses_while_excel_has_the_book_open(sample):
    lock = sample.with_name("~$" + sample.name)
    lock.write_text("owner")
    before = sample.read_bytes()
    with pytest.raises(LeadbookError, match="open in Excel"):
        FileBook(sample).apply(set_score({2: 1}))
    assert sample.read_bytes() == before


def test_backups_are_pruned_to_the_newest_five_in_one_folder(sample):
    for i in range(7):
        FileBook(sample).apply(set_score({2: i}))
    assert len(list((sample.parent / ".leadbook-backups").glob("book.*.xlsx"))) == 5
    assert sorted(p.name for p in sample.parent.iterdir()) == [".leadbook-backups", "book.xlsx"]


def test_one_backup_per_command_however_many_writes(sample):
    book = FileBook(sample)
    first = book.apply(set_score({2: 1}))
    assert first is not None and book.apply(set_score({2: 2})) is None
    assert len(list((sample.parent / ".leadbook-backups").iterdir())) == 1


def _rewrite_zip(path: Path, edit) -> None:
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    edit(parts)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def test_cell_writes_keep_extensions_and_every_part_they_do_not_own(sample):
    def add_extensions(parts):
        name = "xl/worksheets/sheet1.xml"
        parts[name] = parts[name].replace(
            b"</worksheet>",
            b"<extLst><ext uri='{05C60535-1F16-4fd2-B633-F4F36F0B64E0}'/></extLst></worksheet>",
        )
        parts["customXml/item1.xml"] = b"<?xml version='1.0'?><root/>"
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
            b"</Types>",
            b'<Override PartName="/customXml/item1.xml" ContentType="application/vnd.test.custom+xml"/></Types>',
        )

    _rewrite_zip(sample, add_extensions)
    with zipfile.ZipFile(sample) as z:
        before = {n: z.read(n) for n in z.namelist()}
    FileBook(sample).apply(set_score({2: 1}))
    with zipfile.ZipFile(sample) as z:
        after = {n: z.read(n) for n in z.namelist()}
    assert set(after) == set(before)
    changed = {n for n in before if before[n] != after[n]}
    # workbook.xml changes only to ask for recalculation on open (openpyxl-made books already do)
    assert "xl/worksheets/sheet1.xml" in changed and changed <= {
        "xl/worksheets/sheet1.xml",
        "xl/workbook.xml",
    }
    assert b'fullCalcOnLoad="1"' in after["xl/workbook.xml"]
    assert after["xl/worksheets/sheet1.xml"].endswith(
        b"<extLst><ext uri='{05C60535-1F16-4fd2-B633-F4F36F0B64E0}'/></extLst></worksheet>"
    )
    assert not list(sample.parent.glob(".~leadbook-*"))


def test_lost_parts_ignores_parts_excel_rebuilds():
    calc = "application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"
    chart = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
    assert lost_parts(Counter({calc: 1, chart: 2}), Counter({chart: 2})) == []
    assert lost_parts(Counter({chart: 2}), Counter({chart: 1})) == ["1 chart part(s)"]


def test_xlsm_macros_are_kept(sample, tmp_path):
    import xlwings

    xlam = Path(xlwings.__file__).parent / "quickstart_addin_ribbon.xlam"
    with zipfile.ZipFile(xlam) as z:
        vba = z.read("xl/vbaProject.bin")
    macro_book = tmp_path / "macro.xlsm"
    shutil.copy(sample, macro_book)

    def add_vba(parts):
        ct = parts["[Content_Types].xml"]
        ct = ct.replace(
            b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        )
        parts["[Content_Types].xml"] = ct.replace(
            b"</Types>",
            b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>',
        )
        rels = parts["xl/_rels/workbook.xml.rels"]
        parts["xl/_rels/workbook.xml.rels"] = rels.replace(
            b"</Relationships>",
            b'<Relationship Id="rIdVBA" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/></Relationships>',
        )
        parts["xl/vbaProject.bin"] = vba

    _rewrite_zip(macro_book, add_vba)
    FileBook(macro_book).apply(set_score({2: 9}))
    with zipfile.ZipFile(macro_book) as z:
        assert z.read("xl/vbaProject.bin") == vba
    assert calamine_rows(macro_book, s.LEADS)[1][s.LEAD_COLUMNS.index(s.SCORE)] == 9
