"""The ``--online`` options of ``flowcatalog check``, and the glue that runs the online stage.

Light on purpose: only click and the standard library are imported here. The HTTP, Figma
and cache modules are imported when ``--online`` is given, never before.
"""

from __future__ import annotations

import functools
import os
import re
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO, TypeVar, cast

import click

from flowcatalog.cli.reports import warn as warn_line
from flowcatalog.errors import UsageError

if TYPE_CHECKING:
    from flowcatalog.online.settings import OnlineSettings
    from flowcatalog.report import Report

F = TypeVar("F", bound=Callable[..., Any])

#: the option names this module adds (the keys ``online_settings`` reads)
OPTION_NAMES = (
    "online", "max_concurrency", "host_concurrency", "host_interval", "timeout", "max_retries",
    "max_retry_wait", "accept", "exclude", "include_private", "figma_api", "cache", "no_cache",
    "max_cache_age", "quiet", "processes",
)  # fmt: skip

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNITS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(text: str) -> float:
    """``90``, ``90s``, ``30m``, ``12h`` or ``1d`` in seconds; UsageError otherwise."""
    match = _DURATION.match(text)
    if match is None:
        raise UsageError(f"invalid duration {text!r}; expected e.g. 3600, 30m, 12h or 1d")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_accept(values: tuple[str, ...]) -> frozenset[int]:
    """Status codes from ``--accept 200,204 --accept 429`` (ranges as ``200-299``)."""
    codes: set[int] = set()
    for value in values:
        for item in value.split(","):
            text = item.strip()
            if not text:
                continue
            low, _, high = text.partition("-")
            try:
                first = int(low)
                last = int(high) if high else first
            except ValueError:
                raise UsageError(f"--accept: {text!r} is not a status code or range") from None
            if not 100 <= first <= last <= 999:
                raise UsageError(f"--accept: {text!r} is not a status code between 100 and 999")
            codes.update(range(first, last + 1))
    return frozenset(codes)


def online_options(func: F) -> F:
    """Add every online option to a click command; it gets their values as ``online=dict``."""
    options = [
        click.option(
            "--online",
            is_flag=True,
            help="Also check links over the network (web links; Figma nodes with FIGMA_TOKEN).",
        ),
        click.option(
            "--max-concurrency", type=click.IntRange(1, 512), default=64, show_default=True,
            help="Requests in flight at once, all hosts together.",
        ),
        click.option(
            "--host-concurrency", type=click.IntRange(1, 256), default=8, show_default=True,
            help="Requests in flight at once to one host.",
        ),
        click.option(
            "--host-interval", type=click.FloatRange(0, 60), default=0.0, metavar="SECONDS",
            show_default=True, help="Pause between request starts to one host.",
        ),
        click.option(
            "--processes", type=click.IntRange(1, 64), default=None, metavar="N",
            help="Processes checking web links, this one included [default: 2 for a run "
            "of 200 links or more on 4 CPUs or more, else 1].",
        ),
        click.option(
            "--timeout", type=click.FloatRange(0.001, 300), default=10.0, metavar="SECONDS",
            show_default=True,
            help="Connect and read timeout per request; a URL gets 3x this in all.",
        ),
        click.option(
            "--max-retries", type=click.IntRange(0, 10), default=2, show_default=True,
            help="Retries on 408, 429, 5xx, timeouts and connection resets.",
        ),
        click.option(
            "--max-retry-wait", type=click.FloatRange(0, 3600), default=60.0, metavar="SECONDS",
            show_default=True, help="Longest Retry-After honoured; a longer one is reported.",
        ),
        click.option(
            "--accept", multiple=True, metavar="CODES",
            help="Status codes that count as ok, e.g. 403 or 200-299,429 (repeatable).",
        ),
        click.option(
            "--exclude", multiple=True, metavar="REGEX",
            help="Skip URLs matching REGEX (repeatable; adds to the catalog's exclude:).",
        ),
        click.option(
            "--include-private", is_flag=True,
            help="Allow requests to loopback, private and link-local addresses.",
        ),
        click.option(
            "--figma-api", default="https://api.figma.com", metavar="URL", show_default=True,
            help="Figma REST API base; FIGMA_TOKEN is sent to this host only.",
        ),
        click.option(
            "--cache", "cache", type=click.Path(dir_okay=False), metavar="PATH",
            help="Cache file [$XDG_CACHE_HOME/flowcatalog/cache.sqlite3].",
        ),
        click.option("--no-cache", is_flag=True, help="Neither read nor write the cache."),
        click.option(
            "--max-cache-age", default="1d", metavar="DURATION", show_default=True,
            help="Reuse a cached success this long (e.g. 3600, 30m, 12h, 1d).",
        ),
        click.option(
            "--quiet", "-q", is_flag=True, help="No progress bar and no summary on stderr."
        ),
    ]  # fmt: skip

    @functools.wraps(func)
    def gather(*args: Any, **kwargs: Any) -> Any:
        values = {name: kwargs.pop(name) for name in OPTION_NAMES if name in kwargs}
        return func(*args, online=values, **kwargs)

    command: Callable[..., Any] = gather
    for option in reversed(options):
        command = option(command)
    return cast(F, command)


