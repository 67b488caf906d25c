"""Realistic sample data in the contract's shape: leads, touches and past prospects (seeded)."""

from __future__ import annotations

import datetime as dt
import unicodedata

import numpy as np
import pandas as pd

from leadbook.core import schema as s

FIRST = ("Ana", "Ben", "Chloé", "Dev", "Eva", "Farid", "Grace", "Hugo", "Ines", "Jon", "Kira", "Liam",
         "Maya", "Noah", "Olga", "Pavel", "Quinn", "Rosa", "Sami", "Tess", "Uma", "Victor", "Wen", "Yara")  # fmt: skip
LAST = ("Adams", "Berg", "Costa", "Dubois", "Evans", "Fischer", "García", "Hansen", "Ivanova", "Jensen",
        "Kowalski", "Larsen", "Moreau", "Nakamura", "Okafor", "Patel", "Rossi", "Smith", "Tanaka", "Weber")  # fmt: skip
COMPANIES = ("Acme", "Birch & Co", "Cobalt Labs", "Delta Foods", "Evergreen", "Fjord Tech", "Granite",
             "Harbor Health", "Ionic", "Juniper", "Kestrel", "Lumen", "Meridian", "Northwind", "Orbit")  # fmt: skip
SUFFIX = ("Ltd", "GmbH", "Inc", "SA", "BV", "Oy")
TITLES = ("CEO", "CFO", "Head of Sales", "Operations Manager", "IT Director", "Buyer", "Office Manager")
OWNERS = ("Alice", "Bruno", "Chen", "Dana")
# Share of leads by source: lists and the web bring many, referrals fewer but better.
SOURCE_SHARE = (6, 2, 5, 2, 8, 16, 8, 7, 6, 6, 6, 5, 9, 1, 5, 3, 5)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _pick(rng: np.random.Generator, values: tuple, n: int, p: tuple | None = None) -> np.ndarray:
    weights = None if p is None else np.asarray(p, dtype=float) / sum(p)
    return np.asarray(values, dtype=object)[rng.choice(len(values), size=n, p=weights)]


def _answers(rng: np.random.Generator, n: int, yes: float, no: float) -> np.ndarray:
    return _pick(rng, (s.YES, s.NO, s.UNKNOWN, None), n, (yes, no, 0.15, 1 - yes - no - 0.15))


def sample_leads(n: int, today: dt.date, rng: np.random.Generator) -> pd.DataFrame:
    """n leads created over the last ~6 months, with answers, sources and owners."""
    first, last = _pick(rng, FIRST, n), _pick(rng, LAST, n)
    company = _pick(rng, COMPANIES, n) + " " + _pick(rng, SUFFIX, n)
    ids = [f"L{i:0{max(5, len(str(n)))}d}" for i in range(1, n + 1)]
    age = np.sort(rng.integers(0, 180, size=n))[::-1]
    created = pd.Timestamp(today) - pd.to_timedelta(age, unit="D")
    email = [  # ASCII addresses: "García" becomes "garcia"
        _ascii(f"{f}.{la}@{c.split()[0]}.example".lower())
        for f, la, c in zip(first, last, company, strict=True)
    ]
    return pd.DataFrame({
        s.LEAD_ID: ids,
        s.CREATED: created.normalize(),
        s.NAME: first + " " + last,
        s.COMPANY: company,
        s.TITLE: _pick(rng, TITLES, n),
        s.EMAIL: email,
        s.PHONE: [f"+44 20 7{x:03d} {y:04d}" for x, y in zip(rng.integers(0, 1000, n), rng.integers(0, 10000, n), strict=True)],
        s.SOURCE: _pick(rng, s.SOURCES, n, SOURCE_SHARE),
        s.OWNER: _pick(rng, OWNERS, n),
        s.NEED: _answers(rng, n, 0.45, 0.1),
        s.BUDGET: _answers(rng, n, 0.35, 0.15),
        s.AUTHORITY: _answers(rng, n, 0.35, 0.15),
        s.APPROACHABLE: _answers(rng, n, 0.5, 0.1),
        s.ELIGIBLE: _answers(rng, n, 0.6, 0.05),
        s.LIKELIHOOD: _pick(rng, (*s.LIKELIHOODS, None), n, (0.25, 0.35, 0.25, 0.15)),
        s.TIMING: _pick(rng, (*s.TIMINGS, None), n, (0.2, 0.25, 0.2, 0.15, 0.2)),
        s.DO_NOT_CALL: _pick(rng, (s.YES, None), n, (0.04, 0.96)),
        s.DO_NOT_CONTACT: _pick(rng, (s.YES, None), n, (0.02, 0.98)),
        s.NOTES: None,
    })  # fmt: skip


