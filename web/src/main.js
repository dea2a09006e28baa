// The workbench page of `leadscore serve`: the model in an editor with the
// diagnostics as one types, the sample leads re-scored on every edit, a
// lead's breakdown, the model's tests, what the edit changes compared with
// the saved model, and save. Everything it asks goes to the server's
// /v1/workbench API (docs/openapi.yaml).

import { EditorState } from "@codemirror/state";
import {
  EditorView, keymap, lineNumbers, highlightActiveLine, drawSelection,
} from "@codemirror/view";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import {
  StreamLanguage, syntaxHighlighting, defaultHighlightStyle, bracketMatching,
} from "@codemirror/language";
import { linter, lintGutter } from "@codemirror/lint";
import { scoreLanguage } from "./language.js";

const $ = (id) => document.getElementById(id);

const state = {
  hash: "", // the saved files' hash the draft started from
  readOnly: false,
  selected: null, // the id (as JSON text) of the lead whose breakdown is shown
  rows: [],
  generation: 0, // the latest edit; older answers are dropped
  clean: false,
};

async function api(path, body) {
  const response = await fetch(path, {
    method: body === undefined ? "GET" : "POST",
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let json = null;
  try { json = await response.json(); } catch (_) { json = null; }
  return { ok: response.ok, status: response.status, json };
}

function setStatus(text, kind) {
  const el = $("status");
  el.textContent = text;
  el.className = kind || "";
}

function text(view) {
  return view.state.doc.toString();
}

// Diagnostics as the editor shows them, from the server's check.
async function lint(view) {
  const answer = await api("/v1/workbench/check", { text: text(view) });
  if (!answer.ok || !answer.json) return [];
  const length = view.state.doc.length;
  const problems = $("problems");
  problems.replaceChildren();
  const found = [];
  for (const d of answer.json.diagnostics) {
    const line = document.createElement("div");
    line.className = d.severity;
    line.textContent = `${d.file}:${d.line}:${d.column} ${d.severity} ${d.code}: ${d.message}` +
      (d.help ? ` — help: ${d.help}` : "");
    problems.append(line);
    if (d.from === undefined) continue;
    const from = Math.min(d.from, length);
    const to = Math.max(from, Math.min(d.to, length));
    found.push({
      from, to,
      severity: d.severity,
      source: d.code,
      message: d.message + (d.help ? `\nhelp: ${d.help}` : ""),
    });
  }
  state.clean = answer.json.errors === 0;
  $("save").disabled = state.readOnly || !state.clean;
  if (answer.json.errors > 0) {
    setStatus(`${answer.json.errors} error${answer.json.errors === 1 ? "" : "s"}`, "error");
  }
  return found;
}

function cell(row, content, cls) {
  const td = document.createElement("td");
  td.textContent = content === null || content === undefined ? "" : String(content);
  if (cls) td.className = cls;
  row.append(td);
  return td;
}

// The sample table: one row a lead, its score, groups, thresholds and labels.
function renderLeads(answer, moved) {
  const thead = $("leads").querySelector("thead");
  const tbody = $("leads").querySelector("tbody");
  const first = answer.rows.find((r) => r.result);
  const thresholds = first ? Object.keys(first.result.thresholds) : [];
  const labels = first ? Object.keys(first.result.labels) : [];
  const head = document.createElement("tr");
  for (const name of ["id", "score", "change", ...answer.groups, ...thresholds, ...labels, "disqualified"]) {
    const th = document.createElement("th");
    th.textContent = name;
    head.append(th);
  }
  thead.replaceChildren(head);
  const rows = [];
  for (const r of answer.rows) {
    const tr = document.createElement("tr");
    if (r.error) {
      cell(tr, `line ${r.line}`);
      const td = cell(tr, r.error);
      td.colSpan = 3 + answer.groups.length + thresholds.length + labels.length;
      rows.push(tr);
      continue;
    }
    const res = r.result;
    const key = JSON.stringify(res.id);
    tr.dataset.id = typeof res.id === "string" ? res.id : key;
    cell(tr, res.id);
    cell(tr, res.score, "num score");
    const change = moved.get(key);
    const changeCell = cell(tr, change ? (change > 0 ? `+${change}` : change) : "", "num change");
    if (change) {
      tr.classList.add("changed");
      changeCell.classList.add(change > 0 ? "up" : "down");
    }
    for (const g of answer.groups) cell(tr, res.groups[g], "num");
    for (const t of thresholds) cell(tr, res.thresholds[t] ? "yes" : "", res.thresholds[t] ? "yes" : "");
    for (const l of labels) cell(tr, res.labels[l]);
    cell(tr, res.disqualified);
    tr.addEventListener("click", () => {
      state.selected = key;
      showBreakdown();
    });
    rows.push(tr);
  }
  tbody.replaceChildren(...rows);
  showBreakdown();
}

function showBreakdown() {
  for (const tr of $("leads").querySelectorAll("tbody tr")) tr.classList.remove("selected");
  const row = state.rows.find((r) => r.result && JSON.stringify(r.result.id) === state.selected);
  if (!row) return;
  const tr = [...$("leads").querySelectorAll("tbody tr")]
    .find((t) => t.dataset.id === (typeof row.result.id === "string" ? row.result.id : state.selected));
  if (tr) tr.classList.add("selected");
  $("breakdown").textContent = row.explanation;
}

function renderTests(answer) {
  const list = $("tests");
  const items = answer.tests.map((t) => {
    const li = document.createElement("li");
    li.className = t.passed ? "pass" : "fail";
    li.textContent = t.name;
    const details = t.error ? [t.error] : (t.failures || []).map((f) =>
      `expect ${f.expect}${f.seen.length ? ` — but ${f.seen.join(", ")}` : ""}`);
    for (const d of details) {
      const div = document.createElement("div");
      div.className = "detail";
      div.textContent = d;
      li.append(div);
    }
    return li;
  });
  list.replaceChildren(...items);
  $("tests-summary").textContent = `${answer.passed} passed, ${answer.failed} failed`;
}

// Who enters and who leaves each threshold, and how labels move.
function renderDiff(answer) {
  const report = answer.report;
  const box = $("diff");
  const parts = [];
  const summary = document.createElement("p");
  const s = report.score;
  summary.textContent = `${report.leads} leads; score changed for ${s.changed}` +
    (s.changed ? ` (mean ${s.mean > 0 ? "+" : ""}${s.mean}, largest ${s.largest})` : "") +
    `; rules: ${report.rules.added.length} added, ${report.rules.removed.length} removed, ${report.rules.changed.length} changed.`;
  parts.push(summary);
  for (const t of report.thresholds) {
    const div = document.createElement("div");
    div.className = "threshold";
    div.dataset.threshold = t.name;
    const entered = [], left = [];
    for (const m of report.moved) {
      for (const o of m.outputs) {
        if (o.name !== t.name) continue;
        (o.to === true ? entered : left).push(typeof m.id === "string" ? m.id : JSON.stringify(m.id));
      }
    }
    const title = document.createElement("strong");
    title.textContent = `${t.name}: ${t.before} → ${t.after}`;
    div.append(title);
    for (const [word, ids, cls] of [["enter", entered, "entered"], ["leave", left, "left"]]) {
      const line = document.createElement("div");
      line.className = `ids ${cls}`;
      line.textContent = ids.length ? `${word} (${ids.length}): ${ids.join(", ")}` : `nobody ${word}s`;
      div.append(line);
    }
    parts.push(div);
  }
  for (const l of report.labels) {
    if (!l.transitions.length) continue;
    const div = document.createElement("div");
    div.className = "label";
    div.textContent = `${l.name}: ` + l.transitions.map((t) => `${t.from ?? "none"} → ${t.to ?? "none"}: ${t.leads}`).join("; ");
    parts.push(div);
  }
  box.replaceChildren(...parts);
  const moved = new Map();
  for (const m of report.moved) moved.set(JSON.stringify(m.id), m.change);
  return moved;
}

// Scores, diff and tests of the draft, after each edit.
async function refresh(view) {
  const generation = ++state.generation;
  const draft = { text: text(view) };
  const [scored, diffed, tested] = await Promise.all([
    api("/v1/workbench/score", draft),
    api("/v1/workbench/diff", draft),
    api("/v1/workbench/test", draft),
  ]);
  if (generation !== state.generation) return;
  if (!scored.ok) {
    setStatus(scored.json ? `${scored.json.code}: ${scored.json.message}` : "the draft cannot be scored", "error");
    return;
  }
  state.rows = scored.json.rows;
  $("asof").textContent = `as of ${scored.json.as_of}`;
  const moved = diffed.ok ? renderDiff(diffed.json) : new Map();
  renderLeads(scored.json, moved);
  if (tested.ok) renderTests(tested.json);
  const edited = diffed.ok && diffed.json.hash !== state.hash;
  setStatus(edited ? "edited, not saved" : "saved", edited ? "" : "ok");
}

let timer = null;
function onEdit(view) {
  clearTimeout(timer);
  timer = setTimeout(() => refresh(view), 300);
}

async function save(view) {
  const answer = await api("/v1/workbench/save", { text: text(view), hash: state.hash });
  if (answer.ok) {
    state.hash = answer.json.hash;
    setStatus("saved", "ok");
    refresh(view);
  } else {
    setStatus(answer.json ? `not saved: ${answer.json.message}` : "not saved", "error");
  }
}

async function start() {
  const source = await api("/v1/workbench/source");
  if (!source.ok) {
    setStatus(source.json ? source.json.message : "cannot load the model", "error");
    return;
  }
  state.hash = source.json.hash;
  state.readOnly = source.json.read_only;
  $("path").textContent = source.json.path + (state.readOnly ? " (read-only)" : "");
  const view = new EditorView({
    parent: $("editor"),
    state: EditorState.create({
      doc: source.json.text,
      extensions: [
        lineNumbers(),
        EditorView.lineWrapping,
        history(),
        drawSelection(),
        highlightActiveLine(),
        bracketMatching(),
        StreamLanguage.define(scoreLanguage),
        syntaxHighlighting(defaultHighlightStyle),
        lintGutter(),
        linter(lint, { delay: 250 }),
        keymap.of([...defaultKeymap, ...historyKeymap]),
        EditorView.updateListener.of((update) => { if (update.docChanged) onEdit(update.view); }),
      ],
    }),
  });
  window.workbench = view;
  $("save").addEventListener("click", () => save(view));
  if (!source.json.sample) {
    $("breakdown").textContent = "Start the server with --sample LEADS to score sample leads here.";
  }
  refresh(view);
}

start();
