"""`ward repl` on a pseudo-terminal: what a person at a keyboard sees.

Drives the real binary ($WARD_BIN, else build/cli/ward) with pexpect over
examples/agent-runtime: coloured decisions, tab completion, history across
sessions, the explain commands, entity edits, the clock, typed rules,
:reload and approvals (:approve). Every step waits for the prompt that follows its output, never for a
fixed time, and the timeouts are generous for a loaded machine or a sanitizer
build.

Run: /usr/bin/python3 -m pytest -q cli/repl/repl_test.py
"""

import os
import pathlib
import re
import shutil
import subprocess

import pexpect
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
WARD = os.environ.get("WARD_BIN") or str(ROOT / "build" / "cli" / "ward")
EXAMPLE = ROOT / "examples" / "agent-runtime"
TIMEOUT = 90  # seconds for any one answer

PROMPT = "ward> "
CONTINUATION = "  ... "
GREEN, RED, YELLOW, RESET = "\x1b[1;32m", "\x1b[1;31m", "\x1b[1;33m", "\x1b[0m"
TAB, CTRL_C, CTRL_D, CTRL_U, UP = "\t", "\x03", "\x04", "\x15", "\x1b[A"


class Repl:
    """One `ward repl` session on a pseudo-terminal."""

    def __init__(self, home, policy=None, entities=None, extra=()):
        policy = policy or [EXAMPLE / "schema.ward", EXAMPLE / "rules.ward"]
        entities = entities or EXAMPLE / "entities.json"
        args = ["repl"]
        for path in policy:
            args += ["--policy", str(path)]
        args += ["--entities", str(entities)]
        args += [str(arg) for arg in extra]
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "WARD_HISTORY": str(home / "history"),
            "TERM": "xterm",
            "LANG": "C.UTF-8",
        }
        for name in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if name in os.environ:
                env[name] = os.environ[name]
        self.transcript = []
        self.child = pexpect.spawn(WARD, args, env=env, cwd=str(ROOT), encoding="utf-8",
                                   timeout=TIMEOUT, dimensions=(50, 200))
        self.child.logfile_read = self
        self.child.expect_exact(PROMPT)

    # pexpect writes what it reads here (the logfile protocol), for failure reports.
    def write(self, text):
        self.transcript.append(text)

    def flush(self):
        pass

    def send(self, keys):
        self.child.send(keys)

    def run(self, line):
        """Types `line` and Enter; returns everything printed up to the next prompt."""
        self.child.send(line + "\r")
        self.child.expect_exact(PROMPT)
        return self.child.before

    def continued(self, line):
        """Types a line of policy text that is not complete yet."""
        self.child.send(line + "\r")
        self.child.expect_exact(CONTINUATION)
        return self.child.before

    def enter(self):
        return self.run("")

    def quit(self, keys=":quit\r"):
        self.child.send(keys)
        self.child.expect(pexpect.EOF)
        self.child.close()
        return self.child.exitstatus

    def close(self):
        if self.child.isalive():
            self.child.terminate(force=True)


@pytest.fixture
def home(tmp_path):
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def repl(home):
    sessions = []

    def start(**kwargs):
        session = Repl(home, **kwargs)
        sessions.append(session)
        return session

    yield start
    for session in sessions:
        session.close()
        # Shown by pytest when the test failed.
        print("".join(session.transcript))


def test_decisions_are_coloured_by_effect(repl):
    r = repl()
    assert "now: 2026-12-01T00:00:00Z" in r.run(":now 2026-12-01T00:00:00Z")

    out = r.run('agent a17 invoke tool:search on_behalf_of user:u3 context {"session": "s1"}')
    assert f"{GREEN}ALLOW{RESET}  permitted" in out
    assert "rules        a17-scope, agents-within-task-scope, users-delegate-tools" in out
    assert 'obligations  redact /sk-[A-Za-z0-9]{20,}/ "[SECRET]", log summary' in out

    out = r.run("agent a17 invoke tool:search on_behalf_of user:u5")
    assert f"{RED}DENY{RESET}  forbidden" in out
    assert "denied_by    agent:a17" in out
    assert "rules        personal-agents-serve-their-owner" in out

    out = r.run('agent a42 invoke tool:payments.transfer on_behalf_of user:u5 '
                'args {"amount": 2500} context {"session": "s1"}')
    assert f"{YELLOW}NEEDS_APPROVAL{RESET}  approval_required" in out
    assert re.search(r"  approval     digest [0-9a-f]{64}\r", out)

    out = r.run("agent a42 invoke tool:payments.transfer on_behalf_of user:u5")
    assert f"{RED}DENY{RESET}  forbidden" in out
    assert "rules        transfer-cap" in out

    out = r.run("agnt a17 invoke tool:search")
    assert "column 1: unknown kind `agnt`" in out
    assert "did you mean `agent`?" in out
    assert r.quit() == 0


