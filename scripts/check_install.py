"""Install leadbook the ways the README says, each into a clean venv, and use what was installed.

    python scripts/check_install.py [--work DIR] [--pyodide-python PYTHON] [--skip-git]

1. **Wheel**: `pip wheel . --no-deps` builds it; a fresh venv gets `leadbook-*.whl[addin]` (never
   this checkout); in an empty folder it runs `leadbook demo`, `leadbook addin build`, `leadbook
   lite-bundle` and checks each file with the venv's own Python (openpyxl, zipfile).
2. **Git URL**: another fresh venv gets `pip install "leadbook @ git+file://<checkout>"` (the
   committed HEAD, as a user's `git+<repository URL>` would) and runs `leadbook new`.
3. **Lite on Pyodide's versions**: a fresh venv on Python 3.13 with the bundle's requirements.txt
   and numpy / pandas / scipy pinned to what Pyodide 0.28 ships (the Pyodide that xlwings Lite runs
   on: its code handles 0.28's JsNull); every script and two functions of the generated main.py run
   through xlwings' remote engine (tests/workbook/lite_runner.py) and must give what the
   repository's main.py gives in the development venv (CPython 3.11+, pandas 3).

Run by `.ci/run`. Exit 1 with what failed. Takes a few minutes (three venvs).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS_EXCEL = ROOT / "tests" / "excel"
RUNNER = ROOT / "tests" / "workbook" / "lite_runner.py"
# Pyodide 0.28 (cp313, pyodide_2025_0 wheels): Python 3.13, numpy 2.2.5, pandas 2.3.1, scipy 1.14.1.
PYODIDE_PINS = {"numpy": "2.2.5", "pandas": "2.3.1", "scipy": "1.14.1"}
PYODIDE_PYTHON = "3.13"


def run(*args: object, cwd: Path | None = None, env: dict | None = None) -> str:
    print("$", " ".join(str(a) for a in args), flush=True)
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(
            f"failed ({done.returncode}): {' '.join(map(str, args))}\n{done.stdout[-2000:]}{done.stderr[-4000:]}"
        )
    return done.stdout


def venv(where: Path, python: str = sys.executable) -> Path:
    run(python, "-m", "venv", where)
    bin_dir = where / ("Scripts" if os.name == "nt" else "bin")
    run(bin_dir / "python", "-m", "pip", "install", "-q", "--upgrade", "pip")
    return bin_dir


def clean_env() -> dict:
    """No PYTHONPATH or the like: the venvs must not see this checkout."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}


def check_wheel(work: Path) -> Path:
    dist = work / "dist"
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", ROOT, "-w", dist, cwd=work)
    (wheel,) = dist.glob("leadbook-*.whl")
    bin_dir = venv(work / "venv-wheel")
    run(bin_dir / "pip", "install", "-q", f"{wheel}[addin]", cwd=work)
    use = work / "use"
    use.mkdir()
    env = clean_env()
    run(bin_dir / "leadbook", "demo", cwd=use, env=env)
    run(bin_dir / "leadbook", "addin", "build", use / "leadbook.xlam", cwd=use, env=env)
    run(bin_dir / "leadbook", "lite-bundle", use / "lite", cwd=use, env=env)
    check = f"""
import sys, zipfile, openpyxl, leadbook
assert "{ROOT}" not in leadbook.__file__, leadbook.__file__
wb = openpyxl.load_workbook("leadbook-demo.xlsx")
assert {{"Leads", "Prospects", "Touches", "Settings", "Summary", "Log"}} <= set(wb.sheetnames), wb.sheetnames
assert wb["Leads"].max_row > 2
with zipfile.ZipFile("leadbook.xlam") as z:
    assert "customUI/customUI.xml" in z.namelist() and "xl/vbaProject.bin" in z.namelist()
compile(open("lite/main.py", encoding="utf-8").read(), "main.py", "exec")
print("wheel: leadbook", leadbook.__file__)
"""
    print(run(bin_dir / "python", "-c", check, cwd=use, env=env).strip())
    return use / "lite"


