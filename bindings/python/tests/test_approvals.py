"""Approvals that cannot be forged, through the guard: the attacks a model can try.

A guarded tool's arguments are the model's; they reach the engine as `args` and never as
`context`. A call that needs approval runs only with a grant minted for exactly that call by
an approval service whose key the engine trusts, for a user the policy allows to approve, and
only once.
"""

import asyncio
import threading

import pytest

import ward
from conftest import NOW, TOOLS_ENTITIES, TOOLS_POLICY

AGENT = ("agent", "a1")
USER = [("user", "u1")]


def guarded(engine, **options):
    """A pay tool that records its runs."""
    runs = []

    @ward.guard(engine, AGENT, USER, **options)
    def pay(amount, **extra):
        runs.append((amount, extra))
        return f"paid {amount}"

    return pay, runs


def digest_of(call):
    with pytest.raises(ward.ApprovalRequiredError) as raised:
        call()
    return raised.value.digest


def test_attack_an_approved_argument_does_not_approve(tools_engine):
    # The policy (wrongly) exempts calls whose context says approved. The model adds
    # `approved: true` to its call: the guard puts it in args, never in context.
    runs = []

    @ward.guard(tools_engine, AGENT, USER, now=NOW)
    def legacy_pay(amount, approved=False):
        runs.append(amount)
        return "paid"

    for call in [lambda: legacy_pay(1_000_000, approved=True),
                 lambda: legacy_pay(1_000_000, True)]:
        with pytest.raises(ward.ApprovalRequiredError) as raised:
            call()
        assert raised.value.decision.rules == ["legacy-exemption"]
    assert runs == []


def test_attack_any_extra_argument_does_not_approve(tools_engine):
    pay, runs = guarded(tools_engine, tool="legacy_pay", now=NOW)
    for extra in [{"approved": True}, {"approval": "yes"}, {"context": {"approved": True}},
                  {"grant": "eyJhbGciOiJFZERTQSJ9.e30.AA"}]:
        with pytest.raises(ward.ApprovalRequiredError):
            pay(10, **extra)
    assert runs == []


def test_attack_only_a_grant_from_with_approval_runs_the_call(tools_engine, keys):
    private, _ = keys
    pay, runs = guarded(tools_engine)
    digest = digest_of(lambda: pay(250))
    token = tools_engine.approve(digest, "lead", private)
    # The token as an argument is just an argument: it is in args, not the grant.
    with pytest.raises(ward.ApprovalRequiredError):
        pay(250, approval=token)
    assert runs == []
    assert pay.with_approval(token)(250) == "paid 250"
    assert runs == [(250, {})]


def test_attack_the_same_grant_twice_is_used_up(tools_engine, keys):
    private, _ = keys
    pay, runs = guarded(tools_engine)
    token = tools_engine.approve(digest_of(lambda: pay(250)), "lead", private)
    assert pay.with_approval(token)(250) == "paid 250"
    with pytest.raises(ward.ApprovalRequiredError) as raised:
        pay.with_approval(token)(250)
    first = raised.value.decision.errors[0]
    assert first.rule == "" and "already used" in first.message
    assert runs == [(250, {})]
    assert tools_engine.used_grant_count == 1


def test_attack_a_grant_for_other_argument_values_is_refused(tools_engine, keys):
    private, _ = keys
    pay, runs = guarded(tools_engine)
    token = tools_engine.approve(digest_of(lambda: pay(10)), "lead", private)
    for call in [lambda: pay.with_approval(token)(1_000_000),
                 lambda: pay.with_approval(token)(10, to="attacker"),
                 lambda: pay.with_approval(token)(11)]:
        with pytest.raises(ward.ApprovalRequiredError) as raised:
            call()
        assert "another request" in raised.value.decision.errors[0].message
    assert runs == []
    # The call it was signed for still goes through, once.
    assert pay.with_approval(token)(10) == "paid 10"


def test_attack_argument_order_does_not_change_the_digest(tools_engine, keys):
    private, _ = keys
    runs = []

    @ward.guard(tools_engine, AGENT, USER, tool="pay")
    def transfer(a, b, options=None):
        runs.append((a, b, options))
        return "done"

    first = digest_of(lambda: transfer(a=1, b=2, options={"x": 1, "y": [1, 2]}))
    assert digest_of(lambda: transfer(b=2, a=1, options={"y": [1, 2], "x": 1})) == first
    assert digest_of(lambda: transfer(1, 2, {"y": [1, 2], "x": 1})) == first
    token = tools_engine.approve(first, "lead", private)
    assert transfer.with_approval(token)(b=2, options={"y": [1, 2], "x": 1}, a=1) == "done"
    assert runs == [(1, 2, {"y": [1, 2], "x": 1})]


def test_attack_an_untrusted_key_is_refused(tools_engine):
    pay, runs = guarded(tools_engine)
    forger_private, _ = ward.generate_signing_key()
    token = ward.mint_grant(digest_of(lambda: pay(5)), "lead", forger_private)
    with pytest.raises(ward.ApprovalRequiredError) as raised:
        pay.with_approval(token)(5)
    assert raised.value.decision.errors[0].rule == ""
    assert runs == []


