"""``python -m flowcatalog``."""

from __future__ import annotations

from flowcatalog.cli.entry import program

program()
