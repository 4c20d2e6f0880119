"""The HTML report and the SVG badge rendered by a real browser (headless Chromium).

Asserts on the DOM Chromium builds (``--dump-dom``) and writes screenshots to
``test-artifacts/`` for people to look at. Without Chromium the test is skipped, except under
CI (``CI`` set), where a missing browser is a failure: ``.ci/run`` installs Debian's
``chromium``.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from flowcatalog.reporters import badge, html_coverage
from tests.html_support import parse_html
from tests.report_fixture import make_report

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
)


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and os.path.exists("/usr/bin/chromium"):
        found = "/usr/bin/chromium"
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (CI must run: apt-get install -y chromium)")
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    return found


def _run(tmp_path: Path, *args: str) -> str:
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    done = subprocess.run(
        [_chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_html_report_renders_matrix_and_findings(tmp_path: Path) -> None:
    report = make_report()
    page = tmp_path / "coverage.html"
    page.write_text(html_coverage.render(report), "utf-8")
    dom = parse_html(_run(tmp_path, "--dump-dom", page.as_uri()))
    states = [a["data-state"] for t, a in dom.elements if t == "td" and "data-state" in a]
    assert states == [
        "documented",
        "missing",
        "not-applicable",
        "documented",
        "placeholder",
        "missing",
        "documented",
        "documented",
        "missing",
    ]
    text = " ".join(" ".join(dom.text).split())
    for finding in report.findings:
        assert str(finding.location) in text
        assert " ".join(finding.message.split()) in text
    assert "Trial / start" in text
    assert "Cancel & refund" in text
    assert "50.0%" in text
    assert len([t for t, _ in dom.elements if t == "script"]) == 1


def test_html_report_fits_a_phone_and_screenshots(tmp_path: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    source = html_coverage.render(make_report())
    page = tmp_path / "coverage.html"
    page.write_text(source, "utf-8")
    desktop = ARTIFACTS / "coverage-report.png"
    phone = ARTIFACTS / "coverage-report-phone.png"
    for target in (desktop, phone):
        target.unlink(missing_ok=True)
    _run(tmp_path, "--window-size=1280,1800", f"--screenshot={desktop}", page.as_uri())
    _run(tmp_path, "--window-size=390,1800", f"--screenshot={phone}", page.as_uri())
    assert _png_size(desktop) == (1280, 1800)
    assert _png_size(phone) == (390, 1800)
    # the page itself must not scroll sideways on a narrow screen: wide tables scroll inside
    # their own region. (Headless windows are at least 500 px wide for --dump-dom.)
    probe = tmp_path / "probe.html"
    probe.write_text(
        source.replace(
            "</body>",
            "<script>document.body.dataset.width = innerWidth + ' '"
            " + document.documentElement.scrollWidth;</script></body>",
        ),
        "utf-8",
    )
    dom = parse_html(_run(tmp_path, "--window-size=390,1800", "--dump-dom", probe.as_uri()))
    body = next(a for t, a in dom.elements if t == "body")
    viewport, content = map(int, (body["data-width"] or "0 1").split())
    assert viewport < 640  # the narrow-screen rules apply
    assert content <= viewport


def test_badge_renders(tmp_path: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    svg = tmp_path / "badge.svg"
    svg.write_text(badge.render(make_report()), "utf-8")
    harness = tmp_path / "badge.html"
    harness.write_text(
        '<!DOCTYPE html><html><body><img id="b" src="badge.svg" alt="badge">'
        "<script>window.addEventListener('load', () => {"
        "const b = document.getElementById('b');"
        "document.body.dataset.size = b.naturalWidth + 'x' + b.naturalHeight;"
        "});</script></body></html>",
        "utf-8",
    )
    dom = parse_html(
        _run(
            tmp_path,
            "--virtual-time-budget=5000",
            "--allow-file-access-from-files",
            "--dump-dom",
            harness.as_uri(),
        )
    )
    body = next(a for t, a in dom.elements if t == "body")
    assert body.get("data-size") == "134x20"
    shot = ARTIFACTS / "badge.png"
    shot.unlink(missing_ok=True)
    _run(tmp_path, "--window-size=200,40", f"--screenshot={shot}", svg.as_uri())
    assert _png_size(shot) == (200, 40)


# --- the repository's own catalog with thumbnails (fake Figma API), filters, axe-core ---------

AXE = REPO / ".ci" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOT = REPO / "docs" / "report.png"
TOKEN = "figd_browser-test-token"

HARNESS = """
<script src="axe.min.js"></script>
<script>
window.addEventListener('load', function () {
  var body = document.body;
  var images = Array.from(document.images);
  body.dataset.thumbs = images.length + ' ' + images.filter(function (img) {
    return img.complete && img.naturalWidth > 0;
  }).length;
  function shown() {
    return Array.from(document.querySelectorAll('#cells tbody tr'))
      .filter(function (row) { return row.offsetParent !== null; }).length;
  }
  function toggle(id, on) {
    var box = document.getElementById(id);
    box.checked = on;
    box.dispatchEvent(new Event('change'));
  }
  var counts = [shown()];
  toggle('f-stage-s0', false);
  counts.push(shown());
  var stageRowHidden = document.querySelector('#matrix tr[data-stage="s0"]').offsetParent === null;
  toggle('f-stage-s0', true);
  toggle('f-state-documented', false);
  counts.push(shown());
  toggle('f-dep-d1', false);
  var columnHidden = document.querySelector('#matrix th[data-deployment="d1"]').offsetParent === null;
  toggle('f-dep-d1', true);
  toggle('f-state-documented', true);
  counts.push(shown());
  body.dataset.filters = counts.join(' ') + ' ' + stageRowHidden + ' ' + columnHidden;
  body.dataset.count = document.getElementById('filter-count').textContent;
  axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa']}})
    .then(function (result) {
      body.dataset.axe = JSON.stringify(result.violations.map(function (v) {
        return v.id + ': ' + v.nodes.map(function (n) { return n.target.join(' '); }).join(', ');
      }));
    });
});
</script>
"""


def _repo_report_html(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """``check --format html`` on a copy of this repository's catalog and page, offline, after a
    ``snapshot`` against the fake Figma API (thumbnails from the fake image host)."""
    from flowcatalog.cli.main import main
    from flowcatalog.pipeline.run import load_catalog
    from flowcatalog.urls import analyse
    from tests.online_support import FakeFigma, FakeImageHost, flow_png, local_server, url

    work = tmp_path / "repo"
    (work / "docs").mkdir(parents=True)
    shutil.copy(REPO / "catalog.yaml", work / "catalog.yaml")
    page = "docs/customer-subscription-lifecycle.md"
    shutil.copy(REPO / page, work / page)
    catalog, _ = load_catalog(str(REPO / "catalog.yaml"))
    assert catalog is not None
    names: dict[str, dict[str, tuple[str, str]]] = {}
    for stage in catalog.stages:
        for flow in stage.flows:
            for link in flow.links:
                ref = analyse(link.url).figma
                if ref is not None and ref.node_id:
                    names.setdefault(ref.api_key, {})[ref.node_id] = (
                        f"{stage.name} / {flow.name}",
                        "FRAME",
                    )
    monkeypatch.chdir(work)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    for name in ("CI_PROJECT_URL", "GITHUB_SERVER_URL", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    with local_server() as api, local_server() as images:
        figma = FakeFigma(
            TOKEN, {k: ("Document user flows", "5566778899", v) for k, v in names.items()}
        )
        figma.image_base = url(images, "")
        figma.install(api)
        host = FakeImageHost()
        host.images = {
            (key, node): flow_png(index)
            for key, nodes in names.items()
            for index, node in enumerate(sorted(nodes))
        }
        host.install(images)
        monkeypatch.setenv("FIGMA_TOKEN", TOKEN)
        args = ["--figma-api", url(api, ""), "--include-private", "--no-cache", "--quiet"]
        assert main(["snapshot", *args]) == 0
    monkeypatch.delenv("FIGMA_TOKEN")
    assert main(["check", "--format", "html", "--output", "report.html"]) == 0
    return (work / "report.html").read_text("utf-8")


def test_repo_report_thumbnails_filters_and_axe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _repo_report_html(tmp_path, monkeypatch)
    assert source.count('src="data:image/png;base64,') == 10  # one per matrix cell
    if not AXE.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"axe-core is missing at {AXE} (.ci/run installs it from npm)")
        pytest.skip("axe-core is not installed (npm install --prefix .ci/axe axe-core)")
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(AXE, site / "axe.min.js")
    (site / "report.html").write_text(source, "utf-8")
    (site / "probe.html").write_text(source.replace("</body>", HARNESS + "</body>"), "utf-8")
    dom = parse_html(
        _run(
            tmp_path,
            "--virtual-time-budget=20000",
            "--window-size=1280,1600",
            "--dump-dom",
            (site / "probe.html").as_uri(),
        )
    )
    body = next(a for t, a in dom.elements if t == "body")
    assert body.get("data-thumbs") == "10 10"  # every thumbnail decodes, natural width > 0
    assert body.get("data-filters") == "10 8 0 10 true true"
    assert body.get("data-count") == "Showing 10 of 10 cells."
    assert json.loads(body.get("data-axe") or "null") == []
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "repo-report.png"
    shot.unlink(missing_ok=True)
    _run(
        tmp_path, "--window-size=1280,1500", f"--screenshot={shot}", (site / "report.html").as_uri()
    )
    assert _png_size(shot) == (1280, 1500)
    if os.environ.get("FLOWCATALOG_UPDATE_GOLDEN"):
        from PIL import Image

        with Image.open(shot) as image:
            small = image.convert("RGB").resize((960, 1125), Image.Resampling.LANCZOS)
            small.quantize(128).save(SCREENSHOT, optimize=True)
    assert SCREENSHOT.is_file()
    assert SCREENSHOT.stat().st_size < 300_000


def test_design_changes_and_history_decode_and_pass_axe(tmp_path: Path) -> None:
    from dataclasses import replace

    from flowcatalog.report import ReportContext
    from flowcatalog.views import DesignChange, HistoryPoint, NodeView
    from tests.online_support import flow_png
    from tests.report_fixture import KEY

    if not AXE.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"axe-core is missing at {AXE} (.ci/run installs it from npm)")
        pytest.skip("axe-core is not installed (npm install --prefix .ci/axe axe-core)")
    from flowcatalog.thumbnails import make_thumbnail

    before, after = make_thumbnail(flow_png(1)), make_thumbnail(flow_png(2))
    view = NodeView(KEY, "1:2", node_name="Trial / start", thumbnail=before,
                    last_modified="2026-01-02T00:00:00Z")  # fmt: skip
    change = DesignChange("changed", KEY, "1:2", "Trial / start", "41", "42", before=before,
                          after=after, url=f"https://www.figma.com/design/{KEY}?node-id=1-2")  # fmt: skip
    history = tuple(
        HistoryPoint(f"{i:040d}", f"2026-01-0{i}T00:00:00Z", f"c{i}", p, 0, 8, 1, 0)
        for i, p in enumerate((12.5, 50.0, 37.5, 50.0), start=1)
    )
    context = ReportContext(
        title="Fixture", nodes={(KEY, "1:2", None): view}, snapshot="present",
        changes=(change,), history=history,
    )  # fmt: skip
    source = html_coverage.render(replace(make_report(), context=context))
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(AXE, site / "axe.min.js")
    (site / "probe.html").write_text(source.replace("</body>", HARNESS + "</body>"), "utf-8")
    dom = parse_html(
        _run(tmp_path, "--virtual-time-budget=20000", "--dump-dom", (site / "probe.html").as_uri())
    )
    body = next(a for t, a in dom.elements if t == "body")
    assert body.get("data-thumbs") == "3 3"  # the cell's thumbnail, before and after
    assert json.loads(body.get("data-axe") or "null") == []
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "design-changes.png"
    shot.unlink(missing_ok=True)
    (site / "report.html").write_text(source, "utf-8")
    _run(
        tmp_path, "--window-size=1280,2400", f"--screenshot={shot}", (site / "report.html").as_uri()
    )
    assert _png_size(shot) == (1280, 2400)
