/**
 * The monitor's single page: self-contained HTML (inline CSS and JS, no external resource: the
 * page must work with no network beyond the monitor itself). It polls `/api/state` every second
 * and draws the figures, rates over time (inline SVG, drawn by hand), the peers and their
 * patterns, the zone bridges and remote zones (with the bridge's import lag, in flight and
 * redelivered counts when the monitored peer is a bridge's), the streams heard and the latest events. Text from the network (peer names,
 * patterns, subjects) is inserted with `textContent`, never as HTML.
 *
 * The inline script uses neither backquotes nor dollar-brace, so it sits in this template as is.
 */
export const MONITOR_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>ledgecast monitor</title>
<style>
  :root { --bg: #f6f7f9; --card: #fff; --ink: #1d2430; --dim: #6b7483; --line: #e2e5ea; --a: #2f6fde; --b: #1a9f6b; --c: #d9822b; --d: #c7354a; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--ink); }
  header { display: flex; align-items: baseline; gap: 16px; padding: 14px 20px; background: var(--ink); color: #fff; }
  header h1 { font-size: 18px; margin: 0; font-weight: 600; }
  header .meta { color: #b8c0cc; font-size: 13px; }
  #status { margin-left: auto; font-size: 13px; }
  #status::before { content: ""; display: inline-block; width: 9px; height: 9px; border-radius: 50%; background: #888; margin-right: 6px; }
  #status.live::before { background: #3ccf8e; }
  #status.down::before { background: #e5484d; }
  main { padding: 16px 20px 32px; max-width: 1400px; margin: 0 auto; }
  .tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; }
  .tile { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
  .tile .label { color: var(--dim); font-size: 12px; }
  .tile .value { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
  .tile.bad .value { color: var(--d); }
  .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 12px; margin-top: 14px; }
  .card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
  .card h2 { font-size: 13px; margin: 0 0 6px; font-weight: 600; }
  .legend { font-size: 12px; color: var(--dim); }
  .legend span { margin-right: 12px; }
  .legend i { display: inline-block; width: 10px; height: 3px; margin-right: 4px; vertical-align: middle; }
  svg { width: 100%; height: 150px; display: block; }
  svg text { font-size: 10px; fill: var(--dim); }
  .tables { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 12px; margin-top: 14px; }
  table { width: 100%; border-collapse: collapse; font-size: 13px; }
  th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid var(--line); vertical-align: top; }
  th { color: var(--dim); font-weight: 500; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
  td code { font-size: 12px; background: #eef1f5; padding: 0 4px; border-radius: 3px; margin-right: 4px; }
  .empty { color: var(--dim); font-style: italic; }
  .ev-dataLoss, .ev-slowConsumer, .ev-multicastUnreachable { color: var(--d); }
</style>
</head>
<body>
<header>
  <h1>ledgecast monitor</h1>
  <span class="meta" id="self">connecting…</span>
  <span id="status">connecting</span>
</header>
<main>
  <section class="tiles" id="tiles"></section>
  <section class="charts">
    <div class="card"><h2>Messages per second</h2><div class="legend" id="lg-msgs"></div><svg id="ch-msgs"></svg></div>
    <div class="card"><h2>NAKs and retransmissions per second</h2><div class="legend" id="lg-naks"></div><svg id="ch-naks"></svg></div>
    <div class="card"><h2>Data loss and slow consumers (since start)</h2><div class="legend" id="lg-loss"></div><svg id="ch-loss"></svg></div>
    <div class="card"><h2>Peers and streams</h2><div class="legend" id="lg-peers"></div><svg id="ch-peers"></svg></div>
  </section>
  <section class="tables">
    <div class="card"><h2>Peers</h2><table><thead><tr><th>peer</th><th>incarnation</th><th>address</th><th>patterns</th></tr></thead><tbody id="peers"></tbody></table></div>
    <div class="card"><h2>Zones</h2><div class="legend" id="zones-head"></div><table><thead><tr><th>remote zone</th><th>via bridge</th><th>heard</th><th>imported</th><th>in flight</th><th>lag (msgs)</th><th>delay</th><th>redelivered</th><th>last imported</th></tr></thead><tbody id="zones"></tbody></table></div>
    <div class="card" id="bridge-card" hidden><h2>This bridge</h2><table><tbody id="bridge"></tbody></table></div>
    <div class="card"><h2>Streams heard</h2><table><thead><tr><th>sender</th><th>zone</th><th>subject</th><th>messages</th><th>last seq</th><th>last</th></tr></thead><tbody id="streams"></tbody></table></div>
    <div class="card"><h2>Events</h2><table><thead><tr><th>time</th><th>event</th><th>detail</th></tr></thead><tbody id="events"></tbody></table></div>
  </section>
</main>
<script>
"use strict";
(function () {
  var TILES = [
    ["published", "Published"], ["delivered", "Delivered"], ["rate.published", "Published / s"], ["rate.delivered", "Delivered / s"],
    ["naksSent", "NAKs sent"], ["naksReceived", "NAKs received"], ["messagesRetransmitted", "Retransmitted"],
    ["dataLossMessages", "Data loss (msgs)", true], ["slowConsumerEvents", "Slow consumers", true],
    ["peers", "Peers"], ["streamsOut", "Streams out"], ["streamsIn", "Streams in"],
    ["originDuplicates", "Zone repeats dropped"]
  ];
  var COLORS = ["var(--a)", "var(--b)", "var(--c)", "var(--d)"];
  var tiles = document.getElementById("tiles");
  var tileEls = {};
  TILES.forEach(function (t) {
    var div = document.createElement("div");
    div.className = "tile";
    var label = document.createElement("div");
    label.className = "label";
    label.textContent = t[1];
    var value = document.createElement("div");
    value.className = "value";
    value.setAttribute("data-figure", t[0]);
    value.textContent = "–";
    div.appendChild(label);
    div.appendChild(value);
    tiles.appendChild(div);
    tileEls[t[0]] = { value: value, tile: div, bad: t[2] === true };
  });

  function fmt(n) {
    if (typeof n !== "number" || !isFinite(n)) return "–";
    if (Math.abs(n) >= 100 || Number.isInteger(n)) return Math.round(n).toLocaleString("en-US");
    return n.toFixed(1);
  }
  function ago(ms) {
    var s = Math.max(0, Math.round(ms / 1000));
    if (s < 60) return s + " s";
    if (s < 3600) return Math.floor(s / 60) + " min";
    return Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min";
  }
  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); }
  function cell(tr, text, cls) {
    var td = document.createElement("td");
    if (cls) td.className = cls;
    td.textContent = text;
    tr.appendChild(td);
    return td;
  }
  function emptyRow(tbody, cols, text) {
    var tr = document.createElement("tr");
    var td = cell(tr, text, "empty");
    td.colSpan = cols;
    tbody.appendChild(tr);
  }

  /** Per-second rates of a cumulative counter between consecutive samples. */
  function rates(history, key) {
    var out = [];
    for (var i = 1; i < history.length; i++) {
      var dt = (history[i].t - history[i - 1].t) / 1000;
      out.push(dt > 0 ? Math.max(0, (history[i][key] - history[i - 1][key]) / dt) : 0);
    }
    return out;
  }
  function values(history, key) { return history.map(function (p) { return p[key]; }); }

  var SVGNS = "http://www.w3.org/2000/svg";
  function drawChart(id, legendId, series, spanMs) {
    var svg = document.getElementById(id);
    var legend = document.getElementById(legendId);
    clear(svg);
    clear(legend);
    // Drawn at the element's own size (no stretching: the labels keep their shape).
    var W = Math.max(200, Math.round(svg.getBoundingClientRect().width) || 400), H = 150, top = 12, bottom = 16, left = 2, right = 2;
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    var max = 0, n = 0;
    series.forEach(function (s) { s.data.forEach(function (v) { if (v > max) max = v; }); n = Math.max(n, s.data.length); });
    // The axis top: the max rounded up to one significant digit; 1 when every value is 0.
    var niceMax = 1;
    if (max > 0) {
      var unit = Math.pow(10, Math.floor(Math.log10(max)));
      niceMax = Math.ceil(max / unit) * unit;
    }
    for (var g = 0; g <= 2; g++) {
      var y = top + (H - top - bottom) * g / 2;
      var line = document.createElementNS(SVGNS, "line");
      line.setAttribute("x1", left); line.setAttribute("x2", W - right);
      line.setAttribute("y1", y); line.setAttribute("y2", y);
      line.setAttribute("stroke", "#e2e5ea");
      svg.appendChild(line);
      var label = document.createElementNS(SVGNS, "text");
      label.setAttribute("x", left + 2); label.setAttribute("y", y - 2);
      label.textContent = fmt(niceMax * (2 - g) / 2);
      svg.appendChild(label);
    }
    var foot = document.createElementNS(SVGNS, "text");
    foot.setAttribute("x", W - right - 2); foot.setAttribute("y", H - 3); foot.setAttribute("text-anchor", "end");
    foot.textContent = spanMs > 0 ? "last " + ago(spanMs) : "waiting for samples";
    svg.appendChild(foot);
    series.forEach(function (s, k) {
      var color = COLORS[k % COLORS.length];
      var item = document.createElement("span");
      var swatch = document.createElement("i");
      swatch.style.background = color;
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(s.name + " " + fmt(s.data.length ? s.data[s.data.length - 1] : 0)));
      legend.appendChild(item);
      if (s.data.length < 2) return;
      var pts = s.data.map(function (v, i) {
        var x = left + (W - left - right) * i / Math.max(1, n - 1);
        var yv = top + (H - top - bottom) * (1 - v / niceMax);
        return x.toFixed(1) + "," + yv.toFixed(1);
      });
      var pl = document.createElementNS(SVGNS, "polyline");
      pl.setAttribute("points", pts.join(" "));
      pl.setAttribute("fill", "none");
      pl.setAttribute("stroke", color);
      pl.setAttribute("stroke-width", "1.8");
      svg.appendChild(pl);
    });
  }

  function render(s) {
    document.getElementById("self").textContent = s.self.name + " · incarnation " + s.self.incarnation + " · up " + ago(s.now - s.self.startedMs);
    var f = s.figures || {};
    TILES.forEach(function (t) {
      var key = t[0];
      var v = key.indexOf("rate.") === 0 ? s.rates[key.slice(5)] : f[key];
      var el = tileEls[key];
      el.value.textContent = fmt(v);
      el.tile.classList.toggle("bad", el.bad && v > 0);
    });
    var h = s.history;
    var span = h.length > 1 ? h[h.length - 1].t - h[0].t : 0;
    drawChart("ch-msgs", "lg-msgs", [{ name: "published", data: rates(h, "published") }, { name: "delivered", data: rates(h, "delivered") }], span);
    drawChart("ch-naks", "lg-naks", [{ name: "NAKs sent", data: rates(h, "naksSent") }, { name: "NAKs received", data: rates(h, "naksReceived") }, { name: "retransmitted", data: rates(h, "messagesRetransmitted") }], span);
    drawChart("ch-loss", "lg-loss", [{ name: "lost messages", data: values(h, "dataLossMessages") }, { name: "slow consumers", data: values(h, "slowConsumerEvents") }], span);
    drawChart("ch-peers", "lg-peers", [{ name: "peers", data: values(h, "peers") }, { name: "streams in", data: values(h, "streamsIn") }, { name: "streams out", data: values(h, "streamsOut") }], span);

    var peers = document.getElementById("peers");
    clear(peers);
    if (s.peers.length === 0) emptyRow(peers, 4, "no peer heard yet");
    s.peers.forEach(function (p) {
      var tr = document.createElement("tr");
      cell(tr, p.name);
      cell(tr, String(p.incarnation), "num");
      cell(tr, p.host + ":" + p.port);
      var td = cell(tr, p.patterns.length ? "" : "–");
      p.patterns.forEach(function (pat) { var c = document.createElement("code"); c.textContent = pat; td.appendChild(c); });
      peers.appendChild(tr);
    });

    renderZones(s);

    var streams = document.getElementById("streams");
    clear(streams);
    if (s.streams.length === 0) emptyRow(streams, 6, "none (the monitor lists the streams of the patterns it subscribes to)");
    s.streams.forEach(function (r) {
      var tr = document.createElement("tr");
      cell(tr, r.sender);
      cell(tr, r.zone || "here");
      cell(tr, r.subject);
      cell(tr, fmt(r.messages), "num");
      cell(tr, String(r.lastSeq), "num");
      cell(tr, ago(s.now - r.lastMs) + " ago", "num");
      streams.appendChild(tr);
    });

    var events = document.getElementById("events");
    clear(events);
    if (s.events.length === 0) emptyRow(events, 3, "no event yet");
    s.events.slice().reverse().forEach(function (e) {
      var tr = document.createElement("tr");
      tr.className = "ev-" + e.kind;
      cell(tr, new Date(e.t).toLocaleTimeString());
      cell(tr, e.kind);
      cell(tr, e.text);
      events.appendChild(tr);
    });
  }

  function maybe(v, unit) { return typeof v === "number" ? fmt(v) + (unit || "") : "–"; }
  function renderZones(s) {
    var z = s.zones;
    var head = document.getElementById("zones-head");
    var parts = [];
    if (z.localZones.length) parts.push("this zone: " + z.localZones.join(", "));
    z.bridges.forEach(function (b) {
      parts.push("bridge " + b.name + (b.importingFrom.length ? " importing from " + b.importingFrom.join(", ") : " not importing (standby, or export only)"));
    });
    head.textContent = parts.length ? parts.join(" · ") : "no zone bridge heard (docs/ZONES.md)";
    var rows = document.getElementById("zones");
    clear(rows);
    if (z.remote.length === 0) emptyRow(rows, 9, "no remote zone (none imported by a bridge heard, none in the messages heard)");
    z.remote.forEach(function (r) {
      var i = r.import;
      var tr = document.createElement("tr");
      cell(tr, r.zone);
      cell(tr, r.via.length ? r.via.join(", ") : "–");
      cell(tr, fmt(r.heard), "num");
      cell(tr, i ? fmt(i.imported) : "–", "num");
      cell(tr, i ? fmt(i.inFlight) : "–", "num");
      cell(tr, i ? maybe(i.lagMessages) : "–", "num");
      cell(tr, i && typeof i.delayMs === "number" ? fmt(i.delayMs) + " ms" : "–", "num");
      cell(tr, i ? fmt(i.redelivered) : "–", "num");
      cell(tr, i && typeof i.lastImportedAgoMs === "number" ? ago(i.lastImportedAgoMs) + " ago" : "–", "num");
      rows.appendChild(tr);
    });
    var card = document.getElementById("bridge-card");
    var b = s.bridge;
    card.hidden = !b;
    if (!b) return;
    var body = document.getElementById("bridge");
    clear(body);
    [
      ["zone", b.zone],
      ["importing (holds the import lease)", b.import.active ? "yes" : "no"],
      ["exported (stored by JetStream)", fmt(b.export.acked)],
      ["export de-duplicated by JetStream", fmt(b.export.duplicates)],
      ["export in flight / held", fmt(b.export.inFlight) + " / " + fmt(b.export.pending)],
      ["export retries / blocked", fmt(b.export.retried) + " / " + fmt(b.export.blocked)],
      ["export loss records", fmt(b.export.losses)],
      ["imported", fmt(b.import.imported)],
      ["import redelivered / caught up", fmt(b.import.redelivered) + " / " + fmt(b.import.caughtUp)],
      ["import loss markers", fmt(b.import.losses)],
      ["import consumer restarts", fmt(b.import.restarts)]
    ].forEach(function (kv) {
      var tr = document.createElement("tr");
      cell(tr, kv[0]);
      cell(tr, kv[1], "num");
      body.appendChild(tr);
    });
  }

  var status = document.getElementById("status");
  function poll() {
    fetch("api/state", { cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (s) { render(s); status.className = "live"; status.textContent = "live"; })
      .catch(function () { status.className = "down"; status.textContent = "disconnected"; })
      .then(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
</script>
</body>
</html>
`;
