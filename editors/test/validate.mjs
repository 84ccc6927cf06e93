// Checks ward's editor support (ctest: editor_schemas_test).
//
//   node editors/test/validate.mjs
//
// 1. The JSON Schemas of editors/vscode/schemas compile with ajv, every field has a
//    description (the editor's hover help), and the request definitions the test-file schema
//    repeats are the request schema's own.
// 2. They accept every entity file, request file, requests.jsonl line and *.ward_test.json
//    file under examples/ (and every row of the tests' tables, expanded as `ward test` does),
//    and the entities and requests of the conformance cases that are meant to be valid.
// 3. They reject what ward rejects: every conformance request that is a request error, the
//    conformance entity files whose errors are structural, and a few bad documents below.
// 4. The TextMate grammar is valid, its regular expressions compile, and it names every
//    keyword of the language; package.json wires up the grammar and the schemas.
// 5. `npm pack --dry-run` of editors/vscode ships the grammar, the schemas, the language
//    configuration and the README.
//
// The ajv packages are installed by `npm ci` in editors/test when node_modules is missing
// (npm is $WARD_NPM, or `npm` on PATH). Exits 1 on any failure, or when any count is zero.

import {execFileSync} from "node:child_process";
import {existsSync, readdirSync, readFileSync} from "node:fs";
import {basename, dirname, join, relative} from "node:path";
import {isDeepStrictEqual} from "node:util";
import {fileURLToPath} from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const vscodeDir = join(root, "editors", "vscode");
const schemaDir = join(vscodeDir, "schemas");
const npm = process.env.WARD_NPM || "npm";

const failures = [];
const counts = {};
function fail(message) {
  failures.push(message);
}
function count(key, n = 1) {
  counts[key] = (counts[key] ?? 0) + n;
}
const rel = (path) => relative(root, path);
const readJson = (path) => JSON.parse(readFileSync(path, "utf8"));

// ---- ajv, installed on demand ----

function ensureDependencies() {
  const missing = ["ajv", "ajv-formats"].filter(
    (name) => !existsSync(join(here, "node_modules", name, "package.json")));
  if (missing.length === 0) return;
  console.log(`editors/test/node_modules lacks ${missing.join(", ")}: running npm ci`);
  try {
    execFileSync(npm, ["ci", "--no-audit", "--no-fund", "--loglevel=error"],
                 {cwd: here, stdio: "inherit"});
  } catch (error) {
    console.error(`FAIL: npm ci in editors/test failed (${error.message}); run ` +
                  "(cd editors/test && npm ci) with access to the npm registry");
    process.exit(1);
  }
}
ensureDependencies();
const {default: Ajv} = await import("ajv");
const {default: addFormats} = await import("ajv-formats");

// Strict mode catches misspelt keywords; the few VS Code adds for editors are declared.
// (`required` in an `if` names keys the `if` does not declare: strictRequired stays off.)
const ajv = new Ajv({strict: true, strictRequired: false, allowUnionTypes: true, allErrors: true});
addFormats(ajv);
for (const keyword of ["enumDescriptions", "markdownDescription", "defaultSnippets",
                       "errorMessage", "patternErrorMessage"]) {
  ajv.addKeyword(keyword);
}

// ---- 1. the schemas ----

const schemaFiles = {
  entities: "entities.schema.json",
  request: "request.schema.json",
  test: "ward_test.schema.json",
};
const schemas = {};
const validators = {};
for (const [key, file] of Object.entries(schemaFiles)) {
  const path = join(schemaDir, file);
  let schema;
  try {
    schema = readJson(path);
  } catch (error) {
    fail(`${rel(path)}: not valid JSON: ${error.message}`);
    continue;
  }
  schemas[key] = schema;
  for (const field of ["$schema", "$id", "title", "description"]) {
    if (typeof schema[field] !== "string" || schema[field] === "") {
      fail(`${rel(path)}: no ${field}`);
    }
  }
  if (!String(schema.$id).endsWith(`/${file}`)) fail(`${rel(path)}: $id does not end in /${file}`);
  try {
    validators[key] = ajv.compile(schema);
    count("schemas compiled");
  } catch (error) {
    fail(`${rel(path)}: does not compile: ${error.message}`);
  }
  checkDescriptions(schema, rel(path));
}

