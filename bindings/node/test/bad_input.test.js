'use strict';
// Bad input gets a clear error, never a crash: malformed requests, wrong argument types,
// unknown identities, huge strings, invalid policies, invalid entities, corrupted bundles.

const assert = require('node:assert/strict');
const path = require('node:path');
const {test} = require('node:test');

const ward = require('..');

const kExample = path.resolve(__dirname, '..', '..', '..', 'examples', 'agent-runtime');
const kPolicy = [path.join(kExample, 'schema.ward'), path.join(kExample, 'rules.ward')];
const kEntities = path.join(kExample, 'entities.json');

function open() {
  return ward.Engine.fromFiles(kPolicy, {entities: kEntities});
}

const kGood = {subject: {kind: 'agent', id: 'a17'}, action: 'invoke',
               resource: {type: 'tool', id: 'search'}, now: '2026-12-01T00:00:00Z'};

test('wrong argument types throw TypeError naming the argument', () => {
  const engine = open();
  const cases = [
    [undefined, /`request` must be an object/],
    ['text', /`request` must be an object/],
    [[kGood], /`request` must be an object/],
    [{...kGood, subject: 'a17'}, /`request.subject` must be an object/],
    [{...kGood, subject: {kind: 'agent', id: 17}}, /`request.subject.id` must be a string/],
    [{...kGood, subject: {kind: 1, id: 'a17'}}, /`request.subject.kind` must be a string/],
    [{...kGood, action: undefined}, /`request.action` must be a string/],
    [{...kGood, resource: null}, /`request.resource` must be an object/],
    [{...kGood, resource: {type: 'tool'}}, /`request.resource.id` must be a string/],
    [{...kGood, context: 'approved'}, /`request.context` must be an object/],
    [{...kGood, context: {f: () => 1}}, /`request.context.f` must be a JSON value/],
    [{...kGood, context: {s: Symbol('s')}}, /`request.context.s`/],
    [{...kGood, onBehalfOf: {kind: 'user', id: 'u3'}}, /`request.onBehalfOf` must be an array/],
    [{...kGood, onBehalfOf: [null]}, /`request.onBehalfOf\[0\]` must be an object/],
    [{...kGood, now: 12}, /`request.now` must be a Date or an RFC 3339 string/],
  ];
  for (const [request, message] of cases) {
    assert.throws(() => engine.decide(request), (error) => {
      assert.ok(error instanceof TypeError, `${error} for ${JSON.stringify(request)}`);
      assert.match(error.message, message);
      return true;
    });
  }
  assert.throws(() => engine.decideJson({}), /`text` must be a string/);
  assert.throws(() => engine.revoke(3), /`id` must be a string/);
  assert.throws(() => engine.removeResource('tool'), /`id` must be a string/);
  assert.throws(() => engine.upsertIdentity(42), /`identity` must be an object/);
  assert.throws(() => ward.Engine.fromFiles(42), /`files` must be an array/);
  assert.throws(() => ward.Engine.fromSources('x'), /`sources` must be an array/);
  assert.throws(() => ward.Engine.fromSources([{name: 'a'}]), /`sources\[0\].text`/);
  assert.throws(() => ward.Engine.fromBundle(42), /`bundle` must be a path/);
  assert.throws(() => ward.Engine.fromFiles(kPolicy, {entities: 3}), /`options.entities`/);
  assert.throws(() => ward.Engine.fromFiles(kPolicy, null), /`options` must be an object/);
});

test('invalid requests throw RequestError saying what is wrong', () => {
  const engine = open();
  const cases = [
    [{...kGood, subject: {kind: 'robot', id: 'r'}}, /unknown subject kind `robot`/],
    [{...kGood, subject: {kind: 'agent', id: ''}}, /`request.subject.id` is empty/],
    [{...kGood, subject: {kind: 'agent', id: 'a17', name: 'x'}}, /unknown field `name`/],
    [{...kGood, on_behalf_of: [{kind: 'user', id: 'u3'}]},
     /unknown field `on_behalf_of`.*onBehalfOf/],
    [{...kGood, resource: {type: 'tool', id: 'search', risk: 'low'}}, /unknown field `risk`/],
    [{...kGood, onBehalfOf: Array(9).fill({kind: 'user', id: 'u3'})}, /at most 8/],
    [{...kGood, now: 'yesterday'}, /`request.now`/],
    [{...kGood, now: new Date('not a date')}, /invalid Date/],
    [{...kGood, context: {big: 2n ** 70n}}, /64-bit integer range/],
  ];
  for (const [request, message] of cases) {
    assert.throws(() => engine.decide(request), (error) => {
      assert.ok(error instanceof ward.RequestError, `${error}`);
      assert.ok(error instanceof ward.WardError);
      assert.match(error.message, message);
      return true;
    });
  }
  for (const text of ['', '{', '[]', 'null', '{"subject":{"kind":"agent","id":"a17"}}',
                      '{"subject":{"kind":"agent","id":"a17"},"action":"invoke",' +
                          '"resource":{"type":"tool","id":"search"},"extra":1}',
                      '\u0000\uffff', '{"a":' + '['.repeat(100000)]) {
    assert.throws(() => engine.decideJson(text), ward.RequestError, JSON.stringify(text));
  }
});

