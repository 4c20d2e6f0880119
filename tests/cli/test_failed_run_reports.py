"""Exit 2 still writes every report: the input error is an ``input-error`` finding at its
position, so CI widgets and upload steps find their files and show why the job failed."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest

from flowcatalog.reporters import REPORTERS
from tests.conftest import RunCli

BROKEN = "version: 1\nstages: [\n  - id: x\n"
MESSAGE = "YAML syntax error"


def test_every_format_is_written_on_exit_2(in_tmp: Path, run_cli: RunCli) -> None:
    (in_tmp / "catalog.yaml").write_text(BROKEN, "utf-8")
    args = [f"--report={fmt}=out/report.{fmt}" for fmt in sorted(REPORTERS)]
    (in_tmp / "out").mkdir()
    result = run_cli("check", *args)
    assert result.code == 2
    assert result.err.startswith("flowcatalog: error: catalog.yaml:3:3: YAML syntax error")
    written = {p.name for p in (in_tmp / "out").iterdir()}
    assert written == {f"report.{fmt}" for fmt in REPORTERS}
    out = in_tmp / "out"
    text = (out / "report.text").read_text()
    assert text.startswith("catalog.yaml:3:3: error: YAML syntax error")
    assert "[input-error]" in text
    data = json.loads((out / "report.json").read_text())
    assert data["findings"][0]["rule"] == "input-error"
    assert (data["findings"][0]["line"], data["findings"][0]["column"]) == (3, 3)
    quality = json.loads((out / "report.codequality").read_text())
    assert quality[0]["check_name"] == "flowcatalog/input-error"
    assert quality[0]["location"] == {"path": "catalog.yaml", "lines": {"begin": 3}}
    sarif = json.loads((out / "report.sarif").read_text())
    region = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == 3
    junit = ElementTree.parse(out / "report.junit")
    assert junit.getroot().iter("failure").__next__() is not None
    assert "::error file=catalog.yaml,line=3" in (out / "report.github").read_text()
    assert MESSAGE in (out / "report.markdown").read_text()
    assert MESSAGE in (out / "report.html").read_text()
    assert (out / "report.badge").read_text().startswith("<svg")


@pytest.mark.parametrize(
    ("setup", "args", "where"),
    [
        ("missing", ["--catalog", "nope.yaml"], "nope.yaml"),
        ("config", [], ".flowcatalog.yaml"),
    ],
)
def test_input_errors_without_a_position_still_write(
    in_tmp: Path, run_cli: RunCli, setup: str, args: list[str], where: str
) -> None:
    if setup == "config":
        (in_tmp / "catalog.yaml").write_text("version: 1\n", "utf-8")
        (in_tmp / ".flowcatalog.yaml").write_text("rules:\n  nope: error\n", "utf-8")
    result = run_cli("check", *args, "--format", "json", "-o", "r.json", "--report", "junit=j.xml")
    assert result.code == 2
    finding = json.loads((in_tmp / "r.json").read_text())["findings"][0]
    assert finding["rule"] == "input-error"
    assert finding["path"] == where
    assert (in_tmp / "j.xml").exists()


def test_machine_format_on_stdout_carries_the_error(in_tmp: Path, run_cli: RunCli) -> None:
    (in_tmp / "catalog.yaml").write_text(BROKEN, "utf-8")
    result = run_cli("check", "--format", "github")
    assert result.code == 2
    assert result.out.startswith("::error file=catalog.yaml,line=3")
    text = run_cli("check")
    assert (text.code, text.out) == (2, "")  # the error line on stderr says it all
