"""The model's most-made types (and the report's link group) store their fields straight
into their slots: they must still take exactly their fields, with the same defaults, and
stay frozen dataclasses."""

from __future__ import annotations

import dataclasses
import inspect
import pickle
from typing import Any

import pytest

from flowcatalog.model import FigmaRef, Link, LinkKind, Location
from flowcatalog.report import FigmaDetails, LinkGroup


@pytest.mark.parametrize("cls", [Location, Link, LinkGroup])
def test_the_constructor_takes_each_field_with_its_default(
    cls: type[Location | Link | LinkGroup],
) -> None:
    parameters = list(inspect.signature(vars(cls)["__init__"]).parameters.values())[1:]
    specs = dataclasses.fields(cls)
    assert [p.name for p in parameters] == [f.name for f in specs]
    assert [p.default for p in parameters] == [
        inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default for f in specs
    ]
    assert all(f.default_factory is dataclasses.MISSING for f in specs)


def test_every_field_lands_in_its_own_slot() -> None:
    where, defined = Location("a.md", 3, 7), Location("b.md", 1)
    figma = FigmaRef("design", "KEY", "1:2")
    values: tuple[Any, ...] = (
        "u", where, "n", figma, "t", ("A", "B"), LinkKind.HTML, "a", defined, True, True,
    )  # fmt: skip
    link = Link(*values)
    assert tuple(getattr(link, f.name) for f in dataclasses.fields(Link)) == values
    assert link == Link(
        **{f.name: v for f, v in zip(dataclasses.fields(Link), values, strict=True)}
    )
    assert (where.path, where.line, where.column) == ("a.md", 3, 7)
    assert Location("a.md") == Location("a.md", None, None)
    assert Link("u", where, "n") == Link("u", where, "n", None, "", (), LinkKind.CATALOG)


def test_they_stay_frozen_ordered_hashable_and_picklable() -> None:
    where = Location("a.md", 3, 7)
    link = Link("u", where, "n", text="t")
    with pytest.raises(dataclasses.FrozenInstanceError):
        where.line = 4  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        link.url = "v"  # type: ignore[misc]
    assert sorted([Location("b", 1), where, Location("a.md", 2)]) == [
        Location("a.md", 2), where, Location("b", 1)
    ]  # fmt: skip
    assert hash(link) == hash(Link("u", Location("a.md", 3, 7), "n", text="t"))
    assert dataclasses.replace(link, text="x") == Link("u", where, "n", text="x")
    assert pickle.loads(pickle.dumps(link)) == link
    assert str(where) == "a.md:3:7"
    assert repr(where) == "Location(path='a.md', line=3, column=7)"


def test_a_link_group_keeps_each_field_in_its_slot() -> None:
    link = Link("u", Location("a.md", 1, 2), "n")
    details = FigmaDetails(file_name="F")
    values: tuple[Any, ...] = ("n", (link,), "ok", 200, "https://final/", True, details)
    group = LinkGroup(*values)
    assert tuple(getattr(group, f.name) for f in dataclasses.fields(LinkGroup)) == values
    assert dataclasses.replace(group, status="broken").status == "broken"
    assert LinkGroup("n", (link,)) == LinkGroup("n", (link,), None, None, None, False, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        group.status = "x"  # type: ignore[misc]
