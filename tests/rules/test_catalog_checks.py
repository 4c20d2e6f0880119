"""The checks of a parsed catalog, run together (the report's catalog findings)."""

from __future__ import annotations

from flowcatalog.catalog.build import parse_catalog
from flowcatalog.rules.catalog_checks import check_catalog
from tests.rules.catalog_support import HEAD


def test_links_flows_and_the_matrix_are_all_checked() -> None:
    flows = (
        "      - name: SaaS flow\n"
        "        deployments: [saas]\n"
        "        links: ['https://www.figma.com/design/DCq7K8Srsv79tbH1yRkGbl/X']\n"
        "      - name: Empty\n"
        "        deployments: [saas]\n"
        "        links: []\n"
    )
    catalog, load = parse_catalog(HEAD + flows, "c.yaml")
    assert load == []
    assert catalog is not None
    rules = sorted({f.rule for f in check_catalog(catalog)})
    # a link without a node (links), a flow without links (flows), the empty cell (matrix)
    assert rules == ["empty-link-list", "figma-node-id-missing", "missing-cell"], rules
