"""Mentions of people, organizations and places in one article, with canonical entities.

``mentions_from_doc`` turns the entities of one spaCy Doc into rows of the
``mentions`` table (``schemas.mentions.MentionModel``). Every row satisfies
``text[start_char:end_char] == surface``: spans are only ever narrowed or added by
character offsets into the same text, never rebuilt from strings.

Steps, per article:

1. Clean the model's spans (rules in ``data/ner_fixes.yaml``): cut "the", trailing
   function words, punctuation, possessives ("Pakistan's" -> "Pakistan") and leading
   titles ("Secretary Tillerson" -> "Tillerson"); split "Expansion (ACR)" and
   "Pakistan's Inter-Services Intelligence"; drop job-title fragments ("State" in
   "Secretary of State") and non-names; relabel systematic label errors.
2. Add what the model missed: names and aliases from the reference list
   (``data/entities.yaml``) found in the text, and every occurrence of an acronym the
   article defines ("Inter-Services Intelligence (ISI)" ... "ISI").
3. Canonicalize inside the article: an acronym joins its expansion; a person's short
   form ("Tillerson", "Asif", "Mahmood Hayat") joins the fullest name the article uses
   for them ("Rex Tillerson"), whatever label the model gave the short form.
4. Canonicalize across articles: a name or alias of a reference entity becomes its
   canonical name ("U.S.", "America" -> "United States"); a reference weak alias (a
   bare surname such as "Trump") only when the article names nobody else that way.

``entity_id`` is the first 16 hex digits of SHA-256 of the casefolded canonical name, so
the same canonical name gets the same id in every article and every run.

Modules: ``reference`` (the reference list and the NER fixes, as data), ``phrases``
(where the list's names occur: spaCy's PhraseMatcher over the text's words), ``clean`` (step 1),
``candidates`` and ``matching`` (steps 1 and 2), ``people`` (step 3), ``rows`` (step 4 and
the rows).
"""

from newsetl.enrich.mentions.reference import EntityReference, default_reference, load_reference, name_key
from newsetl.enrich.mentions.rows import (
    MENTION_COLUMNS, entity_id_for, mention_id_for, mentions_frame, mentions_from_doc, sentence_key_of, with_sentence_keys,
)

__all__ = ["MENTION_COLUMNS", "EntityReference", "default_reference", "entity_id_for", "load_reference",
           "mention_id_for", "mentions_frame", "mentions_from_doc", "name_key", "sentence_key_of", "with_sentence_keys"]
