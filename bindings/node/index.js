'use strict';
// The Node.js binding of ward: policy decisions for AI gateways and agent runtimes, over the
// C++ library through a Node-API addon (src/addon.cc). Every call is synchronous except the
// functions that guard() returns. The API is described in index.d.ts and README.md.
//
// The trust boundary the binding keeps: a tool call's arguments are what a model wrote, so
// they travel in a request's `args` (as JSON, so that an approval digest covers them exactly);
// `context` holds only what the host asserts, given separately. A person's approval reaches
// the engine only as a signed grant (`approval`), never through the arguments.

const fs = require('node:fs');
const path = require('node:path');
const {isDate} = require('node:util').types;

// Where the addon is looked for: $WARD_NODE_ADDON; else, when this file is the repository's
// bindings/node/index.js, the CMake build trees that the README's commands create; else the
// copy an installed package carries (prebuilt/ward.node, put there by `npm pack` or `cmake
// --install`); else a copy next to this file. Build trees are not looked for from an installed
// package: two levels up from node_modules/ward is the user's project, not ward's.
function addonCandidates() {
  if (process.env.WARD_NODE_ADDON) return [process.env.WARD_NODE_ADDON];
  const candidates = [];
  if (path.basename(__dirname) === 'node' &&
      path.basename(path.dirname(__dirname)) === 'bindings') {
    const root = path.resolve(__dirname, '..', '..');
    candidates.push(path.join(root, 'build', 'bindings', 'node', 'ward.node'),
                    path.join(root, 'build-release', 'bindings', 'node', 'ward.node'));
  }
  candidates.push(path.join(__dirname, 'prebuilt', 'ward.node'),
                  path.join(__dirname, 'ward.node'));
  return candidates;
}

function loadAddon() {
  const candidates = addonCandidates();
  for (const candidate of candidates) {
    if (fs.existsSync(candidate)) return require(path.resolve(candidate));
  }
  throw new Error(
      `ward: the native addon (ward.node) was not found; looked at ${candidates.join(', ')}. ` +
      'Build the CMake target ward_node or set WARD_NODE_ADDON to the file.');
}

const native = loadAddon();

// ---- Errors: the same class names as the Python binding's ----

/** The base class of every error ward throws (other than TypeError for wrong arguments). */
class WardError extends Error {
  constructor(message, code = 'WARD_ERROR') {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A policy that does not compile; `issues` lists every error with its position. */
class PolicyError extends WardError {
  constructor(message, issues = [], code = 'WARD_POLICY') {
    super(message, code);
    this.issues = issues;
  }
}

/**
 * A bundle that is not one, is of another version, is truncated or corrupted, or is unsigned
 * or badly signed while the engine trusts signing keys (`trustedKeys`).
 */
class BundleError extends PolicyError {
  constructor(message) {
    super(message, [], 'WARD_BUNDLE');
  }
}

/** A request that is not valid (unknown kind or field, empty id, invalid JSON, ...). */
class RequestError extends WardError {
  constructor(message) {
    super(message, 'WARD_REQUEST');
  }
}

/** Entities that do not validate against the policy's schema, or an invalid entity file. */
class EntityError extends WardError {
  constructor(message) {
    super(message, 'WARD_ENTITIES');
  }
}

/** An entity edit naming an identity or resource that does not exist. */
class NotFoundError extends WardError {
  constructor(message) {
    super(message, 'WARD_NOT_FOUND');
  }
}

/** A call on an engine after close(). Also exported as EngineClosedError (Python's name). */
class ClosedError extends WardError {
  constructor(message = 'the engine is closed') {
    super(message, 'WARD_CLOSED');
  }
}

/**
 * A key that is not an Ed25519 key in PEM of the expected half: a public key (SPKI) for
 * approvalKeys and trustedKeys, an unencrypted private key (PKCS#8) to sign grants and bundles.
 */
class SigningKeyError extends WardError {
  constructor(message) {
    super(message, 'WARD_KEY');
  }
}

/**
 * Output could not be redacted, so none of it is released: a redaction cannot be applied,
 * the output is of a type that can carry text but cannot be redacted, it is not valid UTF-8,
 * a stream would have to hold more than it may, or the decision is not ALLOW.
 */
class RedactionError extends WardError {
  constructor(message) {
    super(message, 'WARD_REDACT');
  }
}

/** Thrown by a guarded function when the decision is DENY; carries the decision. */
class DeniedError extends WardError {
  constructor(decision) {
    super(`denied: ${decision.reason}` + rulesSuffix(decision), 'WARD_DENIED');
    this.decision = decision;
  }
}

/**
 * Thrown by a guarded function when the decision is NEEDS_APPROVAL; carries the decision and
 * `digest`, what a grant for exactly this call must name.
 */
class ApprovalRequiredError extends WardError {
  constructor(decision) {
    super('approval required' + rulesSuffix(decision) +
              (decision.approvalDigest ? `; a grant must name digest ${decision.approvalDigest}` :
                                         ''),
          'WARD_APPROVAL_REQUIRED');
    this.decision = decision;
    this.digest = decision.approvalDigest;
  }
}

function rulesSuffix(decision) {
  return decision.rules.length > 0 ? ` (${decision.rules.join(', ')})` : '';
}

// The addon's errors carry a `code`; they become the classes above. TypeErrors pass through.
function translate(error) {
  if (error === null || typeof error !== 'object' || typeof error.code !== 'string' ||
      error instanceof WardError) {
    return error;
  }
  switch (error.code) {
    case 'WARD_POLICY':
      return new PolicyError(error.message, error.issues);
    case 'WARD_REQUEST':
      return new RequestError(error.message);
    case 'WARD_ENTITIES':
      return new EntityError(error.message);
    case 'WARD_BUNDLE':
      return new BundleError(error.message);
    case 'WARD_NOT_FOUND':
      return new NotFoundError(error.message);
    case 'WARD_CLOSED':
      return new ClosedError(error.message);
    case 'WARD_KEY':
      return new SigningKeyError(error.message);
    case 'WARD_REDACT':
      return new RedactionError(error.message);
    case 'WARD_INTERNAL':
      return new WardError(error.message, error.code);
    default:
      return error;
  }
}

function call(fn) {
  try {
    return fn();
  } catch (error) {
    throw translate(error);
  }
}

function requireString(value, name) {
  if (typeof value !== 'string') {
    throw new TypeError(`\`${name}\` must be a string, got ${describe(value)}`);
  }
  return value;
}

function requireObject(value, name) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`\`${name}\` must be an object, got ${describe(value)}`);
  }
  return value;
}