def online_settings(values: dict[str, Any]) -> OnlineSettings:
    """The settings of an online run from the option values (UsageError when one is bad)."""
    from pathlib import Path

    from flowcatalog.online.settings import HttpSettings, OnlineSettings, api_origin
    from flowcatalog.urls import exclude_problem

    for pattern in values["exclude"]:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise UsageError(f"--exclude: invalid regular expression {pattern!r}: {exc}") from None
        problem = exclude_problem(pattern)  # too long, or exponential backtracking
        if problem is not None:
            raise UsageError(f"--exclude {pattern[:80]!r}: {problem}")
    try:
        api_origin(values["figma_api"])
    except ValueError as exc:
        raise UsageError(f"--figma-api: {exc}") from None
    timeout = float(values["timeout"])
    http = HttpSettings(
        max_concurrency=values["max_concurrency"],
        host_concurrency=values["host_concurrency"],
        host_interval=values["host_interval"],
        connect_timeout=min(timeout, 10.0),
        read_timeout=timeout,
        deadline=3 * timeout,
        max_retries=values["max_retries"],
        max_retry_wait=values["max_retry_wait"],
        accept=parse_accept(values["accept"]),
        exclude=tuple(values["exclude"]),
        include_private=values["include_private"],
    )
    return OnlineSettings(
        http=http,
        figma_api=values["figma_api"],
        use_cache=not values["no_cache"],
        cache_path=Path(values["cache"]) if values["cache"] else None,
        max_cache_age=parse_duration(values["max_cache_age"]),
        processes=values.get("processes"),
    )


class ProgressBar:
    """``checking links [#####.....] 120/2000 (3 cached)`` on a terminal; redrawn in place."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self._last = 0.0
        self._drawn = False

    def __call__(self, done: int, total: int, cached: int) -> None:
        now = time.monotonic()
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        filled = self.width * done // total if total else self.width
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\rchecking links [{bar}] {done}/{total} ({cached} cached)")
        self.stream.flush()
        self._drawn = True

    def clear(self) -> None:
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def prefetch() -> None:
    """Import the online checkers (HTTP and TLS, the cache, the Figma client, helper
    processes): called while worker processes lint the pages (``CheckRequest.meanwhile``),
    where it costs the run no time of its own, instead of after them, before the first
    request."""
    import flowcatalog.online.verify  # noqa: F401


def online_stage(values: dict[str, Any]) -> Callable[[Report, tuple[str, ...]], Report] | None:
    """The online stage for the pipeline, or None without ``--online``.

    The settings are validated here, before any work, so a bad option is a usage error.
    """
    if not values.get("online"):
        return None
    settings = online_settings(values)
    quiet = bool(values.get("quiet"))

    def stage(report: Report, catalog_exclude: tuple[str, ...]) -> Report:
        # the checkers are built here, once the links are collected: helper processes
        # are started (by the web prober) only when the distinct URLs call for them
        from flowcatalog.online.verify import open_parts, verify_online

        for pattern in catalog_exclude:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise UsageError(
                    f"catalog exclude: invalid regular expression {pattern!r}: {exc}"
                ) from None
        stream = sys.stderr
        bar = ProgressBar(stream) if not quiet and stream.isatty() else None

        def warn(message: str) -> None:
            if bar is not None:
                bar.clear()
            warn_line(message)

        parts = open_parts(
            settings,
            token=os.environ.get("FIGMA_TOKEN") or None,
            catalog_exclude=catalog_exclude,
            warn=warn,
        )
        try:
            updated, summary = verify_online(
                report, settings, parts, catalog_exclude=catalog_exclude, progress=bar
            )
        finally:
            parts.close()
            if bar is not None:
                bar.clear()
        if not quiet:
            click.echo(f"flowcatalog: {summary.line()}", err=True)
        return updated

    return stage
