// hwgraph topology page: draws /api/v1/graph as a containment tree (host,
// NUMA nodes, root buses, bridges, devices) with the link to each parent
// coloured by health; other links (NVLink, memory channels, NUMA
// distances) are listed below. No external code: it is served offline.
"use strict";

const ROW = 26, INDENT = 28, BOX_W = 520;
let graph = null;

function el(name, attrs, parent) {
  const ns = name === "svg" || ["g", "rect", "text", "path", "title"].includes(name) ? "http://www.w3.org/2000/svg" : null;
  const e = ns ? document.createElementNS(ns, name) : document.createElement(name);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

function byParent(g) {
  const kids = new Map();
  for (const c of g.components) {
    const p = c.parent || "host";
    if (!kids.has(p)) kids.set(p, []);
    kids.get(p).push(c);
  }
  return kids;
}

function treeLinks(g) {
  const ids = new Map(g.components.map(c => [c.id, c]));
  const up = new Map();
  for (const l of g.links) {
    const c = ids.get(l.to);
    if (c && (c.parent || "host") === l.from) up.set(c.id, l);
  }
  return up;
}

function draw(g) {
  graph = g;
  document.getElementById("title").textContent = "hwgraph — " + (g.host.name || "host");
  const counts = {};
  for (const c of g.components) counts[c.health.state] = (counts[c.health.state] || 0) + 1;
  document.getElementById("summary").textContent =
    Object.entries(counts).map(([s, n]) => n + " " + s).join(", ") + " · scanned " + new Date(g.time).toLocaleString();
  const svg = document.getElementById("svg");
  svg.innerHTML = "";
  const kids = byParent(g), up = treeLinks(g);
  const rows = [];
  (function walk(c, depth) {
    rows.push({ c, depth });
    for (const k of kids.get(c.id) || []) walk(k, depth + 1);
  })(g.host, 0);
  const pos = new Map();
  rows.forEach((r, i) => pos.set(r.c.id, { x: 8 + r.depth * INDENT, y: 8 + i * ROW }));
  svg.setAttribute("width", BOX_W + 40 + Math.max(...rows.map(r => r.depth)) * INDENT);
  svg.setAttribute("height", 16 + rows.length * ROW);
  const linkLayer = el("g", { id: "tree-links" }, svg);
  for (const { c } of rows) {
    if (c.id === "host") continue;
    const p = pos.get(c.parent || "host"), me = pos.get(c.id);
    if (!p) continue;
    const l = up.get(c.id);
    const state = l ? l.health.state : "ok";
    const path = el("path", {
      d: `M${p.x + 10},${p.y + 20} V${me.y + 10} H${me.x}`,
      class: "link state-" + state, "data-id": l ? l.id : c.parent + "~" + c.id,
    }, linkLayer);
    if (l) el("title", {}, path).textContent = l.id + " " + state + (l.health.reasons ? ": " + l.health.reasons.join("; ") : "");
  }
  for (const { c } of rows) {
    const { x, y } = pos.get(c.id);
    const box = el("g", {
      class: `component group-${c.kind} state-${c.health.state}`, "data-id": c.id,
      transform: `translate(${x},${y})`, tabindex: 0,
    }, svg);
    el("rect", { width: BOX_W, height: ROW - 6 }, box);
    const t = el("text", { x: 6, y: 14 }, box);
    t.textContent = (c.health.state === "ok" ? "" : "[" + c.health.state + "] ") + c.id + "  " + (c.name || "");
    const k = el("text", { x: BOX_W - 6, y: 14, class: "kind", "text-anchor": "end" }, box);
    k.textContent = c.kind;
    box.addEventListener("click", () => select(c));
  }
  const others = g.links.filter(l => ![...up.values()].includes(l));
  const sec = document.getElementById("links");
  sec.innerHTML = "";
  if (others.length) {
    el("h2", {}, sec).textContent = "Other links";
    const table = el("table", {}, sec);
    const head = el("tr", {}, table);
    for (const h of ["health", "kind", "from", "to", "details"]) el("th", {}, head).textContent = h;
    for (const l of others) {
      const tr = el("tr", { class: "other-link state-" + l.health.state, "data-id": l.id }, table);
      el("td", { class: "badge state-" + l.health.state }, tr).textContent = l.health.state;
      el("td", {}, tr).textContent = l.kind;
      el("td", {}, tr).textContent = l.from;
      el("td", {}, tr).textContent = l.to;
      el("td", {}, tr).textContent = Object.entries(l.attrs || {}).map(([k, v]) => k + "=" + v).join(" ") +
        (l.health.reasons ? " (" + l.health.reasons.join("; ") + ")" : "");
    }
  }
  document.body.setAttribute("data-drawn", String(rows.length));
}

async function select(c) {
  document.querySelectorAll(".component.selected").forEach(e => e.classList.remove("selected"));
  const box = document.querySelector(`.component[data-id="${CSS.escape(c.id)}"]`);
  if (box) box.classList.add("selected");
  const d = document.getElementById("details");
  d.innerHTML = "";
  el("h2", {}, d).textContent = c.id;
  const st = el("p", { class: "badge state-" + c.health.state }, d);
  st.textContent = c.health.state + (c.health.reasons ? ": " + c.health.reasons.join("; ") : "");
  const table = el("table", {}, d);
  const row = (k, v) => { const tr = el("tr", {}, table); el("td", {}, tr).textContent = k; el("td", {}, tr).textContent = v; };
  for (const k of ["kind", "name", "parent", "vendor", "model", "serial", "firmware"]) if (c[k]) row(k, c[k]);
  for (const [k, v] of Object.entries(c.attrs || {}).sort()) row(k, String(v));
  for (const [k, v] of Object.entries(c.counters || {}).sort()) row("counter " + k, String(v));
  el("h3", {}, d).textContent = "Recent events";
  const list = el("ul", {}, d);
  try {
    // The 20 newest of the last week: the API answers newest first.
    const events = await (await fetch("api/v1/events?since=168h&limit=20&component=" + encodeURIComponent(c.id))).json();
    for (const e of events) el("li", {}, list).textContent = `${e.time} ${e.severity} ${e.kind}: ${e.message}`;
    if (!events.length) el("li", {}, list).textContent = "none";
  } catch (err) { el("li", {}, list).textContent = "events unavailable: " + err; }
}

async function load() {
  try {
    const r = await fetch("api/v1/graph");
    if (!r.ok) throw new Error(await r.text());
    draw(await r.json());
  } catch (err) {
    document.getElementById("summary").textContent = "cannot load the graph: " + err;
  }
}

async function version() {
  try {
    const b = await (await fetch("api/v1/status/buildinfo")).json();
    document.getElementById("version").textContent = `hwgraph ${b.version} (${b.revision.slice(0, 12)})`;
  } catch (err) { /* an older agent: no version shown */ }
}

version();
load();
setInterval(load, 30000);
