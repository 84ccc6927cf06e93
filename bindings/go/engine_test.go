package ward_test

// Tests of the binding beyond the conformance suite: error categories, Close, concurrency,
// approvals, redaction and the conversion of structured requests.

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ward.dev/ward"
)

const testPolicy = `
schema {
  user { role: string }
  resource tool { risk: string }
  resource data { level: int }
  action invoke, approve on tool
  action reveal on data
  context { channel: string }
  args { amount: int }
}

@id("agents-invoke")
permit agent to invoke on tool;

@id("users-invoke")
permit user to invoke on tool;

@id("high-risk-needs-approval")
require_approval any to invoke on tool when resource.risk == "high";

@id("leads-approve")
permit user in group "leads" to approve on tool;

@id("amount-cap")
forbid any to invoke on tool "pay" when not (args has amount and args.amount <= 1000);

@id("no-public-channel")
forbid any to invoke on tool when context has channel and context.channel == "public";

@id("reveal-masked")
permit user to reveal on data "records"
  with redact(/\b\d{3}-\d{2}-\d{4}\b/, "[SSN]"), limit(output_tokens, 4000), log(full);

@id("reveal-keys")
permit user to reveal on data "keys" with redact(/sk-[A-Za-z0-9]+/, "[KEY]");

// Agents have no role: the rule tests it first (without the test, a compile error).
@id("devs-reveal-notes")
permit any to reveal on data "notes" when subject has role and subject.role == "dev";
`

const testEntities = `{
  "identities": [
    {"kind": "user", "id": "u1", "status": "active", "attrs": {"role": "dev"}},
    {"kind": "user", "id": "intern", "status": "active", "attrs": {"role": "intern"}},
    {"kind": "user", "id": "lead", "status": "active", "groups": ["leads"],
     "attrs": {"role": "lead"}},
    {"kind": "agent", "id": "a1", "owner": "u1", "status": "active"}
  ],
  "resources": [
    {"type": "tool", "id": "search", "attrs": {"risk": "low"}},
    {"type": "tool", "id": "pay", "attrs": {"risk": "high"}},
    {"type": "data", "id": "records", "attrs": {"level": 1}},
    {"type": "data", "id": "keys", "attrs": {"level": 3}}
  ]
}`

var testSources = []ward.Source{{Name: "test.ward", Text: testPolicy}}

func newEngine(t *testing.T, options *ward.Options) *ward.Engine {
	t.Helper()
	o := ward.Options{}
	if options != nil {
		o = *options
	}
	if o.EntitiesJSON == nil && o.EntitiesFile == "" {
		o.EntitiesJSON = []byte(testEntities)
	}
	engine, err := ward.EngineFromSources(testSources, &o)
	if err != nil {
		t.Fatalf("making the engine: %v", err)
	}
	t.Cleanup(func() { engine.Close() })
	return engine
}

func agentInvokes(tool string) *ward.Request {
	return &ward.Request{
		Subject:    ward.Identity{Kind: ward.Agent, ID: "a1"},
		OnBehalfOf: []ward.Identity{{Kind: ward.User, ID: "u1"}},
		Action:     "invoke",
		Resource:   ward.Resource{Type: "tool", ID: tool},
	}
}

func userReveals(data string) *ward.Request {
	return &ward.Request{
		Subject:  ward.Identity{Kind: ward.User, ID: "u1"},
		Action:   "reveal",
		Resource: ward.Resource{Type: "data", ID: data},
	}
}

// category checks that err is an *Error of category c (by errors.Is and errors.As, with the
// C interface's name) and of no other category.
func category(t *testing.T, what string, err error, c ward.Category, name string) *ward.Error {
	t.Helper()
	var werr *ward.Error
	if !errors.As(err, &werr) {
		t.Fatalf("%s: got %v (%T), expected an *ward.Error of category %s", what, err, err, name)
	}
	if werr.Category != c || werr.Category.String() != name {
		t.Errorf("%s: category %d %q, expected %d %q (%v)", what, werr.Category,
			werr.Category.String(), c, name, err)
	}
	all := map[ward.Category]*ward.Error{
		ward.CategoryInvalidArgument: ward.ErrInvalidArgument, ward.CategoryPolicy: ward.ErrPolicy,
		ward.CategoryEntity: ward.ErrEntity, ward.CategoryRequest: ward.ErrRequest,
		ward.CategoryNotFound: ward.ErrNotFound, ward.CategoryBundle: ward.ErrBundle,
		ward.CategoryIO: ward.ErrIO, ward.CategoryInternal: ward.ErrInternal,
		ward.CategoryKey: ward.ErrKey, ward.CategoryRedaction: ward.ErrRedaction,
	}
	for other, sentinel := range all {
		if got := errors.Is(err, sentinel); got != (other == c) {
			t.Errorf("%s: errors.Is(err, %s sentinel) = %v", what, other, got)
		}
	}
	if werr.Error() == "" {
		t.Errorf("%s: empty message", what)
	}
	return werr
}