def test_attack_an_engine_without_approval_keys_refuses_every_grant(keys):
    private, _ = keys
    engine = ward.Engine.from_sources([("t.ward", TOOLS_POLICY)],
                                      entities_json=TOOLS_ENTITIES)
    pay, runs = guarded(engine)
    token = engine.approve(digest_of(lambda: pay(5)), "lead", private)
    with pytest.raises(ward.ApprovalRequiredError) as raised:
        pay.with_approval(token)(5)
    assert "trusts no approval key" in raised.value.decision.errors[0].message
    assert runs == []


def test_attack_an_approver_the_policy_does_not_allow_is_refused(tools_engine, keys):
    private, _ = keys
    pay, runs = guarded(tools_engine)
    digest = digest_of(lambda: pay(5))
    for approver in ["u1", "a1", "nobody"]:  # u1 is the user the agent acts for
        with pytest.raises(ward.ApprovalRequiredError):
            pay.with_approval(tools_engine.approve(digest, approver, private))(5)
    assert runs == []


def test_attack_an_expired_grant_is_refused(tools_engine, keys):
    private, _ = keys
    pay, runs = guarded(tools_engine)
    token = tools_engine.approve(digest_of(lambda: pay(5)), "lead", private, ttl=60,
                                 issued_at="2020-01-01T00:00:00Z")
    with pytest.raises(ward.ApprovalRequiredError):
        pay.with_approval(token)(5)
    assert runs == []


def test_host_context_reaches_context_and_not_args(tools_engine, keys):
    seen = []

    def session(note="", amount=0):
        seen.append((note, amount))
        return {"session": "s-1"}

    @ward.guard(tools_engine, AGENT, USER, context=session)
    def secure(note=""):
        return "ran"

    # session-bound needs context.session == "s-1"; no-session-in-args forbids args.session.
    assert secure(note="hello") == "ran"
    assert seen == [("hello", 0)]

    @ward.guard(tools_engine, AGENT, USER, context={"session": "s-1"})
    def secure_pay(amount):
        return "paid"

    with pytest.raises(ward.ApprovalRequiredError) as raised:
        secure_pay(5)
    # The digest covers the args only: the context is not among them.
    assert raised.value.digest == tools_engine.approval_digest(
        AGENT, "invoke", ("tool", "secure_pay"), on_behalf_of=USER, args={"amount": 5})
    assert raised.value.digest != tools_engine.approval_digest(
        AGENT, "invoke", ("tool", "secure_pay"), on_behalf_of=USER,
        args={"amount": 5, "session": "s-1"})


def test_args_never_reach_context(tools_engine):
    runs = []

    @ward.guard(tools_engine, AGENT, USER)
    def secure(session=None):
        runs.append(session)

    with pytest.raises(ward.DeniedError) as raised:
        secure(session="s-1")  # the model names the host's session: still not the context
    assert set(raised.value.decision.rules) == {"session-bound", "no-session-in-args"}
    assert runs == []


def test_async_tools_take_grants_too(tools_engine, keys):
    private, _ = keys
    runs = []

    @ward.guard(tools_engine, AGENT, USER)
    async def pay(amount):
        runs.append(amount)
        return f"paid {amount}"

    with pytest.raises(ward.ApprovalRequiredError) as raised:
        asyncio.run(pay(7))
    token = tools_engine.approve(raised.value.digest, "lead", private)
    approved = pay.with_approval(token)
    assert asyncio.iscoroutinefunction(approved)
    assert asyncio.run(approved(7)) == "paid 7"
    with pytest.raises(ward.ApprovalRequiredError):
        asyncio.run(approved(7))
    assert runs == [7]


def test_a_grant_is_used_once_across_threads(tools_engine, keys):
    private, _ = keys
    pay, runs = guarded(tools_engine)
    token = tools_engine.approve(digest_of(lambda: pay(3)), "lead", private)
    approved = pay.with_approval(token)
    outcomes = []

    def work():
        try:
            outcomes.append(approved(3))
        except ward.ApprovalRequiredError:
            outcomes.append("refused")

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["paid 3"] + ["refused"] * 7
    assert runs == [(3, {})]


def test_grant_parameters(tools_engine, keys):
    import datetime

    private, _ = keys
    pay, runs = guarded(tools_engine)
    digest = digest_of(lambda: pay(9))
    now = datetime.datetime.now(datetime.timezone.utc)
    tokens = [tools_engine.approve(digest, "lead", private, ttl=datetime.timedelta(minutes=5),
                                   issued_at=now, jti="grant-a"),
              tools_engine.approve(digest, "lead", private, issued_at=int(now.timestamp()),
                                   jti="grant-b")]
    assert len(set(tokens)) == 2
    # The same parameters give the same token (Ed25519 is deterministic).
    assert tools_engine.approve(digest, "lead", private, ttl=300, issued_at=now,
                                jti="grant-a") == tokens[0]
    for token in tokens:
        assert pay.with_approval(token)(9) == "paid 9"
    assert len(runs) == 2
