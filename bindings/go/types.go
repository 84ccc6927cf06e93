package ward

/*
#include "ward.h"
*/
import "C"

import (
	"encoding/json"
	"time"
)

// Effect is the effect of a decision, from least to most strict.
type Effect int

// The effects.
const (
	// Allow: the caller may proceed, honouring the decision's obligations.
	Allow Effect = C.WARD_ALLOW
	// NeedsApproval: a person must approve this very request first (see MintGrant).
	NeedsApproval Effect = C.WARD_NEEDS_APPROVAL
	// Deny: the caller must not proceed.
	Deny Effect = C.WARD_DENY
)

// String returns the name in a decision's JSON: "ALLOW", "NEEDS_APPROVAL" or "DENY".
func (e Effect) String() string { return C.GoString(C.ward_effect_name(C.ward_effect(e))) }

// MarshalText encodes the effect as its name.
func (e Effect) MarshalText() ([]byte, error) { return []byte(e.String()), nil }

// UnmarshalText decodes an effect's name ("ALLOW", "NEEDS_APPROVAL", "DENY").
func (e *Effect) UnmarshalText(text []byte) error {
	for _, effect := range []Effect{Allow, NeedsApproval, Deny} {
		if string(text) == effect.String() {
			*e = effect
			return nil
		}
	}
	return newError(CategoryRequest, "unknown effect \""+string(text)+"\"")
}

// Reason says why a decision is what it is.
type Reason int

// The reasons (docs/semantics.md).
const (
	// ReasonPermitted: every principal is permitted (ALLOW).
	ReasonPermitted Reason = C.WARD_REASON_PERMITTED
	// ReasonForbidden: a forbid rule holds (DENY).
	ReasonForbidden Reason = C.WARD_REASON_FORBIDDEN
	// ReasonApprovalRequired: a require_approval rule holds (NEEDS_APPROVAL).
	ReasonApprovalRequired Reason = C.WARD_REASON_APPROVAL_REQUIRED
	// ReasonNoMatchingPermit: no permit rule holds (DENY).
	ReasonNoMatchingPermit Reason = C.WARD_REASON_NO_MATCHING_PERMIT
	// ReasonUnknownIdentity: an identity of the request is not in the store (DENY).
	ReasonUnknownIdentity Reason = C.WARD_REASON_UNKNOWN_IDENTITY
	// ReasonLifecycle: an identity is not active or has expired (DENY).
	ReasonLifecycle Reason = C.WARD_REASON_LIFECYCLE
	// ReasonUnowned: an agent or builder has no active owner (DENY).
	ReasonUnowned Reason = C.WARD_REASON_UNOWNED
	// ReasonInternalError: deciding failed; the decision fails closed (DENY).
	ReasonInternalError Reason = C.WARD_REASON_INTERNAL_ERROR
	// ReasonInvalidRequest: the request contradicts the inventory or the schema; one error
	// entry, with rule "", names the field (DENY).
	ReasonInvalidRequest Reason = C.WARD_REASON_INVALID_REQUEST
)

// String returns the name in a decision's JSON: "permitted", "no_matching_permit", ...
func (r Reason) String() string { return C.GoString(C.ward_reason_name(C.ward_reason(r))) }