test('unknown identities and resources are decided, not errors', () => {
  const engine = open();
  const unknown = engine.decide({...kGood, subject: {kind: 'agent', id: 'nobody'}});
  assert.equal(unknown.effect, 'DENY');
  assert.equal(unknown.reason, 'unknown_identity');
  assert.deepEqual(unknown.deniedBy, {kind: 'agent', id: 'nobody'});
  const chain = engine.decide({...kGood, onBehalfOf: [{kind: 'user', id: 'ghost'}]});
  assert.equal(chain.reason, 'unknown_identity');
  assert.deepEqual(chain.deniedBy, {kind: 'user', id: 'ghost'});
  const wrongKind = engine.decide({...kGood, subject: {kind: 'user', id: 'a17'}});
  assert.equal(wrongKind.effect, 'DENY');
  const noTool = engine.decide({...kGood, resource: {type: 'tool', id: 'no-such-tool'}});
  assert.equal(noTool.effect, 'DENY');
  const noType = engine.decide({...kGood, resource: {type: 'nothing', id: 'x'}});
  assert.equal(noType.effect, 'DENY');
});

test('declared args and context of the wrong type are refused: invalid_request', () => {
  const engine = open();
  const request = {subject: {kind: 'agent', id: 'a42'}, action: 'invoke',
                   resource: {type: 'tool', id: 'payments.transfer'},
                   onBehalfOf: [{kind: 'user', id: 'u5'}], now: '2026-12-01T00:00:00Z'};
  for (const amount of [{yes: true}, 1.5, ['a', 1], '2500']) {
    const decision = engine.decide({...request, args: {amount}});
    const viaJson = JSON.parse(engine.decideJson(JSON.stringify({
      subject: request.subject, action: request.action, resource: request.resource,
      on_behalf_of: request.onBehalfOf, now: request.now, args: {amount}})));
    assert.deepEqual(JSON.parse(JSON.stringify(decision)), viaJson, JSON.stringify(amount));
    assert.equal(decision.reason, 'invalid_request', JSON.stringify(amount));
    assert.equal(decision.errors[0].rule, '');
    assert.match(decision.errors[0].message, /amount/);
  }
  // Undeclared entries are ignored by the rules, in args as in context.
  for (const value of [{yes: true}, 1.5, ['a', 1], 2n ** 60n]) {
    const decision = engine.decide({...request, args: {amount: 10, note: value},
                                    context: {note: value}});
    assert.equal(decision.effect, 'NEEDS_APPROVAL');
  }
});

test('args without a faithful JSON form throw TypeError naming them', () => {
  const engine = open();
  class Point {
    constructor() {
      this.x = 1;
    }
  }
  const cyclic = {};
  cyclic.self = cyclic;
  const cases = [
    [[1, 2], /`request.args` must be an object/],
    ['{}', /`request.args` must be an object/],
    [{f: () => 1}, /`request.args.f` has no JSON form/],
    [{s: Symbol('s')}, /`request.args.s` has no JSON form/],
    [{n: NaN}, /`request.args.n` is NaN/],
    [{n: Infinity}, /`request.args.n` is Infinity/],
    [{list: [1, undefined]}, /`request.args.list\[1\]` has no JSON form/],
    [{m: new Map([['a', 1]])}, /`request.args.m` has no JSON form \(a Map\)/],
    [{s: new Set([1])}, /`request.args.s` has no JSON form/],
    [{p: new Point()}, /`request.args.p` has no JSON form \(a Point\)/],
    [{b: Buffer.from('x')}, /`request.args.b` has no JSON form/],
    [{d: new Date('nope')}, /invalid Date/],
    [cyclic, /contains itself/],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => engine.decide({...kGood, args}), (error) => {
      assert.ok(error instanceof TypeError, `${error}`);
      assert.match(error.message, message);
      return true;
    });
  }
  let deep = 1;
  for (let i = 0; i < 40; i++) deep = [deep];
  assert.throws(() => engine.decide({...kGood, args: {deep}}), ward.RequestError);
  // What has a JSON form passes: a Date as its ISO text, undefined members as absent.
  assert.equal(engine.decide({...kGood, args: {when: new Date(0), gone: undefined}}).effect,
               'ALLOW');
  assert.throws(() => engine.decide({...kGood, approval: 5}), /`request.approval`/);
  assert.throws(() => engine.decide({...kGood, approval: 'x'.repeat(20000)}), ward.RequestError);
});

