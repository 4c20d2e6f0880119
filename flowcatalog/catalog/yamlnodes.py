"""YAML text -> plain data plus the source position of every value.

PyYAML's loaders silently keep the last of two equal keys and can build arbitrary objects
from tags; this reader composes the node tree (libyaml when available) and converts it
itself: duplicate keys become findings, non-standard tags are refused, and alias
expansion, nesting depth and size are bounded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from flowcatalog.catalog import MAX_BYTES
from flowcatalog.errors import InputError
from flowcatalog.findings import Finding, Rule, Severity
from flowcatalog.model import Location

CATALOG_SCHEMA = Rule(
    "catalog-schema",
    Severity.ERROR,
    "a catalog value has the wrong type, form or is missing",
    "catalog",
    unread=True,
)
DUPLICATE_KEY = Rule(
    "duplicate-key",
    Severity.ERROR,
    "a key given twice in one mapping (YAML would silently keep the last)",
    "catalog",
    unread=True,
)

PathKey = tuple[str | int, ...]

MAX_NODES = 2_000_000
MAX_DEPTH = 64

_STANDARD = "tag:yaml.org,2002:"
_PLAIN_TAGS = {_STANDARD + name for name in ("str", "timestamp", "binary", "value")}
_ALLOWED_TAGS = {
    _STANDARD + name
    for name in (
        "str",
        "timestamp",
        "binary",
        "value",
        "null",
        "bool",
        "int",
        "float",
        "seq",
        "map",
    )
}


@dataclass(slots=True)
class YamlDoc:
    """Converted data, with positions: ``marks`` of values, ``key_marks`` of mapping keys."""

    data: Any
    marks: dict[PathKey, Location] = field(default_factory=dict)
    key_marks: dict[PathKey, Location] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def at(self, path: PathKey) -> Location:
        """The location of the value at ``path``, or of its nearest ancestor."""
        probe = path
        while probe not in self.marks and probe:
            probe = probe[:-1]
        return self.marks.get(probe, Location(self._path, 1, 1))

    @property
    def _path(self) -> str:
        return next(iter(self.marks.values())).path if self.marks else "<catalog>"


def _loc(path: str, mark: Any) -> Location:
    return Location(path, mark.line + 1, mark.column + 1)


def _loader() -> type[Any]:
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(text: str, path: str) -> YamlDoc:
    """Parse one YAML document. Raises ``InputError`` for input that is not a usable YAML."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise InputError(f"file is larger than {MAX_BYTES // (1024 * 1024)} MiB", location=path)
    try:
        root = yaml.compose(text, Loader=_loader())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = str(_loc(path, mark)) if mark is not None else path
        problem = exc.problem or exc.context or "invalid YAML"
        raise InputError(f"YAML syntax error: {problem}", location=where) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        raise InputError(
            f"character U+{ord(char):04X} is not allowed in YAML ({exc.reason})",
            location=f"{path}:{line}:{column}",
        ) from None
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"YAML error: {first}", location=path) from None
    except RecursionError:
        raise InputError("YAML nested too deeply", location=path) from None
    if root is None:
        raise InputError("the file holds no YAML document", location=f"{path}:1:1")
    _check_expansion(root, path)
    converter = _Converter(path)
    data = converter.convert(root, (), 0)
    return YamlDoc(data, converter.marks, converter.key_marks, converter.findings)


def _check_expansion(root: yaml.Node, path: str) -> None:
    """Refuse, before expanding anything, a document whose aliases would expand past
    ``MAX_NODES`` values or refer to themselves.

    Each distinct node's expanded size is counted once (an alias is the same node object
    as its anchor), so the cost is linear in the document, however much it would expand.
    """
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in sizes and not children_done:
            continue
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        if children_done:
            open_nodes.discard(key)
            total = 1 + sum(sizes[id(child)] for child in children)
            if total > MAX_NODES:
                raise InputError(
                    f"aliases would expand to more than {MAX_NODES:,} YAML values "
                    "(an alias bomb?); refusing to expand",
                    location=str(_loc(path, node.start_mark)),
                )
            sizes[key] = total
            continue
        if key in open_nodes:
            raise InputError(
                "a YAML alias refers to the node that contains it; refusing to expand",
                location=str(_loc(path, node.start_mark)),
            )
        open_nodes.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in open_nodes:
                raise InputError(
                    "a YAML alias refers to the node that contains it; refusing to expand",
                    location=str(_loc(path, child.start_mark)),
                )
            if id(child) not in sizes:
                stack.append((child, False))


