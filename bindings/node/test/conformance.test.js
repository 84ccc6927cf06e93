'use strict';
// The conformance suite (testdata/conformance/, format in its README.md) through the binding:
// one test per case, compared on the same keys and in the same way as the C++ runner
// (policy_lang/conformance_test.cc). Requests go through decideJson, so that they are parsed
// as the CLI parses them; those given as objects are also decided through decide() with the
// JavaScript field names, and explained, and must decide the same.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const {describe, test} = require('node:test');

const ward = require('..');

const kDir = path.resolve(__dirname, '..', '..', '..', 'testdata', 'conformance');
const kFiles = fs.readdirSync(kDir).filter((f) => f.endsWith('.json')).sort();

function sourceText(text) {
  return typeof text === 'string' ? text : text.map((line) => line + '\n').join('');
}

function positions(list) {
  return list.map((p) => `${p.source}:${p.line}:${p.column}`).sort();
}

// The decision as compared: the contract's keys only, messages dropped, errors defaulting
// to [].
function comparable(decision) {
  const out = {...decision};
  delete out.policy;
  out.errors = (out.errors || []).map(({rule, principal}) => ({rule, principal}));
  return out;
}

function entitiesOf(holder) {
  if (holder.entities_text !== undefined) return holder.entities_text;
  if (holder.entities !== undefined) return stringifyLossless(holder.entities);
  return undefined;
}

// JSON.parse loses the precision of integers beyond 2^53, which the suite uses (64-bit
// limits). Such integers are read as marked strings, written back as the same digits, and
// given to decide() as BigInt.
const kBigMark = '\u0000int:';

function parseLossless(text) {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      const match = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(text.slice(i, i + 64));
      const token = match[0];
      const unsafe = match[1] === undefined && match[2] === undefined &&
          !Number.isSafeInteger(Number(token));
      out += unsafe ? JSON.stringify(kBigMark + token) : token;
      i += token.length;
    } else {
      out += c;
      i++;
    }
  }
  return JSON.parse(out);
}

function stringifyLossless(value) {
  return JSON.stringify(value).replace(/"\\u0000int:(-?\d+)"/g, '$1');
}

// The request in the binding's shape: `on_behalf_of` is `onBehalfOf` in JavaScript.
function structured(request) {
  if (request === null || typeof request !== 'object' || Array.isArray(request)) return null;
  const out = JSON.parse(JSON.stringify(request), (key, value) =>
      typeof value === 'string' && value.startsWith(kBigMark) ?
      BigInt(value.slice(kBigMark.length)) : value);
  if ('on_behalf_of' in out) {
    out.onBehalfOf = out.on_behalf_of;
    delete out.on_behalf_of;
  }
  return out;
}

test('the suite is not empty', () => {
  assert.ok(kFiles.length >= 20, `only ${kFiles.length} files in ${kDir}`);
});

let caseCount = 0;
process.on('exit', () => {
  // Visible in the test output, for reports.
  if (caseCount > 0) console.log(`# conformance cases run: ${caseCount}`);
});

for (const file of kFiles) {
  const spec = parseLossless(fs.readFileSync(path.join(kDir, file), 'utf8'));
  const sources = spec.sources.map((s) => ({name: s.name, text: sourceText(s.text)}));

  describe(file, () => {
    if (spec.expect_compile_errors !== undefined) {
      test('compile errors', () => {
        caseCount++;
        assert.throws(() => ward.Engine.fromSources(sources), (error) => {
          assert.ok(error instanceof ward.PolicyError, `not a PolicyError: ${error}`);
          assert.deepEqual(positions(error.issues), positions(spec.expect_compile_errors));
          for (const issue of error.issues) assert.equal(typeof issue.message, 'string');
          return true;
        });
      });
      return;
    }

    if (spec.expect_warnings !== undefined) {
      test('warnings', () => {
        caseCount++;
        const engine = ward.Engine.fromSources(sources);
        assert.deepEqual(positions(engine.warnings), positions(spec.expect_warnings));
      });
    }

    if (spec.expect_entity_error) {
      test('entity error', () => {
        caseCount++;
        assert.throws(() => ward.Engine.fromSources(sources, {entitiesJson: entitiesOf(spec)}),
                      ward.EntityError);
      });
      return;
    }

    for (const c of spec.cases) {
      test(c.name, () => {
        caseCount++;
        const holder = c.entities !== undefined || c.entities_text !== undefined ? c : spec;
        const engine = ward.Engine.fromSources(sources, {entitiesJson: entitiesOf(holder)});
        const text = c.request_text !== undefined ? c.request_text : stringifyLossless(c.request);
        const request = c.request !== undefined ? structured(c.request) : null;

        if (c.expect_request_error) {
          assert.throws(() => engine.decideJson(text), ward.RequestError);
          if (request !== null) {
            assert.throws(() => engine.decide(request),
                          (e) => e instanceof ward.RequestError || e instanceof TypeError);
          }
          return;
        }
        const expected = comparable(c.expect);
        const json = engine.decideJson(text);
        assert.deepEqual(comparable(JSON.parse(json)), expected);
        assert.equal(engine.explain(text).decision.toJSON().effect, expected.effect);

        if (request !== null) {
          const decision = engine.decide(request);
          assert.deepEqual(comparable(decision.toJSON()), expected, 'decide() differs');
          assert.deepEqual(JSON.parse(JSON.stringify(decision)), JSON.parse(json));
          const explained = engine.explain(request);
          assert.deepEqual(explained.decision.toJSON(), decision.toJSON(), 'explain() differs');
        }
      });
    }
  });
}
