"""Catalog loading: every problem at its path:line:column, unusable input refused cleanly."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowcatalog.catalog.build import parse_catalog
from flowcatalog.errors import InputError

FIGMA = "https://www.figma.com/design/DCq7K8Srsv79tbH1yRkGbl/X?node-id="

BASE = f"""\
version: 1
deployments:
  - id: saas
    name: SaaS
stages:
  - id: trial
    name: Trial
    flows:
      - name: Purchase
        deployments: [saas]
        links:
          - {FIGMA}1-2
"""


def problems(text: str) -> list[tuple[int | None, int | None, str, str]]:
    _, findings = parse_catalog(textwrap.dedent(text), "c.yaml")
    return sorted((f.location.line, f.location.column, f.rule, f.message) for f in findings)


def input_error(text: str) -> str:
    with pytest.raises(InputError) as info:
        parse_catalog(text, "c.yaml")
    return str(info.value)


def test_minimal_catalog_loads_clean() -> None:
    catalog, findings = parse_catalog(BASE, "c.yaml")
    assert findings == []
    assert catalog is not None
    [stage] = catalog.stages
    [flow] = stage.flows
    assert (stage.id, stage.name, flow.deployments) == ("trial", "Trial", ("saas",))
    assert flow.links[0].figma is not None
    assert flow.links[0].figma.node_id == "1:2"
    assert (flow.links[0].location.line, flow.links[0].location.column) == (12, 13)


def test_yaml_syntax_error_points_at_its_mark() -> None:
    assert input_error("version: 1\nstages: [\n  - a\n") == (
        "c.yaml:3:3: YAML syntax error: did not find expected node content"
    )


def test_tab_indentation_is_a_syntax_error() -> None:
    message = input_error("version: 1\nstages:\n\t- id: x\n")
    assert message.startswith("c.yaml:3:1: YAML syntax error:")


def test_empty_file_is_refused() -> None:
    assert input_error("# only a comment\n") == "c.yaml:1:1: the file holds no YAML document"


def test_two_documents_are_refused() -> None:
    assert input_error("a: 1\n---\nb: 2\n").startswith("c.yaml:2:1: YAML syntax error:")


def test_duplicate_key_is_reported_not_silently_dropped() -> None:
    text = BASE.replace("    name: Trial\n", "    name: Trial\n    name: Trial again\n")
    assert problems(text) == [
        (8, 5, "duplicate-key", "duplicate key 'name'; first defined at line 7"),
    ]


def test_unknown_key_suggests_the_closest() -> None:
    text = BASE.replace("        deployments: [saas]", "        deployment: [saas]")
    assert problems(text) == [
        (9, 9, "catalog-schema", "stages[0].flows[0] is missing the required key 'deployments'"),
        (
            10,
            9,
            "unknown-key",
            "unknown key 'deployment' in stages[0].flows[0]; did you mean 'deployments'?",
        ),
    ]


def test_unknown_top_level_key_lists_valid_keys_when_nothing_is_close() -> None:
    [(line, col, rule, message)] = problems(BASE + "zzz: 1\n")
    assert (line, col, rule) == (13, 1, "unknown-key")
    assert message.startswith("unknown key 'zzz' in the catalog; valid keys: deployments, ")


def test_wrong_types_at_their_value() -> None:
    text = BASE.replace("    name: SaaS", "    name: [SaaS]")
    assert problems(text) == [
        (4, 11, "catalog-schema", "deployments[0].name must be a string, not a list"),
    ]


def test_bad_id_and_version() -> None:
    text = BASE.replace("version: 1", "version: 2").replace("id: trial", "id: Trial Stage")
    assert problems(text) == [
        (1, 10, "catalog-schema", "unsupported catalog version 2; expected 1"),
        (
            6,
            9,
            "catalog-schema",
            "'Trial Stage' is not a valid id; expected a lower-case slug of letters, digits, "
            "'-' and '_' (e.g. 'self-managed')",
        ),
    ]


def test_undeclared_deployment_is_a_reference_error() -> None:
    text = BASE.replace("deployments: [saas]", "deployments: [saas, dedicated]")
    assert problems(text) == [
        (
            10,
            29,
            "unknown-reference",
            "deployment 'dedicated' is not declared under 'deployments'; declared: saas",
        ),
    ]


def test_undeclared_deployment_suggests_close_id() -> None:
    text = BASE + "    not_applicable:\n      sas: no trial for it\n"
    assert problems(text) == [
        (
            14,
            12,
            "unknown-reference",
            "deployment 'sas' is not declared under 'deployments'; did you mean 'saas'?",
        ),
    ]


def test_not_applicable_needs_a_reason() -> None:
    text = BASE + "    not_applicable:\n      saas: '  '\n"
    assert problems(text) == [
        (14, 13, "catalog-schema", "stages[0].not_applicable.saas must not be empty"),
    ]


def test_duplicate_ids() -> None:
    text = BASE.replace("    name: SaaS\n", "    name: SaaS\n  - id: saas\n")
    assert problems(text) == [
        (5, 9, "duplicate-id", "deployment id 'saas' declared twice; first at line 3"),
    ]


def test_link_of_wrong_form() -> None:
    text = BASE.replace(f"          - {FIGMA}1-2", "          - {href: x}")
    assert problems(text) == [
        (12, 13, "catalog-schema", "stages[0].flows[0].links[0] is missing the required key 'url'"),
    ]


def test_unsafe_tags_are_refused() -> None:
    text = "version: !!python/object/apply:os.system ['true']\n"
    assert input_error(text) == (
        "c.yaml:1:10: YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not "
        "allowed; a catalog holds plain data"
    )
    assert input_error("version: !custom 1\n") == (
        "c.yaml:1:10: YAML tag '!custom' is not allowed; a catalog holds plain data"
    )


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 9):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 9)}]")
    message = input_error("\n".join(lines) + "\n")
    assert "more than 2,000,000 YAML values (an alias bomb?); refusing to expand" in message


def test_deep_nesting_is_refused() -> None:
    message = input_error("a: " + "[" * 100 + "]" * 100 + "\n")
    assert "YAML nested deeper than 64 levels" in message


def test_merge_keys_and_anchors_work() -> None:
    text = BASE.replace(
        "      - name: Purchase\n        deployments: [saas]\n",
        "      - &flow\n        name: Purchase\n        deployments: [saas]\n",
    )
    catalog, findings = parse_catalog(text, "c.yaml")
    assert findings == []
    assert catalog is not None


def test_yes_and_no_stay_what_yaml_says() -> None:
    # YAML 1.1 reads 'No' as false: the schema then asks for a string, at its position.
    text = BASE.replace("    name: SaaS", "    name: No")
    assert problems(text) == [
        (4, 11, "catalog-schema", "deployments[0].name must be a string, not true or false"),
    ]


yaml_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_text_is_a_finding_or_a_clean_error(text: str) -> None:
    _load_or_clean_error(text)


def _load_or_clean_error(text: str) -> None:
    """Loading gives findings, or an InputError whose one line starts with the path."""
    try:
        parse_catalog(text, "c.yaml")
    except InputError as exc:
        message = str(exc)
        if not message.startswith("c.yaml") or "\n" in message:
            raise AssertionError(f"unclear error: {message!r}") from exc


@settings(max_examples=150, deadline=None)
@given(yaml_like)
def test_arbitrary_yaml_data_is_a_finding_or_a_clean_error(data: object) -> None:
    import yaml

    _load_or_clean_error(yaml.safe_dump(data))


def test_control_character_is_refused_at_its_place() -> None:
    assert input_error("version: 1\ntitle: a\x1fb\n") == (
        "c.yaml:2:9: character U+001F is not allowed in YAML (control characters are not allowed)"
    )


def test_merge_keys_give_way_to_explicit_keys_and_earlier_sources() -> None:
    from flowcatalog.catalog import yamlnodes

    text = (
        "base: &base {name: A, id: a}\n"
        "more: &more {name: B, note: m}\n"
        "item:\n  <<: [*base, *more]\n  id: explicit\n"
    )
    doc = yamlnodes.load(text, "c.yaml")
    assert doc.data["item"] == {"id": "explicit", "name": "A", "note": "m"}
    assert doc.findings == []
