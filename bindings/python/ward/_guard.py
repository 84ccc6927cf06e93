"""The ``guard`` decorator: a ward decision before every call of a tool function.

The trust boundary it keeps: a tool's arguments are what the model wrote, so they go into
the request's ``args`` (exactly, as JSON, so that an approval digest covers them), and only
what the host asserts goes into ``context``, given separately (``context=``). Neither is
ever copied into the other, and a grant (a person's signed approval) reaches the engine only
through ``guarded.with_approval(token)``, never through the function's arguments.
"""

from __future__ import annotations

import functools
import inspect
import json
from typing import Any, Callable, Dict, Mapping, Optional, Sequence, Tuple, TypeVar, Union

from ward._errors import ApprovalRequiredError, DeniedError
from ward._redact import redact as _redact_value

F = TypeVar("F", bound=Callable[..., Any])

Identity = Tuple[str, str]
Principals = Tuple[Identity, Sequence[Identity]]


def context_value(value: Any) -> Any:
    """Returns ``value`` in a form the policy language can read as a context entry.

    For a host's own facts (``context=``); a tool's arguments are never context. The
    language's values are strings, ints, bools and lists of strings or of ints; such a value is
    passed as it is (None is passed too, and means absent). Anything else (a float, a dict, a
    mixed list, an int beyond 64 bits) is passed as its JSON text (``json.dumps`` with sorted
    keys), a str, so that a rule can still compare it; a value with no JSON form (an arbitrary
    object, a NaN) is passed as its ``repr``.
    """
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, int):
        # Outside 64 bits an int has no counterpart in the language either.
        return value if -(2**63) <= value < 2**63 else str(value)
    if isinstance(value, (list, tuple)):
        if all(isinstance(v, str) for v in value):
            return list(value)
        if all(isinstance(v, int) and not isinstance(v, bool) and -(2**63) <= v < 2**63
               for v in value):
            return list(value)
    try:
        return json.dumps(value, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError):
        return repr(value)


def _check_token(token: Any) -> str:
    if not isinstance(token, str) or not token:
        raise TypeError(
            f"with_approval() needs a grant token (a non-empty str), not {type(token).__name__}")
    return token


