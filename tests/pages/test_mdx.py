"""MDX pages: ESM lines skipped, JSX props as links, positions kept."""

from __future__ import annotations

from pathlib import Path

from flowcatalog.pages.load import expand_pages
from flowcatalog.pages.markdown import parse_markdown
from flowcatalog.pages.mdx import jsx_links, mdx_source
from tests.page_support import lint_text

PAGE = """\
---
title: Button
---

import {Box, Link} from '@primer/react'
import Layout from '~/layouts/component'
export default Layout

{/* TODO: [old](https://old.example/) */}

## Usage

<Link href="/components/icon-button">Icon button</Link> and
<Figma url="https://www.figma.com/design/DCq7K8Srsv79tbH1yRkGbl/Kit?node-id=1-2" />

<Box>
  <img src="https://images.example/button.png" alt="Buttons" />
  <CustomVideoPlayer src={"https://videos.example/demo.mp4"} />
</Box>

See [the guide](../guides/buttons.md).

```jsx
import {Button} from '@primer/react'
<Link href="/not/a/link">no</Link>
```
"""


def test_mdx_pages_are_found(tmp_path: Path) -> None:
    (tmp_path / "button.mdx").write_text(PAGE)
    assert expand_pages([str(tmp_path)]) == [str(tmp_path / "button.mdx")]


def test_jsx_props_are_links_at_their_positions() -> None:
    doc = parse_markdown("button.mdx", PAGE)
    assert [(link.url, link.location.line, link.location.column) for link in doc.links] == [
        ("/components/icon-button", 13, 7),
        ("https://www.figma.com/design/DCq7K8Srsv79tbH1yRkGbl/Kit?node-id=1-2", 14, 8),
        ("https://images.example/button.png", 17, 8),
        ("https://videos.example/demo.mp4", 18, 22),
        ("../guides/buttons.md", 21, 5),
    ]
    # the TODO is in a JSX comment, imports are no text; the relative link leaves the page's
    # folder (not judged)
    assert lint_text(PAGE, "button.mdx") == ()


def test_esm_and_jsx_comments_are_blanked_in_place() -> None:
    text = "import x from 'y'\n\n{/* a\nb */}\n# T\n"
    blanked = mdx_source(text)
    assert len(blanked) == len(text)
    assert blanked.splitlines()[4] == "# T"
    assert blanked.strip() == "# T"


def test_template_literal_props_are_not_links() -> None:
    assert jsx_links('<Img src={`${base}/x.png`} href="/ok" />') == [(27, "href", "/ok")]
