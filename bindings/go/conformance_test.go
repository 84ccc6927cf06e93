package ward_test

// The conformance suite (testdata/conformance, format: its README.md) through the Go
// binding. It runs exactly the files that testdata/conformance/MANIFEST lists, which must
// match the directory, as the other runners do: each engine trusts its file's approval_keys
// (the public keys of `keys`); a shared_engine file runs all its cases in order on one engine
// (a grant used by one case is used up for the next), every other case gets an engine of its
// own. It compares what the C++ and C runners compare: compile error and warning positions
// as sets, entity load failures, request errors, and decisions on the contract's keys
// (approval and approved_by included; the policy hash and error messages dropped, errors
// defaulting to []). Requests go through DecideJSON; explaining must decide the same; a
// request that maps onto Request is also decided by Decide (on an engine of its own when it
// carries a grant) and must give the same JSON. A case's grant is checked to still give the
// token its request carries, minted with MintGrant.

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"ward.dev/ward"
)

// conformanceDir is the suite's folder: WARD_CONFORMANCE_DIR, or the one of this tree.
func conformanceDir() string {
	if dir := os.Getenv("WARD_CONFORMANCE_DIR"); dir != "" {
		return dir
	}
	return filepath.Join("..", "..", "testdata", "conformance")
}

// manifest returns the files MANIFEST lists, in order (`#` starts a comment).
func manifest(t *testing.T, dir string) []string {
	text, err := os.ReadFile(filepath.Join(dir, "MANIFEST"))
	if err != nil {
		t.Fatalf("reading the MANIFEST: %v", err)
	}
	var files []string
	for _, line := range strings.Split(string(text), "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		if line = strings.TrimRight(line, " \r\t"); line != "" {
			files = append(files, line)
		}
	}
	return files
}

var (
	fileKeys = keySet("description", "sources", "entities", "entities_text",
		"expect_compile_errors", "expect_warnings", "expect_entity_error", "cases", "keys",
		"approval_keys", "shared_engine")
	caseKeys = keySet("name", "request", "request_text", "expect", "expect_request_error",
		"entities", "entities_text", "grant")
	grantKeys   = keySet("key", "approver", "issued_at", "ttl", "jti", "approves")
	requestKeys = keySet("subject", "action", "resource", "context", "on_behalf_of", "now",
		"args", "approval")
)

func keySet(keys ...string) map[string]bool {
	set := map[string]bool{}
	for _, k := range keys {
		set[k] = true
	}
	return set
}

// object is a JSON object with its values kept as text.
type object map[string]json.RawMessage

// checkKeys fails on a key the format does not have: a misspelt key would test nothing.
func checkKeys(t *testing.T, o object, allowed map[string]bool, where string) {
	t.Helper()
	for key := range o {
		if !allowed[key] {
			t.Errorf("%s: unknown key %q", where, key)
		}
	}
}

func decode(t *testing.T, text []byte, into any) {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(text))
	d.UseNumber()
	if err := d.Decode(into); err != nil {
		t.Fatalf("decoding %s: %v", text, err)
	}
}

func str(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var s string
	decode(t, raw, &s)
	return s
}

func boolean(t *testing.T, raw json.RawMessage) bool {
	if raw == nil {
		return false
	}
	var b bool
	decode(t, raw, &b)
	return b
}

// sourceText is a source's or key's text: a string, or a list of lines each ended by "\n".
func sourceText(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var lines []string
	if len(raw) > 0 && raw[0] == '"' {
		return str(t, raw)
	}
	decode(t, raw, &lines)
	return strings.Join(lines, "\n") + "\n"
}

// position is a compile error or warning as compared.
type position struct {
	Source       string
	Line, Column int
}

func positionsOf(issues []ward.Issue, severity ward.Severity) []position {
	set := map[position]bool{}
	for _, i := range issues {
		if i.Severity == severity {
			set[position{i.Source, i.Line, i.Column}] = true
		}
	}
	return sortedPositions(set)
}

