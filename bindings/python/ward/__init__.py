"""ward: policy decisions for AI security, from Python.

    import ward

    engine = ward.Engine.from_files(["schema.ward", "rules.ward"], entities="entities.json",
                                    approval_keys=[approval_service_public_pem])
    d = engine.decide(subject=("agent", "a42"), action="invoke",
                      resource=("tool", "payments.transfer"), on_behalf_of=[("user", "u5")],
                      args={"amount": 2500, "currency": "EUR"},   # what the model asked for
                      context={"session": "s-1"})                 # what the host asserts
    if d.effect == "ALLOW":
        output = ward.redact(d, output)
    elif d.effect == "NEEDS_APPROVAL":
        ask_a_person(d.approval_digest)

Every decision is made by the C++ engine (the extension ``ward._ward``); this package adds
the exceptions, the trace types, redaction of structures and streams (:func:`redact`) and
the :func:`guard` decorator for tool functions.
"""

from ward._errors import (
    ApprovalRequired,
    ApprovalRequiredError,
    BundleError,
    ClosedError,
    Denied,
    DeniedError,
    EngineClosedError,
    EntityError,
    Error,
    Issue,
    NotAllowed,
    NotFoundError,
    PolicyError,
    RedactionError,
    RequestError,
    SigningKeyError,
    WardError,
)
from ward._guard import context_value, guard
from ward._redact import redact
from ward._types import Explanation, TracePrincipal, TraceRule
from ward._ward import (
    Decision,
    DecisionLog,
    Engine,
    EvaluationError,
    Obligations,
    Redactor,
    generate_signing_key,
    mint_grant,
    public_key_of,
)

__version__ = "0.2.0"

__all__ = [
    "ApprovalRequired",
    "ApprovalRequiredError",
    "BundleError",
    "ClosedError",
    "Decision",
    "DecisionLog",
    "Denied",
    "DeniedError",
    "Engine",
    "EngineClosedError",
    "EntityError",
    "Error",
    "EvaluationError",
    "Explanation",
    "Issue",
    "NotAllowed",
    "NotFoundError",
    "Obligations",
    "PolicyError",
    "RedactionError",
    "Redactor",
    "RequestError",
    "SigningKeyError",
    "TracePrincipal",
    "TraceRule",
    "WardError",
    "context_value",
    "generate_signing_key",
    "guard",
    "mint_grant",
    "public_key_of",
    "redact",
]
