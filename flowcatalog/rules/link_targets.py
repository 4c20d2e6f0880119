"""Malformed link targets on pages: a misspelt scheme, a domain without a scheme, a target
glued to sentence punctuation or to another URL, an address without ``mailto:``, a
placeholder where the URL should be. Each would otherwise be taken for a relative link.

Pure: ``target_problem(url)`` says what is wrong with one target (None when nothing);
``malformed_targets(doc)`` turns a page's links into findings.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from flowcatalog.findings import Finding, Rule, Severity
from flowcatalog.model import LinkKind
from flowcatalog.pages.doc import PageDoc

PAGE_LINK_SCHEME = Rule(
    "page-link-scheme",
    Severity.ERROR,
    "a link target with an unknown or misspelt scheme (`hhttps://`, `htps://`, `https//`)",
    "pages",
)
PAGE_LINK_NO_SCHEME = Rule(
    "page-link-no-scheme",
    Severity.ERROR,
    "a link target that is a domain without `https://`, so it is read as a relative path",
    "pages",
)
PAGE_LINK_TARGET_MALFORMED = Rule(
    "page-link-target-malformed",
    Severity.ERROR,
    "a link target with doubled parentheses, glued punctuation or URL, or an address "
    "without `mailto:`",
    "pages",
)
PAGE_LINK_PLACEHOLDER_TARGET = Rule(
    "page-link-placeholder-target",
    Severity.ERROR,
    "a link whose target is a placeholder (`url`, `link`, `TODO`, `FIXME`, ...)",
    "pages",
)
RULES = (
    PAGE_LINK_SCHEME,
    PAGE_LINK_NO_SCHEME,
    PAGE_LINK_TARGET_MALFORMED,
    PAGE_LINK_PLACEHOLDER_TARGET,
)

#: schemes a handbook page links with on purpose (anything else that is close to http(s),
#: or is followed by ``//``, is a typo)
KNOWN_SCHEMES = frozenset(
    {
        "http",
        "https",
        "mailto",
        "tel",
        "sms",
        "ftp",
        "ftps",
        "sftp",
        "ssh",
        "git",
        "svn",
        "irc",
        "ircs",
        "file",
        "data",
        "javascript",
        "slack",
        "zoommtg",
        "zoomus",
        "vscode",
        "vscode-insiders",
        "jetbrains",
        "idea",
        "webcal",
        "callto",
        "skype",
        "msteams",
        "spotify",
        "steam",
        "chrome",
        "about",
        "x-apple-data-detectors",
        "obsidian",
        "notion",
        "figma",
        "market",
        "itms-apps",
        "geo",
        "magnet",
        "news",
        "urn",
        "doi",
    }
)
#: top-level domains that are not also file extensions a relative link may end in
_TLDS = (
    "com|org|net|io|dev|app|co|ai|edu|gov|us|uk|de|fr|nl|jp|ca|au|me|tv|ly|gg|xyz|"
    "info|biz|cloud|tech|site|eu|ch|se|no|fi|dk|es|it|pl|br|mx|ru|cn|kr|tw|nz|ie|be|at|cz|"
    "sg|hk|ph|za|il|ventures|studio|team|website|online|store"
)
_DOMAIN = re.compile(
    r"(?:www\.[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+|(?:[A-Za-z0-9-]+\.)+(?:"
    + _TLDS
    + r"))(?:[/?#:]|$)",
    re.IGNORECASE,
)
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]{0,30}):")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_HANDLE = re.compile(r"@[\w.-]+")
_PLACEHOLDERS = frozenset(
    {
        "url",
        "link",
        "todo",
        "tbd",
        "fixme",
        "xxx",
        "placeholder",
        "insert-link",
        "insert link",
        "link-here",
        "add-link",
        "tk",
        "<url>",
        "<link>",
        "your-link-here",
        "link-to-come",
    }
)


@dataclass(frozen=True, slots=True)
class TargetProblem:
    rule: Rule
    message: str


@functools.lru_cache(maxsize=65536)
def target_problem(url: str) -> TargetProblem | None:
    """What is wrong with a link target as written, or None (also for a fine relative link);
    remembered, since pages cite the same targets many times."""
    target = url.strip()
    if not target or target == "#":
        return None
    if target.lower() in _PLACEHOLDERS:
        return TargetProblem(
            PAGE_LINK_PLACEHOLDER_TARGET,
            f"link target {target!r} is a placeholder; put the real URL there",
        )
    if target.startswith("(") and target.endswith(")"):
        return TargetProblem(
            PAGE_LINK_TARGET_MALFORMED,
            f"link target {target!r} is in doubled parentheses; keep one pair: ({target[1:-1]})",
        )
    scheme = _SCHEME.match(target)
    if scheme is not None:
        return _scheme_problem(target, scheme.group(1))
    misspelt = re.match(r"(h?t?t?p?s?)//", target, re.IGNORECASE)
    if misspelt and misspelt.group(1):
        rest = target[misspelt.end() :]
        return TargetProblem(
            PAGE_LINK_SCHEME,
            f"link target {target!r} lacks the ':' of its scheme; write https://{rest}",
        )
    if target.startswith("//"):
        return None  # protocol-relative
    if _EMAIL.fullmatch(target):
        return TargetProblem(
            PAGE_LINK_TARGET_MALFORMED,
            f"link target {target!r} is an e-mail address; write mailto:{target}",
        )
    if _HANDLE.fullmatch(target):
        return TargetProblem(
            PAGE_LINK_TARGET_MALFORMED,
            f"link target {target!r} is a handle, not a URL; link to the profile page",
        )
    glued = re.search(r"https?://", target, re.IGNORECASE)
    if glued is not None:
        return TargetProblem(
            PAGE_LINK_TARGET_MALFORMED,
            f"an absolute URL is glued into the path {target!r}; link to "
            f"{target[glued.start() :]} alone",
        )
    if _DOMAIN.match(target):
        return TargetProblem(
            PAGE_LINK_NO_SCHEME,
            f"link target {target!r} has no scheme and is read as a relative path; "
            f"write https://{target}",
        )
    return _trailing(target)


def _scheme_problem(target: str, scheme: str) -> TargetProblem | None:
    lowered = scheme.lower()
    rest = target[len(scheme) + 1 :]
    if lowered in ("http", "https"):
        if not rest.startswith("//"):
            return TargetProblem(
                PAGE_LINK_SCHEME,
                f"link target {target!r} needs '//' after '{scheme}:'; write "
                f"{lowered}://{rest.lstrip('/')}",
            )
        return _trailing(target)
    if lowered in KNOWN_SCHEMES or lowered.startswith("x-"):
        return None
    close = difflib.get_close_matches(lowered, ("https", "http"), n=1, cutoff=0.6)
    if close or rest.startswith("//"):
        fixed = (close[0] if close else "https") + "://" + rest.lstrip("/")
        return TargetProblem(
            PAGE_LINK_SCHEME,
            f"link target {target!r} has an unknown scheme {scheme!r}; write {fixed}",
        )
    return None


def _trailing(target: str) -> TargetProblem | None:
    """Sentence punctuation glued to the end of a target (``page.html.``, ``/x/,``); an
    absolute URL may end in a full stop (``/wiki/Apple_Inc.``) unless a file name or a
    slash comes before it."""
    last = target[-1]
    if "#" in target:
        return None  # a fragment: the anchor check names the right one
    if last not in ".,;:!" or target.endswith(("..", "/.")) or target in (".",):
        return None
    if not (target[-2:-1].isalnum() or target[-2:-1] == "/"):
        return None
    absolute = "://" in target
    if absolute and last in ".:" and not re.search(r"(?:/|\.(?:html?|md|pdf))[.:]$", target):
        return None
    return TargetProblem(
        PAGE_LINK_TARGET_MALFORMED,
        f"link target {target!r} ends with {last!r} from the sentence; write {target[:-1]}",
    )


def malformed_targets(doc: PageDoc) -> Iterator[Finding]:
    """Each link written as a link (not a bare URL or a template's) whose target is malformed.

    PASS::

        [handbook](https://about.example.com/handbook/) [values](../values.md#trust)

    FAIL::

        [handbook](hhttps://about.example.com) [project](gitlab.com/group/project)
        [page](https://example.com/page.html.) [Jane](jane@example.com) [webcast](url)
    """
    for link in doc.links:
        if link.kind in (LinkKind.BARE, LinkKind.TEMPLATE):
            continue
        problem = target_problem(link.url)
        if problem is not None:
            yield problem.rule.finding(
                problem.message,
                link.location,
                url=link.url,
                subject=link.url,
                link=link.normalised,
            )