// failedClosed checks that a decision returned with an error refuses.
func failedClosed(t *testing.T, what string, d *ward.Decision) {
	t.Helper()
	if d == nil || d.Effect != ward.Deny || d.Reason != ward.ReasonInternalError || d.Allowed() ||
		d.Obligations != nil || len(d.Rules) != 0 || d.DeniedBy != nil {
		t.Errorf("%s: a failed call's decision must be DENY internal_error, got %s", what, d.JSON())
	}
}

func TestCategoryNamesAreTheCInterfaces(t *testing.T) {
	want := map[ward.Category]string{
		ward.CategoryInvalidArgument: "invalid_argument", ward.CategoryPolicy: "policy",
		ward.CategoryEntity: "entities", ward.CategoryRequest: "request",
		ward.CategoryNotFound: "not_found", ward.CategoryBundle: "bundle", ward.CategoryIO: "io",
		ward.CategoryInternal: "internal", ward.CategoryKey: "key",
		ward.CategoryRedaction: "redact",
	}
	for c, name := range want {
		if c.String() != name {
			t.Errorf("category %d is %q, expected %q", c, c.String(), name)
		}
	}
	// The values are ward_status's: 1 to 10, in that order.
	for i := 1; i <= 10; i++ {
		if _, ok := want[ward.Category(i)]; !ok {
			t.Errorf("status %d has no category", i)
		}
	}
	if got := ward.Category(99).String(); got != "unknown" {
		t.Errorf("an unknown status is named %q", got)
	}
}

func TestInvalidPolicyIsAPolicyErrorWithIssues(t *testing.T) {
	_, err := ward.Compile(ward.Source{Name: "bad.ward", Text: "permit agent to invoke on;\n"})
	werr := category(t, "compile", err, ward.CategoryPolicy, "policy")
	errs := werr.Errors()
	if len(errs) == 0 {
		t.Fatalf("no issue of severity error: %+v", werr.Issues)
	}
	if errs[0].Source != "bad.ward" || errs[0].Line != 1 || errs[0].Column < 1 ||
		errs[0].Message == "" {
		t.Errorf("the first issue is %+v", errs[0])
	}
	if !strings.Contains(werr.Message, "bad.ward:1:") {
		t.Errorf("the message does not point at the source: %q", werr.Message)
	}
	// EngineFromSources reports the same error.
	_, err = ward.EngineFromSources([]ward.Source{{Name: "bad.ward", Text: "permit agent to invoke on;\n"}}, nil)
	category(t, "engine from a bad source", err, ward.CategoryPolicy, "policy")
}

func TestUnguardedReadsAreErrorsAndGuardedOnesCompileWithoutWarnings(t *testing.T) {
	// devs-reveal-notes reads `role` of any kind, which only users have: without its `has`
	// test, once a warning, now a compile error at the read that spells out the guard.
	unguarded := strings.Replace(testPolicy, "subject has role and subject.role", "subject.role", 1)
	if unguarded == testPolicy {
		t.Fatal("the guard of devs-reveal-notes is not in the test policy")
	}
	_, err := ward.Compile(ward.Source{Name: "test.ward", Text: unguarded})
	werr := category(t, "an unguarded read", err, ward.CategoryPolicy, "policy")
	if len(werr.Issues) != 1 {
		t.Fatalf("expected one issue, got %+v", werr.Issues)
	}
	if e := werr.Issues[0]; e.Severity != ward.SeverityError || e.Source != "test.ward" ||
		e.Line != 39 || e.Column != 43 || !strings.Contains(e.Message, "subject has role") {
		t.Errorf("issue %+v", e)
	}
	// Guarded, it compiles without a warning.
	policy, err := ward.Compile(testSources...)
	if err != nil {
		t.Fatal(err)
	}
	defer policy.Close()
	if warnings := policy.Warnings(); len(warnings) != 0 {
		t.Errorf("expected no warning, got %+v", warnings)
	}
}

func TestBadEntitiesAreAnEntityError(t *testing.T) {
	for name, text := range map[string]string{
		"not JSON":            `{"identities": [`,
		"an unknown kind":     `{"identities": [{"kind": "robot", "id": "r1", "status": "active"}]}`,
		"an unknown status":   `{"identities": [{"kind": "user", "id": "u", "status": "dormant"}]}`,
		"a wrongly typed one": `{"resources": [{"type": "tool", "id": "t", "attrs": {"risk": 3}}]}`,
		"empty text":          ``,
	} {
		_, err := ward.EngineFromSources(testSources, &ward.Options{EntitiesJSON: []byte(text)})
		category(t, name, err, ward.CategoryEntity, "entities")
	}
	engine := newEngine(t, nil)
	err := engine.UpsertIdentity([]byte(`{"kind": "user", "id": "u1", "status": "dormant"}`))
	category(t, "upsert", err, ward.CategoryEntity, "entities")
	// A failed update changes nothing.
	if d, err := engine.Decide(agentInvokes("search")); err != nil || !d.Allowed() {
		t.Errorf("after a failed upsert: %v %s", err, d.JSON())
	}
}

