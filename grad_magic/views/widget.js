// The %%grad widget's front end. Python computes everything (formatted values, colours, the SVG,
// node details); this file only lays the synced traits out and reports clicks back through two
// traits: `selected` (a graph node id) and `slice_request` ({section, row, index}); and, with
// --interact, `interact_request` ({name, index, value}) when a what-if slider is let go.
// Text is only ever set with textContent; the SVG is parsed as XML and stripped of anything active.

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "text") el.textContent = value;
    else if (key === "style") Object.assign(el.style, value);
    else el.setAttribute(key, value);
  }
  for (const child of children) if (child) el.append(child);
  return el;
}

const shape = (dims) => "(" + dims.join(", ") + (dims.length === 1 ? ",)" : ")");
const pyBool = (flag) => (flag ? "True" : "False"); // Python's spelling, as in requires_grad=True

// --- values: a grid of coloured cells, or a summary line with leading values ------------------
function valuesView(block, onSlice) {
  if (!block) return h("span", { class: "gm-muted", text: "—" });
  const box = h("div", { class: "gm-values" });
  if (block.slicer) box.append(slicerView(block, onSlice));
  else if (!block.rows.length) box.append(h("div", { class: "gm-summary", text: block.summary }));
  if (block.rows.length) {
    const table = h("table", { class: "gm-grid" });
    for (const row of block.rows) {
      const tr = h("tr");
      for (const cell of row) {
        tr.append(h("td", { text: cell.text, style: { background: cell.bg, color: cell.fg } }));
      }
      table.append(tr);
    }
    box.append(table);
  }
  if (block.head.length) box.append(h("div", { class: "gm-summary", text: "first values: " + block.head.join(" ") + " …" }));
  return box;
}

function slicerView(block, onSlice) {
  const bar = h("div", { class: "gm-slicer" }, h("span", { class: "gm-summary", text: block.summary + "  slice [" }));
  block.slicer.dims.forEach((size, axis) => {
    const input = h("input", { type: "number", min: "0", max: String(size - 1), value: String(block.slicer.index[axis]) });
    input.addEventListener("change", () => {
      const index = [...block.slicer.index];
      index[axis] = Number(input.value);
      onSlice(index);
    });
    bar.append(input, h("span", { text: axis < block.slicer.dims.length - 1 ? ", " : ", :, :]" }));
  });
  return bar;
}

// --- sections -----------------------------------------------------------------------------------
function tensorsView(model) {
  const rows = model.get("tensors");
  if (!rows.length) return h("p", { class: "gm-muted", text: "No tensor was bound or changed by this cell." });
  const table = h("table", { class: "gm-table" });
  const head = h("tr");
  for (const name of ["name", "shape", "dtype", "device", "requires_grad", "is_leaf", "grad_fn", "values"]) head.append(h("th", { text: name }));
  table.append(head);
  rows.forEach((r, i) => {
    const cells = [r.name, shape(r.shape), r.dtype, r.device, pyBool(r.requires_grad), pyBool(r.is_leaf), r.grad_fn || "—"];
    const tr = h("tr");
    cells.forEach((text, k) => tr.append(h("td", { text, class: ["gm-name", "gm-shape"][k] || "" })));
    tr.append(h("td", {}, valuesView(r.values, (index) => requestSlice(model, "tensors", i, index))));
    table.append(tr);
  });
  return table;
}

function gradientsView(model) {
  const rows = model.get("gradients");
  if (!rows.length) return h("p", { class: "gm-muted", text: "No leaf requires grad." });
  const table = h("table", { class: "gm-table" });
  const head = h("tr");
  for (const name of ["name", "shape", "of", ".grad"]) head.append(h("th", { text: name }));
  table.append(head);
  rows.forEach((r, i) => {
    const grad = r.computed
      ? valuesView(r.values, (index) => requestSlice(model, "gradients", i, index))
      : h("i", { class: "gm-muted", text: r.status });
    table.append(h("tr", {}, h("td", { class: "gm-name", text: r.name }), h("td", { class: "gm-shape", text: shape(r.shape) }), h("td", { text: r.of }), h("td", {}, grad)));
  });
  return table;
}

function requestSlice(model, section, row, index) {
  model.set("slice_request", { section, row, index });
  model.save_changes();
}

