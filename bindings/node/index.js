'use strict';
// The Node.js binding of ward: policy decisions for AI gateways and agent runtimes, over the
// C++ library through a Node-API addon (src/addon.cc). Every call is synchronous except the
// functions that guard() returns. The API is described in index.d.ts and README.md.

const fs = require('node:fs');
const path = require('node:path');
const {isDate} = require('node:util').types;

// Where the addon is looked for: $WARD_NODE_ADDON, else the CMake build trees that the
// README's commands create, else a copy next to this file.
function addonCandidates() {
  if (process.env.WARD_NODE_ADDON) return [process.env.WARD_NODE_ADDON];
  const root = path.resolve(__dirname, '..', '..');
  return [
    path.join(root, 'build', 'bindings', 'node', 'ward.node'),
    path.join(root, 'build-release', 'bindings', 'node', 'ward.node'),
    path.join(__dirname, 'ward.node'),
  ];
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
  constructor(message, issues) {
    super(message, 'WARD_POLICY');
    this.issues = issues;
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

/** A bundle that is not one, is of another version, or is truncated or corrupted. */
class BundleError extends WardError {
  constructor(message) {
    super(message, 'WARD_BUNDLE');
  }
}

/** An entity edit naming an identity or resource that does not exist. */
class NotFoundError extends WardError {
  constructor(message) {
    super(message, 'WARD_NOT_FOUND');
  }
}

/** A call on an engine after close(). */
class ClosedError extends WardError {
  constructor(message = 'the engine is closed') {
    super(message, 'WARD_CLOSED');
  }
}

/** Thrown by a guarded function when the decision is DENY; carries the decision. */
class DeniedError extends WardError {
  constructor(decision) {
    super(`denied: ${decision.reason}` + rulesSuffix(decision), 'WARD_DENIED');
    this.decision = decision;
  }
}

/** Thrown by a guarded function when the decision is NEEDS_APPROVAL; carries the decision. */
class ApprovalRequiredError extends WardError {
  constructor(decision) {
    super('approval required' + rulesSuffix(decision), 'WARD_APPROVAL_REQUIRED');
    this.decision = decision;
  }
}

function rulesSuffix(decision) {
  return decision.rules.length > 0 ? ` (${decision.rules.join(', ')})` : '';
}

// The addon's errors carry a `code`; they become the classes above. TypeErrors pass through.
function translate(error) {
  if (error === null || typeof error !== 'object' || typeof error.code !== 'string') {
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
    case 'object':
      return 'an object';
    default:
      return `a ${typeof value}`;
  }
}

function isPlainObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

// ---- Requests: checked and flattened here, converted and decided by the addon ----
//
// The addon takes the request as positional strings and flat arrays (see src/convert.h,
// RequestFromArgs): creating and reading named properties through Node-API costs far more
// than doing it here, where V8 compiles it.

const kRequestFields = new Set(['subject', 'action', 'resource', 'context', 'onBehalfOf', 'now']);
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
  return call(() => engine[method](subject[0], subject[1], action, type, id, attrs, context,
                                   chain, now));
}

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
  return new Decision(kNames.effects[effect], kNames.reasons[reason],
                      deniedKind < 0 ? null : identityAt(deniedKind, deniedId), rules,
                      obligations, errors, policy);
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

// The entity file's text from the options: `entities` (a path) or `entitiesJson` (the text,
// or an object in the entity file's format).
function entitiesText(options) {
  requireObject(options, 'options');
  if (options.entities !== undefined && options.entitiesJson !== undefined) {
    throw new TypeError('give `options.entities` (a path) or `options.entitiesJson`, not both');
  }
  if (options.entities !== undefined) return readText(options.entities, 'options.entities');
  if (options.entitiesJson === undefined) return undefined;
  if (typeof options.entitiesJson === 'string') return options.entitiesJson;
  return JSON.stringify(requireObject(options.entitiesJson, 'options.entitiesJson'));
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

/** A decision: effect, reason, deniedBy, rules, obligations, errors, policy. */
class Decision {
  constructor(effect, reason, deniedBy, rules, obligations, errors, policy) {
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
    /** The policy hash (16 hex digits), or null. */
    this.policy = policy;
  }

  /** Whether the effect is ALLOW. */
  get allowed() {
    return this.effect === 'ALLOW';
  }

  /**
   * Returns `text` with the decision's redactions applied (RE2 patterns, in order, every
   * match). Only an ALLOW releases output, so any other effect throws a WardError.
   */
  redact(text) {
    requireString(text, 'text');
    if (this.effect !== 'ALLOW') {
      throw new WardError(`cannot release output under a ${this.effect} decision`, 'WARD_EFFECT');
    }
    if (this.obligations.redact.length === 0) return text;
    return call(() => native.redact(this.obligations.redact, text));
  }

  /** The decision in the contract's JSON form (snake_case keys, as `ward eval` prints). */
  toJSON() {
    const out = {effect: this.effect, reason: this.reason};
    if (this.deniedBy !== null) out.denied_by = this.deniedBy;
    out.rules = this.rules;
    if (this.obligations !== null) out.obligations = this.obligations;
    out.errors = this.errors;
    if (this.policy !== null) out.policy = this.policy;
    return out;
  }
}

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

  /** Compiles policy files (named by their paths as given) with optional entities. */
  static fromFiles(files, options = {}) {
    const sources = sourcesFromFiles(files);
    const entities = entitiesText(options);
    return new Engine(kCreate, call(() => new native.NativeEngine('sources', sources, entities)));
  }

  /** Compiles policy sources [{name, text}] with optional entities. */
  static fromSources(sources, options = {}) {
    checkSources(sources);
    const entities = entitiesText(options);
    return new Engine(kCreate, call(() => new native.NativeEngine('sources', sources, entities)));
  }

  /** Loads a compiled bundle (`ward compile`), given as a path or its bytes. */
  static fromBundle(pathOrBuffer, options = {}) {
    const bytes = bundleBytes(pathOrBuffer);
    const entities = entitiesText(options);
    return new Engine(kCreate, call(() => new native.NativeEngine('bundle', bytes, entities)));
  }

  /** Decides a request object ({subject, action, resource, context, onBehalfOf, now}). */
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
   * {bundle}. On any error the current policy stays.
   */
  reload(policy) {
    const [kind, payload] = policyArguments(policy);
    call(() => this.#native.reload(kind, payload));
  }

  /** The compiler's warnings for the current policy: [{source, line, column, message}]. */
  get warnings() {
    return call(() => this.#native.warnings());
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

const kSafeArrayKinds = ['string', 'number'];

/**
 * The context attributes for a tool call's arguments: the properties of the argument object,
 * each as is when the language has a type for it (string, boolean, integer, list of strings,
 * list of integers) and as its JSON text otherwise. null and undefined are left out.
 */
function contextFromArguments(args) {
  const context = {};
  if (args === null || typeof args !== 'object' || Array.isArray(args)) return context;
  for (const [key, value] of Object.entries(args)) {
    const converted = contextValue(value);
    if (converted !== undefined) context[key] = converted;
  }
  return context;
}

function contextValue(value) {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'bigint':
      return value;
    case 'number':
      return Number.isSafeInteger(value) ? value : JSON.stringify(value);
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    default:
      break;
  }
  if (value === null) return undefined;
  if (Array.isArray(value)) {
    const kind = typeof value[0];
    const uniform = kSafeArrayKinds.includes(kind) &&
        value.every((item) => typeof item === kind &&
                     (kind === 'string' || Number.isSafeInteger(item)));
    if (value.length === 0 || uniform) return value;
  }
  return JSON.stringify(value);
}

/**
 * Wraps `fn` (sync or async) so that every call is decided first: action `options.action`
 * ("invoke") on resource {type: options.resourceType ("tool"), id: options.tool}, with the
 * first argument's properties as context (contextFromArguments). `subject` and `onBehalfOf`
 * may be functions of the call's arguments. DENY throws DeniedError, NEEDS_APPROVAL throws
 * ApprovalRequiredError, both without calling `fn`; on ALLOW a string result has the
 * decision's redactions applied. The returned function always returns a Promise.
 */
function guard(engine, options, fn) {
  if (!(engine instanceof Engine)) throw new TypeError('`engine` must be a ward.Engine');
  requireObject(options, 'options');
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

  return async function guarded(...args) {
    const subject = typeof options.subject === 'function' ? await options.subject(...args) :
                                                            options.subject;
    const onBehalfOf = typeof options.onBehalfOf === 'function' ?
        await options.onBehalfOf(...args) :
        options.onBehalfOf;
    const request = {
      subject,
      action,
      resource: {type: resourceType, id: tool},
      context: contextFromArguments(args[0]),
    };
    if (onBehalfOf !== undefined && onBehalfOf !== null) request.onBehalfOf = onBehalfOf;
    const decision = engine.decide(request);
    if (typeof options.onDecision === 'function') options.onDecision(decision, args);
    if (decision.effect === 'DENY') throw new DeniedError(decision);
    if (decision.effect === 'NEEDS_APPROVAL') throw new ApprovalRequiredError(decision);
    const result = await fn.apply(this, args);
    return typeof result === 'string' ? decision.redact(result) : result;
  };
}

module.exports = {
  Engine,
  Decision,
  guard,
  contextFromArguments,
  WardError,
  PolicyError,
  RequestError,
  EntityError,
  BundleError,
  NotFoundError,
  ClosedError,
  DeniedError,
  ApprovalRequiredError,
};
