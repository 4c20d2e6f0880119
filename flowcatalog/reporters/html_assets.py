"""The HTML report's stylesheet and its one small script (which only enhances: the filters
work without it), kept apart from the markup code."""

from __future__ import annotations

STYLE = """\
:root { color-scheme: light; color: #1f2328; background: #fff;
  font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
body { margin: 0 auto; max-width: 75rem; padding: 1rem; }
h1 { font-size: 1.6rem; margin: 0 0 .4rem; }
h2 { font-size: 1.25rem; margin: 1.6rem 0 .5rem; }
.meta { color: #454c54; margin: 0 0 .6rem; }
.totals { display: flex; flex-wrap: wrap; gap: .4rem; list-style: none; margin: 0; padding: 0; }
.totals li { border: 1px solid #c8d1da; border-radius: .4rem; padding: .25rem .6rem; }
.notice { border-left: 4px solid #9a6700; background: #fff8e1; padding: .5rem .8rem; }
.scroll { overflow-x: auto; }
.scroll:focus { outline: 2px solid #0969da; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; padding: 0 0 .4rem; color: #454c54; }
th, td { border: 1px solid #c8d1da; padding: .45rem .6rem; text-align: left; vertical-align: top; }
thead th { background: #f3f5f7; }
.matrix tbody th, .matrix thead th:first-child { position: sticky; left: 0; z-index: 1;
  background: #f3f5f7; }
.matrix td { min-width: 9rem; }
.state { font-weight: 600; white-space: nowrap; }
.documented { background: #dcf5e3; }
.placeholder { background: #fff3c4; }
.missing { background: #ffe3e0; }
.not-applicable { background: #eceef1; }
.matrix ul, .nodes { margin: .3rem 0 0; padding-left: 0; list-style: none; }
.nodes li { margin: .3rem 0; }
.thumb { display: block; max-width: 100%; height: auto; border: 1px solid #c8d1da;
  background: #fff; margin: .2rem 0; }
.nothumb { display: block; font-size: .85rem; color: #3d444d; border: 1px dashed #8c959f;
  padding: .3rem; margin: .2rem 0; }
.note { display: block; font-size: .9rem; color: #3d444d; }
.note.changed { color: #7a4a00; font-weight: 600; }
.legend { display: flex; flex-wrap: wrap; gap: .4rem .9rem; list-style: none; padding: 0; }
.legend li span { display: inline-block; padding: 0 .4rem; border: 1px solid #c8d1da; }
.filters { border: 1px solid #c8d1da; border-radius: .4rem; padding: .3rem .8rem .6rem;
  margin: .6rem 0; }
.filters fieldset { border: 0; display: inline-block; margin: 0 1rem 0 0; padding: .2rem 0; }
.filters legend { font-weight: 600; padding: 0; }
.filters label { margin-right: .6rem; white-space: nowrap; }
.changes { display: grid; gap: 1rem; }
.change { border: 1px solid #c8d1da; border-radius: .4rem; padding: .6rem; margin: 0; }
.pair { display: flex; flex-wrap: wrap; gap: 1rem; }
.pair figure { margin: 0; }
.error { color: #a40e26; font-weight: 600; }
.warning { color: #7a4a00; font-weight: 600; }
.info { color: #0a4a8f; }
a { color: #0550ae; }
td { overflow-wrap: break-word; }
a, code { overflow-wrap: anywhere; }
.sev { white-space: nowrap; }
.chart { max-width: 100%; height: auto; }
footer { margin-top: 2rem; color: #454c54; font-size: .9rem; }
@media (max-width: 40rem) {
  body { padding: .6rem; }
  h1 { font-size: 1.3rem; }
  th, td { padding: .35rem .4rem; font-size: .92rem; }
  .matrix td { min-width: 7rem; }
}
"""

SCRIPT = """\
(function () {
  var out = document.getElementById('filter-count');
  var rows = document.querySelectorAll('#cells tbody tr');
  function count() {
    var shown = 0;
    rows.forEach(function (row) { if (row.offsetParent !== null) { shown += 1; } });
    out.textContent = 'Showing ' + shown + ' of ' + rows.length + ' cells.';
  }
  document.querySelectorAll('.filters input').forEach(function (box) {
    box.addEventListener('change', count);
  });
  count();
})();
"""
