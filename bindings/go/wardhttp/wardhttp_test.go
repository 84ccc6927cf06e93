package wardhttp_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"ward.dev/ward"
	"ward.dev/ward/wardhttp"
)

const policy = `
schema {
  user { team: string }
  resource tool { risk: string }
  resource data { level: int }
  action invoke, approve on tool
  action reveal on data
  context { channel: string }
  args { amount: int }
}

@id("users-invoke")
permit user to invoke on tool;

@id("no-shell")
forbid any to invoke on tool "shell";

@id("high-risk-needs-approval")
require_approval any to invoke on tool when resource.risk == "high";

@id("leads-approve")
permit user in group "leads" to approve on tool;

@id("reveal-masked")
permit user to reveal on data "records"
  with redact(/\b\d{3}-\d{2}-\d{4}\b/, "[SSN]"), limit(output_tokens, 4000), log(full);

@id("reveal-plain")
permit user to reveal on data "public";
`

const entities = `{
  "identities": [
    {"kind": "user", "id": "u1", "status": "active", "attrs": {"team": "dev"}},
    {"kind": "user", "id": "lead", "status": "active", "groups": ["leads"], "attrs": {"team": "risk"}}
  ],
  "resources": [
    {"type": "tool", "id": "search", "attrs": {"risk": "low"}},
    {"type": "tool", "id": "shell", "attrs": {"risk": "low"}},
    {"type": "tool", "id": "pay", "attrs": {"risk": "high"}},
    {"type": "data", "id": "records", "attrs": {"level": 1}},
    {"type": "data", "id": "public", "attrs": {"level": 0}}
  ]
}`

func newEngine(t *testing.T, approvalKeys ...string) *ward.Engine {
	t.Helper()
	engine, err := ward.EngineFromSources([]ward.Source{{Name: "gateway.ward", Text: policy}},
		&ward.Options{EntitiesJSON: []byte(entities), ApprovalKeys: approvalKeys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { engine.Close() })
	return engine
}

type userKey struct{}

// authenticate stands for the gateway's authentication: it maps a bearer token to a user
// from a table the server holds, so that the mapper never takes an identity from a header.
func authenticate(next http.Handler) http.Handler {
	tokens := map[string]string{"token-u1": "u1", "token-lead": "lead"}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, ok := tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		if !ok {
			http.Error(w, "unauthenticated", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, user)))
	})
}

// mapRequest: POST /tools/ID invokes a tool with the JSON body as its args; GET /data/ID
// reveals data. The subject comes from authentication, the channel from the gateway itself,
// the args and the grant from the client.
func mapRequest(r *http.Request) (*ward.Request, error) {
	user, ok := r.Context().Value(userKey{}).(string)
	if !ok {
		return nil, errors.New("not authenticated")
	}
	req := &ward.Request{
		Subject:  ward.Identity{Kind: ward.User, ID: user},
		Context:  map[string]any{"channel": "api"},
		Approval: r.Header.Get(wardhttp.ApprovalHeader),
	}
	switch {
	case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/tools/"):
		req.Action = "invoke"
		req.Resource = ward.Resource{Type: "tool", ID: strings.TrimPrefix(r.URL.Path, "/tools/")}
		body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, 64<<10))
		if err != nil {
			return nil, fmt.Errorf("reading the arguments: %v", err)
		}
		r.Body = io.NopCloser(bytes.NewReader(body)) // the next handler reads them too
		if len(body) > 0 {
			req.ArgsJSON = body
		}
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/data/"):
		req.Action = "reveal"
		req.Resource = ward.Resource{Type: "data", ID: strings.TrimPrefix(r.URL.Path, "/data/")}
	case r.URL.Path == "/malformed":
		req.Action = "invoke" // no resource: the engine refuses the request itself
	default:
		return nil, fmt.Errorf("no route for %s %s", r.Method, r.URL.Path)
	}
	return req, nil
}

// recorded is what the next handler saw.
type recorded struct {
	calls    atomic.Int64
	decision *ward.Decision
	header   http.Header
	body     string
}

type fixture struct {
	t       *testing.T
	engine  *ward.Engine
	next    *recorded
	errors  []error
	handler http.Handler
	mu      sync.Mutex
}

