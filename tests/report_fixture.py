"""A fixed Report for the reporter tests: every cell state, online details, awkward text."""

from __future__ import annotations

from flowcatalog.findings import Finding, Severity, sort_findings
from flowcatalog.model import FigmaRef, Link, Location
from flowcatalog.report import (
    Cell,
    CellState,
    Coverage,
    ExtraFlow,
    FigmaDetails,
    LinkGroup,
    Report,
)

KEY = "AbCdEfGhIjKlMnOpQrStUv"
TRIAL = f"https://www.figma.com/design/{KEY}?node-id=1-2"
RENEWAL = f"https://www.figma.com/design/{KEY}?node-id=3-4"
CANCEL = f"https://www.figma.com/design/{KEY}?node-id=5-6"
#: a raw URL with characters every markup format must escape
AWKWARD = f'https://www.figma.com/design/{KEY}/x?node-id=7-8&t="<b>"'
ISSUE = "https://gitlab.com/gitlab-org/gitlab/-/issues/1"


def _loc(line: int | None, column: int | None = None, path: str = "catalog.yaml") -> Location:
    return Location(path, line, column)


def cells() -> tuple[Cell, ...]:
    return (
        Cell(
            "trial",
            "saas",
            CellState.DOCUMENTED,
            (TRIAL,),
            ("Start a trial",),
            (),
            None,
            _loc(10, 5),
        ),
        Cell("trial", "self-managed", CellState.MISSING, location=_loc(8, 3)),
        Cell(
            "renewal",
            "saas",
            CellState.DOCUMENTED,
            (RENEWAL, AWKWARD),
            ("Renew <auto> & manual",),
            (),
            None,
            _loc(20, 5),
        ),
        Cell(
            "renewal",
            "self-managed",
            CellState.PLACEHOLDER,
            (),
            ("Renewal SM",),
            (),
            None,
            _loc(26, 5),
        ),
        Cell(
            "cancelation",
            "saas",
            CellState.DOCUMENTED,
            (CANCEL,),
            ("Cancel",),
            ("self-managed",),
            None,
            _loc(30, 5),
        ),
        Cell(
            "cancelation",
            "self-managed",
            CellState.DOCUMENTED,
            (CANCEL,),
            ("Cancel",),
            ("saas",),
            None,
            _loc(30, 5),
        ),
        Cell(
            "trial",
            "dedicated",
            CellState.NOT_APPLICABLE,
            reason='no trials on "Dedicated" <yet>',
            location=_loc(12, 7),
        ),
        Cell("renewal", "dedicated", CellState.MISSING, location=_loc(18, 3)),
        Cell("cancelation", "dedicated", CellState.MISSING, location=_loc(28, 3)),
    )


def coverage() -> Coverage:
    # deliberately stage-major in catalog order, with dedicated declared last
    order = {"trial": 0, "renewal": 1, "cancelation": 2}
    deps = {"saas": 0, "self-managed": 1, "dedicated": 2}
    ordered = sorted(cells(), key=lambda c: (order[c.stage], deps[c.deployment]))
    return Coverage(
        tuple(ordered),
        stage_names=(("trial", "Trial"), ("renewal", "Renewal"), ("cancelation", "Cancelation")),
        deployment_names=(
            ("saas", "SaaS"),
            ("self-managed", "Self-managed"),
            ("dedicated", "Dedicated"),
        ),
        extra_flows=(
            ExtraFlow(
                "renewal",
                "Emails <renewal>",
                (f"https://www.figma.com/design/{KEY}?node-id=9-9",),
                location=Location("catalog.yaml", 30, 9),
            ),
            ExtraFlow("renewal", "In-app banner", placeholder="coming soon"),
        ),
    )


def group(
    url: str,
    normalised: str,
    locations: tuple[Location, ...],
    figma: FigmaRef | None = None,
    status: str | None = None,
    http_status: int | None = None,
    *,
    details: FigmaDetails | None = None,
) -> LinkGroup:
    """A link group whose occurrences all spell the URL as ``url``."""
    occurrences = tuple(Link(url, where, normalised, figma) for where in locations)
    return LinkGroup(normalised, occurrences, status, http_status, details=details)


