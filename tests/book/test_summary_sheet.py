"""The Summary sheet on a real .xlsx: figures, native charts, and nothing else touched."""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import python_calamine
from openpyxl.chart import BarChart, Reference
from openpyxl.workbook.defined_name import DefinedName

from leadbook.book.filebook import FileBook
from leadbook.book.summary_sheet import replace_sheet
from leadbook.book.template import new_book
from leadbook.core import schema as s
from leadbook.core.clean import clean
from leadbook.core.dashboard import summary_plan
from leadbook.core.plan import Block, Plan, ReplaceSheet
from leadbook.core.sample import sample_book

TODAY = dt.date(2026, 3, 31)
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
DOC_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def add_user_sheet(path: Path) -> None:
    """A sheet of the user's own, with a value, a chart and a defined name pointing at it."""
    wb = openpyxl.load_workbook(path)
    ws = wb.create_sheet("Mine")
    for row in (("Month", "Calls"), ("Jan", 12), ("Feb", 30), ("Mar", 21)):
        ws.append(row)
    chart = BarChart()
    chart.title = "My calls"
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=4), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=4))
    ws.add_chart(chart, "D2")
    wb.defined_names["MyCalls"] = DefinedName("MyCalls", attr_text="Mine!$B$2:$B$4")
    wb.save(path)


def summary_op(path: Path) -> ReplaceSheet:
    """The plan op from the book's own frames, with Status and Follow-up set as a caller would."""
    book = FileBook(path)
    leads, touches, prospects = (clean(k, book.read(k))[0] for k in (s.LEADS, s.TOUCHES, s.PROSPECTS))
    leads[s.STATUS] = leads[s.STATUS].fillna("Working")
    follow = np.where(np.arange(len(leads)) % 4 == 0, "Overdue 3 days · cadence", "Planned")
    leads[s.FOLLOW_UP] = follow
    return summary_plan(leads, touches, prospects, TODAY)


def calamine_values(path: Path) -> dict[str, list[list]]:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def _rels(z: zipfile.ZipFile, part: str) -> list[str]:
    """Targets of a part's relationships, as zip member names."""
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", name + ".rels")
    if rels not in z.namelist():
        return []
    root = openpyxl.xml.functions.fromstring(z.read(rels))
    out = []
    for rel in root.iter(REL):
        target = rel.get("Target")
        out.append(
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join(folder, target))
        )
    return out


def charts_of_sheet(path: Path, sheet: str) -> list[str]:
    """Chart parts reached from the sheet: workbook -> sheet -> drawing -> charts."""
    with zipfile.ZipFile(path) as z:
        root = openpyxl.xml.functions.fromstring(z.read("xl/workbook.xml"))
        rel_id = next(e.get(DOC_REL) for e in root.iter(f"{MAIN}sheet") if e.get("name") == sheet)
        wb_rels = openpyxl.xml.functions.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        target = next(r.get("Target") for r in wb_rels.iter(REL) if r.get("Id") == rel_id)
        part = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        drawings = [t for t in _rels(z, part) if "/drawings/" in t]
        return [c for d in drawings for c in _rels(z, d) if "/charts/" in c]


def chart_parts(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return sorted(n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n))


@pytest.fixture
def book(tmp_path) -> Path:
    path = tmp_path / "b.xlsx"
    new_book(path, sample_book(300, None, TODAY))
    add_user_sheet(path)
    return path


def test_summary_is_written_with_native_charts_and_nothing_else_changes(book):
    before = calamine_values(book)
    names_before = openpyxl.load_workbook(book).sheetnames
    op = summary_op(book)
    FileBook(book).apply(Plan([op]))

    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == names_before  # Summary rebuilt at its own position
    ws = wb[s.SUMMARY]
    assert ws["A1"].value == "Summary as of 2026-03-31"
    assert ws["A1"].font.b and ws["A1"].font.sz > 11
    for block in op.blocks:
        assert ws.cell(block.row, block.column).value == block.title
        assert ws.cell(block.row, block.column).font.b
        headers = [ws.cell(block.row + 1, block.column + j).value for j in range(len(block.frame.columns))]
        assert headers == list(block.frame.columns)
        for i, record in enumerate(block.frame.itertuples(index=False)):
            for j, expected in enumerate(record):
                cell = ws.cell(block.row + 2 + i, block.column + j)
                if isinstance(expected, float) and np.isnan(expected):
                    assert cell.value is None
                else:
                    assert (
                        cell.value == pytest.approx(expected)
                        if isinstance(expected, float)
                        else cell.value == expected
                    )
                if block.frame.columns[j] in block.percent_columns:
                    assert cell.number_format == "0.0%"
    funnel = op.blocks[1]
    assert funnel.title == "Funnel" and ws.cell(funnel.row + 2, 2).value == 300  # Leads

    after = calamine_values(book)
    summary_rows = after.pop(s.SUMMARY)
    assert summary_rows[0][0] == "Summary as of 2026-03-31"
    assert summary_rows[funnel.row + 1][:4] == ["Leads", 300, 1.0, 1.0]
    before.pop(s.SUMMARY)
    assert after == before  # every other sheet's values, Mine included

    assert len(chart_parts(book)) == 8
    assert len(charts_of_sheet(book, s.SUMMARY)) == 7
    assert len(charts_of_sheet(book, "Mine")) == 1
    assert wb.defined_names["MyCalls"].attr_text == "Mine!$B$2:$B$4"


