'use strict';
// The upstream MCP server the proxy guards, reached with the official SDK's Client over stdio
// (a command the proxy starts) or Streamable HTTP (a URL). It is the guard's backend: its
// tools are listed (every page) and called as they are; a change of its tool list is passed on.

const {Client} = require('@modelcontextprotocol/sdk/client/index.js');
const {StdioClientTransport} = require('@modelcontextprotocol/sdk/client/stdio.js');
const {StreamableHTTPClientTransport} =
    require('@modelcontextprotocol/sdk/client/streamableHttp.js');
const {ToolListChangedNotificationSchema} = require('@modelcontextprotocol/sdk/types.js');

const kMaxToolPages = 100;  // an upstream that pages without end is cut off

/**
 * Connects to the upstream server.
 *
 * options.command, options.args  the server to start, speaking MCP over its stdin/stdout (its
 *                                standard error goes to the proxy's), with the proxy's
 *                                environment and options.env
 * options.url                    or the URL of a Streamable HTTP server, with options.headers
 * options.onToolsChanged         () => void, when the upstream says its tools changed
 * options.clientInfo             {name, version} the proxy introduces itself with
 *
 * Returns {listTools(), callTool(name, args, extra), close(), client}.
 */
async function connectUpstream({command, args = [], env, url, headers, onToolsChanged,
                                clientInfo = {name: 'ward-mcp-proxy', version: '0.1.0'}}) {
  if ((command === undefined) === (url === undefined)) {
    throw new TypeError('the upstream is either a command or a url');
  }
  const client = new Client(clientInfo, {capabilities: {}});
  if (onToolsChanged) {
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => onToolsChanged());
  }
  const transport = command !== undefined ?
      // The command inherits the proxy's whole environment (the SDK would pass only a few
      // variables): it is the server the operator asked for, and may need its keys.
      new StdioClientTransport({command, args, env: {...process.env, ...(env || {})},
                                stderr: 'inherit'}) :
      new StreamableHTTPClientTransport(new URL(url), {requestInit: {headers: headers || {}}});
  await client.connect(transport);

  return {
    client,
    async listTools() {
      const tools = [];
      let cursor;
      for (let page = 0; page < kMaxToolPages; ++page) {
        const result = await client.listTools(cursor === undefined ? {} : {cursor});
        tools.push(...result.tools);
        cursor = result.nextCursor;
        if (cursor === undefined) return tools;
      }
      throw new Error(`the upstream server listed more than ${kMaxToolPages} pages of tools`);
    },
    // The call as the model made it, once ward allowed it. An upstream error (a tool it has
    // not got, bad arguments) throws, and the guard answers with an error result.
    async callTool(name, callArgs, extra) {
      return client.callTool({name, arguments: callArgs}, undefined,
                             extra && extra.signal ? {signal: extra.signal} : undefined);
    },
    async close() {
      await client.close();
    },
  };
}

module.exports = {connectUpstream};
