"""Where each finding of a page lint came from, page by page: what lets a run in which a few
pages changed take everything else from the last run (``pipeline.run_patch``).

A check's findings, before they are sorted, come in one order: the catalog's load findings
and the plan's, then each page's own (its rules, in page order), the drift rules (which
compare the pages the catalog lists), each page's internal links (in page order), then the
catalog's rules. Sorting is stable, so a report made from the same pieces in the same order
is byte for byte the report of a run that made them all again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from flowcatalog.findings import Finding


@dataclass(frozen=True, slots=True)
class Layout:
    """The findings of a page lint by where they came from, one entry per work item of its
    plan (in plan order) for ``own``, ``internal``, ``consulted`` and ``paged``."""

    #: each page's own findings (its rules; a page that could not be parsed: why)
    own: tuple[tuple[Finding, ...], ...]
    #: the drift rules' findings (page against catalog)
    drift: tuple[Finding, ...]
    #: each page's internal-link findings
    internal: tuple[tuple[Finding, ...], ...]
    #: for each page, the linted pages (work item indices) whose ids its links consulted
    consulted: tuple[tuple[int, ...], ...]
    #: whether each work item gave a page (a file that is no page gives findings only)
    paged: tuple[bool, ...]

    def findings(self) -> list[Finding]:
        """Own findings, drift, then internal links, in the order the lint made them."""
        out = [finding for found in self.own for finding in found]
        out.extend(self.drift)
        out.extend(finding for found in self.internal for finding in found)
        return out

    def dependents(self, changed: Iterable[int]) -> set[int]:
        """The pages whose internal-link findings consulted the ids of a ``changed`` page
        (the changed pages themselves aside)."""
        wanted = set(changed)
        return {
            index
            for index, targets in enumerate(self.consulted)
            if index not in wanted and not wanted.isdisjoint(targets)
        }

    def with_pages(
        self,
        own: Mapping[int, tuple[Finding, ...]],
        internal: Mapping[int, tuple[tuple[Finding, ...], tuple[int, ...]]],
    ) -> Layout:
        """This layout with some pages' own findings (``own``) and some pages' internal-link
        findings and consulted pages (``internal``) made again."""
        own_now = tuple(own.get(i, found) for i, found in enumerate(self.own))
        internal_now = list(self.internal)
        consulted_now = list(self.consulted)
        for index, (found, targets) in internal.items():
            internal_now[index] = found
            consulted_now[index] = targets
        return replace(
            self, own=own_now, internal=tuple(internal_now), consulted=tuple(consulted_now)
        )
