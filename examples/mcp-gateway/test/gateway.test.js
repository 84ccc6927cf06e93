'use strict';
// End to end: the SDK's real MCP client against the guarded server, over an in-memory
// transport (and over stdio, with server.js as a child process). Checks each outcome: list
// filtering; ALLOW with the text, the structured content and the embedded resources redacted;
// DENY; NEEDS_APPROVAL approved by the session's user through elicitation, or by an approver
// out of band with a grant for exactly that call; and that nothing the model writes approves.

const assert = require('node:assert/strict');
const {spawnSync} = require('node:child_process');
const path = require('node:path');
const {setTimeout: sleep} = require('node:timers/promises');
const {after, before, describe, test} = require('node:test');

const {Client} = require('@modelcontextprotocol/sdk/client/index.js');
const {StdioClientTransport} = require('@modelcontextprotocol/sdk/client/stdio.js');
const {InMemoryTransport} = require('@modelcontextprotocol/sdk/inMemory.js');
const {ElicitRequestSchema} = require('@modelcontextprotocol/sdk/types.js');

const {createGateway, openExampleEngine, ward} = require('../gateway.js');
const {tools: exampleTools} = require('../tools.js');

const kRoot = path.resolve(__dirname, '..');
const kAgent = {kind: 'agent', id: 'assistant'};
const kSsnPattern = String.raw`\b\d{3}-\d{2}-\d{4}\b`;

/**
 * A gateway for `userId` (null: the assistant alone) and an SDK client connected to it.
 * options.elicit: (params, n) => the client's answer to the n-th elicitation/create; without
 * it, the client does not declare the elicitation capability. options.tools replaces the
 * example's tools; every run is recorded in `ran`.
 */
async function connect(userId, options = {}) {
  const {privateKey, publicKey} = ward.generateSigningKey();
  const engine = openExampleEngine({approvalKeys: [publicKey]});
  const ran = [];
  const decisions = [];
  const tools = (options.tools || exampleTools).map((tool) => ({
    ...tool,
    run: async (args) => {
      ran.push({name: tool.name, args});
      return tool.run(args);
    },
  }));
  const gateway = createGateway({
    engine,
    agent: kAgent,
    userForSession: () => (userId ? {kind: 'user', id: userId} : null),
    tools,
    approvalKey: privateKey,
    approvalTtl: options.approvalTtl,
    elicitApprovals: options.elicitApprovals,
    onDecision: (decision) => decisions.push(decision),
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await gateway.server.connect(serverSide);
  const asked = [];
  const client = new Client({name: 'gateway-test', version: '0.1.0'},
                            options.elicit ? {capabilities: {elicitation: {}}} : undefined);
  if (options.elicit) {
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params);
      return options.elicit(request.params, asked.length);
    });
  }
  await client.connect(clientSide);
  return {gateway, client, engine, ran, asked, decisions};
}

function text(result) {
  return result.content.filter((item) => item.type === 'text').map((item) => item.text)
      .join('\n');
}

const kAccept = () => ({action: 'accept', content: {approve: true}});
const kDecline = () => ({action: 'decline'});

const kMail = {name: 'send_email',
               arguments: {to: 'grace@example.com', subject: 'lunch', body: 'noon?'}};

