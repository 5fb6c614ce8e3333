"""Enrich stage: one spaCy pass over new and changed articles, its Docs read by two
consumers (mentions, claims), and the entities table built from every mention.

* ``nlp``       - the spaCy pipeline: loading, sentence rules, long texts in chunks;
* ``nlp_pass``  - ``enrich_articles``: one pass, Docs to the consumers, errors counted;
* ``mentions/`` - people, organizations and places with exact spans and canonical entities;
* ``claims/``   - attributed statements: speaker, cue, content, kind, target;
* ``analysis``  - a batch's analysis, checked against the contracts (what a task runs);
* ``entities``  - the ``entities`` table, aggregated from all mentions.
"""

from newsetl.enrich.analysis import Analysis, Models, analyse, analyse_articles, combine, load_models
from newsetl.enrich.entities import build_entities
from newsetl.enrich.mentions import default_reference
from newsetl.enrich.nlp_pass import enrich_articles

__all__ = ["Analysis", "Models", "analyse", "analyse_articles", "build_entities", "combine", "default_reference",
           "enrich_articles", "load_models"]
