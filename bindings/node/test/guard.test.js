'use strict';
// ward.guard: tool functions decided before every call. A tool call's arguments are the
// model's: they go to `args`, never to `context`, which holds the host's facts. A call that
// needs approval runs only with a grant (withApproval), minted for exactly that call.

const assert = require('node:assert/strict');
const {test} = require('node:test');

const ward = require('..');

const kSchema = `
schema {
  user { department: string, level: int }
  agent { model: string }
  resource tool { risk: string }
  action invoke, approve on tool
  context { session: string, approved: bool }
  args { query: string, recipients: set<string>, count: int, amount: int, approved: bool,
         session: string }
}
`;
const kRules = `
@id("agent-tools")
permit agent "bot" to invoke on tool in ["search", "lookup", "shell", "email", "pay",
                                         "legacy_pay", "secure", "keys"];

@id("people-use-tools")
permit user to invoke on tool
  with redact(/\\b\\d{3}-\\d{2}-\\d{4}\\b/, "[SSN]"), redact(/(?i)secret/, "[hidden]");

@id("keys-unbounded")
permit agent "bot" to invoke on tool "keys" with redact(/sk-[A-Za-z0-9]+/, "[KEY]");

@id("no-dangerous-queries")
forbid any to invoke on tool "search" when args has query and args.query == "rm -rf /";

@id("risky-needs-approval")
require_approval any to invoke on tool when resource.risk == "high";

// The pattern of earlier versions, which a tool's own \`approved\` argument must never satisfy.
@id("legacy-exemption")
require_approval any to invoke on tool "legacy_pay" unless context has approved and context.approved;

@id("leads-approve")
permit user to approve on tool when subject.level >= 5;

@id("email-cap")
forbid any to invoke on tool "email" when args has count and args.count > 10;

@id("no-outside-recipients")
forbid any to invoke on tool "email"
  when args has recipients and "boss@example.com" in args.recipients;

@id("session-bound")
forbid any to invoke on tool "secure" unless context has session and context.session == "s-1";

@id("no-session-in-args")
forbid any to invoke on tool "secure" when args has session;
`;
const kEntities = {
  identities: [
    {kind: 'user', id: 'u1', status: 'active', attrs: {department: 'ops', level: 1}},
    {kind: 'user', id: 'u2', status: 'suspended', attrs: {department: 'ops', level: 1}},
    {kind: 'user', id: 'lead', status: 'active', attrs: {department: 'ops', level: 5}},
    {kind: 'agent', id: 'bot', owner: 'u1', status: 'active', attrs: {model: 'm'}},
  ],
  resources: ['search', 'lookup', 'email', 'legacy_pay', 'secure', 'keys']
                 .map((id) => ({type: 'tool', id, attrs: {risk: 'low'}}))
                 .concat(['shell', 'pay'].map((id) => ({type: 'tool', id, attrs: {risk: 'high'}}))),
};

const kKeys = ward.generateSigningKey();

function open(options = {}) {
  return ward.Engine.fromSources([{name: 'schema.ward', text: kSchema},
                                  {name: 'rules.ward', text: kRules}],
                                 {entitiesJson: kEntities, approvalKeys: [kKeys.publicKey],
                                  ...options});
}

const kBot = {kind: 'agent', id: 'bot'};
const kUser = [{kind: 'user', id: 'u1'}];
const kSsn = '123-45-6789';

// A guarded `pay` that records its runs, and the digest of a first call that needs approval.
function payTool(engine, options = {}) {
  const runs = [];
  const pay = ward.guard(engine, {subject: kBot, onBehalfOf: kUser, tool: 'pay', ...options},
                         (args) => {
                           runs.push(args);
                           return `paid ${args.amount}`;
                         });
  return {pay, runs};
}

async function digestOf(promise) {
  let digest = null;
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof ward.ApprovalRequiredError, `${error}`);
    assert.equal(error.digest, error.decision.approvalDigest);
    digest = error.digest;
    return true;
  });
  return digest;
}

test('an allowed sync tool runs and its string output is redacted', async () => {
  let calls = 0;
  const lookup = ward.guard(open(), {subject: kBot, onBehalfOf: kUser, tool: 'lookup'},
                            (args) => {
                              calls++;
                              return `record of ${args.name}: SSN ${kSsn}, Secret plan`;
                            });
  const result = lookup({name: 'ada'});
  assert.ok(result instanceof Promise);
  assert.equal(await result, 'record of ada: SSN [SSN], [hidden] plan');
  assert.equal(calls, 1);
});

