"""Inline suppression: each comment form in pages, the catalog's ignore comment, and
``unused-suppression`` for comments that silence nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowcatalog.findings import Finding, Severity
from flowcatalog.model import Location
from flowcatalog.suppress import apply, directives
from tests.conftest import RunCli

KNOWN = {"page-placeholder", "page-empty-item", "empty-item"}


def _f(rule: str, line: int | None, path: str = "p.md") -> Finding:
    return Finding(rule, Severity.WARNING, "m", Location(path, line, 1), subject=f"s{line}")


def _lines(result_out: str) -> list[str]:
    return [
        line.split(": ")[0] + " " + line.rsplit(" ", 1)[1] for line in result_out.splitlines()[:-1]
    ]


def test_disable_next_line() -> None:
    text = "a\n<!-- flowcatalog-disable-next-line page-placeholder -->\nTODO\nTODO\n"
    kept, unused = apply(
        [_f("page-placeholder", 3), _f("page-placeholder", 4), _f("page-empty-item", 3)],
        {"p.md": text},
        KNOWN,
    )
    assert [(f.rule, f.location.line) for f in kept] == [
        ("page-placeholder", 4),
        ("page-empty-item", 3),
    ]
    assert unused == []


def test_disable_enable_range_and_all_rules() -> None:
    text = (
        "<!-- flowcatalog-disable page-placeholder page-empty-item -->\n"  # 1
        "x\n"  # 2
        "<!-- flowcatalog-enable page-empty-item -->\n"  # 3
        "x\n"  # 4
        "<!-- flowcatalog-enable -->\n"  # 5
        "x\n"  # 6
    )
    findings = [
        _f(rule, line) for line in (2, 4, 6) for rule in ("page-placeholder", "page-empty-item")
    ]
    kept, unused = apply(findings, {"p.md": text}, KNOWN)
    assert [(f.rule, f.location.line) for f in kept] == [
        ("page-empty-item", 4),
        ("page-placeholder", 6),
        ("page-empty-item", 6),
    ]
    assert unused == []


def test_disable_file_covers_findings_without_a_line() -> None:
    text = "# T\n\n<!-- flowcatalog-disable-file page-placeholder -->\n"
    kept, unused = apply(
        [_f("page-placeholder", None), _f("page-placeholder", 1), _f("page-empty-item", 2)],
        {"p.md": text},
        KNOWN,
    )
    assert [f.rule for f in kept] == ["page-empty-item"]
    assert unused == []


def test_catalog_ignore_comment() -> None:
    text = (
        "a: 1\n  - title: ''  # flowcatalog: ignore[empty-item]\n  - x  # flowcatalog: ignore\n"
        "  # flowcatalog: ignore[empty-item, page-placeholder]\n  - y\n"
    )
    found = directives("catalog.yaml", text)
    assert [(d.kind, d.rules, d.location.line, d.location.column) for d in found] == [
        ("ignore", ("empty-item",), 2, 16),
        ("ignore", ("*",), 3, 8),
        ("ignore-next-line", ("empty-item", "page-placeholder"), 4, 3),
    ]
    kept, unused = apply(
        [
            _f("empty-item", 2, "catalog.yaml"),
            _f("page-placeholder", 3, "catalog.yaml"),
            _f("empty-item", 5, "catalog.yaml"),
            _f("page-placeholder", 5, "catalog.yaml"),
        ],
        {"catalog.yaml": text},
        KNOWN,
    )
    assert kept == []
    assert unused == []


def test_unused_and_unknown_suppressions_are_info_findings() -> None:
    text = (
        "<!-- flowcatalog-disable-next-line page-placeholder -->\n"
        "fine\n"
        "<!-- flowcatalog-disable-file no-such-rule -->\n"
    )
    kept, unused = apply([], {"p.md": text}, KNOWN)
    assert kept == []
    assert [(f.rule, f.severity, str(f.location), f.message) for f in unused] == [
        (
            "unused-suppression",
            Severity.INFO,
            "p.md:1:1",
            "'flowcatalog-disable-next-line page-placeholder' suppresses no page-placeholder "
            "finding; remove it",
        ),
        (
            "unused-suppression",
            Severity.INFO,
            "p.md:3:1",
            "'flowcatalog-disable-file no-such-rule' names an unknown rule 'no-such-rule'",
        ),
    ]


def test_a_suppressed_run_end_to_end(in_tmp: Path, run_cli: RunCli) -> None:
    (in_tmp / "catalog.yaml").write_text(
        "version: 1\ndeployments: [{id: saas, name: SaaS}]\nstages:\n"
        "  - id: trial\n    name: Trial\n    flows:\n"
        "      - name: Buy  # flowcatalog: ignore[placeholder-cell]\n"
        "        deployments: [saas]\n"
        "        placeholder: coming soon\n"
        "future_iterations:\n  - title: ''  # flowcatalog: ignore[empty-item]\n",
        encoding="utf-8",
    )
    (in_tmp / "page.md").write_text(
        "# Page\n\n"
        "<!-- flowcatalog-disable-next-line page-placeholder -->\n"
        "TODO one\n\n"
        "TODO two\n\n"
        "<!-- flowcatalog-disable-next-line page-empty-item -->\n"
        "Nothing empty here\n",
        encoding="utf-8",
    )
    result = run_cli("check", "page.md")
    assert _lines(result.out) == [
        "page.md:6:1 [page-placeholder]",
        "page.md:8:1 [unused-suppression]",
    ]
    assert result.code == 0


@pytest.mark.parametrize("severity", ["off", "warning"])
def test_unused_suppression_can_be_tuned(in_tmp: Path, run_cli: RunCli, severity: str) -> None:
    (in_tmp / "page.md").write_text(
        "# Page\n\n<!-- flowcatalog-disable-next-line -->\nfine\n", encoding="utf-8"
    )
    (in_tmp / ".flowcatalog.yaml").write_text(
        f"rules:\n  unused-suppression: '{severity}'\n", encoding="utf-8"
    )
    result = run_cli("check", "page.md")
    expected = (
        []
        if severity == "off"
        else [
            "page.md:3:1: warning: 'flowcatalog-disable-next-line' suppresses nothing here; "
            "remove it [unused-suppression]"
        ]
    )
    assert result.out.splitlines()[:-1] == expected