// Every property of every object has a description, itself or through the $ref (or the one
// allOf) it consists of, so that hovering over any key in an editor explains it.
function checkDescriptions(schema, where) {
  const resolve = (node) => {
    for (let i = 0; node && i < 10; ++i) {
      if (typeof node.description === "string") return true;
      const ref = node.$ref ?? (node.allOf?.length === 1 ? node.allOf[0].$ref : undefined);
      if (typeof ref !== "string" || !ref.startsWith("#/")) return false;
      node = ref.slice(2).split("/").reduce((n, part) => n?.[part], schema);
    }
    return false;
  };
  const walk = (node, path) => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, `${path}/${i}`));
      return;
    }
    if (node === null || typeof node !== "object") return;
    if (node.properties && typeof node.properties === "object") {
      for (const [name, sub] of Object.entries(node.properties)) {
        if (!resolve(sub)) {
          fail(`${where}: ${path}/properties/${name} has no description`);
        }
      }
    }
    for (const [key, value] of Object.entries(node)) {
      if (key !== "enum" && key !== "examples" && key !== "defaultSnippets") {
        walk(value, `${path}/${key}`);
      }
    }
  };
  walk(schema, "#");
}

// The test-file schema repeats the request schema's definitions (an editor resolves no $ref
// across files); they must stay the same.
if (schemas.request && schemas.test) {
  for (const [name, definition] of Object.entries(schemas.request.definitions ?? {})) {
    if (!isDeepStrictEqual(schemas.test.definitions?.[name], definition)) {
      fail(`ward_test.schema.json: definitions/${name} differs from request.schema.json's; ` +
           "run node editors/test/sync_definitions.mjs");
    } else {
      count("request definitions shared");
    }
  }
}

if (Object.keys(validators).length !== Object.keys(schemaFiles).length) {
  report({early: true});  // nothing below can run without the three validators
}

function errorsOf(validate) {
  return ajv.errorsText(validate.errors, {separator: "\n    ", dataVar: ""});
}

// Validates `document`; `what` names it in messages. Returns whether it is valid.
function accept(key, document, what) {
  const validate = validators[key];
  if (validate(document)) return true;
  fail(`${what}: rejected by ${schemaFiles[key]}:\n    ${errorsOf(validate)}`);
  return false;
}
function reject(key, document, what) {
  if (!validators[key](document)) return true;
  fail(`${what}: accepted by ${schemaFiles[key]}, but ward rejects it`);
  return false;
}

// ---- 2. the examples ----

function* walkFiles(dir) {
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walkFiles(path);
    else if (entry.isFile()) yield path;
  }
}

// Sets `value` at the dotted `path` of a copy of `request` as `ward test` does for a table
// row (null removes the key); undefined when the path goes through a non-object.
function setPath(request, path, value) {
  const copy = structuredClone(request);
  const parts = path.split(".");
  let node = copy;
  for (const part of parts.slice(0, -1)) {
    if (node === null || typeof node !== "object" || Array.isArray(node)) return undefined;
    if (node[part] === undefined || node[part] === null) node[part] = {};
    node = node[part];
  }
  if (node === null || typeof node !== "object" || Array.isArray(node)) return undefined;
  if (value === null) delete node[parts.at(-1)];
  else node[parts.at(-1)] = structuredClone(value);
  return copy;
}

function checkTestFile(path) {
  const what = rel(path);
  const document = readJson(path);
  if (!accept("test", document, what)) return;
  count("example test files");
  for (const [i, testCase] of document.cases.entries()) {
    count("example test cases");
    if (!testCase.table) continue;
    const {columns, rows} = testCase.table;
    for (const [r, row] of rows.entries()) {
      if (row.length !== columns.length) {
        fail(`${what}: cases[${i}] table rows[${r}] has ${row.length} values for ` +
             `${columns.length} columns`);
        continue;
      }
      let request = testCase.request;
      for (const [c, column] of columns.entries()) {
        request = request && setPath(request, column, row[c]);
      }
      if (request === undefined) {
        fail(`${what}: cases[${i}] table rows[${r}]: a column goes through a non-object`);
        continue;
      }
      if (accept("request", request, `${what}: cases[${i}] \`${testCase.name}\` rows[${r}]`)) {
        count("example table rows");
      }
    }
  }
}

