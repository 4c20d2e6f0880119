"""The registry of every rule flowcatalog reports, and the catalog checks.

Each rule has a kebab-case id, a default severity and a one-line summary; the README's
checks table is generated from ``all_rules()`` (``python -m flowcatalog.rules``).
"""

from __future__ import annotations

import functools

from flowcatalog.catalog.build import (
    DUPLICATE_ID,
    UNKNOWN_REFERENCE,
)
from flowcatalog.catalog.schema import (
    UNKNOWN_KEY,
)
from flowcatalog.catalog.yamlnodes import (
    CATALOG_SCHEMA,
    DUPLICATE_KEY,
)
from flowcatalog.findings import Rule
from flowcatalog.report import INPUT_ERROR
from flowcatalog.rules.catalog_flows import (
    EMPTY_ITEM,
    EMPTY_LINK_LIST,
    FLOW_WITHOUT_LINKS,
)
from flowcatalog.rules.catalog_links import (
    DUPLICATE_NODE,
    FLOW_LINK_NOT_FIGMA,
)
from flowcatalog.rules.matrix import (
    MISSING_CELL,
    NOT_APPLICABLE_OVERLAP,
    PLACEHOLDER_CELL,
    SHARED_FLOW,
)
from flowcatalog.suppress import UNUSED_SUPPRESSION
from flowcatalog.urls import (
    FIGMA_EMBED,
    FIGMA_FILE_KEY,
    FIGMA_HTTPS,
    FIGMA_NODE_ID_MALFORMED,
    FIGMA_NODE_ID_MISSING,
    FIGMA_NODE_ID_REPEATED,
    FIGMA_UNKNOWN_KIND,
    FIGMA_VERSION_ID,
    URL_CREDENTIALS,
    URL_INVALID,
)

CORE_RULES: tuple[Rule, ...] = (
    CATALOG_SCHEMA,
    UNKNOWN_KEY,
    DUPLICATE_KEY,
    DUPLICATE_ID,
    UNKNOWN_REFERENCE,
    URL_INVALID,
    URL_CREDENTIALS,
    FIGMA_HTTPS,
    FIGMA_FILE_KEY,
    FIGMA_NODE_ID_MISSING,
    FIGMA_NODE_ID_MALFORMED,
    FIGMA_NODE_ID_REPEATED,
    FIGMA_VERSION_ID,
    FIGMA_UNKNOWN_KIND,
    FIGMA_EMBED,
    FLOW_LINK_NOT_FIGMA,
    DUPLICATE_NODE,
    MISSING_CELL,
    PLACEHOLDER_CELL,
    NOT_APPLICABLE_OVERLAP,
    SHARED_FLOW,
    EMPTY_LINK_LIST,
    FLOW_WITHOUT_LINKS,
    EMPTY_ITEM,
)


@functools.cache
def all_rules() -> tuple[Rule, ...]:
    """Every rule, core first, then those of the page and online checks."""
    from flowcatalog.online import liveness
    from flowcatalog.online.design_rules import DESIGN_CHANGED, DESIGN_DELETED, DESIGN_RENAMED
    from flowcatalog.pages import syntax
    from flowcatalog.pages.doc import PAGE_OUTSIDE_REPOSITORY
    from flowcatalog.rules import internal_links, link_targets, page_content

    return (
        *CORE_RULES,
        *page_content.RULES,
        *link_targets.RULES,
        *syntax.RULES,
        *internal_links.RULES,
        PAGE_OUTSIDE_REPOSITORY,
        *liveness.RULES,
        DESIGN_CHANGED,
        DESIGN_RENAMED,
        DESIGN_DELETED,
        UNUSED_SUPPRESSION,
        INPUT_ERROR,
    )


@functools.cache
def _by_id() -> dict[str, Rule]:
    return {info.id: info for info in all_rules()}


def rule(rule_id: str) -> Rule | None:
    return _by_id().get(rule_id)


def markdown_table() -> str:
    """The README's checks table."""
    lines = ["| rule | severity | area | what it catches |", "|---|---|---|---|"]
    for info in all_rules():
        name = f'<a id="{info.anchor}"></a>`{info.id}`'
        lines.append(f"| {name} | {info.severity.value} | {info.area} | {info.summary} |")
    return "\n".join(lines) + "\n"
