'use strict';
// ward.guard: tool functions decided before every call.

const assert = require('node:assert/strict');
const {test} = require('node:test');

const ward = require('..');

const kSchema = `
schema {
  user { department: string }
  agent { model: string }
  resource tool { risk: string }
  action invoke on tool
  context { approved: bool, recipients: set<string>, count: int, query: string }
}
`;
const kRules = `
@id("agent-tools")
permit agent "bot" to invoke on tool in ["search", "lookup", "shell", "email"];

@id("people-use-tools")
permit user to invoke on tool
  with redact(/\\b\\d{3}-\\d{2}-\\d{4}\\b/, "[SSN]"), redact(/(?i)secret/, "[hidden]");

@id("no-dangerous-queries")
forbid any to invoke on tool "search" when context.query == "rm -rf /";

@id("shell-needs-approval")
require_approval any to invoke on tool when resource.risk == "high" unless context.approved;

@id("email-cap")
forbid any to invoke on tool "email" when context.count > 10;

@id("no-outside-recipients")
forbid any to invoke on tool "email" when "boss@example.com" in context.recipients;
`;
const kEntities = {
  identities: [
    {kind: 'user', id: 'u1', status: 'active', attrs: {department: 'ops'}},
    {kind: 'user', id: 'u2', status: 'suspended', attrs: {department: 'ops'}},
    {kind: 'agent', id: 'bot', owner: 'u1', status: 'active', attrs: {model: 'm'}},
  ],
  resources: [
    {type: 'tool', id: 'search', attrs: {risk: 'low'}},
    {type: 'tool', id: 'lookup', attrs: {risk: 'low'}},
    {type: 'tool', id: 'shell', attrs: {risk: 'high'}},
    {type: 'tool', id: 'email', attrs: {risk: 'low'}},
  ],
};

function open() {
  return ward.Engine.fromSources([{name: 'schema.ward', text: kSchema},
                                  {name: 'rules.ward', text: kRules}],
                                 {entitiesJson: kEntities});
}

const kBot = {kind: 'agent', id: 'bot'};
const kUser = [{kind: 'user', id: 'u1'}];

test('an allowed sync tool runs and its string output is redacted', async () => {
  let calls = 0;
  const lookup = ward.guard(open(), {subject: kBot, onBehalfOf: kUser, tool: 'lookup'},
                            (args) => {
                              calls++;
                              return `record of ${args.name}: SSN 123-45-6789, Secret plan`;
                            });
  const result = lookup({name: 'ada'});
  assert.ok(result instanceof Promise);
  assert.equal(await result, 'record of ada: SSN [SSN], [hidden] plan');
  assert.equal(calls, 1);
});

test('an allowed async tool runs; non-string results are returned as they are', async () => {
  const search = ward.guard(open(), {subject: kBot, onBehalfOf: kUser, tool: 'search'},
                            async ({query}) => ({hits: [query, '123-45-6789']}));
  assert.deepEqual(await search({query: 'weather'}), {hits: ['weather', '123-45-6789']});
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

test('a call that needs approval throws ApprovalRequiredError until approved', async () => {
  let calls = 0;
  const shell = ward.guard(open(), {subject: kBot, onBehalfOf: kUser, tool: 'shell'},
                           ({command}) => {
                             calls++;
                             return `ran ${command}`;
                           });
  await assert.rejects(shell({command: 'ls'}), (error) => {
    assert.ok(error instanceof ward.ApprovalRequiredError);
    assert.equal(error.decision.effect, 'NEEDS_APPROVAL');
    assert.deepEqual(error.decision.rules, ['shell-needs-approval']);
    return true;
  });
  assert.equal(calls, 0);
  assert.equal(await shell({command: 'ls', approved: true}), 'ran ls');
  assert.equal(calls, 1);
});

test('arguments become context: sets and ints as such, other values as JSON text', async () => {
  const seen = [];
  const email = ward.guard(open(), {subject: kBot, onBehalfOf: kUser, tool: 'email',
                                    onDecision: (decision) => seen.push(decision)},
                           () => 'sent');
  assert.equal(await email({recipients: ['a@example.com'], count: 3, body: {html: '<p>'}}),
               'sent');
  await assert.rejects(email({recipients: ['boss@example.com']}), ward.DeniedError);
  await assert.rejects(email({count: 11}), ward.DeniedError);
  assert.equal(seen.length, 3);
  assert.deepEqual(ward.contextFromArguments({
    s: 'x', b: false, i: 7, f: 1.5, strings: ['a', 'b'], ints: [1, 2], mixed: ['a', 1],
    empty: [], object: {a: 1}, nothing: null, missing: undefined,
  }), {
    s: 'x', b: false, i: 7, f: '1.5', strings: ['a', 'b'], ints: [1, 2], mixed: '["a",1]',
    empty: [], object: '{"a":1}',
  });
  assert.deepEqual(ward.contextFromArguments('not an object'), {});
});

test('subject and onBehalfOf may be functions of the call', async () => {
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
});

test('a guarded call on a closed engine rejects with ClosedError', async () => {
  const engine = open();
  const lookup = ward.guard(engine, {subject: kBot, onBehalfOf: kUser, tool: 'lookup'}, () => 1);
  engine.close();
  await assert.rejects(lookup({}), ward.ClosedError);
});
