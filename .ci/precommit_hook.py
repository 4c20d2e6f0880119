"""Run the published pre-commit hook for real (``pre-commit try-repo``) in a small handbook
that adopts flowcatalog as the README says: configuration, baseline, then the hook.

Usage: python .ci/precommit_hook.py FLOWCATALOG

FLOWCATALOG is an installed ``flowcatalog`` command (from the wheel), used to write the
baseline as a user would. Checks: with the baseline, a commit of old pages passes; a new
page with a placeholder fails (``--strict``: a warning blocks); a change to the catalog
alone runs the hook; with six files, each finding is printed once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CATALOG = """\
version: 1
pages:
  - path: docs/lifecycle.md
deployments:
  - {id: saas, name: SaaS}
stages:
  - id: trial
    name: Trial
    flows:
      - name: Trial purchase
        deployments: [saas]
        placeholder: coming soon
"""
ENV = {
    "GIT_AUTHOR_NAME": "ci",
    "GIT_AUTHOR_EMAIL": "ci@example.com",
    "GIT_COMMITTER_NAME": "ci",
    "GIT_COMMITTER_EMAIL": "ci@example.com",
}


def run(cwd: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        list(args), cwd=cwd, env={**os.environ, **ENV}, capture_output=True, text=True
    )
    if ok and done.returncode != 0:
        print(done.stdout, done.stderr, sep="\n")
        raise SystemExit(f"failed: {' '.join(args)}")
    return done


def hook(repo: Path, *files: str) -> subprocess.CompletedProcess[str]:
    args = ["pre-commit", "try-repo", str(REPO), "flowcatalog", "--verbose"]
    args += ["--files", *files] if files else ["--all-files"]
    done = run(repo, *args, ok=False)
    print(done.stdout[-2500:], flush=True)
    return done


def main() -> int:
    flowcatalog = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="flowcatalog-hook-") as tmp:
        repo = Path(tmp) / "handbook"
        os.environ["PRE_COMMIT_HOME"] = str(Path(tmp) / "pre-commit-home")
        (repo / "docs").mkdir(parents=True)
        (repo / "catalog.yaml").write_text(CATALOG, "utf-8")
        for n in range(6):
            (repo / "docs" / f"old-{n}.md").write_text(f"# Old {n}\n\nTODO\n", "utf-8")
        (repo / "docs" / "lifecycle.md").write_text("# Lifecycle\n\n## Trial\n\nTBD\n", "utf-8")
        run(repo, "git", "init", "-q", "-b", "main")
        # 1. the configuration: the catalog's placeholder cell is known and fine
        (repo / ".flowcatalog.yaml").write_text("rules:\n  placeholder-cell: info\n", "utf-8")
        # 2. the baseline: today's findings
        run(repo, flowcatalog, "baseline", "docs")
        # 3. the hook
        run(repo, "git", "add", "-A")
        run(repo, "git", "commit", "-q", "-m", "adopt flowcatalog")
        clean = hook(repo)
        assert clean.returncode == 0, "the hook should pass on the adopted handbook"
        catalog_only = hook(repo, "catalog.yaml")
        assert catalog_only.returncode == 0
        assert "Passed" in catalog_only.stdout
        (repo / "docs" / "new.md").write_text("# New\n\nComing soon\n", "utf-8")
        files = ["docs/new.md", *(f"docs/old-{n}.md" for n in range(6)), "catalog.yaml"]
        new = hook(repo, *files)
        assert new.returncode == 1, "a new placeholder should fail the hook"
        line = "docs/new.md:3:1: warning: placeholder text 'Coming soon'"
        assert new.stdout.count(line) == 1, "each finding once"
        findings = [row for row in new.stdout.splitlines() if row.endswith("]")]
        assert not [row for row in findings if row.startswith("docs/old-")], findings
    print("pre-commit: the hook passes an adopted handbook and fails a new placeholder")
    return 0


if __name__ == "__main__":
    sys.exit(main())
