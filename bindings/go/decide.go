package ward

/*
#include "ward.h"
*/
import "C"

import (
	"encoding/json"
	"sync"
)

// takeDecision returns a decision handle to decide into: a spare one, or a new one.
func (e *Engine) takeDecision() (*C.ward_decision, error) {
	select {
	case d := <-e.spare:
		return d, nil
	default:
	}
	d := C.ward_decision_new()
	if d == nil {
		return nil, newError(CategoryInternal, "ward: out of memory")
	}
	return d, nil
}

// giveDecision keeps a decision handle for the next call, or frees it when enough are kept.
// Called with e.mu held for reading, so that Close cannot have drained the spares already.
func (e *Engine) giveDecision(d *C.ward_decision) {
	select {
	case e.spare <- d:
	default:
		C.ward_decision_free(d)
	}
}

// failed is the decision of a call that failed before it reached a decision object: the
// C interface's fail-closed decision, DENY with reason internal_error.
func failed() *Decision {
	d := C.ward_decision_new()
	if d == nil {
		return &Decision{Effect: Deny, Reason: ReasonInternalError}
	}
	defer C.ward_decision_free(d)
	return readDecision(d)
}

// decideInto runs one decision into d: of the structured request r, or of the JSON text
// when isJSON. On failure d reads DENY internal_error.
func decideInto(engine *C.ward_engine, d *C.ward_decision, r *Request, text []byte, isJSON bool,
	trace **C.ward_trace) error {
	var status C.ward_status
	var e *C.ward_error
	if !isJSON {
		var a arena
		defer a.free()
		request, err := a.request(r)
		if err != nil {
			// Decide nothing, so that d reads as a failed decision.
			C.ward_decide(engine, nil, d, nil)
			return err
		}
		if trace != nil {
			status = C.ward_explain(engine, request, d, trace, &e)
		} else {
			status = C.ward_decide(engine, request, d, &e)
		}
	} else {
		// Empty text is passed as such, so that it is a request error, not a missing
		// argument.
		data, n := textArg(text)
		if data == nil {
			data = emptyText
		}
		if trace != nil {
			status = C.ward_explain_json(engine, data, n, d, trace, &e)
		} else {
			status = C.ward_decide_json(engine, data, n, d, &e)
		}
	}
	if status != C.WARD_OK {
		return takeError(status, e)
	}
	return nil
}

// decide decides with a spare decision handle and reads the decision out.
func (e *Engine) decide(r *Request, text []byte, isJSON, explain bool) (*Decision, string, error) {
	var decision *Decision
	var traceText string
	err := e.use(func(engine *C.ward_engine) error {
		d, err := e.takeDecision()
		if err != nil {
			return err
		}
		defer e.giveDecision(d)
		var trace *C.ward_trace
		var tracep **C.ward_trace
		if explain {
			tracep = &trace
		}
		err = decideInto(engine, d, r, text, isJSON, tracep)
		if trace != nil {
			traceText = goString(C.ward_trace_text(trace))
			C.ward_trace_free(trace)
		}
		decision = readDecision(d)
		return err
	})
	if decision == nil {
		decision = failed()
	}
	return decision, traceText, err
}

// Decide decides a request. A nil error means a decision was made, whatever its effect:
// check it. On error (an invalid request: CategoryRequest; a closed engine: ErrClosed) the
// decision returned reads DENY with reason internal_error.
//
// A grant in r.Approval is verified; when it is accepted and the decision is Allow, it is
// used up: one decision per grant and engine.
func (e *Engine) Decide(r *Request) (*Decision, error) {
	d, _, err := e.decide(r, nil, false, false)
	return d, err
}

// DecideJSON decides a request in the JSON exchange format (the command-line tool's), at
// most 1 MiB and nested at most 32 deep. Decision.JSON gives the decision's JSON.
func (e *Engine) DecideJSON(request []byte) (*Decision, error) {
	d, _, err := e.decide(nil, request, true, false)
	return d, err
}

// Explain decides r and explains the decision: every candidate rule of every principal,
// whether it held and why. It costs more than deciding, and uses a grant up as deciding
// does.
func (e *Engine) Explain(r *Request) (*Explanation, error) {
	d, text, err := e.decide(r, nil, false, true)
	return &Explanation{Decision: d, Text: text}, err
}

// ExplainJSON is Explain for a request in the JSON exchange format.
func (e *Engine) ExplainJSON(request []byte) (*Explanation, error) {
	d, text, err := e.decide(nil, request, true, true)
	return &Explanation{Decision: d, Text: text}, err
}

// ApprovalDigest returns the approval digest of r under the current policy, without
// deciding: what its decision carries on NeedsApproval, and what a grant for it must name.
// It fails as Decide fails on an invalid request; the request's context, time, inline
// attributes and grant play no part.
func (e *Engine) ApprovalDigest(r *Request) (string, error) {
	var digest string
	err := e.use(func(engine *C.ward_engine) error {
		var a arena
		defer a.free()
		request, err := a.request(r)
		if err != nil {
			return err
		}
		var hex *C.char
		var cerr *C.ward_error
		if status := C.ward_approval_digest(engine, request, &hex, &cerr); status != C.WARD_OK {
			return takeError(status, cerr)
		}
		defer C.ward_string_free(hex)
		digest = C.GoString(hex)
		return nil
	})
	return digest, err
}

