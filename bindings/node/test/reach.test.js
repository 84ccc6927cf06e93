'use strict';
// Engine.whatMay: what an identity may do (docs/governance.md, "Blast radius").

const assert = require('node:assert/strict');
const path = require('node:path');
const {test} = require('node:test');

const ward = require('..');

const kExample = path.resolve(__dirname, '..', '..', '..', 'examples', 'agent-runtime');
const kPolicy = [path.join(kExample, 'schema.ward'), path.join(kExample, 'rules.ward')];
const kEntities = path.join(kExample, 'entities.json');
const kNow = '2026-12-01T00:00:00Z';

test('whatMay lists every access with its rules and condition', () => {
  const engine = ward.Engine.fromFiles(kPolicy, {entities: kEntities});
  const reach = engine.whatMay({kind: 'user', id: 'u8'}, {now: new Date(kNow)});
  assert.deepEqual(reach.subject, {kind: 'user', id: 'u8'});
  assert.equal(reach.reached, 12);
  const transfer = reach.accesses.find(
      (a) => a.action === 'invoke' && a.resource.id === 'payments.transfer');
  assert.deepEqual(transfer, {
    action: 'invoke', resource: {type: 'tool', id: 'payments.transfer'},
    effect: 'NEEDS_APPROVAL', condition: 'args has amount and args.amount <= 100000',
    rules: ['high-risk-needs-approval'], weight: 1,
  });
  // On behalf of a user, an agent reaches no more than both may.
  const a17 = engine.whatMay({kind: 'agent', id: 'a17'},
                             {onBehalfOf: [{kind: 'user', id: 'u3'}], now: kNow, context: {}});
  assert.deepEqual(a17.accesses.map((a) => a.resource.id).sort(),
                   ['calendar.read', 'calendar.write', 'search']);
  engine.close();
  assert.throws(() => engine.whatMay({kind: 'user', id: 'u8'}), ward.ClosedError);
});

test('whatMay says when the lifecycle guard stops an identity, and refuses bad queries', () => {
  const engine = ward.Engine.fromFiles(kPolicy, {entities: kEntities});
  const orphan = engine.whatMay({kind: 'agent', id: 'a31'}, {now: kNow});
  assert.deepEqual(orphan.stopped, {reason: 'unowned', identity: {kind: 'agent', id: 'a31'}});
  assert.deepEqual(orphan.accesses, []);
  assert.throws(() => engine.whatMay({kind: 'robot', id: 'x'}), ward.RequestError);
  assert.throws(() => engine.whatMay({kind: 'user', id: 'u8'}, {now: 'soon'}), ward.RequestError);
  assert.throws(() => engine.whatMay({kind: 'user', id: 'u8'}, {sensitivity: {tool: 'risk'}}),
                {message: /not a declared int attribute/});
  engine.close();
});
