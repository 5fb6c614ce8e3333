"""Cleaner for plain-text page dumps (a page's visible text saved as .txt).

trafilatura needs markup to tell the article from the page chrome, so a text dump
arrives with everything the page showed: consent banners, paywall notes, photo
credits, "related" lists, share bars, repeated captions and teasers. This module
turns one dump into an :class:`~newsetl.document.Extracted` using only textual cues.

How it works (each step only looks at what earlier steps kept):

1. Normalise: unify line endings, drop control/zero-width characters, collapse
   horizontal whitespace. Split into *units*: one unit per line, except blocks that
   look hard-wrapped, which are joined back into one paragraph.
2. Drop boilerplate units by pattern class: consent banners (as whole runs),
   paywall/subscription notes, photo credits and captions that carry a credit
   (plus their un-credited echo), page UI noise, inline widgets ("More on:" + tags).
3. Trailing blocks: a list header ("Related articles", "Share this:", "Taboola"…)
   that sits after most of the body's prose and is followed by list material (at
   most one real paragraph) cuts everything after it; elsewhere it is an inline box
   and only it and its items go. An ambiguous header ("More from …", "Read more")
   cuts only when no sentence at all follows it, else it is an in-article heading.
4. Header: a standalone date line and a "By Name" line near the top become
   ``published_at`` / ``byline``; the first headline-like line before the first
   prose paragraph becomes ``title`` (skipping a section kicker such as
   "The South Asia Channel").
5. Duplicates: exact repeats, title echoes, truncated teasers ("…") that repeat
   later text, and pull quotes that repeat body sentences.

Editorial notes written by the publisher about the article (series intros,
"To help readers…" standing intros, author bio lines) are deliberately KEPT: they
are prose about this very article, and rules to remove them would have to key on
wording so loosely that they would sooner or later eat a real lede or last paragraph.

Every rule is a whole-unit decision (keep/drop); text inside a kept paragraph is
never rewritten beyond whitespace, so already clean text passes through unchanged.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo

from newsetl.document import Extracted

# Bump when the rules change in a way that changes output on real pages, so rows
# produced by an older cleaner can be found and re-run.
EXTRACTOR = "newsetl-textclean/1"


def _any(patterns: list[str], flags: int = re.IGNORECASE) -> re.Pattern[str]:
    """One compiled alternation per rule class: one regex pass per unit stays cheap
    on multi-megabyte inputs, while the lists stay readable and commentable."""
    return re.compile("|".join(f"(?:{p})" for p in patterns), flags)


# --------------------------------------------------------------------------------------
# Pattern tables. Each list is one rule class; the comment says why an entry exists.
# --------------------------------------------------------------------------------------

# Consent banners. A STRONG hit starts a banner run; the run then grows over
# neighbours that are WEAK (privacy vocabulary) or banner buttons, because banners
# contain paragraphs ("If you have enabled privacy controls…") that never say "cookie".
CONSENT_STRONG = _any([
    r"\b(this|our) (web ?site|site|page) uses? cookies",  # the classic banner opener
    r"\bwe (also )?(use|store|set) (\w+ )?cookies",  # "we use cookies", "we store cookies on your browser"
    r"\bcookies? (are|is) (set|used|placed|stored)\b",  # category descriptions in the settings pane
    r"\bcookies? (policy|settings|preferences|banner|list|notice|consent|declaration)\b",
    r"\b(accept|allow|reject|decline|refuse|manage|deny) (all )?(the )?cookies\b",  # buttons
    r"\b(strictly necessary|functional|performance|targeting|analytics|advertising|"
    r"marketing|social media|first[- ]party) cookies\b",  # settings-pane category titles
    r"\bwe (and our partners )?(value|respect|care about) your privacy\b",  # IAB/TCF banners
    r"\bwe and our (\d+ )?(partners|vendors)\b",  # TCF "we and our 842 partners store…"
    r"\b(manage|update|change) (your )?(consent|privacy) (preferences|settings|choices)\b",
    r"\bconsent preferences\b",
    r"\bdo not sell( or share)? my personal information\b",  # CCPA footer/button
    r"\bby (clicking|continuing|using this site)\b.{0,80}\byou (agree|consent|accept)\b",
])
CONSENT_WEAK = _any([
    r"\bcookies?\b",
    r"\bprivacy\b",
    r"\bopt[- ]?(out|in)\b",
    r"\bpersonal (data|information)\b",
    r"\bconsent\b",
    r"\btrack(ing)?\b",
    r"\byour (browser|device)\b",
    r"\bpreferences\b",
    r"\b(advertising|adverts?|ads)\b",
    r"\bpersonali[sz]e[ds]?\b",
    r"\bthird[- ]part(y|ies)\b",
    r"\banalytics\b",
    r"\b(ccpa|gdpr)\b",
    r"\bsettings\b",
])
# Banner buttons and close boxes; only meaningful as a whole short unit, so an exact
# phrase set (compared casefolded, trailing punctuation stripped) is enough.
CONSENT_BUTTONS = frozenset({
    "x", "×", "✕", "close", "ok", "okay", "got it", "i agree", "agree", "i accept", "accept",
    "accept all", "reject", "reject all", "decline", "decline all", "allow", "allow all", "deny",
    "confirm choices", "confirm my choices", "more options", "learn more", "save", "save settings",
    "save preferences", "save & exit", "manage options", "manage settings", "manage preferences",
    "settings", "cookie settings", "continue", "continue without accepting",
})
# Cheap gate before CONSENT_STRONG: every strong pattern contains one of these words,
# and a substring test is ~100x cheaper than the alternation on a 2 MB dump.
CONSENT_HINTS = ("cookie", "privacy", "partners", "vendors", "consent", "personal information",
                 "by clicking", "by continuing", "by using")

# Paywall / subscription / metering notes. Only applied to short units so a body
# paragraph that quotes such wording (a story about paywalls) survives.
PAYWALL = _any([
    r"\byour (ip |free |trial |subscriber |digital )?access\b.{0,80}\b(will )?(expire|has expired|ends|ended)",
    r"\bto ensure uninterrupted (reading|access)\b",  # institutional-licence notices
    r"\bplease contact\b.{0,80}\b(sales|subscriptions?|account manager|licensing)\b",
    r"\b(subscribe|sign up|register|log in|sign in)( now| today| for free)? to "
    r"(continue|keep|read|unlock|get (full|unlimited))",
    r"\bcontinue reading\b.{0,60}\b(subscri|sign in|log in|register)",
    r"\balready (a )?(subscriber|member|have an account)\b",
    r"\byou(['’]ve| have) (reached|used|read|hit) (your|all|\d+)\b.{0,40}\b(articles?|stories|limit)\b",
    r"\b(this|the) (article|story|content|piece) is (only )?(for|available (only )?to|reserved for|exclusive to) "
    r"(paid |our |premium )?(subscribers|members)",
    r"\b(start|begin|get) (your|a) (free )?(\d+-day )?(trial|subscription)\b",
    r"\b(unlimited|full|digital) access\b.{0,40}\b(subscri|\$|€|£|per (month|week)|/mo)",
    r"\bsubscribe (now|today)\b",
    r"^subscribe$",
    r"\b(for|as low as|just|only) [$€£]\d+(\.\d\d)? (a|per) (month|week|year)\b",
    r"\bcreate (a )?free account\b",
    r"\bsubscribers? only\b",
    r"\bsupport (our|independent|quality) journalism\b",
    r"\bsign up for (our|the)\b.{0,40}\bnewsletter\b",
    r"\bsubscribe to (our|the)\b.{0,40}\bnewsletter\b",
])

# Gate for PAYWALL: every pattern above contains one of these (casefolded text).
PAYWALL_HINTS = ("access", "uninterrupted", "contact", "subscri", "sign up", "sign in", "log in",
                 "register", "continue reading", "already", "you've", "you have", "trial", "$", "€",
                 "£", "account", "journalism", "newsletter", "members")

# Photo/agency names that appear in credits. A slash credit ("Arif Ali/AFP/Getty
# Images") or "via X" is only treated as a credit when one of these is in it, so
# headings like "AC/DC returns" or "Input/output" are left alone.
_AGENCY = (
    r"(AP|AFP|Reuters|Getty Images|Getty|EPA(-EFE)?|EFE|Bloomberg|Shutterstock|Xinhua|"
    r"Anadolu( Agency)?|Sipa( USA)?|Alamy|PA( Images| Wire| Media)?|Corbis|NurPhoto|"
    r"ZUMA( Press| Wire)?|Polaris|Redux|Pool|AAP|Kyodo|Yonhap|TASS|Sputnik|UPI|"
    r"SOPA Images|LightRocket|Contributor|Stringer|Handout|Associated Press|"
    r"Agence France-Presse|Flickr|Wikimedia Commons|Wikimedia|Unsplash|Pexels|"
    r"iStock(photo)?|DVIDS|Planet Labs|Maxar( Technologies)?|Invision)"
)
# A whole unit that is only a credit.
CREDIT_LINE = _any([
    # "Photo: …", "Photograph: …", "Image 1: …", "Credit: …", "Photo by …", "Photo courtesy of …"
    r"^(photo|photograph|photo illustration|illustration|image|picture|graphic|video|credit|"
    r"photos|images)s?( \d+)?(\s*[:\-–—]| by| courtesy( of)?:?)\s+\S.{0,150}$",
    r"^(photo |image )?courtesy( of)?\s*:?\s+\S.{0,100}$",
    r"^(photo |image )?source\s*:\s+\S.{0,100}$",
    # "Arif Ali/AFP/Getty Images", "AP Photo/Evan Vucci", "Jane Doe / Reuters"
    rf"^[^!?]{{0,80}}\s?/\s?{_AGENCY}\b[^!?]{{0,60}}$",
    rf"^{_AGENCY}( Photos?)?\s?/\s?[^.!?]{{1,60}}$",
    # "U.S. Department of State via Flickr", "Bloomberg via Getty Images"
    rf"^[^!?]{{0,80}}\bvia {_AGENCY}\b.{{0,20}}$",
    # "(Getty Images)", "© Reuters"
    rf"^[(\[]?(©|\(c\)|copyright)?\s*{_AGENCY}[)\]]?$",
], re.IGNORECASE)
# A caption that ends with its credit ("…Israel's capital. B.K. Bangash/AP"). Checked
# on the last 160 characters only: credits are short and this keeps the scan bounded.
CREDIT_TAIL = re.compile(
    rf"(?:(?<=[\s.!?”\"’)])|^)(?:"
    rf"[(\[]?(?:Photo(?:graph)?|Image|Picture|Credit|Illustration)s?(?: by)?\s*:\s*[^.!?:]{{2,80}}[)\]]?"
    rf"|[(\[]?(?:Photo by )?[A-Z][\w.'’\-]*(?: [A-Z][\w.'’\-]*){{0,3}}\s?/\s?{_AGENCY}"
    rf"(?:\s?/\s?{_AGENCY})?(?: via {_AGENCY})?[)\]]?"
    rf"|[(\[]?{_AGENCY} Photos?\s?/\s?[A-Z][\w.'’\-]*(?: [A-Z][\w.'’\-]*){{0,3}}[)\]]?"
    rf")\s*$"
)

# Gate for the credit classes: every credit pattern needs one of these, except a bare
# agency name of up to three words ("Reuters", "(Getty Images)").
CREDIT_HINTS = ("/", ":", "via ", "courtesy", "©", "copyright", "(c)")

# Standalone page chrome: buttons, share bars, ad slots, jump links, media
# placeholders. Whole-unit phrases, compared casefolded with trailing ":.!…" stripped.
UI_NOISE_PHRASES = frozenset({
    "x", "×", "✕", "close", "menu", "search", "back to top", "skip to content",
    "skip to main content", "skip ahead", "loading",
    # ad slots and their labels
    "advertisement", "advertising", "ad", "ads", "sponsored", "sponsored content", "promoted",
    "paid content", "paid post", "ads by google", "by taboola", "by outbrain", "taboola", "outbrain",
    # jump links around an ad or a paywall break
    "story continues below", "story continues below advertisement", "article continues below",
    "article continues below advertisement", "continue reading", "continue reading the main story",
    "continue reading below",
    # audio players and share bars
    "listen", "listen to this article", "listen to the article", "listen to this story",
    "share", "tweet", "email", "e-mail", "print", "copy link", "link copied", "save", "bookmark",
    "facebook", "twitter", "x.com", "linkedin", "whatsapp", "reddit", "pinterest", "telegram",
    "flipboard", "gift article", "gift this article",
    # media placeholders left by images and embeds
    "image", "photo", "video", "gallery", "play video", "watch", "enlarge image", "enlarge this image",
    "all rights reserved",
})
UI_NOISE = _any([
    r"listen( to (this|the) (article|story))?\W*\d+ min(utes?)?",  # audio player with duration
    r"\d+ min(ute)?s? (read|listen)",  # reading-time badge
    r"(©|\(c\)|copyright)\s.{0,80}",  # legal footer line
    r"more from our (experts|writers|authors|contributors|reporters|columnists)",  # inline promo box
])
UI_NOISE_HINTS = ("listen", "min", "©", "(c)", "copyright", "more from our")

# An inline widget label. With nothing after the colon it introduces a short list of
# topic tags / links ("More on:" then "Terrorism and Counterterrorism"); with text
# after the colon it is itself the link ("Read more: Rates held as inflation cools").
WIDGET_LABEL = re.compile(
    r"^(more on|more about|read more|read also|also read|see also|related|related topics|related coverage|"
    r"topics|tags|filed under|in this (article|story)|explore|recommended|watch|listen)\s*:\s*(?P<rest>.*)$",
    re.IGNORECASE,
)

# Headers of blocks that follow the article on a page. STRONG ones cannot be an
# in-article heading; they cut the rest of the page when they sit after most of the body.
TRAILING_STRONG = _any([
    r"^related (articles?|stories|posts|content|coverage|reading|links|news|videos?)\b",
    # recommendation widgets name themselves anywhere in the line
    r"^.{0,60}?\b(taboola|outbrain|sponsored (links|content|stories|posts))\b",
    r"^trending( now)?\b|^promoted (links|stories)\b",
    r"^top (stories|news|headlines|reads)\b",
    r"^most (read|popular|viewed|shared|emailed|commented)\b",
    r"^you (may|might|will) (also )?(like|enjoy|be interested in)\b",
    r"^recommended( for you| reading| stories| articles| videos)?\s*:?$",
    r"^share (this|the)( article| story| page| post)?\s*:?$|^share on (facebook|twitter|x|linkedin)\b",
    r"^(leave|post|add|write) a (comment|reply)\b|^\d+ comments?$|^comments?\s*(\(\d+\))?$",
    r"^join the (conversation|discussion)\b",
    r"^more (stories|articles|news|coverage|headlines)( from| on| like this| in)?\b",
    r"^(latest|more) (news|stories|headlines)$",
    r"^(what to read next|read next|up next|don'?t miss|popular (now|stories|on)|around the web|"
    r"from (our|the) partners|editors'? picks?)\b",
])
# Gate for TRAILING_STRONG: the first word of every pattern above, plus the widget
# names that may sit anywhere in the line.
TRAILING_FIRST_WORDS = frozenset({
    "related", "trending", "promoted", "top", "most", "you", "recommended", "share", "leave",
    "post", "add", "write", "comments", "comment", "join", "more", "latest", "what", "read", "up",
    "don't", "dont", "popular", "around", "from", "editors", "editor's", "editors'",
})
TRAILING_ANYWHERE = ("taboola", "outbrain", "sponsored")

# Ambiguous: "More on the economy" can be an in-article heading, "More from Foreign
# Policy" is a trailing list. These only cut when no real body follows them.
TRAILING_WEAK = _any([
    r"^more (from|on|about|in|by) \S",
    r"^read more\b",
    r"^further reading$",
    r"^(also|latest) (on|in|from) \S",
    r"^in other news$",
    r"^elsewhere\b",
])

# A kicker/section label above the headline (FP's "The South Asia Channel",
# "Analysis", "Opinion"). Only consulted when two headline-like lines compete.
SECTION_LABEL = _any([
    r"\b(channel|section|blog|column|opinion|analysis|commentary|podcast|newsletter|briefing|"
    r"dispatch|explainer|breaking news|editorial)\b",
])

# Sentence-final characters; a unit ending in one of these reads as a sentence.
_SENTENCE_END = (".", "!", "?", "\"", "”", "’", "'", ")", "]")
_ELLIPSIS = ("...", "…")

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

# --------------------------------------------------------------------------------------
# Text normalisation
# --------------------------------------------------------------------------------------

# Common cases (CRLF, CR, NUL) go through str.replace; regexes only see the rare
# rest, because sre pays per match and a 2 MB dump of NULs matches at every character.
_LINEBREAKS = re.compile(r"[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_INVISIBLE = re.compile(r"[\x01-\x08\x0e-\x1b\x1f\x7f\u00ad\u200b-\u200d\u2060\ufeff]+")
# Only what needs changing: a lone plain space is left alone, so clean text is a pure scan.
_HSPACE = re.compile(
    r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]{2,}|[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]"
)
_QUOTES = (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'), ("„", '"'), ("«", '"'), ("»", '"'))
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|(?<=[.!?][\"')\]])\s+")
_STRIP_QUOTES = "\"' "

# Hard-wrapped paragraphs (mail/terminal style) are joined only when lines are of
# newspaper-column width and most breaks fall mid-sentence; lists of short items and
# one-paragraph-per-line dumps stay one unit per line.
_WRAP_MAX_WIDTH = 100
_WRAP_MIN_WIDTH = 30

# Where the header (date, byline, title) may be: this many units from the top…
_HEADER_UNITS = 12
# …and before this many prose paragraphs have gone by.
_HEADER_PROSE = 3
# A strong trailing header cuts the page only after this share of the body's prose.
_TRAILING_MIN_BODY_SHARE = 0.5
# Pull quotes sit near their source; substring matches are looked for this far away.
_PULL_QUOTE_WINDOW = 12
# Pattern searches on one unit look at most this far in; banners and notes say what
# they are at the start, and it bounds the work on a multi-megabyte single line.
_SCAN_CHARS = 1500


def _key_of(text: str) -> str:
    """Comparison form: case and quote style do not make two lines differ."""
    for curly, straight in _QUOTES:
        if curly in text:
            text = text.replace(curly, straight)
    return text.casefold()


@dataclass(slots=True)
class _Unit:
    text: str
    key: str  # _key_of(text), computed once: every rule compares keys
    words: int
    block: int = 0  # index of the blank-line-separated block the line came from
    keep: bool = True
    reason: str = ""

    def drop(self, reason: str) -> None:
        if self.keep:
            self.keep = False
            self.reason = reason


def _normalise_line(line: str) -> str:
    return _HSPACE.sub(" ", line).strip()


def _ends_sentence(text: str) -> bool:
    return text.endswith(_SENTENCE_END) and not text.endswith(_ELLIPSIS)


def _short(u: _Unit, words: int) -> bool:
    """At most `words` words, and not a giant unbroken token string pretending to be short."""
    return u.words <= words and len(u.text) <= words * 30


def _is_prose(u: _Unit) -> bool:
    """Running text rather than a heading, label, button or list item."""
    return u.words >= 15 or (u.words >= 8 and _ends_sentence(u.text))


def _is_body_paragraph(u: _Unit) -> bool:
    """Prose long enough that a page widget would not produce it."""
    return u.words >= 30 and _ends_sentence(u.text)


def _units_containing(doc: str, starts: list[int], hints: tuple[str, ...]) -> set[int]:
    """Indices of units whose key contains any hint. One str.find sweep per hint over
    the whole document (C speed) instead of a Python-level test per unit and hint."""
    found: set[int] = set()
    for hint in hints:
        at = doc.find(hint)
        while at != -1:
            unit = bisect_right(starts, at) - 1
            found.add(unit)
            at = doc.find(hint, starts[unit + 1])
    return found


def _doc_index(units: list[_Unit]) -> tuple[str, list[int]]:
    """All keys joined by newlines, plus each unit's start offset (and a final sentinel)."""
    starts: list[int] = []
    offset = 0
    for u in units:
        starts.append(offset)
        offset += len(u.key) + 1
    starts.append(offset)
    return "\n".join(u.key for u in units), starts


