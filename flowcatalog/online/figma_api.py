"""The Figma REST API client: verify files and nodes with the fewest calls.

Links are grouped by (API key, version-id). A group with node ids costs one
``GET /v1/files/KEY/nodes?ids=...&depth=1`` (chunked by id count and URL length); a group
with no node id costs one ``GET /v1/files/KEY/meta``. With a cache, a group checked before
costs one ``/meta`` call: the same file ``version`` means the cached node results still
hold, and no ``/nodes`` call is made. A 403 (token rejected) or a 429 (rate limited) stops
every further Figma call of the run.

The token is a secret: it is sent only in the ``X-Figma-Token`` header, only to the
configured API origin (scheme, host and port), never on a redirect (redirects are not
followed), and it is scrubbed from every message this module produces.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote, urlsplit

from flowcatalog.model import FigmaRef
from flowcatalog.online.liveness import FigmaResult, FigmaStatus
from flowcatalog.online.settings import DEFAULT_API, api_origin, origin_of
from flowcatalog.online.watchdog import Watchdog
from flowcatalog.report import FigmaDetails

if TYPE_CHECKING:
    import requests

_REDACTED = "<redacted>"
#: a run of this many consecutive characters of the token is scrubbed wherever it shows
SCRUB_RUN = 8
#: longest text taken from an API answer into a message (after scrubbing)
MESSAGE_CHARS = 300
#: longest rate-limit header value taken into a message (after scrubbing)
HEADER_CHARS = 40


def scrub_secret(text: str, secret: str, run: int = SCRUB_RUN) -> str:
    """``text`` with every stretch that holds ``run`` or more consecutive characters of
    ``secret`` (the whole of it included), in any letter case (a host name is lowered),
    replaced by ``<redacted>``."""
    if not secret or not text:
        return text
    secret, folded = secret.casefold(), text.casefold()
    if len(folded) != len(text):  # a rare letter whose case fold is longer: compare as is
        secret, folded = secret, text
    if len(secret) <= run:
        pieces = {secret}
        run = len(secret)
    else:
        pieces = {secret[i : i + run] for i in range(len(secret) - run + 1)}
    covered = [False] * len(text)
    found = False
    for i in range(len(text) - run + 1):
        if folded[i : i + run] in pieces:
            found = True
            for j in range(i, i + run):
                covered[j] = True
    if not found:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        if covered[i]:
            while i < len(text) and covered[i]:
                i += 1
            out.append(_REDACTED)
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


class FigmaToken:
    """A personal access token that never shows itself in a repr, str or message."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value.strip()

    def __repr__(self) -> str:
        return f"FigmaToken({_REDACTED})"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> Any:
        raise TypeError("a FigmaToken cannot be pickled")

    def reveal(self) -> str:
        return self._value

    def scrub(self, text: str) -> str:
        """``text`` with the token, and any run of ``SCRUB_RUN`` or more of its consecutive
        characters, replaced: scrub before cutting a text short, never after."""
        return scrub_secret(text, self._value)


@dataclass(frozen=True, slots=True)
class FigmaSettings:
    api_base: str = DEFAULT_API
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_ids: int = 200
    max_url_length: int = 6000
    max_retry_wait: float = 60.0
    user_agent: str = "flowcatalog (Figma link checker)"
    #: every call ends within this many seconds, however slowly the answer trickles in
    call_deadline: float = 60.0
    #: a longer answer is not read (an endless body must not grow memory)
    max_answer_bytes: int = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class CachedFile:
    """What one Figma file (at one pinned version, or its latest) said last time.

    ``nodes`` maps each node id checked to ``(name, type)``, or to None when the file
    had no such node.
    """

    api_key: str
    version_id: str | None
    file_version: str
    file_name: str | None
    last_modified: str | None
    nodes: Mapping[str, tuple[str | None, str | None] | None]
    checked_at: float = 0.0


