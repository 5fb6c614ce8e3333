"""The model's entity spans cleaned (rules in ``data/ner_fixes.yaml``): edges trimmed
("the", function words, punctuation, possessives, leading titles), spans split ("U.S.-
Pakistan", "Expansion (ACR)", "Pakistan's Inter-Services Intelligence"), non-names
dropped and systematic labels fixed. Spans are only ever narrowed by character offsets."""

from __future__ import annotations

import re

from newsetl.enrich.mentions.reference import EntityReference

_LEAD_PUNCT = "\"'“”‘’«»([{/\\-–—•*,;:!?|#"
_TRAIL_PUNCT = "\"'“”‘’«»]}/\\-–—•*,;:!?|#"
_LEADING_CLITIC = re.compile(r"^['’]?s\s+(?=\S)")
_POSSESSIVE = re.compile(r"(?:['’]s|(?<=s)['’])$")
_INNER_POSSESSIVE = re.compile(r"^(.+?)['’]s\s+(\S.*)$", re.S)
_PAREN_SUFFIX = re.compile(r"^(.*?\S)\s*\(\s*([^()]+?)\s*\)$", re.S)
_LINE_BREAK = re.compile(r"[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")


def _trim(text: str, start: int, end: int, ref: EntityReference) -> tuple[int, int]:
    """Narrow [start, end) until no edge rule applies."""
    fx = ref.fixes
    while start < end:
        s = text[start:end]
        before = (start, end)
        # Whitespace and punctuation at the edges.
        stripped = s.lstrip()
        start += len(s) - len(stripped)
        s = stripped.rstrip()
        end = start + len(s)
        while s and s[0] in _LEAD_PUNCT:
            s, start = s[1:], start + 1
        # A possessive clitic the model put in front ("city’s Hoa Lo" -> "’s Hoa Lo").
        m = _LEADING_CLITIC.match(s)
        if m:
            s, start = s[m.end() :], start + m.end()
        while s and (s[-1] in _TRAIL_PUNCT or (s[-1] == ")" and s.count("(") < s.count(")"))):
            s, end = s[:-1], end - 1
        # Possessive: "Pakistan’s", "Mattis’".
        m = _POSSESSIVE.search(s)
        if m and m.start() > 0:
            end -= len(s) - m.start()
            s = s[: m.start()]
        # Function words at the edges.
        parts = s.split(None, 1)
        if len(parts) == 2 and parts[0] in fx.leading_words:
            start += s.index(parts[1], len(parts[0]))
            s = text[start:end]
        parts = s.rsplit(None, 1)
        if len(parts) == 2 and parts[1] in fx.trailing_words:
            end = start + len(parts[0].rstrip())
        if (start, end) == before:
            break
    return start, max(start, end)


def strip_titles(text: str, start: int, end: int, ref: EntityReference, *, trailing: bool = True) -> tuple[int, int]:
    """Cut honorifics/job titles off the front (and a trailing title off the back:
    "U.S. Secretary" -> "U.S.", "Joint Chiefs Chairman" -> "Joint Chiefs") when a name remains."""
    fx = ref.fixes
    while True:
        m = fx.title_prefix.match(text, start, end)
        if not m or m.end() >= end or not text[m.end()].isupper():
            break
        start = m.end()
    if trailing:
        s = text[start:end]
        parts = s.rsplit(None, 1)
        if len(parts) == 2 and parts[1] in fx.titles and parts[0][:1].isupper():
            # A trailing one-word title ("Secretary", "Chairman") after a name or place.
            end = start + len(parts[0].rstrip())
    return start, end


def _is_name(s: str, ref: EntityReference) -> bool:
    fx = ref.fixes
    if not s or len(s) > fx.max_chars or len(s.split()) > fx.max_words or not any(ch.isalpha() for ch in s):
        return False
    if ref.fixes.require_capital and not any(ch.isupper() for ch in s):
        return False
    return s not in ref.fixes.drop_surfaces


def clean_span(
    text: str,
    start: int,
    end: int,
    label: str,
    ref: EntityReference,
    known: dict[str, str] | None = None,
    depth: int = 0,
) -> list[tuple[int, int, str]]:
    """The model's span -> zero, one or two clean spans (start, end, label).
    ``known``: surface -> label of the names the model tags elsewhere in the article."""
    known = known or {}
    # A span that runs over a line break: keep its first line ("Trump\n\nPushed by" -> "Trump").
    s = text[start:end]
    lead = len(s) - len(s.lstrip())
    nl = _LINE_BREAK.search(s, lead)
    if nl and s[nl.start() :].strip():
        end = start + nl.start()
    start, end = _trim(text, start, end, ref)
    s = text[start:end]
    if depth < 2:
        # "U.S.-Pakistan", "Afghanistan-Pakistan": two known places joined by a hyphen;
        # "Arif Ali/AFP": a name and an agency in a photo credit.
        for sep in ("/", "-"):
            if sep in s and ref.lookup(s) is None:
                pos = s.find(sep)
                while pos > 0:
                    left, right = s[:pos], s[pos + 1 :]
                    lref, rref = ref.lookup(left), ref.lookup(right)
                    both = sep == "-" and lref and rref
                    credit = sep == "/" and (lref or rref) and left.strip() and right.strip()
                    if both or credit:
                        llabel, rlabel = lref.label if lref else label, rref.label if rref else label
                        return clean_span(text, start, start + pos, llabel, ref, known, depth + 1) + clean_span(
                            text, start + pos + 1, end, rlabel, ref, known, depth + 1
                        )
                    pos = s.find(sep, pos + 1)
        # "Inter-Services Intelligence (ISI)" inside one span: two mentions.
        m = _PAREN_SUFFIX.match(s)
        if m and len(m.group(2)) >= 2 and ref.lookup(s) is None:  # not "Pakistan Muslim League (N)"
            inner_start = start + m.start(2)
            return clean_span(text, start, start + m.end(1), label, ref, known, depth + 1) + clean_span(
                text, inner_start, inner_start + len(m.group(2)), label, ref, known, depth + 1
            )
        # "Pakistan’s Inter-Services Intelligence": the owner and the owned are two mentions.
        # Only when the owner is a known entity or the owned is a person: "People’s
        # Liberation Army" and "Children’s Hospital" are single names.
        m = _INNER_POSSESSIVE.match(s)
        owner_name = m.group(1) if m else ""
        owner = (ref.lookup(owner_name) or ref.lookup_weak(owner_name)) if m else None
        if m and m.group(2)[:1].isupper() and (label == "PERSON" or owner or owner_name in known):
            owner_label = owner.label if owner else known.get(owner_name) or ("ORG" if label == "PERSON" else label)
            return clean_span(text, start, start + len(m.group(1)), owner_label, ref, known, depth + 1) + clean_span(
                text, start + m.start(2), end, label, ref, known, depth + 1
            )
    if label == "PERSON":
        start, end = strip_titles(text, start, end, ref, trailing=False)
        start, end = _trim(text, start, end, ref)
    s = text[start:end]
    if not _is_name(s, ref) or ref.fixes.drops(s, label) or ref.fixes.is_title(s):
        return []
    return [(start, end, ref.fixes.relabel_for(s, label))]