test('bad keys and grant options are refused', () => {
  const {privateKey, publicKey} = ward.generateSigningKey();
  assert.throws(() => ward.Engine.fromFiles(kPolicy, {approvalKeys: publicKey}),
                /`options.approvalKeys` must be an array/);
  assert.throws(() => ward.Engine.fromFiles(kPolicy, {approvalKeys: [publicKey, 'junk']}),
                (error) => error instanceof ward.SigningKeyError &&
                    /approvalKeys\[1\]/.test(error.message));
  assert.throws(() => ward.Engine.fromFiles(kPolicy, {approvalKeys: [privateKey]}),
                ward.SigningKeyError);
  assert.throws(() => ward.Engine.fromFiles(kPolicy, {trustedKeys: [42]}), TypeError);
  assert.throws(() => ward.Engine.fromFiles(kPolicy, {approvalkeys: [publicKey]}),
                /unknown option `approvalkeys`/);
  assert.throws(() => ward.Engine.fromFiles(kPolicy, {maxUsedGrants: 0}), /maxUsedGrants/);
  const engine = open();
  const digest = 'ab'.repeat(32);
  assert.throws(() => engine.approve(digest, {approver: 'u8', key: publicKey}),
                ward.SigningKeyError);
  assert.throws(() => engine.approve('nope', {approver: 'u8', key: privateKey}), RangeError);
  assert.throws(() => engine.approve(digest, {approver: 'u8', key: privateKey, ttl: 0}),
                RangeError);
  assert.throws(() => engine.approve(digest, {approver: 'u8', key: privateKey, ttl: '15m'}),
                TypeError);
  assert.throws(() => engine.approve(digest, {approver: 'u8', key: privateKey, issuedAt: 'x'}),
                RangeError);
  assert.throws(() => engine.approve(digest, {approver: 'u8', key: privateKey, jti: ''}),
                RangeError);
  assert.throws(() => engine.approve(digest, {approver: {kind: 'user', id: 'u8'},
                                              key: privateKey}),
                TypeError);
  assert.throws(() => engine.approve(digest, {approver: 'u8', key: privateKey, kid: 'x'}),
                /unknown option `kid`/);
  assert.throws(() => ward.publicKeyOf(publicKey), ward.SigningKeyError);
  // A token that is not one is refused by the engine with an error entry, not an exception.
  const decision = engine.decide({...kGood, approval: 'not.a.token'});
  assert.equal(decision.errors[0].rule, '');
});

test('huge strings of several MB are handled', () => {
  const engine = open();
  const huge = 'x'.repeat(8 << 20);
  const decision = engine.decide({...kGood, context: {note: huge},
                                  subject: {kind: 'agent', id: huge}});
  assert.equal(decision.reason, 'unknown_identity');
  assert.equal(decision.deniedBy.id.length, huge.length);
  // The JSON form has the CLI's request size limit.
  assert.throws(() => engine.decideJson(JSON.stringify({...kGood, context: {note: huge}})),
                ward.RequestError);
  const allowed = engine.decide({...kGood, onBehalfOf: [{kind: 'user', id: 'u3'}]});
  assert.equal(allowed.effect, 'ALLOW');
  const text = `sk-${'A'.repeat(30)} `.repeat(200000);
  const redacted = allowed.redact(text);
  assert.equal(redacted, '[SECRET] '.repeat(200000));
  assert.throws(() => ward.Engine.fromSources([{name: 'big.ward', text: huge}]),
                ward.PolicyError);
});

test('an invalid policy throws PolicyError with structured issues', () => {
  const text = 'schema {\n  user { level: int }\n}\n' +
      'permit user to read on doc when subject.levl > 1;\n';
  assert.throws(() => ward.Engine.fromSources([{name: 'p.ward', text}]), (error) => {
    assert.ok(error instanceof ward.PolicyError);
    assert.ok(error instanceof ward.WardError);
    assert.ok(error.issues.length >= 1);
    for (const issue of error.issues) {
      assert.equal(issue.source, 'p.ward');
      assert.equal(typeof issue.line, 'number');
      assert.equal(typeof issue.column, 'number');
      assert.equal(typeof issue.message, 'string');
    }
    assert.ok(error.issues.some((issue) => issue.line === 4));
    assert.match(error.message, /p\.ward:4:/);
    return true;
  });
  assert.throws(() => ward.Engine.fromSources([{name: 'syntax.ward', text: 'permit ((('}]),
                (error) => error instanceof ward.PolicyError &&
                    error.issues[0].source === 'syntax.ward' && error.issues[0].line === 1);
  assert.throws(() => ward.Engine.fromFiles(['/no/such/file.ward']), (error) => {
    assert.ok(error instanceof ward.WardError);
    assert.match(error.message, /no\/such\/file\.ward/);
    return true;
  });
});

test('invalid entities throw EntityError', () => {
  for (const entitiesJson of ['{', '[]', '{"identities": [{"kind": "user"}]}',
                              '{"identities": [{"kind": "user", "id": "u", "status": "active",' +
                                  ' "attrs": {"clearance": "high"}}]}']) {
    assert.throws(() => ward.Engine.fromFiles(kPolicy, {entitiesJson}), ward.EntityError,
                  entitiesJson);
  }
});

test('a corrupted bundle throws BundleError', () => {
  for (const bytes of [Buffer.alloc(0), Buffer.from('not a bundle'),
                       Buffer.from(Array.from({length: 4096}, (_, i) => (i * 131) & 0xff)),
                       new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])]) {
    assert.throws(() => ward.Engine.fromBundle(bytes), ward.BundleError);
  }
  assert.throws(() => ward.Engine.fromBundle('/no/such/bundle'), ward.WardError);
});
