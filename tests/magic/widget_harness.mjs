// Runs grad_magic/views/widget.js against a small stand-in DOM and model, in Node.
//   node widget_harness.mjs <widget.js> <state.json>   prints JSON: what was drawn, what was set.
// Not a browser (browser tests live elsewhere): this checks that the module runs, draws each
// section from the traits, sets text only as text, and reports a click through `selected`.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

class Element {
  constructor(tag) {
    this.tagName = tag;
    this.nodeName = tag;
    this.children = [];
    this.parent = null;
    this.style = {};
    this.listeners = {};
    this.text = "";
    this.own = {};
    const classes = new Set();
    this.classList = {
      add: (c) => classes.add(c),
      remove: (c) => classes.delete(c),
      contains: (c) => classes.has(c),
      toggle: (c, on) => (on ? classes.add(c) : classes.delete(c)),
    };
  }
  get attributes() { return Object.entries(this.own).map(([name, value]) => ({ name, value })); }
  setAttribute(name, value) {
    this.own[name] = String(value);
    if (name === "class") for (const c of String(value).split(" ")) if (c) this.classList.add(c);
  }
  getAttribute(name) { return name in this.own ? this.own[name] : null; }
  get value() { return this.typed ?? this.own.value; }
  set value(text) { this.typed = String(text); }
  removeAttribute(name) { delete this.own[name]; }
  append(...kids) { for (const kid of kids) { kid.parent = this; this.children.push(kid); } }
  replaceChildren(...kids) { this.children = []; this.append(...kids); }
  remove() { if (this.parent) this.parent.children = this.parent.children.filter((c) => c !== this); }
  set textContent(text) { this.text = String(text); this.children = []; }
  get textContent() { return this.text + this.children.map((c) => c.textContent).join(" "); }
  set innerHTML(_) { throw new Error("widget.js must not set innerHTML"); }
  addEventListener(type, listener) { (this.listeners[type] ||= []).push(listener); }
  click(target = this) { // bubbles up from target, as a browser's click does
    for (let el = this; el; el = el.parent) for (const listener of el.listeners.click || []) listener({ target });
  }
  matches(selector) {
    return selector.split(",").map((s) => s.trim()).some((s) => {
      if (s === "*") return true;
      const attribute = /^\[([\w-]+)\]$/.exec(s); // [data-node], [data-edge]
      if (attribute) return this.getAttribute(attribute[1]) !== null;
      const group = /^g\.(\w+)\[id\]$/.exec(s); // g.node[id], g.edge[id]
      if (group) return this.tagName === "g" && this.classList.contains(group[1]) && this.getAttribute("id") !== null;
      if (s.startsWith(".")) return this.classList.contains(s.slice(1));
      return this.tagName === s;
    });
  }
  closest(selector) {
    for (let el = this; el; el = el.parent) if (el.matches(selector)) return el;
    return null;
  }
  querySelectorAll(selector) {
    const found = [];
    const visit = (el) => { for (const kid of el.children) { if (kid.matches(selector)) found.push(kid); visit(kid); } };
    visit(this);
    return found;
  }
}

// The SVG "parser" keeps what the widget uses: one <g class="node"> per node and <g class="edge">
// per edge (with data-edge), whether gradients are written on it (data-grads on the <svg>), and a
// <script> and an onclick attribute if the text has them (so the sanitiser's work can be seen).
class DOMParser {
  parseFromString(text) {
    const svg = new Element("svg");
    if (text.includes("‖g‖")) svg.setAttribute("data-grads", "yes");
    for (const [, attributes] of text.matchAll(/<g\b([^>]*)>/g)) {
      const id = /\bid="([^"]+)"/.exec(attributes);
      if (/\bclass="edge\b/.test(attributes) && id) {
        const edge = new Element("g");
        edge.setAttribute("class", "edge");
        edge.setAttribute("id", id[1]);
        if (attributes.includes("data-edge=")) edge.setAttribute("data-edge", id[1]);
        svg.append(edge);
        continue;
      }
      if (!/\bclass="node\b/.test(attributes) || !id) continue;
      const g = new Element("g");
      g.setAttribute("class", "node");
      g.setAttribute("id", id[1]);
      if (attributes.includes("data-node=")) g.setAttribute("data-node", id[1]);
      if (text.includes("onclick=")) g.setAttribute("onclick", "alert(1)");
      g.append(new Element("rect"));
      svg.append(g);
    }
    if (text.includes("<script")) svg.append(new Element("script"));
    return { documentElement: svg };
  }
}

