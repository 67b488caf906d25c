"""Install paths: the wheel carries workbook/ and the entry point; `leadbook addin install` builds
the add-in for the installed xlwings and records that version."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
import xlwings
from oletools.olevba import VBA_Parser
from typer.testing import CliRunner

from leadbook.cli import app
from leadbook.core.problems import LeadbookError
from leadbook.excel import addin

ROOT = Path(__file__).parents[2]
UI = "{http://schemas.microsoft.com/office/2006/01/customui}"


def test_wheel_carries_the_workbook_sources_and_the_entry_point(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            str(ROOT),
            "-w",
            str(tmp_path),
        ],
        check=True,
        cwd=tmp_path,
    )
    (wheel,) = tmp_path.glob("leadbook-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        entry = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        assert "leadbook = leadbook.cli:main" in z.read(entry).decode()
        for path in (ROOT / "workbook").rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                name = "leadbook/" + path.relative_to(ROOT).as_posix()
                assert name in names, name
                assert z.read(name) == path.read_bytes(), name
        metadata = z.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        assert "Requires-Dist: xlwings>=0.37.4" in metadata


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("addins")
    result = CliRunner().invoke(app, ["addin", "install", "--dir", str(folder)])
    assert result.exit_code == 0, result.output
    return folder / "leadbook.xlam", result.output


def _modules(path: Path) -> dict[str, str]:
    parser = VBA_Parser(str(path))
    try:
        return {stream.split("/")[-1]: code for _, stream, _, code in parser.extract_macros()}
    finally:
        parser.close()


def test_addin_install_builds_every_callback_the_ribbon_names(installed):
    path, _ = installed
    modules = _modules(path)
    with zipfile.ZipFile(path) as z:
        root = ET.fromstring(z.read("customUI/customUI.xml"))
    actions = {b.get("onAction") for b in root.iter(f"{UI}button")}
    assert len(actions) >= 6
    subs = {
        m: set(re.findall(r"^Sub (\w+)", code, flags=re.MULTILINE | re.IGNORECASE))
        for m, code in modules.items()
    }
    for action in actions:
        module, _, sub = action.rpartition(".")
        assert sub in subs[module or "Leadbook"], action


def test_addin_records_the_installed_xlwings_and_the_rebuild_command(installed):
    path, output = installed
    code = _modules(path)["xlwings"]
    assert (
        re.search(r'^Public Const XLWINGS_VERSION As String = "(.*?)"', code, re.M).group(1)
        == xlwings.__version__
    )
    assert f"xlwings{64}-{xlwings.__version__}.dll" in code
    assert 'Public Const LEADBOOK_REBUILD As String = "leadbook addin install"' in code
    assert f"for xlwings {xlwings.__version__}" in output
    assert "leadbook addin install" in output


def test_addins_folder_per_platform(tmp_path):
    assert addin.addins_dir("win32", {"APPDATA": str(tmp_path)}) == tmp_path / "Microsoft" / "AddIns"
    assert "UBF8T346G9.Office" in str(addin.addins_dir("darwin", {}))
    with pytest.raises(LeadbookError, match="--dir"):
        addin.addins_dir("linux", {})


def test_addin_install_without_dir_on_linux_is_a_sentence(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    result = CliRunner().invoke(app, ["addin", "install"])
    assert result.exit_code == 2
    assert "pass --dir FOLDER" in result.output


def _streams(xlam: Path) -> dict[str, bytes]:
    import io

    import olefile

    with zipfile.ZipFile(xlam) as z:
        ole = olefile.OleFileIO(io.BytesIO(z.read("xl/vbaProject.bin")))
    return {"/".join(path): ole.openstream(path).read() for path in ole.listdir()}


def _project_keys(text: str) -> list[str]:
    head = text.split("[Host Extender Info]")[0]
    return [line.split("=")[0] for line in head.splitlines() if "=" in line]


def test_vba_project_has_the_streams_and_fields_excel_writes(installed):
    """Compared with the project Excel itself wrote in xlwings' template (not run in Excel)."""
    path, _ = installed
    ours = _streams(path)
    theirs = _streams(Path(xlwings.__file__).parent / "quickstart_addin_ribbon.xlam")
    assert {k for k in theirs if "/" not in k} == {"PROJECT", "PROJECTwm"}
    assert {k for k in ours if "/" not in k} == {"PROJECT", "PROJECTwm"}
    project = ours["PROJECT"].decode("cp1252")
    modules = [
        line.split("=")[1].split("/")[0]
        for line in project.splitlines()
        if line.split("=")[0] in ("Document", "Module", "Class")
    ]
    assert set(modules) == {
        k.split("/")[1] for k in ours if k.startswith("VBA/") and k not in ("VBA/dir", "VBA/_VBA_PROJECT")
    }
    expected = (
        b"".join(m.encode("cp1252") + b"\0" + m.encode("utf-16-le") + b"\0\0" for m in modules) + b"\0\0"
    )
    assert ours["PROJECTwm"] == expected
    non_module = [k for k in _project_keys(project) if k not in ("Document", "Module", "Class")]
    assert non_module == [
        k
        for k in _project_keys(theirs["PROJECT"].decode("cp1252"))
        if k not in ("Document", "Module", "Class")
    ]
    workspace = project.split("[Workspace]")[1].split()
    assert [line.split("=")[0] for line in project.split("[Workspace]")[1].strip().splitlines()] == modules, (
        workspace
    )
