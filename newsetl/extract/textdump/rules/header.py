"""The header of a dump: a standalone date line and a "By Name" line near the top become
``published_at`` and ``byline``; the first headline-like line before the first prose
paragraph becomes ``title`` (skipping a section kicker such as "The South Asia Channel")."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo

from newsetl.extract.textdump.rules.patterns import SECTION_LABEL
from newsetl.extract.textdump.rules.units import ELLIPSIS, Unit, is_prose, normalise_line, short

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
_MONTH_RE = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
# A standalone date(-time) line: "June 7, 2012 3:01 pm (EST)", "Published: 4 March
# 2025 14.32 GMT", "2023-11-05T08:30:00Z". Matched against the whole unit.
DATE_LINE = re.compile(
    rf"""^(?:(?:published|updated|posted|last\ updated|first\ published|date)\s*(?:on\b|:)?\s*)?
    (?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?
    (?:
        (?P<mon1>{_MONTH_RE})\.?\s+(?P<day1>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year1>\d{{4}})
      | (?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mon2>{_MONTH_RE})\.?,?\s+(?P<year2>\d{{4}})
      | (?P<year3>\d{{4}})-(?P<mon3>\d{{2}})-(?P<day3>\d{{2}})
    )
    (?:(?:,?\s*(?:at\s+|T|\s*[-–|•·]\s*)?)
        (?P<hour>\d{{1,2}})[:.](?P<minute>\d{{2}})(?::(?P<second>\d{{2}}))?(?:\.\d+)?
        \s*(?P<ampm>[ap]\.?\s?m\.?)?
    )?
    \s*(?:\(?\s*(?P<tz>[a-z]{{1,5}}|[+-]\d{{2}}:?\d{{2}}|utc[+-]\d{{1,2}}(?::?\d{{2}})?)\s*\)?)?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
# Fixed offsets for explicit abbreviations: a page that writes "EST" in June means
# what it wrote as far as we can know, so no DST guessing here.
_TZ_OFFSETS_H = {
    "utc": 0, "gmt": 0, "z": 0, "est": -5, "edt": -4, "cst": -6, "cdt": -5, "mst": -7,
    "mdt": -6, "pst": -8, "pdt": -7, "akst": -9, "akdt": -8, "hst": -10, "bst": 1,
    "cet": 1, "cest": 2, "eet": 2, "eest": 3, "wet": 0, "west": 1, "msk": 3, "ist": 5.5,
    "pkt": 5, "jst": 9, "kst": 9, "hkt": 8, "sgt": 8, "aest": 10, "aedt": 11,
}
# Generic US zone names ("9:15 a.m. ET") do not say whether DST applied, so the real
# zone rules decide.
_TZ_ZONES = {"et": "America/New_York", "ct": "America/Chicago", "mt": "America/Denver",
             "pt": "America/Los_Angeles"}

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


def _tz_for(token: str | None) -> tzinfo | None:
    if token is None:
        return timezone.utc  # no zone written: UTC is the only assumption that is stable
    t = token.casefold()
    if t in _TZ_OFFSETS_H:
        return timezone(timedelta(hours=_TZ_OFFSETS_H[t]))
    if t in _TZ_ZONES:
        try:
            from zoneinfo import ZoneInfo

            return ZoneInfo(_TZ_ZONES[t])
        except Exception:  # no tz database on this machine: fall back to standard time
            return timezone(timedelta(hours={"et": -5, "ct": -6, "mt": -7, "pt": -8}[t]))
    m = re.fullmatch(r"(?:utc)?([+-])(\d{1,2}):?(\d{2})?", t)
    if m:
        delta = timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0))
        return timezone(-delta if m.group(1) == "-" else delta)
    return None


def parse_date_line(text: str) -> datetime | None:
    """The UTC datetime a standalone date line states, or None if it is not one."""
    if len(text) > 80:
        return None
    m = DATE_LINE.match(text.strip())
    if not m:
        return None
    g = m.groupdict()
    try:
        if g["year1"]:
            year, month, day = int(g["year1"]), _MONTHS[g["mon1"][:3].lower()], int(g["day1"])
        elif g["year2"]:
            year, month, day = int(g["year2"]), _MONTHS[g["mon2"][:3].lower()], int(g["day2"])
        else:
            year, month, day = int(g["year3"]), int(g["mon3"]), int(g["day3"])
        hour = int(g["hour"] or 0)
        minute = int(g["minute"] or 0)
        second = int(g["second"] or 0)
        if g["ampm"]:
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if g["ampm"][0].lower() == "p" else 0)
        tz = _tz_for(g["tz"])
        if tz is None:  # an unknown trailing word: not a bare date line
            return None
        return datetime(year, month, day, hour, minute, second, tzinfo=tz).astimezone(timezone.utc)
    except (ValueError, KeyError, OverflowError):
        return None


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
