"""Report formats: validity against their schemas, escaping, fingerprints, badge colours."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import xmlschema

from flowcatalog.findings import Finding, Severity
from flowcatalog.model import Location
from flowcatalog.report import Coverage, Report
from flowcatalog.reporters import (
    REPORTERS,
    badge,
    get_reporter,
    github_actions,
    gitlab_codequality,
    junit_xml,
    markup,
    sarif,
)
from tests.conftest import RunCli
from tests.html_support import parse_html
from tests.report_fixture import AWKWARD, clean_report, make_report

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
NASTY = 'a <b> & "c" \x00 \x1b[31m 100%, key: value\r\nnext line'


def _nasty_report() -> Report:
    base = make_report()
    extra = Finding(
        "url-invalid",
        Severity.ERROR,
        NASTY,
        Location('dir/a "b" & <c>.md', 3, 4),
        url=NASTY,
        subject=NASTY,
    )
    return replace(base, findings=(*base.findings, extra))


def test_every_format_of_issue_5_is_registered() -> None:
    assert set(REPORTERS) >= {
        "text",
        "json",
        "junit",
        "codequality",
        "sarif",
        "github",
        "markdown",
        "html",
        "badge",
    }


# --- JUnit ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "report",
    [make_report(), make_report(online=False), clean_report(), _nasty_report()],
    ids=["online", "offline", "clean", "nasty"],
)
def test_junit_is_valid_against_the_junit_schema(report: Report) -> None:
    schema = xmlschema.XMLSchema(SCHEMAS / "junit.xsd")
    schema.validate(junit_xml.render(report))


def test_junit_has_one_case_per_cell_and_per_link_with_unique_names() -> None:
    report = make_report()
    root = ET.fromstring(junit_xml.render(report))
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert report.coverage is not None
    assert len(suites["coverage"].findall("testcase")) == len(report.coverage.cells) == 9
    assert len(suites["links"].findall("testcase")) == len(report.links) == 5
    keys = [(c.get("classname"), c.get("name")) for c in root.iter("testcase")]
    assert len(keys) == len(set(keys))
    assert all(c.get("file") for c in root.iter("testcase"))
    assert root.get("tests") == str(len(keys))


def test_junit_failure_message_is_one_line_and_escaped() -> None:
    root = ET.fromstring(junit_xml.render(_nasty_report()))
    messages = [f.get("message") or "" for f in root.iter("failure")]
    assert all("\n" not in m and "\r" not in m for m in messages)
    catalog = next(s for s in root.iter("testsuite") if s.get("name") == "catalog")
    case = next(c for c in catalog.iter("testcase") if c.get("classname") == 'dir/a "b" & <c>.md')
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("message") == 'a <b> & "c" \ufffd \ufffd[31m 100%, key: value next line'


def test_junit_lists_a_multi_line_finding_once() -> None:
    """A finding with a line break in its message is in the failure's body, and only there
    (it was once listed in ``system-out`` as well)."""
    root = ET.fromstring(junit_xml.render(_nasty_report()))
    case = next(c for c in root.iter("testcase") if c.get("classname") == 'dir/a "b" & <c>.md')
    failure = case.find("failure")
    assert failure is not None
    assert "next line" in (failure.text or "")
    assert case.find("system-out") is None


def test_junit_cell_states() -> None:
    root = ET.fromstring(junit_xml.render(make_report()))
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert cases["Trial / SaaS"].find("failure") is None
    assert cases["Trial / Self-managed"].find("failure") is not None
    skipped = cases["Trial / Dedicated"].find("skipped")
    assert skipped is not None
    assert skipped.get("message") == 'not applicable: no trials on "Dedicated" <yet>'
    placeholder = cases["Renewal / Self-managed"].find("failure")
    assert placeholder is not None
    assert placeholder.get("type") == "placeholder-cell"


def test_junit_duplicate_names_get_a_suffix() -> None:
    report = make_report()
    assert report.coverage is not None
    cells = report.coverage.cells
    names = (("trial", "Trial"), ("renewal", "Trial"), ("cancelation", "Cancelation"))
    coverage = Coverage(cells, names, report.coverage.deployment_names)
    root = ET.fromstring(junit_xml.render(replace(report, coverage=coverage)))
    trial = [c.get("name") for c in root.iter("testcase") if c.get("classname") == "Trial"]
    assert trial == [
        "Trial / SaaS",
        "Trial / Self-managed",
        "Trial / Dedicated",
        "Trial / SaaS (2)",
        "Trial / Self-managed (2)",
        "Trial / Dedicated (2)",
    ]


# --- Code Quality -----------------------------------------------------------------------


def _codequality(report: Report) -> list[dict[str, Any]]:
    rendered = gitlab_codequality.render(report)
    assert not rendered.encode("utf-8").startswith(b"\xef\xbb\xbf")
    data: list[dict[str, Any]] = json.loads(rendered)
    return data


@pytest.mark.parametrize(
    "report", [make_report(), clean_report(), _nasty_report()], ids=["online", "clean", "nasty"]
)
def test_codequality_is_valid(report: Report) -> None:
    schema = json.loads((SCHEMAS / "codequality.schema.json").read_text("utf-8"))
    jsonschema.validate(_codequality(report), schema)


def test_codequality_clean_is_an_empty_array() -> None:
    assert gitlab_codequality.render(clean_report()) == "[]\n"


def test_codequality_fields_and_severity_mapping() -> None:
    issues = _codequality(make_report())
    by_rule = {i["check_name"]: i for i in issues}
    assert by_rule["flowcatalog/link-broken"]["severity"] == "major"
    assert by_rule["flowcatalog/placeholder-cell"]["severity"] == "minor"
    assert by_rule["flowcatalog/shared-flow"]["severity"] == "info"
    assert by_rule["flowcatalog/unknown-key"]["location"] == {
        "path": "catalog.yaml",
        "lines": {"begin": 1},
    }
    assert by_rule["flowcatalog/unknown-key"]["description"] == (
        "unknown key 'note' expected one of: notes, title"
    )


def test_codequality_fingerprints_unique_even_for_identical_subjects() -> None:
    issues = _codequality(make_report())
    fingerprints = [i["fingerprint"] for i in issues]
    assert len(fingerprints) == len(set(fingerprints)) == len(make_report().findings)
    assert all(re.fullmatch(r"[0-9a-f]{32}", fp) for fp in fingerprints)


def _shift(finding: Finding, lines: int) -> Finding:
    loc = finding.location
    moved = Location(loc.path, None if loc.line is None else loc.line + lines, loc.column)
    return replace(finding, location=moved)


def test_codequality_fingerprints_survive_moved_lines() -> None:
    report = make_report()
    moved = replace(report, findings=tuple(_shift(f, 7) for f in report.findings))
    before = [i["fingerprint"] for i in _codequality(report)]
    after = [i["fingerprint"] for i in _codequality(moved)]
    assert before == after
    assert [i["location"]["lines"]["begin"] for i in _codequality(moved)][1] == 15


def test_codequality_fingerprint_changes_with_the_subject() -> None:
    report = make_report()
    changed = replace(report.findings[1], subject="trial/other")
    other = replace(report, findings=(report.findings[0], changed, *report.findings[2:]))
    before = [i["fingerprint"] for i in _codequality(report)]
    after = [i["fingerprint"] for i in _codequality(other)]
    assert [a == b for a, b in zip(before, after, strict=True)].count(False) == 1


@pytest.mark.parametrize(
    ("path", "expected"),
    [("./docs/a.md", "docs/a.md"), ("docs\\a.md", "docs/a.md"), ("a.md", "a.md")],
)
def test_codequality_paths_are_repo_relative(path: str, expected: str) -> None:
    assert gitlab_codequality.repo_path(path) == expected


# --- SARIF ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "report", [make_report(), clean_report(), _nasty_report()], ids=["online", "clean", "nasty"]
)
def test_sarif_is_valid_against_the_sarif_2_1_0_schema(report: Report) -> None:
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text("utf-8"))
    data = json.loads(sarif.render(report))
    jsonschema.Draft4Validator(schema).validate(data)
    assert data["version"] == "2.1.0"


def test_sarif_rule_metadata_comes_from_the_registry() -> None:
    from flowcatalog.rules.registry import rule

    info = rule("missing-cell")
    assert info is not None
    data = json.loads(sarif.render(make_report()))
    rules = {r["id"]: r for r in data["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["missing-cell"]["shortDescription"] == {"text": info.summary}
    assert rules["missing-cell"]["defaultConfiguration"] == {"level": "error"}
    assert rules["missing-cell"]["properties"] == {"tags": [info.area]}


def test_sarif_unknown_rule_falls_back_to_its_id() -> None:
    report = replace(
        clean_report(),
        findings=(Finding("from-the-future", Severity.INFO, "m", Location("a.md", 2, 3)),),
    )
    data = json.loads(sarif.render(report))
    run = data["runs"][0]
    assert run["tool"]["driver"]["rules"] == [
        {"id": "from-the-future", "shortDescription": {"text": "from-the-future"}}
    ]
    assert run["results"][0]["level"] == "note"
    assert run["results"][0]["ruleIndex"] == 0
    assert run["results"][0]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 2,
        "startColumn": 3,
    }


def test_sarif_uri_is_percent_encoded() -> None:
    data = json.loads(sarif.render(_nasty_report()))
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in data["runs"][0]["results"]
    ]
    assert "dir/a%20%22b%22%20%26%20%3Cc%3E.md" in uris


# --- GitHub workflow commands -----------------------------------------------------------


def test_github_command_escapes_data_and_properties() -> None:
    finding = Finding(
        "url-invalid", Severity.WARNING, "50% bad\r\nnext: a, b", Location("dir/a:b,c%.md", 3, 4)
    )
    assert github_actions.format_finding(finding) == (
        "::warning file=dir/a%3Ab%2Cc%25.md,line=3,col=4,title=flowcatalog url-invalid"
        "::50%25 bad%0D%0Anext: a, b"
    )


def test_github_one_line_per_finding() -> None:
    rendered = github_actions.render(_nasty_report())
    lines = rendered.splitlines()
    assert len(lines) == len(_nasty_report().findings)
    assert all(re.match(r"::(error|warning|notice) file=", line) for line in lines)


def test_github_info_is_a_notice_without_position_when_unknown() -> None:
    finding = Finding("x", Severity.INFO, "m", Location("catalog.yaml"))
    assert github_actions.format_finding(finding) == (
        "::notice file=catalog.yaml,title=flowcatalog x::m"
    )


# --- HTML, SVG and escaping -------------------------------------------------------------


def test_html_is_self_contained_and_escaped() -> None:
    page = parse_html(get_reporter("html")(_nasty_report()))
    tags = [t for t, _ in page.elements]
    assert tags.count("script") == 1  # inline: it only counts the cells the filters show
    assert "link" not in tags
    assert "img" not in tags
    assert all(not (a.get("src")) for _, a in page.elements)
    hrefs = [a["href"] for t, a in page.elements if t == "a"]
    assert AWKWARD in hrefs
    assert all(h is not None and h.startswith("https://") for h in hrefs)
    assert NASTY.replace("\x00", "\ufffd").replace("\x1b", "\ufffd") in "".join(page.text)


def test_html_does_not_link_non_http_urls() -> None:
    report = make_report()
    assert report.coverage is not None
    cells = tuple(
        replace(c, links=("javascript:alert(1)",)) if c.stage == "trial" and c.links else c
        for c in report.coverage.cells
    )
    page = get_reporter("html")(replace(report, coverage=replace(report.coverage, cells=cells)))
    assert 'href="javascript' not in page
    assert "<code>javascript:alert(1)</code>" in page


def test_html_matrix_is_real_table_markup() -> None:
    page = parse_html(get_reporter("html")(make_report()))
    headers = [a.get("scope") for t, a in page.elements if t == "th"]
    assert headers.count("col") == 4 + 5 + 4 + 3  # matrix, cells, findings, links
    assert headers.count("row") == 3
    states = [a.get("data-state") for t, a in page.elements if t == "td" and a.get("data-state")]
    assert states == [
        "documented",
        "missing",
        "not-applicable",
        "documented",
        "placeholder",
        "missing",
        "documented",
        "documented",
        "missing",
    ]


def test_markup_escapes_and_cleans() -> None:
    assert markup.attr('<a href="x">&\n') == "&lt;a href=&quot;x&quot;&gt;&amp;&#10;"
    assert markup.text("\x00ok\x7f") == "\ufffdok\x7f"


@pytest.mark.parametrize("report", [make_report(), _nasty_report()], ids=["fixture", "nasty"])
@pytest.mark.parametrize("fmt", ["junit", "badge"])
def test_xml_formats_are_well_formed(report: Report, fmt: str) -> None:
    ET.fromstring(get_reporter(fmt)(report))


@pytest.mark.parametrize(
    ("percent", "colour"),
    [
        (100.0, "#1a7f37"),
        (90.0, "#1a7f37"),
        (89.9, "#2e6e0b"),
        (75.0, "#2e6e0b"),
        (74.9, "#8a6100"),
        (60.0, "#8a6100"),
        (59.9, "#a34e00"),
        (40.0, "#a34e00"),
        (39.9, "#c62828"),
        (0.0, "#c62828"),
        (None, "#5c636b"),
    ],
)
def test_badge_colour_thresholds(percent: float | None, colour: str) -> None:
    assert badge.colour(percent) == colour


def test_badge_text_contrast_is_at_least_4_5() -> None:
    fills = [badge.LABEL_FILL, badge.RED, badge.GREY, *(c for _, c in badge.THRESHOLDS)]
    assert min(badge.contrast("#fff", fill) for fill in fills) >= 4.5
    assert round(badge.contrast("#fff", "#4c1"), 2) == 2.12  # the old green, for the record
    assert badge.contrast("#000", "#fff") == 21.0


def test_badge_says_the_percentage_and_the_errors() -> None:
    ns = "{http://www.w3.org/2000/svg}"
    svg = ET.fromstring(badge.render(make_report()))
    assert svg.get("aria-label") == "flows: 50% \u00b7 6 errors"
    assert [t.text for t in svg.iter(f"{ns}text")] == ["flows"] * 2 + ["50% \u00b7 6 errors"] * 2
    assert svg.find(f"{ns}title") is not None
    fills = [r.get("fill") for r in svg.iter(f"{ns}rect")]
    assert fills[-1] == badge.RED
    clean = ET.fromstring(badge.render(clean_report()))
    assert clean.get("aria-label") == "flows: 100%"
    assert [r.get("fill") for r in clean.iter(f"{ns}rect")][-1] == "#1a7f37"


# --- the repo's own catalog, end to end -----------------------------------------------------


def test_repo_catalog_renders_valid_junit_sarif_and_codequality(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flowcatalog.pipeline.run import CheckRequest, run_check

    # as in CI: run from the repository root, so every path is repo-relative
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    report = run_check(CheckRequest(catalog_path="catalog.yaml"))
    assert report.findings
    xmlschema.XMLSchema(SCHEMAS / "junit.xsd").validate(junit_xml.render(report))
    sarif_schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text("utf-8"))
    jsonschema.Draft4Validator(sarif_schema).validate(json.loads(sarif.render(report)))
    cq_schema = json.loads((SCHEMAS / "codequality.schema.json").read_text("utf-8"))
    issues = _codequality(report)
    jsonschema.validate(issues, cq_schema)
    assert len({i["fingerprint"] for i in issues}) == len(report.findings)
    root = ET.fromstring(junit_xml.render(report))
    assert report.coverage is not None
    coverage_suite = next(s for s in root.iter("testsuite") if s.get("name") == "coverage")
    assert len(coverage_suite.findall("testcase")) == len(report.coverage.cells)


def test_coverage_command_renders_html_and_badge(run_cli: RunCli) -> None:
    repo = Path(__file__).resolve().parents[2]
    catalog = str(repo / "catalog.yaml")
    page = run_cli("coverage", "--catalog", catalog, "--format", "html")
    assert page.code == 0
    assert page.out.startswith("<!DOCTYPE html>")
    assert '<table class="matrix" id="matrix">' in page.out
    svg = run_cli("coverage", "--catalog", catalog, "--format", "badge")
    assert 'aria-label="flows: 100%"' in svg.out


def test_markdown_table_never_makes_a_script_url_clickable() -> None:
    from flowcatalog.catalog.coverage import Cell, CellState, Coverage, ExtraFlow
    from flowcatalog.reporters.coverage_table import markdown_extra_flows, markdown_table

    bad = "javascript:alert(1)"
    good = "https://example.com/x"
    coverage = Coverage(
        cells=(Cell("s", "d", CellState.DOCUMENTED, links=(bad, good), flows=("f",)),),
        stage_names=(("s", "S"),),
        deployment_names=(("d", "D"),),
        extra_flows=(ExtraFlow("s", "e", links=(bad,)),),
    )
    table = markdown_table(coverage)
    extra = markdown_extra_flows(coverage)
    for text in (table, extra):
        assert "(<javascript:" not in text
        assert "javascript:alert(1)" in text  # shown, as text
    assert "[2](<https://example.com/x>)" in table
