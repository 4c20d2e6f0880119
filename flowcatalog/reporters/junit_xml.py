"""JUnit XML for GitLab's test report (the merge request's Test summary and the Tests tab).

Three suites:

- ``coverage``: one test case per stage x deployment cell, ``classname`` the stage. A cell
  fails when it is missing or only a placeholder; a not-applicable cell is skipped with its
  reason.
- ``links``: one test case per distinct link, ``classname`` the file it first occurs in and
  ``name`` its normalised URL. It fails when an error-level finding names it.
- ``catalog``: one test case per source file for everything else (structure, items); it fails
  on an error-level finding.

Every test case carries ``file`` (GitLab's "copy failed tests" needs it) and names are unique
per class (GitLab keeps only the first of two equal ones). A failure's ``message`` is one line;
its body lists every finding in linter form. Warnings and infos that do not fail a case go to
its ``system-out``.

Each case is written as it is made, and only its text is kept until the suite's totals are
known: a report of 10,000 links makes 10,000 cases, and keeping them all as objects only
gave the garbage collector a large heap to walk, again and again.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from flowcatalog.findings import Finding, Severity
from flowcatalog.report import Cell, CellState, Report
from flowcatalog.reporters import markup
from flowcatalog.reporters.subjects import Owners, cell_key, display_names, owners

#: a case's failure: (type, one-line message, body)
Failure = tuple[str, str, str]

_SEVERITY = {severity: severity.value for severity in Severity}
_NONE: Sequence[Finding] = ()


#: a test case: (classname, name, file, line, failure, skipped message, system-out); a plain
#: tuple, as there is one per link and it lives only until it is written
Case = tuple[str, str, str, int | None, Failure | None, str | None, str]


def _finding_line(finding: Finding) -> str:
    return f"{finding.location}: {_SEVERITY[finding.severity]}: {finding.message} [{finding.rule}]"


def _judge(
    findings: Sequence[Finding], must_fail: bool = False, fallback: str = "", kind: str = ""
) -> tuple[Failure | None, str]:
    """A case's failure and its output. The case fails on an error finding, or always when
    it ``must_fail``. Its failure lists its error findings, else all its findings, else says
    ``fallback``; the output lists the findings the failure does not."""
    if not findings:  # the common cases, spelled out: none, or one
        if must_fail:
            return (kind, markup.one_line(fallback), fallback), ""
        return None, ""
    if len(findings) == 1:
        only = findings[0]
        line = _finding_line(only)
        if not must_fail and only.severity is not Severity.ERROR:
            return None, line
        return (only.rule, markup.one_line(only.message), line), ""
    lines = [_finding_line(f) for f in findings]
    errors = [i for i, f in enumerate(findings) if f.severity is Severity.ERROR]
    if not errors and not must_fail:
        return None, "\n".join(lines)
    chosen = errors or range(len(findings))
    if not chosen:
        return (kind, markup.one_line(fallback), fallback), ""
    first = findings[chosen[0]]
    message = markup.one_line(first.message)
    if len(chosen) > 1:
        message += f" (and {len(chosen) - 1} more)"
    listed = [lines[i] for i in chosen]
    shown = set(listed)
    output = "\n".join([line for line in lines if line not in shown])
    return (first.rule, message, "\n".join(listed)), output


def _cell_case(filed: Owners, cell: Cell, stage: str, deployment: str, default: str) -> Case:
    found = filed.cells.get(cell_key(cell), _NONE)
    path = cell.location.path if cell.location else default
    line = cell.location.line if cell.location else None
    name = f"{stage} / {deployment}"
    if cell.state is CellState.NOT_APPLICABLE:
        reason = "not applicable" + (f": {cell.reason}" if cell.reason else "")
        return (stage, name, path, line, None, markup.one_line(reason), "")
    if cell.state is CellState.MISSING:
        failure, output = _judge(found, True, f"no flow documents {name}", "missing")
    elif cell.state is CellState.PLACEHOLDER:
        failure, output = _judge(found, True, f"{name} is only a placeholder", "placeholder")
    else:
        failure, output = _judge(found)
    return (stage, name, path, line, failure, None, output)


def coverage_cases(report: Report, filed: Owners) -> Iterator[Case]:
    """One case per matrix cell."""
    if report.coverage is None:
        return
    default = report.sources[0] if report.sources else "catalog.yaml"
    stages, deployments = display_names(report.coverage)
    for cell in report.coverage.cells:
        yield _cell_case(filed, cell, stages[cell.stage], deployments[cell.deployment], default)


def link_cases(report: Report, filed: Owners) -> Iterator[Case]:
    """One case per distinct link, failing on an error about it."""
    default = report.sources[0] if report.sources else "catalog.yaml"
    by_link = filed.links
    for link in report.links:
        found = by_link.get(link.normalised, _NONE)
        occurrences = link.occurrences
        where = occurrences[0].location if occurrences else None
        path = where.path if where else default
        failure, output = _judge(found)
        if len(occurrences) > 1:
            also = "found at " + ", ".join([str(o.location) for o in occurrences])
            output = f"{also}\n{output}" if output else also
        yield (path, link.normalised, path, where.line if where else None, failure, None, output)


def catalog_cases(report: Report, filed: Owners) -> Iterator[Case]:
    """One case per source file for the findings about neither a link nor a cell."""
    by_path: dict[str, list[Finding]] = {path: [] for path in report.sources}
    for finding in filed.rest:
        by_path.setdefault(finding.location.path, []).append(finding)
    for path, here in by_path.items():
        failure, output = _judge(here)
        yield (path, "other checks", path, None, failure, None, output)


class _Suite:
    """One test suite as it is written: its cases' XML lines and its totals."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.lines: list[str] = []
        self.tests = self.failures = self.skipped = 0
        self._names: dict[str, set[str]] = {}  # the names taken in each class
        self._escaped: dict[str, str] = {}  # class names: one file has many link cases

    def _unique(self, classname: str, name: str) -> str:
        """``name``, with `` (2)``, `` (3)``... when its class has it already."""
        taken = self._names.get(classname)
        if taken is None:
            taken = self._names[classname] = set()
        if name in taken:
            given, n = name, 2
            name = f"{given} ({n})"
            while name in taken:
                n += 1
                name = f"{given} ({n})"
        taken.add(name)
        return name

    def add(self, case: Case) -> None:
        classname, name, file, line, failure, skipped, output = case
        self.tests += 1
        out = self.lines
        escaped = self._escaped.get(classname)
        if escaped is None:
            escaped = self._escaped[classname] = markup.attr(classname)
        attrs = (
            f'name="{markup.attr(self._unique(classname, name))}" classname="{escaped}" '
            f'file="{escaped if file == classname else markup.attr(file)}"'
        )
        if line is not None:
            attrs += f' line="{line}"'
        if skipped is None and failure is None and not output:
            out.append(f'    <testcase {attrs} time="0"/>')
            return
        out.append(f'    <testcase {attrs} time="0">')
        if skipped is not None:
            self.skipped += 1
            out.append(f'      <skipped message="{markup.attr(skipped)}"/>')
        if failure is not None:
            self.failures += 1
            kind, message, text = failure
            out.append(
                f'      <failure type="{markup.attr(kind)}" message="{markup.attr(message)}">'
                f"{markup.text(text)}</failure>"
            )
        if output:
            out.append(f"      <system-out>{markup.text(output)}</system-out>")
        out.append("    </testcase>")

    def xml(self, timestamp: str | None) -> list[str]:
        attrs = (
            f'name="{self.name}" tests="{self.tests}" failures="{self.failures}" errors="0" '
            f'skipped="{self.skipped}" time="0"'
        )
        if timestamp:
            attrs += f' timestamp="{markup.attr(timestamp)}"'
        if not self.tests:
            return [f"  <testsuite {attrs}/>"]
        return [f"  <testsuite {attrs}>", *self.lines, "  </testsuite>"]


def render(report: Report, *, color: bool = False) -> str:
    filed = owners(report)
    suites = []
    for name, made in (
        ("coverage", coverage_cases(report, filed)),
        ("links", link_cases(report, filed)),
        ("catalog", catalog_cases(report, filed)),
    ):
        suite = _Suite(name)
        for case in made:
            suite.add(case)
        suites.append(suite)
    total = sum(suite.tests for suite in suites)
    failures = sum(suite.failures for suite in suites)
    skipped = sum(suite.skipped for suite in suites)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuites name="flowcatalog" tests="{total}" failures="{failures}" errors="0" '
        f'skipped="{skipped}" time="0">',
    ]
    for suite in suites:
        lines += suite.xml(report.generated_at)
    lines += ["</testsuites>", ""]  # the last line's newline, without a copy
    return "\n".join(lines)
