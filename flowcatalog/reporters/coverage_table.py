"""The stage x deployment coverage matrix as a terminal table or a Markdown table."""

from __future__ import annotations

from collections.abc import Mapping

from flowcatalog.report import Cell, CellState, Coverage, Report

_MARKS = {
    CellState.DOCUMENTED: "documented",
    CellState.NOT_APPLICABLE: "n/a",
    CellState.PLACEHOLDER: "placeholder",
    CellState.MISSING: "MISSING",
}
_COLOURS = {
    CellState.DOCUMENTED: "32",
    CellState.NOT_APPLICABLE: "2",
    CellState.PLACEHOLDER: "33",
    CellState.MISSING: "31",
}


def cell_label(cell: Cell) -> str:
    """A short text label: the state, and for a flow shared by several deployments, a note."""
    label = _MARKS[cell.state]
    if cell.state is CellState.DOCUMENTED:
        n = len(cell.links)
        label += f" ({n} link{'s' if n != 1 else ''})"
    if cell.shared_with:
        label += " [shared with " + ", ".join(cell.shared_with) + "]"
    return label


def _names(coverage: Coverage) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    stages = list(coverage.stage_names) or [
        (s, s) for s in dict.fromkeys(c.stage for c in coverage.cells)
    ]
    deployments = list(coverage.deployment_names) or [
        (d, d) for d in dict.fromkeys(c.deployment for c in coverage.cells)
    ]
    return stages, deployments


def _totals(coverage: Coverage) -> str:
    text = (
        f"coverage {coverage.percent:.1f}% ({coverage.documented}/{coverage.total} cells documented"
    )
    if coverage.not_applicable:
        text += f", {coverage.not_applicable} not applicable"
    return text + ")"


def markdown_extra_flows(coverage: Coverage) -> str:
    """The extra flows as a Markdown list under a lead-in line ("" when there are none)."""
    lines = _extra_flows(coverage, markdown=True)
    if not lines:
        return ""
    return "Extra flows (outside the matrix):\n\n" + "".join(f"- {x}\n" for x in lines)


def _extra_flows(coverage: Coverage, *, markdown: bool = False) -> list[str]:
    """One line per flow outside the matrix: stage, name, and its links or placeholder."""
    stages = dict(coverage.stage_names)
    lines = []
    for flow in coverage.extra_flows:
        stage = stages.get(flow.stage, flow.stage)
        if flow.links:
            if markdown:
                what = ", ".join(
                    _md_link(_link_text(url, i), url) for i, url in enumerate(flow.links, start=1)
                )
            else:
                what = f"{len(flow.links)} link{'s' if len(flow.links) != 1 else ''}"
        elif flow.placeholder:
            what = f"placeholder ({flow.placeholder})"
        else:
            what = "no link"
        name = _md_escape(f"{stage}: {flow.name}") if markdown else f"{stage}: {flow.name}"
        lines.append(f"{name}: {what}")
    return lines


def _footnotes(coverage: Coverage) -> list[str]:
    notes = []
    for cell in coverage.cells:
        if cell.state is CellState.NOT_APPLICABLE and cell.reason:
            notes.append(f"{cell.stage} / {cell.deployment}: not applicable: {cell.reason}")
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for cell in coverage.cells:
        if cell.shared_with:
            key = (cell.stage, tuple(sorted((cell.deployment, *cell.shared_with))))
            if key in seen:
                continue
            seen.add(key)
            flows = ", ".join(repr(f) for f in cell.flows)
            notes.append(f"{cell.stage}: one flow ({flows}) covers " + ", ".join(key[1]))
    return notes


