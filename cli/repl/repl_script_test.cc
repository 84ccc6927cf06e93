// Runs `ward repl` with a script on standard input (not a terminal) and compares what it
// prints exactly: no prompts, no colours, one answer per line of input, in order.
//
// The binary is $WARD_BIN (ctest and Bazel set it), else build/cli/ward. The working
// directory is the repository root (the runfiles root under Bazel), where examples/ is.

#include <filesystem>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "cli/command_test_base.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kExample[] =
    " --policy examples/agent-runtime/schema.ward --policy examples/agent-runtime/rules.ward"
    " --entities examples/agent-runtime/entities.json";

using ward::cli_testing::Outcome;

class ReplScriptTest : public ward::cli_testing::CommandTest {
 protected:
  // Runs `ward ARGS` with `input` on standard input. `$DIR` in the input stands for the
  // test's directory, and the directory is written `$DIR` in the outputs.
  Outcome WardIn(const std::string& args, const std::string& input) const {
    Outcome outcome = Ward(args, absl::StrReplaceAll(input, {{"$DIR", dir_.string()}}));
    outcome.out = absl::StrReplaceAll(outcome.out, {{dir_.string(), "$DIR"}});
    outcome.err = absl::StrReplaceAll(outcome.err, {{dir_.string(), "$DIR"}});
    return outcome;
  }

  // Runs `ward repl ARGS` with `script` on standard input, its output masked (Mask).
  Outcome Repl(const std::string& args, const std::string& script) const {
    Outcome outcome = WardIn("repl" + args, script);
    outcome.out = Mask(outcome.out);
    return outcome;
  }

  // The REPL's output with what the example's text decides written as placeholders: the
  // line numbers of the example's rules `LINE` (reformatting the example does not change
  // them), the messages of errors `MESSAGE`, those of rules (`RULE (KIND:ID): MESSAGE`) and
  // those of the request (`KIND:ID: MESSAGE`: invalid_request, a refused grant), since the
  // contract leaves their wording free and the REPL prints them as the engine words them,
  // and approval digests `DIGEST` (a digest covers the policy's hash, which any edit of the
  // example changes).
  static std::string Mask(const std::string& out) {
    static const std::regex kExampleLine("(examples/agent-runtime/rules\\.ward):[0-9]+");
    static const std::regex kErrorMessage(
        "(\n  (?:errors |       ) {6}(?:[^ \n][^\n]*? \\((?:user|agent|builder):[^)\n]*\\)|"
        "(?:user|agent|builder):[^ \n]*)): [^\n]*");
    static const std::regex kDigest("(\n  approval     digest )[0-9a-f]{64}\n");
    std::string masked = std::regex_replace(out, kExampleLine, "$1:LINE");
    masked = std::regex_replace(masked, kErrorMessage, "$1: MESSAGE");
    return std::regex_replace(masked, kDigest, "$1DIGEST\n");
  }
};

