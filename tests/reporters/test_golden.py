"""Every report format on the fixture report, compared byte for byte with tests/golden/.

The JSON formats' golden files are their ``--pretty`` (indented) output, readable in a diff;
their default output is that same JSON compact, which one test pins byte for byte.

Regenerate after an intended change with
``FLOWCATALOG_UPDATE_GOLDEN=1 pytest tests/reporters/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from flowcatalog.findings import Severity
from flowcatalog.report import Report
from flowcatalog.reporters import PRETTY_REPORTERS, get_reporter, sarif
from tests.report_fixture import clean_report, make_report

GOLDEN = Path(__file__).resolve().parents[1] / "golden"

FORMATS = [
    ("junit", "report.junit.xml"),
    ("codequality", "report.codequality.json"),
    ("sarif", "report.sarif.json"),
    ("github", "report.github.txt"),
    ("markdown", "report.md"),
    ("html", "report.html"),
    ("badge", "report.badge.svg"),
]


def _fixed_rules(rule_id: str) -> tuple[str, Severity | None, str | None]:
    """Rule metadata pinned for the golden files, independent of registry wording."""
    if rule_id == "link-broken":
        return (rule_id, None, None)
    return (f"summary of {rule_id}", Severity.WARNING, "catalog")


@pytest.fixture(autouse=True)
def _pinned_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sarif, "describe_rule", _fixed_rules)


def _render(fmt: str, report: Report) -> str:
    """``fmt``'s output, indented where the format is JSON (see the module's docstring)."""
    return get_reporter(fmt, pretty=True)(report)


def _compare(rendered: str, name: str) -> None:
    path = GOLDEN / name
    if os.environ.get("FLOWCATALOG_UPDATE_GOLDEN"):
        path.write_bytes(rendered.encode("utf-8"))
    assert rendered.encode("utf-8") == path.read_bytes()


@pytest.mark.parametrize(("fmt", "name"), FORMATS, ids=[f for f, _ in FORMATS])
def test_online_report(fmt: str, name: str) -> None:
    _compare(_render(fmt, make_report()), name)


@pytest.mark.parametrize(
    ("fmt", "name"),
    [("html", "offline.html"), ("junit", "offline.junit.xml"), ("markdown", "offline.md")],
    ids=["html", "junit", "markdown"],
)
def test_offline_report(fmt: str, name: str) -> None:
    _compare(_render(fmt, make_report(online=False)), name)


@pytest.mark.parametrize(
    ("fmt", "name"),
    [
        ("codequality", "clean.codequality.json"),
        ("sarif", "clean.sarif.json"),
        ("junit", "clean.junit.xml"),
        ("github", "clean.github.txt"),
        ("badge", "clean.badge.svg"),
    ],
    ids=["codequality", "sarif", "junit", "github", "badge"],
)
def test_clean_report(fmt: str, name: str) -> None:
    _compare(_render(fmt, clean_report()), name)


@pytest.mark.parametrize("fmt", [f for f, _ in FORMATS])
def test_color_flag_changes_nothing(fmt: str) -> None:
    report = make_report()
    assert get_reporter(fmt)(report, color=True) == get_reporter(fmt)(report, color=False)


def test_no_coverage_report_renders_everywhere() -> None:
    report = Report(findings=make_report().findings, sources=("catalog.yaml",))
    rendered = {fmt: get_reporter(fmt)(report) for fmt, _ in FORMATS}
    assert "No catalog was read" in rendered["html"]
    assert ">n/a</text>" in rendered["badge"]
    assert '<testsuite name="coverage" tests="0"' in rendered["junit"]


@pytest.mark.parametrize("fmt", sorted(PRETTY_REPORTERS))
@pytest.mark.parametrize("report", [make_report(), make_report(online=False), clean_report()])
def test_json_formats_are_compact_unless_pretty(fmt: str, report: Report) -> None:
    """By default a JSON format is its indented output without the whitespace, on one line:
    the same JSON, written by Python's C encoder."""
    pretty = get_reporter(fmt, pretty=True)(report)
    compact = get_reporter(fmt)(report)
    value = json.loads(pretty)
    assert pretty == json.dumps(value, indent=2, ensure_ascii=False) + "\n"
    assert compact == json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n"
    assert compact.count("\n") == 1