function describe(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'object': {
      const name = value.constructor && value.constructor.name;
      return name && name !== 'Object' ? `a ${name}` : 'an object';
    }
    default:
      return `a ${typeof value}`;
  }
}

function isPlainObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isRecord(value) {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

// A misspelt option (say `trustedkeys`) silently ignored could make an engine trust less than
// the caller meant, so unknown option names are errors.
function checkOptionNames(options, allowed, where) {
  for (const key of Object.keys(options)) {
    if (!allowed.has(key)) {
      throw new TypeError(`unknown option \`${key}\` in \`${where}\`; expected one of ` +
                          [...allowed].join(', '));
    }
  }
}

// ---- Arguments as JSON ----
//
// A tool call's arguments go to the engine as the text of one JSON object, which the approval
// digest hashes (in RFC 8785 canonical form: key order and spacing never matter). They are
// written strictly: JSON.stringify would silently drop a function, turn NaN into null and a Map
// into {}, so that the digest would cover something else than what the tool receives. Here a
// value with no faithful JSON form is a TypeError naming it.

const kMaxJsonDepth = 32;

function jsonText(value, where, depth, open) {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) {
        throw new TypeError(`\`${where}\` is ${value}, which has no JSON form`);
      }
      return JSON.stringify(value);
    case 'bigint':
      return value.toString();
    case 'object':
      break;
    default:
      throw new TypeError(`\`${where}\` has no JSON form (${describe(value)})`);
  }
  if (depth >= kMaxJsonDepth) {
    throw new RequestError(`\`${where}\` is nested more than ${kMaxJsonDepth} deep`);
  }
  if (open.has(value)) throw new TypeError(`\`${where}\` contains itself`);
  if (isDate(value)) {
    if (Number.isNaN(value.getTime())) throw new TypeError(`\`${where}\` is an invalid Date`);
    return JSON.stringify(value);
  }
  open.add(value);
  try {
    if (Array.isArray(value)) {
      const items = [];
      for (let i = 0; i < value.length; i++) {
        items.push(jsonText(value[i], `${where}[${i}]`, depth + 1, open));
      }
      return `[${items.join(',')}]`;
    }
    if (!isRecord(value)) {
      if (typeof value.toJSON === 'function' && !ArrayBuffer.isView(value)) {
        return jsonText(value.toJSON(), where, depth, open);
      }
      throw new TypeError(`\`${where}\` has no JSON form (${describe(value)}): give strings, ` +
                          'numbers, booleans, null, arrays and plain objects');
    }
    const members = [];
    for (const key of Object.keys(value)) {
      const member = value[key];
      if (member === undefined) continue;  // absent, as JSON.stringify has it
      members.push(`${JSON.stringify(key)}:${jsonText(member, `${where}.${key}`, depth + 1, open)}`);
    }
    return `{${members.join(',')}}`;
  } finally {
    open.delete(value);
  }
}

function argsJson(args, where) {
  if (args === undefined || args === null) return undefined;
  if (!isPlainObject(args)) {
    throw new TypeError(`\`${where}\` must be an object, got ${describe(args)}`);
  }
  return jsonText(args, where, 0, new Set());
}

// ---- Requests: checked and flattened here, converted and decided by the addon ----
//
// The addon takes the request as positional strings and flat arrays (see src/convert.h,
// RequestFromArgs): creating and reading named properties through Node-API costs far more
// than doing it here, where V8 compiles it.

const kRequestFields =
    new Set(['subject', 'action', 'resource', 'context', 'onBehalfOf', 'now', 'args', 'approval']);
const kIdentityFields = new Set(['kind', 'id']);
const kResourceFields = new Set(['type', 'id', 'attrs']);

// A misspelt field (say `on_behalf_of`) silently ignored could make a decision less strict
// than the caller meant, so unknown fields are errors, as in the JSON form.
function checkFields(object, allowed, where) {
  for (const key in object) {
    if (!allowed.has(key)) {
      const hint = key === 'on_behalf_of' ? ' (the JavaScript name is `onBehalfOf`)' : '';
      throw new RequestError(`unknown field \`${key}\` in \`${where}\`${hint}`);
    }
  }
}

function requestString(object, field, where) {
  const value = object[field];
  if (typeof value !== 'string') {
    throw new TypeError(`\`${where}.${field}\` must be a string, got ${describe(value)}`);
  }
  if (value.length === 0) throw new RequestError(`\`${where}.${field}\` is empty`);
  return value;
}

// Appends the identity's kind and id to `out`, each read once.
function flatIdentity(value, where, out) {
  if (!isPlainObject(value)) {
    throw new TypeError(`\`${where}\` must be an object {kind, id}, got ${describe(value)}`);
  }
  checkFields(value, kIdentityFields, where);
  out.push(requestString(value, 'kind', where), requestString(value, 'id', where));
}

// {a: 1, b: 2} as ['a', 1, 'b', 2]; undefined when absent.
function flatAttributes(value, where) {
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) {
    throw new TypeError(`\`${where}\` must be an object, got ${describe(value)}`);
  }
  const flat = [];
  for (const key in value) flat.push(key, value[key]);
  return flat;
}

function flatChain(value) {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    throw new TypeError(`\`request.onBehalfOf\` must be an array, got ${describe(value)}`);
  }
  const flat = [];
  for (let i = 0; i < value.length; i++) flatIdentity(value[i], `request.onBehalfOf[${i}]`, flat);
  return flat;
}

