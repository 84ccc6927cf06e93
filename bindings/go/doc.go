// Package ward is the Go binding of ward, an embeddable policy-decision library for AI
// security. It calls the stable C interface (ward.h, libward.so) through cgo.
//
// An Engine holds a compiled policy set and the entities (identities and resources) it
// decides for. Each request names a subject, the identities it acts for, an action and a
// resource, and gets back a Decision: ALLOW, DENY or NEEDS_APPROVAL, with the reason, the
// determining rules, the obligations to enforce and every evaluation error.
//
//	engine, err := ward.EngineFromFiles(
//		[]string{"schema.ward", "rules.ward"},
//		&ward.Options{EntitiesFile: "entities.json"})
//	if err != nil {
//		log.Fatal(err) // file:line:col: error: ...
//	}
//	defer engine.Close()
//	decision, err := engine.Decide(&ward.Request{
//		Subject:    ward.Identity{Kind: ward.Agent, ID: "a17"},
//		OnBehalfOf: []ward.Identity{{Kind: ward.User, ID: "u3"}},
//		Action:     "invoke",
//		Resource:   ward.Resource{Type: "tool", ID: "search"},
//	})
//	if err == nil && decision.Allowed() {
//		// proceed, honouring decision.Obligations
//	}
//
// The package ward.dev/ward/wardhttp decides every request of an http.Handler this way
// before the handler sees it, and redacts its response when the decision says so.
//
// # Lifetimes
//
// Engines, policies, deciders and redactors hold memory of the C library. They have no
// finalizers: release each with Close once it is no longer used. Calls on a closed engine
// fail with ErrClosed; Close waits for the calls already running.
//
// # Goroutines
//
// An Engine is safe for concurrent use: any number of goroutines may decide at once, while
// others update entities or reload the policy. Each update publishes a new snapshot that the
// next decision sees. A Policy is safe for concurrent use. A Decider and a Redactor belong to
// one goroutine at a time (they serialise concurrent calls rather than corrupt memory).
//
// # Errors
//
// Every failure is an *Error whose Category maps one for one the status codes of the C
// interface (ward_status), and whose Category.String is the C interface's name for it
// (ward_status_name). Test for a category with errors.Is and the sentinel values (ErrRequest,
// ErrPolicy, ...), or read it with errors.As. The one exception is a Redactor, which returns
// its destination's write error as it is. Deciding never fails on a request's effect: a
// DENY is a decision, not an error.
//
// # Fail closed
//
// When deciding fails (an invalid request, a closed engine, a failure inside the library),
// the Decision returned with the error reads DENY with reason internal_error, so that a
// caller who only looks at the decision still refuses.
package ward