func TestBadRequestsAreRequestErrorsAndDeny(t *testing.T) {
	engine := newEngine(t, nil)
	for name, r := range map[string]*ward.Request{
		"no kind":     {Subject: ward.Identity{ID: "a1"}, Action: "invoke", Resource: ward.Resource{Type: "tool", ID: "search"}},
		"no action":   {Subject: ward.Identity{Kind: ward.Agent, ID: "a1"}, Resource: ward.Resource{Type: "tool", ID: "search"}},
		"no resource": {Subject: ward.Identity{Kind: ward.Agent, ID: "a1"}, Action: "invoke"},
		"both args": {Subject: ward.Identity{Kind: ward.Agent, ID: "a1"}, Action: "invoke",
			Resource: ward.Resource{Type: "tool", ID: "pay"}, Args: map[string]any{"amount": 1},
			ArgsJSON: json.RawMessage(`{"amount": 1}`)},
		"args not JSON": {Subject: ward.Identity{Kind: ward.Agent, ID: "a1"}, Action: "invoke",
			Resource: ward.Resource{Type: "tool", ID: "pay"}, ArgsJSON: json.RawMessage(`{"amount":`)},
		"an integer out of range": {Subject: ward.Identity{Kind: ward.Agent, ID: "a1"}, Action: "invoke",
			Resource: ward.Resource{Type: "tool", ID: "pay"}, Args: map[string]any{"amount": uint64(1 << 63)}},
		"a chain of 9": {Subject: ward.Identity{Kind: ward.Agent, ID: "a1"}, Action: "invoke",
			Resource: ward.Resource{Type: "tool", ID: "search"}, OnBehalfOf: make9()},
	} {
		d, err := engine.Decide(r)
		category(t, name, err, ward.CategoryRequest, "request")
		failedClosed(t, name, d)
	}
	for _, text := range []string{``, `{`, `[]`, `{"subject": {"kind": "agent", "id": "a1"}}`,
		`{"subject": {"kind": "agent", "id": "a1"}, "action": "invoke", "resource": {"type": "tool", "id": "search"}, "extra": 1}`} {
		d, err := engine.DecideJSON([]byte(text))
		category(t, "JSON "+text, err, ward.CategoryRequest, "request")
		failedClosed(t, "JSON "+text, d)
	}
	// A nil request is the caller's mistake, and refuses too.
	d, err := engine.Decide(nil)
	category(t, "nil request", err, ward.CategoryInvalidArgument, "invalid_argument")
	failedClosed(t, "nil request", d)
}

func make9() []ward.Identity {
	chain := make([]ward.Identity, 9)
	for i := range chain {
		chain[i] = ward.Identity{Kind: ward.User, ID: "u1"}
	}
	return chain
}

func TestRequestsTheInventoryRefusesAreDecidedNotErrors(t *testing.T) {
	engine := newEngine(t, nil)
	r := agentInvokes("search")
	r.Context = map[string]any{"channel": 5} // declared a string
	d, err := engine.Decide(r)
	if err != nil {
		t.Fatal(err)
	}
	if d.Effect != ward.Deny || d.Reason != ward.ReasonInvalidRequest || len(d.Errors) != 1 ||
		d.Errors[0].Rule != "" || !strings.Contains(d.Errors[0].Message, "context.channel") {
		t.Errorf("a wrongly typed context entry: %s", d.JSON())
	}
	// Inline attributes on a stored resource.
	r = agentInvokes("search")
	r.Resource.Attrs = map[string]any{"risk": "low"}
	if d, err := engine.Decide(r); err != nil || d.Reason != ward.ReasonInvalidRequest {
		t.Errorf("inline attributes on a stored resource: %v %s", err, d.JSON())
	}
	// Unknown identities are denied, not errors.
	r = agentInvokes("search")
	r.Subject.ID = "a-unknown"
	if d, err := engine.Decide(r); err != nil || d.Reason != ward.ReasonUnknownIdentity ||
		d.DeniedBy == nil || d.DeniedBy.String() != "agent:a-unknown" {
		t.Errorf("an unknown agent: %v %s", err, d.JSON())
	}
}

