// Types of the Node.js binding of ward (index.js).

export type SubjectKind = 'user' | 'agent' | 'builder';
export type Effect = 'ALLOW' | 'DENY' | 'NEEDS_APPROVAL';
export type Reason = 'permitted' | 'forbidden' | 'approval_required' | 'no_matching_permit' |
    'unknown_identity' | 'lifecycle' | 'unowned' | 'internal_error' | 'invalid_request';

/** An identity named by a request or a decision. */
export interface IdentityRef {
  kind: SubjectKind;
  id: string;
}

/**
 * An attribute value. Strings, booleans, integers (number or bigint within 64 bits), lists
 * of strings and lists of integers have types in the language; other values are kept as
 * opaque values that a rule cannot compare. null and undefined mean absent.
 */
export type AttributeValue = unknown;

/**
 * A JSON value as a tool call's arguments may hold: written strictly (a function, a symbol,
 * NaN, a Map, a class instance without toJSON throw a TypeError instead of being dropped).
 */
export type JsonValue = string | number | bigint | boolean | null | Date | JsonValue[] |
    {[key: string]: JsonValue | undefined};

/** A decision request. */
export interface Request {
  subject: IdentityRef;
  action: string;
  /** Inline `attrs` only for a resource that is not in the store (else invalid_request). */
  resource: {type: string; id: string; attrs?: Record<string, AttributeValue>};
  /** What the host asserts (session, channel, ...): never what the model produced. */
  context?: Record<string, AttributeValue>;
  /** The tool call's arguments as the model produced them; sent as JSON. */
  args?: Record<string, JsonValue | undefined>;
  /** A grant token (mintGrant / Engine.approve): a person's approval of exactly this request. */
  approval?: string;
  /** The identities the subject acts for, nearest first; at most 8. */
  onBehalfOf?: IdentityRef[];
  /** The time of the decision (RFC 3339 text or a Date); the clock when absent. */
  now?: string | Date;
}

export interface Redaction {
  pattern: string;
  replacement: string;
}

export interface Obligations {
  redact: Redaction[];
  limits: Record<string, number>;
  log: 'none' | 'summary' | 'full';
}

export interface EvaluationError {
  /** The rule's name; "" for an error about the request itself (a refused grant, say). */
  rule: string;
  principal: IdentityRef;
  message: string;
}

/** A decision as it would have been with the policy's `@shadow` rules enforced. */
export interface ShadowOutcome {
  readonly effect: Effect;
  readonly reason: Reason;
  readonly deniedBy: IdentityRef | null;
  readonly rules: string[];
  readonly obligations: Obligations | null;
}

export class Decision {
  /** Decisions come from Engine.decide and Engine.explain. */
  private constructor();
  readonly effect: Effect;
  readonly reason: Reason;
  /** On DENY and NEEDS_APPROVAL: the identity whose own decision is the final one. */
  readonly deniedBy: IdentityRef | null;
  /** The determining rules, sorted. */
  readonly rules: string[];
  /** On ALLOW only; null otherwise. */
  readonly obligations: Obligations | null;
  readonly errors: EvaluationError[];
  /** On NEEDS_APPROVAL: the digest (64 hex digits) a grant must name; null otherwise. */
  readonly approvalDigest: string | null;
  /** On an ALLOW that a grant made possible: the approver; null otherwise. */
  readonly approvedBy: IdentityRef | null;
  /**
   * When the policy has `@shadow` rules and enforcing them would change this decision: what
   * it would have been; null otherwise.
   */
  readonly shadow: ShadowOutcome | null;
  /** The policy hash in hex, or null. */
  readonly policy: string | null;
  /** Whether the effect is ALLOW. */
  readonly allowed: boolean;
  /** `text` with the redactions applied; throws RedactionError unless the effect is ALLOW. */
  redact(text: string): string;
  /** A Redactor for streamed output (RedactionError unless the effect is ALLOW). */
  redactor(options?: RedactorOptions): Redactor;
  /** The contract's JSON form (snake_case keys: `approval`, `approved_by`). */
  toJSON(): object;
}

export interface RedactorOptions {
  /** Matches up to this many bytes are found across chunks (default 4096). */
  window?: number;
  /** The most a non-incremental stream holds before it fails (default 16 MiB). */
  maxBuffered?: number;
}

/**
 * A decision's redactions applied to output that arrives in chunks; the pieces add up to
 * decision.redact() of the whole text. Strings in, strings out; bytes (UTF-8) in, bytes (a
 * Buffer) out.
 */
