"""Changed-only runs: which pages (and whether the catalog) a merge request touched.

``--changed-since REF`` asks git for the files changed on this branch since it left REF
(``git diff --name-only REF...HEAD``: the merge-base diff a merge request shows), plus what is
changed but not committed yet (staged, unstaged and untracked files), so the same command
works in CI, where the working tree is clean, and before a commit at a desk. Deleted files
are left out: there is nothing to check in them.

The catalog is checked when it changed itself or when a changed page is one it documents
(its ``pages:``); its entries are then checked in full, since its coverage is one matrix.
Git runs here and, for ``flowcatalog history``, in ``runs.history``.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flowcatalog.errors import InputError

_FILTER = "--diff-filter=ACMRT"  # added, copied, modified, renamed, type-changed


@dataclass(frozen=True, slots=True)
class ChangedScope:
    """What a changed-only run checks: these pages, and the catalog or not."""

    pages: tuple[str, ...]
    catalog: bool


def _git(args: Sequence[str], cwd: str | None) -> str:
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="surrogateescape",
            check=False,
        )
    except FileNotFoundError:
        raise InputError("--changed-since needs git, and git is not installed") from None
    if done.returncode != 0:
        detail = done.stderr.strip().splitlines()
        raise InputError(
            f"git {' '.join(args[:2])} failed: {detail[-1] if detail else done.returncode}"
        )
    return done.stdout


def changed_files(ref: str, *, cwd: str | None = None) -> frozenset[str]:
    """Absolute real paths of the files changed since ``ref`` (committed or not)."""
    if ref.startswith("-"):
        raise InputError(f"--changed-since {ref!r}: not a git revision")
    top = _git(["rev-parse", "--show-toplevel"], cwd).strip()
    try:
        committed = _git(["diff", "--name-only", "-z", _FILTER, f"{ref}...HEAD", "--"], cwd)
    except InputError as exc:
        raise InputError(
            f"cannot diff against {ref!r} ({exc.message}); in CI, fetch the target branch "
            "and enough history for a merge base (e.g. GIT_DEPTH: 0)"
        ) from None
    uncommitted = _git(["diff", "--name-only", "-z", _FILTER, "HEAD", "--"], cwd)
    untracked = _git(["ls-files", "--others", "--exclude-standard", "-z", "--full-name"], top)
    names = [n for chunk in (committed, uncommitted, untracked) for n in chunk.split("\0") if n]
    return frozenset(os.path.realpath(os.path.join(top, name)) for name in names)


def _real(path: str) -> str:
    return os.path.realpath(path)


def select(
    pages: Iterable[str],
    changed: frozenset[str],
    *,
    catalog_path: str | None,
    catalog_pages: Iterable[str] = (),
) -> ChangedScope:
    """The changed ``pages`` (kept as given) and whether the catalog is in scope.

    ``catalog_pages`` are the pages the catalog lists, as paths usable from here.
    """
    kept = tuple(p for p in dict.fromkeys(pages) if _real(p) in changed)
    if catalog_path is None:
        return ChangedScope(kept, False)
    documented = {_real(p) for p in catalog_pages}
    touched = _real(catalog_path) in changed or any(_real(p) in documented for p in kept)
    return ChangedScope(kept, touched)
