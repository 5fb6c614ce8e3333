"""D103 experiment (measured, not kept): a BiLSTM tagger over the frozen doc.tensor and cheap
token attributes, trained out-of-fold on PolNeAR train; its per-token logits appended to the tensor cache.

    python bench/claims_tagger.py --cache CACHE --out DIR [--folds 0,1,2,3,4] [--epochs 12] [--width 96]
"""
import argparse, json, sys, time
from pathlib import Path
import numpy as np
from thinc.api import (LSTM, Adam, Linear, Maxout, NumpyOps, chain, set_current_ops, with_array,
                       with_padded, fix_random_seed)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from newsetl.enrich.claims.model import features as F
from newsetl.enrich.claims.model import train as T

POS = ["ADJ","ADP","ADV","AUX","CCONJ","DET","INTJ","NOUN","NUM","PART","PRON","PROPN","PUNCT","SCONJ","SYM","VERB","X","SPACE"]
DEPS = ["ROOT","acl","acomp","advcl","advmod","agent","amod","appos","attr","aux","auxpass","case","cc","ccomp","compound",
        "conj","csubj","dative","dep","det","dobj","expl","intj","mark","meta","neg","nmod","npadvmod","nsubj","nsubjpass",
        "nummod","oprd","parataxis","pcomp","pobj","poss","preconj","predet","prep","prt","punct","quantmod","relcl","xcomp"]
CATS = ["speech", "cognition", "document", "other", "phrase"]
ENTS = ["PERSON", "ORG", "GPE", "NORP"]

def token_inputs(v, cats, nouns):
    n = v.n
    X = np.zeros((n, 96 + len(POS) + len(DEPS) * 2 + len(CATS) + len(ENTS) + 8), dtype=np.float32)
    X[:, :96] = v.tensor[:, :96]
    o = 96
    pi = {p: k for k, p in enumerate(POS)}; di = {d: k for k, d in enumerate(DEPS)}; ci = {c: k for k, c in enumerate(CATS)}
    ei = {e: k for k, e in enumerate(ENTS)}
    rule_content = F.Covered()
    for e in v.rule_tok.values():
        for a, b in e["pieces"]:
            rule_content.add(a, b)
    for i in range(n):
        k = pi.get(v.pos[i]);  X[i, o + k] = 1 if k is not None else 0
        k = di.get(v.dep[i]);
        if k is not None: X[i, o + len(POS) + k] = 1
        h = v.head[i]; k = di.get(v.dep[h])
        if k is not None: X[i, o + len(POS) + len(DEPS) + k] = 1
        oo = o + len(POS) + 2 * len(DEPS)
        c = cats.get(v.lemma[i]) or cats.get(v.lower[i])
        if c in ci: X[i, oo + ci[c]] = 1
        oo += len(CATS)
        if v.ent[i] in ei: X[i, oo + ei[v.ent[i]]] = 1
        oo += len(ENTS)
        q = v.quotes.at(v.idx[i])
        X[i, oo] = 1.0 if q is not None and q.inner_start <= v.idx[i] < q.inner_end else 0.0
        X[i, oo + 1] = 1.0 if i in v.rule_tok else 0.0
        X[i, oo + 2] = 1.0 if v.idx[i] in rule_content else 0.0
        X[i, oo + 3] = 1.0 if (i == 0 or v.sent_of[i] != v.sent_of[i - 1]) else 0.0
        X[i, oo + 4] = 1.0 if v.lemma[i] in nouns else 0.0
        X[i, oo + 5] = 1.0 if v.punct[i] else 0.0
        X[i, oo + 6] = 1.0 if h == i else 0.0
        X[i, oo + 7] = 1.0 if "\n" in v.text[v.end[i]: v.idx[i + 1] if i + 1 < n else v.end[i]] else 0.0
    return X

def token_labels(v, gold):
    n = v.n
    Y = np.zeros((n, 5), dtype=np.float32)
    idx = np.array(v.idx); end = np.array(v.end)
    def toks(a, b):
        return np.flatnonzero((idx < b) & (end > a))
    for g in gold.attributions:
        for a, b in g.cue:
            Y[toks(a, b), 0] = 1
        for a, b in g.source:
            Y[toks(a, b), 1] = 1
        for a, b in g.content:
            t = toks(a, b)
            if len(t):
                Y[t, 2] = 1; Y[t[0], 3] = 1; Y[t[-1], 4] = 1
    return Y

