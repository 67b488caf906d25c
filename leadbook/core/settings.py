"""The qualifying parameters management sets on the Settings sheet, with their defaults."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import pandas as pd

from leadbook.core import schema as s
from leadbook.core.clean import EXCEL_EPOCH, SERIALS, cell_errors
from leadbook.core.dates import ambiguous_message, date_order, read_text_dates
from leadbook.core.problems import LeadbookError, Problem

# Outcome rules: what a touch outcome of "Do not call" / "Not interested" means from then on.
NO_CALLS, NO_CONTACT, NURTURE, IGNORE = "No calls", "No contact", "Nurture", "Ignore"
OUTCOME_RULES = (NO_CALLS, NO_CONTACT, NURTURE, IGNORE)

_ANSWER_POINTS = {
    s.NEED: {s.YES: 20, s.NO: -20},
    s.BUDGET: {s.YES: 15, s.NO: -10},
    s.AUTHORITY: {s.YES: 10, s.NO: -5},
    s.APPROACHABLE: {s.YES: 5, s.NO: -5},
    s.ELIGIBLE: {s.YES: 5, s.NO: -20},
    s.LIKELIHOOD: {"High": 10, "Medium": 5, "Low": 0},
    s.TIMING: {"0-3 months": 10, "3-6 months": 6, "6-12 months": 3, "12+ months": 0},
}
# Referrals from satisfied customers are the most effective source (seeds); cold lists least.
_SOURCE_POINTS = dict(zip(s.SOURCES, (15, 10, 8, 10, 4, 5, 3, 3, 6, 6, 2, 2, 1, 4, 2, 2, 6), strict=True))

# (key, default, meaning); the key is what the Settings sheet shows in its Setting column.
DEFAULTS: list[tuple[str, object, str]] = [
    *(
        (f"{q}: {a}", p, f"Points when {q} is {a}" + (" (Unknown or blank scores 0)" if a == s.YES else ""))
        for q, answers in _ANSWER_POINTS.items()
        for a, p in answers.items()
    ),
    *((f"Source: {src}", p, f"Points for a lead whose Source is {src}") for src, p in _SOURCE_POINTS.items()),
    ("Engagement: inbound touch", 4, "Points per touch with Direction = In, before decay"),
    ("Engagement: two-way touch", 8, "Points per touch where the lead answered or acted, before decay"),
    ("Engagement: half-life days", 14, "A touch counts half as much after this many days"),
    ("Engagement: cap", 20, "Most points engagement can add: keep it below the qualify threshold"),
    ("Grade A from", 70, "Score at or above which the Grade is A"),
    ("Grade B from", 50, "Score at or above which the Grade is B"),
    ("Grade C from", 30, "Score at or above which the Grade is C (below: D)"),
    ("Qualify: score threshold", 50, "A lead qualifies at this score, with no gate failing and a two-way touch"),
    ("Gate: Need = No disqualifies", s.YES, "Yes: a lead with Need = No is Disqualified whatever its score"),
    ("Gate: Eligible = No disqualifies", s.YES, "Yes: a lead with Eligible = No is Disqualified"),
    ("Reasons: how many", 4, "How many of the biggest contributions the Reasons column shows"),
    ("Cadence: business days", "1, 3, 7, 10, 14, 21, 28", "Business days after the previous attempt that the next one is due (attempt 1, 2, ...; the last repeats)"),
    ("Cadence: first touch business days", 1, "A new lead with no touch is due this many business days after Created (speed to lead)"),
    ("Cadence: max attempts", 10, "One-way attempts without a two-way contact before the lead goes to Nurture"),
    ("Cadence: nurture interval days", 30, "Days between touches for a lead in Nurture"),
    ("Outcome Do not call means", NO_CALLS, "No calls: only email/letter from then on; No contact: no touch at all"),
    ("Outcome Not interested means", NO_CONTACT, "No contact, Nurture, or Ignore"),
    ("Holiday", None, "One row per holiday date: skipped like weekends when a touch falls due"),
    ("Date order", "Auto", "How text dates like 4/7/2021 are read (Leads, Touches, Holidays, import): Day first, Month first, or Auto (only a date that reads one way, like 15/4/2021; import asks the file). ISO 2021-04-07 always works"),
    ("Import: default country", "GB", "Country (two letters, like GB, US, DE) of imported phone numbers written without +country code"),
    ("Import: fuzzy match threshold", 90, "How alike (0-100) two names at the same company must be for an import to treat them as one person"),
]  # fmt: skip
KEYS = [key for key, _, _ in DEFAULTS]
BASE_POINTS = "Score: base points"  # optional: written by `leadbook calibrate --apply`, default 0
# Groups of the fixed keys: "Grade: x" or "Cadence: x" is a typo, not points for a column.
_RESERVED_GROUPS = {s.header_key(g) for g in ("Engagement", "Grade", "Qualify", "Gate", "Reasons", "Cadence", "Outcome", "Score", "Holiday")}  # fmt: skip
BLANK_VALUE, OTHER_VALUE = "(blank)", "(other)"


@dataclass(frozen=True)
class Settings:
    """Parsed Settings: every weight, threshold and cadence rule in one value."""

    answer_points: dict[str, dict[str, float]] = field(default_factory=lambda: _copy(_ANSWER_POINTS))
    source_points: dict[str, float] = field(default_factory=lambda: dict(_SOURCE_POINTS))
    inbound_points: float = 4
    two_way_points: float = 8
    half_life_days: float = 14
    engagement_cap: float = 20
    grade_a: float = 70
    grade_b: float = 50
    grade_c: float = 30
    threshold: float = 50
    gate_need: bool = True
    gate_eligible: bool = True
    reasons_max: int = 4
    cadence_days: tuple[int, ...] = (1, 3, 7, 10, 14, 21, 28)
    first_touch_days: int = 1
    max_attempts: int = 10
    nurture_days: int = 30
    do_not_call_means: str = NO_CALLS
    not_interested_means: str = NO_CONTACT
    holidays: tuple[dt.date, ...] = ()
    date_order: str | None = None  # "day" / "month"; None: from the file
    import_country: str = "GB"
    import_threshold: float = 90
    base_points: float = 0
    # "Column: value" rows for any other Leads column (e.g. Industry: Retail), by column as written.
    column_points: dict[str, dict[str, float]] = field(default_factory=dict)


def _copy(points: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    return {q: dict(a) for q, a in points.items()}


def defaults_frame() -> pd.DataFrame:
    """The Settings sheet as leadbook first writes it."""
    return pd.DataFrame(DEFAULTS, columns=list(s.SETTINGS_COLUMNS))


MAX_POINTS = 1000  # a weight past this is a typo (scores are clipped to 0-100 anyway)


def _number(value: object) -> float:
    """A finite number within +-MAX_POINTS (inf, nan and 1e300 are typos, never weights)."""
    if isinstance(value, bool):
        raise ValueError
    number = float(value)  # type: ignore[arg-type]
    if not math.isfinite(number) or abs(number) > MAX_POINTS:
        raise ValueError
    return number


def _whole(value: object) -> int:
    number = _number(value)
    if number != int(number) or number < 0:
        raise ValueError
    return int(number)


def _yes_no(value: object) -> bool:
    text = str(value).strip().lower()
    if text in ("yes", "true", "1", "y"):
        return True
    if text in ("no", "false", "0", "n", ""):
        return False
    raise ValueError


MAX_DAYS = 365  # a cadence step past a year is a typo (dates would land in 2175)


def _days(value: object, least: int = 1) -> int:
    days = _whole(value)
    if not least <= days <= MAX_DAYS:
        raise ValueError
    return days


def _days_list(value: object) -> tuple[int, ...]:
    parts = [p for p in str(value).replace(";", ",").split(",") if p.strip()]
    days = tuple(_days(float(p)) for p in parts)
    if not days:
        raise ValueError
    return days


def _date(value: object, order: str | None) -> dt.date:
    """A Holiday: a date cell, an Excel serial (a date cell that lost its format) or a text date
    read by the same rule as Leads and Touches (ISO; otherwise by 'Date order')."""
    if isinstance(value, dt.date):
        return value if not isinstance(value, dt.datetime) else value.date()
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not SERIALS[0] <= value <= SERIALS[1]:
            raise ValueError
        return (EXCEL_EPOCH + pd.Timedelta(days=int(value))).date()
    stamps, ambiguous = read_text_dates(pd.Series([str(value)]), order)
    if ambiguous.iloc[0]:
        raise AmbiguousDate
    if pd.isna(stamps.iloc[0]):
        raise ValueError
    return stamps.iloc[0].date()


class AmbiguousDate(ValueError):
    """A text date like 03/04/2026 with no 'Date order' set."""


def _rule(value: object) -> str:
    text = str(value).strip().lower()
    for rule in OUTCOME_RULES:
        if rule.lower() == text:
            return rule
    raise ValueError


def _country(value: object) -> str:
    text = str(value).strip().upper()
    if len(text) != 2 or not text.isalpha():
        raise ValueError
    return text


def _percent(value: object) -> float:
    number = _number(value)
    if not 0 <= number <= 100:
        raise ValueError
    return number


def _order(value: object) -> str | None:
    return date_order(value)


_SCALARS = {
    "Engagement: inbound touch": ("inbound_points", _number, "a number"),
    "Engagement: two-way touch": ("two_way_points", _number, "a number"),
    "Engagement: half-life days": ("half_life_days", _number, "a number of days above 0"),
    "Engagement: cap": ("engagement_cap", _number, "a number"),
    "Grade A from": ("grade_a", _percent, "a score from 0 to 100"),
    "Grade B from": ("grade_b", _percent, "a score from 0 to 100"),
    "Grade C from": ("grade_c", _percent, "a score from 0 to 100"),
    "Qualify: score threshold": ("threshold", _percent, "a score from 0 to 100"),
    "Gate: Need = No disqualifies": ("gate_need", _yes_no, "Yes or No"),
    "Gate: Eligible = No disqualifies": ("gate_eligible", _yes_no, "Yes or No"),
    "Reasons: how many": ("reasons_max", _whole, "a whole number"),
    "Cadence: business days": (
        "cadence_days",
        _days_list,
        "whole numbers of days from 1 to 365, like 1, 3, 7",
    ),
    "Cadence: first touch business days": (
        "first_touch_days",
        lambda v: _days(v, 0),
        "a whole number of days from 0 to 365",
    ),
    "Cadence: max attempts": ("max_attempts", _whole, "a whole number"),
    "Cadence: nurture interval days": ("nurture_days", _days, "a whole number of days from 1 to 365"),
    "Outcome Do not call means": ("do_not_call_means", _rule, " / ".join(OUTCOME_RULES)),
    "Outcome Not interested means": ("not_interested_means", _rule, " / ".join(OUTCOME_RULES)),
    "Date order": ("date_order", _order, "Day first, Month first or Auto"),
    "Import: default country": ("import_country", _country, "a two-letter country code like GB or US"),
    "Import: fuzzy match threshold": ("import_threshold", _percent, "a number from 0 to 100"),
    BASE_POINTS: ("base_points", _number, "a number"),
}
_KEYS_BY_NORM = {s.header_key(k): k for k in (*KEYS, BASE_POINTS)}
_GROUPS_BY_NORM = {s.header_key(g): g for g in (*s.QUESTIONS, s.SOURCE)}


def points_key(key_cell: object) -> tuple[str, str] | None:
    """('Need', 'Maybe') or ('Industry', 'Retail') for a 'Column: value' points row, else None."""
    group, sep, value = str(key_cell).partition(":")
    group, value = group.strip(), value.strip()
    if not sep or not group or not value or s.header_key(group) in _RESERVED_GROUPS:
        return None
    return _GROUPS_BY_NORM.get(s.header_key(group), group), value


def resolve_key(key_cell: object) -> str | None:
    """The Settings key a row names: a fixed key, a 'Column: value' points row, or None."""
    key = _KEYS_BY_NORM.get(s.header_key(key_cell))
    generic = points_key(key_cell) if key is None else None
    return f"{generic[0]}: {generic[1]}" if generic is not None else key


def _table(fixed: dict[str, dict[str, float]], columns: dict[str, dict[str, float]], group: str) -> dict:
    """The points table a 'group: value' row goes into (a question, Source, or another column)."""
    if group in fixed:
        return fixed[group]
    return columns.setdefault(group, {})


def parse_settings(frame: pd.DataFrame | None) -> tuple[Settings, list[Problem]]:
    """Settings from the sheet's frame (index = Excel row), and a Problem for each bad row.

    Missing rows keep their default; a bad value keeps its default and is reported; so is a key
    given on two rows (neither is guessed to be the one meant) and a sheet without a Value column.
    """
    if frame is None:
        return Settings(), []
    missing = [c for c in (s.SETTING, s.SETTING_VALUE) if c not in frame.columns]
    if missing:
        return Settings(), [Problem(
            s.SETTINGS, 1, missing[0],
            f"the header row has no {missing[0]} column, so no setting could be read; put Setting and "
            "Value headers above the rows",
        )]  # fmt: skip
    rows = _keyed_rows(frame)
    problems = cell_errors(s.SETTINGS, frame) + [p for p in rows if isinstance(p, Problem)]
    rows = [r for r in rows if not isinstance(r, Problem)]
    values: dict[str, object] = {}
    tables = {s.SOURCE: dict(_SOURCE_POINTS), **_copy(_ANSWER_POINTS)}
    column_points: dict[str, dict[str, float]] = {}
    holidays = [(row, value) for row, key, value in rows if key == "Holiday"]
    for row, key, value in rows:
        try:
            if key in _SCALARS:
                attr, parse, _ = _SCALARS[key]
                values[attr] = parse(value)
            elif key != "Holiday":
                group, answer = key.split(": ", 1)
                _table(tables, column_points, group)[answer] = _number(value)
        except (ValueError, TypeError):
            problems.append(_bad_value(row, key, value))
    days, bad_days = _holidays(holidays, values.get("date_order"))
    settings = Settings(
        answer_points={q: tables[q] for q in _ANSWER_POINTS},
        source_points=tables[s.SOURCE],
        column_points=column_points,
        holidays=days,
        **values,  # type: ignore[arg-type]
    )
    return settings, sorted(problems + bad_days, key=lambda p: p.row or 0) + _consistency(settings, frame)


def _keyed_rows(frame: pd.DataFrame) -> list[tuple[int, str, object] | Problem]:
    """(row, key, value) for each filled row; a Problem for an unknown key or a key seen before."""
    out: list[tuple[int, str, object] | Problem] = []
    seen: dict[str, int] = {}
    for row, key_cell, value in zip(frame.index, frame[s.SETTING], frame[s.SETTING_VALUE], strict=True):
        if _blank(key_cell):
            continue
        key = resolve_key(key_cell)
        if key is None:
            out.append(
                Problem(s.SETTINGS, int(row), s.SETTING, f"unknown setting {key_cell!r}; leadbook ignores it")
            )
            continue
        norm = s.header_key(key)
        if norm in seen and key != "Holiday":
            out.append(Problem(
                s.SETTINGS, int(row), s.SETTING,
                f"{key!r} is set on row {seen[norm]} and again on row {int(row)}; keep one of the two rows",
            ))  # fmt: skip
            continue
        seen.setdefault(norm, int(row))
        if not _blank(value) or key == "Holiday":
            out.append((int(row), key, value))
    return out


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or str(value).strip() == ""


def _bad_value(row: int, key: str, value: object) -> Problem:
    expected = _SCALARS[key][2] if key in _SCALARS else "a number"
    return Problem(s.SETTINGS, row, s.SETTING_VALUE, f"{key!r} is {value!r}; it must be {expected}")


def _holidays(rows: list[tuple[int, object]], order: object) -> tuple[tuple[dt.date, ...], list[Problem]]:
    """The Holiday dates (read by 'Date order', like every text date), and the rows that are not dates."""
    days, problems = [], []
    for row, value in rows:
        if _blank(value):
            continue
        try:
            days.append(_date(value, order if isinstance(order, str) else None))
        except AmbiguousDate:
            problems.append(Problem(s.SETTINGS, row, s.SETTING_VALUE, f"Holiday {ambiguous_message(value)}"))
        except (ValueError, TypeError, OverflowError):
            problems.append(
                Problem(s.SETTINGS, row, s.SETTING_VALUE, f"'Holiday' is {value!r}; it must be a date")
            )
    return tuple(sorted(days)), problems


def _consistency(settings: Settings, frame: pd.DataFrame) -> list[Problem]:
    rows = {
        _KEYS_BY_NORM.get(s.header_key(k)): int(r) for r, k in zip(frame.index, frame[s.SETTING], strict=True)
    }
    problems = []
    if not settings.grade_a >= settings.grade_b >= settings.grade_c:
        problems.append(
            Problem(
                s.SETTINGS,
                rows.get("Grade A from"),
                s.SETTING_VALUE,
                "grade thresholds must fall: A >= B >= C",
            )
        )
    if settings.engagement_cap >= settings.threshold:
        problems.append(Problem(
            s.SETTINGS, rows.get("Engagement: cap"), s.SETTING_VALUE,
            "the engagement cap must stay below the qualify threshold, or engagement alone could qualify a poor fit",
        ))  # fmt: skip
    if settings.half_life_days <= 0:
        problems.append(
            Problem(
                s.SETTINGS,
                rows.get("Engagement: half-life days"),
                s.SETTING_VALUE,
                "half-life must be above 0 days",
            )
        )
    return problems


def settings_or_raise(frame: pd.DataFrame | None) -> Settings:
    """Settings for an action that must not run on bad weights: raise on the first bad row."""
    return checked_settings(frame)[0]


def checked_settings(frame: pd.DataFrame | None) -> tuple[Settings, list[Problem]]:
    """`settings_or_raise`, with what it let pass (unknown settings) for the skipped-rows count."""
    settings, problems = parse_settings(frame)
    errors = [p for p in problems if not p.message.startswith("unknown setting")]
    if errors:
        first = errors[0]
        raise LeadbookError(
            first.message + "; fix it on the Settings sheet", first.sheet, first.row, first.column
        )
    return settings, problems
