// Loads a Chrome trace JSON file with the trace engine of Chrome DevTools' Performance panel
// (the npm package `@paulirish/trace_engine`, published from the DevTools sources) and prints
// what the engine made of it, as one JSON object on stdout, for `trace_viewer.rs` to check.
//
// Usage: node load.mjs ENGINE_DIR TRACE_JSON
//   ENGINE_DIR: the installed package (…/node_modules/@paulirish/trace_engine).
//
// Nothing here interprets the trace itself: every name, slice, flow and counter printed is
// read back from the engine's parsed model. The engine's own `console.error` reports (for
// example unpaired begin/end events) are collected and printed as `errors`.

import fs from 'node:fs';
import path from 'node:path';
import {pathToFileURL} from 'node:url';

const [engineDir, tracePath] = process.argv.slice(2);
if (!engineDir || !tracePath) {
  console.error('usage: node load.mjs ENGINE_DIR TRACE_JSON');
  process.exit(2);
}

const errors = [];
const consoleError = console.error;
console.error = (...args) => {
  errors.push(args.map(String).join(' '));
};

// The package's README: "To run in Node, you'll need to polyfill window.DOMRect".
globalThis.DOMRect ??= class DOMRect {
  constructor(x = 0, y = 0, width = 0, height = 0) {
    Object.assign(this, {x, y, width, height});
  }
};

const Trace = await import(pathToFileURL(path.join(engineDir, 'models/trace/trace.js')).href);
const file = JSON.parse(fs.readFileSync(tracePath, 'utf8'));
const model = Trace.TraceModel.Model.createWithAllHandlers();
await model.parse(file.traceEvents);
const parsed = model.parsedTrace();
const data = parsed.data;

const threadNames = [];
for (const [pid, threads] of data.Meta.threadsInProcess) {
  for (const [tid, meta] of threads) {
    threadNames.push({pid, tid, name: meta.args?.name ?? null});
  }
}

const threads = [];
for (const [pid, proc] of data.Renderer.processes) {
  for (const [tid, thread] of proc.threads) {
    threads.push({
      pid,
      tid,
      name: thread.name ?? null,
      slices: thread.entries.map(e => ({name: e.name, ph: e.ph, ts: e.ts, dur: e.dur ?? null})),
      treeRoots: thread.tree ? thread.tree.roots.size : 0,
    });
  }
}

const flows = data.Flows.flows.map(flow => flow.map(e => ({tid: e.tid, name: e.name, ts: e.ts})));

// The engine keeps counter (`C`) events among its parsed events; no handler of it draws a
// generic counter track, so they are read from there.
const counters = {};
for (const e of parsed.traceEvents) {
  if (e.ph === 'C') {
    (counters[e.name] ??= []).push(...Object.values(e.args ?? {}));
  }
}

const warnings = [...data.Warnings.perWarning.keys()];
process.stdout.write(JSON.stringify({
  traceIsGeneric: data.Meta.traceIsGeneric,
  events: parsed.traceEvents.length,
  threadNames,
  threads,
  flows,
  counters,
  warnings,
  errors,
}) + '\n');
console.error = consoleError;
