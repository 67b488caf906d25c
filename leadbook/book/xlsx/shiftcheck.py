"""Before a sheet's totals rows move down (`shift.MovedRows`): whatever else in the book points at
the rows that move either follows them or stops the write with a sentence naming sheet and row.

Follows: the filter and print area names (`_xlnm._FilterDatabase`, `_xlnm.Print_Area`) grow or move
as Excel's would. Refused: another defined name, a formula, conditional format, dropdown or link on
another sheet (the x14 ones in extLst too), a chart series or a pivot table's source pointing into
the rows that move (or a range ending between them and where the totals go); a picture, chart,
shape, note, comment, control, another table or a pivot table placed at or below the totals row.
Nothing is scanned when the totals row does not move.
"""

from __future__ import annotations

import html
import re

from leadbook.book.xlsx.cells import parse_ref
from leadbook.book.xlsx.scan import segments
from leadbook.book.xlsx.shiftrefs import Move, move_range, refusal, refuse_refs, sheet_refs
from leadbook.book.xlsx.workbook import BookMap, Parts, relationships

_NAME = re.compile(rb"(<(?:\w+:)?definedName\b([^>]*)>)(.*?)(</(?:\w+:)?definedName>)", re.S)
_FOLLOW = ("_xlnm._FilterDatabase", "_xlnm.Print_Area")
_F = re.compile(r"<((?:\w+:)?)(f|formula[12]?)(\s[^>]*?)?(?<!/)>(.*?)</\1\2>", re.S)
_CELL = re.compile(r"<(?:\w+:)?c(\s[^>]*?)?(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_RULES = re.compile(r"<((?:\w+:)?)(conditionalFormatting|dataValidation)(?=[\s>])(.*?)</\1\2>", re.S)
_LINK = re.compile(r"""<(?:\w+:)?hyperlink\s[^>]*?\blocation=["']([^"']*)["']""")
_CELL_REF = re.compile(r"""\sr=["']([A-Z]+\d+)["']""")


def _chunks(parts: Parts, name: str):
    if hasattr(parts, "chunks"):
        yield from parts.chunks(name)
    else:
        yield parts.read(name)


def moved_names(xml: bytes, move: Move) -> bytes:
    """workbook.xml with the filter and print-area names following the move; refuses any other
    defined name pointing into the rows that move."""

    def name(m: re.Match[bytes]) -> bytes:
        label = re.search(rb"""\sname=["']([^"']*)["']""", m[2])
        label = html.unescape(label[1].decode()) if label else "?"
        text = html.unescape(m[3].decode())
        if label not in _FOLLOW:
            refuse_refs(text, move, local=False, where=f"the defined name {label!r}")
            return m[0]
        out = text
        for ref, _, _ in sheet_refs(text, move.sheet, local=False):
            if "!" not in ref:  # not a reference leadbook can read: left as it is
                continue
            prefix, _, cells = ref.rpartition("!")
            out = out.replace(ref, f"{prefix}!{move_range(cells, move) or cells}", 1)
        return m[1] + html.escape(out, quote=False).encode() + m[4] if out != text else m[0]

    return _NAME.sub(name, xml)


def refuse_outside(parts: Parts, book: BookMap, part: str, table_part: str | None, move: Move) -> None:
    """Refuse when anything outside the sheet's own rows points into the rows that would move."""
    pattern = re.compile(re.escape(html.escape(move.sheet, quote=False)).encode() + rb"'?!", re.I)
    for other, other_part in book.sheets.items():
        if other_part == part or other_part not in parts.names():
            continue
        tail: list[bytes] = []
        for prefix, seg in segments(_chunks(parts, other_part), tail):
            if b"<" + prefix + b"f" in seg and pattern.search(seg):
                _refuse_formulas(seg.decode(), move, other)
        _refuse_rules(b"".join(tail), move, other, pattern)
    for name in parts.names():
        if name.startswith("xl/charts/chart") and name.endswith(".xml"):
            _refuse_series(parts.read(name), move, pattern)
        elif name.startswith("xl/pivotCache/pivotCacheDefinition"):
            _refuse_pivot_source(parts.read(name), move)
    for rel in relationships(parts, part):
        target, kind = rel.get("Target", ""), rel.get("Type", "").rsplit("/", 1)[-1]
        if target in parts.names() and target != table_part:
            _refuse_placed(kind, parts.read(target), move)


def _refuse_formulas(text: str, move: Move, sheet: str) -> None:
    for c in _CELL.finditer(text):
        for m in _F.finditer(c[2] or ""):
            ref = _CELL_REF.search(c[1] or "")
            where = f"the formula in {sheet!r}!{ref[1]}" if ref else f"a formula on {sheet!r}"
            refuse_refs(html.unescape(m[4]), move, local=False, where=where)


def _refuse_rules(tail: bytes, move: Move, sheet: str, pattern: re.Pattern[bytes]) -> None:
    """Another sheet's conditional formats and dropdowns (the x14 ones in extLst too) whose formulas
    point into the rows that move, and its hyperlinks to a place there."""
    if not pattern.search(tail):
        return
    text = tail.decode()
    for rule in _RULES.finditer(text):
        what = (
            "a conditional format" if rule[2] == "conditionalFormatting" else "a dropdown (data validation)"
        )
        for m in _F.finditer(rule[3]):
            refuse_refs(html.unescape(m[4]), move, local=False, where=f"{what} on {sheet!r}")
    for m in _LINK.finditer(text):
        refuse_refs(html.unescape(m[1]), move, local=False, where=f"a hyperlink on {sheet!r}")


def _refuse_series(xml: bytes, move: Move, pattern: re.Pattern[bytes]) -> None:
    if pattern.search(xml):
        for text in re.findall(rb"<(?:\w+:)?f>(.*?)</", xml, re.S):
            refuse_refs(html.unescape(text.decode()), move, local=False, where="a chart's series")


def _refuse_pivot_source(xml: bytes, move: Move) -> None:
    m = re.search(rb"<(?:\w+:)?worksheetSource\b([^>]*)>", xml)
    if not m:
        return
    sheet = re.search(rb"""\ssheet=["']([^"']*)["']""", m[1])
    ref = re.search(rb"""\sref=["']([^"']*)["']""", m[1])
    if sheet and ref and html.unescape(sheet[1].decode()).lower() == move.sheet.lower():
        refuse_refs(ref[1].decode(), move, local=True, where="a pivot table's source")


def _refuse_placed(kind: str, xml: bytes, move: Move) -> None:
    """A drawing, note, comment, control, table or pivot table of the sheet at or below the totals row."""
    rows: list[int] = []
    if kind in ("drawing", "vmlDrawing"):
        rows = [int(n) + 1 for n in re.findall(rb"<(?:\w+:)?row>(\d+)</", xml)]  # 0-based anchors
        rows += [int(n) + 1 for n in re.findall(rb"<(?:\w+:)?Row>(\d+)</", xml)]  # a note's cell
    elif kind in ("comments", "threadedComment", "table", "pivotTable"):
        for ref in re.findall(rb"""\sref=["']([^"']*)["']""", xml):
            try:
                rows.append(parse_ref(ref.decode())[3])
            except ValueError:
                continue
    hit = next((r for r in rows if r >= move.at), None)
    if hit is not None:
        what = {"drawing": "a picture, chart or shape", "vmlDrawing": "a note or control"}.get(
            kind, f"a {kind}"
        )
        raise refusal(move, f"{what} is placed at row {hit}")
