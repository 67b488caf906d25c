"""The workbook contract: sheet and column names, dropdown lists, header synonyms.

Every sheet and column name lives here once; the rest of leadbook refers to these constants.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Sheets
LEADS = "Leads"
PROSPECTS = "Prospects"
TOUCHES = "Touches"
SETTINGS = "Settings"
SUMMARY = "Summary"
LOG = "Log"
SHEETS = (LEADS, PROSPECTS, TOUCHES, SETTINGS, SUMMARY, LOG)

# Leads columns
LEAD_ID = "Lead ID"
CREATED = "Created"
NAME = "Name"
COMPANY = "Company"
TITLE = "Title"
EMAIL = "Email"
PHONE = "Phone"
SOURCE = "Source"
OWNER = "Owner"
NEED = "Need"
BUDGET = "Budget"
AUTHORITY = "Authority"
APPROACHABLE = "Approachable"
ELIGIBLE = "Eligible"
LIKELIHOOD = "Likelihood"
TIMING = "Timing"
DO_NOT_CALL = "Do not call"
DO_NOT_CONTACT = "Do not contact"
NOTES = "Notes"
SCORE = "Score"
GRADE = "Grade"
REASONS = "Reasons"
STATUS = "Status"
TOUCH_COUNT = "Touches"
LAST_TOUCH = "Last touch"
NEXT_TOUCH = "Next touch"
FOLLOW_UP = "Follow-up"
QUALIFIED_ON = "Qualified on"
SCORE_OVERRIDE = "Score override"

YES_NO_QUESTIONS = (NEED, BUDGET, AUTHORITY, APPROACHABLE, ELIGIBLE)
QUESTIONS = (*YES_NO_QUESTIONS, LIKELIHOOD, TIMING)

LEAD_INPUT_COLUMNS = (
    LEAD_ID, CREATED, NAME, COMPANY, TITLE, EMAIL, PHONE, SOURCE, OWNER,
    *QUESTIONS, DO_NOT_CALL, DO_NOT_CONTACT, NOTES,
)  # fmt: skip
SCORE_COLUMNS = (SCORE, GRADE, REASONS, STATUS)
FOLLOW_UP_COLUMNS = (TOUCH_COUNT, LAST_TOUCH, NEXT_TOUCH, FOLLOW_UP)
LEAD_OWNED_COLUMNS = (*SCORE_COLUMNS, *FOLLOW_UP_COLUMNS, QUALIFIED_ON)
LEAD_COLUMNS = (*LEAD_INPUT_COLUMNS, *LEAD_OWNED_COLUMNS)

# Prospects columns
STAGE = "Stage"
VALUE = "Value"
CLOSED_ON = "Closed on"
NEXT_STEP = "Next step"
PROSPECT_COLUMNS = (
    LEAD_ID, NAME, COMPANY, EMAIL, PHONE, SOURCE, OWNER, SCORE, GRADE, QUALIFIED_ON,
    STAGE, VALUE, CLOSED_ON, NEXT_STEP, NOTES,
)  # fmt: skip

# Touches columns
DATE = "Date"
KIND = "Kind"
DIRECTION = "Direction"
OUTCOME = "Outcome"
NEXT_DATE = "Next date"
TOUCH_COLUMNS = (DATE, LEAD_ID, KIND, DIRECTION, OUTCOME, NOTES, NEXT_DATE, OWNER)

# Settings and Log columns
SETTING = "Setting"
SETTING_VALUE = "Value"
MEANING = "Meaning"
SETTINGS_COLUMNS = (SETTING, SETTING_VALUE, MEANING)
WHEN = "When"
WHO = "Who"
ACTION = "Action"
BEFORE = "Before"
AFTER = "After"
LOG_COLUMNS = (WHEN, WHO, ACTION, LEAD_ID, BEFORE, AFTER)

COLUMNS = {
    LEADS: LEAD_COLUMNS,
    PROSPECTS: PROSPECT_COLUMNS,
    TOUCHES: TOUCH_COLUMNS,
    SETTINGS: SETTINGS_COLUMNS,
    LOG: LOG_COLUMNS,
}
REQUIRED = {
    LEADS: (LEAD_ID,),
    PROSPECTS: (LEAD_ID,),
    TOUCHES: (DATE, LEAD_ID),
    SETTINGS: (SETTING, SETTING_VALUE),
    LOG: (),
}
DATE_COLUMNS = {
    LEADS: (CREATED, LAST_TOUCH, NEXT_TOUCH, QUALIFIED_ON),
    PROSPECTS: (QUALIFIED_ON, CLOSED_ON),
    TOUCHES: (DATE, NEXT_DATE),
    LOG: (WHEN,),
}
# Dates a user enters: a future value here is a typo (next dates are future by design).
PAST_DATE_COLUMNS = {LEADS: (CREATED,), TOUCHES: (DATE,), PROSPECTS: (QUALIFIED_ON, CLOSED_ON)}

# A frame's attrs key for its error cells (#REF!, #N/A...): {(Excel row, column): text}, set by a reader
CELL_ERRORS = "cell_errors"

# Dropdown values
YES, NO, UNKNOWN = "Yes", "No", "Unknown"
YES_NO_UNKNOWN = (YES, NO, UNKNOWN)
LIKELIHOODS = ("High", "Medium", "Low")
TIMINGS = ("0-3 months", "3-6 months", "6-12 months", "12+ months")
FLAG = (YES,)
SOURCES = (
    "Referral", "Endless chain", "Networking", "Centre of influence", "Social media", "Website",
    "Email list", "Ads / direct mail", "Trade show", "Webinar / seminar", "List / directory",
    "Database", "Cold call", "Spotter", "Telemarketing", "Sales letter", "Own network",
)  # fmt: skip
KINDS = ("Call", "Voicemail", "Email", "Letter", "Meeting", "Event", "Social", "Other")
IN, OUT = "In", "Out"
DIRECTIONS = (OUT, IN)
OUTCOMES = (
    "No answer", "Left message", "Talked to other", "Talked", "Replied", "Meeting booked",
    "Shared info", "Did follow-up task", "Not interested", "Do not call",
)  # fmt: skip
# Outcomes that prove two-way engagement (the seeds' line between a lead and a prospect).
TWO_WAY_OUTCOMES = ("Talked", "Replied", "Meeting booked", "Shared info", "Did follow-up task")
OUTCOME_DO_NOT_CALL = "Do not call"
OUTCOME_NOT_INTERESTED = "Not interested"
STAGES = ("Qualified", "Appointment set", "Proposal", "Won", "Lost")
WON, LOST = "Won", "Lost"
STATUSES = ("New", "Working", "Nurture", "Qualified", "Prospect", "Disqualified")

CHOICES = {
    LEADS: {
        **{q: YES_NO_UNKNOWN for q in YES_NO_QUESTIONS},
        LIKELIHOOD: LIKELIHOODS,
        TIMING: TIMINGS,
        SOURCE: SOURCES,
        DO_NOT_CALL: FLAG,
        DO_NOT_CONTACT: FLAG,
    },
    TOUCHES: {KIND: KINDS, DIRECTION: DIRECTIONS, OUTCOME: OUTCOMES},
    PROSPECTS: {SOURCE: SOURCES, STAGE: STAGES},
}

# Header synonyms a real tracker uses; matched after normalising (see `header_key`).
SYNONYMS = {
    LEAD_ID: ("id", "lead", "lead no", "lead number", "lead #", "leadid", "ref", "lead ref"),
    CREATED: ("created on", "date created", "date added", "added", "lead date", "received", "date"),
    NAME: ("contact", "contact name", "full name", "lead name", "person"),
    COMPANY: ("company name", "organisation", "organization", "account", "business", "firm"),
    TITLE: ("job title", "position", "role"),
    EMAIL: ("e-mail", "email address", "e-mail address", "mail"),
    PHONE: ("telephone", "phone number", "tel", "mobile", "phone no"),
    SOURCE: ("lead source", "source of lead", "channel", "origin"),
    OWNER: ("sales rep", "rep", "salesperson", "assigned to", "account owner", "lead owner"),
    NEED: ("want", "need exists", "want or need"),
    BUDGET: ("can pay", "ability to pay", "has budget"),
    AUTHORITY: ("decision maker", "authority to buy"),
    APPROACHABLE: ("approachable favourably", "can approach", "approach"),
    ELIGIBLE: ("eligible to buy", "eligibility"),
    LIKELIHOOD: ("likelihood of buying", "probability"),
    TIMING: ("timeline", "timeframe", "time frame", "purchase timing", "timing of purchase"),
    DO_NOT_CALL: ("dnc", "no calls", "don't call"),
    DO_NOT_CONTACT: ("do not email", "opt out", "unsubscribed", "don't contact"),
    NOTES: ("note", "comments", "comment", "remarks"),
    DATE: ("touch date", "contact date", "date of contact", "activity date"),
    KIND: ("type", "touch type", "channel type", "activity", "method"),
    DIRECTION: ("in/out", "inbound/outbound"),
    OUTCOME: ("result", "disposition"),
    NEXT_DATE: (
        "follow up date",
        "follow-up date",
        "next contact",
        "next contact date",
        "next follow up",
        "promised date",
        "callback date",
    ),  # fmt: skip
    STAGE: ("pipeline stage", "deal stage"),
    VALUE: ("amount", "deal value", "deal size"),
    CLOSED_ON: ("close date", "closed date", "closed"),
    NEXT_STEP: ("next steps",),
}


def header_key(text: object) -> str:
    """Normalise a header: case-, space- and punctuation-insensitive ('E-mail' == 'email')."""
    return re.sub(r"[^0-9a-z#]+", "", str(text).lower())


def _lookup(sheet: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for column in COLUMNS.get(sheet, ()):
        table[header_key(column)] = column
        for synonym in SYNONYMS.get(column, ()):
            table.setdefault(header_key(synonym), column)
    return table


_LOOKUPS = {sheet: _lookup(sheet) for sheet in COLUMNS}


def map_headers(sheet: str, headers: Iterable[object]) -> dict[str, str]:
    """Map a sheet's actual headers to contract names; unknown headers map to themselves.

    The first header that matches a contract column wins; a later duplicate stays a user column.
    """
    lookup = _LOOKUPS.get(sheet, {})
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        if header is None or str(header).strip() == "":
            continue
        text = str(header)
        canonical = lookup.get(header_key(text))
        if canonical and canonical not in taken:
            mapping[text] = canonical
            taken.add(canonical)
        else:
            mapping[text] = text
    return mapping
