"""Link shape rules on catalog links.

FAIL: ``https://www.figma.com/file/DCq7K8Srsv79tbH1yRkGbl/Flows`` (node-id missing)
FAIL: ``https://www.figma.com/community/file/854766928300977832`` as a flow link
FAIL: the same node linked from two cells (``duplicate-node``, a warning)
PASS: ``https://www.figma.com/file/DCq7K8Srsv79tbH1yRkGbl/Flows?node-id=138%3A97``
"""

from __future__ import annotations

from collections.abc import Iterator

from flowcatalog import urls as figma_url
from flowcatalog.findings import Finding, Rule, Severity
from flowcatalog.model import Catalog, Link, Location
from flowcatalog.urls import UrlKind

FLOW_LINK_NOT_FIGMA = Rule(
    "flow-link-not-figma",
    Severity.ERROR,
    "a flow link that is not a Figma file link (a web page, a community or help page)",
    "catalog",
)
DUPLICATE_NODE = Rule(
    "duplicate-node",
    Severity.WARNING,
    "two catalog entries point at the same Figma node (a copy-paste slip?)",
    "catalog",
)


def link_findings(link: Link, *, flow_link: bool) -> Iterator[Finding]:
    """Shape findings of one link; ``flow_link`` demands a Figma file link."""
    if not link.url.strip():
        return
    analysis = figma_url.analyse(link.url)
    for problem in analysis.problems:
        yield problem.finding(link.location, link.url, link=link.normalised)
    if flow_link and analysis.kind in (UrlKind.WEB, UrlKind.FIGMA_PAGE, UrlKind.OTHER):
        what = (
            "a figma.com page, not a file"
            if analysis.kind is UrlKind.FIGMA_PAGE
            else ("not a Figma link")
        )
        yield FLOW_LINK_NOT_FIGMA.finding(
            f"flow link is {what}; expected a Figma file link with a node-id",
            link.location,
            url=link.url,
            subject=link.url,
            link=link.normalised,
        )


def check(catalog: Catalog) -> Iterator[Finding]:
    first_seen: dict[tuple[str, str | None], tuple[str, Location]] = {}
    for flow in catalog.flows():
        owner = f"{flow.stage}/{flow.name}"
        for link in flow.links:
            yield from link_findings(link, flow_link=True)
            ref = link.figma
            if ref is None or ref.node_id is None:
                continue
            earlier = first_seen.get(ref.identity)
            if earlier is None:
                first_seen[ref.identity] = (owner, link.location)
                continue
            other, where = earlier
            same = " in the same flow" if other == owner else f" as flow {other!r}"
            yield DUPLICATE_NODE.finding(
                f"node {ref.node_id} of file {ref.api_key} is already linked at line "
                f"{where.line}{same}",
                link.location,
                url=link.url,
                subject=f"{ref.api_key}:{ref.node_id}",
                link=link.normalised,
            )
    for item in catalog.future_iterations:
        for link in item.links:
            yield from link_findings(link, flow_link=False)
