"""Missing entries in flows and lists.

FAIL: ``links: []`` (``empty-link-list``); a flow with neither links nor a placeholder
(``flow-without-links``); ``future_iterations: [..., title: ""]`` or ``- `` (``empty-item``);
a ``- `` inside a link list (``empty-item``)
PASS: a flow with one Figma link; ``placeholder: coming soon`` with no links
"""

from __future__ import annotations

from collections.abc import Iterator

from flowcatalog.findings import Finding, Severity
from flowcatalog.model import Catalog


def check(catalog: Catalog) -> Iterator[Finding]:
    for flow in catalog.flows():
        subject = f"{flow.stage}/{flow.name}"
        for link in flow.links:
            if not link.url.strip():
                yield Finding(
                    "empty-item",
                    Severity.WARNING,
                    f"empty link in flow {flow.name!r}",
                    link.location,
                    subject=f"{subject}/link",
                )
        if flow.placeholder is not None:
            continue
        if flow.links_declared and not flow.links:
            yield Finding(
                "empty-link-list",
                Severity.ERROR,
                f"flow {flow.name!r} has an empty link list; add its Figma link "
                "or mark it with 'placeholder:'",
                flow.location,
                subject=subject,
            )
        elif not any(link.url.strip() for link in flow.links):
            yield Finding(
                "flow-without-links",
                Severity.ERROR,
                f"flow {flow.name!r} has no links; add its Figma link "
                "or mark it with 'placeholder:'",
                flow.location,
                subject=subject,
            )
    for index, item in enumerate(catalog.future_iterations, start=1):
        if not item.title and not any(link.url.strip() for link in item.links):
            yield Finding(
                "empty-item",
                Severity.WARNING,
                f"future iteration {index} is empty",
                item.location,
                subject=f"future_iterations/{index}",
            )
