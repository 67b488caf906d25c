"""Run leadbook over a corpus book and check what it kept: the parts it does not own, byte for byte."""

from __future__ import annotations

import re
import shutil
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from corpus.parts import raw_record, rels_name, sheet_parts
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from leadbook.cli import app
from leadbook.core import schema as s

TODAY = "2026-11-23"
COMMANDS = (
    ["adopt"],
    ["refresh", "--today", TODAY],
    ["qualify", "--today", TODAY],
    ["summary", "--today", TODAY],
)
# Sheets whose part leadbook may rewrite (owned cells, appended rows, new columns), and the package
# parts any write may touch. Everything else in a book must come back byte-identical.
WRITTEN_SHEETS = {n.lower() for n in (s.LEADS, s.PROSPECTS, s.TOUCHES, s.SETTINGS, s.LOG)}
PACKAGE_PARTS = {
    "[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
    "docProps/app.xml", "docProps/core.xml", "xl/calcChain.xml",
}  # fmt: skip
TABLE_REL = "/relationships/table"
# Elements of a written sheet that must survive its rewrite (each links or holds a user's thing).
SHEET_FEATURES = (b"<drawing ", b"<legacyDrawing ", b"<extLst>", b"<mergeCell ", b"<sheetProtection ")
SHEET_FEATURES += (b"<hyperlink ", b"<tablePart ", b"<dataValidation ", b"<conditionalFormatting ")


@dataclass
class Run:
    """One book's trip through the commands: the original kept aside, the result, what each printed."""

    name: str
    original: Path
    result: Path
    adopted: Path  # the book as adopt left it: the baseline of the later commands
    codes: list[int] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # exceptions other than a clean exit (tracebacks)


def run_commands(name: str, built: Path, work: Path, commands: tuple[list[str], ...] = COMMANDS) -> Run:
    """Copy the built book into `work` and run adopt -> refresh -> qualify -> summary on the copy."""
    work.mkdir(parents=True)
    original = work / "original" / built.name
    original.parent.mkdir()
    shutil.copy2(built, original)
    result = work / built.name
    shutil.copy2(built, result)
    run = Run(name, original, result, work / "adopted" / built.name)
    runner = CliRunner()
    for command in commands:
        if command != COMMANDS[0]:
            run.adopted.parent.mkdir(exist_ok=True)
            if not run.adopted.exists():
                shutil.copy2(result, run.adopted)
        out = runner.invoke(app, [command[0], str(result), *command[1:]])
        run.codes.append(out.exit_code)
        run.outputs.append(out.output)
        if out.exception is not None and not isinstance(out.exception, SystemExit):
            run.errors.append(f"{command[0]}: {type(out.exception).__name__}: {out.exception}")
    return run


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n.endswith((".xml", ".rels"))}


def _targets(parts: dict[str, bytes], part: str, rel_type: str = "") -> list[str]:
    """Parts (package paths) that `part` points to, optionally only relationships of one type."""
    rels = parts.get(rels_name(part), b"")
    out = []
    for rel in re.findall(rb"<Relationship [^>]*>", rels):
        target = re.search(rb'Target="([^"]+)"', rel).group(1).decode()
        if b'TargetMode="External"' in rel or rel_type.encode() not in rel:
            continue
        base = PurePosixPath(part).parent
        joined = PurePosixPath(target.lstrip("/")) if target.startswith("/") else base / target
        out.append(_normal(joined))
    return out


def _normal(path: PurePosixPath) -> str:
    stack: list[str] = []
    for piece in path.parts:
        if piece == "..":
            stack.pop()
        elif piece != ".":
            stack.append(piece)
    return "/".join(stack)


def reachable(parts: dict[str, bytes], part: str) -> set[str]:
    """A part, its rels and every part reachable from it through relationships."""
    seen, todo = set(), [part]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen |= {current, rels_name(current)}
        todo += _targets(parts, current)
    return seen


def owned_parts(original: Path, result: Path) -> set[str]:
    """The parts leadbook may change: written sheets (+ rels, tables), Summary and all it reaches, package parts."""
    owned = set(PACKAGE_PARTS)
    for path in (original, result):
        parts = _parts(path)
        for name, part in sheet_parts(parts).items():
            if name.lower() in WRITTEN_SHEETS:
                owned |= {part, rels_name(part), *_targets(parts, part, TABLE_REL)}
            elif name.lower() == s.SUMMARY.lower():
                owned |= reachable(parts, part)
    return owned


def changed_parts(original: Path, result: Path, *, raw: bool = True) -> list[str]:
    """Each part leadbook does not own that is missing or not byte-identical (method, CRC, size and,
    with `raw`, the stored compressed bytes)."""
    owned = owned_parts(original, result)
    problems = []
    with zipfile.ZipFile(original) as a, zipfile.ZipFile(result) as b:
        after = {i.filename: i for i in b.infolist()}
        for info in a.infolist():
            new = after.get(info.filename)
            if new is None:
                if info.filename != "xl/calcChain.xml":
                    problems.append(f"{info.filename}: missing")
            elif info.filename in owned:
                continue
            elif (info.compress_type, info.CRC, info.file_size) != (
                new.compress_type,
                new.CRC,
                new.file_size,
            ):
                problems.append(f"{info.filename}: content or compression changed")
            elif raw and raw_record(original, info) != raw_record(result, new):
                problems.append(f"{info.filename}: stored bytes changed")
    return problems


