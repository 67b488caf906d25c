"""The corpus: small, deterministic trackers, each carrying features a real workbook has.

Every book has a Leads sheet (and most a Touches sheet) that `leadbook adopt` can take on, plus
one or more parts a writer must keep: charts, images, shapes, comments, pivots, slicers,
extensions, VBA, external links... Parts xlsxwriter cannot write are added by hand (parts.py).
Each factory takes a folder and returns the book's path; BOOKS maps a name to (factory, holds).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import subprocess
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter
from corpus.parts import add_default, add_override, add_rel, insert_in_sheet, rewrite_zip, sheet_parts
from xlsxwriter.utility import xl_col_to_name

from leadbook.book.install import HIGHLIGHTS, highlight_formula
from leadbook.core import schema as s

OD = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
XML_DECL = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

LEADS_HEADERS = ["Lead ID", "Created", "Name", "Company", "Email", "Phone", "Source", "Owner"]
LEADS_HEADERS += ["Need", "Budget", "Authority", "Likelihood", "Timing", "Notes", "Region"]
LEADS = [
    ("L1", dt.date(2026, 9, 1), "Ada Byron", "Analytical", "ada@analytical.io", "+44 20 7946 0001", "Referral", "Alice", "Yes", "Yes", "Yes", "High", "0-3 months", "met at expo", "North"),
    ("L2", dt.date(2026, 9, 14), "Brian Kernel", "Bell Works", "brian@bell.example", "+44 20 7946 0002", "Website", "Bob", "Yes", "No", "Unknown", "Medium", "3-6 months", "", "South"),
    ("L3", dt.date(2026, 10, 3), "Cora Lint", "Compiler Co", "cora@compiler.example", "", "Cold call", "Alice", "No", "", "", "Low", "12+ months", "not now", "North"),
    ("L4", dt.date(2026, 10, 20), "Dan Heap", "Dynamic Ltd", "dan@dynamic.example", "+44 20 7946 0004", "Referral", "Bob", "Yes", "Yes", "Yes", "High", "0-3 months", "", "East"),
    ("L5", dt.date(2026, 11, 2), "Eve Stack", "Exact Labs", "eve@exact.example", "", "Trade show", "Alice", "Unknown", "Yes", "No", "Medium", "6-12 months", "", "West"),
    ("L6", dt.date(2026, 11, 16), "Finn Queue", "Fifo plc", "finn@fifo.example", "+44 20 7946 0006", "Networking", "Bob", "", "", "", "", "", "", "South"),
]  # fmt: skip
TOUCHES_HEADERS = ["Date", "Lead ID", "Kind", "Direction", "Outcome", "Notes"]
TOUCHES = [
    (dt.date(2026, 9, 2), "L1", "Call", "Out", "Talked", "keen"),
    (dt.date(2026, 9, 15), "L2", "Email", "Out", "No answer", ""),
    (dt.date(2026, 10, 4), "L3", "Call", "Out", "Not interested", ""),
    (dt.date(2026, 10, 21), "L4", "Call", "In", "Meeting booked", "called us"),
    (dt.date(2026, 11, 3), "L5", "Email", "Out", "Left message", ""),
    (dt.date(2026, 11, 10), "L1", "Meeting", "Out", "Shared info", ""),
]


@dataclass
class Tracker:
    """An open xlsxwriter tracker: the workbook, its Leads and Touches sheets, the header row."""

    wb: xlsxwriter.Workbook
    leads: object
    touches: object
    header_row: int  # 0-based, as xlsxwriter counts
    headers: list[str]  # the Leads header as written

    @property
    def width(self) -> int:
        """The first free Leads column (0-based)."""
        return len(self.headers)

    def col(self, header: str) -> int:
        return LEADS_HEADERS.index(header)

    def rows(self) -> range:
        """The 0-based rows holding leads."""
        return range(self.header_row + 1, self.header_row + 1 + len(LEADS))


def adopted_columns(sheet: str, have: list[str]) -> list[str]:
    """The contract columns a sheet lacks, appended after the tracker's own (what adopt would add)."""
    return [c for c in s.COLUMNS[sheet] if c not in have]


def add_dropdowns(ws, sheet: str, headers: list[str], top: int) -> None:
    """The dropdowns adopt would add, so an adopted tracker gives adopt nothing to do on this sheet."""
    for column, choices in s.CHOICES[sheet].items():
        at = headers.index(column)
        rule = {"validate": "list", "source": list(choices), "error_type": "warning"}
        ws.data_validation(top + 1, at, 1048575, at, rule)


