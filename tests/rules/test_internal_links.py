"""Internal links across a tiny site: relative and site-absolute links, index pages, source
files of rendered paths, anchors with duplicate headings and explicit ids."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowcatalog.pipeline.pages import lint_pages
from tests.conftest import RunCli

PAGES = {
    "handbook/index.md": "# Handbook\n\nStart here.\n",
    "handbook/values.md": (
        "# Values\n\n## Transparency\n\ntext\n\n## FAQ\n\nq\n\n## FAQ\n\nq\n\n"
        '## Results {#results-first}\n\nr\n\n<a name="legacy"></a>\nold\n'
    ),
    "handbook/team/_index.md": "# Team\n\nPeople.\n",
    "handbook/people/index.html.md": "# People\n\nHR.\n",
    "handbook/tools.html.md.erb": "# Tools\n\n<%= partial 'tools' %>\n",
    "handbook/logo.png": "",
}


def site(tmp_path: Path, page: str) -> Path:
    for name, text in PAGES.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (tmp_path / "handbook" / "links.md").write_text(page)
    return tmp_path


def findings(
    tmp_path: Path, page: str, **options: str
) -> list[tuple[int | None, int | None, str, str]]:
    root = site(tmp_path, page)
    lint = lint_pages([str(root / "handbook" / "links.md")], None, root_dir=str(root), **options)  # type: ignore[arg-type]
    return [
        (f.location.line, f.location.column, f.rule, f.message)
        for f in lint.findings
        if f.rule in ("page-link-broken", "page-anchor-missing")
    ]


GOOD = (
    "# Links\n\n"
    "[a](values.md) [b](./values.md#transparency) [c](values.md#faq-1) [d](values.md#results-first)\n"
    "[e](values.md#legacy) [f](team/) [g](people/) [h](/handbook/values/) [i](/handbook/values.html)\n"
    "[j](/handbook/tools.html) [k](../handbook/) [l](logo.png) [m](#links) [n](values#Transparency)\n"
    "[o](https://example.com/x) [p](mailto:a@example.com) [q](tools.html#anything)\n"
)


def test_links_that_resolve_are_silent(tmp_path: Path) -> None:
    assert findings(tmp_path, GOOD) == []


def test_missing_pages_and_anchors_are_errors_with_the_closest_target(tmp_path: Path) -> None:
    page = (
        "# Links\n\n"
        "[a](valeus.md) [b](values.md#transparancy) [c](/handbook/valuez/)\n"
        "[d](#nowhere) [e](values.md#faq-2) [f](gone/page.md) [g](logo.svg)\n"
    )
    assert findings(tmp_path, page) == [
        (
            3,
            1,
            "page-link-broken",
            "link target 'valeus.md' does not exist; did you mean 'values.md'?",
        ),
        (
            3,
            16,
            "page-anchor-missing",
            "'values.md' has no heading or id '#transparancy'; did you mean "
            "'values.md#transparency'?",
        ),
        (
            3,
            44,
            "page-link-broken",
            "link target '/handbook/valuez/' does not exist; did you mean '/handbook/values/'?",
        ),
        (
            4,
            1,
            "page-anchor-missing",
            "this page has no heading or id '#nowhere'; link to one of its headings or give "
            "the target that id",
        ),
        (
            4,
            15,
            "page-anchor-missing",
            "'values.md' has no heading or id '#faq-2'; did you mean 'values.md#faq-1'?",
        ),
        (
            4,
            36,
            "page-link-broken",
            "link target 'gone/page.md' does not exist; correct the path or remove the link",
        ),
        (
            4,
            54,
            "page-link-broken",
            "link target 'logo.svg' does not exist; did you mean 'logo.png'?",
        ),
    ]


def test_site_absolute_links_need_a_root(tmp_path: Path) -> None:
    root = site(tmp_path, "# L\n\n[a](/handbook/nowhere/)\n")
    lint = lint_pages([str(root / "handbook" / "links.md")], None)
    assert [f.rule for f in lint.findings] == []


@pytest.mark.parametrize(
    ("style", "anchor", "ok"),
    [
        ("gitlab", "a-b", True),
        ("github", "a-b", False),
        ("github", "a---b", True),
        ("kramdown", "getting-started", True),
        ("gitlab", "getting-started", False),
    ],
)
def test_anchors_follow_the_slug_style(tmp_path: Path, style: str, anchor: str, ok: bool) -> None:
    (tmp_path / "handbook").mkdir()
    (tmp_path / "handbook" / "t.md").write_text("# A - B\n\nx\n\n## 1. Getting started\n\ny\n")
    page = f"# L\n\n[x](t.md#{anchor})\n"
    found = findings(tmp_path, page, slug_style=style)
    assert (found == []) is ok


def test_relative_links_from_pretty_urls_resolve(tmp_path: Path) -> None:
    # links.md is served as /handbook/links/, so ../values/ names handbook/values.md
    assert findings(tmp_path, "# L\n\n[v](../values/) [t](../team/)\n") == []


def test_anchors_into_pages_that_were_not_linted_are_read_on_demand(tmp_path: Path) -> None:
    page = "# L\n\n[a](values.md#transparency) [b](values.md#nope) [c](tools.html.md.erb#x)\n"
    assert [(rule, col) for _, col, rule, _ in findings(tmp_path, page)] == [
        ("page-anchor-missing", 29)
    ]


def test_links_outside_the_site_and_from_index_pages(tmp_path: Path) -> None:
    root = site(tmp_path, "# L\n")
    (root / "handbook" / "index.md").write_text("# H\n\n[up](../../elsewhere.md) [x](nothere/)\n")
    lint = lint_pages([str(root / "handbook" / "index.md")], None, root_dir=str(root / "handbook"))
    assert [(f.rule, f.message) for f in lint.findings] == [
        (
            "page-link-broken",
            "link target 'nothere/' does not exist; correct the path or remove the link",
        )
    ]


def test_site_sections_the_root_does_not_hold_are_not_judged(tmp_path: Path) -> None:
    # /job-families/ is routed by the site generator or served by another app
    page = "# L\n\n[jobs](/job-families/engineering/) [x](/handbook/nothing-here/)\n"
    assert [(col, rule) for _, col, rule, _ in findings(tmp_path, page)] == [
        (36, "page-link-broken")
    ]


def test_haml_sources_of_rendered_paths(tmp_path: Path) -> None:
    (tmp_path / "company" / "team").mkdir(parents=True)
    (tmp_path / "company" / "team" / "index.html.haml").write_text("%h1 Team\n")
    assert findings(tmp_path, "# L\n\n[team](/company/team/)\n") == []


def test_edge_cases_of_the_site_listing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flowcatalog import fsio
    from flowcatalog.pipeline import site as pipeline

    root = site(tmp_path, "# L\n\n[gone](broken.md#x) [bin](blob.md#x) [v](values.md#nope)\n")
    (root / "handbook" / "broken.md").symlink_to(root / "nowhere.md")
    (root / "handbook" / "blob.md").write_bytes(b"\0binary")
    page = str(root / "handbook" / "links.md")
    # a root beside the pages: the listing covers both; unreadable targets are not judged
    lint = lint_pages([page], None, root_dir=str(root / "handbook" / "team"))
    assert [(f.rule, f.location.column) for f in lint.findings] == [("page-anchor-missing", 38)]
    assert pipeline.check_internal_links([], None) == []
    monkeypatch.setattr(fsio, "MAX_TREE_ENTRIES", 3)  # a tree too large is not listed
    assert [f.rule for f in lint_pages([page], None).findings] == []


def test_a_site_too_large_to_list_is_said_not_passed_in_silence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: RunCli
) -> None:
    from flowcatalog import fsio

    root = site(tmp_path / "hand\nbook", "# L\n\n[x](../other/gone.md)\n")  # (said escaped)
    monkeypatch.chdir(root)
    page = os.path.join("handbook", "links.md")
    assert run_cli("check", page, "--no-config", "--no-cache").code == 1  # judged: broken
    monkeypatch.setattr(fsio, "MAX_TREE_ENTRIES", 3)
    done = run_cli("check", page, "--no-config", "--no-cache")
    assert (done.code, done.err) == (
        0,
        f"flowcatalog: warning: internal links not checked: more than 3 files under "
        f"{tmp_path}/hand\\nbook; name the site's root with --root-dir\n",
    )


def test_pages_of_the_project_run_in_see_all_of_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = site(tmp_path, "# L\n\n[team](../handbook/team/) [x](../other/gone.md)\n")
    (root / "other").mkdir()
    page = root / "handbook" / "links.md"
    monkeypatch.chdir(root)
    lint = lint_pages([str(page.relative_to(root))], None)
    assert [(f.rule, f.location.column) for f in lint.findings] == [("page-link-broken", 27)]


def test_a_run_from_above_the_repository_lists_the_repository_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``check project/docs`` from the directory holding the project (a home directory,
    a CI workspace): the files listed are the repository's, not everything under the
    directory run in, and the findings are those of a run from the repository's top."""
    from flowcatalog.fsio import list_tree
    from flowcatalog.pipeline import pages as pipeline

    repository = tmp_path / "work" / "project"
    page_text = "# L\n\n[readme](../README.md) [x](../other/gone.md) [u](../../unrelated/d1/)\n"
    root = site(repository, page_text)
    (repository / ".git").mkdir()
    (repository / "README.md").write_text("# Project\n", encoding="utf-8")
    for n in range(50):  # beside the project, never listed
        (tmp_path / "work" / "unrelated" / f"d{n}").mkdir(parents=True)
    listed: list[str] = []

    def listing(top: str) -> tuple[frozenset[str], frozenset[str]] | None:
        listed.append(top)
        return list_tree(top)

    monkeypatch.setattr(pipeline, "list_tree", listing)
    page = root / "handbook" / "links.md"
    runs = []
    for here in (tmp_path / "work", repository):
        monkeypatch.chdir(here)
        lint = lint_pages([os.path.relpath(page, here)], None)
        runs.append([(f.rule, f.location.column, f.message) for f in lint.findings])
    assert listed == [str(repository)] * 2
    assert runs[0] == runs[1]
    assert [(rule, column) for rule, column, _ in runs[0]] == [("page-link-broken", 24)]
    monkeypatch.chdir(tmp_path / "work")  # outside git: the directory run in, as before
    shutil.rmtree(repository / ".git")
    lint_pages([os.path.relpath(page, tmp_path / "work")], None)
    assert listed[-1] == str(tmp_path / "work")