TEST_F(ReplScriptTest, DecidesExplainsAndEditsInOrder) {
  const Outcome run = Repl(kExample, R"(// A scripted session over examples/agent-runtime.
:now 2026-12-01T00:00:00Z
agent a17 invoke tool:search on_behalf_of user:u3 context {"session": "s1"}
agent a42 invoke tool:email.send on_behalf_of user:u5
agent a42 invoke tool:payments.transfer on_behalf_of user:u5 args {"amount": 2500, "currency": "EUR"}
:approve u8
agent a42 invoke tool:payments.transfer on_behalf_of user:u5
agent a42 invoke tool:payments.transfer on_behalf_of user:u5 args {"amuont": 2500}
agent a17 invoke tool:calendar.write on_behalf_of user:u5
:whynot personal-agents-serve-their-owner
:whynot users-delegate-tool
agnt a17 invoke tool:search
agent a17 invoke tool:search {"session": tru}
agent a42 invoke tool:payments.transfer args {"amount": 1} {"session": "s1"} args {"amount": 2}
:revoke a17
agent a17 invoke tool:search
agent a20 invoke tool:search
:now 2026-11-01T00:00:00Z
agent a20 invoke tool:search

@id("shell-for-u3")
permit user "u3" to invoke on tool "shell.exec"
  when subject.department == "engineering";
permit user in group "finance" to invoke on tool
  matching /payments\..*/;
permit user to invoke on tool when subject.clearance >= "high";
user u3 invoke tool:shell.exec
:rules shell
:set identity {"kind": "user", "id": "u8", "status": "active", "attrs": {"department": "risk", "clearance": 5}}
user u8 invoke tool:shell.exec
:whynot <repl>:4
:tree_
:quit
user u3 invoke tool:search
)");
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.err, "");
  EXPECT_EQ(run.out, R"(now: 2026-12-01T00:00:00Z
ALLOW  permitted
  rules        a17-scope, agents-within-task-scope, users-delegate-tools
  obligations  redact /sk-[A-Za-z0-9]{20,}/ "[SECRET]", log summary
ALLOW  permitted
  rules        agents-within-task-scope, outbound-email-limits, shared-agents-email-cap, users-delegate-tools
  obligations  redact /sk-[A-Za-z0-9]{20,}/ "[SECRET]", limit recipients 10, log full
NEEDS_APPROVAL  approval_required
  denied_by    agent:a42
  rules        high-risk-needs-approval
  approval     digest DIGEST
error: `:approve` signs grants with a private key, and this session has none: start it with `ward repl --approver-key NAME.key` (`ward keygen --out NAME` makes a key pair)
DENY  forbidden
  denied_by    agent:a42
  rules        transfer-cap
DENY  forbidden
  denied_by    agent:a42
  rules        transfer-cap
note: `args.amuont` is not declared, and rules cannot read it; did you mean `amount`?
DENY  forbidden
  denied_by    agent:a17
  rules        personal-agents-serve-their-owner
personal-agents-serve-their-owner (examples/agent-runtime/rules.ward:LINE)
  forbid agent in group "personal" to [invoke] on tool
subject agent:a17
  head: matches
  when delegator has id: true
  unless subject has owner and delegator.id == subject.owner: false
    subject has owner: true
    delegator.id == subject.owner: false
      delegator.id: "u5"
      subject.owner: "u3"
  holds
on_behalf_of[0] user:u5
  head: does not match
    subject kind: the rule is for agent, `u5` is a user
    group: `u5` is not in group `personal` (its groups: [finance])
  not a candidate
error: no rule named `users-delegate-tool`; did you mean `users-delegate-tools`?
error: column 1: unknown kind `agnt`: expected user, agent or builder; did you mean `agent`?
  agnt a17 invoke tool:search
  ^
error: column 42: invalid JSON in the context: invalid literal
  agent a17 invoke tool:search {"session": tru}
                                           ^
error: column 78: the args is given once
  agent a42 invoke tool:payments.transfer args {"amount": 1} {"session": "s1"} args {"amount": 2}
                                                                               ^
revoked agent:a17
DENY  lifecycle
  denied_by    agent:a17
  rules        (none)
DENY  lifecycle
  denied_by    agent:a20
  rules        (none)
now: 2026-11-01T00:00:00Z
ALLOW  permitted
  rules        agents-within-task-scope
  obligations  redact /sk-[A-Za-z0-9]{20,}/ "[SECRET]", log summary
added shell-for-u3 (<repl>:2)
added <repl>:4
<repl>:6:54: error: `>=` compares two ints or two timestamps, found an int and a string
permit user to invoke on tool when subject.clearance >= "high";
                                                     ^
not added
NEEDS_APPROVAL  approval_required
  denied_by    user:u3
  rules        high-risk-needs-approval
  approval     digest DIGEST
shell-for-u3 (<repl>:2)
  permit user "u3" to [invoke] on tool in ["shell.exec"]
set user:u8
NEEDS_APPROVAL  approval_required
  denied_by    user:u8
  rules        high-risk-needs-approval
  approval     digest DIGEST
<repl>:4
  permit user in group "finance" to [invoke] on tool matching /payments\..*/
subject user:u8
  head: does not match
    group: `u8` is not in group `finance` (its groups: [])
    resource: `shell.exec` does not match /payments\..*/
  not a candidate
error: unknown command `:tree_`; did you mean `:tree`? (:help lists the commands)
)");
}

