"""Parse and normalise link URLs, above all Figma file links.

Pure: no I/O. ``analyse(url)`` never raises; every defect comes back as a ``UrlProblem``.
Facts on the URL forms are in the README ("Figma link forms").
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from flowcatalog.findings import Finding, Rule, Severity
from flowcatalog.model import FigmaRef, Location

#: Path kinds that open a Figma file (design, FigJam, Slides, Make, Sites, Buzz).
FILE_KINDS = frozenset(
    {"file", "design", "proto", "board", "slides", "deck", "make", "site", "buzz"}
)


URL_INVALID = Rule(
    "url-invalid",
    Severity.ERROR,
    "a link that is not an absolute http(s) URL with a valid host",
    "links",
)
URL_CREDENTIALS = Rule(
    "url-credentials",
    Severity.ERROR,
    "a link carrying credentials (`https://user:token@host`); shown redacted, never requested",
    "links",
)
FIGMA_HTTPS = Rule(
    "figma-https",
    Severity.ERROR,
    "a Figma link over plain http",
    "links",
)
FIGMA_FILE_KEY = Rule(
    "figma-file-key",
    Severity.ERROR,
    "a Figma file or branch key that is not 22-128 letters and digits",
    "links",
)
FIGMA_NODE_ID_MISSING = Rule(
    "figma-node-id-missing",
    Severity.ERROR,
    "a Figma file link without a node-id",
    "links",
)
FIGMA_NODE_ID_MALFORMED = Rule(
    "figma-node-id-malformed",
    Severity.ERROR,
    "a node-id that is not A:B, A-B, A%3AB or an instance id I1:2;3:4",
    "links",
)
FIGMA_NODE_ID_REPEATED = Rule(
    "figma-node-id-repeated",
    Severity.ERROR,
    "a Figma link with more than one node-id",
    "links",
)
FIGMA_VERSION_ID = Rule(
    "figma-version-id",
    Severity.ERROR,
    "a version-id that is not a number",
    "links",
)
FIGMA_UNKNOWN_KIND = Rule(
    "figma-unknown-kind",
    Severity.WARNING,
    "a figma.com link of a file kind flowcatalog does not know",
    "links",
)
FIGMA_EMBED = Rule(
    "figma-embed",
    Severity.ERROR,
    "a Figma embed link whose url= is missing or not a Figma file link",
    "links",
)
#: First path segments of figma.com pages that are not files.
PAGE_SEGMENTS = frozenset(
    {
        "community",
        "files",
        "login",
        "signup",
        "pricing",
        "blog",
        "about",
        "careers",
        "developers",
        "downloads",
        "settings",
        "education",
        "enterprise",
        "templates",
        "resource-library",
        "legal",
        "contact",
        "customers",
        "best-practices",
        "ai",
        "figjam",
        "dev-mode",
        "privacy",
        "security",
        "solutions",
        "team_invite",
        "exit",
        "plugin-docs",
        "widget-docs",
        "config",
        "release-notes",
    }
)
FIGMA_FILE_HOSTS = frozenset({"figma.com", "www.figma.com", "embed.figma.com"})
FILE_KEY = re.compile(r"[A-Za-z0-9]{22,128}")
NODE_ID = re.compile(r"I?\d+:\d+(?:;\d+:\d+)*")
_SIGNED_NODE_ID = re.compile(r"I?-?\d+:-?\d+(?:;-?\d+:-?\d+)*")
MAX_URL_LENGTH = 8192
_BAD_CHARS = re.compile(r"[\s\x00-\x1f\x7f]")
_MAX_EMBED_DEPTH = 3
_HOST_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?")
_DASHED_NODE_ID = re.compile(r"I?\d+-\d+(?:;\d+-\d+)*")
_KIND_WORD = re.compile(r"[a-z][a-z0-9_-]*")
_VERSION_ID = re.compile(r"\d+")
#: the most common Figma link, whose analysis needs no URL parser: https, a Figma file
#: host, a known kind in lower case, a valid key, at most one title segment (not
#: ``branch``), a query of unreserved ASCII characters (nothing percent-encoded, no ``+``)
#: and no fragment; see ``_plain_figma_file``
_PLAIN_FIGMA_FILE = re.compile(
    r"https://(?:www\.|embed\.)?figma\.com/"
    r"(file|design|proto|board|slides|deck|make|site|buzz)/([A-Za-z0-9]{22,128})"
    r"(?:/([A-Za-z0-9._~()!*',-]*))?"
    r"\?([A-Za-z0-9._~=&-]*)"
)
_PLAIN_NODE_ID = re.compile(r"I?[0-9]+-[0-9]+")
#: a web link of the most common shape: a lower-case http(s) scheme and host name of plain
#: labels (as ``_HOST_LABEL``, 63 characters at most), maybe a port, then a path, query or
#: fragment without white space or control characters (``_plain_web``)
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_PLAIN_WEB = re.compile(
    rf"https?://((?:{_LABEL}\.)*{_LABEL})(?::([0-9]{{1,5}}))?(?:[/?#][^\s\x00-\x1f\x7f]*)?"
)


class UrlKind(StrEnum):
    FIGMA_FILE = "figma-file"
    FIGMA_PAGE = "figma-page"
    WEB = "web"
    OTHER = "other"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class UrlProblem:
    rule: Rule
    message: str

    def finding(self, location: Location, url: str, *, link: str | None = None) -> Finding:
        """This problem as a finding of ``url`` at ``location`` (``link``: the normalised
        URL of the report link it is about)."""
        return self.rule.finding(self.message, location, url=url, subject=url, link=link)


@dataclass(frozen=True, slots=True)
class UrlAnalysis:
    """What a URL is, its Figma identity when it is a file link, and what is wrong with it."""

    url: str
    kind: UrlKind
    figma: FigmaRef | None = None
    problems: tuple[UrlProblem, ...] = ()
    #: the form links are compared and listed by: made once, since an analysis is
    #: remembered per URL and every occurrence of the URL takes its normalised form
    normalised: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        figma = self.figma
        normalised = figma.canonical_url() if figma is not None else self.url.strip()
        object.__setattr__(self, "normalised", normalised)


def _problem(rule: Rule, message: str) -> UrlProblem:
    return UrlProblem(rule, message)


def normalise_node_id(raw: str) -> str | None:
    """Turn a node-id as found in a URL query (already percent-decoded once) into API form.

    ``138-97``, ``138:97`` and ``138%3A97`` (decoded) all give ``138:97``; the dash form of an
    instance id ``I32-9;44-5`` gives ``I32:9;44:5``. None when it is not a node id.
    """
    node_id, _ = _node_id_problem(raw)
    return node_id


def _node_id_problem(raw: str) -> tuple[str | None, UrlProblem | None]:
    value = raw.strip()
    if not value:
        return None, _problem(
            FIGMA_NODE_ID_MALFORMED, "node-id is empty; expected ?node-id=A-B or A:B"
        )
    if "%" in value:
        return None, _problem(
            FIGMA_NODE_ID_MALFORMED,
            f"node-id {value!r} is percent-encoded twice; expected ?node-id=A-B or A%3AB",
        )
    candidate = value
    if _DASHED_NODE_ID.fullmatch(value):
        candidate = value.replace("-", ":")
    if NODE_ID.fullmatch(candidate):
        return candidate, None
    if _SIGNED_NODE_ID.fullmatch(value):
        return None, _problem(
            FIGMA_NODE_ID_MALFORMED,
            f"unexpected node-id {value!r}: negative numbers are not node ids",
        )
    return None, _problem(
        FIGMA_NODE_ID_MALFORMED,
        f"node-id {value!r} is not a Figma node id; expected A:B, A-B or I1:2;3:4",
    )


@functools.lru_cache(maxsize=65536)
def analyse(url: str) -> UrlAnalysis:
    """Classify ``url`` and, for a Figma file link, reduce it to a ``FigmaRef``.

    Pure, so results are memoised: a link that occurs many times is parsed once.
    """
    return _analyse(url, depth=0)


def _analyse(url: str, depth: int) -> UrlAnalysis:
    plain = _plain_figma_file(url) or _plain_web(url)
    if plain is not None:
        return plain
    return _analyse_in_full(url, depth)


def _plain_web(url: str) -> UrlAnalysis | None:
    """The analysis of a web link of the most common shape (``_PLAIN_WEB``), outside Figma's
    hosts: a valid web link as it stands. None for any other URL, which ``_analyse_in_full``
    reads.

    Within that shape the result is the one ``_analyse_in_full`` gives (a test holds them
    together): no white space to strip, no credentials, a host of valid labels that
    ``urlsplit`` gives back as written, a port it reads (1 to 65535); it is only several
    times cheaper than splitting the URL, and most links of a handbook are such links."""
    if len(url) > MAX_URL_LENGTH:
        return None
    match = _PLAIN_WEB.fullmatch(url)
    if match is None:
        return None
    host, port = match.groups()
    if host == "figma.com" or host.endswith(".figma.com"):
        return None
    if port is not None and not 0 < int(port) <= 65535:
        return None
    return UrlAnalysis(url, UrlKind.WEB)


def _plain_figma_file(url: str) -> UrlAnalysis | None:
    """The analysis of a Figma file link of the most common shape (``_PLAIN_FIGMA_FILE``)
    that is valid as it stands: exactly one ``node-id`` of the form ``A-B`` (or ``IA-B``),
    any ``version-id`` a number. None for any other URL, which ``_analyse_in_full`` reads.

    Within that shape the result is the one ``_analyse_in_full`` gives (a test holds them
    together): ``urlsplit`` and ``parse_qsl`` have nothing to decode, so splitting the query
    on ``&`` and ``=`` reads it as they do; it is only several times cheaper, and pages
    hold thousands of such links."""
    if len(url) > MAX_URL_LENGTH:
        return None
    match = _PLAIN_FIGMA_FILE.fullmatch(url)
    if match is None:
        return None
    kind, key, title, query = match.groups()
    if title == "branch":
        return None  # a branch link without its key: a problem to report
    node_id: str | None = None
    version_id: str | None = None
    nodes = 0
    for pair in query.split("&"):
        name, _, value = pair.partition("=")
        if name == "node-id":
            nodes += 1
            node_id = value
        elif name == "version-id" and version_id is None:
            version_id = value
    if nodes != 1 or node_id is None or not _PLAIN_NODE_ID.fullmatch(node_id):
        return None
    if version_id is not None and not _VERSION_ID.fullmatch(version_id):
        return None
    ref = FigmaRef(kind, key, node_id.replace("-", ":"), None, version_id)
    return UrlAnalysis(url, UrlKind.FIGMA_FILE, ref)


def _analyse_in_full(url: str, depth: int) -> UrlAnalysis:
    text = url.strip()
    if not text:
        return UrlAnalysis(url, UrlKind.INVALID, problems=(_problem(URL_INVALID, "empty URL"),))
    if len(text) > MAX_URL_LENGTH:
        return UrlAnalysis(
            url,
            UrlKind.INVALID,
            problems=(_problem(URL_INVALID, f"URL longer than {MAX_URL_LENGTH} characters"),),
        )
    if _BAD_CHARS.search(text):
        return UrlAnalysis(
            url,
            UrlKind.INVALID,
            problems=(_problem(URL_INVALID, "URL contains white space or control characters"),),
        )
    try:
        parts = urlsplit(text)
        port = parts.port
        host = (parts.hostname or "").lower()
    except ValueError as exc:
        return UrlAnalysis(
            url, UrlKind.INVALID, problems=(_problem(URL_INVALID, f"malformed URL: {exc}"),)
        )
    scheme = parts.scheme.lower()
    if scheme in {"mailto", "tel"}:
        return UrlAnalysis(url, UrlKind.OTHER)
    if scheme not in {"http", "https"}:
        what = f"scheme {scheme!r}" if scheme else "no scheme"
        return UrlAnalysis(
            url,
            UrlKind.INVALID,
            problems=(_problem(URL_INVALID, f"{what}; expected an absolute https:// URL"),),
        )
    host_problem = _host_problem(parts.netloc, host, port)
    if host_problem is not None:
        return UrlAnalysis(url, UrlKind.INVALID, problems=(host_problem,))
    if host == "figma.com" or host.endswith(".figma.com"):
        return _analyse_figma(url, text, scheme, host, depth)
    return UrlAnalysis(url, UrlKind.WEB)


_USERINFO = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://|^//)[^\s/?#<>\"'\\]*@")


def redact(text: str) -> str:
    """``text`` with the user information of every URL in it replaced by ``***``:
    ``https://user:token@host/x`` becomes ``https://***@host/x``."""
    if "@" not in text or "//" not in text:
        return text
    return _USERINFO.sub(r"\1***@", text)