// The SVG comes from Python, already escaped; parsing it as XML and dropping scripts, foreign
// objects and event attributes keeps it inert even so.
function safeSvg(text) {
  const doc = new DOMParser().parseFromString(text, "image/svg+xml");
  const svg = doc.documentElement;
  if (svg.nodeName !== "svg") return h("div", { class: "gm-muted", text: "(the drawing could not be read)" });
  for (const bad of svg.querySelectorAll("script, foreignObject, iframe")) bad.remove();
  for (const el of [svg, ...svg.querySelectorAll("*")]) {
    for (const attr of [...el.attributes]) {
      const value = attr.value.trim().toLowerCase();
      if (attr.name.startsWith("on") || value.startsWith("javascript:")) el.removeAttribute(attr.name);
    }
  }
  return document.importNode(svg, true);
}

function detailView(detail) {
  if (!detail || !detail.id) return h("p", { class: "gm-muted", text: "Click a node to see its details." });
  const box = h("div", { class: "gm-detail" }, h("div", { class: "gm-name", text: detail.title + "  (" + detail.kind + ")" }));
  const table = h("table", { class: "gm-table" });
  for (const [label, text] of detail.fields) table.append(h("tr", {}, h("th", { text: label }), h("td", { text })));
  box.append(table);
  for (const block of detail.blocks) box.append(h("div", { class: "gm-label", text: block.label }), valuesView(block.values, () => {}));
  return box;
}

function graphView(model, state) {
  const svgText = model.get("svg");
  const note = model.get("note");
  if (!svgText) return h("p", { class: "gm-muted", text: note || "No graph." });
  const drawing = h("div", { class: "gm-svg" }, safeSvg(state.showGrads && model.get("svg_grads") || svgText));
  drawing.addEventListener("click", (event) => {
    const node = event.target.closest("[data-node], g.node[id]");
    if (!node) return;
    const id = node.getAttribute("data-node") || node.getAttribute("id");
    for (const el of drawing.querySelectorAll(".gm-selected")) el.classList.remove("gm-selected");
    node.classList.add("gm-selected");
    model.set("selected", id);
    model.save_changes();
  });
  // A bar (legend, tools) above the drawing, and the side (steps, details) right beside the drawing.
  const bar = h("div", { class: "gm-bar" }, legendView(model.get("legend")), fitToggle(drawing, state),
    gradsToggle(model, state, drawing), downloadLink(model.get("dot"), state));
  state.detail = h("div", {}, detailView(model.get("detail")));
  const side = h("div", { class: "gm-side" }, stepsView(model, state, drawing), state.detail);
  const noteView = note ? h("p", { class: "gm-muted", text: note }) : null;
  return h("div", { class: "gm-graph" }, bar, h("div", { class: "gm-row" }, drawing, side), noteView);
}

function legendView(items) {
  const legend = h("div", { class: "gm-legend" });
  for (const item of items) {
    legend.append(h("span", { class: "gm-swatch", style: { background: item.fill, borderColor: item.stroke } }), h("span", { text: item.text }));
  }
  return legend;
}

// The whole graph scaled down to the box (the default), or at its own size with scroll bars.
function fitToggle(drawing, state) {
  const button = h("button", { type: "button", class: "gm-button gm-fit-toggle" });
  const show = () => {
    drawing.classList.toggle("gm-fit", state.fit !== false);
    button.textContent = state.fit !== false ? "actual size" : "fit to view";
  };
  button.addEventListener("click", () => { state.fit = state.fit === false; show(); });
  show();
  return button;
}

function downloadLink(dot, state) {
  state.dotUrl && URL.revokeObjectURL(state.dotUrl);
  state.dotUrl = URL.createObjectURL(new Blob([dot], { type: "text/vnd.graphviz" }));
  return h("a", { class: "gm-button", href: state.dotUrl, download: "graph.dot", text: "download DOT" });
}

// --- gradients on the edges, and backward step by step -------------------------------------------
// The elements of the drawing with these ids: nodes (ours: data-node; Graphviz's: <g class="node"
// id>) or edges (data-edge; <g class="edge" id>).
function drawn(drawing, kind, ids) {
  const wanted = new Set(ids);
  return [...drawing.querySelectorAll(`[data-${kind}], g.${kind}[id]`)]
    .filter((el) => wanted.has(el.getAttribute(`data-${kind}`) || el.getAttribute("id")));
}

// Python drew the graph twice: plain, and with each edge's gradient written on it (svg_grads).
function gradsToggle(model, state, drawing) {
  const withGrads = model.get("svg_grads");
  if (!withGrads) return null;
  const box = h("input", { type: "checkbox", class: "gm-grads-toggle" });
  box.checked = Boolean(state.showGrads);
  box.addEventListener("change", () => {
    state.showGrads = box.checked;
    drawing.replaceChildren(safeSvg(box.checked ? withGrads : model.get("svg")));
    for (const node of drawn(drawing, "node", [model.get("selected")])) node.classList.add("gm-selected");
    state.showStep && state.showStep();
  });
  return h("label", { class: "gm-check" }, box, h("span", { text: "gradients on edges" }));
}

