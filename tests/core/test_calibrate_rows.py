"""The Settings rows a learned card writes: 'Column: value' for any Leads column, bands, base points."""

from __future__ import annotations

import pandas as pd
from factories import TODAY, frame, lead

from leadbook.core import schema as s
from leadbook.core.scoring import band_edges, score_leads
from leadbook.core.settings import Settings, parse_settings


def sheet(rows: list[list[object]]) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=[s.SETTING, s.SETTING_VALUE], dtype=object)
    out.index = pd.RangeIndex(2, 2 + len(out), name="row")
    return out


def scores(leads: list[dict], rows: list[list[object]]) -> pd.DataFrame:
    settings, problems = parse_settings(sheet(rows))
    assert problems == []
    return score_leads(frame(s.LEADS, leads), frame(s.TOUCHES, []), settings, TODAY)


def test_a_row_for_a_user_column_scores_its_value_and_reads_in_reasons():
    leads = [lead("L1", Industry="Retail"), lead("L2", Industry="Health"), lead("L3")]
    out = scores(leads, [["Industry: Retail", 12], ["Industry: Health", -7]])
    assert out[s.SCORE].tolist() == [12, 0, 0]  # -7 clips at 0
    assert "+12 industry retail" in out.loc[2, s.REASONS]


def test_blank_and_other_rows_score_what_no_row_names():
    leads = [lead("L1", Industry="Retail"), lead("L2", Industry="Mining"), lead("L3")]
    out = scores(leads, [["Industry: Retail", 12], ["Industry: (other)", 5], ["Industry: (blank)", 3]])
    assert out[s.SCORE].tolist() == [12, 5, 3]


def test_number_bands_score_a_number_column():
    assert band_edges("under 3") == (float("-inf"), 3.0)
    assert band_edges("3 to under 7.5") == (3.0, 7.5)
    assert band_edges("7.5 or more") == (7.5, float("inf"))
    assert band_edges("Retail") is None
    leads = [lead("L1", Visits=1), lead("L2", Visits=3), lead("L3", Visits=9), lead("L4")]
    rows = [["Visits: under 3", 1], ["Visits: 3 to under 7.5", 10], ["Visits: 7.5 or more", 20]]
    assert scores(leads, rows)[s.SCORE].tolist() == [1, 10, 20, 0]


def test_base_points_add_to_every_score_but_not_to_reasons():
    out = scores([lead("L1", Need="Yes"), lead("L2")], [["Score: base points", 30]])
    assert out[s.SCORE].tolist() == [50, 30]
    assert out.loc[3, s.REASONS] == ""


def test_a_new_answer_value_gets_points_for_a_fixed_question():
    settings, problems = parse_settings(sheet([["Need: Unknown", 4], ["Source: (other)", 2]]))
    assert problems == [] and settings.answer_points[s.NEED][s.UNKNOWN] == 4
    assert settings.answer_points[s.NEED][s.YES] == 20  # the defaults stay
    assert settings.source_points["(other)"] == 2


def test_reserved_groups_and_bad_values_are_still_reported():
    settings, problems = parse_settings(sheet([["Grade: Z", 3], ["Industry: Retail", "lots"]]))
    assert [p.row for p in problems] == [2, 3]
    assert "unknown setting" in problems[0].message and "must be a number" in problems[1].message
    assert settings.column_points.get("Industry", {}) == {}


def test_a_row_for_a_column_the_sheet_lacks_scores_nothing():
    assert scores([lead("L1")], [["Industry: Retail", 12]])[s.SCORE].tolist() == [0]


def test_default_settings_are_unchanged():
    assert Settings().base_points == 0 and Settings().column_points == {}