def lost_sheet_features(original: Path, result: Path) -> list[str]:
    """Links and features of each written sheet (drawing, comments, extLst, merges...) that its rewrite dropped."""
    before, after = _parts(original), _parts(result)
    old, new = sheet_parts(before), sheet_parts(after)
    lost = []
    for name, part in old.items():
        if name.lower() not in WRITTEN_SHEETS:
            continue
        if name not in new:
            lost.append(f"sheet {name}: gone")
            continue
        for feature in SHEET_FEATURES:
            if after[new[name]].count(feature) < before[part].count(feature):
                lost.append(f"sheet {name}: {feature.decode().strip('< ')} dropped")
        kept = set(_targets(after, new[name]))
        lost += [f"sheet {name}: link to {t} dropped" for t in _targets(before, part) if t not in kept]
    return lost


WORKBOOK_FEATURES = (
    rb'<definedName [^>]*name="[^"]+"',
    rb'date1904="(1|true)"',
    rb'state="\w+"',
    rb"<pivotCache ",
)
WORKBOOK_FEATURES += (rb"<externalReference ", rb"<extLst>", rb"<workbookProtection ")


def lost_workbook_features(original: Path, result: Path) -> list[str]:
    """Defined names, the date system, sheet states, pivot caches, external references... that workbook.xml lost."""
    before, after = _parts(original)["xl/workbook.xml"], _parts(result)["xl/workbook.xml"]
    lost = []
    for pattern in WORKBOOK_FEATURES:
        missing = set(re.findall(pattern, before)) - set(re.findall(pattern, after))
        lost += [f"workbook.xml: {m if isinstance(m, bytes) else pattern} dropped" for m in missing]
    old_states = dict(re.findall(rb'<sheet [^>]*?name="([^"]+)"[^>]*?state="(\w+)"', before))
    new_states = dict(re.findall(rb'<sheet [^>]*?name="([^"]+)"[^>]*?state="(\w+)"', after))
    lost += [
        f"sheet {n.decode()}: no longer {st.decode()}"
        for n, st in old_states.items()
        if new_states.get(n) != st
    ]
    old_order = re.findall(rb'<sheet [^>]*?name="([^"]+)"', before)
    kept_order = [n for n in re.findall(rb'<sheet [^>]*?name="([^"]+)"', after) if n in old_order]
    if kept_order != old_order:
        lost.append(
            f"sheet order {[n.decode() for n in old_order]} became {[n.decode() for n in kept_order]}"
        )
    return lost


def formula_values(path: Path) -> dict[tuple[str, str], object]:
    """(sheet, cell) -> cached value of every formula cell, as openpyxl reads the values."""
    formulas = load_workbook(path)
    values = load_workbook(path, data_only=True)
    out = {}
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    out[ws.title, cell.coordinate] = values[ws.title][cell.coordinate].value
    return out


def lost_cached_values(original: Path, result: Path) -> list[str]:
    """Formula cells of the original whose cached value the result lost (openpyxl and calamine)."""
    before = formula_values(original)
    after = load_workbook(result, data_only=True)
    calamine = CalamineWorkbook.from_path(str(result))
    lost = []
    for (sheet, ref), value in before.items():
        if value is None:
            continue
        if after[sheet][ref].value != value:
            lost.append(f"{sheet}!{ref}: cached {value!r}, openpyxl reads {after[sheet][ref].value!r}")
        cell = after[sheet][ref]
        rows = calamine.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        got = (
            rows[cell.row - 1][cell.column - 1]
            if len(rows) >= cell.row and len(rows[cell.row - 1]) >= cell.column
            else ""
        )
        if got in ("", None):
            lost.append(f"{sheet}!{ref}: calamine reads blank")
    return lost


def unreadable(path: Path) -> list[str]:
    """Why openpyxl or python-calamine cannot read every sheet of the book (empty when both can)."""
    problems = []
    try:
        warnings.simplefilter("ignore")  # openpyxl warns about extensions it does not read
        load_workbook(path)
        load_workbook(path, data_only=True)
    except Exception as exc:  # the point is to report any failure of the reader
        problems.append(f"openpyxl: {type(exc).__name__}: {exc}")
    try:
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()
    except Exception as exc:
        problems.append(f"calamine: {type(exc).__name__}: {exc}")
    return problems


def work_not_done(result: Path) -> list[str]:
    """What the commands should have written and did not: a Score per lead, L1 and L4 on Prospects, a Summary."""
    book = CalamineWorkbook.from_path(str(result))
    missing = [f"no {sheet} sheet" for sheet in (s.PROSPECTS, s.SUMMARY) if sheet not in book.sheet_names]
    if missing:
        return missing
    leads = book.get_sheet_by_name(s.LEADS).to_python()
    top = next(i for i, row in enumerate(leads) if sum(v not in ("", None) for v in row) >= 2)
    score = leads[top].index(s.SCORE)
    blank = [i + 1 for i, row in enumerate(leads[top + 1 :], start=top + 1) if row[score] in ("", None)]
    prospects = {row[0] for row in book.get_sheet_by_name(s.PROSPECTS).to_python()[1:]}
    return [f"Leads row {r}: no Score" for r in blank] + [
        f"{lead} not moved to Prospects" for lead in ("L1", "L4") if lead not in prospects
    ]


def restored(source: Path, target: Path, level: int = 9) -> Path:
    """The same package with every member deflated again at `level`: same content, other stored bytes.

    A baseline no writer produces by itself, so a writer that recompresses a member it should copy
    cannot hide behind writing the same bytes as the previous write."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(source) as z, zipfile.ZipFile(target, "w") as out:
        for info in z.infolist():
            out.writestr(info, z.read(info), zipfile.ZIP_DEFLATED, compresslevel=level)
    return target
