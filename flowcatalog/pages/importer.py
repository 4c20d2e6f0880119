"""A catalog from an existing page: ``flowcatalog import PAGE`` (pure; the CLI reads the page).

How the page is read:

- **Stages** are the headings right below the deepest heading that holds every Figma flow
  link of the page (outside "Future iterations"): on the seed page, the ``###`` headings
  under "Current processes". The title is the first heading of that path.
- **Deployments** come from link labels: within a stage, labels that share a suffix ("SaaS
  subscription purchase", "Self-managed subscription purchase") differ by a deployment name
  ("SaaS", "Self-managed"). Names can also be given (``--deployment``).
- **Flows**: a label that starts with a deployment's name is that deployment's flow; another
  label in a stage with several links is an extra flow (renewal's "Emails"); the single link
  of a stage whose label names no deployment covers every deployment (Cancelation).
- **Future iterations**: the items of the list under a heading "Future iterations", empty
  items included.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from flowcatalog.model import Link
from flowcatalog.pages.doc import PageDoc

FUTURE_HEADING = "future iterations"
SCHEMA_COMMENT = "# yaml-language-server: $schema=flowcatalog/catalog.schema.json"


@dataclass(slots=True)
class _Flow:
    name: str
    deployments: list[str]
    links: list[str]
    extra: bool = False
    placeholder: str | None = None


@dataclass(slots=True)
class _Stage:
    name: str
    flows: list[_Flow] = field(default_factory=list)
    not_applicable: list[tuple[str, str]] = field(default_factory=list)


def slug(name: str) -> str:
    """An id from a display name: ``Additional seat purchase`` -> ``additional-seat-purchase``."""
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-") or "x"


def _common_prefix(contexts: Sequence[tuple[str, ...]]) -> tuple[str, ...]:
    prefix: tuple[str, ...] = contexts[0]
    for context in contexts[1:]:
        n = 0
        while n < min(len(prefix), len(context)) and prefix[n] == context[n]:
            n += 1
        prefix = prefix[:n]
    return prefix


def _is_future(context: tuple[str, ...]) -> bool:
    return any(heading.casefold() == FUTURE_HEADING for heading in context)


def infer_deployments(labels_by_stage: Sequence[Sequence[str]]) -> list[str]:
    """Deployment names: what differs before a shared suffix of the labels of one stage."""
    found: dict[str, None] = {}
    for labels in labels_by_stage:
        if len(labels) < 2:
            continue
        for i, left in enumerate(labels):
            for right in labels[i + 1 :]:
                a, b = left.split(), right.split()
                n = 0
                while n < min(len(a), len(b)) - 1 and a[-1 - n] == b[-1 - n]:
                    n += 1
                if n == 0:
                    continue
                found.setdefault(" ".join(a[: len(a) - n]), None)
                found.setdefault(" ".join(b[: len(b) - n]), None)
    return list(found)


def _deployment_of(label: str, deployments: Sequence[str]) -> str | None:
    for name in sorted(deployments, key=len, reverse=True):
        if label.casefold() == name.casefold() or label.casefold().startswith(
            name.casefold() + " "
        ):
            return name
    return None


def import_page(doc: PageDoc, deployments: Sequence[str] = ()) -> str:
    """The catalog.yaml text for the lifecycle sections of ``doc``."""
    flow_links = [
        link
        for link in doc.links
        if not _is_future(link.context) and link.figma is not None and link.context
    ]
    prefix = _common_prefix([link.context for link in flow_links]) if flow_links else ()
    depth = len(prefix)
    stages: dict[str, _Stage] = {}
    for heading in doc.headings:  # every sibling heading of the stages is a stage too
        if flow_links and heading.path[:-1] == prefix and not _is_future(heading.path):
            stages.setdefault(heading.text, _Stage(heading.text))
    grouped: dict[str, list[Link]] = {}
    for link in flow_links:
        name = link.context[depth] if len(link.context) > depth else link.context[-1]
        stages.setdefault(name, _Stage(name))
        grouped.setdefault(name, []).append(link)
    unlinked = _unlinked_items(doc, prefix, stages)
    labels = {name: [_base_label(link.text) for link in links] for name, links in grouped.items()}
    for stage_name, kind, label, _ in unlinked:
        if kind == "placeholder":
            labels.setdefault(stage_name, []).append(label)
    names = list(deployments) or infer_deployments(list(labels.values()))
    for _, kind, label, _ in unlinked:
        if kind == "not-applicable" and _deployment_of(label, names) is None:
            names.append(label)
    names = names or ["All deployments"]
    for stage_name, links in grouped.items():
        stage = stages[stage_name]
        stage_labels = {_base_label(link.text) for link in links}
        for link in links:
            label = _base_label(link.text)
            existing = next((f for f in stage.flows if f.name == label), None)
            if existing is not None:
                existing.links.append(link.url)
                continue
            deployment = _deployment_of(label, names)
            if deployment is not None:
                stage.flows.append(_Flow(label, [slug(deployment)], [link.url]))
            elif len(stage_labels) == 1:
                stage.flows.append(_Flow(label, [slug(n) for n in names], [link.url]))
            else:
                stage.flows.append(_Flow(label, [], [link.url], extra=True))
    for stage_name, kind, label, text in unlinked:
        stage = stages[stage_name]
        deployment = _deployment_of(label, names)
        if kind == "not-applicable":
            stage.not_applicable.append((slug(deployment or label), text))
        else:
            deps = [slug(deployment)] if deployment else [slug(n) for n in names]
            stage.flows.append(_Flow(label, deps, [], placeholder=text))
    title = prefix[0] if prefix else (doc.headings[0].text if doc.headings else "")
    future = _future_iterations(doc)
    return _to_yaml(doc.path, title, names, list(stages.values()), future)


_NUMBERED = re.compile(r"(?P<name>.+) \((?P<n>\d+)\)")
_NOT_APPLICABLE = re.compile(r"(?P<name>.+?): not applicable \((?P<reason>.*)\)")
_PLACEHOLDER = re.compile(r"(?P<name>.+?): (?P<text>.+)")


def _base_label(label: str) -> str:
    """``Emails (2)``, the second link of a flow as ``render`` writes it, names ``Emails``."""
    numbered = _NUMBERED.fullmatch(label)
    return numbered.group("name") if numbered else label


def _unlinked_items(
    doc: PageDoc, prefix: tuple[str, ...], stages: dict[str, _Stage]
) -> list[tuple[str, str, str, str]]:
    """Items of a stage without links, as ``render`` writes them: a not-applicable cell
    (``SaaS: not applicable (reason)``) or a placeholder flow (``Name: _coming soon_``).
    Returns ``(stage, kind, name, text)`` with kind ``not-applicable`` or ``placeholder``."""
    depth = len(prefix)
    linked_lines = {link.location.line for link in doc.links}
    found = []
    for item in doc.items:
        if item.context[:depth] != prefix or len(item.context) <= depth:
            continue
        stage = item.context[depth]
        if stage not in stages or item.location.line in linked_lines or not item.text:
            continue
        na = _NOT_APPLICABLE.fullmatch(item.text)
        if na is not None:
            found.append((stage, "not-applicable", na.group("name"), na.group("reason")))
            continue
        placeholder = _PLACEHOLDER.fullmatch(item.text)
        if placeholder is not None:
            found.append(
                (stage, "placeholder", placeholder.group("name"), placeholder.group("text"))
            )
    return found


def _future_iterations(doc: PageDoc) -> list[tuple[str, list[str]]]:
    items = []
    for item in doc.items:
        if not item.context or item.context[-1].casefold() != FUTURE_HEADING:
            continue
        line = item.location.line
        links = [
            link.url
            for link in doc.links
            if link.location.line == line and link.context == item.context
        ]
        items.append((item.text, links))
    return items


def _quote(value: str) -> str:
    """A YAML scalar: plain when safe, double-quoted otherwise."""
    if (
        value
        and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 _.,()/'-]*", value)
        and (
            value.strip() == value
            and value.casefold() not in {"yes", "no", "true", "false", "null"}
        )
    ):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _url(value: str) -> str:
    if re.fullmatch(r"https?://[^\s#'\"]+", value) and not value.endswith(":"):
        return value
    return _quote(value)


def _to_yaml(
    path: str,
    title: str,
    deployments: Sequence[str],
    stages: Sequence[_Stage],
    future: Sequence[tuple[str, list[str]]],
) -> str:
    out = [SCHEMA_COMMENT, "version: 1", f"title: {_quote(title)}", "", "pages:"]
    out.append(f"  - path: {_quote(path)}")
    out += ["", "deployments:"]
    for name in deployments:
        out += [f"  - id: {slug(name)}", f"    name: {_quote(name)}"]
    out += ["", "stages:"]
    for stage in stages:
        out += [f"  - id: {slug(stage.name)}", f"    name: {_quote(stage.name)}"]
        for key, extra in (("flows", False), ("extra_flows", True)):
            flows = [f for f in stage.flows if f.extra is extra]
            if not flows:
                continue
            out.append(f"    {key}:")
            for flow in flows:
                out.append(f"      - name: {_quote(flow.name)}")
                if not extra:
                    out.append(f"        deployments: [{', '.join(flow.deployments)}]")
                if flow.placeholder is not None:
                    out.append(f"        placeholder: {_quote(flow.placeholder)}")
                if flow.links or flow.placeholder is None:
                    out.append("        links:")
                    out += [f"          - {_url(url)}" for url in flow.links]
        if stage.not_applicable:
            out.append("    not_applicable:")
            out += [f"      {dep}: {_quote(reason)}" for dep, reason in stage.not_applicable]
    if future:
        out += ["", "future_iterations:"]
        for title_text, links in future:
            out.append(f"  - title: {_quote(title_text)}")
            if links:
                out.append("    links:")
                out += [f"      - {_url(url)}" for url in links]
    return "\n".join(out) + "\n"
