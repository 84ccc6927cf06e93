"""The ``guard`` decorator: a ward decision before every call of a tool function."""

from __future__ import annotations

import functools
import inspect
import json
from typing import Any, Callable, Dict, Optional, Sequence, Tuple, TypeVar, Union

from ward._errors import ApprovalRequired, Denied

F = TypeVar("F", bound=Callable[..., Any])

Identity = Tuple[str, str]
Principals = Tuple[Identity, Sequence[Identity]]


def context_value(value: Any) -> Any:
    """Returns ``value`` in a form the policy language can read as a context entry.

    The language's values are strings, ints, bools and lists of strings or of ints; such a
    value is passed as it is (None is passed too, and means absent). Anything else (a float, a
    dict, a mixed list, an int beyond 64 bits) is passed as its JSON text (``json.dumps``
    with sorted keys), a str, so that a rule can still compare it; a value with no JSON form
    (an arbitrary object, a NaN) is passed as its ``repr``.
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


def guard(
    engine: Any,
    subject: Union[Identity, Callable[..., Principals], None] = None,
    on_behalf_of: Optional[Sequence[Identity]] = None,
    *,
    action: str = "invoke",
    tool: Optional[str] = None,
    resource_type: str = "tool",
    now: Any = None,
) -> Callable[[F], F]:
    """Decorates a tool function so that ward decides every call before it runs.

    Each call is decided as ``engine.decide(subject, action, (resource_type, tool),
    context=ARGS, on_behalf_of=CHAIN)``, ARGS being the call's arguments bound to the
    function's signature with defaults applied (each converted by :func:`context_value`;
    ``*args`` and ``**kwargs`` parameters are passed the same way, as JSON text).

    Args:
      engine: the ``ward.Engine`` that decides.
      subject: the (kind, id) of the caller, with ``on_behalf_of`` its delegation chain; or a
        callable, called with the tool's arguments on every call, that returns the pair
        ``(subject, on_behalf_of)`` — for a runtime that serves many agents and users.
      on_behalf_of: the chain when ``subject`` is a fixed identity.
      action: the action decided, "invoke" by default.
      tool: the resource id, the function's ``__name__`` by default.
      resource_type: the resource type, "tool" by default.
      now: passed to ``decide`` (None: the clock).

    On ALLOW the function runs, and a str (or bytes) result has the decision's redactions
    applied. On DENY it raises :class:`ward.Denied`, on NEEDS_APPROVAL
    :class:`ward.ApprovalRequired`; both carry the decision as ``.decision``. Coroutine
    functions get an async wrapper that decides before awaiting the call.
    """
    if subject is None:
        raise TypeError("guard() needs a subject: a (kind, id) pair or a callable")
    if not isinstance(action, str):
        raise TypeError(f"guard(): `action` must be a str, not {type(action).__name__}")

    def decorate(function: F) -> F:
        name = tool if tool is not None else function.__name__
        if not isinstance(name, str):
            raise TypeError(f"guard(): `tool` must be a str, not {type(name).__name__}")
        signature = inspect.signature(function)

        def decide(args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> Any:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            context = {key: context_value(value) for key, value in bound.arguments.items()}
            if callable(subject):
                principals = subject(*args, **kwargs)
                if not (isinstance(principals, tuple) and len(principals) == 2):
                    raise TypeError(
                        "guard(): the subject callable must return (subject, on_behalf_of)")
                who, chain = principals
            else:
                who, chain = subject, on_behalf_of
            decision = engine.decide(
                subject=who,
                action=action,
                resource=(resource_type, name),
                context=context,
                on_behalf_of=list(chain) if chain else None,
                now=now,
            )
            if decision.effect == "ALLOW":
                return decision
            if decision.effect == "NEEDS_APPROVAL":
                raise ApprovalRequired(
                    f"{name}: approval required ({', '.join(decision.rules)})", decision)
            raise Denied(f"{name}: denied ({decision.reason})", decision)

        def redact(decision: Any, result: Any) -> Any:
            if isinstance(result, (str, bytes)) and decision.obligations.redact:
                return decision.redact(result)
            return result

        if inspect.iscoroutinefunction(function):

            @functools.wraps(function)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                decision = decide(args, kwargs)
                return redact(decision, await function(*args, **kwargs))

            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            decision = decide(args, kwargs)
            return redact(decision, function(*args, **kwargs))

        return wrapper  # type: ignore[return-value]

    return decorate