def add_highlights(ws, wb, headers: list[str], top: int) -> None:
    """adopt's Follow-up colour rules (the same formulas, so it finds them present)."""
    follow = f"${xl_col_to_name(headers.index(s.FOLLOW_UP))}{top + 2}"
    for state, fill, font in HIGHLIGHTS:
        fmt = wb.add_format({"bg_color": f"#{fill}", "font_color": f"#{font}"})
        for column in (s.NEXT_TOUCH, s.FOLLOW_UP):
            at = headers.index(column)
            criteria = "=" + highlight_formula(state, follow)
            rule = {"type": "formula", "criteria": criteria, "format": fmt, "stop_if_true": True}
            ws.conditional_format(top + 1, at, 1048575, at, rule)


@contextmanager
def tracker(
    path: Path, *, adopted: bool = False, options: dict | None = None, title: str = "", touches: bool = True
) -> Iterator[Tracker]:
    """Write the standard tracker with xlsxwriter; the caller adds its features inside the block.

    `adopted`: Leads and Touches already hold every contract column, dropdown and highlight, so
    adopt only adds the missing sheets (the graft path) and every later write patches the package.
    """
    wb = xlsxwriter.Workbook(path, {"strings_to_numbers": False, **(options or {})})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    leads, headers, top = write_leads(wb, date, adopted, title)
    sheet = write_touches(wb, date, adopted) if touches else None
    yield Tracker(wb, leads, sheet, top, headers)
    wb.close()


def write_cells(ws, first_row: int, rows: list[tuple], date) -> None:
    """Rows of values from `first_row` (0-based): dates with a date format, blanks left empty."""
    for i, row in enumerate(rows, start=first_row):
        for j, value in enumerate(row):
            if isinstance(value, dt.date):
                ws.write_datetime(i, j, dt.datetime.combine(value, dt.time()), date)
            elif value != "":
                ws.write_string(i, j, value)


def write_leads(wb, date, adopted: bool, title: str) -> tuple[object, list[str], int]:
    """The Leads sheet (an optional title row above the header); returns it, its header, the header row."""
    leads = wb.add_worksheet("Leads")
    top = 0
    if title:
        leads.write(0, 0, title, wb.add_format({"bold": True}))
        top = 1
    headers = LEADS_HEADERS + (adopted_columns(s.LEADS, LEADS_HEADERS) if adopted else [])
    leads.write_row(top, 0, headers, wb.add_format({"bold": True}))
    if adopted:
        add_dropdowns(leads, s.LEADS, headers, top)
        add_highlights(leads, wb, headers, top)
    write_cells(leads, top + 1, LEADS, date)
    return leads, headers, top


def write_touches(wb, date, adopted: bool):
    sheet = wb.add_worksheet("Touches")
    headers = TOUCHES_HEADERS + (adopted_columns(s.TOUCHES, TOUCHES_HEADERS) if adopted else [])
    sheet.write_row(0, 0, headers)
    if adopted:
        add_dropdowns(sheet, s.TOUCHES, headers, 0)
    write_cells(sheet, 1, TOUCHES, date)
    return sheet


BOOKS: dict[str, tuple[Callable[[Path], Path], str]] = {}


def book(holds: str) -> Callable:
    """Register a factory under its function name with a line saying what the book holds."""

    def register(factory: Callable[[Path], Path]) -> Callable[[Path], Path]:
        BOOKS[factory.__name__] = (factory, holds)
        return factory

    return register


