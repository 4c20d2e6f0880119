"""The page-result cache: one page's findings and links (drift aside), stored by content.

The same file remembers which catalog texts fit the schema, so that an unchanged catalog is
not validated again (``remember``, ``known``).

An entry's key digests the page's path and bytes, the tool's version and code, and every
setting a page's findings depend on (whatever ``lint_files`` hands each page's work: the
placeholders, whether hidden links are wanted, ...). An unchanged page is therefore never
read by a parser again; a changed page, a changed setting or a new version of the tool
misses. The cross-page checks (drift) are not cached: they run on every run from the
cached per-page data, which is only what they and the report need (links, heading ids,
findings).

The cache is a SQLite file beside the online cache (``cache-pages.sqlite3`` beside
``cache.sqlite3``, or ``<name>-pages<suffix>`` beside a ``--cache`` file). A file that is
not ours (another application's database, or not a database at all) is never changed: the
run goes on without the cache, with a warning. Nothing here raises into a run; a locked
file turns the cache off for the run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import flowcatalog
from flowcatalog.findings import Finding, Severity
from flowcatalog.model import FigmaRef, Link, LinkKind, Location
from flowcatalog.pages.doc import MAX_PAGE_BYTES, PageLinks

if TYPE_CHECKING:
    import sqlite3

#: ``PRAGMA application_id`` of a page cache ("FCPG"); a file with another one is not ours
APPLICATION_ID = 0x46435047
SCHEMA_VERSION = 1
_SCHEMA = "CREATE TABLE pages (key TEXT PRIMARY KEY, result TEXT NOT NULL)"
_BATCH = 500
#: the value of a fact remembered (``PageCache.remember``), never a page's result
_KNOWN = "true"

_SEVERITY = {severity.value: severity for severity in Severity}
_KIND = {kind.value: kind for kind in LinkKind}


@dataclass(frozen=True, slots=True)
class PageResult:
    """What linting one page gives, drift aside: its findings and, when it could be parsed,
    its links. (A page that could not be read at all is never cached: ``error`` is None.)"""

    findings: tuple[Finding, ...]
    page: PageLinks | None
    error: None = None


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
    cache: PageCache, work: Sequence[W], lint: Callable[[list[W]], Iterable[LintResult]]
) -> list[LintResult]:
    """Each work item's result, in order: from the cache where it has one, else from
    ``lint`` (called once, with the items the cache has no result for), then stored.

    A work item is a page's path followed by the settings its result depends on. A result
    is stored only when the page's bytes are still those its key was made from.
    """
    keys = [cache.page_key(item[0], item[1:]) for item in work]
    found = cache.get_many([key for key in keys if key is not None])
    results: list[LintResult | None] = [None if key is None else found.get(key) for key in keys]
    todo = [i for i, result in enumerate(results) if result is None]
    fresh = list(lint([work[i] for i in todo])) if todo else []
    store: list[tuple[str, PageResult]] = []
    for i, result in zip(todo, fresh, strict=True):
        results[i] = result
        key = keys[i]
        if key is None or result.error is not None:
            continue
        if cache.page_key(work[i][0], work[i][1:]) == key:  # unchanged while it was linted
            store.append((key, PageResult(result.findings, result.page)))
    cache.put_many(store)
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
    """The page-result cache in one SQLite file; never raises into a run."""

    def __init__(self, path: Path, *, warn: Callable[[str], None] | None = None) -> None:
        self.path = path
        self._warn_cb = warn
        self._warned = False
        self._db: sqlite3.Connection | None = self._open(path)
        self._code = _code_fingerprint()
        self.hits = 0

    @property
    def enabled(self) -> bool:
        return self._db is not None

    def _warn(self, message: str) -> None:
        if self._warn_cb is not None and not self._warned:
            self._warn_cb(message)
        self._warned = True

    def _open(self, path: Path) -> sqlite3.Connection | None:
        import sqlite3

        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            self._warn(f"page cache {path} cannot be created ({exc.strerror}); running without it")
            return None
        fresh = not path.exists() or path.stat().st_size == 0
        try:
            db = sqlite3.connect(path, timeout=2.0, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            self._warn(f"page cache {path} cannot be opened ({exc}); running without it")
            return None
        try:
            if fresh:
                with contextlib.suppress(OSError):
                    os.chmod(path, 0o600)
            db.execute("PRAGMA busy_timeout = 2000")
            app = db.execute("PRAGMA application_id").fetchone()[0]
            tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if app != APPLICATION_ID and (tables or not fresh):
                db.close()
                self._warn(f"page cache {path} is not a flowcatalog page cache; running without it")
                return None
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode = WAL")
            if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                db.execute("BEGIN IMMEDIATE")
                if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                    db.execute("DROP TABLE IF EXISTS pages")
                    db.execute(_SCHEMA)
                    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                db.execute("COMMIT")
            db.execute("SELECT count(*) FROM pages WHERE 0").fetchone()
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                db.close()
            what = "locked by another run" if _is_locked(exc) else f"unusable ({exc})"
            self._warn(f"page cache {path} is {what}; running without it")
            return None
        return db

    def close(self) -> None:
        if self._db is not None:
            with contextlib.suppress(Exception):
                self._db.close()
            self._db = None

    def key(self, path: str, data: bytes, settings: object) -> str:
        """The key of a page's result: its path and bytes, the settings, the tool's code."""
        digest = hashlib.blake2b(digest_size=20)
        for part in (self._code, repr(settings), path):
            encoded = part.encode("utf-8", "surrogatepass")
            digest.update(len(encoded).to_bytes(8, "little"))
            digest.update(encoded)
        digest.update(data)
        return digest.hexdigest()

    def page_key(self, path: str, settings: object) -> str | None:
        """The key of the page at ``path`` as it is now, or None when it cannot be read (the
        linting then says why)."""
        from flowcatalog.fsio import read_head

        try:
            data = read_head(path, MAX_PAGE_BYTES + 1, what="page")
        except Exception:
            return None
        return self.key(path, data, settings)

    def get_many(self, keys: Sequence[str]) -> dict[str, PageResult]:
        """The cached results of those ``keys`` that have one."""
        import sqlite3

        found: dict[str, PageResult] = {}
        if self._db is None:
            return found
        try:
            for start in range(0, len(keys), _BATCH):
                batch = keys[start : start + _BATCH]
                marks = ",".join("?" * len(batch))
                rows = self._db.execute(
                    f"SELECT key, result FROM pages WHERE key IN ({marks})", batch
                ).fetchall()
                for key, raw in rows:
                    result = decode(raw)
                    if result is not None:
                        found[key] = result
        except sqlite3.Error as exc:
            self._warn(f"page cache read failed ({exc}); checking without it")
            return {}
        self.hits += len(found)
        return found

    def known(self, key: str) -> bool:
        """Whether ``remember`` was called with ``key``."""
        import sqlite3

        if self._db is None:
            return False
        try:
            row = self._db.execute("SELECT result FROM pages WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            return False
        return row is not None and row[0] == _KNOWN

    def remember(self, key: str) -> None:
        """Note a fact under ``key`` (a catalog text that fits the schema)."""
        self._put([(key, _KNOWN)])

    def put_many(self, entries: Iterable[tuple[str, PageResult]]) -> None:
        """Store results (a later run with the same key reuses them)."""
        if self._db is None:
            return
        self._put([(key, encode(result)) for key, result in entries])

    def _put(self, rows: list[tuple[str, str]]) -> None:
        import sqlite3

        if self._db is None or not rows:
            return
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.executemany("INSERT OR REPLACE INTO pages (key, result) VALUES (?, ?)", rows)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            what = "locked by another run" if _is_locked(exc) else str(exc)
            self._warn(f"page cache not updated ({what}); results of this run are not saved")


def _is_locked(exc: Exception) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


# --- encoding: a result as JSON, and back (equal to what was encoded) ----------------------


def _where(location: Location | None, path: str) -> Any:
    if location is None:
        return None
    if location.path == path:
        return [location.line, location.column]
    return [location.line, location.column, location.path]


def _place(value: Any, path: str) -> Location | None:
    if value is None:
        return None
    return Location(value[2] if len(value) > 2 else path, value[0], value[1])


def _link_row(link: Link, path: str) -> list[Any]:
    figma = link.figma
    return [
        link.url,
        _where(link.location, path),
        link.normalised,
        None
        if figma is None
        else [figma.kind, figma.file_key, figma.node_id, figma.branch_key, figma.version_id],
        link.text,
        list(link.context),
        link.kind.value,
        link.element,
        _where(link.definition, path),
        link.has_image,
    ]


def encode(result: PageResult) -> str:
    """A result as compact JSON."""
    page = result.page
    path = page.path if page is not None else ""
    findings = [
        [
            f.rule,
            f.severity.value,
            f.message,
            _where(f.location, path),
            f.url,
            f.subject,
            f.link,
        ]
        for f in result.findings
    ]
    body: Any = None
    if page is not None:
        body = [
            path,
            [_link_row(link, path) for link in page.links],
            [_link_row(link, path) for link in page.hidden],
            list(page.anchors),
        ]
    return json.dumps([findings, body], ensure_ascii=False, separators=(",", ":"))


def decode(raw: str) -> PageResult | None:
    """The result ``encode`` made ``raw`` from; None when it is not one (a damaged entry)."""
    try:
        findings_rows, body = json.loads(raw)
        path = body[0] if body is not None else ""
        findings = tuple(
            [
                Finding(rule, _SEVERITY[severity], message, _place(where, path), url, subject, link)  # type: ignore[arg-type]
                for rule, severity, message, where, url, subject, link in findings_rows
            ]
        )
        if body is None:
            return PageResult(findings, None)

        def links(rows: list[Any], hidden: bool) -> tuple[Link, ...]:
            return tuple(
                [
                    Link(
                        url,
                        Location(path, where[0], where[1])
                        if len(where) == 2
                        else Location(where[2], where[0], where[1]),
                        normalised,
                        None if figma is None else FigmaRef(*figma),
                        text,
                        tuple(context),
                        _KIND[kind],
                        element,
                        None if definition is None else _place(definition, path),
                        hidden,
                        has_image,
                    )
                    for url, where, normalised, figma, text, context, kind, element, definition, has_image in rows  # noqa: E501
                ]
            )

        return PageResult(
            findings,
            PageLinks(path, links(body[1], False), links(body[2], True), tuple(body[3])),
        )
    except (ValueError, TypeError, KeyError, IndexError):
        return None
