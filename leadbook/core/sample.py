"""Realistic sample data in the contract's shape: leads, touches and past prospects (seeded)."""

from __future__ import annotations

import datetime as dt
import unicodedata

import numpy as np
import pandas as pd

from leadbook.core import schema as s
from leadbook.core.sample_story import _chances, simulate

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
# Answers a lead's questionnaire shows, by what the conversation found (None: not yet talked).
# Each: question -> (values, weights). A fit passes the default threshold, "later" stays under it.
FORM = {s.NEED: ((s.YES, None), (0.35, 0.65)), s.TIMING: (("0-3 months", "3-6 months", None), (1, 1, 6))}
RICH_FORM = {s.NEED: ((s.YES,), (1,)), s.BUDGET: ((s.YES,), (1,)), s.TIMING: (("0-3 months",), (1,))}
ANSWERS = {
    "fit": {
        s.NEED: ((s.YES,), (1,)), s.BUDGET: ((s.YES,), (1,)), s.AUTHORITY: ((s.YES, s.UNKNOWN), (3, 1)),
        s.APPROACHABLE: ((s.YES, s.UNKNOWN), (3, 1)), s.ELIGIBLE: ((s.YES,), (1,)),
        s.LIKELIHOOD: (("High", "Medium"), (1, 1)), s.TIMING: (("0-3 months", "3-6 months"), (1, 1)),
    },
    "unfit": {
        s.NEED: ((s.NO,), (1,)), s.BUDGET: ((s.NO, s.UNKNOWN), (1, 1)),  # a gate fails: Disqualified
        s.ELIGIBLE: ((s.NO, s.YES), (1, 3)), s.LIKELIHOOD: (("Low",), (1,)),
    },
    "later": {
        s.NEED: ((s.UNKNOWN,), (1,)), s.BUDGET: ((s.UNKNOWN, s.NO), (2, 1)),
        s.APPROACHABLE: ((s.YES,), (1,)), s.ELIGIBLE: ((s.YES, s.UNKNOWN), (1, 1)),
        s.LIKELIHOOD: (("Low", "Medium"), (2, 1)), s.TIMING: (("6-12 months", "12+ months"), (1, 1)),
    },
    "not interested": {s.NEED: ((s.NO, s.UNKNOWN), (1, 2)), s.LIKELIHOOD: (("Low",), (1,))},
}  # fmt: skip
RICH_FORM_SOURCES = ("Website", "Webinar / seminar", "Trade show")
WAITING_DAYS = 7  # fits qualified this recently are still on Leads, for `qualify` to move


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _pick(rng: np.random.Generator, values: tuple, n: int, p: tuple | None = None) -> np.ndarray:
    weights = None if p is None else np.asarray(p, dtype=float) / sum(p)
    return np.asarray(values, dtype=object)[rng.choice(len(values), size=n, p=weights)]


def _created(n: int, today: dt.date, rng: np.random.Generator) -> pd.DatetimeIndex:
    """n dates over the last ~6 months, a little busier lately (marketing grows the inflow)."""
    age = np.sort(np.floor(180 * rng.power(0.8, size=n) ** 1.2).astype(int))[::-1]
    return (pd.Timestamp(today) - pd.to_timedelta(age, unit="D")).normalize()


def sample_leads(n: int, today: dt.date, rng: np.random.Generator) -> pd.DataFrame:
    """n leads created over the last ~6 months, with sources and owners; answers come later."""
    first, last = _pick(rng, FIRST, n), _pick(rng, LAST, n)
    company = _pick(rng, COMPANIES, n) + " " + _pick(rng, SUFFIX, n)
    ids = [f"L{i:0{max(5, len(str(n)))}d}" for i in range(1, n + 1)]
    email = [  # ASCII addresses: "García" becomes "garcia"
        _ascii(f"{f}.{la}@{c.split()[0]}.example".lower())
        for f, la, c in zip(first, last, company, strict=True)
    ]
    frame = pd.DataFrame({
        s.LEAD_ID: ids,
        s.CREATED: _created(n, today, rng),
        s.NAME: first + " " + last,
        s.COMPANY: company,
        s.TITLE: _pick(rng, TITLES, n),
        s.EMAIL: email,
        s.PHONE: [f"+44 20 7{x:03d} {y:04d}" for x, y in zip(rng.integers(0, 1000, n), rng.integers(0, 10000, n), strict=True)],
        s.SOURCE: _pick(rng, s.SOURCES, n, SOURCE_SHARE),
        s.OWNER: _pick(rng, OWNERS, n),
        **dict.fromkeys(s.QUESTIONS),
        s.DO_NOT_CALL: _pick(rng, (s.YES, None), n, (0.04, 0.96)),
        s.DO_NOT_CONTACT: None,
        s.NOTES: None,
    })  # fmt: skip
    return frame.astype({q: object for q in (*s.QUESTIONS, s.DO_NOT_CONTACT, s.NOTES)})


