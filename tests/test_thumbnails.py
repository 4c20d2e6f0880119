"""Thumbnails (size caps) and the pixel comparison's tolerance; the snapshot file format."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image, ImageDraw

from flowcatalog.errors import InputError
from flowcatalog.snapshot import Snapshot, SnapshotNode, dump, parse
from flowcatalog.thumbnails import (
    ThumbnailError,
    changed_fraction,
    make_thumbnail,
    same_design,
)
from tests.online_support import png


def _encode(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_thumbnail_fits_width_and_40_kb_even_for_noise() -> None:
    rng = random.Random(7)
    noise = Image.frombytes("RGB", (1600, 1000), rng.randbytes(1600 * 1000 * 3))
    thumbnail = make_thumbnail(_encode(noise))
    assert thumbnail.width <= 320
    assert thumbnail.height <= 480
    assert len(thumbnail.png) <= 40_000
    assert thumbnail.png.startswith(b"\x89PNG")
    plain = make_thumbnail(png((250, 250, 250), (1200, 600)))
    assert (plain.width, plain.height) == (320, 160)


def test_not_an_image_is_a_thumbnail_error() -> None:
    with pytest.raises(ThumbnailError, match="not a decodable image"):
        make_thumbnail(b"<html>not a png</html>")


def test_same_design_tolerates_rendering_noise_not_changes() -> None:
    base = Image.new("RGB", (320, 240), (240, 240, 240))
    ImageDraw.Draw(base).rectangle((40, 40, 200, 120), fill=(30, 60, 120))
    rng = random.Random(3)
    jitter = Image.eval(base, lambda v: max(0, min(255, v + rng.choice((-3, 0, 3)))))
    moved = base.copy()
    ImageDraw.Draw(moved).rectangle((220, 150, 300, 200), fill=(200, 30, 30))
    a, b, c = _encode(base), _encode(jitter), _encode(moved)
    assert changed_fraction(a, a) == 0.0
    assert same_design(a, b)
    assert not same_design(a, c)
    assert changed_fraction(a, _encode(base.resize((300, 240)))) == 1.0


def test_snapshot_round_trips_sorted() -> None:
    nodes = (
        SnapshotNode("Zkey", "2:2", None, "B", "FRAME", "File", "7", "2024-01-01T00:00:00Z"),
        SnapshotNode(
            "Akey", "1:1", "v9", "A / x", "FRAME", "F", "8", None,
            "thumbnails/" + "a" * 64 + ".png", "a" * 64, 10, 20,
        ),
    )  # fmt: skip
    text = dump(Snapshot(nodes, "2026-01-01T00:00:00Z"))
    back = parse(text, "figma.json")
    assert back.nodes == (nodes[1], nodes[0])
    assert dump(back) == text


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[]", "figma.json: not a flowcatalog snapshot of version 1"),
        ("{", "figma.json: not a JSON snapshot"),
        ('{"version": 1, "nodes": [{"api_key": "k", "node_id": "1:1", '
         '"thumbnail": "../../etc/passwd"}]}',
         "figma.json: nodes[0].thumbnail must be thumbnails/<sha256>.png"),
        ('{"version": 1, "nodes": [{"api_key": "k"}]}', "figma.json: nodes[0] needs api_key and node_id"),
    ],
)  # fmt: skip
def test_bad_snapshots_are_one_line_input_errors(body: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse(body, "figma.json")
    assert str(caught.value).startswith(message)


def test_decompression_bombs_and_other_formats_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from flowcatalog import thumbnails

    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, format="GIF")
    with pytest.raises(ThumbnailError, match=r"^not a PNG image \(GIF\)$"):
        make_thumbnail(gif.getvalue())
    monkeypatch.setattr(thumbnails, "MAX_PIXELS", 100)
    with pytest.raises(ThumbnailError, match=r"^image of 20x20 pixels is too large$"):
        make_thumbnail(png((1, 1, 1), (20, 20)))


def test_a_thumbnail_that_cannot_get_small_enough_is_an_error() -> None:
    from flowcatalog.thumbnails import decode_size

    rng = random.Random(5)
    noise = Image.frombytes("RGB", (64, 64), rng.randbytes(64 * 64 * 3))
    with pytest.raises(ThumbnailError, match="could not make a thumbnail under 50 bytes"):
        make_thumbnail(_encode(noise), max_bytes=50)
    assert decode_size(_encode(noise)) == (64, 64)