def _looks_hard_wrapped(lines: list[str]) -> bool:
    width = max(len(line) for line in lines)
    if not _WRAP_MIN_WIDTH <= width <= _WRAP_MAX_WIDTH:
        return False
    if any(len(line) < 0.6 * width for line in lines[:-1]):
        return False
    mid_sentence = 0
    for prev, nxt in zip(lines, lines[1:]):
        if prev.endswith(_SENTENCE_END):
            continue
        last_word = prev.rsplit(" ", 1)[-1]
        if nxt[:1].islower() or prev.endswith((",", ";", "-", "–", "—")) or last_word[:1].islower():
            mid_sentence += 1
    return mid_sentence * 2 >= len(lines) - 1


def _split_units(raw: str) -> list[_Unit]:
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = _INVISIBLE.sub("", _LINEBREAKS.sub("\n", text))
    text = _HSPACE.sub(" ", text)  # once over the whole text: far cheaper than per line
    parts: list[str] = []
    block_ids: list[int] = []
    block: list[str] = []

    def flush() -> None:
        if not block:
            return
        if len(block) > 1 and _looks_hard_wrapped(block):
            parts.append(" ".join(block))
            block_ids.append(len(block_ids) and block_ids[-1] + 1)
        else:
            first = len(block_ids) and block_ids[-1] + 1
            parts.extend(block)
            block_ids.extend([first] * len(block))
        block.clear()

    for line in text.split("\n"):
        line = line.strip()
        if line:
            block.append(line)
        else:
            flush()
    flush()
    # Keys in one pass over the joined text (units never contain a newline).
    keys = _key_of("\n".join(parts)).split("\n") if parts else []
    return [
        _Unit(part, key, part.count(" ") + 1, block_id)
        for part, key, block_id in zip(parts, keys, block_ids)
    ]


