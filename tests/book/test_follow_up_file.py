"""Refresh on a real file: the follow-up values and the colour rules that key on them."""

import datetime as dt
import re

import openpyxl
import pandas as pd
import python_calamine
from factories import TODAY

from leadbook import services
from leadbook.book.filebook import FileBook
from leadbook.book.install import HIGHLIGHTS
from leadbook.book.template import new_book
from leadbook.core import schema as s
from leadbook.core.sample import sample_book


def colour_of(ws, row):
    """The fill the sheet's own conditional-format rules give a row (evaluated from the rule text)."""
    for rng in ws.conditional_formatting:
        for rule in rng.rules:
            m = re.fullmatch(r'LEFT\(\$([A-Z]+)(\d+),(\d+)\)="(.+)"', rule.formula[0])
            column, top, n, state = m.group(1), int(m.group(2)), int(m.group(3)), m.group(4)
            value = ws[f"{column}{row}"].value or ""
            if str(value)[:n] == state and row >= top:
                return rule.dxf.fill.fgColor.rgb[-6:]
    return None


def test_refresh_writes_follow_up_and_the_rules_colour_the_right_rows(tmp_path):
    path = tmp_path / "f.xlsx"
    new_book(path, sample_book(150, None, TODAY))
    wb = openpyxl.load_workbook(path)
    wb[s.LEADS].conditional_formatting = openpyxl.formatting.formatting.ConditionalFormattingList()
    wb.save(path)  # a user removed the colour rules: refresh puts them back
    services.refresh(FileBook(path), TODAY)
    ws = openpyxl.load_workbook(path)[s.LEADS]
    rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(s.LEADS).to_python()
    head = rows[0]
    red, yellow, green = (fill for _, fill, _ in HIGHLIGHTS)
    seen = set()
    for i, row in enumerate(rows[1:], start=2):
        nxt, follow = row[head.index(s.NEXT_TOUCH)], row[head.index(s.FOLLOW_UP)]
        colour = colour_of(ws, i)
        if isinstance(nxt, dt.date) and follow.split(" ")[0] not in ("Nurture",):
            days = (pd.Timestamp(nxt).date() - TODAY).days
            expected = red if days < 0 else yellow if days == 0 else green
            assert colour == expected, (i, nxt, follow)
            seen.add(expected)
        else:
            assert colour is None, (i, nxt, follow)
    assert seen == {red, yellow, green}
