"""The `leadbook` command: the same actions as the ribbon, on a workbook file (cron, CI, scripts).

Exit codes: 0 ok, 1 problems found in the workbook, 2 usage or file error.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import os
import re
import sys
import time
from collections import Counter
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import typer
from rich.console import Console, Group
from rich.progress import Progress
from rich.table import Table
from typer.core import TyperArgument

from leadbook import __version__, services
from leadbook.book.filebook import FileBook
from leadbook.book.importfile import read_export
from leadbook.book.safety import refuse_if_open, set_aside
from leadbook.core import schema as s
from leadbook.core.dates import date_order as parse_order
from leadbook.core.plan import Block
from leadbook.core.problems import LeadbookError, Problem
from leadbook.core.sample import sample_book

if TYPE_CHECKING:
    from leadbook.core.importing import ImportOptions


def _usage_name(self: TyperArgument) -> str:
    """BOOK, [DIR], FILE...: click's own spelling (typer 0.29 writes a required one as {BOOK})."""
    name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
    return name + ("..." if self.nargs != 1 and not name.endswith("...") else "")


# Help text only; parsing is untouched. An argument's name says what it is: no "<file>" after it.
TyperArgument._usage_display_name = _usage_name
TyperArgument.display_type_rich = lambda self, ctx: None

app = typer.Typer(
    help="Lead qualifying and follow-up in your own Excel workbook.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain click help: "BOOK", no "<bool>" beside every flag
)


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """`| head` closed the pipe: the rest of the output goes nowhere, and that is no problem
        in the workbook, so exit 0 (rich's own ends with 1, which means problems were found)."""
        self.quiet = True
        _quiet_stdout()
        raise SystemExit(0)


console = _Console(highlight=False, soft_wrap=True)
BookArg = typer.Argument(..., help="The workbook (.xlsx or .xlsm).", dir_okay=False, metavar="BOOK")


def _date_arg(text: str) -> dt.datetime:
    """`--today`'s value: a date written YYYY-MM-DD, or a sentence saying what is wrong."""
    try:
        return dt.datetime.strptime(text.strip(), "%Y-%m-%d")
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date; give it as YYYY-MM-DD, e.g. 2026-03-31") from None


TodayOpt = typer.Option(
    None,
    "--today",
    help="Date to work as of, YYYY-MM-DD (default: today).",
    parser=_date_arg,
    metavar="YYYY-MM-DD",
)


def _version(value: bool) -> None:
    if value:
        console.print(f"leadbook {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the leadbook version and exit."
    ),
) -> None:
    """Lead qualifying and follow-up in your own Excel workbook."""


def _today(value: dt.datetime | None) -> dt.date:
    return value.date() if value else dt.date.today()


def reports_errors(command):
    """Turn a LeadbookError into a clear message and exit code: 1 for the book, 2 for the file."""

    @wraps(command)
    def run(*args, **kwargs):
        try:
            done = command(*args, **kwargs)
            sys.stdout.flush()  # a closed pipe shows here, not in click (which would exit 1)
            return done
        except LeadbookError as exc:
            console.print(f"[bold red]leadbook:[/] {exc}")
            raise typer.Exit(1 if exc.problem.sheet else 2) from None
        except BrokenPipeError:  # the reader went away (`| head`): nothing to tell, and no problem
            _quiet_stdout()
            raise typer.Exit(0) from None
        except (OSError, ValueError) as exc:
            console.print(f"[bold red]leadbook:[/] {exc}")
            raise typer.Exit(2) from None

    return run


def problems_table(problems: list[Problem], title: str) -> Table:
    """A rich table of problems: sheet, row, column, what to do."""
    table = Table(title=title, title_justify="left")
    for header in ("Sheet", "Row", "Column", "Problem"):
        table.add_column(header, overflow="fold")
    for p in problems:
        table.add_row(p.sheet, "" if p.row is None else str(p.row), p.column or "", p.message)
    return table


_NAMES = {"Date order", *(c for columns in s.COLUMNS.values() for c in columns)}  # said, not typed


def problem_kind(message: str) -> str:
    """A problem's message without the values that differ row to row: its kind (a quoted name of a
    Settings row or a column, like 'Date order', is part of the kind and stays)."""
    text = re.sub(
        r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"",
        lambda m: m[0] if m[0][1:-1] in _NAMES else "...",
        message,
    )
    text = re.sub(r"\b\d{4}-\d{2}-\d{2}\b(?= is in the future)", "a date", text)
    return re.sub(r"\brows? \d+(?:, \d+)*", "row N", text)


