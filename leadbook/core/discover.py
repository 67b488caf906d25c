"""Find a tracker's leads sheet, touch log and prospects sheet, their header rows and columns.

By the sheet's name first ("Calls", "CRM", "Opportunities"...), failing that by its headers and
content. Each guess says how sure it is; an unsure one becomes a sentence naming the adopt
option that settles it, so adopt asks instead of guessing silently.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from leadbook.core import schema as s
from leadbook.core.mapping import OURS, OWN, ROLES, Mapping, SheetMap, filled, resolve_leads

SCAN_ROWS = 60  # a header is looked for this far down (title blocks, notes above the table)
NAMES = {
    s.LEADS: (
        "leads", "lead", "lead list", "lead tracker", "leads tracker", "crm", "pipeline", "sales pipeline",
        "client tracker", "clients", "contacts", "customers", "customer list", "sheet1", "tracker",
    ),
    s.TOUCHES: (
        "touches", "touch log", "calls", "call log", "calllog", "contact log", "contactlog", "activities",
        "activity", "activity log", "history", "follow-ups", "followups", "interactions", "contact history",
    ),
    s.PROSPECTS: ("prospects", "opportunities", "opportunity", "deals", "deal pipeline", "qualified"),
}  # fmt: skip
_KEYS = {role: {s.header_key(n) for n in names} for role, names in NAMES.items()}
# Columns that tell a role's sheet apart (Name/Company/Email are on Prospects too).
SIGNS = {
    s.LEADS: (s.NAME, s.COMPANY, s.EMAIL, s.PHONE, s.SOURCE, s.TITLE, *s.QUESTIONS, s.LEAD_ID),
    s.TOUCHES: (s.KIND, s.DIRECTION, s.OUTCOME, s.NEXT_DATE),
    s.PROSPECTS: (s.STAGE, s.VALUE, s.CLOSED_ON, s.NEXT_STEP),
}
OPTION = {s.LEADS: "--leads-sheet", s.TOUCHES: "--touches-sheet", s.PROSPECTS: "--prospects-sheet"}
# What leadbook writes in its own Leads columns: anything else there is the team's.
_FOLLOW = ("do not contact", "done", "nurture", "due today", "planned", "overdue")


@dataclass
class Candidate:
    sheet: str
    header: int  # 1-based
    score: float
    by_name: bool
    columns: int


def header_row(rows: list[list[object]]) -> tuple[int, int]:
    """(1-based header row, contract headers on it): the row with the most known headers, text only
    (a title beside a date is not a header); 0 when none has two."""
    best, count = 0, 0
    known = {k for role in ROLES for k in s._LOOKUPS[role]}
    for i, row in enumerate(rows[:SCAN_ROWS], 1):
        cells = [v for v in row if filled(v)]
        if len(cells) < 2 or not all(isinstance(v, str) for v in cells):
            continue
        hits = len({s.header_key(v) for v in cells} & known)
        if hits > count:
            best, count = i, hits
    return best, count


def _candidate(role: str, sheet: str, rows: list[list[object]], header: int | None) -> Candidate:
    found, _ = header_row(rows)
    top = header or found
    headers = rows[top - 1] if top and len(rows) >= top else []
    mapped = set(s.map_headers(role, headers).values())
    columns = len(mapped & set(SIGNS[role]))
    by_name = s.header_key(sheet) in _KEYS[role]
    if role == s.TOUCHES and s.DATE not in mapped:
        columns = 0  # a touch log without dates cannot count a touch
    return Candidate(sheet, top, 3 * by_name + columns, by_name, columns)


def _pick(role: str, candidates: list[Candidate], mapping: Mapping) -> Candidate | None:
    """The role's sheet; an unsure pick (a tie, or headers alone and few) adds a sentence."""
    ranked = sorted(candidates, key=lambda c: -c.score)
    need = 1 if role != s.LEADS else 2
    usable = [c for c in ranked if c.header and (c.by_name and c.columns >= 1 or c.columns >= need + 1)]
    if not usable:
        weak = [c.sheet for c in ranked if c.header and c.score > 0]
        if role == s.LEADS or weak:
            names = ", ".join(repr(n) for n in weak) or "none of the sheets"
            mapping.unsure.append(
                f"adopt could not tell which sheet holds your {role.lower()} (candidates: {names}); "
                f"run again with {OPTION[role]} NAME"
                + ("" if role == s.LEADS else f" or {OPTION[role]} none")
            )
        return None
    first = usable[0]
    if len(usable) > 1 and usable[1].score == first.score:
        mapping.unsure.append(
            f"{first.sheet!r} and {usable[1].sheet!r} both look like your {role.lower()}; "
            f"run again with {OPTION[role]} NAME"
        )
        return None
    return first


