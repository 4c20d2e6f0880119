"""``render``: the region between the markers from the catalog, everything else untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowcatalog.catalog.build import parse_catalog
from flowcatalog.errors import InputError
from flowcatalog.model import Catalog
from flowcatalog.pages.render import find_region, render_page, write_atomically
from tests.conftest import RunCli

F = "https://www.figma.com/design/DCq7K8Srsv79tbH1yRkGbl/x?node-id="
CATALOG = f"""\
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
        links: ["{F}1-1"]
      - name: Self-managed subscription purchase
        deployments: [self-managed]
        links: ["{F}1-2"]
    extra_flows:
      - name: Emails
        links: ["{F}1-3"]
  - id: cancelation
    name: Cancelation
    flows:
      - name: UX flow documentation
        deployments: [saas, self-managed]
        links: ["{F}2-1"]
"""
REGION = f"""
### Trial

#### UX flow documentation

- [SaaS subscription purchase]({F}1-1)
- [Self-managed subscription purchase]({F}1-2)
- [Emails]({F}1-3)


### Cancelation

- [UX flow documentation]({F}2-1)

"""
PAGE = "# Lifecycle\n\n## Current processes\n\n<!-- flowcatalog:begin -->\nold\n<!-- flowcatalog:end -->\n\nAfter.\n"


@pytest.fixture
def catalog() -> Catalog:
    loaded, findings = parse_catalog(CATALOG, "catalog.yaml")
    assert loaded is not None, findings
    return loaded


def test_region_is_generated_one_level_below(catalog: Catalog) -> None:
    new = render_page(PAGE.encode(), catalog, "p.md").decode()
    assert new == PAGE.replace("\nold\n", REGION)


def test_bytes_outside_the_markers_are_kept(catalog: Catalog) -> None:
    page = ("\ufeff" + PAGE.replace("\n", "\r\n")).encode("utf-8").rstrip(b"\r\n") + b" \xc3\xa9"
    new = render_page(page, catalog, "p.md")
    start, stop = find_region(page, "p.md")
    new_start, new_stop = find_region(new, "p.md")
    assert new[:new_start] == page[:start]
    assert new[new_stop:] == page[stop:]
    assert new[new_start:new_stop] == REGION.replace("\n", "\r\n").encode()


@pytest.mark.parametrize(
    ("page", "message"),
    [
        (
            "# T\n",
            "p.md: no <!-- flowcatalog:begin --> ... <!-- flowcatalog:end --> markers; "
            "nothing to render",
        ),
        (
            "<!-- flowcatalog:begin -->\n<!-- flowcatalog:begin -->\n<!-- flowcatalog:end -->\n",
            "p.md: unbalanced markers: 2 begin and 1 end; expected exactly one of each",
        ),
        (
            "<!-- flowcatalog:begin -->\n",
            "p.md: unbalanced markers: 1 begin and 0 end; expected exactly one of each",
        ),
        (
            "<!-- flowcatalog:end -->\n<!-- flowcatalog:begin -->\n",
            "p.md: <!-- flowcatalog:end --> comes before <!-- flowcatalog:begin -->",
        ),
    ],
    ids=["no-markers", "two-begins", "no-end", "end-first"],
)
def test_bad_markers_are_refused(catalog: Catalog, page: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        render_page(page.encode(), catalog, "p.md")
    assert str(caught.value) == message


def test_changed_on_disk_is_refused(tmp_path: Path) -> None:
    page = tmp_path / "p.md"
    page.write_bytes(b"edited meanwhile\n")
    with pytest.raises(InputError) as caught:
        write_atomically(str(page), b"new\n", b"as read\n")
    assert str(caught.value).endswith(
        "page changed on disk while rendering; left untouched, run again"
    )
    assert page.read_bytes() == b"edited meanwhile\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.md"]


def test_render_check_then_render(run_cli: RunCli, in_tmp: Path) -> None:
    (in_tmp / "catalog.yaml").write_text(CATALOG)
    page = in_tmp / "p.md"
    page.write_bytes(PAGE.encode())
    stale = run_cli("render", "--check", "p.md")
    assert stale.code == 1
    assert stale.out.splitlines()[:6] == [
        "--- p.md (on disk)",
        "+++ p.md (rendered)",
        "@@ -3,7 +3,19 @@",
        " ## Current processes",
        " ",
        " <!-- flowcatalog:begin -->",
    ]
    assert "-old" in stale.out.splitlines()
    assert stale.err == "flowcatalog: p.md is out of date; run 'flowcatalog render p.md'\n"
    assert page.read_bytes() == PAGE.encode()

    done = run_cli("render", "p.md")
    assert (done.code, done.out, done.err) == (0, "", "flowcatalog: rendered p.md\n")
    assert page.read_text() == PAGE.replace("\nold\n", REGION)

    fresh = run_cli("render", "--check", "p.md")
    assert (fresh.code, fresh.out, fresh.err) == (0, "", "")


def test_render_without_markers_is_a_clean_error(run_cli: RunCli, in_tmp: Path) -> None:
    (in_tmp / "catalog.yaml").write_text(CATALOG)
    (in_tmp / "p.md").write_text("# T\n")
    result = run_cli("render", "p.md")
    assert result.code == 2
    assert result.err == (
        "flowcatalog: error: p.md: no <!-- flowcatalog:begin --> ... "
        "<!-- flowcatalog:end --> markers; nothing to render\n"
    )
    assert (in_tmp / "p.md").read_text() == "# T\n"


def test_repo_page_is_up_to_date(run_cli: RunCli, in_repo: Path) -> None:
    result = run_cli("render", "--check", "docs/customer-subscription-lifecycle.md")
    assert (result.code, result.out, result.err) == (0, "", "")


def test_heading_level_ignores_code(catalog: Catalog) -> None:
    page = "# Top\n\n```\n##### not a heading\n```\n\n" + PAGE.split("\n", 4)[4]
    new = render_page(page.encode(), catalog, "p.md").decode()
    assert "\n## Trial\n\n### UX flow documentation\n" in new
    assert "\n## Cancelation\n\n- [UX flow documentation]" in new


def test_render_refuses_html_pages(run_cli: RunCli, in_tmp: Path) -> None:
    (in_tmp / "catalog.yaml").write_text(CATALOG)
    (in_tmp / "p.html").write_text("<!-- flowcatalog:begin --><!-- flowcatalog:end -->")
    result = run_cli("render", "p.html")
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        "flowcatalog: error: p.html: render writes Markdown; expected a .md, .markdown or "
        ".md.erb page\n"
    )