def kinds_table(problems: list[Problem]) -> Table:
    """Totals per kind of problem (sheet, column, what is wrong), the most frequent first."""
    counts = Counter((p.sheet or "", p.column or "", problem_kind(p.message)) for p in problems)
    table = Table(title="Totals per kind", title_justify="left")
    for header, justify in (("Count", "right"), ("Sheet", "left"), ("Column", "left"), ("Kind", "left")):
        table.add_column(header, justify=justify, overflow="fold", no_wrap=header == "Count")
    for (sheet, column, kind), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        table.add_row(f"{n:,}", sheet, column, kind)
    return table


def _skipped_line(skipped: list[Problem], book: Path) -> None:
    """One line when a command skipped rows or read cells as blank: how many, and where to see them."""
    if n := services.skipped_rows(skipped):
        console.print(
            f"[yellow]{n} row(s) skipped or read in part[/] (a cell leadbook cannot read, a missing, "
            f"repeated or unknown Lead ID, an unknown setting); run `leadbook check {book}` to see each."
        )


def _names(frame: pd.DataFrame, limit: int = 8) -> str:
    ids = frame[s.LEAD_ID].astype(str) + " " + frame[s.NAME].fillna("").astype(str)
    shown = ", ".join(ids.head(limit).str.strip())
    return shown + (f" and {len(frame) - limit} more" if len(frame) > limit else "")


@app.command()
@reports_errors
def new(
    book: Path = BookArg,
    sample: int = typer.Option(
        0, "--sample", min=0, help="Fill N realistic sample leads with touches.", metavar="N"
    ),
    seed: int = typer.Option(
        7, "--seed", help="Random seed for --sample (same seed, same data).", metavar="S"
    ),
    today: dt.datetime | None = TodayOpt,
) -> None:
    """Create a leadbook workbook: Tables, dropdowns, date formats, Settings with defaults."""
    from leadbook.book.template import new_book  # openpyxl, loaded only for the commands that need it

    frames = sample_book(sample, None, _today(today), seed) if sample else None
    new_book(book, frames)
    console.print(f"Created [bold]{book}[/]" + (f" with {sample} sample leads" if sample else ""))


@app.command()
@reports_errors
def adopt(
    book: Path = BookArg,
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show the mapping and what would be added; write nothing."
    ),
    leads_sheet: str | None = typer.Option(
        None, "--leads-sheet", help="The sheet holding your leads.", metavar="NAME"
    ),
    touches_sheet: str | None = typer.Option(
        None,
        "--touches-sheet",
        help="The sheet logging your calls and emails ('none': leadbook adds Touches).",
        metavar="NAME",
    ),
    prospects_sheet: str | None = typer.Option(
        None,
        "--prospects-sheet",
        help="The sheet of your prospects / opportunities ('none': leadbook adds one).",
        metavar="NAME",
    ),
    header_row: list[str] = typer.Option(
        [],
        "--header-row",
        help="The header row of the leads sheet (N), or of a named sheet (SHEET=N); repeatable.",
        metavar="N|SHEET=N",
    ),
) -> None:
    """Make an existing tracker a leadbook: find its sheets and columns, add what is missing, change nothing else."""
    from leadbook.cli_adopt import adopt_command

    adopt_command(console, book, dry_run, (leads_sheet, touches_sheet, prospects_sheet), header_row)


@app.command()
@reports_errors
def check(book: Path = BookArg, today: dt.datetime | None = TodayOpt) -> None:
    """Validate the workbook: sheets, columns, dropdown values, dates, duplicate and unknown Lead IDs,
    repeated headers, sheets that look like an unread touch log; prints the stored mapping in use."""
    target = FileBook(book, services.NEEDS["check"])
    problems = services.check(target, _today(today))
    for line in services.mapping_in_use(target):  # the mapping adopt stored (your own sheet names)
        console.print(line)
    if not problems:
        console.print(f"[green]No problems[/] in {book}")
        return
    console.print(problems_table(problems, f"{len(problems)} problem(s) in {book}"))
    if len(problems) > 1:
        console.print(kinds_table(problems))
    raise typer.Exit(1)


