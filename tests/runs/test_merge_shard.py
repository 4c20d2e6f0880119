"""Sharded runs and their merge: four shards merged equal the unsharded report."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from flowcatalog.errors import InputError, UsageError
from flowcatalog.report import Report
from flowcatalog.reporters import REPORTERS, get_reporter
from flowcatalog.reporters.json_report import render as render_json
from flowcatalog.runs.merge import load_report, merge
from flowcatalog.runs.shard import Shard, bucket, parse_shard, restrict
from tests.conftest import RunCli
from tests.report_fixture import make_report

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fixed_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reports carry the run's time: pin it, so two runs render byte for byte alike."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")


def _round_trip(report: Report) -> Report:
    return load_report(render_json(report), "report.json")


@pytest.mark.parametrize(
    ("text", "expected"), [("1/4", Shard(1, 4)), (" 4 / 4 ", Shard(4, 4)), ("1/1", Shard(1, 1))]
)
def test_parse_shard(text: str, expected: Shard) -> None:
    assert parse_shard(text) == expected


@pytest.mark.parametrize("text", ["0/4", "5/4", "1/0", "a/b", "1", "-1/2", "1/4/2"])
def test_parse_shard_rejects(text: str) -> None:
    with pytest.raises(UsageError, match="--shard"):
        parse_shard(text)


def test_bucket_is_a_fixed_function_of_the_url() -> None:
    # pinned values: a change here reshuffles every user's shards
    url = "https://www.figma.com/design/AbCdEfGhIjKlMnOpQrStUv?node-id=1-2"
    assert [bucket(url, n) for n in (1, 2, 3, 4, 7)] == [1, 2, 2, 2, 5]


def test_buckets_spread_links() -> None:
    counts = Counter(bucket(f"https://example.com/{i}", 4) for i in range(400))
    assert sorted(counts) == [1, 2, 3, 4]
    assert min(counts.values()) > 70


def test_shards_partition_the_links() -> None:
    report = make_report()
    shards = [restrict(report, Shard(i, 4)) for i in range(1, 5)]
    normalised = [link.normalised for s in shards for link in s.links]
    assert sorted(normalised) == sorted(link.normalised for link in report.links)
    assert len(normalised) == len(set(normalised))


def test_json_round_trip_keeps_the_contract() -> None:
    report = make_report()
    assert render_json(_round_trip(report)) == render_json(report)


def test_four_shards_merged_equal_the_unsharded_report() -> None:
    report = make_report()
    shards = [_round_trip(restrict(report, Shard(i, 4))) for i in range(1, 5)]
    assert sum(1 for s in shards if s.links) >= 2
    merged = merge(shards)
    assert render_json(merged) == render_json(report)
    whole = _round_trip(report)
    for fmt in REPORTERS:
        assert get_reporter(fmt)(merged) == get_reporter(fmt)(whole), fmt


def test_merge_round_trips_occurrences_and_finding_links() -> None:
    report = make_report()
    links = tuple(
        replace(
            group,
            occurrences=tuple(
                replace(o, text=f"flow {i}", context=("Lifecycle", o.location.path))
                for i, o in enumerate(group.occurrences)
            ),
        )
        for group in report.links
    )
    report = replace(report, links=links)
    assert any(f.link is not None for f in report.findings)
    shards = [_round_trip(restrict(report, Shard(i, 4))) for i in range(1, 5)]
    merged = merge(shards)
    assert render_json(merged) == render_json(report)
    assert [f.link for f in merged.findings] == [f.link for f in report.findings]
    assert [(o.location, o.text, o.context) for g in merged.links for o in g.occurrences] == [
        (o.location, o.text, o.context) for g in report.links for o in g.occurrences
    ]


def test_a_shard_keeps_the_findings_about_its_links_and_the_rest() -> None:
    report = make_report()
    for i in range(1, 5):
        shard = restrict(report, Shard(i, 4))
        kept = {link.normalised for link in shard.links}
        assert [f for f in report.findings if f.link is None or f.link in kept] == list(
            shard.findings
        )


def test_merge_order_of_inputs_does_not_matter() -> None:
    report = make_report()
    shards = [_round_trip(restrict(report, Shard(i, 3))) for i in range(1, 4)]
    assert render_json(merge(shards[::-1])) == render_json(merge(shards))


def test_merge_refuses_reports_of_different_catalogs() -> None:
    report = make_report()
    assert report.coverage is not None
    other = replace(report, coverage=replace(report.coverage, cells=report.coverage.cells[:2]))
    with pytest.raises(InputError, match="coverage differs"):
        merge([report, other], names=["a.json", "b.json"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not JSON"),
        ('{"version": 2}', "version: 2"),
        ("[]", "version: None"),
        ('{"version": 1, "findings": [{"rule": "x"}]}', "malformed report: KeyError"),
    ],
)
def test_load_report_rejects(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_report(text, "r.json")


def test_cli_four_shards_merged_equal_unsharded(run_cli: RunCli, tmp_path: Path) -> None:
    catalog = str(REPO / "catalog.yaml")
    whole = run_cli("check", "--catalog", catalog, "--format", "json")
    assert whole.code in (0, 1)
    parts = []
    for i in range(1, 5):
        path = tmp_path / f"shard-{i}.json"
        result = run_cli(
            "check", "--catalog", catalog, "--shard", f"{i}/4", "--format", "json", "-o", str(path)
        )
        assert result.code in (0, 1), result.err
        parts.append(str(path))
    counts = [len(json.loads(Path(p).read_text("utf-8"))["links"]) for p in parts]
    assert sum(counts) == len(json.loads(whole.out)["links"])
    merged = run_cli("merge", *parts, "--format", "json")
    assert merged.out == whole.out
    places = [where for link in json.loads(merged.out)["links"] for where in link["locations"]]
    assert {
        "text": "SaaS subscription purchase",
        "path": "docs/customer-subscription-lifecycle.md",
    }.items() <= places[1].items()
    assert merged.code == whole.code
    # every other format: the merged shards render as the unsharded JSON report does
    whole_json = tmp_path / "whole.json"
    whole_json.write_text(whole.out, "utf-8")
    for fmt in sorted(REPORTERS):
        expected = run_cli("merge", str(whole_json), "--format", fmt)
        assert run_cli("merge", *parts, "--format", fmt).out == expected.out, fmt


def test_cli_merge_bad_input_is_exit_2(run_cli: RunCli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 9}', "utf-8")
    result = run_cli("merge", str(bad))
    assert result.code == 2
    assert result.err == (
        f"flowcatalog: error: {bad}: not a flowcatalog JSON report of version 1 (version: 9)\n"
    )


def test_cli_bad_shard_is_exit_2(run_cli: RunCli) -> None:
    result = run_cli("check", "--catalog", str(REPO / "catalog.yaml"), "--shard", "5/4")
    assert result.code == 2
    assert result.err == ("flowcatalog: error: --shard '5/4': I must be between 1 and N (N >= 1)\n")


def test_sharded_online_stage_probes_only_its_links() -> None:
    from flowcatalog.cli.reports import sharded_stage

    seen: list[tuple[str, ...]] = []

    def stage(report: Report, exclude: tuple[str, ...]) -> Report:
        seen.append(tuple(link.normalised for link in report.links))
        return report

    report = make_report()
    expected = tuple(link.normalised for link in report.links if bucket(link.normalised, 2) == 1)
    assert 0 < len(expected) < len(report.links)
    sharded_stage(stage, Shard(1, 2))(report, ())
    assert seen == [expected]


def test_merge_keeps_findings_that_the_json_form_makes_identical() -> None:
    from flowcatalog.findings import Finding, Severity, sort_findings
    from flowcatalog.model import Location

    base = make_report()
    twins = [
        Finding("missing-cell", Severity.ERROR, "missing", Location("catalog.yaml", 50, 3),
                subject=f"x/{d}")
        for d in "abc"
    ]  # fmt: skip
    report = replace(base, findings=sort_findings([*base.findings, *twins]))
    shards = [_round_trip(restrict(report, Shard(i, 4))) for i in range(1, 5)]
    merged = render_json(merge(shards))
    assert merged == render_json(report)
    assert merged.count('"line":50') == 3
