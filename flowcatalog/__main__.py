"""``python -m flowcatalog``."""

from __future__ import annotations

import sys

from flowcatalog.cli.main import main

sys.exit(main())
