'use strict';
// An MCP server whose every tool call is decided by ward first.
//
// The agent (the MCP client's identity) calls tools on behalf of the user of its session. For
// each call the gateway asks ward whether that agent, acting for that user, may `invoke` the
// `tool` named by the call, with the call's arguments as context:
//
//   ALLOW           the tool runs; its text output leaves with the decision's redactions.
//   DENY            an error result (isError) with the reason and the rules.
//   NEEDS_APPROVAL  the tool does not run; the result asks for approval and carries an
//                   approval id. Once a person approves (gateway.approve(id), from outside the
//                   MCP session), the same call with the same arguments goes ahead, once.
//
// tools/list shows the tools whose decision for the session with an empty context is not DENY:
// a model is not offered tools it can never use. Hiding is a convenience, not the control;
// every call is decided whether or not the tool was listed.
//
// The `approved` context entry is set by the gateway alone: an `approved` argument sent by the
// client is dropped, so that a model cannot approve its own calls.

const crypto = require('node:crypto');
const path = require('node:path');

const {Server} = require('@modelcontextprotocol/sdk/server/index.js');
const {CallToolRequestSchema, ListToolsRequestSchema} =
    require('@modelcontextprotocol/sdk/types.js');

const ward = require(process.env.WARD_NODE_PACKAGE ||
                     path.resolve(__dirname, '..', '..', 'bindings', 'node'));

/** The example's policy: schema.ward and rules.ward, with entities.json. */
function openExampleEngine() {
  return ward.Engine.fromFiles([path.join(__dirname, 'schema.ward'),
                                path.join(__dirname, 'rules.ward')],
                               {entities: path.join(__dirname, 'entities.json')});
}

function textResult(text, extra = {}) {
  return {content: [{type: 'text', text}], ...extra};
}

/**
 * Creates the guarded MCP server.
 *
 * options.engine          a ward.Engine
 * options.agent           the agent's identity, e.g. {kind: 'agent', id: 'assistant'}
 * options.userForSession  (extra) => the identity of the session's user, or null for none
 *                         (`extra` is the SDK's request context: sessionId, authInfo, ...)
 * options.tools           [{name, description, inputSchema, run: async (args) => result}]
 *
 * Returns {server, approve(approvalId), pendingApprovals()}.
 */
function createGateway({engine, agent, userForSession, tools}) {
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  // approval id -> the call it approves; approved calls, by key, each usable once.
  const pending = new Map();
  const approved = new Set();

  const server = new Server({name: 'ward-mcp-gateway', version: '0.1.0'},
                            {capabilities: {tools: {}}});

  function request(extra, toolName, context) {
    const user = userForSession(extra);
    const out = {subject: agent, action: 'invoke', resource: {type: 'tool', id: toolName},
                 context};
    if (user) out.onBehalfOf = [user];
    return out;
  }

  // Identifies one call: who, which tool, which arguments.
  function callKey(extra, toolName, args) {
    const user = userForSession(extra);
    return JSON.stringify([user ? user.id : null, toolName, args]);
  }

  server.setRequestHandler(ListToolsRequestSchema, async (_request, extra) => {
    const visible = tools.filter(
        (tool) => engine.decide(request(extra, tool.name, {})).effect !== 'DENY');
    return {
      tools: visible.map(({name, description, inputSchema}) => ({name, description,
                                                                 inputSchema})),
    };
  });

  server.setRequestHandler(CallToolRequestSchema, async (call, extra) => {
    const toolName = call.params.name;
    const args = {...(call.params.arguments || {})};
    delete args.approved;
    const key = callKey(extra, toolName, args);
    const context = ward.contextFromArguments(args);
    if (approved.has(key)) context.approved = true;

    const decision = engine.decide(request(extra, toolName, context));
    const meta = {_meta: {ward: decision.toJSON()}};
    if (decision.effect === 'DENY') {
      const by = decision.deniedBy ? ` for ${decision.deniedBy.kind} ${decision.deniedBy.id}` : '';
      const rules = decision.rules.length > 0 ? ` (${decision.rules.join(', ')})` : '';
      return textResult(`ward denied ${toolName}${by}: ${decision.reason}${rules}`,
                        {isError: true, ...meta});
    }
    if (decision.effect === 'NEEDS_APPROVAL') {
      const approvalId = crypto.randomUUID();
      pending.set(approvalId, key);
      meta._meta.approvalId = approvalId;
      return textResult(
          `${toolName} needs a person's approval (${decision.rules.join(', ')}). ` +
              `Approval id: ${approvalId}. Ask the user to approve it, then call the tool ` +
              'again with the same arguments.',
          meta);
    }
    const tool = byName.get(toolName);
    if (tool === undefined) {
      return textResult(`unknown tool ${toolName}`, {isError: true, ...meta});
    }
    approved.delete(key);
    let result;
    try {
      result = await tool.run(args);
    } catch (error) {
      return textResult(`${toolName} failed: ${error.message}`, {isError: true, ...meta});
    }
    // Only text leaves the gateway: other content would bypass the redactions.
    const content = (result.content || []).map((item) => item.type === 'text' ?
        {type: 'text', text: decision.redact(item.text)} :
        {type: 'text', text: `[${item.type} content withheld by the gateway]`});
    return {content, ...meta};
  });

  return {
    server,
    /** Approves a pending call (a person's decision, from outside the MCP session). */
    approve(approvalId) {
      const key = pending.get(approvalId);
      if (key === undefined) return false;
      pending.delete(approvalId);
      approved.add(key);
      return true;
    },
    /** The approval ids waiting for a person. */
    pendingApprovals() {
      return [...pending.keys()];
    },
  };
}

module.exports = {createGateway, openExampleEngine, ward};
