"""What moving a list's totals rows down means for the references that point at them.

`Move` says which rows move and how far; `moved_formula` rewrites a formula that moves with them
(A1 references into the rows that move follow them, a range ending at the list's last data row
grows over the new rows, structured references such as `Table1[Amount]` are left as they are);
`refuse_refs` refuses, naming where, a formula that stays put but points into the rows that move.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from leadbook.core.problems import LeadbookError

if TYPE_CHECKING:
    from openpyxl.formula.tokenizer import Tokenizer

_AREA = re.compile(
    r"(?P<c1>\$?[A-Za-z]{1,3})?(?P<a1>\$?)(?P<r1>\d+)?(?::(?P<c2>\$?[A-Za-z]{1,3})?(?P<a2>\$?)(?P<r2>\d+)?)?"
)

MAX_ROW = 1_048_576


@dataclass(frozen=True)
class Move:
    """The rows from `at` down (the totals rows and the blank rows below) move down `by` rows, so that
    the new rows `first_new`..`new_last` go above the totals, as in an Excel table with a Total Row."""

    sheet: str
    at: int
    by: int
    first_new: int
    new_last: int
    totals: frozenset[int]  # the only rows at or below `at` that may hold cells

    @property
    def last_data(self) -> int:
        """The list's last data row before the new rows (a range ending here, or below it, grows)."""
        return self.first_new - 1

    @property
    def last_total(self) -> int:
        return max(self.totals)

    def row(self, r: int) -> int:
        """Where row `r` ends up (a range reaching the sheet's last row keeps ending there, as in Excel)."""
        return min(r + self.by, MAX_ROW) if r >= self.at else r

    def keeps(self, r1: int, r2: int) -> bool:
        """Whether a range that stays put still means what it meant: it ends above the rows that move,
        or starts above them and reaches past where the last totals row goes."""
        return r2 < self.at or (r1 < self.at and r2 >= self.last_total + self.by)


def _split(value: str) -> tuple[str | None, str]:
    """(sheet named in a reference, or None; the cell part)."""
    if "!" not in value:
        return None, value
    prefix, ref = value.rsplit("!", 1)
    if prefix.startswith("'") and prefix.endswith("'"):
        prefix = prefix[1:-1].replace("''", "'")
    return prefix, ref


def _rows(ref: str) -> tuple[re.Match[str], int, int] | None:
    """The reference's match and first / last row; None for a name, a whole column or a structured ref."""
    m = _AREA.fullmatch(ref)
    if m is None or m["r1"] is None or (m["c2"] is not None and m["r2"] is None):
        return None
    r1 = int(m["r1"])
    r2 = int(m["r2"]) if m["r2"] is not None else r1
    return m, r1, r2


def _with_rows(m: re.Match[str], r1: int, r2: int) -> str:
    text = f"{m['c1'] or ''}{m['a1']}{r1}"
    if m["r2"] is not None or m["c2"] is not None:
        text += f":{m['c2'] or ''}{m['a2']}{r2}"
    return text


def _ranges(text: str) -> Tokenizer | None:
    """The formula's tokens (None when it cannot be parsed)."""
    # openpyxl (0.08 s to import) only when a formula must be read: most writes move no totals
    from openpyxl.formula.tokenizer import Tokenizer, TokenizerError

    try:
        tokens = Tokenizer("=" + text)
    except (TokenizerError, IndexError, ValueError):
        return None
    return tokens


def sheet_refs(text: str, sheet: str, local: bool) -> Iterator[tuple[str, int, int]]:
    """(reference text, first row, last row) of each A1 reference in a formula to rows of `sheet`
    (`local`: the formula is on that sheet, so an unqualified reference is to it too)."""
    tokens = _ranges(text)
    if tokens is None:
        yield text, MAX_ROW, MAX_ROW  # a formula leadbook cannot read: taken as pointing at rows that move
        return
    for token in tokens.items:
        if token.type != "OPERAND" or token.subtype != "RANGE" or "[" in token.value:
            continue
        prefix, ref = _split(token.value)
        if (prefix is None and not local) or (prefix is not None and not _names(prefix, sheet)):
            continue
        found = _rows(ref)
        if found is not None:
            yield token.value, found[1], found[2]


def _names(prefix: str, sheet: str) -> bool:
    """Whether a reference's sheet part is (or, for a 3-D span `A:C`, may include) `sheet`."""
    return prefix.lower() == sheet.lower() or (":" in prefix and not prefix.startswith("["))


def refuse_refs(text: str, move: Move, local: bool, where: str) -> None:
    """Refuse a formula (or range) that stays where it is but points into the rows that move."""
    for ref, r1, r2 in sheet_refs(text, move.sheet, local):
        if not move.keeps(r1, r2):
            raise refusal(move, f"{where} refers to {ref}, which would then point at other cells")


def refusal(move: Move, what: str) -> LeadbookError:
    rows = "row" if move.by == 1 else f"{move.by} rows"
    return LeadbookError(
        f"leadbook adds the new rows above the totals row {move.at}, moving it down, but {what}; "
        f"in Excel insert {rows} above row {move.at} (Excel moves what points at it), then run again",
        move.sheet,
        move.at,
    )


def moved_formula(text: str, move: Move) -> str:
    """A formula in a row that moves, rewritten (XML-escaped text in, XML-escaped text out)."""
    plain = html.unescape(text)
    tokens = _ranges(plain)
    if tokens is None:
        raise refusal(move, f"leadbook cannot read the formula {plain!r} in the rows that move")
    changed = False
    for token in tokens.items:
        if token.type != "OPERAND" or token.subtype != "RANGE" or "[" in token.value:
            continue
        prefix, ref = _split(token.value)
        if prefix is not None and not _names(prefix, move.sheet):
            continue
        found = _rows(ref)
        if found is None:
            continue
        m, r1, r2 = found
        n1, n2 = move.row(r1), move.row(r2)
        is_range = m["r2"] is not None
        if is_range and r1 <= move.last_data <= r2 < move.at:  # the data column's range: over the new rows
            n2 = max(r2, move.new_last)
        if (n1, n2) != (r1, r2):
            head = token.value[: len(token.value) - len(ref)]
            token.value = head + _with_rows(m, n1, n2)
            changed = True
    if not changed:
        return text
    return html.escape(tokens.render()[1:], quote=False)


def move_range(ref: str, move: Move) -> str | None:
    """A range that belongs to the sheet's own layout (a conditional format's, a hyperlink's, a merge's)
    after the move: above, as it was; below, moved; across the totals row, grown. None: not a range."""
    found = _rows(ref)
    if found is None:
        return None
    m, r1, r2 = found
    return _with_rows(m, move.row(r1), move.row(r2))
