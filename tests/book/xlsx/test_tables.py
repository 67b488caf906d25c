import pytest

from leadbook.book.xlsx.tables import grow_table, table_info

TABLE = (
    b'<?xml version="1.0"?><table xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" id="1" '
    b'name="Touches" displayName="Touches" ref="A1:C5"><autoFilter ref="A1:C5"/><tableColumns count="3">'
    b'<tableColumn id="1" name="Date"/><tableColumn id="2" name="Lead ID"/><tableColumn id="4" name="Mood"/>'
    b'</tableColumns><tableStyleInfo name="TableStyleMedium2" showRowStripes="1"/></table>'
)


def test_table_info_reads_name_range_and_columns():
    info = table_info(TABLE)
    assert (info.name, info.ref, info.header_row, info.last_data_row) == ("Touches", (1, 1, 3, 5), 1, 5)
    assert info.columns == ("Date", "Lead ID", "Mood")


def test_grow_follows_appended_rows_and_adds_columns_with_unique_ids_and_names():
    grown = grow_table(TABLE, 9, ["Notes", "mood"])
    assert b'ref="A1:E9"><autoFilter ref="A1:E9"/>' in grown
    assert b'<tableColumn id="5" name="Notes"/><tableColumn id="6" name="mood2"/></tableColumns>' in grown
    assert b'<tableColumns count="5">' in grown
    assert table_info(grown).columns == ("Date", "Lead ID", "Mood", "Notes", "mood2")
    assert grow_table(TABLE) == TABLE


@pytest.mark.parametrize("last", [None, 3, 5])
def test_grow_never_shrinks(last):
    assert table_info(grow_table(TABLE, last)).ref == (1, 1, 3, 5)


def test_a_totals_row_stays_below_the_data():
    totals = TABLE.replace(b'ref="A1:C5">', b'ref="A1:C6" totalsRowCount="1">')
    grown = grow_table(totals, 8)
    assert b'ref="A1:C9"' in grown and b'<autoFilter ref="A1:C8"/>' in grown