def tiny_png() -> bytes:
    """A 2x2 red PNG made by hand (no imaging library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    ihdr = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    )


# --- charts, drawings ---------------------------------------------------------------------------


@book("a classic column chart of Leads data (chart1.xml in a drawing on the Leads sheet)")
def chart_classic(folder: Path, adopted: bool = False) -> Path:
    path = folder / "chart_classic.xlsx"
    with tracker(path, adopted=adopted) as t:
        chart = t.wb.add_chart({"type": "column"})
        chart.add_series({"categories": "=Leads!$A$2:$A$7", "values": "=Leads!$B$2:$B$7", "name": "Created"})
        t.leads.insert_chart("Q2", chart)
    return path


STYLE_ELEMENTS = [
    "axisTitle",
    "categoryAxis",
    "chartArea",
    "dataLabel",
    "dataLabelCallout",
    "dataPoint",
    "dataPoint3D",
    "dataPointLine",
    "dataPointMarker",
    "dataPointMarkerLayout",
    "dataPointWireframe",
    "dataTable",
    "downBar",
    "dropLine",
    "errorBar",
    "floor",
    "gridlineMajor",
    "gridlineMinor",
    "hiLoLine",
    "leaderLine",
    "legend",
    "plotArea",
    "plotArea3D",
    "seriesAxis",
    "seriesLine",
    "title",
    "trendline",
    "trendlineLabel",
    "upBar",
    "valueAxis",
    "wall",
]
CS = 'xmlns:cs="http://schemas.microsoft.com/office/drawing/2012/chartStyle" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'


def chart_style_xml() -> bytes:
    """A minimal Excel-style chartStyle part (style 201), as Excel 2013+ writes beside each chart."""
    refs = '<cs:lnRef idx="0"/><cs:fillRef idx="0"/><cs:effectRef idx="0"/><cs:fontRef idx="minor"><a:schemeClr val="tx1"/></cs:fontRef>'
    body = "".join(f"<cs:{e}>{refs}</cs:{e}>" for e in STYLE_ELEMENTS)
    return XML_DECL + f'<cs:chartStyle {CS} id="201">{body}</cs:chartStyle>'.encode()


def chart_colors_xml() -> bytes:
    accents = "".join(f'<a:schemeClr val="accent{i}"/>' for i in range(1, 7))
    return (
        XML_DECL
        + f'<cs:colorStyle {CS} meth="cycle" id="10">{accents}<cs:variation/></cs:colorStyle>'.encode()
    )


@book(
    "a modern chart on a Dashboard sheet: chart1.xml with chartStyle (style1.xml) and colors (colors1.xml) parts"
)
def chart_modern(folder: Path, adopted: bool = False) -> Path:
    path = folder / "chart_modern.xlsx"
    with tracker(path, adopted=adopted) as t:
        dash = t.wb.add_worksheet("Dashboard")
        dash.write_row(0, 0, ["Region", "Leads"])
        for i, (region, n) in enumerate([("North", 2), ("South", 2), ("East", 1), ("West", 1)], start=1):
            dash.write_string(i, 0, region)
            dash.write_number(i, 1, n)
        chart = t.wb.add_chart({"type": "pie"})
        chart.add_series({"categories": "=Dashboard!$A$2:$A$5", "values": "=Dashboard!$B$2:$B$5"})
        dash.insert_chart("D2", chart)

    def edit(parts: dict[str, bytes]) -> None:
        parts["xl/charts/style1.xml"] = chart_style_xml()
        parts["xl/charts/colors1.xml"] = chart_colors_xml()
        add_rel(
            parts,
            "xl/charts/chart1.xml",
            "http://schemas.microsoft.com/office/2011/relationships/chartStyle",
            "style1.xml",
        )
        add_rel(
            parts,
            "xl/charts/chart1.xml",
            "http://schemas.microsoft.com/office/2011/relationships/chartColorStyle",
            "colors1.xml",
        )
        add_override(parts, "xl/charts/style1.xml", "application/vnd.ms-office.chartstyle+xml")
        add_override(parts, "xl/charts/colors1.xml", "application/vnd.ms-office.chartcolorstyle+xml")

    rewrite_zip(path, edit)
    return path


@book("a PNG image (a logo) anchored on the Leads sheet")
def image(folder: Path, adopted: bool = False) -> Path:
    path = folder / "image.xlsx"
    with tracker(path, adopted=adopted) as t:
        t.leads.insert_image(
            "Q2", "logo.png", {"image_data": io.BytesIO(tiny_png()), "x_scale": 10, "y_scale": 10}
        )
    return path


@book("two text boxes, one filled (drawing xdr:sp shapes) on the Leads sheet")
def shapes(folder: Path, adopted: bool = False) -> Path:
    path = folder / "shapes.xlsx"
    with tracker(path, adopted=adopted) as t:
        t.leads.insert_textbox("Q2", "Call Ada before Friday", {"width": 240, "height": 60})
        t.leads.insert_textbox(
            "Q8", "Owners: Alice, Bob", {"object_position": 1, "fill": {"color": "#DDEEFF"}}
        )
    return path


# --- comments ------------------------------------------------------------------------------------


@book("legacy comments (comments1.xml + VML) on Leads Name cells")
def comments(folder: Path, adopted: bool = False) -> Path:
    path = folder / "comments.xlsx"
    with tracker(path, adopted=adopted) as t:
        t.leads.write_comment("C2", "Prefers email", {"author": "Alice"})
        t.leads.write_comment("C5", "Decision maker", {"author": "Bob"})
    return path


THREADED_NS = "http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments"
PERSON_ID = "{6A0F3C51-0000-4000-8000-000000000001}"


@book("a threaded comment (threadedComments part, its legacy fallback comment) and the persons part")
def threaded_comments(folder: Path, adopted: bool = False) -> Path:
    path = folder / "threaded_comments.xlsx"
    with tracker(path, adopted=adopted) as t:
        t.leads.write_comment(
            "N2", "[Threaded comment]\nCall after the budget review", {"author": "tc=" + PERSON_ID}
        )

    def edit(parts: dict[str, bytes]) -> None:
        parts["xl/threadedComments/threadedComment1.xml"] = (
            XML_DECL
            + (
                f'<ThreadedComments xmlns="{THREADED_NS}" xmlns:x="{MAIN}">'
                f'<threadedComment ref="N2" dT="2026-11-01T10:00:00.00" personId="{PERSON_ID}" '
                'id="{6A0F3C51-0000-4000-8000-0000000000A1}"><text>Call after the budget review</text>'
                "</threadedComment></ThreadedComments>"
            ).encode()
        )
        parts["xl/persons/person.xml"] = (
            XML_DECL
            + (
                f'<personList xmlns="{THREADED_NS}" xmlns:x="{MAIN}"><person displayName="Alice" '
                f'id="{PERSON_ID}" userId="alice@example.com" providerId="AD"/></personList>'
            ).encode()
        )
        add_rel(
            parts,
            "xl/worksheets/sheet1.xml",
            "http://schemas.microsoft.com/office/2017/10/relationships/threadedComment",
            "../threadedComments/threadedComment1.xml",
        )
        add_rel(
            parts,
            "xl/workbook.xml",
            "http://schemas.microsoft.com/office/2017/10/relationships/person",
            "persons/person.xml",
        )
        add_override(
            parts, "xl/threadedComments/threadedComment1.xml", "application/vnd.ms-excel.threadedcomments+xml"
        )
        add_override(parts, "xl/persons/person.xml", "application/vnd.ms-excel.person+xml")

    rewrite_zip(path, edit)
    return path


# --- pivot and slicer ----------------------------------------------------------------------------


@book("a pivot table (count of leads by Owner) on a Pivot sheet, with its cache definition and records")
def pivot(folder: Path, adopted: bool = False) -> Path:
    path = folder / "pivot.xlsx"
    with tracker(path, adopted=adopted) as t:
        sheet = t.wb.add_worksheet("Pivot")
        for i, row in enumerate(
            [("Row Labels", "Count of Owner"), ("Alice", 3), ("Bob", 3), ("Grand Total", 6)], start=2
        ):
            sheet.write_row(i, 0, row)
    owner = t.col("Owner")
    records = "".join(f'<r><x v="{0 if lead[owner] == "Alice" else 1}"/></r>' for lead in LEADS)

    def edit(parts: dict[str, bytes]) -> None:
        parts["xl/pivotCache/pivotCacheDefinition1.xml"] = (
            XML_DECL
            + (
                f'<pivotCacheDefinition xmlns="{MAIN}" xmlns:r="{OD}" r:id="rId1" refreshOnLoad="1" '
                'createdVersion="6" refreshedVersion="6" minRefreshableVersion="3" recordCount="6">'
                '<cacheSource type="worksheet"><worksheetSource ref="H1:H7" sheet="Leads"/></cacheSource>'
                '<cacheFields count="1"><cacheField name="Owner" numFmtId="0"><sharedItems count="2">'
                '<s v="Alice"/><s v="Bob"/></sharedItems></cacheField></cacheFields></pivotCacheDefinition>'
            ).encode()
        )
        parts["xl/pivotCache/pivotCacheRecords1.xml"] = (
            XML_DECL
            + (
                f'<pivotCacheRecords xmlns="{MAIN}" xmlns:r="{OD}" count="6">{records}</pivotCacheRecords>'
            ).encode()
        )
        parts["xl/pivotTables/pivotTable1.xml"] = (
            XML_DECL
            + (
                f'<pivotTableDefinition xmlns="{MAIN}" name="PivotTable1" cacheId="1" applyNumberFormats="0" '
                'applyBorderFormats="0" applyFontFormats="0" applyPatternFormats="0" applyAlignmentFormats="0" '
                'applyWidthHeightFormats="1" dataCaption="Values" updatedVersion="6" minRefreshableVersion="3" '
                'createdVersion="6" indent="0" outline="1" outlineData="1">'
                '<location ref="A3:B6" firstHeaderRow="1" firstDataRow="1" firstDataCol="1"/>'
                '<pivotFields count="1"><pivotField axis="axisRow" dataField="1" showAll="0"><items count="3">'
                '<item x="0"/><item x="1"/><item t="default"/></items></pivotField></pivotFields>'
                '<rowFields count="1"><field x="0"/></rowFields><rowItems count="3"><i><x/></i><i><x v="1"/></i>'
                '<i t="grand"><x/></i></rowItems><colItems count="1"><i/></colItems>'
                '<dataFields count="1"><dataField name="Count of Owner" fld="0" subtotal="count"/></dataFields>'
                "</pivotTableDefinition>"
            ).encode()
        )
        rid = add_rel(
            parts, "xl/workbook.xml", f"{OD}/pivotCacheDefinition", "pivotCache/pivotCacheDefinition1.xml"
        )
        add_rel(
            parts,
            "xl/pivotCache/pivotCacheDefinition1.xml",
            f"{OD}/pivotCacheRecords",
            "pivotCacheRecords1.xml",
        )
        pivot_sheet = sheet_parts(parts)["Pivot"]
        add_rel(parts, pivot_sheet, f"{OD}/pivotTable", "../pivotTables/pivotTable1.xml")
        add_rel(
            parts,
            "xl/pivotTables/pivotTable1.xml",
            f"{OD}/pivotCacheDefinition",
            "../pivotCache/pivotCacheDefinition1.xml",
        )
        parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
            b"</workbook>",
            f'<pivotCaches><pivotCache cacheId="1" r:id="{rid}"/></pivotCaches></workbook>'.encode(),
        )
        add_override(parts, "xl/pivotCache/pivotCacheDefinition1.xml", f"{CT}.pivotCacheDefinition+xml")
        add_override(parts, "xl/pivotCache/pivotCacheRecords1.xml", f"{CT}.pivotCacheRecords+xml")
        add_override(parts, "xl/pivotTables/pivotTable1.xml", f"{CT}.pivotTable+xml")

    rewrite_zip(path, edit)
    return path


X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
X15 = "http://schemas.microsoft.com/office/spreadsheetml/2010/11/main"


def add_sheet_ext(xml: bytes, ext: bytes) -> bytes:
    """Add an <ext> to a worksheet's extLst (made if missing)."""
    if b"</extLst>" in xml:
        return xml.replace(b"</extLst>", ext + b"</extLst>")
    return xml.replace(b"</worksheet>", b"<extLst>" + ext + b"</extLst></worksheet>")


