"""Set a workbook up from inside Excel: the live twin of `leadbook new` and `leadbook adopt`.

**New leadbook sheets** adds the contract sheets the open workbook lacks (header row, a table
named like the sheet, the Settings defaults, dropdowns on the answer columns, the Follow-up
colours on Leads); **Adopt** also gives the contract sheets it has their missing columns (after
the last one, inside their table) and the Settings rows they lack. Nothing a team typed is
moved or overwritten. Where an Excel client cannot add tables, dropdowns or colour rules, the
cells are still written and the message says what was skipped.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from leadbook.book import live_read as lr
from leadbook.book.highlights import HIGHLIGHTS, MAX_ROW, highlight_formula
from leadbook.book.live_write import Flush, SheetValues
from leadbook.core import schema as s
from leadbook.core.excelref import column_letter
from leadbook.core.mapping import OURS
from leadbook.core.problems import LeadbookError
from leadbook.core.settings import defaults_frame

SETTINGS_OURS = f"{s.SETTINGS}{OURS}"  # leadbook's Settings in a tracker that has its own
# What setting up reads: each contract sheet's header, and the keys already on Settings.
NEEDS = {
    **{sheet: lr.Need(rows="header") for sheet in s.COLUMNS},
    s.SETTINGS: lr.Need(columns=(s.SETTING,)),
    SETTINGS_OURS: lr.Need(columns=(s.SETTING,)),
}
TABLE_STYLE = "TableStyleMedium2"
DATE_FORMAT = "yyyy-mm-dd"  # as `leadbook new` formats date cells
# Closed lists only: xlwings cannot set a warning-style alert, and a strict list on Source
# would refuse a team's own sources (the file's `adopt` adds it as a warning).
DROPDOWN_SKIP = {s.SOURCE}
NO_TABLES = "tables were not added: this Excel client cannot add them (the headers are there)"
NO_DROPDOWNS = "dropdowns were not added: this Excel client cannot add them (xlwings 0.37.5 or later can)"
NO_COLOURS = "the Follow-up colours were not added: this Excel client cannot add conditional formats"


@dataclass
class Setup:
    """What setting up adds: new sheets, columns per sheet, Settings rows, and the headers mapped."""

    sheets: list[SheetValues] = field(default_factory=list)
    columns: dict[str, list[str]] = field(default_factory=dict)
    settings_rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    mapping: dict[str, dict[str, str]] = field(default_factory=dict)
    fresh: list[str] = field(default_factory=list)  # existing sheets that were empty: header from A1
    colours: bool = False  # the Follow-up colour rules were added (set by setup_steps)

    def added(self) -> list[str]:
        """What was added, one line per kind: sheets, each sheet's columns, Settings rows."""
        out = []
        if self.sheets:
            out.append("sheets " + ", ".join(op.sheet for op in self.sheets))
        out += [f"{sheet} columns " + ", ".join(cols) for sheet, cols in self.columns.items()]
        if len(self.settings_rows):
            out.append(f"{len(self.settings_rows)} Settings rows with their defaults")
        if self.colours:
            out.append("the Follow-up colours on Leads (Next touch and Follow-up)")
        return out


def _default_rows(frame: pd.DataFrame) -> list[list[object]]:
    return [[None if pd.isna(v) else v for v in row] for row in frame.to_numpy(dtype=object)]