# --------------------------------------------------------------------------------------
# Boilerplate classes
# --------------------------------------------------------------------------------------


def _bare(u: _Unit) -> str:
    """The unit as a button/label would be compared: casefolded, trailing punctuation off."""
    return u.key.rstrip(" :.!…")


def _is_consent_neighbour(u: _Unit) -> bool:
    if _short(u, 5) and _bare(u) in CONSENT_BUTTONS:
        return True
    hits = {m.group(0).casefold() for m in CONSENT_WEAK.finditer(u.text[:_SCAN_CHARS])}
    return len(hits) >= (1 if u.words <= 25 else 2)


def _drop_consent(units: list[_Unit], doc: str, starts: list[int]) -> None:
    strong = [False] * len(units)
    for i in _units_containing(doc, starts, CONSENT_HINTS):
        strong[i] = CONSENT_STRONG.search(units[i].key[:_SCAN_CHARS]) is not None
    n = len(units)
    i = 0
    while i < n:
        if not strong[i]:
            i += 1
            continue
        # A banner is a run: grow it both ways over banner-ish neighbours.
        start = i
        while start > 0 and (strong[start - 1] or _is_consent_neighbour(units[start - 1])):
            start -= 1
        end = i
        while end + 1 < n and (strong[end + 1] or _is_consent_neighbour(units[end + 1])):
            end += 1
        for u in units[start:end + 1]:
            u.drop("consent")
        i = end + 1