// MarshalText encodes the reason as its name.
func (r Reason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText decodes a reason's name ("permitted", "forbidden", ...).
func (r *Reason) UnmarshalText(text []byte) error {
	for reason := ReasonPermitted; reason <= ReasonInvalidRequest; reason++ {
		if string(text) == reason.String() {
			*r = reason
			return nil
		}
	}
	return newError(CategoryRequest, "unknown reason \""+string(text)+"\"")
}

// LogLevel is the log level an ALLOW decision's obligations ask for.
type LogLevel int

// The log levels.
const (
	// LogNone: nothing needs to be logged.
	LogNone LogLevel = C.WARD_LOG_NONE
	// LogSummary: log that the call happened.
	LogSummary LogLevel = C.WARD_LOG_SUMMARY
	// LogFull: log the call in full.
	LogFull LogLevel = C.WARD_LOG_FULL
)

// String returns "none", "summary" or "full".
func (l LogLevel) String() string {
	return C.GoString(C.ward_log_level_name(C.ward_log_level(l)))
}

// MarshalText encodes the log level as its name.
func (l LogLevel) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText decodes a log level's name ("none", "summary", "full").
func (l *LogLevel) UnmarshalText(text []byte) error {
	for _, level := range []LogLevel{LogNone, LogSummary, LogFull} {
		if string(text) == level.String() {
			*l = level
			return nil
		}
	}
	return newError(CategoryRequest, "unknown log level \""+string(text)+"\"")
}

// Kind is the kind of an identity. The zero value is no kind: a request that leaves a kind
// unset is invalid.
type Kind int

// The kinds of identity.
const (
	// User is a person who prompts models.
	User Kind = C.WARD_KIND_USER
	// Agent is software that acts on its own, often on behalf of a user.
	Agent Kind = C.WARD_KIND_AGENT
	// Builder trains models: datasets, pipelines, model artefacts.
	Builder Kind = C.WARD_KIND_BUILDER
)

// String returns "user", "agent" or "builder" ("unknown" for another value).
func (k Kind) String() string { return C.GoString(C.ward_kind_name(C.ward_kind(k))) }

// MarshalText encodes the kind as its name.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText decodes a kind's name (see ParseKind).
func (k *Kind) UnmarshalText(text []byte) error {
	kind, err := ParseKind(string(text))
	if err != nil {
		return err
	}
	*k = kind
	return nil
}

// ParseKind returns the kind named "user", "agent" or "builder".
func ParseKind(name string) (Kind, error) {
	for _, k := range []Kind{User, Agent, Builder} {
		if name == k.String() {
			return k, nil
		}
	}
	return 0, newError(CategoryRequest, "unknown kind \""+name+"\" (expected user, agent or builder)")
}

// Identity names an identity: a subject, a member of a delegation chain, a principal.
type Identity struct {
	Kind Kind   `json:"kind"`
	ID   string `json:"id"`
}

// String returns "kind:id", as the command-line tool writes an identity.
func (i Identity) String() string { return i.Kind.String() + ":" + i.ID }

// Resource names the resource a request acts on.
type Resource struct {
	// Type and ID are required.
	Type, ID string
	// Attrs are attributes of a resource that is not in the store, validated against the
	// schema. A resource in the store takes its attributes from the store only: attributes
	// given here for it make the decision DENY invalid_request. Values convert as Request's
	// Context values do.
	Attrs map[string]any
}

// Request is a request built in code: the fields of the request JSON, with no JSON to write
// or parse. Subject, Action and Resource's Type and ID are required.
//
// Context, Args and Resource.Attrs map names to values, converted by their Go type:
//
//   - string: a string; bool: a boolean;
//   - int, int8 ... int64, uint8 ... uint32 (and uint, uint64 up to the largest int64): an
//     integer;
//   - time.Time: a timestamp (whole seconds);
//   - []string: a set of strings; []int, []int64: a set of integers;
//   - json.RawMessage: its JSON text, converted as the request JSON's values are;
//   - nil: left out, as JSON null is;
//   - anything else: its encoding/json form, converted as the request JSON's values are (a
//     value rules cannot read when it is a fraction, an object or a mixed list).
type Request struct {
	// Subject is the identity making the request.
	Subject Identity
	// OnBehalfOf lists the identities the subject acts for, nearest first; at most 8.
	OnBehalfOf []Identity
	// Action is the action asked for ("invoke", "reveal", ...).
	Action string
	// Resource is what the action is on.
	Resource Resource
	// Context is what the host asserts about the call (session, channel, ...): never what a
	// model produced, which goes in Args. Declared entries of the wrong type make the
	// decision DENY invalid_request; undeclared ones are ignored.
	Context map[string]any
	// Args are the tool call's arguments as the model produced them (the policy's `args`),
	// validated as Context is. The approval digest covers them.
	Args map[string]any
	// ArgsJSON gives the arguments instead as the text of one JSON object (null or empty:
	// none); the digest then equals that of the same request given as JSON. Setting both
	// Args and ArgsJSON is a request error.
	ArgsJSON json.RawMessage
	// Approval is a grant (MintGrant) approving exactly this request, or empty.
	Approval string
	// Now is the time of the decision, in whole seconds; the zero time means the clock.
	Now time.Time
}

// Redaction is a redaction obligation: every match of Pattern (RE2 syntax) is replaced with
// Replacement (an RE2 rewrite string: \0 is the match, \1 ... \9 its groups).
type Redaction struct {
	Pattern     string `json:"pattern"`
	Replacement string `json:"replacement"`
}

// ShadowOutcome is a decision as it would have been with the policy's @shadow rules enforced
// (shadow rules are evaluated on every request and never enforced: a rule is rolled out
// observed before it decides).
type ShadowOutcome struct {
	Effect      Effect       `json:"effect"`
	Reason      Reason       `json:"reason"`
	DeniedBy    *Identity    `json:"denied_by,omitempty"`
	Rules       []string     `json:"rules"`
	Obligations *Obligations `json:"obligations,omitempty"`
}

// Obligations are what an ALLOW decision asks the caller to enforce.
type Obligations struct {
	// Redactions apply in this order, each to the output of the one before (see
	// Decider.Redact).
	Redactions []Redaction `json:"redact"`
	// Limits are named limits (output_tokens, ...), one value each.
	Limits map[string]int64 `json:"limits"`
	// Log is the log level asked for.
	Log LogLevel `json:"log"`
}

// EvaluationError is an error met while evaluating a condition of a candidate rule. A
// refused grant is reported as one, with Rule "", first in the list.
type EvaluationError struct {
	Rule      string
	Principal Identity
	Message   string
}

// Error formats the entry as "rule (kind:id): message".
func (e EvaluationError) Error() string {
	return e.Rule + " (" + e.Principal.String() + "): " + e.Message
}

// Decision is the outcome of a request. It is a plain value, safe to keep and to share
// between goroutines.
type Decision struct {
	// Effect is ALLOW, NEEDS_APPROVAL or DENY.
	Effect Effect
	// Reason says why.
	Reason Reason
	// DeniedBy is, on every effect but Allow, the principal whose own decision is the final
	// one; nil on Allow (and on a decision that failed).
	DeniedBy *Identity
	// Rules are the determining rules, deduplicated and sorted.
	Rules []string
	// Obligations are those of an Allow decision; nil on any other effect.
	Obligations *Obligations
	// Errors are every evaluation error, whatever the effect: by principal (subject, then the
	// chain), then by rule.
	Errors []EvaluationError
	// ApprovalDigest is, on NeedsApproval, what a grant for this request must name (64
	// lowercase hex digits); empty on every other effect.
	ApprovalDigest string
	// ApprovedBy is, on an Allow that an accepted grant made possible, the user who
	// approved; else nil.
	ApprovedBy *Identity
	// Shadow is, when the policy has @shadow rules and enforcing them would change this
	// decision, what it would have been; else nil.
	Shadow *ShadowOutcome
	// PolicyHash identifies the policy that made the decision; 0 when none did.
	PolicyHash uint64

	json string
}

// Allowed reports whether the effect is Allow.
func (d *Decision) Allowed() bool { return d != nil && d.Effect == Allow }

// JSON returns the decision's canonical JSON (docs/semantics.md), as the command-line tool
// prints it.
func (d *Decision) JSON() string {
	if d == nil {
		return ""
	}
	return d.json
}

// MarshalJSON returns the canonical JSON, so that encoding/json writes a Decision as the
// command-line tool does.
func (d *Decision) MarshalJSON() ([]byte, error) {
	if d.json == "" {
		return []byte("null"), nil
	}
	return []byte(d.json), nil
}

// Explanation is a decision with its trace: every candidate rule of every principal,
// whether it held and why.
type Explanation struct {
	Decision *Decision
	// Text is the trace as `ward explain` prints it, one line per fact.
	Text string
}