func TestContextAndArgsConvert(t *testing.T) {
	engine := newEngine(t, nil)
	r := agentInvokes("search")
	r.Context = map[string]any{"channel": "public"}
	if d, _ := engine.Decide(r); d.Effect != ward.Deny || d.Reason != ward.ReasonForbidden ||
		len(d.Rules) != 1 || d.Rules[0] != "no-public-channel" {
		t.Errorf("a string context entry: %s", d.JSON())
	}
	// Typed args and args as JSON give the same approval digest.
	typed := agentInvokes("pay")
	typed.Args = map[string]any{"amount": int64(250)}
	asJSON := agentInvokes("pay")
	asJSON.ArgsJSON = json.RawMessage(`{ "amount" : 250 }`)
	d1, err1 := engine.Decide(typed)
	d2, err2 := engine.Decide(asJSON)
	if err1 != nil || err2 != nil || d1.Effect != ward.NeedsApproval ||
		d1.ApprovalDigest != d2.ApprovalDigest || len(d1.ApprovalDigest) != 64 {
		t.Errorf("typed and JSON args: %v %v %s %s", err1, err2, d1.JSON(), d2.JSON())
	}
	// An amount over the cap is refused whatever the approval.
	typed.Args["amount"] = 5000
	if d, err := engine.Decide(typed); err != nil || d.Effect != ward.Deny ||
		d.Reason != ward.ReasonForbidden {
		t.Errorf("over the cap: %v %s", err, d.JSON())
	}
	// A nil value is left out, as JSON null is: no amount is refused by the cap.
	typed.Args["amount"] = nil
	if d, err := engine.Decide(typed); err != nil || d.Effect != ward.Deny {
		t.Errorf("a nil amount: %v %s", err, d.JSON())
	}
}

func TestIOErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.ward")
	_, err := ward.CompileFiles(missing)
	category(t, "a missing policy file", err, ward.CategoryIO, "io")
	_, err = ward.EngineFromFiles([]string{missing}, nil)
	category(t, "engine from a missing file", err, ward.CategoryIO, "io")

	policyFile := filepath.Join(dir, "p.ward")
	if err := os.WriteFile(policyFile, []byte(testPolicy), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = ward.EngineFromFiles([]string{policyFile}, &ward.Options{EntitiesFile: filepath.Join(dir, "none.json")})
	category(t, "a missing entity file", err, ward.CategoryIO, "io")
	engine := newEngine(t, nil)
	category(t, "entities from a directory", engine.LoadEntitiesFile(dir), ward.CategoryIO, "io")
	_, err = ward.LoadBundleFile(filepath.Join(dir, "none.bundle"))
	category(t, "a missing bundle", err, ward.CategoryIO, "io")

	// From files that exist, the engine decides as from text.
	entitiesFile := filepath.Join(dir, "e.json")
	if err := os.WriteFile(entitiesFile, []byte(testEntities), 0o600); err != nil {
		t.Fatal(err)
	}
	fromFiles, err := ward.EngineFromFiles([]string{policyFile}, &ward.Options{EntitiesFile: entitiesFile})
	if err != nil {
		t.Fatal(err)
	}
	defer fromFiles.Close()
	if d, err := fromFiles.Decide(agentInvokes("search")); err != nil || !d.Allowed() {
		t.Errorf("from files: %v %s", err, d.JSON())
	}
	// A path holding a NUL byte cannot reach the library.
	_, err = ward.CompileFiles("a\x00b")
	category(t, "a NUL in a path", err, ward.CategoryInvalidArgument, "invalid_argument")
}

func TestBundles(t *testing.T) {
	_, err := ward.LoadBundle([]byte("not a bundle"))
	category(t, "garbage", err, ward.CategoryBundle, "bundle")
	_, err = ward.EngineFromBundle(nil, nil)
	category(t, "no bytes", err, ward.CategoryBundle, "bundle")

	policy, err := ward.Compile(testSources...)
	if err != nil {
		t.Fatal(err)
	}
	defer policy.Close()
	private, public, err := ward.GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	signed, err := policy.SignedBundle(private)
	if err != nil {
		t.Fatal(err)
	}
	unsigned, err := policy.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	// A corrupted byte is caught.
	corrupted := append([]byte(nil), unsigned...)
	corrupted[len(corrupted)/2] ^= 0xff
	_, err = ward.LoadBundle(corrupted)
	category(t, "corrupted", err, ward.CategoryBundle, "bundle")
	// With a trusted key, only a bundle it signed loads.
	_, err = ward.EngineFromBundle(unsigned, &ward.Options{TrustedBundleKeys: []string{public}})
	category(t, "unsigned, a key trusted", err, ward.CategoryBundle, "bundle")
	engine, err := ward.EngineFromBundle(signed, &ward.Options{
		TrustedBundleKeys: []string{public}, EntitiesJSON: []byte(testEntities)})
	if err != nil {
		t.Fatal(err)
	}
	defer engine.Close()
	if engine.PolicyHash() != policy.Hash() || policy.Hash() == 0 {
		t.Errorf("the bundle's hash %x differs from the policy's %x", engine.PolicyHash(), policy.Hash())
	}
	if d, err := engine.Decide(agentInvokes("search")); err != nil || !d.Allowed() ||
		d.PolicyHash != policy.Hash() {
		t.Errorf("from the bundle: %v %s", err, d.JSON())
	}
	// A private key where a public one is expected.
	_, err = ward.LoadBundle(signed, private)
	category(t, "a private key as trusted", err, ward.CategoryKey, "key")
	_, err = policy.SignedBundle(public)
	category(t, "signing with a public key", err, ward.CategoryKey, "key")
}