def _widget_items(units: list[_Unit], i: int, max_words: int) -> list[_Unit]:
    """The items under a widget label: the rest of its block or, when the label stands
    alone, the next block. Block bounds matter: an in-article heading right after the
    widget sits in its own block and must not be taken for one more item."""
    j = i + 1
    if j >= len(units):
        return []
    block = units[j].block
    items: list[_Unit] = []
    while j < len(units) and units[j].block == block and len(items) < 8:
        item = units[j]
        if not _short(item, max_words) or (_is_prose(item) and not item.text.endswith(_ELLIPSIS)):
            break
        items.append(item)
        j += 1
    return items


def _drop_page_chrome(units: list[_Unit], doc: str, starts: list[int]) -> None:
    paywall_hint = _units_containing(doc, starts, PAYWALL_HINTS)
    credit_hint = _units_containing(doc, starts, CREDIT_HINTS)
    ui_hint = _units_containing(doc, starts, UI_NOISE_HINTS)
    caption_keys: set[str] = set()
    for i, u in enumerate(units):
        if not u.keep or u.words > 80:  # every class below is about short units
            continue
        text = u.text
        credit = False
        if i in paywall_hint and _short(u, 60) and PAYWALL.search(text):
            u.drop("paywall")
        elif i in credit_hint and _short(u, 80) and (m := CREDIT_TAIL.search(tail := text[-160:])):
            # Ends with a credit: either a bare credit or a caption carrying one. The
            # caption's text is remembered so the same caption printed again without
            # its credit goes too.
            stem = text[: len(text) - len(tail) + m.start()].rstrip()
            if stem:
                u.drop("caption")
                caption_keys.add(_key_of(stem))
            else:
                u.drop("credit")
                credit = True
        elif (i in credit_hint or u.words <= 3) and _short(u, 25) and CREDIT_LINE.search(text):
            u.drop("credit")
            credit = True
        elif _short(u, 6) and (
            (bare := _bare(u)) in UI_NOISE_PHRASES or (i in ui_hint and UI_NOISE.fullmatch(bare))
        ):
            u.drop("ui")
        elif _short(u, 25) and ":" in text and (m := WIDGET_LABEL.match(text)):
            u.drop("widget")
            if not m.group("rest"):
                for item in _widget_items(units, i, max_words=8):
                    item.drop("widget")
        if credit and i > 0:
            # A credit glued (no blank line) under a short line: that line is its caption.
            prev = units[i - 1]
            if prev.keep and prev.block == u.block and prev.words <= 40:
                prev.drop("caption")
                caption_keys.add(prev.key)
    if caption_keys:
        for u in units:
            if u.keep and u.key in caption_keys:
                u.drop("caption")


