'use strict';
// Decides one request through the installed Node package and checks the effect: exits 0 when
// require('ward') (NODE_PATH=PREFIX/lib/node_modules) finds the installed package (the first
// argument is its folder) and its addon, with no WARD_NODE_ADDON to point at the build tree.

const fs = require('node:fs');
const path = require('node:path');

const installed = fs.realpathSync(process.argv[2]);
const resolved = fs.realpathSync(require.resolve('ward'));
if (!resolved.startsWith(installed + path.sep)) {
  console.error(`resolved ${resolved}, not the package installed in ${installed}`);
  process.exit(1);
}

const ward = require('ward');
const engine = ward.Engine.fromSources(
    [{name: 'inline.ward',
      text: 'schema { user { clearance: int } resource doc {} action read on doc }\n' +
            '@id("cleared") permit user to read on doc when subject.clearance >= 2;\n'}],
    {entitiesJson: {identities: [{kind: 'user', id: 'u1', status: 'active',
                                  attrs: {clearance: 3}}]}});
const decision = engine.decide({subject: {kind: 'user', id: 'u1'}, action: 'read',
                                resource: {type: 'doc', id: 'd1'},
                                now: new Date('2026-12-01T00:00:00Z')});
console.log(`${decision.effect} ${JSON.stringify(decision.rules)} (ward ${ward.version})`);
process.exit(decision.effect === 'ALLOW' && decision.rules.length === 1 ? 0 : 1);