describe('alice (clearance 2), with a client that cannot elicit', () => {
  let session;
  before(async () => {
    session = await connect('alice');
  });
  after(async () => {
    await session.client.close();
  });

  test('tools/list shows only the tools alice may use through the assistant', async () => {
    const {tools: listed} = await session.client.listTools();
    // shell.exec needs clearance 4; the assistant may never move money. send_email is listed
    // though its decision without arguments is a forbid: that forbid reads the arguments,
    // which engine.whatMay leaves open (it is usable for some of them).
    assert.deepEqual(listed.map((tool) => tool.name).sort(),
                     ['calendar.read', 'directory.lookup', 'search', 'send_email']);
    const search = listed.find((tool) => tool.name === 'search');
    assert.equal(search.description, 'Searches the company wiki.');
    assert.deepEqual(search.inputSchema.required, ['query']);
    const lookup = listed.find((tool) => tool.name === 'directory.lookup');
    assert.equal(lookup.outputSchema.properties.ssn.type, 'string');
  });

  test('an allowed call runs the tool', async () => {
    const result = await session.client.callTool({name: 'calendar.read',
                                                  arguments: {day: '2026-12-01'}});
    assert.ok(!result.isError);
    assert.equal(text(result), '09:00 stand-up\n14:00 design review');
    assert.deepEqual(result._meta.ward,
                     {effect: 'ALLOW', reason: 'permitted',
                      rules: ['assistant-tools', 'cleared-users']});
  });

  test('text, structured content and embedded resources leave with SSNs redacted', async () => {
    const result = await session.client.callTool({name: 'directory.lookup',
                                                  arguments: {name: 'ada'}});
    assert.ok(!result.isError);
    assert.equal(text(result), 'Ada Lovelace, engineering, desk 4.12, SSN [SSN]');
    assert.deepEqual(result.structuredContent,
                     {name: 'Ada Lovelace', department: 'engineering', desk: '4.12',
                      ssn: '[SSN]'});
    const embedded = result.content.find((item) => item.type === 'resource');
    assert.equal(embedded.resource.uri, 'directory://staff/ada');
    assert.deepEqual(JSON.parse(embedded.resource.text).ssn, '[SSN]');
    assert.doesNotMatch(JSON.stringify(result), /123-45-6789/);
    assert.deepEqual(result._meta.ward.rules,
                     ['assistant-tools', 'cleared-users', 'directory-masks-ssns']);
  });

  test('_meta carries the effect, the reason and the rules, never a redaction pattern',
       async () => {
         const result = await session.client.callTool({name: 'directory.lookup',
                                                       arguments: {name: 'grace'}});
         // The decision the host sees has the pattern; the client sees none of it.
         const decision = session.decisions.at(-1);
         assert.equal(decision.obligations.redact[0].pattern, kSsnPattern);
         assert.deepEqual(Object.keys(result._meta), ['ward']);
         assert.deepEqual(Object.keys(result._meta.ward).sort(), ['effect', 'reason', 'rules']);
         const meta = JSON.stringify(result._meta);
         assert.ok(!meta.includes(kSsnPattern), meta);
         assert.doesNotMatch(meta, /pattern|redact|obligations|\\d/);
       });

  test('an upstream isError result passes through, redacted too', async () => {
    const bad = await session.client.callTool({name: 'calendar.read',
                                               arguments: {day: 'tomorrow'}});
    assert.equal(bad.isError, true);
    assert.equal(text(bad), 'not a day: tomorrow');
    assert.equal(bad._meta.ward.effect, 'ALLOW');
    // A reverse lookup by SSN: the tool's error echoes it, and the redaction still applies.
    const echo = await session.client.callTool({name: 'directory.lookup',
                                                arguments: {name: '987-65-4321'}});
    assert.equal(echo.isError, true);
    assert.equal(text(echo), 'no colleague named "[SSN]"');
  });

  test('a denied call is an error result with the reason, and the tool does not run',
       async () => {
         const before = session.ran.length;
         const shell = await session.client.callTool({name: 'shell.exec',
                                                      arguments: {command: 'ls'}});
         assert.equal(shell.isError, true);
         assert.equal(text(shell),
                      'ward denied shell.exec for user alice: no_matching_permit');
         const payment = await session.client.callTool({name: 'payments.transfer',
                                                        arguments: {amount: 5, to: 'x'}});
         assert.equal(payment.isError, true);
         assert.match(text(payment), /denied payments.transfer for agent assistant/);
         // A listed tool is still decided on its arguments, and a missing one fails closed.
         const outside = await session.client.callTool({
           name: 'send_email',
           arguments: {to: 'rival@elsewhere.org', subject: 'plans', body: 'all of them'},
         });
         assert.equal(outside.isError, true);
         assert.equal(text(outside), 'ward denied send_email for agent assistant: forbidden ' +
                                         '(email-stays-inside)');
         const nobody = await session.client.callTool({
           name: 'send_email', arguments: {subject: 'plans', body: 'all of them'},
         });
         assert.match(text(nobody), /forbidden \(email-stays-inside\)/);
         assert.equal(session.ran.length, before);
       });

  test('a high-risk call waits for approval, with its digest, and does not run', async () => {
    const before = session.ran.length;
    const waiting = await session.client.callTool(kMail);
    assert.equal(waiting.isError, true);
    assert.equal(waiting._meta.ward.effect, 'NEEDS_APPROVAL');
    assert.deepEqual(waiting._meta.ward.rules, ['high-risk-needs-approval']);
    const digest = waiting._meta.ward.approval.digest;
    assert.match(digest, /^[0-9a-f]{64}$/);
    assert.match(text(waiting), new RegExp(`needs a person's approval.*${digest}`));
    const pending = session.gateway.pendingApprovals();
    assert.equal(pending.length, 1);
    assert.equal(pending[0].digest, digest);
    assert.equal(pending[0].tool, 'send_email');
    assert.deepEqual(pending[0].args, kMail.arguments);
    assert.deepEqual(pending[0].user, {kind: 'user', id: 'alice'});
    assert.deepEqual(pending[0].agent, kAgent);
    assert.equal(session.ran.length, before);
  });
});

