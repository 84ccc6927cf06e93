'use strict';
// The binding's API on the agent-runtime example: decisions, their JSON, explanations,
// redaction, entity updates, reload, bundles and close.

const assert = require('node:assert/strict');
const {execFileSync} = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {test} = require('node:test');

const ward = require('..');

const kExample = path.resolve(__dirname, '..', '..', '..', 'examples', 'agent-runtime');
const kPolicy = [path.join(kExample, 'schema.ward'), path.join(kExample, 'rules.ward')];
const kEntities = path.join(kExample, 'entities.json');
const kNow = '2026-12-01T00:00:00Z';

function open() {
  return ward.Engine.fromFiles(kPolicy, {entities: kEntities});
}

function toolCall(agent, tool, user, args) {
  const request = {subject: {kind: 'agent', id: agent}, action: 'invoke',
                   resource: {type: 'tool', id: tool}, now: kNow};
  if (user !== undefined) request.onBehalfOf = [{kind: 'user', id: user}];
  if (args !== undefined) request.args = args;
  return request;
}

function withoutPolicy(decision) {
  const copy = {...decision};
  delete copy.policy;
  return copy;
}

test('decide allows a scoped tool call with its obligations', () => {
  const engine = open();
  const decision = engine.decide(toolCall('a17', 'search', 'u3'));
  assert.ok(decision instanceof ward.Decision);
  assert.equal(decision.effect, 'ALLOW');
  assert.equal(decision.allowed, true);
  assert.equal(decision.reason, 'permitted');
  assert.equal(decision.deniedBy, null);
  assert.deepEqual(decision.rules,
                   ['a17-scope', 'agents-within-task-scope', 'users-delegate-tools']);
  assert.deepEqual(decision.obligations, {
    redact: [{pattern: 'sk-[A-Za-z0-9]{20,}', replacement: '[SECRET]'}],
    limits: {},
    log: 'summary',
  });
  assert.deepEqual(decision.errors, []);
  assert.match(decision.policy, /^[0-9a-f]{16}$/);
  assert.equal(decision.redact('key sk-ABCDEFGHIJKLMNOPQRSTUVWX here'), 'key [SECRET] here');
});

test('decide names the identity that denied', () => {
  const engine = open();
  // u7 is a contractor: no outbound email, even through an agent.
  const decision = engine.decide(toolCall('a42', 'email.send', 'u7'));
  assert.equal(decision.effect, 'DENY');
  assert.equal(decision.reason, 'forbidden');
  assert.deepEqual(decision.deniedBy, {kind: 'user', id: 'u7'});
  assert.deepEqual(decision.rules, ['contractors-no-outbound-email']);
  assert.equal(decision.obligations, null);
  assert.throws(() => decision.redact('text'), ward.WardError);
});

test('a high-risk tool needs approval: a digest, then a grant, once', () => {
  const {privateKey, publicKey} = ward.generateSigningKey();
  assert.equal(ward.publicKeyOf(privateKey), publicKey);
  const engine = ward.Engine.fromFiles(kPolicy, {entities: kEntities, approvalKeys: [publicKey]});
  const call = toolCall('a42', 'payments.transfer', 'u5', {amount: 2500, currency: 'EUR'});
  delete call.now;  // grants are checked against the clock
  const waiting = engine.decide(call);
  assert.equal(waiting.effect, 'NEEDS_APPROVAL');
  assert.equal(waiting.reason, 'approval_required');
  assert.deepEqual(waiting.rules, ['high-risk-needs-approval']);
  assert.match(waiting.approvalDigest, /^[0-9a-f]{64}$/);
  assert.equal(waiting.approvedBy, null);
  assert.equal(waiting.obligations, null);
  assert.deepEqual(waiting.toJSON().approval, {digest: waiting.approvalDigest});
  // The digest, without deciding; the order of the arguments does not matter.
  assert.equal(engine.approvalDigest({...call, args: {currency: 'EUR', amount: 2500}}),
               waiting.approvalDigest);
  assert.equal(engine.approvalDigest(JSON.stringify({...call, onBehalfOf: undefined,
                                                     on_behalf_of: call.onBehalfOf})),
               waiting.approvalDigest);

  const token = engine.approve(waiting.approvalDigest, {approver: 'u8', key: privateKey});
  assert.equal(engine.usedGrantCount, 0);
  const approved = engine.decide({...call, approval: token});
  assert.equal(approved.effect, 'ALLOW');
  assert.deepEqual(approved.approvedBy, {kind: 'user', id: 'u8'});
  assert.deepEqual(approved.toJSON().approved_by, {kind: 'user', id: 'u8'});
  assert.equal(engine.usedGrantCount, 1);
  const again = engine.decide({...call, approval: token});
  assert.equal(again.effect, 'NEEDS_APPROVAL');
  assert.equal(again.errors[0].rule, '');
  assert.match(again.errors[0].message, /already used/);
  // Without an amount the cap forbids the transfer: rules read the args.
  const noAmount = engine.decide(toolCall('a42', 'payments.transfer', 'u5'));
  assert.deepEqual([noAmount.effect, noAmount.rules], ['DENY', ['transfer-cap']]);
});