for (const path of walkFiles(join(root, "examples"))) {
  const name = basename(path);
  try {
    if (name === "entities.json" || name.endsWith(".entities.json")) {
      if (accept("entities", readJson(path), rel(path))) count("example entity files");
    } else if (name === "request.json" || name.endsWith(".request.json")) {
      if (accept("request", readJson(path), rel(path))) count("example request files");
    } else if (name === "requests.jsonl" || name.endsWith(".requests.jsonl")) {
      count("example requests.jsonl files");
      readFileSync(path, "utf8").split("\n").forEach((line, i) => {
        if (line.trim() === "") return;  // ward eval --requests skips blank lines
        if (accept("request", JSON.parse(line), `${rel(path)}:${i + 1}`)) {
          count("example requests.jsonl lines");
        }
      });
    } else if (name.endsWith(".ward_test.json")) {
      checkTestFile(path);
    }
  } catch (error) {
    fail(`${rel(path)}: ${error.message}`);
  }
}

// ---- 2 and 3. the conformance cases ----

// Entity files whose error a schema that knows nothing of the policy can see. The other
// entities_invalid_* files need the policy's schema (duplicate ids, attribute types, enum
// members, required attributes, unknown resource types): `ward check --entities` finds those.
const STRUCTURAL_ENTITY_ERRORS = [
  "entities_invalid_expires_at.json",
  "entities_invalid_identity_unknown_field.json",
  "entities_invalid_missing_status.json",
  "entities_invalid_resource_unknown_field.json",
  "entities_invalid_status.json",
  "entities_invalid_top_level_field.json",
  "entities_invalid_unknown_kind.json",
];

const conformanceDir = join(root, "testdata", "conformance");
const conformanceFiles = readdirSync(conformanceDir).filter((f) => f.endsWith(".json")).sort();
for (const file of STRUCTURAL_ENTITY_ERRORS) {
  if (!conformanceFiles.includes(file)) fail(`testdata/conformance/${file} is missing`);
}
for (const file of conformanceFiles) {
  const where = `testdata/conformance/${file}`;
  let document;
  try {
    document = readJson(join(conformanceDir, file));
  } catch (error) {
    fail(`${where}: ${error.message}`);
    continue;
  }
  if ("expect_entity_error" in document || "entities_text" in document) {
    if (STRUCTURAL_ENTITY_ERRORS.includes(file) &&
        reject("entities", document.entities, `${where}: entities`)) {
      count("conformance entity errors rejected");
    }
    continue;
  }
  if (document.entities !== undefined &&
      accept("entities", document.entities, `${where}: entities`)) {
    count("conformance entity objects");
  }
  for (const [i, testCase] of (document.cases ?? []).entries()) {
    const what = `${where}: cases[${i}] \`${testCase.name}\``;
    if ("expect_request_error" in testCase) {
      // Request errors depend on the text alone, so the schema must see every one.
      if (typeof testCase.request === "object" &&
          reject("request", testCase.request, `${what}: request`)) {
        count("conformance request errors rejected");
      }
      continue;
    }
    if (["expect_entity_error", "entities_text", "request_text"].some((k) => k in testCase)) {
      continue;
    }
    if (testCase.entities !== undefined &&
        accept("entities", testCase.entities, `${what}: entities`)) {
      count("conformance entity objects");
    }
    if (testCase.request !== undefined && accept("request", testCase.request, `${what}: request`)) {
      count("conformance request objects");
    }
  }
}

// ---- 3. deliberately bad documents ----

const goodIdentity = {kind: "user", id: "u1", status: "active", groups: ["g"], attrs: {n: 1}};
const goodRequest = {
  subject: {kind: "user", id: "u1"}, action: "read", resource: {type: "doc", id: "d1"},
  now: "2026-12-01T00:00:00Z",
};
const goodTest = {
  policies: ["policy.ward"],
  cases: [{name: "reads", request: goodRequest, expect: {effect: "ALLOW"}}],
};
const withCase = (changes) => ({...goodTest, cases: [{...goodTest.cases[0], ...changes}]});
const without = (object, key) => {
  const copy = {...object};
  delete copy[key];
  return copy;
};

// Sanity: the bases are valid, so that each bad document fails for its one fault.
const goodDocuments = [
  ["entities", {identities: [goodIdentity], resources: [{type: "doc", id: "d1"}]}, "good entities"],
  ["entities", {identities: null, resources: [{type: "doc", id: "d1", attrs: {tags: []}}]},
   "null identities, empty set"],
  ["entities", {identities: [{...goodIdentity, attrs: {undeclared: {k: [1.5, null]}}}]},
   "an undeclared attribute, which ward ignores whatever its value"],
  ["request", goodRequest, "good request"],
  ["request", {...goodRequest, context: {x: {nested: true}}, on_behalf_of: null, approval: null},
   "request with null optional fields"],
  ["test", goodTest, "good test file"],
  ["test", withCase({request: {action: "read", resource: {type: "doc", id: "d1"}},
                     table: {columns: ["subject"], rows: [[{kind: "user", id: "u1"}]]}}),
   "table whose base request lacks the subject"],
];
for (const [key, document, what] of goodDocuments) {
  if (accept(key, document, `deliberately good document \`${what}\``)) count("good documents accepted");
}