// Calls `engine[method]` (of the addon) with the request's flat form.
function withRequest(request, engine, method) {
  if (!isPlainObject(request)) {
    throw new TypeError(`\`request\` must be an object, got ${describe(request)}`);
  }
  checkFields(request, kRequestFields, 'request');
  const subject = [];
  flatIdentity(request.subject, 'request.subject', subject);
  const action = requestString(request, 'action', 'request');
  const resource = request.resource;
  if (!isPlainObject(resource)) {
    throw new TypeError(`\`request.resource\` must be an object, got ${describe(resource)}`);
  }
  checkFields(resource, kResourceFields, 'request.resource');
  const type = requestString(resource, 'type', 'request.resource');
  const id = requestString(resource, 'id', 'request.resource');
  const attrs = flatAttributes(resource.attrs, 'request.resource.attrs');
  const context = flatAttributes(request.context, 'request.context');
  const chain = flatChain(request.onBehalfOf);
  const now = request.now;
  if (now !== undefined && now !== null && typeof now !== 'string' && !isDate(now)) {
    throw new TypeError(
        `\`request.now\` must be a Date or an RFC 3339 string, got ${describe(now)}`);
  }
  const args = argsJson(request.args, 'request.args');
  const approval = request.approval;
  if (approval !== undefined && approval !== null && typeof approval !== 'string') {
    throw new TypeError(`\`request.approval\` must be a grant token (a string), got ${
        describe(approval)}`);
  }
  return call(() => engine[method](subject[0], subject[1], action, type, id, attrs, context,
                                   chain, now, args, approval));
}

// The names of the library's enums (effects, reasons, log levels, kinds), indexed by value:
// taken from the C++ library by the addon (src/convert.cc, NameTables).
const kNames = native.names;

function identityAt(kind, id) {
  return {kind: kNames.kinds[kind], id};
}

// Builds a Decision from the arguments the addon passes (src/convert.h, DecisionToJs).
function decisionFromNative(effect, reason, deniedKind, deniedId, policy, ...rest) {
  let i = 0;
  const rules = rest.slice(1, 1 + rest[0]);
  i = 1 + rest[0];
  let obligations = null;
  const redactCount = rest[i++];
  if (redactCount >= 0) {
    const redact = [];
    for (let r = 0; r < redactCount; r++, i += 2) {
      redact.push({pattern: rest[i], replacement: rest[i + 1]});
    }
    const limits = {};
    const limitCount = rest[i++];
    for (let l = 0; l < limitCount; l++, i += 2) limits[rest[i]] = rest[i + 1];
    obligations = {redact, limits, log: kNames.logLevels[rest[i++]]};
  }
  const errors = [];
  const errorCount = rest[i++];
  for (let e = 0; e < errorCount; e++, i += 4) {
    errors.push({rule: rest[i], principal: identityAt(rest[i + 1], rest[i + 2]),
                 message: rest[i + 3]});
  }
  const approvalDigest = rest[i++];
  const approvedKind = rest[i++];
  const approvedId = rest[i++];
  const shadowJson = rest[i++];
  let shadow = null;
  if (shadowJson !== null) {
    const parsed = JSON.parse(shadowJson);
    shadow = {effect: parsed.effect, reason: parsed.reason, deniedBy: parsed.denied_by || null,
              rules: parsed.rules, obligations: parsed.obligations || null};
  }
  return new Decision(kNames.effects[effect], kNames.reasons[reason],
                      deniedKind < 0 ? null : identityAt(deniedKind, deniedId), rules,
                      obligations, errors, policy, approvalDigest,
                      approvedKind < 0 ? null : identityAt(approvedKind, approvedId), shadow);
}
native.setDecisionFactory(decisionFromNative);

function readText(file, what) {
  requireString(file, what);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new WardError(`cannot read ${what} \`${file}\`: ${error.message}`, 'WARD_IO');
  }
}

const kEngineOptions =
    new Set(['entities', 'entitiesJson', 'approvalKeys', 'trustedKeys', 'maxUsedGrants']);

// The entity file's text from the options: `entities` (a path) or `entitiesJson` (the text,
// or an object in the entity file's format).
function entitiesText(options) {
  if (options.entities !== undefined && options.entitiesJson !== undefined) {
    throw new TypeError('give `options.entities` (a path) or `options.entitiesJson`, not both');
  }
  if (options.entities !== undefined) return readText(options.entities, 'options.entities');
  if (options.entitiesJson === undefined) return undefined;
  if (typeof options.entitiesJson === 'string') return options.entitiesJson;
  return JSON.stringify(requireObject(options.entitiesJson, 'options.entitiesJson'));
}

function keyList(value, name) {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    throw new TypeError(`\`${name}\` must be an array of PEM strings, got ${describe(value)}`);
  }
  value.forEach((key, i) => requireString(key, `${name}[${i}]`));
  return value;
}

// The addon's constructor arguments after (kind, payload): entities, approval keys, trusted
// keys, max used grants.
function engineArguments(options) {
  requireObject(options, 'options');
  checkOptionNames(options, kEngineOptions, 'options');
  const maxUsedGrants = options.maxUsedGrants;
  if (maxUsedGrants !== undefined &&
      (!Number.isSafeInteger(maxUsedGrants) || maxUsedGrants < 1)) {
    throw new TypeError('`options.maxUsedGrants` must be a positive integer');
  }
  return [entitiesText(options), keyList(options.approvalKeys, 'options.approvalKeys'),
          keyList(options.trustedKeys, 'options.trustedKeys'), maxUsedGrants];
}

function sourcesFromFiles(files) {
  if (typeof files === 'string') files = [files];
  if (!Array.isArray(files)) {
    throw new TypeError(`\`files\` must be an array of paths, got ${describe(files)}`);
  }
  // The path as given names each source, as the CLI does (rules without @id are PATH:LINE).
  return files.map((file, i) => ({name: file, text: readText(file, `files[${i}]`)}));
}

function checkSources(sources) {
  if (!Array.isArray(sources)) {
    throw new TypeError(`\`sources\` must be an array of {name, text}, got ${describe(sources)}`);
  }
  sources.forEach((source, i) => {
    requireObject(source, `sources[${i}]`);
    requireString(source.name, `sources[${i}].name`);
    requireString(source.text, `sources[${i}].text`);
  });
  return sources;
}

