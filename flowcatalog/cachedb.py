"""Opening a cache's SQLite file, shared by the online cache and the page cache.

Both caches are files in the user's cache directory (or wherever ``--cache`` points), so
both must never write to a file that is not theirs, and both must cope with a locked,
damaged or unwritable file. What they do about each case differs (the online cache refuses
a foreign file with exit 2, the page cache warns and runs without itself), so this module
only opens and classifies; each cache maps the outcome to its documented policy:

- ``NotOurs``: the file is another program's (or not a regular file, or not a database).
  Only its 100-byte header was read (and, for a caller's older layout without the marker,
  its table names, through a read-only connection): nothing was written, no ``-wal`` or
  ``-shm`` file was made.
- ``Unusable``: the place cannot be written, or another run holds the lock.
- ``Damaged``: the file is ours (its header says so) but SQLite cannot read it.

A new or empty file becomes a cache of the given ``Layout``: ``application_id`` set in the
header, ``user_version`` the layout's version, WAL journal, mode 0600 in a 0700 directory.
A file of ours with another version has its tables replaced (a cache holds nothing that
cannot be computed again).
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite3

SQLITE_MAGIC = b"SQLite format 3\x00"


class WarnOnce:
    """A cache's problems, told through ``say`` (None: to nobody), the first one only: a run
    hears once that its cache is not used, not on every lookup. ``again`` lets the next
    problem be told too (once the cache recovered from the first)."""

    def __init__(self, say: Callable[[str], None] | None) -> None:
        self._say = say
        self._told = False

    def __call__(self, message: str) -> None:
        if self._say is not None and not self._told:
            self._say(message)
        self._told = True

    def again(self) -> None:
        self._told = False


class NotOurs(Exception):
    """Another program's file (or not a regular file): left as it was."""

    def __init__(self, reason: str, *, regular: bool = True) -> None:
        super().__init__(reason)
        self.regular = regular


class Unusable(Exception):
    """The cache cannot be used this run: ``locked`` by another run, or not writable."""

    def __init__(self, reason: str, *, locked: bool = False) -> None:
        super().__init__(reason)
        self.locked = locked


class Damaged(Exception):
    """A file of ours that SQLite cannot read."""


class Layout:
    """A cache's tables and marker. ``legacy``: whether a file without the marker (its
    ``user_version`` and table names given) is an older cache of ours all the same. (A plain
    class: made at import, on every run, where a dataclass costs a millisecond.)"""

    __slots__ = ("application_id", "legacy", "schema", "tables", "version")

    def __init__(
        self,
        application_id: int,
        version: int,
        schema: tuple[str, ...],
        tables: tuple[str, ...],
        legacy: Callable[[int, frozenset[str]], bool] | None = None,
    ) -> None:
        self.application_id = application_id
        self.version = version
        self.schema = schema
        self.tables = tables
        self.legacy = legacy


def is_locked(exc: Exception) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def check_owner(path: Path, layout: Layout) -> None:
    """``NotOurs`` unless ``path`` is missing, empty, unreadable (opening it says why) or a
    cache of ``layout``'s; reads the header only."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO or a device: never opened
            raise NotOurs("not a regular file", regular=False)
        with open(path, "rb") as handle:
            header = handle.read(100)
    except OSError:
        return
    if not header:
        return
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        raise NotOurs("not a database")
    application_id = int.from_bytes(header[68:72], "big")
    if application_id == layout.application_id:
        return
    user_version = int.from_bytes(header[60:64], "big")
    legacy = layout.legacy
    if application_id == 0 and legacy is not None and legacy(user_version, _tables(path)):
        return
    raise NotOurs("another program's database")


def _tables(path: Path) -> frozenset[str]:
    """The table names of a database, read through a read-only connection."""
    import sqlite3

    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return frozenset()
    try:
        rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        return frozenset(str(name) for (name,) in rows)
    except sqlite3.Error:
        return frozenset()
    finally:
        db.close()


def _writable(path: Path) -> bool:
    """Whether this process may write the file (or create it in its directory)."""
    if path.exists():
        return os.access(path, os.R_OK | os.W_OK) and os.access(path.parent, os.W_OK)
    return os.access(path.parent, os.W_OK | os.X_OK)


def open_cache_db(path: Path, layout: Layout, *, timeout: float = 2.0) -> sqlite3.Connection:
    """A connection to the cache at ``path`` (autocommit: each write its own transaction);
    ``NotOurs``, ``Unusable`` or ``Damaged`` when there is none to have."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise Unusable(f"{path}: {exc.strerror}") from None
    check_owner(path, layout)
    if not _writable(path):
        raise Unusable(f"{path}: permission denied")
    import sqlite3

    try:
        return _connect(path, layout, timeout)
    except sqlite3.OperationalError as exc:
        if is_locked(exc):
            raise Unusable(str(exc), locked=True) from None
        if "unable to open" in str(exc) or "readonly" in str(exc):
            raise Unusable(f"{path}: {exc}") from None
        raise Damaged(str(exc)) from None
    except sqlite3.DatabaseError as exc:
        raise Damaged(str(exc)) from None


def _connect(path: Path, layout: Layout, timeout: float) -> sqlite3.Connection:
    import sqlite3

    fresh = not path.exists()
    db = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
    try:
        if fresh:
            with contextlib.suppress(OSError):
                os.chmod(path, 0o600)
        db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        if not _current(db, layout):  # new, or another version of ours
            db.execute("BEGIN IMMEDIATE")
            if not _current(db, layout):  # another run may have made it while this one waited
                for table in layout.tables:
                    db.execute(f"DROP TABLE IF EXISTS {table}")
                for statement in layout.schema:
                    db.execute(statement)
                db.execute(f"PRAGMA application_id = {layout.application_id}")
                db.execute(f"PRAGMA user_version = {layout.version}")
            db.execute("COMMIT")
        if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            db.execute("PRAGMA journal_mode = WAL")
        for table in layout.tables:
            db.execute(f"SELECT count(*) FROM {table} WHERE 0").fetchone()
    except sqlite3.Error:
        db.close()
        raise
    return db


def _current(db: sqlite3.Connection, layout: Layout) -> bool:
    return bool(
        db.execute("PRAGMA application_id").fetchone()[0] == layout.application_id
        and db.execute("PRAGMA user_version").fetchone()[0] == layout.version
    )
