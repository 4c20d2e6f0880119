"""Parse and normalise link URLs, above all Figma file links.

Pure: no I/O. ``analyse(url)`` never raises; every defect comes back as a ``UrlProblem``.
Facts on the URL forms are in the README ("Figma link forms").
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from enum import StrEnum
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

    @property
    def normalised(self) -> str:
        """The form links are compared and listed by."""
        if self.figma is not None:
            return self.figma.canonical_url()
        return self.url.strip()


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
    if re.fullmatch(r"I?\d+-\d+(?:;\d+-\d+)*", value):
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


def _host_problem(netloc: str, host: str, port: int | None) -> UrlProblem | None:
    if not host:
        return _problem(URL_INVALID, "URL has no host")
    if "@" in netloc:
        return _problem(URL_INVALID, "URL carries user information before the host")
    if host.startswith("[") or ":" in host:
        return None  # an IPv6 literal; urlsplit validated the brackets
    labels = host.rstrip(".").split(".")
    for label in labels:
        if not label or len(label) > 63:
            return _problem(URL_INVALID, f"host {host!r} is not a valid name")
        if not re.fullmatch(r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?", label) and not _idna_ok(label):
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
        if not FILE_KEY.fullmatch(key) or not re.fullmatch(r"[a-z][a-z0-9_-]*", kind):
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
    if version_id is not None and not re.fullmatch(r"\d+", version_id):
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
