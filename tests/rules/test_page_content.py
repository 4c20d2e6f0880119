"""Page rules against a catalog: drift by Figma identity, and the repo's own page."""

from __future__ import annotations

from pathlib import Path

from flowcatalog.catalog.build import parse_catalog
from flowcatalog.model import Catalog
from flowcatalog.pages.load import read_page
from flowcatalog.rules.page_content import (
    PAGE_RULES,
    RULES,
    judge_deployment,
    judge_stage,
)
from tests.page_support import lint_files, lint_text

REPO = Path(__file__).resolve().parents[2]
KEY = "DCq7K8Srsv79tbH1yRkGbl"
F = f"https://www.figma.com/file/{KEY}/Title?node-id="

CATALOG = f"""\
version: 1
title: Lifecycle
pages:
  - path: page.md
deployments:
  - id: saas
    name: SaaS
  - id: self-managed
    name: Self-managed
stages:
  - id: trial
    name: Trial
    flows:
      - name: SaaS subscription purchase
        deployments: [saas]
        links: ["{F}1%3A1"]
      - name: Self-managed subscription purchase
        deployments: [self-managed]
        links: ["{F}1%3A2"]
  - id: renewal
    name: Renewal
    flows:
      - name: SaaS subscription purchase
        deployments: [saas]
        links: ["{F}2%3A1"]
      - name: Self-managed subscription purchase
        deployments: [self-managed]
        links: ["{F}2%3A2"]
"""


def catalog_at(tmp_path: Path) -> Catalog:
    catalog, findings = parse_catalog(CATALOG, str(tmp_path / "catalog.yaml"))
    assert catalog is not None, findings
    return catalog


def found(tmp_path: Path, page: str) -> list[tuple[str, int | None, int | None, str]]:
    return [
        (Path(f.location.path).name, f.location.line, f.location.column, f.rule)
        for f in lint_text(page, "page.md", catalog_at(tmp_path), at=tmp_path)
    ]


def test_same_nodes_in_other_spellings_are_no_drift(tmp_path: Path) -> None:
    page = (
        "# Lifecycle\n\n## Trial\n\n"
        f"- [SaaS subscription purchase](https://www.figma.com/design/{KEY}/New-title?node-id=1-1)\n"
        f"- [Self-managed subscription purchase](https://figma.com/file/{KEY}?node-id=1:2)\n\n"
        "## Renewal\n\n"
        f"- [SaaS subscription purchase]({F}2-1)\n"
        f"- [Self-managed subscription purchase]({F}2%3A2)\n"
    )
    assert found(tmp_path, page) == []


def test_drift_findings(tmp_path: Path) -> None:
    page = (
        "# Lifecycle\n\n## Trial\n\n"
        f"- [SaaS subscription purchase]({F}1-1)\n"
        f"- [Self-managed subscription purchase]({F}2-2)\n"
        f"- [Emails]({F}9-9)\n\n"
        "## Renewal\n\n"
        f"- [Self-managed subscription purchase]({F}2-1)\n"
    )
    findings = lint_text(page, "page.md", catalog_at(tmp_path), at=tmp_path)
    assert [
        (Path(f.location.path).name, f.location.line, f.location.column, f.rule, f.message)
        for f in findings
    ] == [
        (
            "catalog.yaml",
            19,
            17,
            "page-link-missing",
            "flow 'Self-managed subscription purchase' of stage 'Trial' links node 1:2 but "
            f"{tmp_path / 'page.md'} does not",
        ),
        (
            "page.md",
            6,
            3,
            "page-link-misplaced",
            "link 'Self-managed subscription purchase' stands under stage 'Trial' but the "
            "catalog has it under 'Renewal'",
        ),
        (
            "page.md",
            7,
            3,
            "page-link-not-in-catalog",
            f"Figma link to node 9:9 of file {KEY} is not in the catalog; add it to "
            "catalog.yaml or remove it from the page",
        ),
        (
            "page.md",
            11,
            3,
            "page-link-misplaced",
            "link 'Self-managed subscription purchase' is labelled for 'Self-managed' but the "
            "catalog has it for 'SaaS'",
        ),
    ]


def test_pages_the_catalog_does_not_list_have_no_drift(tmp_path: Path) -> None:
    page = f"# X\n\n[Emails]({F}9-9)\n"
    assert lint_text(page, "other.md", catalog_at(tmp_path), at=tmp_path) == ()


def test_without_a_catalog_only_drift_is_off(tmp_path: Path) -> None:
    page = f"# X\n\n[Emails]({F}9-9) TBD\n\n## Empty\n"
    assert [(f.location.line, f.rule) for f in lint_text(page, "page.md")] == [
        (3, "page-placeholder"),
        (5, "page-empty-section"),
    ]


def test_page_link_shapes_use_the_url_rules() -> None:
    page = f"# X\n\n[a](http://www.figma.com/file/{KEY}/x) [b](../relative.md)\n"
    assert [(f.location.line, f.location.column, f.rule) for f in lint_text(page)] == [
        (3, 1, "figma-https"),
    ]


def test_whole_file_figma_links_are_findings_only_on_flow_pages(tmp_path: Path) -> None:
    text = f"# X\n\n- [UI kit](https://www.figma.com/design/{KEY}/Kit)\n"
    assert lint_text(text, "other.md") == ()
    # not a page the catalog lists
    assert lint_text(text, "other.md", catalog_at(tmp_path), at=tmp_path) == ()
    found = lint_text(text, "page.md", catalog_at(tmp_path), at=tmp_path)
    assert [
        (f.location.line, f.location.column) for f in found if f.rule == "figma-node-id-missing"
    ] == [(3, 3)]


def test_protocol_relative_links_are_checked_as_https() -> None:
    page = "# X\n\n[a](//cdn.example.com/x.js) [b](//www.figma.com/file/x/T)\n"
    assert [(f.location.column, f.rule) for f in lint_text(page)] == [(29, "figma-file-key")]


def test_judging_stage_and_deployment(tmp_path: Path) -> None:
    catalog = catalog_at(tmp_path)
    stage = judge_stage(
        ("Lifecycle", "Current processes", "Renewal", "UX flow documentation"), catalog.stages
    )
    assert stage is not None
    assert stage.id == "renewal"
    assert judge_stage(("Lifecycle", "Overview"), catalog.stages) is None
    saas = judge_deployment("SaaS subscription purchase", (), catalog.deployments)
    assert saas is not None
    assert saas.id == "saas"
    assert judge_deployment("SaaS and Self-managed", (), catalog.deployments) is None
    assert judge_deployment("Emails", ("Renewal",), catalog.deployments) is None


def test_repo_page_agrees_with_repo_catalog() -> None:
    catalog, problems = parse_catalog(
        (REPO / "catalog.yaml").read_text(encoding="utf-8"), str(REPO / "catalog.yaml")
    )
    assert catalog is not None, problems
    doc, read_problems = read_page(str(REPO / "docs" / "customer-subscription-lifecycle.md"))
    assert doc is not None
    assert read_problems == ()
    assert len([link for link in doc.links if link.figma is not None]) == 10
    findings = lint_files([str(REPO / "docs" / "customer-subscription-lifecycle.md")], catalog)
    assert [(f.location.line, f.location.column, f.rule) for f in findings] == [
        (14, 2, "page-placeholder"),
        (19, 2, "page-placeholder"),
        (36, 2, "page-placeholder"),
        (90, 1, "page-empty-item"),
    ]


def test_rule_list_for_the_registry() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids)) == len(PAGE_RULES)
    assert all(rule_id.startswith("page-") for rule_id in ids)
