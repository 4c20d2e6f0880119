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
"""

from __future__ import annotations

from dataclasses import dataclass

from flowcatalog.findings import Finding, Severity
from flowcatalog.report import Cell, CellState, Report
from flowcatalog.reporters import markup
from flowcatalog.reporters.subjects import Owners, cell_key, display_names, owners


@dataclass(frozen=True, slots=True)
class Case:
    classname: str
    name: str
    file: str
    line: int | None = None
    failure: tuple[str, str, str] | None = None  # (type, one-line message, body)
    skipped: str | None = None
    output: str = ""


def _finding_line(finding: Finding) -> str:
    return f"{finding.location}: {finding.severity.value}: {finding.message} [{finding.rule}]"


def _failure(findings: tuple[Finding, ...], fallback: str, kind: str) -> tuple[str, str, str]:
    """The failure of a case: its error findings, else all its findings, else ``fallback``."""
    chosen = [f for f in findings if f.severity is Severity.ERROR] or list(findings)
    if not chosen:
        return (kind, markup.one_line(fallback), fallback)
    message = markup.one_line(chosen[0].message)
    if len(chosen) > 1:
        message += f" (and {len(chosen) - 1} more)"
    return (chosen[0].rule, message, "\n".join(_finding_line(f) for f in chosen))


def _output(findings: tuple[Finding, ...], failure: tuple[str, str, str] | None) -> str:
    """The findings a failure does not already list."""
    listed = failure[2].splitlines() if failure else []
    lines = [_finding_line(f) for f in findings]
    return "\n".join(line for line in lines if line not in listed)


def _has_error(findings: tuple[Finding, ...]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)


def _cell_case(filed: Owners, cell: Cell, stage: str, deployment: str, default: str) -> Case:
    found = filed.cells.get(cell_key(cell), ())
    path = cell.location.path if cell.location else default
    line = cell.location.line if cell.location else None
    name = f"{stage} / {deployment}"
    if cell.state is CellState.NOT_APPLICABLE:
        reason = "not applicable" + (f": {cell.reason}" if cell.reason else "")
        return Case(stage, name, path, line, skipped=markup.one_line(reason))
    failure = None
    if cell.state is CellState.MISSING:
        failure = _failure(found, f"no flow documents {name}", "missing")
    elif cell.state is CellState.PLACEHOLDER:
        failure = _failure(found, f"{name} is only a placeholder", "placeholder")
    elif _has_error(found):
        failure = _failure(found, "", "")
    return Case(stage, name, path, line, failure, output=_output(found, failure))


def cases(report: Report) -> tuple[list[Case], list[Case], list[Case]]:
    """The coverage, link and catalog test cases of ``report``."""
    default = report.sources[0] if report.sources else "catalog.yaml"
    filed = owners(report)
    coverage_cases = []
    if report.coverage is not None:
        stages, deployments = display_names(report.coverage)
        for cell in report.coverage.cells:
            coverage_cases.append(
                _cell_case(filed, cell, stages[cell.stage], deployments[cell.deployment], default)
            )
    link_cases = []
    for link in report.links:
        found = filed.links.get(link.normalised, ())
        where = link.locations[0] if link.locations else None
        path = where.path if where else default
        failure = _failure(found, "", "") if _has_error(found) else None
        output = _output(found, failure)
        if len(link.locations) > 1:
            also = "found at " + ", ".join(str(loc) for loc in link.locations)
            output = f"{also}\n{output}" if output else also
        link_cases.append(
            Case(path, link.normalised, path, where.line if where else None, failure, output=output)
        )
    rest = filed.rest
    paths = list(dict.fromkeys([*report.sources, *(f.location.path for f in rest)]))
    catalog_cases = []
    for path in paths:
        here = tuple(f for f in rest if f.location.path == path)
        failure = _failure(here, "", "") if _has_error(here) else None
        catalog_cases.append(
            Case(path, "other checks", path, None, failure, output=_output(here, failure))
        )
    return coverage_cases, link_cases, catalog_cases


def _unique(items: list[Case]) -> list[Case]:
    seen: set[tuple[str, str]] = set()
    result = []
    for case in items:
        name, n = case.name, 1
        while (case.classname, name) in seen:
            n += 1
            name = f"{case.name} ({n})"
        seen.add((case.classname, name))
        result.append(
            Case(
                case.classname, name, case.file, case.line, case.failure, case.skipped, case.output
            )
        )
    return result


def _case_xml(case: Case) -> list[str]:
    attrs = (
        f'name="{markup.attr(case.name)}" classname="{markup.attr(case.classname)}" '
        f'file="{markup.attr(case.file)}"'
    )
    if case.line is not None:
        attrs += f' line="{case.line}"'
    attrs += ' time="0"'
    body = []
    if case.skipped is not None:
        body.append(f'      <skipped message="{markup.attr(case.skipped)}"/>')
    if case.failure is not None:
        kind, message, text = case.failure
        body.append(
            f'      <failure type="{markup.attr(kind)}" message="{markup.attr(message)}">'
            f"{markup.text(text)}</failure>"
        )
    if case.output:
        body.append(f"      <system-out>{markup.text(case.output)}</system-out>")
    if not body:
        return [f"    <testcase {attrs}/>"]
    return [f"    <testcase {attrs}>", *body, "    </testcase>"]


def _suite_xml(name: str, items: list[Case], timestamp: str | None) -> list[str]:
    failures = sum(1 for c in items if c.failure is not None)
    skipped = sum(1 for c in items if c.skipped is not None)
    attrs = (
        f'name="{name}" tests="{len(items)}" failures="{failures}" errors="0" '
        f'skipped="{skipped}" time="0"'
    )
    if timestamp:
        attrs += f' timestamp="{markup.attr(timestamp)}"'
    if not items:
        return [f"  <testsuite {attrs}/>"]
    lines = [f"  <testsuite {attrs}>"]
    for case in items:
        lines.extend(_case_xml(case))
    lines.append("  </testsuite>")
    return lines


def render(report: Report, *, color: bool = False) -> str:
    names = ("coverage", "links", "catalog")
    suites = [_unique(items) for items in cases(report)]
    total = sum(len(items) for items in suites)
    failures = sum(1 for items in suites for c in items if c.failure is not None)
    skipped = sum(1 for items in suites for c in items if c.skipped is not None)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuites name="flowcatalog" tests="{total}" failures="{failures}" errors="0" '
        f'skipped="{skipped}" time="0">',
    ]
    for name, items in zip(names, suites, strict=True):
        lines.extend(_suite_xml(name, items, report.generated_at))
    lines.append("</testsuites>")
    return "\n".join(lines) + "\n"
