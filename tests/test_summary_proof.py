"""Every Summary figure, as written into the file, against an independent count of the book's rows.

A sample book goes through the CLI (new, refresh, qualify, refresh, summary); then the sheets are
read back with python-calamine and each figure is recounted with plain loops over the rows (not
the pandas code under test): headline, funnel, sources, owners, follow-up health, speed to
lead, touches to connect, abandoned and the weekly trend.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict

import openpyxl
import pytest
import python_calamine
from typer.testing import CliRunner

from leadbook.cli import app

TODAY = dt.date(2026, 11, 23)
TWO_WAY = {"Talked", "Replied", "Meeting booked", "Shared info", "Did follow-up task"}
CLOSED = {"Qualified", "Prospect", "Disqualified"}


def rows_of(path, name) -> list[dict]:
    rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()
    return [dict(zip(rows[0], r, strict=False)) | {"_row": i} for i, r in enumerate(rows[1:], start=2)]


def day(value) -> dt.date | None:
    if value in ("", None):
        return None
    return value.date() if isinstance(value, dt.datetime) else value


def tables(path) -> dict[str, list[dict]]:
    """The Summary's tables by title: a title row, a header row, then rows with 2+ filled cells."""
    grid = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Summary").to_python()
    out, i = {}, 1
    while i < len(grid):
        filled = [c for c in grid[i] if c != ""]
        if len(filled) == 1 and i + 1 < len(grid) and sum(c != "" for c in grid[i + 1]) >= 2:
            header = [c for c in grid[i + 1] if c != ""]
            body, j = [], i + 2
            while j < len(grid) and sum(c != "" for c in grid[j]) >= 2:
                body.append(dict(zip(header, grid[j][: len(header)], strict=True)))
                j += 1
            out[filled[0]] = body
            i = j
        i += 1
    return out


def busdays(start: dt.date, end: dt.date) -> int:
    n, d = 0, start
    while d < end:
        n += d.weekday() < 5
        d += dt.timedelta(days=1)
    return n


@pytest.fixture(scope="module", params=[7, 21])
def book(request, tmp_path_factory):
    path = tmp_path_factory.mktemp("proof") / "team.xlsx"
    runner = CliRunner()
    today = ["--today", f"{TODAY}"]
    assert (
        runner.invoke(
            app, ["new", str(path), "--sample", "600", "--seed", str(request.param), *today]
        ).exit_code
        == 0
    )
    wb = openpyxl.load_workbook(path)  # a Source typed off the list: "(other)", never "(none)"
    wb["Leads"]["H2"] = "Billboard"
    wb.save(path)
    for args in (["refresh"], ["qualify", "--owner", "t"], ["refresh"], ["summary"]):
        result = runner.invoke(app, [args[0], str(path), *today, *args[1:]])
        assert result.exit_code in (0, 1), result.output
    leads = rows_of(path, "Leads")
    touches = rows_of(path, "Touches")
    prospects = rows_of(path, "Prospects")
    return leads, touches, prospects, tables(path)


def facts(leads, touches) -> dict[str, dict]:
    ids = {lead["Lead ID"] for lead in leads}
    per: dict[str, list] = defaultdict(list)
    for t in touches:
        if t["Lead ID"] in ids and day(t["Date"]):
            answered = t["Direction"] == "In" or t["Outcome"] in TWO_WAY
            per[t["Lead ID"]].append((day(t["Date"]), t["_row"], answered))
    out = {}
    for lead_id, items in per.items():
        items.sort()
        contact = next((i + 1 for i, item in enumerate(items) if item[2]), None)
        first_answer = next((item[0] for item in items if item[2]), None)
        out[lead_id] = {"count": len(items), "first": items[0][0], "last": items[-1][0], "contact": contact,
                        "answered_on": first_answer}  # fmt: skip
    return out


def is_open(lead) -> bool:
    return lead["Status"] not in CLOSED and not str(lead["Follow-up"]).startswith("Do not contact")


def stages(lead, f, prospects) -> dict[str, bool]:
    mine = [p for p in prospects if p["Lead ID"] == lead["Lead ID"]]
    won = any(p["Stage"] == "Won" for p in mine)
    qualified = lead["Status"] in ("Qualified", "Prospect") or bool(mine) or won
    connected = bool(f and f["contact"]) or qualified
    return {"Touched": bool(f) or connected, "Connected": connected, "Qualified": qualified, "Won": won,
            "Lost": any(p["Stage"] == "Lost" for p in mine) and not won,
            "value": sum(p["Value"] or 0 for p in mine if p["Stage"] == "Won")}  # fmt: skip