def setup_plan(live: Any, adopt: bool) -> Setup:
    """Decide what to add to the open workbook (read: each contract sheet's header, Settings keys)."""
    present = {n.lower() for n in live.sheet_names()}
    _refuse_a_stored_mapping(live)
    setup = Setup()
    for sheet in s.SHEETS:
        if sheet.lower() in present:
            continue
        rows = [list(s.COLUMNS[sheet])] if sheet in s.COLUMNS else []
        if sheet == s.SETTINGS:
            rows += _default_rows(defaults_frame())
        setup.sheets.append(SheetValues(sheet, rows))
    if not adopt:
        return setup
    for sheet in (s.LEADS, s.PROSPECTS, s.TOUCHES, s.LOG, s.SETTINGS):
        if sheet.lower() not in present:
            continue
        positions = live.positions(sheet)
        if not positions and _empty(live, sheet):
            setup.fresh.append(sheet)
        missing = [c for c in s.COLUMNS[sheet] if c not in positions]
        if missing:
            setup.columns[sheet] = missing
        headers = live._data[live._name(sheet)].headers
        mapping = s.map_headers(sheet, headers)
        setup.mapping[sheet] = {h: c for h, c in mapping.items() if h != c and c in s.COLUMNS[sheet]}
    if s.SETTINGS.lower() in present:
        frame = live.read(s.SETTINGS)
        have = (
            set()
            if frame is None or s.SETTING not in frame
            else set(frame[s.SETTING].dropna().map(s.header_key))
        )
        defaults = defaults_frame()
        setup.settings_rows = defaults[~defaults[s.SETTING].map(s.header_key).isin(have)].reset_index(
            drop=True
        )
    return setup


def _refuse_a_stored_mapping(live: Any) -> None:
    """A tracker `leadbook adopt` mapped (its own sheet names, "Map: ..." rows) is not set up here:
    Excel's Adopt knows only leadbook's own sheet names and would add a second Leads beside it."""
    settings = live.own_sheet(s.SETTINGS)  # reads the stored mapping, if not read yet
    if live.mapping is not None:
        raise LeadbookError(
            'this workbook was adopted with its own sheet and column names (the "Map: ..." rows); '
            "Adopt and New leadbook sheets in Excel do not read those yet. Run `leadbook adopt` "
            "on the saved file to change what it uses",
            live._name(settings),
        )


def _empty(live: Any, sheet: str) -> bool:
    data = live._data[live._name(sheet)]
    return data.last_row <= data.header_line and all(h in (None, "") for h in data.headers)


def setup_steps(live: Any, setup: Setup) -> lr.Step:
    """Write the setup: columns and Settings rows on existing sheets, then the new sheets, then
    tables, dropdowns and the Follow-up colours where the client can add them."""
    for sheet, columns in setup.columns.items():
        yield from live._set_cells_steps(sheet, pd.DataFrame(columns=columns, index=pd.RangeIndex(0, 0)))
    if len(setup.settings_rows):
        yield from live._append_steps(s.SETTINGS, setup.settings_rows)
    for op in setup.sheets:
        yield from live._values_steps(op)
        if op.rows:  # what the new sheet holds, so nothing below reads it back
            header = list(op.rows[0])
            positions = {c: i for i, c in enumerate(header, start=1)}
            live._data[live._name(op.sheet)] = lr.SheetData(1, header, positions, len(op.rows))
    for sheet in [op.sheet for op in setup.sheets if op.sheet in s.COLUMNS] + setup.fresh:
        _add_table(live, sheet)
    dropdowns = {op.sheet: list(s.COLUMNS[op.sheet]) for op in setup.sheets if op.sheet in s.COLUMNS}
    for sheet, columns in setup.columns.items():
        dropdowns.setdefault(sheet, []).extend(columns)
    _add_dropdowns(live, dropdowns)
    _date_formats(live, dropdowns)
    # the rules are looked for on Follow-up: a new Follow-up column has none (else ask the client)
    new_leads = any(op.sheet == s.LEADS for op in setup.sheets) or s.LEADS in setup.fresh
    setup.colours = yield from highlight_steps(
        live, known_absent=new_leads or s.FOLLOW_UP in setup.columns.get(s.LEADS, ())
    )
    yield Flush("tables, dropdowns and colours")


