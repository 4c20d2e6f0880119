"""Validate catalog data against the published JSON Schema; errors become findings.

The schema ships inside the package (``catalog.schema.json``) and is what ``flowcatalog
schema`` prints. Each validation error is placed at the YAML node it points to.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flowcatalog.catalog.yamlnodes import CATALOG_SCHEMA, PathKey, YamlDoc
from flowcatalog.findings import Finding, Rule, Severity

UNKNOWN_KEY = Rule(
    "unknown-key",
    Severity.ERROR,
    "a catalog key the schema does not know; the closest valid key is suggested",
    "catalog",
    unread=True,
)

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator

_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "nothing (null)",
}


def schema_text() -> str:
    """The published schema: a file of the package (read directly where the package is a
    folder, as installed; through ``importlib.resources`` otherwise, which costs start-up)."""
    import flowcatalog

    path = os.path.join(os.path.dirname(flowcatalog.__file__), "catalog.schema.json")
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as schema:
            return schema.read()
    from importlib import resources

    return resources.files("flowcatalog").joinpath("catalog.schema.json").read_text("utf-8")


@functools.cache
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_text())
    return loaded


@functools.cache
def _validator() -> Validator:
    from jsonschema import Draft7Validator

    return Draft7Validator(schema())


@functools.cache
def _fast_validator() -> Callable[[Any], Any]:
    import fastjsonschema

    compiled: Callable[[Any], Any] = fastjsonschema.compile(schema())
    return compiled


def _is_valid_fast(data: Any) -> bool:
    """fastjsonschema's compiled check: about 10x faster, but stops at the first error."""
    import fastjsonschema

    try:
        _fast_validator()(data)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return "a number"
    return "a string"


def _expected(schema_type: Any) -> str:
    if isinstance(schema_type, list):
        return " or ".join(_TYPE_NAMES.get(str(t), str(t)) for t in schema_type)
    return _TYPE_NAMES.get(str(schema_type), str(schema_type))


def _pick(error: ValidationError) -> ValidationError:
    """For anyOf/oneOf, the sub-error that speaks of the alternative the value was meant as."""
    if error.validator not in ("anyOf", "oneOf") or not error.context:
        return error
    same_type = [
        sub for sub in error.context if sub.validator != "type" and sub.relative_schema_path
    ]
    if same_type:
        return max(same_type, key=lambda sub: len(sub.absolute_path))
    return error


def _label(path: PathKey, what: str = "the catalog") -> str:
    if not path:
        return what
    label = ""
    for part in path:
        label += f"[{part}]" if isinstance(part, int) else ("." if label else "") + str(part)
    return label


def _finding(doc: YamlDoc, error: ValidationError, what: str = "the catalog") -> list[Finding]:
    error = _pick(error)

    def _path_label(path: PathKey) -> str:
        return _label(path, what)

    path: PathKey = tuple(error.absolute_path)
    where = doc.at(path)
    subject = "/".join(map(str, path))
    validator = error.validator
    instance: Any = error.instance
    sub_schema = error.schema if isinstance(error.schema, dict) else {}
    if validator == "additionalProperties" and isinstance(instance, dict):
        known = sorted(sub_schema.get("properties", {}))
        findings = []
        for key in instance:
            if key in known:
                continue
            if not known:
                # a free-form mapping whose values are constrained: report the value
                continue
            import difflib  # only for a misspelt key: not at start-up

            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else "valid keys: " + ", ".join(known)
            findings.append(
                UNKNOWN_KEY.finding(
                    f"unknown key {key!r} in {_path_label(path)}; {hint}",
                    doc.key_marks.get((*path, key), where),
                    subject=f"{subject}/{key}",
                )
            )
        if findings:
            return findings
    if validator == "required":
        required: Any = error.validator_value
        missing = [k for k in required if k not in instance]
        message = f"{_path_label(path)} is missing the required key " + ", ".join(
            repr(k) for k in missing
        )
    elif validator == "type":
        message = (
            f"{_path_label(path)} must be {_expected(error.validator_value)}, "
            f"not {_describe(instance)}"
        )
    elif validator == "minItems":
        message = f"{_path_label(path)} needs at least {error.validator_value} item(s)"
    elif validator == "minLength" or (validator == "pattern" and error.validator_value == "\\S"):
        message = f"{_path_label(path)} must not be empty"
    elif validator == "pattern":
        message = (
            f"{instance!r} is not a valid id; expected a lower-case slug of letters, digits, "
            "'-' and '_' (e.g. 'self-managed')"
        )
    elif validator == "const":
        message = f"unsupported catalog version {instance!r}; expected {error.validator_value!r}"
    elif validator == "minProperties":
        props = ", ".join(sorted(sub_schema.get("properties", {})))
        message = f"{_path_label(path)} needs at least one of: {props}"
    elif validator == "enum":
        allowed: Any = error.validator_value
        choices = ", ".join(str(v) for v in allowed if isinstance(v, str))
        message = f"{_path_label(path)} must be one of {choices}; not {instance!r}"
    elif validator in ("anyOf", "oneOf"):
        message = f"{_path_label(path)} has the wrong form ({_describe(instance)})"
    else:
        message = f"{_path_label(path)}: {error.message}"
    return [CATALOG_SCHEMA.finding(message, where, subject=subject)]


def validate_with(doc: YamlDoc, schema_data: dict[str, Any], *, what: str) -> list[Finding]:
    """Every violation of another published schema (the configuration file's), placed and
    worded as for the catalog; ``what`` names the document (``the configuration``)."""
    from jsonschema import Draft7Validator

    findings: list[Finding] = []
    errors = Draft7Validator(schema_data).iter_errors(doc.data)
    for error in sorted(errors, key=lambda e: list(map(str, e.path))):
        findings.extend(_finding(doc, error, what))
    return list(dict.fromkeys(findings))


def validate(doc: YamlDoc) -> list[Finding]:
    """Every schema violation of ``doc.data`` as a finding at its YAML position."""
    if _is_valid_fast(doc.data):
        return []
    findings: list[Finding] = []
    errors = sorted(_validator().iter_errors(doc.data), key=lambda e: list(map(str, e.path)))
    for error in errors:
        findings.extend(_finding(doc, error))
    return list(dict.fromkeys(findings))