TEST_F(ReplScriptTest, ApproveMintsAGrantAndDecidesAgain) {
  // The REPL signs with approver.key; the engine also trusts another service's key.
  ASSERT_EQ(Ward("keygen --out " + Path("approver")).exit_code, 0);
  ASSERT_EQ(Ward("keygen --out " + Path("other")).exit_code, 0);
  const std::string keys =
      " --approver-key " + Path("approver.key") + " --approval-key " + Path("other.pub");
  const Outcome run = WardIn("repl" + std::string(kExample) + keys, R"(:now 2026-12-01T00:00:00Z
:approve u8
agent a42 invoke tool:payments.transfer on_behalf_of user:u5 args {"amount": 2500, "currency": "EUR"} context {"session": "s1"}
:approve u3
:approve agent:a42
:approve u8 90s
:why
:approve u8
agent a42 invoke tool:payments.transfer on_behalf_of user:u5 args {"amount": "x"}
:approve u8
agent a42 invoke tool:payments.transfer on_behalf_of user:u5 args {"amount": 250000}
:approve u8
// A clock fixed in the past: the grant is issued then.
:now 2020-01-01T00:00:00Z
agent a42 invoke tool:payments.transfer on_behalf_of user:u5 args {"currency": "EUR", "amount": 2500}
:approve user:u8 1h
:approve u8 0s
:approve
// A grant names the policy: after an edit, the request is sent again.
agent a42 invoke tool:payments.transfer on_behalf_of user:u5 args {"amount": 2500}
forbid user "nobody" to invoke on tool;
:approve u8
)");
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.err, "");
  // The trace of the approved decision, between the decision and the next error.
  const size_t why = run.out.find("subject agent:a42\n  guard: passed\n");
  const size_t why_end = run.out.find("error: the last decision is ALLOW");
  ASSERT_NE(why, std::string::npos) << run.out;
  ASSERT_NE(why_end, std::string::npos) << run.out;
  EXPECT_THAT(run.out.substr(why, why_end - why),
              HasSubstr("high-risk-needs-approval (examples/agent-runtime/rules.ward:"));
  const std::string out = Mask(run.out.substr(0, why) + run.out.substr(why_end));
  EXPECT_EQ(out, R"(now: 2026-12-01T00:00:00Z
error: no request yet: there is nothing to approve
NEEDS_APPROVAL  approval_required
  denied_by    agent:a42
  rules        high-risk-needs-approval
  approval     digest DIGEST
grant: approver user:u3, valid from 2026-12-01T00:00:00Z to 2026-12-01T00:15:00Z
NEEDS_APPROVAL  approval_required
  denied_by    agent:a42
  rules        high-risk-needs-approval
  errors       agent:a42: MESSAGE
  approval     digest DIGEST
error: only users approve: give USER as an id or user:ID, not `agent:a42`
grant: approver user:u8, valid from 2026-12-01T00:00:00Z to 2026-12-01T00:01:30Z
ALLOW  permitted
  rules        agents-within-task-scope, users-delegate-tools
  obligations  redact /sk-[A-Za-z0-9]{20,}/ "[SECRET]", log summary
  approved_by  user:u8
error: the last decision is ALLOW, not NEEDS_APPROVAL: there is nothing to approve
DENY  invalid_request
  denied_by    agent:a42
  rules        (none)
  errors       agent:a42: MESSAGE
error: the last decision is DENY, not NEEDS_APPROVAL: there is nothing to approve
DENY  forbidden
  denied_by    agent:a42
  rules        transfer-cap
error: the last decision is DENY, not NEEDS_APPROVAL: there is nothing to approve
now: 2020-01-01T00:00:00Z
NEEDS_APPROVAL  approval_required
  denied_by    agent:a42
  rules        high-risk-needs-approval
  approval     digest DIGEST
grant: approver user:u8, valid from 2020-01-01T00:00:00Z to 2020-01-01T01:00:00Z
ALLOW  permitted
  rules        agents-within-task-scope, users-delegate-tools
  obligations  redact /sk-[A-Za-z0-9]{20,}/ "[SECRET]", log summary
  approved_by  user:u8
error: the last decision is ALLOW, not NEEDS_APPROVAL: there is nothing to approve
error: usage: :approve USER [TTL]
NEEDS_APPROVAL  approval_required
  denied_by    agent:a42
  rules        high-risk-needs-approval
  approval     digest DIGEST
added <repl>:1
error: the policy changed since the last request, and the request's digest with it; send the request again
)");
  // What the masks hide: why u3's grant was refused, and which field the request got wrong.
  EXPECT_THAT(run.out, HasSubstr("  errors       agent:a42: approval refused: "));
  EXPECT_THAT(run.out,
              testing::ContainsRegex("errors       agent:a42: approval refused: [^\n]*`u3`"));
  EXPECT_THAT(run.out, testing::ContainsRegex("errors       agent:a42: [^\n]*args\\.amount"));

  // The digest is `ward eval`'s for the same request: the line's args are the request's, key
  // order and blanks aside, and the context is not part of it.
  const Outcome eval = WardIn(std::string("eval") + kExample + " --request -",
                              R"({"subject": {"kind": "agent", "id": "a42"}, "action": "invoke",
          "resource": {"type": "tool", "id": "payments.transfer"},
          "on_behalf_of": [{"kind": "user", "id": "u5"}],
          "args": {"currency": "EUR", "amount": 2500}, "now": "2026-12-01T00:00:00Z"})");
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  std::smatch digest;
  ASSERT_TRUE(std::regex_search(eval.out, digest, std::regex("\"digest\":\"([0-9a-f]{64})\"")))
      << eval.out;
  EXPECT_THAT(run.out, HasSubstr("  approval     digest " + digest[1].str() + "\n"));
}

