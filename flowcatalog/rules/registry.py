"""The registry of every rule flowcatalog reports, and the catalog checks.

Each rule has a kebab-case id, a default severity and a one-line summary; the README's
checks table is generated from ``all_rules()`` (``python -m flowcatalog.rules``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator

from flowcatalog.findings import Finding, Rule, Severity
from flowcatalog.model import Catalog
from flowcatalog.report import Coverage

_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO

CORE_RULES: tuple[Rule, ...] = (
    Rule("catalog-schema", _E, "a catalog value has the wrong type, form or is missing", "catalog"),
    Rule(
        "unknown-key",
        _E,
        "a catalog key the schema does not know; the closest valid key is suggested",
        "catalog",
    ),
    Rule(
        "duplicate-key",
        _E,
        "a key given twice in one mapping (YAML would silently keep the last)",
        "catalog",
    ),
    Rule("duplicate-id", _E, "a stage or deployment id declared twice", "catalog"),
    Rule(
        "unknown-reference",
        _E,
        "a flow or not-applicable entry names an undeclared deployment",
        "catalog",
    ),
    Rule(
        "url-invalid", _E, "a link that is not an absolute http(s) URL with a valid host", "links"
    ),
    Rule("figma-https", _E, "a Figma link over plain http", "links"),
    Rule(
        "figma-file-key",
        _E,
        "a Figma file or branch key that is not 22-128 letters and digits",
        "links",
    ),
    Rule("figma-node-id-missing", _E, "a Figma file link without a node-id", "links"),
    Rule(
        "figma-node-id-malformed",
        _E,
        "a node-id that is not A:B, A-B, A%3AB or an instance id I1:2;3:4",
        "links",
    ),
    Rule("figma-node-id-repeated", _E, "a Figma link with more than one node-id", "links"),
    Rule("figma-version-id", _E, "a version-id that is not a number", "links"),
    Rule(
        "figma-unknown-kind",
        _W,
        "a figma.com link of a file kind flowcatalog does not know",
        "links",
    ),
    Rule(
        "figma-embed",
        _E,
        "a Figma embed link whose url= is missing or not a Figma file link",
        "links",
    ),
    Rule(
        "flow-link-not-figma",
        _E,
        "a flow link that is not a Figma file link (a web page, a community or help page)",
        "catalog",
    ),
    Rule(
        "duplicate-node",
        _W,
        "two catalog entries point at the same Figma node (a copy-paste slip?)",
        "catalog",
    ),
    Rule(
        "missing-cell",
        _E,
        "a stage x deployment cell with no flow and no not-applicable reason",
        "coverage",
    ),
    Rule("placeholder-cell", _W, "a cell covered only by a placeholder flow", "coverage"),
    Rule(
        "not-applicable-overlap",
        _W,
        "a cell marked not applicable that a flow also covers",
        "coverage",
    ),
    Rule("shared-flow", _I, "one flow covers several deployments of a stage", "coverage"),
    Rule("empty-link-list", _E, "a flow whose link list is empty", "catalog"),
    Rule("flow-without-links", _E, "a flow with no links and no placeholder", "catalog"),
    Rule(
        "empty-item",
        _W,
        "an empty list item: a future iteration or a link with nothing in it",
        "catalog",
    ),
)

CatalogCheck = Callable[[Catalog], Iterator[Finding]]


@functools.cache
def all_rules() -> tuple[Rule, ...]:
    """Every rule, core first, then those of the page and online checks."""
    from flowcatalog.online import liveness
    from flowcatalog.rules import page_content

    return (*CORE_RULES, *page_content.RULES, *liveness.RULES)


@functools.cache
def _by_id() -> dict[str, Rule]:
    return {info.id: info for info in all_rules()}


def rule(rule_id: str) -> Rule | None:
    return _by_id().get(rule_id)


def catalog_checks() -> tuple[CatalogCheck, ...]:
    """The checks that need only the catalog (the matrix rules also take its coverage)."""
    from flowcatalog.rules import catalog_flows, catalog_links

    return (catalog_links.check, catalog_flows.check)


def check_catalog(catalog: Catalog, coverage: Coverage | None = None) -> list[Finding]:
    """Every catalog rule's findings (unsorted); ``coverage`` is computed when not given."""
    from flowcatalog.catalog.coverage import compute
    from flowcatalog.rules import matrix

    findings: list[Finding] = []
    for check in catalog_checks():
        findings.extend(check(catalog))
    findings.extend(matrix.check(catalog, coverage if coverage is not None else compute(catalog)))
    return findings


def markdown_table() -> str:
    """The README's checks table."""
    lines = ["| rule | severity | area | what it catches |", "|---|---|---|---|"]
    for info in all_rules():
        lines.append(f"| `{info.id}` | {info.severity.value} | {info.area} | {info.summary} |")
    return "\n".join(lines) + "\n"