@app.command()
@reports_errors
def qualify(
    book: Path = BookArg,
    today: dt.datetime | None = TodayOpt,
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the plan; write nothing."),
    owner: str | None = typer.Option(
        None, "--owner", help="Who to record in Log (default: your OS user).", metavar="NAME"
    ),
) -> None:
    """Score every lead and move the qualified ones (score, no gate, two-way contact) to Prospects."""
    who = owner or getpass.getuser()
    skipped: list[Problem] = []
    outcome = services.qualify(
        FileBook(book, services.NEEDS["qualify"]),
        _today(today),
        who,
        dt.datetime.now().replace(microsecond=0),
        dry_run,
        skipped,
    )
    if not outcome.plan:  # a second run: no counts beside "nothing", they read as if something moved
        console.print("Nothing to change: the workbook is already up to date.")
        _skipped_line(skipped, book)
        return
    table = Table(title="Qualify" + (" (dry run: nothing written)" if dry_run else ""), title_justify="left")
    for header in ("Group", "Leads", "Who"):
        table.add_column(header, overflow="fold")
    table.add_row("Qualified -> Prospects", str(len(outcome.qualified)), _names(outcome.qualified))
    table.add_row("Blocked: no two-way contact yet", str(len(outcome.blocked)), _names(outcome.blocked))
    table.add_row("Disqualified", str(len(outcome.disqualified)), _names(outcome.disqualified))
    console.print(table)
    _skipped_line(skipped, book)
    if not dry_run:
        console.print(f"Wrote {book} (the copy from before is in .leadbook-backups/).")


def _follow_up_table(leads: pd.DataFrame) -> Table:
    text = leads[s.FOLLOW_UP].astype("str").fillna("")  # Arrow text: the prefix tests are vectorised
    is_overdue = text.str.startswith("Overdue ").to_numpy(dtype=bool)
    due_today = text.str.startswith("Due today").to_numpy(dtype=bool)
    frame = pd.DataFrame({
        "Owner": leads[s.OWNER].fillna("(no owner)"), "Overdue": is_overdue, "Due today": due_today,
    }, index=leads.index)  # fmt: skip
    counts = frame.groupby("Owner")[["Overdue", "Due today"]].sum()
    table = Table(title="Follow-up by owner", title_justify="left")
    for header in ("Owner", "Overdue", "Due today", "Most overdue"):
        table.add_column(header)
    overdue = leads[is_overdue]
    days = text[is_overdue].str.extract(r"Overdue (\d+)")[0].astype(float)
    for owner_name, row in counts.iterrows():
        mine = overdue[overdue[s.OWNER].fillna("(no owner)").eq(owner_name)]
        worst = (
            _names(mine.loc[days.loc[mine.index].sort_values(ascending=False).index], 3) if len(mine) else ""
        )
        table.add_row(str(owner_name), str(int(row["Overdue"])), str(int(row["Due today"])), worst)
    return table


@app.command()
@reports_errors
def refresh(book: Path = BookArg, today: dt.datetime | None = TodayOpt) -> None:
    """Recompute Score, Grade, Reasons, Status, Touches, Last/Next touch and Follow-up on Leads."""
    skipped: list[Problem] = []
    result = services.refresh(
        FileBook(book, services.NEEDS["refresh"]), _today(today), who=getpass.getuser(), skipped=skipped
    )
    if len(result.values):
        console.print(_follow_up_table(result.values))
    else:
        console.print("No leads on Leads yet: nothing to follow up.")
    if result.orphans:
        console.print(
            problems_table(result.orphans, "Touches whose Lead ID is not on Leads (kept, not counted)")
        )
    _skipped_line(skipped, book)
    changed = len(result.plan.ops[0].frame)  # the Leads rows (a Log op may follow)
    console.print(f"Updated {changed} lead row(s) in {book}." if changed else "Nothing to change.")


@app.command()
@reports_errors
def summary(
    book: Path = BookArg,
    today: dt.datetime | None = TodayOpt,
    write: bool = typer.Option(
        True, "--write/--no-write", help="Rebuild the Summary sheet (default) or only print."
    ),
) -> None:
    """Headline, funnel, sources, owners, follow-up, speed to lead, touches to connect, trend; rebuilds Summary."""
    skipped: list[Problem] = []
    file = FileBook(book, services.NEEDS["summary"])
    op = services.summary(file, _today(today), write, skipped)
    console.print(f"[bold]{op.heading}[/]")
    for block in op.blocks:
        console.print(block_table(block, console.width))
    _skipped_line(skipped, book)
    if write and file.wrote:
        console.print(f"Rebuilt the Summary sheet of {book}.")
    elif write:
        console.print(f"The Summary sheet of {book} is already up to date: nothing written.")


