"""The page-result cache: one page's findings and links (drift aside), stored by content.

The same file remembers which catalog texts fit the schema, so that an unchanged catalog is
not validated again (``remember``, ``known``).

An entry's key digests the page's path and bytes, the tool's version and code, and every
setting a page's findings depend on (whatever ``lint_files`` hands each page's work: the
placeholders, whether hidden links are wanted, ...). An unchanged page is therefore never
read by a parser again; a changed page, a changed setting or a new version of the tool
misses. The cross-page checks (drift) are not cached: they run on every run from the
cached per-page data, which is only what they and the report need (links, heading ids,
findings). How an entry is stored: ``page_codec``.

**Unchanged files are not even read.** Reading and hashing every page was most of a warm
run, so the cache also records, per file, the digest of its bytes with the file's ``stat``
signature when they were read: size, modification and change times (nanoseconds), inode and
device. When a page's signature is the one recorded, its recorded digest is used; when any
part differs (an edit, ``git checkout``, a copy or rename onto it, ``touch``), the file is
read and hashed again. Restoring the modification time after an in-place edit of the same
size does not fool it: the change time (``ctime``) cannot be set back, and any write or
``utime`` moves it. Like git's "racy" index entries, a signature is only recorded when the
file's times are older than ``RACY_SECONDS`` at the moment it is read: a file written in the
same tick of a coarse file-system clock as the read (or stamped in the future) could change
again without its times changing, so it is read and hashed on every run until it has aged.
A renamed or copied file has a new path, hence no signature: it is read. (Only where the
change time is one, on POSIX systems: on Windows every page is read and hashed.) With the digest,
whether the bytes hold a suppression comment is recorded, so that the tuning does not read
every page again to look for one (``unmarked``).

The cache is a SQLite file beside the online cache (``cache-pages.sqlite3`` beside
``cache.sqlite3``, or ``<name>-pages<suffix>`` beside a ``--cache`` file). A file that is
not ours (another application's database, the online cache, not a database at all, not a
regular file) is never changed: the run goes on without the cache, with a warning (unlike
the online cache, which refuses such a ``--cache`` file: this one is only ever derived from
that name, and a run must not fail for want of a speed-up). Opening is ``cachedb``'s,
shared with the online cache. Nothing here raises into a run; a locked or damaged file
turns the cache off for the run.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import flowcatalog
from flowcatalog.findings import Finding
from flowcatalog.pages.doc import MAX_PAGE_BYTES, PageLinks
from flowcatalog.pipeline import collector
from flowcatalog.pipeline.tuning import marked

if TYPE_CHECKING:
    import sqlite3
    from typing import Protocol

#: ``PRAGMA application_id`` of a page cache ("FCPG"); a file with another one is not ours
APPLICATION_ID = 0x46435047
SCHEMA_VERSION = 3
_SCHEMA = (
    "CREATE TABLE pages (key TEXT PRIMARY KEY, result BLOB NOT NULL)",
    "CREATE TABLE files (path BLOB PRIMARY KEY, signature TEXT NOT NULL, digest TEXT NOT NULL, "
    "marked INTEGER NOT NULL)",
    "CREATE TABLE facts (key TEXT PRIMARY KEY)",
    "CREATE TABLE answers (key TEXT PRIMARY KEY, answer TEXT)",
)
_TABLES = ("pages", "files", "facts", "answers")
_BATCH = 500
#: at most this many "did you mean" answers are kept (``RememberedClosest``)
MAX_ANSWERS = 20_000
#: results kept beside those of the run that stores new ones: past this, the oldest stored
#: go (``PageCache.prune``). Every edit of a page stores one more result, and the default
#: cache file serves every repository a user checks: without a bound it only grows.
MAX_KEPT = 20_000
#: a file whose times are this close to the moment it is read (or later) may change again
#: within the same tick of its file system's clock (2 s on FAT): its signature is not kept
RACY_SECONDS = 2.0
#: whether ``st_ctime`` is the time of the last change (POSIX); on Windows it is the time the
#: file was made, which an in-place edit does not move: there every page is read and hashed
CHANGE_TIMES = os.name == "posix"


class PageResult:
    """What linting one page gives, drift aside: its findings and, when it could be parsed,
    its links. (A page that could not be read at all is never cached: ``error`` is None.)

    A plain class rather than a dataclass: this module is imported on every run, and making
    a dataclass costs more than the whole of what a run with one cached page does here."""

    __slots__ = ("findings", "page")
    error = None

    def __init__(self, findings: tuple[Finding, ...], page: PageLinks | None) -> None:
        self.findings = findings
        self.page = page


if TYPE_CHECKING:

    class LintResult(Protocol):
        """One page's result as the linting makes it (``pipeline.pages``)."""

        @property
        def findings(self) -> tuple[Finding, ...]: ...

        @property
        def page(self) -> PageLinks | None: ...

        @property
        def error(self) -> tuple[str, str | None] | None: ...


