"""Online verification: take the offline report's distinct links, check them, return a new report.

``verify_online`` runs on ``OnlineParts``: a ``protocols.Prober`` for web links (one request
chain per distinct URL), a ``protocols.FigmaVerifier`` for Figma file links (none without a
token) and the ``cache.Cache``. ``open_parts`` builds the real ones (``ParallelChecker``,
``FigmaClient``) for the CLI; tests may pass fakes. The library never prints: progress and
warnings go to the callbacks the caller injects.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

from flowcatalog.findings import Finding, sort_findings
from flowcatalog.model import FigmaRef
from flowcatalog.online.cache import Cache, default_path
from flowcatalog.online.figma_api import (
    FigmaClient,
    FigmaOutcome,
    FigmaSettings,
    FigmaToken,
)
from flowcatalog.online.liveness import (
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
from flowcatalog.online.parallel import ParallelChecker
from flowcatalog.online.protocols import FigmaVerifier, Prober
from flowcatalog.online.settings import HttpSettings, OnlineSettings
from flowcatalog.report import LinkGroup, Report
from flowcatalog.urls import FILE_KEY, UrlKind, analyse

#: (done, total, cached): called in the caller's thread as links complete
Progress = Callable[[int, int, int], None]
Warn = Callable[[str], None]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class HostLine:
    host: str
    urls: int
    requests: int
    slowest: float


@dataclass(frozen=True, slots=True)
class OnlineSummary:
    web: int = 0
    figma: int = 0
    cached: int = 0
    requests: int = 0
    figma_calls: int = 0
    elapsed: float = 0.0
    hosts: tuple[HostLine, ...] = ()
    figma_token: bool = False

    def line(self) -> str:
        """The one summary line for stderr."""
        total = self.web + self.figma
        parts = [
            f"online: {total} link{'s' if total != 1 else ''} checked "
            f"({self.web} web, {self.figma} Figma; {self.cached} from cache) "
            f"in {self.elapsed:.1f} s",
            f"{self.requests} HTTP request{'s' if self.requests != 1 else ''}",
            f"{self.figma_calls} Figma API call{'s' if self.figma_calls != 1 else ''}"
            + ("" if self.figma_token or not self.figma else " (no FIGMA_TOKEN)"),
        ]
        if self.hosts:
            busiest = sorted(self.hosts, key=lambda h: (-h.urls, h.host))[:5]
            parts.append("hosts: " + ", ".join(f"{h.host} {h.urls}" for h in busiest))
            slowest = sorted(
                (h for h in self.hosts if h.requests), key=lambda h: (-h.slowest, h.host)
            )[:3]
            if slowest:
                parts.append(
                    "slowest: " + ", ".join(f"{h.host} {h.slowest:.2f} s" for h in slowest)
                )
        return "; ".join(parts)


def _is_web(link: LinkGroup) -> bool:
    kind = analyse(link.url).kind
    return kind in (UrlKind.WEB, UrlKind.FIGMA_PAGE)


def _is_figma(link: LinkGroup) -> bool:
    return (
        link.figma is not None
        and analyse(link.url).kind is UrlKind.FIGMA_FILE
        and FILE_KEY.fullmatch(link.figma.api_key) is not None
    )


@dataclass(frozen=True, slots=True)
class OnlineParts:
    """The checkers and cache one online run uses (``open_parts`` builds the real ones)."""

    prober: Prober
    figma: FigmaVerifier | None  # None: no FIGMA_TOKEN, Figma links are shape-checked only
    cache: Cache

    def abort(self) -> None:
        """Ctrl-C: every open request is closed and no new one starts."""
        self.prober.abort()
        if self.figma is not None:
            self.figma.abort()

    def close(self) -> None:
        self.prober.close()
        if self.figma is not None:
            self.figma.close()
        self.cache.close()


def web_settings(settings: OnlineSettings, catalog_exclude: Iterable[str] = ()) -> HttpSettings:
    """The HTTP settings of a run: the options' excludes and the catalog's together."""
    return replace(settings.http, exclude=(*settings.http.exclude, *catalog_exclude))


def open_parts(
    settings: OnlineSettings,
    *,
    token: str | None,
    catalog_exclude: Iterable[str] = (),
    warn: Warn | None = None,
) -> OnlineParts:
    """The real checkers: ``ParallelChecker`` for web links (it decides on helper processes
    once it sees the URLs), ``FigmaClient`` when there is a token, and the cache."""
    path = (settings.cache_path or default_path()) if settings.use_cache else None
    cache = Cache(
        path,
        max_age=settings.max_cache_age,
        warn=warn,
        include_private=settings.http.include_private,
    )
    http = web_settings(settings, catalog_exclude)
    prober = ParallelChecker(http, processes=settings.processes, secrets=(token or "",))
    figma = None
    secret = FigmaToken(token or "")
    if secret:
        figma = FigmaClient(
            secret,
            FigmaSettings(api_base=settings.figma_api, max_retry_wait=http.max_retry_wait),
            cache=cache if cache.enabled else None,
        )
    return OnlineParts(prober, figma, cache)


def verify_online(
    report: Report,
    settings: OnlineSettings,
    parts: OnlineParts,
    *,
    catalog_exclude: Iterable[str] = (),
    progress: Progress | None = None,
) -> tuple[Report, OnlineSummary]:
    """Check every distinct link of ``report`` online with ``parts``; returns the updated
    report and its summary. The caller closes ``parts``; on an exception (Ctrl-C) the
    requests in flight are cut off before it propagates."""
    started = time.monotonic()
    http_settings = web_settings(settings, catalog_exclude)
    patterns = [re.compile(p) for p in http_settings.exclude]
    cache = parts.cache
    figma = parts.figma

    web_links = [link for link in report.links if _is_web(link)]
    figma_links = [link for link in report.links if _is_figma(link)]
    total = len(web_links) + len(figma_links)
    done = 0
    cached_count = 0

    def tick(cached: bool = False) -> None:
        nonlocal done, cached_count
        done += 1
        cached_count += int(cached)
        if progress is not None:
            progress(done, total, cached_count)

    # web links: cache first, then one probe per distinct URL
    probes: dict[str, tuple[Probe, bool]] = {}
    to_check: dict[str, None] = {}  # (in order; a set's lookups: thousands of links)
    for link in web_links:
        target = link.normalised
        if target in probes or target in to_check:
            continue
        hit = cache.get_web(target) if not _excluded(target, patterns) else None
        if hit is not None and classify(hit.probe, http_settings.accept) in (
            LinkStatus.OK,
            LinkStatus.REDIRECTED,
        ):
            probes[target] = (hit.probe, True)
            tick(cached=True)
        else:
            to_check[target] = None

    # Figma links: excluded ones are skipped; without a token none is fetched
    figma_refs: list[FigmaRef] = []
    for link in figma_links:
        assert link.figma is not None
        if not _excluded(link.url, patterns) and figma is not None:
            figma_refs.append(link.figma)
    outcome = FigmaOutcome({})
    figma_run: _Background[FigmaOutcome] | None = None
    try:
        if figma_refs and figma is not None:
            figma_run = _Background(figma.verify, figma_refs)
        prober = parts.prober
        fresh = prober.check_all(to_check, lambda url, probe: tick())
        requests_sent = prober.requests_sent
        host_stats = prober.host_stats()
        if figma_run is not None:
            outcome = figma_run.result()
    except BaseException:
        parts.abort()  # Ctrl-C: close what is open, start nothing new, wait for nothing
        raise
    for url, probe in fresh.items():
        probes[url] = (probe, False)
    if cache.enabled:
        cache.put_web(
            (probe, classify(probe, http_settings.accept) in (LinkStatus.OK, LinkStatus.REDIRECTED))
            for probe, from_cache in probes.values()
            if not from_cache and probe.error is not ErrorKind.EXCLUDED
        )

    # rebuild the links and add the findings
    findings: list[Finding] = list(report.findings)
    updated: dict[str, LinkGroup] = {}
    for link in web_links:
        probe, from_cache = probes[link.normalised]
        status, found = web_findings(probe, link.locations, http_settings.accept)
        findings.extend(_about(link, found))
        updated[link.normalised] = replace(
            link,
            status=status.value,
            http_status=probe.status,
            final_url=probe.final_url if probe.redirects else None,
            cached=from_cache,
        )
    stop_links: list[LinkGroup] = []
    shape_only: list[LinkGroup] = []
    for link in figma_links:
        assert link.figma is not None
        if _excluded(link.url, patterns):
            skipped = Probe(link.url, error=ErrorKind.EXCLUDED, detail="excluded")
            status, found = web_findings(skipped, link.locations)
            findings.extend(_about(link, found))
            updated[link.normalised] = replace(link, status=status.value)
            tick()
            continue
        if figma is None:
            shape_only.append(link)
            updated[link.normalised] = replace(link, status=LinkStatus.SHAPE_ONLY.value)
            tick()
            continue
        result = outcome.results.get(link.figma) or FigmaResult(FigmaStatus.NOT_CHECKED)
        status, found = figma_findings(result, link.normalised, link.locations)
        findings.extend(_about(link, found))
        if result.status in (FigmaStatus.TOKEN_REJECTED, FigmaStatus.RATE_LIMITED) or (
            outcome.stop is not None and result is outcome.stop
        ):
            stop_links.append(link)
        updated[link.normalised] = replace(
            link,
            status=status.value,
            http_status=result.http_status,
            cached=result.cached,
            details=result.details,
        )
        tick(cached=result.cached)
    if outcome.stop is not None and stop_links:
        first = min(stop_links, key=lambda link: min(link.locations))
        stop = figma_stop_finding(
            outcome.stop, first.normalised, min(first.locations), len(stop_links)
        )
        if stop is not None:  # an API error that stopped the run has per-link findings
            findings.append(replace(stop, link=first.normalised))

    if shape_only:
        first = min(shape_only, key=lambda link: min(link.locations))
        found = [shape_only_finding(first.normalised, min(first.locations), len(shape_only))]
        findings.extend(_about(first, found))

    links = tuple(updated.get(link.normalised, link) for link in report.links)
    summary = OnlineSummary(
        web=len(web_links),
        figma=len(figma_links),
        cached=cached_count,
        requests=requests_sent,
        figma_calls=len(outcome.calls),
        elapsed=time.monotonic() - started,
        hosts=tuple(
            HostLine(host, stats.urls, stats.requests, stats.slowest)
            for host, stats in sorted(host_stats.items())
        ),
        figma_token=figma is not None,
    )
    return replace(report, findings=sort_findings(findings), links=links), summary


class _Background(Generic[T]):
    """One call in a daemon thread (a Ctrl-C never waits for it at exit)."""

    def __init__(self, call: Callable[[list[FigmaRef]], T], refs: list[FigmaRef]) -> None:
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(call, refs), name="flowcatalog-figma", daemon=True
        )
        self._thread.start()

    def _run(self, call: Callable[[list[FigmaRef]], T], refs: list[FigmaRef]) -> None:
        try:
            self._value = call(refs)
        except BaseException as exc:  # handed to the caller's thread
            self._error = exc

    def result(self) -> T:
        while self._thread.is_alive():
            self._thread.join(0.1)  # short waits: a Ctrl-C is seen at once
        if self._error is not None:
            raise self._error
        assert self._value is not None
        return self._value


def _about(link: LinkGroup, findings: Iterable[Finding]) -> list[Finding]:
    """``findings`` as findings about ``link`` (``Finding.link``: its normalised URL)."""
    return [replace(finding, link=link.normalised) for finding in findings]


def _excluded(url: str, patterns: list[re.Pattern[str]]) -> bool:
    return any(p.search(url) for p in patterns)