class _Converter:
    def __init__(self, path: str) -> None:
        self.path = path
        self.visits = 0
        self.marks: dict[PathKey, Location] = {}
        self.key_marks: dict[PathKey, Location] = {}
        self.findings: list[Finding] = []
        self.constructor = yaml.SafeLoader("")

    def convert(self, node: yaml.Node, at: PathKey, depth: int) -> Any:
        self.visits += 1
        if self.visits > MAX_NODES:
            raise InputError(
                f"more than {MAX_NODES:,} YAML values (an alias bomb?); refusing to expand",
                location=str(_loc(self.path, node.start_mark)),
            )
        if depth > MAX_DEPTH:
            raise InputError(
                f"YAML nested deeper than {MAX_DEPTH} levels",
                location=str(_loc(self.path, node.start_mark)),
            )
        self.marks[at] = _loc(self.path, node.start_mark)
        tag = node.tag or ""
        if tag not in _ALLOWED_TAGS:
            raise InputError(
                f"YAML tag {tag!r} is not allowed; a catalog holds plain data",
                location=str(_loc(self.path, node.start_mark)),
            )
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, (*at, i), depth + 1) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.MappingNode)
        return self._mapping(node, at, depth)

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        tag = node.tag
        if tag in _PLAIN_TAGS:
            return node.value
        if tag == _STANDARD + "null":
            return None
        try:
            if tag == _STANDARD + "bool":
                return self.constructor.construct_yaml_bool(node)
            if tag == _STANDARD + "int":
                return self.constructor.construct_yaml_int(node)
            if tag == _STANDARD + "float":
                return self.constructor.construct_yaml_float(node)
        except (ValueError, yaml.YAMLError):
            return node.value
        raise InputError(
            f"YAML tag {tag!r} is not allowed; a catalog holds plain data",
            location=str(_loc(self.path, node.start_mark)),
        )

    def _mapping(self, node: yaml.MappingNode, at: PathKey, depth: int) -> dict[str, Any]:
        """Explicit keys first (a repeated one is a finding), then keys from ``<<`` merges
        that no explicit key or earlier merge source defines (YAML's merge rule)."""
        merge_tag = _STANDARD + "merge"
        result: dict[str, Any] = {}
        first_seen: dict[str, Location] = {}
        sources: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == merge_tag:
                if isinstance(value_node, yaml.SequenceNode):
                    sources.extend(value_node.value)
                else:
                    sources.append(value_node)
                continue
            key_loc = _loc(self.path, key_node.start_mark)
            if not isinstance(key_node, yaml.ScalarNode):
                self.findings.append(
                    CATALOG_SCHEMA.finding(
                        "mapping keys must be plain strings",
                        key_loc,
                        subject="/".join(map(str, at)),
                    )
                )
                continue
            key = str(key_node.value)
            if key in first_seen:
                self.findings.append(
                    DUPLICATE_KEY.finding(
                        f"duplicate key {key!r}; first defined at line {first_seen[key].line}",
                        key_loc,
                        subject="/".join(map(str, (*at, key))),
                    )
                )
                continue
            first_seen[key] = key_loc
            self.key_marks[(*at, key)] = key_loc
            result[key] = self.convert(value_node, (*at, key), depth + 1)
        for source in sources:
            if not isinstance(source, yaml.MappingNode):
                continue
            for key_node, value_node in source.value:
                if not isinstance(key_node, yaml.ScalarNode) or str(key_node.value) in result:
                    continue
                key = str(key_node.value)
                self.key_marks[(*at, key)] = _loc(self.path, key_node.start_mark)
                result[key] = self.convert(value_node, (*at, key), depth + 1)
        return result
