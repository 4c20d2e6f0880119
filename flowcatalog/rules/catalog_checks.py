"""The checks of a parsed catalog: its links, its flows and its matrix. Apart from the
registry (which names every rule, and so imports the YAML reader that declares some of
them) so that a run whose catalog came parsed from the page cache imports no YAML."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from flowcatalog.findings import Finding
from flowcatalog.model import Catalog
from flowcatalog.report import Coverage

CatalogCheck = Callable[[Catalog], Iterator[Finding]]


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