def _could_be_trailing_header(u: _Unit) -> bool:
    first = u.key.split(" ", 1)[0].rstrip(":")
    return first in TRAILING_FIRST_WORDS or first.isdigit() or any(w in u.key for w in TRAILING_ANYWHERE)


def _drop_trailing_blocks(units: list[_Unit]) -> None:
    """Cut the page after the article. Two tests, both needed: position (the header
    sits after most of the body's prose) and what follows (list material, not more
    article). A strong header that fails them is an inline box; a weak one is a heading."""
    n = len(units)
    # Suffix counts, so each header asks "what follows?" in O(1).
    body_after = [0] * (n + 1)
    sentences_after = [0] * (n + 1)
    for i in range(n - 1, -1, -1):
        u = units[i]
        body_after[i] = body_after[i + 1] + (u.keep and _is_body_paragraph(u))
        sentences_after[i] = sentences_after[i + 1] + (u.keep and _is_prose(u) and _ends_sentence(u.text))
    prose_total = sum(len(u.text) for u in units if u.keep and _is_prose(u))
    prose_before = 0
    for i, u in enumerate(units):
        if not u.keep:
            continue
        back_half = prose_total > 0 and prose_before >= _TRAILING_MIN_BODY_SHARE * prose_total
        if (
            _short(u, 10)
            and _could_be_trailing_header(u)
            and not _ends_sentence(u.text.rstrip(":"))
            and TRAILING_STRONG.search(u.text)
        ):
            # One long teaser in a list is normal (002's "Top Stories"); two real
            # paragraphs after the header mean the article goes on.
            if back_half and body_after[i + 1] <= 1:
                for rest in units[i:]:
                    rest.drop("trailing")
                return
            # An inline list box ("Recommended for you" mid-article): the header and
            # the teaser lines under it go, the article carries on after them. Above
            # the body (a share bar before the headline) only the header goes.
            u.drop("widget")
            if prose_before:
                for item in _widget_items(units, i, max_words=20):
                    item.drop("widget")
            continue
        if _short(u, 8) and not _ends_sentence(u.text) and TRAILING_WEAK.search(u.text):
            # "More on the economy" as a real heading is followed by sentences; a
            # "More from <Site>" list only by headlines and widget text.
            if back_half and sentences_after[i + 1] == 0:
                for rest in units[i:]:
                    rest.drop("trailing")
                return
        if _is_prose(u):
            prose_before += len(u.text)


