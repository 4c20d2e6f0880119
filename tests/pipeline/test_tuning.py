"""Which sources the tuning reads again for suppression comments: those that may hold one."""

from __future__ import annotations

import pytest

from flowcatalog.pipeline.tuning import marked
from flowcatalog.suppress import directives

SUPPRESSIONS = [
    "<!-- flowcatalog-disable-next-line page-placeholder -->",
    "<!--flowcatalog-disable page-empty-item-->",
    "<!-- flowcatalog-enable -->",
    "<!-- flowcatalog-disable-file -->",
    "# flowcatalog: ignore[empty-item]",
    "#flowcatalog: ignore",
    "# flowcatalog:ignore[empty-item, shared-flow]",
]


@pytest.mark.parametrize("comment", SUPPRESSIONS)
def test_every_suppression_comment_is_marked(comment: str) -> None:
    path = "catalog.yaml" if comment.startswith("#") else "page.md"
    assert directives(path, comment + "\n")  # a real suppression comment
    assert marked(f"text before\n{comment}\ntext after".encode())


@pytest.mark.parametrize(
    "text",
    [
        "# yaml-language-server: $schema=flowcatalog/catalog.schema.json",
        "Check it with `flowcatalog check`.",
        "pip install flowcatalog",
        "FLOWCATALOG-DISABLE in capitals is no comment either",
        "<!-- flowcatalog:begin -->",  # render's markers
        "# flowcatalog: see the README",
    ],
)
def test_the_tool_named_in_passing_is_not_a_mark(text: str) -> None:
    assert not marked(text.encode())
    assert directives("page.md", text) == []
    assert directives("catalog.yaml", text) == []
