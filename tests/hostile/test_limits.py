"""Limits that are limits: an alias bomb is refused before it expands; a huge Markdown table
lints in memory linear in its size; ``exclude:`` patterns are checked when the catalog
loads, and one that could backtrack exponentially is refused."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from flowcatalog.catalog.build import parse_catalog
from flowcatalog.catalog.yamlnodes import MAX_NODES, load
from flowcatalog.errors import InputError
from tests.conftest import REPO, RunCli

#: 342 bytes that expand to 9**9 (387 million) values
BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['lol'] * 9)}]\n"
    for prev, name in zip(["", *"abcdefgh"], "abcdefghi", strict=True)
)


def test_alias_bomb_is_refused_before_it_expands() -> None:
    assert len(BOMB) < 420
    started = time.process_time()  # CPU time: what the expansion would burn, whatever the load
    with pytest.raises(InputError) as caught:
        load(BOMB, "bomb.yaml")
    assert time.process_time() - started < 1.0  # it took 12 s and 450 MB expanding first
    assert str(caught.value) == (
        "bomb.yaml:7:4: aliases would expand to more than 2,000,000 YAML values "
        "(an alias bomb?); refusing to expand"
    )


def test_alias_expansion_just_under_the_cap_is_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    from flowcatalog.catalog import yamlnodes

    text = "a: &a [1, 2, 3]\nb: [*a, *a, *a]\n"  # 1 + (1 + 4) + (1 + 1 + 3 * 4) values
    monkeypatch.setattr(yamlnodes, "MAX_NODES", 20)
    assert load(text, "c.yaml").data == {"a": [1, 2, 3], "b": [[1, 2, 3]] * 3}
    monkeypatch.setattr(yamlnodes, "MAX_NODES", 19)
    with pytest.raises(InputError, match="aliases would expand to more than 19"):
        load(text, "c.yaml")
    assert MAX_NODES == 2_000_000


def test_a_self_referring_alias_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        load("a: &a [1, *a]\n", "c.yaml")
    assert str(caught.value) == (
        "c.yaml:1:4: a YAML alias refers to the node that contains it; refusing to expand"
    )


_TABLE_PROBE = """
import re, sys
sys.path.insert(0, {repo!r})
from flowcatalog.pages import chunks, markdown
from flowcatalog.pages.load import parse_page
from flowcatalog.rules.page_content import run_keys
chunks.CHUNK_BYTES = 256 * 1024
cols = 5000
rows = ["|" + "|".join("h%d" % i for i in range(cols)) + "|", "|" + "---|" * cols]
rows += ["|" + "abcd|" * cols] * {rows}
text = "# T\\n\\n" + "\\n".join(rows) + "\\n"
def peak():  # this process's own high-water mark (ru_maxrss would carry the parent's)
    with open("/proc/self/status") as status:
        return int(re.search(r"VmHWM:\\s+(\\d+)", status.read()).group(1))
before = peak()
if sys.argv[1] == "parse":
    doc = parse_page("t.md", text, run_keys=run_keys(["coming soon", "TODO"]))
else:
    import pyromark
    for _ in pyromark.events_with_range(text, options=markdown._options()):
        pass