describe('nothing the model writes approves a call', () => {
  test('an `approved` argument (or any other) makes another call, which waits', async () => {
    const {client, gateway, ran} = await connect('alice');
    try {
      const plain = await client.callTool(kMail);
      for (const extra of [{approved: true}, {approval: 'yes'}, {approved_by: 'carol'}]) {
        const forged = await client.callTool({name: 'send_email',
                                              arguments: {...kMail.arguments, ...extra}});
        assert.equal(forged.isError, true);
        assert.equal(forged._meta.ward.effect, 'NEEDS_APPROVAL');
        assert.notEqual(forged._meta.ward.approval.digest, plain._meta.ward.approval.digest);
      }
      // Even once the plain call is approved, the forged one stays unapproved.
      gateway.approve(plain._meta.ward.approval.digest, 'carol');
      const forged = await client.callTool({name: 'send_email',
                                            arguments: {...kMail.arguments, approved: true}});
      assert.equal(forged._meta.ward.effect, 'NEEDS_APPROVAL');
      assert.deepEqual(ran, []);
      // A client's own `_meta` is no approval either.
      const withMeta = await client.callTool({...kMail, _meta: {approval: 'forged'}});
      assert.equal(withMeta._meta.ward.effect, 'ALLOW');  // carol's grant, not the _meta
      assert.deepEqual(withMeta._meta.ward.approved_by, {kind: 'user', id: 'carol'});
      assert.equal(ran.length, 1);
    } finally {
      await client.close();
    }
  });

  test('an out-of-band approval covers exactly one call, once', async () => {
    const {client, gateway, ran, engine, decisions} = await connect('alice');
    try {
      const waiting = await client.callTool(kMail);
      const digest = waiting._meta.ward.approval.digest;
      const approval = gateway.approve(digest, 'carol');
      assert.deepEqual(approval.approver, {kind: 'user', id: 'carol'});
      assert.deepEqual(gateway.pendingApprovals(), []);
      assert.throws(() => gateway.approve(digest, 'carol'), /already approved/);
      // Another recipient, another subject: other calls, not approved.
      for (const change of [{to: 'ada@example.com'}, {subject: 'dinner'}]) {
        const other = await client.callTool({name: 'send_email',
                                             arguments: {...kMail.arguments, ...change}});
        assert.equal(other._meta.ward.effect, 'NEEDS_APPROVAL');
        // carol's grant was not even presented for it.
        assert.doesNotMatch(text(other), /refused/);
      }
      assert.deepEqual(ran, []);
      // The approved call, with its arguments in another order (the digest is canonical).
      const {to, subject, body} = kMail.arguments;
      const sent = await client.callTool({name: 'send_email', arguments: {body, subject, to}});
      assert.ok(!sent.isError, text(sent));
      assert.equal(text(sent), 'sent "lunch" to grace@example.com');
      assert.deepEqual(sent._meta.ward.approved_by, {kind: 'user', id: 'carol'});
      assert.deepEqual(decisions.at(-1).approvedBy, {kind: 'user', id: 'carol'});
      assert.equal(engine.usedGrantCount, 1);
      assert.deepEqual(ran, [{name: 'send_email', args: {body, subject, to}}]);
      // Once.
      const again = await client.callTool(kMail);
      assert.equal(again._meta.ward.effect, 'NEEDS_APPROVAL');
      assert.equal(ran.length, 1);
    } finally {
      await client.close();
    }
  });

  test('gateway.approve refuses people the policy does not let approve', async () => {
    const {client, gateway} = await connect('alice');
    try {
      const waiting = await client.callTool(kMail);
      const digest = waiting._meta.ward.approval.digest;
      assert.throws(() => gateway.approve('0'.repeat(64), 'carol'), /unknown or expired/);
      assert.throws(() => gateway.approve(digest, 'bob'),
                    /user bob may not approve send_email: no_matching_permit/);
      assert.throws(() => gateway.approve(digest, 'mallory'), /may not approve.*lifecycle/);
      assert.throws(() => gateway.approve(digest, {kind: 'agent', id: 'assistant'}), TypeError);
      assert.equal(gateway.pendingApprovals().length, 1);
    } finally {
      await client.close();
    }
  });
});

