// hwgraph's page. One machine: the drawing the agent renders
// (/api/v1/svg, hwgraph --format svg), refreshed without reloading, with
// zoom and pan, search, a problems list, a timeline of the day's events,
// and a click for a part's attributes, counters, sensors and events. A
// fleet (hwgraph cluster serve): a tile per host coloured by its worst
// state, grouped and sorted; a click opens that host's drawing. No
// external code: it is served offline, from the binary.
"use strict";

const REFRESH_MS = 15000;
const SEVERITY = { ok: 0, unknown: 1, degraded: 2, missing: 3, failed: 4, unreachable: 5 };
let graph = null;     // the last /api/v1/graph
let root = "";        // the fleet's host being looked at, "" for the whole graph
let view = null;      // the drawing's viewBox, kept across refreshes
let selected = "";

const $ = id => document.getElementById(id);

// Errors are counted where a test (and a curious user) can read them.
function countError() { document.body.dataset.errors = String(Number(document.body.dataset.errors || 0) + 1); }
window.addEventListener("error", countError);
window.addEventListener("unhandledrejection", countError);

function el(name, attrs, parent, text) {
  const svgNames = ["svg", "g", "rect", "circle", "line", "text", "title"];
  const e = svgNames.includes(name) ? document.createElementNS("http://www.w3.org/2000/svg", name) : document.createElement(name);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}

function isFleet(g) { return g.host.name === "cluster" && g.host.attrs && g.host.attrs.hosts !== undefined; }

function component(id) {
  if (id === "host" && root) id = root;
  if (graph.host.id === id) return graph.host;
  return graph.components.find(c => c.id === id);
}

// inScope says whether a component or link belongs to what is shown.
function inScope(id) { return !root || id === root || id.startsWith(root.slice("host:".length) + "/"); }

async function load() {
  const t0 = performance.now();
  try {
    const r = await fetch("api/v1/graph");
    if (!r.ok) throw new Error(await r.text());
    graph = await r.json();
  } catch (err) {
    $("summary").textContent = "cannot load the graph: " + err;
    return;
  }
  const fleet = isFleet(graph) && !root;
  $("host-view").hidden = fleet;
  $("fleet-view").hidden = !fleet;
  $("back").hidden = !root;
  $("title").textContent = "hwgraph — " + (root ? component(root).name : graph.host.name || "host");
  if (fleet) drawFleet(); else await drawHost();
  problems();
  timeline();
  document.body.dataset.drawMs = String(Math.round(performance.now() - t0));
}

// drawHost fetches the drawing and puts it in the page, keeping the
// zoom and the selection.
async function drawHost() {
  const q = new URLSearchParams();
  if (root) q.set("root", root);
  if ($("unhealthy").checked) q.set("only_unhealthy", "1");
  const text = await (await fetch("api/v1/svg?" + q)).text();
  const svg = new DOMParser().parseFromString(text, "image/svg+xml").documentElement;
  if (svg.nodeName !== "svg") { $("summary").textContent = "the drawing did not load"; return; }
  const full = svg.getAttribute("viewBox").split(" ").map(Number);
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  svg.setAttribute("id", "svg");
  if (!view) view = fitWidth(full);
  svg.setAttribute("viewBox", view.join(" "));
  $("drawing").replaceChildren(document.adoptNode(svg));
  for (const g of svg.querySelectorAll("g.part")) g.addEventListener("click", ev => { ev.stopPropagation(); select(g.dataset.id); });
  const counts = {};
  for (const g of svg.querySelectorAll("g.part")) counts[g.dataset.state] = (counts[g.dataset.state] || 0) + 1;
  $("summary").textContent = Object.entries(counts).map(([s, n]) => n + " " + s).join(", ") +
    " · scanned " + new Date(graph.time).toLocaleString();
  document.body.dataset.drawn = String(svg.querySelectorAll("g.part").length);
  document.body.dataset.overflow = String(overflowing(svg));
  if (selected) mark(selected, "selected");
  search();
}

// fitWidth is the first view: the drawing's width, from its top.
function fitWidth(full) {
  const box = $("view").getBoundingClientRect();
  const h = full[2] * (box.height / Math.max(box.width, 1));
  return [0, 0, full[2], Math.max(h, 100)];
}

// overflowing counts the texts wider than their box: none, by the
// layout's rule; the page checks it in the browser's own fonts.
function overflowing(svg) {
  let n = 0;
  for (const g of svg.querySelectorAll("g.part")) {
    const r = g.querySelector("rect");
    const right = r.x.baseVal.value + r.width.baseVal.value;
    for (const t of g.querySelectorAll("text")) {
      if (t.x.baseVal[0].value + t.getComputedTextLength() > right) n++;
    }
  }
  return n;
}

function mark(id, cls) {
  document.querySelectorAll(".part." + cls).forEach(e => e.classList.remove(cls));
  const g = document.querySelector(`g.part[data-id="${CSS.escape(id)}"]`);
  if (g) g.classList.add(cls);
  return g;
}