func TestNotFoundAndKeyErrors(t *testing.T) {
	engine := newEngine(t, nil)
	category(t, "revoke", engine.RevokeIdentity("nobody"), ward.CategoryNotFound, "not_found")
	category(t, "remove", engine.RemoveIdentity("nobody"), ward.CategoryNotFound, "not_found")
	category(t, "remove resource", engine.RemoveResource("tool", "nothing"), ward.CategoryNotFound,
		"not_found")
	_, err := ward.EngineFromSources(testSources, &ward.Options{ApprovalKeys: []string{"not a key"}})
	werr := category(t, "approval key", err, ward.CategoryKey, "key")
	if !strings.Contains(werr.Message, "approval_keys[0]") {
		t.Errorf("the message does not name the option: %q", werr.Message)
	}
	_, err = ward.EngineFromSources(testSources, &ward.Options{
		EntitiesFile: "e.json", EntitiesJSON: []byte("{}")})
	category(t, "two entity sources", err, ward.CategoryInvalidArgument, "invalid_argument")
}

func TestClose(t *testing.T) {
	engine := newEngine(t, nil)
	decider, err := engine.NewDecider()
	if err != nil {
		t.Fatal(err)
	}
	defer decider.Close()
	if d, err := decider.Decide(agentInvokes("search")); err != nil || !d.Allowed() {
		t.Fatalf("before Close: %v %s", err, d.JSON())
	}
	if err := engine.Close(); err != nil {
		t.Fatal(err)
	}
	if err := engine.Close(); err != nil {
		t.Errorf("closing twice: %v", err)
	}
	closed := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, ward.ErrClosed) || !errors.Is(err, ward.ErrInvalidArgument) {
			t.Errorf("%s after Close: %v", what, err)
		}
	}
	d, err := engine.Decide(agentInvokes("search"))
	closed("Decide", err)
	failedClosed(t, "Decide after Close", d)
	d, err = engine.DecideJSON([]byte(`{}`))
	closed("DecideJSON", err)
	failedClosed(t, "DecideJSON after Close", d)
	e, err := engine.Explain(agentInvokes("search"))
	closed("Explain", err)
	failedClosed(t, "Explain after Close", e.Decision)
	// The decider's last decision was an ALLOW: after Close it must read as failed.
	d, err = decider.Decide(agentInvokes("search"))
	closed("Decider.Decide", err)
	failedClosed(t, "Decider.Decide after Close", d)
	_, err = engine.NewDecider()
	closed("NewDecider", err)
	closed("UpsertIdentity", engine.UpsertIdentity([]byte(`{"kind": "user", "id": "x", "status": "active"}`)))
	closed("RevokeIdentity", engine.RevokeIdentity("u1"))
	closed("LoadEntities", engine.LoadEntities([]byte(testEntities)))
	_, err = engine.ApprovalDigest(agentInvokes("pay"))
	closed("ApprovalDigest", err)
	if engine.PolicyHash() != 0 || engine.UsedGrantCount() != 0 {
		t.Errorf("a closed engine reports a policy or grants")
	}

	policy, err := ward.Compile(testSources...)
	if err != nil {
		t.Fatal(err)
	}
	policy.Close()
	_, err = ward.NewEngine(policy, nil)
	closed("NewEngine of a closed policy", err)
	_, err = policy.Bundle()
	closed("Bundle", err)

	// A nil engine refuses rather than crashing.
	var none *ward.Engine
	d, err = none.Decide(agentInvokes("search"))
	category(t, "nil engine", err, ward.CategoryInvalidArgument, "invalid_argument")
	failedClosed(t, "nil engine", d)
}

