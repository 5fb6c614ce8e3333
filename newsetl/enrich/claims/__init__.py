"""Claims: attributed statements (who said, claimed, accused or warned what) in one article.

:func:`claims_from_doc` turns one parsed spaCy Doc (tagger + parser + lemmatizer + ner,
the Doc the enrich stage already made for the mentions) and the article's mention rows
into rows of the ``claims`` table (``schemas.claims.ClaimModel``). Rules over the
dependency parse plus a quotation-mark scan (``quotemarks``); the cues are data
(``data/reporting_verbs.yaml``, ``lexicon``).

What is found, per article:

* **reported speech**: a cue verb of the lexicon with its content in the parse: a
  clause ("Asif said Trump officials have created ..."; a that-clause the parser hung
  lower, "said in a statement that ..."), or what the verb's flags allow: an
  infinitive ("threatened to shoot down ..."), a direct object with its complement
  ("called it “a disaster”"), the object of a preposition ("called for ...";
  "accused Pakistan of Y": content Y, target Pakistan). The speaker is the verb's
  subject, inherited through coordination and participles ("criticized ... and said",
  "tweeted, saying", "responded before adding"), the relative pronoun of a relative
  clause (resolved to its noun: "Reprieve, which argues ..."), the agent of a passive,
  or a noun phrase the parser left just before the verb. "The plan, he said, is dead"
  and "as the Post reported, X" take the clause around the cue; "X, says Daniel
  Markey" (a name parsed as the content) takes the clause before it.
* **reporting nouns** with a that-clause ("Trump's claim that ...", "a warning by the
  Pentagon that ..."): the possessor, the by-agent or the subject of the verb making
  the noun is the speaker.
* **direct quotes**: quotation marks found by :func:`newsetl.enrich.claims.quotemarks.find_quotes`
  (straight, curly and doubled apostrophes; multi-paragraph; unbalanced). A content
  that touches a quote grows to the whole quote ("“Q1. Q2,” she said" -> Q1 Q2), a
  speech verb with no content in the parse takes the quote right next to it ("he said:
  “…”"), the second half of a split quote ("“A,” she said. “B.”") and up to three
  following paragraphs that are nothing but a quote are more rows of the same claim.
  A cue inside a quote belongs to the quoted words and is skipped, unless its subject
  stands outside the quote (Mattis “reiterated that …”) or the quote was never closed
  before ", he said".
* **"according to X"** (and the other phrases of the lexicon): X is the speaker, the
  clause around the phrase (or the quote just before it) is the content.
* a claim whose cue lies inside the content of another one and whose speaker is a
  pronoun or the same word ("he said he believes X") repeats it and is dropped.

Invariants: every span slices ``doc.text`` exactly, a content span never overlaps its
own speaker or cue span and is never empty, and a quote never runs past its paragraph
unless the next paragraph reopens it. One claim whose content is split around its cue
becomes one row per piece (the same speaker and cue).

Speakers are linked to the mentions' entities by ``speakers`` (names,
pronouns, nominals). ``kind`` is ``according_to`` for those phrases, else ``direct``
(the content lies inside a quote), ``mixed`` (partly quoted) or ``indirect``.

Modules: ``lexicon`` (the cues, as data), ``quotemarks`` (quotation marks in the text),
``article`` (one article as the rules see it: spans over the parse, a claim under
construction), ``verbs``, ``nouns``, ``phrases``, ``quotes`` (the rules), ``speakers``
(who a speaker is), ``cueclass`` (``cue_class``: speech, cognition, document, other),
``rows`` (the rules together: ``claims_from_doc``). ``model/`` is the trained attribution
model that takes the rules' rows as features (the default extractor, D50).
"""

from newsetl.enrich.claims.lexicon import CATEGORIES, Lexicon, default_lexicon, load_lexicon, parse_lexicon
from newsetl.enrich.claims.rows import CLAIM_COLUMNS, claims_consumer, claims_frame, claims_from_doc

__all__ = ["CATEGORIES", "CLAIM_COLUMNS", "Lexicon", "claims_consumer", "claims_frame", "claims_from_doc",
           "default_lexicon", "load_lexicon", "parse_lexicon"]
