"""Learned attribution (issue 15): a cue detector, a content-span chooser and a source
linker over the enrich stage's spaCy parse, combined with the rules of
:mod:`newsetl.enrich.claims`. Self-contained: :func:`newsetl.enrich.claims.model.extract.attributions_from_doc`
is the seam the pipeline calls."""
