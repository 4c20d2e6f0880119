"""``python -m flowcatalog.rules`` prints the README's checks table."""

from __future__ import annotations

from flowcatalog.rules import markdown_table

print(markdown_table(), end="")