function bundleBytes(pathOrBuffer) {
  if (typeof pathOrBuffer === 'string') {
    try {
      return fs.readFileSync(pathOrBuffer);
    } catch (error) {
      throw new WardError(`cannot read bundle \`${pathOrBuffer}\`: ${error.message}`, 'WARD_IO');
    }
  }
  if (pathOrBuffer instanceof Uint8Array) return pathOrBuffer;
  throw new TypeError(
      `\`bundle\` must be a path or a Buffer/Uint8Array, got ${describe(pathOrBuffer)}`);
}

// The reload() argument as the addon's (kind, payload).
function policyArguments(spec) {
  if (typeof spec === 'string' || Array.isArray(spec)) return ['sources', sourcesFromFiles(spec)];
  requireObject(spec, 'policy');
  if (spec.sources !== undefined) return ['sources', checkSources(spec.sources)];
  if (spec.files !== undefined) return ['sources', sourcesFromFiles(spec.files)];
  if (spec.bundle !== undefined) return ['bundle', bundleBytes(spec.bundle)];
  throw new TypeError('`policy` must be file paths, {files}, {sources} or {bundle}');
}

function entityJson(value, name) {
  if (typeof value === 'string') return value;
  return JSON.stringify(requireObject(value, name));
}

// ---- Decisions ----

/**
 * A decision: effect, reason, deniedBy, rules, obligations, errors, approvalDigest,
 * approvedBy, shadow, policy.
 */
class Decision {
  constructor(effect, reason, deniedBy, rules, obligations, errors, policy,
              approvalDigest = null, approvedBy = null, shadow = null) {
    /** "ALLOW", "DENY" or "NEEDS_APPROVAL". */
    this.effect = effect;
    /** "permitted", "forbidden", "approval_required", "no_matching_permit", ... */
    this.reason = reason;
    /** On DENY and NEEDS_APPROVAL: the identity whose own decision is the final one. */
    this.deniedBy = deniedBy;
    /** The determining rules, sorted. */
    this.rules = rules;
    /** On ALLOW: {redact: [{pattern, replacement}], limits: {name: n}, log}; else null. */
    this.obligations = obligations;
    /** Evaluation errors: [{rule, principal: {kind, id}, message}]. */
    this.errors = errors;
    /** On NEEDS_APPROVAL: the digest (64 hex digits) a grant must name; else null. */
    this.approvalDigest = approvalDigest;
    /** On an ALLOW that a grant made possible: the approver {kind, id}; else null. */
    this.approvedBy = approvedBy;
    /**
     * When the policy has `@shadow` rules and enforcing them would change this decision:
     * {effect, reason, deniedBy, rules, obligations} as it would have been; else null.
     */
    this.shadow = shadow;
    /** The policy hash (16 hex digits), or null. */
    this.policy = policy;
  }

  /** Whether the effect is ALLOW. */
  get allowed() {
    return this.effect === 'ALLOW';
  }

  /**
   * Returns `text` with the decision's redactions applied (RE2 patterns, in order, every
   * match). Only an ALLOW releases output, so any other effect throws a RedactionError, as
   * does a redaction that cannot be applied. For structures and streams, see ward.redact.
   */
  redact(text) {
    requireString(text, 'text');
    requireAllow(this);
    if (this.obligations.redact.length === 0) return text;
    return redactText(this, text);
  }

  /** A Redactor for output that arrives in chunks (see Redactor). */
  redactor(options) {
    return new Redactor(this, options);
  }

  /** The decision in the contract's JSON form (snake_case keys, as `ward eval` prints). */
  toJSON() {
    const out = {effect: this.effect, reason: this.reason};
    if (this.deniedBy !== null) out.denied_by = this.deniedBy;
    out.rules = this.rules;
    if (this.obligations !== null) out.obligations = this.obligations;
    out.errors = this.errors;
    if (this.approvalDigest !== null) out.approval = {digest: this.approvalDigest};
    if (this.approvedBy !== null) out.approved_by = this.approvedBy;
    if (this.shadow !== null) {
      const s = this.shadow;
      out.shadow = {effect: s.effect, reason: s.reason};
      if (s.deniedBy !== null) out.shadow.denied_by = s.deniedBy;
      out.shadow.rules = s.rules;
      if (s.obligations !== null) out.shadow.obligations = s.obligations;
    }
    if (this.policy !== null) out.policy = this.policy;
    return out;
  }
}

// Each decision's redactions, compiled once, on first use.
const kCompiledRedactions = new WeakMap();

function compiledRedactionsOf(decision) {
  let compiled = kCompiledRedactions.get(decision);
  if (compiled === undefined) {
    compiled = call(() => new native.NativeRedactions(decision.obligations.redact));
    kCompiledRedactions.set(decision, compiled);
  }
  return compiled;
}

function requireDecision(decision) {
  if (!(decision instanceof Decision)) {
    throw new TypeError(`\`decision\` must be a ward.Decision, got ${describe(decision)}`);
  }
}

function requireAllow(decision) {
  if (decision.effect !== 'ALLOW') {
    throw new RedactionError(`cannot release output under a ${decision.effect} decision`);
  }
}

// ---- Redaction of structures and streams ----

const kRedactorOptions = new Set(['window', 'maxBuffered']);

/**
 * A decision's redactions applied to output that arrives in chunks, through the library's
 * RedactionStream: whatever the split into chunks, the pieces put together are what
 * decision.redact() gives for the whole text (a match split between chunks is still
 * redacted), and each piece is released as soon as no redaction can change it. A pattern that
 * can match unboundedly long text (`sk-[A-Za-z0-9]+`) makes it hold everything until finish()
 * (`incremental` is false), up to `maxBuffered` bytes (16 MiB), and fail beyond. After any
 * failure (RedactionError) every call fails: nothing more is released.
 *
 * write(chunk) takes strings, or UTF-8 bytes (Buffer/Uint8Array, checked), and returns the
 * same kind; finish() returns the rest.
 */
class Redactor {
  #native;

