"""Build the Leadbook Excel add-in from the text sources in this folder, without Excel.

    python workbook/addin/build.py OUT.xlam [--keep-shipped-vba] [--project-name NAME]

Starts from xlwings' own ribbon add-in template, ``quickstart_addin_ribbon.xlam`` (the file
``xlwings quickstart NAME --addin --ribbon`` copies), and replaces:

* ``customUI/customUI.xml`` with ``customUI.xml`` from this folder;
* ``xl/vbaProject.bin`` with a project written by the ``ms-ovba`` package from
  - ``ThisWorkbook``, ``Sheet2`` (document modules) and ``Dictionary`` (class module that
    xlwings uses on macOS): taken unchanged from the template's own project (read with oletools);
  - ``xlwings``: ``xlwings_custom_addin.bas`` of the *installed* xlwings (RunPython acts on the
    active workbook, not the add-in) with ``PROJECT_NAME`` set to ``--project-name``. It is read
    at build time, not copied here, because it declares the xlwings DLL of its own version:
    build with the xlwings version your users run;
  - ``Leadbook``: ``Leadbook.bas`` from this folder (one callback Sub per ribbon button);
* the template's (disabled) config sheet ``_myaddin.conf`` is renamed ``_<project-name>.conf``
  (only with the new project: its PROJECT_NAME is what reads that sheet).

``--keep-shipped-vba`` is the fallback: keep the template's vbaProject.bin as it is; the ribbon
callbacks then exist only after importing Leadbook.bas in the VBA editor (see README.md).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import uuid
import zipfile
from pathlib import Path

import xlwings

HERE = Path(__file__).resolve().parent
XLWINGS_DIR = Path(xlwings.__file__).resolve().parent
TEMPLATE = XLWINGS_DIR / "quickstart_addin_ribbon.xlam"
XLWINGS_ADDIN_BAS = XLWINGS_DIR / "xlwings_custom_addin.bas"
CUSTOM_UI = HERE / "customUI.xml"
LEADBOOK_BAS = HERE / "Leadbook.bas"

CUSTOM_UI_PART = "customUI/customUI.xml"
VBA_PART = "xl/vbaProject.bin"
WORKBOOK_PART = "xl/workbook.xml"
# Fixed so that the PROJECT stream does not change from build to build.
PROJECT_ID = "{6C1E0B5A-3D4F-4E8A-9B1C-2A7D5E9F0C41}"
# Modules reused verbatim from the template's project: name -> kind.
TEMPLATE_MODULES = {"ThisWorkbook": "document", "Sheet2": "document", "Dictionary": "class"}
CODEPAGE = "cp1252"  # the project codepage ms-ovba writes (1252)
# The one command that rebuilds the add-in for the xlwings installed now (after pip install -U xlwings).
REBUILD = "leadbook addin install"


def _crlf(text: str) -> str:
    """VBA stores module source with CRLF line ends."""
    return re.sub(r"\r?\n", "\r\n", text)


def xlwings_module_source(project_name: str) -> str:
    """xlwings_custom_addin.bas of the installed xlwings, PROJECT_NAME set to project_name."""
    text = XLWINGS_ADDIN_BAS.read_text(encoding="utf-8")
    new, count = re.subn(
        r'^Public Const PROJECT_NAME As String = ".*?"',
        f'Public Const PROJECT_NAME As String = "{project_name}"',
        text,
        flags=re.MULTILINE,
    )
    if count != 1:
        raise RuntimeError(f"PROJECT_NAME not found once in {XLWINGS_ADDIN_BAS}")
    recorded = re.search(r'^Public Const XLWINGS_VERSION As String = "(.*?)"', new, flags=re.MULTILINE)
    if recorded is None or recorded.group(1) != xlwings.__version__:
        raise RuntimeError(f"XLWINGS_VERSION in {XLWINGS_ADDIN_BAS} is not {xlwings.__version__}")
    # The add-in calls xlwings' DLL / AppleScript of exactly XLWINGS_VERSION (the module's own
    # constant, kept): say how to rebuild it when xlwings is upgraded.
    new = new.replace(
        f'Public Const PROJECT_NAME As String = "{project_name}"',
        f'Public Const PROJECT_NAME As String = "{project_name}"\n'
        f'Public Const LEADBOOK_REBUILD As String = "{REBUILD}"',
    )
    return _crlf(new)


def template_module_sources() -> dict[str, str]:
    """Stored source (with its Attribute lines) of the template's own VBA modules."""
    from oletools.olevba import VBA_Parser

    parser = VBA_Parser(str(TEMPLATE))
    try:
        return {stream.split("/")[-1]: code for _, stream, _, code in parser.extract_macros()}
    finally:
        parser.close()


def _patch_ms_ovba_compression() -> None:
    """Fix the copy token's maximum length in ms_ovba_compression 1.0.1, at runtime.

    It computes MaximumLength as ``0xFFFF << bit_count + 3`` (that is, 0xFFFF << (bit_count + 3));
    MS-OVBA 2.4.1.3.19.1 says ``MaximumLength = (0xFFFF >> BitCount) + 3``. With the bug a match
    longer than the token's length field can hold is written, and long modules decompress to
    garbage (seen with olevba). This wraps ``MsOvba.copytoken_help`` (site-packages is not
    edited) and is a no-op once the package computes the spec value itself.
    """
    from ms_ovba_compression.ms_ovba import MsOvba

    original = MsOvba.copytoken_help
    probe = original(4096)
    if probe["maxLength"] == (0xFFFF >> probe["bitCount"]) + 3:
        return

    def copytoken_help(difference: int) -> dict:
        help_ = original(difference)
        help_["maxLength"] = (0xFFFF >> help_["bitCount"]) + 3
        return help_

    MsOvba.copytoken_help = staticmethod(copytoken_help)


