import pandas as pd
import pytest

from leadbook.core import schema as s
from leadbook.core.problems import LeadbookError
from leadbook.core.settings import KEYS, Settings, defaults_frame, parse_settings, settings_or_raise


def sheet(rows):
    frame = pd.DataFrame(rows, columns=[s.SETTING, s.SETTING_VALUE])
    frame.index = pd.RangeIndex(2, 2 + len(frame), name="row")
    return frame


def test_defaults_round_trip_to_the_default_settings():
    frame = defaults_frame()
    frame.index = pd.RangeIndex(2, 2 + len(frame))
    settings, problems = parse_settings(frame)
    assert problems == []
    assert settings == Settings()


def test_a_management_edit_changes_the_weight():
    settings, _ = parse_settings(
        sheet([["Need: Yes", 30], ["source: referral", "25"], ["Cadence: business days", "2; 4"]])
    )
    assert settings.answer_points[s.NEED][s.YES] == 30
    assert settings.source_points["Referral"] == 25
    assert settings.cadence_days == (2, 4)


def test_holidays_are_one_row_each():
    settings, _ = parse_settings(sheet([["Holiday", pd.Timestamp("2026-12-25")], ["Holiday", "2026-12-26"]]))
    assert [d.isoformat() for d in settings.holidays] == ["2026-12-25", "2026-12-26"]


def test_bad_value_names_the_row_and_keeps_the_default():
    settings, problems = parse_settings(sheet([["Need: Yes", 20], ["Grade A from", "high"]]))
    assert settings.grade_a == 70
    assert [(p.sheet, p.row, p.column) for p in problems] == [(s.SETTINGS, 3, s.SETTING_VALUE)]
    assert "'Grade A from' is 'high'" in problems[0].message


def test_settings_or_raise_refuses_bad_values_with_the_row():
    with pytest.raises(LeadbookError) as err:
        settings_or_raise(sheet([["Cadence: max attempts", -3]]))
    assert err.value.problem.row == 2
    assert "Settings row 2" in str(err.value)


def test_engagement_cap_must_stay_below_threshold():
    _, problems = parse_settings(sheet([["Engagement: cap", 60]]))
    assert any("engagement cap must stay below" in p.message and p.row == 2 for p in problems)


def test_unknown_settings_are_reported_not_fatal():
    settings, problems = parse_settings(sheet([["Colour of the sky", "blue"]]))
    assert settings == Settings() and problems[0].column == s.SETTING
    assert settings_or_raise(sheet([["Colour of the sky", "blue"]])) == Settings()


def test_every_key_has_a_meaning():
    assert all(meaning for _, _, meaning in [row for row in defaults_frame().itertuples(index=False)])
    assert len(KEYS) == len(set(KEYS))


@pytest.mark.parametrize("value", [float("inf"), "nan", 1e300, "-inf"])
def test_a_weight_that_is_not_a_finite_number_is_an_error_naming_its_row(value):
    frame = pd.DataFrame({s.SETTING: ["Need: Yes"], s.SETTING_VALUE: [value]}, index=[7])
    _, problems = parse_settings(frame)
    assert [(p.row, p.column) for p in problems] == [(7, s.SETTING_VALUE)]


def test_a_holiday_is_read_like_every_date_serial_and_text_by_the_date_order():
    rows = [["Holiday", 46115], ["Holiday", "03/04/2026"], ["Holiday", "2026-12-25"]]
    settings, problems = parse_settings(sheet([*rows, ["Date order", "Day first"]]))
    assert [d.isoformat() for d in settings.holidays] == ["2026-04-03", "2026-04-03", "2026-12-25"]
    assert problems == []
    settings, _ = parse_settings(sheet([["Date order", "month first"], *rows]))
    assert [d.isoformat() for d in settings.holidays] == ["2026-03-04", "2026-04-03", "2026-12-25"]
    settings, problems = parse_settings(sheet([*rows, ["Holiday", "Christmas"], ["Holiday", 10**9]]))
    assert [(p.row, p.column) for p in problems] == [
        (3, s.SETTING_VALUE),
        (5, s.SETTING_VALUE),
        (6, s.SETTING_VALUE),
    ]
    assert "(day first) or" in problems[0].message and "'Date order'" in problems[0].message


def test_a_key_given_twice_is_an_error_naming_both_rows():
    with pytest.raises(LeadbookError) as err:
        settings_or_raise(sheet([["Need: Yes", 20], ["Grade A from", 80], ["grade a from", 60]]))
    assert (err.value.problem.row, err.value.problem.column) == (4, s.SETTING)
    assert "row 3 and again on row 4" in err.value.problem.message
    assert parse_settings(sheet([["Holiday", "2026-12-25"], ["Holiday", "2026-12-26"]]))[1] == []


def test_a_settings_sheet_without_a_value_column_is_an_error():
    frame = pd.DataFrame({s.SETTING: ["Need: Yes"], "Points": [30]}, index=[2])
    with pytest.raises(LeadbookError) as err:
        settings_or_raise(frame)
    assert (err.value.problem.row, err.value.problem.column) == (1, s.SETTING_VALUE)


@pytest.mark.parametrize(
    ("key", "value"),
    [("Grade A from", 150), ("Qualify: score threshold", -1), ("Qualify: score threshold", "nan"),
     ("Cadence: business days", "1, 3, 50000"), ("Cadence: business days", "0, 3"),
     ("Cadence: nurture interval days", 400), ("Cadence: first touch business days", 1000)],
)  # fmt: skip
def test_thresholds_and_cadence_days_out_of_range_name_their_row(key, value):
    settings, problems = parse_settings(sheet([["Need: Yes", 20], [key, value]]))
    assert (problems[0].row, problems[0].column) == (3, s.SETTING_VALUE)
    assert settings == Settings()
