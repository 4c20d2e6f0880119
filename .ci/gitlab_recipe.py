"""Run the GitLab recipe's jobs for real with gitlab-ci-local (shell executor, no Docker) on a
small handbook, and check what they leave behind.

Usage: python .ci/gitlab_recipe.py GITLAB_CI_LOCAL WHEEL

- a handbook repository with a `main` branch and an `origin` remote (a bare copy), and a
  merge-request branch that adds a page with a placeholder and an empty link target;
- flowcatalog:changed (merge request) must fail on that page, and flowcatalog:note must
  post the summary to a fake GitLab API once, then update the same note on a second run;
  without a token it must skip with one line;
- flowcatalog:full (default branch) must pass and print a line the `coverage:` regex reads;
- every artifact a job declares must exist and parse.

The jobs install flowcatalog from WHEEL (FLOWCATALOG_PIP_SPEC) into a fresh virtual
environment that stands in for the job image's Python.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from xml.etree import ElementTree

import yaml

REPO = Path(__file__).resolve().parent.parent
RECIPE = REPO / "recipes" / "flowcatalog.gitlab-ci.yml"

CATALOG = """\
version: 1
title: Handbook fixture
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
        links: ["https://www.figma.com/design/DCq7K8Srsv79tbH1yRkGbl/x?node-id=1-2"]
"""
PAGE = """\
# Lifecycle

## Trial