// newFixture guards a next handler that records its call and answers with respond.
func newFixture(t *testing.T, engine *ward.Engine, options wardhttp.Options,
	respond func(w http.ResponseWriter, r *http.Request)) *fixture {
	f := &fixture{t: t, engine: engine, next: &recorded{}}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.next.calls.Add(1)
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.next.decision, _ = wardhttp.DecisionFrom(r.Context())
		f.next.header = r.Header.Clone()
		f.next.body = string(body)
		f.mu.Unlock()
		if respond != nil {
			respond(w, r)
		} else {
			_, _ = io.WriteString(w, "ok")
		}
	})
	if options.Mapper == nil {
		options.Mapper = mapRequest
	}
	options.OnError = func(r *http.Request, err error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.errors = append(f.errors, err)
	}
	f.handler = authenticate(wardhttp.New(engine, options, next))
	return f
}

func (f *fixture) do(method, path, token, body string, headers ...string) *httptest.ResponseRecorder {
	var reader io.Reader
	if body != "" {
		reader = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, path, reader)
	r.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	f.handler.ServeHTTP(w, r)
	return w
}

type refusalBody struct {
	Effect   string   `json:"effect"`
	Reason   string   `json:"reason"`
	Rules    []string `json:"rules"`
	Approval *struct {
		Digest string `json:"digest"`
	} `json:"approval"`
	Error string `json:"error"`
}

func refusal(t *testing.T, w *httptest.ResponseRecorder, status int) refusalBody {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, expected %d: %s", w.Code, status, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("a refusal must not be cached")
	}
	var body refusalBody
	d := json.NewDecoder(w.Body)
	d.DisallowUnknownFields()
	if err := d.Decode(&body); err != nil {
		t.Fatalf("the body is not a refusal: %v", err)
	}
	if body.Effect == "ALLOW" || body.Rules == nil {
		t.Errorf("refusal %+v", body)
	}
	return body
}

func (f *fixture) nextNotCalled() {
	f.t.Helper()
	if n := f.next.calls.Load(); n != 0 {
		f.t.Errorf("the next handler ran %d times", n)
	}
}

func TestAllowCallsNextWithTheDecision(t *testing.T) {
	f := newFixture(t, newEngine(t), wardhttp.Options{}, nil)
	w := f.do("POST", "/tools/search", "token-u1", `{"amount": 3}`)
	if w.Code != http.StatusOK || w.Body.String() != "ok" || f.next.calls.Load() != 1 {
		t.Fatalf("%d %q, next ran %d times", w.Code, w.Body, f.next.calls.Load())
	}
	d := f.next.decision
	if d == nil || !d.Allowed() || strings.Join(d.Rules, ",") != "users-invoke" {
		t.Fatalf("DecisionFrom gave %s", d.JSON())
	}
	if f.next.body != `{"amount": 3}` {
		t.Errorf("the next handler read %q", f.next.body)
	}
	if _, ok := wardhttp.DecisionFrom(context.Background()); ok {
		t.Error("DecisionFrom found a decision outside a guarded request")
	}
	if len(f.errors) != 0 {
		t.Errorf("errors reported: %v", f.errors)
	}
}

func TestDenyIs403AndNeverCallsNext(t *testing.T) {
	f := newFixture(t, newEngine(t), wardhttp.Options{}, nil)
	body := refusal(t, f.do("POST", "/tools/shell", "token-u1", ""), http.StatusForbidden)
	if body.Effect != "DENY" || body.Reason != "forbidden" || strings.Join(body.Rules, ",") != "no-shell" {
		t.Errorf("body %+v", body)
	}
	// No permit at all.
	body = refusal(t, f.do("GET", "/data/secret-plans", "token-u1", ""), http.StatusForbidden)
	if body.Effect != "DENY" || body.Reason != "no_matching_permit" || len(body.Rules) != 0 {
		t.Errorf("body %+v", body)
	}
	f.nextNotCalled()
}

