#!/usr/bin/env node
'use strict';
// ward-mcp-proxy: ward in front of an MCP server. `ward-mcp-proxy --help` says how.

const {main} = require('../lib/cli.js');

main().then((status) => process.exit(status), (error) => {
  process.stderr.write(`ward-mcp-proxy: ${error.stack || error.message}\n`);
  process.exit(1);
});
