"""The corpus proof: adopt -> refresh -> qualify -> summary on each book keeps every part leadbook does not own.

Every check on every book: exit codes, byte-identical parts (stored bytes and CRC), features of
the written sheets and workbook.xml, cached formula values; openpyxl, calamine and LibreOffice
read the results.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus import harness as h
from corpus.books import BOOKS, soffice_convert


def test_the_corpus_has_at_least_twenty_books():
    assert len(BOOKS) >= 20


def damage(run: h.Run, *, raw: bool = True) -> list[str]:
    """Everything the full check finds wrong with a run (empty when the book came through whole)."""
    found = [
        f"{cmd[0]} exited {code}"
        for cmd, code in zip(h.COMMANDS, run.codes, strict=True)
        if code not in (0, 1)
    ]
    found += run.errors + [
        f"{cmd[0]} printed a traceback"
        for cmd, out in zip(h.COMMANDS, run.outputs, strict=True)
        if "Traceback" in out
    ]
    found += h.unreadable(run.result)
    if found:
        return found
    return h.work_not_done(run.result) + kept_since(run.original, run, raw=raw)


def kept_since(baseline, run: h.Run, *, raw: bool = True) -> list[str]:
    """What the result lost of `baseline`: parts, written sheets' features, workbook.xml's, cached values."""
    return (
        h.changed_parts(baseline, run.result, raw=raw)
        + h.lost_sheet_features(baseline, run.result)
        + h.lost_workbook_features(baseline, run.result)
        + h.lost_cached_values(baseline, run.result)
    )


@pytest.mark.parametrize("name", sorted(BOOKS))
def test_original_book_is_valid(name, built):
    """The corpus itself is sound: each built book reads in openpyxl and calamine."""
    assert h.unreadable(built[name]) == []


def test_every_book_comes_through_whole(runs):
    """adopt -> refresh -> qualify -> summary: every part leadbook does not own keeps its stored bytes."""
    assert {name: damage(runs[name]) for name in BOOKS} == {name: [] for name in BOOKS}
    assert all(runs[name].codes[0] == 0 for name in BOOKS)


def test_commands_after_adopt_keep_every_stored_byte(adopted_runs):
    """refresh -> qualify -> summary from a re-stored adopted book (level-9 deflate): raw bytes kept."""
    assert {name: damage(run) for name, run in adopted_runs.items()} == {name: [] for name in adopted_runs}


def test_libreoffice_converts_every_original_and_result(built, runs, adopted_runs, tmp_path):
    books = {f"original-{n}": p for n, p in built.items()}
    books |= {f"result-{n}": r.result for n, r in runs.items()}
    books |= {f"adopted-{n}": r.result for n, r in adopted_runs.items()}
    folder = tmp_path / "in"
    folder.mkdir()
    inputs = []
    for label, path in books.items():
        inputs.append(folder / f"{label}{path.suffix}")
        inputs[-1].write_bytes(path.read_bytes())
    soffice_convert(inputs, "csv", tmp_path / "csv", tmp_path / "profile")
    assert {p.stem for p in (tmp_path / "csv").glob("*.csv")} == set(books)


def test_readme_lists_every_book():
    readme = (Path(__file__).parent / "README.md").read_text()
    assert [name for name in BOOKS if f"| `{name}` |" not in readme] == []
