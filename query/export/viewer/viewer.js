// claimgraph's graph viewer: pan and zoom, search, and a panel with the
// properties and record of the clicked node. It works on the SVG that
// claimgraph export --format html embeds, with no other code.
(function () {
  "use strict";
  var body = document.body;
  window.onerror = function (msg) { body.dataset.error = String(msg); };
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  // Nodes by id in a map without a prototype: an id such as "__proto__"
  // or "constructor" (from data, or from the page's address) is a key,
  // never a property of Object.
  var byId = Object.create(null);
  Object.keys(data.nodes).forEach(function (k) { byId[k] = data.nodes[k]; });
  data.nodes = byId;
  var svg = document.querySelector("#canvas svg");
  var panel = document.getElementById("panel");
  var search = document.getElementById("search");
  var nodes = svg.querySelectorAll("g.node");
  var edges = svg.querySelectorAll("g.edge");
  body.dataset.nodes = String(nodes.length);
  body.dataset.edges = String(edges.length);

  // Pan and zoom by rewriting the viewBox.
  var vb = svg.viewBox.baseVal;
  var view = { x: vb.x, y: vb.y, w: vb.width, h: vb.height };
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  function apply() { svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].join(" ")); }
  svg.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    var r = svg.getBoundingClientRect();
    var fx = (ev.clientX - r.left) / r.width, fy = (ev.clientY - r.top) / r.height;
    var k = ev.deltaY < 0 ? 0.85 : 1 / 0.85;
    var nw = view.w * k, nh = view.h * k;
    view.x += (view.w - nw) * fx; view.y += (view.h - nh) * fy;
    view.w = nw; view.h = nh; apply();
  }, { passive: false });
  var drag = null;
  svg.addEventListener("mousedown", function (ev) { drag = { x: ev.clientX, y: ev.clientY, vx: view.x, vy: view.y }; });
  window.addEventListener("mouseup", function () { drag = null; });
  window.addEventListener("mousemove", function (ev) {
    if (!drag) { return; }
    var r = svg.getBoundingClientRect();
    view.x = drag.vx - (ev.clientX - drag.x) * view.w / r.width;
    view.y = drag.vy - (ev.clientY - drag.y) * view.h / r.height;
    apply();
  });

  // Click a node: show what it is and where it comes from.
  function text(tag, s, cls) { var e = document.createElement(tag); e.textContent = s; if (cls) { e.className = cls; } return e; }
  function show(id) {
    var n = data.nodes[id];
    panel.textContent = "";
    panel.appendChild(text("h2", n.caption));
    panel.appendChild(text("p", n.labels.join(", "), "labels"));
    panel.appendChild(text("p", "id: " + id));
    panel.appendChild(text("p", "record: " + n.record));
    var dl = document.createElement("dl");
    Object.keys(n.props).sort().forEach(function (k) {
      dl.appendChild(text("dt", k));
      var v = n.props[k];
      dl.appendChild(text("dd", Array.isArray(v) ? v.join("; ") : String(v)));
    });
    panel.appendChild(dl);
    nodes.forEach(function (g) { g.classList.toggle("selected", g.dataset.id === id); });
  }
  nodes.forEach(function (g) {
    g.addEventListener("click", function (ev) { ev.stopPropagation(); show(g.dataset.id); });
  });

  // Search: keep matching nodes and their relationships bright.
  search.addEventListener("input", function () {
    var q = search.value.trim().toLowerCase();
    var hits = Object.create(null);
    nodes.forEach(function (g) {
      var n = data.nodes[g.dataset.id];
      var hay = (g.dataset.id + " " + n.caption + " " + n.labels.join(" ")).toLowerCase();
      var hit = q !== "" && hay.indexOf(q) >= 0;
      if (hit) { hits[g.dataset.id] = true; }
      g.classList.toggle("dim", q !== "" && !hit);
    });
    edges.forEach(function (g) {
      g.classList.toggle("dim", q !== "" && !(hits[g.dataset.start] || hits[g.dataset.end]));
    });
    body.dataset.matches = String(Object.keys(hits).length);
  });
  // A link may open the page with a search or a selection:
  // page.html#search=meta or page.html#select=org_meta.
  var params = new URLSearchParams(location.hash.slice(1));
  if (params.get("search")) {
    search.value = params.get("search");
    search.dispatchEvent(new Event("input"));
  }
  if (params.get("select") && data.nodes[params.get("select")]) { show(params.get("select")); }
  body.dataset.ready = "1";
})();
