"""Packaging hook: ship the Excel sources in workbook/ inside the wheel as leadbook/workbook/.

Everything else is in pyproject.toml. `workbook/` stays where it is in the repository (tests and
the READMEs use those paths); `build_py` copies it into the built package, so `pip install` of the
wheel (or of `git+<repo>`, the same build) carries the add-in sources and the Lite scripts that
`leadbook addin install` and `leadbook lite-bundle` need.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SOURCES = Path(__file__).parent / "workbook"


class BuildWithWorkbook(build_py):
    def run(self):
        super().run()
        target = Path(self.build_lib) / "leadbook" / "workbook"
        shutil.copytree(SOURCES, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))


setup(cmdclass={"build_py": BuildWithWorkbook})