function zoomTo(g) {
  const r = g.querySelector("rect");
  const x = r.x.baseVal.value, y = r.y.baseVal.value, w = r.width.baseVal.value, h = r.height.baseVal.value;
  const box = $("view").getBoundingClientRect();
  const vw = Math.max(w * 3, 600), vh = vw * box.height / Math.max(box.width, 1);
  view = [x + w / 2 - vw / 2, y + h / 2 - vh / 2, vw, vh];
  $("svg").setAttribute("viewBox", view.join(" "));
}

async function select(id) {
  selected = id;
  mark(id, "selected");
  const c = component(id);
  const d = $("details");
  d.replaceChildren();
  if (!c) { el("p", {}, d, id + " is not in the graph"); return; }
  el("h2", {}, d, c.id);
  el("p", { class: "badge state-" + c.health.state }, d, c.health.state + (c.health.reasons ? ": " + c.health.reasons.join("; ") : ""));
  const table = el("table", {}, d);
  const row = (k, v) => { const tr = el("tr", {}, table); el("td", {}, tr, k); el("td", {}, tr, v); };
  for (const k of ["kind", "name", "parent", "vendor", "model", "serial", "firmware"]) if (c[k]) row(k, c[k]);
  const attrs = Object.entries(c.attrs || {}).sort();
  for (const [k, v] of attrs) if (!k.startsWith("sensor:")) row(k, String(v));
  for (const [k, v] of Object.entries(c.counters || {}).sort()) row("counter " + k, String(v));
  const sensors = attrs.filter(([k]) => k.startsWith("sensor:") && k.split(":").length === 2);
  if (sensors.length) {
    el("h3", {}, d, "Sensors");
    const st = el("table", {}, d);
    for (const [k, v] of sensors) {
      const tr = el("tr", {}, st);
      el("td", {}, tr, k.slice(7));
      el("td", {}, tr, v + " " + ((c.attrs[k + ":unit"]) || ""));
    }
  }
  el("h3", {}, d, "Recent events");
  const list = el("ul", {}, d);
  try {
    const events = await (await fetch("api/v1/events?since=168h&limit=20&component=" + encodeURIComponent(c.id))).json();
    for (const e of events) el("li", { class: "state-" + (e.severity === "critical" ? "failed" : "ok") }, list, `${e.time} ${e.severity} ${e.kind}: ${e.message}${folded(e)}`);
    if (!events.length) el("li", {}, list, "none in the last week");
  } catch (err) { el("li", {}, list, "events unavailable: " + err); }
}

// problems lists every part and link that is not ok, worst first.
function problems() {
  const list = $("problem-list");
  list.replaceChildren();
  const items = [];
  for (const c of graph.components) if (c.health.state !== "ok" && inScope(c.id)) items.push(c);
  for (const l of graph.links) if (l.health.state !== "ok" && inScope(l.from)) items.push(l);
  items.sort((a, b) => SEVERITY[b.health.state] - SEVERITY[a.health.state] || (a.id < b.id ? -1 : 1));
  for (const x of items) {
    const li = el("li", { class: "state-" + x.health.state }, list, `${x.health.state} ${x.id}` + (x.health.reasons ? ": " + x.health.reasons.join("; ") : ""));
    const target = x.to || x.id; // a link: the part below it
    li.addEventListener("click", () => {
      if (isFleet(graph) && !root) { openHost(hostOf(target)); return; }
      const g = mark(target, "selected");
      if (g) { zoomTo(g); select(target); }
    });
  }
  if (!items.length) el("li", { class: "state-ok" }, list, "none: every part is ok");
  document.body.dataset.problems = String(items.length);
}

function hostOf(id) { return "host:" + id.split("/")[0]; }

// timeline draws the last day's events along the top, by severity.
async function timeline() {
  const svg = $("tl");
  svg.replaceChildren();
  let events = [];
  try { events = await (await fetch("api/v1/events?since=24h&limit=1000")).json(); } catch (err) { return; }
  events = events.filter(e => inScope(e.component || e.link || ""));
  const w = svg.getBoundingClientRect().width || 1000, now = Date.now(), day = 864e5;
  el("line", { x1: 0, x2: w, y1: 24, y2: 24, stroke: "#cfd8dc" }, svg);
  for (let h = 0; h <= 24; h += 6) el("text", { x: Math.min(w - 30, (1 - h / 24) * w), y: 33, "font-size": 9, fill: "#78909c" }, svg, h ? `-${h}h` : "now");
  for (const e of events) {
    const x = Math.max(3, Math.min(w - 3, w - ((now - Date.parse(e.time)) / day) * w));
    const color = e.severity === "critical" ? "#b71c1c" : e.severity === "warning" ? "#e65100" : "#1565c0";
    const c = el("circle", { cx: x, cy: 14, r: 4, fill: color, class: "tick" }, svg);
    el("title", {}, c, `${e.time} ${e.severity} ${e.kind} ${e.component || e.link}: ${e.message}${folded(e)}`);
    c.addEventListener("click", () => { const g = mark(e.component, "selected"); if (g) { zoomTo(g); select(e.component); } });
  }
  el("text", { x: 4, y: 10, "font-size": 9, fill: "#78909c" }, svg, events.length + " events in 24 h");
}

