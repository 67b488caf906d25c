#!/bin/sh
# Render the demo workbook's Summary and Leads sheets to PNG with LibreOffice, to look at them
# as a manager would (needs soffice and pdftoppm: apt-get install libreoffice-calc poppler-utils).
#
#   sh bench/render.sh [OUT_DIR] [--today YYYY-MM-DD]     # default OUT_DIR: bench/render
#
# Writes OUT_DIR/leadbook-demo.xlsx, then OUT_DIR/summary-N.png (every printed page of Summary,
# as the print setup breaks it) and OUT_DIR/leads-1.png (the first page of Leads).
set -eu
out=${1:-bench/render}
[ $# -gt 0 ] && shift
mkdir -p "$out"
rm -f "$out"/summary-*.png "$out"/leads-*.png
python -m leadbook demo "$out" "$@" >"$out/demo.txt"
python - "$out" <<'PY'
import sys
from pathlib import Path

import openpyxl

out = Path(sys.argv[1])
for name in ("Summary", "Leads"):  # one workbook per sheet: LibreOffice prints every sheet
    wb = openpyxl.load_workbook(out / "leadbook-demo.xlsx")
    for other in [ws for ws in wb.worksheets if ws.title != name]:
        wb.remove(other)
    if name == "Leads":  # the render only: every column on the page, to see where each one lands
        ws = wb[name]
        ws.page_setup.orientation, ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = "landscape", 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    wb.save(out / f"{name.lower()}.xlsx")
PY
for name in summary leads; do
    soffice --headless --convert-to pdf --outdir "$out" "$out/$name.xlsx" >/dev/null 2>&1
done
pdftoppm -png -r 90 "$out/summary.pdf" "$out/summary"
pdftoppm -png -r 90 -f 1 -l 1 "$out/leads.pdf" "$out/leads"
ls "$out"/*.png
