"""Grafting a rendered sheet into books made by openpyxl, xlsxwriter and LibreOffice.

Each book has a user chart, a defined name (global and sheet-scoped), a hidden sheet and an old
Summary with a chart of its own; the xlsxwriter and LibreOffice ones also have an image.
"""

from __future__ import annotations

import io
import re
import shutil
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import python_calamine
import xlsxwriter
from openpyxl.chart import BarChart, Reference
from openpyxl.workbook.defined_name import DefinedName

from leadbook.book.summary_sheet import scratch_workbook
from leadbook.book.xlsx import graft
from leadbook.book.xlsx.graft import MemoryParts, parse, q, reachable
from leadbook.core.plan import Block, Chart, ReplaceSheet

OWNED = {
    "[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
    "docProps/app.xml", "xl/calcChain.xml",
}  # fmt: skip


def png() -> bytes:
    """A 1x1 red PNG, built by hand (no imaging library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0\xff\0\0"))
        + chunk(b"IEND", b"")
    )


def xlsxwriter_book(path: Path) -> Path:
    image = path.with_suffix(".png")
    image.write_bytes(png())
    wb = xlsxwriter.Workbook(str(path))
    data = wb.add_worksheet("Data")
    for i, row in enumerate((("Month", "Calls"), ("Jan", 12), ("Feb", 30), ("Mar", 21))):
        data.write_row(i, 0, row)
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"categories": "=Data!$A$2:$A$4", "values": "=Data!$B$2:$B$4", "name": "Calls"})
    data.insert_chart("D2", chart)
    data.insert_image("D20", str(image))
    summary = wb.add_worksheet("Summary")
    summary.write_row(0, 0, ("old", 1))
    old = wb.add_chart({"type": "bar"})
    old.add_series({"categories": "=Summary!$A$1:$A$1", "values": "=Summary!$B$1:$B$1"})
    summary.insert_chart("D2", old)
    hidden = wb.add_worksheet("Hidden")
    hidden.write("A1", "secret")
    hidden.hide()
    wb.add_worksheet("Notes").write("A1", "=Data!B2*2", None, 24)
    wb.define_name("Total", "=Data!$B$2:$B$4")
    wb.define_name("Summary!Local", "=Summary!$A$1")
    wb.define_name("Notes!Spot", "=Notes!$A$1")
    data.activate()
    wb.close()
    return path


def openpyxl_book(path: Path) -> Path:
    wb = openpyxl.Workbook()
    data = wb.active
    data.title = "Data"
    for row in (("Month", "Calls"), ("Jan", 12), ("Feb", 30), ("Mar", 21)):
        data.append(row)
    chart = BarChart()
    chart.add_data(Reference(data, min_col=2, min_row=1, max_row=4), titles_from_data=True)
    data.add_chart(chart, "D2")
    summary = wb.create_sheet("Summary")
    summary.append(("old", 1))
    old = BarChart()
    old.add_data(Reference(summary, min_col=2, min_row=1, max_row=1))
    summary.add_chart(old, "D2")
    hidden = wb.create_sheet("Hidden")
    hidden["A1"] = "secret"
    hidden.sheet_state = "hidden"
    notes = wb.create_sheet("Notes")
    notes["A1"] = "=Data!B2*2"
    wb.defined_names["Total"] = DefinedName("Total", attr_text="Data!$B$2:$B$4")
    summary.defined_names["Local"] = DefinedName("Local", attr_text="Summary!$A$1")
    notes.defined_names["Spot"] = DefinedName("Spot", attr_text="Notes!$A$1")
    wb.save(path)
    return path


def soffice(source: Path, target_dir: Path, to: str) -> Path:
    """Convert with LibreOffice headless (its own profile, so parallel runs do not clash)."""
    profile = target_dir / "lo-profile"
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", to,
         "--outdir", str(target_dir), str(source)],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    made = sorted(target_dir.glob(f"{source.stem}*.{to.split(':')[0]}"))
    assert made, f"LibreOffice did not convert {source.name} to {to}"
    return made[0]


def libreoffice_book(path: Path) -> Path:
    source = xlsxwriter_book(path.with_name("lo-source.xlsx"))
    made = soffice(source, path.parent / "lo-out", "xlsx")
    shutil.move(made, path)
    return path


MAKERS = {"openpyxl": openpyxl_book, "xlsxwriter": xlsxwriter_book, "libreoffice": libreoffice_book}


@pytest.fixture(scope="module", params=list(MAKERS))
def made(request, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp(request.param)
    return MAKERS[request.param](folder / f"{request.param}.xlsx")


@pytest.fixture
def book(made, tmp_path) -> Path:
    path = tmp_path / made.name
    shutil.copy(made, path)
    return path


def summary(name: str = "Summary", rows: int = 3) -> ReplaceSheet:
    frame = pd.DataFrame(
        {"Stage": [f"S{i}" for i in range(rows)], "Leads": range(rows, 0, -1), "Rate": [0.5] * rows}
    )
    blocks = [Block("Funnel", frame, 3, percent_columns=("Rate",)), Block("Again", frame, 3, 6)]
    charts = [Chart("bar", "Funnel", 0, ("Leads",), "J2"), Chart("column", "Rates", 1, ("Rate",), "J22")]
    return ReplaceSheet(name, f"{name} as of 2026-03-31", blocks, charts)


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist() if not i.is_dir()}


def edit(path: Path, change) -> MemoryParts:
    parts = MemoryParts(members(path))
    change(parts)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.members.items():
            z.writestr(name, data)
    return parts


def sheet_part(parts: MemoryParts, name: str) -> str:
    book = graft.Workbook(parts)
    return book.target(book.sheets[book.position(name)].get(graft.R_ID))


def charts_from(parts: MemoryParts, name: str) -> list[str]:
    return [p for p in reachable(parts, [sheet_part(parts, name)]) if re.search(r"/charts/chart\d+\.xml$", p)]


def orphans(parts: MemoryParts) -> set[str]:
    """Parts nothing reaches from the package root, and Overrides naming no part."""
    names = set(parts.names())
    content = {n for n in names if not n.endswith(".rels") and n != "[Content_Types].xml"}
    lost = content - set(reachable(parts, [""]))
    overrides = {
        e.get("PartName").lstrip("/")
        for e in parse(parts.read("[Content_Types].xml")).iter(q("Override", graft.CT))
    }
    return lost | {f"override {o}" for o in overrides - names}


def scoped_names(path: Path) -> dict[str, str | None]:
    root = parse(members(path)["xl/workbook.xml"])
    return {n.get("name"): n.get("localSheetId") for n in root.iter(q("definedName"))}


def test_replacing_summary_changes_only_what_leadbook_owns(book):
    before = members(book)
    order = openpyxl.load_workbook(book).sheetnames
    names = scoped_names(book)
    parts = edit(book, lambda p: graft.replace_sheet(p, scratch_workbook(summary())))

    after = members(book)
    old_summary = set(reachable(MemoryParts(before), [sheet_part(MemoryParts(before), "Summary")]))
    old_summary |= {graft.rels_name(p) for p in old_summary}
    for name, data in before.items():
        if name not in OWNED and name not in old_summary:
            assert after[name] == data, name
    assert orphans(parts) == set()
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == order and wb["Hidden"].sheet_state == "hidden"
    ws = wb["Summary"]
    assert ws["A1"].value == "Summary as of 2026-03-31" and ws["A1"].font.b
    assert ws["A4"].fill.fgColor.rgb[-6:] == "DDEBF7" and ws["C5"].number_format == "0.0%"
    assert len(ws._charts) == 2 and len(wb["Data"]._charts) == 1
    charts = charts_from(parts, "Summary")
    assert len(charts) == 2
    for chart in charts:
        refs = re.findall(rb"<(?:c:)?f>([^<]+)</(?:c:)?f>", parts.read(chart))
        assert refs and all(r.startswith(b"'Summary'!") for r in refs)
    expected = {k: v for k, v in names.items() if k != "Local"}
    assert {k: v for k, v in scoped_names(book).items()} == expected  # Summary's own name went with it
    values = python_calamine.CalamineWorkbook.from_path(str(book))
    assert values.get_sheet_by_name("Summary").to_python()[4][:3] == ["S0", 3.0, 0.5]
    assert values.get_sheet_by_name("Hidden").to_python() == [["secret"]]


def test_replacing_twice_changes_nothing_the_second_time(book):
    edit(book, lambda p: graft.replace_sheet(p, scratch_workbook(summary())))
    first = members(book)
    edit(book, lambda p: graft.replace_sheet(p, scratch_workbook(summary())))
    assert members(book) == first  # styles.xml included: identical formats are reused


def test_libreoffice_reads_the_result(book, tmp_path):
    edit(book, lambda p: graft.replace_sheet(p, scratch_workbook(summary(rows=30))))
    every_sheet = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    csv = soffice(book, tmp_path / "csv", every_sheet).parent / f"{book.stem}-Summary.csv"
    assert csv.read_text().startswith("Summary as of 2026-03-31")
    assert "S29,1,50" in csv.read_text().replace("%", "")
    assert soffice(book, tmp_path / "pdf", "pdf").stat().st_size > 1000


def test_a_new_sheet_takes_the_lowest_free_numbers_and_ids(book):
    before = parse(members(book)["xl/_rels/workbook.xml.rels"])
    ids = {r.get("Id") for r in before.iter(q("Relationship", graft.PKG_REL))}
    sheet_ids = [int(s.get("sheetId")) for s in parse(members(book)["xl/workbook.xml"]).iter(q("sheet"))]
    parts = edit(book, lambda p: graft.add_sheet(p, scratch_workbook(summary("Team's view"))))
    book_ = graft.Workbook(parts)
    element = book_.sheets[-1]
    assert element.get("name") == "Team's view" and int(element.get("sheetId")) == max(sheet_ids) + 1
    first_free = next(f"rId{n}" for n in range(1, 99) if f"rId{n}" not in ids)
    assert element.get(graft.R_ID) == first_free
    taken = set(members(book)) - set(parts.names()) | set(parts.names())
    assert graft.free_name(
        "xl/charts/chart1.xml", taken - set(charts_from(parts, "Team's view"))
    ) in charts_from(parts, "Team's view")
    refs = {
        r
        for c in charts_from(parts, "Team's view")
        for r in re.findall(rb"<(?:c:)?f>([^<]+)</(?:c:)?f>", parts.read(c))
    }
    assert refs and all(r.startswith(b"'Team''s view'!") for r in refs)
    assert orphans(parts) == set()
    assert openpyxl.load_workbook(book)["Team's view"]["A1"].value == "Team's view as of 2026-03-31"


def test_inserting_before_a_sheet_shifts_its_scoped_names_and_the_active_tab(book):
    names = scoped_names(book)
    views = parse(members(book)["xl/workbook.xml"]).find(f"{q('bookViews')}/{q('workbookView')}")
    active = int(views.get("activeTab", "0"))
    edit(book, lambda p: graft.add_sheet(p, scratch_workbook(summary("First")), 0))
    shifted = scoped_names(book)
    assert shifted == {k: (None if v is None else str(int(v) + 1)) for k, v in names.items()}
    views = parse(members(book)["xl/workbook.xml"]).find(f"{q('bookViews')}/{q('workbookView')}")
    assert int(views.get("activeTab", "0")) == active + 1
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames[0] == "First" and wb.defined_names["Total"].attr_text == "Data!$B$2:$B$4"


def test_excel_style_app_titles_follow_the_tabs(tmp_path):
    path = xlsxwriter_book(tmp_path / "x.xlsx")  # xlsxwriter writes app.xml as Excel does
    before = parse(members(path)["docProps/app.xml"])
    edit(path, lambda p: graft.add_sheet(p, scratch_workbook(summary("Extra")), 1))
    app = parse(members(path)["docProps/app.xml"])
    heading = [e.text for e in app.find("{*}HeadingPairs")[0].iter("{*}lpstr", "{*}i4")]
    titles = [e.text for e in app.find("{*}TitlesOfParts")[0]]
    old_titles = [e.text for e in before.find("{*}TitlesOfParts")[0]]
    assert heading[:2] == ["Worksheets", "5"]
    assert titles[:5] == ["Data", "Extra", "Summary", "Hidden", "Notes"]
    assert titles[5:] == old_titles[4:]  # the named ranges after them, as they were
    assert int(app.find("{*}TitlesOfParts")[0].get("size")) == len(titles)
    edit(path, lambda p: graft.remove_sheet(p, "Extra"))
    assert members(path)["docProps/app.xml"] == graft.serialise(before)


def test_shared_strings_of_the_scratch_become_inline_and_styles_are_mapped(book):
    scratch = io.BytesIO()
    wb = xlsxwriter.Workbook(scratch)
    ws = wb.add_worksheet("Extra")
    ws.write("A1", "bold & <red>", wb.add_format({"bold": True, "font_color": "#FF0000"}))
    ws.write("A2", 0.25, wb.add_format({"num_format": "0.000%"}))
    ws.set_column("B:B", 20, wb.add_format({"italic": True}))
    wb.close()
    strings_before = members(book).get("xl/sharedStrings.xml")
    edit(book, lambda p: graft.add_sheet(p, scratch.getvalue()))
    assert members(book).get("xl/sharedStrings.xml") == strings_before
    ws = openpyxl.load_workbook(book)["Extra"]
    assert ws["A1"].value == "bold & <red>" and ws["A1"].font.b and ws["A1"].font.color.rgb.endswith("FF0000")
    assert ws["A2"].number_format == "0.000%"
    assert ws.column_dimensions["B"].width > 19


def with_calc_chain(path: Path, sheets: list[str]) -> None:
    """Add a calcChain listing A1 of each named sheet (openpyxl writes none)."""
    parts = members(path)
    ids = {s.get("name"): s.get("sheetId") for s in parse(parts["xl/workbook.xml"]).iter(q("sheet"))}
    cells = "".join(f'<c r="A1" i="{ids[n]}"/><c r="A2"/>' for n in sheets)
    parts["xl/calcChain.xml"] = f'<calcChain xmlns="{graft.MAIN}">{cells}</calcChain>'.encode()
    rel = f'<Relationship Id="rId99" Type="{graft.CALC_CHAIN}" Target="calcChain.xml"/>'
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", rel.encode() + b"</Relationships>"
    )
    override = '<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"/>'
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", override.encode() + b"</Types>"
    )
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)


def test_calc_chain_entries_of_the_replaced_sheet_go(tmp_path):
    path = openpyxl_book(tmp_path / "c.xlsx")
    with_calc_chain(path, ["Summary", "Notes"])
    notes = next(
        s.get("sheetId")
        for s in parse(members(path)["xl/workbook.xml"]).iter(q("sheet"))
        if s.get("name") == "Notes"
    )
    edit(path, lambda p: graft.replace_sheet(p, scratch_workbook(summary())))
    chain = parse(members(path)["xl/calcChain.xml"])
    assert [(c.get("r"), c.get("i")) for c in chain] == [("A1", notes), ("A2", notes)]


def test_a_calc_chain_left_empty_is_dropped_with_its_rel_and_override(tmp_path):
    path = openpyxl_book(tmp_path / "c.xlsx")
    with_calc_chain(path, ["Summary"])
    parts = edit(path, lambda p: graft.replace_sheet(p, scratch_workbook(summary())))
    assert "xl/calcChain.xml" not in parts.names()
    assert b"calcChain" not in parts.read("xl/_rels/workbook.xml.rels")
    assert b"calcChain" not in parts.read("[Content_Types].xml")
    assert orphans(parts) == set()


def test_self_closing_number_formats_are_expanded_and_codes_reused():
    from leadbook.book.xlsx.stylemerge import StyleMerge

    book = openpyxl.Workbook()
    out = io.BytesIO()
    book.save(out)
    book_styles = MemoryParts.from_zip(out.getvalue()).read("xl/styles.xml")
    assert b'<numFmts count="0"/>' in book_styles
    scratch = MemoryParts.from_zip(scratch_workbook(summary())).read("xl/styles.xml")
    merge = StyleMerge(book_styles, scratch)
    codes = {}
    for i, xf in enumerate(parse(scratch).find(q("cellXfs"))):
        codes[merge.xf(i)] = xf.get("numFmtId")
    merged = parse(merge.result())
    formats = {f.get("formatCode"): int(f.get("numFmtId")) for f in merged.iter(q("numFmt"))}
    assert formats == {"0.0%": 164, "#,##0.0": 165} and merged.find(q("numFmts")).get("count") == "2"
    assert len(merged.find(q("cellXfs"))) == int(merged.find(q("cellXfs")).get("count"))
    again = StyleMerge(merge.result(), scratch)
    assert [again.xf(i) for i in range(len(parse(scratch).find(q("cellXfs"))))] == sorted(codes)
    assert again.result() is None


def test_a_format_code_the_book_has_is_reused_under_its_id():
    from leadbook.book.xlsx.stylemerge import StyleMerge

    out = io.BytesIO()
    openpyxl.Workbook().save(out)
    styles = MemoryParts.from_zip(out.getvalue()).read("xl/styles.xml")
    styles = styles.replace(
        b'<numFmts count="0"/>', b'<numFmts count="1"><numFmt numFmtId="170" formatCode="0.0%"/></numFmts>'
    )
    scratch = MemoryParts.from_zip(scratch_workbook(summary())).read("xl/styles.xml")
    merge = StyleMerge(styles, scratch)
    percent = next(i for i, xf in enumerate(parse(scratch).find(q("cellXfs"))) if xf.get("numFmtId") == "164")
    index = merge.xf(percent)
    for i in range(len(parse(scratch).find(q("cellXfs")))):
        merge.xf(i)
    assert parse(merge.result()).find(q("cellXfs"))[index].get("numFmtId") == "170"
    assert {f.get("formatCode"): f.get("numFmtId") for f in parse(merge.result()).iter(q("numFmt"))} == {
        "0.0%": "170",
        "#,##0.0": "171",
    }