func TestNeedsApprovalThenGrant(t *testing.T) {
	private, public, err := ward.GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	engine := newEngine(t, public)
	f := newFixture(t, engine, wardhttp.Options{}, nil)
	w := f.do("POST", "/tools/pay", "token-u1", `{"amount": 250}`)
	body := refusal(t, w, http.StatusForbidden)
	digest := w.Header().Get(wardhttp.ApprovalDigestHeader)
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(digest) || body.Approval == nil ||
		body.Approval.Digest != digest || body.Effect != "NEEDS_APPROVAL" ||
		body.Reason != "approval_required" || strings.Join(body.Rules, ",") != "high-risk-needs-approval" {
		t.Fatalf("header %q, body %+v", digest, body)
	}
	f.nextNotCalled()

	// The lead approves exactly that digest; the client sends the request again with it.
	grant, err := ward.MintGrant(digest, "lead", private, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Another amount under the same grant is still refused.
	w = f.do("POST", "/tools/pay", "token-u1", `{"amount": 9999}`, wardhttp.ApprovalHeader, grant)
	if refusal(t, w, http.StatusForbidden).Effect != "NEEDS_APPROVAL" {
		t.Error("the grant approved another amount")
	}
	f.nextNotCalled()
	w = f.do("POST", "/tools/pay", "token-u1", `{"amount": 250}`, wardhttp.ApprovalHeader, grant)
	if w.Code != http.StatusOK || f.next.calls.Load() != 1 {
		t.Fatalf("with the grant: %d %s", w.Code, w.Body)
	}
	if d := f.next.decision; d.ApprovedBy == nil || d.ApprovedBy.String() != "user:lead" {
		t.Errorf("approved by %v", d.ApprovedBy)
	}
	// Once only.
	w = f.do("POST", "/tools/pay", "token-u1", `{"amount": 250}`, wardhttp.ApprovalHeader, grant)
	refusal(t, w, http.StatusForbidden)
	if f.next.calls.Load() != 1 {
		t.Error("the grant was accepted twice")
	}
}

func TestApprovalStatusOption(t *testing.T) {
	f := newFixture(t, newEngine(t), wardhttp.Options{ApprovalStatus: http.StatusPreconditionRequired}, nil)
	w := f.do("POST", "/tools/pay", "token-u1", `{"amount": 1}`)
	if refusal(t, w, http.StatusPreconditionRequired).Effect != "NEEDS_APPROVAL" {
		t.Error("not a NEEDS_APPROVAL body")
	}
	// A DENY stays a 403.
	refusal(t, f.do("POST", "/tools/shell", "token-u1", ""), http.StatusForbidden)
	f.nextNotCalled()
}

func TestMapperErrorIs400(t *testing.T) {
	f := newFixture(t, newEngine(t), wardhttp.Options{}, nil)
	body := refusal(t, f.do("DELETE", "/everything", "token-u1", ""), http.StatusBadRequest)
	if body.Effect != "DENY" || body.Reason != "bad_request" || !strings.Contains(body.Error, "no route") {
		t.Errorf("body %+v", body)
	}
	// A request the engine finds malformed (no resource) is the client's too.
	body = refusal(t, f.do("GET", "/malformed", "token-u1", ""), http.StatusBadRequest)
	if body.Reason != "bad_request" || body.Error == "" {
		t.Errorf("body %+v", body)
	}
	// Arguments that are not JSON.
	body = refusal(t, f.do("POST", "/tools/search", "token-u1", `{"amount":`), http.StatusBadRequest)
	if body.Reason != "bad_request" {
		t.Errorf("body %+v", body)
	}
	f.nextNotCalled()
	if len(f.errors) != 3 {
		t.Errorf("%d errors reported, expected 3: %v", len(f.errors), f.errors)
	}
}

func TestEngineErrorIs500AndFailsClosed(t *testing.T) {
	engine := newEngine(t)
	f := newFixture(t, engine, wardhttp.Options{}, nil)
	engine.Close()
	w := f.do("POST", "/tools/search", "token-u1", "")
	body := refusal(t, w, http.StatusInternalServerError)
	if body.Effect != "DENY" || body.Reason != "internal_error" || body.Error != "" {
		t.Errorf("body %+v: a 500 must tell the client nothing of the cause", body)
	}
	f.nextNotCalled()
	if len(f.errors) != 1 || !errors.Is(f.errors[0], ward.ErrClosed) {
		t.Errorf("errors reported: %v", f.errors)
	}

	// A mapper that returns nothing is the gateway's bug, not the client's.
	g := newFixture(t, newEngine(t), wardhttp.Options{
		Mapper: func(*http.Request) (*ward.Request, error) { return nil, nil }}, nil)
	refusal(t, g.do("GET", "/data/public", "token-u1", ""), http.StatusInternalServerError)
	g.nextNotCalled()
}

const secretBody = "customer 1: ssn 123-45-6789\ncustomer 2: ssn 987-65-4321\n"
const redactedBody = "customer 1: ssn [SSN]\ncustomer 2: ssn [SSN]\n"

func TestResponseIsRedacted(t *testing.T) {
	f := newFixture(t, newEngine(t), wardhttp.Options{}, func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/plain")
		h.Set("Content-Length", fmt.Sprint(len(secretBody)))
		h.Set("ETag", `"v1"`)
		h.Set("Digest", "sha-256=unredacted")
		h.Set("X-Record-Count", "2")
		w.WriteHeader(http.StatusCreated)
		// In pieces that split the numbers.
		for i := 0; i < len(secretBody); i += 5 {
			end := i + 5
			if end > len(secretBody) {
				end = len(secretBody)
			}
			if n, err := io.WriteString(w, secretBody[i:end]); err != nil || n != end-i {
				t.Errorf("write: %d %v", n, err)
			}
		}
		if _, ok := w.(http.Flusher); ok {
			t.Error("a buffered response must not offer Flush")
		}
	})
	w := f.do("GET", "/data/records", "token-u1", "", "Range", "bytes=0-10", "Accept-Encoding", "gzip")
	if w.Code != http.StatusCreated || w.Body.String() != redactedBody {
		t.Fatalf("%d %q", w.Code, w.Body)
	}
	h := w.Header()
	if h.Get("Content-Length") != fmt.Sprint(len(redactedBody)) || h.Get("ETag") != "" ||
		h.Get("Digest") != "" || h.Get("X-Record-Count") != "2" || h.Get("Content-Type") != "text/plain" {
		t.Errorf("headers %v", h)
	}
	// The handler was asked for the whole, uncompressed body.
	if f.next.header.Get("Range") != "" || f.next.header.Get("Accept-Encoding") != "" {
		t.Errorf("the handler saw %v", f.next.header)
	}
	if d := f.next.decision; d.Obligations.Limits["output_tokens"] != 4000 || d.Obligations.Log != ward.LogFull {
		t.Errorf("obligations %+v", d.Obligations)
	}
}

