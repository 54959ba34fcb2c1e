"""Allow `python -m edaviz`."""

import sys

from edaviz.cli import main

sys.exit(main())