test('structured results are redacted in every string, keys included', async () => {
  const search = ward.guard(open(), {subject: kBot, onBehalfOf: kUser, tool: 'search'},
                            async ({query}) => ({hits: [query, kSsn], [kSsn]: {note: 'secret'},
                                                 count: 2, ok: true, none: null,
                                                 when: new Date(0)}));
  assert.deepEqual(await search({query: 'weather'}),
                   {hits: ['weather', '[SSN]'], '[SSN]': {note: '[hidden]'}, count: 2, ok: true,
                    none: null, when: new Date(0)});
  const collide = ward.guard(open(), {subject: kBot, onBehalfOf: kUser, tool: 'search'},
                             () => ({[kSsn]: 1, '987-65-4321': 2}));
  await assert.rejects(collide({}), (error) => {
    assert.ok(error instanceof ward.RedactionError);
    assert.doesNotMatch(error.message, /123-45/);
    return true;
  });
});

test('a sync generator with a secret split across chunks is redacted as a stream', async () => {
  const stream = ward.guard(open(), {subject: kBot, onBehalfOf: kUser, tool: 'lookup'},
                            function* () {
                              yield 'ssn 123-4';
                              yield '5-6789 and SEC';
                              yield 'RET end';
                            });
  const pieces = [...await stream({})];
  assert.equal(pieces.join(''), 'ssn [SSN] and [hidden] end');
  assert.ok(pieces.every((p) => !p.includes('123-4') && !p.includes('SEC')));
});

test('an async generator with a secret split across chunks is redacted as a stream', async () => {
  const stream = ward.guard(open(), {subject: kBot, onBehalfOf: kUser, tool: 'lookup'},
                            async function* () {
                              yield 'api ';
                              yield Buffer.from('ssn 123-45-');
                              yield Buffer.from('6789');
                              yield {row: kSsn};
                              yield 'done';
                            });
  const pieces = [];
  for await (const piece of await stream({})) pieces.push(piece);
  const text = pieces.map((p) => typeof p === 'string' || Buffer.isBuffer(p) ? p.toString() :
                                                                              JSON.stringify(p))
                   .join('');
  assert.equal(text, 'api ssn [SSN]{"row":"[SSN]"}done');
  assert.ok(pieces.some((p) => Buffer.isBuffer(p)));
});

test('a pattern that can match unboundedly long text holds the stream to the end', async () => {
  const engine = open();
  const decision = engine.decide({subject: kBot, action: 'invoke',
                                  resource: {type: 'tool', id: 'keys'}});
  assert.equal(decision.redactor().incremental, false);
  const keys = ward.guard(engine, {subject: kBot, tool: 'keys'}, function* () {
    yield 'key sk-abc';
    yield 'def123';
    yield ' end';
  });
  assert.deepEqual([...await keys({})], ['key [KEY] end']);
  const small = new ward.Redactor(decision, {maxBuffered: 8});
  assert.equal(small.write('12345'), '');
  assert.throws(() => small.write('67890'), ward.RedactionError);
  assert.throws(() => small.finish(), ward.RedactionError);  // failed: nothing more
});

test('an unredactable result throws RedactionError instead of passing', async () => {
  class Record {
    constructor() {
      this.ssn = kSsn;
    }
  }
  const lookup = ward.guard(open(), {subject: kBot, onBehalfOf: kUser, tool: 'lookup'},
                            () => new Record());
  await assert.rejects(lookup({}), (error) => {
    assert.ok(error instanceof ward.RedactionError);
    assert.match(error.message, /cannot redact a Record/);
    return true;
  });
  const bytes = ward.guard(open(), {subject: kBot, onBehalfOf: kUser, tool: 'lookup'},
                           () => Buffer.from([0xff, 0x31]));
  await assert.rejects(bytes({}), /UTF-8/);
});

test('without redactions every result passes untouched', async () => {
  class Record {}
  const record = new Record();
  const lookup = ward.guard(open(), {subject: kBot, tool: 'lookup'}, () => record);
  assert.equal(await lookup({}), record);
});

