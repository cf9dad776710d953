"""Run the command line as `python -m linkage_rules.cli`."""

import sys

from .main import main

sys.exit(main())
