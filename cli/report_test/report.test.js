'use strict';
// `ward report` in a real browser: writes the report of examples/agent-runtime (with decision
// logs that include an identity the inventory does not have), opens it in headless Chromium
// through puppeteer-core, and checks what it renders: a row per identity, a bar per ranked
// identity, the owner -> identity -> access graph, the findings, sorting, and no console
// errors. WARD_BIN is the `ward` binary; CHROMIUM the browser (default /usr/bin/chromium).

const assert = require('node:assert/strict');
const {execFileSync} = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {test} = require('node:test');

const puppeteer = require('puppeteer-core');

const kWard = process.env.WARD_BIN;
const kChromium = process.env.CHROMIUM || '/usr/bin/chromium';
const kExample = path.resolve(__dirname, '..', '..', 'examples', 'agent-runtime');
const kPolicy = ['--policy', path.join(kExample, 'schema.ward'),
                 '--policy', path.join(kExample, 'rules.ward')];
const kEntities = ['--entities', path.join(kExample, 'entities.json')];
const kNow = '2026-12-06T00:00:00Z';

function ward(args, input) {
  return execFileSync(kWard, args, {input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe']});
}

test('the report renders the inventory, the ranking, the graph and the findings', async () => {
  assert.ok(kWard && fs.existsSync(kWard), `WARD_BIN (${kWard}) is not the ward binary`);
  assert.ok(fs.existsSync(kChromium), `no Chromium at ${kChromium} (apt-get install chromium)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ward-report-'));
  const log = path.join(dir, 'decisions.log');
  ward(['eval', ...kPolicy, ...kEntities, '--requests', path.join(kExample, 'requests.jsonl'),
        '--decision-log', log]);
  // An identity the inventory does not have: a shadow identity. Its id would end a <script>
  // element if the page embedded its data unescaped.
  ward(['eval', ...kPolicy, ...kEntities, '--request', '-', '--decision-log', log],
       JSON.stringify({subject: {kind: 'agent', id: 'ghost</script><b>x'}, action: 'invoke',
                       resource: {type: 'tool', id: 'search'}, now: kNow}));
  const page = path.join(dir, 'report.html');
  ward(['report', ...kPolicy, ...kEntities, '--logs', log, '--now', kNow, '--top', '5',
        '-o', page]);
  const inventory = JSON.parse(ward(['inventory', ...kPolicy, ...kEntities, '--now', kNow,
                                     '--blast', '--format', 'json']));

  const browser = await puppeteer.launch({
    executablePath: kChromium, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  try {
    const tab = await browser.newPage();
    const problems = [];
    tab.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warn') problems.push(message.text());
    });
    tab.on('pageerror', (error) => problems.push(error.message));
    tab.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
    const requests = [];
    tab.on('request', (request) => requests.push(request.url()));
    await tab.goto('file://' + page, {waitUntil: 'load'});

    // One row per identity, with the blast score `ward inventory --blast` gives.
    const rows = await tab.$$eval('#inventory tbody tr.identity-row', (trs) => trs.map(
        (tr) => [...tr.children].map((td) => td.textContent)));
    assert.equal(rows.length, inventory.identities.length);
    for (const identity of inventory.identities) {
      const row = rows.find((cells) => cells[0] === identity.kind && cells[1] === identity.id);
      assert.ok(row, `no row for ${identity.kind}:${identity.id}`);
      assert.equal(row[8], String(identity.blast.score), `${identity.id}'s score`);
    }
    // The chart: --top bars, the first the highest score.
    const bars = await tab.$$eval('#blast-chart rect.bar', (rects) => rects.map(
        (r) => ({id: r.dataset.id, width: Number(r.getAttribute('width'))})));
    assert.equal(bars.length, 5);
    const best = [...inventory.identities].sort((a, b) => b.blast.score - a.blast.score)[0];
    assert.equal(bars[0].id, best.id);
    assert.ok(bars[0].width >= bars[4].width);
    // The graph: owners, identities and what they reach, joined by edges.
    for (const kind of ['owner', 'identity', 'target']) {
      const count = await tab.$$eval(`#reach-graph g.node.${kind}`, (nodes) => nodes.length);
      assert.ok(count > 0, `no ${kind} nodes in the graph`);
    }
    assert.ok(await tab.$$eval('#reach-graph path.edge', (edges) => edges.length) > 0);
    // Findings: the unowned agent, and the shadow identity, shown as text.
    const findings = await tab.$eval('#unowned', (ul) => ul.textContent);
    assert.match(findings, /agent:a31 \(unowned/);
    const shadow = await tab.$eval('#shadow', (ul) => ul.textContent);
    assert.match(shadow, /agent:ghost<\/script><b>x: 1 decision/);
    assert.equal(await tab.$$eval('b', (bold) => bold.filter((b) => b.textContent === 'x').length),
                 0);
    // Sorting: by score, highest first; by id, ascending.
    await tab.click('#inventory th[data-key="score"]');
    assert.equal(await tab.$eval('#inventory tbody tr', (tr) => tr.dataset.id), best.id);
    assert.equal(await tab.$eval('#inventory th[data-key="score"]',
                                 (th) => th.getAttribute('aria-sort')), 'descending');
    await tab.click('#inventory th[data-key="id"]');
    const ids = await tab.$$eval('#inventory tbody tr', (trs) => trs.map((tr) => tr.dataset.id));
    assert.deepEqual(ids, [...ids].sort((a, b) => a.localeCompare(b)));

    assert.deepEqual(problems, [], 'console errors or failed requests');
    assert.deepEqual(requests.filter((url) => !url.startsWith('file://')), [],
                     'the page loads nothing from the network');
  } finally {
    await browser.close();
    fs.rmSync(dir, {recursive: true, force: true});
  }
});