const badDocuments = [
  ["entities", {identities: [{...goodIdentity, name: "x"}]}, "unknown identity field"],
  ["entities", {identities: [{...goodIdentity, status: "enabled"}]}, "bad status"],
  ["entities", {identities: [without(goodIdentity, "status")]}, "identity without status"],
  ["entities", {identities: [{...goodIdentity, kind: "any"}]}, "`any` as an identity kind"],
  ["entities", {identities: [{...goodIdentity, expires_at: "tomorrow"}]}, "bad expires_at"],
  ["entities", {identities: [{...goodIdentity, owner: ""}]}, "empty owner"],
  ["entities", {resources: [{type: "doc", id: "d1", owner: "u1"}]}, "unknown resource field"],
  ["entities", {identities: [], policies: []}, "unknown top-level field"],
  ["request", without(goodRequest, "subject"), "request without subject"],
  ["request", {...goodRequest, subject: {kind: "user", id: ""}}, "empty subject id"],
  ["request", {...goodRequest, now: "2026-12-01"}, "now without a time"],
  ["request", {...goodRequest, args: [1]}, "args not an object"],
  ["request", {...goodRequest, approval: ""}, "empty approval"],
  ["test", withCase({expect: {effect: "ALLOW", efect: "DENY"}}), "unknown expect key"],
  ["test", withCase({expect: {reason: "permitted"}}), "expect without effect"],
  ["test", withCase({expect: {effect: "PERMIT"}}), "unknown effect"],
  ["test", withCase({expect: {effect: "DENY", reason: "denied"}}), "unknown reason"],
  ["test", withCase({expect: {effect: "ALLOW", obligations: {log: "full"}}}),
   "partial obligations"],
  ["test", withCase({expect: {effect: "ALLOW", redacts: []}}), "empty redacts"],
  ["test", withCase({requests: [goodRequest]}), "request and requests together"],
  ["test", withCase({request: without(goodRequest, "action")}), "incomplete request, no table"],
  ["test", withCase({table: {columns: ["subject..id"], rows: [["u1"]]}}), "bad table column"],
  ["test", {...goodTest, expcet: {}}, "unknown top-level key"],
  ["test", without(goodTest, "policies"), "test file without policies"],
  ["test", {...goodTest, cases: []}, "no cases"],
];
for (const [key, document, what] of badDocuments) {
  if (reject(key, document, `deliberately bad document \`${what}\``)) count("bad documents rejected");
}

// ---- 4. the grammar and the extension manifest ----

const KEYWORDS = [
  "schema", "user", "agent", "builder", "any", "resource", "action", "on", "context", "args",
  "permit", "forbid", "require_approval", "to", "in", "group", "under", "matching", "when",
  "unless", "with", "and", "or", "not", "has", "matches", "starts_with", "now", "true",
  "false", "subject", "delegator", "set", "string", "int", "bool", "timestamp",
  // annotations with a meaning, obligations and log levels
  "id", "description", "allow", "shadow", "redact", "limit", "log", "none", "summary", "full",
];

const grammarPath = join(vscodeDir, "syntaxes", "ward.tmLanguage.json");
let grammar;
try {
  grammar = readJson(grammarPath);
} catch (error) {
  fail(`${rel(grammarPath)}: not valid JSON: ${error.message}`);
}
if (grammar) {
  if (grammar.scopeName !== "source.ward") fail(`${rel(grammarPath)}: scopeName is not source.ward`);
  const regexes = [];
  const includes = [];
  const walk = (node) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node === null || typeof node !== "object") return;
    for (const [key, value] of Object.entries(node)) {
      if (["match", "begin", "end", "while"].includes(key) && typeof value === "string") {
        regexes.push(value);
      } else if (key === "include" && typeof value === "string") {
        includes.push(value);
      } else {
        walk(value);
      }
    }
  };
  walk(grammar);
  // The patterns keep to the syntax Oniguruma (the editor's engine) shares with JavaScript.
  for (const source of regexes) {
    try {
      new RegExp(source);
    } catch (error) {
      fail(`${rel(grammarPath)}: regular expression ${JSON.stringify(source)}: ${error.message}`);
    }
  }
  for (const include of includes) {
    if (include.startsWith("#") && !(include.slice(1) in (grammar.repository ?? {}))) {
      fail(`${rel(grammarPath)}: include ${include} names no repository entry`);
    }
  }
  const text = regexes.join("\n");
  for (const keyword of KEYWORDS) {
    if (new RegExp(`(?<![A-Za-z0-9_])${keyword}(?![A-Za-z0-9_])`).test(text)) {
      count("grammar keywords");
    } else {
      fail(`${rel(grammarPath)}: no pattern names the keyword \`${keyword}\``);
    }
  }
  count("grammar patterns", regexes.length);
}