test('ward.redact and the Redactor', () => {
  const engine = open();
  const decision = engine.decide({subject: kBot, action: 'invoke', onBehalfOf: kUser,
                                  resource: {type: 'tool', id: 'lookup'}});
  assert.deepEqual(ward.redact(decision, new Map([[kSsn, [kSsn]]])),
                   new Map([['[SSN]', ['[SSN]']]]));
  assert.deepEqual(ward.redact(decision, new Set(['secret'])), new Set(['[hidden]']));
  assert.deepEqual(ward.redact(decision, {n: 123456789, big: 10n}), {n: 123456789, big: 10n});
  assert.deepEqual(ward.redact(decision, Buffer.from(`é ${kSsn}`)), Buffer.from('é [SSN]'));
  const redactor = new ward.Redactor(decision);
  assert.equal(decision.redactor().incremental, true);
  const out = ['12', '3-45-67', '89 and sec', 'ret!'].map((c) => redactor.write(c));
  out.push(redactor.finish());
  assert.equal(out.join(''), '[SSN] and [hidden]!');
  assert.throws(() => redactor.finish(), ward.RedactionError);
  const mixed = new ward.Redactor(decision);
  mixed.write('text');
  assert.throws(() => mixed.write(Buffer.from('bytes')), TypeError);
  const denied = engine.decide({subject: kBot, action: 'invoke',
                                resource: {type: 'tool', id: 'nothing'}});
  for (const call of [() => ward.redact(denied, 'x'), () => denied.redact('x'),
                      () => new ward.Redactor(denied)]) {
    assert.throws(call, (error) => error instanceof ward.RedactionError &&
                      /DENY/.test(error.message));
  }
});

test('a denied call throws DeniedError and never runs the tool', async () => {
  let calls = 0;
  const search = ward.guard(open(), {subject: kBot, onBehalfOf: kUser, tool: 'search'},
                            async () => {
                              calls++;
                              return 'ran';
                            });
  await assert.rejects(search({query: 'rm -rf /'}), (error) => {
    assert.ok(error instanceof ward.DeniedError);
    assert.ok(error instanceof ward.WardError);
    assert.equal(error.decision.effect, 'DENY');
    assert.equal(error.decision.reason, 'forbidden');
    assert.deepEqual(error.decision.rules, ['no-dangerous-queries']);
    return true;
  });
  // A tool outside the agent's permits, and a suspended user, are denied too.
  const other = ward.guard(open(), {subject: kBot, onBehalfOf: kUser, tool: 'payments'},
                           () => calls++);
  await assert.rejects(other({}), ward.DeniedError);
  const suspended = ward.guard(open(), {subject: kBot, onBehalfOf: [{kind: 'user', id: 'u2'}],
                                        tool: 'search'},
                               () => calls++);
  await assert.rejects(suspended({query: 'x'}), (error) => {
    assert.equal(error.decision.reason, 'lifecycle');
    assert.deepEqual(error.decision.deniedBy, {kind: 'user', id: 'u2'});
    return true;
  });
  assert.equal(calls, 0);
});

test('attack: an `approved` argument does not approve the call', async () => {
  let calls = 0;
  const legacyPay = ward.guard(open(), {subject: kBot, onBehalfOf: kUser, tool: 'legacy_pay'},
                               () => calls++);
  for (const args of [{amount: 1000000, approved: true}, {approved: true},
                      {context: {approved: true}}, {approval: 'yes'}]) {
    await assert.rejects(legacyPay(args), (error) => {
      assert.ok(error instanceof ward.ApprovalRequiredError, `${error}`);
      assert.deepEqual(error.decision.rules, ['legacy-exemption']);
      return true;
    });
  }
  assert.equal(calls, 0);
});

test('attack: only a grant given through withApproval runs the call, once', async () => {
  const engine = open();
  const {pay, runs} = payTool(engine);
  const digest = await digestOf(pay({amount: 250}));
  const token = engine.approve(digest, {approver: 'lead', key: kKeys.privateKey});
  // The token among the arguments is just an argument.
  await assert.rejects(pay({amount: 250, approval: token}), ward.ApprovalRequiredError);
  assert.equal(runs.length, 0);
  assert.equal(await pay.withApproval(token)({amount: 250}), 'paid 250');
  await assert.rejects(pay.withApproval(token)({amount: 250}), (error) => {
    assert.ok(error instanceof ward.ApprovalRequiredError);
    assert.equal(error.decision.errors[0].rule, '');
    assert.match(error.decision.errors[0].message, /already used/);
    return true;
  });
  assert.deepEqual(runs, [{amount: 250}]);
  assert.equal(engine.usedGrantCount, 1);
});

