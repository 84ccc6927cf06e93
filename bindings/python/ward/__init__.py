"""ward: policy decisions for AI security, from Python.

    import ward

    engine = ward.Engine.from_files(["schema.ward", "rules.ward"], entities="entities.json")
    d = engine.decide(subject=("agent", "a17"), action="invoke", resource=("tool", "search"),
                      on_behalf_of=[("user", "u3")], context={"approved": True})
    if d.effect == "ALLOW":
        output = d.redact(output)

Every decision is made by the C++ engine (the extension ``ward._ward``); this package adds
the exceptions and the :func:`guard` decorator for tool functions.
"""

from ward._errors import (
    ApprovalRequired,
    Denied,
    EngineClosedError,
    EntityError,
    Error,
    Issue,
    NotAllowed,
    NotFoundError,
    PolicyError,
    RequestError,
)
from ward._guard import context_value, guard
from ward._ward import Decision, Engine, EvaluationError, Obligations

__all__ = [
    "ApprovalRequired",
    "Decision",
    "Denied",
    "Engine",
    "EngineClosedError",
    "EntityError",
    "Error",
    "EvaluationError",
    "Issue",
    "NotAllowed",
    "NotFoundError",
    "Obligations",
    "PolicyError",
    "RequestError",
    "context_value",
    "guard",
]