def _add_table(live: Any, sheet: str) -> None:
    """A table named like the sheet over its header and one body row (as `leadbook new` makes it)."""
    ws = live.sheet(sheet)
    width = len(s.COLUMNS[sheet])
    last = max(2, live._data[live._name(sheet)].last_row)
    try:
        taken = {t.name.lower() for other in live.book.sheets for t in other.tables}
        name = sheet.replace(" ", "_")
        table = ws.tables.add(
            source=ws.range((1, 1), (last, width)),
            name=None if name.lower() in taken else name,  # a name Excel refuses: let it pick one
            table_style_name=TABLE_STYLE,
        )
    except (AttributeError, NotImplementedError, KeyError):
        if NO_TABLES not in live.notes:
            live.notes.append(NO_TABLES)
        return
    live._tables[live._name(sheet) or sheet] = (table, (1, 1, last, width))


def _add_dropdowns(live: Any, columns: dict[str, list[str]]) -> None:
    """List validations on the answer columns named (new sheets and new columns: none there yet)."""
    for sheet, names in columns.items():
        choices = s.CHOICES.get(sheet, {})
        wanted = [c for c in names if c in choices and c not in DROPDOWN_SKIP]
        if not wanted:
            continue
        ws = live.sheet(sheet)
        data = live._data[live._name(sheet)]  # read or just written: no request here
        positions, line = data.positions, data.header_line + 1
        for column in wanted:
            col = positions.get(column)
            if col is None:
                continue
            try:
                ws.range((line, col), (MAX_ROW, col)).data_validation.set_list(list(choices[column]))
            except (AttributeError, NotImplementedError, TypeError):
                if NO_DROPDOWNS not in live.notes:
                    live.notes.append(NO_DROPDOWNS)
                return


def _date_formats(live: Any, columns: dict[str, list[str]]) -> None:
    """A date format on the new date columns, so that dates typed, written or returned by a
    function (LB_NEXT_TOUCH on the desktop returns a date, which a General cell shows as a number)
    show as dates."""
    for sheet, names in columns.items():
        data = live._data[live._name(sheet)]
        ws = live.sheet(sheet)
        for column in [c for c in names if c in s.DATE_COLUMNS.get(sheet, ())]:
            col = data.positions.get(column)
            if col is None:
                continue
            with contextlib.suppress(AttributeError, NotImplementedError):
                ws.range((data.header_line + 1, col), (MAX_ROW, col)).number_format = DATE_FORMAT


_OURS = re.compile(r'7\)="OVERDUE"')


def is_highlight_rule(formula: object) -> bool:
    """True for leadbook's Overdue rule, however the client spells it (relative refs, `;`, locale)."""
    return bool(_OURS.search(re.sub(r"[\s$]", "", str(formula or "")).upper()))


def highlight_steps(live: Any, known_absent: bool = False) -> lr.Step:
    """Put the Follow-up colour rules on Leads' Next touch and Follow-up columns when they are gone.

    Whether they are there is asked of the client (desktop COM, xlwings Lite's async API); a client
    that cannot say (xlwings Server's synchronous engine) gets none, so a refresh never stacks
    copies. Returns True when the rules were added.
    """
    name = live._name(live.own_sheet(s.LEADS))  # on a mapped book, the team's leads sheet
    if name is None:
        return False
    data = yield from live._data_steps(name, lr.Need(rows="header"))
    positions = data.positions
    if s.FOLLOW_UP not in positions or s.NEXT_TOUCH not in positions:
        return False
    line = data.header_line + 1
    follow = positions[s.FOLLOW_UP]
    if not known_absent:
        formulas = yield (name, lr.Request(line, follow, line, follow, rules=True))
        if formulas is None or any(is_highlight_rule(f) for f in formulas):
            return False
    ws = live.sheet(name)
    cell = f"${column_letter(follow)}{line}"
    try:
        for column in (positions[s.NEXT_TOUCH], follow):
            rules = ws.range((line, column), (MAX_ROW, column)).conditional_formats
            for state, fill, font in reversed(HIGHLIGHTS):  # each new rule goes on top: Overdue first
                rules.add_custom(
                    "=" + highlight_formula(state, cell),
                    fill_color="#" + fill,
                    font_color="#" + font,
                    stop_if_true=True,
                )
    except (AttributeError, NotImplementedError):
        live.notes.append(NO_COLOURS)
        return False
    return True