TEST_F(ReplScriptTest, ApprovalKeysAreCheckedAtTheStart) {
  ASSERT_EQ(Ward("keygen --out " + Path("k")).exit_code, 0);
  // The public key where the private one belongs, and files that do not exist.
  const Outcome wrong_key =
      Repl(std::string(kExample) + " --approver-key " + Path("k.pub"), ":quit\n");
  EXPECT_EQ(wrong_key.exit_code, 1);
  EXPECT_THAT(wrong_key.err, HasSubstr("$DIR/k.pub: "));
  EXPECT_THAT(wrong_key.err, HasSubstr("--approver-key takes the private key"));
  EXPECT_EQ(wrong_key.out, "");
  EXPECT_EQ(Repl(std::string(kExample) + " --approver-key " + Path("none.key"), "").exit_code, 1);
  EXPECT_EQ(Repl(std::string(kExample) + " --approval-key " + Path("none.pub"), "").exit_code, 1);
  // A public key that is not one: the engine refuses it.
  Write("bad.pub", "not a key\n");
  EXPECT_EQ(Repl(std::string(kExample) + " --approval-key " + Path("bad.pub"), "").exit_code, 1);
  // One private key only.
  EXPECT_EQ(Repl(std::string(kExample) + " --approver-key " + Path("k.key") + " --approver-key " +
                     Path("k.key"),
                 "")
                .exit_code,
            2);
  // Trusted keys alone let grants in but sign none.
  const Outcome trusted = Repl(std::string(kExample) + " --approval-key " + Path("k.pub"),
                               ":now 2026-12-01T00:00:00Z\n"
                               "user u5 invoke tool:payments.transfer args {\"amount\": 1}\n"
                               ":approve u8\n");
  EXPECT_EQ(trusted.exit_code, 0);
  EXPECT_THAT(trusted.out, HasSubstr("\nerror: `:approve` signs grants with a private key, and "
                                     "this session has none: start it with `ward repl "
                                     "--approver-key NAME.key`"));
}

