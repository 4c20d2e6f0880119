"""The persistent cache of online results: one SQLite file, safe to share between runs.

- Web links: the raw facts of a probe that came out ok (or redirected) are reused until
  they are older than ``max_age``; failures are never stored, so they are re-checked on
  every run. A cached probe is classified again with the run's ``--accept`` codes.
- Figma files: keyed by (API key, version-id). For the latest version of a file the entry
  is only trusted after a ``/meta`` call returns the same file ``version`` (see
  ``figma_api``); an entry for a pinned version-id is reused until ``max_age``.

Entries of either kind checked longer ago than ``KEEP_SECONDS`` are dropped as a run
writes, so the file does not grow with every URL and file version ever checked.

Only a file that is flowcatalog's own is ever opened for writing: an SQLite database whose
header carries ``APPLICATION_ID`` (or, written before the marker existed, ``user_version``
1 and exactly the tables ``web`` and ``figma``), a new file, or an empty one. Any other file
(another program's database, a text file) is refused with ``InputError`` (one line, exit 2)
and left byte for byte as it was: its header is read, nothing is written. (Opening and
telling these cases apart is ``cachedb``'s, shared with the page cache; refusing is this
cache's policy: ``--cache`` names this file, so a wrong one is the user's to fix.)

WAL journal, a busy timeout and one transaction per write keep concurrent runs safe. A
corrupt cache of ours is moved aside and rebuilt with a warning; a locked one, or one in a
place that cannot be written, turns the cache off for the run, with a warning. Entries
stamped in the future are stale. A web result of a run with ``include_private`` is kept
apart: a run without it never reuses it. No credential is ever stored.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flowcatalog.cachedb import (
    Damaged,
    Layout,
    NotOurs,
    Unusable,
    WarnOnce,
    is_locked,
    open_cache_db,
)
from flowcatalog.online.figma_api import CachedFile
from flowcatalog.online.liveness import ErrorKind, Probe
from flowcatalog.online.settings import DEFAULT_MAX_AGE

#: entries checked longer ago than this (or than a run's ``max_age``, when longer) are
#: dropped as a run writes: 30 days, well past the default ``max_age`` of one day
KEEP_SECONDS = 30 * 86400.0

SCHEMA_VERSION = 2
#: ``PRAGMA application_id`` of a flowcatalog cache: "FlCa"
APPLICATION_ID = 0x466C4361
_OWN_TABLES = frozenset({"web", "figma"})
_SCHEMA = (
    """CREATE TABLE web (
    url TEXT NOT NULL,
    private INTEGER NOT NULL,
    probe TEXT NOT NULL,
    checked_at REAL NOT NULL,
    PRIMARY KEY (url, private)
)""",
    """CREATE TABLE figma (
    api_key TEXT NOT NULL,
    version_id TEXT NOT NULL,
    file_version TEXT NOT NULL,
    file_name TEXT,
    last_modified TEXT,
    nodes TEXT NOT NULL,
    checked_at REAL NOT NULL,
    PRIMARY KEY (api_key, version_id)
)""",
)


def _written_before_the_marker(user_version: int, tables: frozenset[str]) -> bool:
    """A cache flowcatalog 0.1 wrote: no application id yet, ``user_version`` 1 and exactly
    its two tables."""
    return user_version == 1 and tables == _OWN_TABLES


LAYOUT = Layout(
    APPLICATION_ID, SCHEMA_VERSION, _SCHEMA, ("web", "figma"), _written_before_the_marker
)


def default_path(environ: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CACHE_HOME/flowcatalog/cache.sqlite3``, else ``~/.cache/flowcatalog/...``."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_CACHE_HOME") or ""
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache"
    return root / "flowcatalog" / "cache.sqlite3"


@dataclass(frozen=True, slots=True)
class CachedProbe:
    probe: Probe
    checked_at: float


class Cache:
    """The online cache; every method is safe to call from any thread and never raises,
    except the constructor on a file that is not a flowcatalog cache (``InputError``).

    ``include_private``: this run may reach private addresses; its web results are stored
    apart and only such runs reuse them.
    """

    def __init__(
        self,
        path: Path | None,
        *,
        max_age: float = DEFAULT_MAX_AGE,
        warn: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.time,
        busy_timeout: float = 2.0,
        include_private: bool = False,
    ) -> None:
        self.path = path
        self._busy_timeout = busy_timeout
        self.max_age = max_age
        self._clock = clock
        self._private = int(include_private)
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._warn = WarnOnce(warn)
        self.hits = 0
        if path is not None:
            self._db = self._open(path)

    @property
    def enabled(self) -> bool:
        return self._db is not None

    # -- opening ------------------------------------------------------------------------

    def _open(self, path: Path) -> sqlite3.Connection | None:
        from flowcatalog.errors import InputError

        try:
            return open_cache_db(path, LAYOUT, timeout=self._busy_timeout)
        except NotOurs as exc:
            reason = (
                "not a flowcatalog cache (another program's file?); left untouched: "
                "pass another --cache path"
                if exc.regular
                else "not a regular file; the cache must be a file"
            )
            raise InputError(reason, location=str(path)) from None
        except Unusable as exc:
            if exc.locked:
                self._warn(f"cache {path} is locked by another run; running without it")
            else:
                self._warn(f"cannot write the cache there ({exc}); running without it")
            return None
        except Damaged as exc:
            reason = str(exc)
        # ours, but corrupt: move it aside and start again
        self._warn(f"cache {path} is unreadable ({reason}); rebuilding it")
        self._warn.again()  # a later problem is worth its own warning
        with contextlib.suppress(OSError):
            os.replace(path, path.with_name(path.name + ".corrupt"))
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(OSError):
                path.with_name(path.name + suffix).unlink()
        try:
            return open_cache_db(path, LAYOUT, timeout=self._busy_timeout)
        except (NotOurs, Unusable, Damaged) as exc:
            self._warn(f"cache {path} cannot be rebuilt ({exc}); running without it")
            return None

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._db.close()
                self._db = None

    # -- safe execution -------------------------------------------------------------------

    def _query(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with self._lock:
            if self._db is None:
                return []
            try:
                return list(self._db.execute(sql, params).fetchall())
            except sqlite3.Error as exc:
                self._warn(f"cache read failed ({exc}); checking without it")
                return []

    def _write(self, statements: Iterable[tuple[str, tuple[Any, ...]]]) -> None:
        with self._lock:
            if self._db is None:
                return
            db = self._db
            try:
                db.execute("BEGIN IMMEDIATE")
                try:
                    for sql, params in statements:
                        db.execute(sql, params)
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
            except sqlite3.Error as exc:
                what = "locked by another run" if is_locked(exc) else str(exc)
                self._warn(f"cache not updated ({what}); results of this run are not saved")

    # -- web links --------------------------------------------------------------------------

    def _stale(self, checked_at: float) -> bool:
        """Older than ``max_age``, or stamped in the future (a clock that was wrong)."""
        age = self._clock() - checked_at
        return age < 0 or age > self.max_age

    def get_web(self, url: str) -> CachedProbe | None:
        rows = self._query(
            "SELECT probe, checked_at FROM web WHERE url = ? AND private <= ? "
            "ORDER BY private LIMIT 1",
            (url, self._private),
        )
        if not rows:
            return None
        raw, checked_at = rows[0]
        if self._stale(float(checked_at)):
            return None
        probe = _probe_from_json(url, raw)
        if probe is None:
            return None
        self.hits += 1
        return CachedProbe(probe, float(checked_at))

    def _pruned(self, now: float) -> list[tuple[str, tuple[Any, ...]]]:
        """Statements that drop the entries no run would reuse any more: checked longer
        ago than ``KEEP_SECONDS`` (or this run's ``max_age``, when longer), so the file does
        not grow with every URL and file version ever checked."""
        before = now - max(self.max_age, KEEP_SECONDS)
        return [
            ("DELETE FROM web WHERE checked_at < ?", (before,)),
            ("DELETE FROM figma WHERE checked_at < ?", (before,)),
        ]

    def put_web(self, probes: Iterable[tuple[Probe, bool]]) -> None:
        """Store the successes (``ok`` True) and forget the failures (and what is too old
        to reuse: ``_pruned``)."""
        now = self._clock()
        statements: list[tuple[str, tuple[Any, ...]]] = []
        for probe, ok in probes:
            if ok:
                statements.append(
                    (
                        "INSERT OR REPLACE INTO web (url, private, probe, checked_at) "
                        "VALUES (?, ?, ?, ?)",
                        (probe.url, self._private, _probe_to_json(probe), now),
                    )
                )
            else:
                statements.append(
                    ("DELETE FROM web WHERE url = ? AND private = ?", (probe.url, self._private))
                )
        if statements:
            self._write([*statements, *self._pruned(now)])

    # -- Figma files (the figma_api.FigmaCache protocol) ----------------------------------------

    def get_file(self, api_key: str, version_id: str | None) -> CachedFile | None:
        rows = self._query(
            "SELECT file_version, file_name, last_modified, nodes, checked_at FROM figma "
            "WHERE api_key = ? AND version_id = ?",
            (api_key, version_id or ""),
        )
        if not rows:
            return None
        file_version, file_name, last_modified, raw_nodes, checked_at = rows[0]
        if self._clock() < float(checked_at) or (
            version_id is not None and self._stale(float(checked_at))
        ):
            return None
        try:
            decoded = json.loads(raw_nodes)
        except ValueError:
            return None
        if not isinstance(decoded, dict):
            return None
        nodes: dict[str, tuple[str | None, str | None] | None] = {}
        for node_id, value in decoded.items():
            if isinstance(value, list) and len(value) == 2:
                nodes[str(node_id)] = (_opt(value[0]), _opt(value[1]))
            else:
                nodes[str(node_id)] = None
        return CachedFile(
            api_key,
            version_id,
            str(file_version),
            _opt(file_name),
            _opt(last_modified),
            nodes,
            float(checked_at),
        )

    def put_file(self, entry: CachedFile) -> None:
        nodes = {k: (list(v) if v is not None else None) for k, v in entry.nodes.items()}
        now = self._clock()
        self._write(
            [
                (
                    "INSERT OR REPLACE INTO figma (api_key, version_id, file_version, file_name, "
                    "last_modified, nodes, checked_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        entry.api_key,
                        entry.version_id or "",
                        entry.file_version,
                        entry.file_name,
                        entry.last_modified,
                        json.dumps(nodes, sort_keys=True),
                        now,
                    ),
                ),
                *self._pruned(now),
            ]
        )


def _opt(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _probe_to_json(probe: Probe) -> str:
    return json.dumps(
        {
            "status": probe.status,
            "final_url": probe.final_url,
            "redirects": list(probe.redirects),
            "method": probe.method,
            "error": probe.error.value if probe.error else None,
        }
    )


def _probe_from_json(url: str, raw: str) -> Probe | None:
    try:
        data = json.loads(raw)
        status = data["status"]
        redirects = tuple(str(u) for u in data.get("redirects", []))
        error = ErrorKind(data["error"]) if data.get("error") else None
    except (ValueError, KeyError, TypeError):
        return None
    if status is not None and not isinstance(status, int):
        return None
    final_url = data.get("final_url")
    return Probe(
        url,
        status=status,
        final_url=final_url if isinstance(final_url, str) else None,
        redirects=redirects,
        error=error,
        method=str(data.get("method") or ""),
    )
