"""Probe -> status -> findings, without any network."""

from __future__ import annotations

import pytest

from flowcatalog.findings import Severity
from flowcatalog.model import Location
from flowcatalog.online.liveness import (
    RULES,
    ErrorKind,
    FigmaResult,
    FigmaStatus,
    LinkStatus,
    Probe,
    classify,
    figma_findings,
    figma_stop_finding,
    shape_only_finding,
    web_findings,
)

U = "https://example.org/page"
L1 = Location("catalog.yaml", 3, 9)
L2 = Location("docs/page.md", 10, 1)


@pytest.mark.parametrize(
    ("probe", "expected"),
    [
        (Probe(U, status=200), LinkStatus.OK),
        (Probe(U, status=204), LinkStatus.OK),
        (Probe(U, status=200, redirects=(U + "/",), final_url=U + "/"), LinkStatus.REDIRECTED),
        (Probe(U, status=404), LinkStatus.BROKEN),
        (Probe(U, status=410), LinkStatus.BROKEN),
        (Probe(U, status=500), LinkStatus.BROKEN),
        (Probe(U, status=401), LinkStatus.UNVERIFIABLE),
        (Probe(U, status=403), LinkStatus.UNVERIFIABLE),
        (Probe(U, status=429), LinkStatus.UNVERIFIABLE),
        (
            Probe(U, status=503, error=ErrorKind.RETRY_AFTER_TOO_LONG, retry_after=9e5),
            LinkStatus.UNVERIFIABLE,
        ),
        (Probe(U, error=ErrorKind.TIMEOUT), LinkStatus.TIMEOUT),
        (Probe(U, error=ErrorKind.DEADLINE), LinkStatus.TIMEOUT),
        (Probe(U, error=ErrorKind.DNS), LinkStatus.UNREACHABLE),
        (Probe(U, error=ErrorKind.REFUSED), LinkStatus.UNREACHABLE),
        (Probe(U, error=ErrorKind.TLS), LinkStatus.UNREACHABLE),
        (Probe(U, error=ErrorKind.RESET), LinkStatus.UNREACHABLE),
        (Probe(U, error=ErrorKind.EXCLUDED), LinkStatus.SKIPPED),
        (Probe(U, error=ErrorKind.PRIVATE_ADDRESS), LinkStatus.SKIPPED),
        (Probe(U, status=301, error=ErrorKind.REDIRECT_LOOP), LinkStatus.BROKEN),
        (Probe(U, status=301, error=ErrorKind.TOO_MANY_REDIRECTS), LinkStatus.BROKEN),
        (Probe(U), LinkStatus.UNREACHABLE),
    ],
    ids=lambda v: v.value if isinstance(v, LinkStatus) else "",
)
def test_classify(probe: Probe, expected: LinkStatus) -> None:
    assert classify(probe) is expected


def test_accept_turns_a_code_into_ok() -> None:
    assert classify(Probe(U, status=403), frozenset({403})) is LinkStatus.OK
    assert classify(Probe(U, status=999), frozenset({999})) is LinkStatus.OK


def test_ok_has_no_findings() -> None:
    assert web_findings(Probe(U, status=200), [L1, L2]) == (LinkStatus.OK, [])


def test_broken_reports_every_location() -> None:
    status, findings = web_findings(Probe(U, status=404, detail="NOT FOUND"), [L1, L2])
    assert status is LinkStatus.BROKEN
    assert [(f.rule, f.severity, f.location, f.url) for f in findings] == [
        ("link-broken", Severity.ERROR, L1, U),
        ("link-broken", Severity.ERROR, L2, U),
    ]
    assert findings[0].message == "HTTP 404 NOT FOUND"


def test_redirect_message_names_the_final_url() -> None:
    probe = Probe(
        U, status=200, redirects=("https://example.org/new",), final_url="https://example.org/new"
    )
    _, [finding] = web_findings(probe, [L1])
    assert finding.rule == "link-redirected"
    assert finding.severity is Severity.INFO
    assert finding.message == "redirected (1 hop) to https://example.org/new; link the final URL"


def test_loop_message_shows_the_chain() -> None:
    probe = Probe(U, status=301, redirects=(U + "/a", U), error=ErrorKind.REDIRECT_LOOP)
    _, [finding] = web_findings(probe, [L1])
    assert finding.message == f"redirect loop: {U} -> {U}/a -> {U}"


def test_retry_after_above_cap_message() -> None:
    probe = Probe(U, status=429, error=ErrorKind.RETRY_AFTER_TOO_LONG, retry_after=396749)
    _, [finding] = web_findings(probe, [L1])
    assert finding.rule == "link-unverifiable"
    assert finding.severity is Severity.WARNING
    assert "396749 s (4.6 days)" in finding.message
    assert "not waited for" in finding.message


@pytest.mark.parametrize(
    ("probe", "rule", "text"),
    [
        (Probe(U, error=ErrorKind.TIMEOUT, attempts=3), "link-timeout", "after 3 attempts"),
        (
            Probe(U, error=ErrorKind.DNS, detail="host name does not resolve"),
            "link-unreachable",
            "host name does not resolve",
        ),
        (
            Probe(U, error=ErrorKind.EXCLUDED, detail="matches exclude 'x'"),
            "link-skipped",
            "matches exclude",
        ),
        (
            Probe(U, error=ErrorKind.PRIVATE_ADDRESS, detail="a resolves to 10.0.0.1"),
            "link-skipped",
            "--include-private",
        ),
        (Probe(U, status=403), "link-unverifiable", "refuses automated checks"),
    ],
)
def test_messages(probe: Probe, rule: str, text: str) -> None:
    _, [finding] = web_findings(probe, [L1])
    assert finding.rule == rule
    assert text in finding.message


def test_figma_results() -> None:
    missing = FigmaResult(FigmaStatus.NODE_NOT_FOUND, "node 1:2 not found in Figma file K")
    status, findings = figma_findings(missing, U, [L1, L2])
    assert status is LinkStatus.BROKEN
    assert [f.rule for f in findings] == ["figma-node-not-found"] * 2
    status, findings = figma_findings(FigmaResult(FigmaStatus.OK), U, [L1])
    assert (status, findings) == (LinkStatus.OK, [])
    rejected = FigmaResult(FigmaStatus.TOKEN_REJECTED, "the Figma API rejected FIGMA_TOKEN")
    assert figma_findings(rejected, U, [L1]) == (LinkStatus.UNVERIFIABLE, [])
    stop = figma_stop_finding(rejected, U, L1, 10)
    assert stop is not None
    assert (stop.rule, stop.severity) == ("figma-token-rejected", Severity.ERROR)
    assert stop.message.endswith("; 10 Figma links unverified")
    assert figma_stop_finding(missing, U, L1, 1) is None


def test_shape_only_is_info() -> None:
    finding = shape_only_finding(U, L1, 10)
    assert (finding.rule, finding.severity) == ("figma-shape-only", Severity.INFO)
    assert finding.message.startswith("10 Figma links shape-checked only")


def test_rules_are_unique_kebab_case_and_cover_every_status() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))
    assert all(rule.id == rule.id.lower() and " " not in rule.id for rule in RULES)
    assert {
        "link-broken",
        "link-redirected",
        "link-unverifiable",
        "link-timeout",
        "link-unreachable",
        "link-skipped",
        "figma-file-not-found",
        "figma-node-not-found",
        "figma-token-rejected",
        "figma-rate-limited",
        "figma-api-error",
        "figma-shape-only",
    } == set(ids)