def render_text(report: Report, *, color: bool = False) -> str:
    coverage = report.coverage
    if coverage is None:
        return "no catalog: no coverage to report\n"
    stages, deployments = _names(coverage)
    header = ["stage", *(name for _, name in deployments)]
    rows: list[list[tuple[str, CellState | None]]] = []
    for stage_id, stage_name in stages:
        row: list[tuple[str, CellState | None]] = [(stage_name, None)]
        for dep_id, _ in deployments:
            cell = coverage.cell(stage_id, dep_id)
            row.append((cell_label(cell), cell.state) if cell else ("-", None))
        rows.append(row)
    widths = [len(h) for h in header]
    for row in rows:
        for i, (text, _) in enumerate(row):
            widths[i] = max(widths[i], len(text))
    out = ["  ".join(h.ljust(widths[i]) for i, h in enumerate(header)).rstrip()]
    out.append("  ".join("-" * w for w in widths))
    for row in rows:
        parts = []
        for i, (text, state) in enumerate(row):
            padded = text.ljust(widths[i])
            if color and state is not None:
                padded = f"\x1b[{_COLOURS[state]}m{padded}\x1b[0m"
            parts.append(padded)
        out.append("  ".join(parts).rstrip())
    out.append("")
    extras = _extra_flows(coverage)
    if extras:
        out.append("extra flows (outside the matrix):")
        out.extend(f"  {line}" for line in extras)
    out.extend(_footnotes(coverage))
    out.append(_totals(coverage))
    return "\n".join(out) + "\n"


_MD_URL_UNSAFE = {"<": "%3C", ">": "%3E", " ": "%20", "\n": "%0A", "|": "%7C"}


def _md_url(url: str) -> str:
    """A URL safe inside ``<...>`` in a table cell: characters that would end it encoded."""
    return "".join(_MD_URL_UNSAFE.get(ch, ch) for ch in url)


def _md_link(label: str, url: str) -> str:
    """``[label](<url>)`` for a web link; any other scheme (``javascript:``, ``data:``) is
    never made clickable: the label and the URL as escaped text instead."""
    if not url.strip().lower().startswith(("https://", "http://")):
        return f"{label} ({_md_escape(url).replace('`', '')})"
    return f"[{label}](<{_md_url(url)}>)"


def _link_text(url: str, index: int) -> str:
    """The node id for a Figma link, else the link's number."""
    from flowcatalog.urls import analyse

    ref = analyse(url).figma
    return ref.node_id if ref is not None and ref.node_id else str(index)


def _md_escape(text: str) -> str:
    """Text safe in a Markdown table cell: no column break, no raw HTML, no line break."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "\\<").replace("\n", " ")


def markdown_table(coverage: Coverage, names: Mapping[str, str] | None = None) -> str:
    """The matrix as a GitHub/GitLab-flavoured Markdown table, cells linking to their flows
    (named by ``names``, URL -> node name, where the report knows the node's name)."""
    known = names or {}
    stages, deployments = _names(coverage)
    out = ["| Stage | " + " | ".join(_md_escape(n) for _, n in deployments) + " |"]
    out.append("|---|" + "---|" * len(deployments))
    for stage_id, stage_name in stages:
        cells = []
        for dep_id, _ in deployments:
            cell = coverage.cell(stage_id, dep_id)
            if cell is None:
                cells.append("-")
                continue
            text = _md_escape(cell_label(cell))
            if cell.links:
                refs = ", ".join(
                    _md_link(_md_escape(known[url]) if url in known else _link_text(url, i), url)
                    for i, url in enumerate(cell.links, start=1)
                )
                text += f": {refs}"
            cells.append(text)
        out.append(f"| {_md_escape(stage_name)} | " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def render_markdown(report: Report, *, color: bool = False) -> str:
    coverage = report.coverage
    if coverage is None:
        return "_No catalog: no coverage to report._\n"
    out = ["## Flow coverage", "", markdown_table(coverage).rstrip("\n"), ""]
    extras = markdown_extra_flows(coverage)
    if extras:
        out.append(extras)
    notes = _footnotes(coverage)
    if notes:
        out.extend(f"- {_md_escape(n)}" for n in notes)
        out.append("")
    out.append(f"**{_totals(coverage)}**")
    return "\n".join(out) + "\n"