#: ``exclude:`` patterns longer than this are refused; URLs are at most ``MAX_URL_LENGTH``
MAX_PATTERN_LENGTH = 512


def exclude_problem(pattern: str) -> str | None:
    """What is wrong with an ``exclude`` regular expression, or None.

    Patterns run against every URL of a run, so one that can take exponential time is
    refused: a repeat inside a repeat (``(a+)+``, ``(x*y?)*``) is the shape of
    catastrophic backtracking; with that shape refused and URLs capped at
    ``MAX_URL_LENGTH`` characters, each match is bounded.
    """
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"pattern longer than {MAX_PATTERN_LENGTH} characters"
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"not a regular expression: {exc}"
    except (RecursionError, OverflowError):
        return "not a regular expression: too complex"
    import importlib

    parser: Any = importlib.import_module("re._parser")
    constants: Any = importlib.import_module("re._constants")
    repeats = {constants.MAX_REPEAT, constants.MIN_REPEAT, constants.POSSESSIVE_REPEAT}

    def inner(op: Any, arg: Any) -> list[Any]:
        """The subpatterns of a group, an alternation or a look-around."""
        if op == constants.SUBPATTERN:
            return [arg[-1]]
        if op == constants.BRANCH:
            return list(arg[1])
        if op in (constants.ASSERT, constants.ASSERT_NOT):
            return [arg[1]]
        return []

    def nested(items: Any, inside: bool) -> bool:
        for op, arg in items:
            if op in repeats:
                _low, high, sub = arg
                unbounded = high is constants.MAXREPEAT or high > 1
                if (unbounded and inside) or nested(sub, inside or unbounded):
                    return True
            elif any(nested(sub, inside) for sub in inner(op, arg)):
                return True
        return False

    if nested(parser.parse(pattern), False):
        return "a repeat inside a repeat (like (a+)+) can take exponential time; rewrite it"
    return None


