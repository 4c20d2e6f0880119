"""Patched runs: when only some pages' bytes changed since the last run, the report is the
last one's with those pages linted again, their internal links and those of the pages that
named their anchors checked again, and the links counted again; it is exactly the report a
run without any cache gives, and the next run takes it from the memo."""

from __future__ import annotations

import os
import random
import sqlite3
from pathlib import Path

import pytest

from flowcatalog.pipeline import page_codec, pages, run_patch
from flowcatalog.report import Report
from flowcatalog.reporters import get_reporter
from tests.pipeline.memo_support import PAGES, cached, plain

CATALOG = (
    "version: 1\ntitle: T\ndeployments:\n  - id: saas\n    name: SaaS\nstages:\n"
    "  - id: trial\n    name: Trial\n    flows:\n      - name: Start\n"
    "        deployments: [saas]\n        links:\n"
    "          - https://www.figma.com/design/AbCdEfGhIjKlMnOpQrStUv/x?node-id=0-1\n"
    "pages:\n  - path: docs/p00.md\n"
)


@pytest.fixture
def linted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The pages linted (parsed) from here on, by path."""
    paths: list[str] = []
    original = pages._lint_one

    def spy(work: pages._Work) -> pages._Linted:
        paths.append(work[0])
        return original(work)

    monkeypatch.setattr(pages, "_lint_one", spy)
    return paths


def _same_as_plain(report: Report, **fields: object) -> Report:
    """Assert that ``report`` is the report of a run without cache, to the byte in every
    format that writes findings and links; that plain report."""
    fresh = plain(**fields)
    assert report == fresh
    for name in ("json", "text", "sarif", "markdown"):
        assert get_reporter(name)(report) == get_reporter(name)(fresh), name
    return fresh


def _edit(page: Path, old: str, new: str) -> None:
    text = page.read_text(encoding="utf-8")
    assert old in text
    page.write_text(text.replace(old, new, 1), encoding="utf-8")


def _rules(report: Report, path: str) -> list[str]:
    return sorted(f.rule for f in report.findings if f.location.path == path)


def test_one_changed_page_is_the_only_one_linted(
    tmp_path: Path, site: Path, linted: list[str]
) -> None:
    cached(tmp_path)
    page = site / "docs" / "p07.md"
    _edit(page, "TODO", "TODO and [gone](missing.md)")
    linted.clear()
    report, cache = cached(tmp_path)
    assert (cache.memo_hits, cache.memo_patches) == (0, 1)
    assert linted == [os.path.join("docs", "p07.md")]
    fresh = _same_as_plain(report)
    assert "page-link-broken" in [f.rule for f in fresh.findings if "missing.md" in f.message]
    again, cache = cached(tmp_path)  # the patched report was remembered in turn
    assert (cache.memo_hits, cache.memo_patches) == (1, 0)
    assert again == fresh


def test_a_renamed_heading_is_checked_again_from_the_pages_that_link_to_it(
    tmp_path: Path, site: Path, linted: list[str]
) -> None:
    """p06 links to p07#flow: renaming that heading changes p06's findings, though p06 is
    unchanged (and not parsed again: its links and p07's ids come from the cache)."""
    before, _ = cached(tmp_path)
    assert "page-anchor-missing" not in [
        f.rule for f in before.findings if f.location.path == "docs/p06.md" and "p07" in f.message
    ]
    _edit(site / "docs" / "p07.md", "## Flow", "## Flows")
    linted.clear()
    report, cache = cached(tmp_path)
    assert cache.memo_patches == 1
    assert linted == [os.path.join("docs", "p07.md")]
    fresh = _same_as_plain(report)
    assert [
        f.message
        for f in fresh.findings
        if f.location.path == "docs/p06.md"
        and f.rule == "page-anchor-missing"
        and "p07" in f.message
    ] == ["'p07.md' has no heading or id '#flow'; did you mean 'p07.md#flows'?"]
    _edit(site / "docs" / "p07.md", "## Flows", "## Flow")  # and back
    report, cache = cached(tmp_path)
    assert cache.memo_patches == 1
    assert _same_as_plain(report) == before


def test_links_are_counted_again(tmp_path: Path, site: Path) -> None:
    """A new Figma link, a link removed that no other page has, one that others still have,
    and a blank one: the counts and the groups are those of a plain run."""
    first, _ = cached(tmp_path)
    page = site / "docs" / "p11.md"
    _edit(page, "[shared](https://example.com/shared)", "[shared]( )")
    _edit(page, "TODO", "[new](https://www.figma.com/design/ZyXwVuTsRqPoNmLkJiHgFe/y?node-id=5-5)")
    _edit(site / "docs" / "p12.md", "TODO", "[only here](https://example.org/once)")
    report, cache = cached(tmp_path)
    assert cache.memo_patches == 1
    assert len(report.links) == len(first.links) + 2
    assert report.figma_link_count == first.figma_link_count + 1
    _same_as_plain(report)
    _edit(site / "docs" / "p12.md", "[only here](https://example.org/once)", "TODO")
    report, cache = cached(tmp_path)
    assert cache.memo_patches == 1
    assert len(report.links) == len(first.links) + 1
    _same_as_plain(report)


def test_a_page_the_catalog_lists_is_a_full_run(
    tmp_path: Path, site: Path, linted: list[str]
) -> None:
    """Drift compares the pages the catalog lists with it: a change to one of them is no
    patch; a change to another page is."""
    (site / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    cached(tmp_path, catalog_path="catalog.yaml")
    _edit(site / "docs" / "p00.md", "node-id=0-1", "node-id=0-2")
    linted.clear()
    report, cache = cached(tmp_path, catalog_path="catalog.yaml")
    assert cache.memo_patches == 0
    assert linted == [os.path.join("docs", "p00.md")]  # the others' results are cached
    fresh = _same_as_plain(report, catalog_path="catalog.yaml")
    assert "page-link-not-in-catalog" in _rules(fresh, "docs/p00.md")
    _edit(site / "docs" / "p05.md", "TODO", "done")
    report, cache = cached(tmp_path, catalog_path="catalog.yaml")
    assert cache.memo_patches == 1
    _same_as_plain(report, catalog_path="catalog.yaml")


def test_many_changed_pages_are_a_full_run(
    tmp_path: Path, site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cached(tmp_path)
    limit = max(1, int(PAGES * run_patch.MAX_SHARE))
    for n in range(limit + 1):
        _edit(site / "docs" / f"p{n:02d}.md", "TODO", "TBD")
    report, cache = cached(tmp_path)
    assert cache.memo_patches == 0
    _same_as_plain(report)
    for n in range(limit):
        _edit(site / "docs" / f"p{n:02d}.md", "TBD", "TODO")
    report, cache = cached(tmp_path)
    assert cache.memo_patches == 1
    _same_as_plain(report)


def test_a_page_result_the_cache_lost_is_a_full_run(tmp_path: Path, site: Path) -> None:
    """The changed page's last result (its old links) and an unchanged page's (its links
    and ids) are what a patch reads from the cache; without either, the run is a full one."""
    cached(tmp_path)
    db_path = tmp_path / "cache-pages.sqlite3"

    def drop_result_of(page: Path) -> None:
        with sqlite3.connect(db_path) as db:
            for key, blob in db.execute("SELECT key, result FROM pages").fetchall():
                decoded = page_codec.decode(blob)
                page_of = decoded[1] if decoded is not None else None
                if page_of is not None and os.path.abspath(page_of.path) == str(page):
                    db.execute("DELETE FROM pages WHERE key = ?", (key,))

    page = site / "docs" / "p20.md"
    drop_result_of(page)
    _edit(page, "TODO", "TBD")
    report, cache = cached(tmp_path)
    assert cache.memo_patches == 0
    _same_as_plain(report)
    drop_result_of(site / "docs" / "p20.md")  # p20 links to p21#flow: p21's ids are read
    _edit(site / "docs" / "p21.md", "## Flow", "## Flowing")
    report, cache = cached(tmp_path)
    assert cache.memo_patches == 0
    _same_as_plain(report)


def test_a_page_that_stops_being_one_is_a_full_run(tmp_path: Path, site: Path) -> None:
    """A page that cannot be decoded gives a finding and no page (no links, no ids, no
    source): the sources change, so the run is a full one, and so is its repair."""
    cached(tmp_path)
    page = site / "docs" / "p09.md"
    text = page.read_bytes()
    page.write_bytes(b"# Page\xff\xfe bytes that are no UTF-8\n")
    report, cache = cached(tmp_path)
    assert cache.memo_patches == 0
    assert _rules(_same_as_plain(report), "docs/p09.md") == ["page-encoding"]
    page.write_bytes(text)
    report, cache = cached(tmp_path)
    assert cache.memo_patches == 0
    _same_as_plain(report)


def test_a_changed_page_that_names_another_pages_anchor(tmp_path: Path, site: Path) -> None:
    """A changed page's new links are checked against the ids of unchanged pages (from the
    cache) and of a page outside the linted ones (read, and remembered for the next run)."""
    cached(tmp_path)
    page = site / "docs" / "p15.md"
    _edit(page, "TODO", "[a](p30.md#nope) [b](p30.md#flow) [c](../other/notes.md#setup)")
    report, cache = cached(tmp_path)
    assert cache.memo_patches == 1
    _same_as_plain(report)
    (site / "other" / "notes.md").write_text("# Notes\n\n## Install\n", encoding="utf-8")
    report, cache = cached(tmp_path)  # the page read for its ids changed: no hit, no patch
    assert (cache.memo_hits, cache.memo_patches) == (0, 0)
    _same_as_plain(report)


def test_any_sequence_of_page_edits_equals_a_plain_run(tmp_path: Path, site: Path) -> None:
    """Edits in turn (headings renamed and restored, links added to pages and anchors that
    exist or not, placeholders, Figma links, links removed, several pages at once): after
    each, the report is the plain run's, and most runs were patches."""
    rng = random.Random(7)
    docs = site / "docs"
    cached(tmp_path)
    patches = 0
    runs = 14
    for _ in range(runs):
        for _ in range(rng.choice([1, 1, 2, 3])):
            page = docs / f"p{rng.randrange(PAGES):02d}.md"
            text = page.read_text(encoding="utf-8")
            target = f"p{rng.randrange(PAGES):02d}.md"
            step = rng.choice(["heading", "anchor", "placeholder", "figma", "remove", "broken"])
            if step == "heading":
                text = (
                    text.replace("## Flow\n", "## Steps\n")
                    if "## Flow\n" in text
                    else (text.replace("## Steps\n", "## Flow\n"))
                )
            elif step == "anchor":
                text += f"\n[see]({target}#{rng.choice(['flow', 'steps', 'page-3'])})\n"
            elif step == "placeholder":
                text += "\n_coming soon_\n"
            elif step == "figma":
                node = rng.randrange(3)
                text += f"\n[f](https://www.figma.com/design/QwErTyUiOpAsDfGhJkLzXc/z?node-id={node}-1)\n"
            elif step == "remove":
                text = text.replace("[shared](https://example.com/shared)", "")
            else:
                text += f"\n[x]({target.replace('.md', '.mdx')})\n"
            page.write_text(text, encoding="utf-8")
        report, cache = cached(tmp_path)
        patches += cache.memo_patches
        _same_as_plain(report)
    assert patches >= runs // 2, patches


def test_a_catalog_that_lists_no_page_compares_them_all(tmp_path: Path, site: Path) -> None:
    """Without ``pages:``, every page given documents the catalog: drift compares all of
    them, so no change is patched."""
    (site / "catalog.yaml").write_text(CATALOG.split("pages:")[0], encoding="utf-8")
    cached(tmp_path, catalog_path="catalog.yaml")
    _edit(site / "docs" / "p05.md", "node-id=5-1", "node-id=0-1")
    report, cache = cached(tmp_path, catalog_path="catalog.yaml")
    assert cache.memo_patches == 0
    fresh = _same_as_plain(report, catalog_path="catalog.yaml")
    assert fresh.coverage is not None


def test_site_absolute_links_and_their_anchors(tmp_path: Path, site: Path) -> None:
    """With a site root, ``/docs/p10.md#flow`` names p10's anchor too: a page linking so is
    checked again when p10's headings change."""
    _edit(site / "docs" / "p03.md", "TODO", "[abs](/docs/p10.md#flow) [up](/other/notes.md)")
    cached(tmp_path, root_dir=".")
    _edit(site / "docs" / "p10.md", "## Flow", "## Other")
    report, cache = cached(tmp_path, root_dir=".")
    assert cache.memo_patches == 1
    fresh = _same_as_plain(report, root_dir=".")
    assert any(
        f.location.path == "docs/p03.md" and "/docs/p10.md" in f.message
        for f in fresh.findings
        if f.rule == "page-anchor-missing"
    )
