"""Compact JSON text of the report's long lists (findings and links), written directly.

``json.dumps`` on a report of 20,000 findings spent most of its time before and around the C
encoder: building a dict per finding and several dicts and lists per link, which the encoder
then turns back into a list of items each, while the garbage collector walks them all. The
compact JSON formats (``json``, ``codequality``, ``sarif``) therefore write their per-finding
and per-link objects as text here, in the order and with the keys of the dicts their
``--pretty`` variant (and the contract, ``reporters.contract``) builds.

The text is exactly what ``json.dumps(value, ensure_ascii=False, separators=(",", ":"))``
writes: strings go through ``json.encoder.encode_basestring``, the very C function that call
uses for them; integers are written by ``int.__repr__`` as it does; ``None``, ``True`` and
``False`` are ``null``, ``true`` and ``false``. The tests compare each format's compact
output with ``json.dumps`` of its dicts, on reports with hostile text, so the two cannot part.
"""

from __future__ import annotations

from collections.abc import Iterable
from json.encoder import encode_basestring
from typing import TYPE_CHECKING

from flowcatalog.findings import Finding, Severity

if TYPE_CHECKING:  # (the views module costs a run that writes JSON a tenth of its render)
    from flowcatalog.model import FigmaRef, Link
    from flowcatalog.report import FigmaDetails, LinkGroup, ReportContext
    from flowcatalog.views import NodeView

#: the JSON text of a string (quoted and escaped, UTF-8 kept as is)
string = encode_basestring

SEVERITIES = {severity: string(severity.value) for severity in Severity}


class Texts(dict[str | int | tuple[str, ...] | None, str]):
    """The JSON text of strings, integers, lists of strings (as tuples) and ``None`` met
    before in one rendering.

    Paths, line and column numbers, rule ids, file keys and heading paths repeat across
    findings and links, and a link's URL is written up to four times (a finding's ``url``,
    ``subject`` and ``link``, the link's ``url`` and ``normalised``), so a lookup here is
    cheaper than encoding again. Unique text (a message) is better encoded directly. Never
    give it a ``bool``: ``True == 1``, so the two would share an entry.
    """

    def __init__(self) -> None:
        super().__init__({None: "null"})

    def __missing__(self, key: str | int | tuple[str, ...] | None) -> str:
        if isinstance(key, str):
            value = string(key)
        elif isinstance(key, tuple):
            value = "[" + ",".join(map(string, key)) + "]"
        else:  # an int: None is there from the start
            value = repr(key)
        self[key] = value
        return value


def optional(value: str | None) -> str:
    """A string, or ``null``."""
    return "null" if value is None else string(value)


def string_list(values: Iterable[str]) -> str:
    return "[" + ",".join(map(string, values)) + "]"


def findings(items: Iterable[Finding], texts: Texts, out: list[str]) -> None:
    """Append the ``findings`` array of the JSON report (each a ``FindingDict``) to ``out``,
    a piece per finding (see ``links``)."""
    severities = SEVERITIES
    append = out.append
    append("[")
    comma = ""
    for finding in items:
        where = finding.location
        append(
            f'{comma}{{"rule":{texts[finding.rule]},"severity":{severities[finding.severity]},'
            f'"message":{string(finding.message)},"path":{texts[where.path]},'
            f'"line":{texts[where.line]},"column":{texts[where.column]},'
            f'"url":{texts[finding.url]},"subject":{texts[finding.subject]},'
            f'"link":{texts[finding.link]}}}'
        )
        comma = ","
    append("]")


def _occurrence(link: Link, texts: Texts) -> str:
    where = link.location
    return (
        f'{{"path":{texts[where.path]},"line":{texts[where.line]},'
        f'"column":{texts[where.column]},"text":{string(link.text)},'
        f'"context":{texts[link.context]}}}'
    )


def _figma(ref: FigmaRef, texts: Texts) -> str:
    return (
        f'{{"kind":{texts[ref.kind]},"file_key":{texts[ref.file_key]},'
        f'"branch_key":{texts[ref.branch_key]},"node_id":{optional(ref.node_id)},'
        f'"version_id":{texts[ref.version_id]}}}'
    )


def _details(details: FigmaDetails, texts: Texts) -> str:
    return (
        f'{{"file_name":{texts[details.file_name]},'
        f'"last_modified":{texts[details.last_modified]},"version":{texts[details.version]},'
        f'"node_name":{optional(details.node_name)},"node_type":{texts[details.node_type]}}}'
    )


def _node(view: NodeView, texts: Texts) -> str:
    thumbnail = view.thumbnail.path if view.thumbnail is not None else None
    return (
        f'{{"node_name":{optional(view.node_name)},"node_type":{texts[view.node_type]},'
        f'"file_name":{texts[view.file_name]},"file_version":{texts[view.file_version]},'
        f'"last_modified":{texts[view.last_modified]},"thumbnail":{optional(thumbnail)}}}'
    )


def links(
    items: Iterable[LinkGroup], context: ReportContext | None, texts: Texts, out: list[str]
) -> None:
    """Append the ``links`` array of the JSON report (each a ``LinkDict``; ``figma_node`` from
    ``context``, when given and it knows the node) to ``out``, a piece per link: the caller
    joins the whole document once, as every copy of a text of megabytes costs."""
    append = out.append
    append("[")
    comma = ""
    views = context is not None and bool(context.nodes)
    for link in items:
        occurrences = link.occurrences
        if occurrences:
            first = occurrences[0]
            url = first.url
            figma = first.figma
            locations = ",".join([_occurrence(occurrence, texts) for occurrence in occurrences])
        else:
            url = link.normalised
            figma = None
            locations = ""
        online = ""
        if link.status is not None:
            online = (
                f',"http_status":{texts[link.http_status]},'
                f'"final_url":{optional(link.final_url)},'
                f'"cached":{"true" if link.cached else "false"}'
            )
        if link.details is not None:
            online += f',"figma_details":{_details(link.details, texts)}'
        if views:
            view = context.view(figma)  # type: ignore[union-attr]
            if view is not None:
                online += f',"figma_node":{_node(view, texts)}'
        ref = "null" if figma is None else _figma(figma, texts)
        # a link's URL is mostly its own (met once): encoded here, not kept in ``texts``
        normalised = link.normalised
        url_text = string(url)
        normalised_text = url_text if normalised == url else string(normalised)
        append(
            f'{comma}{{"url":{url_text},"normalised":{normalised_text},'
            f'"locations":[{locations}],"figma":{ref},"status":{texts[link.status]}{online}}}'
        )
        comma = ","
    append("]")
