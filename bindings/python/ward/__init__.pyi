"""Type stubs of the ward package."""

from typing import Any, Callable, List, Optional, Sequence, Tuple, TypeVar, Union

from ward._ward import Decision as Decision
from ward._ward import Engine as Engine
from ward._ward import EvaluationError as EvaluationError
from ward._ward import Obligations as Obligations

F = TypeVar("F", bound=Callable[..., Any])
Identity = Tuple[str, str]

class Issue:
    severity: str  # "error" or "warning"
    source: str
    line: int
    column: int
    message: str
    def __init__(self, severity: str, source: str, line: int, column: int, message: str) -> None: ...

class Error(Exception): ...

class PolicyError(Error):
    issues: List[Issue]
    def __init__(self, message: str, issues: Sequence[Issue] = ...) -> None: ...
    @property
    def errors(self) -> List[Issue]: ...

class EntityError(Error, ValueError): ...
class RequestError(Error, ValueError): ...
class NotFoundError(Error, LookupError): ...
class EngineClosedError(Error): ...

class NotAllowed(Error):
    decision: Decision
    def __init__(self, message: str, decision: Decision) -> None: ...

class Denied(NotAllowed): ...
class ApprovalRequired(NotAllowed): ...

def context_value(value: Any) -> Any: ...
def guard(
    engine: Engine,
    subject: Union[Identity, Callable[..., Tuple[Identity, Sequence[Identity]]], None] = ...,
    on_behalf_of: Optional[Sequence[Identity]] = ...,
    *,
    action: str = ...,
    tool: Optional[str] = ...,
    resource_type: str = ...,
    now: Any = ...,
) -> Callable[[F], F]: ...
