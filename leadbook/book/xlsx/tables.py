"""A sheet's Table part: read its range and columns, grow it over appended rows and added columns."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from leadbook.book.xlsx.cells import format_ref, parse_ref

_ROOT = re.compile(rb"<(?:\w+:)?table\s[^>]*>")
_REF = re.compile(rb"""(\sref=["'])([^"']*)(["'])""")


def _attr(tag: bytes, name: str) -> str | None:
    m = re.search(rb"\s" + name.encode() + rb"""=["']([^"']*)["']""", tag)
    return m[1].decode() if m else None


def _unescape(text: str) -> str:
    return (
        text.replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )


@dataclass(frozen=True)
class TableInfo:
    """What the writer needs of a table: name, range (min_col, min_row, max_col, max_row), columns."""

    name: str
    ref: tuple[int, int, int, int]
    header_rows: int
    totals_rows: int
    columns: tuple[str, ...]

    @property
    def header_row(self) -> int:
        return self.ref[1]

    @property
    def last_data_row(self) -> int:
        return self.ref[3] - self.totals_rows


def table_info(xml: bytes) -> TableInfo:
    """Parse a table part's root attributes and its column names."""
    root = _ROOT.search(xml)[0]
    columns = re.findall(rb"""<(?:\w+:)?tableColumn\s[^>]*?\bname=["']([^"']*)["']""", xml)
    return TableInfo(
        name=_unescape(_attr(root, "displayName") or _attr(root, "name") or ""),
        ref=parse_ref(_attr(root, "ref")),
        header_rows=int(_attr(root, "headerRowCount") or 1),
        totals_rows=int(_attr(root, "totalsRowCount") or 0),
        columns=tuple(_unescape(c.decode()) for c in columns),
    )


def _unique(name: str, taken: set[str]) -> str:
    """A column name no other column of the table has (Excel's rule: names are unique, any case)."""
    candidate, n = name, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{name}{n}"
    taken.add(candidate.lower())
    return candidate


def grow_table(
    xml: bytes, last_row: int | None = None, new_columns: list[str] | tuple[str, ...] = ()
) -> bytes:
    """The table part over rows down to `last_row` and with `new_columns` added on the right."""
    info = table_info(xml)
    min_col, min_row, max_col, max_row = info.ref
    max_row = max(max_row, (last_row or 0) + info.totals_rows, min_row + 1)
    max_col += len(new_columns)
    ref = format_ref(min_col, min_row, max_col, max_row).encode()
    root = _ROOT.search(xml)
    xml = xml[: root.start()] + _REF.sub(rb"\g<1>" + ref + rb"\g<3>", root[0], count=1) + xml[root.end() :]
    filter_ref = format_ref(min_col, min_row, max_col, max_row - info.totals_rows).encode()
    xml = re.sub(
        rb"""(<(?:\w+:)?autoFilter\s[^>]*?\bref=["'])[^"']*(["'])""",
        rb"\g<1>" + filter_ref + rb"\g<2>",
        xml,
        count=1,
    )
    if new_columns:
        xml = _add_columns(xml, list(new_columns), info)
    return xml


def _add_columns(xml: bytes, names: list[str], info: TableInfo) -> bytes:
    ids = [int(i) for i in re.findall(rb"""<(?:\w+:)?tableColumn\s[^>]*?\bid=["'](\d+)["']""", xml)]
    taken = {c.lower() for c in info.columns}
    prefix = (re.search(rb"<(\w+:)?tableColumns\b", xml)[1] or b"").decode()
    next_id = max(ids, default=0) + 1
    added = "".join(
        f'<{prefix}tableColumn id="{next_id + i}" name="{escape(_unique(name, taken))}"/>'
        for i, name in enumerate(names)
    ).encode()
    count = len(info.columns) + len(names)
    close = re.search(rb"</(?:\w+:)?tableColumns>", xml)
    xml = xml[: close.start()] + added + xml[close.start() :]
    return re.sub(rb"""(<(?:\w+:)?tableColumns\s[^>]*?\bcount=["'])\d+""", rb"\g<1>%d" % count, xml, count=1)
