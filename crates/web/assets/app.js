// Progressive enhancement only: every page works without this script.
// - tables with class "sortable": click (or Enter on) a header to sort;
// - an <input class="table-filter" data-table="ID">: filters that table's rows as you type.
(function () {
  "use strict";
  function cellValue(row, i) {
    var c = row.cells[i];
    return c ? c.textContent.trim() : "";
  }
  function compare(a, b) {
    var na = Number(a.replace(/[, ]/g, "")), nb = Number(b.replace(/[, ]/g, ""));
    if (a !== "" && b !== "" && !isNaN(na) && !isNaN(nb)) return na - nb;
    return a.localeCompare(b, undefined, { sensitivity: "base", numeric: true });
  }
  function makeSortable(table) {
    var head = table.tHead;
    if (!head || !table.tBodies[0]) return;
    Array.prototype.forEach.call(head.rows[0].cells, function (th, i) {
      if (!th.textContent.trim()) return;
      th.classList.add("sortable-col");
      th.tabIndex = 0;
      function sort() {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(head.rows[0].cells, function (o) { o.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r1, r2) {
          var d = compare(cellValue(r1, i), cellValue(r2, i));
          return asc ? d : -d;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); }
      });
    });
  }
  function makeFilter(input) {
    var table = document.getElementById(input.getAttribute("data-table"));
    if (!table || !table.tBodies[0]) return;
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
        r.hidden = q !== "" && r.textContent.toLowerCase().indexOf(q) === -1;
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table.sortable").forEach(makeSortable);
    document.querySelectorAll("input.table-filter").forEach(makeFilter);
  });
})();
// The review queue: single keys press the button that names them (m, n, s), unless typing.
document.addEventListener("keydown", function (e) {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  var t = e.target;
  if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT")) return;
  var b = document.querySelector('button[data-key="' + e.key.toLowerCase() + '"]');
  if (b) { e.preventDefault(); b.click(); }
});

/* ---- posture ---- */
/* ---- end of posture ---- */

/* ---- destruction ---- */
/* ---- end of destruction ---- */

/* ---- movement ---- */
/* ---- end of movement ---- */

/* ---- accountability ---- */
// Head-counts refresh without reloading: a small poll of the JSON every 10 seconds updates
// every number marked data-hc (the cards, the tables' cells by category, checkpoint and
// departure), keeping the tables' sort order.
(function () {
  const box = document.getElementById("headcounts");
  if (!box || !window.fetch) return;
  const fmt = new Intl.NumberFormat("en");
  function numbers(h) {
    const m = {};
    Object.keys(h).forEach((k) => { if (typeof h[k] === "number") m[k] = h[k]; });
    (h.checkpoints || []).forEach((c) => { m["cp." + c.code] = c.people; });
    (h.categories || []).forEach((c) => {
      c.by_checkpoint.forEach((n, i) => { m["cat." + c.category + "." + i] = n; });
      m["cat." + c.category + ".total"] = c.total;
    });
    (h.departures || []).forEach((d) => {
      Object.keys(d).forEach((k) => { if (typeof d[k] === "number") m["dep." + d.departure + "." + k] = d[k]; });
    });
    return m;
  }
  setInterval(async () => {
    try {
      const r = await fetch(box.dataset.poll, { credentials: "same-origin" });
      if (!r.ok) return;
      const h = await r.json();
      const m = numbers(h);
      document.querySelectorAll("[data-hc]").forEach((el) => {
        const v = m[el.dataset.hc];
        if (typeof v === "number") el.textContent = fmt.format(v);
      });
      const at = document.getElementById("hc-at");
      if (at) at.textContent = "as of " + h.at.replace("T", " ").replace(/\.\d+/, "").replace("Z", " UTC");
    } catch (e) { /* offline: keep the last numbers */ }
  }, 10000);
})();
/* ---- end of accountability ---- */

/* ---- outreach ---- */
/* ---- end of outreach ---- */

/* ---- shared ---- */
/* ---- end of shared ---- */
