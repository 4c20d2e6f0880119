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
    started = time.monotonic()
    with pytest.raises(InputError) as caught:
        load(BOMB, "bomb.yaml")
    assert time.monotonic() - started < 1.0  # it took 12 s and 450 MB when it expanded first
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
import resource, sys
sys.path.insert(0, {repo!r})
from flowcatalog.pages.load import parse_page
from flowcatalog.rules.page_content import run_keys
cols = 5000
rows = ["|" + "|".join("h%d" % i for i in range(cols)) + "|", "|" + "---|" * cols]
rows += ["|" + "abcd|" * cols] * {rows}
text = "# T\\n\\n" + "\\n".join(rows) + "\\n"
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if sys.argv[1] == "parse":
    doc = parse_page("t.md", text, run_keys=run_keys(["coming soon", "TODO"]))
else:
    import pyromark
    from flowcatalog.pages.markdown import _options
    for _ in pyromark.events_with_range(text, options=_options()):
        pass
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""


def _peak_kib(mode: str, rows: int) -> int:
    code = _TABLE_PROBE.format(repo=str(REPO), rows=rows)
    out = subprocess.run(
        [sys.executable, "-c", code, mode], capture_output=True, text=True, check=True, timeout=60
    )
    return int(out.stdout)


def test_a_wide_table_lints_in_memory_of_the_parser_alone() -> None:
    """A 5,000-column table (2.5 MB, 500,000 cells): linting it costs little more memory
    than running the Markdown parser over it; every cell's text run was kept until the
    end of the page before (300 bytes a cell: 150 MB here, 2 GB for 10 MB)."""
    parser = _peak_kib("events", 100)
    linted = _peak_kib("parse", 100)
    assert linted - parser < 40 * 1024, (linted, parser)


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
