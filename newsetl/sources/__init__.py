"""Source stage: what a run reads.

* ``disk``       - every input file under raw_dir (iterative walk, names as valid text)
                   and safe reading (size and gzip caps, binary and undecodable refused);
* ``decode``     - the one bytes-to-text decoder, for files on disk and fetched pages;
* ``filestate``  - size, time and hash of an input file (what incremental runs compare);
* ``sourcefile`` - URL lists and the sources file (light: read before Prefect starts);
* ``jsonfile``   - the one guarded reader of sidecars and state files (None, never a raise);
* ``web``        - the run's web sources, fetched into raw/ (``fetch/``: the fetcher).
"""

from newsetl.sources.decode import decode_html
from newsetl.sources.disk import HTML, TEXT, InputError, RawInput, discover, read_page
from newsetl.sources.filestate import FileState, file_state
from newsetl.sources.web import WebFetch, WebSources, fetch_web

__all__ = ["HTML", "TEXT", "FileState", "InputError", "RawInput", "WebFetch", "WebSources", "decode_html",
           "discover", "fetch_web", "file_state", "read_page"]
