"""The value passed from extraction to the article builder, and the one rule for the
characters no article text holds (``CONTROLS``, ``without_controls``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

# Control characters but tab, line feed and carriage return (C0, DEL, and C1 but NEL, which
# is a line break), and the non-characters of the Basic Multilingual Plane (U+FDD0-U+FDEF,
# U+FFFE, U+FFFF). A page holds them as character references (&#1;, &#xFFFE;) or as raw
# bytes; none is text, and a vertical tab or a form feed between two words separates them
# (D104). The non-characters of the other planes (U+1FFFE, ...) are left out: in the class
# they made every search ten times slower (5 ms for a 170 kB page instead of 0.5).
CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufdd0-\ufdef\ufffe\uffff]")
_SPACES = re.compile(" {2,}")


def without_controls(text: str) -> str:
    """``text`` with each of ``CONTROLS`` turned into a space (a control between two words
    keeps them apart; one beside a space goes), in the layout of ``Extracted.text``: a
    paragraph that held one has its spaces collapsed and is trimmed, and goes if nothing
    is left. A text without any is returned as it is."""
    if not CONTROLS.search(text):
        return text
    paragraphs = (_SPACES.sub(" ", CONTROLS.sub(" ", p)).strip() if CONTROLS.search(p) else p
                  for p in text.split("\n\n"))
    return "\n\n".join(p for p in paragraphs if p)


@dataclass(frozen=True)
class Extracted:
    """Main text and metadata of one page, as an extractor found them.

    ``text`` has paragraphs separated by one blank line and no leading/trailing
    whitespace. Metadata fields are None when the page does not say.
    """

    text: str
    extractor: str
    title: str | None = None
    byline: str | None = None
    published_at: datetime | None = None
    url: str | None = None
    sitename: str | None = None
    language: str | None = None

    def without_controls(self) -> Extracted:
        """The same, with no control character or non-character in its text, title or
        byline: what every extractor's output goes through before the article is built
        (``newsetl.extract.batch.extract_one``), so word count, hash, language and every
        later span are of the clean text."""
        title, byline = (without_controls(v) or None if v else v for v in (self.title, self.byline))
        text = without_controls(self.text)
        if (text, title, byline) == (self.text, self.title, self.byline):
            return self
        return replace(self, text=text, title=title, byline=byline)
