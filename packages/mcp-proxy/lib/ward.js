'use strict';
// The ward Node binding this package uses: the one named by WARD_NODE_PACKAGE (a package name
// or a path), else the `ward` package installed beside this one, else the binding of the
// repository this package sits in (bindings/node).

const path = require('node:path');

function loadWard() {
  if (process.env.WARD_NODE_PACKAGE) return require(process.env.WARD_NODE_PACKAGE);
  try {
    return require('ward');
  } catch (error) {
    if (error.code !== 'MODULE_NOT_FOUND') throw error;
  }
  return require(path.resolve(__dirname, '..', '..', '..', 'bindings', 'node'));
}

module.exports = loadWard();