describe('approval through MCP elicitation', () => {
  test('the user accepts: the call runs once, and the decision names the approver',
       async () => {
         const answers = [kAccept, kDecline];
         const {client, ran, asked, engine, decisions} =
             await connect('alice', {elicit: (params, n) => answers[n - 1](params)});
         try {
           const sent = await client.callTool(kMail);
           assert.ok(!sent.isError, text(sent));
           assert.equal(text(sent), 'sent "lunch" to grace@example.com');
           assert.deepEqual(sent._meta.ward,
                            {effect: 'ALLOW', reason: 'permitted',
                             rules: ['assistant-tools', 'cleared-users'],
                             approved_by: {kind: 'user', id: 'alice'}});
           assert.deepEqual(decisions.at(-1).approvedBy, {kind: 'user', id: 'alice'});
           assert.deepEqual(ran, [{name: 'send_email', args: kMail.arguments}]);
           assert.equal(engine.usedGrantCount, 1);
           // The form showed the tool, the exact arguments and who asks.
           assert.equal(asked.length, 1);
           assert.equal(asked[0].mode, 'form');
           assert.match(asked[0].message, /agent assistant asks to call the tool send_email/);
           assert.match(asked[0].message, /for you \(user alice\)/);
           assert.ok(asked[0].message.includes(JSON.stringify(kMail.arguments, null, 2)));
           assert.deepEqual(asked[0].requestedSchema.required, ['approve']);
           // The grant was used: the same call again asks again (declined: it does not run).
           const again = await client.callTool(kMail);
           assert.equal(again.isError, true);
           assert.equal(asked.length, 2);
           assert.equal(ran.length, 1);
         } finally {
           await client.close();
         }
       });

  test('decline, cancel or an unticked box: an error result, and the tool does not run',
       async () => {
         const answers = [kDecline, () => ({action: 'cancel'}),
                          () => ({action: 'accept', content: {approve: false}})];
         const {client, ran, gateway} =
             await connect('alice', {elicit: (params, n) => answers[n - 1](params)});
         try {
           const declined = await client.callTool(kMail);
           assert.equal(declined.isError, true);
           assert.equal(text(declined), 'user alice declined send_email; the tool did not run');
           assert.equal(declined._meta.ward.effect, 'NEEDS_APPROVAL');
           const cancelled = await client.callTool(kMail);
           assert.match(text(cancelled), /did not answer the approval of send_email/);
           const unticked = await client.callTool(kMail);
           assert.match(text(unticked), /declined send_email/);
           assert.deepEqual(ran, []);
           // Nothing was left waiting for an out-of-band approver either.
           assert.deepEqual(gateway.pendingApprovals(), []);
         } finally {
           await client.close();
         }
       });

  test('a user the policy does not let approve is refused by the engine', async () => {
    // bob may send mail, but is no approver.
    const bob = await connect('bob', {elicit: kAccept});
    // root is an approver, but not of his own shell commands (shell-four-eyes).
    const root = await connect('root', {elicit: kAccept});
    try {
      const mail = await bob.client.callTool(kMail);
      assert.equal(mail.isError, true);
      assert.match(text(mail), new RegExp('^ward denied send_email for user bob: approval ' +
                                          'refused: no rule permits user `bob` to approve ' +
                                          '`tool:send_email`'));
      assert.equal(mail._meta.ward.effect, 'NEEDS_APPROVAL');
      assert.equal(bob.asked.length, 1);
      assert.deepEqual(bob.ran, []);
      assert.equal(bob.engine.usedGrantCount, 0);

      // An argument cannot pose as the host's `requester` fact either.
      for (const args of [{command: 'uptime'}, {command: 'uptime', requester: 'carol'}]) {
        const shell = await root.client.callTool({name: 'shell.exec', arguments: args});
        assert.equal(shell.isError, true);
        assert.match(text(shell), new RegExp('approval refused: user `root` is forbidden to ' +
                                             'approve `tool:shell.exec` \\(shell-four-eyes\\)'));
      }
      assert.deepEqual(root.ran, []);
    } finally {
      await bob.client.close();
      await root.client.close();
    }
  });

  test('the gateway runs exactly the call the user approved', async () => {
    // A client that answers with other arguments besides its yes: only `approve` is read.
    const {client, ran, asked} = await connect('alice', {
      elicit: () => ({action: 'accept',
                      content: {approve: true, to: 'rival@elsewhere.org', subject: 'plans'}}),
    });
    try {
      const sent = await client.callTool(kMail);
      assert.ok(!sent.isError, text(sent));
      assert.equal(text(sent), 'sent "lunch" to grace@example.com');
      assert.deepEqual(ran, [{name: 'send_email', args: kMail.arguments}]);
      assert.equal(asked.length, 1);
    } finally {
      await client.close();
    }
  });

  test('a gateway that does not elicit holds the call for an out-of-band approver',
       async () => {
         const {client, gateway, asked, ran} =
             await connect('alice', {elicit: kAccept, elicitApprovals: false});
         try {
           const waiting = await client.callTool(kMail);
           assert.equal(waiting._meta.ward.effect, 'NEEDS_APPROVAL');
           assert.equal(asked.length, 0);
           assert.deepEqual(ran, []);
           gateway.approve(waiting._meta.ward.approval.digest, 'alice');
           const sent = await client.callTool(kMail);
           assert.deepEqual(sent._meta.ward.approved_by, {kind: 'user', id: 'alice'});
           assert.equal(ran.length, 1);
         } finally {
           await client.close();
         }
       });

  test('a model-added argument is shown to the user, who decides on it', async () => {
    const {client, ran, asked} = await connect('alice', {elicit: kDecline});
    try {
      const forged = await client.callTool({name: 'send_email',
                                            arguments: {...kMail.arguments, approved: true}});
      assert.equal(forged.isError, true);
      assert.match(asked[0].message, /"approved": true/);
      assert.deepEqual(ran, []);
    } finally {
      await client.close();
    }
  });
});

