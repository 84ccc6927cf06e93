// Types of the Node.js binding of ward (index.js).

export type SubjectKind = 'user' | 'agent' | 'builder';
export type Effect = 'ALLOW' | 'DENY' | 'NEEDS_APPROVAL';
export type Reason = 'permitted' | 'forbidden' | 'approval_required' | 'no_matching_permit' |
    'unknown_identity' | 'lifecycle' | 'unowned' | 'internal_error';

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

/** A decision request. */
export interface Request {
  subject: IdentityRef;
  action: string;
  resource: {type: string; id: string; attrs?: Record<string, AttributeValue>};
  context?: Record<string, AttributeValue>;
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
  rule: string;
  principal: IdentityRef;
  message: string;
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
  /** The policy hash in hex, or null. */
  readonly policy: string | null;
  /** Whether the effect is ALLOW. */
  readonly allowed: boolean;
  /** `text` with the redactions applied; throws WardError unless the effect is ALLOW. */
  redact(text: string): string;
  /** The contract's JSON form (snake_case keys). */
  toJSON(): object;
}

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

export interface EntityOptions {
  /** The path of an entity file. */
  entities?: string;
  /** The entity file's content, as text or as an object. */
  entitiesJson?: string | object;
}

export type PolicySpec = string | string[] | {files: string[]} | {sources: Source[]} |
    {bundle: string | Uint8Array};

export class Engine {
  private constructor();
  static fromFiles(files: string | string[], options?: EntityOptions): Engine;
  static fromSources(sources: Source[], options?: EntityOptions): Engine;
  static fromBundle(pathOrBuffer: string | Uint8Array, options?: EntityOptions): Engine;
  decide(request: Request): Decision;
  /** A request as JSON text in; the decision as JSON text out (as `ward eval` prints it). */
  decideJson(text: string): string;
  explain(request: Request | string): Explanation;
  upsertIdentity(identity: object | string): void;
  upsertResource(resource: object | string): void;
  revoke(id: string): void;
  removeIdentity(id: string): void;
  removeResource(type: string, id: string): void;
  reload(policy: PolicySpec): void;
  readonly warnings: Issue[];
  close(): void;
  readonly closed: boolean;
}

type Chain = IdentityRef[] | null | undefined;

export interface GuardOptions<Args extends unknown[]> {
  subject: IdentityRef | ((...args: Args) => IdentityRef | Promise<IdentityRef>);
  onBehalfOf?: IdentityRef[] | null | ((...args: Args) => Chain | Promise<Chain>);
  /** The resource id: the tool's name; the function's own name by default. */
  tool?: string;
  /** Default "invoke". */
  action?: string;
  /** Default "tool". */
  resourceType?: string;
  /** Called with every decision before it is enforced (for logging). */
  onDecision?: (decision: Decision, args: Args) => void;
}

/** Wraps a tool function so that every call is decided first (see README.md). */
export function guard<Args extends unknown[], Result>(
    engine: Engine, options: GuardOptions<Args>,
    fn: (...args: Args) => Result | Promise<Result>): (...args: Args) => Promise<Result>;

/** The context attributes the guard derives from a tool call's argument object. */
export function contextFromArguments(args: unknown): Record<string, AttributeValue>;

export class WardError extends Error {
  code: string;
}
export class PolicyError extends WardError {
  issues: Issue[];
}
export class RequestError extends WardError {}
export class EntityError extends WardError {}
export class BundleError extends WardError {}
export class NotFoundError extends WardError {}
export class ClosedError extends WardError {}
export class DeniedError extends WardError {
  decision: Decision;
}
export class ApprovalRequiredError extends WardError {
  decision: Decision;
}
