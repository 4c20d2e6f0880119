"""Malformed link targets and broken link syntax: each at its exact line and column."""

from __future__ import annotations

import pytest

from flowcatalog.pages.markdown import parse_markdown
from flowcatalog.rules.link_targets import target_problem
from tests.page_support import lint_text


def findings(text: str) -> list[tuple[int | None, int | None, str, str]]:
    return [(f.location.line, f.location.column, f.rule, f.message) for f in lint_text(text)]


@pytest.mark.parametrize(
    ("target", "rule", "message"),
    [
        (
            "hhttps://example.com/a",
            "page-link-scheme",
            "link target 'hhttps://example.com/a' has an unknown scheme 'hhttps'; "
            "write https://example.com/a",
        ),
        (
            "htps://example.com",
            "page-link-scheme",
            "link target 'htps://example.com' has an unknown scheme 'htps'; "
            "write https://example.com",
        ),
        (
            "https//example.com",
            "page-link-scheme",
            "link target 'https//example.com' lacks the ':' of its scheme; "
            "write https://example.com",
        ),
        (
            "gitlab.com/group/project",
            "page-link-no-scheme",
            "link target 'gitlab.com/group/project' has no scheme and is read as a relative "
            "path; write https://gitlab.com/group/project",
        ),
        (
            "app.slack.com/client/T1",
            "page-link-no-scheme",
            "link target 'app.slack.com/client/T1' has no scheme and is read as a relative "
            "path; write https://app.slack.com/client/T1",
        ),
        (
            "Example.com",
            "page-link-no-scheme",
            "link target 'Example.com' has no scheme and is read as a relative path; "
            "write https://Example.com",
        ),
        (
            "www.example.com",
            "page-link-no-scheme",
            "link target 'www.example.com' has no scheme and is read as a relative path; "
            "write https://www.example.com",
        ),
        (
            "page.html.",
            "page-link-target-malformed",
            "link target 'page.html.' ends with '.' from the sentence; write page.html",
        ),
        (
            "/handbook/x/https://example.com/y",
            "page-link-target-malformed",
            "an absolute URL is glued into the path '/handbook/x/https://example.com/y'; "
            "link to https://example.com/y alone",
        ),
        (
            "page/#https://example.com/z",
            "page-link-target-malformed",
            "an absolute URL is glued into the path 'page/#https://example.com/z'; "
            "link to https://example.com/z alone",
        ),
        (
            "jane@example.com",
            "page-link-target-malformed",
            "link target 'jane@example.com' is an e-mail address; write mailto:jane@example.com",
        ),
        (
            "FIXME",
            "page-link-placeholder-target",
            "link target 'FIXME' is a placeholder; put the real URL there",
        ),
        (
            "url",
            "page-link-placeholder-target",
            "link target 'url' is a placeholder; put the real URL there",
        ),
    ],
)
def test_malformed_targets_name_the_fix(target: str, rule: str, message: str) -> None:
    assert findings(f"# A\n\nSee the [x]({target}) page.\n") == [(3, 9, rule, message)]


def test_a_doubled_parenthesis() -> None:
    assert findings("# A\n\n[x]((https://example.com/a))\n") == [
        (
            3,
            1,
            "page-link-target-malformed",
            "link target '(https://example.com/a)' is in doubled parentheses; "
            "keep one pair: (https://example.com/a)",
        )
    ]


@pytest.mark.parametrize(
    "target",
    [
        "../values.md#trust",
        "./dir/",
        "/handbook/values/",
        "mailto:jane@example.com",
        "slack://channel?id=1",
        "https://en.wikipedia.org/wiki/Apple_Inc.",
        "README.md",
        "requirements.in",
        "//cdn.example.com/x.js",
        "#section",
        "vscode:extension/x.y",
    ],
)
def test_well_formed_targets_are_fine(target: str) -> None:
    assert target_problem(target) is None


