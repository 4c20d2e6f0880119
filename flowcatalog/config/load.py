"""The configuration file, ``.flowcatalog.yaml``: found, read, validated and made a ``Config``.

Discovery walks up from the working directory to the first ``.flowcatalog.yaml`` (or
``.yml``), as yamllint does; ``--config PATH`` names one instead. The file is read with the
catalog's YAML reader (positions, duplicate keys, no tags) and validated against the
published schema (``config.schema.json``, printed by ``flowcatalog schema --config``); the
first problem stops the run as an ``InputError`` at its ``path:line:col``. Paths and globs in
the file are relative to its directory. A ``.lycheeignore`` beside it adds its lines to the
online excludes, so a list kept for lychee keeps working.
"""

from __future__ import annotations

import difflib
import functools
import json
import os
import re
from dataclasses import dataclass, field
from typing import Any

from flowcatalog import fsio
from flowcatalog.errors import InputError

CONFIG_NAMES = (".flowcatalog.yaml", ".flowcatalog.yml")
LYCHEEIGNORE = ".lycheeignore"
DEFAULT_BASELINE = ".flowcatalog-baseline.json"
SEVERITIES = ("off", "info", "warning", "error")


def schema_text() -> str:
    """The configuration file's JSON Schema, as published."""
    from importlib import resources  # not at start-up: it imports tempfile

    return resources.files("flowcatalog.config").joinpath("config.schema.json").read_text("utf-8")


@functools.cache
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_text())
    return loaded


@dataclass(frozen=True, slots=True)
class RuleSetting:
    """A rule's configured severity (``None``: keep the default) and per-path severities
    as (glob, severity) in file order: the last glob that matches a path wins."""

    rule: str
    severity: str | None = None
    paths: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Config:
    """The settings of one configuration file (all empty without one).

    Paths (``catalogs``, ``baseline``) are usable from the working directory; globs stay
    relative to ``root``, the file's directory (absolute). ``origins`` gives, by setting key
    (``rules.page-placeholder``, ``online.timeout``), the ``path:line:col`` that set it.
    """

    path: str | None = None
    root: str = field(default_factory=os.getcwd)
    catalogs: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    site: tuple[tuple[str, Any], ...] = ()
    rules: tuple[RuleSetting, ...] = ()
    placeholders: tuple[str, ...] | None = None
    baseline: str | None = None
    online: tuple[tuple[str, Any], ...] = ()
    lycheeignore: tuple[str, ...] = ()
    lycheeignore_path: str | None = None
    origins: tuple[tuple[str, str], ...] = ()

    def origin(self, key: str) -> str | None:
        return dict(self.origins).get(key)

    def relative(self, path: str) -> str:
        """``path`` (from the working directory) relative to the file's directory, with
        forward slashes: what the file's globs are matched against."""
        rel = os.path.relpath(os.path.abspath(path), self.root)
        return rel.replace(os.sep, "/")

    def excluded(self, path: str) -> bool:
        """Whether ``pages: exclude:`` leaves out the page at ``path``."""
        rel = self.relative(path)
        return any(glob_match(pattern, rel) for pattern in self.exclude)

    def default_baseline(self) -> str:
        """The baseline file: the configured one, else the default name beside the file."""
        if self.baseline is not None:
            return self.baseline
        return _usable(os.path.join(self.root, DEFAULT_BASELINE))