# --------------------------------------------------------------------------------------
# Header: date, byline, title
# --------------------------------------------------------------------------------------


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
    return _normalise_line(m.group("names")), when


def _title_like(u: _Unit) -> bool:
    text = u.text
    return (
        2 <= u.words <= 25
        and len(text) <= 200
        and not text.endswith((".", ",", ";", ":"))
        and not text.endswith(_ELLIPSIS)
        and (text[0].isupper() or text[0].isdigit() or text[0] in "\"“‘'")
        and any(c.isalpha() for c in text)
    )


def _is_kicker(u: _Unit) -> bool:
    return u.words <= 2 or (u.words <= 5 and SECTION_LABEL.search(u.text) is not None)


def _take_header(units: list[_Unit]) -> tuple[str | None, str | None, datetime | None]:
    byline = None
    published = None
    head: list[_Unit] = []
    prose_seen = 0
    for u in units:
        if not u.keep:
            continue
        if len(head) >= _HEADER_UNITS or prose_seen >= _HEADER_PROSE:
            break
        head.append(u)
        if _is_prose(u):
            prose_seen += 1

    for u in head:
        if published is None and _short(u, 12):
            when = parse_date_line(u.text)
            if when is not None:
                published = when
                u.drop("date")
                continue
        if byline is None and _short(u, 30):
            parsed = _parse_byline(u.text)
            if parsed is not None:
                byline, when = parsed
                published = published or when
                u.drop("byline")

    # Headline candidates: headline-like lines above the first prose paragraph.
    head = [u for u in head if u.keep]
    candidates: list[_Unit] = []
    seen: set[str] = set()
    for u in head:
        if _is_prose(u):
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


