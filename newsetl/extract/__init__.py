"""Extract stage: a raw page to an article record, or a quarantine record.

* ``batch``      - ``extract_batch``: a batch of inputs read and extracted (what a task runs);
* ``html``       - HTML pages: trafilatura, then ``candidates`` (a choice among extractions);
* ``textdump/``  - plain-text dumps: rules, then a learned line classifier;
* ``language``   - the language of the text (py3langid), weighed against the page's declaration;
* ``identity``   - ``article_id`` from the canonical URL or the path, the content hash;
* ``document``   - ``Extracted``, what an extractor hands to the article builder.
"""

from newsetl.extract.batch import BatchOutput, build_article, extract_batch, extract_one
from newsetl.extract.document import Extracted

__all__ = ["BatchOutput", "Extracted", "build_article", "extract_batch", "extract_one"]