def _wrap_header(name: str, width: int) -> str:
    """A header broken between words so no line is wider than `width` (or its longest word)."""
    lines: list[str] = []
    for word in name.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines)


def block_table(block: Block, width: int, digits: int = 1) -> Table | Group:
    """A figure as a rich table that fits `width` columns: numbers are never cut.

    Number columns keep their full width (headers wrap between words); the first, text column
    folds. Columns that still do not fit are left off from the right, and a line says which.
    """
    frame = block.frame
    cells = [[_cell(v, c in block.percent_columns, digits) for v, c in zip(r, frame.columns, strict=True)]
             for r in frame.itertuples(index=False)]  # fmt: skip
    names = [str(c) for c in frame.columns]
    if len(frame) == 1 and len(names) > 4:  # one row of many figures (the headline) reads as a list
        cells, names = [[n, v] for n, v in zip(names, cells[0], strict=True)], ["Figure", "Value"]
    need = [
        max([len(r[j]) for r in cells] + [max(map(len, names[j].split() or [""]))]) for j in range(len(names))
    ]
    label = min(need[0], max(12, max(map(len, names[0].split() or [""]))))
    keep = len(names)
    while keep > 2 and label + sum(need[1:keep]) + 3 * keep + 1 > width:
        keep -= 1
    table = Table(title=block.title, title_justify="left")
    for j in range(keep):
        first = j == 0
        table.add_column(
            _wrap_header(names[j], need[j] if not first else label), justify="left" if first else "right",
            no_wrap=not first, min_width=None if first else need[j], overflow="fold",
        )  # fmt: skip
    for row in cells:
        table.add_row(*row[:keep])
    if keep == len(names):
        return table
    return Group(table, f"(left off at {width} columns: {', '.join(names[keep:])})")


def _cell(value: object, percent: bool, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if percent:
        return f"{float(value):.1%}"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.{digits}f}"
    return str(value)


PROGRESS_FROM = 5_000  # rows: a smaller file imports faster than a bar would draw


def _import_table(path: Path, result: services.Imported, dry_run: bool) -> Table:
    counts = result.counts()
    table = Table(
        title=f"{path.name}" + (" (dry run: nothing written)" if dry_run else ""), title_justify="left"
    )
    for header in ("Rows", "Count", "Examples (file row -> Lead ID)"):
        table.add_column(header, overflow="fold")
    for group, rows in result.status.groupby(result.status, sort=False):
        sample = rows.index[:5]
        shown = ", ".join(f"{r} -> {result.lead_of.get(r) or '-'}" for r in sample)
        table.add_row(str(group), str(counts.get(str(group), 0)), shown)
    return table


def _import_report(path: Path, result: services.Imported, dry_run: bool) -> None:
    moved = {h: c for h, c in result.mapping.items() if h != c}
    if moved:
        console.print(f"{path.name}: " + "; ".join(f"{h} -> {c}" for h, c in moved.items()))
    console.print(_import_table(path, result, dry_run))
    if len(result.conflicts):
        table = Table(
            title="Conflicting values (kept as they were; the file's value not written)", title_justify="left"
        )
        for header in result.conflicts.columns:
            table.add_column(str(header), overflow="fold")
        for values in result.conflicts.head(20).itertuples(index=False):
            table.add_row(*(_cell(v, False) for v in values))
        console.print(table)
        if len(result.conflicts) > 20:
            console.print(f"... and {len(result.conflicts) - 20} more conflicting values.")
    for reported in result.reasons.head(20).items() if len(result.reasons) else ():
        console.print(f"  file row {reported[0]}: {reported[1]}")
    for note in result.notes + [str(p) for p in result.problems[:20]]:
        console.print(f"  {note}")


