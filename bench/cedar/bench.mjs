// ward and Cedar side by side on the agentgate workload (run it through run.sh).
//
//   node bench/cedar/bench.mjs --build-dir DIR [--scales 1,4,40] [--seed N] [--requests N]
//                              [--cedar-requests N] [--cedar-warmup N] [--work DIR]
//
// For each scale: writes the workload with DIR/bench/workload_dump, decides every request
// with Cedar (cedar-wasm: preparsePolicySet once, statefulIsAuthorized per request), checks
// each decision against the oracle's expected effect, times each one, then runs
// DIR/bench/ward_latency on the same scale and seed. Prints one table of both engines.
// Exits 1 when either engine disagrees with the oracle on any request it decided.
//
// Cedar's cost grows with the number of policies (every policy is evaluated for every
// request), so a full run at scale 40 takes minutes. --cedar-requests decides only the first
// N requests with Cedar (the table shows how many each engine decided); --cedar-warmup is
// the number of calls made before timing (default 1000: enough for the wasm code to reach its
// optimized tier, and a full pass would double the run time at scale 40).

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';

const require = createRequire(import.meta.url);
const cedar = require('@cedar-policy/cedar-wasm/nodejs');

function parseArgs(argv) {
  const args = {
    scales: [1, 4, 40],
    seed: 1,
    requests: 10000,
    cedarRequests: Infinity,
    cedarWarmup: 1000,
    buildDir: null,
    work: null,
  };
  for (let i = 2; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) usage();
    if (flag === '--scales') args.scales = value.split(/[ ,]+/).filter(Boolean).map(Number);
    else if (flag === '--seed') args.seed = Number(value);
    else if (flag === '--requests') args.requests = Number(value);
    else if (flag === '--cedar-requests') args.cedarRequests = Number(value);
    else if (flag === '--cedar-warmup') args.cedarWarmup = Number(value);
    else if (flag === '--build-dir') args.buildDir = path.resolve(value);
    else if (flag === '--work') args.work = path.resolve(value);
    else usage();
  }
  if (!args.buildDir || args.scales.some((s) => !(s >= 1))) usage();
  args.work ??= path.join(args.buildDir, 'bench', 'agentgate');
  return args;
}

function usage() {
  console.error('usage: bench.mjs --build-dir DIR [--scales 1,4,40] [--seed N] [--requests N]\n' +
    '                 [--cedar-requests N] [--cedar-warmup N] [--work DIR]');
  process.exit(2);
}

// Nearest-rank percentile of sorted nanoseconds.
function percentile(sorted, q) {
  const k = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[k - 1];
}

function readLines(file) {
  return readFileSync(file, 'utf8').split('\n').filter((line) => line.length > 0);
}

function runCedar(dir, scale, args) {
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  const policies = readFileSync(path.join(dir, 'cedar', 'policies.cedar'), 'utf8');
  const entities = JSON.parse(readFileSync(path.join(dir, 'cedar', 'entities.json'), 'utf8'));
  const requests = readLines(path.join(dir, 'cedar', 'requests.jsonl'))
    .slice(0, args.cedarRequests)
    .map((l) => JSON.parse(l));
  const expected = readLines(path.join(dir, 'expected.txt'));

  // Load: the policy set is parsed once and kept inside the module (entities cannot be kept
  // that way: each call below carries its own slice). The wasm code is compiled lazily and
  // optimized as it runs, so a first parse is several times slower than later ones; the load
  // time is the fastest of five parses of the same text, each replacing the last.
  const policySetId = `agentgate-${scale}`;
  let loadNs = Infinity;
  for (let k = 0; k < 5; k++) {
    const loadStart = process.hrtime.bigint();
    const parsed = cedar.preparsePolicySet(policySetId, { staticPolicies: policies });
    loadNs = Math.min(loadNs, Number(process.hrtime.bigint() - loadStart));
    if (parsed.type !== 'success') {
      throw new Error(`Cedar rejected the policies: ${JSON.stringify(parsed.errors).slice(0, 2000)}`);
    }
  }

  // Every call is built before timing starts, so that only Cedar's work is timed.
  const byUid = new Map(entities.map((e) => [`${e.uid.type}::${e.uid.id}`, e]));
  const calls = requests.map((r) => ({
    principal: r.principal,
    action: r.action,
    resource: r.resource,
    context: r.context,
    preparsedPolicySetId: policySetId,
    entities: r.slice.map((uid) => {
      const entity = byUid.get(`${uid.type}::${uid.id}`);
      if (!entity) throw new Error(`no entity ${uid.type}::${uid.id}`);
      return entity;
    }),
  }));

  for (let i = 0; i < Math.min(args.cedarWarmup, calls.length); i++) {
    cedar.statefulIsAuthorized(calls[i]);
  }

  const ns = new Float64Array(calls.length);
  const answers = new Array(calls.length);
  let lastReport = Date.now();
  for (let i = 0; i < calls.length; i++) {
    const start = process.hrtime.bigint();
    answers[i] = cedar.statefulIsAuthorized(calls[i]);
    ns[i] = Number(process.hrtime.bigint() - start);
    // A run at scale 40 takes minutes: say how far it is, outside the timed call.
    if (Date.now() - lastReport > 30000) {
      console.error(`scale ${scale}: cedar decided ${i + 1} of ${calls.length}`);
      lastReport = Date.now();
    }
  }

  let agree = 0;
  let errors = 0;
  const shown = [];
  for (let i = 0; i < calls.length; i++) {
    const answer = answers[i];
    let effect = 'ERROR';
    if (answer.type === 'success') {
      effect = answer.response.decision === 'allow' ? 'ALLOW' : 'DENY';
      // An erroring policy is skipped by Cedar; a skipped forbid would fail open, so any
      // error makes the run invalid, whatever the decision.
      if (answer.response.diagnostics.errors.length > 0) {
        errors++;
        effect = 'ERROR';
      }
    } else {
      errors++;
    }
    if (effect === expected[i]) agree++;
    else if (shown.length < 5) shown.push({ request: requests[i], expected: expected[i], answer });
  }
  for (const d of shown) console.error('cedar: disagreement:', JSON.stringify(d).slice(0, 2000));

  const sorted = Array.from(ns).sort((a, b) => a - b);
  const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
  return {
    engine: 'cedar',
    scale,
    rules: manifest.cedar_policies,
    requests: calls.length,
    agreement: agree / calls.length,
    errors,
    load_ms: loadNs / 1e6,
    median_ns: percentile(sorted, 0.5),
    p99_ns: percentile(sorted, 0.99),
    mean_ns: mean,
  };
}

