"""Link liveness: the closed set of statuses, the raw facts of a probe, and their findings.

Pure: no I/O. ``flowcatalog.online.web`` fills a ``Probe`` for a web link (``probes``, with
``ErrorKind``; both importable from here too) and
``flowcatalog.online.figma_api`` a ``FigmaResult`` for a Figma link; this module turns either
into a ``LinkStatus`` and the findings to report at every location of the link.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from flowcatalog.findings import Finding, Rule, Severity
from flowcatalog.model import Location
from flowcatalog.online.probes import ErrorKind as ErrorKind
from flowcatalog.online.probes import Probe as Probe
from flowcatalog.report import FigmaDetails


class LinkStatus(StrEnum):
    """What an online check concluded about one distinct link."""

    OK = "ok"
    REDIRECTED = "redirected"
    BROKEN = "broken"
    UNVERIFIABLE = "unverifiable"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    SKIPPED = "skipped"
    SHAPE_ONLY = "shape-only"


class FigmaStatus(StrEnum):
    """What the Figma REST API said about one Figma link."""

    OK = "ok"
    FILE_NOT_FOUND = "file-not-found"
    NODE_NOT_FOUND = "node-not-found"
    TOKEN_REJECTED = "token-rejected"
    RATE_LIMITED = "rate-limited"
    API_ERROR = "api-error"
    NOT_CHECKED = "not-checked"


@dataclass(frozen=True, slots=True)
class FigmaResult:
    """The API's verdict on one Figma link; ``message`` never holds the token."""

    status: FigmaStatus
    message: str = ""
    details: FigmaDetails | None = None
    http_status: int | None = None
    cached: bool = False


LINK_BROKEN = Rule(
    "link-broken",
    Severity.ERROR,
    "a web link answers 404, 410 or another 4xx/5xx status",
    "online",
)
LINK_REDIRECTED = Rule(
    "link-redirected",
    Severity.INFO,
    "a web link redirects; the final URL is reported",
    "online",
)
LINK_UNVERIFIABLE = Rule(
    "link-unverifiable",
    Severity.WARNING,
    "a web link answers 401, 403 or 429: it may be fine",
    "online",
)
LINK_TIMEOUT = Rule(
    "link-timeout",
    Severity.ERROR,
    "a web link did not answer in time, retries included",
    "online",
)
LINK_UNREACHABLE = Rule(
    "link-unreachable",
    Severity.ERROR,
    "a web link's host does not resolve, refuses or fails TLS",
    "online",
)
LINK_SKIPPED = Rule(
    "link-skipped",
    Severity.INFO,
    "a web link not requested: excluded, or a private address",
    "online",
)
FIGMA_FILE_NOT_FOUND = Rule(
    "figma-file-not-found",
    Severity.ERROR,
    "the Figma file does not exist or this token cannot see it",
    "online",
)
FIGMA_NODE_NOT_FOUND = Rule(
    "figma-node-not-found",
    Severity.ERROR,
    "the Figma file has no node with the link's id",
    "online",
)
FIGMA_TOKEN_REJECTED = Rule(
    "figma-token-rejected",
    Severity.ERROR,
    "the Figma API rejected FIGMA_TOKEN (403); calls stop",
    "online",
)
FIGMA_RATE_LIMITED = Rule(
    "figma-rate-limited",
    Severity.WARNING,
    "the Figma API rate limit was hit; links left unverified",
    "online",
)
FIGMA_API_ERROR = Rule(
    "figma-api-error",
    Severity.WARNING,
    "the Figma API answered an unexpected error; link unverified",
    "online",
)
FIGMA_SHAPE_ONLY = Rule(
    "figma-shape-only",
    Severity.INFO,
    "no FIGMA_TOKEN: a Figma link's shape was checked, not its node",
    "online",
)

#: Every rule this module can report, for the rule registry and the README checks table.
RULES: tuple[Rule, ...] = (
    LINK_BROKEN,
    LINK_REDIRECTED,
    LINK_UNVERIFIABLE,
    LINK_TIMEOUT,
    LINK_UNREACHABLE,
    LINK_SKIPPED,
    FIGMA_FILE_NOT_FOUND,
    FIGMA_NODE_NOT_FOUND,
    FIGMA_TOKEN_REJECTED,
    FIGMA_RATE_LIMITED,
    FIGMA_API_ERROR,
    FIGMA_SHAPE_ONLY,
)