TEST_F(ReplScriptTest, WhyPrintsTheTraceOfTheLastRequest) {
  const Outcome run = WardIn(std::string("repl") + kExample, R"(:why
:whynot a17-scope
:now 2026-12-01T00:00:00Z
agent a17 invoke tool:search on_behalf_of user:u3
:revoke u3
:why
)");
  EXPECT_EQ(run.exit_code, 0);
  const std::string decision = R"(no request yet
no request yet
now: 2026-12-01T00:00:00Z
ALLOW  permitted
  rules        a17-scope, agents-within-task-scope, users-delegate-tools
  obligations  redact /sk-[A-Za-z0-9]{20,}/ "[SECRET]", log summary
revoked user:u3
)";
  ASSERT_EQ(run.out.substr(0, decision.size()), decision);

  // The trace is the one `ward explain` prints for the request, as it was decided: before
  // u3 was revoked.
  const Outcome explain = WardIn(std::string("explain") + kExample + " --request -",
                                 R"({"subject": {"kind": "agent", "id": "a17"}, "action": "invoke",
          "resource": {"type": "tool", "id": "search"},
          "on_behalf_of": [{"kind": "user", "id": "u3"}], "now": "2026-12-01T00:00:00Z"})");
  ASSERT_EQ(explain.exit_code, 0) << explain.err;
  const std::string trace = explain.out.substr(explain.out.find('\n') + 1);
  EXPECT_THAT(trace, HasSubstr("subject agent:a17\n  guard: passed\n"));
  EXPECT_EQ(run.out.substr(decision.size()), trace);
}

TEST_F(ReplScriptTest, LoadAndReloadKeepThePolicyOnError) {
  Write("schema.ward",
        "schema {\n  user { clearance: int }\n  resource tool {}\n"
        "  action invoke on tool\n}\n");
  Write("rules.ward",
        "@id(\"cleared\")\npermit user to invoke on tool when subject.clearance > 1;\n");
  Write("broken.ward", "permit user to invok on tool;\n");
  Write("entities.json", R"({"identities": [
    {"kind": "user", "id": "u1", "status": "active", "attrs": {"clearance": 2}},
    {"kind": "user", "id": "u2", "status": "active", "attrs": {"clearance": 0}}]})");
  const Outcome run = Repl(" --policy " + Path("schema.ward") + " --policy " + Path("rules.ward") +
                               " --entities " + Path("entities.json"),
                           R"(permit user "u2" to invoke on tool "t";
:load $DIR/schema.ward $DIR/broken.ward
user u1 invoke tool:t
:load $DIR/schema.ward $DIR/missing.ward
:load
:load $DIR/schema.ward
user u1 invoke tool:t
user u2 invoke tool:t
:rules
:reload now
:load $DIR/schema.ward $DIR/rules.ward
:rules clear
:drop
:drop
user u2 invoke tool:t
:rules u2
)");
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.out, R"(added <repl>:1
$DIR/broken.ward:1:16: error: unknown action `invok`; did you mean `invoke`?
permit user to invok on tool;
               ^
error: the policy has errors; the current policy stays in place
ALLOW  permitted
  rules        cleared
  obligations  log none
error: $DIR/missing.ward: No such file or directory; the current policy stays in place
error: usage: :load FILE...
loaded: 1 rule from 1 file and the prompt (1 typed)
DENY  no_matching_permit
  denied_by    user:u1
  rules        (none)
ALLOW  permitted
  rules        <repl>:1
  obligations  log none
<repl>:1
  permit user "u2" to [invoke] on tool in ["t"]
error: `:reload` takes no arguments; `:load FILE...` replaces the files
loaded: 2 rules from 2 files and the prompt (1 typed)
cleared ($DIR/rules.ward:2)
  permit user to [invoke] on tool
dropped the typed text: 1 rule from 2 files
no typed rules or schema to drop
DENY  no_matching_permit
  denied_by    user:u2
  rules        (none)
no rule matches `u2`
)");
}

