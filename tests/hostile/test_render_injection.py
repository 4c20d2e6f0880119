"""``render`` writes catalog text as data, never as Markdown: no heading, link, HTML or marker
can be injected through a name, a label, a placeholder, a reason or a URL; markers in code
are not markers; a symlinked page is written through, inside the repository only."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from flowcatalog.catalog.build import parse_catalog
from flowcatalog.model import Catalog
from flowcatalog.pages.load import parse_page
from flowcatalog.pages.render import render_page
from flowcatalog.urls import analyse
from tests.conftest import RunCli

KEY = "DCq7K8Srsv79tbH1yRkGbl"
PAGE = "# Lifecycle\n\n## Flows\n\n<!-- flowcatalog:begin -->\n<!-- flowcatalog:end -->\n\nAfter.\n"


def _catalog_text(stage: str = "Trial", flow: str = "Purchase", url: str = "") -> str:
    url = url or f"https://www.figma.com/design/{KEY}/x?node-id=1-2"
    return (
        "version: 1\ndeployments:\n  - {id: saas, name: SaaS}\n  - {id: sm, name: SM}\n"
        f"stages:\n  - id: trial\n    name: {json.dumps(stage)}\n    flows:\n"
        f"      - name: {json.dumps(flow)}\n        deployments: [saas]\n"
        f"        links: [{json.dumps(url)}]\n"
        "    not_applicable:\n      sm: 'no [link](https://evil.example) here'\n"
    )


def _catalog(**kwargs: str) -> Catalog:
    catalog, findings = parse_catalog(_catalog_text(**kwargs), "catalog.yaml")
    assert catalog is not None, findings
    return catalog


def _rendered(catalog: Catalog, page: str = PAGE) -> str:
    return render_page(page.encode(), catalog, "p.md").decode()


@pytest.mark.parametrize(
    "name",
    [
        "Trial\n# Injected heading",
        "Trial\r\n\r\n[evil](https://evil.example)",
        "<script>alert(1)</script>",
        "1. ordered",
        "- bullet",
        "> quote",
        "```\ncode",
        "Trial #",
        "see https://evil.example and www.evil.example",
    ],
)
def test_names_are_text_not_markdown(name: str) -> None:
    catalog = _catalog(stage=name, flow=name)
    page = _rendered(catalog)
    doc = parse_page("p.md", page)
    assert [h.text for h in doc.headings] == ["Lifecycle", "Flows", " ".join(name.split()),
                                              "UX flow documentation"]  # fmt: skip
    assert [link.url for link in doc.links] == [f"https://www.figma.com/design/{KEY}/x?node-id=1-2"]
    assert [link.text for link in doc.links] == [" ".join(name.split())]
    assert "<script>" not in page.replace("\\<", "")  # only as escaped text
    assert _rendered(catalog, page) == page  # stable: rendering again changes nothing


def test_a_marker_in_catalog_text_is_refused(run_cli: RunCli, in_tmp: Path) -> None:
    (in_tmp / "catalog.yaml").write_text(_catalog_text(flow="x <!-- flowcatalog:end --> y"))
    (in_tmp / "p.md").write_text(PAGE)
    result = run_cli("render", "p.md")
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        "flowcatalog: error: catalog.yaml:9:9: catalog text holds the marker "
        "<!-- flowcatalog:end -->; rendering it would break the page\n"
    )
    assert (in_tmp / "p.md").read_text() == PAGE


def test_a_parenthesis_in_the_slug_keeps_the_link_whole() -> None:
    url = f"https://www.figma.com/design/{KEY}/Flow-(v2)-final)?node-id=1-2"
    page = _rendered(_catalog(url=url))
    assert f"(https://www.figma.com/design/{KEY}/Flow-%28v2%29-final%29?node-id=1-2)" in page
    (link,) = parse_page("p.md", page).links
    assert analyse(link.url).figma == analyse(url).figma
    assert link.text == "Purchase"


def test_markers_in_a_fenced_code_block_are_not_markers() -> None:
    example = "```md\n<!-- flowcatalog:begin -->\n<!-- flowcatalog:end -->\n```\n\n"
    indented = "    <!-- flowcatalog:end -->\n\n"
    page = "# Lifecycle\n\n" + example + indented + PAGE.split("\n\n", 1)[1]
    rendered = _rendered(_catalog(), page)
    assert rendered.startswith("# Lifecycle\n\n" + example + indented)
    assert "- [Purchase](" in rendered


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "catalog.yaml").write_text(_catalog_text())
    old = Path.cwd()
    os.chdir(root)
    try:
        yield root
    finally:
        os.chdir(old)


def test_render_writes_through_a_symlink_inside_the_repository(run_cli: RunCli, repo: Path) -> None:
    (repo / "real").mkdir()
    (repo / "real" / "page.md").write_text(PAGE)
    (repo / "page.md").symlink_to("real/page.md")
    result = run_cli("render", "page.md")
    assert result.code == 0, result.err
    assert os.readlink(repo / "page.md") == "real/page.md"  # the link is kept
    assert "- [Purchase](" in (repo / "real" / "page.md").read_text()
    assert run_cli("render", "--check", "page.md").code == 0


def test_render_refuses_a_symlink_out_of_the_repository(run_cli: RunCli, repo: Path) -> None:
    outside = repo.parent / "elsewhere.md"
    outside.write_text(PAGE)
    (repo / "page.md").symlink_to(outside)
    result = run_cli("render", "page.md")
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        "flowcatalog: error: page.md: a symlink to a file outside the repository; not rendered\n"
    )
    assert outside.read_text() == PAGE
    assert (repo / "page.md").is_symlink()
