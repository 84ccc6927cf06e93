'use strict';
// The guard: an MCP server whose every tool call is decided by ward first, in front of any
// source of tools (a backend). ward-mcp-proxy puts it in front of an upstream MCP server;
// an embedding can put it in front of tools it runs itself.
//
// The agent (the MCP client's identity) calls tools on behalf of the user of its session. For
// each call the guard asks ward whether that agent, acting for that user, may `invoke` (the
// `action` option) the `tool` (the `resourceType` option) named by the call. The request keeps
// apart what the model wrote and what the host knows, and never copies one into the other:
//
//   args     the call's arguments, exactly as the client sent them (the model wrote them);
//   context  the facts the host asserts about the session: `requester`, the session's user
//            (plus whatever options.contextForSession adds).
//
// The decision:
//
//   ALLOW           the tool runs; its text, its structured content and the text of its
//                   embedded resources leave with the decision's redactions applied. Output the
//                   guard cannot redact becomes an error result: it is never passed through.
//   DENY            an error result (isError) with the reason and the rules.
//   NEEDS_APPROVAL  the tool does not run yet. The guard asks the session's user, through the
//                   client (MCP elicitation, `elicitation/create`), whether to approve this
//                   call; on yes, its approval service signs a grant for exactly this call
//                   (engine.approve) naming that user, and the guard decides the same call
//                   again with the grant. The engine accepts the grant only if the policy allows
//                   that user to `approve` the tool, and only once. A client that cannot elicit
//                   gets an error result carrying the approval digest; an approver outside the
//                   session then approves it with guard.approve(digest, approver), and the same
//                   call, sent again within the approval TTL, runs once. Without an approval
//                   key nothing can be approved: the call is refused with its digest.
//
// An argument can never approve a call: arguments are in the approval digest, so a call with
// an extra `approved: true` is another call, which waits for its own approval.
//
// tools/list shows the tools that the session might use: those the agent, on behalf of the
// session's user and with the session's context, may invoke for some arguments
// (engine.whatMay: conditions on the arguments, which a listing has not got, stay open; a
// tool that would need approval is listed). Hiding is a courtesy to the model, not the
// control: every call is decided whether or not its tool was listed.
//
// `_meta.ward` on every result tells the client the effect, the reason and the ids of the rules
// (plus the approval digest, or the approver): never the obligations, whose redaction patterns
// would tell a model what to disguise.

const {Server} = require('@modelcontextprotocol/sdk/server/index.js');
const {CallToolRequestSchema, ListToolsRequestSchema} =
    require('@modelcontextprotocol/sdk/types.js');

const ward = require('./ward.js');

const kDefaultApprovalTtl = 15 * 60;  // seconds a call waits for an out-of-band approver
const kElicitedGrantTtl = 60;         // seconds a grant minted after elicitation may be used

/**
 * The example's policy: schema.ward and rules.ward, with entities.json. `options` are the
 * engine's (approvalKeys: the approval service's public key, so that its grants are accepted).
 */
function openExampleEngine(options = {}) {
  return ward.Engine.fromFiles([path.join(__dirname, 'schema.ward'),
                                path.join(__dirname, 'rules.ward')],
                               {entities: path.join(__dirname, 'entities.json'), ...options});
}

/** A JSON copy of the call's arguments: what is decided, approved and run. */
function jsonCopy(value) {
  return JSON.parse(JSON.stringify(value));
}

/**
 * The approval service: the only holder of the private key. It signs grants for people the
 * gateway names (the session's user after elicitation, or an out-of-band approver), and keeps
 * the calls that wait for an out-of-band approver, each for `ttl` seconds.
 */
class ApprovalService {
  #engine;
  #key;
  #ttlMs;
  // digest -> {request, expiresAt, grant (null until approved)}
  #pending = new Map();

  constructor(engine, key, ttlSeconds) {
    ward.publicKeyOf(key);  // a SigningKeyError now rather than at the first approval
    this.#engine = engine;
    this.#key = key;
    this.#ttlMs = ttlSeconds * 1000;
  }

