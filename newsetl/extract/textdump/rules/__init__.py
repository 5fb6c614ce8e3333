"""The text-dump rules (D13): every unit kept or dropped, whole, by textual cues alone.

* ``units``       - the dump cut into units, normalised;
* ``patterns``    - the pattern tables, one alternation per rule class;
* ``boilerplate`` - banners, paywall notes, credits, UI noise, widgets, trailing blocks;
* ``header``      - date, byline and title;
* ``repeats``     - repeats, teasers and pull quotes;
* ``cleaner``     - the steps in order: ``clean_text_dump`` and the verdicts per unit.
"""

from newsetl.extract.textdump.rules.cleaner import EXTRACTOR, classify_text_dump, clean_text_dump, explain_text_dump
from newsetl.extract.textdump.rules.header import parse_date_line

__all__ = ["EXTRACTOR", "classify_text_dump", "clean_text_dump", "explain_text_dump", "parse_date_line"]
