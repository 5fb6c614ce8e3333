"""Finding one claim among claim rows, by a part of its content and the fields it must have."""

from __future__ import annotations


def find(rows: list[dict], content_part: str, **expect) -> dict:
    """The claim whose content contains ``content_part`` and whose fields equal ``expect``."""
    hits = [r for r in rows if content_part in r["content"]]
    assert hits, f"no claim with content {content_part!r} in {[r['content'] for r in rows]}"
    good = [r for r in hits if all(r[k] == v for k, v in expect.items())]
    assert good, f"claims with {content_part!r} differ from {expect}: {[{k: r[k] for k in expect} for r in hits]}"
    return good[0]
