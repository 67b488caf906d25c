"""Writes that lose nothing: a lock for the whole command, open-file refusal, temp file, backup, atomic replace.

- `hold(path)`: leadbook's own lock on the book (an exclusive `flock` on the file itself, so nothing
  is left beside it), taken when a command opens the book and held until it ends, so two commands
  on one book run one after the other; a second waits up to `LOCK_WAIT` seconds, then refuses.
- `stamp(path)` at read and `safe_write(..., expect=stamp)` at write: a book that changed since it
  was read (saved by Excel, another program, a teammate) is never replaced.
- `safe_write`: the new package goes to a hidden temp file in the book's folder, is fsynced, gets
  the original's mode (and owner, where allowed), then replaces the book atomically. A book given
  through a symlink: the link's target is replaced, the link stays. Before the first write of a
  command, the book is copied to `.leadbook-backups/` beside it (under a temp name, then renamed,
  so a kill never leaves a half copy under a backup's name); the newest `BACKUPS_KEPT` per book are
  kept, and the copy made before `adopt` (`keep=True`) is never rotated away.
- Temp files of a killed run are removed by the next run in that folder.

`LEADBOOK_TEST_KILL_AT` (tests only) kills the process at a named point of a write.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import secrets
import shutil
import signal
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple

from defusedxml import ElementTree

from leadbook.core.problems import LeadbookError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock; the changed-since-read check still holds
    fcntl = None  # type: ignore[assignment]

BACKUPS_KEPT = 5
BACKUP_DIR = ".leadbook-backups"
LOCK_WAIT = 15.0
TEMP_PREFIX = ".~leadbook-"
STALE_AFTER = 24 * 3600
_CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
# Parts openpyxl rewrites or Excel rebuilds by itself: losing these loses nothing a user made.
_REBUILT = ("calcChain", "printerSettings", "sharedStrings", "core-properties", "extended-properties")
# Sheet-level features openpyxl cannot read, so would silently drop on save (its fallback path only).
_UNKEPT_SHEET_XML = {
    b"<extLst": "Excel 2010+ extensions (sparklines, slicers, data bars or cross-sheet dropdowns)",
}
_UNKEPT_DRAWING_XML = {
    b"<xdr:sp>": "shapes or text boxes",
    b"<xdr:sp ": "shapes or text boxes",
    b"<xdr:grpSp": "grouped shapes",
    b"<xdr:cxnSp": "connectors",
}


# ---------------------------------------------------------------- open elsewhere, lock, stamp
def lock_file(path: Path) -> Path | None:
    """Excel's owner file (~$name) or LibreOffice's lock file beside a book it has open, if any."""
    for name in (f"~${path.name}", f"~${path.name[2:]}", f".~lock.{path.name}#"):
        candidate = path.with_name(name)
        if candidate.exists():
            return candidate
    return None


def refuse_if_open(path: Path) -> None:
    """Refuse to write a book that Excel (or LibreOffice) has open."""
    path = Path(path)
    lock = lock_file(path) or (lock_file(path.resolve()) if path.is_symlink() else None)
    if lock is not None:
        where = "LibreOffice" if lock.name.startswith(".~lock.") else "Excel"
        ribbon = "" if where == "LibreOffice" else " (or use the Leadbook ribbon inside Excel)"
        raise LeadbookError(
            f"{path.name} is open in {where} ({lock.name} exists); close it there and run again{ribbon}"
        )


class Stamp(NamedTuple):
    """What a book looked like when it was read: a different stamp means someone saved it since."""

    size: int
    mtime_ns: int
    inode: int


def stamp(path: Path) -> Stamp:
    st = Path(path).stat()
    return Stamp(st.st_size, st.st_mtime_ns, st.st_ino)


_HELD: dict[Path, list] = {}  # resolved path -> [open file, holders]


def hold(path: Path, wait: float = LOCK_WAIT) -> None:
    """Take leadbook's lock on the book for this process (re-entrant); refuse after `wait` seconds."""
    real = Path(path).resolve()
    if real in _HELD:
        _HELD[real][1] += 1
        return
    if fcntl is None or not real.exists():
        return
    deadline = time.monotonic() + wait
    while True:
        handle = open(real, "rb")  # noqa: SIM115 - held until release()
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            if time.monotonic() > deadline:
                raise LeadbookError(
                    f"another leadbook command is working on {real.name}; run this one again when it "
                    "has finished (nothing was changed)"
                ) from None
            time.sleep(0.1)
            continue
        if os.fstat(handle.fileno()).st_ino == os.stat(real).st_ino:
            _HELD[real] = [handle, 1]
            return
        handle.close()  # the book was replaced while we waited: lock the new file


def release(path: Path) -> None:
    """Give back one hold on the book's lock; the last one unlocks it."""
    real = Path(path).resolve()
    held = _HELD.get(real)
    if held is None:
        return
    held[1] -= 1
    if held[1] <= 0:
        held[0].close()
        del _HELD[real]


