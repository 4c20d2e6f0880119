"""rules.matrix: missing and placeholder cells, not-applicable overlaps and shared flows; and the coverage a cell gets."""

from __future__ import annotations

import pytest

from flowcatalog.catalog.build import parse_catalog
from flowcatalog.catalog.coverage import compute
from flowcatalog.report import CellState
from tests.rules.catalog_support import HEAD, F, findings


@pytest.mark.parametrize(
    ("flows", "tail", "expected"),
    [
        pytest.param(
            f"      - name: a\n        deployments: [saas]\n        links: ['{F}1-2']\n",
            "",
            [(6, 5, "missing-cell")],
            id="missing-cell",
        ),
        pytest.param(
            f"      - name: a\n        deployments: [saas]\n        links: ['{F}1-2']\n"
            "      - name: b\n        deployments: [sm]\n        placeholder: coming soon\n",
            "",
            [(12, 9, "placeholder-cell")],
            id="placeholder-cell",
        ),
        pytest.param(
            f"      - name: a\n        deployments: [saas, sm]\n        links: ['{F}1-2']\n",
            "    not_applicable:\n      sm: not sold there\n",
            [(9, 9, "shared-flow"), (13, 11, "not-applicable-overlap")],
            id="na-overlap",
        ),
    ],
)
def test_rule_fails_at_its_place(
    flows: str, tail: str, expected: list[tuple[int, int, str]]
) -> None:
    assert findings(flows, tail) == expected


def test_all_cells_documented_is_silent() -> None:
    flows = f"      - name: a\n        deployments: [saas, sm]\n        links: ['{F}1-2']\n"
    assert findings(flows) == [(9, 9, "shared-flow")]


def test_coverage_cell_details() -> None:
    text = HEAD + (
        f"      - name: a\n        deployments: [saas, sm]\n        links: ['{F}1-2']\n"
        "      - name: b\n        deployments: [sm]\n        links: []\n"
    )
    catalog, _ = parse_catalog(text, "c.yaml")
    assert catalog is not None
    coverage = compute(catalog)
    sm = coverage.cell("s", "sm")
    assert sm is not None
    assert (sm.state, sm.flows, sm.shared_with, sm.links) == (
        CellState.DOCUMENTED,
        ("a",),
        ("saas",),
        (f"{F}1-2",),
    )
    assert (coverage.documented, coverage.total, coverage.percent) == (2, 2, 100.0)
