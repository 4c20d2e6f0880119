"""The raw facts of checking one web link (``Probe``) and why a check got no usable HTTP
status (``ErrorKind``).

Standard library only: the web checker's helper processes (``parallel``) make probes and
nothing else, and a helper forked from a server that imported no finding, report or model
code comes up sooner. ``liveness`` turns probes into statuses and findings.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ErrorKind(StrEnum):
    """Why a probe got no usable HTTP status (or stopped following one)."""

    TIMEOUT = "timeout"
    DEADLINE = "deadline"
    DNS = "dns"
    REFUSED = "refused"
    TLS = "tls"
    RESET = "reset"
    CONNECTION = "connection"
    INVALID_URL = "invalid-url"
    TOO_MANY_REDIRECTS = "too-many-redirects"
    REDIRECT_LOOP = "redirect-loop"
    PRIVATE_ADDRESS = "private-address"
    EXCLUDED = "excluded"
    RETRY_AFTER_TOO_LONG = "retry-after-too-long"
    #: the server answered, but not in HTTP: a garbage status line, a header line or
    #: header block past the parser's limits (not retried)
    PROTOCOL = "protocol"


@dataclass(frozen=True, slots=True)
class Probe:
    """The raw HTTP facts of checking one URL (redirects followed by hand).

    ``status`` is the last HTTP status seen (None when no response came back),
    ``redirects`` the chain of URLs after ``url`` (the last one is ``final_url``),
    ``retry_after`` the last Retry-After the server asked for, in seconds.
    """

    url: str
    status: int | None = None
    final_url: str | None = None
    redirects: tuple[str, ...] = ()
    error: ErrorKind | None = None
    detail: str = ""
    attempts: int = 0
    elapsed: float = 0.0
    retry_after: float | None = None
    method: str = "HEAD"
