'use strict';
// ward-mcp-proxy: an MCP server that puts ward in front of another MCP server. See README.md.

const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');

const {StdioServerTransport} = require('@modelcontextprotocol/sdk/server/stdio.js');
const {StreamableHTTPServerTransport} =
    require('@modelcontextprotocol/sdk/server/streamableHttp.js');
const {isInitializeRequest} = require('@modelcontextprotocol/sdk/types.js');

const {createGuard} = require('./guard.js');
const {connectUpstream} = require('./upstream.js');
const ward = require('./ward.js');

const kUsage = `usage: ward-mcp-proxy --policy FILE [--policy FILE ...] [--entities FILE]
                      --agent ID [--user ID | --user-header NAME]
                      [--approval-key FILE] [--context JSON] [--decision-log FILE]
                      [--http PORT [--host HOST] [--allowed-host HOST:PORT ...]]
                      [--max-body BYTES]
                      (--upstream URL | -- COMMAND [ARG ...])

Serves MCP (over stdio, or Streamable HTTP at http://HOST:PORT/mcp with --http) and passes
each tools/list and tools/call to the upstream server (the COMMAND it starts, or the URL),
deciding every call with ward first: agent ID calls tools on behalf of the session's user.

  --policy FILE        a .ward file of the policy (repeat for each file)
  --entities FILE      the entity file (identities, tools and their attributes)
  --agent ID           the agent the MCP client is (kind agent)
  --user ID            the user the session acts for (stdio; over HTTP, every session's)
  --user-header NAME   over HTTP: the request header naming the session's user, set by the
                       authenticating proxy in front (default x-ward-user)
  --approval-key FILE  the approval service's private key (PKCS#8 PEM, Ed25519): calls that
                       need approval are put to the session's user (MCP elicitation) and, on
                       yes, run with a grant signed by it. Without it they are refused.
  --context JSON       further facts the host asserts in every request's context (an object)
  --decision-log FILE  record every decision, one JSON object per line
  --http PORT          serve Streamable HTTP on PORT (0: any free port) instead of stdio
  --host HOST          the address to listen on (default 127.0.0.1)
  --allowed-host HOST:PORT
                       a Host header to serve (repeat for each); by default only
                       127.0.0.1:PORT, localhost:PORT and [::1]:PORT, so that a web page
                       cannot reach the proxy through DNS rebinding
  --max-body BYTES     the largest HTTP request body (default 4194304)
  --upstream URL       the upstream server's Streamable HTTP URL, instead of a COMMAND
`;

class UsageError extends Error {}

function parseArgs(argv) {
  const options = {policies: [], userHeader: 'x-ward-user', host: '127.0.0.1',
                   maxBody: 4 * 1024 * 1024, allowedHosts: []};
  const value = (i, flag) => {
    if (i + 1 >= argv.length) throw new UsageError(`${flag} needs a value`);
    return argv[i + 1];
  };
  let i = 0;
  for (; i < argv.length; ++i) {
    const flag = argv[i];
    if (flag === '--') {
      ++i;
      break;
    }
    switch (flag) {
      case '--help':
      case '-h':
        options.help = true;
        continue;
      case '--policy': options.policies.push(value(i, flag)); break;
      case '--entities': options.entities = value(i, flag); break;
      case '--agent': options.agent = value(i, flag); break;
      case '--user': options.user = value(i, flag); break;
      case '--user-header': options.userHeader = value(i, flag).toLowerCase(); break;
      case '--approval-key': options.approvalKey = value(i, flag); break;
      case '--context': options.context = value(i, flag); break;
      case '--decision-log': options.decisionLog = value(i, flag); break;
      case '--http': options.http = value(i, flag); break;
      case '--host': options.host = value(i, flag); break;
      case '--max-body': options.maxBody = value(i, flag); break;
      case '--allowed-host': options.allowedHosts.push(value(i, flag)); break;
      case '--upstream': options.upstream = value(i, flag); break;
      default:
        throw new UsageError(`unknown option ${flag}`);
    }
    ++i;
  }
  if (options.help) return options;
  options.command = argv.slice(i);
  if (options.policies.length === 0) throw new UsageError('--policy is required');
  if (options.agent === undefined || options.agent === '') {
    throw new UsageError('--agent is required: the id of the agent the MCP client is');
  }
  if ((options.upstream === undefined) === (options.command.length === 0)) {
    throw new UsageError('name the upstream server: --upstream URL or -- COMMAND [ARG ...]');
  }
  if (options.upstream !== undefined) {
    try {
      new URL(options.upstream);
    } catch (_) {
      throw new UsageError(`--upstream ${options.upstream} is not a URL`);
    }
  }
  if (options.http === undefined && options.user === undefined) {
    throw new UsageError('--user is required over stdio: the user the session acts for');
  }
  if (options.http !== undefined) {
    const port = Number(options.http);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new UsageError(`--http ${options.http} is not a port number`);
    }
    options.http = port;
  }
  const maxBody = Number(options.maxBody);
  if (!Number.isInteger(maxBody) || maxBody < 1) {
    throw new UsageError(`--max-body ${options.maxBody} is not a positive number of bytes`);
  }
  options.maxBody = maxBody;
  if (options.context !== undefined) {
    let context;
    try {
      context = JSON.parse(options.context);
    } catch (error) {
      throw new UsageError(`--context is not JSON: ${error.message}`);
    }
    if (context === null || typeof context !== 'object' || Array.isArray(context)) {
      throw new UsageError('--context must be a JSON object');
    }
    options.context = context;
  }
  return options;
}

