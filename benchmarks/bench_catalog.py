#!/usr/bin/env python3
"""Benchmark: ``flowcatalog check`` on a generated catalog of 10,000 flows.

Reports wall time and peak memory of flowcatalog next to a peer that does part of the
same job on the same file in the same run: check-jsonschema validating the catalog
against the published schema (no link checks, no coverage). Also times ``flowcatalog
check`` on the repo's own catalog.yaml, the pre-commit case.

    python benchmarks/bench_catalog.py [--flows 10000] [--runs 3]

Needs the bench extra (``pip install -e '.[bench]'``) for the peer; without it only
flowcatalog's own figures are printed.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
KEY_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def make_catalog(flows: int, seed: int = 7) -> str:
    """A catalog with ``flows`` flows: 4 deployments, 4 flows a stage, 50 Figma files."""
    rng = random.Random(seed)
    keys = ["".join(rng.choice(KEY_CHARS) for _ in range(22)) for _ in range(50)]
    deployments = ["saas", "self-managed", "dedicated", "gov"]
    lines = [
        "version: 1",
        "title: Generated benchmark catalog",
        "deployments:",
        *(f"  - id: {d}\n    name: {d.title()}" for d in deployments),
        "stages:",
    ]
    for s in range(flows // len(deployments)):
        lines.append(f"  - id: stage-{s}\n    name: Stage {s}\n    flows:")
        for d in deployments:
            key = rng.choice(keys)
            node = f"{rng.randint(1, 9999)}-{rng.randint(1, 99999)}"
            lines.append(
                f"      - name: {d} flow {s}\n"
                f"        deployments: [{d}]\n"
                f"        links:\n"
                f"          - https://www.figma.com/design/{key}/Flows-{s}?node-id={node}"
            )
    return "\n".join(lines) + "\n"


def run(cmd: list[str], cwd: Path) -> tuple[float, float, int]:
    """Wall seconds, peak RSS of the child in MiB, exit code."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return wall, peak, proc.returncode


def measure(label: str, cmd: list[str], cwd: Path, runs: int) -> float:
    walls = []
    peak = 0.0
    for _ in range(runs):
        # a fresh process each time, so ru_maxrss of children is that command's
        wall, _, code = run(cmd, cwd)
        walls.append(wall)
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import resource,subprocess,sys;subprocess.run(sys.argv[1:],stdout=-3,stderr=-3);"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
            *cmd,
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    peak = int(probe.stdout.strip()) / 1024
    median = statistics.median(walls)
    print(f"{label:<44} {median:7.3f} s   peak {peak:6.1f} MiB   (exit {code})")
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    bindir = Path(sys.executable).parent
    flowcatalog = shutil.which("flowcatalog", path=str(bindir)) or "flowcatalog"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "catalog.yaml").write_text(make_catalog(args.flows), encoding="utf-8")
        size = (work / "catalog.yaml").stat().st_size
        print(f"catalog: {args.flows:,} flows, {size / 1e6:.1f} MB; median of {args.runs} runs")
        own = measure(
            "flowcatalog check (repo catalog.yaml)", [flowcatalog, "check"], REPO, args.runs
        )
        ours = measure(
            f"flowcatalog check ({args.flows:,} flows)", [flowcatalog, "check"], work, args.runs
        )
        peer = shutil.which("check-jsonschema", path=str(bindir))
        if peer is None:
            print("check-jsonschema not installed (pip install -e '.[bench]'): no peer ratio")
            return
        schema = str(REPO / "flowcatalog" / "catalog.schema.json")
        theirs = measure(
            "check-jsonschema (schema only, same file)",
            [peer, "--schemafile", schema, "catalog.yaml"],
            work,
            args.runs,
        )
        print(f"ratio flowcatalog / check-jsonschema: {ours / theirs:.2f}")
        print(f"start-up on the repo catalog: {own * 1000:.0f} ms")
    os.environ.pop("PYTHONHASHSEED", None)


if __name__ == "__main__":
    main()