def test_charts_have_titles_axes_and_no_legend_for_one_series(book):
    FileBook(book).apply(Plan([summary_op(book)]))
    with zipfile.ZipFile(book) as z:
        xml = {c: z.read(c).decode() for c in charts_of_sheet(book, s.SUMMARY)}
    by_title = {re.search(r"<a:t>([^<]+)</a:t>", x).group(1): x for x in xml.values()}
    assert set(by_title) == {
        "Funnel: leads reaching each stage", "Lead to won % by source", "Overdue and abandoned leads by owner",
        "Open leads by follow-up state", "Speed to lead by owner",
        "Touches to first connect (8-10 marked) and where reps stopped", "Weekly trend",
    }  # fmt: skip
    funnel, owners = (
        by_title["Funnel: leads reaching each stage"],
        by_title["Overdue and abandoned leads by owner"],
    )
    assert '<barDir val="bar"' in funnel and '<barDir val="col"' in owners
    assert "<legend>" not in funnel and "<legend>" in owners and owners.count("<ser>") == 2
    assert '<grouping val="stacked"' in by_title["Speed to lead by owner"]
    trend = by_title["Weekly trend"]
    assert "<lineChart>" in trend and trend.count("<ser>") == 4
    assert trend.count("<valAx>") == 2  # touches on their own axis, right
    connect = by_title["Touches to first connect (8-10 marked) and where reps stopped"]
    assert connect.count("<dPt>") == 3  # the seeds' 8, 9, 10 stand out
    for chart in by_title.values():
        assert chart.count('<delete val="0"') >= 2  # axes shown
        assert "'Summary'!$A$" in chart  # categories are the table's first column
    assert "<a:t>Owner</a:t>" in owners


def test_print_setup_and_chart_anchors_in_the_written_file(book):
    op = summary_op(book)
    FileBook(book).apply(Plan([op]))
    ws = openpyxl.load_workbook(book)[s.SUMMARY]
    assert ws.page_setup.orientation == "landscape"
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    starts = {b.row for b in op.blocks}
    breaks = [brk.id for brk in ws.row_breaks.brk]
    assert breaks and all(b + 1 in starts for b in breaks)  # a page ends only between sections
    pages = [1, *(b + 1 for b in breaks), ws.max_row + 1]
    assert all(end - top <= 60 for top, end in zip(pages, pages[1:], strict=False))
    anchors = sorted((c.anchor._from.row + 1, c.anchor._from.col + 1) for c in ws._charts)
    expected = sorted(
        (int(c.anchor[1:]), ord(c.anchor[0]) - 64) for c in op.charts
    )  # openpyxl reads them back as it wrote them
    assert anchors == expected
    for chart in op.charts:
        block = op.blocks[chart.block]
        assert int(chart.anchor[1:]) == block.row  # beside its table, level with its title
    notes = {b.title: ws.cell(b.row + 2 + len(b.frame), 1) for b in op.blocks}
    assert all(
        cell.value == b.note and cell.font.i for b, cell in zip(op.blocks, notes.values(), strict=True)
    )
    with zipfile.ZipFile(book) as z:
        sheet_xml = next(
            z.read(n).decode()
            for n in z.namelist()
            if n.startswith("xl/worksheets/sheet") and "rowBreaks" in z.read(n).decode()
        )
    assert "<pageSetup" in sheet_xml and 'orientation="landscape"' in sheet_xml
    rows = calamine_values(book)[s.SUMMARY]
    for block in op.blocks:
        assert rows[block.row + 1 + len(block.frame)][0] == block.note  # python-calamine agrees


def test_applying_twice_rebuilds_rather_than_accumulates(book):
    FileBook(book).apply(Plan([summary_op(book)]))
    first = calamine_values(book)
    FileBook(book).apply(Plan([summary_op(book)]))
    assert len(charts_of_sheet(book, s.SUMMARY)) == 7
    assert len(chart_parts(book)) == 8
    assert calamine_values(book) == first


def test_a_shorter_summary_leaves_no_old_cells_behind(book):
    FileBook(book).apply(Plan([summary_op(book)]))
    empty = [clean(k, None)[0] for k in (s.LEADS, s.TOUCHES, s.PROSPECTS)]
    FileBook(book).apply(Plan([summary_plan(*empty, TODAY)]))
    rows = calamine_values(book)[s.SUMMARY]
    assert len(rows) < 200  # no leftover rows past the empty layout
    funnel = summary_plan(*empty, TODAY).blocks[1]
    assert rows[funnel.row + 1][:4] == ["Leads", 0, 0.0, 0.0]
    assert len(charts_of_sheet(book, s.SUMMARY)) == 7


