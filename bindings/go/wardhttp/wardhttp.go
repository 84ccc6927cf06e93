// Package wardhttp puts a ward engine in front of an http.Handler: every request is decided
// before the handler sees it, and the handler runs only on ALLOW.
//
//	api := wardhttp.Guard(engine, mapRequest, modelProxy)
//	http.ListenAndServe(":8080", authenticate(api))
//
// A Mapper turns each *http.Request into the ward.Request to decide. Then, by decision:
//
//   - ALLOW: the next handler runs. wardhttp.DecisionFrom(r.Context()) gives it the decision,
//     whose Obligations (limits, log level) it must enforce. When the decision carries
//     redactions, the response is buffered and redacted before anything reaches the client
//     (see Options.SkipResponseRedaction and Options.MaxResponseBytes).
//   - DENY: 403, with a JSON body {"effect": "DENY", "reason": ..., "rules": [...]}.
//   - NEEDS_APPROVAL: 403 (Options.ApprovalStatus), the same body with
//     "approval": {"digest": ...}, and the digest in the Ward-Approval-Digest header.
//   - The mapper fails, or the engine finds the mapped request malformed (ward.ErrRequest):
//     400, {"effect": "DENY", "reason": "bad_request", "error": ...}.
//   - Any other failure (a closed engine, a failure inside the library, a response that
//     cannot be redacted): 500, {"effect": "DENY", "reason": "internal_error"}, with no
//     detail for the client; Options.OnError receives the error.
//
// In no case but ALLOW is the next handler called, and a response that had to be redacted
// is sent redacted or not at all.
//
// # Why NEEDS_APPROVAL is a 403
//
// 428 Precondition Required is meant for conditional requests (If-Match): clients and
// intermediaries that know it may retry with validators, which approve nothing. A 403 keeps
// every client that does not know ward's approvals refusing, as it must, while the body's
// "effect" and the Ward-Approval-Digest header tell an approval-aware client to obtain a
// grant for that digest and send the request again with it (in the header the mapper reads
// it from, Ward-Approval by convention). Set Options.ApprovalStatus to use another status.
//
// # What the mapper may trust
//
// A decision is only as good as the facts it is made on. Headers, query parameters and body
// fields are written by the client: they can name any subject, any delegator, any channel.
// Take the subject and the delegation chain only from what the gateway authenticated itself
// (a verified token, an mTLS peer, a session looked up on the server), typically from the
// request's context where the authentication middleware put it, and never from a header
// the client could set unless a proxy in front of the gateway authenticated it and strips
// it from client requests. Put the gateway's own facts (channel, tenant, time window) in
// Context, and what the client or the model asked for (tool arguments, prompt parameters)
// in Args, where the approval digest covers them. A grant (Request.Approval) may come from
// the client: it is signed by the approval service and binds to the exact request, so
// nothing the client writes can forge one.
package wardhttp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"strconv"
	"strings"

	"ward.dev/ward"
)

// ApprovalDigestHeader carries the approval digest of a NEEDS_APPROVAL response: the value a
// grant for the request must name.
const ApprovalDigestHeader = "Ward-Approval-Digest"

// ApprovalHeader is the conventional request header for a grant (ward.MintGrant). Guard does
// not read it: a Mapper that accepts grants copies it into Request.Approval.
const ApprovalHeader = "Ward-Approval"

// DefaultMaxResponseBytes is the largest response body buffered for redaction when
// Options.MaxResponseBytes is 0.
const DefaultMaxResponseBytes = 8 << 20

// Mapper turns an HTTP request into the ward request to decide. An error refuses the request
// with 400 and the error's text in the body: write it for the client. A mapper that reads the
// body must bound what it reads (http.MaxBytesReader) and put back what it read, so that the
// next handler still has it.
type Mapper func(*http.Request) (*ward.Request, error)

// Options configure New.
type Options struct {
	// Mapper turns each request into the ward request to decide. Required.
	Mapper Mapper
	// ApprovalStatus is the status of a NEEDS_APPROVAL response; 0 means 403 Forbidden.
	ApprovalStatus int
	// SkipResponseRedaction hands a decision's redactions to the next handler instead of
	// applying them to the response: for streamed responses (server-sent events, chunked
	// model output), which the handler redacts as it writes with NewRedactor. The handler
	// then owns that obligation: a handler that ignores it releases unredacted text.
	SkipResponseRedaction bool
	// MaxResponseBytes caps a response buffered for redaction, before and after redaction.
	// A larger response is not sent: the client gets a 500. 0 means DefaultMaxResponseBytes.
	MaxResponseBytes int
	// OnError receives every failure that ends in a 400 or a 500 (for logs and metrics).
	// nil logs with the standard logger.
	OnError func(r *http.Request, err error)
}

