"""Deterministic shards of a run's distinct links, for CI jobs that split the work.

``--shard I/N`` (1-based, so GitLab's ``$CI_NODE_INDEX/$CI_NODE_TOTAL`` fits as is) keeps the
links whose normalised URL hashes into bucket I of N. The hash is SHA-256 of the UTF-8 URL:
the same on every run, machine and Python (unlike ``hash()``, which is salted per process).

A shard report keeps the whole catalog's coverage and its catalog-level findings (cheap, and
identical in every shard), and only its own links and the findings about them; ``merge``
(``flowcatalog.runs.merge``) unions shard reports back into the unsharded report.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace

from flowcatalog.errors import UsageError
from flowcatalog.report import LinkGroup, Report

_SPEC = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


@dataclass(frozen=True, slots=True)
class Shard:
    """Bucket ``index`` (1-based) of ``total``."""

    index: int
    total: int

    def __str__(self) -> str:
        return f"{self.index}/{self.total}"


def parse_shard(text: str) -> Shard:
    match = _SPEC.fullmatch(text)
    if match is None:
        raise UsageError(f"--shard {text!r}: expected I/N, e.g. 2/4")
    index, total = int(match.group(1)), int(match.group(2))
    if total < 1 or not 1 <= index <= total:
        raise UsageError(f"--shard {text!r}: I must be between 1 and N (N >= 1)")
    return Shard(index, total)


def bucket(normalised_url: str, total: int) -> int:
    """The 1-based shard of a normalised URL among ``total`` shards."""
    digest = hashlib.sha256(normalised_url.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % total + 1


def in_shard(link: LinkGroup, shard: Shard) -> bool:
    return bucket(link.normalised, shard.total) == shard.index


def restrict(report: Report, shard: Shard) -> Report:
    """``report`` with only the links of ``shard`` and the findings about them
    (``Finding.link``).

    Findings about no link at all (catalog structure, coverage) stay in every shard.
    """
    links = tuple(link for link in report.links if in_shard(link, shard))
    dropped = {link.normalised for link in report.links} - {link.normalised for link in links}
    findings = tuple(f for f in report.findings if f.link is None or f.link not in dropped)
    return replace(report, findings=findings, links=links)