def _relock(real: Path) -> None:
    """After replacing a held book, hold the lock on the new file (the old inode is gone)."""
    held = _HELD.get(real)
    if held is None or fcntl is None:
        return
    held[0].close()
    handle = open(real, "rb")  # noqa: SIM115 - held until release()
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # a command that started just now took it first: this one is done writing
        handle.close()
        del _HELD[real]
        return
    held[0] = handle


# ---------------------------------------------------------------- openpyxl fallback checks
def _content_type(types: dict[str, str], defaults: dict[str, str], part: str) -> str:
    return types.get("/" + part) or defaults.get(part.rsplit(".", 1)[-1].lower(), "unknown")


def inventory(path: Path) -> Counter[str]:
    """How many parts of each content type the file holds (names may change; counts may not)."""
    with zipfile.ZipFile(path) as z:
        root = ElementTree.fromstring(z.read("[Content_Types].xml"))
        types = {e.get("PartName"): e.get("ContentType") for e in root.iter(f"{_CT_NS}Override")}
        defaults = {e.get("Extension").lower(): e.get("ContentType") for e in root.iter(f"{_CT_NS}Default")}
        parts = [
            n
            for n in z.namelist()
            if not n.endswith("/") and not n.endswith(".rels") and n != "[Content_Types].xml"
        ]
    return Counter(_content_type(types, defaults, p) for p in parts)


def unkept_features(path: Path) -> list[str]:
    """Features in the file that the openpyxl fallback would drop, each as a sentence naming where."""
    found = []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", name):
                data = z.read(name)
                found += [f"{name}: {what}" for marker, what in _UNKEPT_SHEET_XML.items() if marker in data]
            elif re.fullmatch(r"xl/drawings/drawing\d+\.xml", name):
                data = z.read(name)
                whats = {what for marker, what in _UNKEPT_DRAWING_XML.items() if marker in data}
                found += [f"{name}: {what}" for what in sorted(whats)]
    return found


def lost_parts(before: Counter[str], after: Counter[str]) -> list[str]:
    """Content types with fewer parts after writing than before (what the writer dropped)."""
    lost = []
    for ctype, count in before.items():
        if after.get(ctype, 0) < count and not any(k in ctype for k in _REBUILT):
            short = ctype.rsplit(".", 1)[-1].replace("+xml", "")
            lost.append(f"{count - after.get(ctype, 0)} {short} part(s)")
    return lost


def refuse_unkept(path: Path) -> None:
    """Refuse before an openpyxl round trip of a book holding parts openpyxl cannot keep."""
    unkept = unkept_features(path)
    if unkept:
        raise LeadbookError(
            f"{path.name} holds things this write would lose: "
            + "; ".join(unkept)
            + ". Nothing was written. Run this action from the Leadbook ribbon in Excel instead, "
            "or move those objects to another workbook."
        )


def untouched_parts_differ(original: Path, written: Path, owned: Iterable[str]) -> list[str]:
    """Parts of `original` that are missing or changed in `written` although leadbook does not own them."""
    owned = set(owned)
    with zipfile.ZipFile(original) as a, zipfile.ZipFile(written) as b:
        after = {i.filename: i for i in b.infolist()}
        bad = []
        for info in a.infolist():
            if info.filename in owned:
                continue
            new = after.get(info.filename)
            same = new is not None and (new.CRC, new.compress_size, new.file_size, new.compress_type) == (
                info.CRC, info.compress_size, info.file_size, info.compress_type,
            )  # fmt: skip
            if not same:
                bad.append(info.filename)
    return bad


# ---------------------------------------------------------------- backups, temp files
def backup_dir(path: Path) -> Path:
    return Path(path).parent / BACKUP_DIR


def backup_path(path: Path, now: dt.datetime, keep: bool = False, label: str | None = None) -> Path:
    """Where the backup of a book goes: `.leadbook-backups/` beside it, stamped with the time
    (`label`: a copy of its own kind, "before-adopt" when `keep`, never rotated with the others)."""
    label = label or ("before-adopt" if keep else None)
    tag = f"{label}-" if label else ""
    return backup_dir(path) / f"{path.stem}.{tag}{now:%Y%m%d-%H%M%S-%f}{path.suffix}"


def set_aside(path: Path, label: str, now: dt.datetime | None = None, kept: int = 3) -> Path:
    """Copy a book that is about to be replaced whole (`leadbook demo` makes its book again) to
    `.leadbook-backups/NAME.LABEL-STAMP.xlsx`; the newest `kept` such copies stay (the usual
    backups are not rotated by these, nor these by them). Returns the copy's path."""
    real = Path(path).resolve()
    target = _backup(real, now or dt.datetime.now(), False, label)
    _prune_backups(real, label, kept)
    return target


