"""A shields-style SVG badge of the matrix coverage and the errors, for a handbook repo's README:
``flows | 90%``, or ``flows | 90% · 2 errors`` (red) when the check found errors.

Colour by threshold: 90% and up green, 75% olive, 60% amber, 40% orange, below that (or with
errors) red; grey "n/a" when the report has no coverage. Every colour is dark enough for its
white text to reach a contrast of at least 4.5:1 (WCAG AA; ``contrast`` computes it, a test
holds it). Text widths are estimated from per-character advances of 11px Verdana (the shields
face), so the badge needs no font metrics at run time.
"""

from __future__ import annotations

from flowcatalog.findings import Severity
from flowcatalog.report import Report
from flowcatalog.reporters.markup import attr, text

LABEL = "flows"
LABEL_FILL = "#555"
THRESHOLDS = (
    (90.0, "#1a7f37"),
    (75.0, "#2e6e0b"),
    (60.0, "#8a6100"),
    (40.0, "#a34e00"),
    (0.0, "#c62828"),
)
RED = "#c62828"
GREY = "#5c636b"
_NARROW = set("fijlrt.,:;!|'() ")
_WIDE = set("mwMW%@")


def colour(percent: float | None) -> str:
    if percent is None:
        return GREY
    for floor, value in THRESHOLDS:
        if percent >= floor:
            return value
    return THRESHOLDS[-1][1]


def _luminance(hex_colour: str) -> float:
    value = hex_colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """The WCAG 2 contrast ratio of two ``#rgb``/``#rrggbb`` colours."""
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


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
    errors = report.count(Severity.ERROR)
    fill = colour(percent)
    if errors:
        value += f" \u00b7 {errors} error{'s' if errors != 1 else ''}"
        fill = RED
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
        f'<clipPath id="r"><rect width="{total}" height="20" rx="3" fill="#fff"/></clipPath>\n'
        '<g clip-path="url(#r)">'
        f'<rect width="{left}" height="20" fill="{LABEL_FILL}"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{fill}"/></g>\n'
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
