"""``python -m flowcatalog``."""

from __future__ import annotations

import sys

from flowcatalog.cli.entry import main

sys.exit(main())
