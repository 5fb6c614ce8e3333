"""Reported speech around a cue verb: its content in the parse (a clause, an infinitive,
an object, a preposition's object), its speaker, or a quote next to the cue clause."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from spacy.tokens import Token

from newsetl.enrich.claims.article import (
    Article, Claim, child, clip, cut, in_line_of, np_span, prep_object, subtree_span, tok_span,
)
from newsetl.enrich.claims.lexicon import CueVerb, Lexicon
from newsetl.enrich.claims.quotemarks import Quote

_MAX_QUOTE_GAP = 3  # chars of ", " or ": " between a quote and its cue clause


def interjected(art: Article, subj: Token, verb: Token) -> bool:
    """", he said" inside a quote that was never closed: the writer forgot the closing
    mark before the attribution ("“We will fight this, he said after the hearing.")."""
    left = subj.left_edge.i
    return (
        0 < left
        and art.doc[left - 1].text == ","
        and verb.i - subj.i in (1, 2)
        and subj.i < verb.i
        and (subj.pos_ == "PRON" or subj.ent_type_ == "PERSON" or subj.pos_ == "PROPN")
    )


def verb_entry(tok: Token, lexicon: Lexicon) -> CueVerb | None:
    if tok.pos_ not in ("VERB", "AUX") and not tok.tag_.startswith("VB"):
        return None
    entries = lexicon.entries(tok.lemma_.lower())
    if not entries:
        # Lemmatizer misses ("tweeted" -> "tweet"): try the lower-cased form too.
        entries = lexicon.entries(tok.lower_)
    for e in entries:
        if e.particle is None:
            return e
        if any(c.dep_ in ("prt", "prep") and c.lower_ == e.particle for c in tok.children):
            return e
    return None



def _clause_child(art: Article, verb: Token) -> Token | None:
    """The clause complement of a cue verb: its ccomp in the cue's paragraph (nearest
    first), else a that/if/whether clause hanging lower on its right ("said in a
    statement that ...", "said for the first time that ...", "asked if ...")."""
    ccomps = [c for c in verb.children if c.dep_ == "ccomp" and in_line_of(art, verb, c)]
    if len(ccomps) > 1:
        # Two clauses is a parse error around quotes: the one in the quote next to the
        # cue clause, else a quoted one, else the nearest.
        subj, _ = art.subject_of(verb)
        near = _adjacent_quote(art, verb, np_span(subj) if subj is not None else None, tok_span(verb))
        return min(
            ccomps,
            key=lambda c: (
                not (near is not None and near.start <= c.idx < near.end),
                art.quotes.at(c.idx) is None,
                abs(c.i - verb.i),
            ),
        )
    if ccomps:
        return ccomps[0]
    frontier = [c for c in verb.rights]
    for _ in range(3):
        nxt = []
        for t in frontier:
            if t.dep_ in ("ccomp", "advcl", "acl", "relcl", "pcomp", "xcomp") and any(
                m.dep_ == "mark" and m.lower_ in ("that", "if", "whether") and m.i < t.i for m in t.children
            ):
                return t if in_line_of(art, verb, t) else None
            if t.dep_ in ("prep", "pobj", "npadvmod", "advmod", "dobj") or (t.dep_ == "dative"):
                nxt.extend(t.children)
        frontier = [t for t in nxt if t.i > verb.i]
    return None


def _prep_content(verb: Token, entry: CueVerb, holders: Sequence[Token | None]) -> tuple[tuple[int, int], Token] | None:
    """The object of one of the entry's prepositions ("accused X of Y", "called for Y to Z")."""
    for holder in holders:
        if holder is None:
            continue
        for c in holder.children:
            if c.dep_ in ("prep", "prt") and c.lower_ in entry.preps and c.i > verb.i:
                obj = prep_object(c)
                if obj is None:
                    continue
                a, b = subtree_span(obj)
                # "called on all nations to limit ...": the infinitive hangs on the verb.
                for r in verb.rights:
                    if r.i > obj.i and r.dep_ in ("advcl", "xcomp") and r.tag_ == "VB" and any(t.lower_ == "to" for t in r.lefts):
                        b = max(b, subtree_span(r)[1])
                        break
                return (a, b), obj
    return None


def verb_claim(art: Article, tok: Token, entry: CueVerb) -> Claim | None:
    cue_end_tok = tok
    if entry.particle:
        for c in tok.children:
            if c.dep_ in ("prt", "prep") and c.lower_ == entry.particle and c.i == tok.i + 1:
                cue_end_tok = c
    cue = (tok.idx, cue_end_tok.idx + len(cue_end_tok))

    subj, passive = art.subject_of(tok)
    speaker = np_span(subj) if subj is not None else None
    forbidden = [speaker, cue]

    target: Token | None = None
    core: tuple[int, int] | None = None
    root: Token | None = None
    dobj = child(tok, "dobj")
    preps = entry.preps + ((entry.particle,) if entry.particle else ())

    if entry.target:
        target = dobj
        if target is None and passive:
            target = child(tok, "nsubjpass")
        found = _prep_content(tok, replace(entry, preps=preps), (tok, dobj))
        if found:
            core, root = found
    if core is None and entry.clause:
        cc = _clause_child(art, tok)
        if cc is not None:
            core, root = subtree_span(cc), cc
            # "said X, but that Y": a second that-clause coordinated on the verb.
            for c in tok.rights:
                if c.i > cc.i and c.dep_ == "conj" and any(m.dep_ == "mark" and m.lower_ == "that" for m in c.children):
                    core = (core[0], max(core[1], subtree_span(c)[1]))
    if core is None and entry.xcomp:
        x = child(tok, "xcomp")
        if x is not None and x.i > tok.i:
            core, root = subtree_span(x), x
    if core is None and preps and not entry.target:
        found = _prep_content(tok, replace(entry, preps=preps), (tok,))
        if found:
            core, root = found
    if core is None and entry.object and not entry.addressee:
        if dobj is not None:
            core, root = _object_span(tok, dobj), dobj
            if entry.target:
                target = dobj
        else:
            # "called the mogul an obvious phony" parsed as two predicates.
            comps = [c for c in tok.rights if c.dep_ in ("oprd", "xcomp") and c.pos_ in ("NOUN", "PROPN", "PRON")]
            if comps:
                core, root = (comps[0].left_edge.idx, subtree_span(comps[-1])[1]), comps[0]
    if subj is None and core is not None and entry.quote and core[0] >= cue[1]:
        # "…, says CFR’s Daniel Markey." parsed as if the name were what was said.
        inverted = _inverted_speaker(art, tok, cue, core)
        if inverted is not None:
            subj, speaker = inverted
            forbidden = [speaker, cue]
            core, root = _preceding_clause(art, tok, speaker, cue), None
    if core is None and entry.quote:
        # A quote right next to the cue clause ("“…,” she said", "he said: “…”").
        q = _adjacent_quote(art, tok, speaker, cue)
        if q is not None:
            core = (q.inner_start, q.inner_end)
    if core is None and entry.quote and entry.clause:
        # "Couple exposure with a lightning rod and Clevelanders get nervous, said Link."
        core = _preceding_clause(art, tok, speaker, cue)
    pieces: list[tuple[int, int]] = []
    as_clause = tok.dep_ == "advcl" and any(c.dep_ == "mark" and c.lower_ == "as" for c in tok.children)
    if as_clause and not (core and entry.category == "speech" and core[0] > tok.idx):
        # "as the Post reported, <clause>" / "As reported by X, <clause>": the clause around.
        core = None
    if core is None and entry.clause and (
        (entry.category == "speech" and tok.dep_ in ("parataxis", "ccomp")) or as_clause
    ) and tok.head.i != tok.i:
        # "The plan, he said, is dead" / "“A,” he said, “B”": the clause around the cue.
        head = tok.head
        a, b = subtree_span(head)
        ca, cb = subtree_span(tok)
        pieces = [p for p in ((a, ca), (cb, b)) if p[1] > p[0]]
        root = head
    if core is not None:
        pieces = [core]
    if not pieces:
        return None

    split: list[tuple[int, int]] = []
    for p in pieces:
        p = art.in_line(p, tok.idx)
        # A clause that wraps its own cue ("It is no surprise, said X, that ..."): the sides.
        split.extend(cut(p, forbidden))
    out_pieces = []
    for p in split:
        span = art.to_quote(p, forbidden)
        span = clip(span, p, forbidden)
        a, b = art.trim(*span)
        a, b = art.trim(*art.strip_complementizer(a, b))
        a, b = art.balance(a, b)
        if b > a and art.words(a, b) >= 2:
            out_pieces.append((a, b))
    if not out_pieces:
        return None
    claim = Claim(cue, tok, speaker, subj, out_pieces, target=target, content_root=root)
    if target is not None:
        claim.target_span = np_span(target)
    return claim


_COMPLEMENT_DEPS = frozenset({"oprd", "xcomp", "ccomp", "attr", "acomp", "dobj"})


def _object_span(verb: Token, dobj: Token) -> tuple[int, int]:
    """The object with the complement that completes it: "called it “a disaster”",
    "described the plan as a buzz" (object + predicate, not the adverbials after)."""
    a, b = subtree_span(dobj)
    for c in verb.rights:
        if c.i <= dobj.i:
            continue
        if c.dep_ in _COMPLEMENT_DEPS or (c.dep_ == "prep" and c.lower_ == "as"):
            b = max(b, subtree_span(c)[1])
        elif c.dep_ != "punct":
            break
    return a, b


def _inverted_speaker(art: Article, tok: Token, cue: tuple[int, int], core: tuple[int, int]) -> tuple[Token, tuple[int, int]] | None:
    """A short name after the cue that ends the sentence, after a comma: the speaker."""
    sent = tok.sent
    if art.words(*core) > 8 or art.text[core[1] : sent.end_char].strip(" .\n\"”'’") or art.words(sent.start_char, cue[0]) < 3:
        return None
    if not art.text[sent.start_char : cue[0]].rstrip().endswith(","):
        return None
    names = [m for m in art.resolver.mentions.within(*core) if m["label"] in ("PERSON", "ORG", "GPE", "NORP")]
    if not names:
        return None
    last = names[-1]
    head = art.token_at(int(last["end_char"]) - 1)
    if head is None:
        return None
    return head, core


def _preceding_clause(art: Article, tok: Token, speaker: tuple[int, int] | None, cue: tuple[int, int]) -> tuple[int, int] | None:
    """The sentence before a cue clause that closes it after a comma ("…, said X.")."""
    sent = tok.sent
    clause_start = min(cue[0], speaker[0]) if speaker else cue[0]
    clause_end = max(cue[1], speaker[1]) if speaker else cue[1]
    before = art.text[sent.start_char : clause_start].rstrip()
    if not before.endswith(",") or art.words(sent.start_char, clause_start) < 3:
        return None
    # Only adverbials may follow the cue clause ("said in an email", "said Monday").
    for t in sent:
        if t.idx >= clause_end and t.dep_ not in ("prep", "pobj", "npadvmod", "advmod", "punct", "det", "amod", "compound", "nummod", "poss", "case", "appos", "acl", "relcl") and t.head.i >= tok.i:
            if t.head.i == tok.i:
                return None
    return sent.start_char, sent.start_char + len(before) - 1


def _adjacent_quote(art: Article, tok: Token, speaker: tuple[int, int] | None, cue: tuple[int, int]) -> Quote | None:
    """A quote that ends just before the cue clause ("“…,” she said") or starts just after
    it ("she said: “…”")."""
    text = art.text
    clause_start = min(cue[0], speaker[0]) if speaker else cue[0]
    clause_end = max(cue[1], speaker[1]) if speaker else cue[1]
    q = art.quotes.last_before(clause_start)
    if q is not None and clause_start - q.end <= _MAX_QUOTE_GAP and not text[q.end : clause_start].strip(" ,—–-"):
        return q
    q = art.quotes.next_after(clause_end)
    if q is not None:
        gap = text[clause_end : q.start]
        # "said in a statement: “…”", "told reporters, “…”"
        if len(gap) <= 40 and "\n" not in gap and re.fullmatch(r"[\w ,.\-’']*?[:,]?\s*", gap) and (":" in gap or "," in gap or not gap.strip()):
            if not re.search(r"[.!?]\s", gap):
                return q
    return None
