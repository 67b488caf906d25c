"""Rows from an export file as contract frames: headers mapped, values cleaned, dates parsed.

Exports come from web forms, CRMs (HubSpot, Salesforce, Zoho), badge scanners, LinkedIn,
Google Forms and phone systems; each names its columns its own way and fills empty fields with
placeholders. Every file column is kept: the ones leadbook knows under its names, the others
under their own header, so an import never loses a field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from leadbook.core import schema as s
from leadbook.core.dates import parse_dates
from leadbook.core.dedupe import email_key
from leadbook.core.problems import LeadbookError, Problem

IMPORT_ID = "Import ID"  # the file's own ID when it does not fit the book's Lead IDs
IMPORT_SOURCE = "Import source"  # a source value the Source list has no match for
FIRST_NAME, LAST_NAME = "First name", "Last name"

# The exports' own headers, beyond adopt's synonyms (schema.SYNONYMS).
EXPORT_SYNONYMS = {
    s.LEAD_ID: ("record id", "lead id", "contact id", "record id - contact", "external id", "crm id",
                "lead number", "hubspot id", "respondent id", "attendee id", "badge id", "related to id"),
    s.CREATED: ("created time", "create date", "created date", "created at", "created", "timestamp",
                "submitted at", "submission date", "date submitted", "connected on", "scan time",
                "scanned at", "scan date", "registration date", "registered at", "submitted on"),
    s.NAME: ("name", "attendee name", "your name", "contact full name", "lead full name"),
    s.COMPANY: ("organization name", "organisation name", "employer", "company / account",
                "associated company", "your company"),
    s.TITLE: ("job title", "jobtitle", "designation", "job role", "position title"),
    s.EMAIL: ("email address", "work email", "business email", "your email", "primary email",
              "email 1", "email id", "e-mail 1 - value", "email addresses"),
    s.PHONE: ("mobile", "mobile phone", "mobile phone number", "phone number", "work phone",
              "business phone", "cell", "cell phone", "telephone number", "contact number", "phone 1",
              "direct dial", "phone 1 - value", "phone numbers"),
    s.SOURCE: ("lead source", "original source", "how did you hear about us", "lead channel"),
    s.OWNER: ("lead owner", "contact owner", "owner name", "hubspot owner", "assigned to", "owner",
              "agent", "agent name", "user", "user name", "handled by", "activity owner", "assigned"),
    s.NOTES: ("description", "message", "your message", "additional information", "call notes",
              "subject"),
    s.DO_NOT_CALL: ("do not call", "donotcall", "do not call flag"),
    s.DO_NOT_CONTACT: ("email opt out", "unsubscribed from all email", "opted out of email",
                       "has opted out of email", "email opt-out"),
    s.DATE: ("call date", "date/time", "date time", "start time", "call start", "call time",
             "started at", "timestamp", "activity date", "date of call", "due date", "completed at"),
    s.KIND: ("activity type", "task type", "event type", "touch kind"),
    s.DIRECTION: ("call type", "call direction", "direction", "inbound/outbound"),
    s.OUTCOME: ("call result", "call outcome", "call status", "status", "result", "disposition"),
    s.NEXT_DATE: ("next action date", "next step date", "follow up on"),
}  # fmt: skip
NAME_PARTS = {
    FIRST_NAME: ("first name", "firstname", "given name", "first", "fname", "forename"),
    LAST_NAME: ("last name", "lastname", "surname", "family name", "last", "lname"),
}
PHONE_HEADERS = ("from", "to", "from number", "to number", "caller", "caller number", "caller id",
                 "called number", "dialed number", "number", "customer number", "external number",
                 "callee", "phone", "other party")  # fmt: skip
TARGET_COLUMNS = {
    s.LEADS: (*s.LEAD_INPUT_COLUMNS,),
    s.TOUCHES: (*s.TOUCH_COLUMNS, s.NAME, s.COMPANY, s.EMAIL, s.PHONE),
}
PLACEHOLDERS = frozenset(
    ("select", "-select-", "--select--", "select one", "please select", "n/a", "na", "#n/a", "-", "--",
     "---", "null", "none", "(none)", "nil", "nan", "not provided", "not available", "undefined")
)  # fmt: skip
NAME_WORDS = frozenset(("null", "none", "nil", "na"))  # real surnames (Mr Null): kept in name columns
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")  # Excel cannot hold these

# Export values for the Source list (Salesforce, HubSpot, Zoho picklists), after header_key.
SOURCE_VALUES = {
    "web": "Website", "website": "Website", "webform": "Website", "organicsearch": "Website",
    "directtraffic": "Website", "webdownload": "Website", "webresearch": "Website", "chat": "Website",
    "onlinestore": "Website", "contactform": "Website", "webinar": "Webinar / seminar",
    "seminar": "Webinar / seminar", "seminarinternal": "Webinar / seminar",
    "seminarpartner": "Webinar / seminar", "internalseminar": "Webinar / seminar",
    "externalseminar": "Webinar / seminar", "event": "Trade show", "tradeshow": "Trade show",
    "conference": "Trade show", "badgescan": "Trade show", "expo": "Trade show",
    "partnerreferral": "Referral", "employeereferral": "Referral", "externalreferral": "Referral",
    "customerreferral": "Referral", "referrals": "Referral", "wordofmouth": "Referral",
    "referral": "Referral", "socialmedia": "Social media", "organicsocial": "Social media",
    "paidsocial": "Social media", "linkedin": "Social media", "facebook": "Social media",
    "twitter": "Social media", "instagram": "Social media", "x": "Social media",
    "emailmarketing": "Email list", "email": "Email list", "newsletter": "Email list",
    "paidsearch": "Ads / direct mail", "advertisement": "Ads / direct mail", "ads": "Ads / direct mail",
    "directmail": "Ads / direct mail", "purchasedlist": "List / directory", "list": "List / directory",
    "directory": "List / directory", "coldcall": "Cold call", "phoneinquiry": "Cold call",
    "telemarketing": "Telemarketing", "offlinesources": "Database", "database": "Database",
}  # fmt: skip
DIRECTION_VALUES = {
    "in": s.IN, "inbound": s.IN, "incoming": s.IN, "received": s.IN, "missed": s.IN,
    "out": s.OUT, "outbound": s.OUT, "outgoing": s.OUT, "dialed": s.OUT, "placed": s.OUT,
}  # fmt: skip
OUTCOME_VALUES = {
    "answered": "Talked", "connected": "Talked", "completed": "Talked", "talked": "Talked",
    "noanswer": "No answer", "missed": "No answer", "notanswered": "No answer",
    "unanswered": "No answer", "busy": "No answer", "failed": "No answer",
    "voicemail": "Left message", "leftvoicemail": "Left message", "leftmessage": "Left message",
}  # fmt: skip
KIND_VALUES = {"phonecall": "Call", "call": "Call", "logacall": "Call", "task": "Other", "sms": "Other",
               "linkedinmessage": "Social", "inmail": "Social", "meeting": "Meeting", "visit": "Meeting"}  # fmt: skip
TRUE_VALUES = frozenset(("yes", "y", "true", "1", "x", "optedout", "unsubscribed"))


@dataclass(frozen=True)
class ImportOptions:
    """How to read one file: what fills blanks, the day/month order, the phones' country."""

    source: str | None = None
    owner: str | None = None
    date_order: str | None = None  # "day" or "month"; None: decided by the file (refused if unclear)
    country: str | None = None  # region for numbers without +country code, like "GB"
    threshold: float | None = None  # fuzzy name match, 0-100; None: the Settings value


