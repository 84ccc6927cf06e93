// The benchmark's smoke check (ctest node_overhead_bench_smoke): with a tiny iteration count
// it runs, exits 0 and prints one well-formed JSON line per call. Nothing about timing.

import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';

const script = process.argv[2];
const run = spawnSync(process.execPath, [script, '--iterations', '50'], {encoding: 'utf8'});
assert.equal(run.status, 0, run.stderr);
const lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line));
assert.deepEqual(lines.map((line) => line.call), ['decide', 'decide_json']);
for (const line of lines) {
  assert.deepEqual(Object.keys(line),
                   ['binding', 'call', 'request', 'effect', 'ns_per_decision', 'decisions']);
  assert.equal(line.binding, 'node');
  assert.equal(line.request, 'request.json');
  // bench/bindings/request.json: agent a42 sends email for u5, allowed.
  assert.equal(line.effect, 'ALLOW');
  assert.equal(line.decisions, 50);
  assert.equal(typeof line.ns_per_decision, 'number');
  assert.ok(Number.isFinite(line.ns_per_decision) && line.ns_per_decision > 0);
}
// A bad flag is a usage error.
const bad = spawnSync(process.execPath, [script, '--iterations', 'many'], {encoding: 'utf8'});
assert.equal(bad.status, 2);
assert.match(bad.stderr, /--iterations must be a positive integer/);
console.log('node_overhead smoke: ok');
