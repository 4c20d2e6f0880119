"""The HTML report and the SVG badge rendered by a real browser (headless Chromium).

Asserts on the DOM Chromium builds (``--dump-dom``) and writes screenshots to
``test-artifacts/`` for people to look at. Without Chromium the test is skipped, except under
CI (``CI`` set), where a missing browser is a failure: ``.ci/run`` installs Debian's
``chromium``.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from flowcatalog.reporters import badge, html_coverage
from tests.html_support import parse_html
from tests.report_fixture import make_report

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
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
    assert body.get("data-size") == "124x20"
    shot = ARTIFACTS / "badge.png"
    shot.unlink(missing_ok=True)
    _run(tmp_path, "--window-size=200,40", f"--screenshot={shot}", svg.as_uri())
    assert _png_size(shot) == (200, 40)