// Guard decides every request with engine before next sees it: New with the default
// options.
func Guard(engine *ward.Engine, mapper Mapper, next http.Handler) http.Handler {
	return New(engine, Options{Mapper: mapper}, next)
}

// New returns the handler that decides every request with engine, then calls next on ALLOW
// and refuses otherwise (see the package documentation). It panics when engine, the mapper
// or next is nil: a guard without them could only refuse everything.
func New(engine *ward.Engine, options Options, next http.Handler) http.Handler {
	if engine == nil || options.Mapper == nil || next == nil {
		panic("wardhttp: New needs an engine, a mapper and a next handler")
	}
	if options.MaxResponseBytes <= 0 {
		options.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if options.ApprovalStatus == 0 {
		options.ApprovalStatus = http.StatusForbidden
	}
	if options.OnError == nil {
		options.OnError = func(r *http.Request, err error) {
			log.Printf("wardhttp: %s %s: %v", r.Method, r.URL.Path, err)
		}
	}
	return &guard{engine: engine, options: options, next: next}
}

type guard struct {
	engine  *ward.Engine
	options Options
	next    http.Handler
}

// state is what the next handler can reach through the request's context.
type state struct {
	decision *ward.Decision
	// decider made the decision; it stays open while the next handler runs, so that
	// NewRedactor can apply the decision's redactions.
	decider *ward.Decider
}

type contextKey struct{}

// DecisionFrom returns the decision that let the request through, in a handler behind a
// guard; false elsewhere. The decision is an ALLOW: enforce its Obligations.
func DecisionFrom(ctx context.Context) (*ward.Decision, bool) {
	s, ok := ctx.Value(contextKey{}).(*state)
	if !ok {
		return nil, false
	}
	return s.decision, true
}

// NewRedactor returns a ward.Redactor for the redactions of the request's decision, writing
// to dst, for a handler behind a guard with Options.SkipResponseRedaction that streams its
// response: write the output through it and Close it at the end. It fails (ward.ErrClosed)
// once the handler has returned, and with an error outside a guarded handler.
func NewRedactor(ctx context.Context, dst io.Writer) (*ward.Redactor, error) {
	s, ok := ctx.Value(contextKey{}).(*state)
	if !ok {
		return nil, errors.New("wardhttp: the context is not a guarded request's")
	}
	return s.decider.NewRedactor(dst)
}

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	request, err := g.options.Mapper(r)
	if err != nil {
		g.options.OnError(r, fmt.Errorf("mapping the request: %w", err))
		writeRefusal(w, http.StatusBadRequest, refusal{Effect: ward.Deny, Reason: "bad_request",
			Error: err.Error()})
		return
	}
	if request == nil {
		g.fail(w, r, errors.New("the mapper returned no request and no error"))
		return
	}
	// A decider of its own per request: its decision object holds the redactions for as
	// long as the response is being written, and Close releases it whatever next does.
	decider, err := g.engine.NewDecider()
	if err != nil {
		g.fail(w, r, err)
		return
	}
	defer decider.Close()
	decision, err := decider.Decide(request)
	if err != nil {
		if errors.Is(err, ward.ErrRequest) {
			g.options.OnError(r, fmt.Errorf("deciding: %w", err))
			writeRefusal(w, http.StatusBadRequest, refusal{Effect: ward.Deny,
				Reason: "bad_request", Error: err.Error()})
			return
		}
		g.fail(w, r, err)
		return
	}

	switch decision.Effect {
	case ward.Allow:
		g.allow(w, r, decider, decision)
	case ward.NeedsApproval:
		w.Header().Set(ApprovalDigestHeader, decision.ApprovalDigest)
		writeRefusal(w, g.options.ApprovalStatus, refusal{Effect: decision.Effect,
			Reason: decision.Reason.String(), Rules: decision.Rules,
			Approval: &approval{Digest: decision.ApprovalDigest}})
	default:
		// DENY, and any effect a newer library might add: refuse what is not understood.
		writeRefusal(w, http.StatusForbidden, refusal{Effect: ward.Deny,
			Reason: decision.Reason.String(), Rules: decision.Rules})
	}
}

func (g *guard) allow(w http.ResponseWriter, r *http.Request, decider *ward.Decider,
	decision *ward.Decision) {
	r = r.WithContext(context.WithValue(r.Context(), contextKey{},
		&state{decision: decision, decider: decider}))
	redact := decision.Obligations != nil && len(decision.Obligations.Redactions) > 0
	if !redact || g.options.SkipResponseRedaction {
		g.next.ServeHTTP(w, r)
		return
	}
	buffered := &redactingWriter{header: http.Header{}, max: g.options.MaxResponseBytes}
	buffered.out.max = g.options.MaxResponseBytes
	redactor, err := decider.NewRedactor(&buffered.out)
	if err != nil {
		g.fail(w, r, err)
		return
	}
	buffered.redactor = redactor
	defer redactor.Discard() // after a panic in next: nothing it held is released
	g.next.ServeHTTP(buffered, wholeIdentityBody(r))
	if err := buffered.send(w); err != nil {
		g.fail(w, r, fmt.Errorf("redacting the response: %w", err))
	}
}

