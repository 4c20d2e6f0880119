"""Properties of the new page helpers on arbitrary text: they never raise, and positions hold."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from flowcatalog.pages.mdx import mdx_source
from flowcatalog.pages.slugs import SLUG_STYLES, numbered, page_anchors, slugify
from flowcatalog.rules.link_targets import target_problem


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_target_analysis_never_raises(target: str) -> None:
    problem = target_problem(target)
    assert problem is None or problem.message.startswith(("link target", "an absolute URL"))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60), st.sampled_from(SLUG_STYLES))
def test_slugs_hold_no_space_and_no_upper_case(heading: str, style: str) -> None:
    slug = slugify(heading, style)
    assert " " not in slug
    assert slug == slug.lower()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["a", "a-1", "b", "a"]), max_size=8))
def test_numbered_ids_are_unique(slugs: list[str]) -> None:
    ids = numbered(slugs)
    assert len(set(ids)) == len(ids)
    assert page_anchors([(s, None) for s in slugs], "") == tuple(sorted(set(ids)))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="imports exp{/*}\n`~ab", max_size=120))
def test_mdx_blanking_keeps_every_offset(text: str) -> None:
    blanked = mdx_source(text)
    assert len(blanked) == len(text)
    assert [i for i, c in enumerate(blanked) if c == "\n"] == [
        i for i, c in enumerate(text) if c == "\n"
    ]
