"""The report of a run: findings, coverage of the matrix, and every distinct link with all
its occurrences.

Every output format is a pure rendering of a ``Report``; the JSON form (``to_json_dict``)
is the documented contract (version 1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, overload

from flowcatalog.catalog.coverage import Cell, CellState, Coverage, ExtraFlow
from flowcatalog.errors import ExitCode
from flowcatalog.findings import Finding, Rule, Severity
from flowcatalog.model import FigmaRef, Link, Location, slot_setters

if TYPE_CHECKING:  # (types only: a plain check imports none of the views)
    from collections.abc import Mapping

    from flowcatalog.views import (
        DesignChange,
        HistoryPoint,
        NodeKey,
        NodeView,
        SourceLinks,
        TargetFigures,
    )

REPORT_VERSION = 1

INPUT_ERROR = Rule(
    "input-error",
    Severity.ERROR,
    "the run stopped on input it could not use (exit 2); the reports say why and where",
    "run",
    unread=True,
)

__all__ = [
    "INPUT_ERROR",
    "REPORT_VERSION",
    "Cell",
    "CellState",
    "Coverage",
    "ExtraFlow",
    "FigmaDetails",
    "LinkGroup",
    "LinkGroups",
    "Report",
    "ShardStamp",
    "collect_links",
]


@dataclass(frozen=True, slots=True)
class FigmaDetails:
    """What the Figma API said about a verified link (online runs only)."""

    file_name: str | None = None
    last_modified: str | None = None
    version: str | None = None
    node_name: str | None = None
    node_type: str | None = None


@dataclass(frozen=True, slots=True)
class LinkGroup:
    """One distinct link (by normalised URL) with every occurrence of it, in reading order.

    ``normalised`` is the group's key, the identity a ``Finding.link`` names. The online
    fields are set by ``--online`` only: ``status`` is None offline; online it is one of the
    closed set of link statuses (ok, redirected, broken, unverifiable, timeout, unreachable,
    skipped, shape-only).
    """

    normalised: str
    occurrences: tuple[Link, ...]
    status: str | None = None
    http_status: int | None = None
    final_url: str | None = None
    cached: bool = False
    details: FigmaDetails | None = None

    def __init__(
        self,
        normalised: str,
        occurrences: tuple[Link, ...],
        status: str | None = None,
        http_status: int | None = None,
        final_url: str | None = None,
        cached: bool = False,
        details: FigmaDetails | None = None,
    ) -> None:
        # written out (as ``Link``'s): a run makes thousands, and the generated one of a
        # frozen dataclass stores each field through ``object.__setattr__``
        (
            set_normalised, set_occurrences, set_status, set_http_status, set_final_url,
            set_cached, set_details,
        ) = _GROUP_SLOTS  # fmt: skip
        set_normalised(self, normalised)
        set_occurrences(self, occurrences)
        set_status(self, status)
        set_http_status(self, http_status)
        set_final_url(self, final_url)
        set_cached(self, cached)
        set_details(self, details)

    @property
    def url(self) -> str:
        """The URL as first written."""
        return self.occurrences[0].url if self.occurrences else self.normalised

    @property
    def figma(self) -> FigmaRef | None:
        return self.occurrences[0].figma if self.occurrences else None

    @property
    def locations(self) -> tuple[Location, ...]:
        return tuple(link.location for link in self.occurrences)


_GROUP_SLOTS = slot_setters(LinkGroup)


def collect_links(links: Iterable[Link], *, blank: bool = False) -> tuple[LinkGroup, ...]:
    """Distinct links by normalised URL, each with every occurrence, in first-seen order.

    Each link's normalised form was worked out where it was extracted; links with a blank
    URL are no links of the report (unless ``blank``).
    """
    grouped: dict[str, list[Link]] = {}
    for link in links:
        if not blank and not link.url.strip():
            continue
        grouped.setdefault(link.normalised, []).append(link)
    return tuple(LinkGroup(key, tuple(occurrences)) for key, occurrences in grouped.items())


class LinkGroups(Sequence[LinkGroup]):
    """A report's link groups, made only when something reads them.

    A warm run whose pages and settings are all unchanged takes its report from the run
    memo (``pipeline.run_memo``); most outputs of such a run (text, github, badge, the
    pre-commit hook) need only the number of links and of Figma links, which come with it.
    The groups themselves (thousands of objects on a large handbook) are made by ``load``
    the first time anything else is asked; equal to the tuple of them in every way that a
    ``Sequence`` is compared (``==`` with a tuple or another ``LinkGroups``, ``hash``)."""

    __slots__ = ("_count", "_figma", "_groups", "_load")

    def __init__(self, count: int, figma: int, load: Callable[[], tuple[LinkGroup, ...]]) -> None:
        self._count = count
        self._figma = figma
        self._load: Callable[[], tuple[LinkGroup, ...]] | None = load
        self._groups: tuple[LinkGroup, ...] | None = None

    @property
    def groups(self) -> tuple[LinkGroup, ...]:
        """Every group (made now when not made before)."""
        if self._groups is None:
            assert self._load is not None
            groups = self._load()
            if len(groups) != self._count:
                raise ValueError("the run memo's links do not match their count")
            self._groups, self._load = groups, None
        return self._groups

    @property
    def figma_count(self) -> int:
        """How many groups are Figma links (``Report.figma_link_count``), without making them."""
        return self._figma

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> LinkGroup: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[LinkGroup, ...]: ...

    def __getitem__(self, index: int | slice) -> LinkGroup | tuple[LinkGroup, ...]:
        return self.groups[index]

    def __iter__(self) -> Iterator[LinkGroup]:
        return iter(self.groups)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LinkGroups):
            return self.groups == other.groups
        if isinstance(other, tuple):
            return self.groups == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.groups)

    def __repr__(self) -> str:
        return repr(self.groups)


@dataclass(frozen=True, slots=True)
class ShardStamp:
    """What a shard report (``check --shard I/N``) says of the run it is part of, so that
    ``merge`` can tell a complete set of shards from a partial or mixed one.

    ``catalog`` is the SHA-256 of the catalog file's bytes (None when no catalog was read);
    ``tool_version`` the flowcatalog version that wrote the report.
    """

    index: int
    total: int
    catalog: str | None
    tool_version: str


@dataclass(frozen=True, slots=True)
class ReportContext:
    """Everything a report shows besides findings, coverage and links.

    ``snapshot`` is ``present``, ``missing`` (none committed: the report says what it would
    show) or ``none`` (not looked for).
    """

    title: str | None = None
    catalog_path: str | None = None
    pages: tuple[tuple[str | None, str | None], ...] = ()
    nodes: Mapping[NodeKey, NodeView] = field(default_factory=dict)
    snapshot: str = "none"
    snapshot_path: str | None = None
    changes: tuple[DesignChange, ...] = ()
    history: tuple[HistoryPoint, ...] = ()
    sources: SourceLinks | None = None
    target: TargetFigures | None = None

    def view(self, ref: FigmaRef | None) -> NodeView | None:
        if ref is None:
            return None
        from flowcatalog.views import node_key

        key = node_key(ref)
        return self.nodes.get(key) if key is not None else None


@dataclass(frozen=True, slots=True)
class Report:
    findings: tuple[Finding, ...]
    coverage: Coverage | None = None
    #: a tuple, or (from the run memo) a ``LinkGroups`` equal to one
    links: Sequence[LinkGroup] = ()
    sources: tuple[str, ...] = ()
    generated_at: str | None = field(default=None, compare=False)
    shard: ShardStamp | None = None
    #: what reports show besides the check: node views, design changes, history (``views``)
    context: ReportContext | None = field(default=None, compare=False)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    @property
    def figma_link_count(self) -> int:
        if isinstance(self.links, LinkGroups):
            return self.links.figma_count
        return sum(1 for link in self.links if link.figma is not None)

    def exit_code(self, *, strict: bool = False, fail_under: float | None = None) -> ExitCode:
        if self.count(Severity.ERROR):
            return ExitCode.FINDINGS
        if strict and self.count(Severity.WARNING):
            return ExitCode.FINDINGS
        if (
            fail_under is not None
            and self.coverage is not None
            and self.coverage.percent < fail_under
        ):
            return ExitCode.FINDINGS
        return ExitCode.OK


def failure_report(message: str, where: str | None, fallback: str) -> Report:
    """The report of a run stopped by an input or usage error (exit 2): one ``input-error``
    finding at ``where`` (``path:line:col`` or ``path``; ``fallback`` when not known), so
    that every report file is still written and a merge-request widget shows why the job
    failed."""
    path, line, column = fallback, None, None
    if where:
        parts = where.rsplit(":", 2)
        numbers = [p for p in parts[1:] if p.isdigit()]
        if len(parts) == 3 and len(numbers) == 2:
            path, line, column = parts[0], int(parts[1]), int(parts[2])
        elif len(parts) >= 2 and parts[-1].isdigit():
            path, line = where.rsplit(":", 1)[0], int(parts[-1])
        else:
            path = where
    location = Location(path, line, column)
    finding = INPUT_ERROR.finding(message, location, subject=message)
    return Report(findings=(finding,), sources=(path,))