def test_tab_completes_commands_ids_and_resources(repl):
    r = repl()
    r.run(":now 2026-12-01T00:00:00Z")

    # A command: `:tre` + Tab is `:tree`, which prints the policy.
    r.send(":tre" + TAB)
    out = r.enter()
    assert "\nschema\r\n" in out and "a17-scope (" in out

    # An identity id (a1 -> a17) and a tool (tool:sea -> tool:search).
    r.send("agent a1" + TAB + "invoke tool:sea" + TAB)
    out = r.enter()
    assert f"{GREEN}ALLOW{RESET}" in out
    assert "rules        a17-scope, agents-within-task-scope" in out

    # An action and a tool (tool:pa -> tool:payments.transfer).
    r.send("agent a17 inv" + TAB + "tool:pa" + TAB)
    out = r.enter()
    assert "rules        payments-only-for-finance" in out

    # A rule name after :whynot.
    r.send(":whynot payments-o" + TAB)
    out = r.enter()
    assert "payments-only-for-finance (" in out
    assert "unless delegator has groups and \"finance\" in delegator.groups: false" in out

    # Several candidates and nothing in common to add: they are listed.
    r.send("agent a" + TAB)
    r.child.expect_exact("a17  a20  a23  a31  a42  a50")
    r.child.expect_exact(PROMPT)
    r.send(CTRL_U)
    assert r.quit() == 0


def test_history_is_kept_across_sessions(repl, home):
    first = repl()
    first.run("user u5 invoke tool:email.send")
    assert first.quit() == 0
    assert (home / "history").exists()

    second = repl()
    # Up twice: `:quit`, then the request typed in the first session.
    second.send(UP + UP)
    out = second.enter()
    assert "rules        outbound-email-limits, users-delegate-tools" in out
    assert second.quit(CTRL_D) == 0


def test_why_and_whynot_explain_the_last_request(repl):
    r = repl()
    assert "no request yet" in r.run(":why")
    r.run(":now 2026-12-01T00:00:00Z")
    r.run("agent a17 invoke tool:email.send on_behalf_of user:u3")

    out = r.run(":why")
    assert "subject agent:a17" in out
    assert "decision: DENY (no_matching_permit)" in out
    assert "on_behalf_of[0] user:u3" in out

    out = r.run(":whynot agents-within-task-scope")
    assert "when resource.id in subject.task_scope: false" in out
    assert 'resource.id: "email.send"' in out
    assert 'subject.task_scope: ["calendar.read", "search"]' in out
    assert "subject kind: the rule is for agent, `u3` is a user" in out

    assert "did you mean `a17-scope`?" in r.run(":whynot a17-scop")
    assert r.quit() == 0


def test_revoke_and_set_change_the_next_decision(repl):
    r = repl()
    r.run(":now 2026-12-01T00:00:00Z")
    assert f"{GREEN}ALLOW{RESET}" in r.run("agent a17 invoke tool:search")
    assert "revoked agent:a17" in r.run(":revoke a17")
    out = r.run("agent a17 invoke tool:search")
    assert f"{RED}DENY{RESET}  lifecycle" in out

    assert "unknown_identity" in r.run("agent a77 invoke tool:search")
    out = r.run(':set identity {"kind": "agent", "id": "a77", "owner": "u3", '
                '"status": "active", "attrs": {"task_scope": ["search"], "model": "m"}}')
    assert "set agent:a77" in out
    out = r.run("agent a77 invoke tool:search")
    assert f"{GREEN}ALLOW{RESET}" in out
    assert "rules        agents-within-task-scope\r" in out
    assert r.quit() == 0


def test_now_fixes_the_clock(repl):
    r = repl()
    # a20 expires on 2026-11-30.
    r.run(":now 2026-11-01T00:00:00Z")
    assert f"{GREEN}ALLOW{RESET}" in r.run("agent a20 invoke tool:search")
    r.run(":now 2026-12-01T00:00:00Z")
    assert "lifecycle" in r.run("agent a20 invoke tool:search")
    assert "not an RFC 3339 time" in r.run(":now tomorrow")
    assert "now: the clock" in r.run(":now")
    assert r.quit() == 0


