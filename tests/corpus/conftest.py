"""Fixtures for the corpus: LibreOffice found on the path, and the corpus built and run once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from corpus.books import BOOKS
from corpus.harness import COMMANDS, Run, restored, run_commands


@pytest.fixture(scope="session")
def soffice() -> str:
    """The LibreOffice binary (CI installs libreoffice-calc in .ci/run); the corpus needs it."""
    found = shutil.which("soffice")
    assert found, "LibreOffice is needed: apt-get install -y --no-install-recommends libreoffice-calc"
    return found


@pytest.fixture(scope="session")
def built(tmp_path_factory, soffice) -> dict[str, Path]:
    """Every corpus book, built once (the LibreOffice save needs soffice)."""
    root = tmp_path_factory.mktemp("corpus-built")
    books = {}
    for name, (factory, _) in BOOKS.items():
        (root / name).mkdir()
        books[name] = factory(root / name)
    return books


@pytest.fixture(scope="session")
def runs(tmp_path_factory, built) -> dict[str, Run]:
    """Each book copied and taken through adopt -> refresh -> qualify -> summary."""
    root = tmp_path_factory.mktemp("corpus-runs")
    return {name: run_commands(name, path, root / name) for name, path in built.items()}


@pytest.fixture(scope="session")
def adopted_runs(tmp_path_factory) -> dict[str, Run]:
    """Each book's adopted variant (every contract column, dropdown and highlight already on Leads and
    Touches, so adopt only grafts the missing sheets) taken through the same commands."""
    root = tmp_path_factory.mktemp("corpus-adopted")
    runs = {}
    for name, (factory, _) in BOOKS.items():
        (root / "built" / name).mkdir(parents=True)
        runs[name] = run_commands(name, factory(root / "built" / name, adopted=True), root / "runs" / name)
    return runs


@pytest.fixture(scope="session")
def later_runs(tmp_path_factory, adopted_runs) -> dict[str, Run]:
    """refresh -> qualify -> summary on each adopted variant as adopt left it, re-stored at level 9."""
    root = tmp_path_factory.mktemp("corpus-later")
    runs = {}
    for name, run in adopted_runs.items():
        baseline = restored(run.adopted, root / "baseline" / name / run.adopted.name)
        runs[name] = run_commands(name, baseline, root / "runs" / name, COMMANDS[1:])
    return runs
