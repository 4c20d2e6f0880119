"""What the online stage needs of its checkers: ``Prober`` (web links: URLs in, ``Probe``s
out) and ``FigmaVerifier`` (Figma refs in, outcomes out), as protocols, so the stage runs
on fakes in tests and on ``WebChecker``/``ParallelChecker`` and ``FigmaClient`` for real."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Protocol

from flowcatalog.model import FigmaRef
from flowcatalog.online.liveness import Probe

if TYPE_CHECKING:
    from flowcatalog.online.figma_api import FigmaOutcome
    from flowcatalog.online.web import HostStats

#: called once per URL as its probe completes, in the thread that called ``check_all``
OnProbe = Callable[[str, Probe], None]


class Prober(Protocol):
    """Checks web links: one request chain per distinct URL."""

    @property
    def requests_sent(self) -> int: ...

    def check_all(self, urls: Iterable[str], on_done: OnProbe | None = None) -> dict[str, Probe]:
        """Probe every distinct URL once; ``on_done`` as each completes."""
        ...

    def host_stats(self) -> dict[str, HostStats]: ...

    def abort(self) -> None:
        """Stop at once (Ctrl-C, from any thread): close open requests, start no new one."""
        ...

    def close(self) -> None: ...


class FigmaVerifier(Protocol):
    """Checks Figma links: files and nodes exist (as few API calls as it can)."""

    def verify(self, refs: Iterable[FigmaRef]) -> FigmaOutcome: ...

    def abort(self) -> None:
        """Stop at once (Ctrl-C, from any thread): close the open call, make no new one."""
        ...

    def close(self) -> None: ...