  constructor(decision, options = {}) {
    requireDecision(decision);
    requireAllow(decision);
    requireObject(options, 'options');
    checkOptionNames(options, kRedactorOptions, 'options');
    this.#native = call(() => new native.NativeRedactor(decision.obligations.redact,
                                                        options.window, options.maxBuffered));
  }

  /** Takes the next chunk; returns the text that is now final (possibly empty). */
  write(chunk) {
    return call(() => this.#native.write(chunk));
  }

  /** Ends the stream; returns the rest. */
  finish() {
    return call(() => this.#native.finish());
  }

  /** Whether chunks are redacted as they come (false: everything is held until finish()). */
  get incremental() {
    return this.#native.incremental();
  }

  /** The bytes held back now. */
  get heldBytes() {
    return this.#native.heldBytes();
  }
}

const kUtf8 = new TextDecoder('utf-8', {fatal: true});

function isTextChunk(item) {
  return typeof item === 'string' || item instanceof Uint8Array;
}

function chunkKind(item) {
  return typeof item === 'string' ? 'string' : 'bytes';
}

function* redactIterator(decision, iterator) {
  let redactor = null;
  let kind = null;
  const iterable = typeof iterator[Symbol.iterator] === 'function' ?
      iterator :
      {[Symbol.iterator]: () => iterator};
  for (const item of iterable) {
    if (isTextChunk(item)) {
      if (redactor !== null && chunkKind(item) !== kind) {
        const rest = redactor.finish();
        redactor = null;
        if (rest.length > 0) yield rest;
      }
      if (redactor === null) {
        redactor = new Redactor(decision);
        kind = chunkKind(item);
      }
      const piece = redactor.write(item);
      if (piece.length > 0) yield piece;
      continue;
    }
    if (redactor !== null) {
      const rest = redactor.finish();
      redactor = null;
      if (rest.length > 0) yield rest;
    }
    yield redactValue(decision, item, new Set());
  }
  if (redactor !== null) {
    const rest = redactor.finish();
    if (rest.length > 0) yield rest;
  }
}

async function* redactAsyncIterable(decision, iterable) {
  let redactor = null;
  let kind = null;
  for await (const item of iterable) {
    if (isTextChunk(item)) {
      if (redactor !== null && chunkKind(item) !== kind) {
        const rest = redactor.finish();
        redactor = null;
        if (rest.length > 0) yield rest;
      }
      if (redactor === null) {
        redactor = new Redactor(decision);
        kind = chunkKind(item);
      }
      const piece = redactor.write(item);
      if (piece.length > 0) yield piece;
      continue;
    }
    if (redactor !== null) {
      const rest = redactor.finish();
      redactor = null;
      if (rest.length > 0) yield rest;
    }
    yield redactValue(decision, item, new Set());
  }
  if (redactor !== null) {
    const rest = redactor.finish();
    if (rest.length > 0) yield rest;
  }
}

function redactText(decision, text) {
  return call(() => compiledRedactionsOf(decision).apply(text));
}

function redactValue(decision, value, open) {
  if (value === null || value === undefined || typeof value === 'boolean') return value;
  switch (typeof value) {
    case 'string':
      return redactText(decision, value);
    case 'number':
    case 'bigint': {
      // Not text; but a number whose decimal form a redaction matches (a card number) is.
      const text = String(value);
      const redacted = redactText(decision, text);
      return redacted === text ? value : redacted;
    }
    case 'object':
      break;
    default:
      throw new RedactionError(`cannot redact ${describe(value)}`);
  }
  if (value instanceof Uint8Array) {
    let text;
    try {
      text = kUtf8.decode(value);
    } catch (error) {
      throw new RedactionError('output bytes are not valid UTF-8: nothing is released');
    }
    return Buffer.from(redactText(decision, text), 'utf8');
  }
  if (isDate(value)) return value;
  if (typeof value.then === 'function') {
    return Promise.resolve(value).then((result) => redactValue(decision, result, new Set()));
  }
  if (Array.isArray(value) || value instanceof Map || value instanceof Set || isRecord(value)) {
    if (open.has(value)) throw new RedactionError('cannot redact a structure that contains itself');
    open.add(value);
    try {
      if (Array.isArray(value)) return value.map((item) => redactValue(decision, item, open));
      if (value instanceof Set) {
        return new Set([...value].map((item) => redactValue(decision, item, open)));
      }
      if (value instanceof Map) {
        const out = new Map();
        for (const [key, item] of value) {
          const redactedKey = redactValue(decision, key, open);
          if (out.has(redactedKey)) {
            throw new RedactionError('two keys of a Map are the same once redacted');
          }
          out.set(redactedKey, redactValue(decision, item, open));
        }
        return out;
      }
      const out = {};
      for (const key of Object.keys(value)) {
        const redactedKey = redactText(decision, key);
        if (Object.prototype.hasOwnProperty.call(out, redactedKey)) {
          throw new RedactionError('two keys of an object are the same once redacted');
        }
        out[redactedKey] = redactValue(decision, value[key], open);
      }
      return out;
    } finally {
      open.delete(value);
    }
  }
  if (typeof value[Symbol.asyncIterator] === 'function') return redactAsyncIterable(decision, value);
  if (typeof value.next === 'function') return redactIterator(decision, value);
  throw new RedactionError(`cannot redact ${describe(value)}: return text, bytes, JSON-like ` +
                           'data (objects, arrays, numbers) or a stream of them');
}

/**
 * Returns `value` with the redactions of an ALLOW `decision` applied, whatever can carry text:
 *
 * - a string; a Buffer or Uint8Array as UTF-8 text (RedactionError when it is not), returned as
 *   a Buffer;
 * - arrays, plain objects (keys too: RedactionError when two become the same), Maps and Sets:
 *   new ones, every string in them redacted;
 * - null, undefined, booleans and Dates as they are; a number or bigint as it is, unless its
 *   decimal form contains a match (then its redacted form, a string);
 * - a Promise: a Promise of the redacted result;
 * - an async iterable (an async generator, a stream): an async generator of the redacted
 *   stream; a sync iterator (a generator): a generator. Runs of string (or byte) chunks go
 *   through one Redactor, so a match split between chunks is still redacted; other items are
 *   redacted one by one.
 *
 * Anything else (a class instance, a function) cannot be redacted: RedactionError, rather than
 * passing through. With no redactions, `value` is returned untouched, whatever it is. A
 * decision other than ALLOW releases nothing: RedactionError.
 */
function redact(decision, value) {
  requireDecision(decision);
  requireAllow(decision);
  if (decision.obligations.redact.length === 0) return value;
  return redactValue(decision, value, new Set());
}

// ---- Keys and grants ----

const kGrantOptions = new Set(['approver', 'key', 'ttl', 'issuedAt', 'jti']);

function unixSeconds(value, name) {
  if (typeof value === 'number') return value;
  let millis = NaN;
  if (isDate(value)) millis = value.getTime();
  else if (typeof value === 'string') millis = Date.parse(value);
  else throw new TypeError(`\`${name}\` must be a Date, RFC 3339 text or Unix seconds`);
  if (Number.isNaN(millis)) throw new RangeError(`\`${name}\` is not a valid time`);
  return millis / 1000;
}

/**
 * Signs a grant (the approval service's part): a token approving the request whose approval
 * digest is `digest`, by the user `options.approver`, with the private key `options.key`
 * (PKCS#8 PEM). `options.ttl` is in seconds (default 900, 15 minutes); `options.issuedAt` a
 * Date, RFC 3339 text or Unix seconds (default now); `options.jti` the grant's unique id
 * (default 128 random bits).
 */
function mintGrant(digest, options) {
  requireString(digest, 'digest');
  requireObject(options, 'options');
  checkOptionNames(options, kGrantOptions, 'options');
  requireString(options.approver, 'options.approver');
  requireString(options.key, 'options.key');
  const ttl = options.ttl === undefined ? 900 : options.ttl;
  if (typeof ttl !== 'number') throw new TypeError('`options.ttl` must be a number of seconds');
  const issuedAt =
      options.issuedAt === undefined ? undefined : unixSeconds(options.issuedAt, 'options.issuedAt');
  const jti = options.jti === undefined ? undefined : requireString(options.jti, 'options.jti');
  return call(() => native.mintGrant(digest, options.approver, options.key, ttl, issuedAt, jti));
}

/** A new Ed25519 key pair, as PEM text: {privateKey (PKCS#8), publicKey (SPKI)}. */
function generateSigningKey() {
  return call(() => native.generateSigningKey());
}

/** The public key (SPKI PEM) of a private key (PKCS#8 PEM). */
function publicKeyOf(privateKey) {
  requireString(privateKey, 'privateKey');
  return call(() => native.publicKeyOf(privateKey));
}

// ---- Decision logs ----

const kLogOptions = new Set(['level', 'threadQueueBytes', 'revision', 'maxFileBytes', 'maxFiles']);
const kLogCreate = Symbol('ward.DecisionLog.create');
// The native log of each DecisionLog, for Engine.setDecisionLog (never handed to users).
const nativeLogs = new WeakMap();

function logArguments(options) {
  requireObject(options, 'options');
  checkOptionNames(options, kLogOptions, 'options');
  const level = options.level === undefined ? 'summary' : requireString(options.level,
                                                                         'options.level');
  const count = (name, fallback) => {
    const value = options[name];
    if (value === undefined) return fallback;
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new TypeError(`\`options.${name}\` must be a non-negative integer, got ${describe(value)}`);
    }
    return value;
  };
  const revision = options.revision === undefined ? '' : requireString(options.revision,
                                                                       'options.revision');
  return [level, count('threadQueueBytes', 0), revision, count('maxFileBytes', 100 * 1024 * 1024),
          count('maxFiles', 5)];
}