globalThis.document = { createElement: (tag) => new Element(tag), importNode: (node) => node };
globalThis.DOMParser = DOMParser;
globalThis.Blob = class { constructor(parts) { this.parts = parts; } };
globalThis.URL = { createObjectURL: () => "blob:dot", revokeObjectURL: () => {} };

const [widgetPath, statePath] = process.argv.slice(2);
const state = JSON.parse(readFileSync(statePath, "utf8"));
const handlers = {};
const sets = [];
const model = {
  get: (name) => state[name],
  set: (name, value) => { state[name] = value; sets.push([name, value]); },
  save_changes: () => {},
  on: (event, handler) => { (handlers[event] ||= []).push(handler); },
};
const { default: widget } = await import(pathToFileURL(widgetPath).href);
const el = new Element("div");
widget.render({ model, el });

// found by class: a failed backward's box and --interact's sliders stand between them
const [title, tabs, panel] = ["gm-title", "gm-tabs", "gm-panel"].map((c) => el.children[0].children.find((k) => k.classList.contains(c)));
const drawn = { title: title.textContent, tabs: tabs.children.map((b) => b.textContent), panels: {} };
for (const button of tabs.children) {
  button.click();
  drawn.panels[button.textContent] = panel.textContent;
}

tabs.children[1].click(); // the graph again
const nodes = panel.querySelectorAll("[data-node], g.node[id]");
nodes[0].click(nodes[0].children[0]);
drawn.nodes = nodes.length;
drawn.selected_class = nodes[0].classList.contains("gm-selected");
drawn.scripts = panel.querySelectorAll("script").length;
drawn.onclick = nodes.filter((n) => n.getAttribute("onclick") !== null).length;
drawn.had_onclick = /onclick=/.test(state.svg);
state.detail = { id: "n0", title: "picked <i>", kind: "function", fields: [["name", "<b>x</b>"]], blocks: [] };
for (const handler of handlers["change:detail"] || []) handler();
drawn.detail = panel.textContent;

const link = panel.querySelectorAll("a")[0]; // the DOT download, then the fit toggle, clicked
drawn.download = { name: link.getAttribute("download"), href: link.getAttribute("href"), button: link.classList.contains("gm-button") };
const drawing = panel.querySelectorAll(".gm-svg")[0];
drawn.fit = [drawing.classList.contains("gm-fit")];
panel.querySelectorAll(".gm-fit-toggle")[0].click();
drawn.fit.push(drawing.classList.contains("gm-fit"));

// Backward step by step: "next" once, then gradients on the edges.
const next = panel.querySelectorAll(".gm-next")[0];
if (next) {
  next.click();
  const marked = (cls) => panel.querySelectorAll("." + cls).map((el) => el.getAttribute("id"));
  drawn.steps = { text: panel.querySelectorAll(".gm-steps")[0].textContent, node: marked("gm-step-node"), edges: marked("gm-step-edge") };
}
const toggle = panel.querySelectorAll(".gm-grads-toggle")[0];
if (toggle) {
  toggle.checked = true;
  for (const listener of toggle.listeners.change || []) listener({ target: toggle });
  drawn.grads_drawn = panel.querySelectorAll("svg")[0].getAttribute("data-grads") === "yes";
  drawn.grads_selected = panel.querySelectorAll(".gm-selected").map((el) => el.getAttribute("id"));
}

tabs.children[0].click(); // the tensors: move a slicer, as a user typing an index does
const input = panel.querySelectorAll("input")[0];
if (input) {
  input.value = "1";
  for (const listener of input.listeners.change || []) listener({ target: input });
}
// The boxes above the tabs: a failed backward's, and --interact's sliders (one let go at its max).
const root = el.children[0];
drawn.failure = root.querySelectorAll(".gm-failure").map((box) => box.textContent).join(" ");
const whatIf = root.querySelectorAll(".gm-whatif")[0];
drawn.sliders = whatIf ? whatIf.querySelectorAll("input").map((s) => [s.getAttribute("aria-label"), s.getAttribute("min"), s.getAttribute("max")]) : [];
if (whatIf) {
  const slider = whatIf.querySelectorAll("input")[0];
  slider.value = slider.getAttribute("max");
  for (const listener of slider.listeners.change || []) listener({ target: slider });
  drawn.busy = whatIf.classList.contains("gm-busy");
}
console.log(JSON.stringify({ drawn, sets }));
