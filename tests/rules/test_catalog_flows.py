"""rules.catalog_flows: flows without links, empty link lists and empty items; each at its line and column."""

from __future__ import annotations

import pytest

from tests.rules.catalog_support import F, findings


@pytest.mark.parametrize(
    ("flows", "tail", "expected"),
    [
        pytest.param(
            "      - name: a\n        deployments: [saas, sm]\n        links: []\n",
            "",
            [(9, 9, "empty-link-list"), (9, 9, "shared-flow")],
            id="empty-link-list",
        ),
        pytest.param(
            "      - name: a\n        deployments: [saas, sm]\n",
            "",
            [(9, 9, "flow-without-links"), (9, 9, "shared-flow")],
            id="flow-without-links",
        ),
        pytest.param(
            f"      - name: a\n        deployments: [saas, sm]\n        links:\n          - {F}1-2\n          -\n",
            "",
            [(9, 9, "shared-flow"), (13, 12, "empty-item")],
            id="empty-link-item",
        ),
        pytest.param(
            f"      - name: a\n        deployments: [saas, sm]\n        links: ['{F}1-2']\n",
            "future_iterations:\n  - title: x\n    links: [ftp://x]\n  - null\n  - ''\n",
            [
                (9, 9, "shared-flow"),
                (14, 13, "url-invalid"),
                (15, 5, "empty-item"),
                (16, 5, "empty-item"),
            ],
            id="future-iterations",
        ),
    ],
)
def test_rule_fails_at_its_place(
    flows: str, tail: str, expected: list[tuple[int, int, str]]
) -> None:
    assert findings(flows, tail) == expected
