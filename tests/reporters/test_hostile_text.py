"""Hostile text through every format: the fast paths of the reporters escape exactly as the
plain way did.

The reporters skip work a value does not need (escaping only when a special character is
there, JSON written directly rather than through dicts), so these tests render reports full
of markup, quotes, control characters, CDATA ends and non-ASCII text, and check that each
output parses and gives the text back, and that the compact JSON formats are exactly
``json.dumps`` of the dicts their ``--pretty`` output indents.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest

from flowcatalog.errors import printable
from flowcatalog.findings import Finding, Severity, sort_findings
from flowcatalog.model import FigmaRef, Link, Location
from flowcatalog.report import FigmaDetails, LinkGroup, Report, ReportContext, ShardStamp
from flowcatalog.reporters import (
    get_reporter,
    github_actions,
    gitlab_codequality,
    json_report,
    markup,
    sarif,
)
from flowcatalog.reporters.json_report import dumps
from flowcatalog.reporters.subjects import fingerprints
from flowcatalog.views import NodeView, SourceLinks, Thumbnail, node_key
from tests.html_support import parse_html
from tests.report_fixture import make_report

#: markup, quotes, an entity, a CDATA end, every kind of line break, C0 and C1 controls,
#: non-characters, JSON and backslash escapes, and text outside ASCII and outside the BMP
HOSTILE = (
    "a <b> & \"c\" 'd' &amp; ]]> </failure> \\ \\u0041 %0A :: x,y\r\n\tz\x00\x01\x08\x0b\x0c"
    "\x1b[31m\x7f\x85\u2028\ufffe\uffff caf\u00e9 \u4e2d\u6587 \U0001f600 | * _ ` # ~"
)


def _hostile_report() -> Report:
    base = make_report()
    findings = list(base.findings)
    links = list(base.links)
    for i, severity in enumerate(Severity):
        url = f'https://www.figma.com/design/K/x?node-id={i}-1&t="<{i}>"'
        where = Location(f"dir/{HOSTILE}{i}.md", i + 1, i + 2)
        findings.append(
            Finding("url-invalid", severity, f"{HOSTILE} {i}", where, url, HOSTILE, url)
        )
        findings.append(Finding("x-rule", severity, HOSTILE, Location(f"other {i}.md")))
        ref = FigmaRef("design", "K", f"{i}:1")
        links.append(
            LinkGroup(
                url,
                (Link(url, where, url, ref, HOSTILE, (HOSTILE, "b")),),
                status="broken",
                http_status=404,
                final_url=HOSTILE,
                cached=bool(i),
                details=FigmaDetails(HOSTILE, None, "3", HOSTILE, None),
            )
        )
    nodes = {}
    for link in links:
        key = node_key(link.figma) if link.figma is not None else None
        if key is not None:
            thumbnail = Thumbnail(b"png", 2, 3, f"t/{HOSTILE}.png")
            nodes[key] = NodeView(*key, HOSTILE, "FRAME", HOSTILE, "7", HOSTILE, thumbnail)
    context = ReportContext(
        title=HOSTILE,
        nodes=nodes,
        sources=SourceLinks("gitlab", "https://gitlab.example.com/g/p/-/blob/abc"),
    )
    return replace(
        base,
        findings=sort_findings(findings),
        links=tuple(links),
        sources=(*base.sources, f"dir/{HOSTILE}0.md"),
        shard=ShardStamp(1, 2, None, HOSTILE),
        context=context,
    )


REPORT = _hostile_report()
HOSTILE_FINDINGS = [f for f in REPORT.findings if HOSTILE in f.message]


def _xml_text(value: str) -> str:
    """What an XML parser gives back for ``value`` written as character data: the
    characters XML cannot carry cleaned, and line breaks normalised (XML 1.0, 2.11)."""
    return markup.clean(value).replace("\r\n", "\n").replace("\r", "\n")


# --- JSON formats -----------------------------------------------------------------------


def test_json_compact_is_the_contract_dicts_encoded() -> None:
    assert json_report.render(REPORT) == dumps(json_report.report_dict(REPORT))


def test_json_gives_the_text_back() -> None:
    data = json.loads(json_report.render(REPORT))
    messages = [f["message"] for f in data["findings"]]
    assert messages == [f.message for f in REPORT.findings]
    assert [f["path"] for f in data["findings"]] == [f.location.path for f in REPORT.findings]
    hostile = [link for link in data["links"] if link["locations"][0]["text"] == HOSTILE]
    assert len(hostile) == 3
    assert all(link["locations"][0]["context"] == [HOSTILE, "b"] for link in hostile)
    assert all(link["figma_node"]["node_name"] == HOSTILE for link in hostile)
    assert all(link["figma_details"]["file_name"] == HOSTILE for link in hostile)
    assert [link["cached"] for link in hostile] == [False, True, True]
    assert data["shard"]["tool_version"] == HOSTILE


def test_codequality_compact_is_its_issues_encoded() -> None:
    rendered = gitlab_codequality.render(REPORT)
    assert rendered == dumps(gitlab_codequality.issues(REPORT))
    issues = json.loads(rendered)
    assert [i["description"] for i in issues] == [
        markup.one_line(f.message) for f in REPORT.findings
    ]
    assert [i["fingerprint"] for i in issues] == list(fingerprints(REPORT.findings))


def test_sarif_compact_is_its_log_encoded() -> None:
    rendered = sarif.render(REPORT)
    assert rendered == dumps(sarif.sarif_dict(REPORT))
    results = json.loads(rendered)["runs"][0]["results"]
    assert [r["message"]["text"] for r in results] == [f.message for f in REPORT.findings]


@pytest.mark.parametrize("line", [None, 7])
@pytest.mark.parametrize("column", [None, 3])
def test_sarif_region_of_every_known_and_unknown_position(
    line: int | None, column: int | None
) -> None:
    finding = Finding("x-rule", Severity.ERROR, "m", Location("a.md", line, column))
    report = Report(findings=(finding,), generated_at="2026-01-01T00:00:00Z")
    assert sarif.render(report) == dumps(sarif.sarif_dict(report))


# --- XML, HTML and line formats ---------------------------------------------------------


def test_junit_parses_and_gives_the_text_back() -> None:
    root = ET.fromstring(get_reporter("junit")(REPORT))
    expected = {markup.clean(markup.one_line(f.message)) for f in HOSTILE_FINDINGS}
    failures = [f for f in root.iter("failure") if f.get("type") in {"url-invalid", "x-rule"}]
    assert len(failures) == 2  # the error about a link, and the other error
    assert all(failure.get("message") in expected for failure in failures)
    bodies = "\n".join(e.text or "" for e in root.iter() if e.tag in {"failure", "system-out"})
    for finding in HOSTILE_FINDINGS:  # (the body gives the path back as it is: XML-clean)
        line = f"{finding.location}: {finding.severity.value}: {finding.message} [{finding.rule}]"
        assert _xml_text(line) in bodies
    classnames = {case.get("classname") for case in root.iter("testcase")}
    assert markup.clean(f"dir/{HOSTILE}0.md") in classnames


def test_html_parses_and_gives_the_text_back() -> None:
    page = parse_html(get_reporter("html")(REPORT))
    shown = "".join(page.text)
    for finding in HOSTILE_FINDINGS:
        assert markup.clean(finding.message) in shown
        assert markup.clean(str(finding.location)) in shown
    hrefs = [a.get("href") or "" for tag, a in page.elements if tag == "a"]
    assert any(h.startswith("https://gitlab.example.com/g/p/-/blob/abc/dir/") for h in hrefs)
    assert {tag for tag, _ in page.elements} <= {
        "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "p",
        "a", "code", "time", "ul", "li", "strong", "main", "section", "form", "fieldset",
        "legend", "label", "input", "div", "table", "caption", "thead", "tbody", "tr", "th",
        "td", "span", "img", "br", "footer", "script",
    }  # fmt: skip


def test_badge_parses() -> None:
    ET.fromstring(get_reporter("badge")(REPORT))


def test_text_gives_the_text_back() -> None:
    """The message as it is; the path with what is not printable escaped, so that a file
    name cannot break the one line a finding takes (``errors.printable``)."""
    lines = get_reporter("text")(REPORT)
    for finding in HOSTILE_FINDINGS:
        shown = replace(finding.location, path=printable(finding.location.path))
        assert f"{shown}: {finding.severity.value}: {finding.message}" in lines
    assert any(printable(f.location.path) != f.location.path for f in HOSTILE_FINDINGS)


def _unescape_command(value: str) -> str:
    return re.sub("%(25|0D|0A|3A|2C)", lambda m: bytes.fromhex(m[1]).decode(), value)


def test_github_one_command_per_finding_giving_the_text_back() -> None:
    rendered = get_reporter("github")(REPORT)
    assert rendered.endswith("\n")
    assert "\r" not in rendered
    lines = rendered[:-1].split("\n")  # the runner reads commands line by line, at LF
    commands = [line for line in lines if line.startswith("::")]
    assert commands == lines  # no line break of a message could start a command
    assert len(commands) == len(REPORT.findings)
    for line, finding in zip(commands, REPORT.findings, strict=True):
        head, _, message = line.partition("::")[2].partition("::")
        assert _unescape_command(message) == finding.message
        assert line == github_actions.format_finding(finding)
        file = head.split(" ", 1)[1].split(",")[0]
        assert _unescape_command(file.removeprefix("file=")) == finding.location.path


def test_markdown_one_row_per_finding() -> None:
    rendered = get_reporter("markdown")(REPORT)
    rows = [line for line in rendered.splitlines() if line.startswith(("| 🔴", "| 🟠", "| 🔵"))]
    assert len(rows) == len(REPORT.findings)
    assert all(row.count(" | ") == 3 for row in rows)  # no | of a message opened a cell


# --- the shared pieces ------------------------------------------------------------------


def _reference_clean(value: str) -> str:
    """``markup.clean`` as it was written before its fast path: always the expression."""
    return re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udfff]", "\ufffd", value)


def _reference_text(value: str) -> str:
    """``markup.text`` as it was written before its fast paths: always every step."""
    cleaned = _reference_clean(value)
    return cleaned.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _reference_attr(value: str) -> str:
    return (
        _reference_text(value)
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
        .replace("\t", "&#9;")
    )


#: every character below U+0100, the XML non-characters, a lone surrogate, and some others
SAMPLES = [chr(c) for c in range(0x100)] + ["\ud800", "\udfff", "\ufffe", "\uffff", "\u2028"]


@pytest.mark.parametrize("char", SAMPLES, ids=[f"U+{ord(c):04X}" for c in SAMPLES])
def test_markup_escapes_each_character_as_the_plain_way(char: str) -> None:
    for value in (char, f"ok{char}", f'{char}<&>"{char}', f"caf\u00e9 {char}\n"):
        assert markup.text(value) == _reference_text(value)
        assert markup.attr(value) == _reference_attr(value)
        assert markup.clean(value) == _reference_clean(value)


def test_fingerprints_are_each_findings_own_counted_by_rule_path_and_subject() -> None:
    twice = REPORT.findings + REPORT.findings
    counted: list[tuple[str, str, str]] = []
    expected = []
    for finding in twice:
        key = (
            finding.rule,
            finding.location.path,
            finding.subject or finding.url or finding.message,
        )
        expected.append(finding.fingerprint(counted.count(key)))
        counted.append(key)
    assert fingerprints(twice) == tuple(expected)
    assert len(set(expected)) == len(expected)


def test_a_lone_surrogate_has_a_fingerprint_too() -> None:
    """A subject holding a lone surrogate (a name decoded with surrogateescape) is hashed,
    not a crash; any other text hashes exactly as plain UTF-8 did."""
    lone = Finding("page-placeholder", Severity.WARNING, "m", Location("a\udcff.md", 1, 1),
                   subject="x\ud800y")  # fmt: skip
    plain = Finding("page-placeholder", Severity.WARNING, "m", Location("a.md", 1, 1), subject="é")
    assert fingerprints((lone, plain)) == (lone.fingerprint(), plain.fingerprint())
    assert lone.fingerprint() != lone.fingerprint(1)
    import hashlib

    raw = "\0".join(("flowcatalog", "page-placeholder", "a.md", "é", "0")).encode("utf-8")
    assert plain.fingerprint() == hashlib.sha256(raw).hexdigest()[:32]