def test_typed_rules_join_the_policy(repl):
    r = repl()
    r.run(":now 2026-12-01T00:00:00Z")
    r.continued('forbid user "u3" to invoke on tool')
    out = r.run('  when resource.id == "search";')
    assert "added <repl>:1" in out
    out = r.run('@id("u3-calendar") permit user "u3" to invoke on tool "x";')
    assert "added u3-calendar (<repl>:3)" in out

    out = r.run("user u3 invoke tool:search")
    assert f"{RED}DENY{RESET}  forbidden" in out
    assert "rules        <repl>:1" in out

    out = r.run("permit user to invoke on tool when subject.clearance >= true;")
    assert "<repl>:4:" in out and "^" in out and "not added" in out
    assert "<repl>:4" not in r.run(":rules repl")

    # Names from policy text reach the terminal with their control characters shown.
    out = r.run('@id("x\\u001b[2Jy") permit user to invoke on tool "none";')
    assert "added x^[[2Jy (<repl>:4)" in out

    # Ctrl-C abandons text that is not complete.
    r.continued("permit user to invoke on tool")
    r.send(CTRL_C)
    r.child.expect_exact(PROMPT)
    assert "users-delegate-tools" in r.run(":rules users")
    assert r.quit() == 0


def test_reload_keeps_the_old_policy_when_the_files_break(repl, tmp_path):
    shutil.copy(EXAMPLE / "schema.ward", tmp_path / "schema.ward")
    rules = tmp_path / "rules.ward"
    shutil.copy(EXAMPLE / "rules.ward", rules)
    r = repl(policy=[tmp_path / "schema.ward", rules])
    r.run(":now 2026-12-01T00:00:00Z")
    r.run('forbid user "u7" to invoke on tool;')
    allowed = "rules        a17-scope, agents-within-task-scope"
    assert allowed in r.run("agent a17 invoke tool:search")

    text = rules.read_text()
    broken = text.replace('permit agent "a17" to invoke', 'permit agent "a17" to invok')
    rules.write_text(broken)
    # Where the error is: the line and column of `invok`.
    line = next(i for i, l in enumerate(broken.splitlines(), 1) if "to invok " in l)
    column = broken.splitlines()[line - 1].index("invok") + 1
    out = r.run(":reload")
    assert f"rules.ward:{line}:{column}: error: unknown action `invok`" in out
    assert "\n" + " " * (column - 1) + "^\n" in out.replace("\r", "")
    assert "the current policy stays in place" in out
    assert allowed in r.run("agent a17 invoke tool:search")

    # Fixed (and without the a17 scope), the files load with the typed rule kept.
    rules.write_text(text.replace('permit agent "a17"', 'permit agent "a99"'))
    count = text.count("@id(") + 1
    assert f"reloaded: {count} rules from 2 files and the prompt (1 typed)" in r.run(":reload")
    assert "rules        agents-within-task-scope\r" in r.run("agent a17 invoke tool:search")
    assert "rules        <repl>:1" in r.run("user u7 invoke tool:search")
    assert r.quit() == 0


def test_approve_turns_needs_approval_into_allow(repl, tmp_path):
    subprocess.run([WARD, "keygen", "--out", str(tmp_path / "approver")], check=True,
                   capture_output=True, timeout=TIMEOUT)
    r = repl(extra=["--approver-key", tmp_path / "approver.key"])
    r.run(":now 2026-12-01T00:00:00Z")

    # After the chain, Tab offers `args` (the only candidate starting with `ar`).
    r.send("agent a42 invoke tool:payments.transfer on_behalf_of user:u5 ar" + TAB +
           '{"amount": 2500, "currency": "EUR"}')
    out = r.enter()
    assert f"{YELLOW}NEEDS_APPROVAL{RESET}  approval_required" in out
    assert re.search(r"  approval     digest [0-9a-f]{64}\r", out)

    # u3 may not approve: the grant is refused, and the refusal is shown.
    out = r.run(":approve u3")
    assert "grant: approver user:u3" in out
    assert f"{YELLOW}NEEDS_APPROVAL{RESET}" in out
    assert "errors       agent:a42: approval refused: " in out

    # A risk officer may: the request is decided again and allowed.
    r.send(":appr" + TAB + "u8")
    out = r.enter()
    assert f"{GREEN}ALLOW{RESET}  permitted" in out
    assert "approved_by  user:u8" in out
    assert "not NEEDS_APPROVAL: there is nothing to approve" in r.run(":approve u8")

    # An invalid argument is refused by the engine, before any rule.
    out = r.run('agent a42 invoke tool:payments.transfer on_behalf_of user:u5 args {"amount": "x"}')
    assert f"{RED}DENY{RESET}  invalid_request" in out
    assert r.quit() == 0


def test_approve_without_a_key_says_how_to_get_one(repl):
    r = repl()
    r.run(":now 2026-12-01T00:00:00Z")
    r.run('agent a42 invoke tool:payments.transfer on_behalf_of user:u5 args {"amount": 2500}')
    out = r.run(":approve u8")
    assert "--approver-key NAME.key" in out and "ward keygen" in out
    assert r.quit() == 0