@book(
    "the Leads range as an Excel Table with a table slicer on Owner (slicer + slicerCache parts, extLst in sheet and workbook)"
)
def slicer(folder: Path, adopted: bool = False) -> Path:
    path = folder / "slicer.xlsx"
    with tracker(path, adopted=adopted) as t:
        t.leads.add_table(
            0,
            0,
            len(LEADS),
            t.width - 1,
            {
                "name": "LeadTable",
                "autofilter": True,
                "header_row": True,
                "columns": [{"header": h} for h in t.headers],
            },
        )

    def edit(parts: dict[str, bytes]) -> None:
        parts["xl/slicers/slicer1.xml"] = (
            XML_DECL
            + (
                f'<slicers xmlns="{X14}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
                '<slicer name="Owner" cache="Slicer_Owner" caption="Owner" rowHeight="241300"/></slicers>'
            ).encode()
        )
        parts["xl/slicerCaches/slicerCache1.xml"] = (
            XML_DECL
            + (
                f'<slicerCacheDefinition xmlns="{X14}" xmlns:x="{MAIN}" name="Slicer_Owner" sourceName="Owner">'
                f'<extLst><x:ext uri="{{2F2917AC-EB37-4324-AD4E-5DD8C200BD13}}" xmlns:x15="{X15}">'
                '<x15:tableSlicerCache tableId="1" column="8"/></x:ext></extLst></slicerCacheDefinition>'
            ).encode()
        )
        leads = sheet_parts(parts)["Leads"]
        rid = add_rel(
            parts,
            leads,
            "http://schemas.microsoft.com/office/2007/relationships/slicer",
            "../slicers/slicer1.xml",
        )
        parts[leads] = add_sheet_ext(
            parts[leads],
            (
                f'<ext uri="{{3A4CF648-6AED-40f4-86FF-DC5316D8AED3}}" xmlns:x14="{X14}" xmlns:r="{OD}">'
                f'<x14:slicerList><x14:slicer r:id="{rid}"/></x14:slicerList></ext>'
            ).encode(),
        )
        crid = add_rel(
            parts,
            "xl/workbook.xml",
            "http://schemas.microsoft.com/office/2007/relationships/slicerCache",
            "slicerCaches/slicerCache1.xml",
        )
        wb = parts["xl/workbook.xml"]
        if b"<definedNames>" not in wb:
            wb = wb.replace(b"<calcPr", b"<definedNames></definedNames><calcPr")
        wb = wb.replace(
            b"</definedNames>", b'<definedName name="Slicer_Owner">#N/A</definedName></definedNames>'
        )
        parts["xl/workbook.xml"] = wb.replace(
            b"</workbook>",
            (
                f'<extLst><ext uri="{{46BE6895-7355-4a93-B00E-2C351335B9C9}}" xmlns:x15="{X15}">'
                f'<x15:slicerCaches xmlns:x14="{X14}"><x14:slicerCache r:id="{crid}"/></x15:slicerCaches></ext></extLst></workbook>'
            ).encode(),
        )
        add_override(parts, "xl/slicers/slicer1.xml", "application/vnd.ms-excel.slicer+xml")
        add_override(parts, "xl/slicerCaches/slicerCache1.xml", "application/vnd.ms-excel.slicerCache+xml")

    rewrite_zip(path, edit)
    return path


