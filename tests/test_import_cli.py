"""`leadbook import` end to end: export files in the shapes tools write them -> a real workbook.

Each file is built here in code (headers, encodings, delimiters, date formats, placeholders,
duplicates and injection payloads as HubSpot, Salesforce, Zoho, Google Forms, LinkedIn, a badge
scanner and a phone system write them); the book is re-read with openpyxl and python-calamine.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import zipfile

import openpyxl
import pytest
import python_calamine
from typer.testing import CliRunner

from leadbook.cli import app
from leadbook.core import schema as s

runner = CliRunner()
INJECTIONS = ['=HYPERLINK("http://evil.example","click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)"]


def run(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False, terminal_width=220)


def sheet(path, name):
    rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:] if any(v not in (None, "") for v in r)]


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_csv(path, rows, delimiter=",", encoding="utf-8"):
    def cell(v):
        v = "" if v is None else str(v)
        return f'"{v.replace(chr(34), chr(34) * 2)}"' if any(c in v for c in (delimiter, '"', "\n")) else v

    path.write_bytes("\r\n".join(delimiter.join(cell(v) for v in r) for r in rows).encode(encoding) + b"\r\n")
    return path


@pytest.fixture
def book(tmp_path):
    path = tmp_path / "team.xlsx"
    assert run("new", path, "--sample", 20, "--today", "2026-11-23").exit_code == 0
    return path


def hubspot(tmp_path, sample):
    rows = [
        ["Record ID", "First Name", "Last Name", "Email", "Company Name", "Phone Number", "Job Title",
         "Contact owner", "Create Date", "Original Source", "Lifecycle Stage"],
        ["9001", "John", "Smith", "mailto:John.Smith@Orbit.example", "Orbit Ltd", "+44 20 7946 0001",
         INJECTIONS[0], "Chen", "2021-04-07T10:00:00Z", "ORGANIC_SEARCH", "lead"],
        ["9002", "Mia", "Wong", "mia@kestrel.example", "Kestrel", "N/A", INJECTIONS[1], "", "2021-04-08T09:00:00Z",
         "Referrals", "lead"],
        ["9003", "Mia", "Wong", " MIA@Kestrel.example ", "Kestrel GmbH", "+49 30 901820", "CTO", "Dana", "", "", "lead"],
        ["9004", sample[s.NAME].split()[0], sample[s.NAME].split()[1], sample[s.EMAIL].upper(), "", "", "", "",
         "2021-04-09T09:00:00Z", "PAID_SEARCH", "customer"],
        ["9005", "Sam", "Null", "null", "-", "Select", INJECTIONS[2], "", "", "", ""],
    ]  # fmt: skip
    return write_csv(tmp_path / "hubspot-contacts.csv", rows, encoding="utf-8-sig")


def salesforce(tmp_path):
    rows = [
        ["Lead ID", "First Name", "Last Name", "Company", "Title", "Email", "Mobile", "Lead Source", "Lead Owner",
         "Created Date", "Description"],
        ["00Q5g01", "Jürgen", "Müller", "Müller & Söhne", "Einkäufer", "j.mueller@muller.example", "030 555 0100",
         "Trade Show", "Bruno", "13/04/2021", "Met at the fair; wants a demo"],
        ["00Q5g02", "John", "Smith", "ORBIT Limited", "", "", "020 7946 0001", "Web", "", "14/04/2021", INJECTIONS[3]],
    ]  # fmt: skip
    return write_csv(tmp_path / "salesforce-leads.csv", rows, delimiter=";", encoding="cp1252")


def zoho(tmp_path):
    path = tmp_path / "zoho-leads.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Record Id", "Lead Owner", "First Name", "Last Name", "Company", "Designation", "Email", "Mobile",
               "Lead Source", "Created Time", "Lead Status"])  # fmt: skip
    ws.append(["zcrm_1", "Alice", "Jon", "Smith", "Orbit", "Head of IT", "", "", "Web Download",
               "15 Apr, 2021 00:03:00", "Contacted"])  # fmt: skip
    ws.append(["zcrm_2", "Alice", "Lena", "Berg", "Granite", "-Select-", "lena@granite.example", "", "Chat",
               dt.datetime(2021, 4, 16, 8, 30), "Not Contacted"])  # fmt: skip
    wb.save(path)
    return path


def test_exports_from_several_tools_land_without_duplicates(tmp_path, book):
    sample = sheet(book, s.LEADS)[2]
    before = len(sheet(book, s.LEADS))

    first = run("import", book, hubspot(tmp_path, sample), "--source", "Website")
    assert first.exit_code == 0, first.stdout
    assert "Record ID -> Lead ID" in first.stdout and "Company Name -> Company" in first.stdout
    leads = {r[s.EMAIL]: r for r in sheet(book, s.LEADS)}
    assert len(leads) == before + 3  # John, Mia (twice in the file), and Sam (no email)
    john = leads["john.smith@orbit.example"]
    assert (john[s.NAME], john[s.COMPANY], john[s.OWNER], john[s.SOURCE]) == (
        "John Smith",
        "Orbit Ltd",
        "Chen",
        "Website",
    )
    assert john[s.LEAD_ID] == "L00021" and john["Import ID"] == "9001"  # 9001 does not fit L00001...
    assert john[s.CREATED] == dt.datetime(2021, 4, 7, 10, 0) and john["Lifecycle Stage"] == "lead"
    assert john[s.TITLE] == INJECTIONS[0]
    mia = leads["mia@kestrel.example"]
    assert (mia[s.PHONE], mia[s.OWNER], mia[s.SOURCE]) == (
        "+49 30 901820",
        "Dana",
        "Referral",
    )  # blanks filled by row 4
    assert "Title" in first.stdout and "CTO" in first.stdout  # the conflicting title, reported
    existing = leads[sample[s.EMAIL]]
    assert (
        existing[s.LEAD_ID] == sample[s.LEAD_ID] and existing[s.SOURCE] == sample[s.SOURCE]
    )  # never overwritten
    sam = next(r for r in sheet(book, s.LEADS) if r[s.NAME] == "Sam Null")
    assert (sam[s.EMAIL], sam[s.COMPANY], sam[s.PHONE]) in (("", "", ""), (None, None, None))

    second = run("import", book, salesforce(tmp_path))
    assert second.exit_code == 0, second.stdout
    rows = sheet(book, s.LEADS)
    john = next(r for r in rows if r[s.LEAD_ID] == "L00021")
    assert john[s.NOTES] == INJECTIONS[3]  # filled from Salesforce: same phone, other format
    jurgen = next(r for r in rows if r[s.NAME] == "Jürgen Müller")
    assert (jurgen[s.SOURCE], jurgen[s.CREATED], jurgen[s.TITLE]) == (
        "Trade show",
        dt.date(2021, 4, 13),
        "Einkäufer",
    )

    third = run("import", book, zoho(tmp_path))
    assert third.exit_code == 0, third.stdout
    rows = sheet(book, s.LEADS)
    assert (
        sum(1 for r in rows if "Smith" in str(r[s.NAME]) and "Orbit" in str(r[s.COMPANY])) == 1
    )  # Jon = John
    lena = next(r for r in rows if r[s.NAME] == "Lena Berg")
    assert (lena[s.SOURCE], lena[s.CREATED], lena[s.TITLE]) == (
        "Website",
        dt.datetime(2021, 4, 16, 8, 30),
        "",
    )
    assert lena["Lead Status"] == "Not Contacted"

    log = [r for r in sheet(book, s.LOG) if str(r[s.ACTION]).startswith("Imported")]
    assert [r[s.ACTION] for r in log] == [
        "Imported hubspot-contacts.csv into Leads", "Imported salesforce-leads.csv into Leads",
        "Imported zoho-leads.xlsx into Leads",
    ]  # fmt: skip
    assert "3 new" in log[0][s.AFTER]

    # no formula anywhere on Leads: not in openpyxl's view, not in the sheet XML
    wb = openpyxl.load_workbook(book)
    assert not [c.coordinate for row in wb[s.LEADS].iter_rows() for c in row if c.data_type == "f"]
    with zipfile.ZipFile(book) as z:
        assert not any(
            re.search(rb"<f[ >]", z.read(n)) for n in z.namelist() if n.startswith("xl/worksheets/")
        )
    titles = {r[s.TITLE] for r in sheet(book, s.LEADS)} | {r[s.NOTES] for r in sheet(book, s.LEADS)}
    assert set(INJECTIONS) <= titles

    checked = run("check", book, "--today", dt.date.today())
    assert checked.exit_code == 0, checked.stdout  # what landed passes the workbook contract

    # the same files again: nothing added, the workbook not even rewritten
    unchanged = digest(book)
    for path in ("hubspot-contacts.csv", "salesforce-leads.csv", "zoho-leads.xlsx"):
        again = run("import", book, tmp_path / path)
        assert again.exit_code == 0 and "Nothing to import" in again.stdout, again.stdout
    assert digest(book) == unchanged


def test_dry_run_previews_and_writes_nothing(tmp_path, book):
    sample = sheet(book, s.LEADS)[0]
    unchanged = digest(book)
    result = run("import", book, hubspot(tmp_path, sample), "--dry-run")
    assert result.exit_code == 0 and "dry run: nothing written" in result.stdout
    assert re.search(r"new\s+│\s+3", result.stdout) and re.search(r"merged\s+│\s+2", result.stdout)
    assert digest(book) == unchanged


def test_ambiguous_dates_are_refused_until_the_order_is_given(tmp_path, book):
    forms = write_csv(tmp_path / "form-responses.csv", [
        ["Timestamp", "Email Address", "Your name", "Company name", "Phone number"],
        ["4/7/2021 10:03:00", "pat@lumen.example", "Pat Kay", "Lumen", "07700 900456"],
        ["5/7/2021 11:00:00", "ola@ionic.example", "Ola Nor", "Ionic", ""],
    ])  # fmt: skip
    unchanged = digest(book)
    refused = run("import", book, forms)
    assert refused.exit_code == 1 and "--date-order" in refused.stdout and "Date order" in refused.stdout
    assert digest(book) == unchanged
    done = run("import", book, forms, "--date-order", "month")
    assert done.exit_code == 0
    pat = next(r for r in sheet(book, s.LEADS) if r[s.NAME] == "Pat Kay")
    assert pat[s.CREATED] == dt.datetime(2021, 4, 7, 10, 3)


def test_linkedin_and_badge_scanner_exports(tmp_path, book):
    linkedin = tmp_path / "Connections.csv"
    linkedin.write_text(
        'Notes:\n"When exporting your connection data, you may notice that some of the email addresses are missing."\n\n'
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Noor,Haddad,https://www.linkedin.com/in/noor,,Meridian,Buyer,07 Apr 2021\n",
        encoding="utf-8",
    )
    assert run("import", book, linkedin, "--source", "Social media").exit_code == 0
    scanner = write_csv(tmp_path / "badges.txt", [
        ["Badge ID", "First", "Last", "Organization", "Job Title", "E-mail", "Telephone", "Scan Time"],
        ["B-77", "Noor", "Haddad", "Meridian SA", "Head of Buying", "noor@meridian.example", "+33 1 70 00 00 01", "20210408"],
    ], delimiter="\t", encoding="utf-16")  # fmt: skip
    assert run("import", book, scanner, "--source", "Trade show").exit_code == 0
    noor = [r for r in sheet(book, s.LEADS) if r[s.NAME] == "Noor Haddad"]
    assert len(noor) == 1
    assert (noor[0][s.EMAIL], noor[0][s.SOURCE], noor[0]["URL"]) == (
        "noor@meridian.example",
        "Social media",
        "https://www.linkedin.com/in/noor",
    )
    assert noor[0][s.CREATED] == dt.date(2021, 4, 7) and noor[0][s.TITLE] == "Buyer"


def test_call_log_into_touches(tmp_path, book):
    leads = sheet(book, s.LEADS)
    a, b = leads[0], leads[1]
    log = write_csv(tmp_path / "calls.csv", [
        ["Call ID", "Start Time", "Direction", "From", "To", "Duration", "Agent", "Call Result"],
        ["c1", "2026-11-20 10:00:00", "Outbound", "+44 20 7946 9999", a[s.PHONE].replace(" ", ""), "00:03:10", "Chen", "Answered"],
        ["c2", "2026-11-20 11:00:00", "Inbound", "0" + b[s.PHONE][4:], "+44 20 7946 9999", "00:00:40", "Chen", "Missed"],
        ["c3", "2026-11-20 12:00:00", "Outbound", "+44 20 7946 9999", "+1 212 555 0100", "00:00:00", "Chen", "No Answer"],
        ["c4", "", "Outbound", "+44 20 7946 9999", a[s.PHONE], "", "Chen", "Busy"],
    ])  # fmt: skip
    before = len(sheet(book, s.TOUCHES))
    result = run("import", book, log, "--touches")
    assert result.exit_code == 0, result.stdout
    touches = sheet(book, s.TOUCHES)
    added = touches[before:]
    assert [(t[s.LEAD_ID], t[s.KIND], t[s.DIRECTION], t[s.OUTCOME], t[s.OWNER]) for t in added] == [
        (a[s.LEAD_ID], "Call", s.OUT, "Talked", "Chen"),
        (b[s.LEAD_ID], "Call", s.IN, "No answer", "Chen"),
    ]
    assert added[0][s.DATE] == dt.datetime(2026, 11, 20, 10, 0) and added[0]["Duration"] == "00:03:10"
    assert "file row 4: no lead" in result.stdout and "file row 5: no date" in result.stdout
    again = run("import", book, log, "--touches")
    assert "Nothing to import" in again.stdout and len(sheet(book, s.TOUCHES)) == len(touches)
    assert run("check", book, "--today", dt.date.today()).exit_code == 0


def test_a_bad_option_or_file_is_a_sentence_not_a_traceback(tmp_path, book):
    path = write_csv(tmp_path / "x.csv", [["Name"], ["Ann"]])
    bad = run("import", book, path, "--source", "Podcast")
    assert bad.exit_code == 2 and "not on the Source list" in bad.stdout
    order = run("import", book, path, "--date-order", "sideways")
    assert order.exit_code == 2 and "use day or month" in order.stdout
    missing = run("import", book, tmp_path / "nope.csv")
    assert missing.exit_code == 2 and "does not exist" in missing.stdout
