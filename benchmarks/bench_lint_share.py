"""Where a page's lint CPU goes, and what native extraction could give at most.

The page-lint goal (2x lychee) asks whether the Markdown extraction should move to native
code. This script answers on the corpus of ``bench_pages.py`` (500 generated pages, 7 MB):

- each phase timed on every page in one process (median of ``--runs`` passes, after one
  pass to warm up): lint (what a worker does for a page: read, parse, the page rules, the
  compact result); extraction (``parse_markdown`` alone, the Python loop over the parser's
  events included); the native parser alone (``pyromark.events_with_range``, its events
  made into Python objects, looped over and dropped);
- a whole ``check --no-cache`` of the corpus in this process (the CLI's ``main``, worker
  processes as usual), as it is and with every page's extraction free: ``parse_page``
  hands back the page's document, made before the run (the workers are forked with them);
- a cold ``check`` from the command line, and ``lychee --offline --dump`` on the same pages.

The best a native extraction could do is the cold check less what the free extraction
saved in the in-process runs (the parser itself kept: it is native already).

    python benchmarks/bench_lint_share.py --corpus-tool ../shared/bench/make_corpus.py
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_pages import make_corpus  # noqa: E402  (the other benchmark script, beside this one)


def _median_pass(passes: int, work: Callable[[], object]) -> float:
    work()  # warm-up: caches, compiled patterns
    times = []
    for _ in range(passes):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _wall(command: list[str], cwd: Path, runs: int, env: dict[str, str] | None = None) -> float:
    """The median wall time of ``command``, after one run to warm up."""
    subprocess.run(command, cwd=cwd, capture_output=True, check=False, env=env)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=cwd, capture_output=True, check=False, env=env)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--corpus-tool", type=Path, required=True, help="make_corpus.py")
    args = parser.parse_args()

    import pyromark

    from flowcatalog.cli import main as cli
    from flowcatalog.pages import load, markdown
    from flowcatalog.pipeline import pages
    from flowcatalog.rules.page_content import run_keys

    work = Path(tempfile.mkdtemp(prefix="flowcatalog-share-"))
    try:
        files = make_corpus(work / "corpus", args.corpus_tool, 7_000_000)
        texts = [(path, Path(path).read_text(encoding="utf-8")) for path in files]
        items = [(path, (), False, False, "gitlab") for path in files]
        keys = run_keys(())
        options = markdown._options()

        def lint() -> None:
            for item in items:
                pages._compact(pages._lint_one(item))

        def extraction() -> None:
            for path, text in texts:
                markdown.parse_markdown(path, text, run_keys=keys)

        def parser_alone() -> None:
            for _, text in texts:
                for _event in pyromark.events_with_range(text, options=options):
                    pass

        linted = _median_pass(args.runs, lint)
        extracted = _median_pass(args.runs, extraction)
        parsed = _median_pass(args.runs, parser_alone)
        check = ["check", str(work / "corpus"), "--no-cache", "--no-config"]
        check += ["-o", str(work / "report.txt")]
        as_is = _median_pass(args.runs, lambda: cli.main(check))
        docs = {path: load.parse_page(path, text, run_keys=keys) for path, text in texts}
        real_parse = load.parse_page
        load.parse_page = lambda path, text, **_: docs[path]
        try:
            free = _median_pass(args.runs, lambda: cli.main(check))
        finally:
            load.parse_page = real_parse
        env = dict(os.environ, PYTHONPATH=str(HERE.parent))
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
        cold = _wall([sys.executable, "-m", "flowcatalog", *check], work, args.runs, env)
        lychee = shutil.which("lychee") or str(Path(sys.executable).parent / "lychee")
        peer = _wall([lychee, "--offline", "--dump", *files], work, args.runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    best = cold - (as_is - free) + parsed / min(pages.default_jobs(), len(files))
    print(f"{len(files)} pages in one process, median of {args.runs} passes:")
    for name, took in (
        ("lint (read, parse, rules, result)", linted),
        ("extraction (parse_markdown)", extracted),
        ("the native parser, events only", parsed),
    ):
        print(f"  {name:34s} {took * 1000:6.0f} ms  {took / linted:4.0%}")
    print(f"check in this process: {as_is * 1000:.0f} ms; extraction free: {free * 1000:.0f} ms")
    print(f"cold check: {cold * 1000:.0f} ms, {cold / peer:.1f}x lychee --offline --dump")
    print(f"  ({peer * 1000:.0f} ms); with a native extraction at best: about")
    print(f"  {best * 1000:.0f} ms, {best / peer:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