// ApprovalDigestJSON is ApprovalDigest for a request in the JSON exchange format.
func (e *Engine) ApprovalDigestJSON(request []byte) (string, error) {
	var digest string
	err := e.use(func(engine *C.ward_engine) error {
		data, n := textArg(request)
		if data == nil {
			data = emptyText
		}
		var hex *C.char
		var cerr *C.ward_error
		if status := C.ward_approval_digest_json(engine, data, n, &hex, &cerr); status != C.WARD_OK {
			return takeError(status, cerr)
		}
		defer C.ward_string_free(hex)
		digest = C.GoString(hex)
		return nil
	})
	return digest, err
}

// readDecision copies a decision out of its handle.
func readDecision(d *C.ward_decision) *Decision {
	out := &Decision{
		Effect:         Effect(C.ward_decision_effect(d)),
		Reason:         Reason(C.ward_decision_reason(d)),
		ApprovalDigest: goString(C.ward_decision_approval_digest(d)),
		PolicyHash:     uint64(C.ward_decision_policy_hash(d)),
		json:           goString(C.ward_decision_json(d)),
	}
	var ref C.ward_identity_ref
	if C.ward_decision_denied_by(d, &ref) == 1 {
		out.DeniedBy = &Identity{Kind: Kind(ref.kind), ID: goString(ref.id)}
	}
	if C.ward_decision_approved_by(d, &ref) == 1 {
		out.ApprovedBy = &Identity{Kind: Kind(ref.kind), ID: goString(ref.id)}
	}
	if shadow := goString(C.ward_decision_shadow_json(d)); shadow != "" {
		// Rare (only policies with @shadow rules): read from its JSON form. The library wrote
		// it, so it parses; if it did not, the decision would say nothing of its shadow.
		var outcome ShadowOutcome
		if json.Unmarshal([]byte(shadow), &outcome) == nil {
			out.Shadow = &outcome
		}
	}
	n := int(C.ward_decision_rule_count(d))
	out.Rules = make([]string, n)
	for i := range out.Rules {
		out.Rules[i] = goString(C.ward_decision_rule(d, C.size_t(i)))
	}
	if out.Effect == Allow {
		o := &Obligations{
			Redactions: []Redaction{},
			Limits:     map[string]int64{},
			Log:        LogLevel(C.ward_decision_log(d)),
		}
		for i, n := C.size_t(0), C.ward_decision_redaction_count(d); i < n; i++ {
			var pattern, replacement C.ward_str
			if C.ward_decision_redaction(d, i, &pattern, &replacement) == 1 {
				o.Redactions = append(o.Redactions,
					Redaction{Pattern: goString(pattern), Replacement: goString(replacement)})
			}
		}
		for i, n := C.size_t(0), C.ward_decision_limit_count(d); i < n; i++ {
			var name C.ward_str
			var value C.int64_t
			if C.ward_decision_limit(d, i, &name, &value) == 1 {
				o.Limits[goString(name)] = int64(value)
			}
		}
		out.Obligations = o
	}
	n = int(C.ward_decision_error_count(d))
	out.Errors = make([]EvaluationError, 0, n)
	for i := 0; i < n; i++ {
		var e C.ward_eval_error
		if C.ward_decision_error(d, C.size_t(i), &e) == 1 {
			out.Errors = append(out.Errors, EvaluationError{
				Rule:      goString(e.rule),
				Principal: Identity{Kind: Kind(e.principal.kind), ID: goString(e.principal.id)},
				Message:   goString(e.message),
			})
		}
	}
	return out
}

// Decider decides into one decision object of the library that it keeps from call to call,
// and applies the redactions of the last decision it made (Redact, NewRedactor). It belongs
// to one goroutine at a time: give each goroutine its own (concurrent calls are serialised).
// Release it with Close.
type Decider struct {
	mu       sync.Mutex
	engine   *Engine
	handle   *C.ward_decision
	decision *Decision
}

// NewDecider returns a Decider on the engine.
func (e *Engine) NewDecider() (*Decider, error) {
	var d *Decider
	err := e.use(func(*C.ward_engine) error {
		handle := C.ward_decision_new()
		if handle == nil {
			return newError(CategoryInternal, "ward: out of memory")
		}
		d = &Decider{engine: e, handle: handle}
		return nil
	})
	return d, err
}

func (d *Decider) run(r *Request, text []byte, isJSON bool) (*Decision, error) {
	if d == nil {
		return failed(), newError(CategoryInvalidArgument, "decider: nil")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.handle == nil {
		return failed(), ErrClosed
	}
	err := d.engine.use(func(engine *C.ward_engine) error {
		return decideInto(engine, d.handle, r, text, isJSON, nil)
	})
	if err == ErrClosed {
		// Nothing was decided into the handle: make it read as failed.
		C.ward_decide(nil, nil, d.handle, nil)
	}
	d.decision = readDecision(d.handle)
	return d.decision, err
}

// Decide is Engine.Decide, into the decider's decision object.
func (d *Decider) Decide(r *Request) (*Decision, error) { return d.run(r, nil, false) }

// DecideJSON is Engine.DecideJSON, into the decider's decision object.
func (d *Decider) DecideJSON(request []byte) (*Decision, error) {
	return d.run(nil, request, true)
}

// Close releases the decider. Decisions it returned stay valid. Closing twice is harmless.
func (d *Decider) Close() error {
	if d == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	C.ward_decision_free(d.handle)
	d.handle = nil
	return nil
}