def stopped(lead, f) -> bool:
    return bool(
        f and not f["contact"] and is_open(lead) and str(lead["Follow-up"]).startswith("Overdue")
        and f["last"] < TODAY - dt.timedelta(days=14) and lead["Do not contact"] != "Yes"
    )  # fmt: skip


def test_headline_and_funnel(book):
    leads, touches, prospects, got = book
    ref = facts(leads, touches)
    st = [stages(lead, ref.get(lead["Lead ID"]), prospects) for lead in leads]
    funnel = {r["Stage"]: r["Leads"] for r in got["Funnel"]}
    assert funnel == {
        "Leads": len(leads),
        **{k: sum(x[k] for x in st) for k in ("Touched", "Connected", "Qualified", "Won")},
    }
    assert funnel["Qualified"] < funnel["Connected"] < funnel["Touched"]  # steps that mean something
    head = got["Headline"][0]
    open_leads = [lead for lead in leads if is_open(lead)]
    assert head["Open leads"] == len(open_leads)
    assert head["Overdue"] == sum(str(lead["Follow-up"]).startswith("Overdue") for lead in open_leads)
    assert head["Due today"] == sum(str(lead["Follow-up"]).startswith("Due today") for lead in open_leads)
    assert head["Connect %"] == pytest.approx(funnel["Connected"] / funnel["Touched"])
    won, lost = sum(x["Won"] for x in st), sum(x["Lost"] for x in st)
    assert head["Won"] == won and head["Win %"] == pytest.approx(won / (won + lost))
    assert head["Won value"] == pytest.approx(sum(x["value"] for x in st))
    ids = {lead["Lead ID"] for lead in leads}
    recent = {p["Lead ID"] for p in prospects if p["Lead ID"] in ids and day(p["Qualified on"])
              and TODAY - dt.timedelta(days=29) <= day(p["Qualified on"]) <= TODAY}  # fmt: skip
    assert head["Qualified 30 days"] == len(recent)
    speeds = [
        busdays(day(lead["Created"]), ref[lead["Lead ID"]]["first"])
        for lead in leads
        if lead["Lead ID"] in ref
    ]
    assert head["Speed to lead (days)"] == statistics.median(speeds)
    abandoned = [
        lead
        for lead in leads
        if stopped(lead, ref.get(lead["Lead ID"])) and ref[lead["Lead ID"]]["count"] <= 2
    ]
    assert head["Abandoned"] == len(abandoned) > 0


def test_sources(book):
    leads, touches, prospects, got = book
    ref = facts(leads, touches)
    per = defaultdict(Counter)
    for lead in leads:
        x = stages(lead, ref.get(lead["Lead ID"]), prospects)
        source = lead["Source"] or "(none)"
        source = "(other)" if source == "Billboard" else source
        per[source].update(
            {"Leads": 1, **{k: int(x[k]) for k in ("Connected", "Qualified", "Won")}, "value": x["value"]}
        )
    table = {r["Source"]: r for r in got["Which sources pay"]}
    assert set(table) == set(per) and "(other)" in table and table["(other)"]["Leads"] == 1
    for source, c in per.items():
        row = table[source]
        assert row["Leads"] == c["Leads"] and row["Won"] == c["Won"]
        assert row["Connect %"] == pytest.approx(c["Connected"] / c["Leads"])
        assert row["Qualify %"] == pytest.approx(c["Qualified"] / c["Connected"] if c["Connected"] else 0)
        assert row["Win %"] == pytest.approx(c["Won"] / c["Qualified"] if c["Qualified"] else 0)
        assert row["Value per lead"] == pytest.approx(c["value"] / c["Leads"])
    # the seeds: referrals convert best
    rates = {s: r["Lead to won %"] for s, r in table.items() if r["Leads"] >= 10}
    assert max(rates, key=rates.get) == "Referral"


