from leadbook.core import schema as s


def test_headers_match_case_space_and_punctuation_insensitively():
    mapping = s.map_headers(
        s.LEADS, ["LEAD id", "E-mail", "Lead Source", "Sales rep", "Company name", "My col"]
    )
    assert mapping == {
        "LEAD id": s.LEAD_ID, "E-mail": s.EMAIL, "Lead Source": s.SOURCE, "Sales rep": s.OWNER,
        "Company name": s.COMPANY, "My col": "My col",
    }  # fmt: skip


def test_touch_synonyms():
    mapping = s.map_headers(s.TOUCHES, ["Touch date", "Lead", "Follow up date", "Result"])
    assert mapping == {
        "Touch date": s.DATE,
        "Lead": s.LEAD_ID,
        "Follow up date": s.NEXT_DATE,
        "Result": s.OUTCOME,
    }


def test_first_match_wins_and_a_duplicate_stays_a_user_column():
    mapping = s.map_headers(s.LEADS, ["Email", "E-mail"])
    assert mapping == {"Email": s.EMAIL, "E-mail": "E-mail"}


def test_owned_columns_are_part_of_the_leads_contract():
    assert set(s.LEAD_OWNED_COLUMNS) <= set(s.LEAD_COLUMNS)
    assert len(set(s.LEAD_COLUMNS)) == len(s.LEAD_COLUMNS)
