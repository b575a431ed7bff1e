// The page's script: both passes, the step controls, the inputs, the node
// details, zoom and pan. OPS (above) is cgdiff's op table in JavaScript for
// the operations this graph uses; the numbers and sentences follow
// cgdiff.text.human_number and cgdiff.explain word for word. No loop here
// recurses, and nothing is fetched.
"use strict";
(function () {
  const DATA = JSON.parse(document.getElementById("cgdiff-data").textContent);
  const nodes = DATA.nodes;
  const n = nodes.length;
  const out = DATA.output;
  const J = DATA.J, dJ = DATA.dJ;
  const $ = (id) => document.getElementById(id);

  // ------------------------------------------------------------ numbers

  // Python's format(x, ".10g") (and str(int(x)) for whole numbers): the
  // numbers cgdiff prints, character for character.
  function hn(x) {
    if (x === null || x === undefined || Number.isNaN(x)) return "—";
    if (x === Infinity) return "inf";
    if (x === -Infinity) return "-inf";
    if (Number.isInteger(x) && Math.abs(x) < 1e15) return (x === 0 ? 0 : x).toFixed(0);
    const exp = x.toExponential(9);              // d.ddddddddde±X, rounded to 10 digits
    const e = parseInt(exp.slice(exp.indexOf("e") + 1), 10);
    if (e >= -4 && e < 10) {
      let fixed = x.toFixed(9 - e);
      if (fixed.indexOf(".") >= 0) fixed = fixed.replace(/0+$/, "").replace(/\.$/, "");
      return fixed;
    }
    let mantissa = exp.slice(0, exp.indexOf("e"));
    if (mantissa.indexOf(".") >= 0) mantissa = mantissa.replace(/0+$/, "").replace(/\.$/, "");
    const sign = e < 0 ? "-" : "+";
    const digits = String(Math.abs(e));
    return mantissa + "e" + sign + (digits.length < 2 ? "0" + digits : digits);
  }
  const timesEps = (k) => k === 1 ? "ε" : k === -1 ? "-ε" : hn(k) + "ε";
  const factor = (k) => k < 0 ? "(" + hn(k) + ")" : hn(k);
  const term = (text) => text.startsWith("-") ? "(" + text + ")" : text;
  function moves(k) {
    if (Number.isNaN(k)) return "has no derivative here";
    if (k === 0) return "does not move";
    return k > 0 ? "goes up by " + timesEps(k) : "goes down by " + timesEps(-k);
  }

  // ------------------------------------------------------------ the passes

  let values = new Array(n).fill(NaN);
  let adjoints = new Array(n).fill(NaN);
  let problem = null;
  const settings = {};
  for (const input of DATA.inputs) settings[input.name] = input.value;

  function partialsOf(k) {
    const node = nodes[k];
    const args = node.args.map((a) => values[a]);
    return args.length === 2 ? OPS[node.op].partials(args[0], args[1], values[k])
                             : OPS[node.op].partials(args[0], values[k]);
  }

  function run() {
    problem = null;
    values = new Array(n).fill(NaN);
    adjoints = new Array(n).fill(NaN);
    for (let i = 0; i < n; i++) {
      const node = nodes[i];
      if (node.op === "input") values[i] = settings[node.id];
      else if (node.op === "const") values[i] = node.const;
      else {
        const args = node.args.map((a) => values[a]);
        values[i] = args.length === 2 ? OPS[node.op].value(args[0], args[1])
                                      : OPS[node.op].value(args[0]);
      }
      if (!Number.isFinite(values[i])) {
        problem = node.op === "input"
          ? node.id + " is not a number"
          : node.definition + " cannot be computed at these inputs (" + forwardText(i) + ")";
        values[i] = NaN;
        for (let k = i + 1; k < n; k++) values[k] = NaN;
        return;
      }
    }
    // Reverse: ∂output/∂node, right to left, as cgdiff.passes.reverse.
    adjoints = new Array(n).fill(0);
    adjoints[out] = 1;
    for (let i = out; i >= 0; i--) {
      const g = adjoints[i];
      if (g === 0 || nodes[i].args.length === 0) continue;
      const partials = partialsOf(i);
      nodes[i].args.forEach((a, position) => { adjoints[a] += g * partials[position]; });
    }
    for (let i = 0; i < n; i++) {
      if (adjoints[i] === Infinity || adjoints[i] === -Infinity) {
        problem = "the derivative of " + J + " with respect to " + nodes[i].definition +
                  " is not finite at these inputs";
        break;
      }
    }
  }

  // ------------------------------------------------------------ sentences

  const paren = (x) => x < 0 ? "(" + hn(x) + ")" : hn(x);

  // "2*(-2)", "tanh(0.5)": the node's operation with its arguments' numbers.
  function forwardText(i) {
    const node = nodes[i];
    const args = node.args.map((a) => values[a]);
    const op = DATA.ops[node.op];
    if (node.op === "id") return hn(args[0]);
    if (op.symbol && args.length === 2) return paren(args[0]) + op.symbol + paren(args[1]);
    if (op.symbol && args.length === 1) return op.symbol + paren(args[0]);
    return node.op + "(" + args.map(hn).join(", ") + ")";
  }

  function forwardSentence(i) {
    const node = nodes[i];
    if (node.op === "input")
      return node.id + " is an input: " + node.id + " = " + hn(values[i]) + ".";
    if (node.op === "const")
      return node.definition + " is a constant: its value is " + hn(values[i]) + ".";
    return node.definition + " = " + forwardText(i) + " = " + hn(values[i]) +
           (i === out ? ", the output." : ".");
  }

  function localChange(k, position, formula, bare) {
    const partial = partialsOf(k)[position];
    return [bare ? timesEps(partial) : formula + " × ε = " + timesEps(partial), partial];
  }

  // cgdiff.explain._step: how the output feels a nudge of node i, path by path.
  function reverseLines(i) {
    const node = nodes[i];
    if (i === out) {
      return [node.definition + " = " + hn(values[i]),
              "  " + J + " is the output: if " + J + " goes up by ε, " + J + " goes up by ε, so " +
              dJ + "/∂" + node.wrapped + " = 1. The reverse pass starts here."];
    }
    const me = node.name;
    const head = node.definition + " = " + hn(values[i]);
    const lines = [], totals = [];
    for (const [k, position, formula, bare] of node.users) {
      const [change, partial] = localChange(k, position, formula, bare);
      const via = nodes[k].name;
      const total = adjoints[k] * partial;
      let line;
      if (k === out) {
        line = "if " + me + " goes up by ε, " + nodes[k].definition + " changes by " + change;
      } else {
        line = "if " + me + " goes up by ε, " + nodes[k].definition + " changes by " + change +
               "; when " + via + " goes up by ε, " + J + " " + moves(adjoints[k]) + " (" + dJ +
               "/∂" + nodes[k].wrapped + " = " + hn(adjoints[k]) + "), so " + J + " changes by " +
               factor(adjoints[k]) + " × " + term(timesEps(partial)) + " = " + timesEps(total);
      }
      lines.push(line);
      totals.push(total);
    }
    const derivative = adjoints[i];
    if (lines.length === 1) {
      return [head, "  " + lines[0][0].toUpperCase() + lines[0].slice(1) + ".",
              "  So when " + me + " goes up by ε, " + J + " " + moves(derivative) + ": " + dJ +
              "/∂" + node.wrapped + " = " + hn(derivative)];
    }
    const paragraph = [head + ", which feeds " + lines.length + " nodes: " + J +
                       " feels each path, and the changes add up."];
    lines.forEach((line, j) => {
      const t = timesEps(totals[j]);
      paragraph.push("  - " + line + (line.endsWith(t) ? "" : ", so " + J + " changes by " + t) + ".");
    });
    paragraph.push("  Together: " + totals.map((t) => term(timesEps(t))).join(" + ") + " = " +
                   timesEps(derivative) + ", so " + dJ + "/∂" + node.wrapped + " = " + hn(derivative));
    return paragraph;
  }

  function summary() {
    return "So " + DATA.inputs.map((input) =>
      dJ + "/∂" + nodes[input.node].wrapped + " = " + hn(adjoints[input.node])).join(", ") + ".";
  }

  // ------------------------------------------------------------ the steps

  // Step 0: nothing computed. Steps 1..n: the forward pass, node by node.
  // Then the reverse pass over every node but the constants, right to left,
  // then the summary.
  const reverseOrder = [];
  for (let i = out; i >= 0; i--) if (nodes[i].op !== "const") reverseOrder.push(i);
  const total = n + reverseOrder.length + 1;
  let step = 0;
  let selected = null;

  function stateAt(s) {
    const shownValues = Math.min(s, n);
    const shownGrads = new Set(reverseOrder.slice(0, Math.max(0, s - n)));
    let phase, current = null, edges = [], lines;
    if (s === 0) {
      phase = "Start";
      lines = ["Press next ▶ (or →) to run the forward pass: each node's value, left to right."];
    } else if (s <= n) {
      current = s - 1;
      phase = "Forward pass · node " + s + " of " + n;
      edges = nodes[current].args.map((a, p) => [a, current, p]);
      lines = [forwardSentence(current)];
    } else if (s < total) {
      const r = s - n;
      current = reverseOrder[r - 1];
      phase = "Reverse pass · node " + r + " of " + reverseOrder.length;
      edges = nodes[current].users.map(([k, p]) => [current, k, p]);
      lines = reverseLines(current);
    } else {
      phase = "Done";
      lines = [summary()];
    }
    return {shownValues, shownGrads, phase, current, edges, lines, done: s === total};
  }

  function setText(id, text, full) {
    const element = $(id);
    if (element.textContent !== text) element.textContent = text;
    if (full === undefined) element.removeAttribute("data-full");
    else element.setAttribute("data-full", String(full));
  }

  function render() {
    const state = stateAt(step);
    const active = new Set(state.edges.map(([a, k, p]) => a + "-" + k + "-" + p));
    for (let i = 0; i < n; i++) {
      const g = $("n-" + i);
      const hasValue = i < state.shownValues || state.done;
      const hasGrad = state.shownGrads.has(i) || (state.done && nodes[i].op !== "const");
      // A literal's value is its label: not repeated above it.
      const literal = nodes[i].op === "const" && hn(values[i]) === nodes[i].definition;
      setText("v-" + i, hasValue && !literal ? hn(values[i]) : "", hasValue ? values[i] : undefined);
      setText("g-" + i, hasGrad ? hn(adjoints[i]) : "", hasGrad ? adjoints[i] : undefined);
      g.classList.toggle("current", i === state.current);
      g.classList.toggle("computed", hasValue);
      g.classList.toggle("selected", i === selected);
      nodes[i].args.forEach((a, p) => {
        const key = a + "-" + i + "-" + p;
        const edge = $("e-" + key);
        const on = active.has(key);
        edge.classList.toggle("active", on);
        edge.classList.toggle("backward", on && step > n);
        // Not the derivatives with respect to a literal: nobody nudges a 2.
        const showPartial = nodes[a].op !== "const" && (on || (state.done && n <= 60));
        setText("p-" + key, showPartial ? hn(partialsOf(i)[p]) : "");
      });
    }
    $("phase").textContent = state.phase;
    $("phase").className = step > n && step < total ? "reverse" : step === 0 || step === total ? "" : "forward";
    $("sentence").textContent = problem ? "" : state.lines.join("\n");
    $("counter").textContent = "step " + step + " of " + total;
    $("prev").disabled = $("first").disabled = step === 0;
    $("next").disabled = $("last").disabled = step === total;
    $("error").hidden = !problem;
    $("error").textContent = problem ? "At these inputs: " + problem + "." : "";
    if (selected !== null) showDetail(selected);
  }

  function go(s) {
    step = Math.max(0, Math.min(total, s));
    render();
  }

  // ------------------------------------------------------------ node details

  function showDetail(i) {
    const node = nodes[i];
    const box = $("detail");
    box.textContent = "";
    const add = (tag, text, cls) => {
      const element = document.createElement(tag);
      element.textContent = text;
      if (cls) element.className = cls;
      box.appendChild(element);
      return element;
    };
    add("h3", node.definition + (node.id !== node.name ? "  (" + node.id + ")" : ""));
    add("div", "op: " + node.op);
    add("div", "value: " + hn(values[i]), "detail-value").setAttribute("data-full", String(values[i]));
    if (node.op !== "const") {
      add("div", dJ + "/∂" + node.wrapped + " = " + hn(adjoints[i]), "detail-grad")
        .setAttribute("data-full", String(adjoints[i]));
    }
    if (node.args.length) {
      const partials = problem ? node.args.map(() => NaN) : partialsOf(i);
      const list = add("ul", "", "detail-partials");
      node.args.forEach((a, p) => {
        const item = document.createElement("li");
        item.textContent = "∂" + node.wrapped + "/∂" + nodes[a].wrapped + " = " + hn(partials[p]);
        list.appendChild(item);
      });
    }
    if (node.op !== "const" && !problem) add("pre", reverseLines(i).join("\n"), "detail-sentence");
  }

  function select(i) {
    selected = i;
    render();
  }

  // ------------------------------------------------------------ inputs

  function buildInputs() {
    const box = $("inputs");
    if (!DATA.inputs.length) box.textContent = "This program has no inputs.";
    for (const input of DATA.inputs) {
      const row = document.createElement("div");
      row.className = "input-row";
      const label = document.createElement("label");
      label.textContent = input.name;
      const span = Math.max(2, 2 * Math.abs(input.value));
      const slider = document.createElement("input");
      slider.type = "range";
      slider.min = String(input.value - span);
      slider.max = String(input.value + span);
      slider.step = String(span / 100);
      slider.value = String(input.value);
      slider.id = "slider-" + input.name;
      const number = document.createElement("input");
      number.type = "number";
      number.step = "any";
      number.value = String(input.value);
      number.id = "input-" + input.name;
      number.setAttribute("data-input", input.name);
      const apply = (text, from) => {
        const value = Number(text);
        if (text.trim() === "" || !Number.isFinite(value)) return;
        settings[input.name] = value;
        if (from !== number) number.value = String(value);
        if (from !== slider) slider.value = String(value);
        run();
        render();
      };
      slider.addEventListener("input", () => apply(slider.value, slider));
      number.addEventListener("change", () => apply(number.value, number));
      number.addEventListener("keydown", (event) => event.stopPropagation());
      label.htmlFor = number.id;
      row.append(label, slider, number);
      box.appendChild(row);
    }
  }

  // ------------------------------------------------------------ zoom and pan

  const svg = $("graph");
  const full = {x: 0, y: 0, w: DATA.width, h: DATA.height};
  let view = Object.assign({}, full);
  const setView = () => svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].join(" "));
  function zoom(scale, cx, cy) {
    const w = Math.min(full.w * 4, Math.max(40, view.w * scale));
    const k = w / view.w;
    if (cx === undefined) { cx = view.x + view.w / 2; cy = view.y + view.h / 2; }
    view = {x: cx - (cx - view.x) * k, y: cy - (cy - view.y) * k, w: view.w * k, h: view.h * k};
    setView();
  }
  function pointOf(event) {
    const box = svg.getBoundingClientRect();
    return [view.x + (event.clientX - box.left) / box.width * view.w,
            view.y + (event.clientY - box.top) / box.height * view.h];
  }
  svg.addEventListener("wheel", (event) => {
    event.preventDefault();
    const [cx, cy] = pointOf(event);
    zoom(event.deltaY > 0 ? 1.15 : 1 / 1.15, cx, cy);
  }, {passive: false});
  let drag = null;
  svg.addEventListener("pointerdown", (event) => {
    drag = {x: event.clientX, y: event.clientY, view: Object.assign({}, view), moved: false};
  });
  window.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const box = svg.getBoundingClientRect();
    const dx = (event.clientX - drag.x) / box.width * view.w;
    const dy = (event.clientY - drag.y) / box.height * view.h;
    if (Math.abs(event.clientX - drag.x) + Math.abs(event.clientY - drag.y) > 3) drag.moved = true;
    view = Object.assign({}, view, {x: drag.view.x - dx, y: drag.view.y - dy});
    setView();
  });
  window.addEventListener("pointerup", () => { setTimeout(() => { drag = null; }, 0); });
  svg.addEventListener("click", (event) => {
    if (drag && drag.moved) return;
    const target = event.target.closest(".node");
    if (target) select(Number(target.getAttribute("data-node")));
  });
  $("zoom-in").addEventListener("click", () => zoom(1 / 1.25));
  $("zoom-out").addEventListener("click", () => zoom(1.25));
  $("zoom-fit").addEventListener("click", () => { view = Object.assign({}, full); setView(); });

  // ------------------------------------------------------------ controls

  $("first").addEventListener("click", () => go(0));
  $("prev").addEventListener("click", () => go(step - 1));
  $("next").addEventListener("click", () => go(step + 1));
  $("last").addEventListener("click", () => go(total));
  document.addEventListener("keydown", (event) => {
    if (event.target && event.target.tagName === "INPUT") return;
    const keys = {ArrowRight: () => go(step + 1), ArrowLeft: () => go(step - 1),
                  Home: () => go(0), End: () => go(total),
                  "+": () => zoom(1 / 1.25), "=": () => zoom(1 / 1.25), "-": () => zoom(1.25),
                  "0": () => { view = Object.assign({}, full); setView(); }};
    if (keys[event.key]) { event.preventDefault(); keys[event.key](); }
  });

  buildInputs();
  run();
  render();
  // For tests and the curious: the state, read-only in spirit.
  window.cgdiffView = {go, total: () => total, step: () => step, values: () => values.slice(),
                       adjoints: () => adjoints.slice(), reverseLines, forwardSentence,
                       reverseOrder: () => reverseOrder.slice(), hn};
})();