def _keys(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(s.header_key(n) for n in names)


def import_mapping(sheet: str, headers: list[str]) -> dict[str, str]:
    """File header -> the column it becomes: a contract column, a name part, or itself."""
    contract = s.map_headers(sheet, headers)
    targets = TARGET_COLUMNS[sheet]
    extra = {s.header_key(c): c for c in targets}
    for table in (s.SYNONYMS, EXPORT_SYNONYMS):
        extra.update({k: c for c, names in table.items() if c in targets for k in _keys(names)})
    parts = {k: p for p, names in NAME_PARTS.items() for k in _keys(names)}
    owned = set(s.LEAD_OWNED_COLUMNS) if sheet == s.LEADS else set()
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        key = s.header_key(header)
        ours = contract.get(header, header)
        if ours not in TARGET_COLUMNS[sheet] and ours not in owned:
            ours = extra.get(key) or parts.get(key) or header
        if ours in taken or ours in owned:  # a second Phone column, or one leadbook computes itself
            ours = header if header not in taken and header not in owned else f"{header} (import)"
        mapping[header] = ours
        taken.add(ours)
    return mapping


def clean_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Placeholders blank, control characters removed, spaces trimmed; long text kept whole."""
    out = frame.astype(object)
    for column in out.columns:
        values = out[column]
        # a CSV column (every cell text or blank) needs no per-cell type test
        text = values.notna() if _all_text(values) else values.map(lambda v: isinstance(v, str))
        if not text.any():
            continue
        cleaned = values[text].astype("str").str.replace(CONTROL, "", regex=True).str.strip()
        placeholders = (
            PLACEHOLDERS - NAME_WORDS if column in (s.NAME, FIRST_NAME, LAST_NAME) else PLACEHOLDERS
        )
        blank = cleaned.eq("") | cleaned.str.lower().isin(placeholders)
        cleaned = cleaned.astype(object)
        out.loc[text, column] = cleaned.where(~blank.to_numpy(dtype=bool), None)
    return out.where(out.notna(), None)


def _all_text(values: pd.Series) -> bool:
    return pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty")


def as_text(values: pd.Series) -> pd.Series:
    """IDs, names and phones as text: a number cell 1001.0 is '1001'."""
    if _all_text(values):
        return values.astype(object).where(values.notna(), None)

    def one(v: object) -> object:
        if v is None or (isinstance(v, float) and v != v):  # None or NaN
            return None
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    out = values.map(one).astype(object)
    return out.where(out.notna(), None)


def _mapped(values: pd.Series, table: dict[str, str], choices: tuple[str, ...]) -> pd.Series:
    lookup = {**table, **{s.header_key(c): c for c in choices}}
    out = values.map(lambda v: None if v is None else lookup.get(s.header_key(v))).astype(object)
    return out.where(out.notna(), None)


def _flag(values: pd.Series) -> pd.Series:
    return values.map(lambda v: s.YES if v is not None and s.header_key(v) in TRUE_VALUES else None)


def _lead_values(frame: pd.DataFrame) -> pd.DataFrame:
    if FIRST_NAME in frame.columns or LAST_NAME in frame.columns:
        parts = frame.reindex(columns=[FIRST_NAME, LAST_NAME]).fillna("").astype(str)
        joined = (parts[FIRST_NAME] + " " + parts[LAST_NAME]).str.strip().replace("", None)
        frame[s.NAME] = frame[s.NAME].where(frame[s.NAME].notna(), joined) if s.NAME in frame else joined
        frame = frame.drop(columns=[c for c in (FIRST_NAME, LAST_NAME) if c in frame.columns])
    if s.SOURCE in frame.columns:
        mapped = _mapped(frame[s.SOURCE], SOURCE_VALUES, s.SOURCES)
        unmatched = frame[s.SOURCE].notna() & mapped.isna()
        if unmatched.any():
            frame[IMPORT_SOURCE] = frame[s.SOURCE].where(unmatched, None)
        frame[s.SOURCE] = mapped
    for column in (s.DO_NOT_CALL, s.DO_NOT_CONTACT):
        if column in frame.columns:
            frame[column] = _flag(frame[column])
    return frame  # --source and --owner fill new leads only (merge.py): a duplicate keeps its own


def _touch_values(frame: pd.DataFrame) -> pd.DataFrame:
    for column, table, choices in (
        (s.DIRECTION, DIRECTION_VALUES, s.DIRECTIONS),
        (s.OUTCOME, OUTCOME_VALUES, s.OUTCOMES),
        (s.KIND, KIND_VALUES, s.KINDS),
    ):
        if column in frame.columns:
            mapped = _mapped(frame[column], table, choices)
            frame[column] = mapped.where(mapped.notna() | frame[column].isna(), frame[column])
    if s.DIRECTION in frame.columns and s.OUTCOME not in frame.columns:  # "Missed" is a result too
        missed = frame[s.DIRECTION].map(lambda v: v is not None and s.header_key(v) == "missed")
        frame[s.OUTCOME] = pd.Series("No answer", index=frame.index).where(missed, None)
    return frame


def import_frame(
    sheet: str, raw: pd.DataFrame, options: ImportOptions
) -> tuple[pd.DataFrame, dict[str, str], list[Problem]]:
    """The file's rows as a frame in contract names (index = file row), the mapping, and problems."""
    if options.source and options.source not in s.SOURCES:
        raise LeadbookError(f"--source {options.source!r} is not on the Source list: {', '.join(s.SOURCES)}")
    headers = [str(h) for h in raw.columns]
    mapping = import_mapping(sheet, headers)
    frame = clean_text(raw.set_axis([mapping[h] for h in headers], axis=1))
    frame = frame.loc[:, frame.notna().any()] if len(frame) else frame
    for column in (s.LEAD_ID, s.NAME, s.COMPANY, s.EMAIL, s.PHONE, FIRST_NAME, LAST_NAME):
        if column in frame.columns:
            frame[column] = as_text(frame[column])
    if s.EMAIL in frame.columns:  # 'mailto: John@Acme.com ' is stored as the address itself
        frame[s.EMAIL] = email_key(frame[s.EMAIL]).fillna(frame[s.EMAIL].astype(object)).astype(object)
    dates = [c for c in s.DATE_COLUMNS.get(sheet, ()) if c in frame.columns]
    frame, problems = parse_dates(frame, dates, sheet, options.date_order)
    frame = _lead_values(frame) if sheet == s.LEADS else _touch_values(frame)
    return frame, mapping, problems
