"""Thumbnails and pixel comparison, pure (bytes in, bytes or a verdict out), with Pillow.

A thumbnail is the Figma render scaled to fit ``MAX_WIDTH`` x ``MAX_HEIGHT`` and saved as an
optimised PNG of at most ``MAX_BYTES`` (a 256-colour palette, then smaller, when it is not).
Two thumbnails show the same design when they have the same size and at most
``MAX_CHANGED`` of their pixels differ by more than ``CHANNEL_TOLERANCE`` in any channel:
re-rendering the same frame may shift anti-aliasing a little, and that is no design change.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from flowcatalog.views import Thumbnail

if TYPE_CHECKING:
    from PIL.Image import Image

MAX_WIDTH = 320
MAX_HEIGHT = 480
MAX_BYTES = 40_000
MAX_PIXELS = 40_000_000  # a render larger than this is refused (decompression bombs)
CHANNEL_TOLERANCE = 24
MAX_CHANGED = 0.002


class ThumbnailError(ValueError):
    """The bytes are not a PNG (or JPEG) Pillow can decode within the limits."""


def _open(data: bytes) -> Image:
    from PIL import Image as PILImage

    try:
        image = PILImage.open(io.BytesIO(data))
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise ThumbnailError(f"image of {width}x{height} pixels is too large")
        if image.format not in ("PNG", "JPEG"):
            raise ThumbnailError(f"not a PNG image ({image.format})")
        image.load()
    except ThumbnailError:
        raise
    except Exception as exc:  # Pillow raises many kinds for bad data
        raise ThumbnailError(f"not a decodable image: {type(exc).__name__}") from None
    return image.convert("RGBA")


def _encode(image: Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def make_thumbnail(
    data: bytes,
    *,
    max_width: int = MAX_WIDTH,
    max_height: int = MAX_HEIGHT,
    max_bytes: int = MAX_BYTES,
) -> Thumbnail:
    """A thumbnail of the image ``data``, at most ``max_bytes``; ThumbnailError when bad."""
    from PIL import Image as PILImage

    image = _open(data)
    image.thumbnail((max_width, max_height), PILImage.Resampling.LANCZOS)
    while True:
        png = _encode(image)
        if len(png) > max_bytes:
            png = _encode(image.quantize(256, method=PILImage.Quantize.FASTOCTREE))
        if len(png) <= max_bytes or image.width <= 16:
            break
        size = (max(1, image.width * 3 // 4), max(1, image.height * 3 // 4))
        image = image.resize(size, PILImage.Resampling.LANCZOS)
    if len(png) > max_bytes:
        raise ThumbnailError(f"could not make a thumbnail under {max_bytes} bytes")
    return Thumbnail(png, image.width, image.height)


def decode_size(data: bytes) -> tuple[int, int]:
    image = _open(data)
    return image.width, image.height


def changed_fraction(before: bytes, after: bytes, *, tolerance: int = CHANNEL_TOLERANCE) -> float:
    """The share of pixels that differ by more than ``tolerance`` in a channel (1.0 when the
    sizes differ)."""
    from PIL import ImageChops

    a, b = _open(before), _open(after)
    if a.size != b.size:
        return 1.0
    diff = ImageChops.difference(a, b)
    bands = diff.split()
    peak = bands[0]
    for band in bands[1:]:
        peak = ImageChops.lighter(peak, band)
    histogram = peak.histogram()
    changed = sum(histogram[tolerance + 1 :])
    return changed / (a.width * a.height)


def same_design(before: bytes, after: bytes) -> bool:
    """True when two thumbnails show the same design (see the module's tolerance)."""
    return changed_fraction(before, after) <= MAX_CHANGED
