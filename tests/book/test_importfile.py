"""Reading export files (leadbook/book/importfile.py): encodings, delimiters, note lines, workbooks."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from leadbook.book.importfile import delimiter_of, encoding_of, read_export
from leadbook.core.problems import LeadbookError

ROWS = [["First Name", "Last Name", "Company", "Phone"], ["José", "García", "Müller & Söhne GmbH", "+49 30 1234567"],
        ["Zoë", "O'Brien", "Café, Ltd", "0049301234568"]]  # fmt: skip


def _csv(rows, delimiter):
    out = []
    for row in rows:
        cells = [f'"{c}"' if delimiter in c or '"' in c else c for c in row]
        out.append(delimiter.join(cells))
    return "\r\n".join(out) + "\r\n"


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [
        ("utf-8", ","),
        ("utf-8-sig", ","),
        ("cp1252", ";"),
        ("utf-16", "\t"),
        ("utf-16-le", ","),
        ("utf-8", "|"),
    ],
)
def test_csv_in_every_common_encoding_and_delimiter(tmp_path, encoding, delimiter):
    path = tmp_path / "export.csv"
    path.write_bytes(_csv(ROWS, delimiter).encode(encoding))
    frame = read_export(path)
    assert list(frame.columns) == ROWS[0]
    assert frame.values.tolist() == ROWS[1:]
    assert frame.index.tolist() == [2, 3]  # the file's own row numbers


def test_note_lines_above_the_header_are_skipped(tmp_path):
    text = 'Notes:\n"When exporting your connection data, you may notice..."\n\n' + _csv(ROWS, ",")
    path = tmp_path / "Connections.csv"
    path.write_text(text, encoding="utf-8")
    frame = read_export(path)
    assert list(frame.columns) == ROWS[0] and len(frame) == 2
    assert frame.index.tolist()[0] == 5


def test_values_stay_text_as_written(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text(
        "Name,Zip,ID,Phone\nAnn,01234,00012345678901234567,+44 20 7000 0001\nBo,,NA,\n", encoding="utf-8"
    )
    frame = read_export(path)
    assert frame.loc[2].tolist() == ["Ann", "01234", "00012345678901234567", "+44 20 7000 0001"]
    assert frame.loc[3].tolist() == ["Bo", None, "NA", None]


def test_repeated_and_blank_headers_get_names(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("Name,Phone,Phone,\nAnn,1,2,3\n", encoding="utf-8")
    assert list(read_export(path).columns) == ["Name", "Phone", "Phone (2)", "Column 4"]


def test_xlsx_export_with_date_cells(tmp_path):
    path = tmp_path / "export.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Report: leads"])
    ws.append(["Name", "Created", "Phone"])
    ws.append(["Ann", dt.datetime(2021, 4, 7, 10, 0), 4420700001])
    wb.save(path)
    frame = read_export(path)
    assert list(frame.columns) == ["Name", "Created", "Phone"]
    assert frame.loc[3].tolist() == ["Ann", dt.datetime(2021, 4, 7, 10, 0), 4420700001]


def test_unknown_file_kinds_and_empty_files_are_refused(tmp_path):
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    with pytest.raises(LeadbookError, match="imports .csv"):
        read_export(tmp_path / "x.pdf")
    (tmp_path / "e.csv").write_text("", encoding="utf-8")
    with pytest.raises(LeadbookError, match="no rows"):
        read_export(tmp_path / "e.csv")


def test_detection_helpers():
    assert encoding_of("Café".encode("cp1252") * 3) == "cp1252"
    assert encoding_of("Café".encode()) == "utf-8"
    assert delimiter_of("a;b;c\n1;2,5;3\n") == ";"
