"""Catalog rules: each rule's FAIL case at its line and column, and its PASS case silent."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from flowcatalog.catalog.build import parse_catalog
from flowcatalog.catalog.coverage import compute
from flowcatalog.pipeline.run import build_report
from flowcatalog.report import CellState
from tests.conftest import REPO

F = "https://www.figma.com/design/DCq7K8Srsv79tbH1yRkGbl/X?node-id="

HEAD = """\
version: 1
deployments:
  - id: saas
  - id: sm
stages:
  - id: s
    name: Stage
    flows:
"""


def findings(flows: str, tail: str = "") -> list[tuple[int | None, int | None, str]]:
    catalog, load = parse_catalog(HEAD + flows + tail, "c.yaml")
    assert load == []
    assert catalog is not None
    report = build_report(catalog, [])
    return [(f.location.line, f.location.column, f.rule) for f in report.findings]


def test_all_cells_documented_is_silent() -> None:
    flows = f"      - name: a\n        deployments: [saas, sm]\n        links: ['{F}1-2']\n"
    assert findings(flows) == [(9, 9, "shared-flow")]


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


def test_python_dash_m_runs_the_cli() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "flowcatalog", "check", "--format", "json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["version"] == 1


def test_registry_holds_each_rule_once_and_unread_rules_are_marked() -> None:
    from flowcatalog.rules.registry import all_rules

    ids = [info.id for info in all_rules()]
    assert len(ids) == len(set(ids))
    unread = {info.id for info in all_rules() if info.unread}
    assert unread == {
        "catalog-schema",
        "unknown-key",
        "duplicate-key",
        "page-encoding",
        "page-binary",
        "page-too-large",
        "page-unparsable",
        "page-not-found",
        "page-outside-repository",
        "input-error",
    }


def test_every_rule_constant_in_the_package_is_registered() -> None:
    import importlib
    import pkgutil

    import flowcatalog
    from flowcatalog.findings import Rule
    from flowcatalog.rules.registry import all_rules

    registered = set(all_rules())
    declared: set[Rule] = set()
    for info in pkgutil.walk_packages(flowcatalog.__path__, "flowcatalog."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        declared.update(v for v in vars(module).values() if isinstance(v, Rule))
    assert declared - registered == set()
    assert registered - declared == set()
