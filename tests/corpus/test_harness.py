"""The corpus checks themselves: each one catches the damage it is there for, and ignores owned parts."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

from corpus import harness as h
from corpus.books import chart_classic, formulas
from corpus.parts import raw_record, rewrite_zip

LEADS = "xl/worksheets/sheet1.xml"


def copy_of(book: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy" / book.name
    target.parent.mkdir()
    shutil.copy2(book, target)
    return target


def recompress(path: Path, member: str, level: int) -> None:
    """Store one member again, same content, at another deflate level (other bytes, same CRC)."""
    with zipfile.ZipFile(path) as z:
        infos = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w") as z:
        for info, data in infos:
            z.writestr(
                info, data, zipfile.ZIP_DEFLATED, compresslevel=level if info.filename == member else 6
            )


def test_identical_copy_has_no_change(tmp_path):
    book = chart_classic(tmp_path)
    assert h.changed_parts(book, copy_of(book, tmp_path)) == []


def test_recompressed_member_is_caught_only_by_the_raw_check(tmp_path):
    book = chart_classic(tmp_path)
    copy = copy_of(book, tmp_path)
    recompress(book, "xl/theme/theme1.xml", 6)
    recompress(copy, "xl/theme/theme1.xml", 1)
    with zipfile.ZipFile(book) as a, zipfile.ZipFile(copy) as b:
        before, after = a.getinfo("xl/theme/theme1.xml"), b.getinfo("xl/theme/theme1.xml")
        assert before.CRC == after.CRC and raw_record(book, before) != raw_record(copy, after)
    assert h.changed_parts(book, copy) == ["xl/theme/theme1.xml: stored bytes changed"]
    assert h.changed_parts(book, copy, raw=False) == []


def test_changed_and_missing_members_are_caught_but_owned_ones_are_not(tmp_path):
    book = chart_classic(tmp_path)
    copy = copy_of(book, tmp_path)

    def edit(parts):
        parts["xl/charts/chart1.xml"] = parts["xl/charts/chart1.xml"].replace(b"<c:chart>", b"<c:chart> ")
        del parts["docProps/app.xml"]  # owned, but still must not vanish
        parts["xl/styles.xml"] += b" "  # owned: may change
        del parts["xl/drawings/_rels/drawing1.xml.rels"]

    rewrite_zip(copy, edit)
    assert sorted(h.changed_parts(book, copy)) == [
        "docProps/app.xml: missing",
        "xl/charts/chart1.xml: content or compression changed",
        "xl/drawings/_rels/drawing1.xml.rels: missing",
    ]


def test_owned_parts_hold_written_sheets_and_summary_charts_not_a_users_drawing(tmp_path):
    book = chart_classic(tmp_path)
    run = h.run_commands("chart_classic", book, tmp_path / "run")
    owned = h.owned_parts(run.original, run.result)
    assert "xl/worksheets/sheet1.xml" in owned  # Leads
    assert "xl/drawings/drawing1.xml" not in owned and "xl/charts/chart1.xml" not in owned
    summary = h.sheet_parts(h._parts(run.result))["Summary"]
    assert {p for p in h.reachable(h._parts(run.result), summary) if "/charts/" in p} <= owned
    assert any("/charts/" in p and p != "xl/charts/chart1.xml" for p in owned)


def test_a_lost_cached_value_is_caught(tmp_path):
    book = formulas(tmp_path)
    copy = copy_of(book, tmp_path)
    strip = rb'(<c r="A2"[^>]*><f>[^<]*</f>)<v>[^<]*</v>'
    rewrite_zip(copy, lambda parts: parts.update({LEADS: re.sub(strip, rb"\1", parts[LEADS])}))
    assert h.lost_cached_values(book, copy) == [
        "Leads!A2: cached 'L1', openpyxl reads None",
        "Leads!A2: calamine reads blank",
    ]


def test_a_dropped_drawing_on_a_written_sheet_is_caught(tmp_path):
    book = chart_classic(tmp_path)
    copy = copy_of(book, tmp_path)
    rewrite_zip(copy, lambda parts: parts.update({LEADS: re.sub(rb"<drawing [^>]*/>", b"", parts[LEADS])}))
    assert h.lost_sheet_features(book, copy) == ["sheet Leads: drawing dropped"]


def test_a_reordered_or_unhidden_sheet_is_caught(tmp_path):
    from corpus.books import hidden_sheets

    book = hidden_sheets(tmp_path)
    copy = copy_of(book, tmp_path)

    def edit(parts):
        wb = parts["xl/workbook.xml"].replace(b' state="hidden"', b"")
        sheets = re.findall(rb"<sheet [^>]*/>", wb)
        parts["xl/workbook.xml"] = (
            wb.replace(sheets[0], b"\0").replace(sheets[1], sheets[0]).replace(b"\0", sheets[1])
        )

    rewrite_zip(copy, edit)
    assert h.lost_workbook_features(book, copy) == [
        "workbook.xml: b'state=\"hidden\"' dropped",
        "sheet Archive: no longer hidden",
        "sheet order ['Leads', 'Touches', 'Archive', 'Lists'] became ['Touches', 'Leads', 'Archive', 'Lists']",
    ]