// Close waits for the decisions that are running; every decision started before or after
// it is either made or refused with ErrClosed, never anything else.
func TestCloseWhileDeciding(t *testing.T) {
	engine := newEngine(t, nil)
	var made, refused atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := 0; i < 2000; i++ {
				d, err := engine.Decide(agentInvokes("search"))
				switch {
				case err == nil && d.Allowed():
					made.Add(1)
				case errors.Is(err, ward.ErrClosed) && d.Effect == ward.Deny:
					refused.Add(1)
					return
				default:
					t.Errorf("unexpected: %v %s", err, d.JSON())
					return
				}
			}
		}()
	}
	close(start)
	for made.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	engine.Close()
	wg.Wait()
	if made.Load() == 0 {
		t.Error("no decision was made before Close")
	}
	t.Logf("%d decisions made, %d goroutines refused after Close", made.Load(), refused.Load())
}

// Many goroutines decide while another revokes and restores the agent: each decision sees
// one snapshot or the other, never a torn one, and both outcomes are seen.
func TestConcurrentDecideWhileUpdating(t *testing.T) {
	engine := newEngine(t, nil)
	var allowed, denied atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := agentInvokes("search")
			for {
				select {
				case <-stop:
					return
				default:
				}
				d, err := engine.Decide(r)
				switch {
				case err != nil:
					t.Errorf("deciding: %v", err)
					return
				case d.Effect == ward.Allow && d.Reason == ward.ReasonPermitted &&
					strings.Join(d.Rules, ",") == "agents-invoke,users-invoke":
					allowed.Add(1)
				case d.Effect == ward.Deny && d.Reason == ward.ReasonLifecycle &&
					d.DeniedBy != nil && d.DeniedBy.ID == "a1":
					denied.Add(1)
				default:
					t.Errorf("a decision of neither snapshot: %s", d.JSON())
					return
				}
			}
		}()
	}
	deadline := time.Now().Add(20 * time.Second)
	for i := 0; allowed.Load() == 0 || denied.Load() == 0 || i < 20; i++ {
		if time.Now().After(deadline) {
			break
		}
		if err := engine.RevokeIdentity("a1"); err != nil {
			t.Errorf("revoking: %v", err)
			break
		}
		time.Sleep(50 * time.Microsecond)
		if err := engine.UpsertIdentity([]byte(`{"kind": "agent", "id": "a1", "owner": "u1", "status": "active"}`)); err != nil {
			t.Errorf("restoring: %v", err)
			break
		}
		time.Sleep(50 * time.Microsecond)
	}
	close(stop)
	wg.Wait()
	if allowed.Load() == 0 || denied.Load() == 0 {
		t.Errorf("both outcomes must be seen: %d allowed, %d denied", allowed.Load(), denied.Load())
	}
	t.Logf("%d allowed, %d denied", allowed.Load(), denied.Load())
	// The last update restored the agent.
	if d, err := engine.Decide(agentInvokes("search")); err != nil || !d.Allowed() {
		t.Errorf("after the updates: %v %s", err, d.JSON())
	}
}

func TestApprovalEndToEnd(t *testing.T) {
	private, public, err := ward.GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(private, "PRIVATE KEY") || !strings.Contains(public, "PUBLIC KEY") {
		t.Fatalf("keys are not PEM:\n%s\n%s", private, public)
	}
	engine := newEngine(t, &ward.Options{ApprovalKeys: []string{public}})
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	r := agentInvokes("pay")
	r.Args = map[string]any{"amount": 250}
	r.Now = now

	d, err := engine.Decide(r)
	if err != nil || d.Effect != ward.NeedsApproval || d.Reason != ward.ReasonApprovalRequired ||
		d.Obligations != nil || d.ApprovedBy != nil {
		t.Fatalf("before approval: %v %s", err, d.JSON())
	}
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(d.ApprovalDigest) {
		t.Fatalf("digest %q", d.ApprovalDigest)
	}
	digest, err := engine.ApprovalDigest(r)
	if err != nil || digest != d.ApprovalDigest {
		t.Fatalf("ApprovalDigest %q (%v), the decision says %q", digest, err, d.ApprovalDigest)
	}

	// The approval service signs for the request it showed the lead.
	grant := &ward.GrantOptions{IssuedAt: now.Add(-time.Minute), TTL: 10 * time.Minute}
	token, err := engine.Approve(r, "lead", private, grant)
	if err != nil {
		t.Fatal(err)
	}
	approved := *r
	approved.Approval = token
	d, err = engine.Decide(&approved)
	if err != nil || !d.Allowed() || d.ApprovedBy == nil || d.ApprovedBy.String() != "user:lead" {
		t.Fatalf("with the grant: %v %s", err, d.JSON())
	}
	if engine.UsedGrantCount() != 1 {
		t.Errorf("%d used grants remembered, expected 1", engine.UsedGrantCount())
	}

	// Single use: the same token again is refused, with an error entry saying why.
	d, err = engine.Decide(&approved)
	if err != nil || d.Effect != ward.NeedsApproval || d.ApprovedBy != nil ||
		len(d.Errors) == 0 || d.Errors[0].Rule != "" {
		t.Errorf("the token again: %v %s", err, d.JSON())
	}

	// A grant covers the args: another amount needs another approval.
	fresh, err := ward.MintGrant(digest, "lead", private, grant)
	if err != nil {
		t.Fatal(err)
	}
	changed := *r
	changed.Args = map[string]any{"amount": 900}
	changed.Approval = fresh
	if d, err := engine.Decide(&changed); err != nil || d.Allowed() || len(d.Errors) == 0 {
		t.Errorf("a grant for another amount: %v %s", err, d.JSON())
	}

	// An approver the policy does not allow to approve.
	intern, err := engine.Approve(r, "intern", private, grant)
	if err != nil {
		t.Fatal(err)
	}
	byIntern := *r
	byIntern.Approval = intern
	if d, err := engine.Decide(&byIntern); err != nil || d.Allowed() || len(d.Errors) == 0 {
		t.Errorf("approved by an intern: %v %s", err, d.JSON())
	}

	// An engine that trusts no approval key accepts no grant.
	untrusting := newEngine(t, nil)
	other, err := engine.Approve(r, "lead", private, grant)
	if err != nil {
		t.Fatal(err)
	}
	withOther := *r
	withOther.Approval = other
	if d, err := untrusting.Decide(&withOther); err != nil || d.Allowed() || len(d.Errors) == 0 {
		t.Errorf("an engine without keys: %v %s", err, d.JSON())
	}

	// Minting needs the private key and a digest.
	_, err = ward.MintGrant(digest, "lead", public, nil)
	category(t, "minting with the public key", err, ward.CategoryKey, "key")
	_, err = ward.MintGrant("not-a-digest", "lead", private, nil)
	category(t, "a malformed digest", err, ward.CategoryInvalidArgument, "invalid_argument")
	_, err = ward.MintGrant(digest, "lead", private, &ward.GrantOptions{TTL: 1500 * time.Millisecond})
	category(t, "a fractional TTL", err, ward.CategoryInvalidArgument, "invalid_argument")
}

