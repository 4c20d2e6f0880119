"""The baseline: written, applied (line moves do not matter; new findings do), pruned; and
the adoption it exists for: 500 old findings, the hook and CI on in one commit, the next
new placeholder fails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flowcatalog.errors import InputError
from flowcatalog.runs.baseline import loads
from tests.conftest import RunCli

BASELINE = ".flowcatalog-baseline.json"


def _handbook(root: Path, pages: int = 100) -> None:
    for n in range(pages):
        sections = "".join(f"## Section {i}\n\nTODO write section {i}\n\n" for i in range(5))
        (root / "handbook").mkdir(exist_ok=True)
        (root / "handbook" / f"page-{n:03}.md").write_text(f"# Page {n}\n\n{sections}", "utf-8")


def test_500_old_findings_then_only_new_ones_fail(in_tmp: Path, run_cli: RunCli) -> None:
    _handbook(in_tmp)
    (in_tmp / ".flowcatalog.yaml").write_text("pages:\n  include: [handbook]\n", "utf-8")
    before = run_cli("check", "--strict")
    assert before.code == 1
    assert before.out.splitlines()[-1].startswith("0 errors, 500 warnings")

    written = run_cli("baseline")
    assert (written.code, written.err) == (0, f"flowcatalog: 500 known findings in {BASELINE}\n")
    data = json.loads((in_tmp / BASELINE).read_text("utf-8"))
    assert data["version"] == 1
    assert len(data["findings"]) == 500
    assert data["findings"][0] == {
        "fingerprint": data["findings"][0]["fingerprint"],
        "rule": "page-placeholder",
        "path": "handbook/page-000.md",
        "subject": "placeholder:todo:Page 0 > Section 0",
        "message": "placeholder text 'TODO'; write the content or remove it",
    }

    # the hook and CI, switched on in the same commit: clean
    after = run_cli("check", "--strict")
    assert (after.code, after.err) == (0, "flowcatalog: 500 known findings in the baseline\n")
    assert after.out.startswith("0 errors, 0 warnings, 0 infos")

    # lines move: still known
    old = in_tmp / "handbook" / "page-007.md"
    old.write_text("intro\n\n" * 10 + old.read_text("utf-8"), "utf-8")
    assert run_cli("check", "--strict", "handbook/page-007.md").code == 0

    # the next page with a new placeholder fails, and only it is reported
    (in_tmp / "handbook" / "new.md").write_text("# New\n\nComing soon\n", "utf-8")
    new = run_cli("check", "--strict", "handbook/new.md", "handbook/page-001.md")
    assert new.code == 1
    assert new.out.splitlines()[:-1] == [
        "handbook/new.md:3:1: warning: placeholder text 'Coming soon'; write the content or "
        "remove it [page-placeholder]"
    ]
    assert new.err == "flowcatalog: 5 known findings in the baseline\n"


def test_fixed_findings_are_counted_and_pruned(in_tmp: Path, run_cli: RunCli) -> None:
    _handbook(in_tmp, pages=3)
    assert run_cli("baseline", "handbook").code == 0
    fixed = in_tmp / "handbook" / "page-001.md"
    fixed.write_text("# Page 1\n\nDone.\n", "utf-8")
    result = run_cli("check", "handbook")
    assert result.err == (
        "flowcatalog: 10 known findings in the baseline "
        "(5 fixed since: run `flowcatalog baseline --prune`)\n"
    )
    # a run over one page does not call the other pages' findings fixed
    one = run_cli("check", "handbook/page-000.md")
    assert one.err == "flowcatalog: 5 known findings in the baseline\n"
    (in_tmp / "handbook" / "page-002.md").write_text("# P\n\nTBD\n", "utf-8")
    pruned = run_cli("baseline", "--prune", "handbook")
    assert pruned.err == f"flowcatalog: 5 known findings in {BASELINE}\n"  # TBD is not added
    again = run_cli("check", "handbook")
    assert again.code == 0
    assert [line.rsplit(" ", 1)[1] for line in again.out.splitlines()[:-1]] == [
        "[page-placeholder]"
    ]
    assert again.err == "flowcatalog: 5 known findings in the baseline\n"
    assert run_cli("check", "--no-baseline", "handbook").out.startswith("handbook/page-000.md:5:1")


def test_fingerprints_are_code_quality_fingerprints(in_tmp: Path, run_cli: RunCli) -> None:
    _handbook(in_tmp, pages=2)
    run_cli("check", "handbook", "--no-baseline", "--format", "codequality", "-o", "cq.json")
    run_cli("baseline", "handbook")
    quality = {item["fingerprint"] for item in json.loads((in_tmp / "cq.json").read_text())}
    known = {e["fingerprint"] for e in json.loads((in_tmp / BASELINE).read_text())["findings"]}
    assert quality == known
    assert len(known) == 10


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "b.json:1:2: not a baseline file: Expecting property name enclosed in double quotes"),
        ('{"version": 9}', "b.json: not a flowcatalog baseline (version 1)"),
        ('{"version": 1, "findings": [{"rule": "x"}]}', "b.json: baseline entry 1 is incomplete"),
    ],
)
def test_a_broken_baseline_is_an_input_error(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        loads(text, "b.json")
    assert str(caught.value).startswith(message)


def test_baseline_option_names_another_file(in_tmp: Path, run_cli: RunCli) -> None:
    _handbook(in_tmp, pages=1)
    assert run_cli("baseline", "handbook", "-o", "known.json").code == 0
    assert not (in_tmp / BASELINE).exists()
    assert run_cli("check", "--strict", "handbook").code == 1
    assert run_cli("check", "--strict", "handbook", "--baseline", "known.json").code == 0
