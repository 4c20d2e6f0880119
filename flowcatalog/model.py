"""The immutable data model: locations, Figma references, links and the catalog.

Every type is a frozen dataclass. The two made by the hundred thousand on a large corpus
(``Location`` and ``Link``: one of each per link occurrence, in the workers that find them
and again in the process that gathers them) store their fields straight into their slots
(``slot_setters``) instead of through the generated ``__init__``, which calls
``object.__setattr__`` once per field (frozen classes must) and takes more than twice as
long: equal objects, made faster.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from enum import StrEnum


@dataclass(frozen=True, slots=True, order=True, init=False)
class Location:
    """A place in a file. ``line`` and ``column`` are 1-based; either may be unknown."""

    path: str
    line: int | None = None
    column: int | None = None

    def __init__(self, path: str, line: int | None = None, column: int | None = None) -> None:
        set_path, set_line, set_column = _LOCATION_SLOTS
        set_path(self, path)
        set_line(self, line)
        set_column(self, column)

    def __str__(self) -> str:
        if self.line is None:
            return self.path
        if self.column is None:
            return f"{self.path}:{self.line}"
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class FigmaRef:
    """What a Figma file link points at, reduced to its identity.

    ``node_id`` is in API form (``138:97``, ``I1:2;3:4``) or None when the link has none.
    ``api_key`` is the key the REST API wants: the branch key when there is one.
    """

    kind: str
    file_key: str
    node_id: str | None = None
    branch_key: str | None = None
    version_id: str | None = None

    @property
    def api_key(self) -> str:
        return self.branch_key or self.file_key

    @property
    def identity(self) -> tuple[str, str | None]:
        """(API key, node id): two links with the same identity show the same node."""
        return (self.api_key, self.node_id)

    def canonical_url(self) -> str:
        """A normalised link to the same file, branch, version and node."""
        path = f"https://www.figma.com/design/{self.file_key}"
        if self.branch_key:
            path += f"/branch/{self.branch_key}"
        query = []
        if self.node_id:
            query.append("node-id=" + self.node_id.replace(":", "-").replace(";", "%3B"))
        if self.version_id:
            query.append(f"version-id={self.version_id}")
        return path + ("?" + "&".join(query) if query else "")


class LinkKind(StrEnum):
    """How a link is written: in the catalog, or in a page's Markdown or HTML."""

    CATALOG = "catalog"
    INLINE = "inline"
    REFERENCE = "reference"
    AUTOLINK = "autolink"
    BARE = "bare"
    IMAGE = "image"
    HTML = "html"
    TEMPLATE = "template"  # quoted in a shortcode, ERB or Liquid tag: {{< figma "https://..." >}}


@dataclass(frozen=True, slots=True, init=False)
class Link:
    """One occurrence of a link, in a catalog or a page, with its identity worked out once.

    ``normalised`` is the URL's normalised form (the key of its ``LinkGroup`` in the report)
    and ``figma`` its Figma identity, both filled in where the link is extracted. ``context``
    is where it sits: for a catalog link the stage and flow (or future iteration), for a page
    link the heading path ("Customer subscription lifecycle > Renewal > UX flow
    documentation"). ``location`` is where the link is written (the ``[`` of an inline or
    reference link, the ``<`` of an autolink, the first character of a bare URL, the
    attribute name of an HTML ``href``/``src``).

    What only the page rules read is kept here too, with defaults, rather than on a wrapper
    type that would have to be converted back and forth: ``element`` (the HTML element),
    ``definition`` (where a reference link's target is defined), ``hidden`` (inside an HTML
    comment: not a link of the rendered page) and ``has_image``.
    """

    url: str
    location: Location
    normalised: str
    figma: FigmaRef | None = None
    text: str = ""
    context: tuple[str, ...] = ()
    kind: LinkKind = LinkKind.CATALOG
    element: str = ""
    definition: Location | None = None
    hidden: bool = False
    has_image: bool = False

    def __init__(
        self,
        url: str,
        location: Location,
        normalised: str,
        figma: FigmaRef | None = None,
        text: str = "",
        context: tuple[str, ...] = (),
        kind: LinkKind = LinkKind.CATALOG,
        element: str = "",
        definition: Location | None = None,
        hidden: bool = False,
        has_image: bool = False,
    ) -> None:
        (
            set_url, set_location, set_normalised, set_figma, set_text, set_context, set_kind,
            set_element, set_definition, set_hidden, set_has_image,
        ) = _LINK_SLOTS  # fmt: skip
        set_url(self, url)
        set_location(self, location)
        set_normalised(self, normalised)
        set_figma(self, figma)
        set_text(self, text)
        set_context(self, context)
        set_kind(self, kind)
        set_element(self, element)
        set_definition(self, definition)
        set_hidden(self, hidden)
        set_has_image(self, has_image)


def slot_setters(cls: type) -> tuple[Callable[[object, object], None], ...]:
    """Per field of a slotted dataclass, in order, what stores a value in its slot (the
    slot's own descriptor: no attribute look-up, no frozen check)."""
    return tuple(vars(cls)[spec.name].__set__ for spec in fields(cls))


_LOCATION_SLOTS = slot_setters(Location)
_LINK_SLOTS = slot_setters(Link)


@dataclass(frozen=True, slots=True)
class Deployment:
    id: str
    name: str
    location: Location


@dataclass(frozen=True, slots=True)
class Flow:
    """A documented flow: a name, the deployments it covers, and its links.

    An extra flow (``extra=True``) covers no matrix cell (e.g. renewal's Emails).
    ``placeholder`` holds the placeholder text when the flow is announced but not drawn.
    """

    name: str
    stage: str
    deployments: tuple[str, ...]
    links: tuple[Link, ...]
    location: Location
    extra: bool = False
    placeholder: str | None = None
    description: str = ""
    links_declared: bool = True


@dataclass(frozen=True, slots=True)
class NotApplicable:
    deployment: str
    reason: str
    location: Location


@dataclass(frozen=True, slots=True)
class Stage:
    id: str
    name: str
    location: Location
    flows: tuple[Flow, ...] = ()
    not_applicable: tuple[NotApplicable, ...] = ()


@dataclass(frozen=True, slots=True)
class FutureIteration:
    """One item of the "Future iterations" list; ``title`` is empty for an empty item."""

    title: str
    location: Location
    links: tuple[Link, ...] = ()


@dataclass(frozen=True, slots=True)
class Page:
    """A handbook page the catalog documents: a path in the repo and/or its public URL."""

    location: Location
    path: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Catalog:
    path: str
    title: str
    deployments: tuple[Deployment, ...]
    stages: tuple[Stage, ...]
    future_iterations: tuple[FutureIteration, ...] = ()
    pages: tuple[Page, ...] = ()
    placeholders: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    location: Location = field(default_factory=lambda: Location("catalog.yaml", 1, 1))

    def flows(self) -> tuple[Flow, ...]:
        return tuple(flow for stage in self.stages for flow in stage.flows)

    def links(self) -> tuple[Link, ...]:
        """Every link of the catalog in file order: flows first, then future iterations."""
        found = [link for flow in self.flows() for link in flow.links]
        found.extend(link for item in self.future_iterations for link in item.links)
        return tuple(sorted(found, key=lambda link: link.location))
