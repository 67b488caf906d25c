"""Who is the same lead: normalised keys (email, phone, person at company) and groups of rows.

Salesforce's duplicate rules match on email, phone, or name + company; so do these. Each key
is computed per column (vectorised); groups are the connected rows of any shared key, found by
propagating the smallest row number along each key until nothing changes, so no pair of rows is
ever compared unless a key already put them in the same block.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TypeVar

import numpy as np
import pandas as pd

try:  # maintained libraries made for the job: Google's phone metadata, C++ fuzzy matching
    import phonenumbers
except ImportError:  # pragma: no cover - leadbook's pyproject installs it
    phonenumbers = None
from rapidfuzz import fuzz, process

HONORIFICS = r"\b(?:mr|mrs|ms|miss|dr|prof|sir|mx)\b"
LEGAL = (
    r"\b(?:the|and|ltd|limited|inc|incorporated|llc|llp|plc|gmbh|ag|sa|sas|sarl|bv|nv|oy|ab|as|aps|"
    r"corp|corporation|co|company|srl|spa|pty|kg|kft|sro|pte)\b"
)
T = TypeVar("T", bound=Hashable)
FUZZY_BLOCK = 1_000  # names sharing one word at one company; a word that common blocks nothing


def _on_unique(key):
    """Compute a key once per distinct value (names and companies repeat a lot in a book)."""

    def run(values: pd.Series, *args) -> pd.Series:
        codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
        keys = key(pd.Series(uniques, dtype=object), *args).to_numpy(dtype=object)
        out = np.where(codes >= 0, keys[np.maximum(codes, 0)] if len(keys) else None, None)
        return pd.Series(out, index=values.index, dtype=object)

    run.__doc__, run.__name__ = key.__doc__, key.__name__
    return run


def _folded(values: pd.Series) -> pd.Series:
    """Lower-case ASCII text ('García' -> 'garcia'), punctuation as spaces, as pandas strings."""
    text = values.astype("string").str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
    return text.str.lower().str.replace(r"[^a-z0-9@]+", " ", regex=True)


def _blank_none(values: pd.Series) -> pd.Series:
    out = values.astype(object)
    return out.where(out.notna() & out.ne(""), None)


@_on_unique
def email_key(values: pd.Series) -> pd.Series:
    """'mailto: John.Smith@ACME.com ' -> 'john.smith@acme.com'; None when there is no address."""
    text = values.astype("string").str.lower().str.replace(r"\s+", "", regex=True)
    return _blank_none(text.str.extract(r"([^<>\"':;,()\[\]]+@[^<>\"':;,()\[\]]+\.[a-z0-9-]+)", expand=False))


@_on_unique
def phone_key(values: pd.Series, country: str | None) -> pd.Series:
    """One international form (E.164, '+442071234567'); numbers without a country code use `country`."""
    text = values.astype("string").str.strip()
    compact = text.str.replace(r"[\s\-().\/]", "", regex=True)
    plain = text.str.fullmatch(r"[\d\s+\-()./]+").fillna(False) & ~text.str.contains("(0)", regex=False)
    out = pd.Series(None, index=values.index, dtype=object)
    e164 = plain & compact.str.fullmatch(r"\+[1-9]\d{7,14}").fillna(False)
    out[e164] = compact[e164]
    zeros = plain & compact.str.fullmatch(r"00[1-9]\d{7,14}").fillna(False)
    out[zeros] = "+" + compact[zeros].str[2:]
    trunk = _trunk(country)
    if trunk:  # '020 7123 4567' in GB: the trunk 0 gives way to +44, as phonenumbers would write it
        national = plain & out.isna() & compact.str.fullmatch(r"0[1-9]\d{8,9}").fillna(False)
        out[national] = trunk + compact[national].str[1:]
    rest = text.notna() & out.isna()
    if rest.any():
        unique = pd.unique(text[rest].to_numpy(dtype=object))
        lookup = {v: _parse_phone(v, country) for v in unique}
        out[rest] = text[rest].map(lookup)
    return _blank_none(out)


def _trunk(country: str | None) -> str | None:
    """'+44' for GB: the country code of a region whose national numbers start with a trunk 0."""
    if phonenumbers is None or not country:
        return None
    meta = phonenumbers.PhoneMetadata.metadata_for_region(country.upper())
    if meta is None or meta.national_prefix != "0":
        return None
    return f"+{meta.country_code}"


def _parse_phone(text: str, country: str | None) -> str | None:
    digits = "".join(ch for ch in text if ch.isdigit())
    if phonenumbers is not None:
        try:
            number = phonenumbers.parse(text, (country or "").upper() or None)
            if phonenumbers.is_possible_number(number):
                return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        except phonenumbers.NumberParseException:
            pass
    return digits if len(digits) >= 7 else None  # a number we cannot place still matches itself


@_on_unique
def name_key(values: pd.Series) -> pd.Series:
    """'Smith, Dr. John' and 'john  smith' -> 'john smith' (accents, order, titles ignored)."""
    text = _folded(values).str.replace("@", " ").str.replace(HONORIFICS, " ", regex=True)
    words = text.str.split()
    joined = words.map(lambda w: " ".join(sorted(w)) if isinstance(w, list) else None)
    return _blank_none(joined)


@_on_unique
def company_key(values: pd.Series) -> pd.Series:
    """'ACME Ltd.' and 'Acme Limited' -> 'acme' (legal forms and punctuation ignored)."""
    text = _folded(values).str.replace("@", " ").str.replace("&", " ").str.replace(LEGAL, " ", regex=True)
    return _blank_none(text.str.replace(r"\s+", "", regex=True))


def fuzzy_names(company: pd.Series, name: pd.Series, queries: pd.Series, threshold: float) -> pd.Series:
    """Each name replaced by one spelling of its near-identical group within the same company.

    Candidates are names at the same company sharing a word ('jon smith' ~ 'john smith' share
    'smith'), with at least one of them an imported row (`queries`); each candidate pair is scored
    once by rapidfuzz, so a company with thousands of names never builds a thousands-squared matrix.
    """
    nodes = pd.DataFrame({"company": company, "name": name, "query": queries.to_numpy()}).dropna()
    distinct = nodes.groupby(["company", "name"], sort=False)["query"].any().reset_index()
    distinct = distinct[distinct["company"].isin(distinct.loc[distinct["query"], "company"])]
    words = distinct.assign(word=distinct["name"].str.split()).explode("word")
    size = words.groupby(["company", "word"])["name"].transform("size")
    words = words[(size > 1) & (size <= FUZZY_BLOCK)]
    pairs = words.merge(words, on=["company", "word"], suffixes=("", "_b"))
    pairs = pairs[(pairs["name"] < pairs["name_b"]) & (pairs["query"] | pairs["query_b"])]
    pairs = pairs.drop_duplicates(["company", "name", "name_b"])
    if pairs.empty:
        return name
    scores = process.cpdist(pairs["name"].tolist(), pairs["name_b"].tolist(), scorer=fuzz.ratio, workers=-1)
    matched = pairs.loc[scores >= threshold, ["company", "name", "name_b"]]
    roots = joined_roots(((block, a), (block, b)) for block, a, b in matched.itertuples(index=False))
    if not roots:
        return name
    canonical = {node: root[1] for node, root in roots.items()}
    keyed = pd.Series(list(zip(company, name, strict=True)), index=name.index)
    return keyed.map(lambda k: canonical.get(k, k[1])).where(name.notna(), None)


def joined_roots(pairs: Iterable[tuple[T, T]]) -> dict[T, T]:
    """Each pair's two nodes made one (union-find): every node that joined a smaller one -> the
    smallest node of its group. Nodes that are already their group's smallest are left out."""
    root: dict[T, T] = {}

    def find(node: T) -> T:
        while root.get(node, node) != node:
            node = root[node]
        return node

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            root[max(ra, rb)] = min(ra, rb)
    return {node: find(node) for node in list(root)}


def groups(keys: pd.DataFrame) -> np.ndarray:
    """For each row, the position of the first row it is connected to through any shared key."""
    label = np.arange(len(keys))
    codes = {c: pd.factorize(keys[c])[0] for c in keys.columns}  # -1 for a missing key
    while True:
        before = label.copy()
        for code in codes.values():
            has = code >= 0
            if not has.any():
                continue
            smallest = pd.Series(label[has]).groupby(code[has]).transform("min").to_numpy()
            label[has] = smallest
        while True:  # follow labels to their own labels: long chains settle in a few passes
            jumped = label[label]
            if np.array_equal(jumped, label):
                break
            label = jumped
        if np.array_equal(label, before):
            return label