def links(*, online: bool = True) -> tuple[LinkGroup, ...]:
    def ref(node: str) -> FigmaRef:
        return FigmaRef("design", KEY, node)

    def det(name: str) -> FigmaDetails | None:
        if not online:
            return None
        return FigmaDetails("Fulfillment flows", "2026-11-01T10:00:00Z", "42", name, "FRAME")

    status = "ok" if online else None
    return (
        group(
            TRIAL,
            TRIAL,
            (_loc(11, 9),),
            ref("1:2"),
            status,
            200 if online else None,
            details=det("Trial / start"),
        ),
        group(
            RENEWAL,
            RENEWAL,
            (_loc(21, 9),),
            ref("3:4"),
            status,
            200 if online else None,
            details=det('Renewal <"auto">'),
        ),
        group(
            AWKWARD,
            f"https://www.figma.com/design/{KEY}?node-id=7-8",
            (_loc(22, 9),),
            ref("7:8"),
            "broken" if online else None,
            404 if online else None,
        ),
        group(
            CANCEL,
            CANCEL,
            (_loc(31, 9), _loc(5, 1, "handbook/page.md")),
            ref("5:6"),
            status,
            200 if online else None,
            details=det("Cancel & refund"),
        ),
        group(ISSUE, ISSUE, (_loc(40, 11),), None, status, 200 if online else None),
    )


def findings(*, online: bool = True) -> tuple[Finding, ...]:
    items = [
        Finding(
            "missing-cell",
            Severity.ERROR,
            "no flow documents trial / self-managed",
            _loc(8, 3),
            subject="trial/self-managed",
        ),
        Finding(
            "missing-cell",
            Severity.ERROR,
            "no flow documents renewal / dedicated",
            _loc(18, 3),
            subject="renewal/dedicated",
        ),
        Finding(
            "missing-cell",
            Severity.ERROR,
            "no flow documents cancelation / dedicated",
            _loc(28, 3),
            subject="cancelation/dedicated",
        ),
        Finding(
            "placeholder-cell",
            Severity.WARNING,
            'flow "Renewal SM" is a placeholder: "TBD, 50% done: see <notes>"',
            _loc(26, 5),
            subject="renewal/self-managed",
        ),
        Finding(
            "empty-item",
            Severity.ERROR,
            "future-iteration item is empty",
            _loc(45, 5),
            subject="future_iterations[1]",
        ),
        Finding(
            "empty-item",
            Severity.ERROR,
            "future-iteration item is empty",
            _loc(47, 5),
            subject="future_iterations[1]",
        ),
        Finding(
            "unknown-key",
            Severity.INFO,
            "unknown key 'note'\nexpected one of: notes, title",
            _loc(None),
            subject="note",
        ),
        Finding(
            "shared-flow",
            Severity.INFO,
            "one flow covers cancelation for saas, self-managed",
            _loc(30, 5),
            subject="cancelation",
        ),
    ]
    if online:
        items.append(
            Finding(
                "link-broken",
                Severity.ERROR,
                'HTTP 404 for node 7:8 <gone> & "moved"',
                _loc(22, 9),
                url=AWKWARD,
                subject=AWKWARD,
                link=f"https://www.figma.com/design/{KEY}?node-id=7-8",
            )
        )
    items.append(
        Finding(
            "duplicate-node",
            Severity.WARNING,
            "same node as catalog.yaml:31:9",
            _loc(5, 1, "handbook/page.md"),
            url=CANCEL,
            subject=CANCEL,
            link=CANCEL,
        )
    )
    return sort_findings(items)


def make_report(*, online: bool = True) -> Report:
    return Report(
        findings=findings(online=online),
        coverage=coverage(),
        links=links(online=online),
        sources=("catalog.yaml", "handbook/page.md"),
        generated_at="2026-11-26T12:00:00Z",
    )


def clean_report() -> Report:
    return Report(
        findings=(),
        coverage=Coverage(
            (Cell("a", "x", CellState.DOCUMENTED, (TRIAL,), ("Flow",), (), None, _loc(3, 5)),),
            (("a", "A"),),
            (("x", "X"),),
        ),
        links=(group(TRIAL, TRIAL, (_loc(4, 9),), FigmaRef("design", KEY, "1:2")),),
        sources=("catalog.yaml",),
        generated_at="2026-11-26T12:00:00Z",
    )