const manifestPath = join(vscodeDir, "package.json");
const manifest = readJson(manifestPath);
const contributes = manifest.contributes ?? {};
if (manifest.name !== "ward-language" || manifest.publisher !== "ward" || !manifest.engines?.vscode) {
  fail(`${rel(manifestPath)}: needs name ward-language, publisher ward and engines.vscode`);
}
const language = (contributes.languages ?? []).find((l) => l.id === "ward");
if (!language || !language.extensions?.includes(".ward") ||
    !existsSync(join(vscodeDir, language.configuration ?? "-"))) {
  fail(`${rel(manifestPath)}: contributes.languages has no ward language with .ward and ` +
       "an existing configuration");
} else {
  const configuration = readJson(join(vscodeDir, language.configuration));
  if (configuration.comments?.lineComment !== "//" ||
      configuration.comments?.blockComment?.join(" ") !== "/* */") {
    fail("language-configuration.json: comments are not // and /* */");
  }
}
const grammarEntry = (contributes.grammars ?? []).find((g) => g.scopeName === "source.ward");
if (!grammarEntry || grammarEntry.language !== "ward" ||
    join(vscodeDir, grammarEntry.path ?? "-") !== grammarPath) {
  fail(`${rel(manifestPath)}: contributes.grammars does not map ward to ${rel(grammarPath)}`);
}
const expectedValidation = {
  "ward_test.schema.json": ["*.ward_test.json"],
  "entities.schema.json": ["entities.json", "*.entities.json"],
  "request.schema.json": ["request.json", "*.request.json"],
};
for (const [file, patterns] of Object.entries(expectedValidation)) {
  const entry = (contributes.jsonValidation ?? []).find(
    (v) => join(vscodeDir, v.url ?? "-") === join(schemaDir, file));
  const matched = [entry?.fileMatch ?? []].flat();
  if (!entry || !patterns.every((p) => matched.includes(p))) {
    fail(`${rel(manifestPath)}: contributes.jsonValidation does not map ` +
         `${patterns.join(", ")} to ./schemas/${file}`);
  } else {
    count("jsonValidation entries");
  }
}

// ---- 5. npm pack ----

const shipped = [
  "package.json", "README.md", "language-configuration.json", "syntaxes/ward.tmLanguage.json",
  ...Object.values(schemaFiles).map((file) => `schemas/${file}`),
];
try {
  const output = execFileSync(npm, ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: vscodeDir,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: {...process.env, npm_config_update_notifier: "false"},
  });
  const files = JSON.parse(output)[0].files.map((f) => f.path);
  for (const file of shipped) {
    if (files.includes(file)) count("npm pack files checked");
    else fail(`npm pack --dry-run in editors/vscode does not ship ${file} (see "files")`);
  }
} catch (error) {
  fail(`npm pack --dry-run in editors/vscode failed: ${error.stderr || error.message}`);
}

report();

function report({early = false} = {}) {
  const expected = [
    "schemas compiled", "request definitions shared", "example entity files",
    "example request files", "example requests.jsonl files", "example requests.jsonl lines",
    "example test files", "example test cases", "example table rows",
    "conformance entity objects", "conformance request objects",
    "conformance request errors rejected", "conformance entity errors rejected",
    "good documents accepted", "bad documents rejected", "grammar patterns",
    "grammar keywords", "jsonValidation entries", "npm pack files checked",
  ];
  for (const key of expected) {
    console.log(`${String(counts[key] ?? 0).padStart(5)}  ${key}`);
    if (!counts[key] && !early) fail(`nothing counted for "${key}"`);
  }
  if (failures.length > 0) {
    console.log(`\nFAIL: ${failures.length} problem(s):`);
    for (const failure of failures) console.log(`  ${failure}`);
    process.exit(1);
  }
  console.log("\nPASS: the editor schemas, grammar and extension are consistent with ward");
  process.exit(0);
}