TEST_F(ReplScriptTest, EntityAndClockCommandsReportTheirErrors) {
  Write("other.json", R"({"identities": [
    {"kind": "user", "id": "solo", "status": "active",
     "attrs": {"department": "ops", "clearance": 1}}],
    "resources": [{"type": "tool", "id": "search", "attrs": {"risk": "low", "min_clearance": 2}}]})");
  // Every violation of a file is reported, each on its own line.
  Write("wrong.json", R"({"identities": [{"kind": "user", "id": "u9", "status": "active"}],
    "resources": [{"type": "model", "id": "m1"}]})");
  const Outcome run = Repl(kExample, R"(:entities $DIR/nothing.json
:entities $DIR/wrong.json
:set identity {"kind": "user"
:set identity {"kind": "user", "id": "u1", "status": "active", "attrs": {"department": "x", "clearance": "x"}}
:set user {}
:revoke nobody
:revoke
:now yesterday
:now
:entities $DIR/other.json
:now 2026-12-01T00:00:00Z
user u3 invoke tool:search
user solo invoke tool:search
)");
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.out,
            R"(error: $DIR/nothing.json: No such file or directory; the current entities stay
error: $DIR/wrong.json:1:17: identities[0] (`u9`): lacks attribute `clearance`, which every user must have (declared `clearance: int`; give it in `attrs`, or declare it optional: `clearance?: ...`)
error: $DIR/wrong.json:1:17: identities[0] (`u9`): lacks attribute `department`, which every user must have (declared `department: string`; give it in `attrs`, or declare it optional: `department?: ...`)
error: $DIR/wrong.json:2:28: resources[0] (`m1`): unknown resource type `model`; the current entities stay
error: invalid JSON at line 1, column 16: syntax error while parsing object - unexpected end of input; expected '}'
error: 1:92: identity (`u1`): attribute `clearance`: expected int, found a string
error: usage: :set identity {json}
error: no identity `nobody`
error: usage: :revoke ID
error: `yesterday` is not an RFC 3339 time such as 2026-12-01T00:00:00Z
now: the clock
entities: 1 identity, 1 resource
now: 2026-12-01T00:00:00Z
DENY  unknown_identity
  denied_by    user:u3
  rules        (none)
DENY  no_matching_permit
  denied_by    user:solo
  rules        (none)
)");
}

TEST_F(ReplScriptTest, TypedSchemaExtendsThePolicy) {
  const Outcome run = Repl(kExample, R"(schema {
  resource memo { author: string }

  action read on memo
}
user u3 read memo:m1 {"ignored": 1}
permit user to read on memo
  when resource.author == subject.id;
user u3 read memo:m1
user u3 reed memo:m1
user u3 invoke memo:m1
user u3 read mem:m1
:rules memo
schema { builder { team: string } }
:set identity {"kind": "builder", "id": "b1", "owner": "u3", "status": "active", "attrs": {"team": "ml"}}
permit builder to invoke on tool when subject.team == "ml";
builder b1 invoke tool:search
permit user to read on memo
)");
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.out, R"(added to the schema
DENY  no_matching_permit
  denied_by    user:u3
  rules        (none)
added <repl>:6
DENY  no_matching_permit
  denied_by    user:u3
  rules        (none)
  errors       <repl>:6 (user:u3): MESSAGE
DENY  no_matching_permit
  denied_by    user:u3
  rules        (none)
note: the action `reed` is not declared; did you mean `read`?
DENY  no_matching_permit
  denied_by    user:u3
  rules        (none)
note: the action `invoke` does not apply to `memo`
DENY  no_matching_permit
  denied_by    user:u3
  rules        (none)
note: the resource type `mem` is not declared; did you mean `memo`?
<repl>:6
  permit user to [read] on memo
added to the schema
set builder:b1
added <repl>:9
ALLOW  permitted
  rules        <repl>:9
  obligations  log none
error: the input ended inside policy text, which was not added
)");
  EXPECT_THAT(run.out, Not(HasSubstr("\x1b")));
}

TEST_F(ReplScriptTest, TestRunsAFileAgainstTheSessionsPolicy) {
  // The report's format belongs to `ward test`; here what matters is which policy ran.
  const std::string file = "examples/agent-runtime/tests/payments.ward_test.json";
  const Outcome passing = Repl(kExample, ":test " + file + "\n");
  EXPECT_EQ(passing.exit_code, 0);
  EXPECT_THAT(passing.out, testing::ContainsRegex("[1-9][0-9]* passed, 0 failed"));

  // A rule typed at the prompt is part of the policy the file runs against.
  const Outcome failing =
      Repl(kExample, "forbid agent to invoke on tool \"payments.transfer\";\n:test " + file + "\n");
  EXPECT_THAT(failing.out, HasSubstr("added <repl>:1\n"));
  EXPECT_THAT(failing.out, testing::ContainsRegex("[0-9]+ passed, [1-9][0-9]* failed"));

  const Outcome errors = Repl(kExample, ":test\n:test $DIR/missing.ward_test.json\n");
  EXPECT_EQ(errors.exit_code, 0);
  EXPECT_THAT(errors.out, testing::StartsWith("error: usage: :test FILE\n"));
  EXPECT_THAT(errors.out, testing::ContainsRegex("\nerror: [^\n]*missing\\.ward_test\\.json"));
}

