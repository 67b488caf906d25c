"""The public "X Education" lead-scoring data as a leadbook workbook, and calibrate judged on it.

    python bench/xeducation.py Leads.csv            # writes bench/data/xeducation.xlsx, prints figures

Leads.csv is the X Education case-study file (9,240 leads of an online-course seller, column
Converted = 1 for a paying customer), published by upGrad and copied in many public GitHub
repositories (e.g. KeerthanaDS1994/LEAD-SCORING-CASE-STUDY---Keerthana-DS, path Leads.csv). No
licence is stated with it, so it is not committed here.

The file has no dates: its Lead Number is assigned in arrival order, so Created is spread over
two years in Lead Number order and the hold-out is the newest 30 % by Lead Number. Every lead
closed: Converted 1 is a Prospects row with Stage Won, 0 one with Stage Lost. "Select" (the web
form's untouched dropdown) is blank. Lead Source becomes the user column "Web source" (its
values are not leadbook's Source list); Do Not Email / Do Not Call become "Email opt-out" /
"Call opt-out" user columns. Everything else is copied as user columns, leaky ones included
(Tags, Lead Quality, Last Activity...), to see the guard at work.

Then it runs `leadbook calibrate` on the workbook and scores the same split with scikit-learn's
HistGradientBoosting and naive Bayes on the same fields the card may use (after the guard).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

sys.path.insert(0, str(Path(__file__).parent))
from gen import write_sheet  # noqa: E402

from leadbook import services  # noqa: E402
from leadbook.book.filebook import FileBook  # noqa: E402
from leadbook.core import calibrate as c  # noqa: E402
from leadbook.core import calibrate_features as cf  # noqa: E402
from leadbook.core import calibrate_model as cm  # noqa: E402
from leadbook.core import schema as s  # noqa: E402
from leadbook.core.settings import defaults_frame  # noqa: E402

TODAY = dt.date(2026, 11, 23)
RENAME = {"Lead Source": "Web source", "Do Not Email": "Email opt-out", "Do Not Call": "Call opt-out"}


def frames(csv: Path) -> dict[str, pd.DataFrame]:
    """Leads and Prospects frames (contract names plus the file's own columns)."""
    raw = pd.read_csv(csv).dropna(axis=1, how="all").sort_values("Lead Number", kind="stable")
    raw = raw.replace("Select", np.nan).rename(columns=RENAME)
    days = np.linspace(730, 30, len(raw)).round().astype(int)
    created = pd.Timestamp(TODAY) - pd.to_timedelta(days, unit="D")
    leads = pd.DataFrame({s.LEAD_ID: "X" + raw["Lead Number"].astype(str).to_numpy(), s.CREATED: created})
    extra = raw.drop(columns=["Prospect ID", "Lead Number", "Converted"]).reset_index(drop=True)
    leads = pd.concat([leads, extra], axis=1)
    leads[s.STATUS] = "Prospect"
    won = raw["Converted"].to_numpy() == 1
    prospects = pd.DataFrame({
        s.LEAD_ID: leads[s.LEAD_ID], s.QUALIFIED_ON: created, s.STAGE: np.where(won, s.WON, s.LOST),
        s.CLOSED_ON: created + pd.Timedelta(days=20),
    })  # fmt: skip
    return {s.LEADS: leads, s.PROSPECTS: prospects}


def write_book(data: dict[str, pd.DataFrame], out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(out))
    date_format = wb.add_format({"num_format": "yyyy-mm-dd"})
    extra = tuple(c for c in data[s.LEADS].columns if c not in s.LEAD_COLUMNS)
    write_sheet(wb, s.LEADS, (*s.LEAD_COLUMNS, *extra), data[s.LEADS], date_format)
    write_sheet(wb, s.PROSPECTS, s.PROSPECT_COLUMNS, data[s.PROSPECTS], date_format)
    write_sheet(wb, s.TOUCHES, s.TOUCH_COLUMNS, pd.DataFrame(), date_format)
    write_sheet(wb, s.SETTINGS, s.SETTINGS_COLUMNS, defaults_frame(), date_format)
    wb.add_worksheet(s.SUMMARY)
    write_sheet(wb, s.LOG, s.LOG_COLUMNS, pd.DataFrame(), date_format)
    wb.close()
    return out


def references(book: FileBook, result: c.Calibration) -> dict[str, tuple[float, float]]:
    """AUC and top-tenth lift of gradient boosting and naive Bayes on the card's split and fields."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    frames_ = services.read_frames(book)
    history = cf.closed_history(
        frames_.leads, frames_.prospects, frames_.touches, None, frames_.settings, "won", TODAY
    )
    fields, _ = cf.candidate_fields(history)
    fields = [f for f in fields if f.name not in result.leaky and f.name != cf.ENGAGEMENT]
    won = history.won.to_numpy()
    split = len(won) - result.held_out
    labels = cf.label_frame(history, fields)
    raw = pd.DataFrame(index=history.leads.index)
    for f in fields:  # numbers as numbers, text as category codes: the booster's own way
        column = history.leads[f.name]
        raw[f.name] = (
            pd.to_numeric(column, errors="coerce") if f.kind == cf.NUMBER else pd.factorize(column)[0]
        )
    categorical = [f.kind == cf.TEXT for f in fields]
    booster = HistGradientBoostingClassifier(categorical_features=categorical, random_state=0)
    booster.fit(raw.iloc[:split], won[:split])
    boosted = booster.predict_proba(raw.iloc[split:])[:, 1]
    bayes = cm.naive_bayes(labels.iloc[:split], won[:split], labels.iloc[split:])
    test = won[split:]
    return {
        "Gradient boosting (HistGradientBoosting, all fields)": (
            cm.auc(boosted, test),
            cm.top_decile_lift(boosted, test),
        ),
        "Naive Bayes (Odoo-style, all fields)": (cm.auc(bayes, test), cm.top_decile_lift(bayes, test)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "data" / "xeducation.xlsx")
    args = parser.parse_args()
    book = FileBook(write_book(frames(args.csv), args.out))
    started = time.perf_counter()
    result, _ = services.calibrate(book, TODAY)
    print(f"calibrate: {time.perf_counter() - started:.1f} s on {result.closed} closed leads")
    for line in result.messages:
        print("-", line)
    print("Card fields:", ", ".join(result.card.fields()) if result.card else "none")
    print(f"{'Scorer':55} {'AUC':>6} {'Lift':>6}")
    for name, f in result.figures.items():
        print(f"{name:55} {f.auc:6.3f} {f.lift:6.2f}")
    for name, (auc, lift) in references(book, result).items():
        print(f"{name:55} {auc:6.3f} {lift:6.2f}")


if __name__ == "__main__":
    main()
