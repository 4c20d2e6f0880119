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
"""

from __future__ import annotations

import difflib

from flowcatalog.errors import InputError
from flowcatalog.model import Catalog, Flow, Stage

BEGIN = "<!-- flowcatalog:begin -->"
END = "<!-- flowcatalog:end -->"
FLOWS_HEADING = "UX flow documentation"


def find_region(data: bytes, path: str) -> tuple[int, int]:
    """Byte offsets of the region: just after the begin marker, and the end marker's start.

    A page with no markers, more than one of either, or the end before the begin is refused.
    """
    begin, end = BEGIN.encode(), END.encode()
    n_begin, n_end = data.count(begin), data.count(end)
    if n_begin == 0 and n_end == 0:
        raise InputError(f"no {BEGIN} ... {END} markers; nothing to render", location=path)
    if n_begin != 1 or n_end != 1:
        raise InputError(
            f"unbalanced markers: {n_begin} begin and {n_end} end; expected exactly one of each",
            location=path,
        )
    start = data.index(begin) + len(begin)
    stop = data.index(end)
    if stop < start:
        raise InputError(f"{END} comes before {BEGIN}", location=path)
    return start, stop


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
    if not flow.links:
        if flow.placeholder is not None:
            return [f"- {flow.name}: _{flow.placeholder or 'coming soon'}_"]
        return [f"- {flow.name}"]
    items = []
    for i, link in enumerate(flow.links):
        text = link.text or (flow.name if len(flow.links) == 1 else f"{flow.name} ({i + 1})")
        items.append(f"- [{text}]({link.url})")
    return items


def render_stage(stage: Stage, catalog: Catalog, level: int) -> list[str]:
    """The Markdown lines of one stage."""
    names = {d.id: d.name for d in catalog.deployments}
    lines = [f"{'#' * level} {stage.name}", ""]
    items: list[str] = []
    for flow in stage.flows:
        items.extend(_flow_items(flow, catalog))
    for na in stage.not_applicable:
        items.append(f"- {names.get(na.deployment, na.deployment)}: not applicable ({na.reason})")
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