def test_a_misspelt_site_section_is_judged(tmp_path: Path) -> None:
    page = "# L\n\n[v](/handbok/values/)\n"
    assert findings(tmp_path, page) == [
        (
            3,
            1,
            "page-link-broken",
            "link target '/handbok/values/' does not exist; did you mean '/handbook/values/'?",
        )
    ]


@given(
    st.lists(
        st.lists(st.sampled_from(["a", "b", "c.md", "d.png", "x y"]), min_size=1, max_size=5),
        max_size=30,
    ),
    st.booleans(),
)
def test_the_children_index_names_what_lies_directly_under_each_directory(
    parts: list[list[str]], relative: bool
) -> None:
    """Built in one pass that stops at a directory met before, it equals the plain
    definition: every name one level under each ancestor of every path."""
    from flowcatalog.rules.internal_links import _children

    paths = [("" if relative else "/") + "/".join(p) for p in parts]
    files = frozenset(paths[::2])
    dirs = frozenset(paths[1::2])
    expected: dict[str, set[str]] = {}
    for path in (*files, *dirs):
        head = path
        while True:
            parent, name = os.path.split(head)
            if not name or parent == head:
                break
            expected.setdefault(parent, set()).add(name)
            head = parent
    assert _children.__wrapped__(files, dirs) == {k: frozenset(v) for k, v in expected.items()}


@given(
    st.lists(st.sampled_from(["a", "ab", "b", "a.b"]), max_size=4),
    st.lists(st.sampled_from(["a", "ab", "b", "a.b"]), max_size=3),
)
def test_inside_is_what_commonpath_says(path: list[str], top: list[str]) -> None:
    """The site's top is chosen with a string test; it agrees with ``os.path.commonpath``
    (``a/ab`` is not inside ``a/a``, ``/`` holds everything)."""
    from flowcatalog.pipeline.site import _inside

    p, t = os.path.normpath("/" + "/".join(path)), os.path.normpath("/" + "/".join(top))
    assert _inside(p, t) == (os.path.commonpath([t, p]) == t)
