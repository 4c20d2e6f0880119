"""The run memo: a run whose inputs are all unchanged gives the last run's report without
linting or grouping anything; any changed input (a page, the site's files, a page read only
for its ids, the catalog, a setting, the directory run in) is a miss that gives exactly the
report a run without any cache gives."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from flowcatalog.pipeline import page_codec, run_memo
from flowcatalog.report import LinkGroups, Report
from flowcatalog.reporters import get_reporter
from tests.pipeline.memo_support import PAGES
from tests.pipeline.memo_support import cached as _cached
from tests.pipeline.memo_support import plain as _plain


def _rules(report: Report) -> list[tuple[str, str]]:
    return [(f.rule, f.location.path) for f in report.findings]


def test_an_unchanged_run_comes_from_the_memo_and_equals_a_plain_run(
    tmp_path: Path, site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, cache = _cached(tmp_path)
    assert cache.memo_hits == 0
    decoded: list[bytes] = []
    original = page_codec.decode

    def spy(blob: bytes) -> object:
        decoded.append(blob)
        return original(blob)

    monkeypatch.setattr(page_codec, "decode", spy)
    second, cache = _cached(tmp_path)
    assert cache.memo_hits == 1
    assert cache.hits == 0  # no page result was decoded: only the memo's findings
    assert len(decoded) == 1
    assert isinstance(second.links, LinkGroups)
    # the outputs that need only counts never make the groups
    text = get_reporter("text")(second)
    assert second.links._groups is None
    assert len(decoded) == 1
    plain = _plain()
    assert text == get_reporter("text")(plain)
    assert second == first == plain  # the groups are made, from the page results, when asked
    assert second.links._groups is not None
    assert len(second.links) == len(plain.links)
    assert second.figma_link_count == PAGES
    assert get_reporter("json")(second) == get_reporter("json")(plain)
    rules = _rules(plain)
    assert ("page-placeholder", "docs/p00.md") in rules
    assert ("page-anchor-missing", "docs/p00.md") in rules  # '#install' of other/notes.md
    assert ("page-link-broken", "docs/p00.md") in rules  # the diagram


@pytest.mark.parametrize(
    "change",
    [
        "edit a page",
        "same size, times put back",
        "add the missing image",
        "add the anchor to the page read for its ids",
        "a new page",
        "remove a page",
    ],
)
def test_a_changed_input_misses_and_gives_the_fresh_report(
    tmp_path: Path, site: Path, change: str
) -> None:
    _cached(tmp_path)
    page = site / "docs" / "p03.md"
    if change == "edit a page":
        page.write_text(page.read_text() + "\nMore TODO here.\n")
    elif change == "same size, times put back":
        before = page.stat()
        page.write_text(page.read_text().replace("TODO", "TBD!"))
        os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))
    elif change == "add the missing image":
        (site / "docs" / "img" / "diagram.png").write_bytes(b"\x89PNG")
    elif change == "add the anchor to the page read for its ids":
        (site / "other" / "notes.md").write_text("# Notes\n\n## Install\n", encoding="utf-8")
    elif change == "a new page":
        (site / "docs" / "zz.md").write_text("# New\n\nTODO\n", encoding="utf-8")
    else:
        page.unlink()
    report, cache = _cached(tmp_path)
    assert cache.memo_hits == 0
    plain = _plain()
    assert report == plain
    assert get_reporter("json")(report) == get_reporter("json")(plain)
    again, cache = _cached(tmp_path)  # and the new state is remembered in turn
    assert cache.memo_hits == 1
    assert again == plain


def test_settings_the_directory_and_the_catalog_are_part_of_the_memo(
    tmp_path: Path, site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _cached(tmp_path)
    for fields in ({"slug_style": "github"}, {"root_dir": "."}):
        report, cache = _cached(tmp_path, **fields)
        assert cache.memo_hits == 0
        assert report == _plain(**fields)
    (site / "catalog.yaml").write_text(
        "version: 1\ntitle: T\ndeployments:\n  - id: saas\n    name: SaaS\nstages:\n"
        "  - id: trial\n    name: Trial\n    flows:\n      - name: Start\n"
        "        deployments: [saas]\n        links:\n"
        "          - https://www.figma.com/design/AbCdEfGhIjKlMnOpQrStUv/x?node-id=0-1\n",
        encoding="utf-8",
    )
    with_catalog, cache = _cached(tmp_path, catalog_path="catalog.yaml")
    assert cache.memo_hits == 0
    assert with_catalog.coverage is not None
    assert with_catalog.coverage.documented == 1
    (site / "catalog.yaml").write_text(
        (site / "catalog.yaml").read_text().replace("node-id=0-1", "node-id=1-1")
    )
    edited, cache = _cached(tmp_path, catalog_path="catalog.yaml")
    assert cache.memo_hits == 0
    assert edited == _plain(catalog_path="catalog.yaml") != with_catalog
    # the same pages seen from another directory name them otherwise
    monkeypatch.chdir(site / "docs")
    elsewhere, cache = _cached(tmp_path, pages=(".",))
    assert cache.memo_hits == 0
    assert elsewhere == _plain(pages=(".",))
    monkeypatch.chdir(site)
    again, cache = _cached(tmp_path, catalog_path="catalog.yaml")
    assert cache.memo_hits == 1  # its memo was kept beside the other's: one per way of running
    assert again == edited


def test_one_memo_per_way_of_running(tmp_path: Path, site: Path) -> None:
    """A change replaces the memo of that run: the cache grows by the changed page's result
    only."""
    _cached(tmp_path)

    def entries() -> int:
        with sqlite3.connect(tmp_path / "cache-pages.sqlite3") as db:
            return int(db.execute("SELECT count(*) FROM pages").fetchone()[0])

    before = entries()
    for n in range(3):
        page = site / "docs" / "p05.md"
        page.write_text(page.read_text() + f"\nEdit {n}.\n")
        _cached(tmp_path)
    assert entries() == before + 3


def test_no_memo_below_its_size_nor_for_every_occurrence(
    tmp_path: Path, site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _cached(tmp_path, every_occurrence=True)
    _, cache = _cached(tmp_path, every_occurrence=True)
    assert cache.memo_hits == 0
    assert cache.hits == PAGES
    monkeypatch.setattr(run_memo, "MIN_PAGES", PAGES + 1)
    _cached(tmp_path)
    _, cache = _cached(tmp_path)
    assert cache.memo_hits == 0
    assert cache.hits == PAGES


def test_a_damaged_memo_is_a_miss(tmp_path: Path, site: Path) -> None:
    _cached(tmp_path)
    with sqlite3.connect(tmp_path / "cache-pages.sqlite3") as db:
        # the memo's two entries (the report, what a patch needs) are no page results
        rows = db.execute("SELECT key, result FROM pages").fetchall()
        memos = [key for key, blob in rows if page_codec.decode(blob) is None]
        assert len(memos) == 2
        for key in memos:
            db.execute("UPDATE pages SET result = ? WHERE key = ?", (b"\x00damaged", key))
    report, cache = _cached(tmp_path)
    assert (cache.memo_hits, cache.memo_patches) == (0, 0)
    assert report == _plain()


def test_page_results_lost_after_a_hit_are_linted_again(tmp_path: Path, site: Path) -> None:
    """The groups are made after the run, from the page results; a result the cache no
    longer has (another run's damage) is linted again rather than missing."""
    _cached(tmp_path)
    report, cache = _cached(tmp_path)
    assert cache.memo_hits == 1
    with sqlite3.connect(tmp_path / "cache-pages.sqlite3") as db:
        rows = db.execute("SELECT key, result FROM pages").fetchall()
        pages = [key for key, blob in rows if page_codec.decode(blob) is not None]
        db.execute("DELETE FROM pages WHERE key = ?", (pages[0],))
    assert report.links == _plain().links


def test_a_run_after_any_sequence_of_changes_equals_a_plain_run(tmp_path: Path, site: Path) -> None:
    """Changes in turn, some undone later (an undone change meets an older memo's state, not
    the one kept): after each, the cached run's report is the plain run's."""
    import random

    rng = random.Random(13)
    docs = site / "docs"
    image = docs / "img" / "diagram.png"
    notes = site / "other" / "notes.md"
    hits = []
    for _ in range(12):
        page = docs / f"p{rng.randrange(PAGES):02d}.md"
        step = rng.choice(["edit", "undo", "image", "anchor", "touch", "none"])
        if step == "edit" and page.exists():
            page.write_text(page.read_text() + "\nTODO again.\n")
        elif step == "undo" and page.exists():
            page.write_text(page.read_text().replace("\nTODO again.\n", "", 1))
        elif step == "image" and image.exists():
            image.unlink()
        elif step == "image":
            image.write_bytes(b"\x89PNG")
        elif step == "anchor":
            text = notes.read_text()
            notes.write_text(text.replace("Setup", "Install") if "Setup" in text else "# N\n")
        elif step == "touch" and page.exists():
            os.utime(page)
        report, cache = _cached(tmp_path)
        hits.append(cache.memo_hits)
        assert report == _plain(), step
    assert 0 < sum(hits) < len(hits), hits  # both hits and misses were met


def test_a_symlink_pointed_back_into_the_repository_is_a_miss(tmp_path: Path, site: Path) -> None:
    """A linked page that resolves outside the repository is never read; pointed at a page
    inside it instead (the names in the tree unchanged), the memo's report is not used."""
    outside = tmp_path / "outside.md"
    outside.write_text("# Secret\n\n## Install\n", encoding="utf-8")
    link = site / "other" / "elsewhere.md"  # not among the pages linted: read for its ids
    link.symlink_to(outside)
    page = site / "docs" / "p01.md"
    page.write_text(page.read_text() + "\n[there](../other/elsewhere.md#install)\n")
    first, _ = _cached(tmp_path)
    assert first == _plain()
    link.unlink()
    link.symlink_to(site / "other" / "notes.md")  # inside now: read, and no "install"
    report, cache = _cached(tmp_path)
    assert cache.memo_hits == 0
    assert report == _plain()
    assert report.findings != first.findings
