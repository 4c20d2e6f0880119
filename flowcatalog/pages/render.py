"""The page from the catalog: the lifecycle region between the markers, generated.

``render_page(data, catalog, path)`` is pure: it takes the page's bytes and returns the new
bytes. Only the bytes between ``<!-- flowcatalog:begin -->`` and ``<!-- flowcatalog:end -->``
change; everything else (line endings, trailing newline, BOM, other text) is kept byte for
byte. ``write_atomically`` is the one filesystem edge: a temporary file in the page's
directory, a check that the page did not change meanwhile, then ``os.replace``.

The generated Markdown, one block per stage, at one heading level below the last heading
before the begin marker::

    ### Trial

    #### UX flow documentation

    - [SaaS subscription purchase](https://www.figma.com/...)
    - [Self-managed subscription purchase](https://www.figma.com/...)

A stage with a single flow lists its link right under the stage heading, with the flow's
name as the link text. Placeholder flows and not-applicable cells get one item each.

Catalog text is data, never Markdown: names, labels, placeholders and reasons are put on
one line and escaped (``markdown_text``), so none can open a heading, a list, a link, HTML
or code; link targets are percent-encoded where a Markdown link target cannot hold a
character (``link_target``: a ``)`` in a title slug no longer ends the link). A catalog
whose text would put a marker in the region is refused with its catalog location. Markers
inside fenced or indented code are text, not markers.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

from flowcatalog.errors import InputError
from flowcatalog.model import Catalog, Flow, Location, Stage

BEGIN = "<!-- flowcatalog:begin -->"
END = "<!-- flowcatalog:end -->"
FLOWS_HEADING = "UX flow documentation"


def find_region(data: bytes, path: str) -> tuple[int, int]:
    """Byte offsets of the region: just after the begin marker, and the end marker's start.

    Markers inside code blocks are not markers. A page with no markers, more than one of
    either, or the end before the begin is refused.
    """
    begins, ends = _markers(data, BEGIN.encode()), _markers(data, END.encode())
    n_begin, n_end = len(begins), len(ends)
    if n_begin == 0 and n_end == 0:
        raise InputError(f"no {BEGIN} ... {END} markers; nothing to render", location=path)
    if n_begin != 1 or n_end != 1:
        raise InputError(
            f"unbalanced markers: {n_begin} begin and {n_end} end; expected exactly one of each",
            location=path,
        )
    start = begins[0] + len(BEGIN)
    stop = ends[0]
    if stop < start:
        raise InputError(f"{END} comes before {BEGIN}", location=path)
    return start, stop


def _markers(data: bytes, marker: bytes) -> list[int]:
    """Offsets of ``marker`` in ``data`` outside code blocks (fenced or indented)."""
    found = []
    at = data.find(marker)
    if at < 0:
        return []
    code = _code_ranges(data)
    while at >= 0:
        if not any(start <= at < end for start, end in code):
            found.append(at)
        at = data.find(marker, at + len(marker))
    return found


def _code_ranges(data: bytes) -> list[tuple[int, int]]:
    """Byte ranges of the page's code blocks, as the Markdown parser sees them."""
    import pyromark

    from flowcatalog.pages.markdown import _options

    text = data.decode("utf-8", "replace")
    if len(text.encode("utf-8")) != len(data):  # bad bytes: offsets would not match
        return []
    ranges = []
    for event, span in pyromark.events_with_range(text, options=_options()):
        if type(event) is dict and "Start" in event:
            tag = event["Start"]
            if (tag if type(tag) is str else next(iter(tag))) == "CodeBlock":
                ranges.append((int(span["start"]), int(span["end"])))
    return ranges


_SPACE = re.compile(r"\s+")
_INLINE = re.compile(r"([\\`*_\[\]<&|~])")
_LEADING = re.compile(r"^([#>+=-])|^(\d{1,9})([.)])")
_AUTOLINK = re.compile(r"(?i)\b(https?|ftp)://|\b(www)\.")
_TARGET_UNSAFE = re.compile(r"[\x00-\x20()<>\\\x7f]")


def markdown_text(text: str) -> str:
    """Catalog text as literal Markdown inline text on one line: white space (line breaks
    included) collapsed, every character that could start markup escaped."""
    flat = _SPACE.sub(" ", text).strip()
    escaped = _INLINE.sub(r"\\\1", flat)
    escaped = _LEADING.sub(
        lambda m: "\\" + m.group(1) if m.group(1) else m.group(2) + "\\" + m.group(3), escaped
    )
    # GFM's bare links (http://..., www....) would turn text into a link to another site
    escaped = _AUTOLINK.sub(lambda m: f"{m.group(1)}\\://" if m.group(1) else "www\\.", escaped)
    if escaped.endswith("#"):  # a heading's closing sequence would swallow it
        escaped = escaped[:-1] + "\\#"
    return escaped


