"""The live backend: a workbook open in Excel (desktop, xlwings Lite or Server) via xlwings.

Reads take only what an action needs (`needs`: sheet -> columns), in bounded row chunks
(`live_read`); writes go one run of adjacent columns at a time, in chunks of the same size
(`live_write`), so no request grows past what Excel for the web accepts. Every step is a
generator yielding its requests, driven synchronously (`prepare`, `apply`: COM, AppleScript,
xlwings Server) or with xlwings Lite's async API (`aprepare`, `aapply`: `xw.BookAsync`,
one `await book.flush()` after each group of writes, so a failure can say what was written).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from leadbook.book import live_read as lr
from leadbook.book.live_map import MapReader
from leadbook.book.live_read import Need, Step, tagged
from leadbook.book.live_write import (
    PARSED_BY_EXCEL,
    Flush,
    SheetValues,
    Writer,
    as_text,
    excel_value,
    is_remote,
)
from leadbook.core import schema as s
from leadbook.core.mapping import ROLES, frame_totals
from leadbook.core.plan import Plan
from leadbook.core.problems import LeadbookError

# Sizes leadbook handles in Excel for the web (xlwings Lite), measured in bench/live.py: above
# them a browser tab runs short of memory and time. Desktop Excel and the CLI have no such cap.
WEB_LIMITS = {s.LEADS: 50_000, s.TOUCHES: 500_000}
__all__ = [
    "PARSED_BY_EXCEL", "LiveBook", "Need", "SheetValues", "WriteFailed", "as_text", "excel_value", "is_remote", "runs",
]  # fmt: skip


runs = lr.runs


# What Excel shows for an error value (xlwings passes them as text with err_to_str).
CELL_ERROR_TEXTS = frozenset((
    "#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#DATA!", "#SPILL!", "#CALC!",
    "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!", "#GETTING_DATA",
))  # fmt: skip


class WriteFailed(LeadbookError):
    """Excel refused a write after others went through: says what was and was not written."""


class LiveBook(Writer, MapReader):
    """An open workbook (`xw.Book`): reads what the action needs, writes only owned cells.

    On a book `leadbook adopt` mapped, the mapped sheets are read whole and written by the
    team's headers (`live_map`); `heads` rows of every sheet are read too (Check's look at them).
    """

    def __init__(
        self, book: Any, needs: dict[str, Any] | None = None, action: str = "", heads: int = 0
    ) -> None:
        self.book = book
        self.heads = heads
        self.needs = {k: v if isinstance(v, Need) else Need(v) for k, v in (needs or {}).items()}
        self.action = action
        self._names: list[str] | None = None
        self._extents: dict[str, lr.Extent] = {}
        self._data: dict[str, lr.SheetData] = {}
        self._frames: dict[str, pd.DataFrame] = {}
        self._tables: dict[str, tuple[Any, tuple[int, int, int, int]] | None] = {}
        self._ends: dict[str, int] = {}  # sheet -> last data row, once appended to
        self.totals: dict[str, list[int]] = {}  # Leads, Touches, Prospects read whole -> their totals lines
        self.appended: dict[str, tuple[int, int]] = {}  # sheet -> (first, last) Excel row written
        self.written: list[str] = []  # the groups of writes Excel has accepted
        self.notes: list[str] = []  # what a client could not do (e.g. charts), for the message
        self._errors: dict[str, dict[tuple[int, int], str]] = {}  # sheet -> (row, column) -> '#N/A'
        self.mapping = None  # the stored mapping (core.mapping.Mapping), read first by prepare
        self._mapping_read = False
        self._settings_sheet: str | None = None  # leadbook's Settings, read whole first
        self._rows: dict[str, lr.Rows] = {}  # mapped sheets read whole, from A1
        self._heads: dict[str, lr.Rows] = {}  # first rows of sheets (Check)
        self._laid_out: set[str] = set()  # sheets whose header and columns the mapping placed
        self._new_headers: dict[str, dict[str, str]] = {}  # sheet -> contract column -> header to add
        self._merges_unknown = False  # the client cannot say whether cells are merged

    # ------------------------------------------------------------------ names, tables
    def sheet_names(self) -> list[str]:
        if self._names is None:
            self._names = [sheet.name for sheet in self.book.sheets]
        return list(self._names)

    def _name(self, sheet: str) -> str | None:
        names = {n.lower(): n for n in self.sheet_names()}
        return names.get(sheet.lower())

    def sheet(self, sheet: str) -> Any:
        """The xlwings sheet (case-insensitive name); LeadbookError if it is missing."""
        name = self._name(sheet)
        if name is None:
            raise LeadbookError(f"sheet is missing; {adopt_hint()} to add it", sheet)
        return self.book.sheets[name]

    def _table(self, sheet: str) -> tuple[Any, tuple[int, int, int, int]] | None:
        """The sheet's data table (named like the sheet, else its first) and its bounds, kept
        here after a resize (the remote engine does not refresh a table's bounds within a run)."""
        name = self._name(sheet) or sheet
        if name not in self._tables:
            tables = list(self.sheet(sheet).tables)
            named = [t for t in tables if t.name.lower() == sheet.lower()]
            table = (named or tables or [None])[0]
            if table is None:
                self._tables[name] = None
            else:
                rng = table.range
                last = rng.last_cell
                self._tables[name] = (table, (rng.row, rng.column, last.row, last.column))
        return self._tables[name]

    # ------------------------------------------------------------------ reading
    def _extent_steps(self, sheet: str) -> Step:
        name = self._name(sheet) or sheet
        if name not in self._extents:
            table = self._table(sheet)
            (last_row, last_col), *_ = yield (name, lr.Request(used=True))
            bounds = table[1] if table else None
            if bounds:
                last_row, last_col = max(last_row, bounds[2]), max(last_col, bounds[3])
            self._extents[name] = lr.Extent(last_row, last_col, bounds)
        return self._extents[name]

    def _data_steps(self, sheet: str, need: Need) -> Step:
        """Read the sheet's header, then the rows and columns `need` asks for."""
        name = self._name(sheet) or sheet
        if name not in self._data:
            extent = yield from self._extent_steps(sheet)
            data = yield from tagged(name, lr.read_header(sheet, extent))
            data.last_row = max(data.last_row, extent.last_row)
            self._data[name] = data
        data = self._data[name]
        if need.rows == "header":
            return data
        wanted = (
            list(data.positions) if need.columns is None else [c for c in need.columns if c in data.positions]
        )
        if isinstance(need.rows, int):  # one row (Log touch): nothing else of the sheet is read
            row = need.rows if data.header_line < need.rows <= data.last_row else None
            got = (
                (
                    yield from tagged(
                        name, lr.read_columns(data, [data.positions[c] for c in wanted], row, row)
                    )
                )
                if row
                else {}
            )
            self._frames[name] = data.frame(wanted, got, row or data.header_line + 1)
            return data
        columns = [data.positions[c] for c in wanted if data.positions[c] not in data.columns]
        if columns:
            yield from tagged(name, lr.read_columns(data, columns))
        self._frames[name] = self._without_totals(name, data, data.frame(wanted))
        return data

    def _without_totals(self, sheet: str, data: lr.SheetData, frame: pd.DataFrame) -> pd.DataFrame:
        """Leads, Touches or Prospects without its totals lines (kept in `totals`), as the file reads it."""
        role = next((r for r in ROLES if r.lower() == sheet.lower()), None)
        if role is None or frame.empty:
            return frame
        first = sorted((p, n) for n, p in data.positions.items() if p <= 3)
        lines = frame_totals(frame, [n for _, n in first])
        self.totals[role] = lines
        return frame.drop(index=lines) if lines else frame

    def _prepare_steps(self) -> Step:
        yield from self._sizes_steps(self.needs)  # before any value: a book too big is refused
        yield from self._mapping_steps()  # leadbook's Settings (small): it holds the stored mapping
        needs, whole = self._own_needs()
        if whole:
            yield from self._sizes_steps(needs)  # the team's own sheets
        for sheet in [sheet for sheet in needs if self._name(sheet) is not None]:
            if sheet in whole:
                yield from self._mapped_steps(sheet, whole[sheet])
            elif self._name(sheet) != self._settings_sheet:  # read whole already
                yield from self._data_steps(sheet, needs[sheet])
        for sheet in self.sheet_names() if self.heads else ():
            yield from self._head_steps(sheet, self.heads)

    def _sizes_steps(self, needs: dict[str, Need]) -> Step:
        for sheet in [sheet for sheet in needs if self._name(sheet) is not None]:
            yield from self._extent_steps(sheet)
        if is_remote(self.book):
            self._refuse_above_web_limits()

    def _refuse_above_web_limits(self) -> None:
        for sheet, limit in WEB_LIMITS.items():
            own = self.own_sheet(sheet) if self._mapping_read else sheet
            extent = self._extents.get(self._name(own) or own)
            rows = extent.last_row - 1 if extent else 0
            if rows > limit:
                command = f"`leadbook {self.action}`" if self.action else "the leadbook command"
                raise LeadbookError(
                    f"{own} has {rows:,} rows; in Excel for the web leadbook handles up to {limit:,} "
                    f"(what one browser tab's requests and memory allow). Use the Leadbook ribbon in "
                    f"desktop Excel, or {command} on the saved file.",
                    own,
                )

    def prepare(self) -> None:
        """Read everything `needs` names (desktop and xlwings Server engines)."""
        self._drive(self._prepare_steps())

    async def aprepare(self) -> None:
        """Read everything `needs` names through xlwings Lite's async API."""
        await self._adrive(self._prepare_steps())

    def read(self, sheet: str) -> pd.DataFrame | None:
        name = self._name(sheet)
        if name is None:
            return None
        if name not in self._frames:  # not declared in `needs`: read it whole now
            self._drive(self._data_steps(name, Need()))
        frame = self._frames[name]
        if frame is not None and self._errors.get(name):
            data = self._data[name]
            at = {c: n for n, c in data.positions.items()}
            frame.attrs[s.CELL_ERRORS] = {
                (r, at[c]): v for (r, c), v in self._errors[name].items() if c in at and r > data.header_line
            }
        return frame

    def positions(self, sheet: str) -> dict[str, int]:
        """Contract (or user) column name -> 1-based column on the sheet's header row."""
        return dict(self._drive(self._data_steps(sheet, Need(rows="header"))).positions)

    # ------------------------------------------------------------------ writing
    def apply(self, plan: Plan | None, extra: list | None = None, maps: dict | None = None) -> None:
        """Write the plan (and `extra` sheet contents), chunked, on a synchronous engine.

        `maps` (sheet name, lower case -> its stored mapping) place columns by the team's headers."""
        if plan or extra:
            self._drive(self._apply_steps(plan, extra or [], maps))

    async def aapply(self, plan: Plan | None, extra: list | None = None, maps: dict | None = None) -> None:
        """Write the plan through xlwings Lite's async API, flushing after each group of writes."""
        if plan or extra:
            await self._adrive(self._apply_steps(plan, extra or [], maps))

    # ------------------------------------------------------------------ drivers
    def run(self, steps: Step) -> Any:
        """Drive a generator of reads and writes (e.g. `live_setup.setup_steps`) synchronously."""
        return self._drive(steps)

    async def arun(self, steps: Step) -> Any:
        """Drive a generator of reads and writes through xlwings Lite's async API."""
        return await self._adrive(steps)

    def _fetch(self, sheet: str, request: lr.Request) -> lr.Rows:
        ws = self.book.sheets[sheet]
        if request.merged:
            try:
                return [[ws.range((request.r1, request.c1), (request.r2, request.c2)).merge_cells]]
            except (AttributeError, NotImplementedError):  # xlwings Server's synchronous engine
                return None
        if request.rules:
            try:
                rules = ws.range((request.r1, request.c1), (request.r2, request.c2)).conditional_formats
                return [rule.formula for rule in rules]
            except (AttributeError, NotImplementedError):  # xlwings < 0.37.5, or xlwings Server
                return None
        if request.used:
            last = ws.used_range.last_cell
            return [[last.row, last.column]]
        rng = ws.range((request.r1, request.c1), (request.r2, request.c2))
        return self._without_errors(sheet, request, rng.options(ndim=2, err_to_str=True).value)

    async def _afetch(self, sheet: str, request: lr.Request) -> lr.Rows:
        ws = self.book.sheets[sheet]
        if request.merged:
            try:
                return [
                    [await ws.range((request.r1, request.c1), (request.r2, request.c2)).get_merge_cells()]
                ]
            except (AttributeError, NotImplementedError):
                return None
        if request.rules:
            rng = ws.range((request.r1, request.c1), (request.r2, request.c2))
            try:
                return [rule.formula for rule in await rng.get_conditional_formats()]
            except (AttributeError, NotImplementedError):
                return None
        if request.used:
            used = await ws.get_used_range()
            last = used.last_cell if used is not None else ws.range((1, 1))
            return [[last.row, last.column]]
        rng = ws.range((request.r1, request.c1), (request.r2, request.c2))
        return self._without_errors(sheet, request, await rng.options(ndim=2, err_to_str=True).get_value())

    def _without_errors(self, sheet: str, request: lr.Request, rows: lr.Rows) -> lr.Rows:
        """Error values (#REF!, #N/A...) read as blank, each remembered by its cell for `check`."""
        for i, row in enumerate(rows or ()):
            for j, value in enumerate(row):
                if isinstance(value, str) and value in CELL_ERROR_TEXTS:
                    row[j] = None
                    self._errors.setdefault(sheet, {})[(request.r1 + i, request.c1 + j)] = value
        return rows

    def _drive(self, steps: Step) -> Any:
        try:
            item = next(steps)
            while True:
                if isinstance(item, Flush):
                    self.written.append(item.note)
                    item = steps.send(None)
                else:
                    item = steps.send(self._fetch(*item))
        except StopIteration as stop:
            return stop.value
        except LeadbookError:
            raise
        except Exception as exc:  # Excel refused a request: say what went through
            raise self._failed(exc) from exc

    async def _adrive(self, steps: Step) -> Any:
        try:
            item = next(steps)
            while True:
                if isinstance(item, Flush):
                    await self.book.flush()
                    self.written.append(item.note)
                    item = steps.send(None)
                else:
                    item = steps.send(await self._afetch(*item))
        except StopIteration as stop:
            return stop.value
        except LeadbookError:
            raise
        except Exception as exc:
            raise self._failed(exc) from exc

    def _failed(self, exc: Exception) -> LeadbookError:
        if not self.written:
            return LeadbookError(f"Excel refused a request ({exc}); nothing was written.")
        done = "; ".join(self.written)
        return WriteFailed(
            f"Excel refused a request ({exc}). Written before it: {done}. Everything after that was "
            "not written: run the action again once the cause is fixed (it picks up where it stopped)."
        )


def adopt_hint() -> str:
    """How a user adds missing sheets from where they are (Excel or a terminal)."""
    return (
        "click Leadbook > Adopt in Excel (in xlwings Lite: run the adopt script; on a blank workbook "
        "New leadbook sheets / new_sheets does the same), or run `leadbook adopt` on the file"
    )
