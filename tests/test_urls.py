"""Every Figma URL form and node-id encoding from the reference, valid and invalid."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowcatalog import urls
from flowcatalog.model import FigmaRef
from flowcatalog.urls import UrlKind, analyse, normalise_node_id

KEY = "DCq7K8Srsv79tbH1yRkGbl"
BRANCH = "Br4nchKey0123456789abcd"
SEED_SLUG = "Document-user-flows-%5Bgitlab-org%2F-%2Fepics%2F3603%5D"

VALID = [
    (
        "seed file",
        f"https://www.figma.com/file/{KEY}/Document-user-flows?node-id=138%3A97",
        FigmaRef("file", KEY, "138:97"),
    ),
    (
        "slug with encoded slashes",
        f"https://www.figma.com/file/{KEY}/{SEED_SLUG}?node-id=28%3A28",
        FigmaRef("file", KEY, "28:28"),
    ),
    (
        "design dash form",
        f"https://www.figma.com/design/{KEY}/Flows?node-id=138-97",
        FigmaRef("design", KEY, "138:97"),
    ),
    (
        "bare host raw colon",
        f"https://figma.com/design/{KEY}?node-id=1:2",
        FigmaRef("design", KEY, "1:2"),
    ),
    (
        "empty slug trailing slash",
        f"https://figma.com/file/{KEY}/?node-id=1-2",
        FigmaRef("file", KEY, "1:2"),
    ),
    (
        "dev mode",
        f"https://www.figma.com/design/{KEY}/X?node-id=1-2&m=dev",
        FigmaRef("design", KEY, "1:2"),
    ),
    (
        "proto with extras",
        f"https://www.figma.com/proto/{KEY}/X?page-id=0%3A1&node-id=5-3"
        "&starting-point-node-id=5%3A3&scaling=scale-down&t=FFhXL1uDluUxMH9W-4",
        FigmaRef("proto", KEY, "5:3"),
    ),
    ("board", f"https://www.figma.com/board/{KEY}/Map?node-id=0-1", FigmaRef("board", KEY, "0:1")),
    (
        "slides",
        f"https://www.figma.com/slides/{KEY}/Deck?node-id=1-20",
        FigmaRef("slides", KEY, "1:20"),
    ),
    ("deck", f"https://www.figma.com/deck/{KEY}/Deck?node-id=1-20", FigmaRef("deck", KEY, "1:20")),
    (
        "instance id encoded",
        f"https://www.figma.com/design/{KEY}/X?node-id=I2265%3A10664%3B51954%3A18639",
        FigmaRef("design", KEY, "I2265:10664;51954:18639"),
    ),
    (
        "instance id dash form",
        f"https://www.figma.com/design/{KEY}/X?node-id=I32-9%3B44-5",
        FigmaRef("design", KEY, "I32:9;44:5"),
    ),
    ("make", f"https://www.figma.com/make/{KEY}/App?node-id=0-1", FigmaRef("make", KEY, "0:1")),
    ("site", f"https://www.figma.com/site/{KEY}/Site?node-id=2-3", FigmaRef("site", KEY, "2:3")),
    (
        "buzz",
        f"https://www.figma.com/buzz/{KEY}/Campaign?node-id=4-5",
        FigmaRef("buzz", KEY, "4:5"),
    ),
    (
        "fragment ignored",
        f"https://www.figma.com/design/{KEY}/X?node-id=1-2#comments",
        FigmaRef("design", KEY, "1:2"),
    ),
    (
        "encoded dash",
        f"https://www.figma.com/design/{KEY}/X?node-id=1%2D2",
        FigmaRef("design", KEY, "1:2"),
    ),
    (
        "branch",
        f"https://www.figma.com/design/{KEY}/branch/{BRANCH}/X?node-id=1-2",
        FigmaRef("design", KEY, "1:2", branch_key=BRANCH),
    ),
    (
        "file branch",
        f"https://www.figma.com/file/{KEY}/branch/{BRANCH}?node-id=1-2",
        FigmaRef("file", KEY, "1:2", branch_key=BRANCH),
    ),
    (
        "version pinned",
        f"https://www.figma.com/design/{KEY}/X?version-id=4242&node-id=1-2",
        FigmaRef("design", KEY, "1:2", version_id="4242"),
    ),
    (
        "long legacy key",
        "https://www.figma.com/file/cU16PQei0xJnwqRF1wG8VmUT/X?node-id=1%3A2",
        FigmaRef("file", "cU16PQei0xJnwqRF1wG8VmUT", "1:2"),
    ),
    (
        "new embed host",
        f"https://embed.figma.com/design/{KEY}/X?node-id=1-2&embed-host=share",
        FigmaRef("design", KEY, "1:2"),
    ),
    (
        "legacy embed wrapper",
        "https://www.figma.com/embed?embed_host=share&url=https%3A%2F%2Fwww.figma.com%2Ffile%2F"
        f"{KEY}%2FX%3Fnode-id%3D138%253A97",
        FigmaRef("file", KEY, "138:97"),
    ),
    (
        "upper-case host",
        f"https://WWW.Figma.com/design/{KEY}/X?node-id=1-2",
        FigmaRef("design", KEY, "1:2"),
    ),
    (
        "unknown query parameters ignored",
        f"https://www.figma.com/design/{KEY}/X?viewport=1,2,0.5&type=design&mode=dev&node-id=1-2&fuid=9",
        FigmaRef("design", KEY, "1:2"),
    ),
]


@pytest.mark.parametrize(
    ("url", "ref"), [(u, r) for _, u, r in VALID], ids=[i for i, _, _ in VALID]
)
def test_valid_figma_links(url: str, ref: FigmaRef) -> None:
    result = analyse(url)
    assert result.kind is UrlKind.FIGMA_FILE
    assert result.figma == ref
    assert result.problems == ()


INVALID = [
    ("node-id missing", f"https://www.figma.com/file/{KEY}/X", "figma-node-id-missing"),
    ("node-id empty", f"https://www.figma.com/file/{KEY}/X?node-id=", "figma-node-id-malformed"),
    (
        "node-id repeated",
        f"https://www.figma.com/design/{KEY}/X?node-id=1-2&node-id=3-4",
        "figma-node-id-repeated",
    ),
    (
        "node-id words",
        f"https://www.figma.com/design/{KEY}/X?node-id=wrongID",
        "figma-node-id-malformed",
    ),
    (
        "node-id one number",
        f"https://www.figma.com/design/{KEY}/X?node-id=138",
        "figma-node-id-malformed",
    ),
    (
        "node-id negative",
        f"https://www.figma.com/design/{KEY}/X?node-id=-1:2",
        "figma-node-id-malformed",
    ),
    (
        "node-id double encoded",
        f"https://www.figma.com/design/{KEY}/X?node-id=1%253A2",
        "figma-node-id-malformed",
    ),
    (
        "node-id three parts",
        f"https://www.figma.com/design/{KEY}/X?node-id=1-2-3",
        "figma-node-id-malformed",
    ),
    ("key too short", "https://www.figma.com/design/abc123/X?node-id=1-2", "figma-file-key"),
    (
        "key with dash",
        "https://www.figma.com/design/DCq7K8Srsv79-tbH1yRkGbl/X?node-id=1-2",
        "figma-file-key",
    ),
    ("key too long", f"https://www.figma.com/design/{'a' * 129}/X?node-id=1-2", "figma-file-key"),
    (
        "bad branch key",
        f"https://www.figma.com/design/{KEY}/branch/short/X?node-id=1-2",
        "figma-file-key",
    ),
    (
        "branch without key",
        f"https://www.figma.com/design/{KEY}/branch?node-id=1-2",
        "figma-file-key",
    ),
    ("plain http", f"http://www.figma.com/design/{KEY}/X?node-id=1-2", "figma-https"),
    (
        "version not a number",
        f"https://www.figma.com/design/{KEY}/X?node-id=1-2&version-id=abc",
        "figma-version-id",
    ),
    ("embed without url", "https://www.figma.com/embed?embed_host=share", "figma-embed"),
    (
        "embed of a web page",
        "https://www.figma.com/embed?url=https%3A%2F%2Fexample.com%2F",
        "figma-embed",
    ),
    ("unknown kind", f"https://www.figma.com/whiteboard/{KEY}/X?node-id=1-2", "figma-unknown-kind"),
]


@pytest.mark.parametrize(
    ("url", "rule"), [(u, r) for _, u, r in INVALID], ids=[i for i, _, _ in INVALID]
)
def test_invalid_figma_links(url: str, rule: str) -> None:
    result = analyse(url)
    assert rule in [p.rule.id for p in result.problems]


def test_unknown_kind_is_a_warning_but_keeps_identity() -> None:
    result = analyse(f"https://www.figma.com/whiteboard/{KEY}/X?node-id=1-2")
    assert [(p.rule.id, p.rule.severity.value) for p in result.problems] == [
        ("figma-unknown-kind", "warning")
    ]
    assert result.figma == FigmaRef("whiteboard", KEY, "1:2")


def test_messages_say_what_was_expected() -> None:
    [problem] = analyse(f"https://www.figma.com/file/{KEY}/X").problems
    assert problem.message == "node-id missing; expected ?node-id=A-B (or A:B)"
    [problem] = analyse(f"https://www.figma.com/design/{KEY}/X?node-id=1%253A2").problems
    assert problem.message == (
        "node-id '1%3A2' is percent-encoded twice; expected ?node-id=A-B or A%3AB"
    )


PAGES = [
    "https://www.figma.com/community/file/854766928300977832/Some-kit",
    "https://www.figma.com/community/plugin/123456/thing",
    "https://www.figma.com/@designer",
    "https://www.figma.com/files/recent",
    "https://www.figma.com/",
    "https://help.figma.com/hc/en-us/articles/360040531773",
    "https://forum.figma.com/t/some-thread/1234",
    "https://developers.figma.com/docs/rest-api/",
    "https://www.figma.com/pricing/",
]


@pytest.mark.parametrize("url", PAGES)
def test_figma_pages_are_not_file_links(url: str) -> None:
    result = analyse(url)
    assert result.kind is UrlKind.FIGMA_PAGE
    assert result.figma is None
    assert result.problems == ()


@pytest.mark.parametrize(
    ("url", "kind", "message"),
    [
        ("https://gitlab.com/gitlab-org/gitlab/-/issues/322674", UrlKind.WEB, None),
        ("mailto:ux@example.com", UrlKind.OTHER, None),
        ("", UrlKind.INVALID, "empty URL"),
        ("ftp://example.com/x", UrlKind.INVALID, "scheme 'ftp'; expected an absolute https:// URL"),
        ("www.example.com/page", UrlKind.INVALID, "no scheme; expected an absolute https:// URL"),
        ("https://", UrlKind.INVALID, "URL has no host"),
        (
            "https://exa mple.com/",
            UrlKind.INVALID,
            "URL contains white space or control characters",
        ),
        ("https://bad_host!.com/", UrlKind.INVALID, "host 'bad_host!.com' is not a valid name"),
        ("https://example.com:99999/", UrlKind.INVALID, "malformed URL: Port out of range 0-65535"),
        (
            "https://user:pw@example.com/",
            UrlKind.INVALID,
            "URL carries credentials (user information before the host): remove them, "
            "and revoke them, since the source publishes them",
        ),
        ("https://[::1/", UrlKind.INVALID, "malformed URL: Invalid IPv6 URL"),
    ],
)
def test_web_links(url: str, kind: UrlKind, message: str | None) -> None:
    result = analyse(url)
    assert result.kind is kind
    assert [p.message for p in result.problems] == ([message] if message else [])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("138:97", "138:97"),
        ("138-97", "138:97"),
        ("I32-9;44-5", "I32:9;44:5"),
        ("I1:2;3:4", "I1:2;3:4"),
        ("x", None),
        ("1--2", None),
    ],
)
def test_normalise_node_id(raw: str, expected: str | None) -> None:
    assert normalise_node_id(raw) == expected


def test_encodings_of_one_node_compare_equal() -> None:
    forms = [
        f"https://www.figma.com/file/{KEY}/Old-title?node-id=138%3A97",
        f"https://figma.com/design/{KEY}/New-title?node-id=138-97",
        f"https://www.figma.com/proto/{KEY}?node-id=138:97&scaling=min-zoom",
    ]
    identities = {analyse(u).figma.identity for u in forms}  # type: ignore[union-attr]
    assert identities == {(KEY, "138:97")}
    assert {analyse(u).normalised for u in forms} == {
        f"https://www.figma.com/design/{KEY}?node-id=138-97"
    }


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_strings_never_raise(text: str) -> None:
    result = analyse(text)
    assert result.kind in UrlKind


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_arbitrary_figma_paths_never_raise(tail: str) -> None:
    for prefix in ("https://www.figma.com/", f"https://www.figma.com/design/{KEY}/x?node-id="):
        result = analyse(prefix + tail)
        assert result.kind in UrlKind


# --- the short cut for plain Figma file links -----------------------------------------------

#: the parts of a link of the short cut's shape: each first option fits it, the others are
#: just off it (or fit it another way)
_FIGMA_PARTS = (
    ("https://", "http://", "HTTPS://", " https://"),
    ("www.", "embed.", "", "WWW.", "help."),
    ("figma.com", "figma.com:443", "user@figma.com", "figma.co"),
    ("/design/", "/file/", "/proto/", "/board/", "/Design/", "/embed/", "/files/", "//"),
    (KEY, "DCq7K8Srsv79", KEY + "é", "a" * 129, BRANCH),
    ("/Title", "", "/", "/Title-(v2)", "/branch", f"/branch/{BRANCH}", "/T%C3%A9", "/a/b"),
    ("?", "", "#x?", "/?"),
    ("node-id=1-2", "node-id=I3-4", "node-id=1:2", "node-id=1%3A2", "node-id=-1-2", "node-id="),
    ("", "&node-id=5-6", "&version-id=42", "&version-id=4x", "&version-id=", "&m=dev", "&&"),
    ("", "&a+b=c", "&x=y=z", "&node-id", "&version-id=7", "&=", "&Node-id=1-2", "&flag"),
    ("", "#comments", " ", "\t", "&", "é", "\uff11"),
)


@st.composite
def _nearly(draw: st.DrawFn, parts: tuple[tuple[str, ...], ...]) -> str:
    """A URL of ``parts`` (each the options of one part: the first fits a short cut's
    shape, the others are just off it), with a few of its parts changed."""
    changed = set(draw(st.lists(st.integers(0, len(parts) - 1), max_size=3)))
    return "".join(
        draw(st.sampled_from(options)) if i in changed else options[0]
        for i, options in enumerate(parts)
    )


@settings(max_examples=1500, deadline=None)
@given(_nearly(_FIGMA_PARTS))
def test_plain_figma_short_cut_agrees_with_the_full_analysis(url: str) -> None:
    plain = urls._plain_figma_file(url)
    if plain is not None:
        assert plain == urls._analyse_in_full(url, 0)


@pytest.mark.parametrize(
    "url",
    [
        f"https://www.figma.com/design/{KEY}/Flows?node-id=138-97",
        f"https://figma.com/file/{KEY}?node-id=1-2",
        f"https://figma.com/file/{KEY}/?node-id=1-2",
        f"https://embed.figma.com/design/{KEY}/X?node-id=1-2&embed-host=share",
        f"https://www.figma.com/proto/{KEY}/Reset?node-id=92-39&starting-point-node-id=92-39",
        f"https://www.figma.com/design/{KEY}/X?version-id=4242&node-id=I1-2&version-id=x",
        f"https://www.figma.com/board/{KEY}/Map-(v2)?node-id=0-1&&flag&=",
    ],
)
def test_plain_figma_short_cut_examples(url: str) -> None:
    plain = urls._plain_figma_file(url)
    assert plain is not None, "the short cut reads this link"
    assert plain == urls._analyse_in_full(url, 0)


@pytest.mark.parametrize(
    "url",
    [
        f"http://www.figma.com/design/{KEY}/X?node-id=1-2",  # a problem: not https
        f"https://www.figma.com/design/{KEY}/branch?node-id=1-2",  # branch without its key
        f"https://www.figma.com/design/{KEY}/X?node-id=1-2&node-id=3-4",  # repeated
        f"https://www.figma.com/design/{KEY}/X?node-id=1-2&version-id=v1",  # bad version
        f"https://www.figma.com/design/{KEY}/X?node-id=1%3A2",  # percent-encoded: urllib
        f"https://www.figma.com/design/{KEY}/X?node-id=1-2#comments",  # a fragment
        f"https://www.figma.com/design/{KEY}/X",  # no node-id
        f"https://www.figma.com/design/{KEY}/branch/{BRANCH}/X?node-id=1-2",
        f"https://WWW.figma.com/design/{KEY}/X?node-id=1-2",
        f" https://www.figma.com/design/{KEY}/X?node-id=1-2",
    ],
)
def test_plain_figma_short_cut_leaves_other_links_to_the_full_analysis(url: str) -> None:
    assert urls._plain_figma_file(url) is None
    assert analyse.__wrapped__(url) == urls._analyse_in_full(url, 0)


#: the parts of a web link of the short cut's shape: each first option fits it, the others
#: are just off it (or fit it another way)
_WEB_PARTS = (
    ("https://", "http://", "HTTP://", " https://", "ftp://", "https:/", "//"),
    ("docs.", "", "a-b.", "_x.", "-a.", "a-.", "..", "x" * 63 + ".", "x" * 64 + ".", "é."),
    ("example.com", "Example.com", "figma.com", "www.figma.com", "127.0.0.1", "[::1]", "h_"),
    ("", ":8080", ":0", ":65535", ":65536", ":99999", ":080", ":", ":x", ":١"),
    ("/path", "", "/", "?q=1", "#frag", "/a b", "/\t", "/é", "/\x7f", "@evil", "\\x"),
    ("", "?a=b&c", "#x", " ", "\u2028", "/%20", "user@host"),
)


@settings(max_examples=1500, deadline=None)
@given(_nearly(_WEB_PARTS))
def test_plain_web_short_cut_agrees_with_the_full_analysis(url: str) -> None:
    plain = urls._plain_web(url)
    if plain is not None:
        assert plain == urls._analyse_in_full(url, 0)
        assert plain.normalised == urls._analyse_in_full(url, 0).normalised


@pytest.mark.parametrize(
    "url",
    [
        "https://docs.example.com/path",
        "http://127.0.0.1:44931/ok/1170",
        "https://h_1.example-2.com:65535/a?b=c#d",
        "https://example.com",
        "https://example.com?x",
        "https://a.b/%E2%9C%93/@user:x",
    ],
)
def test_plain_web_short_cut_examples(url: str) -> None:
    plain = urls._plain_web(url)
    assert plain is not None, "the short cut reads this link"
    assert plain == urls._analyse_in_full(url, 0)
    assert plain.kind is UrlKind.WEB


@pytest.mark.parametrize(
    "url",
    [
        "https://Example.com/",  # urlsplit lowers the host: read in full
        "https://help.figma.com/hc",  # Figma's hosts: read in full
        "https://user@example.com/",  # credentials: a problem
        "https://example.com:0/",  # port 0: a problem
        "https://example.com:70000/",  # out of range: a problem
        "https://example.com./",  # a trailing dot
        "https://exa mple.com/",
        "https://[::1]:8080/",
        "https://bücher.example/",
        "https://example.com/a b",
        "mailto:x@example.com",
        " https://example.com/",
    ],
)
def test_plain_web_short_cut_leaves_other_links_to_the_full_analysis(url: str) -> None:
    assert urls._plain_web(url) is None
    assert analyse.__wrapped__(url) == urls._analyse_in_full(url, 0)
