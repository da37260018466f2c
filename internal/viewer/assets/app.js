// crewai trace viewer. Every piece of trace data reaches the page through
// textContent or setAttribute on a fixed attribute name: never innerHTML.
"use strict";

(function () {
  const app = document.getElementById("app");

  // el builds an element: el("div", {class: "x"}, "text", child, ...).
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "onclick") e.addEventListener("click", v);
      else e.setAttribute(k, String(v));
    }
    for (const c of children) {
      if (c === undefined || c === null || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function fmtDur(ns) {
    if (!ns) return "0";
    const ms = ns / 1e6;
    if (ms < 1) return (ns / 1e3).toFixed(0) + "µs";
    if (ms < 1000) return ms.toFixed(ms < 10 ? 1 : 0) + "ms";
    const s = ms / 1000;
    if (s < 60) return s.toFixed(2) + "s";
    const m = Math.floor(s / 60);
    return m + "m" + (s - m * 60).toFixed(0).padStart(2, "0") + "s";
  }
  function fmtInt(n) { return (n || 0).toLocaleString("en-US"); }
  function fmtCost(known, usd) {
    if (!known) return "-";
    if (!usd) return "$0";
    return "$" + usd.toFixed(usd < 0.01 ? 6 : 4);
  }
  function fmtTime(iso) {
    const d = new Date(iso);
    if (isNaN(d)) return "";
    return d.toLocaleString();
  }

  async function getJSON(url) {
    const r = await fetch(url, { headers: { Accept: "application/json" } });
    const body = await r.json().catch(() => ({ error: r.statusText }));
    if (!r.ok) throw new Error(body.error || r.statusText);
    return body;
  }

  function showError(err) {
    clear(app);
    app.append(el("div", { class: "error-box" }, String(err.message || err)));
  }

  // ---- list of traces ----
  async function renderList() {
    const data = await getJSON("/api/traces");
    clear(app);
    app.append(el("h1", {}, "Traces"));
    for (const w of data.skipped) app.append(el("div", { class: "warning" }, w));
    if (data.traces.length === 0) {
      app.append(el("p", { class: "muted" }, "No traces yet. Run a crew or flow with tracing on (Tracing: true or CREWAI_TRACING_ENABLED=true)."));
      return;
    }
    const tbody = el("tbody");
    for (const t of data.traces) {
      const row = el("tr", { class: "trace-row", "data-id": t.id, onclick: () => { location.hash = "#/trace/" + t.id; } },
        el("td", {}, fmtTime(t.start)),
        el("td", { class: "mono" }, el("a", { href: "#/trace/" + t.id }, t.id.slice(0, 8))),
        el("td", {}, t.name),
        el("td", { class: "num" }, fmtDur(t.duration_ns)),
        el("td", { class: "num" }, t.spans),
        el("td", { class: "num" }, fmtInt(t.usage.total_tokens)),
        el("td", { class: "num" }, fmtCost(t.cost_known, t.cost_usd)),
        el("td", {}, el("span", { class: "status " + t.status }, t.status)));
      tbody.append(row);
    }
    app.append(el("table", { class: "list" },
      el("thead", {}, el("tr", {}, ...["Time", "Trace", "Name", "Duration", "Spans", "Tokens", "Cost", "Status"].map((h) => el("th", {}, h)))),
      tbody));
  }

  // ---- one trace ----
  let current = null;

  async function renderTrace(id) {
    const data = await getJSON("/api/traces/" + encodeURIComponent(id));
    current = data;
    const s = data.summary;
    clear(app);
    const head = el("div", { class: "trace-head" },
      el("h1", {}, s.name || "(unnamed)", " ", el("span", { class: "status " + s.status }, s.status)),
      el("div", { class: "facts" },
        el("span", { class: "mono" }, s.id), " · ", fmtTime(s.start), " · ", fmtDur(s.duration_ns), " · ",
        s.spans + " spans", " · ", fmtInt(s.usage.total_tokens) + " tokens", " · ", "cost " + fmtCost(s.cost_known, s.cost_usd),
        " · ", el("a", { href: "/api/traces/" + s.id + "/otlp", download: "trace-" + s.id + ".otlp.json", id: "download" }, "Download OTLP JSON")));
    if (s.error) head.append(el("div", { class: "error-box" }, s.error));
    app.append(head);

    const wf = el("div", { class: "waterfall", id: "waterfall" });
    const details = el("aside", { class: "details", id: "details" }, el("p", { class: "muted" }, "Click a span to see its details."));
    app.append(el("div", { class: "split" }, wf, details));
    drawWaterfall(wf, data, details);
    app.append(el("div", { class: "totals" }, totalsTable("Per agent", data.by_agent), totalsTable("Per model", data.by_model)));
  }

  function drawWaterfall(wf, data, details) {
    const total = Math.max(data.summary.duration_ns, 1);
    // time axis
    const axis = el("div", { class: "axis" }, el("div", { class: "name-col" }, "Span"));
    const ticks = el("div", { class: "track" });
    for (let i = 0; i <= 4; i++) {
      const t = el("span", { class: "tick" }, fmtDur((total * i) / 4));
      t.style.left = (i * 25) + "%";
      ticks.append(t);
    }
    axis.append(ticks);
    wf.append(axis);
    for (const sp of data.spans) {
      const bar = el("div", { class: "bar op-" + sp.op + (sp.status === "error" ? " failed" : "") });
      bar.style.left = ((sp.offset_ns / total) * 100).toFixed(3) + "%";
      bar.style.width = Math.max((sp.duration_ns / total) * 100, 0.3).toFixed(3) + "%";
      const label = el("span", { class: "bar-label" }, fmtDur(sp.duration_ns));
      const name = el("div", { class: "name-col" }, el("span", { class: "op-dot op-" + sp.op }), sp.name);
      name.style.paddingLeft = (sp.depth * 16 + 4) + "px";
      if (sp.status === "error") name.append(el("span", { class: "err-mark", title: sp.error || "error" }, " ⚠"));
      const row = el("div", { class: "span-row", "data-span-id": sp.id, "data-op": sp.op, tabindex: 0 },
        name, el("div", { class: "track" }, bar, label));
      // The duration goes after the bar, or before it when the bar ends near
      // the right edge, or inside it when the bar spans nearly everything.
      const startPct = (sp.offset_ns / total) * 100;
      const endPct = ((sp.offset_ns + sp.duration_ns) / total) * 100;
      if (endPct < 85) {
        label.style.left = (endPct + 0.5).toFixed(3) + "%";
      } else if (startPct > 15) {
        label.style.right = (100 - startPct + 0.5).toFixed(3) + "%";
      } else {
        label.style.right = "6px";
        label.classList.add("inside");
      }
      const select = () => {
        for (const r of wf.querySelectorAll(".span-row.selected")) r.classList.remove("selected");
        row.classList.add("selected");
        drawDetails(details, sp);
      };
      row.addEventListener("click", select);
      row.addEventListener("keydown", (e) => { if (e.key === "Enter") select(); });
      wf.append(row);
    }
  }

  function kvTable(rows) {
    const tb = el("tbody");
    for (const [k, v] of rows) {
      if (v === undefined || v === null || v === "") continue;
      tb.append(el("tr", {}, el("th", {}, k), el("td", {}, v)));
    }
    return el("table", { class: "kv" }, tb);
  }

  function pretty(text) {
    try { return JSON.stringify(JSON.parse(text), null, 2); } catch (e) { return text; }
  }

  function messages(title, msgs) {
    const box = el("div", { class: "messages" }, el("h3", {}, title));
    for (const m of msgs) {
      const bubble = el("div", { class: "msg role-" + (m.role || "unknown") }, el("div", { class: "role" }, m.role || "?"));
      for (const p of m.parts || []) {
        if (p.type === "text" || p.type === "reasoning") {
          bubble.append(el("pre", { class: "content" + (p.type === "reasoning" ? " reasoning" : "") }, p.content || ""));
        } else if (p.type === "tool_call") {
          bubble.append(el("div", { class: "tool-call" }, el("span", { class: "tag" }, "tool call"), " ", p.name || "", p.id ? " (" + p.id + ")" : ""),
            el("pre", { class: "content" }, p.arguments ? pretty(JSON.stringify(p.arguments)) : ""));
        } else if (p.type === "tool_call_response") {
          bubble.append(el("div", { class: "tool-call" }, el("span", { class: "tag" }, "tool result"), p.id ? " (" + p.id + ")" : ""),
            el("pre", { class: "content" }, typeof p.response === "string" ? p.response : JSON.stringify(p.response, null, 2)));
        } else {
          bubble.append(el("pre", { class: "content" }, p.content || JSON.stringify(p.raw || p)));
        }
      }
      box.append(bubble);
    }
    return box;
  }

  function drawDetails(details, sp) {
    clear(details);
    details.append(el("h2", {}, sp.name));
    if (sp.status === "error") details.append(el("div", { class: "error-box" }, sp.error || "failed"));
    const rows = [["Operation", sp.op], ["Kind", sp.kind], ["Status", sp.otel_status && sp.otel_status !== sp.status ? sp.status + " (OTel status " + sp.otel_status + ")" : sp.status], ["Start", "+" + fmtDur(sp.offset_ns)], ["Duration", fmtDur(sp.duration_ns)],
      ["Agent", sp.agent], ["Model", sp.model], ["Tool", sp.tool]];
    if (sp.usage) {
      rows.push(["Input tokens", fmtInt(sp.usage.prompt_tokens)], ["Cached input tokens", fmtInt(sp.usage.cached_prompt_tokens)],
        ["Output tokens", fmtInt(sp.usage.completion_tokens)], ["Total tokens", fmtInt(sp.usage.total_tokens)], ["Cost", fmtCost(sp.cost_known, sp.cost_usd)]);
    }
    details.append(el("div", { class: "usage" }, kvTable(rows)));
    if (sp.input_messages && sp.input_messages.length) details.append(messages("Prompt", sp.input_messages));
    if (sp.output_messages && sp.output_messages.length) details.append(messages("Response", sp.output_messages));
    if (sp.tool_arguments) details.append(el("h3", {}, "Arguments"), el("pre", { class: "content tool-args" }, pretty(sp.tool_arguments)));
    if (sp.tool_result) details.append(el("h3", {}, "Result"), el("pre", { class: "content tool-result" }, sp.tool_result));
    for (const ev of sp.events || []) {
      details.append(el("h3", {}, "Event: " + ev.name + " at +" + fmtDur(ev.offset_ns)), kvTable(ev.attributes.map((a) => [a.key, a.value])));
    }
    details.append(el("h3", {}, "Attributes"));
    const tb = el("tbody");
    for (const a of sp.attributes) tb.append(el("tr", {}, el("th", {}, a.key), el("td", {}, el("pre", { class: "attr" }, a.value))));
    details.append(el("table", { class: "kv attrs" }, tb));
  }

  function totalsTable(title, rows) {
    const tb = el("tbody");
    for (const r of rows) {
      tb.append(el("tr", {}, el("td", {}, r.name), el("td", { class: "num" }, r.calls), el("td", { class: "num" }, fmtInt(r.usage.prompt_tokens)),
        el("td", { class: "num" }, fmtInt(r.usage.completion_tokens)), el("td", { class: "num" }, fmtInt(r.usage.total_tokens)),
        el("td", { class: "num" }, fmtCost(r.cost_known, r.cost_usd))));
    }
    if (rows.length === 0) tb.append(el("tr", {}, el("td", { colspan: 6, class: "muted" }, "No LLM calls.")));
    return el("section", {}, el("h3", {}, title), el("table", { class: "list" },
      el("thead", {}, el("tr", {}, ...["Name", "Calls", "Input", "Output", "Tokens", "Cost"].map((h) => el("th", {}, h)))), tb));
  }

  // ---- routing ----
  async function route() {
    const m = location.hash.match(/^#\/trace\/([0-9a-fA-F]{1,32})$/);
    try {
      if (m) await renderTrace(m[1]);
      else await renderList();
    } catch (err) {
      showError(err);
    }
  }

  document.getElementById("dir").textContent = document.body.dataset.dir || "";
  window.addEventListener("hashchange", route);
  route();
})();