def link_target(url: str) -> str:
    """A URL as a Markdown link target: what the target cannot hold percent-encoded."""
    return _TARGET_UNSAFE.sub(
        lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), url.strip()
    )


def _catalog_texts(catalog: Catalog) -> Iterator[tuple[str, Location]]:
    """Every piece of catalog text that render writes, with where it stands."""
    names = {d.id: (d.name, d.location) for d in catalog.deployments}
    for stage in catalog.stages:
        yield stage.name, stage.location
        for flow in stage.flows:
            yield flow.name, flow.location
            if flow.placeholder:
                yield flow.placeholder, flow.location
            for link in flow.links:
                yield link.text, link.location
                yield link.url, link.location
        for na in stage.not_applicable:
            yield na.reason, na.location
            if na.deployment in names:
                yield names[na.deployment]


def check_markers(catalog: Catalog) -> None:
    """Refuse a catalog whose text would put a marker into the region."""
    for text, where in _catalog_texts(catalog):
        for marker in (BEGIN, END):
            if marker in markdown_text(text) or marker in link_target(text):
                raise InputError(
                    f"catalog text holds the marker {marker}; rendering it would break the page",
                    location=str(where),
                )


def _newline(data: bytes, at: int) -> str:
    eol = data.find(b"\n", at)
    if eol > 0 and data[eol - 1 : eol] == b"\r":
        return "\r\n"
    return "\n"


def _stage_level(data: bytes, before: int) -> int:
    """One below the last heading above the begin marker (2 when there is none)."""
    from flowcatalog.pages.markdown import parse_markdown

    head = data[:before].decode("utf-8", "replace")
    headings = parse_markdown("page", head.removeprefix("\ufeff")).headings
    return min(6, headings[-1].level + 1) if headings else 2


def _flow_items(flow: Flow, catalog: Catalog) -> list[str]:
    name = markdown_text(flow.name)
    if not flow.links:
        if flow.placeholder is not None:
            return [f"- {name}: _{markdown_text(flow.placeholder or 'coming soon')}_"]
        return [f"- {name}"]
    items = []
    for i, link in enumerate(flow.links):
        text = markdown_text(link.text) if link.text.strip() else ""
        text = text or (name if len(flow.links) == 1 else f"{name} ({i + 1})")
        items.append(f"- [{text}]({link_target(link.url)})")
    return items


def render_stage(stage: Stage, catalog: Catalog, level: int) -> list[str]:
    """The Markdown lines of one stage."""
    names = {d.id: d.name for d in catalog.deployments}
    lines = [f"{'#' * level} {markdown_text(stage.name)}", ""]
    items: list[str] = []
    for flow in stage.flows:
        items.extend(_flow_items(flow, catalog))
    for na in stage.not_applicable:
        deployment = markdown_text(names.get(na.deployment, na.deployment))
        items.append(f"- {deployment}: not applicable ({markdown_text(na.reason)})")
    if len(stage.flows) == 1 and not stage.not_applicable:
        lines.extend(items)
    elif items:
        lines.extend([f"{'#' * min(6, level + 1)} {FLOWS_HEADING}", "", *items])
    else:
        lines.append("_coming soon_")
    return lines


def render_region(catalog: Catalog, level: int, newline: str = "\n") -> str:
    """The text that goes between the markers (it starts and ends with a line break)."""
    blocks = ["\n".join(render_stage(stage, catalog, level)) + "\n" for stage in catalog.stages]
    body = "\n\n".join(blocks)
    text = "\n" + body + "\n"
    return text.replace("\n", newline)


def render_page(data: bytes, catalog: Catalog, path: str) -> bytes:
    """The page's bytes with the region regenerated from the catalog."""
    check_markers(catalog)
    start, stop = find_region(data, path)
    region = render_region(catalog, _stage_level(data, start), _newline(data, start))
    return data[:start] + region.encode("utf-8") + data[stop:]


def unified_diff(old: bytes, new: bytes, path: str) -> str:
    """A unified diff of two versions of a page (for ``render --check``)."""
    a = old.decode("utf-8", "replace").splitlines(keepends=True)
    b = new.decode("utf-8", "replace").splitlines(keepends=True)
    lines = difflib.unified_diff(a, b, fromfile=f"{path} (on disk)", tofile=f"{path} (rendered)")
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def write_atomically(path: str, new: bytes, expected: bytes) -> None:
    """Replace the page with ``new`` atomically, only if it still holds ``expected`` (else the
    page is left untouched: someone changed it while we rendered)."""
    from flowcatalog.fsio import atomic_write

    atomic_write(
        path,
        new,
        expected=expected,
        conflict="page changed on disk while rendering; left untouched, run again",
    )