def _host_problem(netloc: str, host: str, port: int | None) -> UrlProblem | None:
    if not host:
        return _problem(URL_INVALID, "URL has no host")
    if "@" in netloc:
        return _problem(
            URL_CREDENTIALS,
            "URL carries credentials (user information before the host): remove them, "
            "and revoke them, since the source publishes them",
        )
    if host.startswith("[") or ":" in host:
        return None  # an IPv6 literal; urlsplit validated the brackets
    labels = host.rstrip(".").split(".")
    for label in labels:
        if not label or len(label) > 63:
            return _problem(URL_INVALID, f"host {host!r} is not a valid name")
        if not _HOST_LABEL.fullmatch(label) and not _idna_ok(label):
            return _problem(URL_INVALID, f"host {host!r} is not a valid name")
    if port == 0:
        return _problem(URL_INVALID, "port 0 is not a valid port")
    return None


def _idna_ok(label: str) -> bool:
    if label.isascii():
        return False
    try:
        label.encode("idna")
    except UnicodeError:
        return False
    return True


def _analyse_figma(url: str, text: str, scheme: str, host: str, depth: int) -> UrlAnalysis:
    parts = urlsplit(text)
    segments = [s for s in parts.path.split("/") if s]
    problems: list[UrlProblem] = []
    if host not in FIGMA_FILE_HOSTS:
        # help.figma.com, forum.figma.com, developers.figma.com ...: ordinary web pages
        return UrlAnalysis(url, UrlKind.FIGMA_PAGE)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if host != "embed.figma.com" and segments[:1] == ["embed"]:
        return _analyse_embed(url, query, depth, scheme)
    if not segments or segments[0].startswith("@") or segments[0] in PAGE_SEGMENTS:
        return UrlAnalysis(url, UrlKind.FIGMA_PAGE)
    kind = segments[0].lower()
    if len(segments) < 2:
        return UrlAnalysis(url, UrlKind.FIGMA_PAGE)
    key = segments[1]
    if kind not in FILE_KINDS:
        if not FILE_KEY.fullmatch(key) or not _KIND_WORD.fullmatch(kind):
            return UrlAnalysis(url, UrlKind.FIGMA_PAGE)
        problems.append(
            _problem(
                FIGMA_UNKNOWN_KIND,
                f"unknown Figma link kind {kind!r}; expected one of "
                + ", ".join(sorted(FILE_KINDS)),
            )
        )
    if scheme != "https":
        problems.append(_problem(FIGMA_HTTPS, "Figma links must use https://"))
    if not FILE_KEY.fullmatch(key):
        problems.append(
            _problem(
                FIGMA_FILE_KEY,
                f"file key {unquote(key)!r} is malformed; expected 22 to 128 letters and digits",
            )
        )
    branch_key: str | None = None
    if len(segments) >= 4 and segments[2] == "branch":
        branch_key = segments[3]
        if not FILE_KEY.fullmatch(branch_key):
            problems.append(
                _problem(
                    FIGMA_FILE_KEY,
                    f"branch key {unquote(branch_key)!r} is malformed; "
                    "expected 22 to 128 letters and digits",
                )
            )
    elif len(segments) == 3 and segments[2] == "branch":
        problems.append(_problem(FIGMA_FILE_KEY, "branch link without a branch key"))
    node_values = [value for name, value in query if name == "node-id"]
    version_values = [value for name, value in query if name == "version-id"]
    node_id: str | None = None
    if len(node_values) > 1:
        problems.append(
            _problem(
                FIGMA_NODE_ID_REPEATED,
                f"node-id given {len(node_values)} times; a link names exactly one node",
            )
        )
    elif not node_values:
        problems.append(
            _problem(FIGMA_NODE_ID_MISSING, "node-id missing; expected ?node-id=A-B (or A:B)")
        )
    else:
        node_id, node_problem = _node_id_problem(node_values[0])
        if node_problem is not None:
            problems.append(node_problem)
    version_id = version_values[0].strip() if version_values else None
    if version_id is not None and not _VERSION_ID.fullmatch(version_id):
        problems.append(_problem(FIGMA_VERSION_ID, f"version-id {version_id!r} is not a number"))
        version_id = None
    ref = FigmaRef(kind, key, node_id, branch_key, version_id)
    return UrlAnalysis(url, UrlKind.FIGMA_FILE, ref, tuple(problems))


def _analyse_embed(url: str, query: list[tuple[str, str]], depth: int, scheme: str) -> UrlAnalysis:
    inner = [value for name, value in query if name == "url"]
    if not inner:
        return UrlAnalysis(
            url,
            UrlKind.INVALID,
            problems=(_problem(FIGMA_EMBED, "Figma embed link without a url= parameter"),),
        )
    if depth >= _MAX_EMBED_DEPTH:
        return UrlAnalysis(
            url,
            UrlKind.INVALID,
            problems=(_problem(FIGMA_EMBED, "Figma embed links nested too deeply"),),
        )
    nested = _analyse(inner[0], depth + 1)
    problems = list(nested.problems)
    if scheme != "https":
        problems.insert(0, _problem(FIGMA_HTTPS, "Figma links must use https://"))
    if nested.kind is not UrlKind.FIGMA_FILE:
        problems.append(
            _problem(FIGMA_EMBED, "the url= of this Figma embed is not a Figma file link")
        )
        return UrlAnalysis(url, UrlKind.INVALID, problems=tuple(problems))
    return UrlAnalysis(url, UrlKind.FIGMA_FILE, nested.figma, tuple(problems))
