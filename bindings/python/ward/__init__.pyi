"""Type stubs of the ward package."""

from typing import (Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, TypeVar,
                    Union)

from ward._types import Explanation as Explanation
from ward._types import TracePrincipal as TracePrincipal
from ward._types import TraceRule as TraceRule
from ward._ward import Decision as Decision
from ward._ward import DecisionLog as DecisionLog
from ward._ward import Engine as Engine
from ward._ward import EvaluationError as EvaluationError
from ward._ward import Obligations as Obligations
from ward._ward import Redactor as Redactor
from ward._ward import generate_signing_key as generate_signing_key
from ward._ward import mint_grant as mint_grant
from ward._ward import public_key_of as public_key_of

F = TypeVar("F", bound=Callable[..., Any])
Identity = Tuple[str, str]

__version__: str

class Issue:
    severity: str  # "error" or "warning"
    source: str
    line: int
    column: int
    message: str
    def __init__(self, severity: str, source: str, line: int, column: int, message: str) -> None: ...

class WardError(Exception): ...

Error = WardError

class PolicyError(WardError):
    issues: List[Issue]
    def __init__(self, message: str, issues: Sequence[Issue] = ...) -> None: ...
    @property
    def errors(self) -> List[Issue]: ...

class BundleError(PolicyError): ...
class EntityError(WardError, ValueError): ...
class RequestError(WardError, ValueError): ...
class NotFoundError(WardError, LookupError): ...
class EngineClosedError(WardError): ...

ClosedError = EngineClosedError

class SigningKeyError(WardError, ValueError): ...
class RedactionError(WardError): ...

class NotAllowed(WardError):
    decision: Decision
    def __init__(self, message: str, decision: Decision) -> None: ...

class DeniedError(NotAllowed): ...

class ApprovalRequiredError(NotAllowed):
    # What a grant for exactly this call must name.
    digest: Optional[str]

Denied = DeniedError
ApprovalRequired = ApprovalRequiredError

def context_value(value: Any) -> Any: ...
def redact(decision: Decision, value: Any) -> Any:
    """`value` with an ALLOW decision's redactions applied: str, bytes, JSON-like structures
    (keys too), numbers whose text matches, generators and async generators (chunk by
    chunk), awaitables; anything else raises RedactionError. No redactions: untouched."""

class Guarded:
    """What guard() returns: the function, with with_approval()."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any: ...
    def with_approval(self, token: str) -> Callable[..., Any]:
        """The same function, each call carrying the grant `token` (Engine.approve)."""

def guard(
    engine: Engine,
    subject: Union[Identity, Callable[..., Tuple[Identity, Sequence[Identity]]], None] = ...,
    on_behalf_of: Optional[Sequence[Identity]] = ...,
    *,
    action: str = ...,
    tool: Optional[str] = ...,
    resource_type: str = ...,
    context: Union[Mapping[str, Any], Callable[..., Optional[Mapping[str, Any]]], None] = ...,
    now: Any = ...,
    on_decision: Optional[Callable[[Decision, Dict[str, Any]], None]] = ...,
) -> Callable[[F], F]:
    """The decorated function also has ``with_approval(token)`` (see Guarded)."""