# --------------------------------------------------------------------------------------
# Duplicates
# --------------------------------------------------------------------------------------


def _sentences(key: str) -> list[str]:
    if ". " not in key and "? " not in key and "! " not in key and '" ' not in key and "' " not in key:
        one = key.strip(_STRIP_QUOTES)  # most units: no inner boundary, skip the regex
        return [one] if one else []
    return [s.strip(_STRIP_QUOTES) for s in _SENTENCE_SPLIT.split(key) if s.strip(_STRIP_QUOTES)]


def _drop_exact_repeats(units: list[_Unit]) -> None:
    seen: set[str] = set()
    for u in units:
        if not u.keep:
            continue
        if u.words <= 2 and len(u.key) <= 24:
            # Q&A markers ("Q:", "A:") and section breaks ("* * *") legitimately repeat;
            # short repeated chrome is caught by the UI and widget classes instead.
            continue
        if u.key in seen:
            u.drop("duplicate")
        else:
            seen.add(u.key)


def _drop_teasers(kept: list[_Unit]) -> None:
    """A truncated teaser ("…and that it will ...") whose stem is the start of text
    printed in full elsewhere. The stem may run across several later paragraphs, so it
    is compared against joined text, not one unit."""
    teasers = [pos for pos, u in enumerate(kept) if u.words >= 5 and u.text.endswith(_ELLIPSIS)]
    if not teasers:
        return
    by_prefix: dict[str, list[int]] = {}
    for pos, u in enumerate(kept):
        by_prefix.setdefault(u.key[:24], []).append(pos)
    for pos in teasers:
        u = kept[pos]
        stem = u.key.rstrip(".… ")
        if len(stem) < 24:
            continue
        # Bounded: the full text is one of the few units sharing the 24-char start.
        for other in by_prefix.get(stem[:24], ())[:16]:
            if other == pos:
                continue
            parts: list[str] = []
            size = -1
            j = other
            while size < len(stem) and j < len(kept):
                if j != pos:
                    parts.append(kept[j].key)
                    size += len(kept[j].key) + 1
                j += 1
            if " ".join(parts).startswith(stem):
                u.drop("teaser")
                break


