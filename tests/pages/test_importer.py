"""``import``: a catalog from a page; equivalent to the repo's catalog, and a stable round trip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flowcatalog.catalog.build import parse_catalog
from flowcatalog.model import Catalog
from flowcatalog.pages.importer import import_page, infer_deployments, slug
from flowcatalog.pages.load import read_page
from flowcatalog.pages.markdown import parse_markdown
from flowcatalog.pages.render import render_page
from tests.conftest import RunCli

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "customer-subscription-lifecycle.md"


def shape(catalog: Catalog) -> dict[str, Any]:
    """What makes two catalogs the same catalog (not comments, descriptions or positions)."""

    def links(items: Any) -> list[Any]:
        return [link.figma.identity if link.figma else link.url for link in items]

    return {
        "title": catalog.title,
        "deployments": [(d.id, d.name) for d in catalog.deployments],
        "stages": [
            (
                s.id,
                s.name,
                [(f.name, f.deployments, f.extra, links(f.links)) for f in s.flows],
            )
            for s in catalog.stages
        ],
        "future": [(i.title, links(i.links)) for i in catalog.future_iterations],
        "pages": [p.path for p in catalog.pages],
    }


def load(text: str) -> Catalog:
    catalog, findings = parse_catalog(text, "catalog.yaml")
    assert catalog is not None, findings
    assert [f for f in findings if f.severity.value == "error"] == []
    return catalog


def test_import_of_the_page_is_the_repo_catalog(in_repo: Path) -> None:
    doc, _ = read_page("docs/customer-subscription-lifecycle.md")
    assert doc is not None
    imported = load(import_page(doc))
    repo = load((REPO / "catalog.yaml").read_text(encoding="utf-8"))
    assert shape(imported) == shape(repo)


def test_round_trip_is_stable() -> None:
    data = PAGE.read_bytes()
    first = import_page(parse_markdown(str(PAGE), data.decode()))
    rendered = render_page(data, load(first), str(PAGE))
    assert rendered == data
    again = import_page(parse_markdown(str(PAGE), rendered.decode()))
    assert again == first


def test_deployments_from_labels() -> None:
    assert infer_deployments(
        [["SaaS subscription purchase", "Self-managed subscription purchase", "Emails"], ["X"]]
    ) == ["SaaS", "Self-managed"]
    assert slug("Additional seat purchase") == "additional-seat-purchase"


def test_import_command(run_cli: RunCli, in_tmp: Path) -> None:
    (in_tmp / "p.md").write_text(
        "# Flows\n\n## Trial\n\n- [Dedicated trial](https://www.figma.com/design/"
        "DCq7K8Srsv79tbH1yRkGbl/x?node-id=1-1)\n"
        "- [SaaS trial](https://www.figma.com/design/DCq7K8Srsv79tbH1yRkGbl/x?node-id=1-2)\n"
    )
    result = run_cli("import", "p.md", "--deployment", "SaaS", "--deployment", "Dedicated")
    assert result.code == 0
    assert result.err == ""
    assert result.out == (
        "# yaml-language-server: $schema=flowcatalog/catalog.schema.json\n"
        "version: 1\n"
        "title: Flows\n"
        "\n"
        "pages:\n"
        "  - path: p.md\n"
        "\n"
        "deployments:\n"
        "  - id: saas\n"
        "    name: SaaS\n"
        "  - id: dedicated\n"
        "    name: Dedicated\n"
        "\n"
        "stages:\n"
        "  - id: trial\n"
        "    name: Trial\n"
        "    flows:\n"
        "      - name: Dedicated trial\n"
        "        deployments: [dedicated]\n"
        "        links:\n"
        "          - https://www.figma.com/design/DCq7K8Srsv79tbH1yRkGbl/x?node-id=1-1\n"
        "      - name: SaaS trial\n"
        "        deployments: [saas]\n"
        "        links:\n"
        "          - https://www.figma.com/design/DCq7K8Srsv79tbH1yRkGbl/x?node-id=1-2\n"
    )


RICH = """\
version: 1
title: Lifecycle
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
        links:
          - https://www.figma.com/design/DCq7K8Srsv79tbH1yRkGbl/x?node-id=1-1
          - https://www.figma.com/design/DCq7K8Srsv79tbH1yRkGbl/x?node-id=1-5
      - name: Self-managed subscription purchase
        deployments: [self-managed]
        placeholder: coming soon
  - id: renewal
    name: Renewal
    flows:
      - name: SaaS subscription purchase
        deployments: [saas]
        links:
          - https://www.figma.com/design/DCq7K8Srsv79tbH1yRkGbl/x?node-id=2-1
    not_applicable:
      self-managed: renewals are manual on self-managed
  - id: offboarding
    name: Offboarding
"""


def test_round_trip_keeps_placeholders_not_applicable_and_many_links() -> None:
    original = load(RICH)
    page = b"# Lifecycle\n\n## Current processes\n\n<!-- flowcatalog:begin -->\n<!-- flowcatalog:end -->\n"
    rendered = render_page(page, original, "p.md")
    imported = load(import_page(parse_markdown("p.md", rendered.decode())))
    assert {**shape(imported), "pages": []} == shape(original)
    assert [
        (s.id, [(n.deployment, n.reason) for n in s.not_applicable]) for s in imported.stages
    ] == [
        ("trial", []),
        ("renewal", [("self-managed", "renewals are manual on self-managed")]),
        ("offboarding", []),
    ]
    assert [f.placeholder for f in imported.stages[0].flows] == [None, "coming soon"]
    assert render_page(page, imported, "p.md") == rendered
