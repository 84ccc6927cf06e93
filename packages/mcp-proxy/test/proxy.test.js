'use strict';
// ward-mcp-proxy end to end: the SDK's Client talks to the proxy's command, which guards two
// different upstream servers: the tools of examples/mcp-gateway (a stdio upstream the proxy
// starts, served over stdio) and a server written here (a Streamable HTTP upstream, served
// over Streamable HTTP). Run with `node --test test/`.

const assert = require('node:assert/strict');
const {spawn} = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const {after, before, describe, test} = require('node:test');

const {Client} = require('@modelcontextprotocol/sdk/client/index.js');
const {StdioClientTransport} = require('@modelcontextprotocol/sdk/client/stdio.js');
const {StreamableHTTPClientTransport} =
    require('@modelcontextprotocol/sdk/client/streamableHttp.js');
const {Server} = require('@modelcontextprotocol/sdk/server/index.js');
const {StreamableHTTPServerTransport} =
    require('@modelcontextprotocol/sdk/server/streamableHttp.js');
const {CallToolRequestSchema, ElicitRequestSchema, ListToolsRequestSchema,
       ToolListChangedNotificationSchema} = require('@modelcontextprotocol/sdk/types.js');

const ward = require('../lib/ward.js');

const kProxy = path.resolve(__dirname, '..', 'bin', 'ward-mcp-proxy.js');
const kExample = path.resolve(__dirname, '..', '..', '..', 'examples', 'mcp-gateway');
const kExampleUpstream = path.join(__dirname, 'fixtures', 'example-upstream.js');

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ward-mcp-proxy-test-'));
after(() => fs.rmSync(scratch, {recursive: true, force: true}));

function write(name, text) {
  const file = path.join(scratch, name);
  fs.writeFileSync(file, text);
  return file;
}

function text(result) {
  return result.content.filter((item) => item.type === 'text').map((item) => item.text).join('\n');
}

function lines(file) {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter((line) => line !== '');
}

async function waitFor(what, predicate, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// Runs the proxy's command to its end; resolves to {status, stderr}.
function runProxy(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [kProxy, ...args], {stdio: ['ignore', 'pipe', 'pipe']});
    let stderr = '';
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.on('close', (status) => resolve({status, stderr}));
  });
}

