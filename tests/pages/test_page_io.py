"""Reading pages: bytes, file types, path expansion, HTML pages, and ``check`` on pages."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowcatalog import fsio
from flowcatalog import urls as figma_url
from flowcatalog.errors import InputError
from flowcatalog.pages import doc as page
from flowcatalog.pages.doc import decode_page
from flowcatalog.pages.html import parse_html
from flowcatalog.pages.load import expand_pages, load_pages, parse_page, read_page
from flowcatalog.pipeline import pages as lint
from flowcatalog.report import collect_links
from tests.conftest import RunCli
from tests.page_support import lint_files, lint_text

DATA = Path(__file__).resolve().parents[1] / "data" / "pages"
TREE = DATA / "tree"


def test_bom_is_dropped_and_crlf_kept() -> None:
    text, problems = decode_page("p.md", b"\xef\xbb\xbf# T\r\n\r\n[x](https://x.example/)\r\n")
    assert problems == ()
    assert text == "# T\r\n\r\n[x](https://x.example/)\r\n"
    doc = parse_page("p.md", text)
    assert [(link.location.line, link.location.column) for link in doc.links] == [(3, 1)]


def test_bad_utf8_is_a_finding_with_its_offset() -> None:
    text, problems = decode_page("p.md", b"# T\n\nabc \xff def\n")
    assert text is None
    assert [(str(f.location), f.rule, f.message) for f in problems] == [
        ("p.md:3:5", "page-encoding", "not valid UTF-8: byte 0xff at byte offset 9")
    ]


def test_binary_file_is_a_finding() -> None:
    text, problems = decode_page("p.md", b"\x89PNG\r\n\x1a\n\x00\x00")
    assert text is None
    assert [(str(f.location), f.rule, f.message) for f in problems] == [
        ("p.md", "page-binary", "binary file (NUL byte at byte offset 8), not text")
    ]


def test_too_large_is_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(page, "MAX_PAGE_BYTES", 10)
    text, problems = decode_page("p.md", b"# 12345678901\n")
    assert text is None
    assert [(f.rule, f.message) for f in problems] == [
        ("page-too-large", "page is 14 bytes, over the limit of 10")
    ]


def test_a_ten_megabyte_page_is_read(tmp_path: Path) -> None:
    block = "## Step\n\nSee [the flow](https://www.figma.com/design/DCq7K8Srsv79tbH1yRkGbl/x?node-id=1-2).\n\n"
    path = tmp_path / "big.md"
    path.write_text(block * (10_000_000 // len(block) + 1), encoding="utf-8")
    doc, problems = read_page(str(path))
    assert problems == ()
    assert doc is not None
    assert len(doc.links) == 10_000_000 // len(block) + 1
    assert doc.links[-1].location.line == 4 * len(doc.links) - 1


def test_directories_are_searched_recursively_and_sorted() -> None:
    found = [Path(p).relative_to(TREE).as_posix() for p in expand_pages([str(TREE)])]
    assert found == ["a.markdown", "sub/page.md.erb"]


def test_globs_and_duplicates() -> None:
    pattern = str(TREE / "**" / "*.md.erb")
    found = expand_pages([pattern, str(TREE / "sub" / "page.md.erb")])
    assert [Path(p).name for p in found] == ["page.md.erb"]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("missing.md", "missing.md: no such file or directory"),
        ("nothing-*.md", "nothing-*.md: no page matches this pattern"),
    ],
)
def test_bad_paths_are_input_errors(path: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        expand_pages([path])
    assert str(caught.value) == message


def test_a_file_of_another_type_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        expand_pages([str(TREE / "notes.txt")])
    assert str(caught.value).endswith(
        "notes.txt: not a page; expected .md, .markdown, .md.erb, .mdx or .html"
    )


def test_md_erb_is_markdown_with_erb_masked() -> None:
    docs, problems = load_pages([str(TREE / "sub" / "page.md.erb")])
    assert problems == []
    assert [(link.url, link.location.line) for link in docs[0].links] == [
        ("https://erb-page.example/", 5)
    ]
    assert lint_files([str(TREE / "sub" / "page.md.erb")]) == ()


def test_html_page() -> None:
    doc, problems = read_page(str(DATA / "flows.html"))
    assert problems == ()
    assert doc is not None
    assert [
        (link.location.line, link.location.column, link.element, link.text, link.context)
        for link in doc.links
    ] == [
        (5, 20, "a", "SaaS subscription purchase", ("Lifecycle", "Trial")),
        (13, 4, "iframe", "", ("Lifecycle", "Last")),
    ]
    assert [(h.location.line, h.location.column, h.url) for h in doc.hidden_links] == [
        (8, 9, "https://hidden.example/")
    ]
    assert [(f.location.line, f.location.column, f.rule) for f in lint_files([doc.path])] == [
        (6, 3, "page-empty-item"),
        (8, 9, "page-link-hidden"),
        (9, 4, "page-placeholder"),
        (10, 1, "page-empty-section"),
    ]


def test_check_lints_pages_without_a_catalog(run_cli: RunCli, in_tmp: Path) -> None:
    (in_tmp / "p.md").write_text("# Plan\n\n- [Trial](https://x.example/)\n- \n\nTBD\n")
    result = run_cli("check", "p.md")
    assert result.err == ""
    assert result.out.splitlines()[:2] == [
        "p.md:4:1: warning: empty list item under 'Plan'; fill it in or remove it "
        "[page-empty-item]",
        "p.md:6:1: warning: placeholder text 'TBD'; write the content or remove it "
        "[page-placeholder]",
    ]
    assert result.code == 0


def test_check_with_no_paths_lints_the_catalog_pages(run_cli: RunCli, in_repo: Path) -> None:
    result = run_cli("check", "--format", "json")
    assert result.code == 0
    findings = json.loads(result.out)["findings"]
    assert "page-empty-item" in {f["rule"] for f in findings}
    assert "docs/customer-subscription-lifecycle.md" in {f["path"] for f in findings}


def test_links_occurrences(run_cli: RunCli, in_tmp: Path) -> None:
    (in_tmp / "p.md").write_text(
        "# Plan\n\n## Trial\n\n- [SaaS](https://a.example/x)\n<!-- [old](https://b.example/) -->\n"
    )
    result = run_cli("links", "--occurrences", "p.md")
    assert (result.code, result.err) == (0, "")
    assert result.out == (
        'p.md:5:3: https://a.example/x "SaaS" (Plan > Trial)\n'
        'p.md:6:6: https://b.example/ "old" (Plan > Trial) [in a comment]\n'
    )
    as_json = run_cli("links", "--occurrences", "--format", "json", "p.md")
    assert json.loads(as_json.out)[0] == {
        "url": "https://a.example/x",
        "normalised": "https://a.example/x",
        "path": "p.md",
        "line": 5,
        "column": 3,
        "text": "SaaS",
        "context": ["Plan", "Trial"],
        "kind": "inline",
        "hidden": False,
    }


def test_links_modes_render_the_check_report_groups(run_cli: RunCli, in_tmp: Path) -> None:
    (in_tmp / "p.md").write_text(
        "# P\n\n[empty]() [a](https://a.example/x)\n<!-- [a](https://a.example/x) -->\n"
    )
    result = run_cli("links", "--occurrences", "p.md")
    assert (result.code, result.err) == (0, "")
    assert result.out == (
        'p.md:3:1:  "empty" (P)\n'
        'p.md:3:11: https://a.example/x "a" (P)\n'
        'p.md:4:6: https://a.example/x "a" (P) [in a comment]\n'
    )
    listed = json.loads(run_cli("links", "--format", "json", "p.md").out)
    assert listed == json.loads(run_cli("check", "--format", "json", "p.md").out)["links"]
    assert run_cli("links", "p.md").out == "https://a.example/x\n"


@settings(max_examples=150, deadline=None)
@given(st.text())
def test_any_html_parses(text: str) -> None:
    parse_html("p.html", text)
    lint_text(text, "p.html")


def test_deeply_nested_html_is_fine() -> None:
    doc = parse_html("p.html", "<ul><li>" * 3000 + "TODO")
    assert len(doc.items) == 3000
    assert (doc.items[0].empty, doc.items[-1].text) == (False, "TODO")
    html = "<ul><li>" * 3000 + "TODO"
    assert [(f.location.line, f.location.column, f.rule) for f in lint_text(html, "p.html")] == [
        (1, 24001, "page-placeholder")
    ]


def test_the_catalog_file_among_paths_is_not_a_page(run_cli: RunCli, in_repo: Path) -> None:
    alone = run_cli("check", "catalog.yaml")
    both = run_cli("check", "catalog.yaml", "docs/customer-subscription-lifecycle.md")
    plain = run_cli("check")
    assert alone.code == both.code == plain.code == 0
    assert alone.out == both.out == plain.out
    assert "docs/customer-subscription-lifecycle.md:90:1: warning: empty list item" in plain.out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\nb\r\nc\rd", [(1, 1), (1, 2), (2, 1), (2, 2), (2, 3), (3, 1), (3, 2), (4, 1), (4, 2)]),
        ("ab", [(1, 1), (1, 2), (1, 3)]),
        ("\n\n", [(1, 1), (2, 1), (3, 1)]),
        ("é\x0bx", [(1, 1), (1, 2), (1, 3), (1, 4)]),
        ("", [(1, 1)]),
    ],
    ids=["lf-crlf-cr", "no-final-break", "blank-lines", "non-ascii-and-vt", "empty"],
)
def test_line_index(text: str, expected: list[tuple[int, int]]) -> None:
    index = page.LineIndex("p.md", text)
    offsets = [len(text[:i].encode()) for i in range(len(text) + 1)]  # character boundaries
    assert [index.line_col(offset) for offset in offsets] == expected


def test_parallel_and_serial_lint_agree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    forks: list[bool] = []

    def can_fork() -> bool:
        forks.append(True)
        return True

    monkeypatch.setattr(lint, "_can_fork", can_fork)
    for n in range(lint.PARALLEL_MIN_PAGES + 8):
        (tmp_path / f"p{n:02}.md").write_text(
            f"# Page {n}\n\n- [flow](https://www.figma.com/design/DCq7K8Srsv79tbH1yRkGbl/x"
            f"?node-id={n}-1)\n- \n\nTODO {'[bad](http://www.figma.com/file/x)' if n % 7 else ''}\n"
        )
    serial = lint.lint_pages([str(tmp_path)], None, jobs=1)
    parallel = lint.lint_pages([str(tmp_path)], None, jobs=2)
    assert forks == [True]  # the serial run (jobs=1) never asks
    assert serial == parallel
    assert len(serial.links) == 2 * len(serial.sources) - 6
    # an empty item and a TODO each; http and a bad key on 34 (a file linked whole on a
    # general page is no finding)
    assert len(serial.findings) == 2 * 40 + 2 * 34


def test_read_errors_cross_the_worker_boundary_as_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        lint.lint_files([str(tmp_path / "gone.md")], ())
    assert str(caught.value) == f"{tmp_path / 'gone.md'}: no such page"


@pytest.mark.parametrize("size", [0, 1, 5, 9, 10, 11, 25])
def test_read_source_reads_up_to_the_limit_and_one_byte(tmp_path: Path, size: int) -> None:
    path = tmp_path / "p.md"
    path.write_bytes(bytes(range(97, 97 + 26))[:size])
    assert fsio.read_source(str(path), limit=10) == (path.read_bytes()[:11], size)


def test_read_source_follows_a_file_that_grows(tmp_path: Path) -> None:
    path = tmp_path / "p.md"
    path.write_bytes(b"abcdefghijklmnop")  # grown to this after its size was taken as 3
    real_fstat = os.fstat

    def stale(fd: int) -> os.stat_result:
        result = real_fstat(fd)
        return os.stat_result((*result[:6], 3, *result[7:]))  # st_size as it was

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "fstat", stale)
        assert fsio.read_source(str(path), limit=10) == (b"abcdefghijk", 11)


_URL_PIECES = st.sampled_from(
    [
        *("http://", "https://", "HTTPS://", "ftp://", "a", "Z", "0", "-", ".", "_", "/", "?"),
        *("#", ":", ":0", ":80", "@", "%3A", "[", "]", "\\", " ", "\t", "\x00", "\x7f", "é"),
        *("\u00a0", "figma.com", ".figma.com", "www.", "a" * 63, "a" * 64, "example.com"),
        "/p?x=1#f",
    ]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_URL_PIECES, max_size=12).map("".join))
def test_plain_web_short_cut_agrees_with_figma_url(url: str) -> None:
    assert page.analyse_url.__wrapped__(url) == figma_url.analyse.__wrapped__(url)


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        _URL_PIECES
        | st.sampled_from(["../a.md", "#x", "mailto:a@b.c", "HtTp", "/design/", "\u212a"]),
        max_size=12,
    ).map("".join)
)
def test_link_identity_agrees_with_figma_url(url: str) -> None:
    analysis = figma_url.analyse.__wrapped__(url)
    assert page._identity(url) == (analysis.normalised, analysis.figma)


@pytest.mark.parametrize(
    "url",
    [
        " HTTPS://www.figma.com/design/DCq7K8Srsv79tbH1yRkGbl/x?node-id=1-2 ",
        "http://figma.com/file/DCq7K8Srsv79tbH1yRkGbl?node-id=1%3A2",
        "https://www.figma.com/embed?url=https%3A%2F%2Fwww.figma.com%2Ffile%2FDCq7K8Srsv79tbH1yRkGbl",
        " ../flows.md#renewal ",
        "figma.com/design/DCq7K8Srsv79tbH1yRkGbl/x?node-id=1-2",
    ],
)
def test_link_identity_examples(url: str) -> None:
    analysis = figma_url.analyse.__wrapped__(url)
    assert page._identity(url) == (analysis.normalised, analysis.figma)
    assert (analysis.figma is not None) == url.strip().lower().startswith("http")


@pytest.mark.parametrize(
    "url",
    [
        "https://handbook.example.com/ok/6477",
        "http://a.b",
        "https://x.figma.com/a",
        "https://figma.com",
        "https://www.figma.com/design/DCq7K8Srsv79tbH1yRkGbl/x?node-id=1-2",
        "http://a..b/",
        "http://-a.b/",
        "http://a.b.",
        "https://" + "a" * 63 + ".com/",
        "https://" + "a" * 64 + ".com/",
        "http://a.com:0/",
        "http://A.com/",
        "http://a.com/" + "x" * 9000,
        "http://a.com/ x",
    ],
)
def test_plain_web_short_cut_examples(url: str) -> None:
    assert page.analyse_url.__wrapped__(url) == figma_url.analyse.__wrapped__(url)
    assert page._PLAIN_WEB_MAX == figma_url.MAX_URL_LENGTH


def _pages(tmp_path: Path, count: int) -> list[str]:
    for n in range(count):
        (tmp_path / f"p{n:02}.md").write_text(
            f"# Page {n}\n\n- [flow](https://www.figma.com/design/DCq7K8Srsv79tbH1yRkGbl/x"
            f"?node-id={n}-1)\n- \n\nTODO <https://w.example/{n % 3}> [x](http://www.figma.com/file/x)"
            "\n<!-- [old](https://h.example/) -->\n\n[ref][r] <a href='https://a.example/'>"
            "<img src='i.png'></a> [![i](i.png)](https://i.example/)\n\n[r]: https://r.example/\n"
            + "\n"
            * n
        )
    return expand_pages([str(tmp_path)])


def test_compact_results_expand_to_the_same(tmp_path: Path) -> None:
    for path in [*_pages(tmp_path, 3), str(tmp_path / "gone.md")]:
        for hidden in (True, False):
            result = lint._lint_one((path, ("TODO",), hidden, hidden, "github"))
            assert lint._expand(lint._compact(result)) == result
            if result.page is not None:  # every kind of field made the trip
                links = (*result.page.links, *result.page.hidden)
                assert any(link.definition is not None for link in links)
                assert any(link.has_image for link in links)
                assert any(link.element == "a" for link in links)
                assert any(link.figma is not None for link in links)
                assert [link.hidden for link in result.page.hidden] == [True] * hidden


def test_pages_are_handed_out_biggest_first_each_once(tmp_path: Path) -> None:
    files = _pages(tmp_path, 11)
    Path(files[4]).write_text("# Big\n\n" + "text\n" * 1000)
    order = lint._by_size([(path, (), False, False, "gitlab") for path in files])
    assert sorted(order) == list(range(11))
    assert order[0] == 4


def test_pages_of_a_failed_worker_are_linted_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _pages(tmp_path, 6)
    serial = lint.lint_files(files, ("TODO",), jobs=1)

    def broken(result: lint._Linted) -> lint._Compact:
        raise RuntimeError("the worker fails")

    monkeypatch.setattr(lint, "_compact", broken)  # only workers compact their results
    monkeypatch.setattr(lint, "PARALLEL_MIN_PAGES", 2)
    monkeypatch.setattr(lint, "_can_fork", lambda: True)
    assert lint.lint_files(files, ("TODO",), jobs=3) == serial


def test_links_carry_their_identity_from_extraction(tmp_path: Path) -> None:
    linted = lint.lint_pages(_pages(tmp_path, 4), None, jobs=1)
    assert linted.links
    for link in linted.links:
        analysis = figma_url.analyse(link.url)
        assert (link.normalised, link.figma) == (analysis.normalised, analysis.figma)
    groups = collect_links(linted.links)
    assert [occurrence for group in groups for occurrence in group.occurrences] == sorted(
        linted.links, key=lambda link: [g.normalised for g in groups].index(link.normalised)
    )