def _drop_pull_quotes(kept: list[_Unit]) -> None:
    """A short unit whose sentences all appear in one longer unit, or whose text sits
    verbatim inside a longer unit nearby: a pull quote or a repeated summary."""
    index: dict[str, set[int]] = {}
    for pos, u in enumerate(kept):
        for s in _sentences(u.key):
            if s.count(" ") >= 2:
                index.setdefault(s, set()).add(pos)
    # All keys in one string with offsets: the nearby-substring test becomes two
    # bounded str.find calls instead of a Python loop over neighbours.
    joined, starts = _doc_index(kept)

    for pos, u in enumerate(kept):
        if not 6 <= u.words <= 60:
            continue
        sents = [s for s in _sentences(u.key) if s.count(" ") >= 2]
        containers: set[int] | None = None
        for s in sents:
            hits = index.get(s, set())
            containers = hits if containers is None else containers & hits
            if not containers:
                break
        found = any(c != pos and kept[c].keep and len(kept[c].key) > len(u.key) for c in containers or ())
        core = u.key.strip(_STRIP_QUOTES).rstrip(".…").strip(_STRIP_QUOTES)
        if not found and core.count(" ") >= 5:
            lo = starts[max(0, pos - _PULL_QUOTE_WINDOW)]
            hi = starts[min(len(kept), pos + _PULL_QUOTE_WINDOW + 1)]
            for a, b in ((lo, starts[pos]), (starts[pos + 1], hi)):
                at = joined.find(core, a, b)
                while at != -1:
                    c = bisect_right(starts, at) - 1
                    # A container must be kept and clearly longer than the quote.
                    if kept[c].keep and len(kept[c].key) > len(core) + 10:
                        found = True
                        break
                    at = joined.find(core, starts[c + 1], b)
                if found:
                    break
        if found:
            u.drop("pull-quote")


def _drop_duplicates(units: list[_Unit]) -> None:
    _drop_exact_repeats(units)
    _drop_teasers([u for u in units if u.keep])
    _drop_pull_quotes([u for u in units if u.keep])


# --------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------


def _classify(raw: str) -> tuple[list[_Unit], str | None, str | None, datetime | None]:
    units = _split_units(raw if isinstance(raw, str) else "")
    doc, starts = _doc_index(units)
    _drop_consent(units, doc, starts)
    _drop_page_chrome(units, doc, starts)
    _drop_trailing_blocks(units)
    title, byline, published = _take_header(units)
    _drop_duplicates(units)
    return units, title, byline, published


def clean_text_dump(raw: str) -> Extracted:
    """Clean one plain-text page dump into an article body plus header metadata.

    Never raises on odd input (empty, control characters, huge): the worst case is
    an empty ``text``.
    """
    units, title, byline, published = _classify(raw)
    text = "\n\n".join(u.text for u in units if u.keep)
    return Extracted(
        text=text,
        extractor=EXTRACTOR,
        title=title,
        byline=byline,
        published_at=published,
    )


def classify_text_dump(raw: str) -> tuple[list[tuple[str, str, int]], str | None, str | None, datetime | None]:
    """The rules' verdict on every unit, for the learned line classifier (newsetl.textdump):
    ((decision, unit text, block index) per unit, title, byline, published_at)."""
    units, title, byline, published = _classify(raw)
    return [("keep" if u.keep else u.reason, u.text, u.block) for u in units], title, byline, published


def explain_text_dump(raw: str) -> list[tuple[str, str]]:
    """(decision, unit text) for every unit, for debugging a dump's cleaning by eye:
    decision is "keep" or the rule class that dropped it."""
    units, *_ = _classify(raw)
    return [("keep" if u.keep else u.reason, u.text) for u in units]
