"""What `check` says about the mapping: the one in use, repeated headers, touch logs left unread."""

from __future__ import annotations

from leadbook.core import schema as s
from leadbook.core.discover import OPTION, _candidate
from leadbook.core.mapping import OWN, ROLES, Mapping, duplicate_headers, letter
from leadbook.core.problems import Problem


def mapping_lines(mapping: Mapping | None) -> list[str]:
    """One line per role whose sheet is not the contract's own, as adopt stored it."""
    if mapping is None:
        return []
    lines = []
    for role, found in mapping.sheets.items():
        where = f" (header row {found.header})" if found.header else ""
        lines.append(f"{role} is read from {found.name!r}{where}")
        lines += [f"  {role} column {c!r} is {h!r}" for c, h in found.columns.items()]
        if role == s.TOUCHES and found.lead_by != s.LEAD_ID:
            lines.append(f"  a touch's lead is matched by {found.lead_by}")
    return lines


def mapping_problems(
    samples: dict[str, list[list[object]]], mapping: Mapping | None, headers: dict[str, int]
) -> list[Problem]:
    """Repeated headers on the sheets leadbook reads, and other sheets that look like a touch log.

    `headers`: role -> the 1-based header row in use on its sheet."""
    mapping = mapping or Mapping()
    problems = []
    used = {mapping.name(r).lower() for r in (*ROLES, *OWN)}
    for role, row in headers.items():
        rows = samples.get(mapping.name(role), [])
        if not row or len(rows) < row:
            continue
        for first, repeat, header in duplicate_headers(list(rows[row - 1])):
            problems.append(Problem(
                mapping.name(role), row, header,
                f"column {letter(repeat)} repeats the header of column {letter(first)}; leadbook reads "
                f"column {letter(first)} only: rename one of them",
            ))  # fmt: skip
    for name, rows in samples.items():
        if name.lower() in used:
            continue
        candidate = _candidate(s.TOUCHES, name, rows, None)
        if candidate.header and candidate.columns >= 1:
            problems.append(Problem(
                name, candidate.header, None,
                f"looks like a touch log but leadbook reads touches from {mapping.name(s.TOUCHES)!r}; to use it, "
                f"run `leadbook adopt {OPTION[s.TOUCHES]} \"{name}\"`",
            ))  # fmt: skip
    return problems
