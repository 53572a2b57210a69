// autograd-core's graph explorer: pan/zoom, hover, click a leaf for its ledger, step through the backward pass,
// expand groups, page through the snapshots of a training run. Everything it needs is on this page: the SVG laid out by Graphviz (or graphviz-pure) and the
// JSON payload written by autograd_core/see/explore.py. No network, no libraries.
(function () {
  "use strict";
  const SVGNS = "http://www.w3.org/2000/svg";
  const data = JSON.parse(document.getElementById("agx-data").textContent);
  const $ = (id) => document.getElementById(id);
  const view = $("agx-view"), panel = $("agx-panel"), tip = $("agx-tip"), caption = $("agx-caption");
  const holder = $("agx-graph");
  const svg = holder.querySelector("svg");
  view.appendChild(svg);
  holder.remove();
  svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
  const nodes = data.nodes;            // order index -> record
  const edges = data.edges || [];      // e<k> -> record
  const T = data.training;             // a Recorder's snapshots, or undefined
  const nsnap = T ? T.labels.length : 0;
  let tpos = nsnap;                    // the snapshot shown; nsnap = the graph as explored ("now")
  let inTraining = false;              // the training slider is resetting the backward player
  const finalData = {};                // the boxes' "data ..." lines as explored
  function cur(i) {                    // a node's data and grad as the page shows them now
    const r = nodes[i], q = T && tpos < nsnap && T.p[i];
    return q ? { d: q[tpos][0], g: q[tpos][1], at: T.labels[tpos] } : { d: r.d, g: r.g, at: null };
  }
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));

  // --- pan and zoom: the SVG's viewBox is the camera -------------------------------------------------
  const full = svg.viewBox.baseVal;
  const home = { x: full.x, y: full.y, w: full.width, h: full.height };
  let cam = Object.assign({}, home);
  function apply() {
    svg.setAttribute("viewBox", `${cam.x} ${cam.y} ${cam.w} ${cam.h}`);
    view.dataset.zoom = (home.w / cam.w).toFixed(3);
  }
  function toSvg(clientX, clientY) {
    const pt = svg.createSVGPoint();
    pt.x = clientX; pt.y = clientY;
    return pt.matrixTransform(svg.getScreenCTM().inverse());
  }
  function zoomAt(factor, cx, cy) {   // factor > 1 zooms in, about the SVG point (cx, cy)
    const w = Math.min(Math.max(cam.w / factor, home.w / 400), home.w * 4);
    const f = cam.w / w;
    cam = { x: cx - (cx - cam.x) / f, y: cy - (cy - cam.y) / f, w: w, h: cam.h / f };
    apply();
  }
  function zoomCenter(factor) { zoomAt(factor, cam.x + cam.w / 2, cam.y + cam.h / 2); }
  function fit() { cam = Object.assign({}, home); apply(); }
  view.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    const p = toSvg(ev.clientX, ev.clientY);
    zoomAt(Math.exp(-ev.deltaY * 0.0015), p.x, p.y);
  }, { passive: false });
  let drag = null, moved = false;
  view.addEventListener("pointerdown", (ev) => {
    if (ev.button !== 0) return;
    drag = { x: ev.clientX, y: ev.clientY, cam: Object.assign({}, cam), scale: svg.getScreenCTM().a };
    moved = false;
  });
  window.addEventListener("pointermove", (ev) => {
    if (!drag) return;
    const dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
    if (!moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    moved = true;
    view.classList.add("dragging");
    cam.x = drag.cam.x - dx / drag.scale;
    cam.y = drag.cam.y - dy / drag.scale;
    apply();
  });
  window.addEventListener("pointerup", () => { drag = null; view.classList.remove("dragging"); });
  // a click that ends a drag is not a click on a node
  view.addEventListener("click", (ev) => { if (moved) { ev.stopPropagation(); moved = false; } }, true);
  $("agx-fit").onclick = fit;
  $("agx-zin").onclick = () => zoomCenter(1.5);
  $("agx-zout").onclick = () => zoomCenter(1 / 1.5);
  function focusOn(el) {
    const b = el.getBBox();
    const ctm = el.getCTM && svg.getCTM() ? svg.getCTM().inverse().multiply(el.getCTM()) : null;
    let x = b.x + b.width / 2, y = b.y + b.height / 2;
    if (ctm) { const p = svg.createSVGPoint(); p.x = x; p.y = y; const q = p.matrixTransform(ctm); x = q.x; y = q.y; }
    const w = Math.min(home.w, Math.max(b.width * 6, 500));
    const h = w * cam.h / cam.w;
    cam = { x: x - w / 2, y: y - h / 2, w: w, h: h };
    apply();
  }

  // --- the graph's structure ---------------------------------------------------------------------------
  const el = (id) => svg.getElementById ? svg.getElementById(id) : document.getElementById(id);
  const nodeEl = (i) => el(data.grouped ? "g" + data.of[i] : "n" + i);
  const consumers = {};  // i -> [[child, edge index]]
  edges.forEach((e, k) => { (consumers[e.f] = consumers[e.f] || []).push([e.t, k]); });

  function clearMarks(cls) { svg.querySelectorAll("." + cls).forEach((x) => x.classList.remove(cls)); }

  // --- hover ---------------------------------------------------------------------------------------------
  function nodeText(i) {
    const r = nodes[i];
    if (!r) return "";
    const c = cur(i);
    const lines = [r.n, (r.op ? "op " + r.op : (r.p.length ? "" : "leaf")), "data " + c.d, "grad " + c.g];
    if (c.at) lines.push("(at " + c.at + " of training)");
    if (r.s) lines.push("shape " + r.s);
    r.loc.forEach((o, k) => lines.push(`∂/∂ operand ${k + 1} (${o[0]}): ${o[1] || "no single local factor"}`));
    return lines.filter(Boolean).join("\n");
  }
  function edgeText(k) {
    const e = edges[k];
    const a = nodes[e.f].n, c = nodes[e.t].n;
    return `${a} → ${c}\nlocal ∂${c}/∂${a} = ${e.loc || "(no single factor)"}\n` +
      `upstream × local = ${e.up} × ${e.loc || "…"} = ${e.prod || "—"}`;
  }
  function groupText(g) {
    const G = data.groups[g];
    return `${G.title}: ${G.shape ? "shape " + G.shape.join("×") + ", " : ""}${G.count} node${G.count > 1 ? "s" : ""}` +
      (G.count > 1 ? "\nclick to expand / collapse" : "");
  }
  function hoverTarget(t) {
    const cell = t.closest(".agx-cell");
    if (cell) return nodeText(+cell.dataset.i);
    const g = t.closest(".node, .edge");
    if (!g || !g.id) return "";
    let m;
    if ((m = /^n(\d+)(op)?$/.exec(g.id))) return nodeText(+m[1]);
    if ((m = /^n(\d+)out$/.exec(g.id))) return `${nodes[m[1]].op} → ${nodes[m[1]].n}: the operation's result`;
    if ((m = /^e(\d+)$/.exec(g.id))) return edgeText(+m[1]);
    if ((m = /^g(\d+)$/.exec(g.id))) return groupText(+m[1]);
    if ((m = /^ge(\d+)$/.exec(g.id))) {
      const [a, b, n] = data.gedges[+m[1]];
      return `${data.groups[a].title} → ${data.groups[b].title}: ${n} scalar edge${n > 1 ? "s" : ""}`;
    }
    return "";
  }
  view.addEventListener("mousemove", (ev) => {
    const text = drag && moved ? "" : hoverTarget(ev.target);
    if (!text) { tip.hidden = true; return; }
    tip.textContent = text;
    tip.hidden = false;
    const x = Math.min(ev.clientX + 14, window.innerWidth - tip.offsetWidth - 4);
    const y = Math.min(ev.clientY + 14, window.innerHeight - tip.offsetHeight - 4);
    tip.style.left = x + "px"; tip.style.top = y + "px";
  });
  view.addEventListener("mouseleave", () => { tip.hidden = true; });

  // --- click: a leaf's paths and ledger, a node's details, a group's entries ---------------------------
  function lightPaths(i) {
    clearMarks("hot");
    if (data.grouped) {   // paths between boxes: every box reachable from the leaf's box
      const start = data.of[i], on = new Set([start]);
      let grew = true;
      while (grew) {
        grew = false;
        data.gedges.forEach(([a, b]) => { if (on.has(a) && !on.has(b)) { on.add(b); grew = true; } });
      }
      on.forEach((g) => el("g" + g) && el("g" + g).classList.add("hot"));
      data.gedges.forEach(([a, b], k) => { if (on.has(a) && on.has(b) && el("ge" + k)) el("ge" + k).classList.add("hot"); });
      svg.querySelectorAll(`.agx-cell[data-i="${i}"]`).forEach((c) => c.classList.add("hot"));
      return;
    }
    const on = new Set([i]);
    const stack = [i];
    while (stack.length) {
      const j = stack.pop();
      (consumers[j] || []).forEach(([c]) => { if (!on.has(c)) { on.add(c); stack.push(c); } });
    }
    on.forEach((j) => {
      ["n" + j, "n" + j + "op", "n" + j + "out"].forEach((id) => { const x = el(id); if (x && (j !== i || id === "n" + j)) x.classList.add("hot"); });
    });
    edges.forEach((e, k) => { if (on.has(e.f) && on.has(e.t)) { const x = el("e" + k); if (x) x.classList.add("hot"); } });
  }
  function showLedger(i) {
    const L = data.ledgers[i];
    const rows = L.terms.map((t, k) =>
      `<tr class="term"><td>${k + 1}</td><td>${esc(t.via)}</td><td>${esc(t.up)}<br><span class="muted">local</span> ${esc(t.loc)}</td>` +
      `<td class="num term-value">${esc(t.term)}</td></tr>`).join("");
    const more = L.count > L.terms.length ? `<tr><td colspan="4" class="muted">… and ${L.count - L.terms.length} more terms (in the sum)</td></tr>` : "";
    const paths = L.paths >= 0 ? `<p class="muted">${L.paths} path${L.paths === 1 ? "" : "s"} from ${esc(L.leaf)} to ${esc(nodes[data.root].n)} light up in the graph.</p>` :
      `<p class="muted">The boxes on its paths to the output light up.</p>`;
    const c = cur(i);
    const at = c.at ? `<p id="agx-train-note">At <b>${esc(c.at)}</b> of training: data <b class="agx-tdata">${esc(c.d)}</b>, ` +
      `grad <b class="agx-tgrad">${esc(c.g)}</b>. The ledger below is the graph as explored.</p>` : "";
    panel.innerHTML = at +
      `<h3 id="agx-ledger-head">${esc(L.head)}</h3>` +
      `<p>is the sum of <b id="agx-term-count">${L.count}</b> term${L.count === 1 ? "" : "s"}, one per use of ${esc(L.leaf)} ` +
      `(the chain rule, Eq. 4): upstream gradient × local derivative.</p>` +
      `<table id="agx-ledger"><tr><th>#</th><th>via</th><th>upstream × local</th><th class="num">term</th></tr>${rows}${more}` +
      `<tr class="sum"><td colspan="3">sum of the terms</td><td class="num" id="agx-sum">${esc(L.sum)}</td></tr>` +
      `<tr><td colspan="3">${esc(L.leaf)}.grad <span class="${L.equal ? "ok" : "bad"}">(${L.equal ? "equal" : "different: accumulated over several passes?"})</span></td>` +
      `<td class="num" id="agx-grad">${esc(L.grad)}</td></tr></table>${paths}`;
  }
  function showNode(i) {
    const r = nodes[i], c = cur(i);
    const ops = r.loc.map((o, k) => `<tr><td>${k + 1}</td><td>${esc(o[0])}</td><td class="num">${esc(o[1] || "—")}</td></tr>`).join("");
    panel.innerHTML = `<h3>${esc(r.n)}</h3><table><tr><td>op</td><td>${esc(r.op || "(leaf)")}</td></tr>` +
      (c.at ? `<tr><td>at</td><td>${esc(c.at)} of training</td></tr>` : "") +
      `<tr><td>data</td><td class="num agx-tdata">${esc(c.d)}</td></tr><tr><td>grad</td><td class="num agx-tgrad">${esc(c.g)}</td></tr>` +
      (r.s ? `<tr><td>shape</td><td>${esc(r.s)}</td></tr>` : "") + `</table>` +
      (ops ? `<p>local derivative for each operand:</p><table><tr><th>#</th><th>operand</th><th class="num">∂${esc(r.n)}/∂operand</th></tr>${ops}</table>` : "") +
      (r.p.length ? "" : `<p class="muted">A leaf without a label (a constant): no ledger.</p>`);
  }
  function select(i) {
    if (data.ledgers[i]) { lightPaths(i); showLedger(i); } else { clearMarks("hot"); showNode(i); }
    view.dataset.selected = nodes[i].n;
    selected = i;
  }
  let selected = null;
  function help() {
    panel.innerHTML = `<h3>${esc(data.title)}</h3><p>Drag to pan, wheel to zoom, <b>fit</b> to see it all. ` +
      `Hover a box or an edge for its numbers. Click an input (a leaf such as <code>W[0,1]</code>) to light its paths to ` +
      `the output and list the terms whose sum is its gradient.</p>` +
      (data.grouped ? `<p>Grey boxes are groups: click one to expand it to its entries, again to collapse it.</p>` :
        `<p>The player steps through the backward pass, one gradient transfer at a time (← / →).</p>`) +
      (T ? `<p>The <b>training</b> slider pages through ${nsnap} snapshot${nsnap === 1 ? "" : "s"} of a training run: ` +
        `the parameters show their data and grad at that moment (tinted when they moved since the previous one); ` +
        `the rightmost position is the graph as explored.</p>` : "") +
      (data.note ? `<p class="muted">${esc(data.note)}</p>` : "");
  }

  // --- groups: expand to a grid of entries laid out by index, collapse back ----------------------------
  const openGroups = {};
  function toggleGroup(g) {
    const box = el("g" + g), G = data.groups[g];
    if (openGroups[g]) { openGroups[g].remove(); delete openGroups[g]; box.classList.remove("open"); return; }
    const b = box.getBBox();
    const cw = 64, ch = 30, pad = 6;
    let rows, cols, place;
    if (G.shape && G.shape.length === 2) { rows = G.shape[0]; cols = G.shape[1]; place = (c, k) => c[1] ? [c[1][0], c[1][1]] : [Math.floor(k / cols), k % cols]; }
    else if (G.shape && G.shape.length === 1) { rows = 1; cols = G.shape[0]; place = (c, k) => [0, c[1] ? c[1][0] : k]; }
    else { cols = Math.ceil(Math.sqrt(G.cells.length)); rows = Math.ceil(G.cells.length / cols); place = (c, k) => [Math.floor(k / cols), k % cols]; }
    const grid = document.createElementNS(SVGNS, "g");
    grid.setAttribute("class", "agx-grid");
    grid.dataset.group = g;
    const W = cols * cw + 2 * pad, H = rows * ch + 2 * pad + 16;
    const x0 = b.x + b.width / 2 - W / 2, y0 = b.y + b.height + 4;
    const frame = document.createElementNS(SVGNS, "rect");
    frame.setAttribute("class", "frame");
    Object.entries({ x: x0, y: y0, width: W, height: H, rx: 4 }).forEach(([k, v]) => frame.setAttribute(k, v));
    grid.appendChild(frame);
    const head = document.createElementNS(SVGNS, "text");
    head.setAttribute("class", "head"); head.setAttribute("x", x0 + pad); head.setAttribute("y", y0 + 13);
    head.textContent = `${G.title}: ${G.count} entr${G.count === 1 ? "y" : "ies"}` + (G.count > G.cells.length ? ` (first ${G.cells.length} shown)` : "");
    grid.appendChild(head);
    G.cells.forEach((c, k) => {
      const [r, q] = place(c, k), r0 = nodes[c[0]];
      const cell = document.createElementNS(SVGNS, "g");
      cell.setAttribute("class", "agx-cell");
      cell.dataset.i = c[0];
      if (T && T.p[c[0]] && tpos > 0 && tpos < nsnap && T.p[c[0]][tpos][0] !== T.p[c[0]][tpos - 1][0]) cell.classList.add("moved");
      const x = x0 + pad + q * cw, y = y0 + pad + 16 + r * ch;
      const rect = document.createElementNS(SVGNS, "rect");
      Object.entries({ x: x + 1, y: y + 1, width: cw - 2, height: ch - 2, rx: 2 }).forEach(([a, v]) => rect.setAttribute(a, v));
      cell.appendChild(rect);
      [[r0.n, 11], ["g " + cur(c[0]).g, 23]].forEach(([t, dy]) => {
        const tx = document.createElementNS(SVGNS, "text");
        tx.setAttribute("x", x + cw / 2); tx.setAttribute("y", y + dy); tx.setAttribute("text-anchor", "middle");
        tx.textContent = t.length > 12 ? t.slice(0, 11) + "…" : t;
        cell.appendChild(tx);
      });
      grid.appendChild(cell);
    });
    svg.querySelector("g.graph").appendChild(grid);
    openGroups[g] = grid;
    box.classList.add("open");
  }

  view.addEventListener("click", (ev) => {
    const cell = ev.target.closest(".agx-cell");
    if (cell) { select(+cell.dataset.i); return; }
    const g = ev.target.closest(".node");
    if (!g || !g.id) return;
    let m;
    if ((m = /^n(\d+)(op)?$/.exec(g.id))) select(+m[1]);
    else if ((m = /^g(\d+)$/.exec(g.id))) {
      const G = data.groups[+m[1]];
      if (G.count > 1) toggleGroup(+m[1]);
      else if (G.cells.length) select(G.cells[0][0]);
    }
  });

  // --- search --------------------------------------------------------------------------------------------
  $("agx-search").addEventListener("keydown", (ev) => {
    if (ev.key !== "Enter") return;
    const q = ev.target.value.trim();
    if (!q) return;
    const keys = Object.keys(nodes);
    const hit = keys.find((i) => nodes[i].n === q) || keys.find((i) => nodes[i].n.includes(q));
    clearMarks("found");
    if (hit === undefined) { caption.innerHTML = `<span class="muted">no node labelled “${esc(q)}”</span>`; return; }
    const i = +hit;
    let target = nodeEl(i);
    if (data.grouped) {
      const g = data.of[i];
      if (data.groups[g].count > 1 && !openGroups[g]) toggleGroup(g);
      target = svg.querySelector(`.agx-cell[data-i="${i}"]`) || target;
    }
    if (target) { target.classList.add("found"); focusOn(target); }
    select(i);
  });

  // --- the backward-pass player ---------------------------------------------------------------------------
  const steps = data.steps || [];
  const slider = $("agx-slider"), stepno = $("agx-stepno"), playBtn = $("agx-play");
  let pos = 0, timer = null;
  const finalGrad = {};
  function boxText(i, prefix) {
    const g = el("n" + i);
    if (!g) return null;
    return Array.from(g.querySelectorAll("text")).find((t) => t.textContent.startsWith(prefix)) || null;
  }
  const gradText = (i) => boxText(i, "grad ");
  Object.keys(nodes).forEach((i) => { const t = gradText(i); if (t) finalGrad[i] = t.textContent; });
  function setGrad(i, text) { const t = gradText(i); if (t) t.textContent = text; }
  function seek(k) {
    if (T && !inTraining && tpos !== nsnap) tseek(nsnap);  // the sweep is the graph as explored
    k = Math.max(0, Math.min(steps.length, k));
    pos = k;
    slider.value = k;
    clearMarks("lit"); clearMarks("send"); clearMarks("recv");
    if (k === 0) {
      Object.keys(finalGrad).forEach((i) => setGrad(i, finalGrad[i]));
      stepno.textContent = `0 / ${steps.length}`;
      caption.innerHTML = `<span class="muted">step 0: the finished graph, every grad complete. → starts the backward pass ` +
        `from ∂${esc(nodes[data.root].n)}/∂${esc(nodes[data.root].n)} = ${esc(data.init[data.root])}.</span>`;
      view.dataset.step = "0";
      return;
    }
    const grads = Object.assign({}, data.init);
    for (let s = 0; s < k; s++) grads[steps[s].p] = steps[s].new;
    Object.keys(finalGrad).forEach((i) => setGrad(i, "grad " + grads[i]));
    const s = steps[k - 1];
    const e = el("e" + s.e);
    if (e) e.classList.add("lit");
    [["n" + s.c, "send"], ["n" + s.c + "op", "send"], ["n" + s.p, "recv"]].forEach(([id, cls]) => { const x = el(id); if (x) x.classList.add(cls); });
    stepno.textContent = `${k} / ${steps.length}`;
    const c = nodes[s.c].n, p = nodes[s.p].n;
    caption.innerHTML = `step ${k} of ${steps.length}: <b>${esc(c)}</b> passes upstream × local = ${esc(s.up)} × ${esc(s.loc)} = ` +
      `<b>${esc(s.amt)}</b> to <b>${esc(p)}</b>; ${esc(p)}.grad: <span id="agx-old">${esc(s.old)}</span> → <span id="agx-new">${esc(s.new)}</span>`;
    view.dataset.step = String(k);
    view.dataset.lit = "e" + s.e;
  }
  function play(on) {
    if (timer) { clearInterval(timer); timer = null; }
    playBtn.textContent = on ? "❚❚ pause" : "▶ play";
    if (!on) return;
    if (pos >= steps.length) seek(0);
    timer = setInterval(() => { if (pos >= steps.length) play(false); else seek(pos + 1); }, 700);
  }
  if (steps.length) {
    slider.max = steps.length;
    slider.addEventListener("input", () => seek(+slider.value));
    $("agx-first").onclick = () => { play(false); seek(0); };
    $("agx-prev").onclick = () => { play(false); seek(pos - 1); };
    $("agx-next").onclick = () => { play(false); seek(pos + 1); };
    playBtn.onclick = () => play(!timer);
    document.addEventListener("keydown", (ev) => {
      if (ev.target && (ev.target.tagName === "INPUT" && ev.target.type !== "range")) return;
      if (ev.key === "ArrowRight") { ev.preventDefault(); play(false); seek(pos + 1); }
      else if (ev.key === "ArrowLeft") { ev.preventDefault(); play(false); seek(pos - 1); }
    });
    seek(0);
  } else {
    $("agx-player").classList.add("off");
    $("agx-stepno").textContent = "";
    caption.innerHTML = `<span class="muted">${esc(data.player || "")}</span>`;
  }

  // --- training: the snapshots of a Recorder ----------------------------------------------------------------
  const tslider = $("agx-tslider"), tno = $("agx-tno"), tplayBtn = $("agx-tplay");
  let ttimer = null;
  function tseek(s) {
    s = Math.max(0, Math.min(nsnap, s));
    tpos = s;
    tslider.value = s;
    if (steps.length && pos !== 0) { inTraining = true; seek(0); inTraining = false; }
    clearMarks("moved");
    Object.keys(T.p).forEach((i) => {
      const d = boxText(i, "data "), g = gradText(i), c = cur(i);
      if (d) d.textContent = s < nsnap ? "data " + c.d : finalData[i];
      if (g) g.textContent = s < nsnap ? "grad " + c.g : finalGrad[i];
      const box = nodeEl(i);
      if (box && s > 0 && s < nsnap && T.p[i][s][0] !== T.p[i][s - 1][0]) box.classList.add("moved");
    });
    Object.keys(openGroups).forEach((g) => { toggleGroup(+g); toggleGroup(+g); });
    const n = Object.keys(T.p).length;
    if (s < nsnap) {
      tno.textContent = `${T.labels[s]} (${s + 1} / ${nsnap})`;
      caption.innerHTML = `training, <b>${esc(T.labels[s])}</b>: loss <b id="agx-loss">${esc(T.loss[s] === null ? "—" : T.loss[s])}</b>; ` +
        `the ${n} parameter${n === 1 ? "" : "s"} in this graph show their data and grad at this snapshot ` +
        `<span class="muted">(the other boxes are the pass explored; snapshots every ${T.every === 1 ? "" : T.every + " "}${T.unit}${T.every === 1 ? "" : "s"}` +
        `${T.thinned ? ", thinned " + T.thinned + "×" : ""})</span>`;
    } else {
      tno.textContent = `now (${nsnap} snapshot${nsnap === 1 ? "" : "s"})`;
      caption.innerHTML = `<span class="muted">training: the graph as explored. Move the training slider to see the ` +
        `parameters at each of the ${nsnap} snapshots.</span>`;
    }
    view.dataset.snapshot = String(s);
    if (selected !== null) select(selected);
  }
  function tplay(on) {
    if (ttimer) { clearInterval(ttimer); ttimer = null; }
    tplayBtn.textContent = on ? "❚❚ pause" : "▶ play";
    if (!on) return;
    if (tpos >= nsnap - 1) tseek(0);
    ttimer = setInterval(() => { if (tpos >= nsnap - 1) tplay(false); else tseek(tpos + 1); }, 500);
  }
  if (T && nsnap) {
    Object.keys(T.p).forEach((i) => { const t = boxText(i, "data "); if (t) finalData[i] = t.textContent; });
    $("agx-train").classList.remove("off");
    tslider.max = nsnap;
    tslider.value = nsnap;
    tslider.addEventListener("input", () => { tplay(false); tseek(+tslider.value); });
    $("agx-tprev").onclick = () => { tplay(false); tseek(tpos - 1); };
    $("agx-tnext").onclick = () => { tplay(false); tseek(tpos + 1); };
    tplayBtn.onclick = () => tplay(!ttimer);
    tno.textContent = `now (${nsnap} snapshot${nsnap === 1 ? "" : "s"})`;
  }

  apply();
  help();
  if (T && nsnap && T.at < nsnap) tseek(T.at);
  if (data.start !== undefined) select(data.start);
  document.body.dataset.ready = "1";
})();