test('attack: a grant for other argument values is refused', async () => {
  const engine = open();
  const {pay, runs} = payTool(engine);
  const token = engine.approve(await digestOf(pay({amount: 10})),
                               {approver: 'lead', key: kKeys.privateKey});
  for (const args of [{amount: 1000000}, {amount: 10, to: 'attacker'}, {}]) {
    await assert.rejects(pay.withApproval(token)(args), (error) => {
      assert.ok(error instanceof ward.ApprovalRequiredError);
      assert.match(error.decision.errors[0].message, /another request/);
      return true;
    });
  }
  assert.equal(runs.length, 0);
  assert.equal(await pay.withApproval(token)({amount: 10}), 'paid 10');
});

test('attack: the order of the arguments does not change the digest', async () => {
  const engine = open();
  const {pay, runs} = payTool(engine);
  const first = await digestOf(pay({amount: 5, memo: {a: 1, b: [1, 2]}}));
  assert.equal(await digestOf(pay({memo: {b: [1, 2], a: 1}, amount: 5})), first);
  const token = engine.approve(first, {approver: 'lead', key: kKeys.privateKey});
  assert.equal(await pay.withApproval(token)({memo: {b: [1, 2], a: 1}, amount: 5}), 'paid 5');
  assert.equal(runs.length, 1);
});

test('attack: grants from an untrusted key or a non-approver are refused', async () => {
  const engine = open();
  const {pay, runs} = payTool(engine);
  const digest = await digestOf(pay({amount: 5}));
  const forger = ward.generateSigningKey();
  const tokens = [
    ward.mintGrant(digest, {approver: 'lead', key: forger.privateKey}),
    engine.approve(digest, {approver: 'u1', key: kKeys.privateKey}),  // the user acted for
    engine.approve(digest, {approver: 'lead', key: kKeys.privateKey, ttl: 60,
                            issuedAt: '2020-01-01T00:00:00Z'}),        // expired
  ];
  for (const token of tokens) {
    await assert.rejects(pay.withApproval(token)({amount: 5}), ward.ApprovalRequiredError);
  }
  // An engine that trusts no key refuses every grant.
  const untrusting = open({approvalKeys: []});
  const other = payTool(untrusting);
  const good = engine.approve(digest, {approver: 'lead', key: kKeys.privateKey});
  await assert.rejects(other.pay.withApproval(good)({amount: 5}), (error) => {
    assert.match(error.decision.errors[0].message, /trusts no approval key/);
    return true;
  });
  assert.equal(runs.length + other.runs.length, 0);
});

test('the host context reaches context, and the arguments never do', async () => {
  const seen = [];
  const secure = ward.guard(open(), {subject: kBot, onBehalfOf: kUser, tool: 'secure',
                                     context: (args) => {
                                       seen.push(args);
                                       return {session: 's-1'};
                                     }},
                            () => 'ran');
  assert.equal(await secure({note: 'hello'}), 'ran');
  assert.deepEqual(seen, [{note: 'hello'}]);
  const fixed = ward.guard(open(), {subject: kBot, onBehalfOf: kUser, tool: 'secure',
                                    context: {session: 's-1'}},
                           () => 'ran');
  assert.equal(await fixed({}), 'ran');
  // The model names the host's session: it is an argument, not the context.
  const noContext = ward.guard(open(), {subject: kBot, onBehalfOf: kUser, tool: 'secure'},
                               () => 'ran');
  await assert.rejects(noContext({session: 's-1'}), (error) => {
    assert.deepEqual(error.decision.rules, ['no-session-in-args', 'session-bound']);
    return true;
  });
  // The digest covers the args only.
  const engine = open();
  const {pay} = payTool(engine, {context: {session: 's-1'}});
  const digest = await digestOf(pay({amount: 5}));
  const request = {subject: kBot, onBehalfOf: kUser, action: 'invoke',
                   resource: {type: 'tool', id: 'pay'}};
  assert.equal(engine.approvalDigest({...request, args: {amount: 5}}), digest);
  assert.notEqual(engine.approvalDigest({...request, args: {amount: 5, session: 's-1'}}),
                  digest);
});

