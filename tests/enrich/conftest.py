"""The spaCy pipeline the claims tests parse with: loaded once for the whole session."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def nlp():
    from newsetl.enrich.nlp import CLAIM_COMPONENTS, load_nlp

    return load_nlp(CLAIM_COMPONENTS)