test('signed bundles load only with a trusted key', () => {
  const engine = open();
  const {privateKey, publicKey} = ward.generateSigningKey();
  const other = ward.generateSigningKey();
  const signed = engine.toBundle({key: privateKey});
  const unsigned = engine.toBundle();
  assert.ok(Buffer.isBuffer(signed) && Buffer.isBuffer(unsigned));
  const loaded = ward.Engine.fromBundle(signed, {entities: kEntities, trustedKeys: [publicKey]});
  const request = toolCall('a17', 'search', 'u3');
  assert.deepEqual(loaded.decide(request), engine.decide(request));
  for (const bad of [unsigned, engine.toBundle({key: other.privateKey})]) {
    assert.throws(() => ward.Engine.fromBundle(bad, {trustedKeys: [publicKey]}), (error) => {
      assert.ok(error instanceof ward.BundleError);
      assert.ok(error instanceof ward.PolicyError);
      return true;
    });
  }
  ward.Engine.fromBundle(unsigned);  // no trusted keys: any bundle that verifies
  // The engine's trusted keys hold for reloads too.
  assert.throws(() => loaded.reload({bundle: unsigned}), ward.BundleError);
  loaded.reload({bundle: signed});
  assert.throws(() => ward.Engine.fromBundle(signed, {trustedKeys: [privateKey]}),
                ward.SigningKeyError);
  assert.throws(() => engine.toBundle({key: publicKey}), ward.SigningKeyError);
});

test('replaceEntities replaces the whole store', () => {
  const engine = open();
  const request = toolCall('a17', 'search', 'u3');
  engine.replaceEntities({identities: [], resources: []});
  assert.equal(engine.decide(request).reason, 'unknown_identity');
  engine.replaceEntities(fs.readFileSync(kEntities, 'utf8'));
  assert.equal(engine.decide(request).effect, 'ALLOW');
  assert.throws(() => engine.replaceEntities('{'), ward.EntityError);
  assert.equal(engine.decide(request).effect, 'ALLOW');  // a failed replace changes nothing
});

test('decideJson prints what `ward eval` prints, for every example request', () => {
  const engine = open();
  const lines = (file) => fs.readFileSync(path.join(kExample, file), 'utf8').trim().split('\n');
  const requests = lines('requests.jsonl');
  const expected = lines('expected.jsonl');
  assert.equal(requests.length, expected.length);
  requests.forEach((line, i) => {
    const actual = JSON.parse(engine.decideJson(line));
    const want = JSON.parse(expected[i]);
    // The digest covers the policy hash, which depends on the source names (paths) given.
    if (want.approval !== undefined && actual.approval !== undefined) {
      assert.equal(actual.approval.digest, engine.approvalDigest(line));
      want.approval = actual.approval;
    }
    assert.deepEqual(withoutPolicy(actual), withoutPolicy(want), line);
    // The structured form decides the same.
    const object = JSON.parse(line);
    if (object.on_behalf_of) {
      object.onBehalfOf = object.on_behalf_of;
      delete object.on_behalf_of;
    }
    assert.deepEqual(JSON.parse(JSON.stringify(engine.decide(object))), actual, line);
  });
});

test('now may be a Date, and the decision JSON keeps the contract key order', () => {
  const engine = open();
  const request = toolCall('a17', 'calendar.read', 'u3');
  const asText = engine.decide(request);
  const asDate = engine.decide({...request, now: new Date(kNow)});
  assert.deepEqual(asDate, asText);
  // a20 expired on 2026-11-30: the time of the decision matters.
  const before = engine.decide({...toolCall('a20', 'search'), now: new Date('2026-11-01')});
  const after = engine.decide({...toolCall('a20', 'search'), now: new Date('2026-12-01')});
  assert.equal(before.effect, 'ALLOW');
  assert.equal(after.effect, 'DENY');
  assert.equal(after.reason, 'lifecycle');
  assert.deepEqual(Object.keys(JSON.parse(engine.decideJson(JSON.stringify(
                       {...toolCall('a20', 'search'), now: kNow})))),
                   ['effect', 'reason', 'denied_by', 'rules', 'errors', 'policy']);
});