def check_git(work: Path) -> None:
    bin_dir = venv(work / "venv-git")
    run(bin_dir / "pip", "install", "-q", f"leadbook @ git+file://{ROOT.as_posix()}", cwd=work)
    run(bin_dir / "leadbook", "new", work / "git-new.xlsx", cwd=work, env=clean_env())
    assert (work / "git-new.xlsx").exists()
    print("git URL: leadbook new wrote git-new.xlsx")


def pyodide_python(given: str | None) -> str:
    """A Python of Pyodide's version that runs (pyenv's shims may exist without one)."""
    if given:
        return given
    pattern = os.path.expanduser(f"~/.pyenv/versions/{PYODIDE_PYTHON}*/bin/python{PYODIDE_PYTHON}")
    for candidate in [*sorted(glob.glob(pattern), reverse=True), shutil.which(f"python{PYODIDE_PYTHON}")]:
        if candidate and subprocess.run([candidate, "-c", "pass"], capture_output=True).returncode == 0:
            return candidate
    print(
        f"note: no Python {PYODIDE_PYTHON} here; Pyodide's pandas/numpy/scipy on {sys.version.split()[0]} instead"
    )
    return sys.executable


def payload(work: Path) -> Path:
    sys.path.insert(0, str(TESTS_EXCEL))
    sys.path.insert(0, str(ROOT))
    import engine

    return engine.sample_payload_file(work)


def check_pyodide_versions(work: Path, bundle: Path, python: str) -> None:
    bin_dir = venv(work / "venv-pyodide", python)
    lines = (bundle / "requirements.txt").read_text().splitlines()
    requirements = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    pins = [f"{name}=={version}" for name, version in PYODIDE_PINS.items()]
    unpinned = [r for r in requirements if re.split(r"[<>=!~;\[ ]", r)[0] not in PYODIDE_PINS]
    run(bin_dir / "pip", "install", "-q", *unpinned, *pins, cwd=work)
    versions = run(
        bin_dir / "python",
        "-c",
        "import sys, numpy, pandas, scipy, sklearn, xlwings; "
        "print(sys.version.split()[0], numpy.__version__, pandas.__version__, scipy.__version__, "
        "sklearn.__version__, xlwings.__version__)",
    ).split()
    print(
        "Pyodide-like venv: Python {} numpy {} pandas {} scipy {} scikit-learn {} xlwings {}".format(
            *versions
        )
    )
    data = payload(work)
    env = {**clean_env(), "XLWINGS_LICENSE_KEY": "noncommercial", "XLWINGS_ON_SERVER": "true"}
    results = {}
    for mode, python_bin, main in (
        ("bundle", bin_dir / "python", bundle / "main.py"),
        ("repo", Path(sys.executable), ROOT / "workbook" / "lite" / "main.py"),
    ):
        cwd = Path(tempfile.mkdtemp(dir=work))
        shutil.copy(RUNNER, cwd / "runner.py")
        out = run(python_bin, "-I", cwd / "runner.py", ROOT, main, data, TESTS_EXCEL, mode, cwd=cwd, env=env)
        results[mode] = json.loads(out.strip().splitlines()[-1])
    bundled, repo = results["bundle"], results["repo"]
    if bundled["repo_modules"]:
        raise SystemExit(f"the bundle imported the checkout: {bundled['repo_modules']}")
    differ = [k for k in repo if k not in ("leadbook_files", "repo_modules") and bundled.get(k) != repo[k]]
    if differ:
        raise SystemExit(f"on Pyodide's versions the bundle gives other results for: {differ}")
    print(
        f"Lite bundle on Pyodide's versions: {len(bundled['scripts'])} scripts and 2 functions as in the checkout"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, help="folder for the venvs (default: a temp folder, removed)")
    parser.add_argument(
        "--pyodide-python", help=f"a Python {PYODIDE_PYTHON} (default: found on PATH or pyenv)"
    )
    parser.add_argument("--skip-git", action="store_true", help="skip the git URL install")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="leadbook-install-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        bundle = check_wheel(work)
        if not args.skip_git:
            check_git(work)
        check_pyodide_versions(work, bundle, pyodide_python(args.pyodide_python))
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print("all install paths work")


if __name__ == "__main__":
    main()