function markStep(drawing, step) {
  for (const cls of ["gm-step-node", "gm-step-edge"]) {
    for (const el of drawing.querySelectorAll("." + cls)) el.classList.remove(cls);
  }
  for (const node of drawn(drawing, "node", [step.node])) node.classList.add("gm-step-node");
  for (const edge of drawn(drawing, "edge", step.edges)) edge.classList.add("gm-step-edge");
}

function stepView(step) {
  const box = h("div", { class: "gm-step" }, h("div", { class: "gm-muted", text: step.caption }),
    h("div", { class: "gm-name", text: step.title }));
  const table = h("table", { class: "gm-table" });
  for (const [label, text] of step.fields) table.append(h("tr", {}, h("th", { text: label }), h("td", { text })));
  box.append(table);
  for (const block of step.blocks) box.append(h("div", { class: "gm-label", text: block.label }), valuesView(block.values, () => {}));
  return box;
}

// Previous / next and a slider over the steps Python recorded; the step shown is the `step` trait.
function stepsView(model, state, drawing) {
  const steps = model.get("steps") || [];
  state.showStep = null;
  if (!steps.length) return null;
  const last = steps.length - 1;
  const clamp = (i) => Math.max(0, Math.min(last, Number(i) || 0));
  const prev = h("button", { type: "button", class: "gm-button gm-prev", text: "◀ previous" });
  const next = h("button", { type: "button", class: "gm-button gm-next", text: "next ▶" });
  const slider = h("input", { type: "range", class: "gm-step-slider", min: "0", max: String(last), step: "1" });
  const counter = h("span", { class: "gm-muted" });
  const body = h("div");
  state.showStep = () => {
    const i = clamp(model.get("step"));
    slider.value = String(i);
    prev.disabled = i === 0;
    next.disabled = i === last;
    counter.textContent = `step ${i + 1} of ${steps.length}`;
    body.replaceChildren(stepView(steps[i]));
    markStep(drawing, steps[i]);
  };
  const go = (i) => {
    model.set("step", clamp(i));
    model.save_changes();
    state.showStep();
  };
  prev.addEventListener("click", () => go(clamp(model.get("step")) - 1));
  next.addEventListener("click", () => go(clamp(model.get("step")) + 1));
  slider.addEventListener("input", () => go(slider.value));
  state.showStep();
  return h("div", { class: "gm-steps" }, h("div", { class: "gm-name", text: "Backward, step by step" }),
    h("div", { class: "gm-stepbar" }, prev, slider, next, counter), body);
}

// --- what went wrong, what-if sliders, compare --------------------------------------------------
// A failed backward, in plain words (Python wrote them), with a way to the node it was about.
function failureView(failure, goToNode) {
  if (!failure || !failure.kind) return [];
  const box = h("div", { class: "gm-failure", role: "alert" },
    h("div", { class: "gm-failure-title", text: "What went wrong: " + failure.title }),
    withCode(failure.text),
    h("div", { class: "gm-muted", text: failure.error + "  (the traceback below has the details)" }));
  if (failure.node_id) {
    const button = h("button", { type: "button", class: "gm-button", text: "show " + failure.node + " in the graph" });
    button.addEventListener("click", () => goToNode(failure.node_id));
    box.append(button);
  }
  return [box];
}

// Python's words mark code with backticks, as Markdown does: shown as <code>, still only as text.
function withCode(text) {
  return h("p", {}, ...text.split("`").map((part, k) => h(k % 2 ? "code" : "span", { text: part })));
}

// One slider per element; a move is sent when the slider is let go (`change`), the number beside
// it follows while dragging (`input`). Python answers with a whole new view and `interact`.
function whatIfView(model) {
  const controls = (model.get("interact") || {}).controls || [];
  if (!controls.length) return null;
  const bar = h("div", { class: "gm-whatif" }, h("div", { class: "gm-label", text: "What if: move a slider to run the cell again with that value" }));
  const rows = controls.map((c) => {
    const input = h("input", { type: "range", min: String(c.min), max: String(c.max), step: String(c.step), value: String(c.value), "aria-label": c.label });
    const shown = h("span", { class: "gm-whatif-value", text: c.text });
    input.addEventListener("input", () => { shown.textContent = input.value; });
    input.addEventListener("change", () => {
      bar.classList.add("gm-busy");
      model.set("interact_request", { name: c.name, index: c.index, value: Number(input.value), seq: Date.now() });
      model.save_changes();
    });
    bar.append(h("div", { class: "gm-whatif-row" }, h("span", { class: "gm-name", text: c.label }), input, shown));
    return { input, shown };
  });
  const status = h("div");
  bar.append(status);
  const update = () => {
    const state = model.get("interact") || {};
    (state.controls || []).forEach((c, k) => {
      if (!rows[k]) return;
      rows[k].input.value = String(c.value);
      rows[k].shown.textContent = c.text;
    });
    const lines = [];
    if (state.runs) lines.push(h("div", { class: "gm-muted", text: "re-run " + state.runs + " (not in the history)" }));
    if (state.error) lines.push(h("div", { class: "gm-error", text: "the re-run failed: " + state.error }));
    if (state.stdout) lines.push(h("pre", { class: "gm-stdout", text: state.stdout }));
    status.replaceChildren(...lines);
    bar.classList.remove("gm-busy");
  };
  model.on("change:interact", update);
  update();
  return bar;
}