func expectedPositions(t *testing.T, raw json.RawMessage) []position {
	var list []struct {
		Source       string `json:"source"`
		Line, Column int
	}
	decode(t, raw, &list)
	set := map[position]bool{}
	for _, p := range list {
		set[position{p.Source, p.Line, p.Column}] = true
	}
	return sortedPositions(set)
}

func sortedPositions(set map[position]bool) []position {
	out := []position{}
	for p := range set {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return out
}

// comparable is a decision as compared: the policy hash dropped, error messages dropped,
// errors defaulting to [].
func comparable(t *testing.T, text []byte) map[string]any {
	t.Helper()
	var d map[string]any
	decode(t, text, &d)
	delete(d, "policy")
	if _, ok := d["errors"]; !ok {
		d["errors"] = []any{}
	}
	for _, e := range d["errors"].([]any) {
		delete(e.(map[string]any), "message")
	}
	return d
}

func show(v any) string {
	text, _ := json.Marshal(v)
	return string(text)
}

// suiteFile is one file of the suite being run.
type suiteFile struct {
	t       *testing.T
	name    string
	spec    object
	sources []ward.Source
	keys    map[string]struct{ private, public string }
	options ward.Options
}

func (f *suiteFile) engine(policy *ward.Policy, holder object) (*ward.Engine, error) {
	options := f.options
	if text, ok := holder["entities_text"]; ok {
		options.EntitiesJSON = []byte(str(f.t, text))
	} else if raw, ok := holder["entities"]; ok {
		options.EntitiesJSON = raw
	}
	return ward.NewEngine(policy, &options)
}

// runFile runs one file and returns the number of its cases.
func runFile(t *testing.T, dir, name string) int {
	text, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatalf("reading: %v", err)
	}
	f := &suiteFile{t: t, name: name, keys: map[string]struct{ private, public string }{}}
	decode(t, text, &f.spec)
	checkKeys(t, f.spec, fileKeys, name)

	var sources []object
	decode(t, f.spec["sources"], &sources)
	for _, s := range sources {
		f.sources = append(f.sources, ward.Source{Name: str(t, s["name"]), Text: sourceText(t, s["text"])})
	}
	policy, err := ward.Compile(f.sources...)
	if raw, ok := f.spec["expect_compile_errors"]; ok {
		var werr *ward.Error
		if !errors.Is(err, ward.ErrPolicy) || !errors.As(err, &werr) {
			t.Fatalf("compile gave %v, errors were expected", err)
		}
		got, want := positionsOf(werr.Issues, ward.SeverityError), expectedPositions(t, raw)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("compile errors at %v; expected %v\n%s", got, want, werr.Message)
		}
		return 0
	}
	if err != nil {
		t.Fatalf("does not compile: %v", err)
	}
	defer policy.Close()
	if raw, ok := f.spec["expect_warnings"]; ok {
		got, want := positionsOf(policy.Warnings(), ward.SeverityWarning), expectedPositions(t, raw)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("warnings at %v; expected %v", got, want)
		}
	}

	if raw, ok := f.spec["keys"]; ok {
		var keys map[string]object
		decode(t, raw, &keys)
		for name, k := range keys {
			f.keys[name] = struct{ private, public string }{
				sourceText(t, k["private"]), sourceText(t, k["public"])}
		}
	}
	if raw, ok := f.spec["approval_keys"]; ok {
		var names []string
		decode(t, raw, &names)
		for _, n := range names {
			f.options.ApprovalKeys = append(f.options.ApprovalKeys, f.keys[n].public)
		}
	}

	fileEngine, err := f.engine(policy, f.spec)
	if boolean(t, f.spec["expect_entity_error"]) {
		if !errors.Is(err, ward.ErrEntity) {
			t.Errorf("the entity file gave %v, expected an entity error", err)
		}
		fileEngine.Close()
		return 0
	}
	if err != nil {
		t.Fatalf("entities: %v", err)
	}
	defer fileEngine.Close()
	var cases []object
	if raw, ok := f.spec["cases"]; ok {
		decode(t, raw, &cases)
	}
	if len(cases) == 0 {
		t.Fatalf("no cases")
	}
	shared := boolean(t, f.spec["shared_engine"])
	for i, c := range cases {
		where := fmt.Sprintf("case %d", i)
		if raw, ok := c["name"]; ok {
			where = str(t, raw)
		}
		f.runCase(policy, fileEngine, c, shared, where)
	}
	return len(cases)
}