def test_empty_workbook_gets_a_summary_of_zeros(tmp_path):
    path = tmp_path / "empty.xlsx"
    new_book(path)
    empty = [clean(k, None)[0] for k in (s.LEADS, s.TOUCHES, s.PROSPECTS)]
    FileBook(path).apply(Plan([summary_plan(*empty, TODAY)]))
    rows = calamine_values(path)[s.SUMMARY]
    assert rows[0][0] == "Summary as of 2026-03-31"
    funnel = summary_plan(*empty, TODAY).blocks[1]
    assert [r[1] for r in rows[funnel.row + 1 : funnel.row + 6]] == [0] * 5
    assert len(charts_of_sheet(path, s.SUMMARY)) == 7


def test_missing_summary_sheet_is_added_at_the_end(tmp_path):
    path = tmp_path / "leads.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Leads"
    wb.active.append(["Lead ID", "Name"])
    wb.save(path)
    op = ReplaceSheet(s.SUMMARY, "Summary as of 2026-03-31", [], [])
    FileBook(path).apply(Plan([op]))
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Leads", s.SUMMARY]
    assert wb[s.SUMMARY]["A1"].value == "Summary as of 2026-03-31"


def test_dates_and_blank_medians_render_as_excel_values():
    frame = pd.DataFrame({"Owner": ["A"], "On": [pd.Timestamp("2026-03-02")], "Median": [np.nan]})
    wb = openpyxl.Workbook()
    replace_sheet(wb, ReplaceSheet("Summary", "Summary as of 2026-03-31", [Block("T", frame, 3)], []))
    ws = wb["Summary"]
    assert pd.Timestamp(ws["B5"].value) == pd.Timestamp("2026-03-02")
    assert ws["B5"].number_format == "yyyy-mm-dd"
    assert ws["C5"].value is None


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def test_summary_is_written_into_a_book_with_parts_openpyxl_would_drop(book, tmp_path):
    """A sparkline-style extLst on Leads, once refused: now the Leads part keeps every byte."""
    parts = _members(book)
    leads = next(n for n in parts if n.startswith("xl/worksheets/sheet1."))
    ext = b'<extLst><ext uri="{05C60535-1F16-4fd2-B633-F4F36F0B64E0}"><x14:sparklineGroups xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"/></ext></extLst>'
    parts[leads] = parts[leads].replace(b"</worksheet>", ext + b"</worksheet>")
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    FileBook(book).apply(Plan([summary_op(book)]))
    after = _members(book)
    assert after[leads] == parts[leads]
    for name in parts:
        if (
            "/charts/" in name
            or name.startswith("xl/drawings/drawing1")
            or name.startswith("xl/worksheets/sheet7")
        ):
            assert after[name] == parts[name], name  # the user's sheet and chart on Mine
    assert len(charts_of_sheet(book, s.SUMMARY)) == 7


def test_styles_stop_growing_after_the_first_summary(book):
    FileBook(book).apply(Plan([summary_op(book)]))
    first = _members(book)
    FileBook(book).apply(Plan([summary_op(book)]))
    second = _members(book)
    assert second["xl/styles.xml"] == first["xl/styles.xml"]
    assert set(second) == set(first)


def test_a_hidden_selected_summary_stays_hidden_and_selected(book):
    wb = openpyxl.load_workbook(book)
    wb[s.SUMMARY].sheet_state = "hidden"
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws.title == s.SUMMARY
    wb.save(book)
    FileBook(book).apply(Plan([summary_op(book)]))
    wb = openpyxl.load_workbook(book)
    assert wb[s.SUMMARY].sheet_state == "hidden"
    assert [ws.title for ws in wb.worksheets if ws.sheet_view.tabSelected] == [s.SUMMARY]


def test_summary_text_is_text_and_control_characters_go(tmp_path):
    import pandas as pd
    from openpyxl import load_workbook

    from leadbook.book.filebook import FileBook
    from leadbook.book.template import new_book
    from leadbook.core.plan import Block, Plan, ReplaceSheet

    path = tmp_path / "book.xlsx"
    new_book(path)
    frame = pd.DataFrame({"Owner": ['=HYPERLINK("x")', "Ann\x0bLee"], "Leads": [1, 2]})
    FileBook(path).apply(Plan([ReplaceSheet("Summary", "Summary", [Block("By owner", frame, 3)])]))
    ws = load_workbook(path)["Summary"]
    assert (ws["A5"].value, ws["A5"].data_type) == ('=HYPERLINK("x")', "s")
    assert ws["A6"].value == "AnnLee"
