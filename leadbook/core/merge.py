"""The Import plan for leads: which file rows are new, which fill an existing lead, what conflicts.

A duplicate fills only the existing lead's empty fields (Salesforce's convert rule); a value that
differs from one already there is reported, never written. New leads keep the file's own ID as
Lead ID when it fits the book's pattern (so a later call log keyed by it still matches), else in
an Import ID column, and get a Lead ID continuing the book's own numbering.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from leadbook.core import schema as s
from leadbook.core.dedupe import (
    company_key,
    email_key,
    fuzzy_names,
    groups,
    joined_roots,
    name_key,
    phone_key,
)
from leadbook.core.importing import IMPORT_ID, ImportOptions

NEW, MERGED, DUPLICATE, SKIPPED = "new", "merged", "duplicate", "skipped"
IDENTIFYING = (s.NAME, s.EMAIL, s.PHONE, IMPORT_ID)


@dataclass
class LeadMerge:
    """What importing rows into Leads decided: new rows, fills, conflicts, and each row's fate."""

    new: pd.DataFrame  # rows to append, contract names
    fills: dict[str, pd.Series]  # column -> values by Excel row of the existing lead
    conflicts: pd.DataFrame  # Lead ID, Column, Kept, File value, File row
    status: pd.Series  # per file row: new / merged / duplicate / skipped
    lead_of: pd.Series  # per file row: the Lead ID it became or joined
    notes: list[str] = field(default_factory=list)


def match_keys(frame: pd.DataFrame, options: ImportOptions) -> pd.DataFrame:
    """Email, phone, person-at-company and name-only keys of each row (None where absent)."""
    col = lambda c: frame[c] if c in frame.columns else pd.Series(None, index=frame.index, dtype=object)  # noqa: E731
    email, phone = email_key(col(s.EMAIL)), phone_key(col(s.PHONE), options.country)
    company, name = company_key(col(s.COMPANY)), name_key(col(s.NAME))
    return pd.DataFrame({"email": email, "phone": phone, "company": company, "name": name})


def _keys(keys: pd.DataFrame, ids: pd.DataFrame) -> pd.DataFrame:
    person = keys["company"] + "|" + keys["name"]
    # a bare name links only rows that have nothing else to tell them apart
    lonely = keys[["email", "phone", "company"]].isna().all(axis=1) & keys["name"].notna()
    return pd.DataFrame({
        "email": keys["email"], "phone": keys["phone"], "person": person,
        "name": ("|" + keys["name"]).where(lonely, None), **{c: ids[c] for c in ids.columns},
    }).astype(object)  # fmt: skip


def _normalised(column: str, values: pd.Series, options: ImportOptions) -> pd.Series:
    """Values as compared for a conflict: the same address, number or name written differently agree."""
    if column == s.EMAIL:
        return email_key(values).fillna(values.astype(object))
    if column == s.PHONE:
        return phone_key(values, options.country).fillna(values.astype(object))
    if column in (s.NAME, s.COMPANY):
        return (name_key if column == s.NAME else company_key)(values)
    return values.map(
        lambda v: (
            None
            if v is None or v is pd.NaT
            else (pd.Timestamp(v).normalize() if isinstance(v, dt.date) else str(v).strip().casefold())
        )
    )


def id_pattern(ids: pd.Series) -> tuple[str, int, int] | None:
    """The book's Lead ID pattern: (prefix, digits, highest number), e.g. ('L', 5, 10000)."""
    text = pd.Series(ids.dropna().astype(str).to_numpy(dtype=object), dtype=object)
    prefixes = text.str.rstrip("0123456789")
    numbered = prefixes.str.len() < text.str.len()
    if not numbered.any():
        return None
    prefix = prefixes[numbered].mode().iloc[0]
    mine = text[numbered & prefixes.eq(prefix)].str[len(prefix) :]
    return prefix, int(mine.str.len().mode().iloc[0]), int(mine.astype("int64").max())


def new_ids(count: int, pattern: tuple[str, int, int] | None, taken: set[str]) -> list[str]:
    """`count` fresh Lead IDs continuing the book's pattern (L00001... in an empty book)."""
    prefix, width, last = pattern or ("L", 5, 0)
    out: list[str] = []
    number = last
    while len(out) < count:
        number += 1
        text = f"{prefix}{number:0{width}d}"
        if text not in taken:
            out.append(text)
    return out


