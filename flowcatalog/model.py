"""The immutable data model: locations, Figma references, links and the catalog."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """A place in a file. ``line`` and ``column`` are 1-based; either may be unknown."""

    path: str
    line: int | None = None
    column: int | None = None

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


@dataclass(frozen=True, slots=True)
class Link:
    """One occurrence of a link in a catalog or a page.

    ``context`` is where it sits: for a catalog link the stage / flow, for a page link the
    heading path ("Customer subscription lifecycle > Renewal > UX flow documentation").
    """

    url: str
    location: Location
    text: str = ""
    context: tuple[str, ...] = ()
    figma: FigmaRef | None = None


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