@book(
    "extLst on Leads: sparklines (from a Stats sheet), solid data bars on a Deal size column, an x14 list validation from a Lists sheet"
)
def extensions(folder: Path, adopted: bool = False) -> Path:
    path = folder / "extensions.xlsx"
    with tracker(path, adopted=adopted) as t:
        stats = t.wb.add_worksheet("Stats")
        lists = t.wb.add_worksheet("Lists")
        lists.write_column(0, 0, ["North", "South", "East", "West"])
        deal, trend = t.width, t.width + 1
        t.leads.write_string(0, deal, "Deal size")
        t.leads.write_string(0, trend, "Trend")
        for i in t.rows():
            stats.write_row(i - 1, 0, [i, i * 2 % 5, i * 3 % 7, 4])
            t.leads.write_number(i, deal, 1000 * i)
            t.leads.add_sparkline(i, trend, {"range": f"Stats!A{i}:D{i}"})
        t.leads.conditional_format(1, deal, len(LEADS), deal, {"type": "data_bar", "bar_solid": True})

    def edit(parts: dict[str, bytes]) -> None:
        leads = sheet_parts(parts)["Leads"]
        parts[leads] = add_sheet_ext(
            parts[leads],
            (
                f'<ext uri="{{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}}" xmlns:x14="{X14}">'
                '<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
                '<x14:dataValidation type="list" allowBlank="1" showErrorMessage="1"><x14:formula1>'
                "<xm:f>Lists!$A$1:$A$4</xm:f></x14:formula1><xm:sqref>O2:O100</xm:sqref></x14:dataValidation>"
                "</x14:dataValidations></ext>"
            ).encode(),
        )

    rewrite_zip(path, edit)
    return path