def _fits(file_ids: pd.Series, pattern: tuple[str, int, int] | None, known: set[str]) -> bool:
    ids = file_ids.dropna().astype(str)
    if ids.empty or ids.duplicated().any() or ids.isin(known).any():
        return False
    return pattern is None or bool(ids.str.fullmatch(re.escape(pattern[0]) + r"\d+").all())


def _stack(leads: pd.DataFrame, rows: pd.DataFrame, options: ImportOptions) -> pd.DataFrame:
    """Book leads then file rows, one node each, with the group every node belongs to."""
    book_ids = pd.DataFrame({
        "id": leads[s.LEAD_ID].astype(object),
        "id2": leads[IMPORT_ID].astype(object) if IMPORT_ID in leads.columns else None,
    })  # fmt: skip
    file_id = (
        rows[IMPORT_ID] if IMPORT_ID in rows.columns else pd.Series(None, index=rows.index, dtype=object)
    )
    keys = pd.concat([match_keys(leads, options), match_keys(rows, options)], ignore_index=True)
    is_file = np.r_[np.zeros(len(leads), bool), np.ones(len(rows), bool)]
    keys["name"] = fuzzy_names(keys["company"], keys["name"], pd.Series(is_file), options.threshold)
    ids = pd.concat([book_ids, pd.DataFrame({"id": file_id, "id2": file_id})], ignore_index=True)
    nodes = pd.DataFrame({
        "group": _linked(keys, ids), "file": is_file,
        "where": np.r_[leads.index.to_numpy(), rows.index.to_numpy()],
    })  # fmt: skip
    return nodes


def _linked(keys: pd.DataFrame, ids: pd.DataFrame, rounds: int = 10) -> np.ndarray:
    """Groups by shared keys, then by the people each group's merged record names.

    A merged record can name a person none of its rows did alone (the company from one row,
    the name from another): that person at that company links it to a lead holding them, as a
    second import of the merged record would (without it, importing a file twice merges what
    the first import did not). Every company of a group is taken with every name of it, so
    the order of the rows does not matter; links only add up, so the groups settle.
    """
    label = groups(_keys(keys, ids))
    for _ in range(rounds):
        pairs = _person_links(keys, label)
        if not len(pairs):
            break
        label = _joined(label, pairs)
    return label


def _person_links(keys: pd.DataFrame, label: np.ndarray) -> np.ndarray:
    """(group, group) pairs: a company and a name of the first group are a person of the second."""
    node = pd.DataFrame(
        {"group": label, "company": keys["company"].to_numpy(), "name": keys["name"].to_numpy()}
    )
    companies = node[["group", "company"]].dropna().drop_duplicates()
    names = node[["group", "name"]].dropna().drop_duplicates()
    several = set(companies["group"][companies["group"].duplicated()]) | set(
        names["group"][names["group"].duplicated()]
    )
    if not several:  # one company and one name per group: its person is already a key
        return np.empty((0, 2), dtype=np.int64)
    combos = companies[companies["group"].isin(several)].merge(
        names[names["group"].isin(several)], on="group"
    )
    people = node.dropna().drop_duplicates()
    hits = combos.merge(people, on=["company", "name"], suffixes=("", "_person"))
    hits = hits[hits["group"] != hits["group_person"]]
    return hits[["group", "group_person"]].drop_duplicates().to_numpy(dtype=np.int64)


