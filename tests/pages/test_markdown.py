"""Markdown extraction: every construct of a real handbook page at its exact line:column."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowcatalog.pages.doc import PageDoc
from flowcatalog.pages.html_tags import line_starts
from flowcatalog.pages.load import read_page
from flowcatalog.pages.markdown import _MASK, _runs_with, mask_spans, parse_markdown
from flowcatalog.rules.page_content import (
    DEFAULT_PLACEHOLDERS,
    page_findings,
    run_keys,
)
from tests.page_support import lint_files, lint_text

DATA = Path(__file__).resolve().parents[1] / "data" / "pages"
FIGMA = "https://www.figma.com/design/DCq7K8Srsv79tbH1yRkGbl/x?node-id="


def links_of(doc: PageDoc) -> list[tuple[int | None, int | None, str, str, str]]:
    return [
        (link.location.line, link.location.column, link.kind.value, link.url, link.text)
        for link in doc.links
    ]


def rules_of(text: str) -> list[tuple[int | None, int | None, str]]:
    return [(f.location.line, f.location.column, f.rule) for f in lint_text(text)]


@pytest.fixture(scope="module")
def constructs() -> PageDoc:
    doc, problems = read_page(str(DATA / "constructs.md"))
    assert problems == ()
    assert doc is not None
    return doc


def test_every_construct_at_its_place(constructs: PageDoc) -> None:
    epic = "https://gitlab.com/groups/gitlab-org/-/epics/3603"
    embed = (
        "https://www.figma.com/embed?embed_host=share&url=https%3A%2F%2Fwww.figma.com%2Ffile"
        "%2FDCq7K8Srsv79tbH1yRkGbl%2Fx%3Fnode-id%3D3-4"
    )
    assert links_of(constructs) == [
        (9, 8, "inline", FIGMA + "1-2", "Trial flow"),
        (11, 11, "reference", epic, "the epic"),
        (11, 38, "reference", epic, "epic"),
        (15, 10, "autolink", "https://auto.example/a", "https://auto.example/a"),
        (15, 44, "bare", "https://bare.example/b", "https://bare.example/b"),
        (15, 72, "bare", "http://www.bare.example", "www.bare.example"),
        (19, 22, "template", "https://erb.example/", "https://erb.example/"),
        (19, 67, "template", "https://shortcode.example/", "https://shortcode.example/"),
        (24, 3, "html", embed, "Trial"),
        (26, 14, "html", "https://inline-html.example/", "an anchor"),
        (43, 9, "inline", "https://unicode.example/", "ü"),
        (43, 59, "html", "https://img.example/l.png", "logo"),
    ]


def test_reference_links_know_their_definition(constructs: PageDoc) -> None:
    definitions = [
        (link.definition.line, link.definition.column)
        for link in constructs.links
        if link.definition is not None
    ]
    assert definitions == [(13, 1), (13, 1)]


def test_context_is_the_heading_path(constructs: PageDoc) -> None:
    assert [link.context for link in constructs.links[6:10]] == [
        ("Links", "Templates"),
        ("Links", "Templates"),
        ("Links", "Raw HTML"),
        ("Links", "Raw HTML"),
    ]
    assert [(h.level, h.text, h.location.line) for h in constructs.headings] == [
        (1, "Links", 6),
        (2, "Templates", 17),
        (2, "Raw HTML", 21),
        (2, "Code", 33),
    ]


def test_comment_links_are_hidden_not_page_links(constructs: PageDoc) -> None:
    hidden = [
        (h.location.line, h.location.column, h.url, h.hidden) for h in constructs.hidden_links
    ]
    assert hidden == [(30, 1, "https://hidden.example/old", True)]


def test_constructs_findings(constructs: PageDoc) -> None:
    found = [(f.location.line, f.location.column, f.rule) for f in lint_files([constructs.path])]
    # The TODO between two paired shortcodes is rendered text; the TBD in the comment, the
    # TODO and FIXME in code and the {:target} after the link are not findings. The ERB tag
    # is shown as written: this page is not .erb.
    assert found == [
        (19, 1, "page-template-unrendered"),
        (19, 115, "page-placeholder"),
        (30, 1, "page-link-hidden"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\r\n\r\n[x](https://u.example/)\r\n", [(3, 1, "inline", "https://u.example/", "x")]),
        ("x\t[t](https://t.example/)", [(1, 3, "inline", "https://t.example/", "t")]),
        (
            "é€ <https://e.example/>",
            [(1, 4, "autolink", "https://e.example/", "https://e.example/")],
        ),
        (
            "see (https://p.example/a_(b)), then https://q.example/x?y=1.",
            [
                (1, 6, "bare", "https://p.example/a_(b)", "https://p.example/a_(b)"),
                (1, 37, "bare", "https://q.example/x?y=1", "https://q.example/x?y=1"),
            ],
        ),
        (
            "[https://l.example/](https://l.example/)",
            [(1, 1, "inline", "https://l.example/", "https://l.example/")],
        ),
        ("mail <me@example.com>", [(1, 6, "autolink", "mailto:me@example.com", "me@example.com")]),
        ("![shot](https://i.example/s.png)", [(1, 1, "image", "https://i.example/s.png", "shot")]),
        (
            '<a href="<%= url %>">x</a> {{< ref "https://s.example/" >}}',
            [(1, 37, "template", "https://s.example/", "https://s.example/")],
        ),
        ('{{ .Site.BaseURL }} <%= root_url %> {% link "/docs" %}', []),
        ("```\nhttps://fence.example/\n```\n", []),
        ("---\nurl: https://front.example/\n---\n", []),
        ("+++\nurl = 'https://toml.example/'\n+++\n", []),
        ("a `<https://code.example/>` b", []),
        (
            "see https://a.example/ and [b](https://b.example/) or https://c.example/",
            [
                (1, 5, "bare", "https://a.example/", "https://a.example/"),
                (1, 28, "inline", "https://b.example/", "b"),
                (1, 55, "bare", "https://c.example/", "https://c.example/"),
            ],
        ),
        (
            "a &amp; https://x.example/?a=1&amp;b=2",
            [(1, 9, "bare", "https://x.example/?a=1", "https://x.example/?a=1")],
        ),
    ],
    ids=[
        "crlf",
        "tab",
        "non-ascii-columns",
        "bare-url-punctuation",
        "url-as-link-text",
        "email-autolink",
        "image",
        "template-urls",
        "template-expressions",
        "fenced-code",
        "yaml-front-matter",
        "toml-front-matter",
        "inline-code",
        "bare-and-inline-in-order",
        "bare-url-stops-at-entity",
    ],
)
def test_link_locations(text: str, expected: list[tuple[int, int, str, str, str]]) -> None:
    assert links_of(parse_markdown("p.md", text)) == expected


def test_html_block_attribute_on_its_own_line() -> None:
    text = '# T\n\n<div>\n<a class="c"\n   href="https://h.example/">go</a>\n</div>\n'
    assert links_of(parse_markdown("p.md", text)) == [(5, 4, "html", "https://h.example/", "go")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("# Future\n\n1. [a](https://a.example/)\n1. \n", [(4, 1, "page-empty-item")]),
        ("# F\n\n- \n  - child\n", []),
        ("# F\n\n- [ ]\n", [(3, 1, "page-empty-item")]),
        ("# Overview\n\n_coming soon_\n", [(3, 2, "page-placeholder")]),
        ("# O\n\nStill *to\nbe added*.\n", [(3, 8, "page-placeholder")]),
        ("# O\n\nA todo-list of TODOs, tbd.\n", []),
        ("# O\n\ntext\n<!--\n_coming soon_\n-->\n", []),
        ("# O\n\ntext <!-- TODO --> more\n", []),
        ("# O\n\n    TODO in code\n", []),
        ("# O\n{:toc}\n", [(1, 1, "page-empty-section")]),
        ("## A\n## B\ntext\n", [(1, 1, "page-empty-section")]),
        ("## A\n### B\ntext\n", []),
        ("## A\n<!-- only a comment -->\n## B\nx\n", [(1, 1, "page-empty-section")]),
        ("# A\n\n[](https://x.example/)\n", [(3, 1, "page-link-empty-text")]),
        (
            "# A\n\n[x]() and [y](#)\n",
            [(3, 1, "page-link-empty-target"), (3, 11, "page-link-hash-target")],
        ),
        ("# A\n\n[![logo](https://i.example/)](https://x.example/)\n", []),
        ("---\ntitle: x\n\n# A\ntext\n", [(1, 1, "page-front-matter-unterminated")]),
        (
            "# A\n\ntext\n\n<!--\n[x](https://x.example/)\n",
            [(5, 1, "page-comment-unterminated"), (6, 1, "page-link-hidden")],
        ),
    ],
    ids=[
        "empty-item",
        "item-with-child",
        "empty-task",
        "placeholder-emphasis",
        "placeholder-across-lines",
        "placeholder-whole-words",
        "placeholder-in-comment",
        "placeholder-in-inline-comment",
        "placeholder-in-code",
        "kramdown-only-section",
        "empty-section",
        "subsection-is-content",
        "comment-is-not-content",
        "empty-link-text",
        "empty-link-target",
        "image-is-link-text",
        "unterminated-front-matter",
        "unterminated-comment",
    ],
)
def test_unfinished_content(text: str, expected: list[tuple[int, int, str]]) -> None:
    assert rules_of(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "# A\n\ntext\n\n{::comment}\nTODO [x](https://k.example/)\n{:/comment}\n",
        "# A\n\ntext {% include todo.html %} and {{ page.todo }}\n",
        "# A\n\ntext <% if todo %> and <%# FIXME %>\n",
        "# A\n\n" + "{{ " * 20000 + "\n",
    ],
    ids=["kramdown-comment", "liquid", "erb", "unclosed-template-tags"],
)
def test_template_syntax_is_not_content(text: str) -> None:
    name = "p.md.erb" if "<%" in text else "p.md"
    doc = parse_markdown(name, text)
    assert doc.links == ()
    assert lint_text(text, name) == ()


def test_placeholders_are_configurable() -> None:
    found = lint_text(
        "# A\n\nWork in progress.\n\nComing soon.\n", placeholders=["work in progress"]
    )
    assert [(f.location.line, f.location.column, f.message) for f in found] == [
        (3, 1, "placeholder text 'Work in progress'; write the content or remove it")
    ]


def test_deep_nesting_is_fine() -> None:
    lists = "".join("  " * i + "- x\n" for i in range(1500))
    assert len(parse_markdown("p.md", lists).items) == 1500
    quotes = parse_markdown("p.md", "> " * 3000 + "[q](https://q.example/)")
    assert links_of(quotes) == [(1, 6001, "inline", "https://q.example/", "q")]


@settings(max_examples=150, deadline=None)
@given(st.text())
def test_any_text_parses(text: str) -> None:
    parse_markdown("p.md", text)
    lint_text(text)


_PIECES = st.sampled_from(
    [
        "# H\n",
        "- ",
        "1. ",
        "\n",
        "\r\n",
        "[a](",
        ")",
        "<!--",
        "-->",
        '<a href="x">',
        "</a>",
        "```",
        "    ",
        "{:toc}",
        "<%= x %>",
        "{{< y >}}",
        "https://u.example/",
        "www.w.",
        "TODO",
        "---\n",
        "[r]: /d\n",
        "[r]",
        "é",
        "\t",
        "`",
        "*",
        "_",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_handbook_like_text_parses(text: str) -> None:
    doc = parse_markdown("p.md", text)
    for link in doc.links:
        assert link.location.line is not None
        assert link.location.line >= 1
    lint_text(text)


@pytest.mark.parametrize(
    ("path", "text", "parsed"),
    [
        ("p.md", "é\r[x](https://u.example/)\r\nb\r", "é\n[x](https://u.example/)\r\nb\n"),
        ("p.md", "a \ud800 [x](/y)", "a \ufffd\ufffd\ufffd [x](/y)"),  # one per byte
        ("p.mdx", "import X from 'x'\n\n[é](/y)\n", "                 \n\n[é](/y)\n"),
    ],
    ids=["lone-cr", "lone-surrogate", "mdx-esm"],
)
def test_the_page_bytes_are_those_of_the_text_parsed(path: str, text: str, parsed: str) -> None:
    doc = parse_markdown(path, text)
    assert doc.index.data == parsed.encode("utf-8")
    assert [link.location.line for link in doc.links] == [
        1 + parsed[: parsed.index("[")].count("\n")
    ]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(alphabet="ab]([ ).w", max_size=8), max_size=6),
    st.lists(st.sampled_from(["](", "] (", ")[", "][", "a", "ab", "www.", "b.w"]), max_size=4),
)
def test_runs_with_finds_the_runs_holding_a_needle(runs: list[str], needles: list[str]) -> None:
    joined = "\n".join(runs)
    starts = [0]
    for run in runs:
        starts.append(starts[-1] + len(run) + 1)
    expected = {i for i, run in enumerate(runs) if any(n in run for n in needles)}
    assert _runs_with(joined, starts, needles) == expected


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="a\né\r<>", max_size=40))
def test_line_starts_are_where_each_line_begins(text: str) -> None:
    lines = text.split("\n")
    assert line_starts(text) == [
        sum(len(line) + 1 for line in lines[:i]) for i in range(len(lines))
    ]


def _lean_agrees(text: str, placeholders: tuple[str, ...]) -> None:
    full = parse_markdown("p.md", text)
    lean = parse_markdown("p.md", text, run_keys=run_keys(placeholders))
    assert page_findings(lean, placeholders) == page_findings(full, placeholders)
    assert (lean.links, lean.hidden_links, lean.headings, lean.problems) == (
        full.links,
        full.hidden_links,
        full.headings,
        full.problems,
    )
    assert set(lean.texts) <= set(full.texts)
    assert [item for item in full.items if item.empty] == list(lean.items)


@pytest.mark.parametrize(
    "placeholders",
    [DEFAULT_PLACEHOLDERS, ("to be added", "WIP"), (), ("Σ", "kelvin")],
    ids=["default", "custom", "none", "non-ascii"],
)
def test_lean_page_gives_the_same_findings(
    constructs: PageDoc, placeholders: tuple[str, ...]
) -> None:
    text = (DATA / "constructs.md").read_text(encoding="utf-8")
    _lean_agrees(text, placeholders)
    _lean_agrees(
        "# Ω ΣΑΣ\n\n- \n- TO*DO* and T&#79;DO\n\n1. TBD\n\n| a | coming  soon |\n|---|---|\n"
        "| <https://a.example> | www.b.example/x, https://c.example. |\n\n"
        "<!-- TODO [x](https://h.example) https://bare.example -->\n\nKELVIN Σ wip\n",
        placeholders,
    )


@settings(max_examples=150, deadline=None)
@given(
    st.lists(_PIECES | st.sampled_from(["coming soon", "Fixme", "ΣΑΣ", "&#84;ODO"]), max_size=40)
)
def test_lean_page_gives_the_same_findings_on_any_mix(pieces: list[str]) -> None:
    _lean_agrees("".join(pieces), DEFAULT_PLACEHOLDERS)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["{", "}", ":", "%", "<", ">", "a", "\n", "{:", "{{", "}}", "%>", "<%", "é"]
        )
        | st.sampled_from(["{::comment}", "{:/comment}", "{:/}", "{:toc}", "<%= x %>"]),
        max_size=40,
    ).map("".join)
)
def test_mask_spans_are_those_of_the_mask_pattern(text: str) -> None:
    data = text.encode()
    assert mask_spans(data) == [match.span() for match in _MASK.finditer(data)]


def test_urls_quoted_in_template_tags_are_links_where_rendered() -> None:
    figma = "https://www.figma.com/design/DCq7K8Srsv79tbH1yRkGbl/F?node-id="
    text = (
        "# Flows\n\n"
        f'{{{{< figma src="{figma}1-1" >}}}}\n\n'
        f"Renewal: <%= link_to 'emails', '{figma}2-2' %> and {{{{ .Site.BaseURL }}}}.\n\n"
        f"{{% include embed.html url='{figma}3-3' %}}\n\n"
        "```\n"
        f'{{{{< figma src="{figma}4-4" >}}}}\n'
        "```\n\n"
        f'<!-- {{{{< figma src="{figma}5-5" >}}}} -->\n'
    )
    doc = parse_markdown("p.md.erb", text)
    assert [
        (ln.location.line, ln.location.column, ln.url, ln.kind.value, ln.context)
        for ln in doc.links
    ] == [
        (3, 16, f"{figma}1-1", "template", ("Flows",)),
        (5, 33, f"{figma}2-2", "template", ("Flows",)),
        (7, 28, f"{figma}3-3", "template", ("Flows",)),
    ]
    assert [ln.url for ln in doc.hidden_links] == [f"{figma}5-5"]
    assert [(f.rule, f.location.line) for f in lint_text(text, "p.md.erb")] == [
        ("page-link-hidden", 13)
    ]
