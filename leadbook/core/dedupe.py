"""Who is the same lead: normalised keys (email, phone, person at company) and groups of rows.

Salesforce's duplicate rules match on email, phone, or name + company; so do these. Each key
is computed per column (vectorised); groups are the connected rows of any shared key, found by
propagating the smallest row number along each key until nothing changes, so no pair of rows is
ever compared unless a key already put them in the same block.
"""

from __future__ import annotations

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
FUZZY_CHUNK = 2_000  # names compared per call, so one huge company block never builds a huge matrix


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
    rest = text.notna() & out.isna()
    if rest.any():
        unique = pd.unique(text[rest].to_numpy(dtype=object))
        lookup = {v: _parse_phone(v, country) for v in unique}
        out[rest] = text[rest].map(lookup)
    return _blank_none(out)


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

    Only names in `queries` rows (the imported ones) are compared, each against its own company
    block only: 'jon smith' and 'john smith' at acme become one name; 'john smith' elsewhere stays.
    """
    pairs = pd.DataFrame({"company": company, "name": name}).dropna()
    asked = pairs[queries.reindex(pairs.index, fill_value=False)].drop_duplicates()
    choices = pairs.drop_duplicates()
    root: dict[tuple[str, str], tuple[str, str]] = {}

    def find(node: tuple[str, str]) -> tuple[str, str]:
        while root.get(node, node) != node:
            node = root[node]
        return node

    asked_by = asked.groupby("company")["name"]
    for block, names in choices[choices["company"].isin(asked["company"])].groupby("company")["name"]:
        pool = names.to_numpy(dtype=object)
        mine = asked_by.get_group(block).to_numpy(dtype=object)
        if len(pool) < 2:
            continue
        for start in range(0, len(mine), FUZZY_CHUNK):
            part = mine[start : start + FUZZY_CHUNK]
            scores = process.cdist(part, pool, scorer=fuzz.ratio, score_cutoff=threshold, dtype=np.uint8)
            for i, j in zip(*np.nonzero(scores), strict=True):
                a, b = find((block, part[i])), find((block, pool[j]))
                if a != b:
                    root[max(a, b)] = min(a, b)
    if not root:
        return name
    canonical = {node: find(node)[1] for node in list(root)}
    keyed = pd.Series(list(zip(company, name, strict=True)), index=name.index)
    return keyed.map(lambda k: canonical.get(k, k[1])).where(name.notna(), None)


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