#: Statuses that mean the page may be fine but cannot be confirmed by a bot.
UNVERIFIABLE_CODES = frozenset({401, 403, 429})
_TRANSPORT_ERRORS = frozenset(
    {
        ErrorKind.DNS,
        ErrorKind.REFUSED,
        ErrorKind.TLS,
        ErrorKind.RESET,
        ErrorKind.CONNECTION,
        ErrorKind.INVALID_URL,
    }
)


def classify(probe: Probe, accept: frozenset[int] = frozenset()) -> LinkStatus:
    """The status of a web link from its probe; ``accept`` codes count as ok."""
    if probe.error in (ErrorKind.EXCLUDED, ErrorKind.PRIVATE_ADDRESS):
        return LinkStatus.SKIPPED
    if probe.error in (ErrorKind.TIMEOUT, ErrorKind.DEADLINE):
        return LinkStatus.TIMEOUT
    if probe.error in _TRANSPORT_ERRORS:
        return LinkStatus.UNREACHABLE
    if probe.error in (ErrorKind.REDIRECT_LOOP, ErrorKind.TOO_MANY_REDIRECTS, ErrorKind.PROTOCOL):
        return LinkStatus.BROKEN
    code = probe.status
    if code is None:
        return LinkStatus.UNREACHABLE
    if code in accept:
        return LinkStatus.REDIRECTED if probe.redirects else LinkStatus.OK
    if probe.error is ErrorKind.RETRY_AFTER_TOO_LONG or code in UNVERIFIABLE_CODES:
        return LinkStatus.UNVERIFIABLE
    if 200 <= code < 300:
        return LinkStatus.REDIRECTED if probe.redirects else LinkStatus.OK
    return LinkStatus.BROKEN


def _finding(rule: Rule, message: str, url: str, locations: Iterable[Location]) -> list[Finding]:
    return [rule.finding(message, loc, url=url, subject=url) for loc in locations]


def _seconds(value: float) -> str:
    if value >= 2 * 86400:
        return f"{value:.0f} s ({value / 86400:.1f} days)"
    if value >= 2 * 3600:
        return f"{value:.0f} s ({value / 3600:.1f} hours)"
    return f"{value:g} s"


def web_findings(
    probe: Probe, locations: Iterable[Location], accept: frozenset[int] = frozenset()
) -> tuple[LinkStatus, list[Finding]]:
    """The status of a web link and its findings (one per location; none when ok)."""
    status = classify(probe, accept)
    url = probe.url
    code = probe.status
    tries = f" after {probe.attempts} attempts" if probe.attempts > 1 else ""
    if status is LinkStatus.OK:
        return status, []
    if status is LinkStatus.REDIRECTED:
        hops = len(probe.redirects)
        message = (
            f"redirected ({hops} hop{'s' if hops != 1 else ''}) to {probe.final_url}; "
            "link the final URL"
        )
        return status, _finding(LINK_REDIRECTED, message, url, locations)
    if status is LinkStatus.SKIPPED:
        if probe.error is ErrorKind.PRIVATE_ADDRESS:
            message = (
                f"not requested: {probe.detail or 'the host is a private address'}; "
                "use --include-private to check it"
            )
        else:
            message = f"not requested: {probe.detail or 'excluded'}"
        return status, _finding(LINK_SKIPPED, message, url, locations)
    if status is LinkStatus.TIMEOUT:
        what = "total deadline" if probe.error is ErrorKind.DEADLINE else "timeout"
        message = f"no answer within the {what}{tries}"
        if probe.detail:
            message += f" ({probe.detail})"
        return status, _finding(LINK_TIMEOUT, message, url, locations)
    if status is LinkStatus.UNREACHABLE:
        message = f"unreachable: {probe.detail or (probe.error or 'no response')}{tries}"
        return status, _finding(LINK_UNREACHABLE, message, url, locations)
    if status is LinkStatus.UNVERIFIABLE:
        if probe.error is ErrorKind.RETRY_AFTER_TOO_LONG and probe.retry_after is not None:
            message = (
                f"HTTP {code}: the server asks to wait {_seconds(probe.retry_after)}, above "
                "--max-retry-wait; not waited for, link unverified"
            )
            if probe.detail:
                message += f" ({probe.detail})"
        elif code == 429:
            message = f"HTTP 429 (rate limited){tries}; link unverified"
        else:
            message = f"HTTP {code}: the server refuses automated checks; link unverified"
        return status, _finding(LINK_UNVERIFIABLE, message, url, locations)
    # broken
    if probe.error is ErrorKind.REDIRECT_LOOP:
        message = "redirect loop: " + " -> ".join((url, *probe.redirects))
    elif probe.error is ErrorKind.PROTOCOL:
        message = f"malformed HTTP answer: {probe.detail or 'not HTTP'}"
        if probe.redirects:
            message += f" at {probe.final_url} (after {len(probe.redirects)} redirects)"
    elif probe.error is ErrorKind.TOO_MANY_REDIRECTS:
        message = f"more than {len(probe.redirects) - 1} redirects: " + " -> ".join(
            (url, *probe.redirects)
        )
    else:
        message = f"HTTP {code}"
        if probe.detail:
            message += f" {probe.detail}"
        if probe.redirects:
            message += f" at {probe.final_url} (after {len(probe.redirects)} redirects)"
        message += tries
    return status, _finding(LINK_BROKEN, message, url, locations)