def glob_escape(text: str) -> str:
    """A literal for Path.glob (brackets in a file name are not a pattern)."""
    return re.sub(r"([\[\]*?])", r"[\1]", text)


def _prune_backups(path: Path, label: str | None = None, kept: int = BACKUPS_KEPT) -> None:
    """Keep the newest `kept` backups of one kind (`label`, or the usual ones without a label)."""
    tag = f"{glob_escape(label)}-" if label else ""
    pattern = f"{glob_escape(path.stem)}.{tag}[0-9]*{glob_escape(path.suffix)}"
    backups = sorted(backup_dir(path).glob(pattern))  # labelled copies (before-adopt) do not match
    for old in backups[:-kept]:
        old.unlink(missing_ok=True)


def _kill_at(point: str) -> None:
    if os.environ.get("LEADBOOK_TEST_KILL_AT") == point:  # crash-safety tests only
        os.kill(os.getpid(), signal.SIGKILL)


def _temp(folder: Path, suffix: str) -> Path:
    return folder / f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}{suffix}"


def clean_stale_temps(folder: Path) -> None:
    """Remove leadbook temp files left by a killed run (its process gone, or older than a day)."""
    for folder_ in (folder, folder / BACKUP_DIR):
        for tmp in folder_.glob(f"{TEMP_PREFIX}*"):
            m = re.match(rf"{re.escape(TEMP_PREFIX)}(\d+)-", tmp.name)
            alive = False
            if m and int(m[1]) != os.getpid():
                with contextlib.suppress(OSError):
                    os.kill(int(m[1]), 0)
                    alive = True
            elif m:
                alive = True
            with contextlib.suppress(OSError):
                if not alive or time.time() - tmp.stat().st_mtime > STALE_AFTER:
                    tmp.unlink()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _backup(real: Path, now: dt.datetime, keep: bool, label: str | None = None) -> Path:
    folder = backup_dir(real)
    folder.mkdir(exist_ok=True)
    target = backup_path(real, now, keep, label)
    tmp = _temp(folder, real.suffix)
    try:
        shutil.copy2(real, tmp)
        _kill_at("backup-copy")
        _fsync(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _keep_mode_and_owner(original: Path, tmp: Path) -> None:
    st = original.stat()
    os.chmod(tmp, st.st_mode & 0o7777)
    if hasattr(os, "chown"):
        with contextlib.suppress(OSError):  # only root (or the owner keeping its group) may
            os.chown(tmp, st.st_uid, st.st_gid)


def safe_write(
    path: Path,
    write: Callable[[Path], Iterable[str] | None],
    *,
    now: dt.datetime | None = None,
    expect: Stamp | None = None,
    backup: bool = True,
    keep: bool = False,
) -> Path | None:
    """Write a book through `write(temp_path)`, check nothing was lost, back up, replace atomically.

    `write` may return the names of the parts it changed or removed: every other part of the
    original must then be in the result unchanged (compressed bytes, CRC); otherwise (a whole
    round trip) no content type may lose parts. `expect`: refuse if the book changed since then.
    Returns the backup's path (None when the book is new or `backup` is off). When `write` says
    it changed no part, the book is left as it was (not replaced, no backup). On any error or
    kill, the original is untouched.
    """
    path = Path(path)
    real = path.resolve()
    refuse_if_open(path)
    existed = real.exists()
    clean_stale_temps(real.parent)
    before = inventory(real) if existed else Counter()
    tmp = _temp(real.parent, real.suffix)
    try:
        owned = write(tmp)
        _kill_at("temp-written")
        if existed and isinstance(owned, set | frozenset) and not owned:
            return None  # every part came out as it was: nothing to replace, nothing to back up
        if existed and isinstance(owned, set | frozenset | list | tuple):
            differ = untouched_parts_differ(real, tmp, owned)
            if differ:
                raise LeadbookError(
                    f"writing {path.name} would change parts leadbook does not own ({', '.join(differ[:5])}); "
                    "nothing was written"
                )
        elif existed:
            lost = lost_parts(before, inventory(tmp))
            if lost:
                raise LeadbookError(
                    f"writing {path.name} would drop {', '.join(lost)} that the file writer cannot keep; "
                    "nothing was written"
                )
        _fsync(tmp)
        if existed and expect is not None and stamp(real) != expect:
            raise LeadbookError(
                f"{path.name} changed since leadbook read it (saved by Excel or another program); "
                "nothing was written: run the command again"
            )
        saved = None
        if existed:
            _keep_mode_and_owner(real, tmp)
            if backup:
                saved = _backup(real, now or dt.datetime.now(), keep)
        _kill_at("before-replace")
        os.replace(tmp, real)
        with contextlib.suppress(OSError):
            _fsync(real.parent)
        _relock(real)
        if saved is not None and not keep:
            _prune_backups(real)
        return saved
    finally:
        tmp.unlink(missing_ok=True)
