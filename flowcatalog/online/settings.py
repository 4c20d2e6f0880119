"""The settings of an online run, and the checks of the options that make them: a module the
command line imports to refuse a bad option before any work, without importing the checkers
themselves (their HTTP, TLS and process machinery is imported while the pages are linted,
``cli.online.prefetch``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from flowcatalog import __version__

#: the Figma REST API
DEFAULT_API = "https://api.figma.com"
#: how long a cached answer is trusted (seconds)
DEFAULT_MAX_AGE = 86400.0
#: what the web checker says it is
USER_AGENT = f"flowcatalog/{__version__} (link checker)"


@dataclass(frozen=True, slots=True)
class HttpSettings:
    """Every limit, timing and switch of the web checker (seconds, counts, bytes)."""

    max_concurrency: int = 64
    host_concurrency: int = 8
    host_interval: float = 0.0
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    deadline: float = 30.0
    max_retries: int = 2
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    max_retry_wait: float = 60.0
    max_redirects: int = 10
    drain_bytes: int = 16 * 1024
    accept: frozenset[int] = frozenset()
    exclude: tuple[str, ...] = ()
    include_private: bool = False
    user_agent: str = USER_AGENT


@dataclass(frozen=True, slots=True)
class OnlineSettings:
    http: HttpSettings = field(default_factory=HttpSettings)
    figma_api: str = DEFAULT_API
    use_cache: bool = True
    cache_path: Path | None = None  # None: the default path under the user's cache dir
    max_cache_age: float = DEFAULT_MAX_AGE
    #: processes checking web links, this one included; None: chosen by the run's size
    processes: int | None = None


def api_origin(base: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an API base URL; ValueError when it is not http(s)."""
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {base!r}")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError("the Figma API URL must not carry credentials, a query or a fragment")
    return origin_of(base)


def origin_of(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a URL, the port filled in from the scheme."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, (parts.hostname or "").lower(), port