def test_broken_link_syntax_is_reported_where_it_stands_and_its_target_kept() -> None:
    text = (
        "# A\n\n"
        "See [docs] (../docs.md) now.\n"
        "Or [x](https://example.com/my docs).\n"
        "Or (help)[#content-help].\n"
        "Or [https://example.com/z](#zed).\n"
    )
    syntax = [f for f in findings(text) if f[2] == "page-link-syntax"]
    assert [(line, col, rule) for line, col, rule, _ in syntax] == [
        (3, 5, "page-link-syntax"),
        (4, 4, "page-link-syntax"),
        (5, 4, "page-link-syntax"),
        (6, 4, "page-link-syntax"),
    ]
    messages = [m for *_, m in syntax]
    assert messages == [
        "space between ']' and '(' breaks the link; write [docs](../docs.md)",
        "space in link target 'https://example.com/my docs' breaks the link; write it as %20 "
        "or put the target in <...>",
        "text and target are reversed, so this is no link; write [help](#content-help)",
        "link text is a URL and the target '#zed' is not: text and target look swapped; "
        "write [zed](https://example.com/z)",
    ]
    urls = [
        (link.url, link.location.line, link.location.column)
        for link in parse_markdown("p.md", text).links
    ]
    assert ("../docs.md", 3, 13) in urls
    assert ("#content-help", 5, 11) in urls
    assert ("https://example.com/z", 6, 4) in urls
    assert not [url for url, *_ in urls if url.startswith("https://example.com/my")]


def test_an_unclosed_code_fence_is_reported_at_its_opening() -> None:
    text = "# A\n\ntext\n\n```sh\nrun [x](https://example.com/)\n\n## Later\n"
    assert findings(text) == [
        (
            5,
            1,
            "page-code-fence-unclosed",
            "code fence '```' is never closed: the rest of the page is shown as code; close it "
            "with a line '```'",
        )
    ]
    assert findings("# A\n\n```sh\nrun\n```\n") == []
    assert findings("# A\n\n- item\n\n  ~~~~\n  code\n  ~~~~\n") == []


def test_a_metadata_block_mid_page_is_reported_and_its_links_kept() -> None:
    text = "# A\n\ntext\n\n---\nSee [x](https://example.com/meta) here\n---\n\nmore\n"
    assert [(line, col, rule) for line, col, rule, _ in findings(text)] == [
        (5, 1, "page-metadata-misplaced")
    ]
    links = parse_markdown("p.md", text).links
    assert [(link.url, link.location.line, link.location.column) for link in links] == [
        ("https://example.com/meta", 6, 5)
    ]
    assert findings("---\ntitle: x\n---\n\n# A\n\ntext\n") == []


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (
            "https:/example.com/x",
            "link target 'https:/example.com/x' needs '//' after 'https:'; write https://example.com/x",
        ),
        ("@jane", "link target '@jane' is a handle, not a URL; link to the profile page"),
        (
            "foo://example.com",
            "link target 'foo://example.com' has an unknown scheme 'foo'; write https://example.com",
        ),
        (
            "docs/page.md,",
            "link target 'docs/page.md,' ends with ',' from the sentence; write docs/page.md",
        ),
    ],
)
def test_more_malformed_targets(target: str, message: str) -> None:
    problem = target_problem(target)
    assert problem is not None
    assert problem.message == message


@pytest.mark.parametrize("target", ["note:thing", "https://example.com/a/b.", "x!.", "#a:"])
def test_targets_left_alone(target: str) -> None:
    assert target_problem(target) is None


def test_fence_and_swap_edges() -> None:
    from flowcatalog.model import Location
    from flowcatalog.pages.syntax import fence_unclosed, swapped_link

    assert fence_unclosed(b"") is False
    assert fence_unclosed(b"    indented code\n") is False
    assert fence_unclosed(b"```\ncode\n\n") is True
    assert fence_unclosed(b"> ```\n> code\n> ```\n") is False
    where = Location("p.md", 1, 1)
    assert swapped_link("https://a.example/x", "/docs/x", where) is None
    assert swapped_link("docs", "#docs", where) is None
    finding = swapped_link("https://a.example/x", "guide", where)
    assert finding is not None
    assert finding.rule == "page-link-syntax"


def test_a_reference_link_without_its_definition_shows_as_text() -> None:
    text = "# A\n\nSee [the docs][docs-page] and [defined][d] and array[0][1].\n\n[d]: https://d.example/\n"
    assert findings(text) == [
        (
            3,
            5,
            "page-link-syntax",
            "reference link [the docs][docs-page] has no definition, so it shows as text; add a "
            "line [docs-page]: URL or write [the docs](URL)",
        )
    ]


def test_a_target_in_square_brackets_is_kept_as_the_link_it_meant() -> None:
    text = "# A\n\nA build system knows [modules][#module].\n\n## Module\n\nx\n"
    assert findings(text) == [
        (
            3,
            22,
            "page-link-syntax",
            "[modules][#module] puts the target in square brackets, so it shows as text; "
            "write [modules](#module)",
        )
    ]
    assert findings("# A\n\nGrants in [shares][Verify this number against the report].\n") == []
