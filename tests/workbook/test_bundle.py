"""The xlwings Lite bundle (`leadbook lite-bundle DIR`) is self-contained and runs in Lite's engine.

The generated main.py is imported in a fresh interpreter (`-I`, a temp cwd, the repository off
sys.path and leadbook's editable-install finder removed), so every leadbook module it uses must
come from the zip it carries. Its scripts and functions are registered and run through xlwings'
remote engine (tests/excel/engine.py and officejs.py, the double of Lite's Office.js client),
and the results are compared with the same run of the repository's workbook/lite/main.py.
"""

from __future__ import annotations

import ast
import base64
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leadbook.cli import app
from leadbook.core import schema as s

ROOT = Path(__file__).parents[2]
TESTS_EXCEL = ROOT / "tests" / "excel"
# What Pyodide has (or micropip installs as pure Python), plus the standard library.
PYODIDE = {
    "xlwings",
    "pandas",
    "numpy",
    "dateutil",
    "pytz",
    "tzdata",
    "phonenumbers",
    "rapidfuzz",
    "scipy",
    "sklearn",
}

RUNNER = (Path(__file__).parent / "lite_runner.py").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def bundle_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lite")
    result = CliRunner().invoke(app, ["lite-bundle", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


@pytest.fixture(scope="module")
def payload_path(tmp_path_factory):
    sys.path.insert(0, str(TESTS_EXCEL))
    try:
        import engine
    finally:
        sys.path.remove(str(TESTS_EXCEL))
    return engine.sample_payload_file(tmp_path_factory.mktemp("book"))


def _run(main_path: Path, payload: Path, mode: str, cwd: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(XLWINGS_LICENSE_KEY="noncommercial", XLWINGS_ON_SERVER="true")
    runner = cwd / "runner.py"
    runner.write_text(RUNNER)
    done = subprocess.run(
        [sys.executable, "-I", str(runner), str(ROOT), str(main_path), str(payload), str(TESTS_EXCEL), mode],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _zip_sources(main_path: Path) -> dict[str, str]:
    tree = ast.parse(main_path.read_text(encoding="utf-8"))
    value = next(
        n.value.value
        for n in tree.body
        if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "_LEADBOOK_ZIP"
    )
    with zipfile.ZipFile(io.BytesIO(base64.b64decode("".join(value.split())))) as z:
        return {name: z.read(name).decode() for name in z.namelist()}


def test_bundle_imports_only_what_pyodide_has(bundle_dir):
    sources = _zip_sources(bundle_dir / "main.py")
    sources["main.py"] = (bundle_dir / "main.py").read_text(encoding="utf-8")
    assert "leadbook/excel/macros.py" in sources and "leadbook/core/scoring.py" in sources
    assert not any(name.endswith(("filebook.py", "reader.py", "cli.py")) for name in sources)
    imported = set()
    for name, text in sources.items():
        for node in ast.walk(ast.parse(text, filename=name)):
            if isinstance(node, ast.Import):
                imported.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"leadbook", "__future__"}
    assert third_party <= PYODIDE, third_party - PYODIDE
    assert not third_party & {"python_calamine", "fastexcel", "pyarrow", "openpyxl", "typer", "rich"}
    requirements = (bundle_dir / "requirements.txt").read_text().split("\n")
    assert "xlwings>=0.36.10" in requirements and "pandas" in requirements and "numpy" in requirements
    assert "leadbook" not in requirements


def test_bundle_runs_self_contained_like_the_repository_scripts(bundle_dir, payload_path, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    bundled = _run(bundle_dir / "main.py", payload_path, "bundle", tmp_path / "a")
    repo = _run(ROOT / "workbook" / "lite" / "main.py", payload_path, "repo", tmp_path / "b")
    assert bundled["repo_modules"] == [] and repo["repo_modules"]
    assert all(".zip" in folder for folder in bundled["leadbook_files"]), bundled["leadbook_files"]
    assert "check" in bundled["scripts"] and "qualify" in bundled["scripts"]
    assert bundled["scripts"] == repo["scripts"]
    assert "LB_SCORE" in bundled["functions"] and bundled["functions"] == repo["functions"]
    assert len(bundled["scripts"]) == 10  # every script: qualify ... calibrate, new_sheets, adopt
    for key in [
        *bundled["scripts"],
        "new_sheets on a blank book",
        "adopt on a blank book",
        "LB_GRADE",
        "LB_SCORE",
    ]:
        assert bundled[key] == repo[key], key
        if key in bundled["scripts"] or " on a " in key:
            # the sample has no Inbox sheet (import refuses, saying so); Log touch only selects a cell
            alerts = {"import_inbox": ["critical"], "log_touch": []}.get(key, ["info"])
            assert bundled[key] and bundled[key + " alert"] == alerts, (key, bundled[key + " alert"])
    assert [a[0] for a in bundled["new_sheets on a blank book"]].count("addSheet") == len(s.SHEETS)
    assert [row[0] for row in bundled["LB_GRADE"]] != [None, None]