W = TypeVar("W", bound=tuple[Any, ...])


def cached_lint(
    cache: PageCache,
    work: Sequence[W],
    lint: Callable[[list[W]], Iterable[LintResult]],
    keys: Sequence[str | None] | None = None,
    keep: Sequence[str] | None = None,
) -> list[LintResult]:
    """Each work item's result, in order: from the cache where it has one, else from
    ``lint`` (called once, with the items the cache has no result for), then stored.

    A work item is a page's path followed by the settings its result depends on (``keys``:
    their keys, when made already by ``page_keys``). A result is stored only when the
    page's bytes are still those its key was made from; ``cache.unsteady`` counts those
    that were not. Storing makes room by dropping the oldest results but the items' own
    (and those of ``keep``: the run's other pages, when it lints only some).
    """
    if keys is None:
        keys = cache.page_keys(work)
    found = cache.get_many([key for key in keys if key is not None])
    results: list[LintResult | None] = [None if key is None else found.get(key) for key in keys]
    todo = [i for i, result in enumerate(results) if result is None]
    fresh = list(lint([work[i] for i in todo])) if todo else []
    linted = [work[i] for i in todo]
    now = cache.page_keys(linted, trust_signatures=False) if linted else []
    store: list[tuple[str, PageResult]] = []
    for i, result, key_now in zip(todo, fresh, now, strict=True):
        results[i] = result
        key = keys[i]
        if key is None or result.error is not None:
            continue
        if key_now == key:  # unchanged while it was linted
            store.append((key, PageResult(result.findings, result.page)))
        else:
            cache.unsteady += 1
    if store:
        cache.put_many(store)
        cache.prune([key for key in (keys if keep is None else keep) if key is not None])
    return [result for result in results if result is not None]


def cache_file(online_cache: Path | None, environ: Mapping[str, str] | None = None) -> Path:
    """The page cache beside the online cache ``online_cache`` (the default one if None)."""
    if online_cache is None:
        env = os.environ if environ is None else environ
        base = env.get("XDG_CACHE_HOME") or ""
        root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache"
        online_cache = root / "flowcatalog" / "cache.sqlite3"
    return online_cache.with_name(f"{online_cache.stem}-pages{online_cache.suffix}")


def _code_fingerprint() -> str:
    """The tool's version and the size and time of each of its modules, so that a changed
    rule or parser (an upgrade, or an edit in a development install) misses."""
    root = os.path.dirname(flowcatalog.__file__)
    parts = [flowcatalog.__version__]
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".json")):  # the code and the catalog's schema
                with contextlib.suppress(OSError):
                    info = os.stat(os.path.join(folder, name))
                    parts.append(f"{name}:{info.st_size}:{info.st_mtime_ns}")
    return "\n".join(parts)