_FIGMA_STATUS = {
    FigmaStatus.OK: LinkStatus.OK,
    FigmaStatus.FILE_NOT_FOUND: LinkStatus.BROKEN,
    FigmaStatus.NODE_NOT_FOUND: LinkStatus.BROKEN,
    FigmaStatus.TOKEN_REJECTED: LinkStatus.UNVERIFIABLE,
    FigmaStatus.RATE_LIMITED: LinkStatus.UNVERIFIABLE,
    FigmaStatus.API_ERROR: LinkStatus.UNVERIFIABLE,
    FigmaStatus.NOT_CHECKED: LinkStatus.UNVERIFIABLE,
}
_FIGMA_RULE = {
    FigmaStatus.FILE_NOT_FOUND: FIGMA_FILE_NOT_FOUND,
    FigmaStatus.NODE_NOT_FOUND: FIGMA_NODE_NOT_FOUND,
    FigmaStatus.API_ERROR: FIGMA_API_ERROR,
}


def figma_status(result: FigmaResult) -> LinkStatus:
    return _FIGMA_STATUS[result.status]


def figma_findings(
    result: FigmaResult, url: str, locations: Iterable[Location]
) -> tuple[LinkStatus, list[Finding]]:
    """The status of a Figma link and its own findings.

    A rejected token or a rate limit is reported once per run, not per link
    (see ``figma_stop_finding``); such links only get the unverifiable status.
    """
    status = figma_status(result)
    rule = _FIGMA_RULE.get(result.status)
    if rule is None:
        return status, []
    return status, _finding(rule, result.message, url, locations)


def figma_stop_finding(
    result: FigmaResult, url: str, location: Location, unverified: int
) -> Finding | None:
    """The one finding for a run-wide Figma stop (token rejected, rate limited)."""
    rule = {
        FigmaStatus.TOKEN_REJECTED: FIGMA_TOKEN_REJECTED,
        FigmaStatus.RATE_LIMITED: FIGMA_RATE_LIMITED,
    }.get(result.status)
    if rule is None:
        return None
    plural = "s" if unverified != 1 else ""
    message = f"{result.message}; {unverified} Figma link{plural} unverified"
    return rule.finding(message, location, url=url, subject=rule.id)


def shape_only_finding(url: str, location: Location, count: int) -> Finding:
    """The one finding of a run without FIGMA_TOKEN, at the first Figma link."""
    plural = "s" if count != 1 else ""
    message = (
        f"{count} Figma link{plural} shape-checked only: set FIGMA_TOKEN to verify files and "
        "nodes with the Figma API"
    )
    return FIGMA_SHAPE_ONLY.finding(
        message,
        location,
        url=url,
        subject="figma-shape-only",
    )