func (f *suiteFile) runCase(policy *ward.Policy, fileEngine *ward.Engine, c object, shared bool, where string) {
	t := f.t
	checkKeys(t, c, caseKeys, where)
	_, ownEntities := c["entities"]
	if _, ok := c["entities_text"]; ok {
		ownEntities = true
	}
	if shared && ownEntities {
		t.Errorf("%s: a case of a shared-engine file cannot carry its own entities", where)
	}
	if _, ok := c["grant"]; ok {
		f.checkGrantIsCurrent(fileEngine, c, where)
	}
	_, hasExpect := c["expect"]
	_, hasRequestError := c["expect_request_error"]
	if hasExpect == hasRequestError {
		t.Errorf("%s: give exactly one of `expect` and `expect_request_error`", where)
		return
	}

	// A shared engine for the whole file, else an engine of the case's own, so that no grant
	// a case uses up is missing for another.
	holder := f.spec
	if ownEntities {
		holder = c
	}
	engine := fileEngine
	if !shared {
		caseEngine, err := f.engine(policy, holder)
		if err != nil {
			t.Errorf("%s: entities: %v", where, err)
			return
		}
		defer caseEngine.Close()
		engine = caseEngine
	}

	request := []byte(c["request"])
	if raw, ok := c["request_text"]; ok {
		request = []byte(str(t, raw))
	}
	structured, maps := f.structured(c["request"])

	if boolean(t, c["expect_request_error"]) {
		if d, err := engine.DecideJSON(request); !errors.Is(err, ward.ErrRequest) {
			t.Errorf("%s: the request gave %v (%s), expected a request error", where, err, d.JSON())
		} else if d.Effect != ward.Deny || d.Reason != ward.ReasonInternalError {
			t.Errorf("%s: a failed decision reads %s", where, d.JSON())
		}
		if maps {
			if d, err := engine.Decide(structured); !errors.Is(err, ward.ErrRequest) {
				t.Errorf("%s: the structured request gave %v (%s), expected a request error",
					where, err, d.JSON())
			}
		}
		return
	}
	var fields object
	decode(t, c["request"], &fields)
	if _, ok := fields["now"]; !ok {
		t.Errorf("%s: every request must set `now`", where)
	}
	expected := comparable(t, c["expect"])

	// A grant is used up by the decision that uses it: explaining, which must decide the
	// same, runs first, when the request carries none.
	_, hasGrant := fields["approval"]
	if !hasGrant {
		explained, err := engine.ExplainJSON(request)
		decided, err2 := engine.DecideJSON(request)
		if err != nil || err2 != nil || explained.Text == "" ||
			explained.Decision.JSON() != decided.JSON() {
			t.Errorf("%s: explaining decides differently (%v, %v)", where, err, err2)
		}
	}

	decision, err := engine.DecideJSON(request)
	if err != nil {
		t.Errorf("%s: the request failed: %v", where, err)
		return
	}
	actual := comparable(t, []byte(decision.JSON()))
	if !reflect.DeepEqual(actual, expected) {
		t.Errorf("%s:\n  actual:   %s\n  expected: %s", where, show(actual), show(expected))
	}
	checkFields(t, where, decision)

	if !maps {
		return
	}
	if hasGrant {
		if shared {
			return // the grant is used up, or must stay unused for the next case
		}
		fresh, err := f.engine(policy, holder)
		if err != nil {
			t.Errorf("%s: entities: %v", where, err)
			return
		}
		defer fresh.Close()
		engine = fresh
	}
	typed, err := engine.Decide(structured)
	if err != nil {
		t.Errorf("%s: the structured request failed: %v", where, err)
		return
	}
	if typed.JSON() != decision.JSON() {
		t.Errorf("%s: Decide and DecideJSON differ:\n  Decide:     %s\n  DecideJSON: %s",
			where, typed.JSON(), decision.JSON())
	}
	checkFields(t, where, typed)
	if !hasGrant {
		explained, err := engine.Explain(structured)
		if err != nil || explained.Decision.JSON() != decision.JSON() || explained.Text == "" {
			t.Errorf("%s: Explain decides differently (%v)", where, err)
		}
	}
}

