"""Boilerplate units dropped by class: consent banners (as whole runs), paywall notes,
photo credits and captions, page UI noise, inline widgets, and trailing blocks
("Related articles", "Share this", …) after the article."""

from __future__ import annotations

from newsetl.extract.textdump.rules.patterns import (
    CONSENT_BUTTONS, CONSENT_HINTS, CONSENT_STRONG, CONSENT_WEAK, CREDIT_HINTS, CREDIT_LINE, CREDIT_TAIL, PAYWALL,
    PAYWALL_HINTS, TRAILING_ANYWHERE, TRAILING_FIRST_WORDS, TRAILING_STRONG, TRAILING_WEAK, UI_NOISE,
    UI_NOISE_HINTS, UI_NOISE_PHRASES, WIDGET_LABEL,
)
from newsetl.extract.textdump.rules.units import (
    ELLIPSIS, Unit, ends_sentence, is_body_paragraph, is_prose, key_of, short, units_containing,
)

# A strong trailing header cuts the page only after this share of the body's prose.
_TRAILING_MIN_BODY_SHARE = 0.5
# Pattern searches on one unit look at most this far in; banners and notes say what
# they are at the start, and it bounds the work on a multi-megabyte single line.
_SCAN_CHARS = 1500


def _bare(u: Unit) -> str:
    """The unit as a button/label would be compared: casefolded, trailing punctuation off."""
    return u.key.rstrip(" :.!…")


def _is_consent_neighbour(u: Unit) -> bool:
    if short(u, 5) and _bare(u) in CONSENT_BUTTONS:
        return True
    hits = {m.group(0).casefold() for m in CONSENT_WEAK.finditer(u.text[:_SCAN_CHARS])}
    return len(hits) >= (1 if u.words <= 25 else 2)


def drop_consent(units: list[Unit], doc: str, starts: list[int]) -> None:
    strong = [False] * len(units)
    for i in units_containing(doc, starts, CONSENT_HINTS):
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


def widget_items(units: list[Unit], i: int, max_words: int) -> list[Unit]:
    """The items under a widget label: the rest of its block or, when the label stands
    alone, the next block. Block bounds matter: an in-article heading right after the
    widget sits in its own block and must not be taken for one more item."""
    j = i + 1
    if j >= len(units):
        return []
    block = units[j].block
    items: list[Unit] = []
    while j < len(units) and units[j].block == block and len(items) < 8:
        item = units[j]
        if not short(item, max_words) or (is_prose(item) and not item.text.endswith(ELLIPSIS)):
            break
        items.append(item)
        j += 1
    return items


def drop_page_chrome(units: list[Unit], doc: str, starts: list[int]) -> None:
    paywall_hint = units_containing(doc, starts, PAYWALL_HINTS)
    credit_hint = units_containing(doc, starts, CREDIT_HINTS)
    ui_hint = units_containing(doc, starts, UI_NOISE_HINTS)
    caption_keys: set[str] = set()
    for i, u in enumerate(units):
        if not u.keep or u.words > 80:  # every class below is about short units
            continue
        text = u.text
        credit = False
        if i in paywall_hint and short(u, 60) and PAYWALL.search(text):
            u.drop("paywall")
        elif i in credit_hint and short(u, 80) and (m := CREDIT_TAIL.search(tail := text[-160:])):
            # Ends with a credit: either a bare credit or a caption carrying one. The
            # caption's text is remembered so the same caption printed again without
            # its credit goes too.
            stem = text[: len(text) - len(tail) + m.start()].rstrip()
            if stem:
                u.drop("caption")
                caption_keys.add(key_of(stem))
            else:
                u.drop("credit")
                credit = True
        elif (i in credit_hint or u.words <= 3) and short(u, 25) and CREDIT_LINE.search(text):
            u.drop("credit")
            credit = True
        elif short(u, 6) and (
            (bare := _bare(u)) in UI_NOISE_PHRASES or (i in ui_hint and UI_NOISE.fullmatch(bare))
        ):
            u.drop("ui")
        elif short(u, 25) and ":" in text and (m := WIDGET_LABEL.match(text)):
            u.drop("widget")
            if not m.group("rest"):
                for item in widget_items(units, i, max_words=8):
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


def _could_be_trailing_header(u: Unit) -> bool:
    first = u.key.split(" ", 1)[0].rstrip(":")
    return first in TRAILING_FIRST_WORDS or first.isdigit() or any(w in u.key for w in TRAILING_ANYWHERE)


def drop_trailing_blocks(units: list[Unit]) -> None:
    """Cut the page after the article. Two tests, both needed: position (the header
    sits after most of the body's prose) and what follows (list material, not more
    article). A strong header that fails them is an inline box; a weak one is a heading."""
    n = len(units)
    # Suffix counts, so each header asks "what follows?" in O(1).
    body_after = [0] * (n + 1)
    sentences_after = [0] * (n + 1)
    for i in range(n - 1, -1, -1):
        u = units[i]
        body_after[i] = body_after[i + 1] + (u.keep and is_body_paragraph(u))
        sentences_after[i] = sentences_after[i + 1] + (u.keep and is_prose(u) and ends_sentence(u.text))
    prose_total = sum(len(u.text) for u in units if u.keep and is_prose(u))
    prose_before = 0
    for i, u in enumerate(units):
        if not u.keep:
            continue
        back_half = prose_total > 0 and prose_before >= _TRAILING_MIN_BODY_SHARE * prose_total
        if (
            short(u, 10)
            and _could_be_trailing_header(u)
            and not ends_sentence(u.text.rstrip(":"))
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
                for item in widget_items(units, i, max_words=20):
                    item.drop("widget")
            continue
        if short(u, 8) and not ends_sentence(u.text) and TRAILING_WEAK.search(u.text):
            # "More on the economy" as a real heading is followed by sentences; a
            # "More from <Site>" list only by headlines and widget text.
            if back_half and sentences_after[i + 1] == 0:
                for rest in units[i:]:
                    rest.drop("trailing")
                return
        if is_prose(u):
            prose_before += len(u.text)
