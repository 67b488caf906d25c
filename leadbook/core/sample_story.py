"""The sample team's story, simulated: each lead worked by its owner's habits along the cadence.

The seeds' facts show in the data: referrals connect and win most often, it takes several
attempts to connect (so persistence pays), one owner often stops after two attempts, another
is slow to make the first touch. Open leads follow the default cadence, so only the few a rep
let slip (and the abandoned ones) are overdue. "Not interested" ends the touches.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from leadbook.core import schema as s

CADENCE = np.array((1, 3, 7, 10, 14, 21, 28))  # the Settings default, business days
MAX_ATTEMPTS, NURTURE_DAYS, STEPS = 10, 30, 18
GIVING_UP_SINCE_DAYS = 75
# Per owner: business days to the first touch (choices), chance of giving up after 2 attempts,
# chance of letting the latest due touch slip (overdue today).
HABITS = {
    "Alice": ((0, 0, 1), 0.01, 0.05),  # fast and persistent
    "Bruno": ((0, 1, 1), 0.35, 0.06),  # fast, but often stops after two tries
    "Chen": ((2, 3, 4, 6), 0.05, 0.10),  # persistent, slow to start
    "Dana": ((0, 1, 2), 0.04, 0.05),
}
# Per attempt: chance that the lead answers; given that, chance it is a fit that qualifies,
# and chance a prospect from it is won (the seeds: referrals are the most effective source).
WARM = {"Referral": (0.30, 0.70, 0.60), "Endless chain": (0.22, 0.55, 0.45),
        "Centre of influence": (0.22, 0.55, 0.45), "Own network": (0.22, 0.50, 0.40),
        "Networking": (0.18, 0.45, 0.35), "Spotter": (0.15, 0.45, 0.35)}  # fmt: skip
COLD = (0.10, 0.30, 0.30)
FAST_BONUS = 1.8  # answered the same day: far likelier to connect (lead response study)
NOT_INTERESTED, UNFIT = 0.15, 0.12  # shares of connected leads


def _chances(sources: np.ndarray) -> np.ndarray:
    return np.array([WARM.get(src, COLD) for src in sources], dtype=float).reshape(-1, 3)


def _busday(dates: np.ndarray, days: np.ndarray | int, roll: str = "forward") -> np.ndarray:
    return np.busday_offset(dates.astype("datetime64[D]"), days, roll=roll)


class _Log:
    """Touch rows collected step by step as parallel arrays."""

    def __init__(self) -> None:
        self.parts: list[dict[str, np.ndarray]] = []

    def add(self, lead: np.ndarray, date: np.ndarray, kind, direction, outcome, next_date=None) -> None:
        n = len(lead)
        if n == 0:
            return
        nat = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
        self.parts.append({
            "lead": lead, "date": date.astype("datetime64[D]"), "kind": np.broadcast_to(kind, n),
            "direction": np.broadcast_to(direction, n), "outcome": np.broadcast_to(outcome, n),
            "next": nat if next_date is None else next_date.astype("datetime64[D]"),
        })  # fmt: skip

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(columns=["lead", "date", "kind", "direction", "outcome", "next"])
        return pd.DataFrame({k: np.concatenate([p[k] for p in self.parts]) for k in self.parts[0]})


def _attempt_kind(rng: np.random.Generator, no_calls: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(no_calls)
    kind = rng.choice(np.array(["Call", "Call", "Call", "Voicemail", "Email", "Email", "Social"]), n)
    kind = np.where(no_calls, rng.choice(np.array(["Email", "Email", "Letter"]), n), kind)
    call = np.isin(kind, ("Call",))
    outcome = np.where(
        call, rng.choice(np.array(["No answer", "No answer", "Talked to other"]), n), "No answer"
    )
    outcome = np.where(kind == "Voicemail", "Left message", outcome)
    return kind, outcome


def simulate(
    leads: pd.DataFrame, today: dt.date, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Touches for the leads, and per lead its fate: connected on, outcome, qualified on."""
    n, end = len(leads), np.datetime64(today, "D")
    created = leads[s.CREATED].to_numpy().astype("datetime64[D]")
    owner, source = leads[s.OWNER].to_numpy(), leads[s.SOURCE].to_numpy()
    habits = [HABITS[o] for o in owner]
    delay = np.array([rng.choice(h[0]) for h in habits])
    # Giving up early is a recent habit (the last ~10 weeks), so the oldest leads are not all overdue.
    recent = created >= end - np.timedelta64(GIVING_UP_SINCE_DAYS, "D")
    gives_up = recent & (rng.random(n) < np.array([h[1] for h in habits]))
    slips = rng.random(n) < np.array([h[2] for h in habits])
    chance = _chances(source)
    no_calls = leads[s.DO_NOT_CALL].eq(s.YES).to_numpy()
    log, ids = _Log(), np.arange(n)
    due = _busday(created, delay)
    attempts = np.zeros(n, int)
    connected = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    last_attempt = np.full(n, -1)  # row in the log's order, for the slipped touch
    active = np.ones(n, bool)
    for _ in range(STEPS):
        now = active & (due <= end)
        if not now.any():
            break
        who = ids[now]
        p = chance[who, 0] * np.where((attempts[who] == 0) & (delay[who] == 0), FAST_BONUS, 1.0)
        p = np.where(attempts[who] >= MAX_ATTEMPTS, p / 3, p)  # nurture mail rarely gets an answer
        answer = rng.random(len(who)) < p
        kind, outcome = _attempt_kind(rng, no_calls[who])
        attempts[who] += 1
        reached = who[answer]
        connected[reached] = due[reached]
        active[reached] = False
        missed = who[~answer]
        log.add(missed, due[missed], kind[~answer], s.OUT, outcome[~answer])
        last_attempt[missed] = attempts[missed]
        stop = missed[(attempts[missed] == 2) & gives_up[missed]]
        active[stop] = False
        step = CADENCE[np.clip(attempts[missed], 1, len(CADENCE)) - 1]
        nurture = attempts[missed] >= MAX_ATTEMPTS
        later = np.where(
            nurture,
            _busday(due[missed] + np.timedelta64(NURTURE_DAYS, "D"), 0),
            np.busday_offset(due[missed], step, roll="backward"),
        )
        due[missed] = later
    fate = _conversations(log, connected, chance, no_calls, end, rng)
    touches = _slipped(log.frame(), slips & np.isnat(connected) & active, end)
    return touches, fate


