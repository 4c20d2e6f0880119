"""The online stage: a report's distinct links in, statuses, details and findings out."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from flowcatalog.findings import Finding, Severity
from flowcatalog.model import FigmaRef, Link, Location
from flowcatalog.online.cache import Cache
from flowcatalog.online.figma_api import FigmaCall, FigmaOutcome
from flowcatalog.online.liveness import FigmaResult, FigmaStatus, Probe
from flowcatalog.online.protocols import OnProbe
from flowcatalog.online.settings import OnlineSettings
from flowcatalog.online.verify import OnlineParts, OnlineSummary, verify_online
from flowcatalog.online.web import HostStats
from flowcatalog.report import LinkGroup, Report
from flowcatalog.urls import analyse
from tests.online_support import FAST, FakeFigma, check_online, local_server, url

TOKEN = "figd_canary-online-0d9a"
KEY = "DCq7K8Srsv79tbH1yRkGbl"
L1 = Location("catalog.yaml", 5, 9)
L2 = Location("docs/page.md", 12, 3)
L3 = Location("docs/page.md", 40, 1)


@pytest.fixture(scope="module")
def module_server() -> Iterator[HTTPServer]:
    with local_server() as server:
        yield server


@pytest.fixture
def server(module_server: HTTPServer) -> HTTPServer:
    module_server.clear()
    return module_server


def link(target: str, *locations: Location) -> LinkGroup:
    analysis = analyse(target)
    occurrences = tuple(
        Link(target, where, analysis.normalised, analysis.figma) for where in locations or (L1,)
    )
    return LinkGroup(analysis.normalised, occurrences)


def figma(node: str, *locations: Location) -> LinkGroup:
    return link(f"https://www.figma.com/design/{KEY}/Flows?node-id={node}", *locations)


def run(
    report: Report,
    tmp_path: Path,
    server: HTTPServer,
    token: str | None = None,
    **kwargs: object,
) -> tuple[Report, OnlineSummary]:
    settings = OnlineSettings(http=FAST, figma_api=url(server, ""), cache_path=tmp_path / "c.db")
    return check_online(report, settings, token=token, **kwargs)  # type: ignore[no-any-return,arg-type]


def by_url(report: Report) -> dict[str, LinkGroup]:
    return {link.url: link for link in report.links}


def rules(findings: tuple[Finding, ...]) -> list[tuple[str, str, int | None]]:
    return [(f.rule, f.location.path, f.location.line) for f in findings]


def test_web_links_get_statuses_and_findings_at_every_location(
    server: HTTPServer, tmp_path: Path
) -> None:
    server.expect_request("/ok").respond_with_data("")
    server.expect_request("/gone").respond_with_data("", status=404)
    server.expect_request("/old").respond_with_response(
        Response("", status=301, headers={"Location": "/ok"})
    )
    report = Report(
        findings=(),
        links=(
            link(url(server, "/ok"), L1),
            link(url(server, "/gone"), L1, L2),
            link(url(server, "/old"), L3),
            link("mailto:someone@example.org", L3),
        ),
    )
    progress: list[tuple[int, int, int]] = []
    updated, summary = run(report, tmp_path, server, progress=lambda *a: progress.append(a))
    links = by_url(updated)
    assert links[url(server, "/ok")].status == "ok"
    assert links[url(server, "/gone")].status == "broken"
    assert links[url(server, "/gone")].http_status == 404
    assert links[url(server, "/old")].status == "redirected"
    assert links[url(server, "/old")].final_url == url(server, "/ok")
    assert links["mailto:someone@example.org"].status is None
    assert rules(updated.findings) == [
        ("link-broken", "catalog.yaml", 5),
        ("link-broken", "docs/page.md", 12),
        ("link-redirected", "docs/page.md", 40),
    ]
    assert progress[-1] == (3, 3, 0)
    assert (summary.web, summary.figma, summary.requests, summary.cached) == (3, 0, 4, 0)
    assert f"127.0.0.1:{server.port} 3" in summary.line()


def test_second_run_uses_the_cache_for_successes_only(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/ok").respond_with_data("")
    server.expect_request("/gone").respond_with_data("", status=404)
    report = Report(findings=(), links=(link(url(server, "/ok")), link(url(server, "/gone"))))
    run(report, tmp_path, server)
    server.clear()
    server.expect_request("/gone").respond_with_data("", status=404)
    updated, summary = run(report, tmp_path, server)
    assert [(r.method, r.path) for r, _ in server.log] == [("HEAD", "/gone")]
    links = by_url(updated)
    assert links[url(server, "/ok")].cached is True
    assert links[url(server, "/ok")].status == "ok"
    assert links[url(server, "/gone")].cached is False
    assert summary.cached == 1


def test_no_cache_means_no_file(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/ok").respond_with_data("")
    report = Report(findings=(), links=(link(url(server, "/ok")),))
    settings = OnlineSettings(http=FAST, use_cache=False, cache_path=tmp_path / "c.db")
    check_online(report, settings, token=None)
    assert not (tmp_path / "c.db").exists()


def test_catalog_exclude_skips_links(server: HTTPServer, tmp_path: Path) -> None:
    report = Report(findings=(), links=(link(url(server, "/internal/x")), figma("1-2")))
    updated, _ = run(report, tmp_path, server, token=TOKEN, catalog_exclude=("/internal/", "figma"))
    assert {link.status for link in updated.links} == {"skipped"}
    assert server.log == []
    assert [f.rule for f in updated.findings] == ["link-skipped", "link-skipped"]


def test_without_a_token_figma_links_are_shape_only_and_never_fetched(
    server: HTTPServer, tmp_path: Path
) -> None:
    report = Report(findings=(), links=(figma("1-2", L2), figma("3-4", L1)))
    updated, summary = run(report, tmp_path, server, token=None)
    assert server.log == []
    assert {link.status for link in updated.links} == {"shape-only"}
    [finding] = updated.findings
    assert (finding.rule, finding.severity, finding.location) == (
        "figma-shape-only", Severity.INFO, L1
    )  # fmt: skip
    assert finding.message.startswith("2 Figma links shape-checked only")
    assert summary.figma_calls == 0
    assert "(no FIGMA_TOKEN)" in summary.line()


def test_figma_links_get_details_and_node_findings(server: HTTPServer, tmp_path: Path) -> None:
    fake = FakeFigma(TOKEN, {KEY: ("Flows", "9", {"1:2": ("Trial - SaaS", "FRAME")})})
    fake.install(server)
    report = Report(findings=(), links=(figma("1-2", L1), figma("3-4", L2, L3)))
    updated, summary = run(report, tmp_path, server, token=TOKEN)
    assert len(fake.requests) == 1
    found = updated.links[0]
    assert found.status == "ok"
    assert found.details is not None
    assert (found.details.node_name, found.details.node_type, found.details.file_name) == (
        "Trial - SaaS", "FRAME", "Flows"
    )  # fmt: skip
    assert updated.links[1].status == "broken"
    assert rules(updated.findings) == [
        ("figma-node-not-found", "docs/page.md", 12),
        ("figma-node-not-found", "docs/page.md", 40),
    ]
    assert summary.figma_calls == 1


def test_rejected_token_is_one_finding(server: HTTPServer, tmp_path: Path) -> None:
    fake = FakeFigma("figd_the-right-one", {KEY: ("Flows", "9", {})})
    fake.install(server)
    other = "nrPSsILSYjesyc5UHjYYa4"
    report = Report(
        findings=(),
        links=(
            figma("1-2", L2),
            link(f"https://www.figma.com/design/{other}/X?node-id=1-1", L1),
        ),
    )
    updated, _ = run(report, tmp_path, server, token=TOKEN)
    assert len(fake.requests) == 1
    [finding] = updated.findings
    assert finding.rule == "figma-token-rejected"
    assert finding.location == L1
    assert finding.message.endswith("; 2 Figma links unverified")
    assert {link.status for link in updated.links} == {"unverifiable"}
    assert TOKEN not in finding.message


def test_unverified_report_keeps_offline_findings(server: HTTPServer, tmp_path: Path) -> None:
    offline = Finding("empty-item", Severity.WARNING, "future iteration 2 is empty", L3)
    report = Report(findings=(offline,), links=())
    updated, summary = run(report, tmp_path, server)
    assert updated.findings == (offline,)
    assert summary.line().startswith("online: 0 links checked")


def test_injected_cache_is_used(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/ok").respond_with_data("")
    cache = Cache(tmp_path / "x.db")
    report = Report(findings=(), links=(link(url(server, "/ok")),))
    settings = replace(OnlineSettings(http=FAST), figma_api=url(server, ""))
    check_online(report, settings, token=None, cache=cache)
    assert cache.get_web(url(server, "/ok")) is not None
    cache.close()


class FakeProber:
    """A ``Prober`` that answers from a table and records what it was asked."""

    def __init__(self, statuses: dict[str, int]) -> None:
        self.statuses = statuses
        self.asked: list[str] = []
        self.aborted = False
        self.requests_sent = 0

    def check_all(self, urls: Iterable[str], on_done: OnProbe | None = None) -> dict[str, Probe]:
        found = {}
        for target in urls:
            self.asked.append(target)
            self.requests_sent += 1
            found[target] = Probe(target, status=self.statuses[target], attempts=1)
            if on_done is not None:
                on_done(target, found[target])
        return found

    def host_stats(self) -> dict[str, HostStats]:
        return {"fake.example": HostStats(requests=self.requests_sent, urls=len(self.asked))}

    def abort(self) -> None:
        self.aborted = True

    def close(self) -> None:
        pass


class FakeVerifier:
    """A ``FigmaVerifier`` that finds node 1:2 only."""

    def __init__(self) -> None:
        self.aborted = False

    def verify(self, refs: Iterable[FigmaRef]) -> FigmaOutcome:
        results = {
            ref: FigmaResult(FigmaStatus.OK)
            if ref.node_id == "1:2"
            else FigmaResult(FigmaStatus.NODE_NOT_FOUND, f"node {ref.node_id} not found")
            for ref in refs
        }
        return FigmaOutcome(results, (FigmaCall("nodes", KEY, 200, len(results)),))

    def abort(self) -> None:
        self.aborted = True

    def close(self) -> None:
        pass


def test_the_stage_runs_on_fake_probers_and_verifiers(tmp_path: Path) -> None:
    report = Report(
        findings=(),
        links=(
            link("https://fake.example/ok", L1),
            link("https://fake.example/gone", L2),
            figma("1-2", L1),
            figma("9-9", L3),
        ),
    )
    prober = FakeProber({"https://fake.example/ok": 200, "https://fake.example/gone": 404})
    parts = OnlineParts(prober, FakeVerifier(), Cache(None))
    updated, summary = verify_online(report, OnlineSettings(), parts)
    assert sorted(prober.asked) == ["https://fake.example/gone", "https://fake.example/ok"]
    assert [link.status for link in updated.links] == ["ok", "broken", "ok", "broken"]
    assert rules(updated.findings) == [
        ("link-broken", "docs/page.md", 12),
        ("figma-node-not-found", "docs/page.md", 40),
    ]
    assert (summary.requests, summary.figma_calls, summary.figma_token) == (2, 1, True)


def test_an_interrupted_stage_aborts_its_parts() -> None:
    report = Report(findings=(), links=(link("https://fake.example/ok", L1), figma("1-2")))
    prober = FakeProber({"https://fake.example/ok": 200})
    verifier = FakeVerifier()

    def ctrl_c(done: int, total: int, cached: int) -> None:
        raise KeyboardInterrupt

    parts = OnlineParts(prober, verifier, Cache(None))
    with pytest.raises(KeyboardInterrupt):
        verify_online(report, OnlineSettings(), parts, progress=ctrl_c)
    assert prober.aborted
    assert verifier.aborted
