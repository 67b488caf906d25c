"""Header mapping, value cleaning and dates of imported export rows (leadbook/core/importing.py, dates.py)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from leadbook.core import schema as s
from leadbook.core.dates import DAY, MONTH, date_order, parse_dates
from leadbook.core.importing import IMPORT_SOURCE, ImportOptions, import_frame, import_mapping
from leadbook.core.problems import LeadbookError

# Header rows as the tools export them (trimmed to the columns that matter).
EXPORTS = {
    "hubspot": (["Record ID", "First Name", "Last Name", "Email", "Company Name", "Phone Number",
                 "Job Title", "Contact owner", "Create Date", "Original Source"],
                {"Record ID": s.LEAD_ID, "Email": s.EMAIL, "Company Name": s.COMPANY, "Phone Number": s.PHONE,
                 "Job Title": s.TITLE, "Contact owner": s.OWNER, "Create Date": s.CREATED,
                 "Original Source": s.SOURCE}),
    "salesforce": (["Lead ID", "Salutation", "First Name", "Last Name", "Title", "Company", "Email",
                    "Phone", "Mobile", "Lead Source", "Lead Owner", "Created Date", "Email Opt Out"],
                   {"Lead ID": s.LEAD_ID, "Company": s.COMPANY, "Phone": s.PHONE, "Mobile": "Mobile",
                    "Lead Source": s.SOURCE, "Lead Owner": s.OWNER, "Created Date": s.CREATED,
                    "Email Opt Out": s.DO_NOT_CONTACT, "Salutation": "Salutation"}),
    "zoho": (["Record Id", "Lead Owner", "First Name", "Last Name", "Company", "Designation", "Email",
              "Mobile", "Lead Source", "Created Time", "Description"],
             {"Record Id": s.LEAD_ID, "Designation": s.TITLE, "Mobile": s.PHONE, "Created Time": s.CREATED,
              "Description": s.NOTES}),
    "google forms": (["Timestamp", "Email Address", "Your name", "Company name", "Phone number",
                      "How did you hear about us?"],
                     {"Timestamp": s.CREATED, "Email Address": s.EMAIL, "Your name": s.NAME,
                      "Company name": s.COMPANY, "How did you hear about us?": s.SOURCE}),
    "linkedin": (["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"],
                 {"Email Address": s.EMAIL, "Position": s.TITLE, "Connected On": s.CREATED, "URL": "URL"}),
    "badge scanner": (["Badge ID", "First", "Last", "Organization", "Job Title", "E-mail", "Telephone",
                       "Scan Time", "Notes"],
                      {"Badge ID": s.LEAD_ID, "Organization": s.COMPANY, "E-mail": s.EMAIL,
                       "Telephone": s.PHONE, "Scan Time": s.CREATED}),
}  # fmt: skip


@pytest.mark.parametrize("tool", sorted(EXPORTS))
def test_export_headers_map_to_contract_columns(tool):
    headers, expected = EXPORTS[tool]
    mapping = import_mapping(s.LEADS, headers)
    for header, column in expected.items():
        assert mapping[header] == column, header
    assert len(set(mapping.values())) == len(headers)  # no two file columns land in one


def test_call_log_headers_map_to_touches():
    headers = [
        "Call ID",
        "Start Time",
        "Direction",
        "From",
        "To",
        "Duration",
        "Agent",
        "Call Result",
        "Notes",
    ]
    mapping = import_mapping(s.TOUCHES, headers)
    assert mapping["Start Time"] == s.DATE
    assert mapping["Direction"] == s.DIRECTION
    assert mapping["Agent"] == s.OWNER
    assert mapping["Call Result"] == s.OUTCOME
    assert mapping["From"] == "From" and mapping["Duration"] == "Duration"


def test_an_owned_column_in_the_file_is_kept_under_its_own_name():
    mapping = import_mapping(s.LEADS, ["Name", "Status", "Score"])
    assert mapping == {"Name": s.NAME, "Status": "Status (import)", "Score": "Score (import)"}


def _frame(rows: list[dict], options: ImportOptions | None = None, sheet: str = s.LEADS):
    raw = pd.DataFrame(rows, dtype=object)
    raw.index = pd.RangeIndex(2, 2 + len(raw), name="row")
    return import_frame(sheet, raw.where(raw.notna(), None), options or ImportOptions())


@pytest.mark.parametrize("placeholder", ["Select", "N/A", "-", "null", "none", "NONE", " n/a ", "--Select--"])
def test_placeholders_become_blank(placeholder):
    frame, _, _ = _frame([{"Name": "Ann Lee", "Company": placeholder, "Title": placeholder}])
    assert "Company" not in frame.columns or frame["Company"].isna().all()


def test_control_characters_are_removed_and_long_text_is_kept_whole():
    long = "word " * 20_000
    frame, _, _ = _frame([{"Name": "Ann\x00 Lee\x1b", "Notes": long.strip()}])
    assert frame.loc[2, s.NAME] == "Ann Lee"
    assert frame.loc[2, s.NOTES] == long.strip()


def test_injection_text_stays_text():
    payloads = ['=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)"]
    frame, _, _ = _frame([{"Name": "Ann", "Notes": p} for p in payloads])
    assert frame[s.NOTES].tolist() == payloads


def test_first_and_last_name_join_into_name():
    frame, _, _ = _frame([{"First Name": "Ann", "Last Name": "Lee"}, {"First Name": "Bo", "Last Name": None}])
    assert frame[s.NAME].tolist() == ["Ann Lee", "Bo"]
    assert "First name" not in frame.columns


def test_sources_map_to_the_source_list_and_unknown_ones_are_kept_apart():
    frame, _, _ = _frame(
        [{"Name": "A", "Lead Source": v} for v in ("Web", "Partner Referral", "Trade Show", "Podcast")]
    )
    assert frame[s.SOURCE].tolist() == ["Website", "Referral", "Trade show", None]
    assert frame[IMPORT_SOURCE].tolist() == [None, None, None, "Podcast"]


def test_a_source_option_outside_the_list_is_refused():
    with pytest.raises(LeadbookError, match="not on the Source list"):
        _frame([{"Name": "A"}], ImportOptions(source="Podcast"))


def test_email_is_stored_as_the_address():
    frame, _, _ = _frame([{"Name": "A", "Email": " mailto:Ann.Lee@Acme.COM "}])
    assert frame.loc[2, s.EMAIL] == "ann.lee@acme.com"


def test_call_log_values_map_to_touch_dropdowns():
    rows = [{"Start Time": "2021-04-07T10:00:00Z", "Direction": "Inbound", "Call Result": "Answered"},
            {"Start Time": "2021-04-07T11:00:00Z", "Direction": "Outgoing", "Call Result": "Voicemail"}]  # fmt: skip
    frame, _, _ = _frame(rows, sheet=s.TOUCHES)
    assert frame[s.DIRECTION].tolist() == [s.IN, s.OUT]
    assert frame[s.OUTCOME].tolist() == ["Talked", "Left message"]


# ---------------------------------------------------------------- dates
def _dates(values: list[object], order: str | None = None) -> list[object]:
    frame = pd.DataFrame(
        {s.CREATED: pd.Series(values, dtype=object, index=pd.RangeIndex(2, 2 + len(values)))}
    )
    out, problems = parse_dates(frame, [s.CREATED], s.LEADS, order)
    return out[s.CREATED].tolist(), problems


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15 Apr, 2021 00:03:00", dt.datetime(2021, 4, 15, 0, 3)),
        ("2021-04-07T10:00:00Z", dt.datetime(2021, 4, 7, 10)),
        ("2021-04-07T12:00:00+02:00", dt.datetime(2021, 4, 7, 10)),
        ("2021-04-07", dt.datetime(2021, 4, 7)),
        ("20210407", dt.datetime(2021, 4, 7)),
        ("44293", dt.datetime(2021, 4, 7)),
        (44293.5, dt.datetime(2021, 4, 7, 12)),
        (dt.datetime(2021, 4, 7, 9, 30), dt.datetime(2021, 4, 7, 9, 30)),
        ("Apr 7, 2021", dt.datetime(2021, 4, 7)),
        ("07-Apr-2021", dt.datetime(2021, 4, 7)),
    ],
)
def test_export_date_formats(text, expected):
    values, problems = _dates([text])
    assert values == [pd.Timestamp(expected)] and not problems


def test_day_month_order_comes_from_the_option_or_setting():
    assert _dates(["4/7/2021"], DAY)[0] == [pd.Timestamp(2021, 7, 4)]
    assert _dates(["4/7/2021 3:05 PM"], MONTH)[0] == [pd.Timestamp(2021, 4, 7, 15, 5)]


def test_the_file_shows_its_own_order():
    values, _ = _dates(["4/7/2021", "13/7/2021"])
    assert values == [pd.Timestamp(2021, 7, 4), pd.Timestamp(2021, 7, 13)]
    values, _ = _dates(["4/7/21", "4/13/21"])
    assert values == [pd.Timestamp(2021, 4, 7), pd.Timestamp(2021, 4, 13)]


def test_an_ambiguous_file_is_refused_with_what_to_set():
    with pytest.raises(LeadbookError) as exc:
        _dates(["4/7/2021", "5/6/2021"])
    assert "--date-order" in str(exc.value) and "'Date order'" in str(exc.value)


def test_a_file_mixing_orders_is_refused():
    with pytest.raises(LeadbookError, match="mixes day-first and month-first"):
        _dates(["13/7/2021", "7/13/2021"])


def test_text_that_is_no_date_is_kept_and_reported():
    values, problems = _dates(["soon", "2021-04-07"])
    assert values[0] == "soon" and len(problems) == 1 and problems[0].row == 2


@pytest.mark.parametrize(
    ("text", "order"), [("Day first", DAY), ("DMY", DAY), ("month", MONTH), ("Auto", None)]
)
def test_date_order_values(text, order):
    assert date_order(text) == order
