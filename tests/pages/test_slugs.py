"""Heading ids per renderer, on the same headings, and duplicates numbered."""

from __future__ import annotations

import pytest

from flowcatalog.pages.markdown import parse_markdown
from flowcatalog.pages.slugs import explicit_ids, numbered, slugify

HEADINGS = [
    "Values & Transparency",
    "A - B",
    "1. Getting started",
    "Café_au_lait",
    "Confirm sourcegraph.com",
    "What is `flowcatalog`?",
]


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        (
            "github",
            [
                "values--transparency",
                "a---b",
                "1-getting-started",
                "café_au_lait",
                "confirm-sourcegraphcom",
                "what-is-flowcatalog",
            ],
        ),
        (
            "gitlab",
            [
                "values-transparency",
                "a-b",
                "1-getting-started",
                "café_au_lait",
                "confirm-sourcegraphcom",
                "what-is-flowcatalog",
            ],
        ),
        (
            "kramdown",
            [
                "values--transparency",
                "a---b",
                "getting-started",
                "cafaulait",
                "confirm-sourcegraphcom",
                "what-is-flowcatalog",
            ],
        ),
        (
            "hugo",
            [
                "values--transparency",
                "a---b",
                "1-getting-started",
                "café_au_lait",
                "confirm-sourcegraphcom",
                "what-is-flowcatalog",
            ],
        ),
    ],
)
def test_each_style_on_the_same_headings(style: str, expected: list[str]) -> None:
    assert [slugify(h, style) for h in HEADINGS] == expected


def test_kramdown_falls_back_to_section() -> None:
    assert slugify("2024", "kramdown") == "section"


def test_duplicates_are_numbered_as_renderers_do() -> None:
    assert numbered(["faq", "faq", "faq-1", "faq"]) == ["faq", "faq-1", "faq-1-1", "faq-2"]


def test_explicit_ids_of_every_form() -> None:
    text = '## A {#alpha}\n\n## B\n{: #beta}\n\n<a name="gamma"></a>\n<div id="delta">x</div>\n'
    assert explicit_ids(text) == ["alpha", "beta", "gamma", "delta"]


def test_page_anchors_in_the_parsed_page() -> None:
    doc = parse_markdown(
        "p.md", '# FAQ\n\n## FAQ\n\n## Own id {#mine}\n\n<a name="old-name"></a>\n'
    )
    assert doc.anchors == ("faq", "faq-1", "mine", "old-name")