@app.command("import")
@reports_errors
def import_(
    book: Path = BookArg,
    files: list[Path] = typer.Argument(
        ..., help="Export files: .csv (any encoding, , ; or tab) or .xlsx.", metavar="FILE..."
    ),
    source: str | None = typer.Option(
        None,
        "--source",
        help="Source of new leads whose file gives none (a Source list value).",
        metavar="NAME",
    ),
    owner: str | None = typer.Option(
        None, "--owner", help="Owner of new leads (or touches) whose file gives none.", metavar="NAME"
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show what would be new, merged, duplicate or skipped; write nothing."
    ),
    touches: bool = typer.Option(
        False, "--touches", help="Import a call log / activity export into Touches."
    ),
    date_order: str | None = typer.Option(
        None,
        "--date-order",
        help="Dates like 4/7/2021 are day first (day) or month first (month); default: Settings 'Date order'.",
        metavar="day|month",
    ),
) -> None:
    """Import leads (or, with --touches, touches) from CSV/Excel exports, without duplicates."""

    try:
        order = parse_order(date_order) if date_order else None
    except ValueError:
        raise LeadbookError(f"--date-order {date_order!r}: use day or month") from None
    from leadbook.core.importing import ImportOptions  # phone numbers and fuzzy matching: imports only

    options = ImportOptions(source=source, owner=owner, date_order=order)
    target = FileBook(book)
    for path in files:
        result = _import_one(target, path, options, touches, dry_run)
        _import_report(path, result, dry_run)
        if not result.plan:
            console.print("Nothing to import: every row is already in the workbook.")
        elif not dry_run:
            console.print(f"Wrote {book} (the copy from before is in .leadbook-backups/).")


def _import_one(
    book: FileBook, path: Path, options: ImportOptions, touches: bool, dry_run: bool
) -> services.Imported:
    """Read one export and import it, with a progress bar through the phases for a big file."""
    started = time.perf_counter()
    raw = read_export(path)
    read = time.perf_counter() - started
    now = dt.datetime.now().replace(microsecond=0)

    def run(step=lambda _: None) -> services.Imported:
        return services.import_rows(
            book, raw, path.name, now.date(), now, getpass.getuser(), options, touches, dry_run, step
        )

    if len(raw) >= PROGRESS_FROM:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task(f"{path.name}: {len(raw):,} rows", total=3, completed=0)

            def step(phase: str) -> None:
                done = {"reading": 0, "matching": 1, "writing": 2}[phase.split()[0]]
                progress.update(task, completed=done, description=f"{path.name}: {phase}")

            result = run(step)
            progress.update(task, completed=3)
    else:
        result = run()
    result.seconds["read"] = read
    console.print(
        f"{path.name}: {len(raw):,} rows; read the file {read:.1f} s, the book "
        f"{result.seconds['read book']:.1f} s, matched {result.seconds['match']:.1f} s, "
        f"wrote {result.seconds['write']:.1f} s"
    )
    return result


@app.command()
@reports_errors
def calibrate(
    book: Path = BookArg,
    target: str = typer.Option(
        "won",
        "--target",
        help="What to predict: won (Won vs Lost/Disqualified) or qualified (Prospect vs Disqualified).",
        metavar="won|qualified",
    ),
    apply: bool = typer.Option(False, "--apply", help="Write the proposed points into Settings (logged)."),
    include: list[str] = typer.Option(
        [],
        "--include",
        help="Use this column even though it looks recorded with the outcome (repeatable).",
        metavar="COLUMN",
    ),
    today: dt.datetime | None = TodayOpt,
    owner: str | None = typer.Option(
        None, "--owner", help="Who to record in Log (default: your OS user).", metavar="NAME"
    ),
    write: bool = typer.Option(
        True, "--write/--no-write", help="Rebuild the Calibration sheet (default) or only print."
    ),
) -> None:
    """Learn the points from won/lost history, test them on the newest leads; rebuilds the Calibration sheet."""
    if target not in ("won", "qualified"):
        raise typer.BadParameter("use won or qualified", param_hint="--target")
    result, plan = services.calibrate(
        FileBook(book), _today(today), target, tuple(include), apply, owner or getpass.getuser(),
        write=write or apply,
    )  # fmt: skip
    sheet = plan.ops[0]
    console.print(f"[bold]{sheet.heading}[/]")
    for line in result.messages:
        console.print(f"- {line}")
    for block in sheet.blocks[1:]:
        console.print(block_table(block, console.width, digits=2))
    if apply and result.proposed is None:
        console.print("Nothing applied: the Settings keep their points.")
    elif apply:
        console.print(
            f"Wrote the proposed points into the Settings of {book}; the previous ones are in the Log."
        )
    elif write:
        console.print(
            f"Rebuilt the Calibration sheet of {book}. Run with --apply to use the proposed points."
        )