def test_owners_and_speed_to_lead(book):
    leads, touches, _, got = book
    ref = facts(leads, touches)
    owner_of = {lead["Lead ID"]: lead["Owner"] for lead in leads}
    table = {r["Owner"]: r for r in got["Who needs a nudge"]}
    speed = {r["Owner"]: r for r in got["Speed to lead"]}
    recent = Counter(
        t["Owner"] or owner_of[t["Lead ID"]] for t in touches
        if t["Lead ID"] in owner_of and day(t["Date"]) and 0 <= (TODAY - day(t["Date"])).days < 7
    )  # fmt: skip
    for owner in {lead["Owner"] for lead in leads}:
        mine = [lead for lead in leads if lead["Owner"] == owner]
        row = table[owner]
        assert row["Open leads"] == sum(is_open(lead) for lead in mine)
        assert row["Overdue"] == sum(is_open(x) and str(x["Follow-up"]).startswith("Overdue") for x in mine)
        assert row["Touches 7 days"] == recent[owner]
        assert row["Abandoned"] == sum(
            stopped(x, ref.get(x["Lead ID"])) and ref[x["Lead ID"]]["count"] <= 2 for x in mine
        )
        contacts = [
            ref[x["Lead ID"]]["contact"] for x in mine if x["Lead ID"] in ref and ref[x["Lead ID"]]["contact"]
        ]
        assert row["Touches to connect"] == statistics.median(contacts)
        days = [busdays(day(x["Created"]), ref[x["Lead ID"]]["first"]) for x in mine if x["Lead ID"] in ref]
        assert row["Speed to lead (days)"] == statistics.median(days) == speed[owner]["Median days"]
        buckets = Counter(
            "Same day" if d == 0 else "1 day" if d == 1 else "2-3 days" if d <= 3 else "4+ days" for d in days
        )
        assert {k: speed[owner][k] for k in buckets} == dict(buckets)
        assert speed[owner]["Waiting"] == sum(is_open(x) and x["Lead ID"] not in ref for x in mine)
    # the story: one owner is slow to the first touch, another often stops after two
    assert max(speed.values(), key=lambda r: r["Median days"])["Owner"] == "Chen"
    assert max(table.values(), key=lambda r: r["Abandoned"])["Owner"] == "Bruno"


def test_follow_up_health(book):
    leads, touches, _, got = book
    ref = facts(leads, touches)
    table = {r["Follow-up"]: r["Open leads"] for r in got["Follow-up health"]}
    open_leads = [lead for lead in leads if is_open(lead)]
    late = [
        int(str(x["Follow-up"]).split()[1]) for x in open_leads if str(x["Follow-up"]).startswith("Overdue")
    ]
    assert table == {
        "On plan": sum(str(x["Follow-up"]).startswith(("Planned", "Nurture")) for x in open_leads),
        "Due today": sum(str(x["Follow-up"]).startswith("Due today") for x in open_leads),
        "1-2 days overdue": sum(1 <= d <= 2 for d in late),
        "3-7 days overdue": sum(3 <= d <= 7 for d in late),
        "8-14 days overdue": sum(8 <= d <= 14 for d in late),
        "15+ days overdue": sum(d >= 15 for d in late),
        "Never touched": sum(x["Lead ID"] not in ref for x in open_leads),
    }
    assert 0 < len(late) < 0.2 * len(open_leads)  # a reasonably run team: a few overdue


def test_touches_to_connect(book):
    leads, touches, _, got = book
    ref = facts(leads, touches)
    by_lead = {lead["Lead ID"]: lead for lead in leads}
    label = lambda n: str(n) if n <= 10 else "11+"  # noqa: E731
    connected = Counter(label(f["contact"]) for f in ref.values() if f["contact"])
    halted = Counter(label(f["count"]) for i, f in ref.items() if stopped(by_lead[i], f))
    table = got["Touches to connect"]
    assert [r["Touch"] for r in table] == [str(i) for i in range(1, 11)] + ["11+"]
    total, running = sum(connected.values()), 0
    for r in table:
        running += connected[r["Touch"]]
        assert (r["Connected here"], r["Stopped here"]) == (connected[r["Touch"]], halted[r["Touch"]])
        assert r["Connected by here %"] == pytest.approx(running / total)
    assert sum(connected[str(n)] for n in range(3, 11)) > connected["1"] + connected["2"] or halted["2"] > 0


def test_weekly_trend(book):
    leads, touches, prospects, got = book
    ref = facts(leads, touches)
    monday = TODAY - dt.timedelta(days=TODAY.weekday())
    weeks = [monday - dt.timedelta(weeks=k) for k in range(11, -1, -1)]
    ids = {lead["Lead ID"] for lead in leads}

    def week_of(d):
        return d - dt.timedelta(days=d.weekday()) if d else None

    new = Counter(week_of(day(x["Created"])) for x in leads)
    made = Counter(week_of(day(t["Date"])) for t in touches if t["Lead ID"] in ids and day(t["Date"]))
    connects = Counter(week_of(f["answered_on"]) for f in ref.values())
    seen, moved = set(), Counter()
    for p in prospects:
        if p["Lead ID"] in ids and p["Lead ID"] not in seen:
            seen.add(p["Lead ID"])
            moved[week_of(day(p["Qualified on"]))] += 1
    table = got["Weekly trend"]
    assert [r["Week of"] for r in table] == [f"{w:%d %b}" for w in weeks]
    for r, w in zip(table, weeks, strict=True):
        assert (r["New leads"], r["Touches"], r["Connects"], r["Prospects"]) == (
            new[w],
            made[w],
            connects[w],
            moved[w],
        )
