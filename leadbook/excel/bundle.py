"""Generate the self-contained xlwings Lite bundle: one `main.py` and one `requirements.txt`.

An Excel-for-the-web user pastes the two files into the xlwings Lite editor; nothing has to be
hosted (leadbook is not on PyPI, and release assets are blocked by CORS in the browser). The
`main.py` carries leadbook's pure-Python code that Lite needs (core, the Book interface and its
live backend, services, excel.macros and excel.udfs) as a base64 zip that it writes to the
temp folder and puts first on `sys.path` (zipimport), then the scripts and functions of
`workbook/lite/main.py`. `requirements.txt` lists only packages Pyodide / micropip can install:
nothing that imports python-calamine, fastexcel, pyarrow or openpyxl is in the bundle.
"""

from __future__ import annotations

import ast
import base64
import io
import sys
import textwrap
import zipfile
from pathlib import Path

import leadbook
from leadbook.core.problems import LeadbookError
from leadbook.excel.addin import workbook_dir

PACKAGE = Path(leadbook.__file__).resolve().parent
# leadbook's modules the Lite path imports (closed: checked by tests/workbook/test_bundle.py).
MODULES = (
    "__init__.py",
    "services.py",
    "core/*.py",
    "book/__init__.py",
    "book/base.py",
    "book/mapped.py",
    "book/live*.py",
    "excel/__init__.py",
    "excel/macros.py",
    "excel/udfs.py",
)
# Third-party imports Pyodide provides (or micropip installs as pure Python) -> requirement line.
PYODIDE = {
    "xlwings": "xlwings>=0.36.10",
    "pandas": "pandas",
    "numpy": "numpy",
    "dateutil": "python-dateutil",
    "pytz": "pytz",
    "tzdata": "tzdata",
    "phonenumbers": "phonenumbers",
    "rapidfuzz": "rapidfuzz",
    "scipy": "scipy",
    "sklearn": "scikit-learn",
    "js": None,  # Pyodide's own modules
    "pyodide": None,
}


def module_files() -> dict[str, Path]:
    """Archive name (leadbook/...) -> source file, for every bundled module."""
    files = {}
    for pattern in MODULES:
        for path in sorted(PACKAGE.glob(pattern)):
            files["leadbook/" + path.relative_to(PACKAGE).as_posix()] = path
    return files


def third_party_imports(sources: dict[str, str]) -> set[str]:
    """Top-level names of every non-stdlib, non-leadbook import (at any depth) in `sources`."""
    names = set()
    for name, text in sources.items():
        for node in ast.walk(ast.parse(text, filename=name)):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"leadbook", "__future__"}


def _zip(sources: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in sorted(sources.items()):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # reproducible
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)
    return buffer.getvalue()


def _lite_body() -> str:
    """workbook/lite/main.py without its module docstring (the bundle has its own)."""
    text = (workbook_dir() / "lite" / "main.py").read_text(encoding="utf-8")
    tree = ast.parse(text)
    first = tree.body[0] if tree.body else None
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        text = "\n".join(text.splitlines()[first.end_lineno :])
    return text.strip() + "\n"


BOOT = """
import base64 as _base64
import hashlib as _hashlib
import os as _os
import sys as _sys
import tempfile as _tempfile


def _leadbook_on_path():
    data = _base64.b64decode("".join(_LEADBOOK_ZIP.split()))
    path = _os.path.join(_tempfile.gettempdir(), f"leadbook-{_hashlib.sha256(data).hexdigest()[:16]}.zip")
    if not _os.path.exists(path):
        with open(path + ".part", "wb") as out:
            out.write(data)
        _os.replace(path + ".part", path)
    for name in [m for m in _sys.modules if m == "leadbook" or m.startswith("leadbook.")]:
        if not (getattr(_sys.modules[name], "__file__", None) or "").startswith(path):
            del _sys.modules[name]  # an older bundle's modules (Lite re-runs main.py on save)
    if path not in _sys.path:
        _sys.path.insert(0, path)


_leadbook_on_path()
"""


def bundle() -> tuple[str, str]:
    """(main.py, requirements.txt) of the self-contained Lite bundle."""
    files = module_files()
    sources = {name: path.read_text(encoding="utf-8") for name, path in files.items()}
    body = _lite_body()
    imports = third_party_imports({**sources, "main.py": body})
    missing = sorted(imports - set(PYODIDE))
    if missing:
        raise LeadbookError(
            f"The Lite bundle would import {', '.join(missing)}, which Pyodide does not have: keep those "
            "imports out of the modules listed in leadbook.excel.bundle.MODULES."
        )
    import xlwings

    encoded = "\n".join(textwrap.wrap(base64.b64encode(_zip(sources)).decode("ascii"), 100))
    header = (
        f'"""Leadbook {leadbook.__version__} for xlwings Lite: paste this whole file into main.py and\n'
        "requirements.txt into the requirements.txt tab. Generated by `leadbook lite-bundle` (do not edit;\n"
        f"regenerate). Built with xlwings {xlwings.__version__}. It holds leadbook's pure-Python modules as a\n"
        'zip (below) that is put on sys.path; then come the scripts and functions."""\n\n'
        "# ruff: noqa\n"
    )
    main = header + f'_LEADBOOK_ZIP = """\n{encoded}\n"""\n' + BOOT + "\n" + body
    lines = sorted({PYODIDE[name] for name in imports if PYODIDE[name]} | {PYODIDE["xlwings"]})
    requirements = (
        "# xlwings Lite requirements for the Leadbook bundle (generated by `leadbook lite-bundle`).\n"
        "# Every package here comes with Pyodide or is pure Python (micropip installs it).\n"
        + "\n".join(lines)
        + "\n"
    )
    return main, requirements


def write(folder: Path) -> tuple[Path, Path]:
    """Write main.py and requirements.txt into `folder`; return their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    main, requirements = bundle()
    main_path, req_path = folder / "main.py", folder / "requirements.txt"
    main_path.write_text(main, encoding="utf-8")
    req_path.write_text(requirements, encoding="utf-8")
    return main_path, req_path
