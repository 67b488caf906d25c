"""Test setup: the factories on the path, and xlwings' remote engine switched on for tests only.

XLWINGS_LICENSE_KEY=noncommercial unlocks xlwings' remote engine (xw.Book(json=...)), which
runs the real xlwings object model without Excel; XLWINGS_ON_SERVER makes xw.func register
off Windows. Both are read when xlwings is imported, so they are set before any test module
imports it. Desktop use of leadbook needs no key.
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
os.environ.setdefault("XLWINGS_ON_SERVER", "true")
sys.path.insert(0, str(Path(__file__).parent))
