"""A parsed catalog kept in the page cache comes back equal, and nothing else comes back."""

from __future__ import annotations

import marshal
from pathlib import Path

import pytest

from flowcatalog.catalog.build import parse_catalog
from flowcatalog.catalog.model_codec import FORMAT, decode, encode
from flowcatalog.findings import Finding, Severity
from flowcatalog.model import Location

REPO = Path(__file__).resolve().parents[2]


def test_the_repository_catalog_comes_back_equal() -> None:
    text = (REPO / "catalog.yaml").read_text(encoding="utf-8")
    catalog, findings = parse_catalog(text, "catalog.yaml")
    assert catalog is not None
    extra = Finding("x-rule", Severity.WARNING, "a message", Location("c.yaml", 3, None), None)
    decoded = decode(encode(catalog, (*findings, extra)))
    assert decoded == (catalog, (*findings, extra))
    assert decoded is not None
    links = decoded[0].links()
    assert links == catalog.links()
    assert [link.figma for link in links] == [link.figma for link in catalog.links()]
    assert [type(link.kind) for link in links] == [type(link.kind) for link in catalog.links()]


@pytest.mark.parametrize(
    "blob",
    [
        b"",
        b"not marshal at all",
        marshal.dumps((FORMAT + 1, None, ("T",))),  # another layout
        marshal.dumps((FORMAT, ("T",), ("T",))),  # a tuple where the catalog goes
        marshal.dumps((FORMAT, ("D", "Popen", "rm -rf /"), ("T",))),  # not a model class
        marshal.dumps((FORMAT, ("D", "Location", "a", 1, 2), ("T", ("D", "Location", "b")))),
        marshal.dumps((FORMAT, ("X", 1), ("T",))),  # an unknown tag
        marshal.dumps((FORMAT, ("E", "Severity", "fatal"), ("T",))),  # no such member
        marshal.dumps([1, 2, 3]),
    ],
)
def test_anything_else_is_not_read(blob: bytes) -> None:
    assert decode(blob) is None