function readFile(path, what) {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the ${what} ${path}: ${error.message}`);
  }
}

// A JSON-RPC error response with no id, for requests refused before MCP sees them.
function refuse(res, status, message) {
  if (res.headersSent) return;
  res.writeHead(status, {'content-type': 'application/json'});
  res.end(JSON.stringify({jsonrpc: '2.0', error: {code: -32000, message}, id: null}));
}

// The request's body as text. Past maxBytes the rest is read and dropped (the client gets its
// 413 rather than a reset connection); Node's request timeout bounds how long that may take.
function readBody(req, maxBytes) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > maxBytes) {
        reject(Object.assign(new Error(`the body is larger than ${maxBytes} bytes`),
                             {status: 413}));
      } else {
        resolve(Buffer.concat(chunks).toString('utf8'));
      }
    });
    req.on('error', reject);
  });
}

// Streamable HTTP at /mcp: one MCP server and transport per session (`sessions`: session id
// -> {transport, user}). The session's user is fixed when the session starts (--user, or the
// user header), and every later request of the session must name the same user.
function serveHttp(guard, options, sessions, log) {
  function userOf(req) {
    if (options.user !== undefined) return options.user;
    const value = req.headers[options.userHeader];
    return typeof value === 'string' && value !== '' ? value : undefined;
  }

  // Which Host headers are served: against DNS rebinding, a page in a browser that names its
  // own domain cannot reach a proxy listening on this machine.
  function hostAllowed(req) {
    const host = req.headers.host;
    if (options.allowedHosts.length > 0) return options.allowedHosts.includes(host);
    const {port} = req.socket.address();
    return ['127.0.0.1', 'localhost', '[::1]'].some((name) => host === `${name}:${port}`);
  }

  async function handle(req, res) {
    if (!hostAllowed(req)) {
      return refuse(res, 403, `host ${req.headers.host} is not served (--allowed-host)`);
    }
    const url = new URL(req.url, 'http://localhost');
    if (url.pathname === '/health') {
      res.writeHead(200, {'content-type': 'text/plain'});
      res.end('ok\n');
      return;
    }
    if (url.pathname !== '/mcp') return refuse(res, 404, `no such path ${url.pathname}: use /mcp`);
    const user = userOf(req);
    if (user === undefined) {
      return refuse(res, 401, `the request has no ${options.userHeader} header naming the user`);
    }
    let body;
    if (req.method === 'POST') {
      const text = await readBody(req, options.maxBody);
      try {
        body = JSON.parse(text);
      } catch (error) {
        return refuse(res, 400, `the body is not JSON: ${error.message}`);
      }
    }
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const session = sessions.get(sessionId);
      if (session === undefined) return refuse(res, 404, 'no such session');
      if (session.user !== user) return refuse(res, 403, 'the session belongs to another user');
      return session.transport.handleRequest(req, res, body);
    }
    if (req.method !== 'POST' || !isInitializeRequest(body)) {
      return refuse(res, 400, 'no session: start one with an initialize request');
    }
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
      onsessioninitialized: (id) => sessions.set(id, {transport, user}),
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined) sessions.delete(transport.sessionId);
    };
    await guard.createServer().connect(transport);
    return transport.handleRequest(req, res, body);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (error.status === 413) return refuse(res, 413, error.message);
      log(`error serving ${req.method} ${req.url}: ${error.message}`);
      refuse(res, 500, 'internal error');
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.http, options.host, () => {
      const {address, port} = server.address();
      const host = address.includes(':') ? `[${address}]` : address;
      log(`serving MCP at http://${host}:${port}/mcp`);
      resolve(async () => {
        for (const {transport} of sessions.values()) await transport.close().catch(() => {});
        server.closeAllConnections();
        await new Promise((done) => server.close(() => done()));
      });
    });
  });
}

