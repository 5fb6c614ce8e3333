#!/usr/bin/env python3
"""Error classes of an attribution extractor on PolNeAR (train by default: analysis, not a score).

    .venv/bin/python bench/claims_errors.py [ATTRIBUTION_DIR] [--split train] [--extractor rules|model] [--cache DIR]
                                           [--limit N] [--speakers N]

For every gold attribution not matched at 30% overlap: why (the extractor has no cue on
the gold cue's head word, by the kind of that word; or it has the cue but another
content); for matches below 80% overlap: too short, too long or shifted, and which edge
is off (starts late or early, ends early or late, a piece of a split gold left out); for every
prediction not matched: a cue the gold does not have (by lemma) or a content elsewhere.
With ``--speakers N``: the matches at 30% whose speaker is wrong, by class (no speaker,
a pronoun resolved wrong, the inner subject of nested speech, another noun phrase, by
where the gold source is), with N examples of each.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from newsetl.enrich.claims.model import features as F  # noqa: E402
from newsetl.enrich.claims.model.scoring import Tokens, _match, group_rows, speaker_correct  # noqa: E402
from newsetl.enrich.claims.speakers import FIRST_PERSON, PRONOUNS, RELATIVE  # noqa: E402


def cue_kind(t, lexicon_cats: dict[str, str]) -> str:
    lem = t.lemma_.lower()
    if t.lower_ in F.CUE_PUNCT:
        return "punct (: —)"
    if lem == "accord" or t.lower_ == "according":
        return "according to"
    if t.pos_ in ("NOUN", "PROPN"):
        return "noun" + (" (lexicon)" if lem in lexicon_cats else " (not in lexicon)")
    if t.pos_ in ("VERB", "AUX"):
        cat = lexicon_cats.get(lem) or lexicon_cats.get(t.lower_)
        return f"verb, lexicon {cat}" if cat else "verb, not in lexicon"
    return "other word (" + t.pos_ + ")"


def edge_class(pred: frozenset[int], gold: frozenset[int], gold_pieces: list[frozenset[int]]) -> str:
    """Where a match at 30% but not 80% goes wrong (D72): a piece of a discontinuous gold
    content left out, else which edge is off and which way (word numbers)."""
    pieces = [x for x in gold_pieces if x]
    if len(pieces) > 1 and any(not (x & pred) for x in pieces):
        return "a gold piece left out (split content not joined)"
    start = "starts late" if min(pred) > min(gold) else "starts early" if min(pred) < min(gold) else "start right"
    end = "ends early" if max(pred) < max(gold) else "ends late" if max(pred) > max(gold) else "end right"
    return start + ", " + end


_QUOTE_MARKS = frozenset("\"“”'‘’")
_TAIL_CUES = frozenset({"said", "says", "say", "told", "tells", "according", "added", "wrote", "writes", "asked",
                        "explained", "noted", "argued", "reported", "tweeted", "stated", "declared", "insisted"})
_SUBORDINATE = frozenset({"because", "although", "though", "while", "when", "as", "if", "since", "after", "before",
                          "unless", "until", "whereas", "even", "despite"})
_RELATIVE = frozenset({"which", "who", "whom", "whose", "where"})


def _side_class(doc, text: str, toks: Tokens, side: str, ids: list[int], kept: int, cue_at: int) -> str:
    """What the words ``ids`` (word-token numbers on ``side`` of the part both spans share,
    ``kept`` its nearest word) are: a later sentence, an attribution tail, a relative
    clause, a conjunct … (D93)."""
    a, b = toks.starts[ids[0]], toks.ends[ids[-1]]
    t0, t1 = doc.char_span(a, b, alignment_mode="expand")[0], doc.char_span(a, b, alignment_mode="expand")[-1]
    ti = doc.char_span(toks.starts[kept], toks.ends[kept], alignment_mode="expand")[0]
    between = text[toks.ends[kept]:a] if side == "right" else text[b:toks.starts[kept]]
    fw = t0.lower_
    if side == "right":
        if t0.sent.start != ti.sent.start:
            return "next sentence(s)" + (" (a quote)" if set(between + text[a:a + 1]) & _QUOTE_MARKS else "")
        if a <= cue_at < b or any(w.strip(",.") in _TAIL_CUES for w in text[a:b].lower().split()[:6]):
            return "an attribution tail (a cue inside)"
        if set(between) & _QUOTE_MARKS:
            return "past a quote's close"
        if fw in _RELATIVE or t0.dep_ == "relcl":
            return "a relative clause"
        if t0.tag_ == "VBG":
            return "a participle"
        if fw in ("and", "but", "or") or t0.dep_ in ("cc", "conj"):
            return "a conjunct"
        if fw in _SUBORDINATE or t0.dep_ == "mark":
            return "a subordinate clause"
        if t0.pos_ == "ADP":
            return "a prepositional phrase"
        if any(x.dep_ == "appos" for x in doc[t0.i : t1.i + 1]):
            return "an apposition"
        return "other"
    if t1.sent.start != ti.sent.start:
        return "previous sentence(s)"
    if a <= cue_at < b:
        return "the cue inside"
    if len(ids) == 1 and fw in ("that", "whether", "if", "to"):
        return "'" + fw + "' alone"
    if set(between) & _QUOTE_MARKS:
        return "before a quote's open"
    if fw in _SUBORDINATE or t0.dep_ == "mark":
        return "a clause before it"
    if len(ids) == 1 and t0.pos_ in ("ADP", "DET"):
        return "a lone " + t0.pos_
    return "other"


def edge_detail(doc, text: str, toks: Tokens, pred: frozenset[int], gold: frozenset[int],
                gold_pieces: list[frozenset[int]], pred_cue: tuple[int, int], gold_cue: list) -> list[str]:
    """What the extra or missing words of a match at 30% that misses 80% are (D93), one
    label per edge that is off: "another cue" (the gold's cue is not the prediction's:
    mostly an inner cue's content matched to an outer gold), a split gold's piece left
    out (before or after the cue), else "<side>-<extra|missing>: <what>"."""
    if not any(a < pred_cue[1] and pred_cue[0] < b for a, b in gold_cue):
        return ["another cue"]
    pieces = [x for x in gold_pieces if x]
    if len(pieces) > 1 and any(not (x & pred) for x in pieces):
        where = {"before the cue" if toks.starts[min(x)] < pred_cue[0] else "after the cue" for x in pieces if not (x & pred)}
        return ["a split gold's piece left out, " + "/".join(sorted(where))]
    both = pred & gold
    out = []
    for side, kind, ids in (("left", "extra", [k for k in pred - gold if k < min(gold)]),
                            ("right", "extra", [k for k in pred - gold if k > max(gold)]),
                            ("left", "missing", [k for k in gold - pred if k < min(pred)]),
                            ("right", "missing", [k for k in gold - pred if k > max(pred)])):
        if ids and both:
            kept = min(both) if side == "left" else max(both)
            out.append(f"{side}-{kind}: " + _side_class(doc, text, toks, side, sorted(ids), kept, pred_cue[0]))
    return out or ["a gap inside (an aside cut out or kept)"]


def analyse(samples, rows_of_sample, lexicon_cats) -> dict[str, Counter]:
    out = {k: Counter() for k in ("missed", "partial", "edges", "false", "missed_lemmas", "false_lemmas")}
    for s in samples:
        rows = rows_of_sample(s)
        toks = Tokens(s.text)
        preds = group_rows(rows)
        gold = s.gold.attributions
        ps = [toks.of(p.content) for p in preds]
        gs = [toks.of(g.content) for g in gold]
        m30 = dict((j, i) for i, j in _match(ps, gs, 0.3, ggt=False))
        m80 = {j for _, j in _match(ps, gs, 0.8, ggt=False)}
        cue_tok_of_pred = {}
        for r in rows:
            cue_tok_of_pred.setdefault((int(r["cue_start"]), int(r["cue_end"])), s.doc.char_span(int(r["cue_start"]), int(r["cue_end"]), alignment_mode="expand"))
        pred_heads = {}
        for key, span in cue_tok_of_pred.items():
            if span is not None and len(span):
                pred_heads[span.root.i] = key
        gold_heads = {}
        for j, g in enumerate(gold):
            a = F.cue_anchor(s.doc, g.cue, g.content) if g.cue else None
            if a is not None:
                gold_heads[a] = j
        for j, g in enumerate(gold):
            if not gs[j]:
                continue
            a = F.cue_anchor(s.doc, g.cue, g.content) if g.cue else None
            if j in m30:
                if j not in m80:
                    p = ps[m30[j]]
                    if p < gs[j]:
                        out["partial"]["too short (inside gold)"] += 1
                    elif p > gs[j]:
                        out["partial"]["too long (covers gold)"] += 1
                    else:
                        out["partial"]["shifted / split"] += 1
                    out["edges"][edge_class(p, gs[j], [toks.of([pc]) for pc in g.content])] += 1
                continue
            if a is None:
                out["missed"]["no cue in gold"] += 1
                continue
            t = s.doc[a]
            kind = cue_kind(t, lexicon_cats)
            if a in pred_heads:
                out["missed"]["cue found, content elsewhere"] += 1
            else:
                out["missed"]["no cue: " + kind] += 1
                out["missed_lemmas"][kind + ": " + t.lemma_.lower()] += 1
        matched_preds = set(m30.values())
        for i, p in enumerate(preds):
            if not ps[i] or i in matched_preds:
                continue
            # the prediction's cue head
            head = None
            for h, key in pred_heads.items():
                if any(key == (int(r["cue_start"]), int(r["cue_end"])) for r in rows if [(int(r["content_start"]), int(r["content_end"]))][0] in p.content):
                    head = h
                    break
            if head is not None and head in gold_heads:
                out["false"]["gold cue, content elsewhere (or taken by another)"] += 1
            else:
                t = s.doc[head] if head is not None else None
                lem = t.lemma_.lower() if t is not None else "?"
                out["false"]["cue the gold does not have"] += 1
                out["false_lemmas"][lem] += 1
    return out


def print_report(res: dict[str, Counter], top: int = 25) -> None:
    for key in ("missed", "partial", "edges", "false"):
        total = sum(res[key].values())
        print(f"\n{key} ({total})")
        for k, n in res[key].most_common():
            print(f"  {n:6d}  {k}")
    print(f"\nmost missed cue words (top {top}):")
    print("  " + ", ".join(f"{k} {n}" for k, n in res["missed_lemmas"].most_common(top)))
    print(f"\nmost frequent false cues (top {top}):")
    print("  " + ", ".join(f"{k} {n}" for k, n in res["false_lemmas"].most_common(top)))


# ----------------------------------------------------------------------------- speakers
def _cue_groups(rows):
    """Claim rows -> (cue span, first row) in the order of group_rows."""
    out = {}
    for r in sorted(rows, key=lambda r: (r["cue_start"], r["content_start"])):
        out.setdefault((int(r["cue_start"]), int(r["cue_end"])), r)
    return list(out.items())


def _words(doc, a: int, b: int):
    span = doc.char_span(a, b, alignment_mode="expand")
    return list(span) if span is not None else []


def speaker_error_class(doc, cue: tuple[int, int], row: dict, g, content) -> str:
    """Why a matched prediction's speaker is wrong (the benchmark said so already)."""
    cue_tok = doc.char_span(*cue, alignment_mode="expand")
    cue_sent = cue_tok.root.sent if cue_tok is not None and len(cue_tok) else None
    if not g.source:
        return "a speaker where the gold has none"
    gtoks = [t for a, b in g.source for t in _words(doc, a, b)]
    groot = min(gtoks, key=lambda t: (t.head in gtoks and t.head is not t, t.i)) if gtoks else None
    gpos = g.source[0][0]
    if gtoks and any(t.dep_ == "poss" or t.tag_ == "POS" for t in gtoks) and groot is not None and groot.dep_ == "poss":
        where = "possessive"
    elif cue_sent is not None and cue_sent.start_char <= gpos < cue_sent.end_char:
        where = "same sentence"
    elif gpos < cue[0]:
        where = "earlier sentence"
    else:
        where = "later sentence"
    glow = " ".join(t.lower_ for t in gtoks)
    gkind = ("pronoun" if glow in PRONOUNS or glow in FIRST_PERSON else "relative" if glow in RELATIVE
             else "name" if any(t.ent_type_ for t in gtoks) else "nominal")
    if row.get("speaker_start") is None:
        return f"no speaker; gold {gkind} in {where}"
    sa, sb = int(row["speaker_start"]), int(row["speaker_end"])
    low = (row.get("speaker_surface") or "").casefold()
    if low in PRONOUNS:
        return f"pronoun resolved {'wrong' if row.get('speaker_name') else 'to nobody'}; gold {gkind} in {where}"
    if low in RELATIVE:
        return f"relative pronoun; gold {gkind} in {where}"
    if low in FIRST_PERSON:
        return f"first person; gold {gkind} in {where}"
    if any(a <= sa < b for a, b in content):
        return f"speaker inside the content (nested); gold {gkind} in {where}"
    if sa > cue[0] and gpos < cue[0]:
        return f"speaker after the cue, gold before; gold {gkind} in {where}"
    return f"another noun phrase ({'named' if row.get('speaker_name') else 'unnamed'}); gold {gkind} in {where}"


def speaker_errors(samples, rows_of_sample, mentions_of_sample, examples: int = 0) -> tuple[Counter, dict[str, list[str]]]:
    """Matched attributions (30% overlap) whose speaker is wrong, by class, and up to
    ``examples`` short examples of each (sentence, gold source, predicted speaker)."""
    classes: Counter = Counter()
    shown: dict[str, list[str]] = {}
    for s in samples:
        rows = rows_of_sample(s)
        mentions = mentions_of_sample(s)
        toks = Tokens(s.text)
        preds = group_rows(rows)
        groups = _cue_groups(rows)
        gold = s.gold.attributions
        m30 = _match([toks.of(p.content) for p in preds], [toks.of(g.content) for g in gold], 0.3, ggt=False)
        for i, j in m30:
            p, g = preds[i], gold[j]
            if speaker_correct(p, g, mentions):
                continue
            cue, row = groups[i]
            cls = speaker_error_class(s.doc, cue, row, g, p.content)
            classes[cls] += 1
            if len(shown.setdefault(cls, [])) < examples:
                sent = s.doc.char_span(*cue, alignment_mode="expand")
                ctx = s.text[sent.root.sent.start_char : sent.root.sent.end_char] if sent is not None and len(sent) else ""
                gsrc = " | ".join(s.text[a:b] for a, b in g.source)
                shown[cls].append(f"{s.name}@{cue[0]}: gold={gsrc!r} pred={row.get('speaker_surface')!r}"
                                  f"->{row.get('speaker_name')!r} cue={row['cue']!r} :: {ctx[:220]!r}")
    return classes, shown


def print_speaker_report(classes: Counter, shown: dict[str, list[str]]) -> None:
    print(f"\nspeaker errors among matches at 30% ({sum(classes.values())})")
    for k, n in classes.most_common():
        print(f"  {n:6d}  {k}")
        for e in shown.get(k, []):
            print(f"            {e}")


def main(argv=None) -> int:
    from newsetl.enrich.claims.model.model import default_model
    from newsetl.enrich.claims.model.train import lexicon_categories, parse_samples

    ap = argparse.ArgumentParser()
    ap.add_argument("attribution_dir", nargs="?", type=Path, default=REPO_ROOT.parent / "shared" / "bench" / "attribution")
    ap.add_argument("--split", choices=("train", "dev"), default="train")
    ap.add_argument("--extractor", choices=("rules", "model"), default="rules")
    ap.add_argument("--cache", type=Path, default=None)
    ap.add_argument("--limit", type=int, default=0, help="only the first N articles")
    ap.add_argument("--speakers", type=int, default=None, metavar="N",
                    help="speaker errors by class instead, with N examples of each")
    args = ap.parse_args(argv)
    samples = parse_samples(args.attribution_dir, args.split, args.cache)
    if args.limit:
        samples = samples[: args.limit]
    if args.cache is not None:  # the cache holds the rules' rows of the code that made it
        from newsetl.enrich.claims import claims_from_doc

        for s in samples:
            s.rules = claims_from_doc("0" * 16, s.doc, s.mentions, "bench")
    cats = lexicon_categories()
    if args.extractor == "rules":
        rows_of = lambda s: s.rules  # noqa: E731
    else:
        from newsetl.enrich.claims.model.extract import attribution_rows

        model = default_model()
        rows_of = lambda s: attribution_rows("0" * 16, s.doc, s.mentions, "bench", s.rules, model)  # noqa: E731
    if args.speakers is not None:
        print_speaker_report(*speaker_errors(samples, rows_of, lambda s: s.mentions, args.speakers))
        return 0
    print_report(analyse(samples, rows_of, cats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