test('explain returns the decision and a trace of every principal', () => {
  const lapsed = open().explain(toolCall('a20', 'search'));
  assert.equal(lapsed.trace[0].guard, 'lifecycle');
  const engine = open();
  const {decision, trace, traceText} = engine.explain(toolCall('a17', 'search', 'u3'));
  assert.equal(decision.effect, 'ALLOW');
  assert.deepEqual(trace.map((p) => p.role), ['subject', 'on_behalf_of[0]']);
  assert.deepEqual(trace[0].identity, {kind: 'agent', id: 'a17'});
  assert.equal(trace[0].guard, null);
  const scope = trace[0].candidates.find((c) => c.rule === 'a17-scope');
  assert.equal(scope.effect, 'permit');
  assert.equal(scope.outcome, 'holds');
  assert.match(traceText, /a17-scope/);
  // Text requests are explained too, parsed as decideJson parses them.
  const fromText = engine.explain(JSON.stringify({...toolCall('a17', 'search'), context: {}}));
  assert.equal(fromText.decision.effect, 'ALLOW');
});

test('entity updates take effect on the next decision', () => {
  const engine = open();
  engine.upsertIdentity({kind: 'agent', id: 'a99', owner: 'u3', status: 'active',
                         attrs: {task_scope: ['search'], model: 'small'}});
  assert.equal(engine.decide(toolCall('a99', 'search')).effect, 'ALLOW');
  engine.revoke('a99');
  const revoked = engine.decide(toolCall('a99', 'search'));
  assert.equal(revoked.effect, 'DENY');
  assert.equal(revoked.reason, 'lifecycle');
  engine.removeIdentity('a99');
  assert.equal(engine.decide(toolCall('a99', 'search')).reason, 'unknown_identity');

  engine.upsertResource(JSON.stringify({type: 'tool', id: 'search',
                                        attrs: {risk: 'high', min_clearance: 0}}));
  assert.equal(engine.decide(toolCall('a17', 'search')).effect, 'NEEDS_APPROVAL');
  engine.removeResource('tool', 'search');
  assert.throws(() => engine.removeResource('tool', 'search'), ward.NotFoundError);
  assert.throws(() => engine.revoke('nobody'), ward.NotFoundError);
  assert.throws(() => engine.removeIdentity('nobody'), ward.NotFoundError);
  assert.throws(() => engine.upsertIdentity({kind: 'robot', id: 'r1', status: 'active'}),
                ward.EntityError);
});

test('decide() of requests that change one id at a time matches decideJson()', () => {
  // decide() keeps one request builder per engine, which remembers what the ids it holds
  // named: each change must be seen.
  const engine = open();
  const calls = [toolCall('a17', 'search'), toolCall('a17', 'search'),
                 toolCall('a17', 'search', 'u3'), toolCall('a17', 'search', 'nobody'),
                 toolCall('a17', 'search', 'u3'), toolCall('a42', 'search', 'u3'),
                 toolCall('a42', 'missing-tool', 'u3'), toolCall('nobody', 'search'),
                 toolCall('a17', 'search')];
  const effects = new Set();
  for (const call of calls) {
    const decided = engine.decide(call);
    const {onBehalfOf, ...rest} = call;
    const text = JSON.stringify(onBehalfOf === undefined ? rest
                                                         : {...rest, on_behalf_of: onBehalfOf});
    const fromText = JSON.parse(engine.decideJson(text));
    assert.deepEqual([decided.effect, decided.reason, decided.rules],
                     [fromText.effect, fromText.reason, fromText.rules], JSON.stringify(call));
    effects.add(`${decided.effect} ${decided.reason}`);
  }
  assert.ok(effects.size >= 3, [...effects].join(', '));
});

test('reload replaces the policy and keeps it when the new one is invalid', () => {
  const engine = open();
  const schema = fs.readFileSync(kPolicy[0], 'utf8');
  engine.reload({sources: [{name: 'schema.ward', text: schema},
                           {name: 'rules.ward', text: 'permit agent "a42" to invoke on tool;\n'}]});
  assert.equal(engine.decide(toolCall('a17', 'search')).reason, 'no_matching_permit');
  const a42 = engine.decide(toolCall('a42', 'search'));
  assert.deepEqual(a42.rules, ['rules.ward:1']);
  assert.throws(() => engine.reload({sources: [{name: 'bad.ward', text: 'permit nobody;'}]}),
                ward.PolicyError);
  assert.deepEqual(engine.decide(toolCall('a42', 'search')).rules, ['rules.ward:1']);
  engine.reload(kPolicy);
  assert.equal(engine.decide(toolCall('a17', 'search')).effect, 'ALLOW');
});