def guard(
    engine: Any,
    subject: Union[Identity, Callable[..., Principals], None] = None,
    on_behalf_of: Optional[Sequence[Identity]] = None,
    *,
    action: str = "invoke",
    tool: Optional[str] = None,
    resource_type: str = "tool",
    context: Union[Mapping[str, Any], Callable[..., Optional[Mapping[str, Any]]], None] = None,
    now: Any = None,
    on_decision: Optional[Callable[[Any, Dict[str, Any]], None]] = None,
) -> Callable[[F], F]:
    """Decorates a tool function so that ward decides every call before it runs.

    Each call is decided as ``engine.decide(subject, action, (resource_type, tool),
    context=CONTEXT, on_behalf_of=CHAIN, args=ARGS)``:

    - ARGS are the call's arguments bound to the function's signature, defaults applied (the
      values the function will see), sent as JSON: ``**kwargs`` entries join the named ones,
      ``*args`` is a list under its name. A value with no JSON form (an object, a set, bytes,
      a NaN, a non-str key) raises ``TypeError`` before anything is decided; nothing is
      stringified. A call that does not fit the signature raises ``TypeError`` and is not
      decided.
    - CONTEXT is ``context``: a dict of the host's facts (session, channel, ...), or a
      callable that receives the call's arguments (as the function does) and returns such a
      dict (or None). It is never derived from the arguments by the guard itself.

    Args:
      engine: the ``ward.Engine`` that decides.
      subject: the (kind, id) of the caller, with ``on_behalf_of`` its delegation chain; or a
        callable, called with the tool's arguments on every call, that returns the pair
        ``(subject, on_behalf_of)`` — for a runtime that serves many agents and users.
      on_behalf_of: the chain when ``subject`` is a fixed identity.
      action: the action decided, "invoke" by default.
      tool: the resource id, the function's ``__name__`` by default.
      resource_type: the resource type, "tool" by default.
      context: the host's context, a dict or a callable (see above).
      now: passed to ``decide`` (None: the clock).
      on_decision: called with ``(decision, args)`` for every decision before it is enforced
        (for logging).

    On ALLOW the function runs, and its result leaves with the decision's redactions applied
    by :func:`ward.redact`: text, bytes, JSON-like structures (keys too), numbers whose text
    matches, sync and async generators (chunk by chunk); any other result that redactions
    apply to raises :class:`ward.RedactionError` instead of passing through. On DENY it
    raises :class:`ward.DeniedError`; on NEEDS_APPROVAL :class:`ward.ApprovalRequiredError`,
    whose ``digest`` names exactly this call. Both carry the decision as ``.decision``.

    The wrapper has ``with_approval(token)``: ``guarded.with_approval(token)(*args,
    **kwargs)`` makes the same call carrying a grant (``Engine.approve``), which the engine
    accepts once, for exactly the arguments it was signed for. Coroutine functions get an
    async wrapper that decides before awaiting the call; generator functions are decided
    when called.
    """
    if subject is None:
        raise TypeError("guard() needs a subject: a (kind, id) pair or a callable")
    if not isinstance(action, str):
        raise TypeError(f"guard(): `action` must be a str, not {type(action).__name__}")
    if not isinstance(resource_type, str):
        raise TypeError(
            f"guard(): `resource_type` must be a str, not {type(resource_type).__name__}")
    if context is not None and not callable(context) and not isinstance(context, Mapping):
        raise TypeError(
            f"guard(): `context` must be a dict or a callable, not {type(context).__name__}")

    def decorate(function: F) -> F:
        name = tool if tool is not None else function.__name__
        if not isinstance(name, str):
            raise TypeError(f"guard(): `tool` must be a str, not {type(name).__name__}")
        signature = inspect.signature(function)
        parameters = signature.parameters

        def call_args(args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> Dict[str, Any]:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            out: Dict[str, Any] = {}
            for key, value in bound.arguments.items():
                kind = parameters[key].kind
                if kind is inspect.Parameter.VAR_KEYWORD:
                    out.update(value)  # their names never collide with named parameters
                elif kind is inspect.Parameter.VAR_POSITIONAL:
                    out[key] = list(value)
                else:
                    out[key] = value
            return out

        def principals(args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> Any:
            if callable(subject):
                return subject(*args, **kwargs)
            return subject, on_behalf_of

        def host_context(args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> Any:
            return context(*args, **kwargs) if callable(context) else context

        def decide(args_json: Dict[str, Any], who: Any, ctx: Any,
                   approval: Optional[str]) -> Any:
            if not (isinstance(who, tuple) and len(who) == 2):
                raise TypeError("guard(): the subject callable must return (subject, on_behalf_of)")
            identity, chain = who
            if ctx is not None and not isinstance(ctx, Mapping):
                raise TypeError(
                    f"guard(): the context callable must return a dict, not {type(ctx).__name__}")
            decision = engine.decide(
                subject=identity,
                action=action,
                resource=(resource_type, name),
                context=dict(ctx) if ctx is not None else None,
                on_behalf_of=list(chain) if chain else None,
                now=now,
                args=args_json,
                approval=approval,
            )
            if on_decision is not None:
                on_decision(decision, args_json)
            if decision.effect == "ALLOW":
                return decision
            if decision.effect == "NEEDS_APPROVAL":
                raise ApprovalRequiredError(
                    f"{name}: approval required ({', '.join(decision.rules)}); a grant must "
                    f"name digest {decision.approval_digest}", decision)
            raise DeniedError(f"{name}: denied ({decision.reason})", decision)

        def release(decision: Any, result: Any) -> Any:
            if not decision.obligations.redact:
                return result
            return _redact_value(decision, result)

        if inspect.iscoroutinefunction(function):

            async def run_async(approval: Optional[str], args: Tuple[Any, ...],
                                kwargs: Dict[str, Any]) -> Any:
                arguments = call_args(args, kwargs)
                who = principals(args, kwargs)
                if inspect.isawaitable(who):
                    who = await who
                ctx = host_context(args, kwargs)
                if inspect.isawaitable(ctx):
                    ctx = await ctx
                decision = decide(arguments, who, ctx, approval)
                return release(decision, await function(*args, **kwargs))

            @functools.wraps(function)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                return await run_async(None, args, kwargs)

            def async_with_approval(token: str) -> Callable[..., Any]:
                grant = _check_token(token)

                @functools.wraps(function)
                async def approved(*args: Any, **kwargs: Any) -> Any:
                    return await run_async(grant, args, kwargs)

                return approved

            async_wrapper.with_approval = async_with_approval  # type: ignore[attr-defined]
            return async_wrapper  # type: ignore[return-value]

        def run(approval: Optional[str], args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> Any:
            decision = decide(call_args(args, kwargs), principals(args, kwargs),
                              host_context(args, kwargs), approval)
            return release(decision, function(*args, **kwargs))

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return run(None, args, kwargs)

        def with_approval(token: str) -> Callable[..., Any]:
            grant = _check_token(token)

            @functools.wraps(function)
            def approved(*args: Any, **kwargs: Any) -> Any:
                return run(grant, args, kwargs)

            return approved

        wrapper.with_approval = with_approval  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
