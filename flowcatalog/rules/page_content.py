"""Page rules: unfinished content on handbook pages, and drift between a page and the catalog.

Pure: ``page_findings(doc, placeholders)`` turns one parsed page (``PageDoc``) into findings
and ``drift(pages, catalog)`` compares pages with the catalog (``pipeline.pages`` runs both).
Each rule is one function below whose docstring gives a PASS and a FAIL example; ``RULES``
lists every rule id this module (and the page reader) can report, with its severity and a
one-line summary, for the registry in ``flowcatalog.rules``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from functools import lru_cache

from flowcatalog.findings import Finding, Rule, Severity
from flowcatalog.model import Catalog, Deployment, Flow, Link, LinkKind, Stage
from flowcatalog.pages.doc import (
    PAGE_BINARY,
    PAGE_COMMENT_UNTERMINATED,
    PAGE_ENCODING,
    PAGE_FRONT_MATTER_UNTERMINATED,
    PAGE_TEMPLATE_UNRENDERED,
    PAGE_TOO_LARGE,
    PAGE_UNPARSABLE,
    PageDoc,
    PageLinks,
    analyse_url,
)
from flowcatalog.rules.link_targets import malformed_targets
from flowcatalog.rules.placeholders import (
    PAGE_PLACEHOLDER,
    placeholder_keys,
    placeholder_pattern,
    placeholders_in,
)
from flowcatalog.urls import FIGMA_NODE_ID_MISSING

DEFAULT_PLACEHOLDERS = ("coming soon", "TODO", "TBD", "FIXME", "to be added")


PAGE_EMPTY_ITEM = Rule(
    "page-empty-item",
    Severity.WARNING,
    "a list item on a page with nothing in it (`1. ` alone)",
    "pages",
)
PAGE_EMPTY_SECTION = Rule(
    "page-empty-section",
    Severity.WARNING,
    "a heading with nothing under it before the next heading of the same or higher level",
    "pages",
)
PAGE_LINK_EMPTY_TEXT = Rule(
    "page-link-empty-text",
    Severity.ERROR,
    "a page link with no text, so readers cannot see it",
    "pages",
)
PAGE_LINK_EMPTY_TARGET = Rule(
    "page-link-empty-target",
    Severity.ERROR,
    "a page link whose target is empty",
    "pages",
)
PAGE_LINK_HASH_TARGET = Rule(
    "page-link-hash-target",
    Severity.INFO,
    "a page link whose target is just `#` (a dead link, or an example of one)",
    "pages",
)
PAGE_LINK_IMAGE_NO_ALT = Rule(
    "page-link-image-no-alt",
    Severity.WARNING,
    "a link showing only an image or icon without alt text: screen readers cannot name it",
    "pages",
)
PAGE_LINK_HIDDEN = Rule(
    "page-link-hidden",
    Severity.INFO,
    "a link inside an HTML comment: not a link of the rendered page",
    "pages",
)
PAGE_LINK_NOT_IN_CATALOG = Rule(
    "page-link-not-in-catalog",
    Severity.ERROR,
    "a Figma flow link on a page that the catalog lacks",
    "pages",
)
PAGE_LINK_MISSING = Rule(
    "page-link-missing",
    Severity.ERROR,
    "a catalog flow link missing from the page(s) that document the catalog",
    "pages",
)
PAGE_LINK_MISPLACED = Rule(
    "page-link-misplaced",
    Severity.ERROR,
    "a page link under another stage or deployment than the catalog gives it",
    "pages",
)
PAGE_NOT_FOUND = Rule(
    "page-not-found",
    Severity.ERROR,
    "a page listed under `pages:` in the catalog does not exist",
    "pages",
    unread=True,
)

#: every page rule, in the order of the README's checks table
PAGE_RULES: tuple[Rule, ...] = (
    PAGE_EMPTY_ITEM,
    PAGE_PLACEHOLDER,
    PAGE_EMPTY_SECTION,
    PAGE_LINK_EMPTY_TEXT,
    PAGE_LINK_EMPTY_TARGET,
    PAGE_LINK_HASH_TARGET,
    PAGE_LINK_IMAGE_NO_ALT,
    PAGE_LINK_HIDDEN,
    PAGE_LINK_NOT_IN_CATALOG,
    PAGE_LINK_MISSING,
    PAGE_LINK_MISPLACED,
    PAGE_NOT_FOUND,
    PAGE_ENCODING,
    PAGE_BINARY,
    PAGE_TOO_LARGE,
    PAGE_UNPARSABLE,
    PAGE_FRONT_MATTER_UNTERMINATED,
    PAGE_COMMENT_UNTERMINATED,
    PAGE_TEMPLATE_UNRENDERED,
)

#: every page rule, for the registry
RULES = PAGE_RULES


# --- unfinished content ---------------------------------------------------------------------


def empty_items(doc: PageDoc) -> Iterator[Finding]:
    """page-empty-item: a list item that renders nothing.

    PASS::

        1. [Updates to renewal customer messaging](https://gitlab.com/...)

    FAIL (the second item)::

        1. [Updates to renewal customer messaging](https://gitlab.com/...)
        1.
    """
    for item in doc.items:
        if item.empty:
            where = " > ".join(item.context[-1:]) or "the page"
            yield PAGE_EMPTY_ITEM.finding(
                f"empty list item under {where!r}; fill it in or remove it",
                item.location,
                subject=f"item:{' > '.join(item.context)}",
            )


#: a heading of at least this many words that ends a sentence is prose set in a heading's
#: type (an FAQ's answer, a note), not the title of a section still to be written
PROSE_HEADING_WORDS = 10


def _prose(heading: str) -> bool:
    text = heading.rstrip()
    return (
        text.endswith((".", "!"))
        and not text.endswith("..")
        and len(text.split()) >= PROSE_HEADING_WORDS
    )


def empty_sections(doc: PageDoc) -> Iterator[Finding]:
    """page-empty-section: a heading followed by nothing up to the next heading of the same or
    a higher level (a sub-heading counts as content; so does what a template tag, a
    component, an embed or an image renders). A heading that is itself a link is an entry of
    a navigation list, never an empty section; nor is one that is a sentence of prose (ten
    words or more, ending with a full stop: an FAQ's answer set as a heading).

    PASS::

        ## Renewal
        ### UX flow documentation
        - [SaaS subscription purchase](https://www.figma.com/design/...)

    FAIL::

        ## Renewal
        ## Cancelation
    """
    headings = doc.headings
    for i, heading in enumerate(headings):
        if heading.has_content or heading.entry or _prose(heading.text):
            continue
        following = headings[i + 1] if i + 1 < len(headings) else None
        if following is not None and following.level > heading.level:
            continue
        if following is not None and following.level == heading.level:
            message = (
                f"section {heading.text!r} is empty and {following.text!r} follows at the same "
                "level; nest the following headings one level down or remove the heading"
            )
        else:
            message = f"section {heading.text!r} is empty; write it or remove the heading"
        yield PAGE_EMPTY_SECTION.finding(
            message, heading.location, subject=f"section:{' > '.join(heading.path)}"
        )


def empty_links(doc: PageDoc) -> Iterator[Finding]:
    """page-link-empty-text, page-link-empty-target and page-link-image-no-alt.

    A link around an image has the image's alt text as its text; a link around an image
    without alt text is an accessibility finding of its own. An HTML anchor with no text
    that points into its own page (``<a class="anchor" href="#m3"></a>``) is a permalink
    icon drawn by the style sheet.

    PASS::

        [Emails](https://www.figma.com/design/KEY?node-id=202-27)
        <a href="https://example.com"><img src="logo.png" alt="Example"></a>

    FAIL::

        [](https://www.figma.com/design/KEY?node-id=202-27)
        [Emails]()
    """
    for link in doc.links:
        if link.kind in (LinkKind.BARE, LinkKind.TEMPLATE):
            continue
        if not link.url.strip():
            yield PAGE_LINK_EMPTY_TARGET.finding(
                f"link {link.text!r} has an empty target; give it a URL",
                link.location,
                subject=f"link:{link.text}",
            )
        elif link.url.strip() == "#":
            yield PAGE_LINK_HASH_TARGET.finding(
                f"link {link.text!r} points at '#' only; give it a URL",
                link.location,
                subject=f"link:{link.text}",
                link=link.normalised,
            )
        takes_text = link.kind in (LinkKind.INLINE, LinkKind.REFERENCE) or (
            link.kind is LinkKind.HTML and link.element == "a"
        )
        if not takes_text or link.text.strip():
            continue
        if link.has_image:
            yield PAGE_LINK_IMAGE_NO_ALT.finding(
                "link shows only an image or icon without a text alternative; add alt text "
                "or an aria-label naming the target",
                link.location,
                url=link.url or None,
                subject=f"image-link:{link.url}",
                link=link.normalised if link.url.strip() else None,
            )
        elif not (link.kind is LinkKind.HTML and link.url.startswith("#") and len(link.url) > 1):
            yield PAGE_LINK_EMPTY_TEXT.finding(
                "link has no text; readers cannot see or click it",
                link.location,
                url=link.url or None,
                subject=f"link:{link.url}",
                link=link.normalised if link.url.strip() else None,
            )


def hidden_links(doc: PageDoc) -> Iterator[Finding]:
    """page-link-hidden (info): a link inside an HTML comment is not on the rendered page.

    PASS::

        - [Emails](https://www.figma.com/design/KEY?node-id=202-27)

    FAIL (reported at info level)::

        <!-- - [Emails](https://www.figma.com/design/KEY?node-id=202-27) -->
    """
    for link in doc.hidden_links:
        yield PAGE_LINK_HIDDEN.finding(
            "link inside an HTML comment is not shown on the page",
            link.location,
            url=link.url,
            subject=link.url,
        )


def shape_findings(doc: PageDoc, *, flow_page: bool = False) -> Iterator[Finding]:
    """URL shape problems of a page's absolute links, with ``figma_url``'s rule ids.

    Relative links, in-page anchors and ``mailto:`` links have no shape to check; a
    protocol-relative link (``//host/path``) is checked as the https link it opens. A Figma
    file linked as a whole (a FigJam board, a template, a UI kit) is intentional on a general
    page: ``figma-node-id-missing`` is reported only on a page that documents the catalog's
    flows (``flow_page``).
    """
    for link in doc.links:
        if not _absolute(link.url):
            continue
        url = link.url.strip()
        analysed = analyse_url("https:" + url if url.startswith("//") else link.url)
        for problem in analysed.problems:
            if problem.rule is FIGMA_NODE_ID_MISSING and not flow_page:
                continue
            yield problem.finding(link.location, link.url, link=link.normalised)


def _absolute(url: str) -> bool:
    head = url.strip().lower()
    return head.startswith(("http://", "https://", "//")) or "figma.com/" in head


# --- drift ----------------------------------------------------------------------------------


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[-_/]+", " ", text.casefold()).split())


def _mentions(text: str, name: str) -> bool:
    needle = _norm(name)
    if not needle:
        return False
    return re.search(r"(?<!\w)" + re.escape(needle) + r"(?!\w)", _norm(text)) is not None


def judge_stage(context: Sequence[str], stages: Sequence[Stage]) -> Stage | None:
    """The stage a link stands under, from its heading path: the deepest heading equal to a
    stage's name (or id), else the deepest heading mentioning exactly one stage's name."""
    for heading in reversed(context):
        for stage in stages:
            if _norm(heading) in (_norm(stage.name), _norm(stage.id)):
                return stage
    for heading in reversed(context):
        found = [stage for stage in stages if _mentions(heading, stage.name)]
        if len(found) == 1:
            return found[0]
    return None


def judge_deployment(
    text: str, context: Sequence[str], deployments: Sequence[Deployment]
) -> Deployment | None:
    """The deployment a link is labelled for: named in its text, else in its nearest heading.
    None when no deployment, or more than one, is named."""
    for candidate in (text, *reversed(context)):
        found = [
            d for d in deployments if _mentions(candidate, d.name) or _mentions(candidate, d.id)
        ]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            return None
    return None


def _identity(link: Link) -> tuple[str, str | None] | str:
    """What drift compares links by: the Figma identity, else the normalised URL."""
    return link.figma.identity if link.figma is not None else link.normalised


def _documented(
    docs: Sequence[PageDoc | PageLinks], catalog: Catalog
) -> tuple[list[PageDoc | PageLinks], bool]:
    """The pages that document the catalog, and whether every page it lists is among them."""
    base = os.path.dirname(catalog.path)
    listed = {
        os.path.normcase(os.path.abspath(os.path.join(base, page.path)))
        for page in catalog.pages
        if page.path
    }
    if not listed:
        return list(docs), True
    documented = [d for d in docs if os.path.normcase(os.path.abspath(d.path)) in listed]
    seen = {os.path.normcase(os.path.abspath(d.path)) for d in documented}
    return documented, seen >= listed


def drift(docs: Sequence[PageDoc | PageLinks], catalog: Catalog) -> Iterator[Finding]:
    """page-link-not-in-catalog, page-link-missing and page-link-misplaced.

    Only the pages the catalog lists under ``pages:`` are compared (every page given, when
    it lists none); ``page-link-missing`` runs only when all of them are being checked.
    Links are compared by Figma identity (file key + node id), so ``138%3A97``, ``138:97``
    and ``138-97`` are one node and a changed title slug is not drift.

    PASS (catalog: Renewal / SaaS has node 96:59)::

        ### Renewal
        - [SaaS subscription purchase](https://www.figma.com/file/KEY/x?node-id=96-59)

    FAIL (page-link-misplaced, then page-link-not-in-catalog)::

        ### Trial
        - [SaaS subscription purchase](https://www.figma.com/file/KEY/x?node-id=96-59)
        - [Self-managed subscription purchase](https://www.figma.com/file/KEY/x?node-id=9-9)
    """
    documented, complete = _documented(docs, catalog)
    if not documented:
        return
    flows_by_identity: dict[tuple[str, str | None] | str, list[Flow]] = {}
    known: set[tuple[str, str | None] | str] = set()
    for flow in catalog.flows():
        for catalog_link in flow.links:
            if not catalog_link.url.strip():
                continue
            key = _identity(catalog_link)
            flows_by_identity.setdefault(key, []).append(flow)
            known.add(key)
    for item in catalog.future_iterations:
        for item_link in item.links:
            if item_link.url.strip():
                known.add(_identity(item_link))
    stages = {stage.id: stage for stage in catalog.stages}
    on_pages: set[tuple[str, str | None] | str] = set()
    for doc in documented:
        for link in doc.links:
            key = _identity(link)
            on_pages.add(key)
            if link.figma is None:
                continue
            if key not in known:
                yield PAGE_LINK_NOT_IN_CATALOG.finding(
                    f"Figma link to node {link.figma.node_id or '(none)'} of file "
                    f"{link.figma.api_key} is not in the catalog; add it to "
                    f"{os.path.basename(catalog.path)} or remove it from the page",
                    link.location,
                    url=link.url,
                    subject=link.url,
                    link=link.normalised,
                )
                continue
            flows = flows_by_identity.get(key)
            if flows:
                yield from _misplaced(link, flows, catalog, stages)
    if not complete:
        return
    page_names = ", ".join(d.path for d in documented)
    for flow in catalog.flows():
        for flow_link in flow.links:
            if not flow_link.url.strip():
                continue
            key = _identity(flow_link)
            if key in on_pages:
                continue
            stage = stages.get(flow.stage)
            yield PAGE_LINK_MISSING.finding(
                f"flow {flow.name!r} of stage {stage.name if stage else flow.stage!r} links "
                f"{_describe(flow_link.figma.node_id if flow_link.figma else None, flow_link.url)}"
                f" but {page_names} does not",
                flow_link.location,
                url=flow_link.url,
                subject=flow_link.url,
                link=flow_link.normalised,
            )


def _describe(node_id: str | None, url: str) -> str:
    return f"node {node_id}" if node_id else url


def _misplaced(
    link: Link, flows: Sequence[Flow], catalog: Catalog, stages: dict[str, Stage]
) -> Iterator[Finding]:
    stage = judge_stage(link.context, catalog.stages)
    expected_stages = [stages[f.stage] for f in flows if f.stage in stages]
    if stage is not None and all(stage.id != s.id for s in expected_stages):
        names = " or ".join(repr(s.name) for s in dict.fromkeys(expected_stages))
        yield PAGE_LINK_MISPLACED.finding(
            f"link {link.text!r} stands under stage {stage.name!r} but the catalog has it "
            f"under {names}",
            link.location,
            url=link.url,
            subject=link.url,
            link=link.normalised,
        )
        return
    deployment = judge_deployment(link.text, link.context, catalog.deployments)
    if deployment is None:
        return
    candidates = [f for f in flows if stage is None or f.stage == stage.id]
    covered = [f for f in candidates if f.deployments]
    if covered and all(deployment.id not in f.deployments for f in covered):
        dep_names = {d.id: d.name for d in catalog.deployments}
        expected = sorted({dep_names.get(d, d) for f in covered for d in f.deployments})
        yield PAGE_LINK_MISPLACED.finding(
            f"link {link.text!r} is labelled for {deployment.name!r} but the catalog has it "
            f"for {', '.join(repr(e) for e in expected)}",
            link.location,
            url=link.url,
            subject=link.url,
            link=link.normalised,
        )


# --- entry point ----------------------------------------------------------------------------


def resolve_placeholders(
    catalog: Catalog | None, placeholders: Sequence[str] | None = None
) -> Sequence[str]:
    """The placeholders given, else the catalog's, else ``DEFAULT_PLACEHOLDERS``."""
    if placeholders is not None:
        return placeholders
    if catalog is not None and catalog.placeholders:
        return catalog.placeholders
    return DEFAULT_PLACEHOLDERS


@lru_cache(maxsize=16)
def _compiled(placeholders: tuple[str, ...]) -> tuple[re.Pattern[str] | None, tuple[str, ...]]:
    return placeholder_pattern(placeholders), placeholder_keys(placeholders)


def run_keys(placeholders: Sequence[str]) -> tuple[str, ...]:
    """The keys a lean page (``page.read_page(run_keys=...)``) needs for ``page_findings``."""
    return _compiled(tuple(placeholders))[1]


def page_findings(
    doc: PageDoc,
    placeholders: Sequence[str],
    *,
    check_shapes: bool = True,
    flow_page: bool = False,
) -> list[Finding]:
    """One page's findings, drift aside: read problems, unfinished content, URL shapes
    (``flow_page``: the page documents the catalog's flows, see ``shape_findings``)."""
    pattern, keys = _compiled(tuple(placeholders))
    findings: list[Finding] = list(doc.problems)
    findings.extend(empty_items(doc))
    findings.extend(placeholders_in(doc, pattern, keys))
    findings.extend(empty_sections(doc))
    findings.extend(empty_links(doc))
    findings.extend(malformed_targets(doc))
    findings.extend(hidden_links(doc))
    if check_shapes:
        findings.extend(shape_findings(doc, flow_page=flow_page))
    return findings
