import pytest

from leadbook.book.xlsx.styles import Styles, is_date_code

STYLES = (
    b'<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<numFmts count="1"><numFmt numFmtId="164" formatCode="0.0%"/></numFmts>'
    b'<fonts count="1"><font><sz val="11"/></font></fonts><fills count="1"><fill/></fills>'
    b'<borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>'
    b'<cellXfs count="3"><xf numFmtId="0" fontId="0"/><xf numFmtId="164" fontId="0" applyNumberFormat="1"/>'
    b'<xf numFmtId="0" fontId="0"><alignment wrapText="1"/></xf></cellXfs>'
    b'<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)


@pytest.mark.parametrize(
    ("code", "date"),
    [("yyyy-mm-dd", True), ("d/m/yy h:mm", True), ("[$-409]mmmm d", True), ("0.0%", False), ("General", False),
     ('"Day" 0', False), ("[Red]0.00", False), ("[h]:mm", True), ("#,##0", False)],
)  # fmt: skip
def test_date_codes(code, date):
    assert is_date_code(code) is date


def test_date_styles_are_cloned_once_and_existing_indices_never_change():
    styles = Styles(STYLES)
    before = styles.cell_xfs()
    plain, wrapped = styles.date_style(0), styles.date_style(2)
    assert (plain, wrapped) == (3, 4)
    assert styles.cell_xfs()[:3] == before
    assert styles.date_style(0) == 3 and styles.date_style(3) == 3 and styles.date_style(None) == 3
    assert b'<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/>' in styles.xml
    assert b'<cellXfs count="5">' in styles.xml and b'<numFmts count="2">' in styles.xml
    again = Styles(styles.xml)
    assert again.date_style(0) == 3 and not again.changed  # a second run reuses the clone


def test_a_tracker_date_format_is_preferred_and_dxfs_are_added_once():
    xml = STYLES.replace(b'formatCode="0.0%"', b'formatCode="dd.mm.yyyy"')
    styles = Styles(xml)
    assert styles.date_style(0) == 1  # the book's own date style: xf 1 already shows dd.mm.yyyy
    assert styles.date_style(2) == 3 and b"yyyy-mm-dd" not in styles.xml
    dxf = b'<dxf><fill><patternFill><bgColor rgb="FFFFC7CE"/></patternFill></fill></dxf>'
    assert styles.add_dxf(dxf) == 0 and styles.add_dxf(dxf) == 0
    assert b'<dxfs count="1">' in styles.xml
    assert styles.xml.index(b"<dxfs") > styles.xml.index(b"</cellStyles>")


def test_a_book_without_number_formats_gets_them_in_first_place():
    xml = STYLES.replace(b'<numFmts count="1"><numFmt numFmtId="164" formatCode="0.0%"/></numFmts>', b"")
    styles = Styles(xml)
    styles.date_style(0)
    assert styles.xml.index(b"<numFmts") < styles.xml.index(b"<fonts")
    assert b'<numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>' in styles.xml