func TestApprovalThroughJSON(t *testing.T) {
	private, public, err := ward.GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	engine := newEngine(t, &ward.Options{ApprovalKeys: []string{public}})
	request := `{"subject": {"kind": "agent", "id": "a1"}, "on_behalf_of": [{"kind": "user", "id": "u1"}],
		"action": "invoke", "resource": {"type": "tool", "id": "pay"}, "args": {"amount": 10}}`
	d, err := engine.DecideJSON([]byte(request))
	if err != nil || d.Effect != ward.NeedsApproval {
		t.Fatalf("%v %s", err, d.JSON())
	}
	digest, err := engine.ApprovalDigestJSON([]byte(request))
	if err != nil || digest != d.ApprovalDigest {
		t.Fatalf("digest %q (%v), decision %q", digest, err, d.ApprovalDigest)
	}
	token, err := ward.MintGrant(digest, "lead", private, nil)
	if err != nil {
		t.Fatal(err)
	}
	withGrant := strings.TrimSuffix(request, "}") + `, "approval": "` + token + `"}`
	d, err = engine.DecideJSON([]byte(withGrant))
	if err != nil || !d.Allowed() || !strings.Contains(d.JSON(), `"approved_by":{"kind":"user","id":"lead"}`) {
		t.Errorf("with the grant: %v %s", err, d.JSON())
	}
}

func TestObligationsAndRedaction(t *testing.T) {
	engine := newEngine(t, nil)
	decider, err := engine.NewDecider()
	if err != nil {
		t.Fatal(err)
	}
	defer decider.Close()
	d, err := decider.Decide(userReveals("records"))
	if err != nil || !d.Allowed() {
		t.Fatalf("%v %s", err, d.JSON())
	}
	o := d.Obligations
	if o == nil || len(o.Redactions) != 1 || o.Redactions[0].Replacement != "[SSN]" ||
		o.Limits["output_tokens"] != 4000 || o.Log != ward.LogFull {
		t.Fatalf("obligations %+v", o)
	}
	const text = "ssn 123-45-6789, again 987-65-4321; id 1234-56-789 stays"
	const want = "ssn [SSN], again [SSN]; id 1234-56-789 stays"
	got, err := decider.Redact(text)
	if err != nil || got != want {
		t.Errorf("Redact: %q (%v), want %q", got, err, want)
	}

	// Streamed in chunks that split the matches, the output is the same.
	var out bytes.Buffer
	redactor, err := decider.NewRedactor(&out)
	if err != nil {
		t.Fatal(err)
	}
	// The redactor keeps its own copy: the decider may decide again at once.
	if d, err := decider.Decide(agentInvokes("search")); err != nil || !d.Allowed() ||
		len(d.Obligations.Redactions) != 0 {
		t.Fatalf("%v %s", err, d.JSON())
	}
	for i := 0; i < len(text); i += 3 {
		end := i + 3
		if end > len(text) {
			end = len(text)
		}
		if n, err := redactor.Write([]byte(text[i:end])); err != nil || n != end-i {
			t.Fatalf("Write: %d %v", n, err)
		}
	}
	if err := redactor.Close(); err != nil {
		t.Fatal(err)
	}
	if out.String() != want {
		t.Errorf("streamed: %q, want %q", out.String(), want)
	}

	// The last decision (agents-invoke) has no redactions: text passes unchanged.
	if got, err := decider.Redact(text); err != nil || got != text {
		t.Errorf("without redactions: %q %v", got, err)
	}
	// Neither does a DENY.
	if d, _ := decider.Decide(userReveals("nothing-permitted")); d.Allowed() {
		t.Fatalf("expected a DENY: %s", d.JSON())
	}
	if got, err := decider.Redact(text); err != nil || got != text {
		t.Errorf("after a DENY: %q %v", got, err)
	}
}

