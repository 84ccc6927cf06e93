'use strict';
// An MCP server whose every tool call is decided by ward first: the guard of the
// ward-mcp-proxy package (packages/mcp-proxy/lib/guard.js, where the decision flow is told) in
// front of this example's own tools (tools.js) rather than an upstream server.

const path = require('node:path');

// The guard, from this repository's packages/mcp-proxy (or the installed `ward-mcp-proxy`
// package when WARD_MCP_PROXY_PACKAGE names it). It loads the Node binding as WARD_NODE_PACKAGE
// says, else this repository's bindings/node.
const {createGuard, ward} = require(process.env.WARD_MCP_PROXY_PACKAGE ||
                                    path.resolve(__dirname, '..', '..', 'packages', 'mcp-proxy'));

/**
 * The example's policy: schema.ward and rules.ward, with entities.json. `options` are the
 * engine's (approvalKeys: the approval service's public key, so that its grants are accepted).
 */
function openExampleEngine(options = {}) {
  return ward.Engine.fromFiles([path.join(__dirname, 'schema.ward'),
                                path.join(__dirname, 'rules.ward')],
                               {entities: path.join(__dirname, 'entities.json'), ...options});
}

/**
 * Creates the guarded MCP server in front of `tools` ([{name, description, inputSchema,
 * outputSchema?, run: async (args) => CallToolResult}]). The other options are createGuard's
 * (packages/mcp-proxy/lib/guard.js): engine, agent, userForSession, approvalKey (required
 * here), approvalTtl, elicitApprovals, elicitationTimeout, contextForSession, onDecision.
 *
 * Returns {server, approve(digest, approver), pendingApprovals()}.
 */
function createGateway({tools, approvalKey, ...options}) {
  if (typeof approvalKey !== 'string') {
    throw new TypeError('createGateway needs `approvalKey`, the approval service\'s private key ' +
                        '(PKCS#8 PEM); give its public key to the engine (approvalKeys)');
  }
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  const guard = createGuard({
    ...options,
    approvalKey,
    serverInfo: {name: 'ward-mcp-gateway', version: '0.2.0'},
    backend: {
      listTools: async () => tools,
      callTool: async (name, args) => {
        const tool = byName.get(name);
        return tool === undefined ? undefined : tool.run(args);
      },
    },
  });
  return {
    server: guard.createServer(),
    approve: (digest, approver) => guard.approve(digest, approver),
    pendingApprovals: () => guard.pendingApprovals(),
  };
}

module.exports = {createGateway, openExampleEngine, ward};
