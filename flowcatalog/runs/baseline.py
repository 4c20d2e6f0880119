"""The baseline: today's findings, recorded so that a big handbook can switch the checks on for
new problems without fixing the old ones first.

``.flowcatalog-baseline.json`` lists each finding's fingerprint (rule, path and subject,
never the line: the Code Quality fingerprint) with its rule, path, subject and message, to
read in review. A later run leaves out the findings whose fingerprint is listed and says how
many it left out, and how many listed findings of the files it checked are gone (fixed):
``baseline --prune`` drops those. Paths are taken relative to the baseline's directory, so
the file works from any working directory. Pure: the CLI reads and writes the file.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass

from flowcatalog.errors import InputError
from flowcatalog.findings import Finding, sort_findings
from flowcatalog.report import Report
from flowcatalog.reporters.subjects import fingerprints

BASELINE_VERSION = 1


@dataclass(frozen=True, slots=True)
class Entry:
    fingerprint: str
    rule: str
    path: str
    subject: str
    message: str


@dataclass(frozen=True, slots=True)
class Baseline:
    """The known findings, by fingerprint; ``root`` is the baseline file's directory."""

    entries: tuple[Entry, ...]
    root: str = "."

    def fingerprints(self) -> frozenset[str]:
        return frozenset(entry.fingerprint for entry in self.entries)


@dataclass(frozen=True, slots=True)
class BaselineSummary:
    """What applying a baseline did: findings left out as known, and listed ones now gone."""

    known: int
    fixed: int

    def line(self) -> str | None:
        if not self.known and not self.fixed:
            return None
        noun = "finding" if self.known == 1 else "findings"
        text = f"{self.known} known {noun} in the baseline"
        if self.fixed:
            text += f" ({self.fixed} fixed since: run `flowcatalog baseline --prune`)"
        return text


def _relative(path: str, root: str) -> str:
    if not path:
        return path
    return os.path.relpath(os.path.abspath(path), os.path.abspath(root)).replace(os.sep, "/")


def _rebased(finding: Finding, root: str) -> Finding:
    path = finding.location.path
    rel = _relative(path, root)
    if rel == path:
        return finding
    return dataclasses.replace(finding, location=dataclasses.replace(finding.location, path=rel))


def _keyed(report: Report, root: str) -> list[tuple[str, Finding]]:
    """Each finding of the report with its fingerprint, paths taken from ``root``."""
    rebased = sort_findings([_rebased(f, root) for f in report.findings])
    prints = fingerprints(rebased)
    by_rebased = dict(zip(rebased, prints, strict=True))
    return [(by_rebased[_rebased(f, root)], f) for f in report.findings]


def entries_of(report: Report, root: str) -> tuple[Entry, ...]:
    """The baseline entries of a report's findings."""
    result = []
    for fingerprint, finding in _keyed(report, root):
        rebased = _rebased(finding, root)
        subject = finding.subject or finding.url or finding.message
        result.append(
            Entry(fingerprint, finding.rule, rebased.location.path, subject, finding.message)
        )
    return tuple(sorted(result, key=lambda e: (e.path, e.rule, e.subject, e.fingerprint)))


def _checked(report: Report, root: str) -> set[str]:
    return {_relative(source, root) for source in report.sources}


def apply(report: Report, baseline: Baseline) -> tuple[Report, BaselineSummary]:
    """The report without the baseline's findings, and what was left out and what is gone.

    Listed findings count as fixed only in the files this run read, so a run over the
    changed pages does not call the rest of the handbook fixed.
    """
    known = baseline.fingerprints()
    kept = []
    seen: set[str] = set()
    for fingerprint, finding in _keyed(report, baseline.root):
        if fingerprint in known:
            seen.add(fingerprint)
        else:
            kept.append(finding)
    checked = _checked(report, baseline.root)
    fixed = sum(1 for e in baseline.entries if e.fingerprint not in seen and e.path in checked)
    summary = BaselineSummary(len(report.findings) - len(kept), fixed)
    return dataclasses.replace(report, findings=tuple(kept)), summary


def prune(baseline: Baseline, report: Report) -> Baseline:
    """The baseline without the entries of checked files that this run no longer finds."""
    found = {fingerprint for fingerprint, _ in _keyed(report, baseline.root)}
    checked = _checked(report, baseline.root)
    kept = tuple(e for e in baseline.entries if e.fingerprint in found or e.path not in checked)
    return dataclasses.replace(baseline, entries=kept)


def dumps(entries: tuple[Entry, ...]) -> str:
    data = {
        "version": BASELINE_VERSION,
        "tool": "flowcatalog",
        "findings": [dataclasses.asdict(entry) for entry in entries],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def loads(text: str, path: str) -> Baseline:
    """Parse a baseline file (``InputError`` when it is not one)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not a baseline file: {exc.msg}", location=f"{path}:{exc.lineno}:{exc.colno}"
        ) from None
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION:
        raise InputError(
            f"not a flowcatalog baseline (version {BASELINE_VERSION}); "
            "write one with 'flowcatalog baseline'",
            location=path,
        )
    entries = []
    for i, item in enumerate(data.get("findings") or []):
        try:
            entries.append(Entry(**{k: str(item[k]) for k in Entry.__dataclass_fields__}))
        except (KeyError, TypeError):
            raise InputError(f"baseline entry {i + 1} is incomplete", location=path) from None
    root = os.path.dirname(path) or "."
    return Baseline(tuple(entries), root)