function compareView(model) {
  const data = model.get("compare") || {};
  const box = h("div", { class: "gm-compare" });
  const clean = !data.error && !(data.differences || []).length;
  box.append(h("p", { class: clean ? "gm-same" : "gm-differs", text: data.summary || "" }));
  if (data.swapped && data.swapped.length) {
    box.append(h("p", { class: "gm-muted", text: "Drawn at random, given our values in " + data.against + "'s run (the generators differ): " + data.swapped.join(", ") }));
  }
  if ((data.differences || []).length) box.append(compareTable(["name", "what differs", "ours", data.against, "max abs diff"],
    data.differences.map((d) => [d.name, d.what, d.ours, d.theirs, d.diff_text])));
  if ((data.checked || []).length) box.append(h("div", { class: "gm-label", text: "every tensor compared" }),
    compareTable(["name", "values: max abs diff", "gradient: max abs diff", "same"],
      data.checked.map((r) => [r.name, r.values_text, r.grad_text, r.same ? "✓" : "✗"])));
  return box;
}

function compareTable(header, rows) {
  const table = h("table", { class: "gm-table" }, h("tr", {}, ...header.map((name) => h("th", { text: name }))));
  for (const row of rows) table.append(h("tr", {}, ...row.map((text, k) => h("td", { text: text ?? "—", class: k === 0 ? "gm-name" : "" }))));
  return table;
}

// --- the widget: a title and three tabs ----------------------------------------------------------
const SECTIONS = [
  ["Tensors", tensorsView, ["tensors"]],
  ["Graph", graphView, ["svg", "dot", "note", "legend", "svg_grads", "steps"]],
  ["Gradients", gradientsView, ["gradients"]],
];

function render({ model, el }) {
  const state = { tab: 0 };
  const root = h("div", { class: "grad-magic" });
  const tabs = h("div", { class: "gm-tabs" });
  const panel = h("div", { class: "gm-panel" });
  const failure = h("div");
  const compare = model.get("compare") || {};
  const sections = compare.summary ? [...SECTIONS, [compare.tab || "Compare", compareView, ["compare"]]] : SECTIONS;
  root.append(...[h("div", { class: "gm-title", text: model.get("title") }), failure, whatIfView(model), tabs, panel].filter(Boolean));

  const buttons = sections.map(([name], k) => {
    const button = h("button", { type: "button", text: name });
    button.addEventListener("click", () => { state.tab = k; draw(); });
    tabs.append(button);
    return button;
  });
  function draw() {
    buttons.forEach((b, k) => b.classList.toggle("gm-active", k === state.tab));
    panel.replaceChildren(sections[state.tab][1](model, state));
  }
  function goToNode(id) { // from the failure box: the Graph tab, with the node selected
    state.tab = sections.findIndex(([name]) => name === "Graph");
    draw();
    for (const node of panel.querySelectorAll("[data-node], g.node[id]")) {
      if ((node.getAttribute("data-node") || node.getAttribute("id")) === id) node.classList.add("gm-selected");
    }
    model.set("selected", id);
    model.save_changes();
  }
  const showFailure = () => failure.replaceChildren(...failureView(model.get("failure"), goToNode));
  model.on("change:failure", showFailure);
  showFailure();
  sections.forEach(([, , traits], k) => {
    for (const trait of traits) model.on("change:" + trait, () => state.tab === k && draw());
  });
  model.on("change:detail", () => state.detail && state.detail.replaceChildren(detailView(model.get("detail"))));
  model.on("change:step", () => state.showStep && state.showStep());
  draw();
  el.append(root);
  return () => state.dotUrl && URL.revokeObjectURL(state.dotUrl);
}

export default { render };
