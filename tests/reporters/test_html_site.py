"""The HTML report with context: several catalogs (a page each and an index), finding
locations linked to the source, thumbnails and design changes, the missing-snapshot notice."""

from __future__ import annotations

from dataclasses import replace

import pytest

from flowcatalog.report import ReportContext
from flowcatalog.reporters import html_coverage
from flowcatalog.views import (
    DesignChange,
    NodeView,
    SourceLinks,
    Thumbnail,
    source_links,
)
from tests.html_support import parse_html
from tests.online_support import png
from tests.report_fixture import KEY, clean_report, make_report


def _hrefs(markup: str) -> list[str]:
    return [a["href"] or "" for t, a in parse_html(markup).elements if t == "a"]


def test_two_catalogs_give_two_pages_and_an_index() -> None:
    first = replace(
        make_report(), context=ReportContext(title="Fulfillment", catalog_path="catalog.yaml")
    )
    second = replace(
        clean_report(),
        context=ReportContext(title="Growth & <trials>", catalog_path="growth/catalog.yaml"),
    )
    site = html_coverage.render_site([first, second])
    assert list(site) == ["index.html", "01-catalog-yaml.html", "02-growth-catalog-yaml.html"]
    index = site["index.html"]
    assert _hrefs(index) == ["01-catalog-yaml.html", "02-growth-catalog-yaml.html"]
    assert "Growth &amp; &lt;trials&gt;" in index
    rows = [" ".join(t.split()) for t in parse_html(index).text if t.strip()]
    assert "50.0%" in rows
    assert "100.0%" in rows
    for name in ("01-catalog-yaml.html", "02-growth-catalog-yaml.html"):
        assert _hrefs(site[name])[0] == "index.html"
    assert "<h1>Fulfillment: flow coverage 50.0%</h1>" in site["01-catalog-yaml.html"]
    assert (
        "<h1>Growth &amp; &lt;trials&gt;: flow coverage 100.0%</h1>"
        in site["02-growth-catalog-yaml.html"]
    )


def test_source_links_from_the_environment() -> None:
    gitlab = source_links(
        {"CI_PROJECT_URL": "https://gitlab.example.com/g/p", "CI_COMMIT_SHA": "abc"}, "/w"
    )
    assert (
        gitlab.blob("catalog.yaml", 12)
        == "https://gitlab.example.com/g/p/-/blob/abc/catalog.yaml#L12"
    )
    assert (
        gitlab.raw(".flowcatalog/t.png")
        == "https://gitlab.example.com/g/p/-/raw/abc/.flowcatalog/t.png"
    )
    github = source_links(
        {
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_REPOSITORY": "o/r",
            "GITHUB_SHA": "def",
        },
        "/w",
    )
    assert github.blob("docs/a b.md", 3) == "https://github.com/o/r/blob/def/docs/a%20b.md#L3"
    local = source_links({}, "/work/repo")
    assert local.blob("catalog.yaml", 12) == "file:///work/repo/catalog.yaml"
    assert local.blob("../etc/passwd", 1) is None
    assert local.blob("/etc/passwd", 1) is None


@pytest.mark.parametrize(
    ("path", "linked"),
    [
        ("docs/a.md", True),
        ("./docs/a.md", True),
        ("docs//a.md", True),
        ("docs/..a.md", True),
        ("docs/a..md", True),
        ("docs/../a.md", False),
        ("docs/..", False),
        ("..", False),
        ("/etc/passwd", False),
        ("//host/share", False),
        ("", False),
    ],
)
def test_source_links_never_leave_the_repository(path: str, linked: bool) -> None:
    """Only a relative path without a ``..`` part gets a source link."""
    sources = SourceLinks("github", "https://github.com/o/r/blob/def")
    assert (sources.blob(path, 3) is not None) is linked


def test_findings_link_to_their_source() -> None:
    sources = SourceLinks("gitlab", "https://gitlab.example.com/g/p/-/blob/abc", None)
    report = replace(make_report(), context=ReportContext(sources=sources))
    page = html_coverage.render(report)
    first = next(f.location for f in report.findings if f.location.line)
    assert (
        f'<a href="https://gitlab.example.com/g/p/-/blob/abc/{first.path}#L{first.line}">'
        f"<code>{first}</code></a>"
    ) in page


def test_thumbnails_names_dates_and_design_changes() -> None:
    before = Thumbnail(png((250, 250, 250), (320, 180)), 320, 180)
    after = Thumbnail(png((20, 20, 20), (320, 180)), 320, 180)
    view = NodeView(KEY, "1:2", node_name="Trial / SaaS", last_modified="2026-01-02T03:04:05Z",
                    thumbnail=before)  # fmt: skip
    change = DesignChange("changed", KEY, "1:2", "Trial / SaaS", "7", "8", before=before, after=after,
                          url=f"https://www.figma.com/design/{KEY}?node-id=1-2")  # fmt: skip
    report = replace(
        make_report(online=False),
        context=ReportContext(
            nodes={(KEY, "1:2", None): view}, snapshot="present", changes=(change,)
        ),
    )
    page = html_coverage.render(report)
    images = [a for t, a in parse_html(page).elements if t == "img"]
    assert [a["alt"] for a in images] == [
        "Thumbnail of Trial / SaaS",
        "Trial / SaaS as documented",
        "Trial / SaaS now",
    ]
    assert all((a["src"] or "").startswith("data:image/png;base64,") for a in images)
    assert '<time datetime="2026-01-02T03:04:05Z">2026-01-02</time>' in page
    assert (
        "Frame \u2018Trial / SaaS\u2019 changed in Figma since it was documented (version 7 \u2192 8)"
        in page
    )
    assert page.count('<span class="nothumb">not in the snapshot</span>') == 4
    assert (
        page.count('<span class="note changed">\u26a0 changed in Figma since documented</span>')
        == 1
    )


def test_missing_snapshot_says_what_it_would_show() -> None:
    report = replace(make_report(online=False), context=ReportContext(snapshot="missing"))
    page = html_coverage.render(report)
    assert "No Figma snapshot yet: 4 Figma nodes shown by id." in page
    assert "Figma node 1:2" in page
