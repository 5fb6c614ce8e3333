"""Claim rows in tests: finding one by a part of its content and the fields it must have,
and the invariants every claim row keeps, whichever extractor made it."""

from __future__ import annotations

from newsetl.enrich.claims import claims_frame, claims_from_doc
from newsetl.enrich.claims.model.extract import attribution_rows
from newsetl.enrich.mentions import default_reference, mentions_from_doc
from newsetl.ids import short_hash
from schemas.claims import ClaimModel

ARTICLE = "0123456789abcdef"
RUN = "test-run"


def mentions_of(doc) -> list[dict]:
    return mentions_from_doc(ARTICLE, doc, RUN, default_reference())


def rows_of(nlp, text: str, extractor: str) -> list[dict]:
    """The claim rows of ``text`` by one extractor ("model" or "rules"), checked by
    :func:`check_claim_rows`."""
    doc = nlp(text)
    extract = attribution_rows if extractor == "model" else claims_from_doc
    rows = extract(ARTICLE, doc, mentions_of(doc), RUN)
    check_claim_rows(text, rows)
    return rows


def find(rows: list[dict], content_part: str, **expect) -> dict:
    """The claim whose content contains ``content_part`` and whose fields equal ``expect``."""
    hits = [r for r in rows if content_part in r["content"]]
    assert hits, f"no claim with content {content_part!r} in {[r['content'] for r in rows]}"
    good = [r for r in hits if all(r[k] == v for k, v in expect.items())]
    assert good, f"claims with {content_part!r} differ from {expect}: {[{k: r[k] for k in expect} for r in hits]}"
    return good[0]


def check_claim_rows(text: str, rows: list[dict], check_row=None) -> None:
    """Spans slice the text (content, cue, speaker), the cue and the speaker lie outside
    the content, ids follow from the content span and are unique, and the rows meet the
    contract; ``check_row(row)`` adds an extractor's own invariants."""
    for r in rows:
        a, b = r["content_start"], r["content_end"]
        assert 0 <= a < b <= len(text) and text[a:b] == r["content"] and r["content"].strip(), r
        assert text[r["cue_start"] : r["cue_end"]] == r["cue"]
        assert not (r["cue_start"] < b and a < r["cue_end"]), r
        if r["speaker_start"] is not None:
            sa, sb = r["speaker_start"], r["speaker_end"]
            assert text[sa:sb] == r["speaker_surface"]
            assert not (sa < b and a < sb), r
        else:
            assert r["speaker_name"] is None
        assert r["claim_id"] == short_hash(r["article_id"], str(a), str(b))
        if check_row is not None:
            check_row(r)
    assert len({r["claim_id"] for r in rows}) == len(rows)
    ClaimModel.validate(claims_frame(rows))
