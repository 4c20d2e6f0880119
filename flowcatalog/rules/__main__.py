"""``python -m flowcatalog.rules`` prints the README's checks table;
``python -m flowcatalog.rules README.md`` rewrites it in place between its markers."""

from __future__ import annotations

import sys

from flowcatalog.rules.registry import markdown_table

BEGIN, END = "<!-- rules:begin -->\n", "<!-- rules:end -->\n"


def replace_table(text: str) -> str:
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return head + BEGIN + markdown_table() + END + tail


if len(sys.argv) > 1:
    from flowcatalog.fsio import atomic_write, read_text

    atomic_write(sys.argv[1], replace_table(read_text(sys.argv[1])))
else:
    print(markdown_table(), end="")
