"""Code the tests share: where things are (``paths``), the warehouse as the command line
opens it (``warehouse``), real fault-injecting HTTP servers (``fetch_servers``), the
malformed-input corpus (``malformed_corpus``) and the crash driver (``crash_driver``, also
run as a script). Imported as ``support.*``: pytest puts ``tests/`` on the path."""