func TestResponseWithoutRedactionsIsNotBuffered(t *testing.T) {
	f := newFixture(t, newEngine(t), wardhttp.Options{}, func(w http.ResponseWriter, r *http.Request) {
		if _, ok := w.(http.Flusher); !ok {
			t.Error("a response without redactions is the server's own writer, which flushes")
		}
		_, _ = io.WriteString(w, secretBody)
	})
	w := f.do("GET", "/data/public", "token-u1", "")
	if w.Code != http.StatusOK || w.Body.String() != secretBody {
		t.Errorf("%d %q", w.Code, w.Body)
	}
}

// A response that cannot be redacted is not sent, not even in part: a 500, with none of the
// handler's headers.
func TestUnredactableResponsesFailClosed(t *testing.T) {
	for name, c := range map[string]struct {
		max     int
		respond func(t *testing.T, w http.ResponseWriter)
	}{
		"over the cap": {64, func(t *testing.T, w http.ResponseWriter) {
			w.Header().Set("X-Leak", "1")
			if _, err := io.WriteString(w, secretBody); err != nil {
				t.Errorf("a write under the cap failed: %v", err)
			}
			// The write that crosses the cap fails, and so does every later one.
			if _, err := io.WriteString(w, secretBody); err == nil {
				t.Error("a write over the cap succeeded")
			}
			if _, err := io.WriteString(w, "x"); err == nil {
				t.Error("a write after the failure succeeded")
			}
		}},
		"compressed": {0, func(t *testing.T, w http.ResponseWriter) {
			w.Header().Set("X-Leak", "1")
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			_, _ = io.WriteString(zw, secretBody)
			_ = zw.Close()
		}},
		"compressed after the body": {0, func(t *testing.T, w http.ResponseWriter) {
			_, _ = io.WriteString(w, secretBody)
			w.Header().Set("X-Leak", "1")
			w.Header().Set("Content-Encoding", "br")
		}},
		"a byte range": {0, func(t *testing.T, w http.ResponseWriter) {
			w.Header().Set("X-Leak", "1")
			w.WriteHeader(http.StatusPartialContent)
			_, _ = io.WriteString(w, secretBody[:20])
		}},
	} {
		t.Run(name, func(t *testing.T) {
			respond := c.respond
			f := newFixture(t, newEngine(t), wardhttp.Options{MaxResponseBytes: c.max},
				func(w http.ResponseWriter, r *http.Request) { respond(t, w) })
			w := f.do("GET", "/data/records", "token-u1", "")
			text := w.Body.String()
			body := refusal(t, w, http.StatusInternalServerError)
			if body.Reason != "internal_error" || strings.Contains(text, "customer") ||
				w.Header().Get("X-Leak") != "" {
				t.Errorf("%s %v", text, w.Header())
			}
			if f.next.calls.Load() != 1 || len(f.errors) != 1 {
				t.Errorf("next ran %d times, errors %v", f.next.calls.Load(), f.errors)
			}
		})
	}
}