def sample_touches(leads: pd.DataFrame, n: int, today: dt.date, rng: np.random.Generator) -> pd.DataFrame:
    """About n touches spread over the leads, after each lead's Created and not after today."""
    if n == 0 or leads.empty:
        return pd.DataFrame(columns=list(s.TOUCH_COLUMNS))
    weights = rng.gamma(1.5, 1.0, size=len(leads))
    lead_pos = rng.choice(len(leads), size=n, p=weights / weights.sum())
    created = pd.to_datetime(leads[s.CREATED]).to_numpy()[lead_pos]
    span = (pd.Timestamp(today).to_datetime64() - created).astype("timedelta64[D]").astype(int)
    offset = np.floor(rng.random(n) * (span + 1)).astype(int)
    date = pd.to_datetime(created) + pd.to_timedelta(offset, unit="D")
    kind = _pick(rng, s.KINDS, n, (45, 15, 25, 3, 5, 2, 4, 1))
    inbound = rng.random(n) < 0.12
    outcome_out = _pick(rng, s.OUTCOMES, n, (30, 25, 8, 12, 10, 4, 3, 3, 3, 2))
    outcome_in = _pick(rng, ("Replied", "Meeting booked", "Shared info", "Talked"), n)
    outcome = np.where(inbound, outcome_in, outcome_out)
    promised = rng.random(n) < 0.2
    next_date = pd.Series(date + pd.to_timedelta(rng.integers(2, 15, n), unit="D")).where(promised)
    touches = pd.DataFrame({
        s.DATE: date,
        s.LEAD_ID: leads[s.LEAD_ID].to_numpy()[lead_pos],
        s.KIND: kind,
        s.DIRECTION: np.where(inbound, s.IN, s.OUT),
        s.OUTCOME: outcome,
        s.NOTES: None,
        s.NEXT_DATE: next_date.to_numpy(),
        s.OWNER: leads[s.OWNER].to_numpy()[lead_pos],
    })  # fmt: skip
    return touches.sort_values([s.DATE, s.LEAD_ID], kind="stable").reset_index(drop=True)


def sample_prospects(
    leads: pd.DataFrame, touches: pd.DataFrame, today: dt.date, rng: np.random.Generator
) -> pd.DataFrame:
    """Past prospects: older leads with a two-way touch, at every stage, some won with a value."""
    two_way = touches[s.DIRECTION].eq(s.IN) | touches[s.OUTCOME].isin(s.TWO_WAY_OUTCOMES)
    engaged = set(touches.loc[two_way, s.LEAD_ID])
    old = leads[s.CREATED] < pd.Timestamp(today) - pd.Timedelta(days=45)
    fit = leads[s.NEED].eq(s.YES) & leads[s.ELIGIBLE].ne(s.NO)
    pool = leads[old & fit & leads[s.LEAD_ID].isin(engaged)]
    chosen = pool.sample(frac=0.5, random_state=int(rng.integers(0, 2**31))) if len(pool) else pool
    n = len(chosen)
    stage = _pick(rng, s.STAGES, n, (10, 10, 15, 40, 25))
    qualified = chosen[s.CREATED] + pd.to_timedelta(rng.integers(3, 30, n), unit="D")
    closed = (qualified + pd.to_timedelta(rng.integers(5, 40, n), unit="D")).clip(upper=pd.Timestamp(today))
    done = np.isin(stage, (s.WON, s.LOST))
    value = np.round(rng.lognormal(8.5, 0.8, n), -2)
    return pd.DataFrame({
        s.LEAD_ID: chosen[s.LEAD_ID].to_numpy(),
        s.NAME: chosen[s.NAME].to_numpy(),
        s.COMPANY: chosen[s.COMPANY].to_numpy(),
        s.EMAIL: chosen[s.EMAIL].to_numpy(),
        s.PHONE: chosen[s.PHONE].to_numpy(),
        s.SOURCE: chosen[s.SOURCE].to_numpy(),
        s.OWNER: chosen[s.OWNER].to_numpy(),
        s.SCORE: None,
        s.GRADE: None,
        s.QUALIFIED_ON: qualified.dt.normalize().to_numpy(),
        s.STAGE: stage,
        s.VALUE: np.where(np.isin(stage, (s.WON, "Proposal")), value, np.nan),
        s.CLOSED_ON: pd.Series(closed.dt.normalize().to_numpy()).where(done).to_numpy(),
        s.NEXT_STEP: None,
        s.NOTES: None,
    })  # fmt: skip


def sample_book(leads: int, touches: int | None, today: dt.date, seed: int = 7) -> dict[str, pd.DataFrame]:
    """Leads, Touches and Prospects frames for a sample workbook (touches default: 5 per lead)."""
    rng = np.random.default_rng(seed)
    lead_frame = sample_leads(leads, today, rng)
    touch_frame = sample_touches(lead_frame, 5 * leads if touches is None else touches, today, rng)
    prospects = sample_prospects(lead_frame, touch_frame, today, rng)
    moved = lead_frame[s.LEAD_ID].isin(prospects[s.LEAD_ID])
    lead_frame[s.STATUS] = np.where(moved, "Prospect", None)
    lead_frame[s.QUALIFIED_ON] = lead_frame[s.LEAD_ID].map(
        dict(zip(prospects[s.LEAD_ID], prospects[s.QUALIFIED_ON], strict=True))
    )
    return {s.LEADS: lead_frame, s.TOUCHES: touch_frame, s.PROSPECTS: prospects}