@functools.lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob as a regex: ``**/`` any directories (or none), ``**`` anything, ``*`` and
    ``?`` within one path segment; a pattern without a slash matches a name at any depth."""
    text = pattern.strip().lstrip("/") if pattern.startswith("/") else pattern.strip()
    if text.startswith("./"):
        text = text[2:]
    out = []
    i = 0
    while i < len(text):
        if text.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif text.startswith("**", i):
            out.append(".*")
            i += 2
        elif text[i] == "*":
            out.append("[^/]*")
            i += 1
        elif text[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(text[i]))
            i += 1
    body = "".join(out)
    if "/" not in pattern.strip().rstrip("/"):
        body = "(?:.*/)?" + body
    if text.endswith("/"):
        body += ".*"
    return re.compile(body + r"\Z")


def glob_match(pattern: str, path: str) -> bool:
    """Whether ``path`` (relative, forward slashes) matches the glob ``pattern``."""
    return _glob_regex(pattern).match(path) is not None


def discover(start: str | None = None) -> str | None:
    """The nearest configuration file in ``start`` (the working directory) or above it, up
    to the top of the git repository (the directory holding ``.git``) or of the file system.
    """
    here = os.path.abspath(start or os.getcwd())
    while True:
        for name in CONFIG_NAMES:
            candidate = os.path.join(here, name)
            if os.path.isfile(candidate):
                return _usable(candidate)
        if os.path.exists(os.path.join(here, ".git")):
            return None
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def _usable(path: str) -> str:
    """An absolute path as short as it can be from the working directory."""
    rel = os.path.relpath(path)
    return rel if not rel.startswith("..") or len(rel) < len(path) else path


def load(path: str) -> Config:
    """Read, validate and convert the configuration file at ``path``."""
    from flowcatalog.catalog import yamlnodes
    from flowcatalog.catalog.schema import validate_with

    doc = yamlnodes.load(fsio.read_text(path), path)
    problems = [*doc.findings, *validate_with(doc, schema(), what="the configuration")]
    if problems:
        _stop(problems[0].message, str(problems[0].location), len(problems) - 1)
    data: dict[str, Any] = doc.data if isinstance(doc.data, dict) else {}
    root = os.path.dirname(os.path.abspath(path))
    origins: dict[str, str] = {}

    def mark(key: str, *at: str | int) -> None:
        origins[key] = str(doc.key_marks.get(at) or doc.at(at))

    def rebase(value: str) -> str:
        return _usable(os.path.normpath(os.path.join(root, value)))

    catalogs = tuple(rebase(p) for p in data.get("catalogs", ()))
    if "catalogs" in data:
        mark("catalogs", "catalogs")
    pages = data.get("pages") or {}
    for key in ("include", "exclude"):
        if key in pages:
            mark(f"pages.{key}", "pages", key)
    site = data.get("site") or {}
    for key in site:
        mark(f"site.{key}", "site", key)
    if "root_dir" in site:
        site = {**site, "root_dir": rebase(site["root_dir"])}
    rules = _rules(data.get("rules") or {}, doc, mark)
    placeholders = data.get("placeholders")
    if placeholders is not None:
        mark("placeholders", "placeholders")
    baseline = data.get("baseline")
    if baseline is not None:
        mark("baseline", "baseline")
    online: dict[str, Any] = dict(data.get("online") or {})
    for key in online:
        mark(f"online.{key}", "online", key)
    for i, pattern in enumerate(online.get("exclude", ())):
        _regex(pattern, str(doc.at(("online", "exclude", i))))
    if "accept" in online:
        online["accept"] = tuple(str(code) for code in online["accept"])
    if "exclude" in online:
        online["exclude"] = tuple(online["exclude"])
    if "max_cache_age" in online:
        online["max_cache_age"] = str(online["max_cache_age"])
    if "cache" in online:
        online["cache"] = rebase(online["cache"])
    ignore_path = os.path.join(root, LYCHEEIGNORE)
    ignored: tuple[str, ...] = ()
    shown_ignore: str | None = None
    if os.path.isfile(ignore_path):
        shown_ignore = _usable(ignore_path)
        ignored = read_lycheeignore(shown_ignore)
    return Config(
        path=path,
        root=root,
        catalogs=catalogs,
        include=tuple(pages.get("include", ())),
        exclude=tuple(pages.get("exclude", ())),
        site=tuple(site.items()),
        rules=rules,
        placeholders=tuple(placeholders) if placeholders is not None else None,
        baseline=rebase(baseline) if baseline is not None else None,
        online=tuple(online.items()),
        lycheeignore=ignored,
        lycheeignore_path=shown_ignore,
        origins=tuple(origins.items()),
    )


def read_lycheeignore(path: str) -> tuple[str, ...]:
    """The patterns of a ``.lycheeignore``: one regular expression a line, ``#`` comments."""
    patterns = []
    for number, line in enumerate(fsio.read_text(path).splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        _regex(text, f"{path}:{number}:{len(line) - len(line.lstrip()) + 1}")
        patterns.append(text)
    return tuple(patterns)


def _regex(pattern: str, where: str) -> None:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise InputError(f"invalid regular expression {pattern!r}: {exc}", location=where) from None


def _stop(message: str, where: str, more: int) -> None:
    suffix = f" (and {more} more problem{'s' if more != 1 else ''})" if more else ""
    raise InputError(message + suffix, location=where)


def _rules(raw: dict[str, Any], doc: Any, mark: Any) -> tuple[RuleSetting, ...]:
    from flowcatalog.rules.registry import all_rules

    known = [r.id for r in all_rules()]
    settings = []
    for rule_id, value in raw.items():
        if rule_id not in known:
            close = difflib.get_close_matches(rule_id, known, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else "see the README's checks"
            where = doc.key_marks.get(("rules", rule_id)) or doc.at(("rules",))
            _stop(f"unknown rule {rule_id!r} in rules; {hint}", str(where), 0)
        mark(f"rules.{rule_id}", "rules", rule_id)
        if not isinstance(value, dict):
            settings.append(RuleSetting(rule_id, _severity(value)))
            continue
        paths = tuple(
            (str(glob), _severity(sev)) for glob, sev in (value.get("paths") or {}).items()
        )
        level = value.get("severity")
        settings.append(RuleSetting(rule_id, None if level is None else _severity(level), paths))
    return tuple(settings)


def _severity(value: Any) -> str:
    """A severity as written; YAML 1.1 reads a bare ``off`` as false."""
    return "off" if value is False else str(value)


def find(explicit: str | None, *, disabled: bool = False) -> Config:
    """The configuration of a run: the file named, else the one discovered, else none."""
    if disabled:
        return Config()
    path = explicit if explicit is not None else discover()
    if path is None:
        return Config()
    if explicit is not None and not os.path.exists(explicit):
        raise InputError("no such configuration file", location=explicit)
    return load(path)
