'use strict';
// ward-mcp-proxy as a library: the guard (ward in front of any source of tools), the upstream
// connector (the official SDK's Client), and the command line's entry point.

const {createGuard, ward} = require('./lib/guard.js');
const {connectUpstream} = require('./lib/upstream.js');
const {main} = require('./lib/cli.js');

module.exports = {createGuard, connectUpstream, main, ward};