def _theirs(column: str, values: pd.Series) -> bool:
    """Whether a Leads column named like an owned one holds the team's own values."""
    values = values[values.map(filled)]
    if values.empty:
        return False
    text = values.astype(str).str.strip().str.lower()
    if column == s.STATUS:
        return not text.isin([v.lower() for v in s.STATUSES]).all()
    if column == s.FOLLOW_UP:
        return not text.str.startswith(_FOLLOW).all()
    if column == s.GRADE:
        return not text.isin(list("abcd")).all()
    if column in (s.SCORE, s.TOUCH_COUNT):
        return not values.map(lambda v: isinstance(v, int | float) and not isinstance(v, bool)).all()
    if column in (s.LAST_TOUCH, s.NEXT_TOUCH, s.QUALIFIED_ON):
        return not values.map(lambda v: isinstance(v, dt.date)).all()
    return False


def sample_frame(rows: list[list[object]], header: int) -> pd.DataFrame:
    """Up to 200 rows below the header, columns by position (1-based)."""
    body = rows[header : header + 200]
    width = max([len(r) for r in body] + [0])
    return pd.DataFrame([list(r) + [None] * (width - len(r)) for r in body], columns=range(1, width + 1))


def columns_for(role: str, rows: list[list[object]], header: int) -> tuple[dict[str, str], list[str]]:
    """Contract column -> header where they differ, and notes on the team's columns kept as theirs."""
    headers = list(rows[header - 1])
    body = sample_frame(rows, header)
    mapped = s.map_headers(role, headers)
    columns, notes = {}, []
    present = {s.header_key(h) for h in headers if filled(h)}
    for i, h in enumerate(headers, 1):
        if not filled(h) or mapped.get(str(h)) not in s.COLUMNS[role]:
            continue
        column = mapped[str(h)]
        if role == s.LEADS and column in s.LEAD_OWNED_COLUMNS and i in body and _theirs(column, body[i]):
            ours = f"{column}{OURS}"
            columns[column] = ours
            notes.append(f"{role}: your column {str(h)!r} stays yours; leadbook writes {ours!r}")
        elif str(h) != column and column not in columns:
            columns[column] = str(h)
    for column in s.COLUMNS[role]:  # a column to add whose name the team already uses elsewhere
        if column not in columns and column not in mapped.values() and s.header_key(column) in present:
            columns[column] = f"{column}{OURS}"
    return columns, notes


def reference(touches: pd.DataFrame, leads: pd.DataFrame) -> tuple[str | None, str | None, float]:
    """(touch header, lead column it matches, share matched) for a log keyed by name/company/email."""
    best: tuple[str | None, str | None, float] = (None, None, 0.0)
    for header in touches.columns:
        refs = touches[header].dropna()
        if refs.empty or not refs.map(lambda v: isinstance(v, str)).all():
            continue
        for by in (s.EMAIL, s.COMPANY, s.NAME, s.LEAD_ID):
            if by not in leads:
                continue
            frame = pd.DataFrame({s.LEAD_ID: refs})
            ids = leads if s.LEAD_ID in leads else leads.assign(**{s.LEAD_ID: leads.index.astype(str)})
            hit = (
                resolve_leads(frame, ids, by).ne(refs).mean()
                if by != s.LEAD_ID
                else refs.isin(ids[by]).mean()
            )
            if hit > best[2]:
                best = (str(header), by, float(hit))
    return best


