"""Build the Leadbook Excel add-in on the user's machine, from the xlwings installed there.

The add-in embeds xlwings' own VBA module, which calls xlwings' DLL (Windows) or AppleScript
(macOS) of exactly one xlwings version: an add-in built elsewhere, or before `pip install -U
xlwings`, stops working. So `leadbook addin build|install` builds it here and now with
`workbook/addin/build.py` (shipped in the wheel as `leadbook/workbook/addin/build.py`), and the
built add-in records that version (`XLWINGS_VERSION` in its `xlwings` module) and the command
that rebuilds it (`LEADBOOK_REBUILD`).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

from leadbook.core.problems import LeadbookError

ADDIN_NAME = "leadbook.xlam"
REBUILD = "leadbook addin install"
MAC_ADDINS = Path("~/Library/Group Containers/UBF8T346G9.Office/User Content.localized/Add-Ins.localized")


def workbook_dir() -> Path:
    """The Excel sources: `leadbook/workbook/` in an installed wheel, `workbook/` in a checkout."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "workbook", package.parent / "workbook"):
        if (candidate / "addin" / "build.py").is_file():
            return candidate
    raise LeadbookError(
        f"The add-in sources are missing (looked in {package / 'workbook'} and {package.parent / 'workbook'}): "
        "reinstall leadbook from its wheel or repository."
    )


def _build_module():
    path = workbook_dir() / "addin" / "build.py"
    spec = importlib.util.spec_from_file_location("leadbook_addin_build", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(out: Path) -> Path:
    """Write the add-in to `out` (a .xlam) for the installed xlwings; needs the `addin` extra."""
    try:
        import ms_ovba  # noqa: F401
        import oletools  # noqa: F401
    except ImportError as exc:
        raise LeadbookError(
            f'Building the add-in needs the package {exc.name}: run pip install "leadbook[addin]" '
            "(oletools and ms-ovba), then try again."
        ) from exc
    return _build_module().build(Path(out))


def addins_dir(platform: str | None = None, environ: dict | None = None) -> Path:
    """The folder Excel loads add-ins from on this platform (Windows, macOS)."""
    platform = platform or sys.platform
    environ = os.environ if environ is None else environ
    if platform.startswith("win"):
        appdata = environ.get("APPDATA")
        if not appdata:
            raise LeadbookError(
                "APPDATA is not set, so Excel's add-ins folder is unknown: pass --dir FOLDER."
            )
        return Path(appdata) / "Microsoft" / "AddIns"
    if platform == "darwin":
        return MAC_ADDINS.expanduser()
    raise LeadbookError(
        f"Desktop Excel does not run on this platform ({platform}): pass --dir FOLDER to build the "
        "add-in there and copy it to a Windows or macOS machine with the same xlwings version."
    )


def install(folder: Path | None = None) -> Path:
    """Build leadbook.xlam into `folder` (default: Excel's add-ins folder) and return its path."""
    folder = Path(folder) if folder is not None else addins_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return build(folder / ADDIN_NAME)


def built_for() -> str:
    """The xlwings version an add-in built now is for (the installed one)."""
    import xlwings

    return xlwings.__version__