describe('the package', () => {
  test('`npm pack` ships the command, the library and the README, not the tests', () => {
    const {execFileSync} = require('node:child_process');
    const [packed] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json'],
                                             {cwd: path.resolve(__dirname, '..'),
                                              encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']}));
    assert.equal(packed.name, 'ward-mcp-proxy');
    assert.deepEqual(packed.files.map((file) => file.path).sort(), [
      'README.md', 'bin/ward-mcp-proxy.js', 'index.js', 'lib/cli.js', 'lib/guard.js',
      'lib/upstream.js', 'lib/ward.js', 'package.json',
    ]);
    const manifest = require('../package.json');
    assert.equal(manifest.bin['ward-mcp-proxy'], 'bin/ward-mcp-proxy.js');
    assert.match(fs.readFileSync(kProxy, 'utf8'), /^#!\/usr\/bin\/env node\n/);
  });

  test('the library exports the guard, the upstream connector and the command', () => {
    const proxy = require('..');
    for (const name of ['createGuard', 'connectUpstream', 'main']) {
      assert.equal(typeof proxy[name], 'function', name);
    }
    assert.throws(() => proxy.createGuard({}), /createGuard needs `engine`/);
  });
});

describe('the command line', () => {
  test('refuses incomplete or wrong options with exit status 2 and says why', async () => {
    const policy = ['--policy', path.join(kExample, 'schema.ward')];
    const cases = [
      [[], '--policy is required'],
      [[...policy, '--user', 'alice', '--', 'x'], '--agent is required'],
      [[...policy, '--agent', 'a', '--user', 'alice'], 'name the upstream server'],
      [[...policy, '--agent', 'a', '--user', 'u', '--upstream', 'u', '--', 'x'],
       'name the upstream server'],
      [[...policy, '--agent', 'a', '--', 'x'], '--user is required over stdio'],
      [[...policy, '--agent', 'a', '--http', 'port', '--', 'x'], '--http port is not a port'],
      [[...policy, '--agent', 'a', '--user', 'u', '--context', '[1]', '--', 'x'],
       '--context must be a JSON object'],
      [[...policy, '--agent', 'a', '--user', 'u', '--upstream', 'not a url'], 'is not a URL'],
      [[...policy, '--bogus'], 'unknown option --bogus'],
    ];
    for (const [args, message] of cases) {
      const {status, stderr} = await runProxy(args);
      assert.equal(status, 2, `${args.join(' ')}: ${stderr}`);
      assert.match(stderr, new RegExp(message.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')));
      assert.match(stderr, /usage: ward-mcp-proxy/);
    }
  });

  test('a policy that does not compile stops it with status 1 and the file:line:col', async () => {
    const bad = write('bad.ward', 'schema { user {} resource tool {} action invoke on tool }\n' +
                                  'permit user to invoke on tol;\n');
    const {status, stderr} = await runProxy(['--policy', bad, '--agent', 'a', '--user', 'u',
                                             '--', process.execPath, kExampleUpstream]);
    assert.equal(status, 1, stderr);
    assert.match(stderr, /bad\.ward:2:\d+/);
  });
});

describe('over stdio, in front of the example\'s tools (a stdio upstream)', () => {
  const keys = ward.generateSigningKey();
  const keyFile = write('approval.pem', keys.privateKey);
  const logFile = path.join(scratch, 'stdio-decisions.jsonl');
  const callsFile = path.join(scratch, 'stdio-upstream-calls.txt');
  const elicited = [];
  let answer = {action: 'accept', content: {approve: true}};
  let client;
  let transport;

  before(async () => {
    transport = new StdioClientTransport({
      command: process.execPath,
      args: [kProxy, '--policy', path.join(kExample, 'schema.ward'),
             '--policy', path.join(kExample, 'rules.ward'),
             '--entities', path.join(kExample, 'entities.json'), '--agent', 'assistant',
             '--user', 'alice', '--approval-key', keyFile, '--decision-log', logFile,
             '--', process.execPath, kExampleUpstream],
      env: {...process.env, UPSTREAM_CALLS: callsFile},
      stderr: 'pipe',
    });
    client = new Client({name: 'proxy-test', version: '0.1.0'},
                        {capabilities: {elicitation: {form: {}}}});
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      elicited.push(request.params);
      return answer;
    });
    await client.connect(transport);
  });

  test('tools/list shows the tools alice may use through the assistant', async () => {
    const {tools} = await client.listTools();
    assert.deepEqual(tools.map((tool) => tool.name).sort(),
                     ['calendar.read', 'directory.lookup', 'search', 'send_email']);
    const lookup = tools.find((tool) => tool.name === 'directory.lookup');
    assert.deepEqual(lookup.inputSchema.required, ['name']);  // upstream's schema, unchanged
  });

  test('an allowed call reaches the upstream and its output leaves redacted', async () => {
    const result = await client.callTool({name: 'directory.lookup', arguments: {name: 'ada'}});
    assert.notEqual(result.isError, true, text(result));
    assert.match(text(result), /Ada Lovelace, engineering, desk 4\.12, SSN \[SSN\]/);
    assert.doesNotMatch(JSON.stringify(result), /123-45-6789/);
    assert.equal(result.structuredContent.ssn, '[SSN]');
    assert.equal(result._meta.ward.effect, 'ALLOW');
    assert.ok(lines(callsFile).includes('directory.lookup'));
  });

  test('a denied call is an error result with the reason and never reaches the upstream',
       async () => {
         const before = lines(callsFile).length;
         const result = await client.callTool({name: 'shell.exec', arguments: {command: 'ls'}});
         assert.equal(result.isError, true);
         assert.equal(text(result), 'ward denied shell.exec for user alice: no_matching_permit');
         assert.equal(result._meta.ward.effect, 'DENY');
         assert.equal(lines(callsFile).length, before);
       });

  test('a call that needs approval is put to alice; on yes it runs once, approved by her',
       async () => {
         answer = {action: 'accept', content: {approve: true}};
         const asked = elicited.length;
         const args = {to: 'grace@example.com', subject: 'lunch', body: 'noon?'};
         const result = await client.callTool({name: 'send_email', arguments: args});
         assert.notEqual(result.isError, true, text(result));
         assert.equal(elicited.length, asked + 1);
         assert.match(elicited[asked].message, /"to": "grace@example.com"/);
         assert.deepEqual(result._meta.ward.approved_by, {kind: 'user', id: 'alice'});
         assert.equal(lines(callsFile).filter((name) => name === 'send_email').length, 1);
       });

  test('on no, the tool does not run', async () => {
    answer = {action: 'decline'};
    const before = lines(callsFile).length;
    const result = await client.callTool(
        {name: 'send_email', arguments: {to: 'ada@example.com', subject: 's', body: 'b'}});
    assert.equal(result.isError, true);
    assert.equal(text(result), 'user alice declined send_email; the tool did not run');
    assert.equal(lines(callsFile).length, before);
  });

  test('a client that cannot elicit is told so, with the digest; the tool does not run',
       async () => {
         const plain = new Client({name: 'proxy-test-plain', version: '0.1.0'});
         const plainTransport = new StdioClientTransport({
           command: process.execPath,
           args: [kProxy, '--policy', path.join(kExample, 'schema.ward'),
                  '--policy', path.join(kExample, 'rules.ward'),
                  '--entities', path.join(kExample, 'entities.json'), '--agent', 'assistant',
                  '--user', 'alice', '--approval-key', keyFile,
                  '--', process.execPath, kExampleUpstream],
           env: {...process.env, UPSTREAM_CALLS: callsFile},
           stderr: 'pipe',
         });
         await plain.connect(plainTransport);
         const before = lines(callsFile).length;
         const result = await plain.callTool(
             {name: 'send_email', arguments: {to: 'ada@example.com', subject: 's', body: 'b'}});
         assert.equal(result.isError, true);
         assert.match(text(result), /^send_email needs a person's approval \(high-risk-needs-approval\), and this client cannot ask for it \(it does not support MCP elicitation\) \(approval digest [0-9a-f]{64}\)\. The tool did not run\.$/);
         assert.equal(lines(callsFile).length, before);
         await plain.close();
       });

  test('every decision is in the decision log once the proxy stops', async () => {
    await client.close();
    await waitFor('the decision log', () => lines(logFile).length >= 5);
    const records = lines(logFile).map((line) => JSON.parse(line));
    // directory.lookup, shell.exec, send_email twice (asked, then with the grant), the declined
    // send_email.
    assert.deepEqual(records.map((record) => [record.resource.id, record.effect]), [
      ['directory.lookup', 'ALLOW'], ['shell.exec', 'DENY'], ['send_email', 'NEEDS_APPROVAL'],
      ['send_email', 'ALLOW'], ['send_email', 'NEEDS_APPROVAL'],
    ]);
    assert.ok(records.every((record) => record.subject.id === 'assistant'));
  });
});

// The upstream written here: Streamable HTTP, its own tools, one of which adds a tool and says
// so (notifications/tools/list_changed).
function startHttpUpstream() {
  const calls = [];
  const tools = [
    {name: 'echo', description: 'says it back, with the secret',
     inputSchema: {type: 'object', properties: {say: {type: 'string'}}}},
    {name: 'fail', description: 'a tool that reports its own error',
     inputSchema: {type: 'object'}},
    {name: 'vault', description: 'for no one', inputSchema: {type: 'object'}},
    {name: 'grow', description: 'adds the tool `late`', inputSchema: {type: 'object'}},
    {name: 'wire', description: 'needs approval', inputSchema: {type: 'object'}},
  ];
  const servers = new Set();
  function newServer() {
    const server = new Server({name: 'http-upstream', version: '0.1.0'},
                              {capabilities: {tools: {listChanged: true}}});
    server.setRequestHandler(ListToolsRequestSchema, async () => ({tools}));
    server.setRequestHandler(CallToolRequestSchema, async (call) => {
      const {name} = call.params;
      calls.push(name);
      const args = call.params.arguments || {};
      switch (name) {
        case 'echo':
          return {content: [{type: 'text', text: `${args.say} token=sk-ABCDEFGHIJKLMNOPQRSTUV`}],
                  structuredContent: {said: args.say, token: 'sk-ABCDEFGHIJKLMNOPQRSTUV'}};
        case 'fail':
          return {content: [{type: 'text', text: 'the disk is full'}], isError: true};
        case 'grow':
          if (!tools.some((tool) => tool.name === 'late')) {
            tools.push({name: 'late', description: 'added later', inputSchema: {type: 'object'}});
          }
          for (const each of servers) await each.sendToolListChanged();
          return {content: [{type: 'text', text: 'grown'}]};
        default:
          return {content: [{type: 'text', text: `${name} ran`}]};
      }
    });
    servers.add(server);
    return server;
  }
  const transports = new Map();
  const httpServer = http.createServer(async (req, res) => {
    const id = req.headers['mcp-session-id'];
    let transport = typeof id === 'string' ? transports.get(id) : undefined;
    if (transport === undefined) {
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => `upstream-${transports.size + 1}`,
        onsessioninitialized: (sessionId) => transports.set(sessionId, transport),
      });
      await newServer().connect(transport);
    }
    await transport.handleRequest(req, res);
  });
  return new Promise((resolve) => {
    httpServer.listen(0, '127.0.0.1', () => resolve({
      url: `http://127.0.0.1:${httpServer.address().port}/mcp`,
      calls,
      close: async () => {
        for (const transport of transports.values()) await transport.close();
        httpServer.closeAllConnections();
        await new Promise((done) => httpServer.close(done));
      },
    }));
  });
}

// Starts the proxy's command with --http 0; resolves to {url, child, stderr()} once it serves.
function startHttpProxy(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [kProxy, '--http', '0', ...args],
                        {stdio: ['ignore', 'ignore', 'pipe']});
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const match = /serving MCP at (http:\/\/\S+\/mcp)/.exec(stderr);
      if (match) resolve({url: match[1], child, stderr: () => stderr});
    });
    child.on('close', (status) => reject(new Error(`the proxy exited (${status}): ${stderr}`)));
  });
}

