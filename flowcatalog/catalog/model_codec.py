"""A parsed catalog and the findings its parse gave, as plain values and back: what the page
cache keeps so that a run whose catalog text is unchanged neither imports PyYAML nor parses
it (about a tenth of the pre-commit ``check``).

``marshal`` of tagged tuples, never ``pickle``: a cache file can only ever give back the
model's own classes (``_TYPES``), built through their constructors, and scalars. Every
value is tagged, so a tuple of the model is never taken for a class:

- ``("T", item, ...)``: a tuple;
- ``("D", class name, field, ...)``: one of ``_TYPES``, its fields in declaration order;
- ``("E", enum name, value)``: a member of one of ``_ENUMS``;
- anything else: a string, number, boolean or None as it is.

``decode`` gives None for anything it cannot read (another layout, a damaged blob): the
caller parses the text again.
"""

from __future__ import annotations

import marshal
from dataclasses import fields
from enum import Enum
from typing import Any

from flowcatalog.findings import Finding, Severity
from flowcatalog.model import (
    Catalog,
    Deployment,
    FigmaRef,
    Flow,
    FutureIteration,
    Link,
    LinkKind,
    Location,
    NotApplicable,
    Page,
    Stage,
)

#: the layout ``encode`` writes; a blob of another is not read
FORMAT = 1
_TYPES: tuple[type, ...] = (
    Catalog, Deployment, FigmaRef, Finding, Flow, FutureIteration, Link, Location,
    NotApplicable, Page, Stage,
)  # fmt: skip
_BY_NAME = {cls.__name__: cls for cls in _TYPES}
_FIELDS = {cls: tuple(f.name for f in fields(cls)) for cls in _TYPES}
_ENUMS: dict[str, type[Enum]] = {LinkKind.__name__: LinkKind, Severity.__name__: Severity}


def encode(catalog: Catalog, findings: tuple[Finding, ...]) -> bytes:
    return marshal.dumps((FORMAT, _plain(catalog), _plain(findings)))


def decode(blob: bytes) -> tuple[Catalog, tuple[Finding, ...]] | None:
    try:
        layout, catalog, findings = marshal.loads(blob)
        if layout != FORMAT:
            return None
        built, found = _built(catalog), _built(findings)
    except (ValueError, TypeError, EOFError, KeyError, IndexError, RecursionError):
        return None
    if not isinstance(built, Catalog) or not isinstance(found, tuple):
        return None
    if not all(isinstance(finding, Finding) for finding in found):
        return None
    return built, found


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):  # before str: a StrEnum is a string too
        return ("E", type(value).__name__, value.value)
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, tuple):
        return ("T", *(_plain(item) for item in value))
    names = _FIELDS.get(type(value))
    if names is None:
        raise TypeError(f"{type(value).__name__} is not part of a catalog")
    return ("D", type(value).__name__, *(_plain(getattr(value, name)) for name in names))


def _built(value: Any) -> Any:
    if not isinstance(value, tuple):
        if value is None or isinstance(value, str | int | float):
            return value
        raise TypeError("not a value of a catalog")
    tag = value[0]
    if tag == "T":
        return tuple(_built(item) for item in value[1:])
    if tag == "D":
        cls = _BY_NAME[value[1]]
        return cls(*(_built(item) for item in value[2:]))
    if tag == "E":
        return _ENUMS[value[1]](value[2])
    raise ValueError(f"unknown tag {tag!r}")
