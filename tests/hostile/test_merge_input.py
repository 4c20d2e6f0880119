"""Hostile input to ``merge``: JSON that is not a report, and sets of shards that are not one
complete run, are refused with one line and exit 2 (never exit 3, never exit 0)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import flowcatalog
from flowcatalog.errors import InputError
from flowcatalog.reporters.json_report import render as render_json
from flowcatalog.runs.merge import load_report, merge
from flowcatalog.runs.shard import Shard, restrict
from tests.conftest import RunCli
from tests.report_fixture import make_report

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fixed_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")


def _one_line_exit_2(run_cli: RunCli, *args: str) -> str:
    result = run_cli("merge", *args)
    assert result.code == 2, result.err
    assert result.out == ""
    assert result.err.count("\n") == 1
    assert result.err.startswith("flowcatalog: error: ")
    return result.err


def test_deeply_nested_json_is_exit_2(run_cli: RunCli, tmp_path: Path) -> None:
    bomb = tmp_path / "deep.json"
    bomb.write_text('{"version": 1, "findings": ' + "[" * 100_000 + "]" * 100_000 + "}")
    err = _one_line_exit_2(run_cli, str(bomb))
    assert err == (
        f"flowcatalog: error: {bomb}: JSON nested 100001 levels deep; a report nests at most 32\n"
    )


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    report = make_report()
    data = json.loads(render_json(report))
    data["sources"].insert(0, "[{" * 1000)
    text = json.dumps(data)
    assert len(load_report(text, "r.json").sources) == len(report.sources) + 1


def test_5000_digit_number_is_exit_2(run_cli: RunCli, tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_text('{"version": 1, "summary": {"errors": ' + "9" * 5000 + "}}")
    err = _one_line_exit_2(run_cli, str(big))
    assert err.startswith(f"flowcatalog: error: {big}: not a report: Exceeds the limit")


@pytest.mark.parametrize(
    ("value", "said"), [("NaN", "NaN"), ("Infinity", "Infinity"), ("-Infinity", "-Infinity")]
)
def test_nan_and_infinity_are_refused(value: str, said: str) -> None:
    text = '{"version": 1, "coverage": null, "summary": {"percent": ' + value + "}}"
    with pytest.raises(InputError, match=f"not a report: {said} is not a number"):
        load_report(text, "r.json")


def test_overflowing_float_is_refused() -> None:
    with pytest.raises(InputError, match="not a report: 1e999 is out of range"):
        load_report('{"version": 1, "x": [1e999]}', "r.json")


# --- the set of shards -------------------------------------------------------------------


def _shard_files(tmp_path: Path, total: int, catalog: str | None = "c0ffee") -> list[str]:
    report = make_report()
    paths = []
    for i in range(1, total + 1):
        path = tmp_path / f"shard-{i}-of-{total}.json"
        path.write_text(render_json(restrict(report, Shard(i, total), catalog=catalog)))
        paths.append(str(path))
    return paths


def test_complete_set_merges(run_cli: RunCli, tmp_path: Path) -> None:
    parts = _shard_files(tmp_path, 3)
    result = run_cli("merge", *parts, "--format", "json")
    assert result.code in (0, 1), result.err
    assert "shard" not in json.loads(result.out)  # the merged report is a whole run


def test_missing_shard_is_refused(run_cli: RunCli, tmp_path: Path) -> None:
    parts = _shard_files(tmp_path, 4)
    err = _one_line_exit_2(run_cli, parts[0], parts[1], parts[3])
    assert err == "flowcatalog: error: incomplete set of shards: missing 3/4\n"


def test_duplicated_shard_is_refused(run_cli: RunCli, tmp_path: Path) -> None:
    parts = _shard_files(tmp_path, 2)
    copy = tmp_path / "copy.json"
    copy.write_text(Path(parts[0]).read_text())
    err = _one_line_exit_2(run_cli, *parts, str(copy))
    assert err == f"flowcatalog: error: {copy}: shard 1/2 given twice (also {parts[0]})\n"


def test_shards_of_different_totals_are_refused(run_cli: RunCli, tmp_path: Path) -> None:
    two = _shard_files(tmp_path, 2)
    three = _shard_files(tmp_path, 3)
    err = _one_line_exit_2(run_cli, two[0], three[1], two[1])
    assert err == (
        f"flowcatalog: error: {three[1]}: shard 2/3 is not of the same run as {two[0]} (1/2)\n"
    )


def test_shards_of_different_catalogs_are_refused(tmp_path: Path) -> None:
    report = make_report()
    shards = [
        restrict(report, Shard(1, 2), catalog="a"),
        restrict(report, Shard(2, 2), catalog="b"),
    ]
    with pytest.raises(InputError, match="shard of another catalog"):
        merge(shards, names=["a.json", "b.json"])


def test_shards_of_different_tool_versions_are_refused(tmp_path: Path) -> None:
    parts = _shard_files(tmp_path, 2)
    data = json.loads(Path(parts[1]).read_text())
    data["shard"]["tool_version"] = "0.0.1"
    Path(parts[1]).write_text(json.dumps(data))
    shards = [load_report(Path(p).read_text(), p) for p in parts]
    with pytest.raises(InputError, match=r"written by flowcatalog 0\.0\.1"):
        merge(shards, names=parts)


def test_a_whole_report_among_shards_is_refused(run_cli: RunCli, tmp_path: Path) -> None:
    parts = _shard_files(tmp_path, 2)
    whole = tmp_path / "whole.json"
    whole.write_text(render_json(make_report()))
    err = _one_line_exit_2(run_cli, parts[0], str(whole), parts[1])
    assert err.startswith(f"flowcatalog: error: {whole}: not a shard report")


def test_one_shard_alone_is_incomplete(run_cli: RunCli, tmp_path: Path) -> None:
    parts = _shard_files(tmp_path, 2)
    assert _one_line_exit_2(run_cli, parts[1]) == (
        "flowcatalog: error: incomplete set of shards: missing 1/2\n"
    )


@pytest.mark.parametrize(
    "shard",
    [
        '{"index": 0, "total": 2, "catalog_sha256": null, "tool_version": "1"}',
        '{"index": 3, "total": 2, "catalog_sha256": null, "tool_version": "1"}',
        '{"index": true, "total": 2, "catalog_sha256": null, "tool_version": "1"}',
        '{"index": 1, "total": 2, "catalog_sha256": 5, "tool_version": "1"}',
        '"1/2"',
    ],
)
def test_malformed_shard_stamp_is_refused(shard: str) -> None:
    text = '{"version": 1, "shard": ' + shard + "}"
    with pytest.raises(InputError, match="malformed report"):
        load_report(text, "r.json")


def test_cli_shard_report_documents_its_run(run_cli: RunCli, tmp_path: Path) -> None:
    import hashlib

    catalog = REPO / "catalog.yaml"
    out = tmp_path / "s.json"
    result = run_cli("check", "--catalog", str(catalog), "--shard", "2/3", "--format", "json",
                     "-o", str(out))  # fmt: skip
    assert result.code in (0, 1), result.err
    stamp = json.loads(out.read_text())["shard"]
    assert stamp["index"] == 2
    assert stamp["total"] == 3
    assert stamp["catalog_sha256"] == hashlib.sha256(catalog.read_bytes()).hexdigest()
    assert stamp["tool_version"] == flowcatalog.__version__
