"""`python -m newscrawl` runs the `newscrawl` command."""

import sys

from newscrawl.cli import main

sys.exit(main())
