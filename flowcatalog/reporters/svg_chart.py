"""Coverage over time as an inline SVG line chart: no script, no font metrics, no network.

Pure: ``HistoryPoint``s in (oldest first), markup out. The chart has a title and a
description for screen readers, a 0-100 % axis, one point per commit (each with a
``<title>`` tooltip: date, short commit, coverage, errors, warnings), and a table
fallback is left to the caller (the HTML report lists the same numbers).
"""

from __future__ import annotations

from collections.abc import Sequence

from flowcatalog.reporters.markup import attr, text
from flowcatalog.views import HistoryPoint

WIDTH = 640
HEIGHT = 220
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 14, 34
LINE = "#0550ae"
GRID = "#c8d1da"
INK = "#1f2328"


def _x(index: int, count: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return LEFT + (span * index / (count - 1) if count > 1 else span / 2)


def _y(percent: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - percent / 100)


def render(points: Sequence[HistoryPoint], *, chart_id: str = "history-chart") -> str:
    """The chart of ``points`` (oldest first); an empty string when there are none."""
    known = [p for p in points if p.percent is not None]
    if not known:
        return ""
    first, last = known[0], known[-1]
    summary = (
        f"Coverage over {len(points)} commit{'s' if len(points) != 1 else ''}, from "
        f"{first.percent:.1f}% on {first.date[:10]} to {last.percent:.1f}% on {last.date[:10]}."
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{attr(chart_id)}" class="chart" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-labelledby="{attr(chart_id)}-title {attr(chart_id)}-desc">',
        f'<title id="{attr(chart_id)}-title">Coverage over time</title>',
        f'<desc id="{attr(chart_id)}-desc">{text(summary)}</desc>',
        f'<g font-family="system-ui, sans-serif" font-size="11" fill="{INK}">',
    ]
    for tick in (0, 25, 50, 75, 100):
        y = _y(tick)
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}%</text>'
        )
    count = len(points)
    path = []
    for index, point in enumerate(points):
        if point.percent is None:
            continue
        path.append(f"{_x(index, count):.1f},{_y(point.percent):.1f}")
    out.append(
        f'<polyline fill="none" stroke="{LINE}" stroke-width="2" points="{" ".join(path)}"/>'
    )
    for index, point in enumerate(points):
        if point.percent is None:
            continue
        label = (
            f"{point.date[:10]} {point.commit[:8]}: {point.percent:.1f}% "
            f"({point.documented}/{point.total}), {point.errors} errors, "
            f"{point.warnings} warnings"
        )
        out.append(
            f'<circle cx="{_x(index, count):.1f}" cy="{_y(point.percent):.1f}" r="3.5" '
            f'fill="{LINE}"><title>{text(label)}</title></circle>'
        )
    out.append(f'<text x="{LEFT}" y="{HEIGHT - 10}">{text(first.date[:10])}</text>')
    if count > 1:
        out.append(
            f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 10}" text-anchor="end">'
            f"{text(last.date[:10])}</text>"
        )
    out.append("</g></svg>")
    return "".join(out)
