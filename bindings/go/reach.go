package ward

/*
#include "ward.h"
*/
import "C"

import (
	"encoding/json"
	"time"
	"unsafe"
)

// Access is one action on one resource that an identity can reach (Engine.WhatMay).
type Access struct {
	Action   string `json:"action"`
	Resource struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	} `json:"resource"`
	// Effect is Allow or NeedsApproval, never Deny.
	Effect Effect `json:"effect"`
	// Condition is the condition on the request (context, args, now) under which the effect
	// is had, in the policy language; empty when it is had whatever the request says.
	Condition string   `json:"condition,omitempty"`
	Rules     []string `json:"rules"`
	// Weight is the resource's sensitivity (at least 1).
	Weight int64 `json:"weight"`
}

// Stopped says which identity the lifecycle guard stops, and why.
type Stopped struct {
	Reason   Reason   `json:"reason"`
	Identity Identity `json:"identity"`
}

// Reach is what an identity may do, alone or on behalf of a chain.
type Reach struct {
	Subject    Identity   `json:"subject"`
	OnBehalfOf []Identity `json:"on_behalf_of"`
	// Stopped is set when the lifecycle guard stops an identity: then nothing is reached.
	Stopped  *Stopped `json:"stopped,omitempty"`
	Reached  int64    `json:"reached"`
	Score    int64    `json:"score"`
	Accesses []Access `json:"accesses"`
}

// ReachQuery asks what Subject may do on behalf of OnBehalfOf (nearest first; empty: alone).
type ReachQuery struct {
	Subject    Identity
	OnBehalfOf []Identity
	// Context, when not nil, is the request's context known in advance (a session's facts):
	// conditions read it, and only args (and now, unless FixNow) stay open.
	Context map[string]any
	// Now is the time of the lifecycle guard (zero: the clock); FixNow decides conditions on
	// `now` at that time too.
	Now    time.Time
	FixNow bool
	// Sensitivity maps a resource type to the int attribute that weighs it.
	Sensitivity map[string]string
}

// WhatMay lists every action on every stored resource the query's subject may reach under the
// engine's current policy and entities, with the effect and, where it depends on the request,
// the condition (docs/governance.md, "Blast radius").
func (e *Engine) WhatMay(q *ReachQuery) (*Reach, error) {
	if q == nil {
		return nil, newError(CategoryInvalidArgument, "WhatMay: nil query")
	}
	query := map[string]any{"subject": q.Subject}
	if len(q.OnBehalfOf) > 0 {
		query["on_behalf_of"] = q.OnBehalfOf
	}
	if q.Context != nil {
		query["context"] = q.Context
	}
	if !q.Now.IsZero() {
		query["now"] = q.Now.UTC().Format(time.RFC3339Nano)
	}
	if q.FixNow {
		query["fix_now"] = true
	}
	if len(q.Sensitivity) > 0 {
		query["sensitivity"] = q.Sensitivity
	}
	text, err := json.Marshal(query)
	if err != nil {
		return nil, newError(CategoryRequest, "WhatMay: "+err.Error())
	}
	return e.WhatMayJSON(text)
}

// WhatMayJSON is WhatMay for a query in the JSON format of the C interface's
// ward_engine_what_may: {"subject", "on_behalf_of", "context", "now", "fix_now", "sensitivity"}.
func (e *Engine) WhatMayJSON(query []byte) (*Reach, error) {
	var reach Reach
	err := e.use(func(engine *C.ward_engine) error {
		data, n := textArg(query)
		if data == nil {
			data = emptyText
		}
		var out *C.char
		var length C.size_t
		var cerr *C.ward_error
		if status := C.ward_engine_what_may(engine, data, n, &out, &length, &cerr); status != C.WARD_OK {
			return takeError(status, cerr)
		}
		defer C.ward_string_free(out)
		text := C.GoBytes(unsafe.Pointer(out), C.int(length))
		if err := json.Unmarshal(text, &reach); err != nil {
			return newError(CategoryInternal, "WhatMay: "+err.Error())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &reach, nil
}
