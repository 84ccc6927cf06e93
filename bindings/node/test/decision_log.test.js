'use strict';
// Decision logs from Node: every decision recorded as one JSON line, to a file or a
// JavaScript callback on the main thread.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {test} = require('node:test');

const ward = require('..');

const kExample = path.resolve(__dirname, '..', '..', '..', 'examples', 'agent-runtime');
const kPolicy = [path.join(kExample, 'schema.ward'), path.join(kExample, 'rules.ward')];
const kEntities = path.join(kExample, 'entities.json');
const kNow = '2026-12-01T00:00:00Z';

function toolCall(agent, tool, user) {
  return {subject: {kind: 'agent', id: agent}, action: 'invoke', resource: {type: 'tool', id: tool},
          onBehalfOf: [{kind: 'user', id: user}], now: kNow};
}

// Resolves once `records` holds `count` entries (the callback runs on later turns of the loop).
async function waitFor(records, count) {
  for (let i = 0; i < 500 && records.length < count; ++i) {
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

test('a callback log receives every decision on the main thread', async () => {
  const engine = ward.Engine.fromFiles(kPolicy, {entities: kEntities});
  const records = [];
  const log = ward.DecisionLog.toCallback((record) => records.push(record), {revision: 'r1'});
  engine.setDecisionLog(log);
  assert.equal(engine.decide(toolCall('a17', 'search', 'u3')).effect, 'ALLOW');
  assert.equal(engine.decide(toolCall('a17', 'shell', 'u3')).effect, 'DENY');
  log.flush();
  await waitFor(records, 2);
  assert.equal(records.length, 2);
  const [first, second] = records.map((r) => JSON.parse(r));
  assert.equal(first.v, 1);
  assert.equal(first.revision, 'r1');
  assert.deepEqual(first.subject, {kind: 'agent', id: 'a17'});
  assert.deepEqual(first.on_behalf_of, [{kind: 'user', id: 'u3'}]);
  assert.equal(first.effect, 'ALLOW');
  assert.equal(second.effect, 'DENY');
  assert.notEqual(first.decision_id, second.decision_id);
  assert.deepEqual(log.stats, {recorded: 2, dropped: 0, written: 2, failed: 0,
                               maxQueuedBytes: log.stats.maxQueuedBytes});
  engine.setDecisionLog(null);
  engine.decide(toolCall('a17', 'search', 'u3'));
  log.close();
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(records.length, 2);
  engine.close();
});

test('a file log at the full level carries args and context', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ward-node-log-'));
  const file = path.join(dir, 'decisions.log');
  const engine = ward.Engine.fromFiles(kPolicy, {entities: kEntities});
  const log = ward.DecisionLog.toFile(file, {level: 'full'});
  engine.setDecisionLog(log);
  const request = toolCall('a17', 'search', 'u3');
  request.context = {channel: 'chat'};
  engine.decide(request);
  log.close();
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  assert.equal(lines.length, 1);
  const record = JSON.parse(lines[0]);
  assert.equal(record.level, 'full');
  assert.deepEqual(record.context, {channel: 'chat'});
  assert.deepEqual(record.args, {});
  engine.close();
  fs.rmSync(dir, {recursive: true});
});

test('bad arguments are refused with a clear error', () => {
  assert.throws(() => ward.DecisionLog.toCallback('not a function'),
                {name: 'TypeError', message: /`callback` must be a function/});
  assert.throws(() => ward.DecisionLog.toStdout({level: 'loud'}),
                {message: /`loud` is not a level/});
  assert.throws(() => ward.DecisionLog.toStdout({colour: true}), TypeError);
  assert.throws(() => ward.DecisionLog.toFile('/nonexistent-dir/x.log'),
                {message: /nonexistent-dir/});
  assert.throws(() => new ward.DecisionLog(), TypeError);
  const engine = ward.Engine.fromFiles(kPolicy, {entities: kEntities});
  assert.throws(() => engine.setDecisionLog({}), {name: 'TypeError'});
  engine.close();
});

test('unknown identities are remembered with what they tried', () => {
  const engine = ward.Engine.fromFiles(kPolicy, {entities: kEntities});
  assert.deepEqual(engine.unknownIdentities(), []);
  for (const tool of ['search', 'search', 'shell']) {
    const request = toolCall('ghost', tool, 'u3');
    assert.equal(engine.decide(request).reason, 'unknown_identity');
  }
  const [ghost] = engine.unknownIdentities();
  assert.equal(ghost.kind, 'agent');
  assert.equal(ghost.id, 'ghost');
  assert.equal(ghost.count, 3);
  assert.equal(ghost.first_seen, kNow);
  assert.deepEqual(ghost.tried[0], {action: 'invoke', resource: {type: 'tool', id: 'search'},
                                    count: 2});
  engine.close();
  assert.throws(() => engine.unknownIdentities(), ward.ClosedError);
});
