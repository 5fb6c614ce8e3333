"""Input-derived text (file names, URIs, error messages) made safe for a log line.

A file name may hold an ESC sequence or a line break (valid UTF-8, so the input keeps its
own name in ``source_uri``); written raw to a log line it could recolour or move the
reader's terminal, or forge a second log line. The stored values stay as they are: only
what is logged is escaped.
"""

from __future__ import annotations


def shown(value: object, limit: int = 200) -> str:
    """``value`` as text for a log line: every non-printable character escaped as Python
    writes it (``\\x1b``, ``\\n``), and the end only of a text longer than ``limit``."""
    text = str(value)
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)
    return text if len(text) <= limit else "…" + text[-limit:]