const kHttpPolicy = `schema {
  user { team: string }
  agent {}
  resource tool { risk: "low" | "high" }
  action invoke on tool
  action approve on tool
  context { requester: string }
}
@id("team-tools") permit agent to invoke on tool
  when context has requester and resource.risk == "low";
@id("users-own-tools") permit user to invoke on tool when subject.team == "ops";
@id("wire-needs-approval") require_approval any to invoke on tool "wire";
@id("no-vault") forbid any to invoke on tool "vault";
@id("hide-tokens") permit user to invoke on tool "echo"
  when subject.team == "ops"
  with redact(/sk-[A-Za-z0-9]{20,}/, "[TOKEN]");
`;

const kHttpEntities = {
  identities: [
    {kind: 'user', id: 'dana', status: 'active', attrs: {team: 'ops'}},
    {kind: 'user', id: 'erin', status: 'active', attrs: {team: 'sales'}},
    {kind: 'agent', id: 'helper', owner: 'dana', status: 'active'},
  ],
  resources: [
    {type: 'tool', id: 'echo', attrs: {risk: 'low'}},
    {type: 'tool', id: 'fail', attrs: {risk: 'low'}},
    {type: 'tool', id: 'vault', attrs: {risk: 'low'}},
    {type: 'tool', id: 'grow', attrs: {risk: 'low'}},
    {type: 'tool', id: 'late', attrs: {risk: 'low'}},
    {type: 'tool', id: 'wire', attrs: {risk: 'low'}},
  ],
};

