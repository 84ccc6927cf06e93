'use strict';
// index.d.ts describes the API as documented: a usage file type-checks with `tsc --strict`.

const assert = require('node:assert/strict');
const {spawnSync} = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const {test} = require('node:test');

const kTsc = path.resolve(__dirname, '..', 'node_modules', 'typescript', 'bin', 'tsc');

function tsc(file) {
  return spawnSync(process.execPath, [
    kTsc, '--noEmit', '--strict', '--target', 'es2020', '--module', 'commonjs',
    '--moduleResolution', 'node', '--lib', 'es2020', file,
  ], {encoding: 'utf8'});
}

// Skipped where typescript is not installed, except under ctest (WARD_REQUIRE_TOOLS=1), where
// that is a failure.
const kRequireTools = process.env.WARD_REQUIRE_TOOLS === '1';

test('index.d.ts type-checks the documented usage',
     {skip: !fs.existsSync(kTsc) && !kRequireTools && 'typescript is not installed'}, () => {
  assert.ok(fs.existsSync(kTsc), `typescript is not installed (${kTsc}): run npm ci`);
  const result = tsc(path.join(__dirname, 'fixtures', 'usage.ts'));
  assert.equal(result.status, 0, result.stdout + result.stderr);

  // And it rejects misuse, so the check above means something.
  const bad = path.join(__dirname, 'fixtures', 'misuse.ts.txt');
  const tmp = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'ward-ts-'));
  try {
    const file = path.join(tmp, 'misuse.ts');
    fs.writeFileSync(file, fs.readFileSync(bad, 'utf8').replace('../..',
                                                                   path.resolve(__dirname, '..')));
    const misuse = tsc(file);
    assert.notEqual(misuse.status, 0);
    assert.match(misuse.stdout, /misuse\.ts\(\d+,\d+\): error TS/);
  } finally {
    fs.rmSync(tmp, {recursive: true, force: true});
  }
});
