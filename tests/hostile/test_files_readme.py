"""The README's "Files and inputs" guarantees each name a test that exists."""

from __future__ import annotations

import ast
import re

from tests.conftest import REPO


def test_every_guarantee_names_an_existing_test() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- guarantees:begin -->", 1)[1].split("<!-- guarantees:end -->")[0]
    lines = [line for line in block.splitlines() if line.startswith("- ")]
    assert len(lines) >= 20
    for line in lines:
        names = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", line)
        assert names, line
        for path, name in names:
            tree = ast.parse((REPO / path).read_text(encoding="utf-8"))
            defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
            assert name in defined, f"{path}::{name}"