test('arguments are args: sets and ints as such, positional parameters by name', async () => {
  const seen = [];
  const email = ward.guard(open(), {subject: kBot, onBehalfOf: kUser, tool: 'email',
                                    onDecision: (decision) => seen.push(decision)},
                           () => 'sent');
  assert.equal(await email({recipients: ['a@example.com'], count: 3, body: {html: '<p>'}}),
               'sent');
  await assert.rejects(email({recipients: ['boss@example.com']}), ward.DeniedError);
  await assert.rejects(email({count: 11}), ward.DeniedError);
  assert.equal(seen.length, 3);
  await assert.rejects(email({count: 1, f: () => 1}), /`request.args.f` has no JSON form/);
  await assert.rejects(email('positional'), /first argument must be the tool's arguments/);

  const positional = ward.guard(open(), {subject: kBot, onBehalfOf: kUser, tool: 'email',
                                         params: ['recipients', 'count']},
                                (recipients, count) => `${recipients.length} ${count}`);
  assert.equal(await positional(['a@example.com'], 2), '1 2');
  await assert.rejects(positional(['boss@example.com'], 1), ward.DeniedError);
  await assert.rejects(positional([], 1, 'extra'), /options.params names 2/);
});

test('subject, onBehalfOf and context may be functions of the call', async () => {
  const sessions = {s1: 'u1', s2: 'u2'};
  const lookup = ward.guard(open(), {
    subject: () => kBot,
    onBehalfOf: async (args) => [{kind: 'user', id: sessions[args.session]}],
    tool: 'lookup',
    action: 'invoke',
  }, (args) => `ok ${args.session}`);
  assert.equal(await lookup({session: 's1'}), 'ok s1');
  await assert.rejects(lookup({session: 's2'}), ward.DeniedError);
});

test('a tool that throws passes its error through', async () => {
  const failing = ward.guard(open(), {subject: kBot, onBehalfOf: kUser, tool: 'lookup'},
                             () => {
                               throw new RangeError('tool failed');
                             });
  await assert.rejects(failing({}), RangeError);
});

test('without options.tool, the function\'s own name is the tool', async () => {
  function search({query}) {
    return `results for ${query}`;
  }
  const guarded = ward.guard(open(), {subject: kBot, onBehalfOf: kUser}, search);
  assert.equal(await guarded({query: 'weather'}), 'results for weather');
  function shell() {
    return 'ran';
  }
  await assert.rejects(ward.guard(open(), {subject: kBot, onBehalfOf: kUser}, shell)({}),
                       ward.ApprovalRequiredError);
});

test('guard checks its arguments', () => {
  const engine = open();
  assert.throws(() => ward.guard({}, {subject: kBot, tool: 't'}, () => 1), /engine/);
  assert.throws(() => ward.guard(engine, {subject: kBot}, () => 1), /options.tool/);
  assert.throws(() => ward.guard(engine, {subject: kBot, tool: 't'}, 'f'), /fn/);
  assert.throws(() => ward.guard(engine, {tool: 't'}, () => 1), /subject/);
  assert.throws(() => ward.guard(engine, null, () => 1), TypeError);
  assert.throws(() => ward.guard(engine, {subject: kBot, tool: 't', contxt: {}}, () => 1),
                /unknown option `contxt`/);
  assert.throws(() => ward.guard(engine, {subject: kBot, tool: 't', context: 'x'}, () => 1),
                /options.context/);
  assert.throws(() => ward.guard(engine, {subject: kBot, tool: 't', params: 'a'}, () => 1),
                /options.params/);
  const guarded = ward.guard(engine, {subject: kBot, tool: 't'}, () => 1);
  assert.throws(() => guarded.withApproval(''), /grant token/);
  assert.throws(() => guarded.withApproval(undefined), /grant token/);
});

test('a guarded call on a closed engine rejects with ClosedError', async () => {
  const engine = open();
  const lookup = ward.guard(engine, {subject: kBot, onBehalfOf: kUser, tool: 'lookup'}, () => 1);
  engine.close();
  await assert.rejects(lookup({}), ward.ClosedError);
});
