'use strict';
// Puts the addon that CMake built into prebuilt/ward.node before `npm pack` (the "prepack"
// script), so that the tarball installs and loads without the repository or a compiler; with
// --clean (the "postpack" script) takes it out again, so that a stale copy never lingers in
// the source tree. docs/install.md has the commands.
//
//   cmake --build BUILD --target ward_node
//   WARD_NODE_ADDON=BUILD/bindings/node/ward.node npm pack    # BUILD=build: no variable needed

const fs = require('node:fs');
const path = require('node:path');

const packageDir = path.resolve(__dirname, '..');
const prebuiltDir = path.join(packageDir, 'prebuilt');
const prebuilt = path.join(prebuiltDir, 'ward.node');

if (process.argv.includes('--clean')) {
  fs.rmSync(prebuilt, {force: true});
  if (fs.existsSync(prebuiltDir) && fs.readdirSync(prebuiltDir).length === 0) {
    fs.rmdirSync(prebuiltDir);
  }
  process.exit(0);
}

// The same places index.js looks at in the repository, in the same order.
const root = path.resolve(packageDir, '..', '..');
const candidates = process.env.WARD_NODE_ADDON ?
    [path.resolve(process.env.WARD_NODE_ADDON)] :
    [path.join(root, 'build', 'bindings', 'node', 'ward.node'),
     path.join(root, 'build-release', 'bindings', 'node', 'ward.node')];
const addon = candidates.find((file) => fs.existsSync(file));
if (!addon) {
  // A tarball without the addon would install and then fail at the first require: refuse.
  console.error(`ward: no ward.node to pack; looked at ${candidates.join(', ')}.\n` +
                'Build it first (cmake --build BUILD --target ward_node) and name it with ' +
                'WARD_NODE_ADDON=BUILD/bindings/node/ward.node.');
  process.exit(1);
}

// Loading it here catches an addon this node cannot load (a sanitizer build, another
// architecture) before it is shipped.
try {
  const exports = require(addon);
  if (typeof exports !== 'object' || exports === null) throw new Error('no exports');
} catch (e) {
  console.error(`ward: ${addon} does not load into this node: ${e.message}`);
  process.exit(1);
}

fs.mkdirSync(prebuiltDir, {recursive: true});
fs.copyFileSync(addon, prebuilt);
console.error(`ward: packing ${addon} as prebuilt/ward.node`);
