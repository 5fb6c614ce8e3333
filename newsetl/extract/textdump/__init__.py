"""Text dumps (a page's visible text saved as .txt) to articles, from any site.

* ``rules/``       - hand-written rules that judge every line (D13);
* ``features``     - each line's features, the rules' verdicts among them;
* ``model``        - the learned line classifier (trees read from ``newsetl/data``, D43);
* ``templates``    - lines an outlet repeats across its dumps (D44);
* ``clean``        - rules, classifier and the span rule together: ``clean_dump``.
"""

from newsetl.extract.textdump.clean import EXTRACTOR, clean_dump, keep_mask, units_of
from newsetl.extract.textdump.templates import Templates, outlet_of

__all__ = ["EXTRACTOR", "Templates", "clean_dump", "keep_mask", "outlet_of", "units_of"]
