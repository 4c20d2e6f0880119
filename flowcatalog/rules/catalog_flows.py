"""Missing entries in flows and lists.

FAIL: ``links: []`` (``empty-link-list``); a flow with neither links nor a placeholder
(``flow-without-links``); ``future_iterations: [..., title: ""]`` or ``- `` (``empty-item``);
a ``- `` inside a link list (``empty-item``)
PASS: a flow with one Figma link; ``placeholder: coming soon`` with no links
"""

from __future__ import annotations

from collections.abc import Iterator

from flowcatalog.findings import Finding, Rule, Severity
from flowcatalog.model import Catalog

EMPTY_LINK_LIST = Rule(
    "empty-link-list",
    Severity.ERROR,
    "a flow whose link list is empty",
    "catalog",
)
FLOW_WITHOUT_LINKS = Rule(
    "flow-without-links",
    Severity.ERROR,
    "a flow with no links and no placeholder",
    "catalog",
)
EMPTY_ITEM = Rule(
    "empty-item",
    Severity.WARNING,
    "an empty list item: a future iteration or a link with nothing in it",
    "catalog",
)


def check(catalog: Catalog) -> Iterator[Finding]:
    for flow in catalog.flows():
        subject = f"{flow.stage}/{flow.name}"
        for link in flow.links:
            if not link.url.strip():
                yield EMPTY_ITEM.finding(
                    f"empty link in flow {flow.name!r}",
                    link.location,
                    subject=f"{subject}/link",
                )
        if flow.placeholder is not None:
            continue
        if flow.links_declared and not flow.links:
            yield EMPTY_LINK_LIST.finding(
                f"flow {flow.name!r} has an empty link list; add its Figma link "
                "or mark it with 'placeholder:'",
                flow.location,
                subject=subject,
            )
        elif not any(link.url.strip() for link in flow.links):
            yield FLOW_WITHOUT_LINKS.finding(
                f"flow {flow.name!r} has no links; add its Figma link "
                "or mark it with 'placeholder:'",
                flow.location,
                subject=subject,
            )
    for index, item in enumerate(catalog.future_iterations, start=1):
        if not item.title and not any(link.url.strip() for link in item.links):
            yield EMPTY_ITEM.finding(
                f"future iteration {index} is empty",
                item.location,
                subject=f"future_iterations/{index}",
            )
