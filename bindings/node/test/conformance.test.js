'use strict';
// The conformance suite (testdata/conformance/, format in its README.md) through the binding:
// exactly the files of testdata/conformance/MANIFEST (which must match the directory), run as
// the C++ and C runners run them. Each engine trusts its file's `approval_keys` (the public
// keys of `keys`); a `shared_engine` file runs its cases in order on one engine (a grant used
// by one case is used up for the next), every other case on an engine of its own. Requests go
// through decideJson, so that they are parsed as the CLI parses them and `args` and `approval`
// pass through as written; those given as objects are also decided through decide() with the
// JavaScript field names, and explained, and must decide the same (on an engine of their own
// when the request carries a grant, which is good for one decision). Decisions are compared
// on the contract's keys, `approval` and `approved_by` included, as
// policy_lang/conformance_test.cc compares them. A case's `grant` is checked to still give the
// token its request carries, minted through Engine.approve.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const {describe, test} = require('node:test');

const ward = require('..');

const kDir = path.resolve(__dirname, '..', '..', '..', 'testdata', 'conformance');
const kManifest = fs.readFileSync(path.join(kDir, 'MANIFEST'), 'utf8')
                      .split('\n')
                      .map((line) => line.replace(/#.*/, '').trim())
                      .filter((line) => line.length > 0);
const kFileKeys = new Set(['description', 'sources', 'entities', 'entities_text',
                           'expect_compile_errors', 'expect_warnings', 'expect_entity_error',
                           'cases', 'keys', 'approval_keys', 'shared_engine']);
const kCaseKeys = new Set(['name', 'request', 'request_text', 'expect', 'expect_request_error',
                           'entities', 'entities_text', 'grant']);

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

const kRequestFields = new Set(['subject', 'action', 'resource', 'context', 'on_behalf_of', 'now',
                                'args', 'approval']);

// The request in the binding's shape (`on_behalf_of` is `onBehalfOf` in JavaScript), or null
// when it does not map onto one.
function structured(request) {
  if (request === null || typeof request !== 'object' || Array.isArray(request)) return null;
  if (Object.keys(request).some((key) => !kRequestFields.has(key))) return null;
  const out = JSON.parse(JSON.stringify(request), (key, value) =>
      typeof value === 'string' && value.startsWith(kBigMark) ?
      BigInt(value.slice(kBigMark.length)) : value);
  if ('on_behalf_of' in out) {
    out.onBehalfOf = out.on_behalf_of;
    delete out.on_behalf_of;
  }
  return out;
}

function approvalKeys(spec) {
  return (spec.approval_keys || []).map((name) => sourceText(spec.keys[name].public));
}

function engineFor(spec, sources, holder) {
  return ward.Engine.fromSources(sources, {entitiesJson: entitiesOf(holder),
                                           approvalKeys: approvalKeys(spec)});
}

// Whole seconds of a duration as absl::ParseDuration reads it ("15m", "876000h").
function seconds(duration) {
  const units = {h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, ns: 1e-9};
  const parts = [...duration.matchAll(/([0-9.]+)(ms|us|ns|h|m|s)/g)];
  assert.equal(parts.map((p) => p[0]).join(''), duration);
  return Math.trunc(parts.reduce((sum, p) => sum + Number(p[1]) * units[p[2]], 0));
}

function checkGrantIsCurrent(spec, c, engine) {
  const grant = c.grant;
  for (const key of Object.keys(grant)) {
    assert.ok(['key', 'approver', 'issued_at', 'ttl', 'jti', 'approves'].includes(key), key);
  }
  const approved = {...(grant.approves || c.request)};
  delete approved.approval;
  const digest = engine.approvalDigest(stringifyLossless(approved));
  const token = engine.approve(digest, {approver: grant.approver,
                                        key: sourceText(spec.keys[grant.key].private),
                                        ttl: seconds(grant.ttl), issuedAt: grant.issued_at,
                                        jti: grant.jti});
  assert.equal(c.request.approval, token,
               'the grant token is stale (the policy hash changed?); run tools/conformance_grants.py');
}

// The Decision's fields say what its JSON says.
function checkAccessors(decision, json) {
  assert.equal(decision.approvalDigest, json.approval ? json.approval.digest : null);
  assert.deepEqual(decision.approvedBy, json.approved_by || null);
  assert.equal(decision.obligations === null, json.obligations === undefined);
  assert.equal(decision.shadow === null, json.shadow === undefined);
  if (json.shadow !== undefined) {
    assert.equal(decision.shadow.effect, json.shadow.effect);
    assert.deepEqual(decision.shadow.deniedBy, json.shadow.denied_by || null);
    assert.deepEqual(decision.shadow.rules, json.shadow.rules);
  }
}

function runCase(spec, sources, c, engine, shared) {
  for (const key of Object.keys(c)) assert.ok(kCaseKeys.has(key), `unknown case key ${key}`);
  assert.notEqual(c.expect !== undefined, c.expect_request_error !== undefined);
  if (shared) assert.ok(c.entities === undefined && c.entities_text === undefined);
  if (c.grant !== undefined) checkGrantIsCurrent(spec, c, engine);
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
  assert.ok(c.request !== undefined && c.request.now !== undefined, 'every request sets `now`');
  const expected = comparable(c.expect);
  const hasGrant = c.request.approval !== undefined;
  if (!hasGrant) {
    // Explaining decides as deciding does; without a grant it uses nothing up.
    const explained = engine.explain(text).decision;
    assert.deepEqual(comparable(explained.toJSON()), expected, 'explain() differs');
    checkAccessors(explained, explained.toJSON());
  }
  const json = engine.decideJson(text);
  assert.deepEqual(comparable(JSON.parse(json)), expected);

  if (request === null) return;
  if (hasGrant) {
    if (shared) return;  // the grant is used up (or must stay unused for the next case)
    engine = engineFor(spec, sources, c.entities !== undefined || c.entities_text !== undefined ?
                                          c : spec);
  }
  const decision = engine.decide(request);
  assert.deepEqual(comparable(decision.toJSON()), expected, 'decide() differs');
  assert.deepEqual(JSON.parse(JSON.stringify(decision)), JSON.parse(json));
  checkAccessors(decision, JSON.parse(json));
  if (!hasGrant) {
    const explained = engine.explain(request);
    assert.deepEqual(explained.decision.toJSON(), decision.toJSON(), 'explain() differs');
  }
}

test('MANIFEST lists exactly the files of the directory', () => {
  const present = fs.readdirSync(kDir).filter((f) => f.endsWith('.json')).sort();
  assert.ok(kManifest.length > 0, 'MANIFEST lists no file');
  assert.equal(new Set(kManifest).size, kManifest.length, 'a file is listed twice');
  assert.deepEqual([...kManifest].sort(), present);
});

const ran = new Set();
let caseCount = 0;

for (const file of kManifest) {
  if (!fs.existsSync(path.join(kDir, file))) continue;  // the MANIFEST test reports it
  const spec = parseLossless(fs.readFileSync(path.join(kDir, file), 'utf8'));
  const sources = spec.sources.map((s) => ({name: s.name, text: sourceText(s.text)}));

  describe(file, () => {
    test('file keys', () => {
      ran.add(file);
      for (const key of Object.keys(spec)) assert.ok(kFileKeys.has(key), `unknown key ${key}`);
    });

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
        ward.Engine.fromSources(sources);  // the policy itself compiles
        assert.throws(() => engineFor(spec, sources, spec), ward.EntityError);
      });
      return;
    }

    test('has cases', () => assert.ok(spec.cases && spec.cases.length > 0));
    if (spec.shared_engine) {
      // One engine, the cases in order: node:test runs the tests of a describe one by one.
      let engine = null;
      for (const c of spec.cases) {
        test(c.name, () => {
          caseCount++;
          if (engine === null) engine = engineFor(spec, sources, spec);
          runCase(spec, sources, c, engine, true);
        });
      }
      return;
    }
    for (const c of spec.cases) {
      test(c.name, () => {
        caseCount++;
        const holder = c.entities !== undefined || c.entities_text !== undefined ? c : spec;
        runCase(spec, sources, c, engineFor(spec, sources, holder), false);
      });
    }
  });
}

test('every MANIFEST file ran', () => {
  // Declared last, so it runs after every file's tests.
  assert.deepEqual([...ran].sort(), [...kManifest].sort());
  console.log(`# conformance: ${ran.size} files, ${caseCount} cases`);
});
