#!/usr/bin/env node
'use strict';
// The guarded MCP server over stdio, for MCP clients (desktop assistants, agent frameworks):
//
//   node server.js                       # agent "assistant" acting for user "alice"
//   WARD_MCP_USER=root node server.js    # acting for "root"
//
// The session's user comes from WARD_MCP_USER (default alice) and the agent from
// WARD_MCP_AGENT (default assistant): a stdio server serves one session, started by the
// client on the user's behalf. Over stdio this example has no approval channel, so a call
// that needs approval stays pending; an embedding calls gateway.approve(id) from its own
// approval screen.

const {StdioServerTransport} = require('@modelcontextprotocol/sdk/server/stdio.js');

const {createGateway, openExampleEngine} = require('./gateway.js');
const {tools} = require('./tools.js');

async function main() {
  const user = {kind: 'user', id: process.env.WARD_MCP_USER || 'alice'};
  const agent = {kind: 'agent', id: process.env.WARD_MCP_AGENT || 'assistant'};
  const gateway = createGateway({engine: openExampleEngine(), agent, tools,
                                 userForSession: () => user});
  await gateway.server.connect(new StdioServerTransport());
  // Standard output carries the protocol; messages for people go to standard error.
  console.error(`ward-mcp-gateway: serving ${tools.length} tools to ${agent.id} for ${user.id}`);
}

main().catch((error) => {
  console.error(`ward-mcp-gateway: ${error.message}`);
  process.exit(1);
});