describe('over Streamable HTTP, in front of a Streamable HTTP upstream written here', () => {
  let upstream;
  let proxy;

  async function connect(user) {
    const transport = new StreamableHTTPClientTransport(
        new URL(proxy.url), {requestInit: {headers: {'x-ward-user': user}}});
    const client = new Client({name: 'proxy-http-test', version: '0.1.0'});
    const changes = [];
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      changes.push(Date.now());
    });
    await client.connect(transport);
    return {client, transport, changes};
  }

  before(async () => {
    upstream = await startHttpUpstream();
    const policy = write('http.ward', kHttpPolicy);
    const entities = write('http-entities.json', JSON.stringify(kHttpEntities));
    proxy = await startHttpProxy(['--policy', policy, '--entities', entities, '--agent', 'helper',
                                  '--upstream', upstream.url]);
  });

  after(async () => {
    if (proxy !== undefined) {
      proxy.child.kill('SIGTERM');
      await new Promise((resolve) => proxy.child.once('close', resolve));
    }
    if (upstream !== undefined) await upstream.close();
  });

  test('tools/list is filtered for the session\'s user, named by its header', async () => {
    const dana = await connect('dana');
    const {tools} = await dana.client.listTools();
    assert.deepEqual(tools.map((tool) => tool.name).sort(), ['echo', 'fail', 'grow', 'wire']);
    await dana.client.close();
    const erin = await connect('erin');  // not in team ops: the agent may do nothing for her
    assert.deepEqual((await erin.client.listTools()).tools, []);
    await erin.client.close();
  });

  test('allowed: text and structured content leave with the token redacted', async () => {
    const {client} = await connect('dana');
    const result = await client.callTool({name: 'echo', arguments: {say: 'hi'}});
    assert.notEqual(result.isError, true, text(result));
    assert.equal(text(result), 'hi token=[TOKEN]');
    assert.deepEqual(result.structuredContent, {said: 'hi', token: '[TOKEN]'});
    assert.deepEqual(result._meta.ward.rules.sort(), ['hide-tokens', 'team-tools',
                                                      'users-own-tools']);
    await client.close();
  });

  test('the upstream\'s own isError result passes through', async () => {
    const {client} = await connect('dana');
    const result = await client.callTool({name: 'fail', arguments: {}});
    assert.equal(result.isError, true);
    assert.equal(text(result), 'the disk is full');
    assert.equal(result._meta.ward.effect, 'ALLOW');
    await client.close();
  });

  test('denied: an error result, and the upstream never sees the call', async () => {
    const {client} = await connect('dana');
    const before = upstream.calls.length;
    const result = await client.callTool({name: 'vault', arguments: {}});
    assert.equal(result.isError, true);
    assert.equal(text(result), 'ward denied vault for agent helper: forbidden (no-vault)');
    assert.equal(upstream.calls.length, before);
    await client.close();
  });

  test('without an approval key, a call that needs approval is refused with its digest',
       async () => {
         const {client} = await connect('dana');
         const before = upstream.calls.length;
         const result = await client.callTool({name: 'wire', arguments: {amount: 5}});
         assert.equal(result.isError, true);
         assert.match(text(result), /needs a person's approval \(wire-needs-approval\), and this server has no approval key to grant it with \(approval digest [0-9a-f]{64}\)/);
         assert.match(result._meta.ward.approval.digest, /^[0-9a-f]{64}$/);
         assert.equal(upstream.calls.length, before);
         await client.close();
       });

  test('a change of the upstream\'s tools reaches the client, and the list follows',
       async () => {
         const {client, changes} = await connect('dana');
         assert.ok(!(await client.listTools()).tools.some((tool) => tool.name === 'late'));
         await client.callTool({name: 'grow', arguments: {}});
         await waitFor('notifications/tools/list_changed', () => changes.length > 0);
         assert.ok((await client.listTools()).tools.some((tool) => tool.name === 'late'));
         await client.close();
       });

  test('a session keeps its user: another user\'s header on it is refused', async () => {
    const {client, transport} = await connect('dana');
    const response = await fetch(proxy.url, {
      method: 'POST',
      headers: {'content-type': 'application/json', 'accept': 'application/json, text/event-stream',
                'mcp-session-id': transport.sessionId, 'x-ward-user': 'erin',
                'mcp-protocol-version': transport.protocolVersion || '2025-06-18'},
      body: JSON.stringify({jsonrpc: '2.0', id: 7, method: 'tools/list', params: {}}),
    });
    assert.equal(response.status, 403);
    assert.match((await response.json()).error.message, /another user/);
    await client.close();
  });

  test('bad requests get 4xx, and the proxy goes on serving', async () => {
    const post = (body, headers = {'x-ward-user': 'dana'}) => fetch(proxy.url, {
      method: 'POST',
      headers: {'content-type': 'application/json', 'accept': 'application/json, text/event-stream',
                ...headers},
      body,
    });
    assert.equal((await post('{}', {})).status, 401);          // no user header
    assert.equal((await post('{"jsonrpc": ')).status, 400);    // not JSON
    assert.equal((await post(JSON.stringify({jsonrpc: '2.0', id: 1, method: 'tools/list'})))
                     .status, 400);                             // no session
    assert.equal((await post('{}', {'x-ward-user': 'dana', 'mcp-session-id': 'nope'})).status,
                 404);
    assert.equal((await post(`"${'x'.repeat(5 * 1024 * 1024)}"`)).status, 413);
    assert.equal((await fetch(proxy.url.replace(/\/mcp$/, '/other'))).status, 404);
    // Another Host (a rebound DNS name) is not served.
    const {port} = new URL(proxy.url);
    const rebound = await new Promise((resolve, reject) => {
      const req = http.request({host: '127.0.0.1', port, path: '/mcp', method: 'POST',
                                headers: {'host': `evil.example:${port}`, 'x-ward-user': 'dana',
                                          'content-type': 'application/json'}},
                               (res) => resolve(res.statusCode));
      req.on('error', reject);
      req.end('{}');
    });
    assert.equal(rebound, 403);
    const {client} = await connect('dana');
    assert.equal((await client.listTools()).tools.length, 5);  // echo fail grow late wire
    await client.close();
  });
});
