"""The Import plan for a call log or activity export: each row matched to one lead, or reported.

A row is matched by the first of Lead ID (the book's, or the Import ID a lead came with),
email, phone (any number column a call log has: From, To, Caller...) and name + company that
finds a lead; a row that finds none, or more than one, is reported and not imported.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from leadbook.core import schema as s
from leadbook.core.dedupe import company_key, email_key, name_key, phone_key
from leadbook.core.importing import IMPORT_ID, PHONE_HEADERS, ImportOptions, as_text
from leadbook.core.merge import DUPLICATE, NEW, SKIPPED

NO_LEAD, MANY_LEADS = "no lead", "more than one lead"


@dataclass
class TouchMatch:
    """What importing a call log decided: the Touches rows to add and each file row's fate."""

    new: pd.DataFrame
    status: pd.Series  # per file row: new / duplicate / skipped / no lead / more than one lead
    lead_of: pd.Series  # per file row: the Lead ID matched (None when unmatched)
    reasons: pd.Series  # per reported row: why (which leads, or what is missing)


def _lead_keys(leads: pd.DataFrame, options: ImportOptions) -> dict[str, pd.DataFrame]:
    ids = [pd.DataFrame({"key": leads[s.LEAD_ID], "lead": leads[s.LEAD_ID]})]
    if IMPORT_ID in leads.columns:
        ids.append(pd.DataFrame({"key": as_text(leads[IMPORT_ID]), "lead": leads[s.LEAD_ID]}))
    person = company_key(leads[s.COMPANY]) + "|" + name_key(leads[s.NAME])
    return {
        "id": pd.concat(ids, ignore_index=True),
        "email": pd.DataFrame({"key": email_key(leads[s.EMAIL]), "lead": leads[s.LEAD_ID]}),
        "phone": pd.DataFrame({"key": phone_key(leads[s.PHONE], options.country), "lead": leads[s.LEAD_ID]}),
        "person": pd.DataFrame({"key": person, "lead": leads[s.LEAD_ID]}),
    }


def _row_keys(rows: pd.DataFrame, options: ImportOptions) -> dict[str, pd.DataFrame]:
    blank = pd.Series(None, index=rows.index, dtype=object)
    col = lambda c: rows[c] if c in rows.columns else blank  # noqa: E731
    phone_columns = [c for c in rows.columns if c == s.PHONE or s.header_key(c) in _PHONE_KEYS]
    phones = [pd.DataFrame({"key": phone_key(rows[c], options.country)}) for c in phone_columns]
    phone = pd.concat(phones) if phones else pd.DataFrame({"key": blank})
    return {
        "id": pd.DataFrame({"key": as_text(col(s.LEAD_ID))}),
        "email": pd.DataFrame({"key": email_key(col(s.EMAIL))}),
        "phone": phone,
        "person": pd.DataFrame({"key": company_key(col(s.COMPANY)) + "|" + name_key(col(s.NAME))}),
    }


_PHONE_KEYS = {s.header_key(h) for h in PHONE_HEADERS}


def _candidates(rows: pd.DataFrame, leads: pd.DataFrame, options: ImportOptions) -> pd.DataFrame:
    """(file row, lead) pairs from the first key kind that finds any lead for each row."""
    theirs, ours = _row_keys(rows, options), _lead_keys(leads, options)
    found = []
    done = pd.Index([])
    for kind in ("id", "email", "phone", "person"):
        keys = theirs[kind].dropna().rename_axis("row").reset_index()
        keys = keys[~keys["row"].isin(done)]
        pairs = keys.merge(ours[kind].dropna().drop_duplicates(), on="key")[["row", "lead"]].drop_duplicates()
        found.append(pairs)
        done = done.union(pd.Index(pairs["row"].unique()))
    return pd.concat(found, ignore_index=True)


def match_touches(
    rows: pd.DataFrame, leads: pd.DataFrame, touches: pd.DataFrame, options: ImportOptions
) -> TouchMatch:
    """Decide the import of cleaned call-log rows (index = file row) into Touches."""
    pairs = _candidates(rows, leads, options)
    count = pairs.groupby("row")["lead"].nunique()
    lead_of = pairs.groupby("row")["lead"].first().where(count.eq(1)).reindex(rows.index)
    status = pd.Series(NO_LEAD, index=rows.index, dtype=object)
    reasons = pd.Series("no lead has this Lead ID, email, phone or name + company", index=rows.index)
    many = count[count > 1].index
    status[many] = MANY_LEADS
    listed = pairs[pairs["row"].isin(many)].groupby("row")["lead"].agg(lambda x: ", ".join(map(str, x)))
    reasons[many] = "matches leads " + listed.reindex(many)
    undated = rows[s.DATE].isna() if s.DATE in rows.columns else pd.Series(True, index=rows.index)
    status[lead_of.notna() & undated] = SKIPPED
    reasons[lead_of.notna() & undated] = "no date (Touches needs one)"
    ok = lead_of.notna() & ~undated
    new = rows.loc[ok].drop(columns=[s.LEAD_ID], errors="ignore")
    new.insert(0, s.LEAD_ID, lead_of[ok].to_numpy())
    if s.KIND not in new.columns and any(s.header_key(c) in _PHONE_KEYS for c in rows.columns):
        new[s.KIND] = "Call"  # a phone system's log: every row is a call
    if options.owner:
        owner = new[s.OWNER] if s.OWNER in new.columns else pd.Series(None, index=new.index, dtype=object)
        new[s.OWNER] = owner.where(owner.notna(), options.owner)
    seen = _touch_key(touches).dropna()
    key = _touch_key(new)
    repeat = key.isin(set(seen)) | key.duplicated()
    status[new.index[repeat]] = DUPLICATE
    status[new.index[~repeat]] = NEW
    reasons = reasons[status.isin((NO_LEAD, MANY_LEADS, SKIPPED))]
    order = [c for c in s.TOUCH_COLUMNS if c in new.columns]
    new = new.loc[~repeat, order + [c for c in new.columns if c not in order]]
    return TouchMatch(new.reset_index(drop=True), status, lead_of.astype(object), reasons)


def _touch_key(frame: pd.DataFrame) -> pd.Series:
    """A touch is the same touch when it has the same lead, moment and kind."""
    if frame.empty or s.DATE not in frame.columns:
        return pd.Series(dtype=object)
    date = pd.to_datetime(frame[s.DATE], errors="coerce").astype(str)
    kind = frame[s.KIND].fillna("").astype(str).str.casefold() if s.KIND in frame.columns else ""
    return frame[s.LEAD_ID].astype(str) + "|" + date + "|" + kind
