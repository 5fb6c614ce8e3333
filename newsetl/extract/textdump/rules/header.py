"""The header of a dump: a standalone date line and a "By Name" line near the top become
``published_at`` and ``byline``; the first headline-like line before the first prose
paragraph becomes ``title`` (skipping a section kicker such as "The South Asia Channel")."""

from __future__ import annotations

import functools
import re
from datetime import datetime, timezone

from dateparser.date import DateDataParser

from newsetl.extract.textdump.rules.patterns import SECTION_LABEL
from newsetl.extract.textdump.rules.units import ELLIPSIS, Unit, is_prose, normalise_line, short

# A date line names its month and a four-digit year, or writes an ISO date: a numeric
# date such as 06/07/2012 is June or July depending on the country, so it is not guessed.
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATE_LIKE = re.compile(
    rf"\b{_MONTH}\b.*\b\d{{4}}\b|\b\d{{4}}\b.*\b{_MONTH}\b|\b\d{{4}}-\d\d-\d\d", re.IGNORECASE
)
# "Published: …", "Updated …": labels dateparser does not read.
_LABEL = re.compile(r"^(?:published|updated|posted|last\ updated|first\ published|date)\s*(?:on\b|:)?\s*",
                    re.IGNORECASE)
# Zones that dateparser reads otherwise than news pages mean them: the generic US names
# ("9:15 a.m. ET" does not say whether DST applied, so the zone's rules decide), and IST,
# India's in South Asian news (dateparser: Israel's). Other abbreviations are fixed
# offsets, as written: a page that writes "EST" in June means what it wrote.
_ZONES = {"et": "America/New_York", "ct": "America/Chicago", "mt": "America/Denver",
          "pt": "America/Los_Angeles", "ist": "Asia/Kolkata"}
_ZONE_AT_END = re.compile(r"\s*\(?\b(et|ct|mt|pt|ist)\)?\s*$", re.IGNORECASE)
# Whole dates only (no "June 2012", no "yesterday", no bare numbers as timestamps); a
# date without a zone is UTC, the only assumption that is stable.
_DATEPARSER = {"STRICT_PARSING": True, "PARSERS": ["absolute-time"], "RETURN_AS_TIMEZONE_AWARE": True,
               "TO_TIMEZONE": "UTC"}

_NAME = r"[A-Z][\w'’.\-]*(?:\s+(?:(?:van|von|de|del|della|da|di|la|le|bin|ibn|al|el)\s+)?[A-Z][\w'’.\-]*){1,3}"
# "By Jane Doe", "By Maria Lopez and Tom Chen", "By Jane Doe, Reuters". At least two
# capitalised tokens, so widget attributions like "By Taboola" never match.
BYLINE = re.compile(
    rf"^(?i:by)\s+(?P<names>{_NAME}(?:\s*(?:,|(?i:and)|&)\s*{_NAME})*)(?:\s*,\s*[A-Z][\w .&'’\-]{{1,40}})?$"
)
_BYLINE_SPLIT = re.compile(r"\s+[|•·]\s+|\s+[-–—]\s+")

# Where the header (date, byline, title) may be: this many units from the top…
_HEADER_UNITS = 12
# …and before this many prose paragraphs have gone by.
_HEADER_PROSE = 3


@functools.cache
def _date_parser(zone: str) -> DateDataParser:
    return DateDataParser(languages=["en"], settings={**_DATEPARSER, "TIMEZONE": zone})


def parse_date_line(text: str) -> datetime | None:
    """The UTC datetime a standalone date line states (dateparser, D56), or None if it is not one."""
    text = text.strip()
    if len(text) > 80 or not _DATE_LIKE.search(text):
        return None
    text = _LABEL.sub("", text)
    zone = "UTC"
    if (named := _ZONE_AT_END.search(text)) is not None:
        zone, text = _ZONES[named[1].casefold()], text[: named.start()]
    try:
        when = _date_parser(zone).get_date_data(text).date_obj
    except (ValueError, OverflowError):
        return None
    return when.astimezone(timezone.utc) if when is not None else None


def _parse_byline(text: str) -> tuple[str, datetime | None] | None:
    """(byline, date) for a "By …" line, possibly "By X | June 7, 2012"; None if not one."""
    if text[:3].casefold() != "by " or len(text) > 200:
        return None
    parts = _BYLINE_SPLIT.split(text)
    m = BYLINE.match(parts[0])
    if not m:
        return None
    when = None
    for part in parts[1:]:
        parsed = parse_date_line(part)
        if parsed is not None:
            when = when or parsed
        elif len(part.split()) > 5:  # more than a role or outlet: a sentence starting "By"
            return None
    return normalise_line(m.group("names")), when


def _title_like(u: Unit) -> bool:
    text = u.text
    return (
        2 <= u.words <= 25
        and len(text) <= 200
        and not text.endswith((".", ",", ";", ":"))
        and not text.endswith(ELLIPSIS)
        and (text[0].isupper() or text[0].isdigit() or text[0] in "\"“‘'")
        and any(c.isalpha() for c in text)
    )


def _is_kicker(u: Unit) -> bool:
    return u.words <= 2 or (u.words <= 5 and SECTION_LABEL.search(u.text) is not None)


def take_header(units: list[Unit]) -> tuple[str | None, str | None, datetime | None]:
    byline = None
    published = None
    head: list[Unit] = []
    prose_seen = 0
    for u in units:
        if not u.keep:
            continue
        if len(head) >= _HEADER_UNITS or prose_seen >= _HEADER_PROSE:
            break
        head.append(u)
        if is_prose(u):
            prose_seen += 1

    for u in head:
        if published is None and short(u, 12):
            when = parse_date_line(u.text)
            if when is not None:
                published = when
                u.drop("date")
                continue
        if byline is None and short(u, 30):
            parsed = _parse_byline(u.text)
            if parsed is not None:
                byline, when = parsed
                published = published or when
                u.drop("byline")

    # Headline candidates: headline-like lines above the first prose paragraph.
    head = [u for u in head if u.keep]
    candidates: list[Unit] = []
    seen: set[str] = set()
    for u in head:
        if is_prose(u):
            break
        if _title_like(u) and u.key not in seen:
            candidates.append(u)
            seen.add(u.key)
    if not candidates:
        return None, byline, published
    chosen = 0
    while chosen + 1 < len(candidates) and _is_kicker(candidates[chosen]):
        chosen += 1
    title_unit = candidates[chosen]
    above = head[: head.index(title_unit)]
    # A title needs a body after it, else a one-line input would lose its only text.
    skip = {id(u) for u in above}
    if not any(u.keep and u.key != title_unit.key and id(u) not in skip for u in units):
        return None, byline, published
    # Whatever sits above the headline in the header (section kicker, breadcrumb,
    # a one-word label) is page furniture: candidates stop at the first prose line,
    # so nothing dropped here can be body text.
    for u in above:
        u.drop("kicker")
    for u in units:
        if u.keep and u.key == title_unit.key:
            u.drop("title")
    return title_unit.text, byline, published