// wholeIdentityBody asks the next handler for the whole body, uncompressed. A redaction
// applied to a byte range misses a match that straddles two ranges, so a client could fetch
// a secret in pieces; and compressed bytes cannot be redacted at all.
func wholeIdentityBody(r *http.Request) *http.Request {
	if r.Header.Get("Range") == "" && r.Header.Get("Accept-Encoding") == "" {
		return r
	}
	r2 := r.Clone(r.Context())
	r2.Header.Del("Range")
	r2.Header.Del("If-Range")
	r2.Header.Del("Accept-Encoding")
	return r2
}

// fail refuses with a 500 that tells the client nothing about the cause.
func (g *guard) fail(w http.ResponseWriter, r *http.Request, err error) {
	g.options.OnError(r, err)
	writeRefusal(w, http.StatusInternalServerError,
		refusal{Effect: ward.Deny, Reason: ward.ReasonInternalError.String()})
}

// refusal is the body of every response the guard writes itself.
type refusal struct {
	Effect   ward.Effect `json:"effect"`
	Reason   string      `json:"reason"`
	Rules    []string    `json:"rules"`
	Approval *approval   `json:"approval,omitempty"`
	Error    string      `json:"error,omitempty"`
}

type approval struct {
	Digest string `json:"digest"`
}

func writeRefusal(w http.ResponseWriter, status int, body refusal) {
	if body.Rules == nil {
		body.Rules = []string{}
	}
	text, err := json.Marshal(body)
	if err != nil {
		// Only reachable if a field could not be encoded; the status still refuses.
		text = []byte(`{"effect":"DENY"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(text)+1))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(text, '\n'))
}

var (
	errTooLarge = errors.New("the response is larger than MaxResponseBytes")
	errEncoded  = errors.New("the response is compressed (Content-Encoding): it cannot be redacted")
	errPartial  = errors.New("the response is a byte range (206): it cannot be redacted")
)

// cappedBuffer holds the redacted response, up to max bytes.
type cappedBuffer struct {
	bytes.Buffer
	max int
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if len(p) > b.max-b.Len() {
		return 0, errTooLarge
	}
	return b.Buffer.Write(p)
}

// redactingWriter is the ResponseWriter of a next handler whose response must be redacted:
// the headers and the status are held back, and the body goes through the redactor into a
// bounded buffer, until send releases all of it or none. It implements neither http.Flusher
// nor http.Hijacker, which would let bytes past the redaction.
type redactingWriter struct {
	header   http.Header
	status   int
	redactor *ward.Redactor
	out      cappedBuffer
	in, max  int
	err      error
}

func (w *redactingWriter) Header() http.Header { return w.header }

func (w *redactingWriter) WriteHeader(status int) {
	// Informational (1xx) responses would send headers early: they are dropped.
	if w.status == 0 && status >= 200 {
		w.status = status
	}
}

func (w *redactingWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.err == nil {
		w.err = w.check()
	}
	if w.err == nil && len(p) > w.max-w.in {
		w.err = errTooLarge
	}
	if w.err != nil {
		return 0, w.err
	}
	w.in += len(p)
	if _, err := w.redactor.Write(p); err != nil {
		w.err = err
		return 0, err
	}
	return len(p), nil
}

// check refuses the responses a redaction cannot be applied to.
func (w *redactingWriter) check() error {
	if enc := w.header.Get("Content-Encoding"); enc != "" && !strings.EqualFold(enc, "identity") {
		return errEncoded
	}
	if w.status == http.StatusPartialContent {
		return errPartial
	}
	return nil
}

// send finishes the redaction and writes the response to dst, or writes nothing and returns
// why it cannot.
func (w *redactingWriter) send(dst http.ResponseWriter) error {
	if w.err == nil {
		w.err = w.check()
	}
	if w.err == nil {
		w.err = w.redactor.Close()
	}
	if w.err != nil {
		return w.err
	}
	status := w.status
	if status == 0 {
		status = http.StatusOK
	}
	h := dst.Header()
	for name, values := range w.header {
		h[name] = values
	}
	// The handler's length, validators and digests describe the unredacted body; a digest
	// of it would even let a client confirm a guess of what was masked.
	for _, name := range []string{"Content-Length", "ETag", "Content-MD5", "Digest",
		"Content-Digest", "Repr-Digest"} {
		h.Del(name)
	}
	if status != http.StatusNoContent && status != http.StatusNotModified {
		h.Set("Content-Length", strconv.Itoa(w.out.Len()))
	}
	dst.WriteHeader(status)
	_, _ = dst.Write(w.out.Bytes()) // the client's connection failing is not the guard's
	return nil
}
