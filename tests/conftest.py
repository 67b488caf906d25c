"""Test setup: the factories on the path, and xlwings' remote engine switched on for tests only.

XLWINGS_LICENSE_KEY=noncommercial unlocks xlwings' remote engine (xw.Book(json=...)), which
runs the real xlwings object model without Excel; XLWINGS_ON_SERVER makes xw.func register
off Windows. Both are read when xlwings is imported, so they are set before any test module
imports it. Desktop use of leadbook needs no key.

Hypothesis runs without a deadline (these machines are shared and noisy: a deadline only
measures the neighbours); each property test also says `deadline=None` itself.
"""

import os
import sys
from pathlib import Path

from hypothesis import settings

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
os.environ.setdefault("XLWINGS_ON_SERVER", "true")
sys.path.insert(0, str(Path(__file__).parent))
settings.register_profile("leadbook", deadline=None)
settings.load_profile("leadbook")