// search marks the parts whose ID, name or serial holds the query, and
// brings the first into view.
function search() {
  const q = $("search").value.trim().toLowerCase();
  document.querySelectorAll(".part.match").forEach(e => e.classList.remove("match"));
  if (!q || !graph) return;
  let first = null;
  for (const c of [graph.host, ...graph.components]) {
    if (![c.id, c.name, c.serial].some(v => v && v.toLowerCase().includes(q))) continue;
    const g = document.querySelector(`g.part[data-id="${CSS.escape(c.id === graph.host.id ? "host" : c.id)}"]`);
    if (g) { g.classList.add("match"); first = first || g; }
  }
  if (first) zoomTo(first);
}

// drawFleet puts a tile per host, coloured by its worst state.
function drawFleet() {
  const hosts = graph.components.filter(c => c.kind === "host" && c.parent === "host");
  const stateOf = h => (h.attrs.reachable === false ? "unreachable" :
    SEVERITY[h.health.state] > SEVERITY[h.attrs.worst || "ok"] ? h.health.state : h.attrs.worst || "ok");
  const counts = {};
  for (const h of hosts) counts[stateOf(h)] = (counts[stateOf(h)] || 0) + 1;
  $("summary").textContent = ["ok", "unknown", "degraded", "missing", "failed", "unreachable"]
    .filter(s => counts[s]).map(s => counts[s] + " " + s).join(", ") + " · gathered " + new Date(graph.time).toLocaleString();
  const group = $("group"), keys = new Set();
  for (const h of hosts) for (const k of Object.keys(h.attrs)) if (k.startsWith("label:")) keys.add(k.slice(6));
  for (const k of [...keys].sort()) if (![...group.options].some(o => o.value === k)) el("option", { value: k }, group, k);
  const by = group.value, sort = $("sort").value;
  hosts.sort((a, b) => sort === "state" ? SEVERITY[stateOf(b)] - SEVERITY[stateOf(a)] || (a.name < b.name ? -1 : 1) : (a.name < b.name ? -1 : 1));
  const groups = new Map();
  for (const h of hosts) {
    const k = by ? (h.attrs["label:" + by] || "(none)") : "";
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(h);
  }
  const tiles = $("tiles");
  tiles.replaceChildren();
  for (const [k, hs] of [...groups].sort()) {
    if (by) el("h3", {}, tiles, `${by} = ${k} (${hs.length})`);
    const box = el("div", { class: "tiles" }, tiles);
    for (const h of hs) {
      const st = stateOf(h);
      const t = el("div", { class: "tile state-" + st, "data-id": h.id, title: `${h.name}: ${st}` + (h.health.reasons ? " (" + h.health.reasons.join("; ") + ")" : "") }, box);
      el("b", {}, t, h.name);
      el("span", {}, t, st);
      t.addEventListener("click", () => openHost(h.id));
    }
  }
  document.body.dataset.drawn = String(hosts.length);
}

function openHost(id) { root = id; view = null; selected = ""; load(); }

// Zoom with the wheel around the pointer; pan by dragging.
$("view").addEventListener("wheel", ev => {
  const svg = $("svg");
  if (!svg || !view) return;
  ev.preventDefault();
  const box = svg.getBoundingClientRect();
  const f = ev.deltaY > 0 ? 1.15 : 1 / 1.15;
  const px = view[0] + (ev.clientX - box.left) / box.width * view[2];
  const py = view[1] + (ev.clientY - box.top) / box.height * view[3];
  view = [px - (px - view[0]) * f, py - (py - view[1]) * f, view[2] * f, view[3] * f];
  svg.setAttribute("viewBox", view.join(" "));
}, { passive: false });
let drag = null;
$("view").addEventListener("mousedown", ev => { drag = { x: ev.clientX, y: ev.clientY, v: view && view.slice() }; });
window.addEventListener("mouseup", () => { drag = null; });
window.addEventListener("mousemove", ev => {
  const svg = $("svg");
  if (!drag || !drag.v || !svg) return;
  const box = svg.getBoundingClientRect();
  view = [drag.v[0] - (ev.clientX - drag.x) / box.width * drag.v[2], drag.v[1] - (ev.clientY - drag.y) / box.height * drag.v[3], drag.v[2], drag.v[3]];
  svg.setAttribute("viewBox", view.join(" "));
});
$("search").addEventListener("input", search);
$("unhealthy").addEventListener("change", () => { view = null; load(); });
$("group").addEventListener("change", drawFleet);
$("sort").addEventListener("change", drawFleet);
$("back").addEventListener("click", () => { root = ""; view = null; load(); });

async function version() {
  try {
    const b = await (await fetch("api/v1/status/buildinfo")).json();
    $("version").textContent = `hwgraph ${b.version} (${b.revision.slice(0, 12)})`;
  } catch (err) { /* an older agent: no version shown */ }
}

version();
load();
setInterval(load, REFRESH_MS);

// folded says what a folded event stands for, as the CLI does.
function folded(e) {
  return e.count > 1 ? ` (${e.count} times, the last at ${e.last})` : "";
}
