"""report.html in headless Chromium: the map and the KPI table render, no console errors.

Chromium comes from Debian (``apt-get install -y chromium``); the tests skip,
saying so, only where no ``chromium`` binary can be found. The network is
blocked for the browser (every host name resolves to nothing), so anything the
page tried to fetch would show up as a console error.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from planner.report import write_report

pytestmark = pytest.mark.xdist_group("chromium")


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip(
        "chromium not found: install it with `apt-get install -y chromium` "
        "(Debian) to run the browser test"
    )


def render(
    page: Path, tmp: Path, *, window: tuple[int, int] | None = None
) -> tuple[str, list[str]]:
    """The DOM after the page's scripts ran, and the console messages."""
    profile = tmp / "profile"
    profile.mkdir(exist_ok=True)
    cmd = [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-extensions",
        "--no-first-run",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=5000",
        "--dump-dom",
        *([f"--window-size={window[0]},{window[1]}"] if window else []),
        page.resolve().as_uri(),
    ]
    env = {**os.environ, "HOME": str(tmp)}
    out = subprocess.run(
        cmd, capture_output=True, text=True, timeout=180, env=env, check=False
    )
    assert out.returncode == 0, out.stderr[-2000:]
    console = [ln for ln in out.stderr.splitlines() if ":CONSOLE" in ln]
    return out.stdout, console


def test_harness_sees_console_errors(tmp_path: Path) -> None:
    """The check can fail: a page with a script error shows up in the console lines."""
    page = tmp_path / "bad.html"
    page.write_text(
        "<html><body><div id='map'></div>"
        "<script>console.error('boom'); notDefined();</script></body></html>"
    )
    dom, console = render(page, tmp_path)
    assert 'id="map"' in dom
    assert any("boom" in ln for ln in console)
    assert any("notDefined" in ln for ln in console)


def test_report_renders_in_chromium(run_folder: Path, tmp_path: Path) -> None:
    """The Leaflet map draws all 7 layers, the KPI table is there, the console is silent.

    Layers: country outlines, approximate provinces, service areas by load,
    uncovered demand, closed, kept and new outlets.
    """
    page = write_report(run_folder, path=tmp_path / "report.html")
    dom, console = render(page, tmp_path)
    assert console == []
    m = re.search(r'<div id="map"[^>]*>', dom)
    assert m is not None
    tag = m.group(0)
    assert "leaflet-container" in tag
    assert 'data-map-ready="7"' in tag
    assert "data-map-error" not in tag
    for pane in ("leaflet-map-pane", "leaflet-overlay-pane", "leaflet-control-layers"):
        assert pane in dom, pane
    assert "<canvas" in dom  # the vector layers drew on the canvas renderer
    table = re.search(r'<table id="kpi-table">.*?</table>', dom, re.S)
    assert table is not None
    assert 'data-kpi="siting_coverage_share"' in table.group(0)
    assert "demand within the radius" in table.group(0)


def test_broken_map_is_reported(run_folder: Path, tmp_path: Path) -> None:
    """Without Leaflet the map says so in the page instead of failing silently."""
    text = write_report(run_folder, path=tmp_path / "r.html").read_text()
    start = text.index("<script>\n/* @preserve")
    end = text.index("</script>", start) + len("</script>")
    page = tmp_path / "broken.html"
    page.write_text(text[:start] + text[end:])
    dom, _ = render(page, tmp_path)
    assert 'data-map-error="Error: Leaflet did not load"' in dom


#: Measures, in the browser, where the decision views are: run after load, it
#: writes each element's top and bottom edge and the window height into the
#: body's data-probe attribute (the page's own code has no part in it).
_PROBE = """
<script>
window.addEventListener("load", function () {
  var out = {height: window.innerHeight, h2: [], el: {}};
  document.querySelectorAll("h2").forEach(function (h) {
    out.h2.push([h.textContent, h.getBoundingClientRect().top]);
  });
  ["verdict", "recommendation-table", "sla-chart", "problems"].forEach(function (id) {
    var e = document.getElementById(id);
    if (!e) { return; }
    var r = e.getBoundingClientRect();
    var svg = e.querySelector("svg");
    out.el[id] = {top: r.top, bottom: r.bottom, height: r.height,
                  svg_height: svg ? svg.getBoundingClientRect().height : 0,
                  text: e.textContent};
  });
  document.body.setAttribute("data-probe", JSON.stringify(out));
});
</script>
"""


def _probe(page: Path, tmp: Path) -> tuple[dict[str, object], str, list[str]]:
    probed = tmp / "probed.html"
    probed.write_text(page.read_text().replace("</body>", _PROBE + "</body>"))
    dom, console = render(probed, tmp, window=(1280, 900))
    m = re.search(r'<body[^>]*data-probe="([^"]*)"', dom)
    assert m is not None, "the probe did not run"
    return json.loads(html.unescape(m.group(1))), dom, console


def test_decision_views_on_the_first_screen(
    design_folder: Path, tmp_path: Path
) -> None:
    """A design run's report opens with the decision, visible without scrolling.

    In a 1280 x 900 window: the verdict, the recommendation table, the SLA
    chart (an SVG drawn with a height) and the problems list start on the
    first screen, above every other section; the table names the outlets
    new/kept/closed, technicians, stock, annual cost in CNY and SLA per class
    against today's network; the console is silent.
    """
    page = write_report(design_folder, path=tmp_path / "report.html")
    probe, dom, console = _probe(page, tmp_path)
    assert console == []
    height = float(probe["height"])  # type: ignore[arg-type]
    el = probe["el"]
    assert isinstance(el, dict)
    assert set(el) == {"verdict", "recommendation-table", "sla-chart", "problems"}
    for name, box in el.items():
        assert 0 <= box["top"] < height, name
        assert box["height"] > 0, name
    assert el["sla-chart"]["svg_height"] > 100
    h2 = probe["h2"]
    assert isinstance(h2, list)
    assert h2[0][0] == "Recommendation"
    first_other = min(top for text, top in h2[1:])
    assert max(box["top"] for box in el.values()) < first_other
    table = el["recommendation-table"]["text"]
    for word in ("new", "kept", "closed", "technicians", "stock on hand", "CNY"):
        assert word in table, word
    for cls in ("urgent", "important", "general"):
        assert f"SLA {cls} (target 90%)" in table
    assert "today (same tickets)" in table
    assert "outlets overloaded" in el["problems"]["text"]
    assert "backlog" in el["problems"]["text"]
    m = re.search(r'<div id="map"[^>]*>', dom)
    assert m is not None
    assert "data-map-ready" in m.group(0)
    assert "data-map-error" not in m.group(0)
