#!/usr/bin/env python3
"""Audit: how far a handbook editor can trust ``flowcatalog check`` on real pages.

Runs ``check`` (offline, no catalog) over each corpus directory given, draws a fixed random
sample of each rule's findings (seeded, so the same run draws the same sample), and reads
the verdicts recorded in ``benchmarks/audit_labels.yaml``, keyed by a stable fingerprint of
the finding (rule, path relative to the corpus, subject or message; never the line). It
prints each rule's precision over its labelled sample, and the recall against the defects
listed in ``benchmarks/audit_defects.yaml`` (found by reading the pages or seeded: each by
path, rule and a fragment of the finding's subject or message, with what is wrong; no page
text is copied).

    python benchmarks/audit.py CORPUS_DIR[=ARGS]... [--per-rule 20] [--seed 7]
        [--unlabelled] [--labels FILE] [--defects FILE]

``CORPUS_DIR=ARGS`` passes extra options to ``check`` for that corpus, e.g.
``../shared/corpus/sourcegraph-handbook/files='--slug-style github --root-dir content'``
(``--root-dir`` relative to the corpus directory). ``--unlabelled`` lists the sampled
findings that have no verdict yet, as YAML to fill in.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shlex
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
SEVERITY_TARGET = {"error": 0.95, "warning": 0.85}


def fingerprint(rule: str, path: str, subject: str) -> str:
    """The key of a finding in the labels file: rule, corpus-relative path, subject."""
    raw = "\0".join((rule, path, subject))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]


def run_check(corpus: Path, extra: list[str]) -> list[dict[str, Any]]:
    """``flowcatalog check --format json`` over ``corpus``, from a directory with no catalog."""
    args = list(extra)
    if "--root-dir" in args:
        i = args.index("--root-dir") + 1
        args[i] = str((corpus / args[i]).resolve())
    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / "report.json"
        command = [
            sys.executable,
            "-m",
            "flowcatalog",
            "check",
            str(corpus.resolve()),
            "--format",
            "json",
            "--output",
            str(out),
            *args,
        ]
        done = subprocess.run(command, cwd=work, capture_output=True, text=True, check=False)
        if done.returncode not in (0, 1):
            sys.exit(f"check failed on {corpus} ({done.returncode}): {done.stderr.strip()}")
        report = json.loads(out.read_text("utf-8"))
    findings = []
    root = str(corpus.resolve())
    for finding in report["findings"]:
        path = os.path.relpath(finding["path"], root)
        name = corpus.resolve().parent.name if corpus.name == "files" else corpus.name
        finding["relpath"] = f"{name}/{path}"
        subject = finding["subject"] or finding["url"] or finding["message"]
        finding["key"] = fingerprint(finding["rule"], finding["relpath"], subject)
        findings.append(finding)
    return findings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpora", nargs="+", help="CORPUS_DIR or CORPUS_DIR=EXTRA_ARGS")
    parser.add_argument("--per-rule", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--labels", type=Path, default=HERE / "audit_labels.yaml")
    parser.add_argument("--defects", type=Path, default=HERE / "audit_defects.yaml")
    parser.add_argument("--unlabelled", action="store_true", help="print unlabelled samples")
    parser.add_argument("--false", action="store_true", help="print the sampled false alarms")
    options = parser.parse_args(argv)

    findings: list[dict[str, Any]] = []
    for spec in options.corpora:
        directory, _, extra = spec.partition("=")
        findings.extend(run_check(Path(directory), shlex.split(extra)))
    labels: dict[str, dict[str, Any]] = {}
    if options.labels.exists():
        labels = yaml.safe_load(options.labels.read_text("utf-8")) or {}
    defects: list[dict[str, str]] = []
    if options.defects.exists():
        defects = yaml.safe_load(options.defects.read_text("utf-8")) or []

    by_rule: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for finding in findings:
        by_rule[finding["rule"]].append(finding)
    unlabelled: list[dict[str, Any]] = []
    false_alarms: list[dict[str, Any]] = []
    print(f"{'rule':34} {'sev':7} {'found':>5} {'sampled':>7} {'true':>4} {'false':>5} precision")
    # a verdict of ``true: null`` marks a finding that cannot be judged on that corpus (the
    # corpus lacks the file it names, say): it counts neither way
    for rule in sorted(by_rule):
        items = sorted(by_rule[rule], key=lambda f: (f["relpath"], f["line"] or 0, f["key"]))
        rng = random.Random(f"{options.seed}:{rule}")  # one draw per rule, independent
        sample = rng.sample(items, min(options.per_rule, len(items)))
        severity = items[0]["severity"]
        true = false = 0
        for finding in sample:
            verdict = labels.get(finding["key"])
            if verdict is None:
                unlabelled.append(finding)
            elif verdict.get("true") is None:
                continue  # cannot be judged on this corpus (the reason is recorded)
            elif verdict.get("true"):
                true += 1
            else:
                false += 1
                false_alarms.append(finding)
        judged = true + false
        precision = f"{true / judged:.0%}" if judged else "-"
        target = SEVERITY_TARGET.get(severity)
        flag = " (under target)" if target and judged and true / judged < target else ""
        print(
            f"{rule:34} {severity:7} {len(items):5} {len(sample):7} {true:4} {false:5} "
            f"{precision}{flag}"
        )
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for finding in findings:
        verdict = labels.get(finding["key"])
        if verdict is not None and verdict.get("true") is not None:
            totals[finding["severity"]][0 if verdict.get("true") else 1] += 1
    for severity in ("error", "warning", "info"):
        true, false = totals[severity]
        if true + false:
            share = true / (true + false)
            print(f"all {severity}s: {true}/{true + false} labelled true = {share:.0%}")

    found = 0
    missed = []
    for defect in defects:
        hit = any(
            f["rule"] == defect["rule"]
            and f["relpath"] == defect["path"]
            and defect.get("match", "") in f"{f['subject']} {f['message']} {f['url'] or ''}"
            for f in findings
        )
        if hit:
            found += 1
        else:
            missed.append(defect)
    if defects:
        print(f"recall: {found}/{len(defects)} listed defects found = {found / len(defects):.0%}")
        for defect in missed:
            print(f"  missed: {defect['path']} [{defect['rule']}] {defect['what']}")
    if options.false and false_alarms:
        print("\nfalse alarms in the sample:")
        for f in false_alarms:
            why = labels[f["key"]].get("why", "")
            print(f"  {f['relpath']}:{f['line']} [{f['rule']}] {why}")
    if options.unlabelled and unlabelled:
        print("\n# unlabelled samples (fill in true: yes/no and why)")
        for f in unlabelled:
            entry = {
                f["key"]: {
                    "rule": f["rule"],
                    "path": f"{f['relpath']}:{f['line']}",
                    "message": f["message"],
                    "true": None,
                    "why": "",
                }
            }
            print(yaml.safe_dump(entry, sort_keys=False, allow_unicode=True, width=200).rstrip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
