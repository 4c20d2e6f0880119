"""The false-alarm patterns of real handbook pages stay silent; what they resemble does not."""

from __future__ import annotations

import pytest

from tests.page_support import lint_text


def found(text: str, path: str = "p.md") -> list[tuple[int | None, int | None, str]]:
    return [(f.location.line, f.location.column, f.rule) for f in lint_text(text, path)]


@pytest.mark.parametrize(
    "text",
    [
        "# A\n\nDependents need to be added within 30 days.\n",
        "# A\n\nAsk to be added to the group.\n",
        "# A\n\nTriage the todo list items daily.\n",
        "# A\n\nIssues labelled status::todo are next.\n",
        "# A\n\nWe joined the [TODO Group](https://todogroup.example/).\n",
        "# A\n\nComing soon: a podcast landing page.\n",
        "## Coming soon: stateless agents\n\nWe will roll them out.\n",
    ],
    ids=["to-be-added", "ask-to-be-added", "todo-noun", "label", "link-name", "news", "headline"],
)
def test_placeholder_words_in_sentences_are_prose(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("# A\n\n_Coming soon_\n", [(3, 2, "page-placeholder")]),
        ("# A\n\n- TBD\n", [(3, 3, "page-placeholder")]),
        ("# A\n\n| x | y |\n|---|---|\n| 1 | To be added. |\n", [(5, 7, "page-placeholder")]),
        ("# A\n\nTo be added.\n", [(3, 1, "page-placeholder")]),
        ("# A\n\nRenewal emails (TODO: fill in).\n", [(3, 17, "page-placeholder")]),
        ("# A\n\nThe owner is TBD for now.\n", [(3, 14, "page-placeholder")]),
        ("# A\n\n- Monte Carlo (coming soon)\n", [(3, 16, "page-placeholder")]),
        ("# A\n\nStatus: to be added\n", [(3, 9, "page-placeholder")]),
        ("# A\n\n[TBD](https://example.com)\n", [(3, 2, "page-placeholder")]),
    ],
    ids=[
        "emphasis",
        "item",
        "cell",
        "paragraph",
        "bracket",
        "upper",
        "heading-note",
        "label",
        "link",
    ],
)
def test_placeholders_standing_in_for_content(
    text: str, expected: list[tuple[int, int, str]]
) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("## Team\n\n<%= partial 'team' %>\n\n## Next\ntext\n", "p.html.md.erb"),
        ("## Video\n\n{{< youtube abc >}}\n\n## Next\ntext\n", "p.md"),
        ("## Team\n\n{{% team-table %}}\n\n## Next\ntext\n", "p.md"),
        ("## Leads\n\n{{generator:team_leads}}\n\n## Next\ntext\n", "p.md"),
        ("## Team\n\n{% include team.html %}\n\n## Next\ntext\n", "p.md"),
        ('## Demo\n\n<Demo name="x" />\n\n## Next\ntext\n', "p.md"),
        ('## Flow\n\n<iframe src="https://example.com/e"></iframe>\n\n## Next\ntext\n', "p.md"),
        ("## Shot\n\n![shot](shot.png)\n\n## Next\ntext\n", "p.md"),
        (
            "## [Values](https://example.com/values)\n\n## [Security](https://example.com/s)\n",
            "p.md",
        ),
    ],
    ids=["erb", "shortcode", "shortcode-%", "generator", "liquid", "jsx", "iframe", "image", "nav"],
)
def test_sections_that_render_content_are_not_empty(text: str, path: str) -> None:
    assert found(text, path) == []


def test_an_answer_set_as_a_heading_is_prose_not_an_empty_section() -> None:
    """An FAQ whose answer is a heading of its own (seen on a real handbook page); a short
    heading, or one that only trails off, is still a section title."""
    answer = "To be eligible, submit a note from a licensed provider before the leave starts."
    faq = f"##### Q: Can my therapist write the note?\n\n###### A: {answer}\n\n##### Q: Next?\n\nA: Yes.\n"
    assert found(faq) == []
    assert found("## Renewal.\n\n## Cancelation\ntext\n") == [(1, 1, "page-empty-section")]
    trailing = (
        "## Planning to go on leave? Follow the steps below, one by one...\n\n## Next\ntext\n"
    )
    assert found(trailing) == [(1, 1, "page-empty-section")]


def test_erb_in_a_page_that_is_not_erb_is_its_own_finding() -> None:
    text = "## Team\n\n<%= partial 'team' %>\n"
    assert (
        found(text, "p.md")
        == [(3, 1, "page-template-unrendered"), (1, 1, "page-empty-section")][::-1]
    )
    message = lint_text(text)[1].message
    assert message == (
        "ERB tag '<%=' is shown as written: this page is not rendered by ERB; rename the page "
        "to .erb or replace the tag"
    )


def test_a_heading_followed_by_one_of_its_level_suggests_nesting() -> None:
    (finding,) = lint_text("## Levels\n\n## IC1\ntext\n")
    assert (finding.rule, finding.severity.value, finding.message) == (
        "page-empty-section",
        "warning",
        "section 'Levels' is empty and 'IC1' follows at the same level; nest the following "
        "headings one level down or remove the heading",
    )


@pytest.mark.parametrize(
    "text",
    [
        '# A\n\n<a href="https://example.com/team"><img src="t.png" alt="Team"></a>\n',
        '# A\n\n<div>\n  <a href="../team.md#jane">\n    <img\n      src="j.png"\n'
        '      alt="Jane" />\n  </a>\n</div>\n',
        "# A\n\n[![Build status](https://ci.example/badge.svg)](https://ci.example/)\n",
        '# A\n\n<table><tr><th id="m3"><a class="anchor" href="#m3"></a>M3</th></tr></table>\n',
    ],
    ids=["inline", "block", "markdown", "permalink-anchor"],
)
def test_image_links_have_their_alt_text(text: str) -> None:
    assert found(text) == []


def test_an_image_link_without_alt_text_is_an_accessibility_finding() -> None:
    assert found('# A\n\n<a href="https://example.com/"><img src="x.png"></a>\n') == [
        (3, 4, "page-link-image-no-alt")
    ]


def test_an_item_holding_a_heading_is_not_empty() -> None:
    assert found("# A\n\n- #### Candidates are eligible too.\n") == []


def test_protocol_relative_urls_are_not_invalid() -> None:
    assert found("# A\n\n[cdn](//cdn.example.com/lib.js)\n") == []


@pytest.mark.parametrize(
    "text",
    [
        '# A\n\n<a href="https://example.com/"><i class="fa fa-gitlab"></i></a>\n',
        '# A\n\n<div>\n<a href="https://example.com/">\n  <svg viewBox="0 0 1 1"></svg>\n</a>\n</div>\n',
    ],
    ids=["inline", "block"],
)
def test_icon_links_are_accessibility_findings_not_empty_links(text: str) -> None:
    assert [rule for *_, rule in found(text)] == ["page-link-image-no-alt"]


def test_an_aria_label_names_a_link() -> None:
    assert found('# A\n\n<a href="https://example.com/" aria-label="Home"><i></i></a>\n') == []


def test_a_status_word_with_a_placeholder_is_still_a_placeholder() -> None:
    assert found("# A\n\nWIP - coming soon!\n") == [(3, 7, "page-placeholder")]


def test_a_heading_titling_a_to_do_list_is_no_placeholder() -> None:
    assert found("# A\n\n### Todo:\n\n- ship the thing\n") == []
    assert found("# A\n\n## TODO\n\n## Next\n\ntext\n") == [
        (3, 1, "page-empty-section"),
        (3, 4, "page-placeholder"),
    ]