// checkFields checks that the Decision's fields say what its JSON says.
func checkFields(t *testing.T, where string, d *ward.Decision) {
	t.Helper()
	var j struct {
		Effect      string          `json:"effect"`
		Reason      string          `json:"reason"`
		DeniedBy    *ward.Identity  `json:"denied_by"`
		Rules       []string        `json:"rules"`
		Obligations json.RawMessage `json:"obligations"`
		Errors      []struct {
			Rule      string `json:"rule"`
			Principal struct {
				Kind, ID string
			} `json:"principal"`
			Message string `json:"message"`
		} `json:"errors"`
		Approval *struct {
			Digest string `json:"digest"`
		} `json:"approval"`
		ApprovedBy *struct{ Kind, ID string } `json:"approved_by"`
		Shadow     json.RawMessage            `json:"shadow"`
		Policy     string                     `json:"policy"`
	}
	if err := json.Unmarshal([]byte(d.JSON()), &j); err != nil {
		t.Errorf("%s: the decision's JSON does not parse: %v", where, err)
		return
	}
	fail := func(what string, got, want any) {
		t.Errorf("%s: %s is %v, the JSON says %v", where, what, got, want)
	}
	if d.Effect.String() != j.Effect {
		fail("Effect", d.Effect, j.Effect)
	}
	if d.Reason.String() != j.Reason {
		fail("Reason", d.Reason, j.Reason)
	}
	identity := func(i *ward.Identity) string {
		if i == nil {
			return "none"
		}
		return i.String()
	}
	wantDenied := "none"
	if j.DeniedBy != nil {
		wantDenied = j.DeniedBy.String()
	}
	if identity(d.DeniedBy) != wantDenied {
		fail("DeniedBy", identity(d.DeniedBy), wantDenied)
	}
	if len(d.Rules) != len(j.Rules) || (len(j.Rules) > 0 && !reflect.DeepEqual(d.Rules, j.Rules)) {
		fail("Rules", d.Rules, j.Rules)
	}
	if (d.Obligations == nil) != (j.Obligations == nil) {
		fail("Obligations", d.Obligations, string(j.Obligations))
	} else if d.Obligations != nil {
		var got, want any
		mine, _ := json.Marshal(d.Obligations)
		_ = json.Unmarshal(mine, &got)
		_ = json.Unmarshal(j.Obligations, &want)
		if !reflect.DeepEqual(got, want) {
			fail("Obligations", string(mine), string(j.Obligations))
		}
	}
	if len(d.Errors) != len(j.Errors) {
		fail("Errors", d.Errors, j.Errors)
	} else {
		for i, e := range j.Errors {
			g := d.Errors[i]
			if g.Rule != e.Rule || g.Principal.Kind.String() != e.Principal.Kind ||
				g.Principal.ID != e.Principal.ID || g.Message != e.Message {
				fail(fmt.Sprintf("Errors[%d]", i), g, e)
			}
		}
	}
	wantDigest := ""
	if j.Approval != nil {
		wantDigest = j.Approval.Digest
	}
	if d.ApprovalDigest != wantDigest {
		fail("ApprovalDigest", d.ApprovalDigest, wantDigest)
	}
	wantApprover := "none"
	if j.ApprovedBy != nil {
		wantApprover = j.ApprovedBy.Kind + ":" + j.ApprovedBy.ID
	}
	if identity(d.ApprovedBy) != wantApprover {
		fail("ApprovedBy", identity(d.ApprovedBy), wantApprover)
	}
	if (d.Shadow == nil) != (j.Shadow == nil) {
		fail("Shadow", d.Shadow, string(j.Shadow))
	} else if d.Shadow != nil {
		var got, want any
		mine, _ := json.Marshal(d.Shadow)
		_ = json.Unmarshal(mine, &got)
		_ = json.Unmarshal(j.Shadow, &want)
		if !reflect.DeepEqual(got, want) {
			fail("Shadow", string(mine), string(j.Shadow))
		}
	}
	if fmt.Sprintf("%016x", d.PolicyHash) != j.Policy {
		fail("PolicyHash", fmt.Sprintf("%016x", d.PolicyHash), j.Policy)
	}
}