# --- package-level parts -------------------------------------------------------------------------


@book(
    "SharePoint-style customXml parts (item1.xml, itemProps1.xml and its rels) and a ContentTypeId custom property"
)
def custom_xml(folder: Path, adopted: bool = False) -> Path:
    path = folder / "custom_xml.xlsx"
    with tracker(path, adopted=adopted) as t:
        t.wb.set_custom_property("ContentTypeId", "0x0101000C5F2F0A1B2C3D4E")

    def edit(parts: dict[str, bytes]) -> None:
        parts["customXml/item1.xml"] = XML_DECL + (
            b'<p:properties xmlns:p="http://schemas.microsoft.com/office/2006/metadata/properties" '
            b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><documentManagement>'
            b'<TaxCatchAll xmlns="http://example.sharepoint/taxonomy"/></documentManagement></p:properties>'
        )
        parts["customXml/itemProps1.xml"] = XML_DECL + (
            b'<ds:datastoreItem ds:itemID="{1C6B8A3E-0000-4000-8000-0000000000C1}" '
            b'xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/customXml"><ds:schemaRefs>'
            b'<ds:schemaRef ds:uri="http://schemas.microsoft.com/office/2006/metadata/properties"/>'
            b"</ds:schemaRefs></ds:datastoreItem>"
        )
        add_rel(parts, "customXml/item1.xml", f"{OD}/customXmlProps", "itemProps1.xml")
        add_rel(parts, "xl/workbook.xml", f"{OD}/customXml", "../customXml/item1.xml")
        add_default(parts, "xml", "application/xml")
        add_override(
            parts,
            "customXml/itemProps1.xml",
            "application/vnd.openxmlformats-officedocument.customXmlProperties+xml",
        )

    rewrite_zip(path, edit)
    return path


@book("custom document properties (docProps/custom.xml: text, number, date, yes/no)")
def custom_props(folder: Path, adopted: bool = False) -> Path:
    path = folder / "custom_props.xlsx"
    with tracker(path, adopted=adopted) as t:
        t.wb.set_custom_property("Team", "Inside sales")
        t.wb.set_custom_property("Quarter", 4)
        t.wb.set_custom_property("Reviewed", dt.datetime(2026, 11, 1))
        t.wb.set_custom_property("Shared", True)
    return path


CUSTOM_NS = 'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"'


@book("an EMPTY docProps/custom.xml, as LibreOffice writes one")
def empty_custom(folder: Path, adopted: bool = False) -> Path:
    path = folder / "empty_custom.xlsx"
    with tracker(path, adopted=adopted):
        pass

    def edit(parts: dict[str, bytes]) -> None:
        parts["docProps/custom.xml"] = XML_DECL + f"<Properties {CUSTOM_NS}/>".encode()
        add_rel(parts, "", f"{OD}/custom-properties", "docProps/custom.xml")
        add_override(
            parts,
            "docProps/custom.xml",
            "application/vnd.openxmlformats-officedocument.custom-properties+xml",
        )

    rewrite_zip(path, edit)
    return path


def vba_project() -> bytes:
    """A real vbaProject.bin: the one inside xlwings' quickstart ribbon add-in."""
    import xlwings

    with zipfile.ZipFile(Path(xlwings.__file__).parent / "quickstart_addin_ribbon.xlam") as z:
        return z.read("xl/vbaProject.bin")


@book("a macro-enabled book (.xlsm) with a vbaProject.bin")
def vba(folder: Path, adopted: bool = False) -> Path:
    path = folder / "vba.xlsm"
    with tracker(path, adopted=adopted) as t:
        t.wb.add_vba_project(io.BytesIO(vba_project()), is_stream=True)
    return path


