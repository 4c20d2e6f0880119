"""The handbook the run memo's tests and the patched runs' tests share."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pipeline.memo_support import PAGES


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A handbook of ``PAGES`` pages under ``docs`` that link each other, a Figma design, an
    image that is missing, and an anchor of a page outside ``docs`` (read for its ids only);
    the run's directory is its root."""
    root = tmp_path / "site"
    docs = root / "docs"
    docs.mkdir(parents=True)
    (root / "other").mkdir()
    (docs / "img").mkdir()
    (docs / "img" / "logo.png").write_bytes(b"\x89PNG")  # a tree with assets: they are judged
    (root / "other" / "notes.md").write_text("# Notes\n\n## Setup\n", encoding="utf-8")
    for n in range(PAGES):
        (docs / f"p{n:02d}.md").write_text(
            f"# Page {n}\n\n## Flow\n\n"
            f"[next](p{(n + 1) % PAGES:02d}.md#flow) [design]"
            f"(https://www.figma.com/design/AbCdEfGhIjKlMnOpQrStUv/x?node-id={n}-1) "
            f"[shared](https://example.com/shared) TODO\n\n"
            "![diagram](img/diagram.png) [setup](../other/notes.md#install)\n",
            encoding="utf-8",
        )
    monkeypatch.chdir(root)
    return root
