// The cost of a decision through the Node binding, on the agent-runtime example: an allowed
// tool call (bench/bindings/request.json, the request every binding's benchmark decides)
// decided again and again, as an object through engine.decide() and as JSON text through
// engine.decideJson(). Prints one JSON line per call:
//
//   {"binding":"node","call":"decide","request":"request.json","effect":"ALLOW",
//    "ns_per_decision":N,"decisions":N}
//
// Usage: node bench/bindings/node_overhead.mjs [--iterations N] [--request FILE]
//   (defaults: 200000, bench/bindings/request.json)
// The addon is found as bindings/node/index.js finds it (WARD_NODE_ADDON or the build tree).

import fs from 'node:fs';
import {createRequire} from 'node:module';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const ward = createRequire(import.meta.url)(path.join(root, 'bindings', 'node'));

function optionsFromArgs(argv) {
  const options = {iterations: 200000,
                   request: path.join(root, 'bench', 'bindings', 'request.json')};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const name = ['--iterations', '--request'].find(
        (flag) => arg === flag || arg.startsWith(`${flag}=`));
    const value = name === undefined ? undefined :
        arg === name ? argv[++i] : arg.slice(name.length + 1);
    if (name === undefined || value === undefined) {
      console.error(`node_overhead: unknown argument ${arg}\n` +
                    'usage: node_overhead.mjs [--iterations N] [--request FILE]');
      process.exit(2);
    }
    if (name === '--request') {
      options.request = value;
      continue;
    }
    options.iterations = Number(value);
    if (!Number.isSafeInteger(options.iterations) || options.iterations < 1) {
      console.error(`node_overhead: --iterations must be a positive integer, got ${value}`);
      process.exit(2);
    }
  }
  return options;
}

const {iterations, request: requestFile} = optionsFromArgs(process.argv.slice(2));
const example = path.join(root, 'examples', 'agent-runtime');
const engine = ward.Engine.fromFiles(
    [path.join(example, 'schema.ward'), path.join(example, 'rules.ward')],
    {entities: path.join(example, 'entities.json')});

const text = fs.readFileSync(requestFile, 'utf8');
const parsed = JSON.parse(text);
// The same request with the binding's field names.
const request = {subject: parsed.subject, action: parsed.action, resource: parsed.resource,
                 context: parsed.context, args: parsed.args, onBehalfOf: parsed.on_behalf_of,
                 now: parsed.now};

// The decision both calls must reach, in its canonical JSON form.
const expected = JSON.stringify(JSON.parse(engine.decideJson(text)));

function measure(call, decideOnce) {
  // Warm-up (a tenth as many): lets V8 optimise the loop and the engine settle its reused
  // storage.
  const warmup = Math.max(1, Math.floor(iterations / 10));
  for (let i = 0; i < warmup; i++) decideOnce();
  let last;
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) last = decideOnce();
  const elapsed = process.hrtime.bigint() - start;
  // Checked once, outside the timed loop: both call paths must reach the same decision.
  const decision = JSON.stringify(typeof last === 'string' ? JSON.parse(last) : last);
  if (decision !== expected) {
    console.error(`node_overhead: ${call} decided ${decision}, expected ${expected}`);
    process.exit(1);
  }
  const effect = JSON.parse(decision).effect;
  const ns = Number(elapsed) / iterations;
  console.log(JSON.stringify({binding: 'node', call, request: 'request.json', effect,
                              ns_per_decision: Math.round(ns * 10) / 10,
                              decisions: iterations}));
}

measure('decide', () => engine.decide(request));
measure('decide_json', () => engine.decideJson(text));