class PageCache:
    """The page-result cache in one SQLite file; never raises into a run. ``clock`` (the
    time in nanoseconds) decides which files are old enough to be known by their ``stat``
    signature (``RACY_SECONDS``)."""

    def __init__(
        self,
        path: Path,
        *,
        warn: Callable[[str], None] | None = None,
        clock: Callable[[], int] = time.time_ns,
    ) -> None:
        from flowcatalog.cachedb import WarnOnce

        self.path = path
        self._warn = WarnOnce(warn)
        self._clock = clock
        self._db: sqlite3.Connection | None = self._open(path)
        self._code = _code_fingerprint()
        #: the hash state after the code's part of every key (a few kilobytes, hashed once)
        self._keyed = hashlib.blake2b(digest_size=20)
        self._keyed.update(framed(self._code))
        self.hits = 0
        #: how many pages were read and hashed to make their keys (their signature was
        #: unknown, changed, or too recent to trust)
        self.hashed = 0
        #: the pages (as named) whose keys were made and whose bytes hold no suppression
        #: comment (``tuning.MARKER``): the tuning need not read them again
        self.unmarked: set[str] = set()
        #: how many pages changed while they were linted (their results are not kept)
        self.unsteady = 0
        #: how many reports came from the run memo (``run_memo``)
        self.memo_hits = 0
        #: how many reports were made by patching the last run's (``run_patch``)
        self.memo_patches = 0

    @property
    def enabled(self) -> bool:
        return self._db is not None

    @property
    def code(self) -> str:
        """The tool's version and code, as every key holds them."""
        return self._code

    def _open(self, path: Path) -> sqlite3.Connection | None:
        from flowcatalog.cachedb import Damaged, Layout, NotOurs, Unusable, open_cache_db

        layout = Layout(APPLICATION_ID, SCHEMA_VERSION, _SCHEMA, _TABLES)
        try:
            return open_cache_db(path, layout)
        except NotOurs:
            self._warn(f"page cache {path} is not a flowcatalog page cache; running without it")
        except Unusable as exc:
            what = "locked by another run" if exc.locked else f"unusable ({exc})"
            self._warn(f"page cache {path} is {what}; running without it")
        except Damaged as exc:
            self._warn(f"page cache {path} is unusable ({exc}); running without it")
        return None

    def close(self) -> None:
        if self._db is not None:
            with contextlib.suppress(Exception):
                self._db.close()
            self._db = None

    def key(self, path: str, data: bytes, settings: object) -> str:
        """The key of a page's result: its path and bytes, the settings, the tool's code."""
        return self._key(path, _digest(data), settings)

    def _key(self, path: str, digest: str, settings: object) -> str:
        hasher = self._keyed.copy()
        for part in (repr(settings), path, digest):
            hasher.update(framed(part))
        return hasher.hexdigest()

    def page_key(self, path: str, settings: tuple[Any, ...]) -> str | None:
        """The key of the page at ``path`` as it is now (read), or None when it cannot be
        read (the linting then says why)."""
        return self.page_keys([(path, *settings)], trust_signatures=False)[0]

    def page_keys(
        self, work: Sequence[tuple[Any, ...]], *, trust_signatures: bool = True
    ) -> list[str | None]:
        """The key of each work item (a page's path, then its settings), None for a page
        that cannot be read. A page whose ``stat`` signature is the one recorded is not
        read (unless not ``trust_signatures``); the others are read, hashed and their
        signatures recorded when old enough to trust."""
        paths = [item[0] for item in work]
        #: a file's name as bytes: any name the file system allows, undecodable ones too
        absolute = [os.fsencode(os.path.abspath(path)) for path in paths]
        signatures = [_signature(path) for path in paths]
        known = self._recorded(absolute) if trust_signatures else {}
        racy_after = self._clock() - int(RACY_SECONDS * 1e9)
        keys: list[str | None] = []
        record: list[tuple[bytes, str, str, bool]] = []
        for item, where, signature in zip(work, absolute, signatures, strict=True):
            entry = known.get(where)
            if signature is not None and entry is not None and entry[0] == signature:
                digest: str | None = entry[1]
                marked = entry[2]
            else:
                digest, marked, trusted = self._hash(item[0], signature, racy_after)
                if digest is not None and trusted is not None:
                    record.append((where, trusted, digest, marked))
            if digest is None:
                keys.append(None)
                continue
            keys.append(self._key(item[0], digest, item[1:]))
            if marked:
                self.unmarked.discard(item[0])
            else:
                self.unmarked.add(item[0])
        self._record(record)
        return keys

    def _hash(
        self, path: str, before: str | None, racy_after: int
    ) -> tuple[str | None, bool, str | None]:
        """The digest of a page's bytes, whether they may hold a suppression comment
        (``tuning.marked``), and the signature to record with them (None: none, as the file
        changed while it was read or is too recent to be known by it)."""
        from flowcatalog.fsio import read_source

        try:
            data, _ = read_source(path, limit=MAX_PAGE_BYTES, what="page")
        except Exception:
            return None, True, None
        self.hashed += 1
        digest, has_marker = _digest(data), marked(data)
        if before is None or _signature(path) != before:
            return digest, has_marker, None
        size, mtime, ctime, *_ = before.split(":")
        if len(data) != int(size) or max(int(mtime), int(ctime)) >= racy_after:
            return digest, has_marker, None
        return digest, has_marker, before

    def _recorded(self, paths: Sequence[bytes]) -> dict[bytes, tuple[str, str, bool]]:
        """The signature, digest and marker flag recorded for each of ``paths`` that has
        them."""
        import sqlite3

        found: dict[bytes, tuple[str, str, bool]] = {}
        if self._db is None:
            return found
        try:
            for start in range(0, len(paths), _BATCH):
                batch = paths[start : start + _BATCH]
                marks = ",".join("?" * len(batch))
                for path, signature, digest, marked in self._db.execute(
                    f"SELECT path, signature, digest, marked FROM files WHERE path IN ({marks})",
                    batch,
                ):
                    found[path] = (signature, digest, bool(marked))
        except sqlite3.Error as exc:
            self._warn(f"page cache read failed ({exc}); checking without it")
            return {}
        return found

    def _record(self, rows: list[tuple[bytes, str, str, bool]]) -> None:
        self._write(
            "INSERT OR REPLACE INTO files (path, signature, digest, marked) VALUES (?, ?, ?, ?)",
            rows,
        )

    def get_many(self, keys: Sequence[str]) -> dict[str, PageResult]:
        """The cached results of those ``keys`` that have one."""
        import sqlite3

        from flowcatalog.pipeline.page_codec import decode

        found: dict[str, PageResult] = {}
        if self._db is None:
            return found
        try:
            with collector.paused():  # no cycles among the decoded objects
                for start in range(0, len(keys), _BATCH):
                    batch = keys[start : start + _BATCH]
                    marks = ",".join("?" * len(batch))
                    rows = self._db.execute(
                        f"SELECT key, result FROM pages WHERE key IN ({marks})", batch
                    ).fetchall()
                    for key, blob in rows:
                        decoded = decode(blob) if isinstance(blob, bytes) else None
                        if decoded is not None:
                            found[key] = PageResult(*decoded)
        except sqlite3.Error as exc:
            self._warn(f"page cache read failed ({exc}); checking without it")
            return {}
        self.hits += len(found)
        return found

    def known(self, key: str) -> bool:
        """Whether ``remember`` was called with ``key``."""
        return bool(self._read("SELECT 1 FROM facts WHERE key = ?", (key,)))

    def remember(self, key: str) -> None:
        """Note a fact under ``key`` (a catalog text that fits the schema)."""
        self._write("INSERT OR REPLACE INTO facts (key) VALUES (?)", [(key,)])

    def get_blob(self, key: str) -> bytes | None:
        """What ``put_blob`` stored under ``key`` (a parsed catalog), or None."""
        rows = self._read("SELECT result FROM pages WHERE key = ?", (key,))
        return rows[0][0] if rows and isinstance(rows[0][0], bytes) else None

    def put_blob(self, key: str, blob: bytes) -> None:
        """Store ``blob`` under ``key`` (made by ``key`` with settings of its own, so it never
        meets a page's key)."""
        self._write("INSERT OR REPLACE INTO pages (key, result) VALUES (?, ?)", [(key, blob)])

    def closest(self) -> RememberedClosest:
        """``internal_links.closest`` with its answers kept here from run to run."""
        return RememberedClosest(self)

    def _answers(self) -> dict[str, str | None]:
        return {
            key: answer
            for key, answer in self._read("SELECT key, answer FROM answers")
            if isinstance(key, str) and (answer is None or isinstance(answer, str))
        }

    def _keep_answers(self, answers: Mapping[str, str | None]) -> None:
        """Keep ``answers``, and only those."""
        self._write_all(
            [
                ("DELETE FROM answers", [()]),
                ("INSERT INTO answers (key, answer) VALUES (?, ?)", list(answers.items())),
            ]
        )

    def put_many(self, entries: Iterable[tuple[str, PageResult]]) -> None:
        """Store results (a later run with the same key reuses them)."""
        if self._db is None:
            return
        from flowcatalog.pipeline.page_codec import encode

        rows = [(key, encode(result.findings, result.page)) for key, result in entries]
        self._write("INSERT OR REPLACE INTO pages (key, result) VALUES (?, ?)", rows)

    def prune(self, keep: Sequence[str]) -> None:
        """Drop the results stored longest ago (other repositories', other versions of
        pages, memos of other ways of running) while more than ``MAX_KEPT`` beside
        ``keep``, this run's keys, are stored. Called when a run stored new results: a run
        that stores nothing only reads."""
        rows = self._read("SELECT count(*) FROM pages")
        excess = (rows[0][0] if rows else 0) - MAX_KEPT - len(keep)
        if excess <= 0:
            return
        kept = set(keep)
        doomed: list[tuple[int]] = []
        for rowid, key in self._read("SELECT rowid, key FROM pages ORDER BY rowid"):
            if len(doomed) >= excess:
                break
            if key not in kept:
                doomed.append((rowid,))
        self._write("DELETE FROM pages WHERE rowid = ?", doomed)

    def _read(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[Any]:
        """The rows of a query; none without a database or when it fails (a cache that
        cannot be read is a cache that knows nothing)."""
        import sqlite3

        if self._db is None:
            return []
        try:
            return self._db.execute(sql, parameters).fetchall()
        except sqlite3.Error:
            return []

    def _write(self, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
        if rows:
            self._write_all([(sql, rows)])

    def _write_all(self, statements: Sequence[tuple[str, Sequence[tuple[Any, ...]]]]) -> None:
        """Each statement over its rows, all in one transaction."""
        import sqlite3

        from flowcatalog.cachedb import is_locked

        if self._db is None:
            return
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                for sql, rows in statements:
                    if rows:
                        db.executemany(sql, rows)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            what = "locked by another run" if is_locked(exc) else str(exc)
            self._warn(f"page cache not updated ({what}); results of this run are not saved")


class RememberedClosest:
    """``internal_links.closest`` (a "did you mean"), its answers kept in the page cache: a
    warm run on a large handbook with hundreds of broken links and missing anchors spent a
    third of its time finding the same answers again with ``difflib``. The answer for a
    word, its candidates and the cutoff never changes; one read back is used only if it is
    still one of the candidates. ``save`` adds this run's new answers to those kept (up to
    ``MAX_ANSWERS``; beyond, only this run's are kept)."""

    def __init__(self, cache: PageCache) -> None:
        self._cache = cache
        self._known: dict[str, str | None] | None = None  # read on the first question
        self._asked: dict[str, str | None] = {}
        self._found_new = False

    def __call__(self, word: str, candidates: Sequence[str], cutoff: float) -> str | None:
        key = _answer_key(word, candidates, cutoff)
        if self._known is None:
            self._known = self._cache._answers()
        if key in self._known:
            answer = self._known[key]
            if answer is None or answer in candidates:
                self._asked[key] = answer
                return answer
        from flowcatalog.rules.internal_links import closest

        answer = closest(word, candidates, cutoff)
        self._asked[key] = answer
        self._found_new = True
        return answer

    def save(self) -> None:
        if not self._found_new:
            return  # nothing new: what is kept stays as it is
        kept = {**(self._known or {}), **self._asked}
        self._cache._keep_answers(kept if len(kept) <= MAX_ANSWERS else self._asked)


def _answer_key(word: str, candidates: Sequence[str], cutoff: float) -> str:
    hasher = hashlib.blake2b(digest_size=20)
    for part in (repr(cutoff), word, *candidates):
        encoded = part.encode("utf-8", "surrogatepass")
        hasher.update(len(encoded).to_bytes(8, "little"))
        hasher.update(encoded)
    return hasher.hexdigest()


def framed(part: str) -> bytes:
    """A part of a key, with its length before it (so no two lists of parts hash alike)."""
    encoded = part.encode("utf-8", "surrogatepass")
    return len(encoded).to_bytes(8, "little") + encoded


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=20).hexdigest()


def _signature(path: str) -> str | None:
    """What ``stat`` says of a regular file that changes when its bytes do (or None: the
    file is read and hashed)."""
    if not CHANGE_TIMES:
        return None
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_ino}:{info.st_dev}"