- [Trial purchase](https://www.figma.com/design/DCq7K8Srsv79tbH1yRkGbl/x?node-id=1-2)
"""
NEW_PAGE = "# Notes\n\nComing soon\n\n- [the flow]()\n"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "ci",
    "GIT_AUTHOR_EMAIL": "ci@example.com",
    "GIT_COMMITTER_NAME": "ci",
    "GIT_COMMITTER_EMAIL": "ci@example.com",
}


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, env={**os.environ, **GIT_ENV})


def handbook(root: Path) -> Path:
    repo = root / "handbook"
    (repo / "docs").mkdir(parents=True)
    (repo / "catalog.yaml").write_text(CATALOG, "utf-8")
    (repo / "docs" / "lifecycle.md").write_text(PAGE, "utf-8")
    (repo / ".flowcatalog.yaml").write_text("rules:\n  shared-flow: 'off'\n", "utf-8")
    (repo / ".gitlab-ci.yml").write_text(RECIPE.read_text("utf-8"), "utf-8")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "handbook")
    git(root, "clone", "-q", "--bare", str(repo), str(root / "origin.git"))
    git(repo, "remote", "add", "origin", str(root / "origin.git"))
    git(repo, "fetch", "-q", "origin")
    return repo


class FakeGitLab(BaseHTTPRequestHandler):
    notes: ClassVar[list[dict[str, Any]]] = []
    calls: ClassVar[list[str]] = []

    def _reply(self, data: Any, status: int = 200) -> None:
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        data: dict[str, Any] = json.loads(self.rfile.read(length) or b"{}")
        return data

    def do_GET(self) -> None:
        assert self.headers["PRIVATE-TOKEN"] == "note-token"
        self.calls.append("GET")
        self._reply(self.notes)

    def do_POST(self) -> None:
        self.calls.append("POST")
        note = {"id": 100 + len(self.notes), "body": self._body()["body"]}
        self.notes.append(note)
        self._reply(note, 201)

    def do_PUT(self) -> None:
        self.calls.append("PUT " + self.path.rsplit("/", 1)[1])
        note_id = int(self.path.rsplit("/", 1)[1])
        for note in self.notes:
            if note["id"] == note_id:
                note["body"] = self._body()["body"]
        self._reply({"id": note_id})

    def log_message(self, *args: Any) -> None:
        pass


def run_jobs(
    tool: str, repo: Path, jobs: list[str], variables: dict[str, str], env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    args = [tool, "--force-shell-executor"]
    if variables:
        args += ["--ignore-predefined-vars", ",".join(sorted(variables))]
    for name, value in variables.items():
        args += ["--variable", f"{name}={value}"]
    done = subprocess.run(
        [*args, *jobs], cwd=repo, env=env, capture_output=True, text=True, check=False
    )
    print(done.stdout[-3000:], done.stderr[-2000:], sep="\n", flush=True)
    return done


def artifact_dir(repo: Path, job: str) -> Path:
    mangled = job.replace(":", "Og")  # gitlab-ci-local's safe form of ':'
    return repo / ".gitlab-ci-local" / "artifacts" / mangled


def check_artifacts(repo: Path, job: str, recipe: dict[str, Any]) -> list[str]:
    """Every declared artifact of ``job`` exists and parses; returns the files checked."""
    spec = recipe[job]["artifacts"]
    assert spec.get("when") == "always", f"{job}: artifacts need when: always"
    base = artifact_dir(repo, job)
    declared = list(spec.get("reports", {}).values())
    for path in spec.get("paths", []):
        found = [p for p in (base / path).rglob("*") if p.is_file()]
        assert found, f"{job}: nothing under {path}"
        declared += [str(p.relative_to(base)) for p in found]
    for name in dict.fromkeys(declared):
        file = base / name
        assert file.is_file(), f"{job}: artifact {name} is missing"
        text = file.read_text("utf-8")
        if name.endswith(".json"):
            json.loads(text)
        elif name.endswith((".xml", ".svg")):
            ElementTree.fromstring(text)
        elif name.endswith(".html"):
            assert text.lstrip().lower().startswith("<!doctype html"), name
        else:
            assert text.strip(), f"{job}: {name} is empty"
    return sorted(dict.fromkeys(declared))


def main() -> int:
    tool, wheel = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    recipe = yaml.safe_load(RECIPE.read_text("utf-8"))
    with tempfile.TemporaryDirectory(prefix="flowcatalog-gitlab-") as tmp:
        root = Path(tmp)
        repo = handbook(root)
        venv = root / "job-python"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"}
        for name in ("VIRTUAL_ENV", "FLOWCATALOG_PIP_SPEC", "FIGMA_TOKEN"):
            env.pop(name, None)
        spec = {"FLOWCATALOG_PIP_SPEC": wheel}

        # the recipe refuses to run without a pinned install spec, in one line
        unset = run_jobs(tool, repo, ["flowcatalog:full"], {}, env)
        assert unset.returncode != 0
        assert "flowcatalog: set FLOWCATALOG_PIP_SPEC to a pinned install spec" in unset.stdout

        # default branch: the full check passes; the coverage regex reads its output
        full = run_jobs(tool, repo, ["flowcatalog:full"], spec, env)
        assert full.returncode == 0, "flowcatalog:full failed"
        pattern = recipe["flowcatalog:full"]["coverage"].strip("/")
        found = re.search(pattern, full.stdout)
        assert found is not None, "no coverage line"
        assert found.group(1) == "100.0", found.group(0)
        checked = {"flowcatalog:full": check_artifacts(repo, "flowcatalog:full", recipe)}

        # a merge request adding a page with a placeholder and an empty link target
        git(repo, "checkout", "-q", "-b", "notes")
        (repo / "notes").mkdir()
        (repo / "notes" / "new.md").write_text(NEW_PAGE, "utf-8")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "notes")
        server = ThreadingHTTPServer(("127.0.0.1", 0), FakeGitLab)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        mr = {
            **spec,
            "CI_PIPELINE_SOURCE": "merge_request_event",
            "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main",
            "CI_MERGE_REQUEST_IID": "7",
            "CI_PROJECT_ID": "42",
        }
        skipped = run_jobs(tool, repo, ["flowcatalog:changed", "flowcatalog:note"], mr, env)
        assert "FLOWCATALOG_NOTE_TOKEN is not set; no merge-request note" in skipped.stdout
        assert FakeGitLab.calls == []
        api = {
            "CI_API_V4_URL": f"http://127.0.0.1:{server.server_port}/api/v4",
            "FLOWCATALOG_NOTE_TOKEN": "note-token",
        }
        for _ in range(2):
            done = run_jobs(
                tool, repo, ["flowcatalog:changed", "flowcatalog:note"], {**mr, **api}, env
            )
            assert done.returncode != 0, "flowcatalog:changed should fail on the new page"
            assert "notes/new.md:5:3: error: link 'the flow' has an empty target" in done.stdout
        server.shutdown()
        assert FakeGitLab.calls == ["GET", "POST", "GET", "PUT 100"], FakeGitLab.calls
        assert len(FakeGitLab.notes) == 1
        assert FakeGitLab.notes[0]["body"].startswith("<!-- flowcatalog:summary -->\n")
        assert "empty target" in FakeGitLab.notes[0]["body"]
        checked["flowcatalog:changed"] = check_artifacts(repo, "flowcatalog:changed", recipe)
        report = artifact_dir(repo, "flowcatalog:changed") / "flowcatalog-report"
        quality = json.loads((report / "gl-code-quality.json").read_text("utf-8"))
        assert {i["location"]["path"] for i in quality} == {"notes/new.md"}
        shutil.rmtree(repo / ".gitlab-ci-local", ignore_errors=True)
    for job, files in checked.items():
        print(f"gitlab-ci-local: {job}: artifacts ok: {', '.join(files)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