def _conversations(
    log: _Log, connected: np.ndarray, chance: np.ndarray, no_calls: np.ndarray, end, rng
) -> pd.DataFrame:
    """The connecting touch and what follows it: not interested, unfit, a fit, or 'call me later'."""
    n = len(connected)
    reached = np.flatnonzero(~np.isnat(connected))
    roll = rng.random(len(reached))
    fit_share = chance[reached, 1]
    fate = np.select(
        [roll < NOT_INTERESTED, roll < NOT_INTERESTED + UNFIT, roll < NOT_INTERESTED + UNFIT + fit_share],
        ["not interested", "unfit", "fit"],
        "later",
    ).astype(object)
    on = connected[reached]
    email = no_calls[reached] | (rng.random(len(reached)) < 0.35)
    quiet = fate == "not interested"
    log.add(
        reached[quiet], on[quiet], np.where(email[quiet], "Email", "Call"), s.OUT, s.OUTCOME_NOT_INTERESTED
    )
    talk = ~quiet & (fate != "later")  # a "later" talk is logged with its promise
    log.add(reached[talk & email], on[talk & email], "Email", s.IN, "Replied")
    log.add(reached[talk & ~email], on[talk & ~email], "Call", s.OUT, "Talked")
    fit = fate == "fit"
    meeting = _busday(on[fit], rng.integers(2, 6, int(fit.sum())))
    held = meeting <= end
    log.add(reached[fit][held], meeting[held], "Meeting", s.OUT, "Shared info")
    task = _busday(meeting, rng.integers(1, 4, len(meeting)))
    done = held & (task <= end) & (rng.random(len(meeting)) < 0.7)
    log.add(reached[fit][done], task[done], "Email", s.IN, "Did follow-up task")
    qualified = np.where(held, meeting, np.datetime64("NaT"))
    _promises(log, reached[fate == "later"], on[fate == "later"], end, rng)
    out = pd.DataFrame(
        {"fate": None, "connected": connected, "qualified": np.datetime64("NaT")}, index=range(n)
    )
    out.loc[reached, "fate"] = fate
    out["qualified"] = out["qualified"].astype("datetime64[ns]")
    out.loc[reached[fit], "qualified"] = qualified.astype("datetime64[ns]")
    return out


def _promises(log: _Log, who: np.ndarray, on: np.ndarray, end, rng) -> None:
    """'Call me next quarter': each talk promises a date, and the rep calls back on it."""
    last = on
    while len(who):
        promise = _busday(last + rng.integers(20, 50, len(who)).astype("timedelta64[D]"), 0)
        log.add(who, last, "Call", s.OUT, "Talked", promise)
        again = promise <= end
        who, last = who[again], promise[again]


def _slipped(touches: pd.DataFrame, slips: np.ndarray, end) -> pd.DataFrame:
    """Drop the latest attempt of an open lead its rep let slip, if made in the last 10 days."""
    recent = touches["date"].to_numpy() >= end - np.timedelta64(10, "D")
    latest = ~touches.duplicated("lead", keep="last").to_numpy()
    many = touches.groupby("lead")["lead"].transform("size").to_numpy() >= 2
    drop = slips[touches["lead"].to_numpy()] & recent & latest & many
    return touches.loc[~drop]