// structured maps a request JSON object onto a Request: false when it does not map cleanly
// (a key the request has not, a value of another shape), as for malformed requests. Values
// go in as their JSON text, converted as the request JSON's are; args as ArgsJSON, so that
// the approval digest is that of the JSON request.
func (f *suiteFile) structured(raw json.RawMessage) (*ward.Request, bool) {
	var fields map[string]json.RawMessage
	if raw == nil || json.Unmarshal(raw, &fields) != nil || fields == nil {
		return nil, false
	}
	for key := range fields {
		if !requestKeys[key] {
			return nil, false
		}
	}
	r := &ward.Request{}
	identity := func(raw json.RawMessage, out *ward.Identity) bool {
		// A structured identity has a kind and an id and nothing else: a request with
		// other keys has no structured form.
		var keys map[string]json.RawMessage
		if json.Unmarshal(raw, &keys) != nil || len(keys) != 2 {
			return false
		}
		var i struct{ Kind, ID *string }
		if json.Unmarshal(raw, &i) != nil || i.Kind == nil || i.ID == nil {
			return false
		}
		kind, err := ward.ParseKind(*i.Kind)
		if err != nil {
			return false
		}
		*out = ward.Identity{Kind: kind, ID: *i.ID}
		return true
	}
	values := func(raw json.RawMessage) (map[string]any, bool) {
		if raw == nil {
			return nil, true
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) != nil {
			return nil, false
		}
		out := map[string]any{}
		for k, v := range m {
			out[k] = v
		}
		return out, true
	}
	ok := identity(fields["subject"], &r.Subject)
	if raw, has := fields["on_behalf_of"]; has && ok {
		var chain []json.RawMessage
		ok = json.Unmarshal(raw, &chain) == nil
		for _, c := range chain {
			var id ward.Identity
			ok = ok && identity(c, &id)
			r.OnBehalfOf = append(r.OnBehalfOf, id)
		}
	}
	ok = ok && json.Unmarshal(fields["action"], &r.Action) == nil
	var resource map[string]json.RawMessage
	ok = ok && json.Unmarshal(fields["resource"], &resource) == nil
	for key := range resource {
		ok = ok && (key == "type" || key == "id" || key == "attrs")
	}
	ok = ok && json.Unmarshal(resource["type"], &r.Resource.Type) == nil &&
		json.Unmarshal(resource["id"], &r.Resource.ID) == nil
	if ok {
		r.Resource.Attrs, ok = values(resource["attrs"])
	}
	if ok {
		r.Context, ok = values(fields["context"])
	}
	if raw, has := fields["args"]; has && ok {
		r.ArgsJSON = raw
	}
	if raw, has := fields["approval"]; has && ok {
		ok = json.Unmarshal(raw, &r.Approval) == nil
	}
	if raw, has := fields["now"]; has && ok {
		var text string
		ok = json.Unmarshal(raw, &text) == nil
		if ok {
			now, err := time.Parse(time.RFC3339, text)
			ok = err == nil && now.Nanosecond() == 0
			r.Now = now
		}
	}
	return r, ok
}