/**
 * A decision log: every decision of the engines it is given to (Engine.setDecisionLog),
 * recorded as one JSON object per line, schema version 1 (docs/decision-logs.md), by a thread
 * of its own. Deciding never waits for it: a record that does not fit in the deciding thread's
 * queue is dropped and counted (stats). Options: level (the least level recorded: 'summary',
 * 'full' with the request's args and context, or 'none'), threadQueueBytes, revision (a label
 * in every record), and for files maxFileBytes (rotate past it; 0 never) and maxFiles.
 */
class DecisionLog {
  constructor(token, nativeLog) {
    if (token !== kLogCreate) {
      throw new TypeError('use DecisionLog.toFile, DecisionLog.toStdout or DecisionLog.toCallback');
    }
    nativeLogs.set(this, nativeLog);
  }

  /** A log appending to the file at `path`, one record per line. */
  static toFile(path, options = {}) {
    requireString(path, 'path');
    const args = logArguments(options);
    return new DecisionLog(kLogCreate, call(() => new native.NativeDecisionLog('file', path, ...args)));
  }

  /** A log writing to the standard output. */
  static toStdout(options = {}) {
    const args = logArguments(options);
    return new DecisionLog(kLogCreate,
                           call(() => new native.NativeDecisionLog('stdout', null, ...args)));
  }

  /**
   * A log calling `callback(record)` (a string holding one JSON object) on the main thread,
   * soon after each decision. The callback does not keep the process alive: close() the log
   * before the process ends to deliver what is queued.
   */
  static toCallback(callback, options = {}) {
    if (typeof callback !== 'function') {
      throw new TypeError(`\`callback\` must be a function, got ${describe(callback)}`);
    }
    const args = logArguments(options);
    return new DecisionLog(kLogCreate,
                           call(() => new native.NativeDecisionLog('callback', callback, ...args)));
  }

  /**
   * Waits until every record made so far is written (for a callback log: handed to the main
   * thread, where the callback runs on a later turn of the event loop). Throws an Error with
   * code WARD_IO when the sink failed since the last flush.
   */
  flush() {
    call(() => nativeLogs.get(this).flush());
  }

  /** Writes what is queued and stops the log; later decisions are not recorded. Idempotent. */
  close() {
    call(() => nativeLogs.get(this).close());
  }

  /** {recorded, dropped, written, failed, maxQueuedBytes} so far. */
  get stats() {
    return nativeLogs.get(this).stats();
  }
}

// ---- Engines ----

const kCreate = Symbol('ward.Engine.create');

/**
 * A policy, its entities, and the decisions over them. Create one with Engine.fromFiles,
 * Engine.fromSources or Engine.fromBundle.
 */
class Engine {
  #native;

  constructor(token, nativeEngine) {
    if (token !== kCreate) {
      throw new TypeError('use Engine.fromFiles, Engine.fromSources or Engine.fromBundle');
    }
    this.#native = nativeEngine;
  }