export class Redactor {
  constructor(decision: Decision, options?: RedactorOptions);
  write(chunk: string): string;
  write(chunk: Uint8Array): Uint8Array;
  finish(): string | Uint8Array;
  /** False when a pattern can match unboundedly long text: everything is held until finish. */
  readonly incremental: boolean;
  readonly heldBytes: number;
}

/**
 * `value` with an ALLOW decision's redactions applied: strings, bytes (as UTF-8), arrays,
 * plain objects (keys too), Maps, Sets, numbers whose text matches, Promises, sync iterators
 * and async iterables (as generators, chunk by chunk). Anything else throws RedactionError.
 * No redactions: `value` untouched.
 */
export function redact(decision: Decision, value: unknown): any;

export interface TraceRule {
  rule: string;
  effect: 'permit' | 'forbid' | 'require_approval';
  source: string;
  outcome: 'holds' | 'does_not_hold' | 'error';
  when: string | null;
  unless: string | null;
  whenCondition: string | null;
  unlessCondition: string | null;
}

export interface TracePrincipal {
  identity: IdentityRef;
  role: string;
  guard: Reason | null;
  path: string[];
  candidates: TraceRule[];
  effect: Effect;
  reason: Reason;
}

export interface Explanation {
  decision: Decision;
  trace: TracePrincipal[];
  traceText: string;
}

/** A position in a policy source, with what is wrong there. */
export interface Issue {
  source: string;
  line: number;
  column: number;
  message: string;
}

export interface Source {
  name: string;
  text: string;
}

export interface EngineOptions {
  /** The path of an entity file. */
  entities?: string;
  /** The entity file's content, as text or as an object. */
  entitiesJson?: string | object;
  /** Public keys (SPKI PEM, Ed25519) whose grants the engine accepts; none: no grant is. */
  approvalKeys?: string[];
  /** Public keys every bundle the engine loads (fromBundle, reload) must be signed by. */
  trustedKeys?: string[];
  /** How many used grants the engine remembers at once (default 1048576). */
  maxUsedGrants?: number;
}

/** @deprecated the name before 0.2 */
export type EntityOptions = EngineOptions;

export type PolicySpec = string | string[] | {files: string[]} | {sources: Source[]} |
    {bundle: string | Uint8Array};

export interface GrantOptions {
  /** The approving user's id. */
  approver: string;
  /** The approval service's private key (PKCS#8 PEM). */
  key: string;
  /** Seconds the grant may be used (default 900). */
  ttl?: number;
  /** When it was issued (default now): a Date, RFC 3339 text or Unix seconds. */
  issuedAt?: Date | string | number;
  /** The grant's unique id (default 128 random bits). */
  jti?: string;
}

export interface DecisionLogOptions {
  /** The least level a decision is recorded at (default 'summary'). */
  level?: 'none' | 'summary' | 'full';
  /** Bytes of queue per deciding thread (default 4 MiB). */
  threadQueueBytes?: number;
  /** A label written as `revision` in every record. */
  revision?: string;
  /** For a file: rotate past this size (default 100 MiB; 0 never), keeping maxFiles (5). */
  maxFileBytes?: number;
  maxFiles?: number;
}

export interface UnknownIdentity {
  kind: SubjectKind;
  id: string;
  first_seen: string;
  last_seen: string;
  count: number;
  tried: {action: string; resource: {type: string; id: string}; count: number}[];
}

/** One action on one resource an identity can reach (Engine.whatMay). */
export interface Access {
  action: string;
  resource: {type: string; id: string};
  effect: 'ALLOW' | 'NEEDS_APPROVAL';
  /** The condition on the request under which the effect is had; absent when unconditional. */
  condition?: string;
  rules: string[];
  weight: number;
}

/** What an identity may do, alone or on behalf of a chain (Engine.whatMay). */
export interface Reach {
  subject: IdentityRef;
  on_behalf_of: IdentityRef[];
  /** Present when the lifecycle guard stops an identity: then nothing is reached. */
  stopped?: {reason: Reason; identity: IdentityRef};
  reached: number;
  score: number;
  accesses: Access[];
}

export interface WhatMayOptions {
  onBehalfOf?: IdentityRef[];
  /** The request's context when known in advance; otherwise conditions on it stay open. */
  context?: Record<string, unknown>;
  /** The time of the lifecycle guard (default: the clock). */
  now?: string | Date;
  /** Also decide conditions on `now` at that time. */
  fixNow?: boolean;
  /** Resource type -> the int attribute that weighs it. */
  sensitivity?: Record<string, string>;
}

export interface DecisionLogStats {
  recorded: number;
  dropped: number;
  written: number;
  failed: number;
  maxQueuedBytes: number;
}

