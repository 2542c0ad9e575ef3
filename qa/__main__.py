"""python -m qa: the archive-qa command line."""

import sys

from .cli import main

sys.exit(main())