  /**
   * Compiles policy files (named by their paths as given). Options: entities (a path) or
   * entitiesJson, approvalKeys (public keys whose grants are accepted), trustedKeys (keys every
   * bundle later given to reload() must be signed by), maxUsedGrants.
   */
  static fromFiles(files, options = {}) {
    const sources = sourcesFromFiles(files);
    const rest = engineArguments(options);
    return new Engine(kCreate, call(() => new native.NativeEngine('sources', sources, ...rest)));
  }

  /** Compiles policy sources [{name, text}]; the options of fromFiles. */
  static fromSources(sources, options = {}) {
    checkSources(sources);
    const rest = engineArguments(options);
    return new Engine(kCreate, call(() => new native.NativeEngine('sources', sources, ...rest)));
  }

  /**
   * Loads a compiled bundle (`ward compile`), given as a path or its bytes; the options of
   * fromFiles. With trustedKeys, the bundle must be signed by one of them.
   */
  static fromBundle(pathOrBuffer, options = {}) {
    const bytes = bundleBytes(pathOrBuffer);
    const rest = engineArguments(options);
    return new Engine(kCreate, call(() => new native.NativeEngine('bundle', bytes, ...rest)));
  }

  /**
   * Decides a request object ({subject, action, resource, context, onBehalfOf, now, args,
   * approval}).
   */
  decide(request) {
    return withRequest(request, this.#native, 'decide');
  }

  /** Decides a request in the JSON exchange format; returns the decision's JSON text. */
  decideJson(text) {
    requireString(text, 'text');
    return call(() => this.#native.decideJson(text));
  }

  /**
   * Decides a request (an object, or JSON text) and explains it: {decision, trace, traceText},
   * the trace listing every candidate rule of every principal.
   */
  explain(request) {
    const engine = this.#native;
    const result = typeof request === 'string' ?
        call(() => engine.explainJson(request)) :
        withRequest(request, engine, 'explain');
    return {decision: result.decision, trace: result.trace,
            traceText: result.traceText};
  }

  /**
   * The approval digest of a request (an object, or JSON text) under the current policy,
   * without deciding it: what a grant for it must name. Context, time and grant play no part.
   */
  approvalDigest(request) {
    const engine = this.#native;
    return typeof request === 'string' ? call(() => engine.approvalDigestJson(request)) :
                                         withRequest(request, engine, 'approvalDigest');
  }

  /**
   * Signs a grant for `digest` (see mintGrant): {approver, key, ttl (seconds, default 900),
   * issuedAt, jti}.
   */
  approve(digest, options) {
    call(() => this.#native.usedGrantCount());  // throws ClosedError on a closed engine
    return mintGrant(digest, options);
  }

  /** How many used grants the engine remembers now. */
  get usedGrantCount() {
    return call(() => this.#native.usedGrantCount());
  }

  /** Inserts or replaces an identity (an object, or JSON, in the entity file's format). */
  upsertIdentity(identity) {
    const json = entityJson(identity, 'identity');
    call(() => this.#native.upsertIdentity(json));
  }

  /** Inserts or replaces a resource (an object, or JSON, in the entity file's format). */
  upsertResource(resource) {
    const json = entityJson(resource, 'resource');
    call(() => this.#native.upsertResource(json));
  }

  /** Replaces every entity: an entity file's content, as text or as an object. */
  replaceEntities(entities) {
    const json = entityJson(entities, 'entities');
    call(() => this.#native.replaceEntities(json));
  }

  /** Marks an identity revoked; throws NotFoundError when there is none with that id. */
  revoke(id) {
    requireString(id, 'id');
    call(() => this.#native.revoke(id));
  }

  /** Removes an identity; throws NotFoundError when there is none with that id. */
  removeIdentity(id) {
    requireString(id, 'id');
    call(() => this.#native.removeIdentity(id));
  }

  /** Removes a resource; throws NotFoundError when there is none. */
  removeResource(type, id) {
    requireString(type, 'type');
    requireString(id, 'id');
    call(() => this.#native.removeResource(type, id));
  }

  /**
   * Puts a new policy in place, keeping the entities: file paths, {files}, {sources} or
   * {bundle} (signed by a trusted key when the engine has any). On any error the current
   * policy stays.
   */
  reload(policy) {
    const [kind, payload] = policyArguments(policy);
    call(() => this.#native.reload(kind, payload));
  }

  /** The current policy as bundle bytes; signed with `options.key` (PKCS#8 PEM) when given. */
  toBundle(options = {}) {
    requireObject(options, 'options');
    checkOptionNames(options, new Set(['key']), 'options');
    if (options.key !== undefined) requireString(options.key, 'options.key');
    return call(() => this.#native.toBundle(options.key));
  }

  /** The compiler's warnings for the current policy: [{source, line, column, message}]. */
  get warnings() {
    return call(() => this.#native.warnings());
  }

  /**
   * The unknown identities that called the engine (decisions with reason unknown_identity),
   * most recently seen first: [{kind, id, first_seen, last_seen, count, tried: [{action,
   * resource: {type, id}, count}]}].
   */
  unknownIdentities() {
    return JSON.parse(call(() => this.#native.unknownIdentities()));
  }

  /**
   * What `subject` ({kind, id}) may do: every action on every stored resource it reaches,
   * alone or on behalf of `onBehalfOf`, as {subject, on_behalf_of, stopped?, reached, score,
   * accesses: [{action, resource: {type, id}, effect, condition?, rules, weight}]}.
   * `condition` is the condition on the request (context, args, now) under which the effect
   * is had; with `context` given (the facts the host knows, e.g. a session's), only args (and
   * now, unless `fixNow`) stay open. `sensitivity` maps a resource type to the int attribute
   * that weighs it. See docs/governance.md, "Blast radius".
   */
  whatMay(subject, {onBehalfOf, context, now, fixNow, sensitivity} = {}) {
    const query = {subject};
    if (onBehalfOf !== undefined && onBehalfOf !== null) query.on_behalf_of = onBehalfOf;
    if (context !== undefined && context !== null) query.context = context;
    if (now !== undefined && now !== null) {
      query.now = now instanceof Date ? now.toISOString() : now;
    }
    if (fixNow !== undefined) query.fix_now = fixNow;
    if (sensitivity !== undefined && sensitivity !== null) query.sensitivity = sensitivity;
    return JSON.parse(call(() => this.#native.whatMay(JSON.stringify(query))));
  }

  /** Records every later decision in `log` (a DecisionLog); null stops recording. */
  setDecisionLog(log) {
    if (log !== null && !(log instanceof DecisionLog)) {
      throw new TypeError(`\`log\` must be a ward.DecisionLog or null, got ${describe(log)}`);
    }
    call(() => this.#native.setDecisionLog(log === null ? null : nativeLogs.get(log)));
  }

  /** Releases the policy and entities; every later call throws ClosedError. Idempotent. */
  close() {
    this.#native.close();
  }

  /** Whether close() was called. */
  get closed() {
    return this.#native.isClosed();
  }
}

// ---- guard ----

const kGuardOptions = new Set(['subject', 'onBehalfOf', 'tool', 'action', 'resourceType',
                               'context', 'params', 'onDecision']);

/**
 * Wraps `fn` (sync or async) so that every call is decided first: action `options.action`
 * ("invoke") on resource {type: options.resourceType ("tool"), id: options.tool (default: the
 * function's name)}, with
 *
 * - `args`: the tool call's arguments, which the model wrote: the call's first argument (an
 *   object, as tool calls pass them), or, with `options.params` (names of the positional
 *   parameters), {name: argument, ...}; sent as JSON, so that an approval covers them exactly;
 * - `context`: `options.context`, the host's facts (an object, or a function of the call's
 *   arguments that returns one); never derived from the arguments.
 *
 * `subject` and `onBehalfOf` may be functions of the call's arguments. DENY throws DeniedError,
 * NEEDS_APPROVAL throws ApprovalRequiredError (with `digest`), both without calling `fn`; on
 * ALLOW the result leaves through ward.redact (strings, bytes, structures, iterators and async
 * iterables; anything else that redactions apply to throws RedactionError). The returned
 * function always returns a Promise, and has withApproval(token): a function making the same
 * call carrying a grant, which the engine accepts once, for exactly the arguments it was signed
 * for.
 */
function guard(engine, options, fn) {
  if (!(engine instanceof Engine)) throw new TypeError('`engine` must be a ward.Engine');
  requireObject(options, 'options');
  checkOptionNames(options, kGuardOptions, 'options');
  if (typeof fn !== 'function') throw new TypeError('`fn` must be a function');
  // The tool is named by options.tool, else by the function's own name.
  const tool = options.tool === undefined && fn.name ? fn.name :
                                                      requireString(options.tool, 'options.tool');
  if (options.subject === undefined) throw new TypeError('`options.subject` is required');
  const action = options.action === undefined ? 'invoke' : requireString(options.action,
                                                                         'options.action');
  const resourceType = options.resourceType === undefined ?
      'tool' :
      requireString(options.resourceType, 'options.resourceType');
  const params = options.params;
  if (params !== undefined) {
    if (!Array.isArray(params)) throw new TypeError('`options.params` must be an array of names');
    params.forEach((name, i) => requireString(name, `options.params[${i}]`));
  }
  const context = options.context;
  if (context !== undefined && context !== null && typeof context !== 'function') {
    requireObject(context, 'options.context');
  }

  function argsOf(callArgs) {
    if (params !== undefined) {
      if (callArgs.length > params.length) {
        throw new TypeError(`${tool}: called with ${callArgs.length} arguments, but ` +
                            `options.params names ${params.length}`);
      }
      const out = {};
      params.forEach((name, i) => {
        if (i < callArgs.length) out[name] = callArgs[i];
      });
      return out;
    }
    const first = callArgs[0];
    if (first === undefined || first === null) return {};
    if (!isPlainObject(first)) {
      throw new TypeError(`${tool}: the first argument must be the tool's arguments object, ` +
                          `got ${describe(first)} (name positional parameters with ` +
                          'options.params)');
    }
    return first;
  }

  async function decideAndRun(self, callArgs, approval) {
    const args = argsOf(callArgs);
    const subject = typeof options.subject === 'function' ? await options.subject(...callArgs) :
                                                            options.subject;
    const onBehalfOf = typeof options.onBehalfOf === 'function' ?
        await options.onBehalfOf(...callArgs) :
        options.onBehalfOf;
    const hostContext = typeof context === 'function' ? await context(...callArgs) : context;
    const request = {subject, action, resource: {type: resourceType, id: tool}, args};
    if (hostContext !== undefined && hostContext !== null) request.context = hostContext;
    if (onBehalfOf !== undefined && onBehalfOf !== null) request.onBehalfOf = onBehalfOf;
    if (approval !== undefined) request.approval = approval;
    const decision = engine.decide(request);
    if (typeof options.onDecision === 'function') options.onDecision(decision, callArgs);
    if (decision.effect === 'DENY') throw new DeniedError(decision);
    if (decision.effect === 'NEEDS_APPROVAL') throw new ApprovalRequiredError(decision);
    const result = await fn.apply(self, callArgs);
    return redact(decision, result);
  }

  const guarded = async function guarded(...callArgs) {
    return decideAndRun(this, callArgs, undefined);
  };
  guarded.withApproval = function withApproval(token) {
    if (typeof token !== 'string' || token.length === 0) {
      throw new TypeError(`withApproval() needs a grant token (a string), got ${describe(token)}`);
    }
    return async function approved(...callArgs) {
      return decideAndRun(this, callArgs, token);
    };
  };
  return guarded;
}

module.exports = {
  /** The binding's version (the library's: 0.2.0). */
  version: require('./package.json').version,
  Engine,
  Decision,
  DecisionLog,
  Redactor,
  guard,
  redact,
  mintGrant,
  generateSigningKey,
  publicKeyOf,
  WardError,
  PolicyError,
  BundleError,
  RequestError,
  EntityError,
  NotFoundError,
  ClosedError,
  EngineClosedError: ClosedError,
  SigningKeyError,
  RedactionError,
  DeniedError,
  ApprovalRequiredError,
};
