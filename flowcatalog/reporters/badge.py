"""A shields-style SVG badge of the matrix coverage, for a handbook repo's README.

Colour by threshold: 90% and up bright green, 75% green, 60% yellow, 40% orange, below that
red; grey "n/a" when the report has no coverage. Text widths are estimated from per-character
advances of 11px Verdana (the shields face), so the badge needs no font metrics at run time.
"""

from __future__ import annotations

from flowcatalog.report import Report
from flowcatalog.reporters.markup import attr, text

LABEL = "flow coverage"
THRESHOLDS = (
    (90.0, "#4c1"),
    (75.0, "#97ca00"),
    (60.0, "#dfb317"),
    (40.0, "#fe7d37"),
    (0.0, "#e05d44"),
)
GREY = "#9f9f9f"
_NARROW = set("fijlrt.,:;!|'() ")
_WIDE = set("mwMW%@")


def colour(percent: float | None) -> str:
    if percent is None:
        return GREY
    for floor, value in THRESHOLDS:
        if percent >= floor:
            return value
    return THRESHOLDS[-1][1]


def text_width(value: str) -> int:
    """Approximate width in pixels of ``value`` in 11px Verdana."""
    width = 0.0
    for char in value:
        if char in _NARROW:
            width += 3.9
        elif char in _WIDE:
            width += 10.5
        elif char.isupper() or char.isdigit():
            width += 7.3
        else:
            width += 6.6
    return round(width)


def _format_percent(percent: float) -> str:
    return f"{percent:.0f}%" if percent == int(percent) else f"{percent:.1f}%"


def render(report: Report, *, color: bool = False) -> str:
    percent = report.coverage.percent if report.coverage is not None else None
    value = _format_percent(percent) if percent is not None else "n/a"
    fill = colour(percent)
    left = text_width(LABEL) + 10
    right = text_width(value) + 10
    total = left + right
    label_x = left * 5  # text is drawn at scale(.1): centre * 10
    value_x = (left + right / 2) * 10
    title = f"{LABEL}: {value}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" '
        f'role="img" aria-label="{attr(title)}">\n'
        f"<title>{text(title)}</title>\n"
        '<linearGradient id="s" x2="0" y2="100%">'
        '<stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        '<stop offset="1" stop-opacity=".1"/></linearGradient>\n'
        f'<clipPath id="r"><rect width="{total}" height="20" rx="3" fill="#fff"/></clipPath>\n'
        '<g clip-path="url(#r)">'
        f'<rect width="{left}" height="20" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{fill}"/>'
        f'<rect width="{total}" height="20" fill="url(#s)"/></g>\n'
        '<g fill="#fff" text-anchor="middle" '
        'font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="110" '
        'text-rendering="geometricPrecision">'
        f'<text aria-hidden="true" x="{label_x:.0f}" y="150" fill="#010101" fill-opacity=".3" '
        f'transform="scale(.1)">{text(LABEL)}</text>'
        f'<text x="{label_x:.0f}" y="140" transform="scale(.1)">{text(LABEL)}</text>'
        f'<text aria-hidden="true" x="{value_x:.0f}" y="150" fill="#010101" fill-opacity=".3" '
        f'transform="scale(.1)">{text(value)}</text>'
        f'<text x="{value_x:.0f}" y="140" transform="scale(.1)">{text(value)}</text>'
        "</g>\n</svg>\n"
    )