def _joined(label: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """The labels with each pair's groups made one (labelled by the smaller)."""
    moved = pd.Series(joined_roots(map(tuple, pairs.tolist())), dtype=np.int64)
    out = pd.Series(label)
    return out.map(moved).fillna(out).to_numpy(dtype=np.int64)


def merge_leads(rows: pd.DataFrame, leads: pd.DataFrame, options: ImportOptions, today: dt.date) -> LeadMerge:
    """Decide the import of cleaned file rows (index = file row) into the book's Leads."""
    if s.LEAD_ID in rows.columns:  # the file's own ID: a Lead ID only if it fits (decided below)
        rows = rows.rename(columns={IMPORT_ID: f"{IMPORT_ID} (import)"}).rename(
            columns={s.LEAD_ID: IMPORT_ID}
        )
    has_id = rows.reindex(columns=list(IDENTIFYING)).notna().any(axis=1)
    skipped, rows = rows.index[~has_id], rows.loc[has_id]
    nodes = _stack(leads, rows, options)
    root = nodes.groupby("group")["file"].transform("first")  # first node: the book's lead if any
    in_book = ~root.to_numpy()
    touched = nodes["group"].isin(nodes.loc[nodes["file"], "group"])
    first = ~nodes["group"].duplicated()
    keep = touched & nodes["file"] | (touched & first & ~nodes["file"])
    chosen = nodes[keep]
    columns = [c for c in rows.columns if c != s.LEAD_ID]
    book_part = leads.reindex(columns=columns).loc[chosen.loc[~chosen["file"], "where"]]
    stacked = pd.concat(
        [book_part, rows[columns].loc[chosen.loc[chosen["file"], "where"]]], ignore_index=True
    )
    stacked.index = chosen.index
    group = chosen["group"]
    merged = stacked.groupby(group, sort=False).first()
    provider = _providers(stacked, group, columns)
    lead_node = pd.Series(np.flatnonzero(first.to_numpy()), index=nodes.loc[first, "group"].to_numpy())
    status = _status(nodes, provider, in_book, lead_node, rows.index, skipped)
    fills = _fills(nodes, merged, leads, in_book, lead_node, columns)
    new = _new_rows(nodes, merged, leads, rows, in_book, lead_node, options, today)
    lead_of = _lead_of(nodes, leads, new, lead_node, in_book, rows.index)
    conflicts = _conflicts(stacked, group, chosen, leads, lead_of, options, columns)
    notes = _many(nodes, leads)
    return LeadMerge(new, fills, conflicts, status, lead_of, notes)


def _providers(stacked: pd.DataFrame, group: pd.Series, columns: list[str]) -> np.ndarray:
    """The nodes whose value a group keeps for some column (the first non-blank one per group)."""
    gave = []
    for column in columns:
        has = stacked[column].notna().to_numpy()
        nodes = stacked.index.to_numpy()[has]
        gave.append(pd.Series(nodes).groupby(group.to_numpy()[has]).first().to_numpy())
    return np.unique(np.concatenate(gave)) if gave else np.array([], dtype=int)


def _status(nodes, gave, in_book, lead_node, file_rows, skipped) -> pd.Series:
    file_nodes = nodes.index[nodes["file"]]
    out = pd.Series(DUPLICATE, index=file_rows, dtype=object)
    is_lead = np.isin(file_nodes, lead_node.to_numpy())
    contributed = np.isin(file_nodes, gave)
    out[contributed] = MERGED
    out[is_lead & ~in_book[file_nodes]] = NEW
    return pd.concat([out, pd.Series(SKIPPED, index=skipped, dtype=object)]).sort_index()


def _fills(nodes, merged, leads, in_book, lead_node, columns) -> dict[str, pd.Series]:
    fills: dict[str, pd.Series] = {}
    book_groups = merged.index[in_book[lead_node.reindex(merged.index).to_numpy()]]
    if not len(book_groups):
        return fills
    rows = nodes.loc[lead_node[book_groups].to_numpy(), "where"].to_numpy()
    for column in columns:
        if column == s.LEAD_ID:
            continue
        value = merged.loc[book_groups, column].to_numpy(dtype=object)
        current = leads.reindex(columns=[column]).loc[rows, column].to_numpy(dtype=object)
        wanted = pd.notna(value) & pd.isna(current)
        if column == IMPORT_ID:  # the file's ID is this lead's own Lead ID: nothing to remember
            wanted &= value != leads.loc[rows, s.LEAD_ID].to_numpy(dtype=object)
        if wanted.any():
            fills[column] = pd.Series(value[wanted], index=pd.Index(rows[wanted], name="row"))
    return fills


def _new_rows(nodes, merged, leads, rows, in_book, lead_node, options, today) -> pd.DataFrame:
    groups_new = merged.index[~in_book[lead_node.reindex(merged.index).to_numpy()]]
    new = merged.loc[groups_new].reset_index(drop=True)
    if new.empty:
        return pd.DataFrame(columns=[s.LEAD_ID, *merged.columns])
    pattern = id_pattern(leads[s.LEAD_ID])
    known = set(leads[s.LEAD_ID].dropna().astype(str))
    file_ids = new[IMPORT_ID] if IMPORT_ID in new.columns else pd.Series(None, index=new.index, dtype=object)
    if _fits(file_ids, pattern, known):
        new[s.LEAD_ID] = file_ids
        new = new.drop(columns=IMPORT_ID)
        pattern = id_pattern(pd.concat([leads[s.LEAD_ID], file_ids]))
        known |= set(file_ids.dropna())
    else:
        new[s.LEAD_ID] = None
    lacking = new[s.LEAD_ID].isna()
    new.loc[lacking, s.LEAD_ID] = new_ids(int(lacking.sum()), pattern, known)
    created = new[s.CREATED] if s.CREATED in new.columns else pd.Series(None, index=new.index, dtype=object)
    new[s.CREATED] = created.where(created.notna(), pd.Timestamp(today)).astype(object)
    for column, fill in ((s.SOURCE, options.source), (s.OWNER, options.owner)):
        if fill:
            current = new[column] if column in new.columns else pd.Series(None, index=new.index, dtype=object)
            new[column] = current.where(current.notna(), fill)
    order = [c for c in s.LEAD_INPUT_COLUMNS if c in new.columns]
    return new[order + [c for c in new.columns if c not in order]]


def _lead_of(nodes, leads, new, lead_node, in_book, file_rows) -> pd.Series:
    file_nodes = nodes[nodes["file"]]
    lead = lead_node[file_nodes["group"].to_numpy()].to_numpy()
    ids = np.empty(len(file_nodes), dtype=object)
    book = in_book[lead]
    ids[book] = leads.loc[nodes.loc[lead[book], "where"].to_numpy(), s.LEAD_ID].to_numpy(dtype=object)
    new_groups = pd.unique(file_nodes["group"][~book])  # same order as merged's new rows
    by_group = dict(zip(new_groups, new[s.LEAD_ID].to_numpy(dtype=object), strict=False))
    ids[~book] = [by_group.get(g) for g in file_nodes["group"][~book]]
    return pd.Series(ids, index=file_rows, dtype=object)


def _conflicts(stacked, group, chosen, leads, lead_of, options, columns) -> pd.DataFrame:
    out = []
    shared = group.duplicated(keep=False).to_numpy()  # a group of one has nothing to disagree with
    stacked, group, chosen = stacked[shared], group[shared], chosen[shared]
    file_row = chosen["where"].where(chosen["file"], None)
    for column in columns:
        if column in (IMPORT_ID, s.CREATED):
            continue
        values = stacked[column]
        norm = _normalised(column, values, options).astype(object)
        has = norm.notna()
        if not has.any():
            continue
        frame = pd.DataFrame({"group": group[has], "norm": norm[has], "value": values[has]})
        first = frame.groupby("group")["norm"].transform("first")
        differs = frame[frame["norm"].ne(first) & chosen.loc[frame.index, "file"]]
        if differs.empty:
            continue
        kept = frame.groupby("group")["value"].first()
        rows = file_row[differs.index].astype(int)
        out.append(pd.DataFrame({
            s.LEAD_ID: lead_of.reindex(rows).to_numpy(), "Column": column,
            "Kept": kept[differs["group"]].to_numpy(), "File value": differs["value"].to_numpy(),
            "File row": rows.to_numpy(),
        }))  # fmt: skip
    if not out:
        return pd.DataFrame(columns=[s.LEAD_ID, "Column", "Kept", "File value", "File row"])
    return pd.concat(out, ignore_index=True).sort_values(["File row", "Column"], ignore_index=True)


def _many(nodes: pd.DataFrame, leads: pd.DataFrame) -> list[str]:
    book = nodes[~nodes["file"]]
    counts = book.groupby("group").size()
    multi = counts[(counts > 1) & counts.index.isin(nodes.loc[nodes["file"], "group"])]
    notes = []
    for g in multi.index[:20]:
        ids = leads.loc[book.loc[book["group"].eq(g), "where"], s.LEAD_ID].astype(str).tolist()
        notes.append(
            f"the file matches leads {', '.join(ids)} (duplicates in the book); filled {ids[0]} only"
        )
    return notes