// With SkipResponseRedaction a streaming handler redacts as it writes, through NewRedactor.
func TestStreamingHandlerRedactsItself(t *testing.T) {
	var captured context.Context
	f := newFixture(t, newEngine(t), wardhttp.Options{SkipResponseRedaction: true},
		func(w http.ResponseWriter, r *http.Request) {
			captured = r.Context()
			if _, ok := w.(http.Flusher); !ok {
				t.Error("the handler does not get the server's writer")
			}
			redactor, err := wardhttp.NewRedactor(r.Context(), w)
			if err != nil {
				t.Errorf("NewRedactor: %v", err)
				return
			}
			for _, line := range strings.SplitAfter(secretBody, "\n") {
				if _, err := io.WriteString(redactor, line); err != nil {
					redactor.Discard()
					return
				}
				w.(http.Flusher).Flush()
			}
			if err := redactor.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
	w := f.do("GET", "/data/records", "token-u1", "")
	if w.Code != http.StatusOK || w.Body.String() != redactedBody {
		t.Errorf("%d %q", w.Code, w.Body)
	}
	// The decider is released when the handler returns.
	if _, err := wardhttp.NewRedactor(captured, io.Discard); !errors.Is(err, ward.ErrClosed) {
		t.Errorf("NewRedactor after the handler: %v", err)
	}
	if _, err := wardhttp.NewRedactor(context.Background(), io.Discard); err == nil {
		t.Error("NewRedactor outside a guarded request succeeded")
	}
}

// Through a real server and client, from many goroutines: each request gets its own
// decision and its own redaction.
func TestOverHTTPConcurrently(t *testing.T) {
	f := newFixture(t, newEngine(t), wardhttp.Options{}, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, secretBody)
	})
	server := httptest.NewServer(f.handler)
	defer server.Close()
	get := func(path string) (int, string, error) {
		req, _ := http.NewRequest("GET", server.URL+path, nil)
		req.Header.Set("Authorization", "Bearer token-u1")
		resp, err := server.Client().Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), err
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				path, status, want := "/data/records", http.StatusOK, redactedBody
				if (g+i)%3 == 0 {
					path, status, want = "/data/public", http.StatusOK, secretBody
				} else if (g+i)%3 == 1 {
					path, status, want = "/data/nothing", http.StatusForbidden, ""
				}
				code, body, err := get(path)
				if err != nil || code != status || (want != "" && body != want) {
					t.Errorf("%s: %d %q %v", path, code, body, err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

func TestNewNeedsItsParts(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New without a mapper did not panic")
		}
	}()
	wardhttp.New(newEngine(t), wardhttp.Options{}, http.NotFoundHandler())
}