def _references():
    from ms_ovba.Models.Entities.reference import Reference
    from ms_ovba.Models.Entities.reference_registered import ReferenceRegistered
    from ms_ovba.Models.Fields.libid_reference import LibidReference

    stdole = LibidReference(
        uuid.UUID("00020430-0000-0000-C000-000000000046"),
        "2.0",
        "0",
        "C:\\Windows\\System32\\stdole2.tlb",
        "OLE Automation",
    )
    office = LibidReference(
        uuid.UUID("2DF8D04C-5BFA-101B-BDE5-00AA0044DE52"),
        "2.0",
        "0",
        "C:\\Program Files\\Common Files\\Microsoft Shared\\OFFICE16\\MSO.DLL",
        "Microsoft Office 16.0 Object Library",
    )
    return [
        Reference(ReferenceRegistered(stdole), "stdole"),
        Reference(ReferenceRegistered(office), "Office"),
    ]


def build_vba_project(modules: list[tuple[str, str, str]]) -> bytes:
    """Write a vbaProject.bin holding modules, a list of (name, kind, source) tuples.

    kind is "document", "class" or "standard"; source is the stored module text.
    """
    from ms_ovba.Models.Entities.doc_module import DocModule
    from ms_ovba.Models.Entities.module_base import ModuleBase
    from ms_ovba.Models.Entities.std_module import StdModule
    from ms_ovba.vbaProject import VbaProject
    from ms_ovba.Views.project_ole_file import ProjectOleFile

    class ClassModule(ModuleBase):
        """ms-ovba 0.0.1 has no class module: it is typed like a document module in the dir
        stream (MODULETYPE 0x0022, MS-OVBA 2.3.4.2.3.2.8) and listed as Class= in PROJECT."""

        def __init__(self, name: str) -> None:
            super().__init__(name)
            self.type = "Document"

        def to_project_module_string(self) -> str:
            return "Class=" + self.name

    kinds = {"document": DocModule, "class": ClassModule, "standard": StdModule}
    _patch_ms_ovba_compression()
    project = VbaProject()
    project.project_id = PROJECT_ID
    # Fields an Excel-authored project has and ms-ovba leaves out by default (compared with the
    # PROJECT / PROJECTwm streams of xlwings' template, which Excel wrote): the PROJECTwm stream
    # (module names in MBCS and UTF-16, MS-OVBA 2.3.3), VersionCompatible32 and a [Workspace]
    # line per module. Whether Excel then runs the macros was not tried (no Excel here).
    project.include_projectwm()
    project.add_attribute("VersionCompatible32", "393222000")
    for ref in _references():
        project.add_reference(ref)

    cwd = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="leadbook-vba-") as tmp:
        os.chdir(tmp)  # ms-ovba writes its scratch files (and the result) to the cwd
        try:
            for name, kind, source in modules:
                module = kinds[kind](name)
                # ModuleBase.write_file compresses "<file>.new"; we write it ourselves with the
                # exact source instead of ms-ovba's normalize_file (which rewrites headers).
                Path(f"{name}.new").write_bytes(_crlf(source).encode(CODEPAGE))
                module.add_file(name)
                module.add_workspace(0, 0, 0, 0, "C")  # window position/state, as Excel writes it
                project.add_module(module)
            ProjectOleFile.write_file(project)
            return Path("vbaProject.bin").read_bytes()
        finally:
            os.chdir(cwd)


def vba_modules(project_name: str) -> list[tuple[str, str, str]]:
    shipped = template_module_sources()
    modules = [(name, kind, shipped[name]) for name, kind in TEMPLATE_MODULES.items()]
    modules.append(("xlwings", "standard", xlwings_module_source(project_name)))
    modules.append(("Leadbook", "standard", LEADBOOK_BAS.read_text(encoding="utf-8")))
    return modules


def build(out: Path, project_name: str = "leadbook", keep_shipped_vba: bool = False) -> Path:
    vba = None if keep_shipped_vba else build_vba_project(vba_modules(project_name))
    replace = {CUSTOM_UI_PART: CUSTOM_UI.read_bytes()}
    if vba is not None:
        replace[VBA_PART] = vba
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(TEMPLATE) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = replace.get(item.filename, src.read(item.filename))
            if item.filename == WORKBOOK_PART and vba is not None:
                data = data.replace(b'name="_myaddin.conf"', f'name="_{project_name}.conf"'.encode())
            dst.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="path of the .xlam to write")
    parser.add_argument(
        "--project-name",
        default="leadbook",
        help="xlwings PROJECT_NAME: the add-in reads <name>.conf (default leadbook)",
    )
    parser.add_argument(
        "--keep-shipped-vba",
        action="store_true",
        help="fallback: keep xlwings' vbaProject.bin; import Leadbook.bas by hand",
    )
    args = parser.parse_args(argv)
    out = build(args.out, args.project_name, args.keep_shipped_vba)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