def _fill_answers(leads: pd.DataFrame, rows: np.ndarray, answers: dict, rng: np.random.Generator) -> None:
    for question, (values, weights) in answers.items():
        leads.loc[leads.index[rows], question] = _pick(rng, values, int(rows.sum()), weights)


def _answer(leads: pd.DataFrame, fate: pd.Series, rng: np.random.Generator) -> None:
    """The questionnaire as far as each lead got: web-form answers, then what a talk found."""
    untalked = fate.isna().to_numpy()
    _fill_answers(leads, untalked, FORM, rng)
    rich = untalked & leads[s.SOURCE].isin(RICH_FORM_SOURCES).to_numpy() & (rng.random(len(leads)) < 0.2)
    _fill_answers(leads, rich, RICH_FORM, rng)  # a full form, but nobody has talked to them yet
    for name, answers in ANSWERS.items():
        _fill_answers(leads, fate.eq(name).to_numpy(), answers, rng)
    # A third of those not interested asked to be removed: Do not contact, and no touch after.
    asked = fate.eq("not interested").to_numpy() & (rng.random(len(leads)) < 0.35)
    leads.loc[leads.index[asked], s.DO_NOT_CONTACT] = s.YES


def sample_touches(
    leads: pd.DataFrame, today: dt.date, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every lead worked along the cadence by its owner's habits; the touches and each lead's fate."""
    log, fate = simulate(leads, today, rng)
    touches = pd.DataFrame({
        s.DATE: pd.to_datetime(log["date"]),
        s.LEAD_ID: leads[s.LEAD_ID].to_numpy()[log["lead"].to_numpy(int)],
        s.KIND: log["kind"].to_numpy(),
        s.DIRECTION: log["direction"].to_numpy(),
        s.OUTCOME: log["outcome"].to_numpy(),
        s.NOTES: None,
        s.NEXT_DATE: pd.to_datetime(log["next"]),
        s.OWNER: leads[s.OWNER].to_numpy()[log["lead"].to_numpy(int)],
    })  # fmt: skip
    touches = touches.sort_values([s.DATE, s.LEAD_ID], kind="stable").reset_index(drop=True)
    return touches, fate


def sample_prospects(
    leads: pd.DataFrame, fate: pd.DataFrame, today: dt.date, rng: np.random.Generator
) -> pd.DataFrame:
    """The fits qualified a week ago or more, at the stage their age gives; referrals win most often.

    The newest fits (and always the newest one) are left on Leads for `leadbook qualify` to move.
    """
    end = pd.Timestamp(today)
    on = fate["qualified"].where(fate["fate"].eq("fit"))
    newest = on.eq(on.max()) & on.notna()
    moved = on.notna() & (on <= end - pd.Timedelta(days=WAITING_DAYS)) & ~newest
    chosen, qualified = leads.loc[moved.to_numpy()], fate.loc[moved, "qualified"].reset_index(drop=True)
    n = len(chosen)
    wins = _chances(chosen[s.SOURCE].to_numpy())[:, 2]
    closed = qualified + pd.to_timedelta(rng.integers(10, 60, n), unit="D")
    decided = (closed <= end).to_numpy()
    won = rng.random(n) < wins
    age = (end - qualified).dt.days.to_numpy()
    open_stage = np.select([age > 20, age > 8], ["Proposal", "Appointment set"], "Qualified")
    stage = np.where(decided, np.where(won, s.WON, s.LOST), open_stage)
    value = np.round(rng.lognormal(8.6, 0.7, n), -2)
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
        s.CLOSED_ON: closed.dt.normalize().where(decided).to_numpy(),
        s.NEXT_STEP: None,
        s.NOTES: None,
    })  # fmt: skip


def sample_book(leads: int, touches: int | None, today: dt.date, seed: int = 7) -> dict[str, pd.DataFrame]:
    """Leads, Touches and Prospects frames for a sample workbook, deterministic by seed.

    touches=None keeps the simulated touches (about 5 per lead); a number resamples them to
    that many rows (benchmarks: the size matters there, not the story).
    """
    rng = np.random.default_rng(seed)
    lead_frame = sample_leads(leads, today, rng)
    touch_frame, fate = sample_touches(lead_frame, today, rng)
    _answer(lead_frame, fate["fate"], rng)
    if touches is not None and touches != len(touch_frame) and len(touch_frame):
        picked = rng.choice(len(touch_frame), size=touches, replace=touches > len(touch_frame))
        touch_frame = touch_frame.iloc[np.sort(picked)].reset_index(drop=True)
    prospects = sample_prospects(lead_frame, fate, today, rng)
    moved = lead_frame[s.LEAD_ID].isin(prospects[s.LEAD_ID])
    lead_frame[s.STATUS] = np.where(moved, "Prospect", None)
    lead_frame[s.QUALIFIED_ON] = lead_frame[s.LEAD_ID].map(
        dict(zip(prospects[s.LEAD_ID], prospects[s.QUALIFIED_ON], strict=True))
    )
    return {s.LEADS: lead_frame, s.TOUCHES: touch_frame, s.PROSPECTS: prospects}