def discover(
    samples: dict[str, list[list[object]]],
    chosen: dict[str, str | None] | None = None,
    header_rows: dict[str, int] | None = None,
) -> Mapping:
    """The mapping of a book from each sheet's first rows. `chosen`: role -> sheet named by an
    option (None: leadbook adds its own); `header_rows`: sheet -> header row given by an option."""
    chosen, header_rows = chosen or {}, header_rows or {}
    mapping, taken = Mapping(), set()
    for role in ROLES:
        if role in chosen:
            name = chosen[role]
            if name is None:
                continue
            candidate = _candidate(role, name, samples[name], header_rows.get(name))
            found_by, sure = "option", "sure"
        else:
            pool = [_candidate(role, n, r, header_rows.get(n)) for n, r in samples.items() if n not in taken]
            candidate = _pick(role, pool, mapping)
            if candidate is None:
                continue
            found_by = "name" if candidate.by_name else "headers"
            sure = "sure" if candidate.by_name or candidate.columns >= 3 else "fairly sure"
        if not candidate.header:
            mapping.unsure.append(
                f"no header row found on {candidate.sheet!r}; run again with --header-row N"
            )
            continue
        taken.add(candidate.sheet)
        columns, notes = columns_for(role, samples[candidate.sheet], candidate.header)
        mapping.sheets[role] = SheetMap(
            role, candidate.sheet, candidate.header, columns, sure=sure, found_by=found_by
        )
        mapping.notes += notes
    _touch_reference(mapping, samples)
    _own_sheets(mapping, samples)
    return mapping


def _is_ours(role: str, rows: list[list[object]]) -> bool:
    """Whether a sheet named like Settings / Summary / Log is leadbook's own (or empty)."""
    cells = [str(v).strip() for row in rows[:20] for v in row if filled(v)]
    if not cells:
        return True
    if role == s.SUMMARY:
        return cells[0].startswith("Summary as of")
    headers = {s.header_key(c) for c in cells}
    need = {s.SETTINGS: (s.SETTING, s.SETTING_VALUE), s.LOG: (s.WHEN, s.ACTION)}[role]
    return all(s.header_key(c) in headers for c in need)


def _own_sheets(mapping: Mapping, samples: dict[str, list[list[object]]]) -> None:
    """A team's own sheet called Settings, Summary or Log stays theirs; leadbook uses "X (leadbook)"."""
    names = {n.lower(): n for n in samples}
    used = {m.name.lower() for m in mapping.sheets.values()}
    for role in OWN:
        mine = names.get(f"{role}{OURS}".lower())
        theirs = names.get(role.lower())
        if mine or (theirs and (theirs.lower() in used or not _is_ours(role, samples[theirs]))):
            name = mine or f"{role}{OURS}"
            mapping.sheets[role] = SheetMap(role, name, 0, found_by="stored" if mine else "new")
            if theirs and not mine:
                mapping.notes.append(f"your sheet {theirs!r} stays yours; leadbook keeps its own in {name!r}")


def _touch_reference(mapping: Mapping, samples: dict[str, list[list[object]]]) -> None:
    """A touch log without a Lead ID column: its lead column found by what it holds."""
    touches, leads = mapping.sheets.get(s.TOUCHES), mapping.sheets.get(s.LEADS)
    if touches is None or leads is None:
        return
    rows = samples[touches.name]
    if s.LEAD_ID in s.map_headers(s.TOUCHES, rows[touches.header - 1]).values():
        return
    lead_rows = samples[leads.name]
    lead_frame = sample_frame(lead_rows, leads.header)
    named = s.map_headers(s.LEADS, lead_rows[leads.header - 1])
    headers = list(lead_rows[leads.header - 1])
    lead_frame.columns = [
        named.get(str(h), str(h)) if i < len(headers) else i
        for i, h in enumerate(headers + [None] * (len(lead_frame.columns) - len(headers)))
    ]
    lead_frame = lead_frame.loc[:, ~lead_frame.columns.duplicated()]
    touch_frame = sample_frame(rows, touches.header)
    touch_headers = list(rows[touches.header - 1])
    mapped = s.map_headers(s.TOUCHES, touch_headers)
    free = [i for i, h in enumerate(touch_headers, 1) if filled(h) and mapped[str(h)] not in s.TOUCH_COLUMNS]
    touch_frame = touch_frame[[i for i in free if i in touch_frame]]
    touch_frame.columns = [str(touch_headers[i - 1]) for i in touch_frame.columns]
    header, by, share = reference(touch_frame, lead_frame)
    if header is None or share < 0.5:
        mapping.unsure.append(
            f"the touch log {touches.name!r} has no Lead ID column and none of its columns names your leads; "
            "add a Lead ID column to it, or run again with --touches-sheet none"
        )
        return
    touches.columns[s.LEAD_ID] = header
    touches.lead_by = by
    if share < 0.8:
        touches.sure = f"fairly sure: {share:.0%} of {header!r} match a lead's {by.lower()}"
    mapping.notes.append(
        f"{touches.name}: a touch's lead is its {header!r} column, matched to the lead's {by}"
    )