/** Every decision of the engines it is given to, one JSON object per line (schema v1). */
export class DecisionLog {
  private constructor();
  static toFile(path: string, options?: DecisionLogOptions): DecisionLog;
  static toStdout(options?: DecisionLogOptions): DecisionLog;
  /** `callback` runs on the main thread with each record (one JSON object as a string). */
  static toCallback(callback: (record: string) => void, options?: DecisionLogOptions): DecisionLog;
  flush(): void;
  close(): void;
  readonly stats: DecisionLogStats;
}

export class Engine {
  private constructor();
  static fromFiles(files: string | string[], options?: EngineOptions): Engine;
  static fromSources(sources: Source[], options?: EngineOptions): Engine;
  static fromBundle(pathOrBuffer: string | Uint8Array, options?: EngineOptions): Engine;
  decide(request: Request): Decision;
  /** A request as JSON text in; the decision as JSON text out (as `ward eval` prints it). */
  decideJson(text: string): string;
  explain(request: Request | string): Explanation;
  /** The approval digest of a request (object or JSON text), without deciding it. */
  approvalDigest(request: Request | string): string;
  /** Signs a grant for `digest` (the approval service's part). */
  approve(digest: string, options: GrantOptions): string;
  readonly usedGrantCount: number;
  upsertIdentity(identity: object | string): void;
  upsertResource(resource: object | string): void;
  /** Replaces every entity (an entity file's content, as text or as an object). */
  replaceEntities(entities: object | string): void;
  revoke(id: string): void;
  removeIdentity(id: string): void;
  removeResource(type: string, id: string): void;
  reload(policy: PolicySpec): void;
  /** The current policy as bundle bytes (a Buffer), signed with `options.key` when given. */
  toBundle(options?: {key?: string}): Uint8Array;
  readonly warnings: Issue[];
  /** Records every later decision in `log`; null stops recording. */
  setDecisionLog(log: DecisionLog | null): void;
  /** The unknown identities that called the engine, most recently seen first. */
  unknownIdentities(): UnknownIdentity[];
  /** What `subject` may do: every action on every stored resource it reaches. */
  whatMay(subject: IdentityRef, options?: WhatMayOptions): Reach;
  close(): void;
  readonly closed: boolean;
}

/** Signs a grant approving the request whose approval digest is `digest`. */
export function mintGrant(digest: string, options: GrantOptions): string;
/** A new Ed25519 key pair in PEM. */
export function generateSigningKey(): {privateKey: string; publicKey: string};
/** The public key (SPKI PEM) of a private key (PKCS#8 PEM). */
export function publicKeyOf(privateKey: string): string;

type Chain = IdentityRef[] | null | undefined;
type Context = Record<string, AttributeValue> | null | undefined;

export interface GuardOptions<Args extends unknown[]> {
  subject: IdentityRef | ((...args: Args) => IdentityRef | Promise<IdentityRef>);
  onBehalfOf?: IdentityRef[] | null | ((...args: Args) => Chain | Promise<Chain>);
  /** The host's facts (never the model's arguments): an object or a function of the call. */
  context?: Context | ((...args: Args) => Context | Promise<Context>);
  /**
   * The names of the function's positional parameters: the request's args are then
   * {name: argument}. Without it, the first argument is the tool's arguments object.
   */
  params?: string[];
  /** The resource id: the tool's name; the function's own name by default. */
  tool?: string;
  /** Default "invoke". */
  action?: string;
  /** Default "tool". */
  resourceType?: string;
  /** Called with every decision before it is enforced (for logging). */
  onDecision?: (decision: Decision, args: Args) => void;
}

/** A guarded function: decided before every call; withApproval(token) carries a grant. */
export interface Guarded<Args extends unknown[], Result> {
  (...args: Args): Promise<Result>;
  withApproval(token: string): (...args: Args) => Promise<Result>;
}

/** Wraps a tool function so that every call is decided first (see README.md). */
export function guard<Args extends unknown[], Result>(
    engine: Engine, options: GuardOptions<Args>,
    fn: (...args: Args) => Result | Promise<Result>): Guarded<Args, Result>;

/** The binding's version ("0.2.0"). */
export const version: string;

export class WardError extends Error {
  code: string;
}
export class PolicyError extends WardError {
  issues: Issue[];
}
export class BundleError extends PolicyError {}
export class RequestError extends WardError {}
export class EntityError extends WardError {}
export class NotFoundError extends WardError {}
export class ClosedError extends WardError {}
export {ClosedError as EngineClosedError};
export class SigningKeyError extends WardError {}
export class RedactionError extends WardError {}
export class DeniedError extends WardError {
  decision: Decision;
}
export class ApprovalRequiredError extends WardError {
  decision: Decision;
  /** What a grant for exactly this call must name. */
  digest: string | null;
}
