"""Run xlwings Lite's main.py (the generated bundle, or the repository's) through the remote engine.

    python lite_runner.py REPO MAIN_PY PAYLOAD_JSON TESTS_EXCEL bundle|repo

Prints one JSON line: the scripts and functions registered, the modules leadbook was loaded from,
and every script's actions (through tests/excel/officejs.py, the double of Lite's Office.js client)
and two functions' results. Used by tests/workbook/test_bundle.py and by scripts/check_install.py,
which runs it in a venv with Pyodide's versions of Python and pandas.
"""

# ruff: noqa: E402 - sys.path is set up before the imports it governs
import importlib.util
import json
import os
import re
import sys

repo, main_path, payload_path, excel_tests, mode = sys.argv[1:6]
prefix = os.path.realpath(sys.prefix)  # site-packages may live under the repo (.venv)
sys.path = [
    p
    for p in sys.path
    if p and (os.path.realpath(p).startswith(prefix) or not os.path.realpath(p).startswith(repo))
]
if mode == "bundle":
    sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
    sys.path_hooks[:] = [h for h in sys.path_hooks if "editable" not in repr(h).lower()]
    try:
        import leadbook  # noqa: F401
    except ImportError:
        pass
    else:
        raise SystemExit("leadbook is importable without the bundle")
else:
    sys.path.insert(0, repo)
sys.path.append(excel_tests)  # the test doubles only (engine.py, officejs.py)
import engine
import officejs

engine.ensure_remote_engine()
import xlwings.server as xs

spec = importlib.util.spec_from_file_location("lite_main", main_path)
main = importlib.util.module_from_spec(spec)
spec.loader.exec_module(main)
payload = json.loads(open(payload_path).read())  # noqa: SIM115 - a one-shot script
out = {
    "scripts": sorted(m["function_name"] for m in xs.custom_scripts_meta(main)),
    "functions": sorted(f["name"] for f in xs.custom_functions_meta(main)["functions"]),
    "leadbook_files": sorted(
        {
            os.path.dirname(m.__file__)
            for n, m in sys.modules.items()
            if n.startswith("leadbook") and getattr(m, "__file__", None)
        }
    ),
    "repo_modules": sorted(
        n
        for n, m in sys.modules.items()
        if (getattr(m, "__file__", None) or "").startswith(repo + os.sep + "leadbook")
    ),
}
blank = dict(payload, sheets=[dict(payload["sheets"][0], name="Notes", values=[["x"]], tables=[])])
blank["book"] = dict(payload["book"], active_sheet_index=0, selection="A1")
runs = [(name, name, payload) for name in out["scripts"]]
runs += [("new_sheets on a blank book", "new_sheets", blank), ("adopt on a blank book", "adopt", blank)]
for key, name, book in runs:
    double = officejs.run_async_script(main, name, book)
    out[key] = [
        [a.get(k) for k in ("func", "sheet_position", "start_row", "start_column", "values")]
        for a in double.actions
    ]
    out[key + " alert"] = [a["mode"] for a in double.payload["_alerts"]]
answers = [
    ["Need", "Budget", "Authority", "Timing"],
    ["Yes", "Yes", "Yes", "This quarter"],
    ["No", "No", "No", "Unknown"],
]
out["LB_GRADE"] = engine.call_udf(main, "LB_GRADE", answers)
out["LB_SCORE"] = engine.call_udf(main, "LB_SCORE", answers)
# the Log's "When" is the clock: the same run a second apart must compare equal
print(re.sub(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?", "<now>", json.dumps(out, default=str)))
