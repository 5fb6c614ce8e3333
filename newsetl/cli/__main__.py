"""``python -m newsetl.cli``: the command line."""

import sys

from newsetl.cli import main

sys.exit(main())