print(peak() - before)
"""


def _peak_kib(mode: str, rows: int) -> int:
    code = _TABLE_PROBE.format(repo=str(REPO), rows=rows)
    out = subprocess.run(
        [sys.executable, "-c", code, mode], capture_output=True, text=True, check=True, timeout=60
    )
    return int(out.stdout)


def test_a_wide_table_lints_in_less_memory_than_one_parse_of_it() -> None:
    """A 5,000-column table (2.5 MB, 500,000 cells) is parsed in pieces (rows of one table
    included) and its cells' text runs settled in small batches, so linting it takes far
    less memory than one parse of the whole page; before,
    the parser's tree of the whole page and every cell's text run (300 bytes a cell) were
    held at once: 2 GB for a 10 MB table."""
    parser = _peak_kib("events", 100)
    linted = _peak_kib("parse", 100)
    assert parser > 20 * 1024, parser
    assert linted < 0.6 * parser, (linted, parser)  # about a quarter; was 7.6 times


def test_bad_exclude_patterns_are_findings_at_their_line() -> None:
    text = (
        "version: 1\ndeployments: [{id: saas}]\nstages: [{id: trial, flows: []}]\n"
        "exclude:\n  - '^https://internal\\.example/'\n  - 'x('\n  - '(a+)+$'\n"
    )
    catalog, findings = parse_catalog(text, "catalog.yaml")
    assert catalog is not None
    assert catalog.exclude == ("^https://internal\\.example/",)
    assert [(str(f.location), f.rule, f.message) for f in findings] == [
        (
            "catalog.yaml:6:5",
            "catalog-schema",
            "exclude pattern 'x(': not a regular expression: missing ), unterminated "
            "subpattern at position 1",
        ),
        (
            "catalog.yaml:7:5",
            "catalog-schema",
            "exclude pattern '(a+)+$': a repeat inside a repeat (like (a+)+) can take "
            "exponential time; rewrite it",
        ),
    ]


def test_bad_exclude_pattern_fails_check_offline(run_cli: RunCli, in_tmp: Path) -> None:
    (in_tmp / "catalog.yaml").write_text(
        "version: 1\ndeployments: [{id: saas}]\nstages: [{id: trial, not_applicable: "
        "{saas: none}}]\nexclude: ['(x*)*y']\n"
    )
    result = run_cli("check")
    assert result.code == 1
    assert "catalog.yaml:4:11: error: exclude pattern '(x*)*y': a repeat inside a repeat" in (
        result.out
    )


def _mixed_page(sections: int) -> str:
    parts = [
        "---\ntitle: x\n\nmore: y\n---\n\n# Title\n\nIntro [ref][later] and https://bare.example/a.\n\n"
    ]
    for i in range(sections):
        parts.append(
            f"## Section {i}\n\n"
            f"<!--\nhidden\n\n[h](https://hidden.example/{i})\n-->\n\n"
            f"```md\ncode\n\n[not](https://code.example/{i})\n```\n\n"
            "| a | b |\n|---|---|\n"
            + "".join(f"| [x](https://t.example/{i}/{r}) | TODO {r} |\n" for r in range(12))
            + "| c | coming soon |\n\n"
            f"- item [l](https://list.example/{i})\n- \n\n1. one\n\n2. two\n\n"
            f"{{::comment}}\nx\n\n[k](https://kramdown.example/{i})\n{{:/comment}}\n\n"
            "<pre>\nkept\n\n[p](https://pre.example/)\n</pre>\n\n"
            f"Para {i} with [[ref]] and [shortcut] and [full][later].\n\n"
            "| t | u |\n|---|---|\n| 1 | 2 |\n### After the table\n"
            + "".join(f"line {n} coming\nsoon https://after.example/{i}/{n}\n" for n in range(9))
            + "\n"
        )
    parts.append("[later]: https://ref.example/\n[ref]: https://ref2.example/\n[shortcut]: /s\n")
    return "".join(parts)


def test_a_page_parsed_in_pieces_reads_as_the_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    from flowcatalog.pages import chunks
    from flowcatalog.pages.load import parse_page
    from flowcatalog.rules.page_content import page_findings

    page = _mixed_page(8)
    whole = parse_page("p.md", page)
    monkeypatch.setattr(chunks, "CHUNK_BYTES", 300)
    pieces = chunks.chunk_bounds(page.encode())
    assert len(pieces) > 10
    assert any(head_end > head_start for _, _, head_start, head_end in pieces)  # tables split
    chunked = parse_page("p.md", page)
    assert chunked.links == whole.links
    assert chunked.hidden_links == whole.hidden_links
    assert chunked.headings == whole.headings
    assert [(i.location, i.text, i.empty) for i in chunked.items] == [
        (i.location, i.text, i.empty) for i in whole.items
    ]
    placeholders = ["TODO", "coming soon"]
    assert page_findings(chunked, placeholders) == page_findings(whole, placeholders)
    assert len(whole.links) > 8 * 14


def test_exponential_exclude_option_is_refused(run_cli: RunCli, in_tmp: Path) -> None:
    (in_tmp / "p.md").write_text("# P\n")
    result = run_cli("check", "--online", "--exclude", "(a+)+$", "p.md")
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        "flowcatalog: error: --exclude '(a+)+$': a repeat inside a repeat (like (a+)+) can "
        "take exponential time; rewrite it\n"
    )


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("^https://internal\\.example\\.com/", None),
        ("(foo|bar)+", None),
        ("(?:a|b)*c+", None),
        ("a{2,5}(b|c)*", None),
        ("(a|b+)*", "a repeat inside a repeat"),
        ("(?=(a+)+)x", "a repeat inside a repeat"),
        ("((ab)*)+", "a repeat inside a repeat"),
        ("x" * 513, "pattern longer than 512 characters"),
    ],
)
def test_exclude_problem(pattern: str, problem: str | None) -> None:
    from flowcatalog.urls import exclude_problem

    found = exclude_problem(pattern)
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert found.startswith(problem)


def test_many_headings_and_placeholders_lint_in_linear_time() -> None:
    """12,000 sections, each a heading and a placeholder: each placeholder was compared
    with every heading of the page (144 million steps, about 10 s); now looked up by line."""
    from flowcatalog.pages.load import parse_page
    from flowcatalog.rules.page_content import page_findings

    page = "".join(f"## Section {i}\n\nTODO\n\n" for i in range(12000))
    started = time.process_time()  # CPU time (about 0.5 s; 1.4 s under coverage)
    findings = page_findings(parse_page("p.md", page), ["TODO"])
    assert time.process_time() - started < 4.0
    assert sum(1 for f in findings if f.rule == "page-placeholder") == 12000
