"""Structural tests of the Leadbook Excel add-in (workbook/addin) and of the add-in it builds.

No Excel here: these check the ribbon XML, the VBA callbacks and the built .xlam as files
(the built VBA project is read back with oletools' olevba).
"""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from defusedxml import ElementTree

ADDIN = Path(__file__).resolve().parents[2] / "workbook" / "addin"
CUSTOM_UI = ADDIN / "customUI.xml"
LEADBOOK_BAS = ADDIN / "Leadbook.bas"
UI = "{http://schemas.microsoft.com/office/2006/01/customui}"
EXTENSIBILITY = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
MACROS = [
    "qualify", "refresh", "summary", "highlight", "log_touch", "check", "import_inbox", "calibrate",
    "new_sheets", "adopt",
]  # fmt: skip
RUNPYTHON = re.compile(r'^\s*RunPython\s+"([^"]*)"', re.MULTILINE)
MACRO_CALL = re.compile(r"import leadbook\.excel\.macros as m; m\.(\w+)\(\)")
# oletools 0.60 still uses pyparsing's old camelCase names.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:oletools.*")


def sub_names(source: str) -> dict[str, str]:
    """Sub name -> its parameter list, for every Sub in a VBA module's source."""
    found = re.findall(r"^\s*(?:Public\s+)?Sub\s+(\w+)\s*\(([^)]*)\)", source, re.I | re.M)
    return dict(found)


def vb_name(source: str) -> str:
    return re.search(r'^Attribute VB_Name = "(\w+)"', source, re.M).group(1)


def buttons() -> list:
    root = ElementTree.parse(CUSTOM_UI).getroot()
    tabs = [t for t in root.iter(f"{UI}tab") if t.get("label") == "Leadbook"]
    assert len(tabs) == 1, "exactly one tab labelled Leadbook"
    return list(tabs[0].iter(f"{UI}button"))


def on_actions() -> list[str]:
    return [b.get("onAction") for b in buttons()]


def test_ribbon_has_leadbook_tab_with_its_buttons():
    labels = [b.get("label") for b in buttons()]
    assert labels == [
        "Qualify",
        "Refresh",
        "Highlight overdue",
        "Log touch",
        "Import",
        "Refresh summary",
        "Check",
        "Calibrate",
        "New leadbook sheets",
        "Adopt",
    ]
    assert len({b.get("id") for b in buttons()}) == 10


@pytest.mark.parametrize("attr", ["id", "label", "imageMso", "screentip", "supertip", "onAction"])
def test_every_button_has(attr):
    for button in buttons():
        assert (button.get(attr) or "").strip(), f"{button.get('id')} has no {attr}"
    assert {b.get("size") for b in buttons()} == {"large"}


def test_every_on_action_names_a_sub_of_leadbook_bas():
    source = LEADBOOK_BAS.read_text(encoding="utf-8")
    subs = sub_names(source)
    for action in on_actions():
        module, _, sub = action.rpartition(".")
        assert module in ("", vb_name(source)), action
        assert sub in subs, f"{action}: no Sub {sub} in Leadbook.bas"
        assert re.fullmatch(r"\s*control As Object\s*", subs[sub]), subs[sub]


def test_leadbook_bas_has_crlf_line_ends():
    data = LEADBOOK_BAS.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n") > 0


def test_runpython_strings_call_the_macros():
    commands = RUNPYTHON.findall(LEADBOOK_BAS.read_text(encoding="utf-8"))
    called = []
    for command in commands:
        match = MACRO_CALL.fullmatch(command)
        assert match, f"unexpected RunPython command: {command!r}"
        called.append(match.group(1))
    assert sorted(called) == sorted(MACROS)


@pytest.mark.parametrize("name", MACROS)
def test_macro_exists_in_leadbook_excel_macros(name):
    macros = importlib.import_module("leadbook.excel.macros")
    assert callable(getattr(macros, name, None)), f"leadbook.excel.macros.{name} missing"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """Run build.py from an empty directory (it must not litter the cwd)."""
    workdir = tmp_path_factory.mktemp("build")
    out = workdir / "leadbook.xlam"
    result = subprocess.run(
        [sys.executable, str(ADDIN / "build.py"), str(out)],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in workdir.iterdir()) == ["leadbook.xlam"]
    return out


@pytest.fixture(scope="module")
def built_modules(built) -> dict[str, str]:
    from oletools.olevba import VBA_Parser

    parser = VBA_Parser(str(built))
    try:
        assert parser.detect_vba_macros()
        return {vb_name(code): code for _, _, _, code in parser.extract_macros()}
    finally:
        parser.close()


def test_built_project_has_every_callback(built_modules):
    for action in on_actions():
        module, _, sub = action.rpartition(".")
        assert sub in sub_names(built_modules[module or "Leadbook"]), action


def test_built_leadbook_module_reads_back_identical(built_modules):
    source = LEADBOOK_BAS.read_bytes().decode("cp1252")
    assert built_modules["Leadbook"] == source


def test_built_xlwings_module_is_the_custom_addin_variant(built_modules):
    code = built_modules["xlwings"]
    assert 'Public Const PROJECT_NAME As String = "leadbook"' in code
    assert "Set wb = ActiveWorkbook" in code and "Public Function RunPython(" in code
    assert "Dictionary" in built_modules  # the class xlwings' config code uses on macOS


def test_built_zip_uses_our_custom_ui_and_references_it(built):
    with zipfile.ZipFile(built) as z:
        assert z.testzip() is None
        assert z.read("customUI/customUI.xml") == CUSTOM_UI.read_bytes()
        rels = ElementTree.fromstring(z.read("_rels/.rels"))
        content_types = z.read("[Content_Types].xml").decode()
    targets = [r.get("Target").lstrip("/") for r in rels if r.get("Type") == EXTENSIBILITY]
    assert targets == ["customUI/customUI.xml"]
    assert "application/vnd.ms-excel.addin.macroEnabled.main+xml" in content_types
    assert "application/vnd.ms-office.vbaProject" in content_types