@book(
    "an external link (externalLink1.xml + its external rel) and a Leads formula column reading it, with cached values"
)
def external_link(folder: Path, adopted: bool = False) -> Path:
    path = folder / "external_link.xlsx"
    with tracker(path, adopted=adopted) as t:
        col = t.width
        t.leads.write_string(0, col, "Rate")
        for i in t.rows():
            t.leads.write_formula(i, col, "=[1]Rates!$A$1*100", None, 20)

    def edit(parts: dict[str, bytes]) -> None:
        parts["xl/externalLinks/externalLink1.xml"] = (
            XML_DECL
            + (
                f'<externalLink xmlns="{MAIN}" xmlns:r="{OD}"><externalBook r:id="rId1"><sheetNames>'
                '<sheetName val="Rates"/></sheetNames><sheetDataSet><sheetData sheetId="0"><row r="1">'
                '<cell r="A1"><v>0.2</v></cell></row></sheetData></sheetDataSet></externalBook></externalLink>'
            ).encode()
        )
        add_rel(
            parts, "xl/externalLinks/externalLink1.xml", f"{OD}/externalLinkPath", "rates.xlsx", "External"
        )
        rid = add_rel(parts, "xl/workbook.xml", f"{OD}/externalLink", "externalLinks/externalLink1.xml")
        parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
            b"</sheets>",
            f'</sheets><externalReferences><externalReference r:id="{rid}"/></externalReferences>'.encode(),
        )
        add_override(parts, "xl/externalLinks/externalLink1.xml", f"{CT}.externalLink+xml")

    rewrite_zip(path, edit)
    return path


# --- sheets, names, protection, dates ------------------------------------------------------------


@book("a hidden sheet (Archive) and a very hidden sheet (Lists)")
def hidden_sheets(folder: Path, adopted: bool = False) -> Path:
    path = folder / "hidden_sheets.xlsx"
    with tracker(path, adopted=adopted) as t:
        archive = t.wb.add_worksheet("Archive")
        archive.write_row(0, 0, ["Lead ID", "Name"])
        archive.write_row(1, 0, ["L0", "Old lead"])
        archive.hide()
        lists = t.wb.add_worksheet("Lists")
        lists.write_column(0, 0, ["North", "South"])
        lists.very_hidden()
    return path


@book("defined names: global, scoped to Leads and to another sheet, and a print area on Leads")
def defined_names(folder: Path, adopted: bool = False) -> Path:
    path = folder / "defined_names.xlsx"
    with tracker(path, adopted=adopted) as t:
        lists = t.wb.add_worksheet("Lists")
        lists.write_column(0, 0, ["North", "South", "East", "West"])
        t.wb.define_name("Regions", "=Lists!$A$1:$A$4")
        t.wb.define_name("Leads!FirstLead", "=Leads!$A$2")
        t.wb.define_name("Lists!Count", "=4")
        t.leads.print_area(0, 0, len(LEADS), t.width - 1)
        t.leads.repeat_rows(0)
    return path


@book("sheet protection (with a password) on a Reference sheet")
def protection(folder: Path, adopted: bool = False) -> Path:
    path = folder / "protection.xlsx"
    with tracker(path, adopted=adopted) as t:
        ref = t.wb.add_worksheet("Reference")
        ref.write_row(0, 0, ["Region", "Manager"])
        ref.write_row(1, 0, ["North", "Alice"])
        ref.protect("secret", {"select_locked_cells": True})
    return path


@book("the 1904 date system (dates on Leads and Touches)")
def date1904(folder: Path, adopted: bool = False) -> Path:
    path = folder / "date1904.xlsx"
    with tracker(path, adopted=adopted, options={"date_1904": True}):
        pass
    return path


@book("merged cells: a merged title row above the Leads header and a merged block on a Notes sheet")
def merged(folder: Path, adopted: bool = False) -> Path:
    path = folder / "merged.xlsx"
    with tracker(path, adopted=adopted, title="Team tracker") as t:
        t.leads.merge_range(0, 0, 0, 5, "Team tracker", t.wb.add_format({"bold": True, "align": "center"}))
        notes = t.wb.add_worksheet("Notes")
        notes.merge_range("A1:D3", "Quarterly goals")
    return path


INLINE_RICH = (
    '<c r="N3" t="inlineStr"><is><r><rPr><b/></rPr><t>Urgent:</t></r>'
    '<r><t xml:space="preserve"> call back</t></r></is></c>'
)


