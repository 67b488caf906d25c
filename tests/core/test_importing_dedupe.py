"""Dedupe keys, groups and the Leads import plan (leadbook/core/dedupe.py, merge.py), on frames."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from factories import TODAY
from fakes import MemoryBook
from hypothesis import given, settings
from hypothesis import strategies as st

from leadbook import services
from leadbook.core import schema as s
from leadbook.core.dedupe import company_key, email_key, groups, name_key, phone_key
from leadbook.core.importing import IMPORT_ID, ImportOptions, import_frame
from leadbook.core.merge import id_pattern, merge_leads, new_ids

NOW = dt.datetime(2026, 11, 23, 9, 0)
OPTIONS = ImportOptions(country="GB", threshold=90)


def series(*values):
    return pd.Series(list(values), dtype=object)


def test_email_key_ignores_case_spaces_and_mailto():
    keys = email_key(
        series(
            "mailto:John.Smith@Acme.com", " john.smith@ACME.COM ", "John <john.smith@acme.com>", "n/a", None
        )
    )
    assert keys.tolist()[:3] == ["john.smith@acme.com"] * 3
    assert keys.tolist()[3:] == [None, None]


def test_phone_key_is_one_international_form():
    keys = phone_key(
        series(
            "+44 20 7123 4567", "020 7123 4567", "0044 (20) 7123-4567", "+44 (0)20 7123 4567", "+442071234567"
        ),
        "GB",
    )
    assert set(keys) == {"+442071234567"}
    assert phone_key(series("(555) 123-4567"), "US").tolist() == ["+15551234567"]
    assert phone_key(series("12", None), "GB").tolist() == [None, None]


def test_name_and_company_keys():
    assert name_key(series("Smith, Dr. John", "john  SMITH", "José García")).tolist() == [
        "john smith",
        "john smith",
        "garcia jose",
    ]
    assert company_key(series("ACME Ltd.", "Acme Limited", "The Acme Company", "Birch & Co")).tolist() == [
        "acme"
    ] * 3 + ["birch"]


def test_groups_connect_rows_through_any_shared_key():
    keys = pd.DataFrame(
        {"email": ["a", None, None, "b", "b"], "phone": [None, "1", "1", None, "2"]}, dtype=object
    )
    keys.loc[0, "phone"] = "1"
    assert groups(keys).tolist() == [0, 0, 0, 3, 3]


def test_groups_follow_long_chains():
    n = 2000  # row i shares a key with row i+1 only: one group, found without comparing pairs
    keys = pd.DataFrame({"a": [str(i // 2) for i in range(n)], "b": [str((i + 1) // 2) for i in range(n)]})
    assert set(groups(keys)) == {0}


def test_id_pattern_and_new_ids():
    pattern = id_pattern(series("L00007", "L00012", None, "X1"))
    assert pattern == ("L", 5, 12)
    assert new_ids(2, pattern, {"L00013"}) == ["L00014", "L00015"]
    assert new_ids(1, None, set()) == ["L00001"]


def _leads(rows):
    from factories import frame

    return frame(s.LEADS, rows)


def _rows(rows, options=OPTIONS):
    raw = pd.DataFrame(rows, dtype=object)
    raw.index = pd.RangeIndex(2, 2 + len(raw), name="row")
    frame, _, _ = import_frame(s.LEADS, raw.where(raw.notna(), None), options)
    return frame.rename(columns={s.LEAD_ID: IMPORT_ID})


BOOK = [
    {s.LEAD_ID: "L00001", s.NAME: "John Smith", s.COMPANY: "Acme Ltd", s.EMAIL: "john.smith@acme.com", s.SOURCE: "Website"},
    {s.LEAD_ID: "L00002", s.NAME: "Ann Lee", s.COMPANY: "Birch", s.PHONE: "+44 20 7000 0001", s.TITLE: None},
]  # fmt: skip


def test_a_duplicate_fills_only_empty_fields_and_reports_conflicts():
    rows = _rows([
        {"Email": "JOHN.SMITH@acme.com ", "Lead Source": "Trade Show", "Job Title": "CEO"},
        {"Name": "Ann Lee", "Phone": "020 7000 0001", "Job Title": "CFO"},
    ])  # fmt: skip
    result = merge_leads(rows, _leads(BOOK), OPTIONS, TODAY)
    assert result.status.tolist() == ["merged", "merged"]
    assert result.new.empty
    assert result.fills[s.TITLE].to_dict() == {2: "CEO", 3: "CFO"}
    assert s.SOURCE not in result.fills  # Website stays
    conflict = result.conflicts.iloc[0]
    assert (conflict[s.LEAD_ID], conflict["Column"], conflict["Kept"], conflict["File value"]) == (
        "L00001",
        s.SOURCE,
        "Website",
        "Trade show",
    )


def test_same_person_at_same_company_with_a_near_spelling():
    rows = _rows(
        [{"First Name": "Jon", "Last Name": "Smith", "Company": "ACME Limited", "Mobile": "07700 900123"}]
    )
    result = merge_leads(rows, _leads(BOOK), OPTIONS, TODAY)
    assert result.lead_of.tolist() == ["L00001"]
    assert result.fills[s.PHONE].to_dict() == {2: "07700 900123"}
    strict = merge_leads(rows, _leads(BOOK), ImportOptions(country="GB", threshold=99), TODAY)
    assert strict.status.tolist() == ["new"]


def test_the_same_name_at_another_company_is_another_lead():
    rows = _rows([{"Name": "John Smith", "Company": "Cobalt Labs"}])
    assert merge_leads(rows, _leads(BOOK), OPTIONS, TODAY).status.tolist() == ["new"]


def test_duplicates_within_the_file_become_one_new_lead():
    rows = _rows([
        {"Name": "Eva Berg", "Email": "eva@fjord.example", "Company": "Fjord"},
        {"Name": "Eva Berg", "Email": "EVA@fjord.example", "Phone": "+47 22 00 00 00"},
        {"Name": "", "Email": "", "Company": "Nobody Inc"},
    ])  # fmt: skip
    result = merge_leads(rows, _leads(BOOK), OPTIONS, TODAY)
    assert result.status.to_dict() == {2: "new", 3: "merged", 4: "skipped"}
    assert len(result.new) == 1
    new = result.new.iloc[0]
    assert (new[s.LEAD_ID], new[s.PHONE], new[s.CREATED]) == (
        "L00003",
        "+47 22 00 00 00",
        pd.Timestamp(TODAY),
    )


def test_file_ids_become_lead_ids_when_they_fit_else_import_ids():
    fits = merge_leads(_rows([{"Lead ID": "L00100", "Name": "Kim Ode"}]), _leads(BOOK), OPTIONS, TODAY)
    assert fits.new[s.LEAD_ID].tolist() == ["L00100"] and IMPORT_ID not in fits.new.columns
    other = merge_leads(_rows([{"Record ID": "9001", "Name": "Kim Ode"}]), _leads(BOOK), OPTIONS, TODAY)
    assert other.new[[s.LEAD_ID, IMPORT_ID]].values.tolist() == [["L00003", "9001"]]


def test_source_and_owner_options_fill_new_leads_only():
    rows = _rows([{"Email": "john.smith@acme.com"}, {"Name": "Kim Ode"}])
    result = merge_leads(
        rows,
        _leads(BOOK),
        ImportOptions(country="GB", threshold=90, source="Webinar / seminar", owner="Dana"),
        TODAY,
    )
    assert result.new[[s.SOURCE, s.OWNER]].values.tolist() == [["Webinar / seminar", "Dana"]]
    assert s.OWNER not in result.fills and result.conflicts.empty


def test_a_row_matching_two_book_leads_fills_the_first_and_says_so():
    rows = _rows([{"Email": "john.smith@acme.com", "Phone": "+44 20 7000 0001"}])
    result = merge_leads(rows, _leads(BOOK), OPTIONS, TODAY)
    assert result.lead_of.tolist() == ["L00001"]
    assert "L00001, L00002" in result.notes[0]


# ---------------------------------------------------------------- the service on an in-memory book
def _book(rows=BOOK):
    frame = pd.DataFrame(rows, dtype=object)
    frame.index = pd.RangeIndex(2, 2 + len(frame), name="row")
    return MemoryBook({s.LEADS: frame})


def _raw(rows):
    raw = pd.DataFrame(rows, dtype=object)
    raw.index = pd.RangeIndex(2, 2 + len(raw), name="row")
    return raw.where(raw.notna(), None)


def test_import_rows_logs_once_and_a_second_import_changes_nothing():
    book = _book()
    raw = _raw(
        [{"Email": "john.smith@acme.com", "Job Title": "CEO"}, {"Name": "Kim Ode", "Company": "Orbit"}]
    )
    first = services.import_rows(book, raw, "hubspot.csv", TODAY, NOW, "me")
    assert first.counts() == {"merged": 1, "new": 1}
    log = book.sheets[s.LOG]
    assert len(log) == 1 and log.iloc[0][s.ACTION] == "Imported hubspot.csv into Leads"
    assert "1 new" in log.iloc[0][s.AFTER]
    second = services.import_rows(book, raw, "hubspot.csv", TODAY, NOW, "me")
    assert second.counts() == {"duplicate": 2} and not second.plan
    assert len(book.sheets[s.LEADS]) == 3 and len(book.sheets[s.LOG]) == 1


def test_dry_run_writes_nothing():
    book = _book()
    result = services.import_rows(book, _raw([{"Name": "Kim Ode"}]), "x.csv", TODAY, NOW, "me", dry_run=True)
    assert result.counts() == {"new": 1} and not book.applied


def test_ambiguous_dates_use_the_settings_order():
    book = _book()
    settings = book.sheets[s.SETTINGS]
    settings.loc[settings[s.SETTING].eq("Date order"), s.SETTING_VALUE] = "Month first"
    result = services.import_rows(
        book, _raw([{"Name": "Kim", "Created": "4/7/2021"}]), "x.csv", TODAY, NOW, "me"
    )
    assert result.counts() == {"new": 1}
    assert pd.Timestamp(book.sheets[s.LEADS].iloc[-1][s.CREATED]) == pd.Timestamp(2021, 4, 7)


PEOPLE = st.fixed_dictionaries({
    "Name": st.sampled_from(["John Smith", "jon smith", "Ann Lee", "Kim Ode", None]),
    "Email": st.sampled_from(["john.smith@acme.com", "JOHN.SMITH@acme.com ", "ann@birch.example", None]),
    "Company": st.sampled_from(["Acme Ltd", "ACME", "Birch", None]),
    "Phone": st.sampled_from(["+44 20 7000 0001", "020 7000 0001", "+1 555 123 4567", None]),
    "Notes": st.sampled_from(["=1+1", "call back", None]),
})  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(st.lists(PEOPLE, min_size=1, max_size=12), st.randoms(use_true_random=False))
def test_importing_twice_adds_nothing_and_order_does_not_change_the_count(people, rnd):
    book = _book()
    services.import_rows(book, _raw(people), "x.csv", TODAY, NOW, "me")
    leads, log = len(book.sheets[s.LEADS]), len(book.sheets[s.LOG])
    again = services.import_rows(book, _raw(people), "x.csv", TODAY, NOW, "me")
    assert not again.plan and len(book.sheets[s.LEADS]) == leads and len(book.sheets[s.LOG]) == log
    shuffled = list(people)
    rnd.shuffle(shuffled)
    other = _book()
    services.import_rows(other, _raw(shuffled), "x.csv", TODAY, NOW, "me")
    assert len(other.sheets[s.LEADS]) == leads


@settings(max_examples=80, deadline=None)
@given(st.integers(100_000_000, 9_999_999_999), st.sampled_from(["GB", "DE", "FR", "NL"]))
def test_the_national_fast_path_agrees_with_phonenumbers(number, country):
    """'020 7123 4567' skips the library in GB; the key must be the one the library gives."""
    import phonenumbers

    national = f"0{number}"
    parsed = phonenumbers.parse(national, country)
    if phonenumbers.is_possible_number(parsed):
        expected = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        assert phone_key(series(national, national.replace("0", "0 ", 1)), country).tolist() == [expected] * 2


def test_import_rows_reports_each_phase_for_a_progress_bar():
    phases = []
    services.import_rows(_book(), _raw([{"Name": "Kim Ode"}]), "x.csv", TODAY, NOW, "me", step=phases.append)
    assert phases == ["reading the workbook", "matching rows to leads", "writing the workbook"]


def test_a_person_named_by_a_merged_record_joins_their_lead_in_either_order():
    """John Smith's row has no company, but shares an email with a row at Acme Ltd: together they
    name John Smith at Acme Ltd, who is already a lead. The first import merges them into that
    lead (whatever the row order), so a second import finds only duplicates."""
    people = [
        {"Name": "John Smith", "Email": "ann@birch.example", "Phone": "+1 555 123 4567"},
        {"Name": "Ann Lee", "Email": "ann@birch.example", "Company": "Acme Ltd"},
    ]
    for rows in (people, people[::-1]):
        book = _book()
        before = len(book.sheets[s.LEADS])
        first = services.import_rows(book, _raw(rows), "x.csv", TODAY, NOW, "me")
        assert len(book.sheets[s.LEADS]) == before and "new" not in first.counts()
        leads = book.sheets[s.LEADS]
        smith = leads[leads[s.NAME].eq("John Smith") & leads[s.COMPANY].eq("Acme Ltd")]
        assert len(smith) == 1 and smith.iloc[0][s.PHONE] == "+1 555 123 4567"
        second = services.import_rows(book, _raw(rows), "x.csv", TODAY, NOW, "me")
        assert second.counts() == {"duplicate": 2} and not second.plan
