'use strict';
// End to end: the SDK's real MCP client against the guarded server, over an in-memory
// transport (and once over stdio, with server.js as a child process). Checks each outcome:
// list filtering, ALLOW with redaction, DENY, NEEDS_APPROVAL then approval.

const assert = require('node:assert/strict');
const {spawnSync} = require('node:child_process');
const path = require('node:path');
const {after, before, describe, test} = require('node:test');

const {Client} = require('@modelcontextprotocol/sdk/client/index.js');
const {StdioClientTransport} = require('@modelcontextprotocol/sdk/client/stdio.js');
const {InMemoryTransport} = require('@modelcontextprotocol/sdk/inMemory.js');

const {createGateway, openExampleEngine} = require('../gateway.js');
const {tools} = require('../tools.js');

const kRoot = path.resolve(__dirname, '..');

async function connect(userId) {
  const gateway = createGateway({
    engine: openExampleEngine(),
    agent: {kind: 'agent', id: 'assistant'},
    userForSession: () => (userId ? {kind: 'user', id: userId} : null),
    tools,
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await gateway.server.connect(serverSide);
  const client = new Client({name: 'gateway-test', version: '0.1.0'});
  await client.connect(clientSide);
  return {gateway, client};
}

function text(result) {
  return result.content.map((item) => item.text).join('\n');
}

describe('the gateway for alice (clearance 2)', () => {
  let session;
  before(async () => {
    session = await connect('alice');
  });
  after(async () => {
    await session.client.close();
  });

  test('tools/list shows only the tools alice may use through the assistant', async () => {
    const {tools: listed} = await session.client.listTools();
    // shell.exec needs clearance 4; the assistant may never move money.
    assert.deepEqual(listed.map((tool) => tool.name).sort(),
                     ['calendar.read', 'directory.lookup', 'search', 'send_email']);
    const search = listed.find((tool) => tool.name === 'search');
    assert.equal(search.description, 'Searches the company wiki.');
    assert.deepEqual(search.inputSchema.required, ['query']);
  });

  test('an allowed call runs the tool', async () => {
    const result = await session.client.callTool({name: 'calendar.read',
                                                  arguments: {day: '2026-12-01'}});
    assert.ok(!result.isError);
    assert.equal(text(result), '09:00 stand-up\n14:00 design review');
    assert.equal(result._meta.ward.effect, 'ALLOW');
  });

  test('an allowed call has its output redacted', async () => {
    const result = await session.client.callTool({name: 'directory.lookup',
                                                  arguments: {name: 'ada'}});
    assert.ok(!result.isError);
    assert.equal(text(result), 'Ada Lovelace, engineering, desk 4.12, SSN [SSN]');
    assert.deepEqual(result._meta.ward.rules,
                     ['assistant-tools', 'cleared-users', 'directory-masks-ssns']);
  });

  test('a denied call is an error result with the reason, and the tool does not run',
       async () => {
         const shell = await session.client.callTool({name: 'shell.exec',
                                                      arguments: {command: 'ls'}});
         assert.equal(shell.isError, true);
         assert.equal(text(shell),
                      'ward denied shell.exec for user alice: no_matching_permit');
         const payment = await session.client.callTool({name: 'payments.transfer',
                                                        arguments: {amount: 5, to: 'x'}});
         assert.equal(payment.isError, true);
         assert.match(text(payment), /denied payments.transfer for agent assistant/);
         // A listed tool is still decided on its arguments.
         const outside = await session.client.callTool({
           name: 'send_email',
           arguments: {to: 'rival@elsewhere.org', subject: 'plans', body: 'all of them'},
         });
         assert.equal(outside.isError, true);
         assert.match(text(outside), /forbidden \(email-stays-inside\)/);
         assert.deepEqual(outside._meta.ward.denied_by, {kind: 'agent', id: 'assistant'});
       });

  test('a high-risk call waits for approval, then goes ahead once', async () => {
    const call = {name: 'send_email',
                  arguments: {to: 'grace@example.com', subject: 'lunch', body: 'noon?'}};
    const waiting = await session.client.callTool(call);
    assert.ok(!waiting.isError);
    assert.equal(waiting._meta.ward.effect, 'NEEDS_APPROVAL');
    assert.deepEqual(waiting._meta.ward.rules, ['high-risk-needs-approval']);
    assert.match(text(waiting), /needs a person's approval/);
    const approvalId = waiting._meta.approvalId;
    assert.deepEqual(session.gateway.pendingApprovals(), [approvalId]);

    // The model cannot approve its own call.
    const selfApproved = await session.client.callTool(
        {name: 'send_email', arguments: {...call.arguments, approved: true}});
    assert.equal(selfApproved._meta.ward.effect, 'NEEDS_APPROVAL');

    // A person approves this call: the same call now runs, once.
    assert.equal(session.gateway.approve(approvalId), true);
    assert.equal(session.gateway.approve(approvalId), false);
    const other = await session.client.callTool(
        {name: 'send_email', arguments: {...call.arguments, subject: 'other'}});
    assert.equal(other._meta.ward.effect, 'NEEDS_APPROVAL');
    const sent = await session.client.callTool(call);
    assert.ok(!sent.isError);
    assert.equal(text(sent), 'sent "lunch" to grace@example.com');
    const again = await session.client.callTool(call);
    assert.equal(again._meta.ward.effect, 'NEEDS_APPROVAL');
  });
});

describe('other sessions', () => {
  test('an admin sees the shell; destructive commands stay forbidden', async () => {
    const {client, gateway} = await connect('root');
    try {
      const {tools: listed} = await client.listTools();
      assert.ok(listed.some((tool) => tool.name === 'shell.exec'));
      assert.ok(!listed.some((tool) => tool.name === 'payments.transfer'));
      const destructive = await client.callTool({name: 'shell.exec',
                                                 arguments: {command: 'rm -rf /srv'}});
      assert.equal(destructive.isError, true);
      assert.match(text(destructive), /no-destructive-shell/);
      const waiting = await client.callTool({name: 'shell.exec', arguments: {command: 'uptime'}});
      assert.equal(waiting._meta.ward.effect, 'NEEDS_APPROVAL');
      gateway.approve(waiting._meta.approvalId);
      const ran = await client.callTool({name: 'shell.exec', arguments: {command: 'uptime'}});
      assert.equal(text(ran), '$ uptime\n(exit 0)');
    } finally {
      await client.close();
    }
  });

  test('a suspended user gets no tools and every call is denied', async () => {
    const {client} = await connect('mallory');
    try {
      assert.deepEqual((await client.listTools()).tools, []);
      const result = await client.callTool({name: 'search', arguments: {query: 'x'}});
      assert.equal(result.isError, true);
      assert.match(text(result), /for user mallory: lifecycle/);
    } finally {
      await client.close();
    }
  });

  test('the assistant alone may search; users it does not act for are unknown', async () => {
    const alone = await connect(null);
    const stranger = await connect('eve');
    try {
      const result = await alone.client.callTool({name: 'search', arguments: {query: 'x'}});
      assert.equal(text(result), '3 wiki pages match "x".');
      const unknown = await stranger.client.callTool({name: 'search', arguments: {query: 'x'}});
      assert.match(text(unknown), /for user eve: unknown_identity/);
    } finally {
      await alone.client.close();
      await stranger.client.close();
    }
  });
});

test('server.js serves the same over stdio', async () => {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [path.join(kRoot, 'server.js')],
    env: {...process.env, WARD_MCP_USER: 'alice'},
    stderr: 'pipe',
  });
  const client = new Client({name: 'gateway-stdio-test', version: '0.1.0'});
  await client.connect(transport);
  try {
    const {tools: listed} = await client.listTools();
    assert.deepEqual(listed.map((tool) => tool.name).sort(),
                     ['calendar.read', 'directory.lookup', 'search', 'send_email']);
    const result = await client.callTool({name: 'directory.lookup', arguments: {name: 'grace'}});
    assert.equal(text(result), 'Grace Hopper, operations, desk 2.01, SSN [SSN]');
  } finally {
    await client.close();
  }
});

test('the example policy passes `ward check`',
     {skip: !process.env.WARD_CLI && 'WARD_CLI is not set'}, () => {
       const result = spawnSync(process.env.WARD_CLI,
                                ['check', 'schema.ward', 'rules.ward', '--entities',
                                 'entities.json'],
                                {cwd: kRoot, encoding: 'utf8'});
       assert.equal(result.status, 0, result.stdout + result.stderr);
       assert.match(result.stdout, /^ok: 2 sources, 6 rules/m);
     });
