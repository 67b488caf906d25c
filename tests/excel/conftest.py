"""Enable xlwings' remote engine (xlwings Server / Lite) for the tests in this folder.

xlwings reads XLWINGS_LICENSE_KEY (the remote engine is part of xlwings PRO, free for
noncommercial use) and XLWINGS_ON_SERVER (makes ``xw.func`` the xlwings Server/Lite
decorator on Linux) when it's first imported, so they're set at import time of this
conftest.  If another test module imported xlwings earlier, ensure_remote_engine()
registers the engine and rebinds the decorators after the fact.
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
os.environ.setdefault("XLWINGS_ON_SERVER", "true")

sys.path.insert(0, str(Path(__file__).parent))

from engine import ensure_remote_engine  # noqa: E402

ensure_remote_engine()
