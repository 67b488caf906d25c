#!/usr/bin/env bash
# Time one leadbook command on a fresh copy of a bench workbook (the copy is part of the time).
#   bench/run.sh M refresh        bench/run.sh L qualify        bench/run.sh M summary
set -euo pipefail
size=$1; shift; command=$1; shift
here=$(cd "$(dirname "$0")" && pwd)
[ -f "$here/data/$size.xlsx" ] || python "$here/gen.py" "$size" >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/data/$size.xlsx" "$work/book.xlsx"
leadbook "$command" "$work/book.xlsx" --today 2026-11-23 "$@" >/dev/null