def build(nI, width, depth):
    return chain(with_array(Maxout(width, nI, nP=2, normalize=True, dropout=0.1)),
                 with_padded(LSTM(width, width, bi=True, depth=depth, dropout=0.1)),
                 with_array(Linear(5, width)))

def train_tagger(Xs, Ys, epochs, width, depth, seed, log=""):
    fix_random_seed(seed)
    model = build(Xs[0].shape[1], width, depth)
    model.initialize(X=Xs[:4], Y=Ys[:4])
    opt = Adam(0.002)
    rng = np.random.default_rng(seed)
    for ep in range(epochs):
        t0 = time.process_time(); loss = 0.0
        order = rng.permutation(len(Xs))
        for b in range(0, len(order), 8):
            batch = [int(k) for k in order[b:b + 8]]
            Z, back = model.begin_update([Xs[k] for k in batch])
            grads = []
            for z, k in zip(Z, batch):
                p = 1 / (1 + np.exp(-z))
                y = Ys[k]
                loss += float(-(y * np.log(p + 1e-7) + (1 - y) * np.log(1 - p + 1e-7)).sum())
                grads.append(((p - y) / 8).astype(np.float32))
            back(grads)
            model.finish_update(opt)
        print(f"{log} epoch {ep} loss {loss / sum(len(x) for x in Xs):.4f} {time.process_time() - t0:.0f}s", flush=True)
    return model

def augment(Z):
    """7 columns: the 5 logits, the content logit of the token before and after."""
    n = len(Z)
    prev = np.vstack([np.full((1,), -5.0, dtype=np.float32)[:, None], Z[:-1, 2:3]]) if n else np.zeros((0, 1))
    nxt = np.vstack([Z[1:, 2:3], np.full((1, 1), -5.0, dtype=np.float32)]) if n else np.zeros((0, 1))
    return np.hstack([Z, prev, nxt]).astype(np.float32) / 4.0

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--folds", default="0,1,2,3,4")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--width", type=int, default=64)
    ap.add_argument("--depth", type=int, default=1)
    args = ap.parse_args()
    set_current_ops(NumpyOps())
    samples = T.parse_samples(Path(__file__).resolve().parent.parent.parent / "shared" / "bench" / "attribution", "train", args.cache)
    cats = T.lexicon_categories()
    nouns = frozenset(T.cue_nouns_of(samples, T.CONFIG["min_cue_noun_count"], cats))
    t0 = time.process_time()
    views = [F.DocView(s.doc, s.rules) for s in samples]
    Xs = [token_inputs(v, cats, nouns) for v in views]
    Ys = [token_labels(v, s.gold) for v, s in zip(views, samples)]
    print("inputs", time.process_time() - t0, Xs[0].shape, flush=True)
    order = np.random.default_rng(T.CONFIG["seed"]).permutation(len(samples))
    args.out.mkdir(parents=True, exist_ok=True)
    for k in [int(x) for x in args.folds.split(",")]:
        held = [int(i) for i in order[k::T.CONFIG["folds"]]]
        hs = set(held)
        tr = [i for i in range(len(samples)) if i not in hs]
        m = train_tagger([Xs[i] for i in tr], [Ys[i] for i in tr], args.epochs, args.width, args.depth, 15, f"fold{k}")
        Z = m.predict([Xs[i] for i in held])
        # token-level held-out scores
        for c, name in enumerate(["cue", "src", "in", "beg", "end"]):
            y = np.concatenate([Ys[i][:, c] for i in held]); z = np.concatenate([zz[:, c] for zz in Z])
            p = z > 0; tp = (p & (y > 0)).sum()
            P = tp / max(p.sum(), 1); R = tp / max((y > 0).sum(), 1)
            print(f"fold{k} {name} P {P:.3f} R {R:.3f} F {2*P*R/max(P+R,1e-9):.3f}", flush=True)
        np.savez(args.out / f"oof_{k}.npz", **{samples[i].name: augment(z) for i, z in zip(held, Z)})

if __name__ == "__main__":
    main()