// checkGrantIsCurrent checks that a case's grant spec still gives the token its request
// carries (Ed25519 is deterministic), else the policy hash changed and
// tools/conformance_grants.py must regenerate the tokens and digests. Minted here through
// the binding, so this also checks that it mints exactly the library's tokens.
func (f *suiteFile) checkGrantIsCurrent(engine *ward.Engine, c object, where string) {
	t := f.t
	var grant object
	decode(t, c["grant"], &grant)
	checkKeys(t, grant, grantKeys, where+" grant")
	// The request the grant approves: the case's own (without its token) unless it names
	// another (a grant for a changed argument, say).
	approvedRaw := c["request"]
	if raw, ok := grant["approves"]; ok {
		approvedRaw = raw
	}
	var approved map[string]json.RawMessage
	decode(t, approvedRaw, &approved)
	delete(approved, "approval")
	approvedText, _ := json.Marshal(approved)
	digest, err := engine.ApprovalDigestJSON(approvedText)
	if err != nil {
		t.Errorf("%s: the digest of the approved request: %v", where, err)
		return
	}
	issuedAt, err := time.Parse(time.RFC3339, str(t, grant["issued_at"]))
	if err != nil {
		t.Errorf("%s: grant: `issued_at` is not an RFC 3339 time", where)
		return
	}
	ttl, err := time.ParseDuration(str(t, grant["ttl"]))
	if err != nil || ttl <= 0 || ttl%time.Second != 0 {
		t.Errorf("%s: grant: `ttl` is not a positive whole number of seconds", where)
		return
	}
	key := f.keys[str(t, grant["key"])].private
	token, err := ward.MintGrant(digest, str(t, grant["approver"]), key,
		&ward.GrantOptions{TTL: ttl, IssuedAt: issuedAt, JTI: str(t, grant["jti"])})
	if err != nil {
		t.Errorf("%s: minting the grant: %v", where, err)
		return
	}
	var request struct{ Approval string }
	decode(t, c["request"], &request)
	if request.Approval != token {
		t.Errorf("%s: the grant token is stale (the policy hash changed?); run "+
			"tools/conformance_grants.py", where)
	}
}

func TestConformance(t *testing.T) {
	dir := conformanceDir()
	files := manifest(t, dir)
	if len(files) == 0 {
		t.Fatalf("%s/MANIFEST lists no file", dir)
	}
	present, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, p := range present {
		found[filepath.Base(p)] = true
	}
	// The suite is what its MANIFEST lists, and the directory must hold exactly those files:
	// a file added without its line, or a line whose file is gone, fails, so that this
	// runner can never silently run fewer files than the others.
	listed := map[string]bool{}
	for _, file := range files {
		if listed[file] {
			t.Errorf("%s: listed twice in MANIFEST", file)
		}
		listed[file] = true
		if !found[file] {
			t.Errorf("%s: in MANIFEST but not in the directory", file)
		}
	}
	for file := range found {
		if !listed[file] {
			t.Errorf("%s: in the directory but not in MANIFEST", file)
		}
	}

	ran, cases := 0, 0
	for _, file := range files {
		if !found[file] {
			continue
		}
		file := file
		t.Run(strings.TrimSuffix(file, ".json"), func(t *testing.T) {
			ran++
			cases += runFile(t, dir, file)
		})
	}
	fmt.Printf("conformance: %d files (MANIFEST lists %d, the directory holds %d), %d cases\n",
		ran, len(files), len(present), cases)
	if ran != len(files) {
		if run := flag.Lookup("test.run"); run != nil && strings.Contains(run.Value.String(), "/") {
			t.Logf("a filtered run: %d of the %d files ran", ran, len(files))
		} else {
			t.Errorf("%d files ran; MANIFEST lists %d", ran, len(files))
		}
	}
}