@book("rich text: shared-string runs (bold/italic) in Leads Notes and an inline rich string cell")
def rich_text(folder: Path, adopted: bool = False) -> Path:
    path = folder / "rich_text.xlsx"
    with tracker(path, adopted=adopted) as t:
        bold, italic = t.wb.add_format({"bold": True}), t.wb.add_format({"italic": True})
        t.leads.write_rich_string(1, t.col("Notes"), bold, "Met", " at ", italic, "expo")
        t.leads.write_number(2, t.col("Notes"), 0)  # placeholder for the inline string below

    def edit(parts: dict[str, bytes]) -> None:
        leads = sheet_parts(parts)["Leads"]
        parts[leads], n = re.subn(rb'<c r="N3"[^>]*><v>0</v></c>', INLINE_RICH.encode(), parts[leads])
        assert n == 1

    rewrite_zip(path, edit)
    return path


@book("hyperlinks: mailto links on Email, an external web link and an internal link to Touches")
def hyperlinks(folder: Path, adopted: bool = False) -> Path:
    path = folder / "hyperlinks.xlsx"
    with tracker(path, adopted=adopted) as t:
        email = t.col("Email")
        for i, lead in zip(t.rows(), LEADS, strict=True):
            t.leads.write_url(i, email, f"mailto:{lead[email]}", string=lead[email])
        col = t.width
        t.leads.write_string(0, col, "Website")
        t.leads.write_url(1, col, "https://analytical.example/", string="analytical.example")
        t.leads.write_url(2, col, "internal:Touches!A1", string="see touches")
    return path


@book('formulas with cached values: Lead ID ="L"&(ROW()-1) and Company by VLOOKUP from an Accounts sheet')
def formulas(folder: Path, adopted: bool = False) -> Path:
    path = folder / "formulas.xlsx"
    with tracker(path, adopted=adopted) as t:
        accounts = t.wb.add_worksheet("Accounts")
        company, email = t.col("Company"), t.col("Email")
        for n, (i, lead) in enumerate(zip(t.rows(), LEADS, strict=True)):
            accounts.write_row(n, 0, [lead[email], lead[company]])
            t.leads.write_formula(i, 0, '="L"&(ROW()-1)', None, lead[0])
            t.leads.write_formula(
                i, company, f"=VLOOKUP(E{i + 1},Accounts!$A$1:$B$6,2,FALSE)", None, lead[company]
            )
    return path


# --- other producers -----------------------------------------------------------------------------


DRAWING = (
    '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart"/>'
)


@book("a Google Sheets export's shape: an empty drawing part per sheet, no docProps, no calcChain")
def google_sheets(folder: Path, adopted: bool = False) -> Path:
    path = folder / "google_sheets.xlsx"
    with tracker(path, adopted=adopted):
        pass

    def edit(parts: dict[str, bytes]) -> None:
        for name in [n for n in parts if n.startswith("docProps/")]:
            del parts[name]
            parts["[Content_Types].xml"] = re.sub(
                rf'<Override PartName="/{name}"[^>]*/>'.encode(), b"", parts["[Content_Types].xml"]
            )
        parts["_rels/.rels"] = re.sub(
            rb'<Relationship [^>]*Target="docProps/[^"]*"/>', b"", parts["_rels/.rels"]
        )
        for n, sheet in enumerate(sheet_parts(parts).values(), start=1):
            drawing = f"xl/drawings/drawing{n}.xml"
            parts[drawing] = XML_DECL + DRAWING.encode()
            rid = add_rel(parts, sheet, f"{OD}/drawing", f"../drawings/drawing{n}.xml")
            parts[sheet] = insert_in_sheet(
                parts[sheet],
                f'<drawing r:id="{rid}"/>'.encode(),
                (b"<legacyDrawing", b"<tableParts", b"<extLst"),
            )
            if b"xmlns:r=" not in parts[sheet][:600]:
                parts[sheet] = parts[sheet].replace(b"<worksheet ", f'<worksheet xmlns:r="{OD}" '.encode(), 1)
            add_override(parts, drawing, "application/vnd.openxmlformats-officedocument.drawing+xml")

    rewrite_zip(path, edit)
    return path


def soffice_convert(files: list[Path], to: str, outdir: Path, profile: Path) -> None:
    """Convert files with one LibreOffice run (`to`: a filter such as xlsx, csv or pdf)."""
    outdir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", to,
         "--outdir", str(outdir), *map(str, files)],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip


@book("a LibreOffice save (soffice --convert-to xlsx of a tracker with a formula column and a comment)")
def libreoffice(folder: Path, adopted: bool = False) -> Path:
    source = folder / "lo-source" / "libreoffice.xlsx"
    source.parent.mkdir()
    with tracker(source, adopted=adopted) as t:
        col = t.width
        t.leads.write_string(0, col, "Domain")
        for i, lead in zip(t.rows(), LEADS, strict=True):
            domain = lead[4].split("@")[1]
            t.leads.write_formula(i, col, f'=MID(E{i + 1},FIND("@",E{i + 1})+1,99)', None, domain)
        t.leads.write_comment("C2", "Prefers email")
    soffice_convert([source], "xlsx", folder, folder / "lo-profile")
    return folder / "libreoffice.xlsx"