  // The digest is computed from the call itself, never taken from whoever asks for a grant.
  #digestOf(request) {
    return this.#engine.approvalDigest(request);
  }

  #prune(now = Date.now()) {
    for (const [digest, entry] of this.#pending) {
      if (entry.expiresAt <= now) this.#pending.delete(digest);
    }
  }

  /** A grant by user `approverId` for exactly `request`, usable once within ttl seconds. */
  grant(request, approverId, ttlSeconds) {
    return this.#engine.approve(this.#digestOf(request),
                                {approver: approverId, key: this.#key, ttl: ttlSeconds});
  }

  /** Keeps `request` waiting for an out-of-band approver; returns its digest. */
  hold(request) {
    this.#prune();
    const digest = this.#digestOf(request);
    if (!this.#pending.has(digest)) {
      this.#pending.set(digest, {request, expiresAt: Date.now() + this.#ttlMs, grant: null});
    }
    return digest;
  }

  /** The grant an approver gave for exactly `request`, handed out once; else undefined. */
  take(request) {
    if (this.#pending.size === 0) return undefined;
    this.#prune();
    const digest = this.#digestOf(request);
    const entry = this.#pending.get(digest);
    if (entry === undefined || entry.grant === null) return undefined;
    this.#pending.delete(digest);
    return entry.grant;
  }

  /**
   * An out-of-band approver's yes for the waiting call `digest`. Throws when no call waits under
   * that digest (unknown, expired or already approved), or when the policy does not allow the
   * approver to approve it (the engine checks again when the grant is used).
   */
  approve(digest, approver) {
    const id = typeof approver === 'string' ? approver : approver && approver.id;
    if (typeof id !== 'string' || id.length === 0 ||
        (typeof approver === 'object' && approver.kind !== 'user')) {
      throw new TypeError('the approver must be a user id, or {kind: "user", id}: only people ' +
                          'approve');
    }
    this.#prune();
    const entry = this.#pending.get(digest);
    if (entry === undefined) {
      throw new Error(`no call waits for approval under digest ${digest} (unknown or expired)`);
    }
    if (entry.grant !== null) throw new Error(`the call ${digest} is already approved`);
    const {request} = entry;
    // Tell the approver now rather than the model later: the decision the engine will make for
    // the approver when the grant is used (the same policy, resource, context and arguments).
    const mayApprove = this.#engine.decide({subject: {kind: 'user', id}, action: 'approve',
                                            resource: request.resource,
                                            context: request.context, args: request.args});
    if (mayApprove.effect !== 'ALLOW') {
      const rules = mayApprove.rules.length > 0 ? ` (${mayApprove.rules.join(', ')})` : '';
      throw new Error(`user ${id} may not approve ${request.resource.id}: ` +
                      `${mayApprove.reason}${rules}`);
    }
    const ttl = Math.max(1, Math.ceil((entry.expiresAt - Date.now()) / 1000));
    entry.grant = this.#engine.approve(this.#digestOf(request),
                                       {approver: id, key: this.#key, ttl});
    return {digest, approver: {kind: 'user', id}, expiresAt: new Date(entry.expiresAt)};
  }

  /** The calls waiting for an out-of-band approver, with what an approver must be shown. */
  list() {
    this.#prune();
    return [...this.#pending].filter(([, entry]) => entry.grant === null)
        .map(([digest, {request, expiresAt}]) => ({
               digest,
               tool: request.resource.id,
               args: jsonCopy(request.args),
               agent: {...request.subject},
               user: request.onBehalfOf ? {...request.onBehalfOf[0]} : null,
               expiresAt: new Date(expiresAt),
             }));
  }
}

// Raised when output holds content that redactions cannot be applied to.
class UnredactableError extends Error {}

// What the client (and the model) may see of a decision: no obligations, no error messages.
function wardMeta(decision) {
  const meta = {effect: decision.effect, reason: decision.reason, rules: [...decision.rules]};
  if (decision.approvalDigest) meta.approval = {digest: decision.approvalDigest};
  if (decision.approvedBy) meta.approved_by = {...decision.approvedBy};
  return {ward: meta};
}

function errorResult(text, decision) {
  const result = {content: [{type: 'text', text}], isError: true};
  if (decision) result._meta = wardMeta(decision);
  return result;
}

function who(identity) {
  return identity ? ` for ${identity.kind} ${identity.id}` : '';
}

function rulesOf(decision) {
  return decision.rules.length > 0 ? ` (${decision.rules.join(', ')})` : '';
}

// Why the engine refused a grant: the error entry with rule "" (docs/approvals.md).
function refusalOf(decision) {
  const entry = decision.errors.find((error) => error.rule === '');
  return entry ? entry.message : 'approval refused';
}

// One content item of a tool's result, redacted. Text, embedded text resources and resource
// links have every string redacted (their type kept); binary content (images, audio, blobs)
// cannot be, so under a decision with redactions it stops the whole output.
function redactContent(decision, item) {
  if (item === null || typeof item !== 'object') {
    throw new UnredactableError('a content item that is not an object');
  }
  const redacting = decision.obligations.redact.length > 0;
  const binary = item.type === 'image' || item.type === 'audio' ||
                 (item.type === 'resource' && typeof (item.resource || {}).text !== 'string');
  const known = ['text', 'resource', 'resource_link', 'image', 'audio'].includes(item.type);
  if (binary || !known) {
    if (redacting) {
      throw new UnredactableError(`${item.type} content cannot be redacted`);
    }
    return item;
  }
  const {type, ...rest} = item;
  return {type, ...ward.redact(decision, rest)};
}


/**
 * Creates the guard.
 *
 * options.engine             a ward.Engine (trusting the public key of options.approvalKey)
 * options.backend            where the tools are: {
 *                              listTools: async (extra) => [{name, description, inputSchema,
 *                                                            outputSchema?, ...}],
 *                              callTool: async (name, args, extra) => CallToolResult, or
 *                                        undefined for a tool it does not have }
 * options.agent              the agent's identity, e.g. {kind: 'agent', id: 'assistant'}
 * options.userForSession     (extra) => the identity of the session's user, or null for none
 *                            (`extra` is the SDK's request context: sessionId, authInfo,
 *                            requestInfo.headers, ...). This user is the one asked to approve,
 *                            and the approver named in the grant: authenticate them.
 * options.approvalKey        the approval service's private key (PKCS#8 PEM): stays inside.
 *                            Without it, calls that need approval are refused with their digest.
 * options.approvalTtl        seconds a call waits for an out-of-band approver (default 900)
 * options.elicitApprovals    false: never ask through the client (elicitation); every call
 *                            that needs approval waits for an out-of-band approver (default
 *                            true: ask the session's user when the client can elicit)
 * options.elicitationTimeout milliseconds the guard waits for the user's answer (default:
 *                            the approval TTL)
 * options.outOfBandApprovals false: a call the client cannot be asked about is refused with
 *                            its digest instead of held for guard.approve (default true; the
 *                            command line has no approver channel, so it passes false)
 * options.contextForSession  (extra) => further facts the host asserts (optional)
 * options.resourceType       the resource type of tools in the policy (default 'tool')
 * options.action             the action of a call (default 'invoke')
 * options.serverInfo         the MCP server's {name, version}
 * options.onDecision         (decision, {tool, args, user}) => void, for every decision
 *                            (audit logs: the whole decision, obligations included)
 *
 * Returns {createServer(), toolsChanged(), approve(digest, approver), pendingApprovals()}:
 * createServer() makes an MCP server (the SDK's `Server`) to connect to one transport (one per
 * session over Streamable HTTP); toolsChanged() tells every connected client that the list of
 * tools changed (notifications/tools/list_changed).
 */
function createGuard({engine, backend, agent, userForSession, approvalKey,
                      approvalTtl = kDefaultApprovalTtl, elicitApprovals = true,
                      elicitationTimeout, outOfBandApprovals = true, contextForSession,
                      resourceType = 'tool',
                      action = 'invoke',
                      serverInfo = {name: 'ward-mcp-proxy', version: '0.1.0'}, onDecision}) {
  if (!engine || typeof engine.decide !== 'function') {
    throw new TypeError('createGuard needs `engine`, a ward.Engine');
  }
  if (!backend || typeof backend.listTools !== 'function' ||
      typeof backend.callTool !== 'function') {
    throw new TypeError('createGuard needs `backend`, with listTools(extra) and ' +
                        'callTool(name, args, extra)');
  }
  if (!agent || typeof agent.kind !== 'string' || typeof agent.id !== 'string') {
    throw new TypeError('createGuard needs `agent`, the identity of the calling agent, e.g. ' +
                        '{kind: "agent", id: "assistant"}');
  }
  if (typeof userForSession !== 'function') {
    throw new TypeError('createGuard needs `userForSession`, (extra) => the session\'s user ' +
                        'or null');
  }
  if (approvalKey !== undefined && typeof approvalKey !== 'string') {
    throw new TypeError('`approvalKey` must be the approval service\'s private key (PKCS#8 PEM)');
  }
  if (!(typeof approvalTtl === 'number' && approvalTtl > 0)) {
    throw new TypeError('`approvalTtl` must be a positive number of seconds');
  }
  const approvals =
      approvalKey === undefined ? null : new ApprovalService(engine, approvalKey, approvalTtl);
  const elicitTimeoutMs = elicitationTimeout === undefined ? approvalTtl * 1000 :
                                                             elicitationTimeout;
  const servers = new Set();

  // The request for a call of `toolName` by the agent for the session's user. `args` are the
  // model's; `context` only the host's facts.
  function callRequest(extra, toolName, args) {
    const user = userForSession(extra);
    const context = contextForSession ? {...contextForSession(extra)} : {};
    if (user) context.requester = user.id;
    else delete context.requester;
    const request = {subject: agent, action, resource: {type: resourceType, id: toolName},
                     context};
    if (args !== undefined) request.args = args;
    if (user) request.onBehalfOf = [user];
    return {request, user};
  }

  function decide(request, user) {
    const decision = engine.decide(request);
    if (onDecision) {
      onDecision(decision, {tool: request.resource.id, args: request.args, user});
    }
    return decision;
  }

  function canElicit(server) {
    if (!elicitApprovals || approvals === null) return false;
    const capabilities = server.getClientCapabilities();
    return Boolean(capabilities && capabilities.elicitation && capabilities.elicitation.form);
  }

  function approvalMessage(request, decision, user) {
    const args = JSON.stringify(request.args, null, 2);
    return `${agent.kind} ${agent.id} asks to call the tool ${request.resource.id} for you ` +
           `(${user.kind} ${user.id}). It needs a person's approval${rulesOf(decision)}.\n\n` +
           `Arguments, exactly as the tool will receive them:\n${args}\n\n` +
           'Approve this one call?';
  }

  // NEEDS_APPROVAL: ask the session's user through the client, or hold the call for an
  // out-of-band approver. Returns {decision} to go on with, or {result} to answer with.
  async function seekApproval(server, request, decision, user, extra) {
    const toolName = request.resource.id;
    if (user && canElicit(server)) {
      let answer;
      try {
        answer = await server.elicitInput(
            {
              mode: 'form',
              message: approvalMessage(request, decision, user),
              requestedSchema: {
                type: 'object',
                properties: {
                  approve: {type: 'boolean', title: 'Approve this call',
                            description: `Run ${toolName} once, with exactly these arguments`,
                            default: false},
                },
                required: ['approve'],
              },
            },
            {relatedRequestId: extra.requestId, signal: extra.signal,
             timeout: elicitTimeoutMs});
      } catch (error) {
        return {result: errorResult(`${toolName} needs a person's approval, which could not ` +
                                        `be asked (${error.message}); the tool did not run`,
                                    decision)};
      }
      if (answer.action !== 'accept' || !answer.content || answer.content.approve !== true) {
        const what = answer.action === 'cancel' ? 'did not answer the approval of' : 'declined';
        return {result: errorResult(`${user.kind} ${user.id} ${what} ${toolName}; the tool ` +
                                        'did not run', decision)};
      }
      // Only `approve` is read from the answer: the call retried is the one that was shown.
      const grant = approvals.grant(request, user.id, kElicitedGrantTtl);
      const approved = decide({...request, approval: grant}, user);
      if (approved.effect === 'NEEDS_APPROVAL') {
        return {result: errorResult(`ward denied ${toolName}${who(user)}: ` +
                                        refusalOf(approved), approved)};
      }
      return {decision: approved};
    }
    if (approvals === null) {
      return {
        result: errorResult(
            `${toolName} needs a person's approval${rulesOf(decision)}, and this server has no ` +
                `approval key to grant it with (approval digest ${decision.approvalDigest}). ` +
                'The tool did not run.',
            decision),
      };
    }
    if (!outOfBandApprovals) {
      return {
        result: errorResult(
            `${toolName} needs a person's approval${rulesOf(decision)}, and this client cannot ` +
                'ask for it (it does not support MCP elicitation) (approval digest ' +
                `${decision.approvalDigest}). The tool did not run.`,
            decision),
      };
    }
    const digest = approvals.hold(request);
    return {
      result: errorResult(
          `${toolName} needs a person's approval${rulesOf(decision)}, and this client cannot ` +
              `ask for it. Approval digest: ${digest}. Once an approver has approved it, ` +
              'call the tool again with exactly the same arguments. The tool did not run.',
          decision),
    };
  }

  // ALLOW: runs the tool; what it returns leaves redacted, or not at all.
  async function run(toolName, args, decision, extra) {
    let result;
    try {
      result = await backend.callTool(toolName, args, extra);
    } catch (error) {
      try {
        return errorResult(`${toolName} failed: ${ward.redact(decision, String(error.message))}`,
                           decision);
      } catch (_) {
        return errorResult(`${toolName} failed`, decision);
      }
    }
    if (result === undefined) return errorResult(`unknown tool ${toolName}`, decision);
    if (result === null || typeof result !== 'object') {
      return errorResult(`${toolName} returned no result`, decision);
    }
    try {
      const content = Array.isArray(result.content) ? result.content : [];
      const out = {content: content.map((item) => redactContent(decision, item))};
      if (result.structuredContent !== undefined) {
        out.structuredContent = ward.redact(decision, result.structuredContent);
      }
      if (result.isError === true) out.isError = true;
      out._meta = wardMeta(decision);
      return out;
    } catch (error) {
      if (error instanceof UnredactableError || error instanceof ward.RedactionError) {
        return errorResult(`the output of ${toolName} was withheld: the gateway cannot apply ` +
                           `its redactions to it (${error.message})`, decision);
      }
      throw error;
    }
  }

  // The tools the session may invoke for some arguments (with or without approval).
  function usableTools(extra) {
    const {request} = callRequest(extra, '', undefined);
    const reach = engine.whatMay(request.subject,
                                 {onBehalfOf: request.onBehalfOf, context: request.context});
    return new Set(reach.accesses
                       .filter((access) => access.action === action &&
                                           access.resource.type === resourceType)
                       .map((access) => access.resource.id));
  }

  async function listTools(extra) {
    const usable = usableTools(extra);
    const tools = await backend.listTools(extra);
    return {tools: tools.filter((tool) => usable.has(tool.name)).map(({run: _, ...tool}) => tool)};
  }

  async function callTool(server, call, extra) {
    const toolName = call.params.name;
    const {request, user} = callRequest(extra, toolName, jsonCopy(call.params.arguments || {}));
    let decision;
    try {
      // A grant an out-of-band approver gave for exactly this call goes with it, once.
      const grant = approvals === null ? undefined : approvals.take(request);
      decision = decide(grant === undefined ? request : {...request, approval: grant}, user);
      if (grant !== undefined && decision.effect === 'NEEDS_APPROVAL') {
        return errorResult(`ward denied ${toolName}${who(user)}: ${refusalOf(decision)}`,
                           decision);
      }
      if (decision.effect === 'NEEDS_APPROVAL') {
        const outcome = await seekApproval(server, request, decision, user, extra);
        if (outcome.result) return outcome.result;
        decision = outcome.decision;
      }
    } catch (error) {
      // Whatever fails while deciding, the call does not run.
      return errorResult(`ward could not decide ${toolName}: ${error.message}`);
    }
    if (decision.effect === 'DENY') {
      return errorResult(`ward denied ${toolName}${who(decision.deniedBy)}: ` +
                         `${decision.reason}${rulesOf(decision)}`, decision);
    }
    return run(toolName, request.args, decision, extra);
  }

  function createServer() {
    const server = new Server(serverInfo, {capabilities: {tools: {listChanged: true}}});
    server.setRequestHandler(ListToolsRequestSchema, (_request, extra) => listTools(extra));
    server.setRequestHandler(CallToolRequestSchema,
                             (call, extra) => callTool(server, call, extra));
    servers.add(server);
    server.onclose = () => servers.delete(server);
    return server;
  }

  function requireApprovals() {
    if (approvals === null) {
      throw new Error('this guard has no approval key: it cannot grant approvals');
    }
    return approvals;
  }

  return {
    createServer,
    /** Tells every connected client that the list of tools changed. */
    async toolsChanged() {
      await Promise.all([...servers].map((server) => server.sendToolListChanged().catch(() => {})));
    },
    /**
     * An out-of-band approver's yes for the call waiting under `digest` (from the error result
     * or pendingApprovals()): signs a grant naming `approver` (a user id, or {kind: 'user', id})
     * for exactly that call. The same call, sent again before the approval TTL ends, runs once.
     * Throws when no call waits under that digest, or when the approver may not approve it.
     */
    approve(digest, approver) {
      return requireApprovals().approve(digest, approver);
    },
    /** The calls waiting for an out-of-band approver: [{digest, tool, args, agent, user,
     *  expiresAt}], what an approver must be shown. */
    pendingApprovals() {
      return approvals === null ? [] : approvals.list();
    },
  };
}

module.exports = {createGuard, ward};
