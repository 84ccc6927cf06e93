#!/usr/bin/env node
'use strict';
// What ward-mcp-proxy adds to an MCP tool call: the same `tools/call` sent by the SDK's Client
// straight to an upstream server, and through the proxy in front of it (both over stdio, the
// proxy starting the upstream), on the same machine in the same run. The upstream is the tools
// of examples/mcp-gateway (packages/mcp-proxy/test/fixtures/example-upstream.js); the call is
// `search` by the assistant for alice, which the example's policy allows.
//
//   node bench/mcp_proxy_latency.js [--calls N] [--warmup N]
//
// Prints one JSON line per path (median, p90, p99, mean in microseconds) and the added median
// and p99. Every proxied result must equal the direct one, apart from the proxy's `_meta.ward`
// (ALLOW), or it exits 1: the smoke run in CI (`--calls 50`) checks that.

const path = require('node:path');

const kRoot = path.resolve(__dirname, '..');
const kProxyDir = path.join(kRoot, 'packages', 'mcp-proxy');
const sdk = (module) => require(require.resolve(`@modelcontextprotocol/sdk/${module}`,
                                                {paths: [kProxyDir]}));
const {Client} = sdk('client/index.js');
const {StdioClientTransport} = sdk('client/stdio.js');

const kExample = path.join(kRoot, 'examples', 'mcp-gateway');
const kUpstream = path.join(kProxyDir, 'test', 'fixtures', 'example-upstream.js');

function option(name, fallback) {
  const at = process.argv.indexOf(name);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
}

async function connect(command, args) {
  const client = new Client({name: 'mcp-proxy-latency', version: '0.1.0'});
  await client.connect(new StdioClientTransport({command, args, env: process.env,
                                                 stderr: 'ignore'}));
  return client;
}

function summary(name, micros) {
  const sorted = [...micros].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  return {path: name, calls: sorted.length, median_us: Math.round(at(0.5)),
          p90_us: Math.round(at(0.9)), p99_us: Math.round(at(0.99)), mean_us: Math.round(mean)};
}

async function time(client, calls, warmup) {
  const results = [];
  const micros = [];
  for (let i = 0; i < warmup + calls; ++i) {
    const call = {name: 'search', arguments: {query: `q${i % 10}`}};
    const start = process.hrtime.bigint();
    const result = await client.callTool(call);
    const elapsed = Number(process.hrtime.bigint() - start) / 1000;
    if (i >= warmup) {
      micros.push(elapsed);
      results.push(result);
    }
  }
  return {micros, results};
}

async function main() {
  const calls = option('--calls', 2000);
  const warmup = option('--warmup', Math.min(200, calls));
  const direct = await connect(process.execPath, [kUpstream]);
  const proxied = await connect(process.execPath, [
    path.join(kProxyDir, 'bin', 'ward-mcp-proxy.js'), '--policy',
    path.join(kExample, 'schema.ward'), '--policy', path.join(kExample, 'rules.ward'),
    '--entities', path.join(kExample, 'entities.json'), '--agent', 'assistant', '--user', 'alice',
    '--', process.execPath, kUpstream]);

  // Alternate the two paths in rounds, so that both see the same machine load.
  const rounds = 10;
  const per = Math.ceil(calls / rounds);
  const timed = {direct: {micros: [], results: []}, proxied: {micros: [], results: []}};
  for (let round = 0; round < rounds; ++round) {
    for (const [name, client] of [['direct', direct], ['proxied', proxied]]) {
      const {micros, results} = await time(client, per, round === 0 ? warmup : 0);
      timed[name].micros.push(...micros);
      timed[name].results.push(...results);
    }
  }
  await direct.close();
  await proxied.close();

  let mismatches = 0;
  timed.proxied.results.forEach((result, i) => {
    const {_meta: meta, ...rest} = result;
    const expected = timed.direct.results[i];
    if (!meta || !meta.ward || meta.ward.effect !== 'ALLOW' ||
        JSON.stringify(rest) !== JSON.stringify(expected)) {
      ++mismatches;
      if (mismatches <= 3) {
        console.error(`call ${i}: through the proxy ${JSON.stringify(result)}, ` +
                      `direct ${JSON.stringify(expected)}`);
      }
    }
  });
  const a = summary('direct', timed.direct.micros);
  const b = summary('through ward-mcp-proxy', timed.proxied.micros);
  console.log(JSON.stringify(a));
  console.log(JSON.stringify(b));
  console.log(JSON.stringify({added_median_us: b.median_us - a.median_us,
                              added_p99_us: b.p99_us - a.p99_us, mismatches}));
  return mismatches === 0 ? 0 : 1;
}

main().then((status) => process.exit(status), (error) => {
  console.error(error.stack || error.message);
  process.exit(1);
});