test('fromSources takes entities as text or as an object', () => {
  const sources = kPolicy.map((file) => ({name: file, text: fs.readFileSync(file, 'utf8')}));
  const entities = JSON.parse(fs.readFileSync(kEntities, 'utf8'));
  const fromObject = ward.Engine.fromSources(sources, {entitiesJson: entities});
  const fromText = ward.Engine.fromSources(sources, {entitiesJson: JSON.stringify(entities)});
  const request = toolCall('a17', 'search', 'u3');
  assert.deepEqual(fromObject.decide(request), fromText.decide(request));
  assert.deepEqual(fromObject.decide(request), open().decide(request));
  // Without entities every identity is unknown.
  assert.equal(ward.Engine.fromSources(sources).decide(request).reason, 'unknown_identity');
});

// The `ward` command compiles the bundle; the test is skipped where it is not built, except
// under ctest (WARD_REQUIRE_TOOLS=1), where a missing command is a failure.
const kCli = process.env.WARD_CLI && fs.existsSync(process.env.WARD_CLI) ? process.env.WARD_CLI :
                                                                           null;
const kRequireTools = process.env.WARD_REQUIRE_TOOLS === '1';

test('a compiled bundle decides as its policy',
     {skip: kCli === null && !kRequireTools && 'no `ward` command (WARD_CLI)'}, () => {
       assert.ok(kCli !== null, `WARD_CLI names no built \`ward\` command: ${process.env.WARD_CLI}`);
       const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ward-node-'));
       try {
         const bundle = path.join(dir, 'policy.bundle');
         execFileSync(kCli, ['compile', ...kPolicy, '-o', bundle]);
         const fromPath = ward.Engine.fromBundle(bundle, {entities: kEntities});
         const fromBytes = ward.Engine.fromBundle(fs.readFileSync(bundle), {entities: kEntities});
         const request = toolCall('a17', 'search', 'u3');
         const expected = open().decide(request);
         assert.deepEqual(fromPath.decide(request), expected);
         assert.deepEqual(fromBytes.decide(request), expected);
         // A truncated or altered bundle is rejected with a clear error.
         const bytes = fs.readFileSync(bundle);
         assert.throws(() => ward.Engine.fromBundle(bytes.subarray(0, bytes.length - 7)),
                       ward.BundleError);
         const altered = Buffer.from(bytes);
         altered[altered.length >> 1] ^= 0x5a;
         assert.throws(() => ward.Engine.fromBundle(altered), ward.BundleError);
       } finally {
         fs.rmSync(dir, {recursive: true, force: true});
       }
     });

test('close releases the engine and later calls throw ClosedError', () => {
  const engine = open();
  assert.equal(engine.closed, false);
  engine.close();
  engine.close();
  assert.equal(engine.closed, true);
  const request = toolCall('a17', 'search');
  assert.throws(() => engine.decide(request), ward.ClosedError);
  assert.throws(() => engine.decideJson(JSON.stringify(request)), ward.ClosedError);
  assert.throws(() => engine.explain(request), ward.ClosedError);
  assert.throws(() => engine.revoke('a17'), ward.ClosedError);
  assert.throws(() => engine.upsertIdentity({kind: 'user', id: 'x', status: 'active'}),
                ward.ClosedError);
  assert.throws(() => engine.reload(kPolicy), ward.ClosedError);
  assert.throws(() => engine.warnings, ward.ClosedError);
  assert.throws(() => engine.approvalDigest(request), ward.ClosedError);
  assert.throws(() => engine.usedGrantCount, ward.ClosedError);
  assert.throws(() => engine.replaceEntities({}), ward.ClosedError);
  assert.throws(() => engine.toBundle(), ward.ClosedError);
  assert.throws(() => engine.approve('ab'.repeat(32), {approver: 'u8',
                                                       key: ward.generateSigningKey().privateKey}),
                ward.ClosedError);
  assert.ok(ward.EngineClosedError === ward.ClosedError);
});

test('the engine cannot be constructed directly', () => {
  assert.throws(() => new ward.Engine(), TypeError);
});

test('the addon loads and decides in worker threads too', async () => {
  const {Worker} = require('node:worker_threads');
  const source = `
    const {parentPort, workerData} = require('node:worker_threads');
    const ward = require(workerData.binding);
    const engine = ward.Engine.fromFiles(workerData.policy, {entities: workerData.entities});
    parentPort.postMessage(engine.decide(workerData.request).effect);
  `;
  const effects = await Promise.all([0, 1].map(() => new Promise((resolve, reject) => {
    const worker = new Worker(source, {eval: true, workerData: {
      binding: path.resolve(__dirname, '..'), policy: kPolicy, entities: kEntities,
      request: toolCall('a17', 'search', 'u3')}});
    worker.once('message', resolve);
    worker.once('error', reject);
  })));
  assert.deepEqual(effects, ['ALLOW', 'ALLOW']);
});