class FigmaCache(Protocol):
    def get_file(self, api_key: str, version_id: str | None) -> CachedFile | None: ...

    def put_file(self, entry: CachedFile) -> None: ...


@dataclass(frozen=True, slots=True)
class FigmaCall:
    """One API call made (for the summary, the tests and the benchmark)."""

    endpoint: str
    api_key: str
    status: int | None
    ids: int = 0


@dataclass(frozen=True, slots=True)
class FigmaOutcome:
    results: Mapping[FigmaRef, FigmaResult]
    calls: tuple[FigmaCall, ...] = ()
    stop: FigmaResult | None = None


@dataclass(frozen=True, slots=True)
class _Failure:
    """A call that did not give a usable 200 answer."""

    result: FigmaResult
    stops: bool = False


@dataclass(slots=True)
class _FileAnswer:
    file_name: str | None = None
    last_modified: str | None = None
    version: str | None = None
    nodes: dict[str, tuple[str | None, str | None] | None] = field(default_factory=dict)


def _message(body: Any, fallback: str, scrub: Callable[[str], str]) -> str:
    """The API's own error text (scrubbed, then cut), or ``fallback``."""
    if isinstance(body, dict):
        for key in ("err", "message"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                return scrub(value.strip())[:MESSAGE_CHARS]
    return scrub(fallback)[:MESSAGE_CHARS]


def _wait_text(seconds: float) -> str:
    if seconds >= 2 * 86400:
        return f"{seconds:.0f} s ({seconds / 86400:.1f} days)"
    if seconds >= 2 * 3600:
        return f"{seconds:.0f} s ({seconds / 3600:.1f} hours)"
    return f"{seconds:g} s"


class FigmaClient:
    """Verifies Figma links through the REST API. One instance per run; thread-safe calls."""

    def __init__(
        self,
        token: FigmaToken,
        settings: FigmaSettings | None = None,
        *,
        session: requests.Session | None = None,
        cache: FigmaCache | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings or FigmaSettings()
        self._origin = api_origin(self.settings.api_base)
        self._base = self.settings.api_base.rstrip("/")
        self._token = token
        self._cache = cache
        self._sleep = sleep
        import requests.utils  # (only a run with a token makes a client)

        from flowcatalog.online.sessions import watched_session

        self._session = session or watched_session()
        self._watchdog = Watchdog()
        self._session.trust_env = False  # no netrc: the token is the only credential sent
        self._proxies = dict(requests.utils.get_environ_proxies(self._base))
        self._calls: list[FigmaCall] = []
        self._lock = threading.Lock()
        self._stop: FigmaResult | None = None
        self._retried_429 = False

    def __repr__(self) -> str:
        return f"FigmaClient(api_base={self._base!r})"

    @property
    def calls(self) -> tuple[FigmaCall, ...]:
        return tuple(self._calls)

    def close(self) -> None:
        self._session.close()
        self._watchdog.close()

    def abort(self) -> None:
        """Stop at once (Ctrl-C): cut off the call in flight and make no further call."""
        self._watchdog.abort()

    # -- public -------------------------------------------------------------------------

    def verify(self, refs: Iterable[FigmaRef]) -> FigmaOutcome:
        """Check every Figma link; each ref maps to a result."""
        groups: dict[tuple[str, str | None], list[FigmaRef]] = {}
        for ref in refs:
            groups.setdefault((ref.api_key, ref.version_id), []).append(ref)
        results: dict[FigmaRef, FigmaResult] = {}
        value = self._token.reveal()
        if self._stop is None and not (
            value.isascii() and value.isprintable() and " " not in value
        ):
            self._stop = FigmaResult(
                FigmaStatus.TOKEN_REJECTED,
                "FIGMA_TOKEN is not a valid token (it holds spaces, control or non-ASCII "
                "characters); no Figma calls were made",
            )
        for (key, version_id), members in sorted(
            groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")
        ):
            if self._stop is not None:
                for ref in members:
                    results[ref] = self._stop
                continue
            results.update(self._verify_group(key, version_id, members))
        return FigmaOutcome(results, self.calls, self._stop)

    # -- one group ----------------------------------------------------------------------

    def _verify_group(
        self, key: str, version_id: str | None, members: list[FigmaRef]
    ) -> dict[FigmaRef, FigmaResult]:
        node_ids = sorted({ref.node_id for ref in members if ref.node_id})
        cached = self._cache.get_file(key, version_id) if self._cache is not None else None
        answer: _FileAnswer | None = None
        from_cache = False
        if cached is not None and all(node in cached.nodes for node in node_ids):
            if version_id is not None:
                from_cache = True  # a saved version never changes
            else:
                meta = self._meta(key)
                if isinstance(meta, _Failure):
                    return self._fail(members, meta)
                if meta.version is not None and meta.version == cached.file_version:
                    from_cache = True
                elif not node_ids:
                    answer = meta
            if from_cache:
                answer = _FileAnswer(
                    cached.file_name, cached.last_modified, cached.file_version, dict(cached.nodes)
                )
        if answer is None:
            fetched = self._nodes(key, version_id, node_ids) if node_ids else self._meta(key)
            if isinstance(fetched, _Failure):
                return self._fail(members, fetched)
            answer = fetched
            if self._cache is not None and answer.version is not None:
                self._cache.put_file(
                    CachedFile(
                        key,
                        version_id,
                        answer.version,
                        answer.file_name,
                        answer.last_modified,
                        dict(answer.nodes),
                        time.time(),
                    )
                )
        return {ref: self._result(ref, answer, from_cache) for ref in members}

    def _result(self, ref: FigmaRef, answer: _FileAnswer, cached: bool) -> FigmaResult:
        file_details = FigmaDetails(answer.file_name, answer.last_modified, answer.version)
        if ref.node_id is None:
            return FigmaResult(FigmaStatus.OK, details=file_details, http_status=200, cached=cached)
        node = answer.nodes.get(ref.node_id)
        if node is None:
            name = f" ({answer.file_name})" if answer.file_name else ""
            where = f" at version {ref.version_id}" if ref.version_id else ""
            return FigmaResult(
                FigmaStatus.NODE_NOT_FOUND,
                f"node {ref.node_id} not found in Figma file {ref.api_key}{name}{where}",
                details=file_details,
                http_status=200,
                cached=cached,
            )
        details = FigmaDetails(
            answer.file_name, answer.last_modified, answer.version, node[0], node[1]
        )
        return FigmaResult(FigmaStatus.OK, details=details, http_status=200, cached=cached)

    def _fail(self, members: list[FigmaRef], failure: _Failure) -> dict[FigmaRef, FigmaResult]:
        if failure.stops:
            self._stop = failure.result
        return dict.fromkeys(members, failure.result)

    # -- calls ----------------------------------------------------------------------------

    def _meta(self, key: str) -> _FileAnswer | _Failure:
        got = self._get(f"/v1/files/{quote(key, safe='')}/meta", "meta", key)
        if isinstance(got, _Failure):
            return got
        body = got.get("file") if isinstance(got.get("file"), dict) else got
        assert isinstance(body, dict)
        return _FileAnswer(
            self._text(body.get("name")),
            self._text(body.get("last_touched_at")) or self._text(body.get("lastModified")),
            self._text(body.get("version")),
        )

    def _nodes(
        self, key: str, version_id: str | None, node_ids: list[str]
    ) -> _FileAnswer | _Failure:
        answer = _FileAnswer()
        for chunk in self._chunks(key, version_id, node_ids):
            query = "ids=" + ",".join(quote(node, safe=":") for node in chunk) + "&depth=1"
            if version_id is not None:
                query += "&version=" + quote(version_id, safe="")
            got = self._get(
                f"/v1/files/{quote(key, safe='')}/nodes?{query}", "nodes", key, len(chunk)
            )
            if isinstance(got, _Failure):
                return got
            answer.file_name = self._text(got.get("name")) or answer.file_name
            answer.last_modified = self._text(got.get("lastModified")) or answer.last_modified
            answer.version = self._text(got.get("version")) or answer.version
            nodes = got.get("nodes")
            nodes = nodes if isinstance(nodes, dict) else {}
            for node_id in chunk:
                entry = nodes.get(node_id)
                document = entry.get("document") if isinstance(entry, dict) else None
                if isinstance(document, dict):
                    answer.nodes[node_id] = (
                        self._text(document.get("name")),
                        self._text(document.get("type")),
                    )
                else:
                    answer.nodes[node_id] = None
        return answer

    def _chunks(self, key: str, version_id: str | None, node_ids: list[str]) -> list[list[str]]:
        fixed = len(f"{self._base}/v1/files/{key}/nodes?ids=&depth=1")
        if version_id is not None:
            fixed += len(f"&version={version_id}")
        chunks: list[list[str]] = []
        current: list[str] = []
        length = fixed
        for node in node_ids:
            cost = len(quote(node, safe=":")) + (1 if current else 0)
            too_long = length + cost > self.settings.max_url_length
            if current and (len(current) >= self.settings.max_ids or too_long):
                chunks.append(current)
                current, length = [], fixed
                cost = len(quote(node, safe=":"))
            current.append(node)
            length += cost
        if current:
            chunks.append(current)
        return chunks

    def _get(
        self, path_and_query: str, endpoint: str, key: str, ids: int = 0
    ) -> dict[str, Any] | _Failure:
        """One GET to the API origin with the token; never follows a redirect."""
        url = self._base + path_and_query
        if origin_of(url) != self._origin:  # pragma: no cover - defensive, built from base
            raise RuntimeError("refusing to send the Figma token to another origin")
        headers = {
            "X-Figma-Token": self._token.reveal(),
            "User-Agent": self.settings.user_agent,
            "Accept": "application/json",
        }
        while True:
            if self._watchdog.aborted:
                return _Failure(FigmaResult(FigmaStatus.NOT_CHECKED, "interrupted"), stops=True)
            got = self._exchange(url, headers)
            if isinstance(got, str):  # no usable answer: why, in words
                self._record(endpoint, key, None, ids)
                message = f"could not reach the Figma API at {self._origin[1]}: {got}"
                return _Failure(FigmaResult(FigmaStatus.API_ERROR, message), stops=True)
            response, raw = got
            status = response.status_code
            self._record(endpoint, key, status, ids)
            if raw is None:
                limit = self.settings.max_answer_bytes
                message = (
                    f"Figma API answer for file {key} is larger than {limit:,} bytes; not read"
                )
                return _Failure(FigmaResult(FigmaStatus.API_ERROR, message, http_status=status))
            body = _json(raw)
            if status == 429:
                wait = _retry_after(response.headers.get("Retry-After"))
                if (
                    wait is not None
                    and wait <= self.settings.max_retry_wait
                    and not self._retried_429
                ):
                    self._retried_429 = True
                    self._sleep(wait)
                    continue
                return _Failure(self._rate_limited(response, wait), stops=True)
            if status == 200 and isinstance(body, dict):
                return body
            return self._failure(status, body, key, response)

    def _exchange(
        self, url: str, headers: dict[str, str]
    ) -> tuple[requests.Response, bytes | None] | str:
        """One GET and its answer, read within the call deadline and the size cap: the
        response and its body (None when over the cap), or why there is none."""
        import requests

        settings = self.settings
        with self._watchdog.watch(settings.call_deadline) as watch:
            try:
                response = self._session.get(
                    url,
                    headers=headers,
                    allow_redirects=False,
                    timeout=(settings.connect_timeout, settings.read_timeout),
                    proxies=self._proxies,
                    stream=True,
                )
                with response:
                    received = bytearray()
                    body: bytes | None = None
                    for chunk in response.iter_content(64 * 1024):
                        received += chunk
                        if len(received) > settings.max_answer_bytes:
                            break
                    else:
                        body = bytes(received)
            except (
                requests.RequestException,
                ValueError,
                OSError,
                http.client.HTTPException,
            ) as exc:
                if watch.expired:
                    return f"no complete answer within {settings.call_deadline:g} s"
                if watch.aborted:
                    return "interrupted"
                if isinstance(exc, requests.Timeout):
                    return "timed out"
                if isinstance(exc, requests.ConnectionError):
                    return "connection failed"
                return self._token.scrub(type(exc).__name__)
        if watch.expired:
            return f"no complete answer within {settings.call_deadline:g} s"
        if watch.aborted:
            return "interrupted"
        return response, body

    def _text(self, value: Any) -> str | None:
        return _text(value, self._token.scrub)

    def _record(self, endpoint: str, key: str, status: int | None, ids: int) -> None:
        with self._lock:
            self._calls.append(FigmaCall(endpoint, key, status, ids))

    def _failure(self, status: int, body: Any, key: str, response: requests.Response) -> _Failure:
        text = _message(body, response.reason or f"HTTP {status}", self._token.scrub)
        if status == 403:
            message = (
                f"the Figma API rejected FIGMA_TOKEN (403: {text}): it is invalid, expired, "
                "lacks the file_content:read scope, or may not open this file; "
                "no further Figma calls were made"
            )
            return _Failure(FigmaResult(FigmaStatus.TOKEN_REJECTED, message, http_status=403), True)
        if status == 404:
            message = f"Figma file {key} not found, or not visible to this token's user ({text})"
            return _Failure(FigmaResult(FigmaStatus.FILE_NOT_FOUND, message, http_status=404))
        if 300 <= status < 400:
            try:
                target = urlsplit(response.headers.get("Location", "")).hostname or "?"
            except ValueError:
                target = "?"
            target = self._token.scrub(target)[:MESSAGE_CHARS]
            message = f"the Figma API answered a redirect ({status}) to {target}; not followed"
            return _Failure(FigmaResult(FigmaStatus.API_ERROR, message, http_status=status))
        if status == 200:
            text = "the answer is not a JSON object"
        message = f"Figma API error {status} for file {key}: {text}"
        return _Failure(FigmaResult(FigmaStatus.API_ERROR, message, http_status=status))

    def _rate_limited(self, response: requests.Response, wait: float | None) -> FigmaResult:
        facts = []
        if wait is not None:
            facts.append(f"Retry-After {_wait_text(wait)}")
        tier = response.headers.get("X-Figma-Plan-Tier")
        kind = response.headers.get("X-Figma-Rate-Limit-Type")
        if tier:
            facts.append(f"plan tier {self._token.scrub(tier)[:HEADER_CHARS]}")
        if kind:
            facts.append(f"rate limit type {self._token.scrub(kind)[:HEADER_CHARS]}")
        detail = f" ({', '.join(facts)})" if facts else ""
        message = self._token.scrub(
            f"the Figma API rate limit was reached (429){detail}; "
            "no further Figma calls were made this run"
        )
        return FigmaResult(FigmaStatus.RATE_LIMITED, message, http_status=429)


def _retry_after(value: str | None) -> float | None:
    from flowcatalog.online.policy import parse_retry_after

    return parse_retry_after(value)


def _json(raw: bytes) -> Any:
    """The answer as JSON, or None when it is not JSON we can hold: malformed, nested
    past the parser's recursion limit, or with a number of thousands of digits."""
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None


def _text(value: Any, scrub: Callable[[str], str]) -> str | None:
    """A string of an API answer (a file or node name, a version) as it may be reported:
    scrubbed of the token, then cut; None when it is not a string."""
    return scrub(value)[:MESSAGE_CHARS] if isinstance(value, str) else None