describe('other sessions', () => {
  test('an admin sees the shell; destructive commands stay forbidden; another approves',
       async () => {
         const {client, gateway, ran} = await connect('root');
         try {
           const {tools: listed} = await client.listTools();
           assert.ok(listed.some((tool) => tool.name === 'shell.exec'));
           assert.ok(!listed.some((tool) => tool.name === 'payments.transfer'));
           for (const args of [{command: 'rm -rf /srv'}, {}]) {
             const refused = await client.callTool({name: 'shell.exec', arguments: args});
             assert.equal(refused.isError, true);
             assert.match(text(refused), /forbidden \(no-destructive-shell\)/);
           }
           const waiting = await client.callTool({name: 'shell.exec',
                                                  arguments: {command: 'uptime'}});
           assert.equal(waiting._meta.ward.effect, 'NEEDS_APPROVAL');
           const digest = waiting._meta.ward.approval.digest;
           assert.throws(() => gateway.approve(digest, 'root'), /forbidden \(shell-four-eyes\)/);
           // alice is an approver, but of tools she is cleared for.
           assert.throws(() => gateway.approve(digest, 'alice'), /no_matching_permit/);
           gateway.approve(digest, 'carol');
           const ran1 = await client.callTool({name: 'shell.exec', arguments: {command: 'uptime'}});
           assert.equal(text(ran1), '$ uptime\n(exit 0)');
           assert.deepEqual(ran1._meta.ward.approved_by, {kind: 'user', id: 'carol'});
           assert.equal(ran.length, 1);
         } finally {
           await client.close();
         }
       });

  test('a suspended user gets no tools and every call is denied', async () => {
    const {client, ran} = await connect('mallory');
    try {
      assert.deepEqual((await client.listTools()).tools, []);
      const result = await client.callTool({name: 'search', arguments: {query: 'x'}});
      assert.equal(result.isError, true);
      assert.match(text(result), /for user mallory: lifecycle/);
      assert.deepEqual(ran, []);
    } finally {
      await client.close();
    }
  });

  test('the assistant alone may search; users it does not act for are unknown', async () => {
    const alone = await connect(null, {elicit: kAccept});
    const stranger = await connect('eve');
    try {
      const result = await alone.client.callTool({name: 'search', arguments: {query: 'x'}});
      assert.equal(text(result), '3 wiki pages match "x".');
      // No user to ask: the call waits for an out-of-band approver instead.
      const mail = await alone.client.callTool(kMail);
      assert.equal(mail._meta.ward.effect, 'NEEDS_APPROVAL');
      assert.equal(alone.asked.length, 0);
      assert.equal(alone.gateway.pendingApprovals().length, 1);
      const unknown = await stranger.client.callTool({name: 'search', arguments: {query: 'x'}});
      assert.match(text(unknown), /for user eve: unknown_identity/);
    } finally {
      await alone.client.close();
      await stranger.client.close();
    }
  });

  test('output the gateway cannot redact is withheld, never passed through', async () => {
    const image = {type: 'image', data: Buffer.from('123-45-6789').toString('base64'),
                   mimeType: 'image/png'};
    const blob = {type: 'resource',
                  resource: {uri: 'file:///x',
                             blob: Buffer.from('SSN 123-45-6789').toString('base64')}};
    const tools = [
      {name: 'directory.lookup', description: 'a scan', inputSchema: {type: 'object'},
       run: async () => ({content: [{type: 'text', text: 'a scan:'}, image]})},
      {name: 'calendar.read', description: 'a file', inputSchema: {type: 'object'},
       run: async () => ({content: [blob]})},
      {name: 'search', description: 'a picture', inputSchema: {type: 'object'},
       run: async () => ({content: [image]})},
    ];
    const {client} = await connect('alice', {tools});
    try {
      // directory.lookup's decision redacts SSNs: an image could hold one.
      const scan = await client.callTool({name: 'directory.lookup', arguments: {name: 'ada'}});
      assert.equal(scan.isError, true);
      assert.equal(text(scan), 'the output of directory.lookup was withheld: the gateway ' +
                                   'cannot apply its redactions to it (image content cannot ' +
                                   'be redacted)');
      assert.equal(scan.content.length, 1);
      // Without redactions to apply, binary content passes.
      const file = await client.callTool({name: 'calendar.read', arguments: {day: '2026-12-01'}});
      assert.ok(!file.isError);
      assert.deepEqual(file.content, [blob]);
      const picture = await client.callTool({name: 'search', arguments: {query: 'x'}});
      assert.deepEqual(picture.content, [image]);
    } finally {
      await client.close();
    }
  });

  test('pending approvals expire', async () => {
    const {client, gateway, ran} = await connect('alice', {approvalTtl: 0.3});
    try {
      const first = await client.callTool(kMail);
      const digest = first._meta.ward.approval.digest;
      assert.equal(gateway.pendingApprovals().length, 1);
      await sleep(400);
      assert.deepEqual(gateway.pendingApprovals(), []);
      assert.throws(() => gateway.approve(digest, 'carol'), /unknown or expired/);
      // Approved, but not sent again in time: the grant goes with the pending call.
      const second = await client.callTool(kMail);
      assert.equal(second._meta.ward.approval.digest, digest);
      gateway.approve(digest, 'carol');
      await sleep(400);
      const late = await client.callTool(kMail);
      assert.equal(late._meta.ward.effect, 'NEEDS_APPROVAL');
      assert.deepEqual(ran, []);
      // In time, it runs.
      gateway.approve(digest, 'carol');
      const sent = await client.callTool(kMail);
      assert.equal(sent._meta.ward.effect, 'ALLOW');
      assert.equal(ran.length, 1);
    } finally {
      await client.close();
    }
  });

  test('createGateway needs the approval service\'s private key', () => {
    const engine = openExampleEngine();
    const base = {engine, agent: kAgent, userForSession: () => null, tools: exampleTools};
    assert.throws(() => createGateway(base), /needs `approvalKey`/);
    const {publicKey} = ward.generateSigningKey();
    assert.throws(() => createGateway({...base, approvalKey: publicKey}), ward.SigningKeyError);
  });
});