TEST_F(ReplScriptTest, ExitCodes) {
  Write("bad.ward", "permit user to invok on tool;\n");
  Write("bad.json", R"({"identities": [{"kind": "user", "id": "u1"}]})");

  const Outcome bad_policy = Repl(" --policy " + Path("bad.ward"), ":quit\n");
  EXPECT_EQ(bad_policy.exit_code, 1);
  EXPECT_THAT(bad_policy.err, HasSubstr("$DIR/bad.ward:1:16: error: unknown action `invok`"));
  EXPECT_EQ(bad_policy.out, "");

  const Outcome missing = Repl(" --policy " + Path("missing.ward"), "");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("missing.ward"));

  const Outcome bad_entities =
      Repl(" --policy examples/agent-runtime/schema.ward --entities " + Path("bad.json"), "");
  EXPECT_EQ(bad_entities.exit_code, 1);
  EXPECT_THAT(bad_entities.err, HasSubstr("status"));

  EXPECT_EQ(Repl(" --bogus", "").exit_code, 2);
  EXPECT_EQ(Repl(" stray.ward", "").exit_code, 2);
  EXPECT_EQ(Repl(" --entities a.json --entities b.json", "").exit_code, 2);

  const Outcome help = Repl(" --help", "");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("--entities FILE"));

  // No policy at all is an empty one: rules can be typed from scratch.
  const Outcome empty = Repl("", ":rules\n");
  EXPECT_EQ(empty.exit_code, 0);
  EXPECT_EQ(empty.out, "no rules\n");

  EXPECT_EQ(Repl(kExample, "").exit_code, 0);
  EXPECT_EQ(Repl(kExample, "agnt a17 invoke tool:x\n:quit\n").exit_code, 0);
}

TEST_F(ReplScriptTest, HostileLinesNeverEndTheSession) {
  std::string script;
  script += std::string(100000, '{') + "\n";
  script += "user u3 invoke tool:search " + std::string(10000, '[') + "\n";
  script += "permit user to invoke on tool when " + std::string(5000, '(') + ";\n";
  script += std::string("\xff\xfe\n");
  script += ":set identity " + std::string(10000, '[') + "\n";
  script += ":whynot \"\n";
  script += "user u3 invoke tool:\"\\ud800\"\n";
  script += std::string(5 << 20, 'x') + "\n";
  script += ":now 2026-12-01T00:00:00Z\nuser u3 invoke tool:search\n";
  const Outcome run = Repl(kExample, script);
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_THAT(run.out, HasSubstr("error: a line longer than 4194304 bytes was skipped\n"));
  EXPECT_THAT(run.out, HasSubstr("ALLOW  permitted\n  rules        users-delegate-tools\n"));
}

}  // namespace

TEST_F(ReplScriptTest, DecisionLogRecordsTheSessionsDecisions) {
  const Outcome run =
      WardIn(std::string("repl") + kExample + " --decision-log " + Path("session.log"),
             R"(:now 2026-12-01T00:00:00Z
agent a17 invoke tool:search on_behalf_of user:u3
:revoke u3
agent a17 invoke tool:search on_behalf_of user:u3
)");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  std::istringstream log(Read("session.log"));
  std::vector<std::string> records;
  for (std::string line; std::getline(log, line);) records.push_back(line);
  ASSERT_EQ(records.size(), 2u) << Read("session.log");
  EXPECT_THAT(
      records[0],
      HasSubstr(
          R"("subject":{"kind":"agent","id":"a17"},"on_behalf_of":[{"kind":"user","id":"u3"}])"));
  EXPECT_THAT(records[0], HasSubstr(R"("effect":"ALLOW")"));
  // After its owner's revocation the agent is unowned: the record says so, and who was refused.
  EXPECT_THAT(records[1], HasSubstr(R"("effect":"DENY","reason":"unowned",)"
                                    R"("denied_by":{"kind":"agent","id":"a17"})"));
}
