#!/usr/bin/env node
'use strict';
// The guarded MCP server over stdio, for MCP clients (desktop assistants, agent frameworks):
//
//   node server.js                       # agent "assistant" acting for user "alice"
//   WARD_MCP_USER=root node server.js    # acting for "root"
//
// The session's user comes from WARD_MCP_USER (default alice) and the agent from
// WARD_MCP_AGENT (default assistant): a stdio server serves one session, started by the
// client on the user's behalf.
//
// Approvals: the gateway's approval service signs grants with a key pair made here at start
// (a real deployment loads the private key from its secret store); the engine is given only
// the public key. A call that needs approval is put to the session's user through the client
// (MCP elicitation), when the client supports it. Otherwise the call waits, and an embedding
// approves it with gateway.approve(digest, approver); this stdio server has no such channel.

const {StdioServerTransport} = require('@modelcontextprotocol/sdk/server/stdio.js');

const {createGateway, openExampleEngine, ward} = require('./gateway.js');
const {tools} = require('./tools.js');

async function main() {
  const user = {kind: 'user', id: process.env.WARD_MCP_USER || 'alice'};
  const agent = {kind: 'agent', id: process.env.WARD_MCP_AGENT || 'assistant'};
  const {privateKey, publicKey} = ward.generateSigningKey();
  const gateway = createGateway({
    engine: openExampleEngine({approvalKeys: [publicKey]}),
    agent,
    tools,
    userForSession: () => user,
    approvalKey: privateKey,
  });
  await gateway.server.connect(new StdioServerTransport());
  // Standard output carries the protocol; messages for people go to standard error.
  console.error(`ward-mcp-gateway: serving ${tools.length} tools to ${agent.id} for ${user.id}`);
}

main().catch((error) => {
  console.error(`ward-mcp-gateway: ${error.message}`);
  process.exit(1);
});
