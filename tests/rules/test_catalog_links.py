"""rules.catalog_links: flow links that are not Figma file links, two entries on one node, link shapes; each at its line and column."""

from __future__ import annotations

import pytest

from tests.rules.catalog_support import F, findings


@pytest.mark.parametrize(
    ("flows", "tail", "expected"),
    [
        pytest.param(
            f"      - name: a\n        deployments: [saas, sm]\n        links: ['{F}1-2', '{F}1:2']\n",
            "",
            [(9, 9, "shared-flow"), (11, 86, "duplicate-node")],
            id="duplicate-node-same-flow",
        ),
        pytest.param(
            f"      - name: a\n        deployments: [saas]\n        links: ['{F}1-2']\n"
            f"      - name: b\n        deployments: [sm]\n        links: ['{F.replace('/X', '/Y')}1%3A2']\n",
            "",
            [(14, 17, "duplicate-node")],
            id="duplicate-node-other-flow",
        ),
        pytest.param(
            "      - name: a\n        deployments: [saas, sm]\n"
            "        links: ['https://help.figma.com/hc/x']\n",
            "",
            [(9, 9, "shared-flow"), (11, 17, "flow-link-not-figma")],
            id="not-figma",
        ),
    ],
)
def test_rule_fails_at_its_place(
    flows: str, tail: str, expected: list[tuple[int, int, str]]
) -> None:
    assert findings(flows, tail) == expected