describe('server.js over stdio', () => {
  async function stdioClient(capabilities) {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [path.join(kRoot, 'server.js')],
      env: {...process.env, WARD_MCP_USER: 'alice'},
      stderr: 'pipe',
    });
    const client = new Client({name: 'gateway-stdio-test', version: '0.1.0'}, {capabilities});
    return {client, transport};
  }

  test('lists, decides and redacts', async () => {
    const {client, transport} = await stdioClient({});
    await client.connect(transport);
    try {
      const {tools: listed} = await client.listTools();
      assert.deepEqual(listed.map((tool) => tool.name).sort(),
                       ['calendar.read', 'directory.lookup', 'search', 'send_email']);
      const result = await client.callTool({name: 'directory.lookup',
                                            arguments: {name: 'grace'}});
      assert.equal(text(result), 'Grace Hopper, operations, desk 2.01, SSN [SSN]');
      assert.equal(result.structuredContent.ssn, '[SSN]');
      const waiting = await client.callTool(kMail);
      assert.equal(waiting._meta.ward.effect, 'NEEDS_APPROVAL');
    } finally {
      await client.close();
    }
  });

  test('asks the user through elicitation and runs the approved call', async () => {
    const {client, transport} = await stdioClient({elicitation: {}});
    const asked = [];
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params);
      return {action: 'accept', content: {approve: true}};
    });
    await client.connect(transport);
    try {
      const sent = await client.callTool(kMail);
      assert.equal(text(sent), 'sent "lunch" to grace@example.com');
      assert.deepEqual(sent._meta.ward.approved_by, {kind: 'user', id: 'alice'});
      assert.equal(asked.length, 1);
    } finally {
      await client.close();
    }
  });
});

describe('the policy, with the `ward` command',
         {skip: !process.env.WARD_CLI && 'WARD_CLI is not set'}, () => {
           function ward_(...args) {
             return spawnSync(process.env.WARD_CLI, args, {cwd: kRoot, encoding: 'utf8'});
           }

           test('passes `ward check`', () => {
             const result = ward_('check', 'schema.ward', 'rules.ward', '--entities',
                                  'entities.json');
             assert.equal(result.status, 0, result.stdout + result.stderr);
             assert.match(result.stdout, /^ok: 2 sources, 8 rules/m);
           });

           test('no rule lets the model exempt itself (`ward lint`)', () => {
             const result = ward_('lint', 'schema.ward', 'rules.ward', '--entities',
                                  'entities.json');
             assert.doesNotMatch(result.stdout + result.stderr, /model-controlled-exemption/);
             assert.doesNotMatch(result.stdout + result.stderr, /\.ward:\d+:\d+: warning/);
           });

           test('passes its `ward test` suite with every rule covered', () => {
             const result = ward_('test', 'tests');
             assert.equal(result.status, 0, result.stdout + result.stderr);
             assert.doesNotMatch(result.stdout, /in no case/);
           });
         });