function runWard(buildDir, scale, seed, requests) {
  const out = execFileSync(
    path.join(buildDir, 'bench', 'ward_latency'),
    ['--scale', String(scale), '--seed', String(seed), '--requests', String(requests)],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = JSON.parse(out.trim().split('\n').pop());
  return { ...line, load_ms: line.compile_ms };
}

function main() {
  const args = parseArgs(process.argv);
  const rows = [];
  let failed = false;
  for (const scale of args.scales) {
    const dir = path.join(args.work, `scale-${scale}-seed-${args.seed}`);
    mkdirSync(dir, { recursive: true });
    execFileSync(path.join(args.buildDir, 'bench', 'workload_dump'),
      ['--scale', String(scale), '--seed', String(args.seed), '--requests', String(args.requests),
        '--out', dir], { stdio: 'inherit' });
    const cedarRow = runCedar(dir, scale, args);
    let wardRow;
    try {
      wardRow = runWard(args.buildDir, scale, args.seed, args.requests);
    } catch (e) {
      // ward_latency exits 1 on a disagreement and still prints its line.
      if (!e.stdout) throw e;
      wardRow = JSON.parse(e.stdout.trim().split('\n').pop());
      wardRow.load_ms = wardRow.compile_ms;
    }
    rows.push(wardRow, cedarRow);
    failed ||= wardRow.agreement !== 1 || cedarRow.agreement !== 1;
    console.error(`scale ${scale}: ward ${wardRow.median_ns} ns, cedar ${cedarRow.median_ns} ns (median)`);
  }
  printTable(rows, args);
  process.exit(failed ? 1 : 0);
}

function printTable(rows, args) {
  const header = ['engine', 'scale', 'rules', 'requests', 'load ms', 'median ns', 'p99 ns',
    'agreement'];
  const body = rows.map((r) => [
    r.engine,
    String(r.scale),
    String(r.rules),
    String(r.requests),
    r.load_ms.toFixed(1),
    String(Math.round(r.median_ns)),
    String(Math.round(r.p99_ns)),
    `${(r.agreement * 100).toFixed(2)}%`,
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((row) => row[c].length)));
  const format = (cells) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c])
    : cell.padStart(widths[c]))).join('  ');
  const lines = [
    `agentgate, seed ${args.seed}; ` +
      `cedar-wasm ${cedar.getCedarVersion()}, node ${process.version}`,
    format(header),
    format(widths.map((w) => '-'.repeat(w))),
    ...body.map(format),
    '',
  ];
  for (const scale of args.scales) {
    const ward = rows.find((r) => r.engine === 'ward' && r.scale === scale);
    const cedarRow = rows.find((r) => r.engine === 'cedar' && r.scale === scale);
    lines.push(`scale ${scale}: Cedar's median is ${(cedarRow.median_ns / ward.median_ns).toFixed(1)}x ward's`);
  }
  lines.push(
    '',
    'ward: load = policy compile + entity load; decisions in-process (C++), one at a time.',
    'cedar: load = preparsePolicySet; Cedar cannot pre-load entities, so every call passes the',
    "request's entity slice (subject, its owner, resource, the user acted for) and its time",
    'includes reading that slice; decisions through the wasm module from Node.js.',
  );
  console.log(lines.join('\n'));
}

main();
