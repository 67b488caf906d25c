"""The one rule for text dates (ISO always; otherwise by the Settings 'Date order'), and inferring it."""

import pandas as pd
import pytest

from leadbook.core.dates import DAY, MONTH, ambiguous_message, infer_date_order, read_text_dates

CELLS = ["2026-04-03", "03/04/2026", "15/04/2026", "04/15/2026", "06.03.2026", "3 Apr 2026", "05/05/2026",
         " 2026-04-03T10:00:00Z ", "soon", "31/31/2026", "01/01/9999", "2026", "2026-13-45"]  # fmt: skip


def read(order):
    out, ambiguous = read_text_dates(pd.Series(CELLS), order)
    return [None if pd.isna(v) else f"{v:%Y-%m-%d}" for v in out], ambiguous.tolist()


def test_without_an_order_a_date_is_read_only_when_it_reads_one_way():
    dates, ambiguous = read(None)
    assert dates == ["2026-04-03", None, "2026-04-15", "2026-04-15", None, "2026-04-03", "2026-05-05",
                     "2026-04-03", None, None, None, None, None]  # fmt: skip
    assert [CELLS[i] for i, a in enumerate(ambiguous) if a] == ["03/04/2026", "06.03.2026"]


@pytest.mark.parametrize(
    ("order", "april_third", "sixth"),
    [(DAY, "2026-04-03", "2026-03-06"), (MONTH, "2026-03-04", "2026-06-03")],
)
def test_the_date_order_decides_and_a_date_impossible_in_it_is_not_read(order, april_third, sixth):
    dates, ambiguous = read(order)
    assert dates[0] == "2026-04-03" and dates[1] == april_third and dates[4] == sixth
    assert dates[2 if order == MONTH else 3] is None  # 15/04 month first, 04/15 day first
    assert not any(ambiguous)


def test_the_message_gives_both_readings_and_the_fix():
    assert ambiguous_message("03/04/2026") == (
        "'03/04/2026' can be read as 3 April 2026 (day first) or 4 March 2026 (month first); "
        "set 'Date order' on the Settings sheet to Day first or Month first"
    )


def test_infer_date_order_from_unambiguous_text_dates():
    column = pd.Series(["03/04/2026", "15/04/2026", None, 46000, "2026-01-02"], dtype=object)
    assert infer_date_order([column]) == DAY
    assert infer_date_order([pd.Series(["04/15/2026"]), pd.Series(["01/02/2026"])]) == MONTH
    assert infer_date_order([pd.Series(["15/04/2026", "04/15/2026"])]) is None  # mixed: cannot tell
    assert infer_date_order([pd.Series(["03/04/2026"])]) is None and infer_date_order([]) is None


def test_import_dates_past_what_a_timestamp_holds_are_reported_not_a_traceback():
    import datetime as dt

    from leadbook.core.dates import parse_dates

    cells = ["01/01/9999", "9999-01-01", "99991231", "1 Jan 9999", 2958465, dt.date(9999, 1, 1), "15/02/2026"]
    frame, problems = parse_dates(pd.DataFrame({"d": cells}, dtype=object), ["d"], "Leads", None)
    assert [p.row for p in problems] == [0, 1, 2, 3, 4, 5]
    assert frame.loc[6, "d"] == pd.Timestamp("2026-02-15")