// A pattern that can match unboundedly long text makes the stream hold everything, up to
// 16 MiB: beyond, it fails closed and nothing more is written.
func TestRedactorFailsClosed(t *testing.T) {
	engine := newEngine(t, nil)
	decider, err := engine.NewDecider()
	if err != nil {
		t.Fatal(err)
	}
	defer decider.Close()
	if d, err := decider.Decide(userReveals("keys")); err != nil || !d.Allowed() {
		t.Fatalf("%v %s", err, d.JSON())
	}
	var out bytes.Buffer
	redactor, err := decider.NewRedactor(&out)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := redactor.Write([]byte("key sk-")); err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte("A"), 1<<20)
	var failure error
	for i := 0; i < 20 && failure == nil; i++ {
		_, failure = redactor.Write(chunk)
	}
	category(t, "17 MiB of one match", failure, ward.CategoryRedaction, "redact")
	written := out.Len()
	if strings.Contains(out.String(), "sk-A") {
		t.Errorf("part of the secret was released: %d bytes", written)
	}
	if _, err := redactor.Write([]byte("more")); err == nil {
		t.Error("a write after the failure succeeded")
	}
	if err := redactor.Close(); err == nil {
		t.Error("Close after the failure succeeded")
	}
	if out.Len() != written {
		t.Errorf("%d bytes written after the failure", out.Len()-written)
	}
}

func TestReloadAndExplain(t *testing.T) {
	engine := newEngine(t, nil)
	before := engine.PolicyHash()
	stricter, err := ward.Compile(ward.Source{Name: "strict.ward", Text: strings.Replace(testPolicy,
		`permit agent to invoke on tool;`, `permit agent to invoke on tool "pay";`, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer stricter.Close()
	if err := engine.Reload(stricter); err != nil {
		t.Fatal(err)
	}
	if engine.PolicyHash() == before || engine.PolicyHash() != stricter.Hash() {
		t.Errorf("the hash did not change on reload")
	}
	e, err := engine.Explain(agentInvokes("search"))
	if err != nil || e.Decision.Effect != ward.Deny || e.Decision.Reason != ward.ReasonNoMatchingPermit ||
		!strings.Contains(e.Text, "agent:a1") {
		t.Errorf("explained: %v %s\n%s", err, e.Decision.JSON(), e.Text)
	}
	// A schema the current entities do not fit is refused, and the policy stays.
	narrow, err := ward.Compile(ward.Source{Name: "narrow.ward", Text: `
schema { resource tool { } action invoke on tool }
permit agent to invoke on tool;`})
	if err != nil {
		t.Fatal(err)
	}
	defer narrow.Close()
	category(t, "reload", engine.Reload(narrow), ward.CategoryEntity, "entities")
	if engine.PolicyHash() != stricter.Hash() {
		t.Errorf("a failed reload changed the policy")
	}
}

func TestDecisionJSON(t *testing.T) {
	engine := newEngine(t, nil)
	d, err := engine.Decide(userReveals("records"))
	if err != nil {
		t.Fatal(err)
	}
	encoded, err := json.Marshal(map[string]*ward.Decision{"decision": d})
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Decision struct {
			Effect      string
			Rules       []string
			Obligations struct{ Limits map[string]int64 }
		}
	}
	if err := json.Unmarshal(encoded, &back); err != nil {
		t.Fatal(err)
	}
	if back.Decision.Effect != "ALLOW" || len(back.Decision.Rules) != 1 ||
		back.Decision.Obligations.Limits["output_tokens"] != 4000 {
		t.Errorf("encoded as %s", encoded)
	}
	if ward.Version() == "" || !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(ward.Version()) {
		t.Errorf("version %q", ward.Version())
	}
}
