"""One page's cached result as bytes, and back: the page cache's storage format.

A warm run turns every cached page back into objects, so decoding is most of what such a
run costs; the format is shaped for that:

- ``marshal`` of plain values (strings, ints, None, tuples): decoded in C, tuples included,
  with no list-to-tuple copying;
- each distinct string or tuple is stored once per page (repeated heading paths, URLs and
  their normalised forms, Figma fields): ``marshal`` writes a back-reference to an object it
  has written already, so decoding makes one object where the page had many equal ones;
- the links are stored by column, not by row, so that decoding builds them with ``map``
  over the columns (the constructors called from C, no per-link unpacking in Python); the
  few values with identities of their own (Figma references, definitions' locations) are
  stored once each in a small table and named by index.

``marshal`` is not meant for data an adversary wrote; the cache is a private file of the
user's (mode 0600, in their cache directory, checked to be ours by its header) and anything
that does not decode to a result of the expected shape is a miss. ``FORMAT`` names this
layout: a blob of another layout (an older tool's) is a miss too.
"""

from __future__ import annotations

import marshal
from collections.abc import Hashable
from itertools import repeat
from typing import Any, TypeVar

from flowcatalog.findings import Finding, Severity
from flowcatalog.model import FigmaRef, Link, LinkKind, Location
from flowcatalog.pages.doc import PageLinks

#: the layout's tag, the first value of every blob
FORMAT = "fc-page-2"
_SEVERITIES = tuple(Severity)
_SEVERITY_INDEX = {severity: i for i, severity in enumerate(_SEVERITIES)}
_KINDS = tuple(LinkKind)
_KIND_INDEX = {kind: i for i, kind in enumerate(_KINDS)}

H = TypeVar("H", bound=Hashable)


class _Shared:
    """One object per distinct value, so that ``marshal`` writes each value once."""

    def __init__(self) -> None:
        self._seen: dict[Any, Any] = {}

    def __call__(self, value: H) -> H:
        return self._seen.setdefault(value, value)  # type: ignore[no-any-return]


def _where(location: Location | None, path: str) -> tuple[Any, ...] | None:
    """A location as plain values; its path left out when it is the page's own."""
    if location is None:
        return None
    if location.path == path:
        return (location.line, location.column)
    return (location.line, location.column, location.path)


def _place(value: tuple[Any, ...] | None, path: str) -> Location | None:
    if value is None:
        return None
    return Location(value[2] if len(value) > 2 else path, value[0], value[1])


def _columns(links: tuple[Link, ...], path: str, shared: _Shared) -> tuple[Any, ...]:
    """The links by column, with the table of their Figma references and definitions."""
    table: dict[Any, int] = {None: 0}
    figma_refs: list[Any] = [None]
    definitions: list[Any] = [None]

    def index(value: Any, rows: list[Any]) -> int:
        if value is None:
            return 0
        if value not in table:
            table[value] = len(rows)
            rows.append(value)
        return table[value]

    figma_column = []
    definition_column = []
    for link in links:
        figma = link.figma
        figma_column.append(
            index(
                None
                if figma is None
                else shared(
                    (figma.kind, figma.file_key, figma.node_id, figma.branch_key, figma.version_id)
                ),
                figma_refs,
            )
        )
        definition_column.append(index(_where(link.definition, path), definitions))
    locations = [link.location for link in links]
    elsewhere = any(where.path != path for where in locations)
    return (
        tuple(shared(link.url) for link in links),
        tuple(where.line for where in locations),
        tuple(where.column for where in locations),
        tuple(shared(where.path) for where in locations) if elsewhere else None,
        tuple(shared(link.normalised) for link in links),
        tuple(figma_column),
        tuple(shared(link.text) for link in links),
        tuple(shared(tuple(shared(part) for part in link.context)) for link in links),
        tuple(_KIND_INDEX[link.kind] for link in links),
        tuple(shared(link.element) for link in links),
        tuple(definition_column),
        tuple(link.has_image for link in links),
        tuple(figma_refs[1:]),
        tuple(definitions[1:]),
    )


def _links(columns: tuple[Any, ...], path: str, hidden: bool) -> tuple[Link, ...]:
    (
        urls, lines, cols, paths, normalised, figma_column, texts, contexts, kinds, elements,
        definition_column, images, figma_rows, definition_rows,
    ) = columns  # fmt: skip
    figmas = (None, *(FigmaRef(*row) for row in figma_rows))
    definitions = (None, *(_place(row, path) for row in definition_rows))
    count = len(urls)
    lengths = {len(column) for column in columns[:-2] if column is not None}
    if lengths != {count}:
        raise ValueError("columns of different lengths")
    return tuple(
        map(
            Link,
            urls,
            map(Location, repeat(path, count) if paths is None else paths, lines, cols),
            normalised,
            map(figmas.__getitem__, figma_column),
            texts,
            contexts,
            map(_KINDS.__getitem__, kinds),
            elements,
            map(definitions.__getitem__, definition_column),
            repeat(hidden, count),
            images,
        )
    )


def encode(findings: tuple[Finding, ...], page: PageLinks | None) -> bytes:
    """A page's result as bytes."""
    shared = _Shared()
    path = page.path if page is not None else ""
    finding_rows = tuple(
        (
            shared(f.rule),
            _SEVERITY_INDEX[f.severity],
            f.message,
            _where(f.location, path),
            shared(f.url),
            shared(f.subject),
            shared(f.link),
        )
        for f in findings
    )
    body = None
    if page is not None:
        body = (
            path,
            _columns(page.links, path, shared),
            _columns(page.hidden, path, shared),
            tuple(page.anchors),
        )
    return marshal.dumps((FORMAT, finding_rows, body))


def decode(blob: bytes) -> tuple[tuple[Finding, ...], PageLinks | None] | None:
    """The findings and page ``encode`` made ``blob`` from (equal to them); None when it is
    not such a blob (a damaged entry, another layout)."""
    try:
        tag, finding_rows, body = marshal.loads(blob)
        if tag != FORMAT:
            return None
        path = body[0] if body is not None else ""
        findings = tuple(
            [
                Finding(
                    rule,
                    _SEVERITIES[severity],
                    message,
                    _place(where, path),  # type: ignore[arg-type]
                    url,
                    subject,
                    link,
                )
                for rule, severity, message, where, url, subject, link in finding_rows
            ]
        )
        if body is None:
            return findings, None
        _, visible, hidden, anchors = body
        page = PageLinks(path, _links(visible, path, False), _links(hidden, path, True), anchors)
        if not isinstance(path, str) or not isinstance(anchors, tuple):
            return None
        return findings, page
    except (ValueError, TypeError, KeyError, IndexError, EOFError):
        return None