// Starts the proxy; resolves to a function that stops it.
async function start(options, log) {
  let approvalKey;
  const approvalKeys = [];
  if (options.approvalKey !== undefined) {
    approvalKey = readFile(options.approvalKey, 'approval key');
    approvalKeys.push(ward.publicKeyOf(approvalKey));
  }
  const engineOptions = {approvalKeys};
  if (options.entities !== undefined) engineOptions.entities = options.entities;
  const engine = ward.Engine.fromFiles(options.policies, engineOptions);
  let decisionLog = null;
  if (options.decisionLog !== undefined) {
    decisionLog = ward.DecisionLog.toFile(options.decisionLog);
    engine.setDecisionLog(decisionLog);
  }

  let guard = null;
  const upstream = await connectUpstream({
    ...(options.upstream !== undefined ?
            {url: options.upstream} :
            {command: options.command[0], args: options.command.slice(1)}),
    onToolsChanged: () => {
      if (guard !== null) guard.toolsChanged();
    },
  });

  const sessions = new Map();
  const fixedUser = options.user === undefined ? null : {kind: 'user', id: options.user};
  guard = createGuard({
    engine,
    backend: upstream,
    agent: {kind: 'agent', id: options.agent},
    // Over HTTP, the user the session started with; over stdio, --user.
    userForSession: (extra) => {
      const session = extra && extra.sessionId !== undefined ? sessions.get(extra.sessionId) :
                                                               undefined;
      return session !== undefined ? {kind: 'user', id: session.user} : fixedUser;
    },
    approvalKey,
    // Approvals come from the session's user through the client; there is no other channel.
    outOfBandApprovals: false,
    contextForSession: options.context === undefined ? undefined : () => options.context,
  });

  let stopServing;
  if (options.http !== undefined) {
    stopServing = await serveHttp(guard, options, sessions, log);
  } else {
    const server = guard.createServer();
    const transport = new StdioServerTransport();
    await server.connect(transport);
    stopServing = () => server.close();
    log(`serving MCP over stdio: agent ${options.agent} for user ${options.user}`);
  }
  return async () => {
    await stopServing();
    await upstream.close().catch(() => {});
    if (decisionLog !== null) {
      engine.setDecisionLog(null);
      decisionLog.close();
    }
    engine.close();
  };
}

// Runs the command line; resolves to the exit status once the proxy has stopped (on SIGINT,
// SIGTERM, the end of standard input over stdio, or the upstream's end).
async function main(argv = process.argv.slice(2)) {
  const log = (message) => process.stderr.write(`ward-mcp-proxy: ${message}\n`);
  let options;
  try {
    options = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`ward-mcp-proxy: ${error.message}\n\n${kUsage}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(kUsage);
    return 0;
  }
  let stop;
  try {
    stop = await start(options, log);
  } catch (error) {
    log(error.message);
    return 1;
  }
  return new Promise((resolve) => {
    let stopping = false;
    const finish = (status, why) => {
      if (stopping) return;
      stopping = true;
      if (why) log(why);
      stop().then(() => resolve(status), (error) => {
        log(`while stopping: ${error.message}`);
        resolve(1);
      });
    };
    process.once('SIGINT', () => finish(0));
    process.once('SIGTERM', () => finish(0));
    if (options.http === undefined) process.stdin.once('end', () => finish(0));
  });
}

module.exports = {main, parseArgs, kUsage};