@app.command()
@reports_errors
def demo(
    folder: Path = typer.Argument(
        Path("."), help="Where to write the sample workbook.", file_okay=False, metavar="DIR"
    ),
    leads: int = typer.Option(500, "--leads", min=1, help="How many sample leads.", metavar="N"),
    today: dt.datetime | None = TodayOpt,
) -> None:
    """Build a sample workbook and run every command on it: new, check, refresh, qualify, summary.

    A demo book already in DIR is made again: the one there is first copied to .leadbook-backups/
    (the newest 3 such copies are kept)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "leadbook-demo.xlsx"
    if path.exists():
        refuse_if_open(path)  # never delete a demo book Excel has open
        kept = set_aside(path, "before-demo")  # nor one a user has typed into without a copy
        path.unlink()
        console.print(f"The demo book that was there is kept as {kept}.")
    as_of = ["--today", f"{_today(today):%Y-%m-%d}"]
    for args in (
        ["new", str(path), "--sample", str(leads)],
        ["check", str(path)],
        ["refresh", str(path)],
        ["qualify", str(path), "--owner", "demo"],
        ["summary", str(path)],
    ):
        console.rule(f"leadbook {' '.join(args[:1] + args[2:])}")
        try:
            app([*args, *as_of], standalone_mode=False)
        except typer.Exit as exc:
            if exc.exit_code not in (0, 1):
                raise
    console.rule()
    console.print(f"Open [bold]{path.resolve()}[/] in Excel: Leads, Prospects, Touches, Summary and Log.")


addin_app = typer.Typer(
    help="The desktop Excel add-in (leadbook.xlam), built from the xlwings installed here.",
    no_args_is_help=True,
)
app.add_typer(addin_app, name="addin")


def _addin_built(path: Path) -> None:
    from leadbook.excel.addin import REBUILD, built_for

    console.print(f"Wrote {path} for xlwings {built_for()}.")
    console.print(
        f"After pip install -U xlwings, run [bold]{REBUILD}[/] again: the add-in calls that exact xlwings."
    )


@addin_app.command("build")
@reports_errors
def addin_build(
    out: Path = typer.Argument(
        Path("leadbook.xlam"), help="The .xlam to write.", dir_okay=False, metavar="XLAM"
    ),
) -> None:
    """Build leadbook.xlam for the installed xlwings (needs pip install "leadbook[addin]")."""
    from leadbook.excel import addin

    _addin_built(addin.build(out))


@addin_app.command("install")
@reports_errors
def addin_install(
    folder: Path | None = typer.Option(
        None,
        "--dir",
        help="Build into this folder instead of Excel's add-ins folder.",
        file_okay=False,
        metavar="DIR",
    ),
) -> None:
    """Build leadbook.xlam and put it where Excel loads add-ins (Windows, macOS; elsewhere --dir)."""
    from leadbook.excel import addin

    path = addin.install(folder)
    _addin_built(path)
    console.print(
        "In Excel: File > Options > Add-ins > Manage Excel Add-ins > Go... and tick Leadbook "
        "(macOS: Tools > Excel Add-ins...). Steps: workbook/addin/README.md."
    )


@app.command("lite-bundle")
@reports_errors
def lite_bundle(
    folder: Path = typer.Argument(
        ..., help="Folder to write main.py and requirements.txt into.", file_okay=False, metavar="DIR"
    ),
) -> None:
    """Write the self-contained xlwings Lite bundle: paste main.py and requirements.txt into Lite."""
    from leadbook.excel import bundle

    main_path, req_path = bundle.write(folder)
    console.print(f"Wrote {main_path} and {req_path}: paste both into the xlwings Lite editor's tabs.")


def main() -> None:
    """The `leadbook` command: output any terminal can print, and quiet when piped into `head`.

    A name the terminal's encoding cannot show (an owner "Łukasz" under cp1252) prints as "?"
    rather than failing after the file was written; a closed pipe ends the command quietly.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="replace")
    try:
        app()
    except BrokenPipeError:
        _quiet_stdout()
        sys.exit(0)


def _quiet_stdout() -> None:
    """After a closed pipe: what is still buffered goes nowhere (Python's own flush at exit must
    not fail again, and click must not turn it into exit 1)."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
