// The page `ward report` writes: one self-contained HTML file (no network: its script and
// styles are inline, and its Content-Security-Policy forbids loading anything). The report's
// data goes in place of @WARD_DATA@ as JSON, with `<`, `>` and `&` escaped so that no string
// can end the script element; the script renders the summary, the blast-radius chart, the
// owner -> identity -> access graph, the findings and the sortable inventory table from it.

#include "cli/report_template.h"

namespace ward::cli {

const char kReportTemplate[] = R"ward_html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>ward governance report</title>
<style>
  body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 16px 24px; color: #1d2330; }
  h1 { font-size: 22px; margin-bottom: 4px; }
  h2 { font-size: 17px; margin-top: 32px; border-bottom: 1px solid #d8dce4; padding-bottom: 4px; }
  .meta { color: #5a6275; }
  .cards { display: flex; flex-wrap: wrap; gap: 10px; margin-top: 12px; }
  .card { border: 1px solid #d8dce4; border-radius: 6px; padding: 8px 14px; min-width: 110px; }
  .card b { display: block; font-size: 20px; }
  .card.warn b { color: #b3261e; }
  table { border-collapse: collapse; width: 100%; font-size: 13px; }
  th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eceef3; vertical-align: top; }
  th { cursor: pointer; user-select: none; background: #f5f6f9; position: sticky; top: 0; }
  th[aria-sort="ascending"]::after { content: " \25B2"; }
  th[aria-sort="descending"]::after { content: " \25BC"; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  .flag { display: inline-block; background: #fde7e4; color: #8c1d18; border-radius: 3px; padding: 0 5px; margin: 1px 2px 1px 0; font-size: 12px; }
  .lists { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 16px; }
  .lists ul { padding-left: 18px; margin: 4px 0; }
  .empty { color: #5a6275; font-style: italic; }
  svg text { font-size: 12px; fill: #1d2330; }
  .bar { fill: #3b6fd8; }
  .edge { fill: none; stroke: #9aa7c7; stroke-opacity: 0.7; }
  .node rect { fill: #eef2fb; stroke: #3b6fd8; }
  .node.owner rect { fill: #eaf6ee; stroke: #2e7d4f; }
  .node.target rect { fill: #fdf3e6; stroke: #b26a00; }
</style>
</head>
<body>
<h1>ward governance report</h1>
<div class="meta" id="meta"></div>
<div class="cards" id="summary"></div>

<h2>Blast radius: the identities that reach the most</h2>
<p class="meta">Each bar is the weighted number of (action, resource) pairs an identity may reach, alone and on behalf of its owner (<code>ward blast</code>).</p>
<svg id="blast-chart" role="img" aria-label="blast radius ranking"></svg>

<h2>Who reaches what: owners, identities, access</h2>
<p class="meta">For the identities with the largest blast radius: their owner, and the actions and resource types they reach (edge label: resources).</p>
<svg id="reach-graph" role="img" aria-label="owners, identities and what they reach"></svg>

<h2>Findings</h2>
<div class="lists">
  <section><h3>Unowned and orphaned</h3><ul id="unowned"></ul></section>
  <section><h3>Dormant</h3><ul id="dormant"></ul></section>
  <section><h3>Shadow identities (acting, not in the inventory)</h3><ul id="shadow"></ul></section>
</div>

<h2>Inventory</h2>
<p class="meta">Click a column to sort.</p>
<table id="inventory">
  <thead><tr>
    <th data-key="kind">kind</th><th data-key="id">id</th><th data-key="status">status</th>
    <th data-key="owner">owner</th><th data-key="expires_at">expires</th>
    <th data-key="flags">findings</th><th data-key="last_seen">last seen</th>
    <th data-key="reached" data-numeric="1">reached</th><th data-key="score" data-numeric="1">blast score</th>
  </tr></thead>
  <tbody></tbody>
</table>

<script type="application/json" id="ward-data">@WARD_DATA@</script>
<script>
'use strict';
(function () {
  const data = JSON.parse(document.getElementById('ward-data').textContent);
  const svgNs = 'http://www.w3.org/2000/svg';

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function svgEl(tag, attrs, text) {
    const node = document.createElementNS(svgNs, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  }
  const ref = (x) => x.kind + ':' + x.id;

  // Header and summary.
  const inventory = data.inventory;
  document.getElementById('meta').textContent =
      'Generated at ' + data.generated_at + ' for the policy ' + data.policy +
      ' (' + data.policy_files.join(', ') + ') and the inventory ' + data.entities +
      (data.logs.length ? '; decision logs: ' + data.logs.join(', ') : '; no decision logs') + '.';
  const summary = document.getElementById('summary');
  const card = (label, value, warn) => {
    const c = el('div', {class: 'card' + (warn && value > 0 ? ' warn' : '')});
    c.appendChild(el('b', {}, String(value)));
    c.appendChild(document.createTextNode(label));
    summary.appendChild(c);
  };
  card('users', inventory.summary.users || 0);
  card('agents', inventory.summary.agents || 0);
  card('builders', inventory.summary.builders || 0);
  for (const flag of ['unowned', 'orphaned', 'owner-chain', 'never-expires', 'expired', 'inactive']) {
    if (inventory.summary[flag] !== undefined) card(flag, inventory.summary[flag], true);
  }
  if (data.shadow) card('shadow', data.shadow.length, true);
  if (data.dormant) card('dormant', data.dormant.length, true);

  // Blast-radius ranking: one bar per identity.
  (function chart() {
    const svg = document.getElementById('blast-chart');
    const rows = data.ranking;
    const rowHeight = 22, labelWidth = 220, width = 900;
    const max = Math.max(1, ...rows.map((r) => r.score));
    svg.setAttribute('width', width);
    svg.setAttribute('height', Math.max(rowHeight, rows.length * rowHeight) + 8);
    rows.forEach((r, i) => {
      const y = i * rowHeight + 4;
      const w = Math.max(1, Math.round((width - labelWidth - 80) * r.score / max));
      svg.appendChild(svgEl('text', {x: 0, y: y + 14}, ref(r)));
      const bar = svgEl('rect', {class: 'bar', x: labelWidth, y: y, width: w, height: rowHeight - 6,
                                 'data-id': r.id});
      bar.appendChild(svgEl('title', {}, ref(r) + ': score ' + r.score + ', ' + r.reached + ' reached'));
      svg.appendChild(bar);
      svg.appendChild(svgEl('text', {x: labelWidth + w + 6, y: y + 14}, String(r.score)));
    });
  })();

  // Owners -> identities -> what they reach.
  (function graph() {
    const svg = document.getElementById('reach-graph');
    const columns = [[], [], []];
    const index = new Map();
    const edges = [];
    const node = (column, key, label, cls) => {
      if (!index.has(key)) {
        index.set(key, {column, row: columns[column].length, label, cls});
        columns[column].push(key);
      }
      return key;
    };
    for (const g of data.graph) {
      const who = node(1, 'i:' + ref(g), ref(g), 'identity');
      if (g.owner) edges.push([node(0, 'o:' + g.owner, 'user:' + g.owner, 'owner'), who, '']);
      for (const t of g.targets) {
        edges.push([who, node(2, 't:' + t.action + ' ' + t.type, t.action + ' ' + t.type, 'target'),
                    String(t.resources)]);
      }
    }
    const rowHeight = 34, boxWidth = 200, gap = 150;
    const height = Math.max(1, ...columns.map((c) => c.length)) * rowHeight + 10;
    svg.setAttribute('width', 3 * boxWidth + 2 * gap + 10);
    svg.setAttribute('height', height);
    const position = (key) => {
      const n = index.get(key);
      return {x: 5 + n.column * (boxWidth + gap), y: 5 + n.row * rowHeight};
    };
    for (const [from, to, label] of edges) {
      const a = position(from), b = position(to);
      const x1 = a.x + boxWidth, y1 = a.y + 12, x2 = b.x, y2 = b.y + 12;
      svg.appendChild(svgEl('path', {class: 'edge', d: 'M' + x1 + ',' + y1 + ' C' + (x1 + gap / 2) + ',' + y1 +
                                     ' ' + (x2 - gap / 2) + ',' + y2 + ' ' + x2 + ',' + y2}));
      if (label) svg.appendChild(svgEl('text', {class: 'edge-label', x: x1 + 8, y: y1 - 4}, label));
    }
    for (const [key, n] of index) {
      const p = position(key);
      const g = svgEl('g', {class: 'node ' + n.cls});
      g.appendChild(svgEl('rect', {x: p.x, y: p.y, width: boxWidth, height: 24, rx: 4}));
      g.appendChild(svgEl('text', {x: p.x + 6, y: p.y + 16}, n.label));
      svg.appendChild(g);
    }
  })();

  // Findings.
  function fill(id, items, render) {
    const list = document.getElementById(id);
    if (items === null) {
      list.appendChild(el('li', {class: 'empty'}, 'no decision logs given'));
    } else if (items.length === 0) {
      list.appendChild(el('li', {class: 'empty'}, 'none'));
    } else {
      for (const item of items) list.appendChild(el('li', {}, render(item)));
    }
  }
  fill('unowned', inventory.identities.filter((i) => i.flags.some(
           (f) => f === 'unowned' || f === 'orphaned' || f === 'owner-chain')),
       (i) => ref(i) + ' (' + i.flags.join(', ') + (i.owner ? '; owner ' + i.owner : '') + ')');
  fill('dormant', data.dormant || null,
       (i) => ref(i) + (i.last_seen ? ': last seen ' + i.last_seen : ': never seen'));
  fill('shadow', data.shadow || null,
       (i) => ref(i) + ': ' + i.decisions + (i.decisions === 1 ? ' decision' : ' decisions') +
              ', last ' + i.last_seen);

  // The inventory table, sortable by any column.
  const tbody = document.querySelector('#inventory tbody');
  const rows = inventory.identities.map((i) => ({
    kind: i.kind, id: i.id, status: i.status, owner: i.owner || '', expires_at: i.expires_at || '',
    flags: i.flags, last_seen: i.last_seen || '', reached: i.blast ? i.blast.reached : 0,
    score: i.blast ? i.blast.score : 0,
  }));
  function render() {
    tbody.textContent = '';
    for (const r of rows) {
      const tr = el('tr', {class: 'identity-row', 'data-id': r.id});
      for (const key of ['kind', 'id', 'status', 'owner', 'expires_at']) tr.appendChild(el('td', {}, r[key]));
      const flags = el('td');
      for (const f of r.flags) flags.appendChild(el('span', {class: 'flag'}, f));
      tr.appendChild(flags);
      tr.appendChild(el('td', {}, r.last_seen || (data.logs.length ? 'never' : '')));
      tr.appendChild(el('td', {class: 'num'}, String(r.reached)));
      tr.appendChild(el('td', {class: 'num'}, String(r.score)));
      tbody.appendChild(tr);
    }
  }
  for (const th of document.querySelectorAll('#inventory th')) {
    th.addEventListener('click', () => {
      const key = th.dataset.key;
      const descending = th.getAttribute('aria-sort') === 'ascending' ||
                         (th.dataset.numeric && !th.hasAttribute('aria-sort'));
      for (const other of document.querySelectorAll('#inventory th')) other.removeAttribute('aria-sort');
      th.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
      const value = (r) => Array.isArray(r[key]) ? r[key].join(' ') : r[key];
      rows.sort((a, b) => {
        const x = value(a), y = value(b);
        const order = typeof x === 'number' ? x - y : String(x).localeCompare(String(y));
        return (descending ? -order : order) || a.id.localeCompare(b.id);
      });
      render();
    });
  }
  render();
})();
</script>
</body>
</html>
)ward_html";

}  // namespace ward::cli
